"""Elementwise add of two 16M-element float32 tensors, in GB/s moved (two reads, one write).

    smelt run bench/add_bandwidth.py      python3 bench/add_bandwidth.py   (with PyTorch)
"""
import time

import torch

n = 16 * 1024 * 1024
x = torch.ones(n)
y = torch.ones(n)
x + y
runs = 10
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    x + y
    best = min(best, time.perf_counter() - start)
print(f"add f32 x{n}: {3 * 4 * n / best / 1e9:.2f} GB/s (best of {runs}, {best * 1e3:.2f} ms)")
