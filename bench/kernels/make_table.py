#!/usr/bin/env python3
"""Turns wrpn_kernel_bench JSON (best.json, avx2.json) into the markdown tables of docs/KERNELS.md.

Usage: bench/kernels/make_table.py RUN_DIR [RUN_DIR ...] > tables.md

With several run directories every row keeps its best rate over the runs (the
machine is shared, so the fastest run is the least disturbed), on both sides of
each ratio: ours and FP32 alike, FP32 GEMM (conv) rates taken only from the runs
that also measured our GEMM (conv) rows; ratios and peak percentages are
recomputed from those best rates.
"""
import json
import statistics
import sys
from pathlib import Path


def load(path):
    data = json.loads(Path(path).read_text())
    rows = {}
    for b in data["benchmarks"]:
        name = b["name"].replace("/iterations:1/real_time", "")
        rows[name] = b
    return data["context"], rows


MIX_OF_VARIANT = {
    "bitplane_popcount": "and_popcnt_u8",
    "bitplane_nibble_lut": "and_nibble_lut_u8",
    "madd_u8s8_acc16": "maddubs_add16",
    "madd_u8s8_acc32": "maddubs_maddwd_add32",
    "madd_s16": "maddwd_add32",
    "dot_u8s8": "dpbusd",
}


def merge(loaded):
    """Best of several runs per row; recomputes x_fp32 and pct_peak from the best rates."""
    ctx = loaded[0][0]
    rows = {}
    for _, run in loaded:
        # FP32 GEMM rates only from runs that measured our GEMM rows, FP32 conv rates only from
        # runs that measured our conv rows: each ratio compares rates taken from the same runs.
        has_gemm = any(n.startswith("gemm/") for n in run)
        has_conv = any(n.startswith("conv/") for n in run)
        for name, r in run.items():
            if name.startswith("fp32/"):
                cur = rows.setdefault(name, {"GMACps": 0.0, "conv_GMACps": 0.0, "matmul_GMACps": 0.0})
                if has_gemm:
                    cur["GMACps"] = max(cur["GMACps"], r.get("GMACps", 0))
                    cur["matmul_GMACps"] = max(cur["matmul_GMACps"], r.get("matmul_GMACps", 0))
                if has_conv:
                    cur["conv_GMACps"] = max(cur["conv_GMACps"], r.get("conv_GMACps", 0))
                continue
            if name not in rows:
                rows[name] = dict(r)
                continue
            cur = rows[name]
            if False:
                pass
            elif r.get("GMACps", 0) > cur.get("GMACps", 0):
                rows[name] = dict(r)
    for name, r in rows.items():
        parts = name.split("/")
        kind = parts[0]
        if kind in ("gemm", "conv", "pairs", "variant"):
            layer, threads = parts[1], parts[-1]
            f = rows.get(f"fp32/{layer}/{threads}")
            if f:
                base = f["conv_GMACps"] if kind == "conv" else f["GMACps"]
                r["fp32_GMACps"] = base
                r["x_fp32"] = r["GMACps"] / base
            mix = MIX_OF_VARIANT.get(r.get("label", ""))
            if r.get("label") == "quad_channel_lanes":
                pair = next((x for x in parts if x.startswith("w") and "a" in x and x[1:].split("a")[0].isdigit()), "")
                vnni = ctx.get("wrpn_target") == "AVX3_DL"
                mix = "dpbusd" if vnni or pair == "w8a8" else "maddubs_add16"
            p = rows.get(f"peak/{mix}/{threads}") if mix else None
            if p:
                r["pct_peak"] = 100.0 * r["GMACps"] / p["GMACps"]
        if kind == "fp32":
            p = rows.get(f"peak/fma_f32/{parts[-1]}")
            if p:
                r["pct_peak"] = 100.0 * r["GMACps"] / p["GMACps"]
    return ctx, rows


def fmt(x, digits=1):
    return f"{x:.{digits}f}"


