"""torch.compile costs: cold compile of the seeds' ToyModel, and the per-call overhead of a
compiled function on tiny tensors (guard check + dispatch), with backend="eager" so only the
tracer, guards and cache are measured.

    smelt run bench/compile_overhead.py        python3 bench/compile_overhead.py   (with PyTorch)
"""
import time

import torch


class ToyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(10, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(x))


def compile_time():
    torch._dynamo.reset()
    model = torch.compile(ToyModel(), backend="eager", dynamic=False)
    x = torch.randn(10, 10)
    start = time.perf_counter()
    model(x)
    return time.perf_counter() - start


first = compile_time()  # includes loading the compiler itself
warm = min(compile_time() for _ in range(5))
print(f"ToyModel compile, first in process: {first * 1e3:.1f} ms")
print(f"ToyModel compile, compiler loaded (best of 5): {warm * 1e3:.2f} ms")


def add(a, b):
    return a + b


def per_call(fn, n=20_000):
    a, b = torch.ones(1), torch.ones(1)
    for _ in range(100):
        fn(a, b)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn(a, b)
        best = min(best, time.perf_counter() - start)
    return best / n


compiled = torch.compile(add, backend="eager", dynamic=False)
t_compiled = per_call(compiled)
t_eager = per_call(add)
print(f"a + b on 1-element tensors: compiled {t_compiled * 1e6:.2f} us/call, eager {t_eager * 1e6:.2f} us/call, "
      f"overhead {(t_compiled - t_eager) * 1e6:.2f} us/call")
