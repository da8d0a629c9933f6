"""Per-op overhead: `x + y` on 1-element float32 tensors (eager dispatch cost, not math).

    smelt run bench/op_overhead.py        python3 bench/op_overhead.py   (with PyTorch)
"""
import time

import torch

x = torch.ones(1)
y = torch.ones(1)
for _ in range(1000):
    x + y
n = 200_000
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    for _ in range(n):
        x + y
    best = min(best, time.perf_counter() - start)
print(f"x + y, 1-element float32: {best / n * 1e6:.3f} us/op (best of 5 x {n})")
