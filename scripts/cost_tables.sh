#!/usr/bin/env bash
# Regenerates the tables of docs/COST.md from `wrpn cost --format json` (needs python3 for
# the formatting only). usage: scripts/cost_tables.sh > /tmp/cost.md
set -euo pipefail
cd "$(dirname "$0")/.."
for model in alexnet_bn resnet34 inception_bn; do
  for batch in 1 256; do
    echo
    echo "### $model, 224x224, batch $batch"
    echo
    echo "| width | W/A | params | weight MB | ratio | MACs (G) | ratio | bit-ops ratio | linear MAC cost ratio | inference act. MB | training MB | ratio | activation share of training |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for width in 1 2 3; do
      for p in 32/32 8/8 4/4 2/2; do
        build/wrpn cost --model "$model" --width "$width" --wbits "${p%/*}" --abits "${p#*/}" \
          --classes 1000 --in-channels 3 --input-size 224 --batch "$batch" --format json |
        python3 -c '
import json, sys
r = json.load(sys.stdin); t = r["total"]; q = r["ratio"]
print("| {}x | {}/{} | {:.2f}M | {:.2f} | {:.3f} | {:.2f} | {:.2f} | {:.4f} | {:.3f} | {:.2f} | {:.1f} | {:.3f} | {:.1f}% |".format(
  r["width"], r["wbits"], r["abits"], t["params"] / 1e6, t["weight_bytes"] / 1e6, q["weight_bytes"],
  t["macs"] / 1e9, q["macs"], q["bit_ops"], q["mac_cost"], t["inference_activation_bytes"] / 1e6,
  t["training_bytes"] / 1e6, q["training_bytes"], 100 * t["activation_share"]))'
      done
    done
  done
done
