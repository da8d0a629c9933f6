# Python constructs inside torch.compile(fullgraph=True): each case compiles to one graph, printed
# by a recording backend and compared with PyTorch's text; the compiled result must equal eager.
import math

import torch
import torch.nn.functional as F
from torch._dynamo.testing import EagerAndRecordGraphs, normalize_gm

torch.manual_seed(0)

G_SCALE = 3
G_BIAS = torch.randn(4)


def show(title, fn, *args, **kwargs):
    torch._dynamo.reset()
    backend = EagerAndRecordGraphs()
    compiled = torch.compile(fn, backend=backend, fullgraph=True, dynamic=False)
    try:
        out = compiled(*args, **kwargs)
    except Exception as e:  # a failing case must not hide the ones after it
        print(f"== {title}: failed with {type(e).__name__}")
        return None
    expected = fn(*args, **kwargs)
    print(f"== {title}: {len(backend.graphs)} graph(s)")
    for gm in backend.graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))
    print("matches eager:", _same(out, expected))
    return out


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype and bool(
            torch.equal(a, b) if a.dtype == torch.bool else torch.allclose(a, b))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def unpacking(x, pair):
    a, b = pair
    first, *rest = (x, x + 1, x + 2)
    *init, last = [x * 2, x * 3, x * 4]
    (c, d), e = (a, b), x
    return first + sum(rest) + init[0] + last, c * d - e, len(rest)


show("tuple/list unpacking, star-unpacking", unpacking, torch.randn(3), (torch.randn(3), torch.randn(3)))


def closures(x):
    scale = 2
    offset = x.cos()

    def inner(y):
        return y * scale + offset

    def outer(y):
        def deeper(z):
            return inner(z) - scale

        return deeper(y)

    return outer(x.sin())


show("nested functions and closures", closures, torch.randn(4))


def lambdas(x):
    double = lambda t: t * 2  # noqa: E731
    add = lambda t, k=3: t + k  # noqa: E731
    return add(double(x)), (lambda t: t.relu())(x)


show("lambdas with defaults", lambdas, torch.randn(4))


def comprehensions(x):
    parts = [x * i for i in range(3)]
    squares = {f"p{i}": p * p for i, p in enumerate(parts)}
    evens = [p for i, p in enumerate(parts) if i % 2 == 0]
    return sum(squares.values()), torch.stack(evens), [i * i for i in range(4)]


show("list/dict comprehensions", comprehensions, torch.randn(3))


def iteration(x, ys):
    out = x
    for i, (y, w) in enumerate(zip(ys, [1.0, 2.0, 3.0]), start=1):
        out = out + y * w * i
    for y in reversed(ys):
        out = out - y
    return out


show("zip, enumerate(start=), reversed", iteration, torch.randn(2), [torch.randn(2), torch.randn(2), torch.randn(2)])


def dict_methods(x):
    d = {"a": x, "b": x + 1}
    d.update({"c": x * 2})
    d.update(e=x - 1)
    total = d.get("z", x)
    for k, v in d.items():
        total = total + v
    return total, list(d.keys()), d.get("c"), len(d)


show("dict methods on a local dict", dict_methods, torch.randn(3))


def list_methods(x):
    acc = []
    acc.append(x)
    acc.extend([x + 1, x + 2])
    last = acc.pop()
    acc.insert(0, last)
    first = acc.pop(0)
    return first + torch.stack(acc), len(acc)


show("list methods on a local list", list_methods, torch.randn(2))


def fstrings(x):
    name = "layer"
    n = 3
    key = f"{name}_{n}:{n * 2:03d}"
    return x * len(key), key


show("f-strings of constants", fstrings, torch.randn(2))


def while_loop(x):
    i = 0
    while i < 3:
        x = x * 2
        i += 1
    n = 10
    while n > 1:
        n //= 2
    return x + n


show("while loops on constants", while_loop, torch.randn(2))


def branches(x, mode):
    if mode == "a":
        y = x + 1
    elif mode == "b":
        y = x - 1
    else:
        y = x
    if x.shape[0] > 2:
        y = y * 2
    if x.dim() == 2:
        y = y.sum(0)
    elif x.dim() == 1:
        y = y.neg()
    if x.dtype == torch.float32:
        y = y.double()
    return y


show("if/elif on constants and tensor metadata", branches, torch.randn(3), "b")
show("if/elif on constants and tensor metadata (2-d)", branches, torch.randn(2, 2), "c")


