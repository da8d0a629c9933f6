"""Resident memory over many compiled calls, many recompiles and many eager training steps:
each should stay flat once warm (a leak per call, compile or step shows as steady growth). No
phase calls gc.collect(): the automatic collector has to keep up on its own. Runs unmodified
under smelt and under CPython + PyTorch:

    smelt run bench/memory.py [CALLS] [COMPILES] [STEPS]
    python bench/memory.py [CALLS] [COMPILES] [STEPS]

Prints resident memory (from /proc/self/statm, Linux) at checkpoints, and the growth from the
first checkpoint after warm-up to the last.
"""
import os
import sys

import torch

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
COMPILES = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
STEPS = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


def model(x, w):
    return torch.relu(x @ w).sum(-1) * 0.5


def report(label, points):
    print(f"{label}: " + ", ".join(f"{n}: {mib:.1f} MiB" for n, mib in points))
    warm = points[1][1]
    print(f"{label}: growth after warm-up {points[-1][1] - warm:+.1f} MiB "
          f"over {points[-1][0] - points[1][0]} iterations")


def measure(label, count, one_iteration):
    """Runs `one_iteration` `count` times, reading resident memory at eleven checkpoints."""
    points = []
    step = max(count // 10, 1)
    for i in range(count + 1):
        if i % step == 0:
            points.append((i, rss_mib()))
        if i < count:
            one_iteration()
    report(label, points)


x = torch.randn(8, 16)
w = torch.randn(16, 16)
compiled = torch.compile(model)
measure("compiled calls", CALLS, lambda: compiled(x, w))


def recompile():
    torch._dynamo.reset()
    torch.compile(model)(x, w)


measure("recompiles", COMPILES, recompile)

# Eager training of a small MLP: autograd graphs are reference cycles (an output, its grad_fn,
# the output saved for backward) that live through young collections before they die.
torch.manual_seed(0)
mlp = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
opt = torch.optim.SGD(mlp.parameters(), lr=0.01)
inputs = torch.randn(64, 16)
targets = torch.randn(64, 1)


def training_step():
    loss = ((mlp(inputs) - targets) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


measure("eager training steps", STEPS, training_step)