def peaks_table(runs):
    out = ["| mix | " + " | ".join(f"{tag} t{t}" for tag in runs for t in (1, 2)) + " |",
           "|---|" + "---|" * (2 * len(runs))]
    mixes = sorted({n.split("/")[1] for _, rows in runs.values() for n in rows if n.startswith("peak/")},
                   key=lambda m: ["and_popcnt_u8", "and_nibble_lut_u8", "maddubs_add16", "maddubs_maddwd_add32",
                                  "maddwd_add32", "dpbusd", "fma_f32"].index(m))
    for mix in mixes:
        cells = []
        for tag, (_, rows) in runs.items():
            for t in (1, 2):
                r = rows.get(f"peak/{mix}/t{t}")
                cells.append(fmt(r["GMACps"]) if r else "-")
        out.append(f"| {mix} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def layer_table(rows, threads, layers, pairs):
    out = ["| layer (M x N x K) | FP32 oneDNN GEMM / conv GMAC/s | " +
           " | ".join(f"w{kw}a{ka} GMAC/s (x FP32, % peak) [conv x FP32]" for kw, ka in pairs) + " |",
           "|---|---|" + "---|" * len(pairs)]
    for layer, mnk in layers:
        f = rows.get(f"fp32/{layer}/t{threads}")
        if not f:
            continue
        cells = [f"{fmt(f['GMACps'])} / {fmt(f['conv_GMACps'])}"]
        for kw, ka in pairs:
            g = rows.get(f"gemm/{layer}/w{kw}a{ka}/t{threads}")
            c = rows.get(f"conv/{layer}/w{kw}a{ka}/t{threads}")
            if not g:
                cells.append("-")
                continue
            cells.append(f"{fmt(g['GMACps'])} ({fmt(g['x_fp32'], 2)}x, {fmt(g['pct_peak'], 0)}%) "
                         f"[{fmt(c['x_fp32'], 2) if c else '-'}x]")
        out.append(f"| {layer} ({mnk}) | " + " | ".join(cells) + " |")
    return "\n".join(out)


def pairs_grid(rows, threads, layer):
    out = ["| k_w \\ k_a | " + " | ".join(str(a) for a in range(1, 9)) + " |", "|---|" + "---|" * 8]
    for kw in range(1, 9):
        cells = []
        for ka in range(1, 9):
            r = rows.get(f"pairs/{layer}/w{kw}a{ka}/t{threads}")
            cells.append(f"{fmt(r['GMACps'], 0)} ({fmt(r['x_fp32'], 1)}x)" if r else "-")
        out.append(f"| {kw} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def variants_table(rows, threads, layer):
    out = ["| pair | variant | GMAC/s | x FP32 | % of its mix peak |", "|---|---|---|---|---|"]
    for name, r in sorted(rows.items()):
        if name.startswith(f"variant/{layer}/") and name.endswith(f"/t{threads}"):
            _, _, pair, variant, _ = name.split("/")
            out.append(f"| {pair} | {variant} | {fmt(r['GMACps'])} | {fmt(r['x_fp32'], 2)} | {fmt(r['pct_peak'], 0)} |")
    return "\n".join(out)


def floors(rows, layers, tag):
    floor = {(1, 1): 6.0, (2, 2): 1.8, (4, 4): 2.0, (8, 8): 1.2}
    out = [f"| pair | floor | {tag}: x FP32 per large layer (t1, GEMM) | median | met on |", "|---|---|---|---|---|"]
    for (kw, ka), need in floor.items():
        xs = []
        for layer, _ in layers:
            g = rows.get(f"gemm/{layer}/w{kw}a{ka}/t1")
            if g:
                xs.append(g["x_fp32"])
        if not xs:
            continue
        met = sum(1 for x in xs if x >= need)
        out.append(f"| w{kw}a{ka} | {need}x | " + ", ".join(fmt(x, 2) for x in xs) +
                   f" | {fmt(statistics.median(xs), 2)} | {met}/{len(xs)} |")
    return "\n".join(out)


def main():
    dirs = [Path(d) for d in (sys.argv[1:] or ["bench/kernels/results"])]
    runs = {}
    for tag in ("best", "avx2"):
        loaded = []
        for d in dirs:
            try:
                loaded.append(load(d / f"{tag}.json"))
            except (FileNotFoundError, json.JSONDecodeError) as e:  # a run still writing, or absent
                print(f"skipping {d / (tag + '.json')}: {e}", file=sys.stderr)
        if loaded:
            runs[tag] = merge(loaded)
    print(f"Best of {len(dirs)} run(s): " + ", ".join(str(d) for d in dirs) + "\n")
    pairs = [(1, 1), (1, 2), (2, 2), (4, 4), (8, 8)]
    any_rows = next(iter(runs.values()))[1]
    layers = []
    for n, r in any_rows.items():
        if n.startswith("fp32/") and n.endswith("/t1"):
            layer = n.split("/")[1]
            g = any_rows.get(f"gemm/{layer}/w1a1/t1")
            layers.append((layer, r.get("label", "")))
    # M x N x K from the layer names is not stored; recompute from the shapes table in bench_shapes.h.
    print("## Peaks of each instruction mix (GMAC/s; the micro-kernel tile, operands from L1, accumulators in registers)\n")
    print(peaks_table(runs))
    for tag, (ctx, rows) in runs.items():
        print(f"\n## {tag}: target {ctx.get('wrpn_target')}, {ctx.get('fp32_backend')}\n")
        print(f"CPU: {ctx.get('num_cpus')} x {ctx.get('mhz_per_cpu')} MHz, date {ctx.get('date')}\n")
        for t in (1, 2):
            print(f"\n### {tag}, {t} thread(s)\n")
            print(layer_table(rows, t, [(l, shapes.get(l, '')) for l, _ in layers], pairs))
        big = "r34_w1_s3_256x14"
        print(f"\n### {tag}: every pair on {big} ({shapes[big]}), 1 thread: GMAC/s (x FP32)\n")
        print(pairs_grid(rows, 1, big))
        print(f"\n### {tag}: every exact variant on {big}, 1 thread\n")
        print(variants_table(rows, 1, big))
        print(f"\n### {tag}: floors (ResNet-34 layers, 1 thread, GEMM vs FP32 oneDNN GEMM)\n")
        print(floors(rows, [(l, 0) for l, _ in layers if l.startswith("r34")], tag))


def layer_shapes():
    shapes = {}
    for w in (1, 2):
        def add(name, batch, hw, cin, cout, k, stride):
            out = (hw + 2 * (k // 2) - k) // stride + 1
            shapes[name] = f"{cout} x {batch * out * out} x {cin * k * k}"
        s = f"_w{w}"
        add("vgg" + s + "_c2_16x28", 8, 28, 16 * w, 16 * w, 3, 1)
        add("vgg" + s + "_c3_32x14", 8, 14, 16 * w, 32 * w, 3, 1)
        add("vgg" + s + "_c4_32x14", 8, 14, 32 * w, 32 * w, 3, 1)
        add("vgg" + s + "_c5_64x7", 8, 7, 32 * w, 64 * w, 3, 1)
        add("r34" + s + "_s1_64x56", 1, 56, 64 * w, 64 * w, 3, 1)
        add("r34" + s + "_s2_down3x3", 1, 56, 64 * w, 128 * w, 3, 2)
        add("r34" + s + "_s2_down1x1", 1, 56, 64 * w, 128 * w, 1, 2)
        add("r34" + s + "_s2_128x28", 1, 28, 128 * w, 128 * w, 3, 1)
        add("r34" + s + "_s3_256x14", 1, 14, 256 * w, 256 * w, 3, 1)
        add("r34" + s + "_s4_512x7", 1, 7, 512 * w, 512 * w, 3, 1)
    return shapes


shapes = layer_shapes()

if __name__ == "__main__":
    main()
