"""Derivative formulas, one per runtime primitive (the `torch._C` kernels every Tensor op
reduces to). A formula receives the saved context and the output gradients and returns one
gradient per differentiable input; `Node` bookkeeping (summing over broadcast dims, casting to
the input's dtype) happens in `record`'s caller, the engine. Formulas are written with Tensor
ops, so with `create_graph=True` they are recorded too (higher-order gradients)."""

import math

import torch
from torch import _C
from torch import _aten, _prims
from torch.autograd.graph import TensorMeta, sizes


# How one primitive takes part in autograd (native, vm/src/native/autograd/prim.rs: `record` reads it for every op):
#   Prim(inputs, name, backward, saves=(), outputs=(0,))
# inputs:  positions of the arguments gradients flow to (a list argument counts per item)
# name:    PyTorch's node name (`MulBackward0`), or a function of the arguments giving it
# saves:   positions whose tensors the formula reads, "out" if it reads the output (or a
#          function of the arguments giving them)
# outputs: which outputs are differentiable (max/min/sort also return indices)
# memo:    True when name and saves depend only on the op's name (the first argument) and on
#          which arguments are tensors: they are then computed once per such combination
Prim = _C.Prim


PRIMS = {}


def prim(key, inputs, name, saves=(), outputs=(0,), memo=False):
    def register(fn):
        PRIMS[key] = Prim(inputs, name, fn, saves, outputs, memo=memo)
        return fn

    return register


def _zeros(shape, dtype):
    return _prims.full(list(shape), 0, dtype, False, "zeros")


def _is_tensor(x):
    return isinstance(x, torch.Tensor)


def _sum_to(g, shape):
    """Sums `g` down to `shape` over the dims broadcasting added or stretched."""
    shape = tuple(shape)
    have = tuple(sizes(g))
    if have == shape:
        return g
    if not shape:
        return g.sum()
    lead = g.dim() - len(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and have[lead + i] != 1]
    out = g.sum(dims, keepdim=True) if dims else g
    # As PyTorch's sum_to: a view only when leading dims went away.
    return out.reshape(list(shape)) if lead else out


def _unsqueeze_dims(g, dims, ndim, keepdim):
    """Puts back the reduced dims so `g` broadcasts against the reduction's input."""
    if keepdim or ndim == 0:
        return g
    dims = sorted(d % ndim for d in dims) if dims else list(range(ndim))
    for d in dims:
        g = g.unsqueeze(d)
    return g


# --- unary ------------------------------------------------------------------------------------
_UNARY_NAMES = {
    "neg": "NegBackward0", "abs": "AbsBackward0", "exp": "ExpBackward0", "log": "LogBackward0",
    "log1p": "Log1PBackward0", "expm1": "Expm1Backward0", "sqrt": "SqrtBackward0",
    "rsqrt": "RsqrtBackward0", "sin": "SinBackward0", "cos": "CosBackward0", "tan": "TanBackward0",
    "tanh": "TanhBackward0", "sigmoid": "SigmoidBackward0", "relu": "ReluBackward0",
    "gelu": "GeluBackward0", "gelu_tanh": "GeluBackward0", "silu": "SiluBackward0",
    "erf": "ErfBackward0", "floor": "FloorBackward0", "ceil": "CeilBackward0",
    "round": "RoundBackward0", "trunc": "TruncBackward0", "sign": "SignBackward0", "sgn": "SgnBackward0",
    "reciprocal": "ReciprocalBackward0",
}
# Formulas that read the output rather than the input.
_UNARY_FROM_OUT = {"exp", "expm1", "sqrt", "rsqrt", "tanh", "sigmoid", "relu", "reciprocal", "tan"}


