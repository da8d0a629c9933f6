"""smelt's torch: the PyTorch API, implemented by smelt (frozen into the smelt binary).

The native half lives in the `_smelt` module (re-exported as `torch._C`); this package holds
the parts PyTorch itself writes in Python.
"""

import builtins as _builtins

import _smelt

# smelt writes this one package in three source trees, each at PyTorch's module paths: vm/py
# (the runtime API), tracer/py (what records graphs: _dynamo, fx, _functorch ...) and
# backends/py (what compiles them: _inductor). Frozen into the binary they are one set of
# modules; loaded from a checkout (SMELT_SRC), the package's path spans the three trees.
_trees = _smelt._python_source_trees()
if _trees:
    __path__ = [tree + "/torch" for tree in _trees]
del _smelt, _trees

from torch import _C
from torch import _prims
from torch.version import __version__
from torch._size import Size
from torch._device import device
from torch._tensor import Tensor, _UNARY, _BINARY, _shape_args, _dims_arg
from torch._tensor_str import set_printoptions, get_printoptions
from torch import return_types
from torch._finfo import finfo, iinfo
from torch._ops import ops
from torch._symint import SymInt, SymBool, SymFloat, sym_not, sym_max, sym_min, sym_int, sym_float, sym_ite, sym_sum

dtype = _C.dtype
globals().update(_C._dtypes())
promote_types = _C.promote_types

_default_dtype = float32

get_num_threads = _C.get_num_threads
set_num_threads = _C.set_num_threads
# smelt runs no inter-op pool; the number is kept as PyTorch reports it (the machine's cores),
# settable once, before any parallel work, as there.
_interop_threads = [None]


def get_num_interop_threads():
    """Returns the number of threads used for inter-op parallelism on CPU."""
    return _interop_threads[0] or _os_cpu_count()


def set_num_interop_threads(n):
    """Sets the number of threads used for inter-op parallelism on CPU (once)."""
    # (`int` and `bool` here are torch's dtypes; the builtins are meant.)
    if not isinstance(n, _builtins.int) or isinstance(n, _builtins.bool):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _interop_threads[0] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started "
                           "or set_num_interop_threads called")
    _interop_threads[0] = n


def _os_cpu_count():
    import os

    return os.cpu_count() or 1


def get_default_dtype():
    return _default_dtype


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.dtype.is_floating_point


def numel(t):
    return t.numel()


def _check_with(error_type, cond, message=None):
    """`torch._check_*`: raises `error_type` when `cond` (a bool, or a SymBool while tracing)
    is False; `message` is a callable giving the text."""
    import builtins

    if not isinstance(cond, (builtins.bool, SymBool)):
        raise TypeError(f"cond must be a bool, but got {type(cond)}")
    if builtins.bool(cond):
        return
    if message is None:
        text = ("Expected cond to be True, but got False. (Could this error message be improved? "
                "If so, please report an enhancement request to PyTorch.)")
    else:
        if not callable(message):
            raise TypeError("message must be a callable")
        text = str(message())
    raise error_type(text)


def _check(cond, message=None):
    _check_with(RuntimeError, cond, message)


def _check_is_size(i, message=None, *, max=None):
    _check(i >= 0, message)
    if max is not None:
        _check(i <= max, message)


def _check_index(cond, message=None):
    _check_with(IndexError, cond, message)


def _check_value(cond, message=None):
    _check_with(ValueError, cond, message)


def _check_type(cond, message=None):
    _check_with(TypeError, cond, message)


def _check_not_implemented(cond, message=None):
    _check_with(NotImplementedError, cond, message)


