"""smelt's torch: the PyTorch API, implemented by smelt (frozen into the smelt binary).

The native half lives in the `_smelt` module (re-exported as `torch._C`); this package holds
the parts PyTorch itself writes in Python.
"""

import builtins as _builtins

from torch import _C
from torch.version import __version__
from torch._size import Size
from torch._device import device
from torch._tensor import Tensor, _UNARY, _BINARY, _shape_args, _dims_arg
from torch._tensor_str import set_printoptions, get_printoptions

dtype = _C.dtype
globals().update(_C._dtypes())
promote_types = _C.promote_types

_default_dtype = float32


def get_default_dtype():
    return _default_dtype


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.dtype.is_floating_point


def numel(t):
    return t.numel()


def _check_device(device_arg):
    if device_arg is not None and device(device_arg).type != "cpu":
        raise RuntimeError(f"smelt: tensors on device '{device_arg}' are not supported yet")


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_device(device)
    return _finish(_C._tensor(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    _check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None and isinstance(fill_value, float):
        dtype = _default_dtype
    return _finish(_C._full(_shape_args((size,)), fill_value, dtype), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **_):
    _check_device(device)
    return _finish(_C._full(_shape_args(size), 0.0, dtype or _default_dtype), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **_):
    _check_device(device)
    return _finish(_C._full(_shape_args(size), 1.0, dtype or _default_dtype), requires_grad)


empty = zeros


def zeros_like(t, *, dtype=None, device=None, requires_grad=False, **_):
    return zeros(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False, **_):
    return ones(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


empty_like = zeros_like


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **_):
    _check_device(device)
    if end is None:
        start, end = 0, start
    return _finish(_C._arange(start, end, step, dtype), requires_grad)


def _make_function(name, family):
    if family == "unary":

        def fn(input):
            return _C._unary(name, input)

    else:

        def fn(input, other):
            return _C._binary(name, input, other)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__module__ = "torch"
    return fn


for _name in _UNARY:
    globals()[_name] = _make_function(_name, "unary")
for _name in _BINARY:
    globals()[_name] = _make_function(_name, "binary")
del _name

negative = neg
multiply = mul
subtract = sub
divide = div
true_divide = div
greater = gt
less = lt


def add(input, other, *, alpha=1):
    return _C._binary("add", input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return _C._binary("sub", input, other if alpha == 1 else other * alpha)


def round(input, *, decimals=0):
    return input.round(decimals=decimals)


def clamp(input, min=None, max=None):
    return input.clamp(min, max)


clip = clamp


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


def result_type(a, b):
    return (a + b).dtype if isinstance(a, Tensor) or isinstance(b, Tensor) else tensor(a + b).dtype


def can_cast(from_, to):
    if from_.is_floating_point and not to.is_floating_point:
        return False
    return not (from_ != bool and to == bool)


__all__ = ["Tensor", "Size", "device", "dtype", "tensor", "zeros", "ones", "full", "arange"]
