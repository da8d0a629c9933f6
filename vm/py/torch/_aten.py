"""smelt's primitives as aten operators, both ways.

- Each primitive call reads as exactly one aten overload call (`lower`): `_prims.binary("mul",
  x, 2)` is `aten.mul.Tensor(x, 2)`, `_prims.reduce("sum", x, [0], False)` is
  `aten.sum.dim_IntList(x, [0])`. Dispatch modes (make_fx, fake tensors) see primitive calls
  and use this to record what PyTorch would record. Arguments are written the way PyTorch's
  dispatcher receives them: trailing defaults dropped, keyword-only ones as keywords.
- Each aten overload runs (`torch.ops.aten.*`), so a graph of them is executable: the
  implementation calls the primitive back.

Primitives whose arguments have no exact aten counterpart (pooling over precomputed windows,
circular padding) are `torch.ops.smelt.<primitive>.default` taking the primitive's own
arguments."""

import torch
from torch import _C, _composites, _prims
from torch._ops import define, ops

aten = ops.aten

_INT64_MAX = 9223372036854775807
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}
_REDUCTION_NAMES = {v: k for k, v in _REDUCTIONS.items()}


def _trim(args, defaults):
    """Drops trailing arguments equal to their schema default (`defaults` aligned at the end)."""
    args = list(args)
    defaults = list(defaults)
    while args and defaults and _same(args[-1], defaults[-1]):
        args.pop()
        defaults.pop()
    return tuple(args)


def _same(a, b):
    return a is b or (type(a) is type(b) and a == b)


class Lowered:
    """A primitive call as an aten call. `index`/`fake_outputs`: the aten op returns more
    outputs than the primitive (native_layer_norm's mean and rstd); the primitive's result is
    output `index`, and `fake_outputs(result)` gives metadata-only values for all of them."""

    __slots__ = ("op", "args", "kwargs", "index", "fake_outputs")

    def __init__(self, op, args, kwargs=None, index=None, fake_outputs=None):
        self.op = op
        self.args = tuple(args)
        self.kwargs = kwargs or {}
        self.index = index
        self.fake_outputs = fake_outputs


def _is_tensor(x):
    return isinstance(x, _C.TensorBase)


# --- pointwise ------------------------------------------------------------------------------
_UNARY = [
    "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "erf", "floor", "ceil", "round", "trunc", "sign", "sgn", "reciprocal",
    "logical_not", "bitwise_not", "silu",
]
for _name in _UNARY:
    define("aten", _name, "default", (lambda n: lambda x: _prims.unary(n, x))(_name))


def _gelu(x, approximate="none"):
    return _prims.unary("gelu" if approximate == "none" else "gelu_tanh", x)


define("aten", "gelu", "default", _gelu)

