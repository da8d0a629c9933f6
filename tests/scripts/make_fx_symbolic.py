# make_fx(tracing_mode="symbolic"): every input size a symbol (duck-sized, named from the source
# `input{i}` as PyTorch names it), sym_size_int nodes for sizes used as values. Compared with
# PyTorch 2.15's printed graphs.
import torch
from torch.fx.experimental.proxy_tensor import make_fx
def f(x, y):
    return (x * 2).sum(1) + y.shape[0]
print(make_fx(f, tracing_mode="symbolic")(torch.randn(4, 3), torch.randn(5)).print_readable(print_output=False))
print(make_fx(lambda a: a.view(-1) + 1, tracing_mode="symbolic")(torch.randn(3, 4)).print_readable(print_output=False))
print(make_fx(lambda a, b: a @ b, tracing_mode="symbolic")(torch.randn(3, 4), torch.randn(4, 5)).print_readable(print_output=False))
print(make_fx(lambda a: a[: a.shape[0] // 2].relu(), tracing_mode="symbolic")(torch.randn(6, 2)).print_readable(print_output=False))
print(make_fx(lambda a, n: a * n, tracing_mode="symbolic")(torch.randn(3), 4).print_readable(print_output=False))
