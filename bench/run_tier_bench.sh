#!/usr/bin/env bash
# The deployment figures of docs/KERNELS.md and docs/DEPLOY.md ("The AMX tier"), each
# under ../shared/tools/quiet (waits for a quiet machine, prints the load before/after):
#   1. kernel bench, 1 thread: conv rows (runtime tier, own tiles, oneDNN int8 interleaved),
#      int8 and FP32 rows, peaks; then the same forced to AVX2 (WRPN_BENCH_TARGET, DNNL_MAX_CPU_ISA);
#   2. `wrpn bench infer` for vgg_small (Fashion-MNIST and CIFAR form), resnet20, resnet18 (224);
#   3. the int8 peer networks (bench/peers/int8_onednn_peer.py, PyTorch's onednn engine).
# usage: bench/run_tier_bench.sh [OUT]   (default bench/results/tiers; needs a built build/)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/results/tiers}
mkdir -p "$OUT"
QUIET=${QUIET:-../shared/tools/quiet}
[ -x "$QUIET" ] || QUIET=""
KB=build/bench/wrpn_kernel_bench
FILTER='^(peak|int8|conv|fp32)/.*/t1/'
export WRPN_BENCH_THREADS=1
$QUIET "$KB" --benchmark_filter="$FILTER" --benchmark_out="$OUT/kernels_best.json" --benchmark_out_format=json \
  | tee "$OUT/kernels_best.txt"
WRPN_BENCH_TARGET=AVX2 DNNL_MAX_CPU_ISA=AVX2 $QUIET "$KB" --benchmark_filter="$FILTER" \
  --benchmark_out="$OUT/kernels_avx2.json" --benchmark_out_format=json | tee "$OUT/kernels_avx2.txt"
bench/kernels/tier_table.py "$OUT/kernels_best.json" > "$OUT/kernels_best.md"
bench/kernels/tier_table.py "$OUT/kernels_avx2.json" > "$OUT/kernels_avx2.md"
infer() {  # label, extra flags...
  local label=$1; shift
  $QUIET build/wrpn bench infer --configs 1:32/32,1:4/4,2:4/4 --threads 1,2 --rounds 3 --profile "$@" | tee "$OUT/infer_$label.txt"
}
for target in best AVX2; do
  t=(); [ "$target" = AVX2 ] && t=(--target AVX2)
  export DNNL_MAX_CPU_ISA=$([ "$target" = AVX2 ] && echo AVX2 || echo ALL)
  infer "vgg_fmnist_$target" --model vgg_small --batches 1,64 "${t[@]}"
  infer "vgg_cifar_$target" --model vgg_small --in-channels 3 --input-size 32 --batches 1,64 "${t[@]}"
  infer "resnet20_$target" --model resnet20 --in-channels 3 --input-size 32 --batches 1,64 "${t[@]}"
  infer "resnet18_$target" --model resnet18 --in-channels 3 --input-size 224 --batches 1,16 --seconds 1 "${t[@]}"
done
unset DNNL_MAX_CPU_ISA
$QUIET bench/peers/int8_onednn_peer.py --batches 1,64 --threads 1,2 | tee "$OUT/int8_peer.txt"
