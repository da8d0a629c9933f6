"""float32 matmul 1024x1024 @ 1024x1024, in GFLOP/s.

    smelt run bench/matmul.py             python3 bench/matmul.py   (with PyTorch)
"""
import time

import torch

n = 1024
torch.manual_seed(0)
a = torch.randn(n, n)
b = torch.randn(n, n)
a @ b
runs = 10
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - start)
print(f"matmul f32 {n}x{n}x{n}: {2 * n**3 / best / 1e9:.1f} GFLOP/s (best of {runs}, {best * 1e3:.2f} ms)")
