# Runs unchanged under smelt and under CPython + PyTorch; eager_sweep.expected is what PyTorch
# printed. Every op family over every dtype, zero-size and non-contiguous inputs. Values were
# chosen so no printed digit sits on a rounding tie one f32 ulp away (libms differ by an ulp).
import torch

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64,
          torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]


def show(label, fn):
    try:
        r = fn()
    except Exception as e:  # the exception type is part of the spec
        print(label, "->", type(e).__name__)
        return
    if isinstance(r, torch.Tensor):
        print(label, "->", r.dtype, tuple(r.shape), r)
    else:
        print(label, "->", r)


def base(dt):
    if dt == torch.bool:
        return torch.tensor([[True, False, True], [False, False, True]])
    if dt == torch.uint8:
        return torch.tensor([[1, 2, 3], [7, 5, 250]], dtype=dt)
    return torch.tensor([[1, -2, 3], [-4, 5, 6]], dtype=dt)


print("== promotion table")
for a in DTYPES:
    print(a, [str(torch.promote_types(a, b)).replace("torch.", "") for b in DTYPES])

print("== python scalars")
for dt in DTYPES:
    x = base(dt)
    for s in (2, 2.5, True):
        show(f"{dt} + {s!r}", lambda: (x + s).dtype)
    show(f"{dt} / 2", lambda: (x / 2).dtype)
    show(f"{dt} // 2", lambda: x // 2)
    show(f"{dt} % 2", lambda: x % 2)

print("== unary")
UNARY = ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu",
         "floor", "ceil", "round", "sign", "reciprocal", "erf", "log1p", "expm1", "bitwise_not",
         "logical_not"]
for dt in DTYPES:
    x = base(dt)
    for name in UNARY:
        show(f"{name}({dt})", lambda: getattr(torch, name)(x))

print("== binary")
BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum",
          "eq", "lt", "ge", "logical_and", "bitwise_and"]
for dt in DTYPES:
    x = base(dt)
    y = base(dt).flip(0) if hasattr(torch.Tensor, "flip") else base(dt)[[1, 0]]
    for name in BINARY:
        show(f"{name}({dt})", lambda: getattr(torch, name)(x, y))

print("== reductions")
for dt in DTYPES:
    x = base(dt)
    for name in ["sum", "prod", "amax", "amin", "all", "any", "argmax", "argmin", "cumsum"]:
        show(f"{name}({dt}, 0)", lambda: getattr(torch, name)(x, 0))
    show(f"sum({dt})", lambda: x.sum())
    show(f"mean({dt})", lambda: x.mean())
    show(f"max({dt}, 1)", lambda: tuple(x.max(1)))

print("== zero-size")
for dt in DTYPES:
    z = torch.zeros(0, 3, dtype=dt)
    show(f"zeros(0,3,{dt})", lambda: z)
    show(f"sum", lambda: z.sum(0))
    show(f"prod", lambda: z.prod(0))
    show(f"add", lambda: z + z[:, :1])
    show(f"t", lambda: z.t())
    show(f"amax", lambda: z.amax(0))
    show(f"amax dim1", lambda: z.amax(1))
    show(f"cat", lambda: torch.cat([z, base(dt)]))
    show(f"matmul", lambda: z.to(torch.float32) @ torch.ones(3, 2))
show("mean of empty", lambda: torch.zeros(0).mean())
show("max of empty", lambda: torch.zeros(0).max())
show("argmax of empty", lambda: torch.zeros(0).argmax())

print("== non-contiguous")
for dt in DTYPES:
    x = base(dt).t()
    show(f"t({dt}).contiguous", lambda: (x.is_contiguous(), x.contiguous().stride()))
    show(f"t({dt}) + 1", lambda: x + 1 if dt != torch.bool else x | True)
    show(f"t({dt}).sum(1)", lambda: x.sum(1))
    show(f"t({dt})[::2]", lambda: x[::2])
    show(f"t({dt}) to f64", lambda: x.to(torch.float64))

print("== conversion")
for a in DTYPES:
    x = torch.tensor([0.0, 1.7, -2.5, 300.0])
    show(f"f32 -> {a}", lambda: x.to(a) if a != torch.uint8 else x.abs().to(a))

print("== indexing")
x = torch.arange(24).reshape(2, 3, 4)
show("x[1]", lambda: x[1])
show("x[:, 1:, ::2]", lambda: x[:, 1:, ::2])
show("x[..., 1]", lambda: x[..., 1])
show("x[None, 0, :, None].shape", lambda: x[None, 0, :, None].shape)
show("x[[0, 1], [2, 0]]", lambda: x[[0, 1], [2, 0]])
show("x[:, [0, 2]]", lambda: x[:, [0, 2]])
show("x[x > 20]", lambda: x[x > 20])
show("x[torch.tensor([1, 0])].shape", lambda: x[torch.tensor([1, 0])].shape)
show("x[..., torch.tensor([3, 0])]", lambda: x[..., torch.tensor([3, 0])])
show("x[0, torch.tensor([[0], [2]]), torch.tensor([1, 3])]", lambda: x[0, torch.tensor([[0], [2]]), torch.tensor([1, 3])])
show("x[5]", lambda: x[5])
show("x[0, 0, 4]", lambda: x[0, 0, 4])
show("x[torch.tensor([2])]", lambda: x[torch.tensor([2])])
show("x[1.5]", lambda: x[1.5])
y = torch.zeros(3, 4)
y.t()[1] = 7
y[:, ::3] = torch.tensor([1.0, 2.0])
y[y == 0] = -1
y[[0, 2], [1, 1]] = 9
print(y)
t = torch.zeros(4, 3).t()
t[:, [0, 3]] = 5
t[t == 0] += 2
print(t, t.stride())

print("== shape errors")
show("add mismatch", lambda: torch.ones(2, 3) + torch.ones(2))
show("mm mismatch", lambda: torch.ones(2, 3) @ torch.ones(2, 3))
show("view", lambda: torch.ones(2, 3).view(5))
show("cat", lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 2)]))
show("bad dim", lambda: torch.ones(2, 3).sum(3))
show("bad type", lambda: torch.ones(2, 3) + "a")
show("item", lambda: torch.ones(2).item())

print("== activations")
import torch.nn.functional as F
# PyTorch's f32 erf loses digits in the far tails (x < -2.5), so the range stays inside it.
a = torch.linspace(-2, 2, 9)
for name, fn in [("gelu", F.gelu), ("gelu tanh", lambda v: F.gelu(v, approximate="tanh")), ("silu", F.silu),
                 ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", F.relu)]:
    show(name, lambda: fn(a))
    show(name + " f64", lambda: fn(a.double()))
show("gelu bad", lambda: F.gelu(a, approximate="x"))

print("== tensor indices into views with an offset")
v = torch.arange(12.0).reshape(3, 4)[1:, 1:]
show("v[[1, 0]]", lambda: v[[1, 0]])
show("v[:, [2, 0]]", lambda: v[:, [2, 0]])
show("v[v > 7]", lambda: v[v > 7])
w = torch.zeros(3, 4)
w[1:, 1:][[0, 1], [2, 0]] = 1
print(w)
