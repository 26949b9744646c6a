#!/usr/bin/env bash
# README command 2: set up, build, then run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure --timeout 1200 -j "$(nproc)" "$@"
