#!/usr/bin/env python3
"""The cost of the Python boundary: wrpn.Model.predict images/s (numpy in, numpy out, one call
per batch) against the same model's C++ loop (Model.benchmark, no Python per batch), measured
in one run, interleaved, median of rounds. Usage:
    PYTHONPATH=build/python /usr/bin/python3 scripts/python_overhead.py MODEL.wrpn [batch] [threads]
"""
import statistics
import sys
import time

import numpy as np

import wrpn


def predict_rate(model, px, seconds):
    model.predict(px)  # warm
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or calls < 2:
        model.predict(px, threads=THREADS)
        calls += 1
    return calls * len(px) / (time.perf_counter() - start)


path = sys.argv[1]
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
model = wrpn.Model(path)
c, h, w = model.info()["input_shape"]
px = (np.arange(batch * c * h * w) * 131 % 256).astype(np.uint8).reshape(batch, c, h, w)
x = ((px.astype(np.float32) / 255.0 - 0.5) / 0.5).astype(np.float32)  # floats, as `wrpn bench infer` feeds
py, pf, cc = [], [], []
for _ in range(5):
    py.append(predict_rate(model, px, 1.0))
    pf.append(predict_rate(model, x, 1.0))
    cc.append(model.benchmark(batch=batch, threads=THREADS, seconds=1.0))
p, f, q = statistics.median(py), statistics.median(pf), statistics.median(cc)
print(f"{path}: batch {batch}, {THREADS} thread(s), median of 5 interleaved rounds")
print(f"  wrpn.Model.predict, uint8 pixels   {p:10.0f} images/s")
print(f"  wrpn.Model.predict, float32        {f:10.0f} images/s")
print(f"  C++ loop on pixels (benchmark)     {q:10.0f} images/s")
print(f"  predict (pixels) / C++ loop        {p / q:10.3f}")
