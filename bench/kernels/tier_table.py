#!/usr/bin/env python3
"""Markdown table of the conv rows of one wrpn_kernel_bench JSON run: the runtime's tier,
our own packed tiles, and oneDNN's int8 convolution of the same shape, measured in
interleaved rounds within the run (docs/KERNELS.md, "The AMX tier").

usage: bench/kernels/tier_table.py RUN.json [PAIRS]   (PAIRS like w4a4,w8a8; default all)"""
import json
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = json.load(open(sys.argv[1]))
    pairs = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    ctx = data["context"]
    print(f"target {ctx.get('wrpn_target')}, {ctx.get('wrpn_amx')}, {ctx.get('wrpn_onednn_tier')}, "
          f"{ctx.get('fp32_backend')}")
    print()
    print("| layer | W/A | threads | runtime tier | GMAC/s | own tiles GMAC/s | oneDNN int8 GMAC/s | vs int8 | vs FP32 conv | % of peak |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for b in data["benchmarks"]:
        name = b["name"].replace("/iterations:1/real_time", "")
        parts = name.split("/")
        if parts[0] != "conv":
            continue
        layer, pair, threads = parts[1], parts[2], parts[3]
        if pairs and pair not in pairs:
            continue
        label = b.get("label", "")
        tier = label.split(" (")[0]
        print(f"| {layer} | {pair[1]}/{pair[3]} | {threads[1:]} | {tier} | {b['GMACps']:.0f} | {b['own_GMACps']:.0f} | "
              f"{b['int8_GMACps']:.0f} | {b['x_int8']:.2f}x | {b['x_fp32']:.1f}x | {b['pct_peak']:.0f}% |")
    peaks = [b for b in data["benchmarks"] if b["name"].startswith("peak/")]
    if peaks:
        print()
        print("Peaks (register-only loops, same run): " + ", ".join(
            f"{b['name'].split('/')[1]} {b['GMACps']:.0f} GMAC/s" for b in peaks))


if __name__ == "__main__":
    main()
