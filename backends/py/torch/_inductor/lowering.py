"""aten ops as JIT graph values: one lowering per aten overload, composites (softmax, layer
norm, the activation backwards, pow with a constant exponent, ...) written out in the JIT's
primitive ops so they fuse with their neighbours.

A lowering takes the JIT graph context and the FX node's arguments (tensors as `Val`s,
everything else as it is) and returns a `Val` (or a tuple of them for multi-output ops).
`Unsupported` leaves the node to an extern eager call."""

import math

import torch
from torch._inductor.jit_graph import Unsupported, Val

LOWERINGS = {}


def register(*names):
    def deco(fn):
        for name in names:
            LOWERINGS[name] = fn
        return fn

    return deco


class Ctx:
    """What a lowering sees: the graph being built and eager's layout(s) for the FX node's
    value (from its fake value), so results come out with eager's dtype and strides."""

    def __init__(self, g, out):
        self.g = g
        self.out = out

    @property
    def dtype(self):
        return self.out[0]

    def t(self, x, dtype):
        """An operand as a value of `dtype`: tensors are converted, Python numbers become
        constants."""
        if isinstance(x, Val):
            return self.g.cast(x, dtype)
        if isinstance(x, (bool, int, float)):
            return self.g.scalar(float(x), dtype)
        raise Unsupported(f"operand {type(x).__name__}")

    def c(self, value, like):
        return self.g.scalar(float(value), like.dtype)


_CATEGORY = {torch.bool: 0, torch.float32: 2, torch.float64: 2}


def _compute_dtype(*xs):
    """PyTorch's result type of mixing `xs` (tensors with dims, 0-dim tensors, Python numbers):
    the highest category wins; within it, the highest-priority operands' dtypes promote."""
    groups = [[], [], []]  # dim tensors, 0-dim tensors, scalars: (category, dtype)
    for x in xs:
        if isinstance(x, Val):
            if x.dtype not in _CATEGORY:
                raise Unsupported(f"{x.dtype} operand")
            groups[0 if x.shape else 1].append((_CATEGORY[x.dtype], x.dtype))
        elif isinstance(x, bool):
            groups[2].append((0, torch.bool))
        elif isinstance(x, int):
            groups[2].append((1, torch.int64))
        elif isinstance(x, float):
            groups[2].append((2, torch.get_default_dtype()))
        else:
            raise Unsupported(f"operand {type(x).__name__}")
    top = max(c for g in groups for c, _ in g)
    if top == 1:
        raise Unsupported("integer arithmetic")
    for g in groups:
        dtypes = [d for c, d in g if c == top]
        if dtypes:
            out = dtypes[0]
            for d in dtypes[1:]:
                out = torch.promote_types(out, d)
            return out
    raise AssertionError("no operands")


def _dims(x, dim):
    if dim is None or dim == [] or dim == ():
        return list(range(len(x.shape)))
    if isinstance(dim, int):
        return [dim]
    return list(dim)


# --- pointwise -----------------------------------------------------------------------------

_UNARY = ("neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
          "sigmoid", "relu", "silu", "erf", "floor", "ceil", "round", "trunc", "sign", "reciprocal")
# Polynomials accurate only to single precision: float64 runs these eagerly.
_F32_ONLY = ("erf", "gelu")


def _unary(name):
    def lower(ctx, x):
        if name in _F32_ONLY and ctx.dtype != torch.float32:
            raise Unsupported(f"{name} on {ctx.dtype}")
        return ctx.g.unary(name, ctx.t(x, ctx.dtype), layout=ctx.out)

    return lower


for _name in _UNARY:
    register(f"aten.{_name}.default")(_unary(_name))
register("aten.sgn.default")(_unary("sign"))  # sgn is sign for real tensors


@register("aten.gelu.default")
def _gelu(ctx, x, approximate="none"):
    if approximate == "tanh":
        return ctx.g.unary("gelu_tanh", ctx.t(x, ctx.dtype), layout=ctx.out)
    return _unary("gelu")(ctx, x)


@register("aten.logical_not.default")
def _logical_not(ctx, x):
    return ctx.g.unary("logical_not", _as_bool(ctx, x), layout=ctx.out)


def _as_bool(ctx, x):
    if isinstance(x, Val) and x.dtype != torch.bool:
        return ctx.g.binary("ne", x, ctx.c(0, x), dtype=torch.bool)
    return ctx.t(x, torch.bool)


