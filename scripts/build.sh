#!/usr/bin/env bash
# Configures (Release by default) and builds wrpn into ./build; the CLI lands at build/wrpn.
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/bootstrap.sh"
BUILD_TYPE="${WRPN_BUILD_TYPE:-Release}"
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
cmake --build build --parallel "$(nproc)"