# Ops whose Python binding takes a number as a Scalar overload (comparisons, bitwise, remainder);
# add/sub/mul/div wrap the number and stay `.Tensor`.
_SCALAR_OVERLOAD = {"eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "remainder"}
_TENSOR_OVERLOAD = {"add", "sub", "mul", "div"} | _SCALAR_OVERLOAD
_DEFAULT_OVERLOAD = {"maximum", "minimum", "atan2", "logical_and", "logical_or", "logical_xor", "floor_divide"}


def _binary_impl(name):
    if name in ("add", "sub"):
        def impl(a, b, alpha=1):
            return _prims.binary(name, a, b if alpha == 1 else b * alpha)
    else:
        def impl(a, b):
            return _prims.binary(name, a, b)
    return impl


for _name in _TENSOR_OVERLOAD:
    define("aten", _name, "Tensor", _binary_impl(_name))
    define("aten", _name + "_", "Tensor", (lambda n: lambda a, b: _prims.binary_(n, a, b))(_name))
for _name in _SCALAR_OVERLOAD | {"add", "sub", "mul", "div"}:
    define("aten", _name, "Scalar", _binary_impl(_name))
    define("aten", _name + "_", "Scalar", (lambda n: lambda a, b: _prims.binary_(n, a, b))(_name))
for _name in _DEFAULT_OVERLOAD:
    define("aten", _name, "default", _binary_impl(_name))
define("aten", "floor_divide", "Scalar", _binary_impl("floor_divide"))
define("aten", "pow", "Tensor_Tensor", _binary_impl("pow"))
define("aten", "pow", "Tensor_Scalar", _binary_impl("pow"))
define("aten", "pow", "Scalar", _binary_impl("pow"))
define("aten", "pow_", "Tensor", lambda a, b: _prims.binary_("pow", a, b))
define("aten", "pow_", "Scalar", lambda a, b: _prims.binary_("pow", a, b))
define("aten", "rsub", "Scalar", lambda x, other, alpha=1: _prims.binary("sub", other, x if alpha == 1 else x * alpha))
define("aten", "rsub", "Tensor", lambda x, other, alpha=1: _prims.binary("sub", other, x if alpha == 1 else x * alpha))


def _lower_unary(name, x):
    if name == "gelu_tanh":
        return Lowered(aten.gelu.default, (x,), {"approximate": "tanh"})
    return Lowered(getattr(aten, name).default, (x,))


# While a derivative formula runs, a number operand is a C++ Scalar in PyTorch's formulas
# (`mul.Scalar(result, 2)`), not the wrapped number tensor user code makes (`mul.Tensor(x, 2)`).
_formula_scalars = [0]


class formula_scalars:
    def __enter__(self):
        _formula_scalars[0] += 1

    def __exit__(self, *exc):
        _formula_scalars[0] -= 1
        return False


def _lower_binary(name, a, b):
    if _formula_scalars[0] and name in ("add", "sub", "mul", "div") and _is_tensor(a) and not _is_tensor(b):
        return Lowered(getattr(aten, name).Scalar, (a, b))
    if not _is_tensor(a):
        # A number on the left: `2 + x` is add(x, 2), `2 - x` rsub(x, 2), `2 ** x` pow.Scalar.
        if name in ("add", "mul"):
            return Lowered(getattr(aten, name).Tensor, (b, a))
        if name == "sub":
            return Lowered(aten.rsub.Scalar, (b, a))
        if name == "pow":
            return Lowered(aten.pow.Scalar, (a, b))
        return Lowered(ops.smelt.binary.default, (name, a, b))
    if name == "pow":
        return Lowered(aten.pow.Tensor_Tensor if _is_tensor(b) else aten.pow.Tensor_Scalar, (a, b))
    if name in _DEFAULT_OVERLOAD:
        if name == "floor_divide" and not _is_tensor(b):
            return Lowered(aten.floor_divide.Scalar, (a, b))
        return Lowered(getattr(aten, name).default, (a, b))
    overload = "Scalar" if name in _SCALAR_OVERLOAD and not _is_tensor(b) else "Tensor"
    return Lowered(getattr(getattr(aten, name), overload), (a, b))


def _lower_binary_(name, a, b):
    if name == "pow":
        return Lowered(aten.pow_.Tensor if _is_tensor(b) else aten.pow_.Scalar, (a, b))
    if name in _DEFAULT_OVERLOAD:
        return None
    overload = "Scalar" if name in _SCALAR_OVERLOAD and not _is_tensor(b) else "Tensor"
    return Lowered(getattr(getattr(aten, name + "_"), overload), (a, b))


define("smelt", "binary", "default", lambda name, a, b: _prims.binary(name, a, b))

# --- reductions -----------------------------------------------------------------------------


def _sum(x, dim=None, keepdim=False, *, dtype=None):
    return _prims.reduce("sum", x if dtype is None else x.to(dtype), None if dim is None else list(dim), keepdim)


def _reduction(name):
    def whole(x, *, dtype=None):
        return _prims.reduce(name, x if dtype is None else x.to(dtype), None, False)

    def along(x, dim, keepdim=False, *, dtype=None):
        dims = [dim] if isinstance(dim, int) else (None if dim is None else list(dim))
        return _prims.reduce(name, x if dtype is None else x.to(dtype), dims, keepdim)

    return whole, along


for _name, _dim_overload in (("sum", "dim_IntList"), ("mean", "dim"), ("prod", "dim_int")):
    _whole, _along = _reduction(_name)
    define("aten", _name, "default", _whole)
    define("aten", _name, _dim_overload, _along)
for _name in ("all", "any"):
    _whole, _along = _reduction(_name)
    define("aten", _name, "default", _whole)
    define("aten", _name, "dim", _along)
    define("aten", _name, "dims", _along)
for _name in ("amax", "amin"):
    define("aten", _name, "default",
           (lambda n: lambda x, dim=(), keepdim=False: _prims.reduce(n, x, list(dim) or None, keepdim))(_name))


def _lower_reduce(name, x, dims, keepdim):
    if name in ("amax", "amin"):
        return Lowered(getattr(aten, name).default, _trim((x, list(dims or []), keepdim), ([], False)))
    packet = getattr(aten, name)
    if dims is None and not keepdim:
        return Lowered(packet.default, (x,))
    if name in ("sum", "mean"):
        op = packet.dim_IntList if name == "sum" else packet.dim
        return Lowered(op, _trim((x, dims, keepdim), (False,)))
    if name == "prod" or (name in ("all", "any") and dims is not None and len(dims) == 1):
        op = packet.dim_int if name == "prod" else packet.dim
        return Lowered(op, _trim((x, dims[0] if dims else 0, keepdim), (False,)))
    return Lowered(packet.dims, _trim((x, dims, keepdim), (False,)))


# --- matrix products ------------------------------------------------------------------------
define("aten", "mm", "default", lambda a, b: _prims.matmul("mm", a, b))
define("aten", "bmm", "default", lambda a, b: _prims.matmul("bmm", a, b))
define("aten", "matmul", "default", lambda a, b: _prims.matmul("matmul", a, b))
define("aten", "dot", "default", lambda a, b: _prims.matmul("matmul", a, b))
define("aten", "mv", "default", lambda a, b: _prims.matmul("matmul", a, b))
define("aten", "addmm", "default", lambda bias, a, b, *, beta=1, alpha=1: _prims.addmm(bias, a, b))


def _lower_matmul(kind, a, b):
    if kind == "matmul" and b.dim() == 1 and a.dim() <= 2:
        kind = "dot" if a.dim() == 1 else "mv"  # what torch.matmul of vectors calls
    return Lowered(getattr(aten, kind).default, (a, b))


# --- views and copies -----------------------------------------------------------------------
define("aten", "view", "default", lambda x, size: _prims.view(x, list(size)))
define("aten", "_unsafe_view", "default", lambda x, size: _prims.unsafe_view(x, list(size)))
define("aten", "transpose", "int", lambda x, d0, d1: _prims.transpose(x, d0, d1))
define("aten", "t", "default", lambda x: _prims.t(x))
define("aten", "permute", "default", lambda x, dims: _prims.permute(x, list(dims)))
define("aten", "expand", "default", lambda x, size, *, implicit=False: _prims.expand(x, list(size)))
define("aten", "squeeze", "default", lambda x: _prims.squeeze(x, None))
define("aten", "squeeze", "dim", lambda x, dim: _prims.squeeze(x, dim))
define("aten", "unsqueeze", "default", lambda x, dim: _prims.unsqueeze(x, dim))
define("aten", "select", "int", lambda x, dim, index: _prims.select(x, dim, index))
define("aten", "slice", "Tensor",
       lambda x, dim=0, start=None, end=None, step=1: _prims.slice(x, dim, start, end, step))
define("aten", "as_strided", "default",
       lambda x, size, stride, storage_offset=None: _prims.as_strided(
           x, list(size), list(stride), x.storage_offset() if storage_offset is None else storage_offset))
define("aten", "clone", "default", lambda x, *, memory_format=None: (
    _prims.contiguous(x) if memory_format is not None and not x.is_contiguous() else _prims.clone(x)))
define("aten", "_to_copy", "default", lambda x, *, dtype=None, layout=None, device=None, pin_memory=None,
       non_blocking=False, memory_format=None: _prims.to_dtype(x, x.dtype if dtype is None else dtype))


def _narrow(x, dim, start, length):
    # narrow counts a negative start from the end, as PyTorch's composite does before slicing.
    if start < 0:
        start += x.shape[dim]
    return Lowered(aten.slice.Tensor, (x, dim, start, start + length))


_VIEW_LOWERING = {
    "view": lambda x, size: Lowered(aten.view.default, (x, list(size))),
    "unsafe_view": lambda x, size: Lowered(aten._unsafe_view.default, (x, list(size))),
    "reshape": lambda x, size: Lowered(aten.view.default, (x, list(size))),
    "transpose": lambda x, d0, d1: Lowered(aten.transpose.int, (x, d0, d1)),
    "t": lambda x: Lowered(aten.t.default, (x,)),
    "permute": lambda x, dims: Lowered(aten.permute.default, (x, list(dims))),
    "expand": lambda x, size: Lowered(aten.expand.default, (x, list(size))),
    "squeeze": lambda x, dim: Lowered(aten.squeeze.default, (x,)) if dim is None else Lowered(aten.squeeze.dim, (x, dim)),
    "unsqueeze": lambda x, dim: Lowered(aten.unsqueeze.default, (x, dim)),
    "narrow": lambda x, dim, start, length: _narrow(x, dim, start, length),
    "select": lambda x, dim, index: Lowered(aten.select.int, (x, dim, index)),
    "slice": lambda x, dim, start, end, step: Lowered(
        aten.slice.Tensor, _trim((x, dim, 0 if start is None else start, _INT64_MAX if end is None else end, step),
                                 (1,))),
    "as_strided": lambda x, size, stride, offset: Lowered(
        aten.as_strided.default, _trim((x, list(size), list(stride), offset), (0,))),
    "clone": lambda x: Lowered(aten.clone.default, (x,)),
    "contiguous": lambda x: Lowered(aten.clone.default, (x,), {"memory_format": torch.contiguous_format}),
    "to_dtype": lambda x, dtype: Lowered(aten._to_copy.default, (x,), {"dtype": dtype}),
}

# --- along a dim, indexing, in-place --------------------------------------------------------
define("aten", "cat", "default", lambda tensors, dim=0: _prims.cat(list(tensors), dim))
define("aten", "cumsum", "default",
       lambda x, dim, *, dtype=None: _prims.cumsum(x if dtype is None else x.to(dtype), dim))
define("aten", "max", "dim", lambda x, dim, keepdim=False: _prims.max_min(x, dim, keepdim, True))
define("aten", "min", "dim", lambda x, dim, keepdim=False: _prims.max_min(x, dim, keepdim, False))
define("aten", "sort", "default", lambda x, dim=-1, descending=False: _prims.sort(x, dim, descending))
define("aten", "index_select", "default", lambda x, dim, index: _prims.index_select(x, dim, index))
define("aten", "gather", "default", lambda x, dim, index, *, sparse_grad=False: _prims.gather(x, dim, index))
define("aten", "where", "self", lambda c, a, b: _prims.where(c, a, b))
define("aten", "index", "Tensor", lambda x, indices: _prims.index(x, list(indices)))
define("aten", "nonzero", "default", lambda x: _prims.nonzero(x))
define("aten", "_local_scalar_dense", "default", lambda x: x.item())
define("aten", "index_put_", "default",
       lambda x, indices, values, accumulate=False: _prims.index_put_(x, list(indices), values, accumulate))
define("aten", "scatter_", "src", lambda x, dim, index, src: _prims.scatter_(x, dim, index, src))
define("aten", "copy_", "default", lambda x, src, non_blocking=False: _prims.copy_(x, src))
define("aten", "fill_", "Scalar", lambda x, value: _prims.fill_(x, value))
define("aten", "fill_", "Tensor", lambda x, value: _prims.copy_(x, value))

# Functional forms of the in-place ops (what AOT autograd's functionalized graphs call).
define("aten", "copy", "default", lambda x, src, non_blocking=False: _prims.copy_(_prims.clone(x), src))
define("aten", "fill", "Scalar", lambda x, value: _prims.fill_(_prims.clone(x), value))
define("aten", "fill", "Tensor", lambda x, value: _prims.copy_(_prims.clone(x), value))
define("aten", "index_put", "default", lambda x, indices, values, accumulate=False: _prims.index_put_(
    _prims.clone(x), list(indices), values, accumulate))
define("aten", "scatter", "src", lambda x, dim, index, src: _prims.scatter_(_prims.clone(x), dim, index, src))

_ALONG_LOWERING = {
    "cat": lambda tensors, dim: Lowered(aten.cat.default, _trim((list(tensors), dim), (0,))),
    "cumsum": lambda x, dim: Lowered(aten.cumsum.default, (x, dim)),
    "max_min": lambda x, dim, keepdim, is_max: Lowered(
        (aten.max if is_max else aten.min).dim, _trim((x, dim, keepdim), (False,))),
    "sort": lambda x, dim, descending: Lowered(aten.sort.default, _trim((x, dim, descending), (-1, False))),
    "index_select": lambda x, dim, index: Lowered(aten.index_select.default, (x, dim, index)),
    "gather": lambda x, dim, index: Lowered(aten.gather.default, (x, dim, index)),
    "where": lambda c, a, b: Lowered(aten.where.self, (c, a, b)),
    "index": lambda x, indices: Lowered(aten.index.Tensor, (x, list(indices))),
    "nonzero": lambda x: Lowered(aten.nonzero.default, (x,)),
    "index_put_": lambda x, indices, values, acc: Lowered(
        aten.index_put_.default, _trim((x, list(indices), values, acc), (False,))),
    "scatter_": lambda x, dim, index, src: Lowered(aten.scatter_.src, (x, dim, index, src)),
    "copy_": lambda x, src: Lowered(aten.copy_.default, (x, src)),
    "fill_": lambda x, value: Lowered(aten.fill_.Tensor if _is_tensor(value) else aten.fill_.Scalar, (x, value)),
}

# --- creation -------------------------------------------------------------------------------


def _factory(fill):
    def impl(size, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
        return _prims.full(list(size), fill, dtype or torch.get_default_dtype(), _is_meta(device))

    return impl


def _is_meta(device):
    return device is not None and str(device) == "meta"


define("aten", "zeros", "default", _factory(0.0))
define("aten", "ones", "default", _factory(1.0))
define("aten", "empty", "memory_format", _factory(0.0))
define("aten", "full", "default",
       lambda size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None:
       _prims.full(list(size), fill_value, dtype, _is_meta(device)))


def _factory_like(fill):
    def impl(x, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
        return _prims.full_like(x, fill, dtype or x.dtype, _is_meta(device) or x.is_meta)

    return impl


define("aten", "zeros_like", "default", _factory_like(0))
define("aten", "ones_like", "default", _factory_like(1))
define("aten", "empty_like", "default", _factory_like(0))
define("aten", "full_like", "default",
       lambda x, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None:
       _prims.full_like(x, fill_value, dtype or x.dtype, _is_meta(device) or x.is_meta))


def _lower_full_like(like, value, dtype, meta, name="full_like", dtype_given=True):
    kwargs = {"dtype": dtype} if dtype_given else {}
    kwargs["pin_memory"] = False
    args = (like, value) if name == "full_like" else (like,)
    return Lowered(getattr(aten, name).default, args, kwargs)


def _lower_full(size, value, dtype, meta, name="full", dtype_given=True):
    kwargs = {"dtype": dtype} if dtype_given else {}
    kwargs["device"] = torch.device("meta" if meta else "cpu")
    kwargs["pin_memory"] = False
    if name == "full":
        return Lowered(aten.full.default, (list(size), value), kwargs)
    if name == "scalar_tensor":
        return Lowered(aten.scalar_tensor.default, (value,),
                       {"dtype": dtype, "layout": torch.strided, "device": kwargs["device"]})
    op = aten.empty.memory_format if name == "empty" else getattr(aten, name).default
    return Lowered(op, (list(size),), kwargs)


# --- ops PyTorch implements as one kernel (smelt: torch/_composites.py) ---------------------
define("aten", "_softmax", "default", lambda x, dim, half_to_float=False: _prims.softmax(x, dim))
define("aten", "_log_softmax", "default", lambda x, dim, half_to_float=False: _prims.log_softmax(x, dim))


def _native_layer_norm(x, normalized_shape, weight, bias, eps):
    return _prims.layer_norm(x, list(normalized_shape), weight, bias, eps)


define("aten", "native_layer_norm", "default", _native_layer_norm)
define("aten", "clamp", "default", lambda x, min=None, max=None: _prims.clamp(x, min, max, "clamp"))
define("aten", "clamp_min", "default", lambda x, min: _prims.clamp(x, min, None, "clamp_min"))
define("aten", "clamp_max", "default", lambda x, max: _prims.clamp(x, None, max, "clamp_max"))
define("aten", "mse_loss", "default",
       lambda x, t, reduction=1: _prims.mse_loss(x, t, _REDUCTION_NAMES[reduction]))


def _nll_loss_forward(x, t, weight, reduction, ignore_index):
    out = _prims.nll_loss(x, t, weight, ignore_index, _REDUCTION_NAMES[reduction])
    if reduction == _REDUCTIONS["none"]:
        return out, torch.zeros((), dtype=x.dtype)
    # The weight the reduction divides by: each counted target's class weight (or 1).
    keep = t != ignore_index
    if weight is None:
        return out, keep.to(x.dtype).sum()
    safe = torch.where(keep, t, torch.zeros((), dtype=t.dtype))
    picked = weight.index_select(0, safe.reshape(-1)).reshape(t.shape)
    return out, torch.where(keep, picked, torch.zeros((), dtype=x.dtype)).sum()


define("aten", "nll_loss_forward", "default", _nll_loss_forward)
define("aten", "binary_cross_entropy", "default",
       lambda x, t, weight=None, reduction=1: _prims.binary_cross_entropy(x, t, weight, _REDUCTION_NAMES[reduction]))
define("aten", "binary_cross_entropy_with_logits", "default",
       lambda x, t, weight=None, pos_weight=None, reduction=1: _prims.binary_cross_entropy_with_logits(
           x, t, weight, pos_weight, _REDUCTION_NAMES[reduction]))
define("aten", "embedding", "default",
       lambda weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False: _prims.embedding(
           weight, indices, None if padding_idx == -1 else padding_idx))
define("aten", "leaky_relu", "default", lambda x, negative_slope=0.01: _prims.leaky_relu(x, negative_slope))
define("aten", "elu", "default", lambda x, alpha=1, scale=1, input_scale=1: _prims.elu(x, alpha))
define("aten", "softplus", "default", lambda x, beta=1, threshold=20: _prims.softplus(x, beta, threshold))
define("aten", "hardtanh", "default", lambda x, min_val=-1, max_val=1: _prims.hardtanh(x, min_val, max_val))
define("aten", "smooth_l1_loss", "default",
       lambda x, t, reduction=1, beta=1.0: _prims.smooth_l1_loss(x, t, _REDUCTION_NAMES[reduction], beta))
define("aten", "constant_pad_nd", "default", lambda x, pad, value=0: _prims.pad(x, list(pad), "constant", value))
for _n in (1, 2, 3):
    define("aten", f"reflection_pad{_n}d", "default", lambda x, pad: _prims.pad(x, list(pad), "reflect", None))
    define("aten", f"replication_pad{_n}d", "default", lambda x, pad: _prims.pad(x, list(pad), "replicate", None))
define("aten", "_adaptive_avg_pool2d", "default",
       lambda x, output_size: _prims.adaptive_avg_pool2d(x, output_size[0], output_size[1]))


def _convolution(x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    if transposed:
        raise NotImplementedError("smelt: transposed convolution")
    from torch.nn.functional import _conv

    return _conv(x, weight, bias, tuple(stride), tuple(padding), tuple(dilation), groups, len(stride), "convolution")


define("aten", "convolution", "default", _convolution)


def _sdpa_cpu(q, k, v, dropout_p=0.0, is_causal=False, *, attn_mask=None, scale=None):
    return _prims.sdpa(q, k, v, attn_mask, is_causal, scale)


def _sdpa_cpu_backward(grad_out, q, k, v, out, logsumexp, dropout_p, is_causal, *, attn_mask=None, scale=None):
    return _prims.sdpa_backward(grad_out, q, k, v, out, logsumexp, is_causal, scale)


define("aten", "_scaled_dot_product_flash_attention_for_cpu", "default", _sdpa_cpu)
define("aten", "_scaled_dot_product_flash_attention_for_cpu_backward", "default", _sdpa_cpu_backward)


def _fake(x, shape, dtype=None):
    """A meta tensor standing for an output smelt's primitive does not compute (with symbolic
    sizes when `shape` has any: a traced symbolic graph's fake)."""
    hints = [d if isinstance(d, int) else d.node.hint for d in shape]
    t = _C._full(hints, 0, dtype or x.dtype, True)
    if any(not isinstance(d, int) for d in shape):
        t._sym_shape = tuple(shape)
    return t


def _lower_layer_norm(x, normalized_shape, weight, bias, eps):
    return Lowered(aten.native_layer_norm.default, (x, list(normalized_shape), weight, bias, eps))


def _lower_nll_loss(x, t, weight, ignore_index, reduction):
    return Lowered(aten.nll_loss_forward.default, (x, t, weight, _REDUCTIONS[reduction], ignore_index),
                   index=0, fake_outputs=lambda out: (out, _fake(x, [])))


def _lower_clamp(x, min, max, kind):
    if kind == "clamp_min":
        return Lowered(aten.clamp_min.default, (x, min))
    if kind == "clamp_max":
        return Lowered(aten.clamp_max.default, (x, max))
    return Lowered(aten.clamp.default, _trim((x, min, max), (None, None)))


def _lower_pad(x, pad, mode, value):
    if mode == "constant":
        return Lowered(aten.constant_pad_nd.default, _trim((x, list(pad), 0 if value is None else value), (0,)))
    if mode in ("reflect", "replicate"):
        kind = "reflection" if mode == "reflect" else "replication"
        return Lowered(getattr(aten, f"{kind}_pad{len(pad) // 2}d").default, (x, list(pad)))
    return None


def _lower_convolution(x, weight, bias, stride, dilation, groups, out_sizes):
    n = len(stride)
    return Lowered(aten.convolution.default,
                   (x, weight, bias, list(stride), [0] * n, list(dilation), False, [0] * n, groups))


def _lower_sdpa(q, k, v, mask, is_causal, scale):
    kwargs = {}
    if mask is not None:
        kwargs["attn_mask"] = mask
    if scale is not None:
        kwargs["scale"] = scale
    args = _trim((q, k, v, 0.0, is_causal), (0.0, False))
    return Lowered(aten._scaled_dot_product_flash_attention_for_cpu.default, args, kwargs)


def _lower_sdpa_backward(g, q, k, v, out, lse, is_causal, scale):
    kwargs = {} if scale is None else {"scale": scale}
    return Lowered(aten._scaled_dot_product_flash_attention_for_cpu_backward.default,
                   (g, q, k, v, out, lse, 0.0, is_causal), kwargs)


_COMPOSITE_LOWERING = {
    "addmm": lambda bias, a, b: Lowered(aten.addmm.default, (bias, a, b)),
    "softmax": lambda x, dim: Lowered(aten._softmax.default, (x, dim, False)),
    "log_softmax": lambda x, dim: Lowered(aten._log_softmax.default, (x, dim, False)),
    "layer_norm": _lower_layer_norm,
    "clamp": _lower_clamp,
    "mse_loss": lambda x, t, reduction: Lowered(aten.mse_loss.default, _trim((x, t, _REDUCTIONS[reduction]), (1,))),
    "nll_loss": _lower_nll_loss,
    "binary_cross_entropy": lambda x, t, w, reduction: Lowered(
        aten.binary_cross_entropy.default, _trim((x, t, w, _REDUCTIONS[reduction]), (None, 1))),
    "binary_cross_entropy_with_logits": lambda x, t, w, pw, reduction: Lowered(
        aten.binary_cross_entropy_with_logits.default, _trim((x, t, w, pw, _REDUCTIONS[reduction]), (None, None, 1))),
    "embedding": lambda weight, indices, padding_idx: Lowered(
        aten.embedding.default, _trim((weight, indices, -1 if padding_idx is None else padding_idx), (-1,))),
    "leaky_relu": lambda x, slope: Lowered(aten.leaky_relu.default, _trim((x, slope), (0.01,))),
    "elu": lambda x, alpha: Lowered(aten.elu.default, _trim((x, alpha), (1.0,))),
    "softplus": lambda x, beta, threshold: Lowered(aten.softplus.default, _trim((x, beta, threshold), (1.0, 20.0))),
    "hardtanh": lambda x, lo, hi: Lowered(aten.hardtanh.default, _trim((x, lo, hi), (-1.0, 1.0))),
    "smooth_l1_loss": lambda x, t, reduction, beta: Lowered(
        aten.smooth_l1_loss.default, _trim((x, t, _REDUCTIONS[reduction], beta), (1, 1.0))),
    "pad": _lower_pad,
    "convolution": _lower_convolution,
    "adaptive_avg_pool2d": lambda x, oh, ow: Lowered(aten._adaptive_avg_pool2d.default, (x, [oh, ow])),
    "sdpa": _lower_sdpa,
    "sdpa_backward": _lower_sdpa_backward,
    "threshold_backward": lambda g, x, threshold: Lowered(aten.threshold_backward.default, (g, x, threshold)),
    "sigmoid_backward": lambda g, y: Lowered(aten.sigmoid_backward.default, (g, y)),
    "tanh_backward": lambda g, y: Lowered(aten.tanh_backward.default, (g, y)),
    "softmax_backward_data": lambda g, y, dim, dtype: Lowered(aten._softmax_backward_data.default, (g, y, dim, dtype)),
    "log_softmax_backward_data": lambda g, y, dim, dtype: Lowered(
        aten._log_softmax_backward_data.default, (g, y, dim, dtype)),
    "gelu_backward": lambda g, x, approximate: Lowered(
        aten.gelu_backward.default, (g, x), {"approximate": approximate} if approximate != "none" else {}),
    "silu_backward": lambda g, x: Lowered(aten.silu_backward.default, (g, x)),
    "native_layer_norm_backward": lambda g, x, shape, mean, rstd, w, b, mask: Lowered(
        aten.native_layer_norm_backward.default, (g, x, list(shape), mean, rstd, w, b, list(mask))),
    "embedding_dense_backward": lambda g, i, n, pad, scale: Lowered(aten.embedding_dense_backward.default,
                                                                    (g, i, n, pad, scale)),
    "mse_loss_backward": lambda g, x, t, reduction: Lowered(aten.mse_loss_backward.default,
                                                            (g, x, t, _REDUCTIONS[reduction])),
    "detach": lambda x: Lowered(aten.detach.default, (x,)),
    "select_backward": lambda g, sizes, dim, index: Lowered(aten.select_backward.default, (g, list(sizes), dim, index)),
    "slice_backward": lambda g, sizes, dim, start, end, step: Lowered(
        aten.slice_backward.default, (g, list(sizes), dim, 0 if start is None else start,
                                      _INT64_MAX if end is None else end, step)),
}
define("aten", "select_backward", "default",
       lambda g, sizes, dim, index: _prims.select_backward(g, list(sizes), dim, index))
define("aten", "slice_backward", "default",
       lambda g, sizes, dim, start, end, step: _prims.slice_backward(g, list(sizes), dim, start, end, step))
define("aten", "threshold_backward", "default", lambda g, x, threshold: _prims.threshold_backward(g, x, threshold))
define("aten", "sigmoid_backward", "default", lambda g, y: _prims.sigmoid_backward(g, y))
define("aten", "tanh_backward", "default", lambda g, y: _prims.tanh_backward(g, y))
define("aten", "_softmax_backward_data", "default",
       lambda g, y, dim, input_dtype: _prims.softmax_backward_data(g, y, dim, input_dtype))
define("aten", "_log_softmax_backward_data", "default",
       lambda g, y, dim, input_dtype: _prims.log_softmax_backward_data(g, y, dim, input_dtype))
define("aten", "gelu_backward", "default", lambda g, x, *, approximate="none": _prims.gelu_backward(g, x, approximate))
define("aten", "silu_backward", "default", lambda g, x: _prims.silu_backward(g, x))
define("aten", "native_layer_norm_backward", "default", lambda g, x, shape, mean, rstd, w, b, mask:
       _prims.native_layer_norm_backward(g, x, list(shape), mean, rstd, w, b, list(mask)))
define("aten", "embedding_dense_backward", "default", lambda g, i, n, pad, scale: _prims.embedding_dense_backward(
    g, i, n, pad, scale))
define("aten", "mse_loss_backward", "default", lambda g, x, t, reduction: _prims.mse_loss_backward(
    g, x, t, {v: k for k, v in _REDUCTIONS.items()}[reduction]))
define("aten", "scalar_tensor", "default", lambda s, *, dtype=None, layout=None, device=None, pin_memory=None:
       _prims.full([], s, dtype or torch.get_default_dtype(), False, "scalar_tensor"))
define("aten", "detach", "default", lambda x: _prims.detach(x))

_LOWERING = {
    "unary": _lower_unary,
    "binary": _lower_binary,
    "binary_": _lower_binary_,
    "reduce": _lower_reduce,
    "matmul": _lower_matmul,
    "full": _lower_full,
    "full_like": _lower_full_like,
}
_LOWERING.update(_VIEW_LOWERING)
_LOWERING.update(_ALONG_LOWERING)
_LOWERING.update(_COMPOSITE_LOWERING)

# Every primitive also exists under its own name, taking its own arguments: the exact form
# for those without an aten counterpart above, and a fallback when a lowering declines.
for _key in _prims.PRIMITIVES:
    define("smelt", _key, "default", getattr(_prims, _key))


def lower(key, args):
    """The aten call a primitive call is."""
    rule = _LOWERING.get(key)
    lowered = rule(*args) if rule is not None else None
    if lowered is None:
        return Lowered(getattr(ops.smelt, key).default, args)
    return lowered

# A size of a tensor as a graph value (symbolic graphs read sizes they have no input for this
# way: `sym_size_int = torch.ops.aten.sym_size.int(view, 0)`).
define("aten", "sym_size", "int", lambda x, dim: x.size(dim))
define("aten", "sym_numel", "default", lambda x: x.numel())
define("aten", "sym_stride", "int", lambda x, dim: x.stride(dim))


def _assert_scalar(cond, msg):
    """A deferred runtime assertion of a traced graph (`torch._check` on sizes)."""
    if not cond:
        raise RuntimeError(msg)


define("aten", "_assert_scalar", "default", _assert_scalar)
