#!/usr/bin/env bash
# glibc's defaults (freed large blocks unmapped, the heap trimmed: every step faults its pages
# in again) against wrpn's policy (freed memory kept in the process, src/wrpn/train/freed_memory.h):
# the same bench, alternated, one process per policy. Run it under ../shared/tools/quiet.
cd "$(dirname "$0")/.."
configs=(1:32/32 1:32/32@autocast 1:4/4@int8+bf16 2:4/4@int8+bf16)
for threads in 1 2; do
  for model in vgg_small resnet20; do
    for policy in defaults kept; do
      echo "== $model CIFAR form, $threads threads, freed memory: $policy"
      if [ "$policy" = defaults ]; then pre=(env WRPN_RETURN_FREED_MEMORY=1); else pre=(env -u WRPN_RETURN_FREED_MEMORY); fi
      "${pre[@]}" /usr/bin/time -f "max resident set: %M KiB" build/wrpn bench train --model $model --in-channels 3 \
        --input-size 32 --threads $threads --batch-size 128 --steps 3 --rounds 3 --configs "${configs[@]}" 2>&1 |
        grep -v "^warning"
    done
  done
done
