#!/usr/bin/env bash
# Reproduces the Fashion-MNIST table of docs/RESULTS.md: MODEL at 1x 32/32, 2x 4b/4b and
# 1x 4b/4b, the same epochs each, default recipe (SGD + Nesterov, lr 0.1, cosine, batch 128).
# usage: scripts/results.sh MODEL EPOCHS [THREADS]   (runs land in runs/results/)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?model}; epochs=${2:?epochs}; threads=${3:-0}
echo "| model | width | W/A bits | epochs | test acc % | seconds |"
echo "|---|---|---|---|---|---|"
for cfg in "1 32 32" "2 4 4" "1 4 4"; do
  set -- $cfg
  out=runs/results/$model-w$1-$2-$3
  start=$(date +%s)
  acc=$(build/wrpn train --model "$model" --width "$1" --wbits "$2" --abits "$3" --epochs "$epochs" \
          --threads "$threads" --out "$out" | sed -n 's/^done: test accuracy \([0-9.]*\)%.*/\1/p')
  echo "| $model | $1x | $2/$3 | $epochs | $acc | $(( $(date +%s) - start )) |"
done