def isinstance_checks(x, n, seq):
    y = x
    if isinstance(x, torch.Tensor):
        y = y + 1
    if isinstance(n, int):
        y = y * n
    if isinstance(seq, (list, tuple)):
        y = y + seq[0]
    if isinstance(n, float):
        y = y * 100
    return y


show("isinstance checks", isinstance_checks, torch.randn(2), 3, [torch.randn(2)])


def optional_arg(x, bias=None, scale=None):
    if bias is not None:
        x = x + bias
    if scale is None:
        scale = 2.0
    return x * scale


show("is None branches (given)", optional_arg, torch.randn(3), torch.randn(3))
show("is None branches (missing)", optional_arg, torch.randn(3), scale=0.5)


def slicing(x, ys):
    t = (1, 2, 3, 4, 5)
    head = t[:2]
    tail = t[-2:]
    step = t[::2]
    picked = ys[1:]
    return x * sum(head) + x * tail[0] + x * len(step), torch.stack(picked), ys[::-1][0]


show("slicing of lists and tuples", slicing, torch.randn(2), [torch.randn(2), torch.randn(2), torch.randn(2)])


def _helper_varargs(*args, **kwargs):
    total = args[0]
    for a in args[1:]:
        total = total + a
    if kwargs.get("scale") is not None:
        total = total * kwargs["scale"]
    return total, sorted(kwargs)


def _helper_kwonly(x, *, alpha=1.0, beta=0.0):
    return x * alpha + beta


def varargs(x, y):
    parts = (x, y, x)
    s, names = _helper_varargs(*parts, scale=2, tag="t")
    opts = {"alpha": 3.0, "beta": 1.0}
    return s + _helper_kwonly(x, **opts) + _helper_kwonly(y, beta=2.0), names


show("*args/**kwargs helpers", varargs, torch.randn(2), torch.randn(2))


class Scaler:
    def __init__(self, factor, shift):
        self.factor = factor
        self.shift = shift

    def apply(self, x):
        return x * self.factor + self.shift

    def twice(self, x):
        return self.apply(self.apply(x))


def user_objects(x, s):
    return s.twice(x) + s.factor


show("methods of a plain user class", user_objects, torch.randn(3), Scaler(2.0, 1))


class Stack(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(4, 4) for _ in range(3)])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


show("nn.Module looping over a ModuleList", Stack(), torch.randn(2, 4))


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 8)
        self.norm = torch.nn.LayerNorm(8)

    def forward(self, x):
        return F.gelu(self.norm(self.proj(x)))


class Outer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x):
        h = self.block(x)
        return F.log_softmax(self.head(F.dropout(h, p=0.5, training=self.training)), dim=-1)


show("nested modules calling F functions", Outer().eval(), torch.randn(3, 4))


def no_grad_block(x, w):
    y = x @ w
    with torch.no_grad():
        z = y * 2
        z.add_(1)
    return y + z


show("torch.no_grad() block", no_grad_block, torch.randn(2, 3), torch.randn(3, 2, requires_grad=True))


def size_arith(x):
    s = x.shape
    b, c = x.size()
    new_shape = s[:1] + (c * 2,)
    n = s.numel()
    return x.repeat(1, 2).reshape(new_shape), torch.Size([b, c]) == s, n, x.new_zeros(s[::-1])


show("torch.Size arithmetic and shape unpacking", size_arith, torch.randn(3, 4))


def int_builtins(x):
    dims = [x.shape[0], x.shape[1], 5]
    lo, hi, total = min(dims), max(dims), sum(dims)
    return x.reshape(-1)[:lo] * hi + total, max(2, 7), min(3, 1, 2), abs(-4)


show("min/max/sum/abs builtins on ints", int_builtins, torch.randn(3, 4))


def math_consts(x):
    c = math.sqrt(16) + math.cos(0.0) + math.floor(2.7) + math.log(math.e)
    return x * c + math.pi, math.ceil(2.1)


show("math functions on constants", math_consts, torch.randn(2))


def tensor_kwargs(x):
    a = x.sum(dim=1, keepdim=True)
    b = x.mean(dim=0)
    c = x.max(dim=1).values
    d, e = torch.min(x, dim=0)
    f = x.std(dim=1, unbiased=False)
    return a, b, c, d, e, f, x.amax(), x.norm(p=2)


show("tensor methods with kwargs, reductions", tensor_kwargs, torch.randn(3, 4))


def where_matmul_cmp(x, y):
    mask = x > 0
    z = torch.where(mask, x, y)
    m = z @ y.t()
    eq = x == y
    ge = (x >= 0.5) & (y < 0.5)
    return m, mask, eq, ge, ~mask, torch.where(mask, x, 0.0)


