#!/usr/bin/env python3
"""Accuracy against measured runtime images/s: joins a sweep's summary.csv with the table
`wrpn bench infer` prints, and plots it with gnuplot (SVG).

Usage: scripts/accuracy_vs_speed.py SUMMARY_CSV BENCH_OUTPUT OUT_SVG [BATCH]

The bench rows are matched to the summary rows by label ("2x 4/4 dorefa"); the images/s
are the runtime's at BATCH (default 64), one thread as measured.
"""
import csv
import os
import subprocess
import sys
import tempfile


def label(row):
    width = f"{float(row['width']):g}x"
    bits = f"{row['wbits']}/{row['abits']}"
    scheme = row.get("quantizer", "wrpn")
    full = row["wbits"] == "32" and row["abits"] == "32"
    return f"{width} {bits}" + ("" if scheme == "wrpn" or full else f" {scheme}")


def bench_rates(path, batch):
    rates = {}
    for line in open(path):
        parts = line.split()
        # "<width>x <W/A> [scheme] <batch> <threads> <torch> <runtime> ..."
        if len(parts) < 6 or not parts[0].endswith("x") or "/" not in parts[1]:
            continue
        has_scheme = not parts[2].isdigit()
        name = " ".join(parts[:3] if has_scheme else parts[:2])
        rest = parts[3:] if has_scheme else parts[2:]
        if int(rest[0]) == batch:
            rates[name] = float(rest[3])
    return rates


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    summary, bench, out = sys.argv[1:4]
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    rates = bench_rates(bench, batch)
    points = []
    for row in csv.DictReader(open(summary)):
        name = label(row)
        if name not in rates:
            sys.exit(f"no bench row for '{name}' in {bench}")
        points.append((name, rates[name], float(row["acc_mean"]), float(row["acc_std"])))
    fd, data = tempfile.mkstemp(suffix=".dat")
    with os.fdopen(fd, "w") as f:
        for name, rate, acc, std in points:
            f.write(f'"{name}" {rate:.1f} {acc:.2f} {std:.2f}\n')
    script = f"""set terminal svg size 820,560 dynamic font 'sans,12' background '#ffffff'
set output '{out}'
set title 'Accuracy against measured runtime images/s (batch {batch}, 1 thread)'
set xlabel 'wrpn runtime images/s'
set ylabel 'test accuracy (%)'
set grid
set key off
plot '{data}' using 2:3:4 with yerrorbars pt 7 lc rgb '#e80', '' using 2:3:1 with labels offset 0,1 font 'sans,9'
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    finally:
        os.unlink(data)
    print(f"wrote {out} ({len(points)} points)")


if __name__ == "__main__":
    main()