def _unary_grad(op, x, y, g):
    if op == "neg":
        return -g
    if op == "abs":
        return g * x.sgn()
    if op == "exp":
        return g * y
    if op == "log":
        return g / x
    if op == "log1p":
        return g / (x + 1)
    if op == "expm1":
        return g * (y + 1)
    if op == "sqrt":
        with _aten.formula_scalars():
            return g / (y * 2)
    if op == "rsqrt":
        with _aten.formula_scalars():
            return (g * -0.5) * y.pow(3)
    if op == "sin":
        return g * x.cos()
    if op == "cos":
        return g * -x.sin()
    if op == "tan":
        return g * (1 + y * y)
    if op == "tanh":
        return _prims.tanh_backward(g, y)
    if op == "sigmoid":
        return _prims.sigmoid_backward(g, y)
    if op == "relu":
        return _prims.threshold_backward(g, y, 0)
    if op == "gelu":
        return _prims.gelu_backward(g, x, "none")
    if op == "gelu_tanh":
        return _prims.gelu_backward(g, x, "tanh")
    if op == "silu":
        return _prims.silu_backward(g, x)
    if op == "erf":
        return g * (2 / math.sqrt(math.pi)) * (-x * x).exp()
    if op in ("floor", "ceil", "round", "trunc", "sign", "sgn"):
        return torch.zeros_like(g)  # exactly 0, also for an infinite or NaN incoming gradient
    if op == "reciprocal":
        return -g * y * y
    raise NotImplementedError(f"the derivative of {op} is not implemented")


def _unary_saves(args):
    return ("out",) if args[0] in _UNARY_FROM_OUT else (1,)


@prim("unary", inputs=(1,), name=lambda a: _UNARY_NAMES.get(a[0], a[0].capitalize() + "Backward0"), saves=_unary_saves,
      memo=True)
def _unary_backward(ctx, grads):
    op, x = ctx.args
    y = ctx.out if op in _UNARY_FROM_OUT else None
    return [_unary_grad(op, x, y, grads[0])]


# --- binary -----------------------------------------------------------------------------------
_BINARY_NAMES = {
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "remainder": "Remainder",
    "maximum": "Maximum", "minimum": "Minimum", "atan2": "Atan2", "floor_divide": "FloorDivide",
}


def _binary_name(args):
    # Python numbers become 0-dim tensors, so they get the Tensor overload's node, except
    # where PyTorch has a Scalar-first overload (`2 - x` is rsub, `2 ** x` is pow.Scalar).
    op, a, b = args[0], args[1], args[2]
    if op == "pow":
        return "PowBackward2" if not _is_tensor(a) else ("PowBackward1" if _is_tensor(b) else "PowBackward0")
    if op == "sub" and not _is_tensor(a):
        return "RsubBackward1"
    return _BINARY_NAMES.get(op, op.capitalize()) + "Backward0"


def _binary_saves(args):
    op = args[0]
    if op in ("add", "sub", "floor_divide"):
        return ()
    if op == "pow":
        # PowBackward0 (a number exponent) needs no result; PowBackward1 and 2 read it.
        return (1, 2, "out") if _is_tensor(args[2]) or not _is_tensor(args[1]) else (1, 2)
    return (1, 2)


def _binary_grads(op, a, b, out, g, need_a, need_b):
    # Only the wanted gradients are computed (a traced backward graph has no dead nodes), and,
    # as PyTorch's generated backward functions do, in the alphabetical order of the arguments'
    # names: `other` before `self`.
    if op == "add":
        return g, g
    if op == "sub":
        return g, (-g if need_b else None)
    if op == "mul":
        gb = g * a if need_b else None
        return (g * b if need_a else None), gb
    if op == "div":
        if need_b:
            q = a / b / b
            gb = -g * q
        else:
            gb = None
        return (g / b if need_a else None), gb
    if op == "pow":
        if need_b:
            # out * log(a): NaN for a negative base, as PyTorch's; 0 ** b for b >= 0 contributes
            # nothing (PyTorch masks it the same way).
            base = a if _is_tensor(a) else torch.tensor(a, dtype=out.dtype)
            gb = g * _prims.where((base == 0) & (b >= 0), 0.0, out * base.log())
        else:
            gb = None
        ga = None
        if need_a:
            # A zero exponent has derivative 0 everywhere (not 0 * a ** -1, NaN at a = 0).
            if not _is_tensor(b) and b == 0:
                ga = torch.zeros_like(g)
            elif not _is_tensor(b) and isinstance(b, (int, float)) and not isinstance(b, bool):
                # PyTorch's pow_backward: grad * (e * self.pow(e - 1)), the exponent a double.
                e = float(b)
                with _aten.formula_scalars():
                    ga = g * (a.pow(e - 1) * e)
            elif not _is_tensor(b):
                ga = g * (b * a ** (b - 1))
            else:
                ga = _prims.where(b == 0.0, 0.0, g * (b * a ** (b - 1)))
        return ga, gb
    if op in ("maximum", "minimum"):
        return _max_min_grads(op == "maximum", a, b, g)
    if op == "atan2":
        # 1 / (a^2 + b^2) taken as 0 where both are 0, as PyTorch's.
        denom = b * b + a * a
        recip = _prims.where(denom == 0, 0.0, denom.reciprocal())
        return g * b * recip, g * -a * recip
    if op == "remainder":
        return g, -g * (a / b).floor()
    if op == "floor_divide":
        return g * 0, g * 0
    raise NotImplementedError(f"the derivative of {op} is not implemented")


