# Graphs torch.compile captures, printed by a recording backend: compared with PyTorch's text.
import torch
from torch._dynamo.testing import EagerAndRecordGraphs, normalize_gm

torch.manual_seed(0)


def show(title, fn, *args, **kwargs):
    torch._dynamo.reset()
    backend = EagerAndRecordGraphs()
    compiled = torch.compile(fn, backend=backend, fullgraph=True)
    out = compiled(*args, **kwargs)
    expected = fn(*args, **kwargs)
    print(f"== {title}: {len(backend.graphs)} graph(s)")
    for gm in backend.graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))
    print("matches eager:", _same(out, expected))
    return out


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(torch.allclose(a, b))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


def elementwise(x):
    return torch.relu(x.sin() * 2 + 1).cos() - x


show("elementwise chain", elementwise, torch.randn(10))


class TwoLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


show("two-Linear module", TwoLinear(), torch.randn(3, 4))
seq = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.GELU(), torch.nn.LayerNorm(4))
show("Sequential with GELU and LayerNorm", seq, torch.randn(2, 4))
show("a torch.nn module on its own", torch.nn.Linear(3, 2), torch.randn(2, 3))


def views(x, y):
    a = x.view(2, 6).t()
    b = torch.cat([a, y.transpose(0, 1)], dim=1)
    return b[0], b[:, 1:3], b[..., None].reshape(-1)


show("views, transposes, cat, indexing", views, torch.randn(3, 4), torch.randn(3, 6))


def helper(x, scale=2.0, shift=1):
    return x * scale + shift


def with_helpers(x):
    return helper(x) + helper(x, 3.0, shift=x)


show("helper functions with default args", with_helpers, torch.randn(5))


def loop(x):
    for i in range(3):
        x = x + i
    return x


show("a Python loop over range", loop, torch.randn(5))


def containers(d, t):
    return {"sum": d["a"] + t[0], "prod": d["b"] * t[1]}


out = show("dict and tuple inputs, dict output", containers, {"a": torch.randn(2), "b": torch.randn(2)},
           (torch.randn(2), torch.randn(2)))
print(sorted(out))

g_bias = torch.randn(2)


def inplace_on_clone(x):
    y = x.clone()
    y += g_bias
    y.mul_(2)
    return y


show("in-place ops on a clone, a global", inplace_on_clone, torch.randn(2))


def metadata(x):
    y = x.sin()
    v, i = torch.max(x, 1)
    n = x.shape[0] + x.size(1) + x.dim()
    return x.cos() * n, v, x.dtype, x.shape


print(show("metadata is constant, unused values stay", metadata, torch.randn(2, 3))[2:])


def grad_mode(x):
    with torch.no_grad():
        y = x * 2
    return y + 1


show("no_grad block", grad_mode, torch.randn(2, 3))


def closure_maker(scale):
    def inner(x):
        return x * scale

    return inner


show("a closure", closure_maker(3.0), torch.randn(3))


def builtins_and_lists(x, ys):
    total = x
    for i, y in enumerate(ys):
        total = total + y * (i + 1)
    parts = [t.sum() for t in ys]
    return total, len(ys), max(1, len(parts)), isinstance(x, torch.Tensor), torch.stack(parts)


show("enumerate, comprehensions, builtins", builtins_and_lists, torch.randn(2), [torch.randn(2), torch.randn(2)])


def functional_calls(x, w):
    h = torch.nn.functional.linear(x, w)
    h = torch.nn.functional.softmax(h, dim=-1)
    h = torch.nn.functional.dropout(h, 0.1, training=False)
    return torch.add(h, h, alpha=2), torch.tensor([1.0, 2.0]) + h


show("torch.nn.functional calls and kwargs", functional_calls, torch.randn(2, 3), torch.randn(2, 3))


def returns_input(x):
    return x


show("returning an input", returns_input, torch.randn(2))
