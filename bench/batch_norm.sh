#!/usr/bin/env bash
# Training batch norm on wrpn's kernels against LibTorch's (src/wrpn/nn/batch_norm_training.h):
# the same bench, alternated, one process per setting (a second model in the same process
# changes the first one's step time), each with the 1x FP32 baseline in its own run.
# Run it under ../shared/tools/quiet.
cd "$(dirname "$0")/.."
for threads in 1 2; do
  for model in vgg_small resnet20; do
    for bn in wrpn libtorch; do
      suffix=""
      [ "$bn" = libtorch ] && suffix="+libtorch-bn"
      echo "== $model CIFAR form, $threads threads, batch norm: $bn"
      build/wrpn bench train --model $model --in-channels 3 --input-size 32 --threads $threads --batch-size 128 \
        --steps 3 --rounds 5 --configs "1:32/32@float$suffix,1:32/32@autocast$suffix,1:4/4@int8+bf16$suffix,2:4/4@int8+bf16$suffix" \
        2>&1 | grep -v "^warning"
    done
  done
done