def _max_min_grads(is_max, a, b, g):
    """maximum/minimum: the larger (smaller) side takes the gradient, a tie splits it, and where
    either side is NaN both take it (neither comparison holds)."""
    share = _prims.where(a == b, g / 2, g)
    a_loses, b_loses = (a < b, a > b) if is_max else (a > b, a < b)
    return _prims.where(a_loses, 0.0, share), _prims.where(b_loses, 0.0, share)


def _is_input(x):
    return _is_tensor(x) or isinstance(x, TensorMeta)


def _wanted(ctx, i, x):
    """Whether input `x`, the i-th differentiable input, wants a gradient."""
    if not _is_input(x):
        return False
    return ctx.needs is None or i >= len(ctx.needs) or ctx.needs[i]


@prim("binary", inputs=(1, 2), name=_binary_name, saves=_binary_saves, memo=True)
def _binary_backward(ctx, grads):
    op, a, b = ctx.args
    out = ctx.out if op == "pow" else None
    need_a, need_b = _wanted(ctx, 0, a), _wanted(ctx, 1, b)
    ga, gb = _binary_grads(op, a, b, out, grads[0], need_a, need_b)
    return [ga if need_a else None, gb if need_b else None]


# --- reductions -------------------------------------------------------------------------------
def _reduce_name(args):
    op, _, dims = args[0], args[1], args[2]
    names = {"sum": "Sum", "mean": "Mean", "prod": "Prod", "amax": "Amax", "amin": "Amin"}
    if op in ("amax", "amin"):
        return names[op] + "Backward0"
    return names.get(op, op.capitalize()) + ("Backward0" if dims is None or dims == [] else "Backward1")


def _reduce_saves(args):
    return () if args[0] in ("sum", "mean") else (1, "out")


@prim("reduce", inputs=(1,), name=_reduce_name, saves=_reduce_saves)
def _reduce_backward(ctx, grads):
    op, x, dims, keepdim = ctx.args
    g = grads[0]
    shape = sizes(x)
    ndim = len(shape)
    if dims is not None:
        g = _unsqueeze_dims(g, dims, ndim, keepdim)
    if op == "sum":
        return [g.expand(list(shape))]
    if op == "mean":
        count = math.prod(shape) if not dims else math.prod(shape[d % ndim] for d in dims)
        with _aten.formula_scalars():
            return [g.expand(list(shape)) / count]
    y = _unsqueeze_dims(ctx.out, dims, ndim, keepdim)
    if op == "prod":
        zero = x == 0
        nonzero_prod = _prims.where(zero, 1.0, x).prod(dims, keepdim=True) if dims else _prims.where(zero, 1.0, x).prod()
        zeros_count = zero.sum(dims, keepdim=True) if dims else zero.sum()
        # With no zero the product of the others is y / x; with exactly one zero only that
        # element has a non-zero gradient (the product of the rest).
        others = _prims.where(zero, _prims.where(zeros_count == 1, nonzero_prod, 0.0), y / _prims.where(zero, 1.0, x))
        return [g * others]
    if op in ("amax", "amin"):
        mask = x == y
        count = mask.sum(dims, keepdim=True) if dims else mask.sum()
        return [g * mask / count]
    raise NotImplementedError(f"the derivative of {op} is not implemented")


@prim("max_min", inputs=(0,), name=lambda a: "MaxBackward0" if a[3] else "MinBackward0", saves=("out",))
def _max_min_backward(ctx, grads):
    x, dim, keepdim, _ = ctx.args
    g, indices = grads[0], ctx.out[1]
    if x.dim() == 0:
        return [g.reshape([])]
    if not keepdim:
        g, indices = g.unsqueeze(dim), indices.unsqueeze(dim)
    return [_zeros(sizes(x), g.dtype).scatter(dim, indices, g)]


@prim("sort", inputs=(0,), name="SortBackward0", saves=("out",))
def _sort_backward(ctx, grads):
    x, dim, _ = ctx.args
    indices = ctx.out[1]
    return [_zeros(sizes(x), grads[0].dtype).scatter(dim, indices, grads[0])]