def _arith(name):
    def lower(ctx, a, b, alpha=1):
        dt = ctx.dtype
        a, b = ctx.t(a, dt), ctx.t(b, dt)
        if alpha != 1:
            b = ctx.g.binary("mul", b, ctx.c(alpha, b))
        return ctx.g.binary(name, a, b, layout=ctx.out)

    return lower


for _name in ("add", "sub"):
    register(f"aten.{_name}.Tensor", f"aten.{_name}.Scalar")(_arith(_name))
# remainder and floor_divide have no lowering: PyTorch computes them from an exact fmod, which
# floor(a / b) only approximates (1 % 1e-3 would come out 0, not 9.99e-4); they run as extern
# eager calls.
for _name in ("mul", "div", "maximum", "minimum"):
    register(f"aten.{_name}.Tensor", f"aten.{_name}.Scalar", f"aten.{_name}.default")(_arith(_name))


@register("aten.rsub.Scalar", "aten.rsub.Tensor")
def _rsub(ctx, a, b, alpha=1):
    return _arith("sub")(ctx, b, a, alpha)


@register("aten.div.Tensor_mode", "aten.div.Scalar_mode")
def _div_mode(ctx, a, b, rounding_mode=None):
    if rounding_mode is None:
        return _arith("div")(ctx, a, b)
    if rounding_mode == "trunc":
        dt = ctx.dtype
        q = ctx.g.binary("div", ctx.t(a, dt), ctx.t(b, dt))
        return ctx.g.unary("trunc", q, layout=ctx.out)
    raise Unsupported("floor division (an exact fmod) in a kernel")


def _compare(name):
    def lower(ctx, a, b):
        dt = _compute_dtype(a, b)
        return ctx.g.binary(name, ctx.t(a, dt), ctx.t(b, dt), dtype=torch.bool, layout=ctx.out)

    return lower


for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    register(f"aten.{_name}.Tensor", f"aten.{_name}.Scalar")(_compare(_name))


def _logical(name):
    def lower(ctx, a, b):
        return ctx.g.binary(name, _as_bool(ctx, a), _as_bool(ctx, b), dtype=torch.bool, layout=ctx.out)

    return lower


for _name in ("logical_and", "logical_or", "logical_xor"):
    register(f"aten.{_name}.default")(_logical(_name))


def _bitwise(name):
    def lower(ctx, a, b):
        if ctx.dtype != torch.bool:
            raise Unsupported(f"{name} on {ctx.dtype}")
        return ctx.g.binary(name, ctx.t(a, torch.bool), ctx.t(b, torch.bool), layout=ctx.out)

    return lower


for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    register(f"aten.{_name}.Tensor", f"aten.{_name}.Scalar")(_bitwise(_name))


@register("aten.bitwise_not.default")
def _bitwise_not(ctx, x):
    if ctx.dtype != torch.bool:
        raise Unsupported("bitwise_not on integers")
    return ctx.g.unary("bitwise_not", x, layout=ctx.out)


@register("aten.where.self", "aten.where.ScalarSelf", "aten.where.ScalarOther", "aten.where.Scalar")
def _where(ctx, cond, a, b):
    dt = ctx.dtype
    return ctx.g.where(_as_bool(ctx, cond), ctx.t(a, dt), ctx.t(b, dt), layout=ctx.out)


@register("aten.clamp.default", "aten.clamp.Tensor")
def _clamp(ctx, x, min=None, max=None):
    dt = ctx.dtype
    y = ctx.t(x, dt)
    if min is not None:
        y = ctx.g.binary("maximum", y, ctx.t(min, dt))
    if max is not None:
        y = ctx.g.binary("minimum", y, ctx.t(max, dt))
    return _finish_copy(ctx, y, x)


@register("aten.clamp_min.default", "aten.clamp_min.Tensor")
def _clamp_min(ctx, x, min):
    return _clamp(ctx, x, min=min)


@register("aten.clamp_max.default", "aten.clamp_max.Tensor")
def _clamp_max(ctx, x, max):
    return _clamp(ctx, x, max=max)


@register("aten.hardtanh.default")
def _hardtanh(ctx, x, min_val=-1.0, max_val=1.0):
    return _clamp(ctx, x, min_val, max_val)


