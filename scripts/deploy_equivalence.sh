#!/usr/bin/env bash
# Trains lenet5 and vgg_small at 1/1, 2/2, 4/4, 8/8 (widths 1 and 2) and a CIFAR-form ResNet-20
# at 4/4 on the generated CIFAR set, exports each to .wrpn and classifies the whole test set
# with the runtime and with the LibTorch checkpoint. Prints the markdown table of
# docs/DEPLOY.md. Usage: scripts/deploy_equivalence.sh [out_dir] (default runs/deploy).
# Training is short (the point is equivalence, not accuracy): lenet5 2 epochs on 10,000
# images, vgg_small 1 epoch on 6,000, ResNet-20 2 epochs on 5,000 generated images.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
OUT="${1:-runs/deploy}"
W=build/wrpn
mkdir -p "$OUT"
echo "| model | width | W/A bits | LibTorch acc | runtime acc | predictions differ | max logit diff | .wrpn bytes | float32 bytes | checkpoint bytes | packed k-bit / float32 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
row() {  # model width bits run_dir extra_train_flags...
  local model=$1 width=$2 bits=$3 run=$4
  shift 4
  if [ ! -f "$run/checkpoint.pt" ]; then
    $W train --model "$model" --width "$width" --wbits "$bits" --abits "$bits" --out "$run" --threads 2 "$@" >"$run.train.log" 2>&1
  fi
  $W export --checkpoint "$run/checkpoint.pt" --out "$run.wrpn" >"$run.export.log"
  $W infer --model "$run.wrpn" --reference "$run/checkpoint.pt" --threads 2 >"$run.infer.log"
  local rt_acc ref_acc differ diff wrpn_bytes float_bytes ckpt_bytes ratio
  rt_acc=$(sed -n 's/^runtime: test accuracy \([0-9.]*%\).*/\1/p' "$run.infer.log")
  ref_acc=$(sed -n 's/^LibTorch .*test accuracy \([0-9.]*%\);.*/\1/p' "$run.infer.log")
  differ=$(sed -n 's/.*predictions differ on \([0-9]* of [0-9]*\) images.*/\1/p' "$run.infer.log")
  diff=$(sed -n 's/.*max |logit diff| \([0-9.e+-]*\).*/\1/p' "$run.infer.log")
  wrpn_bytes=$(sed -n 's/^file \([0-9]*\) bytes.*/\1/p' "$run.export.log")
  float_bytes=$(sed -n 's/^float32 parameters+buffers \([0-9]*\) bytes.*/\1/p' "$run.export.log")
  ckpt_bytes=$(sed -n 's/.*checkpoint file \([0-9]*\) bytes.*/\1/p' "$run.export.log")
  ratio=$(sed -n 's/.*bytes = \([0-9.]*\) of float32.*/\1/p' "$run.export.log" | head -1)
  echo "| $model | $width | $bits/$bits | $ref_acc | $rt_acc | $differ | $diff | $wrpn_bytes | $float_bytes | $ckpt_bytes | $ratio |"
}
for width in 1 2; do
  for bits in 1 2 4 8; do
    row lenet5 $width $bits "$OUT/lenet5_w${width}_${bits}" --epochs 2 --limit-train 10000 --lr 0.05
  done
done
for width in 1 2; do
  for bits in 1 2 4 8; do
    row vgg_small $width $bits "$OUT/vgg_small_w${width}_${bits}" --epochs 1 --limit-train 6000 --lr 0.05
  done
done
[ -f "$OUT/cifar/test_batch.bin" ] || $W make-cifar --out "$OUT/cifar" --train-per-batch 1000 --test 2000 >/dev/null
row resnet20 1 4 "$OUT/resnet20_w1_4" --dataset cifar10 --data "$OUT/cifar" --epochs 2 --batch-size 50 --lr 0.05
# Format 1.1's avg_pool and concat: BN-Inception, CIFAR form, a quarter wide.
row inception_bn 0.25 4 "$OUT/inception_bn_w0.25_4" --dataset cifar10 --data "$OUT/cifar" --limit-train 2000 --epochs 1 --batch-size 50 --lr 0.05