@prim("cumsum", inputs=(0,), name="CumsumBackward0")
def _cumsum_backward(ctx, grads):
    _, dim = ctx.args
    g = grads[0]
    # Each input element feeds every later output: a reversed cumulative sum.
    return [g.sum(dim, keepdim=True) - g.cumsum(dim) + g]


# --- matrix products --------------------------------------------------------------------------
def _matmul_name(args):
    kind, a, b = args
    if kind == "mm":
        return "MmBackward0"
    if kind == "bmm":
        return "BmmBackward0"
    if a.dim() == 1 and b.dim() == 1:
        return "DotBackward0"
    if b.dim() == 1:
        return "MvBackward0"
    if a.dim() == 2 and b.dim() == 2:
        return "MmBackward0"
    return "BmmBackward0" if a.dim() == b.dim() == 3 else "UnsafeViewBackward0"


@prim("matmul", inputs=(1, 2), name=_matmul_name, saves=(1, 2))
def _matmul_backward(ctx, grads):
    _, a, b = ctx.args
    g = grads[0]
    if a.dim() == 1 and b.dim() == 1:
        return [g * b, g * a]
    if a.dim() == 2 and b.dim() == 2:
        gb = _mm_mat2_backward(g, a, b) if _wanted(ctx, 1, b) else None
        return [_mm_mat1_backward(g, b, a) if _wanted(ctx, 0, a) else None, gb]
    if a.dim() == 2 and b.dim() == 1:
        # PyTorch's MvBackward0: the outer product grad x vec, then self^T . grad.
        ga = _prims.view(g, [sizes(g)[0], 1]) * b if _wanted(ctx, 0, a) else None
        return [ga, _prims.matmul("matmul", a.t(), g) if _wanted(ctx, 1, b) else None]
    if ctx.args[0] == "bmm":
        # PyTorch's BmmBackward0: `mat2`'s gradient first (its arguments in name order).
        gb = a.transpose(1, 2).bmm(g) if _wanted(ctx, 1, b) else None
        return [g.bmm(b.transpose(1, 2)) if _wanted(ctx, 0, a) else None, gb]
    a2 = a if a.dim() > 1 else a.unsqueeze(0)
    b2 = b if b.dim() > 1 else b.unsqueeze(-1)
    if a.dim() == 1:
        g = g.unsqueeze(-2)
    if b.dim() == 1:
        g = g.unsqueeze(-1)
    ga = _sum_to(g.matmul(b2.transpose(-2, -1)), sizes(a2)).reshape(list(sizes(a)))
    gb = _sum_to(a2.transpose(-2, -1).matmul(g), sizes(b2)).reshape(list(sizes(b)))
    return [ga, gb]


def _column_major(t):
    if t._sym_shape is not None:
        size, stride = t._sym_shape, t.stride()  # symbolic strides: the check stays symbolic
    else:
        size, stride = t._shape, t._strides()
    return stride[0] == 1 and stride[1] == size[0]


def _mm_mat1_backward(g, mat2, mat1):
    # PyTorch keeps a column-major input's gradient column-major.
    if _is_tensor(mat1) and _column_major(mat1):
        return mat2.mm(g.t()).t()
    return g.mm(mat2.t())


def _mm_mat2_backward(g, mat1, mat2):
    if _is_tensor(mat2) and _column_major(mat2):
        return g.t().mm(mat1).t()
    return mat1.t().mm(g)


# --- joining, selecting ------------------------------------------------------------------------
@prim("cat", inputs=(0,), name="CatBackward0")
def _cat_backward(ctx, grads):
    tensors, dim = ctx.args
    g = grads[0]
    out, at = [], 0
    for t in tensors:
        shape = sizes(t)
        if len(shape) == 1 and shape[0] == 0:
            out.append(None)
            continue
        d = dim % len(shape)
        out.append(g.narrow(d, at, shape[d]))
        at += shape[d]
    return out


def _scalar_zero(value, like):
    """The 0 a formula's `where(cond, grad, 0)` makes (PyTorch's `aten.scalar_tensor`)."""
    return _prims.full([], value, like.dtype, False, "scalar_tensor")


