#!/usr/bin/env python3
"""Prints a markdown table of how each run of a `wrpn sweep` folder learned: train loss after
the first and the last epoch, test accuracy, and the largest fraction of activation inputs
clipped above 1 in the last epoch (metrics.jsonl), for every finished run. Rows are ordered by
model, width, bits.
usage: scripts/sweep_learning_table.py SWEEP_DIR [BASELINE_RUN]"""
import json
import math
import os
import re
import sys


def runs(folder):
    for name in os.listdir(os.path.join(folder, "runs")):
        m = re.match(r"(.+)-w([\d.]+)-(\d+)-(\d+)-s(\d+)$", name)
        path = os.path.join(folder, "runs", name, "metrics.jsonl")
        # result.json marks a finished run; an unfinished one is left out
        if not m or not os.path.exists(os.path.join(folder, "runs", name, "result.json")):
            continue
        with open(path) as f:
            epochs = [json.loads(line) for line in f if line.strip()]
        if epochs:
            yield (m.group(1), float(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))), epochs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = sorted(runs(sys.argv[1]), key=lambda r: (r[0][0], r[0][1], -r[0][2], -r[0][3], r[0][4]))
    base = {}
    for key, epochs in rows:
        if key[1] == 1 and key[2] == 32 and key[3] == 32:
            base[key[0]] = epochs[-1]["test_acc"]
    print("| model | width | W/A | seed | epochs | train loss, epoch 1 | train loss, last | test acc % | vs 1x FP32 | max clipped above 1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (model, width, wb, ab, seed), epochs in rows:
        last = epochs[-1]
        clipped = max(last.get("clipped_high", {}).values(), default=0.0)
        delta = f"{last['test_acc'] - base[model]:+.2f}" if model in base else "-"
        print(f"| {model} | {width:g}x | {wb}/{ab} | {seed} | {len(epochs)} | {epochs[0]['train_loss']:.3f} | "
              f"{last['train_loss']:.3f} | {last['test_acc']:.2f} | {delta} | {100 * clipped:.1f}% |")
    print(f"\n(ln 10 = {math.log(10):.3f}: the loss of a uniform guess over 10 classes)")


if __name__ == "__main__":
    main()
