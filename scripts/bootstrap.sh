#!/usr/bin/env bash
# Installs the Debian packages wrpn needs, only those that are missing.
# Sourced or run by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail

WRPN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libgloo-dev libhwy-dev zlib1g-dev libturbojpeg0-dev
  libdnnl-dev  # oneDNN headers (the libdnnl.so.2 LibTorch links): int8 inference tier, int8 training forward
  ocl-icd-opencl-dev  # Debian's oneDNN is built for OpenCL GPUs: its dnnl-config.cmake requires OpenCL to configure
  libopenblas0-openmp  # LibTorch's matmul on OpenBLAS, not the reference BLAS (71-74 vs 2.8 GMAC/s, issue 14)
  libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist gnuplot-nox
  clang libclang-rt-14-dev  # the parsers' libFuzzer targets (scripts/fuzz.sh)
  python3-torch python3-numpy python3-pytest pybind11-dev python3-pybind11  # Python: wrpn.torch, wrpn.training (tests/python)
)

missing=()
for pkg in "${WRPN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "wrpn: installing missing Debian packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