show("torch.where, @, comparisons to bool tensors", where_matmul_cmp, torch.randn(3, 3), torch.randn(3, 3))


def inplace(x):
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y[0] = 0.0
    z = y.clone()
    z += x
    z.clamp_(min=-1.0, max=1.0)
    return z


show("in-place ops on intermediates", inplace, torch.randn(4))


def tensor_indexing(x, idx):
    a = x[idx]
    b = x[..., None]
    c = x[:, 1]
    d = x[None, 0, ::2]
    e = x[idx, 1:]
    return a, b, c, d, e


show("indexing with tensors, None and Ellipsis", tensor_indexing, torch.randn(3, 4), torch.tensor([2, 0]))


def chained(x):
    a, b = 3, 5
    y = x
    if 0 < a < b:
        y = y + 1
    if a < b < 4:
        y = y * 100
    if 1 <= x.dim() <= 2:
        y = y - 1
    return y


show("chained comparisons on constants", chained, torch.randn(2))


def ternary(x, flag):
    y = x + 1 if flag else x - 1
    k = 2 if x.shape[0] > 1 else 3
    return y * k, "on" if flag else "off"


show("ternary expressions", ternary, torch.randn(2), True)


def asserts(x):
    n = 4
    assert n > 2, "n must be big"
    assert x.dim() == 1
    assert isinstance(x, torch.Tensor)
    return x * n


show("assert on constant conditions", asserts, torch.randn(3))


def globals_(x):
    return x * G_SCALE + G_BIAS, G_SCALE + 1


show("global ints and tensors", globals_, torch.randn(4))


def tuple_returns(x):
    pair = (x, x.t())
    nested = {"pair": pair, "n": [1, 2], "s": "text"}
    return nested, pair[1].shape


show("nested containers returned", tuple_returns, torch.randn(2, 3))


def bool_logic(x, flag):
    a = flag and x.dim() == 1
    b = not flag or x.shape[0] == 2
    y = x
    if a and b:
        y = y + 1
    if not (a or b):
        y = y * 0
    return y, a, b


show("and/or/not on constants", bool_logic, torch.randn(2), True)


def dtype_ops(x):
    y = x.to(torch.float64)
    z = x.int()
    w = torch.zeros(2, dtype=x.dtype)
    return y + 1, z, w, y.dtype, x.to(dtype=torch.float16).dtype


show("dtype conversions and factories", dtype_ops, torch.randn(2))


def star_args_call(x):
    shape = (2, -1)
    return x.reshape(*shape), torch.cat([*[x, x]], dim=0), max(*[1, 4, 2])


show("star arguments in calls", star_args_call, torch.randn(4))


def string_ops(x):
    name = "conv_layer"
    parts = name.split("_")
    key = "-".join(parts).upper()
    return x * len(key), name.startswith("conv"), key


show("string methods on constants", string_ops, torch.randn(2))


def range_ops(x):
    r = range(1, 10, 3)
    ys = [x * i for i in r]
    return torch.stack(ys), len(r), r[1], list(range(3))


show("range objects", range_ops, torch.randn(2))


def augmented(x):
    y = x.clone()
    y -= 1
    y *= 2
    y /= 4
    n = 7
    n %= 4
    n **= 2
    n <<= 1
    return y, n, x // 2, x % 2, -x, +x, abs(x)


show("augmented assignment and unary ops", augmented, torch.randn(3))


def try_finally(x):
    y = x
    try:
        y = y + 1
    except ValueError:
        y = y * 100
    finally:
        y = y * 2
    return y


show("try/except/finally without an exception", try_finally, torch.randn(2))


def attr_builtins(x, s):
    f = getattr(s, "factor", 1.0)
    g = getattr(s, "missing", 5)
    h = hasattr(s, "shift")
    return x * f + g, h, callable(s.apply)


show("getattr/hasattr/callable on a user object", attr_builtins, torch.randn(2), Scaler(3.0, 0))


def _affine(x, w, b=0.0):
    return x * w + b


def partials(x):
    import functools

    f = functools.partial(_affine, w=2.0)
    return f(x, b=1.0), f(x)


show("functools.partial", partials, torch.randn(2))


def constructors(x):
    d = dict(a=1, b=2)
    t = tuple([x, x + 1])
    l = list((3, 4))
    flags = [True, x.dim() == 1, d["b"] > 1]
    return t[1] * d["a"] + l[1], any(flags), all(flags), x.view(*x.shape)


show("dict/list/tuple constructors, any/all", constructors, torch.randn(2))
