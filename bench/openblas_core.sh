#!/usr/bin/env bash
# OpenBLAS's fallback core (Prescott) against the one wrpn now picks on this CPU (SkylakeX):
# the same bench, alternated, one process per core choice (OpenBLAS picks its core when it loads).
cd "$(dirname "$0")/.."
for round in 1 2; do
  for model in lenet5 mlp; do
    for core in Prescott auto; do
      echo "== round $round, $model, OPENBLAS_CORETYPE=${core}"
      if [ "$core" = auto ]; then pre=(env -u OPENBLAS_CORETYPE); else pre=(env OPENBLAS_CORETYPE=$core); fi
      "${pre[@]}" build/wrpn bench train --model $model --threads 1 --batch-size 128 --steps 5 --rounds 3 --configs 1:32/32 2:4/4 2>&1 | grep -v "^warning"
    done
  done
  for core in Prescott auto; do
    echo "== round $round, vgg_small CIFAR form, OPENBLAS_CORETYPE=${core}"
    if [ "$core" = auto ]; then pre=(env -u OPENBLAS_CORETYPE); else pre=(env OPENBLAS_CORETYPE=$core); fi
    "${pre[@]}" build/wrpn bench train --model vgg_small --in-channels 3 --input-size 32 --threads 1 --batch-size 128 --steps 3 --rounds 3 --configs 1:32/32 2:4/4 2>&1 | grep -v "^warning"
  done
done
