"""`torch.Tensor`: the Python-level API over the native `torch._C.TensorBase`."""

import builtins
import math

from torch import _C
from torch._size import Size
from torch._device import device as _device_cls

_UNARY = [
    "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "erf", "floor", "ceil", "trunc", "sign", "reciprocal", "logical_not",
    "bitwise_not",
]
_BINARY = [
    "add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum", "atan2",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
    "bitwise_and", "bitwise_or", "bitwise_xor",
]


def _shape_args(args):
    """`f(2, 3)`, `f((2, 3))` and `f([2, 3])` all mean shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"expected a sequence of integers, but got {type(a).__name__}")
        out.append(a)
    return out


def _dims_arg(dim):
    if dim is None:
        return None
    if isinstance(dim, int):
        return [dim]
    return list(dim)


class Tensor(_C.TensorBase):
    __module__ = "torch"

    # Tensors hash by identity; `==` makes an elementwise tensor.
    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        from torch import _tensor_str

        return _tensor_str._str(self, tensor_contents=tensor_contents)

    __str__ = __repr__

    # --- layout ---------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[_wrap(dim, self.dim())]

    def stride(self, dim=None):
        strides = self._strides()
        if dim is None:
            return strides
        return strides[_wrap(dim, self.dim())]

    @property
    def device(self):
        return _device_cls(self._device)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def T(self):
        return self.permute(*reversed(range(self.dim())))

    @property
    def grad_fn(self):
        return None

    @property
    def is_leaf(self):
        return True

    def __len__(self):
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._shape[0]))

    # --- views ----------------------------------------------------------------------------
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _C.dtype):
            raise NotImplementedError("view(dtype) is not supported yet")
        return self._view(_shape_args(shape))

    def reshape(self, *shape):
        return self._reshape(_shape_args(shape))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def permute(self, *dims):
        return self._permute(_shape_args(dims))

    def expand(self, *sizes):
        return self._expand(_shape_args(sizes))

    def expand_as(self, other):
        return self.expand(other.shape)

    def squeeze(self, dim=None):
        if isinstance(dim, (tuple, list)):
            out = self
            for d in sorted((_wrap(d, self.dim()) for d in dim), reverse=True):
                out = out._squeeze(d)
            return out
        return self._squeeze(dim)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.dim() == 0:
            return self.reshape(1)
        s, e = _wrap(start_dim, self.dim()), _wrap(end_dim, self.dim())
        shape = list(self._shape)
        return self.reshape(shape[:s] + [math.prod(shape[s : e + 1])] + shape[e + 1 :])

    def swapaxes(self, a, b):
        return self.transpose(a, b)

    # --- conversion -----------------------------------------------------------------------
    def to(self, *args, **kwargs):
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, _C.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
        dev = kwargs.get("device", next((a for a in args if isinstance(a, (str, _device_cls))), None))
        if dev is not None and _device_cls(dev).type != "cpu":
            raise RuntimeError(f"smelt: tensors on device '{dev}' are not supported yet")
        return self if dtype is None else self._to_dtype(dtype)

    def type(self, dtype=None):
        if dtype is None:
            return "torch." + _LEGACY_NAMES[self.dtype] + "Tensor"
        return self.to(dtype)

    def float(self):
        return self._to_dtype(_C._dtypes()["float32"])

    def double(self):
        return self._to_dtype(_C._dtypes()["float64"])

    def half(self):
        return self._to_dtype(_C._dtypes()["float16"])

    def bfloat16(self):
        return self._to_dtype(_C._dtypes()["bfloat16"])

    def long(self):
        return self._to_dtype(_C._dtypes()["int64"])

    def int(self):
        return self._to_dtype(_C._dtypes()["int32"])

    def short(self):
        return self._to_dtype(_C._dtypes()["int16"])

    def char(self):
        return self._to_dtype(_C._dtypes()["int8"])

    def byte(self):
        return self._to_dtype(_C._dtypes()["uint8"])

    def bool(self):
        return self._to_dtype(_C._dtypes()["bool"])

    def cpu(self):
        return self

    def numpy(self):
        raise RuntimeError("smelt has no numpy")

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return self.item()

    # --- in place -------------------------------------------------------------------------
    def fill_(self, value):
        if isinstance(value, Tensor):
            value = value.item()
        return _C._fill_(self, value)

    def zero_(self):
        return _C._fill_(self, 0)

    def copy_(self, src, non_blocking=False):
        return _C._copy_(self, src)

    # --- indexing -------------------------------------------------------------------------
    def __getitem__(self, index):
        return _index(self, index)

    def __setitem__(self, index, value):
        _C._copy_(_index(self, index), value)

    # --- reductions -----------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _C._reduce("sum", src, _dims_arg(dim), keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _C._reduce("mean", src, _dims_arg(dim), keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _C._reduce("prod", src, _dims_arg(dim), keepdim)

    def amax(self, dim=(), keepdim=False):
        return _C._reduce("amax", self, _dims_arg(dim), keepdim)

    def amin(self, dim=(), keepdim=False):
        return _C._reduce("amin", self, _dims_arg(dim), keepdim)

    def all(self, dim=None, keepdim=False):
        return _C._reduce("all", self, _dims_arg(dim), keepdim)

    def any(self, dim=None, keepdim=False):
        return _C._reduce("any", self, _dims_arg(dim), keepdim)

    def round(self, decimals=0):
        if decimals == 0:
            return _C._unary("round", self)
        scale = 10.0**decimals
        return _C._unary("round", self * scale) / scale

    def clamp(self, min=None, max=None):
        out = self
        if min is not None:
            out = _C._binary("maximum", out, min)
        if max is not None:
            out = _C._binary("minimum", out, max)
        return out

    clip = clamp

    def gelu(self, approximate="none"):
        if approximate != "none":
            raise NotImplementedError("gelu(approximate='tanh') is not supported yet")
        return _C._unary("gelu", self)

    def silu(self):
        return _C._unary("silu", self)

    def square(self):
        return self * self

    # --- operators ------------------------------------------------------------------------
    def __add__(self, other):
        return _C._binary("add", self, other)

    def __radd__(self, other):
        return _C._binary("add", other, self)

    def __iadd__(self, other):
        return _C._binary_("add", self, other)

    def __sub__(self, other):
        return _C._binary("sub", self, other)

    def __rsub__(self, other):
        return _C._binary("sub", other, self)

    def __isub__(self, other):
        return _C._binary_("sub", self, other)

    def __mul__(self, other):
        return _C._binary("mul", self, other)

    def __rmul__(self, other):
        return _C._binary("mul", other, self)

    def __imul__(self, other):
        return _C._binary_("mul", self, other)

    def __truediv__(self, other):
        return _C._binary("div", self, other)

    def __rtruediv__(self, other):
        return _C._binary("div", other, self)

    def __itruediv__(self, other):
        return _C._binary_("div", self, other)

    def __floordiv__(self, other):
        return _C._binary("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return _C._binary("floor_divide", other, self)

    def __ifloordiv__(self, other):
        return _C._binary_("floor_divide", self, other)

    def __mod__(self, other):
        return _C._binary("remainder", self, other)

    def __rmod__(self, other):
        return _C._binary("remainder", other, self)

    def __imod__(self, other):
        return _C._binary_("remainder", self, other)

    def __pow__(self, other):
        return _C._binary("pow", self, other)

    def __rpow__(self, other):
        return _C._binary("pow", other, self)

    def __ipow__(self, other):
        return _C._binary_("pow", self, other)

    def __neg__(self):
        return _C._unary("neg", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _C._unary("abs", self)

    def __invert__(self):
        return _C._unary("bitwise_not", self)

    def __and__(self, other):
        return _C._binary("bitwise_and", self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _C._binary("bitwise_or", self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _C._binary("bitwise_xor", self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        return _C._binary("eq", self, other)

    def __ne__(self, other):
        return _C._binary("ne", self, other)

    def __lt__(self, other):
        return _C._binary("lt", self, other)

    def __le__(self, other):
        return _C._binary("le", self, other)

    def __gt__(self, other):
        return _C._binary("gt", self, other)

    def __ge__(self, other):
        return _C._binary("ge", self, other)


def _wrap(dim, ndim):
    span = builtins.max(ndim, 1)
    if dim < -span or dim >= span:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {dim})")
    return dim + span if dim < 0 else dim


def _index(t, index):
    """Basic indexing: ints, slices (with steps), None and Ellipsis, as views."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(isinstance(i, (Tensor, list)) for i in index):
        raise NotImplementedError("indexing with tensors or lists is not supported yet")
    consumed = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > t.dim():
        raise IndexError(f"too many indices for tensor of dimension {t.dim()}")
    if builtins.sum(1 for i in index if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out = t
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += t.dim() - consumed
        elif item is None:
            out = out.unsqueeze(dim)
            dim += 1
        elif isinstance(item, slice):
            step = 1 if item.step is None else item.step
            out = out._slice(dim, item.start, item.stop, step)
            dim += 1
        elif isinstance(item, int):
            size = out._shape[dim]
            if item < -size or item >= size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size {size}")
            out = out.select(dim, item)
        else:
            raise TypeError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(item).__name__})"
            )
    return out