@prim("where", inputs=(1, 2), name="WhereBackward0", saves=(0,))
def _where_backward(ctx, grads):
    cond, a, b = ctx.args
    g = grads[0]
    # `other`'s gradient first, as PyTorch's generated code orders its arguments by name.
    gb = _prims.where(cond, _scalar_zero(0, g), g) if _is_input(b) else None
    return [_prims.where(cond, g, _scalar_zero(0, g)) if _is_input(a) else None, gb]


@prim("index_select", inputs=(0,), name="IndexSelectBackward0", saves=(2,))
def _index_select_backward(ctx, grads):
    x, dim, index = ctx.args
    g = grads[0]
    d = dim % len(sizes(x))
    z = _zeros(sizes(x), g.dtype)
    return [z.index_put([None] * d + [index], g, accumulate=True)]


def _full_index(index, dim):
    """Coordinates for every element of `index` along every dim, `index` itself at `dim`."""
    coords = []
    for d in range(index.dim()):
        if d == dim:
            coords.append(index)
        else:
            shape = [1] * index.dim()
            shape[d] = sizes(index)[d]
            coords.append(_C._arange(0, sizes(index)[d], 1, index.dtype).reshape(shape).expand(list(sizes(index))))
    return coords


@prim("gather", inputs=(0,), name="GatherBackward0", saves=(2,))
def _gather_backward(ctx, grads):
    x, dim, index = ctx.args
    g = grads[0]
    d = dim % len(sizes(x))
    return [_zeros(sizes(x), g.dtype).index_put(_full_index(index, d), g, accumulate=True)]


PRIMS["nonzero"] = Prim((), "NonzeroBackward0", None)  # integer coordinates: not differentiable


@prim("index", inputs=(0,), name="IndexBackward0", saves=(1,))
def _index_backward(ctx, grads):
    x, indices = ctx.args
    g = grads[0]
    return [_zeros(sizes(x), g.dtype).index_put(indices, g, accumulate=True)]


# --- views and copies -------------------------------------------------------------------------
@prim("view", inputs=(0,), name="ViewBackward0")
def _view_backward(ctx, grads):
    return [grads[0].reshape(list(sizes(ctx.args[0])))]


PRIMS["reshape"] = Prim((0,), lambda a: "ViewBackward0" if a[0].is_contiguous() else "UnsafeViewBackward0", _view_backward)
PRIMS["unsafe_view"] = Prim((0,), "UnsafeViewBackward0", _view_backward)
def _squeeze_backward(ctx, grads):
    # PyTorch's unsqueeze_to: the squeezed dims put back one by one, lowest first.
    x, dim = ctx.args
    shape = sizes(x)
    if dim is None:
        dims = [d for d, n in enumerate(shape) if n == 1]
    else:
        d = dim % len(shape) if shape else 0
        dims = [d] if shape and shape[d] == 1 else []
    g = grads[0]
    for d in dims:
        g = g.unsqueeze(d)
    return [g]


PRIMS["squeeze"] = Prim((0,), lambda a: "SqueezeBackward0" if a[1] is None else "SqueezeBackward1",
                        _squeeze_backward)


@prim("transpose", inputs=(0,), name="TransposeBackward0")
def _transpose_backward(ctx, grads):
    _, d0, d1 = ctx.args
    return [grads[0].transpose(d0, d1)]


@prim("t", inputs=(0,), name="TBackward0")
def _t_backward(ctx, grads):
    return [grads[0].t()]


@prim("permute", inputs=(0,), name="PermuteBackward0")
def _permute_backward(ctx, grads):
    x, dims = ctx.args
    n = len(dims)
    inverse = [0] * n
    for i, d in enumerate(dims):
        inverse[d % n] = i
    return [grads[0].permute(*inverse)]


@prim("expand", inputs=(0,), name="ExpandBackward0")
def _expand_backward(ctx, grads):
    return [_sum_to(grads[0], sizes(ctx.args[0]))]


@prim("unsqueeze", inputs=(0,), name="UnsqueezeBackward0")
def _unsqueeze_backward(ctx, grads):
    _, dim = ctx.args
    return [grads[0].squeeze(dim)]


@prim("select", inputs=(0,), name="SelectBackward0")
def _select_backward(ctx, grads):
    x, dim, index = ctx.args
    return [_select_scatter(grads[0], sizes(x), dim, index)]


@prim("slice", inputs=(0,), name="SliceBackward0")
def _slice_backward(ctx, grads):
    x, dim, start, stop, step = ctx.args
    return [_slice_scatter(grads[0], sizes(x), dim, start, stop, step)]