@register("aten.leaky_relu.default")
def _leaky_relu(ctx, x, negative_slope=0.01):
    g = ctx.g
    return g.where(g.binary("gt", x, ctx.c(0, x), dtype=torch.bool), x,
                   g.binary("mul", x, ctx.c(negative_slope, x)), layout=ctx.out)


@register("aten.elu.default")
def _elu(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
    g, dt = ctx.g, ctx.dtype
    x = ctx.t(x, dt)
    neg = g.binary("mul", g.unary("expm1", g.binary("mul", x, ctx.c(input_scale, x))), ctx.c(alpha, x))
    y = g.where(g.binary("gt", x, ctx.c(0, x), dtype=torch.bool), x, neg)
    return g.binary("mul", y, ctx.c(scale, y), layout=ctx.out) if scale != 1 else y


def _finish_copy(ctx, y, x):
    """`y` as a fresh value with eager's layout (an op that may have changed nothing)."""
    if y is x:
        return ctx.g.cast(x, ctx.dtype, layout=ctx.out)
    return y


def _int_power(g, x, n):
    """x**n for a small integer n >= 1 by repeated squaring."""
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else g.binary("mul", result, base)
        n >>= 1
        if n:
            base = g.binary("mul", base, base)
    return result


@register("aten.pow.Tensor_Scalar")
def _pow_scalar(ctx, x, exponent):
    g, dt = ctx.g, ctx.dtype
    x = ctx.t(x, dt)
    e = float(exponent)
    if e == 0:
        return _fill(ctx, 1)
    if e == 0.5:
        return g.unary("sqrt", x, layout=ctx.out)
    if e == -0.5:
        return g.unary("rsqrt", x, layout=ctx.out)
    if e.is_integer() and abs(e) <= 16:
        y = _int_power(g, x, int(abs(e)))
        if e < 0:
            y = g.unary("reciprocal", y)
        return _finish_copy(ctx, y, x)
    raise Unsupported(f"pow with exponent {exponent}")


@register("aten.pow.Scalar")
def _pow_base(ctx, base, exponent):
    # b**e = exp(e * ln b) for a positive constant base.
    if not isinstance(base, (int, float)) or base <= 0:
        raise Unsupported(f"pow with base {base}")
    g = ctx.g
    e = ctx.t(exponent, ctx.dtype)
    if base == 1:
        return _fill(ctx, 1)
    return g.unary("exp", g.binary("mul", e, ctx.c(math.log(base), e)), layout=ctx.out)


# --- activation backwards ------------------------------------------------------------------

@register("aten.threshold_backward.default")
def _threshold_backward(ctx, grad, x, threshold):
    g, dt = ctx.g, ctx.dtype
    grad, x = ctx.t(grad, dt), ctx.t(x, dt)
    return g.where(g.binary("le", x, ctx.c(threshold, x), dtype=torch.bool), ctx.c(0, grad), grad, layout=ctx.out)


@register("aten.tanh_backward.default")
def _tanh_backward(ctx, grad, y):
    g, dt = ctx.g, ctx.dtype
    grad, y = ctx.t(grad, dt), ctx.t(y, dt)
    return g.binary("mul", grad, g.binary("sub", ctx.c(1, y), g.binary("mul", y, y)), layout=ctx.out)


@register("aten.sigmoid_backward.default")
def _sigmoid_backward(ctx, grad, y):
    g, dt = ctx.g, ctx.dtype
    grad, y = ctx.t(grad, dt), ctx.t(y, dt)
    return g.binary("mul", grad, g.binary("mul", y, g.binary("sub", ctx.c(1, y), y)), layout=ctx.out)


@register("aten.silu_backward.default")
def _silu_backward(ctx, grad, x):
    g, dt = ctx.g, ctx.dtype
    grad, x = ctx.t(grad, dt), ctx.t(x, dt)
    s = g.unary("sigmoid", x)
    one = ctx.c(1, x)
    inner = g.binary("add", one, g.binary("mul", x, g.binary("sub", one, s)))
    return g.binary("mul", grad, g.binary("mul", s, inner), layout=ctx.out)


@register("aten.gelu_backward.default")
def _gelu_backward(ctx, grad, x, approximate="none"):
    g, dt = ctx.g, ctx.dtype
    grad, x = ctx.t(grad, dt), ctx.t(x, dt)
    half, one = ctx.c(0.5, x), ctx.c(1, x)
    if approximate == "tanh":
        k, c = math.sqrt(2 / math.pi), 0.044715
        x2 = g.binary("mul", x, x)
        inner = g.binary("mul", ctx.c(k, x), g.binary("add", x, g.binary("mul", ctx.c(c, x), g.binary("mul", x2, x))))
        t = g.unary("tanh", inner)
        left = g.binary("mul", half, g.binary("add", one, t))
        dinner = g.binary("mul", ctx.c(k, x), g.binary("add", one, g.binary("mul", ctx.c(3 * c, x), x2)))
        right = g.binary("mul", g.binary("mul", half, x),
                         g.binary("mul", g.binary("sub", one, g.binary("mul", t, t)), dinner))
        return g.binary("mul", grad, g.binary("add", left, right), layout=ctx.out)
    if dt != torch.float32:
        raise Unsupported("gelu_backward on float64")
    cdf = g.binary("mul", half, g.binary("add", one, g.unary("erf", g.binary("mul", x, ctx.c(math.sqrt(0.5), x)))))
    pdf = g.binary("mul", g.unary("exp", g.binary("mul", g.binary("mul", x, x), ctx.c(-0.5, x))),
                   ctx.c(1 / math.sqrt(2 * math.pi), x))
    return g.binary("mul", grad, g.binary("add", cdf, g.binary("mul", x, pdf)), layout=ctx.out)


# --- copies, casts, factories --------------------------------------------------------------

@register("aten.clone.default")
def _clone(ctx, x, memory_format=None):
    return ctx.g.cast(x, ctx.dtype, layout=ctx.out)


@register("aten._to_copy.default")
def _to_copy(ctx, x, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False,
             memory_format=None):
    _on_cpu(device)
    return ctx.g.cast(x, ctx.dtype, layout=ctx.out)


@register("prims.convert_element_type.default")
def _convert(ctx, x, dtype):
    return ctx.g.cast(x, ctx.dtype, layout=ctx.out)


def _fill(ctx, value):
    """Eager's value filled with a constant (expanding a 0-dim constant, then one copy)."""
    g = ctx.g
    dtype, shape = ctx.out[0], ctx.out[1]
    return g.cast(g.expand(g.scalar(float(value), dtype), shape), dtype, layout=ctx.out)


def _on_cpu(device):
    if device is not None and torch.device(device).type != "cpu":
        raise Unsupported(f"a tensor on {device}")


def _constant(value=None, position=None):
    """A factory (zeros, full, ones_like, ...): filled with `value`, or with its argument at
    `position`. Shape, dtype and strides come from eager's value."""

    def lower(ctx, *args, device=None, **_options):
        _on_cpu(device)
        return _fill(ctx, value if position is None else args[position])

    return lower


register("aten.zeros.default", "aten.zeros_like.default")(_constant(0))
register("aten.ones.default", "aten.ones_like.default")(_constant(1))
register("aten.full.default", "aten.full_like.default")(_constant(position=1))
register("aten.scalar_tensor.default")(_constant(position=0))


# --- views ---------------------------------------------------------------------------------

@register("aten.detach.default", "aten.alias.default", "aten.lift_fresh_copy.default")
def _alias(ctx, x):
    return x


@register("aten.view.default")
def _view(ctx, x, size):
    return ctx.g.reshape(x, size, copy_ok=False)


@register("aten._unsafe_view.default", "aten.reshape.default")
def _reshape(ctx, x, size):
    return ctx.g.reshape(x, size)


@register("aten.t.default")
def _t(ctx, x):
    return ctx.g.permute(x, [1, 0]) if len(x.shape) == 2 else x


@register("aten.transpose.int")
def _transpose(ctx, x, dim0, dim1):
    nd = len(x.shape)
    if nd == 0:
        return x
    dims = list(range(nd))
    dims[dim0 % nd], dims[dim1 % nd] = dims[dim1 % nd], dims[dim0 % nd]
    return ctx.g.permute(x, dims)


@register("aten.permute.default")
def _permute(ctx, x, dims):
    return ctx.g.permute(x, dims)


@register("aten.expand.default")
def _expand(ctx, x, size, *, implicit=False):
    return ctx.g.expand(x, size)


@register("aten.unsqueeze.default", "aten.squeeze.dim", "aten.squeeze.dims", "aten.squeeze.default")
def _squeeze_unsqueeze(ctx, x, dim=None):
    # Adding or dropping size-1 dims: eager's shape says which.
    return ctx.g.reshape(x, ctx.out[1], copy_ok=False)


@register("aten.select.int")
def _select(ctx, x, dim, index):
    return ctx.g.select(x, dim, index)


@register("aten.slice.Tensor")
def _slice(ctx, x, dim=0, start=None, end=None, step=1):
    return ctx.g.slice(x, dim, start, end, step)


@register("aten.as_strided.default")
def _as_strided(ctx, x, size, stride, storage_offset=None):
    return ctx.g.as_strided(x, size, stride, x.offset if storage_offset is None else storage_offset)


# --- reductions ----------------------------------------------------------------------------

def _reduction(name):
    def lower(ctx, x, dim=None, keepdim=False, *, dtype=None):
        dt = ctx.dtype
        if name in ("sum", "mean", "prod"):
            x = ctx.t(x, dt)
        elif name in ("any", "all"):
            x = _as_bool(ctx, x)
        return ctx.g.reduce(name, x, _dims(x, dim), keepdim, layout=ctx.out)

    return lower


register("aten.sum.dim_IntList", "aten.sum.default")(_reduction("sum"))
register("aten.mean.dim", "aten.mean.default")(_reduction("mean"))
register("aten.prod.dim_int", "aten.prod.default")(_reduction("prod"))
register("aten.amax.default", "aten.max.default")(_reduction("amax"))
register("aten.amin.default", "aten.min.default")(_reduction("amin"))
register("aten.any.default", "aten.any.dim", "aten.any.dims")(_reduction("any"))
register("aten.all.default", "aten.all.dim", "aten.all.dims")(_reduction("all"))


def _variance(ctx, x, dim, correction, keepdim):
    g = ctx.g
    x = ctx.t(x, ctx.dtype)
    dims = _dims(x, dim)
    n = 1
    for d in dims:
        n *= x.shape[d]
    c = 1 if correction is None else correction
    mean = g.reduce("mean", x, dims, True)
    d = g.binary("sub", x, mean)
    ss = g.reduce("sum", g.binary("mul", d, d), dims, keepdim)
    return g.binary("div", ss, ctx.c(max(n - c, 0), ss))


@register("aten.var.correction")
def _var(ctx, x, dim=None, *, correction=None, keepdim=False):
    return ctx.g.cast(_variance(ctx, x, dim, correction, keepdim), ctx.dtype, layout=ctx.out)


@register("aten.std.correction")
def _std(ctx, x, dim=None, *, correction=None, keepdim=False):
    return ctx.g.unary("sqrt", _variance(ctx, x, dim, correction, keepdim), layout=ctx.out)


@register("aten._softmax.default")
def _softmax(ctx, x, dim, half_to_float=False):
    g = ctx.g
    x = ctx.t(x, ctx.dtype)
    if not x.shape:
        return _fill(ctx, 1)
    e = g.unary("exp", g.binary("sub", x, g.reduce("amax", x, [dim], True)))
    return g.binary("div", e, g.reduce("sum", e, [dim], True), layout=ctx.out)


@register("aten._log_softmax.default")
def _log_softmax(ctx, x, dim, half_to_float=False):
    g = ctx.g
    x = ctx.t(x, ctx.dtype)
    if not x.shape:
        return _fill(ctx, 0)
    shifted = g.binary("sub", x, g.reduce("amax", x, [dim], True))
    lse = g.unary("log", g.reduce("sum", g.unary("exp", shifted), [dim], True))
    return g.binary("sub", shifted, lse, layout=ctx.out)


@register("aten._softmax_backward_data.default")
def _softmax_backward(ctx, grad, out, dim, input_dtype):
    g, dt = ctx.g, ctx.dtype
    grad, out = ctx.t(grad, dt), ctx.t(out, dt)
    go = g.binary("mul", grad, out)
    return g.binary("sub", go, g.binary("mul", out, g.reduce("sum", go, [dim], True)), layout=ctx.out)


@register("aten._log_softmax_backward_data.default")
def _log_softmax_backward(ctx, grad, out, dim, input_dtype):
    g, dt = ctx.g, ctx.dtype
    grad, out = ctx.t(grad, dt), ctx.t(out, dt)
    return g.binary("sub", grad, g.binary("mul", g.unary("exp", out), g.reduce("sum", grad, [dim], True)),
                    layout=ctx.out)


def _norm_dims(x, normalized_shape):
    k = len(normalized_shape)
    return list(range(len(x.shape) - k, len(x.shape)))


@register("aten.native_layer_norm.default")
def _layer_norm(ctx, x, normalized_shape, weight, bias, eps):
    g = ctx.g
    out_l, mean_l, rstd_l = ctx.out
    dt = out_l[0]
    x = ctx.t(x, dt)
    dims = _norm_dims(x, normalized_shape)
    mean = g.reduce("mean", x, dims, True)
    xc = g.binary("sub", x, mean)
    var = g.reduce("mean", g.binary("mul", xc, xc), dims, True)
    rstd = g.unary("rsqrt", g.binary("add", var, ctx.c(eps, var)))
    y = g.binary("mul", xc, rstd)
    if weight is not None:
        y = g.binary("mul", y, ctx.t(weight, dt))
    if bias is not None:
        y = g.binary("add", y, ctx.t(bias, dt))
    return y, mean, rstd


@register("aten.native_layer_norm_backward.default")
def _layer_norm_backward(ctx, grad_out, x, normalized_shape, mean, rstd, weight, bias, output_mask):
    g = ctx.g
    dt = x.dtype
    grad_out, x, mean, rstd = (ctx.t(v, dt) for v in (grad_out, x, mean, rstd))
    if len(mean.shape) != len(x.shape):
        raise Unsupported("layer norm statistics without the kept dims")
    dims = _norm_dims(x, normalized_shape)
    outer = [d for d in range(len(x.shape)) if d not in dims]
    n = 1
    for d in dims:
        n *= x.shape[d]
    xhat = g.binary("mul", g.binary("sub", x, mean), rstd)
    gw = g.binary("mul", grad_out, ctx.t(weight, dt)) if weight is not None else grad_out
    results = []
    if output_mask[0]:
        a = g.binary("mul", gw, ctx.c(n, gw))
        b = g.reduce("sum", gw, dims, True)
        c = g.binary("mul", xhat, g.reduce("sum", g.binary("mul", gw, xhat), dims, True))
        inner = g.binary("sub", g.binary("sub", a, b), c)
        results.append(g.binary("mul", g.binary("div", rstd, ctx.c(n, rstd)), inner))
    else:
        results.append(None)
    if output_mask[1] and weight is not None:
        results.append(g.reduce("sum", g.binary("mul", grad_out, xhat), outer, False))
    else:
        results.append(None)
    if output_mask[2] and bias is not None:
        results.append(g.reduce("sum", grad_out, outer, False))
    else:
        results.append(None)
    return tuple(results)


@register("aten.mse_loss.default")
def _mse_loss(ctx, a, b, reduction=1):
    g, dt = ctx.g, ctx.dtype
    a, b = ctx.t(a, dt), ctx.t(b, dt)
    d = g.binary("sub", a, b)
    sq = g.binary("mul", d, d)
    if reduction == 0:
        return g.cast(sq, dt, layout=ctx.out)
    return g.reduce("mean" if reduction == 1 else "sum", sq, list(range(len(sq.shape))), False, layout=ctx.out)


# --- matrix products -----------------------------------------------------------------------

@register("aten.mm.default", "aten.bmm.default")
def _mm(ctx, a, b):
    dt = ctx.dtype
    return ctx.g.matmul(ctx.t(a, dt), ctx.t(b, dt), layout=ctx.out)


@register("aten.addmm.default")
def _addmm(ctx, bias, a, b, *, beta=1, alpha=1):
    g, dt = ctx.g, ctx.dtype
    prod = g.matmul(ctx.t(a, dt), ctx.t(b, dt))
    if alpha != 1:
        prod = g.binary("mul", prod, ctx.c(alpha, prod))
    if beta == 0:
        return g.cast(prod, dt, layout=ctx.out)
    bias = ctx.t(bias, dt)
    if beta != 1:
        bias = g.binary("mul", bias, ctx.c(beta, bias))
    return g.binary("add", prod, bias, layout=ctx.out)


__all__ = ["LOWERINGS", "Ctx", "Unsupported"]
