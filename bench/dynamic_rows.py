"""Automatic dynamic shapes: `x.sum(1) * 2` compiled with the default backend and called on 100
different row counts (64 columns), total time including every compile. PyTorch compiles twice
(static, then with the row count symbolic); so does smelt's tracer. Also prints how many graphs
were compiled and the time of a second pass over the same sizes (no compiles).

    smelt run bench/dynamic_rows.py        python3 bench/dynamic_rows.py   (with PyTorch)
"""
import time

import torch
import torch._dynamo.testing

torch.manual_seed(0)
rows = [3 + 7 * i for i in range(100)]
inputs = [torch.randn(n, 64) for n in rows]


def f(x):
    return x.sum(1) * 2


counter = torch._dynamo.testing.CompileCounterWithBackend("inductor")
compiled = torch.compile(f, backend=counter)
start = time.perf_counter()
for x in inputs:
    out = compiled(x)
total = time.perf_counter() - start
start = time.perf_counter()
for x in inputs:
    out = compiled(x)
warm = time.perf_counter() - start
ok = all(torch.allclose(compiled(x), f(x), rtol=1e-5, atol=1e-5) for x in inputs)
print(f"x.sum(1) * 2 on 100 row counts: {total * 1e3:.1f} ms total with compiles "
      f"({counter.frame_count} graphs), second pass {warm * 1e3:.2f} ms, results equal eager: {ok}")
