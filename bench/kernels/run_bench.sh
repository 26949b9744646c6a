#!/usr/bin/env bash
# Runs wrpn_kernel_bench twice: the best Highway target (and oneDNN's best ISA),
# then both forced to AVX2. Writes JSON + console logs into OUT (default bench/kernels/results).
# Usage: bench/kernels/run_bench.sh [build-dir] [extra benchmark flags...]
set -euo pipefail
BUILD=${1:-build-kb}
shift || true
OUT=${OUT:-bench/kernels/results}
mkdir -p "$OUT"
BIN="$BUILD/bench/wrpn_kernel_bench"
"$BIN" --benchmark_out="$OUT/best.json" --benchmark_out_format=json "$@" | tee "$OUT/best.txt"
WRPN_BENCH_TARGET=AVX2 DNNL_MAX_CPU_ISA=AVX2 \
  "$BIN" --benchmark_out="$OUT/avx2.json" --benchmark_out_format=json "$@" | tee "$OUT/avx2.txt"
