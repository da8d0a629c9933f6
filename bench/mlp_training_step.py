"""One training step (forward, cross-entropy, backward, SGD with momentum) of an MLP
784-512-512-10 on a batch of 256 float32 rows, in ms per step.

    smelt run bench/mlp_training_step.py      python3 bench/mlp_training_step.py   (with PyTorch)
"""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(256, 784)
y = torch.randint(0, 10, (256,))


def step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


for _ in range(3):
    step()
runs = 20
times = []
for _ in range(runs):
    start = time.perf_counter()
    loss = step()
    times.append(time.perf_counter() - start)
times.sort()
flops = 3 * 2 * 256 * (784 * 512 + 512 * 512 + 512 * 10)
median = times[runs // 2]
print(f"MLP 784-512-512-10 batch 256 training step: median {median * 1e3:.2f} ms, best {times[0] * 1e3:.2f} ms "
      f"({flops / median / 1e9:.1f} GFLOP/s at the median), loss {loss.item():.4f}")