def _check_device(device_arg):
    """Whether the tensor is to be made on the meta device (shape and dtype, no data)."""
    if device_arg is None:
        return False
    kind = device(device_arg).type
    if kind not in ("cpu", "meta"):
        raise RuntimeError(f"smelt: tensors on device '{device_arg}' are not supported yet")
    return kind == "meta"


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_device(device)
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2,
        )
        copy = data.detach().clone()
        return _finish(copy if dtype is None else copy.to(dtype), requires_grad)
    return _finish(_C._tensor(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    meta = _check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    given = dtype is not None
    if dtype is None and isinstance(fill_value, _builtins.float):
        dtype = _default_dtype
    # Left None, the kernel infers bool/int64 from the value.
    return _finish(_prims.full(_shape_args((size,)), fill_value, dtype, meta, "full", given), requires_grad)


def _filled(name, value, size, dtype, device, requires_grad):
    meta = _check_device(device)
    out = _prims.full(_shape_args(size), value, dtype or _default_dtype, meta, name, dtype is not None)
    return _finish(out, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **_):
    return _filled("zeros", 0.0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **_):
    return _filled("ones", 1.0, size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **_):
    return _filled("empty", 0.0, size, dtype, device, requires_grad)


class memory_format:
    """`torch.contiguous_format` and friends: smelt's tensors are strided, so these only name a
    layout request (printed in graphs as PyTorch prints them)."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return self._name


class layout(memory_format):
    """`torch.strided` (every smelt tensor's layout) and `torch.sparse_coo`, named as PyTorch
    names them."""


strided = layout("strided")
sparse_coo = layout("sparse_coo")

contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def _filled_like(name, t, value, dtype, device, requires_grad):
    meta = _check_device(t._device if device is None else device)
    if isinstance(value, Tensor):
        value = value.item()
    out = _prims.full_like(t, value, dtype or t.dtype, meta, name, dtype is not None)
    return _finish(out, requires_grad)


def zeros_like(t, *, dtype=None, device=None, requires_grad=False, **_):
    return _filled_like("zeros_like", t, 0, dtype, device, requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False, **_):
    return _filled_like("ones_like", t, 1, dtype, device, requires_grad)


def empty_like(t, *, dtype=None, device=None, requires_grad=False, **_):
    return _filled_like("empty_like", t, 0, dtype, device, requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    return _filled_like("full_like", t, fill_value, dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **_):
    _check_device(device)
    if end is None:
        start, end = 0, start
    return _finish(_C._arange(start, end, step, dtype), requires_grad)


def _make_function(name, family):
    if family == "unary":

        def fn(input):
            return _prims.unary(name, input)

    else:

        def fn(input, other):
            return _prims.binary(name, input, other)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__module__ = "torch"
    return fn


for _name in _UNARY:
    globals()[_name] = _make_function(_name, "unary")
for _name in _BINARY:
    globals()[_name] = _make_function(_name, "binary")
del _name


def pow(input, exponent):
    return input.pow(exponent) if isinstance(input, Tensor) else _prims.binary("pow", input, exponent)


negative = neg
multiply = mul
subtract = sub


def div(input, other, *, rounding_mode=None):
    if isinstance(input, Tensor):
        return input.div(other, rounding_mode=rounding_mode)
    return tensor(input).div(other, rounding_mode=rounding_mode)


divide = div
true_divide = div


def dot(input, other):
    return input.dot(other)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return input.nan_to_num(nan, posinf, neginf)


greater = gt
less = lt


def add(input, other, *, alpha=1):
    return _prims.binary("add", input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return _prims.binary("sub", input, other if alpha == 1 else other * alpha)


def round(input, *, decimals=0):
    return input.round(decimals=decimals)


def clamp(input, min=None, max=None):
    return input.clamp(min, max)


clip = clamp


def square(input):
    return input.square()


def clamp_min(input, min):
    return input.clamp_min(min)


def clamp_max(input, max):
    return input.clamp_max(max)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    return input.sum(dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    return input.mean(dim, keepdim, dtype=dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return input.prod(dim, keepdim, dtype=dtype)


def amax(input, dim=(), keepdim=False):
    return input.amax(dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return input.amin(dim, keepdim)


def all(input, dim=None, keepdim=False):
    return input.all(dim, keepdim)


def any(input, dim=None, keepdim=False):
    return input.any(dim, keepdim)


def reshape(input, shape):
    return input.reshape(shape)


def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


def t(input):
    return input.t()


def permute(input, dims):
    return input.permute(dims)


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def narrow(input, dim, start, length):
    return input.narrow(dim, start, length)


def select(input, dim, index):
    return input.select(dim, index)


def matmul(input, other):
    return input.matmul(other)


def mm(input, mat2):
    return input.mm(mat2)


def bmm(input, mat2):
    return input.bmm(mat2)


def cat(tensors, dim=0):
    return _prims.cat(list(tensors), dim)


concat = cat
concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}"
            )
    d = dim + tensors[0].dim() + 1 if dim < 0 else dim
    return _prims.cat([t.unsqueeze(d) for t in tensors], d)


def broadcast_tensors(*tensors):
    from torch._tensor import _broadcast_all

    return tuple(_broadcast_all(list(tensors)))


def broadcast_to(input, size):
    return input.expand(size)


def split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unbind(input, dim=0):
    return input.unbind(dim)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(condition.nonzero().unbind(1))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input)
    return _prims.where(condition, input, other)


def _write_out(out, result, kind):
    """Copies `result` (a tensor or a named tuple of them) into the caller's `out=` tensors and
    returns them as the op would (`torch.return_types.max_out` for a tuple)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    results = tuple(result) if isinstance(result, tuple) else (result,)
    if len(outs) != len(results):
        raise TypeError(f"{kind}(): argument 'out' must be tuple of {len(results)} Tensors")
    for o, r in zip(outs, results):
        if not isinstance(o, Tensor):
            raise TypeError(f"{kind}(): argument 'out' must be tuple of Tensors, not {type(o).__name__}")
        if tuple(o.shape) != tuple(r.shape):
            raise RuntimeError(f"{kind}(): out= tensor of shape {list(o.shape)} does not match the "
                               f"result's shape {list(r.shape)} (smelt does not resize out= tensors)")
        o.copy_(r)
    if not isinstance(result, tuple):
        return outs[0]
    return getattr(return_types, kind + "_out")(*outs)


def max(input, dim=None, keepdim=False, *, out=None):
    result = input.max(dim, keepdim)
    return result if out is None else _write_out(out, result, "max")


def min(input, dim=None, keepdim=False, *, out=None):
    result = input.min(dim, keepdim)
    return result if out is None else _write_out(out, result, "min")


def argmax(input, dim=None, keepdim=False):
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return input.argmin(dim, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return input.var(dim, unbiased, keepdim, correction=correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return input.std(dim, unbiased, keepdim, correction=correction)


def softmax(input, dim, dtype=None):
    return input.softmax(dim, dtype)


def log_softmax(input, dim, dtype=None):
    return input.log_softmax(dim, dtype)


def logsumexp(input, dim, keepdim=False):
    return input.logsumexp(dim, keepdim)


def cumsum(input, dim, *, dtype=None):
    return input.cumsum(dim, dtype=dtype)


def sort(input, dim=-1, descending=False, stable=False):
    return input.sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return input.argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    result = input.topk(k, dim, largest, sorted)
    return result if out is None else _write_out(out, result, "topk")


def index_select(input, dim, index):
    return input.index_select(dim, index)


def gather(input, dim, index):
    return input.gather(dim, index)


def scatter(input, dim, index, src):
    return input.scatter(dim, index, src)


def masked_fill(input, mask, value):
    return input.masked_fill(mask, value)


def tril(input, diagonal=0):
    return input.tril(diagonal)


def triu(input, diagonal=0):
    return input.triu(diagonal)


def nonzero(input, *, as_tuple=False):
    return input.nonzero(as_tuple=as_tuple)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    dtype = dtype or _default_dtype
    if steps == 1:
        return _finish(full([1], start, dtype=dtype), requires_grad)
    step = (end - start) / (steps - 1)
    # Filled from both ends, as PyTorch does, so the last value is exactly `end`.
    i = _C._arange(0, steps, 1, float64)
    values = _prims.where(i < steps // 2, i * step + start, end - (steps - 1 - i) * step)
    return _finish(values.to(dtype), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    m = n if m is None else m
    out = (_C._arange(0, n, 1, int64).unsqueeze(1) == _C._arange(0, m, 1, int64).unsqueeze(0))
    return _finish(out.to(dtype or _default_dtype), requires_grad)


def manual_seed(seed):
    _C.manual_seed(_builtins.int(seed))
    return _DefaultGenerator()


def seed():
    import time

    s = _builtins.int(time.time_ns()) & 0xFFFFFFFFFFFF
    _C.manual_seed(s)
    return s


def get_rng_state():
    return _C._get_rng_state()


def set_rng_state(new_state):
    _C._set_rng_state(new_state)


def initial_seed():
    return _C.initial_seed()


class _DefaultGenerator:
    def initial_seed(self):
        return _C.initial_seed()

    def manual_seed(self, s):
        _C.manual_seed(_builtins.int(s))
        return self


default_generator = _DefaultGenerator()


def _random_dtype(dtype):
    return dtype or _default_dtype


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None, **_):
    _check_device(device)
    return _finish(_C._random("uniform", _shape_args(size), 0.0, 1.0, _random_dtype(dtype)), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None, **_):
    _check_device(device)
    return _finish(_C._random("normal", _shape_args(size), 0.0, 1.0, _random_dtype(dtype)), requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False, generator=None, **_):
    _check_device(device)
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    return _C._randint(_shape_args((size,)), low, high, dtype or int64)


def rand_like(t, *, dtype=None, **_):
    return rand(t.shape, dtype=dtype or t.dtype)


def randn_like(t, *, dtype=None, **_):
    return randn(t.shape, dtype=dtype or t.dtype)


def randperm(n, *, dtype=None, **_):
    return rand(n, dtype=float64).argsort().to(dtype or int64)


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    if not hasattr(obj, "__qualname__"):
        module = type(obj).__module__
    if module in ("", "builtins", "__builtin__"):
        return qualname
    return module + "." + qualname


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    return input.norm(p, dim, keepdim, dtype)


def isnan(input):
    return input.isnan()


def isinf(input):
    return input.isinf()


def isfinite(input):
    return input.isfinite()


def repeat_interleave(input, repeats, dim=None):
    return input.repeat_interleave(repeats, dim)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if input.dtype != other.dtype:
        from torch._tensor import _LEGACY_NAMES

        raise RuntimeError(f"{_LEGACY_NAMES[input.dtype]} did not match {_LEGACY_NAMES[other.dtype]}")
    if not input.dtype.is_floating_point:
        close = input == other
        if rtol == 0 and atol == 0:
            return close
        a, b = input.double(), other.double()
        return close | ((a - b).abs() <= atol + rtol * b.abs())
    close = (input == other) | ((input - other).abs() <= atol + rtol * other.abs())
    if equal_nan:
        close = close | (input.isnan() & other.isnan())
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other):
    if input.shape != other.shape:
        return False
    return _builtins.bool((input == other).all())


def result_type(a, b):
    return (a + b).dtype if isinstance(a, Tensor) or isinstance(b, Tensor) else tensor(a + b).dtype


def can_cast(from_, to):
    if from_.is_floating_point and not to.is_floating_point:
        return False
    return not (from_ != bool and to == bool)


__all__ = ["Tensor", "Size", "device", "dtype", "tensor", "zeros", "ones", "full", "arange"]


from torch import autograd
from torch.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode
from torch._C import is_grad_enabled


def is_inference_mode_enabled():
    return False
from torch import nn
from torch import optim
from torch import utils
from torch import testing
from torch.serialization import save, load
from torch import _utils
from torch.storage import (
    UntypedStorage, TypedStorage, FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage, LongStorage,
    IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage,
)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """Compiles `model` (a function, bound method or nn.Module) with the bytecode tracer; without
    `model`, returns a decorator. `dynamic`: None (sizes that change between calls become
    symbolic on the recompile), True (symbolic from the first compile) or False (static);
    `mode` is accepted."""
    if model is None:

        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, disable=disable)

        return decorator
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    import torch._dynamo

    if disable:
        return model
    return torch._dynamo.optimize(backend, nopython=fullgraph, dynamic=dynamic)(model)


# Submodules PyTorch makes reachable from `import torch` alone, imported on first use so that
# start-up does not pay for them.
def __getattr__(name):
    if name in ("fx", "_subclasses", "compiler", "_dynamo", "_guards", "_inductor", "accelerator"):
        import importlib

        return importlib.import_module("torch." + name)
    raise AttributeError(f"module 'torch' has no attribute '{name}'")

from torch import _logging  # noqa: E402

_logging._init_logs()
