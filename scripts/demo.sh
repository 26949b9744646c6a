#!/usr/bin/env bash
# README command 1: set up, build, then run `wrpn demo` (1x FP32 vs 2x-wide 4b/4b on Fashion-MNIST).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec build/wrpn demo "$@"