@prim("narrow", inputs=(0,), name="SliceBackward0")
def _narrow_backward(ctx, grads):
    x, dim, start, length = ctx.args
    shape = sizes(x)
    size = shape[dim % len(shape)]
    start = start + size if start < 0 else start
    return [_slice_scatter(grads[0], sizes(x), dim, start, start + length, 1)]


@prim("as_strided", inputs=(0,), name="AsStridedBackward0")
def _as_strided_backward(ctx, grads):
    # Only recorded for contiguous inputs at storage offset 0, where storage and flat index agree.
    x, size, stride, offset = ctx.args
    g = grads[0]
    n = 1
    for s in sizes(x):
        n *= s
    where = _C._arange(0, n, 1, torch.int64)._as_strided(size, stride, offset).reshape(-1)
    flat = _zeros([n], g.dtype).index_put((where,), g.reshape(-1), accumulate=True)
    return [flat.reshape(list(sizes(x)))]


# select/slice backward are primitives of their own (aten.select_backward, aten.slice_backward)
# so that, recorded, they differentiate again and traced graphs show them as PyTorch's do.
@prim("select_backward", inputs=(0,), name="SelectBackwardBackward0")
def _select_backward_backward(ctx, grads):
    _, shape, dim, index = ctx.args
    return [grads[0].select(dim, index)]


@prim("slice_backward", inputs=(0,), name="SliceBackwardBackward0")
def _slice_backward_backward(ctx, grads):
    _, shape, dim, start, stop, step = ctx.args
    return [grads[0]._slice(dim, start, stop, step)]


def _select_scatter(g, shape, dim, index):
    return _prims.select_backward(g, list(shape), dim, index)


def _slice_scatter(g, shape, dim, start, stop, step):
    return _prims.slice_backward(g, list(shape), dim, start, stop, step)


@prim("clone", inputs=(0,), name="CloneBackward0")
def _clone_backward(ctx, grads):
    return [grads[0]]


PRIMS["contiguous"] = Prim((0,), "CloneBackward0", _clone_backward)


@prim("to_dtype", inputs=(0,), name="ToCopyBackward0")
def _to_dtype_backward(ctx, grads):
    return [grads[0].to(ctx.args[0].dtype)]


# --- in place ---------------------------------------------------------------------------------
@prim("copy_", inputs=(0, 1), name="CopyBackwards")
def _copy_backward(ctx, grads):
    dst, src = ctx.args
    g = grads[0]
    return [g * 0, g if _is_input(src) else None]


@prim("fill_", inputs=(0,), name="FillBackward0")
def _fill_backward(ctx, grads):
    return [grads[0] * 0]


@prim("index_put_", inputs=(0, 2), name="IndexPutBackward0", saves=(1,))
def _index_put_backward(ctx, grads):
    x, indices, values, accumulate = ctx.args
    g = grads[0]
    gx = g if accumulate else g.index_put(indices, _C._full([], 0, g.dtype))
    return [gx, _prims.index(g, indices)]


@prim("scatter_", inputs=(0, 3), name="ScatterBackward0", saves=(2,))
def _scatter_backward(ctx, grads):
    x, dim, index, src = ctx.args
    g = grads[0]
    d = dim % len(sizes(x))
    return [g.scatter(d, index, 0.0), g.gather(d, index)]


# `a.mul_(b)` differentiates like `a * b`, with `a`'s value from before the write.
PRIMS["binary_"] = Prim((1, 2), _binary_name, _binary_backward, _binary_saves, memo=True)


# --- recording --------------------------------------------------------------------------------
# record(key, args, out, old_self=None): makes `out` (a tensor or a tuple whose first outputs
# are differentiable) the result of a new node for primitive `key` applied to `args`;
# `old_self` is the value an in-place op's first argument had before the op, for formulas that
# read it. Native (vm/src/native/autograd/mod.rs): it runs for every op in grad mode.
record = _C._record


def _detached(value):
    if isinstance(value, tuple):
        return tuple(_detached(v) for v in value)
    return _prims.detach(value) if _is_tensor(value) else value


_C._autograd_register("PRIMS", PRIMS)
_C._autograd_register("detached", _detached)
_C._autograd_register("Size", torch.Size)

# The formulas of the primitives written in Python register themselves (their own file).
from torch.autograd import _derivatives_composites  # noqa: E402,F401
