"""Automatic dynamic shapes in training: an MLP's forward and backward compiled with the default
backend and run on 20 different batch sizes, total time including every compile, and a second
pass over the same sizes (no compiles). Both sides compile the frame twice (static, then with the
batch size symbolic); AOT autograd traces the second joint graph once for every batch size.

    smelt run bench/dynamic_training.py        python3 bench/dynamic_training.py   (with PyTorch)
"""
import time

import torch
import torch._dynamo.testing

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8))
batches = [3 + 5 * i for i in range(20)]
inputs = [torch.randn(n, 32) for n in batches]


def step(fn, x):
    loss = fn(x).square().mean()
    loss.backward()
    return loss


counter = torch._dynamo.testing.CompileCounterWithBackend("inductor")
compiled = torch.compile(model, backend=counter)
start = time.perf_counter()
for x in inputs:
    step(compiled, x)
total = time.perf_counter() - start
start = time.perf_counter()
for x in inputs:
    step(compiled, x)
warm = time.perf_counter() - start
ok = True
for x in inputs:
    model.zero_grad()
    a = step(compiled, x)
    ga = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    b = step(model, x)
    ok = ok and torch.allclose(a, b, rtol=1e-4, atol=1e-5) and all(
        torch.allclose(g, p.grad, rtol=1e-4, atol=1e-5) for g, p in zip(ga, model.parameters()))
print(f"MLP training step on 20 batch sizes: {total * 1e3:.1f} ms total with compiles "
      f"({counter.frame_count} graphs), second pass {warm * 1e3:.2f} ms, losses and gradients equal eager: {ok}")