for _name in _UNARY:
    if not hasattr(Tensor, _name):

        def _method(self, _op=_name):
            return _C._unary(_op, self)

        def _method_(self, _op=_name):
            return self.copy_(_C._unary(_op, self))

        _method.__name__ = _name
        _method_.__name__ = _name + "_"
        setattr(Tensor, _name, _method)
        setattr(Tensor, _name + "_", _method_)

for _name in _BINARY:
    if not hasattr(Tensor, _name):

        def _method(self, other, _op=_name):
            return _C._binary(_op, self, other)

        def _method_(self, other, _op=_name):
            return _C._binary_(_op, self, other)

        _method.__name__ = _name
        _method_.__name__ = _name + "_"
        setattr(Tensor, _name, _method)
        setattr(Tensor, _name + "_", _method_)

Tensor.negative = Tensor.neg
Tensor.multiply = Tensor.mul
Tensor.subtract = Tensor.sub
Tensor.divide = Tensor.div
Tensor.true_divide = Tensor.div
Tensor.greater = Tensor.gt
Tensor.less = Tensor.lt

_LEGACY_NAMES = {}


def _register_legacy_names(dtypes):
    names = {"uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
             "float16": "Half", "float32": "Float", "float64": "Double", "bool": "Bool", "bfloat16": "BFloat16"}
    for key, legacy in names.items():
        _LEGACY_NAMES[dtypes[key]] = legacy


_register_legacy_names(_C._dtypes())
_C._set_tensor_class(Tensor)
