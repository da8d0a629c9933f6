"""torch.compile with the default backend (smelt: its native JIT; PyTorch: Inductor + gcc):
cold compile latency, fused elementwise throughput against the machine's copy bandwidth, a
pointwise chain + row reduction against eager, and an MLP training step.

    smelt run bench/jit.py        python3 bench/jit.py   (with PyTorch)
"""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch._inductor.config.force_disable_caches = True  # every compile is a cold one
torch.manual_seed(0)


def best(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cold_compile(fn, *inputs):
    torch._dynamo.reset()
    compiled = torch.compile(fn)
    start = time.perf_counter()
    compiled(*inputs)
    return time.perf_counter() - start


def pointwise30(x, y):
    # 30 pointwise ops: adds, muls, unary functions, a broadcast.
    a = x + y
    for k in range(7):
        a = torch.sin(a) * 1.5 + y
        a = torch.relu(a - 0.25)
    a = torch.tanh(a) * x
    return a


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(10, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(x))


x, y = torch.randn(64, 64), torch.randn(64)
c30 = [cold_compile(pointwise30, x, y) for _ in range(3)]
print(f"cold compile, 30-op pointwise graph: best {min(c30) * 1e3:.1f} ms of 3")
toy = ToyModel()
ctoy = [cold_compile(toy, torch.randn(10, 10)) for _ in range(3)]
print(f"cold compile, ToyModel: best {min(ctoy) * 1e3:.1f} ms of 3")

# Fused elementwise on 16M floats: 8 bytes per element (one read, one write), the same traffic
# as copying the tensor into another.
n = 16 * 1024 * 1024
big = torch.randn(n)
dst = torch.empty(n)
copy_s = best(lambda: dst.copy_(big), 10)


def fused(t):
    return torch.relu(t * 2.0 + 1.0) - 0.5


torch._dynamo.reset()
fused_c = torch.compile(fused)
fused_c(big)
fused_s = best(lambda: fused_c(big), 10)
eager_s = best(lambda: fused(big), 10)
print(f"16M floats: copy {8 * n / copy_s / 1e9:.1f} GB/s, compiled relu(x*2+1)-0.5 {8 * n / fused_s / 1e9:.1f} GB/s "
      f"({copy_s / fused_s:.2f} of copy), eager {8 * n / eager_s / 1e9:.1f} GB/s")


# Six pointwise ops and a row reduction on 2048 x 2048 float32: compiled against eager.
def chain_reduce(t):
    return ((t * 1.5 + 0.25).tanh() * t - t.sin()).exp().sum(1)


m = torch.randn(2048, 2048)
torch._dynamo.reset()
chain_c = torch.compile(chain_reduce)
chain_c(m)
ok = bool(torch.allclose(chain_c(m), chain_reduce(m), rtol=1e-4, atol=1e-3))
chain_comp = best(lambda: chain_c(m), 10)
chain_eager = best(lambda: chain_reduce(m), 10)
print(f"6-op chain + row sum, 2048x2048: eager {chain_eager * 1e3:.2f} ms, compiled {chain_comp * 1e3:.2f} ms, "
      f"speed-up {chain_eager / chain_comp:.2f}x (results match {ok})")

# One MLP training step (784-512-512-10, batch 256, SGD with momentum), eager and compiled.
xb = torch.randn(256, 784)
yb = torch.randint(0, 10, (256,))


def train_time(compile_model):
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    run = torch.compile(model) if compile_model else model

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(run(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[10], loss.item()


t_eager, l_eager = train_time(False)
t_comp, l_comp = train_time(True)
print(f"MLP training step: eager {t_eager * 1e3:.2f} ms, compiled {t_comp * 1e3:.2f} ms (median of 20), "
      f"losses after 23 steps {l_eager:.4f} / {l_comp:.4f}")
