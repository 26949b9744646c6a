#!/usr/bin/env bash
# Configures (Release by default) and builds wrpn into ./build; the CLI lands at build/wrpn.
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/bootstrap.sh"
BUILD_TYPE="${WRPN_BUILD_TYPE:-Release}"
# build.ninja, not CMakeCache.txt: a configure that failed half-way leaves the cache behind.
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
cmake --build build --parallel "$(nproc)"
