"""`torch.Tensor`: the Python-level API over the native `torch._C.TensorBase`."""

import builtins
import math

from torch import _C
from torch import _matmul, _prims
from torch import return_types as _return_types
from torch._size import Size
from torch._device import device as _device_cls

# The dtype objects by name, built once (the native call makes a new dict each time).
_DTYPES = _C._dtypes()

_UNARY = [
    "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "erf", "floor", "ceil", "trunc", "sign", "sgn", "reciprocal", "logical_not",
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
        if (not isinstance(a, int) or isinstance(a, bool)) and type(a).__name__ != "SymInt":
            raise TypeError(f"expected a sequence of integers, but got {type(a).__name__}")
        out.append(a)
    return out


def _dims_arg(dim):
    if dim is None:
        return None
    if isinstance(dim, int):
        return [dim]
    return list(dim)


def _torch():
    import torch

    return torch


class Tensor(_C.TensorBase):
    __module__ = "torch"

    # Tensors hash by identity; `==` makes an elementwise tensor.
    __hash__ = object.__hash__

    # A fake tensor standing for tensors of varying sizes (a symbolic trace) sets its symbolic
    # sizes here; a real tensor has none (`torch.autograd.graph.sizes`).
    _sym_shape = None

    def __repr__(self, *, tensor_contents=None):
        from torch import _tensor_str

        return _tensor_str._str(self, tensor_contents=tensor_contents)

    __str__ = __repr__

    # --- layout ---------------------------------------------------------------------------
    @property
    def layout(self):
        return _torch().strided

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
    def mT(self):
        if self.dim() < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def mH(self):
        if self.dim() < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
        return self.transpose(-2, -1)  # real dtypes only: the conjugate is the tensor itself

    # --- autograd -------------------------------------------------------------------------
    # Per-tensor autograd state lives in the instance dict; these are the defaults.
    _grad_fn = None
    _output_nr = 0
    _accumulator = None
    _base = None
    _leaf_hooks = None
    grad = None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def retains_grad(self):
        fn = self._grad_fn
        return fn is not None and self._output_nr in fn._retained

    @property
    def output_nr(self):
        return self._output_nr

    def requires_grad_(self, requires_grad=True):
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not (self.dtype.is_floating_point):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def detach(self):
        return _prims.detach(self)

    def detach_(self):
        self._grad_fn = None
        self.requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from torch import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self._grad_fn
        if fn is not None:
            return fn._register_tensor_hook(self._output_nr, hook)
        from torch.autograd.graph import RemovableHandle

        if self._leaf_hooks is None:
            self._leaf_hooks = {}
        handle = RemovableHandle(self._leaf_hooks)
        self._leaf_hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self._grad_fn
        if fn is not None:
            fn._own("_retained")[self._output_nr] = self

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        _C._copy_(self, value)

    # The native primitives, with autograd recording (torch/_prims.py).
    _view = _prims.view
    _reshape = _prims.reshape
    transpose = _prims.transpose
    t = _prims.t
    _permute = _prims.permute
    _expand = _prims.expand
    _squeeze = _prims.squeeze
    unsqueeze = _prims.unsqueeze
    narrow = _prims.narrow
    select = _prims.select
    _slice = _prims.slice
    def contiguous(self, memory_format=None):
        return self if self.is_contiguous() else _prims.contiguous(self)

    clone = _prims.clone
    _to_dtype = _prims.to_dtype

    def __len__(self):
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        # int(): a symbolic size (fake tensors) is specialised under a guard, as PyTorch does.
        return int(self.shape[0])

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(int(self.shape[0])))

    # --- views ----------------------------------------------------------------------------
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _C.dtype):
            raise NotImplementedError("view(dtype) is not supported yet")
        return self._view(_shape_args(shape))

    def reshape(self, *shape):
        return _reshape(self, _shape_args(shape))

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
        shape = list(self.shape)  # symbolic under a fake mode with a ShapeEnv
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
        out = self if dtype is None else self._to_dtype(dtype)
        if dev is not None:
            kind = _device_cls(dev).type
            if kind == "meta":
                return out if out.is_meta else out._to_meta()
            if kind == "cpu" and self.is_meta:
                raise NotImplementedError("Cannot copy out of meta tensor; no data!")
            if kind != "cpu":
                raise RuntimeError(f"smelt: tensors on device '{dev}' are not supported yet")
        return out

    def type(self, dtype=None):
        if dtype is None:
            return "torch." + _LEGACY_NAMES[self.dtype] + "Tensor"
        return self.to(dtype)

    def cpu(self):
        return self

    @property
    def is_meta(self):
        return self._device == "meta"

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
        return _prims.fill_(self, value)

    def zero_(self):
        return _prims.fill_(self, 0)

    def copy_(self, src, non_blocking=False):
        return _prims.copy_(self, src)

    def add(self, other, *, alpha=1):
        return _prims.binary("add", self, other if alpha == 1 else other * alpha)

    def add_(self, other, *, alpha=1):
        return _prims.binary_("add", self, other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return _prims.binary("sub", self, other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return _prims.binary_("sub", self, other if alpha == 1 else other * alpha)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return self + tensor1 * tensor2 * value if value != 1 else self + tensor1 * tensor2

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 * tensor2 * value if value != 1 else tensor1 * tensor2)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return self + tensor1 / tensor2 * value if value != 1 else self + tensor1 / tensor2

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 / tensor2 * value if value != 1 else tensor1 / tensor2)

    def lerp(self, end, weight):
        return self + (end - self) * weight

    def lerp_(self, end, weight):
        return self.add_((end - self) * weight)

    def clamp_(self, min=None, max=None):
        return _rewrite(self, lambda src: src.clamp(min, max))

    def clamp_min(self, min):
        return _prims.clamp(self, min, None, "clamp_min")

    def clamp_max(self, max):
        return _prims.clamp(self, None, max, "clamp_max")

    clip_ = clamp_

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return _torch().zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _torch().ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return _torch().full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    new_empty = new_zeros

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        return _torch().tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def as_strided(self, size, stride, storage_offset=None):
        offset = self.storage_offset() if storage_offset is None else storage_offset
        if self.requires_grad and _C.is_grad_enabled() and not (self.is_contiguous() and self.storage_offset() == 0):
            raise NotImplementedError("smelt: as_strided of a non-contiguous tensor that requires grad")
        return _prims.as_strided(self, list(size), list(stride), offset)

    def bernoulli_(self, p=0.5, *, generator=None):
        return self.copy_(_C._random("uniform", list(self._shape), 0.0, 1.0, _DTYPES["float32"]) < p)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = self.detach().clone()
        out.requires_grad = self.requires_grad
        if self.grad is not None:
            out.grad = self.grad.detach().clone()
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        from torch import _utils

        return (_utils._rebuild_from_bytes, (self._to_bytes(), self.dtype, tuple(self._shape), self.requires_grad))

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self.to(dtype)
        if p in ("fro", 2, 2.0):
            return (x * x).sum(dim, keepdim).sqrt()
        if p in (1, 1.0):
            return x.abs().sum(dim, keepdim)
        if p == math.inf:
            return x.abs().amax(() if dim is None else dim, keepdim)
        if p == -math.inf:
            return x.abs().amin(() if dim is None else dim, keepdim)
        if p == 0:
            return (x != 0).to(x.dtype).sum(dim, keepdim)
        return (x.abs() ** p).sum(dim, keepdim) ** (1.0 / p)

    def isnan(self):
        return self != self

    def isinf(self):
        return self.abs() == math.inf

    def isfinite(self):
        return (self == self) & (self.abs() != math.inf)

    def unflatten(self, dim, sizes):
        d = _wrap(dim, self.dim())
        sizes = list(sizes)
        shape = list(self.shape)  # symbolic under a fake mode with a ShapeEnv
        if -1 in sizes:
            known = math.prod(s for s in sizes if s != -1)
            sizes[sizes.index(-1)] = shape[d] // known if known else 0
        if math.prod(sizes) != shape[d]:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                f"({shape[d]}) in the input tensor"
            )
        return self.reshape(shape[:d] + sizes + shape[d + 1 :])

    def repeat_interleave(self, repeats, dim=None):
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else _wrap(dim, x.dim())
        if isinstance(repeats, Tensor):
            counts = repeats.tolist()
            if isinstance(counts, int):
                counts = [counts] * x._shape[d]
        else:
            counts = [repeats] * x._shape[d]
        index = [i for i, c in enumerate(counts) for _ in range(c)]
        return x.index_select(d, _C._tensor(index, _DTYPES["int64"]))

    # --- indexing -------------------------------------------------------------------------
    def __getitem__(self, index):
        return _index(self, index)

    def __setitem__(self, index, value):
        view, indices = _split_index(self, index)
        if indices is None and not isinstance(value, Tensor):
            _prims.fill_(view, value)
            return
        if not isinstance(value, Tensor):
            value = _C._full([], value, self.dtype)
        if indices is None:
            _prims.copy_(view, value)
        else:
            _prims.index_put_(view, indices, value, False)

    def index_put_(self, indices, values, accumulate=False):
        _prims.index_put_(self, list(indices), values, accumulate)
        return self

    def index_put(self, indices, values, accumulate=False):
        return self.clone().index_put_(indices, values, accumulate)

    # --- reductions -----------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _prims.reduce("sum", src, _dims_arg(dim), keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _prims.reduce("mean", src, _dims_arg(dim), keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None):
        src = self if dtype is None else self.to(dtype)
        return _prims.reduce("prod", src, _dims_arg(dim), keepdim)

    def amax(self, dim=(), keepdim=False):
        return _prims.reduce("amax", self, _dims_arg(dim), keepdim)

    def amin(self, dim=(), keepdim=False):
        return _prims.reduce("amin", self, _dims_arg(dim), keepdim)

    def all(self, dim=None, keepdim=False):
        return _prims.reduce("all", self, _dims_arg(dim), keepdim)

    def any(self, dim=None, keepdim=False):
        return _prims.reduce("any", self, _dims_arg(dim), keepdim)

    def round(self, decimals=0):
        if decimals == 0:
            return _prims.unary("round", self)
        scale = 10.0**decimals
        return _prims.unary("round", self * scale) / scale

    def round_(self, decimals=0):
        return _rewrite(self, lambda src: src.round(decimals))

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return _prims.clamp(self, min, max, "clamp")

    clip = clamp

    def gelu(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise RuntimeError(f"approximate argument must be either none or tanh.")
        return _prims.unary("gelu" if approximate == "none" else "gelu_tanh", self)

    def silu(self):
        return _prims.unary("silu", self)

    def square(self):
        # PyTorch's square is pow(self, 2): a bool tensor squares to int64.
        return self.pow(2)

    def square_(self):
        return self.pow_(2)

    # --- reductions with indices, statistics, normalisation --------------------------------
    def max(self, dim=None, keepdim=False):
        return _extreme(self, dim, keepdim, True)

    def min(self, dim=None, keepdim=False):
        return _extreme(self, dim, keepdim, False)

    def argmax(self, dim=None, keepdim=False):
        return _arg_extreme(self, dim, keepdim, True)

    def argmin(self, dim=None, keepdim=False):
        return _arg_extreme(self, dim, keepdim, False)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if not self.dtype.is_floating_point:
            raise NotImplementedError("std and var only support floating point and complex dtypes")
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        dims = _dims_arg(dim)
        if dims and self.dim() == 0:
            for d in dims:
                _wrap(d, 0)  # dim 0 and -1 name a 0-dim tensor's one element
            dims = None
        n = self.numel() if not dims else math.prod(self.shape[_wrap(d, self.dim())] for d in dims)
        centered = self - self.mean(dims, keepdim=True)
        return (centered * centered).sum(dims, keepdim=keepdim) / builtins.max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def softmax(self, dim, dtype=None):
        return _softmax(self, "softmax", dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _softmax(self, "log_softmax", dim, dtype)

    def logsumexp(self, dim, keepdim=False):
        x = self if self.dtype.is_floating_point else self.float()
        dims = _dims_arg(dim)
        if x.numel() == 0 or (dims and x.dim() and any(x._shape[_wrap(d, x.dim())] == 0 for d in dims)):
            # Nothing to sum over: log(0) = -inf, without amax's empty-dim error.
            return x.exp().sum(dim, keepdim=keepdim).log()
        top = x.amax(dim, keepdim=True)
        top = _prims.where(top.abs() == math.inf, 0.0, top)
        out = (x - top).exp().sum(dim, keepdim=True).log() + top
        return out if keepdim else out.squeeze(_dims_arg(dim))

    def cumsum(self, dim, dtype=None):
        return _prims.cumsum(self if dtype is None else self.to(dtype), dim)

    def sort(self, dim=-1, descending=False, stable=False):
        return _return_types.sort(*_prims.sort(self, dim, descending))

    def argsort(self, dim=-1, descending=False, stable=False):
        return _prims.sort(self, dim, descending)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True):
        d = _wrap(dim, self.dim())
        size = self.shape[d] if self.dim() else 1
        if k < 0 or k > size:
            raise RuntimeError(f"selected index k out of range")
        values, indices = _prims.sort(self, d, largest)
        return _return_types.topk(values.narrow(d, 0, k), indices.narrow(d, 0, k))

    # --- random fills ----------------------------------------------------------------------
    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return self.copy_(_C._random("uniform", list(self._shape), float(a), float(b), self.dtype))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return self.copy_(_C._random("normal", list(self._shape), float(mean), float(std), self.dtype))

    # --- selection by index ---------------------------------------------------------------
    def index_select(self, dim, index):
        return _prims.index_select(self, dim, index)

    def gather(self, dim, index):
        return _prims.gather(self, dim, index)

    def scatter_(self, dim, index, src):
        if not isinstance(src, Tensor):
            src = _C._full(list(index._shape), src, self.dtype)
        return _prims.scatter_(self, dim, index, src)

    def scatter(self, dim, index, src):
        return self.clone().scatter_(dim, index, src)

    def masked_fill(self, mask, value):
        if isinstance(value, Tensor):
            value = value.item()
        return _prims.where(mask, _C._full([], value, self.dtype), self)

    def masked_fill_(self, mask, value):
        return _rewrite(self, lambda src: src.masked_fill(mask, value))

    def where(self, condition, other):
        return _prims.where(condition, self, other)

    def tril(self, diagonal=0):
        return _prims.where(_band(self, diagonal, lower=True), self, _C._full([], 0, self.dtype))

    def triu(self, diagonal=0):
        return _prims.where(_band(self, diagonal, lower=False), self, _C._full([], 0, self.dtype))

    def nonzero(self, *, as_tuple=False):
        if not as_tuple:
            return _prims.nonzero(self)
        coords = _prims.nonzero(self.reshape(1) if self.dim() == 0 else self)
        return tuple(coords.select(1, k) for k in range(coords._shape[1]))

    def matmul(self, other):
        return _matmul.matmul(self, other)

    def mm(self, mat2):
        return _prims.matmul("mm", self, mat2)

    def bmm(self, mat2):
        return _prims.matmul("bmm", self, mat2)

    def __matmul__(self, other):
        return _matmul.matmul(self, other)

    def __rmatmul__(self, other):
        return _prims.matmul("matmul", other, self)

    def split(self, split_size, dim=0):
        d = _wrap(dim, self.dim())
        size = int(self.shape[d])  # the number of pieces is static: a symbolic size is specialised
        if isinstance(split_size, int):
            if split_size <= 0 and size:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
            sizes = [builtins.min(split_size, size - s) for s in range(0, size, split_size or 1)] or [0]
        else:
            sizes = list(split_size)
            if builtins.sum(sizes) != size:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), "
                    f"but got split_sizes={sizes}"
                )
        out, start = [], 0
        for n in sizes:
            out.append(self.narrow(d, start, n))
            start += n
        return tuple(out)

    def chunk(self, chunks, dim=0):
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
        size = int(self.shape[_wrap(dim, self.dim())])
        return self.split(-(-size // chunks) if size else 1, dim)

    def unbind(self, dim=0):
        return tuple(self.select(dim, i) for i in range(int(self.shape[_wrap(dim, self.dim())])))

    def repeat(self, *sizes):
        sizes = _shape_args(sizes)
        shape = [1] * (len(sizes) - self.dim()) + list(self.shape)
        x = self.reshape(shape)
        expanded, final = [], []
        for r, s in zip(sizes, shape):
            expanded += [r, s]
            final.append(r * s)
        interleaved = x.reshape([v for s in shape for v in (1, s)]).expand(expanded)
        return interleaved.reshape(final)

    # --- operators ------------------------------------------------------------------------
    # One primitive call each, bound natively (`PrimMethod(prim, op)` is `prim(op, self, other)`,
    # reflected `prim(op, other, self)`): no Python frame between `a + b` and the kernel.
    __add__ = _C.PrimMethod(_prims.binary, "add")
    __radd__ = _C.PrimMethod(_prims.binary, "add", True)
    __iadd__ = _C.PrimMethod(_prims.binary_, "add")
    __sub__ = _C.PrimMethod(_prims.binary, "sub")
    __rsub__ = _C.PrimMethod(_prims.binary, "sub", True)
    __isub__ = _C.PrimMethod(_prims.binary_, "sub")
    __mul__ = _C.PrimMethod(_prims.binary, "mul")
    __rmul__ = _C.PrimMethod(_prims.binary, "mul", True)
    __imul__ = _C.PrimMethod(_prims.binary_, "mul")
    __truediv__ = _C.PrimMethod(_prims.binary, "div")

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _prims.binary("div", self, other)
        if rounding_mode == "floor":
            return _prims.binary("floor_divide", self, other)
        if rounding_mode == "trunc":
            if self.dtype.is_floating_point or (isinstance(other, Tensor) and other.dtype.is_floating_point) \
                    or isinstance(other, float):
                return _prims.binary("div", self, other).trunc()
            # Integers: the floor quotient, moved one towards zero where it was rounded down.
            q = _prims.binary("floor_divide", self, other)
            rounded_down = (self.remainder(other) != 0) & ((self < 0) != (other < 0))
            return _prims.where(rounded_down, q + 1, q)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _prims.binary_("div", self, other)
        return _rewrite(self, lambda src: src.div(other, rounding_mode=rounding_mode))

    divide = div
    true_divide = div

    def dot(self, other):
        if self.dim() != 1 or other.dim() != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.dim()}D and {other.dim()}D tensors")
        if self.dtype != other.dtype:
            raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                               f"{self.dtype._scalar_type_name} and {other.dtype._scalar_type_name}")
        if self.numel() != other.numel():
            raise RuntimeError("inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number "
                               "of elements, but got {} and {} elements respectively".format(
                                   self.numel(), other.numel(), self.numel(), other.numel()))
        return (self * other).sum()

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        if not self.dtype.is_floating_point:
            return self.clone()
        info = _torch().finfo(self.dtype)
        big = info.max if posinf is None else posinf
        small = info.min if neginf is None else neginf
        out = _prims.where(self != self, nan, self)
        out = _prims.where(out == math.inf, big, out)
        return _prims.where(out == -math.inf, small, out)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _rewrite(self, lambda src: src.nan_to_num(nan, posinf, neginf))

    def __rtruediv__(self, other):
        # As PyTorch: a number over a tensor is the tensor's reciprocal times the number.
        if isinstance(other, Tensor):
            return _prims.binary("div", other, self)
        return self.reciprocal() * other

    __itruediv__ = _C.PrimMethod(_prims.binary_, "div")
    __floordiv__ = _C.PrimMethod(_prims.binary, "floor_divide")
    __rfloordiv__ = _C.PrimMethod(_prims.binary, "floor_divide", True)
    __ifloordiv__ = _C.PrimMethod(_prims.binary_, "floor_divide")
    __mod__ = _C.PrimMethod(_prims.binary, "remainder")
    __rmod__ = _C.PrimMethod(_prims.binary, "remainder", True)
    __imod__ = _C.PrimMethod(_prims.binary_, "remainder")

    def __pow__(self, other):
        return _pow(self, other)

    __rpow__ = _C.PrimMethod(_prims.binary, "pow", True)

    def __ipow__(self, other):
        return _pow_(self, other)

    __neg__ = _C.PrimMethod(_prims.unary, "neg")

    def __pos__(self):
        return self

    __abs__ = _C.PrimMethod(_prims.unary, "abs")
    __invert__ = _C.PrimMethod(_prims.unary, "bitwise_not")
    __and__ = _C.PrimMethod(_prims.binary, "bitwise_and")

    __rand__ = __and__

    __or__ = _C.PrimMethod(_prims.binary, "bitwise_or")

    __ror__ = __or__

    __xor__ = _C.PrimMethod(_prims.binary, "bitwise_xor")

    __rxor__ = __xor__

    __eq__ = _C.PrimMethod(_prims.binary, "eq")
    __ne__ = _C.PrimMethod(_prims.binary, "ne")
    __lt__ = _C.PrimMethod(_prims.binary, "lt")
    __le__ = _C.PrimMethod(_prims.binary, "le")
    __gt__ = _C.PrimMethod(_prims.binary, "gt")
    __ge__ = _C.PrimMethod(_prims.binary, "ge")


def _rewrite(t, compute):
    """`t.copy_(compute(t))` for in-place methods built from out-of-place ops: under autograd the
    op reads a copy, so what it saved is not the tensor the write then changes. As PyTorch's
    in-place kernels, it refuses a result `t` cannot hold (`int.sigmoid_()`)."""
    src = t.clone() if t.requires_grad and _C.is_grad_enabled() else t
    out = compute(src)
    if not _torch().can_cast(out.dtype, t.dtype):
        raise RuntimeError(f"result type {out.dtype._scalar_type_name} can't be cast to the desired output type "
                           f"{t.dtype._scalar_type_name}")
    return t.copy_(out)


def _arg_extreme(t, dim, keepdim, is_max):
    name = "argmax" if is_max else "argmin"
    if t.dtype is _DTYPES["bool"]:
        raise NotImplementedError(f"{name}(): does not support bool input")
    if dim is None:
        if t.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        return _prims.max_min(t.reshape(-1), 0, False, is_max)[1]
    return _prims.max_min(t, dim, keepdim, is_max)[1]


def _extreme(t, dim, keepdim, is_max):
    """`max`/`min`: of everything, elementwise against a tensor, or along a dim with indices."""
    name = "max" if is_max else "min"
    if dim is None:
        if t.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return _prims.reduce("amax" if is_max else "amin", t, None, False)
    if isinstance(dim, Tensor):
        return _prims.binary("maximum" if is_max else "minimum", t, dim)
    result = _return_types.max if is_max else _return_types.min
    return result(*_prims.max_min(t, dim, keepdim, is_max))


def _need_float(x, kernel):
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_LEGACY_NAMES[x.dtype]}\'')


def _softmax(t, name, dim, dtype):
    x = t if dtype is None else t.to(dtype)
    kernel = _softmax_kernel(name, x, dim)  # checks dim
    if x.numel() == 0:
        # PyTorch answers an empty input before it picks a kernel, in any dtype.
        return x.clone()
    _need_float(x, kernel)
    return getattr(_prims, name)(x, dim)


def _softmax_kernel(name, x, dim):
    # PyTorch names the kernel by whether the softmax runs along the last dim.
    last = x.dim() == 0 or _wrap(dim, x.dim()) == x.dim() - 1
    return f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"


def _reshape(t, shape):
    """A view when the layout allows one, else a contiguous copy viewed (PyTorch's
    `clone` + `_unsafe_view`)."""
    try:
        return _prims.view(t, shape)
    except RuntimeError:
        if t.is_contiguous():
            raise  # the shape itself is wrong; a copy would not help
        return _prims.unsafe_view(_prims.contiguous(t), shape)


def _band(t, diagonal, lower):
    if t.dim() < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    rows, cols = t._shape[-2], t._shape[-1]
    i64 = _DTYPES["int64"]
    offset = _C._arange(0, cols, 1, i64).unsqueeze(0) - _C._arange(0, rows, 1, i64).unsqueeze(1)
    return offset <= diagonal if lower else offset >= diagonal


def _wrap(dim, ndim):
    span = builtins.max(ndim, 1)
    if dim < -span or dim >= span:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {dim})")
    return dim + span if dim < 0 else dim


def _index(t, index):
    """Basic indexing (ints, slices with steps, None, Ellipsis) gives a view; tensor indices
    (integer or bool, also lists) give a copy, as in PyTorch."""
    view, indices = _split_index(t, index)
    return view if indices is None else _prims.index(view, indices)


def _split_index(t, index):
    """Applies the basic part of an index as a view and returns it with the advanced part: one
    entry per leading dim of the view (an integer tensor, or None to keep the dim), or None
    when the index has no tensors. Bool masks become the coordinates of their True elements."""
    in_tuple = isinstance(index, tuple)
    items = list(index) if in_tuple else [index]
    expanded = []
    for item in items:
        if isinstance(item, list):
            item = _C._tensor(item, None)
        if item is True or item is False:
            item = _C._tensor(item, None)
        if isinstance(item, Tensor) and item.dtype in (_DTYPES["bool"], _DTYPES["uint8"]):
            if item.dim() == 0:
                # A 0-dim mask adds a dim of size 1 and keeps it (True) or empties it (False).
                expanded.append(None)
                expanded.append(("mask0", bool(item)))
                continue
            expanded.append(("mask", item._shape, item))
            continue
        expanded.append(item)
    consumed = 0
    for item in expanded:
        if isinstance(item, tuple):
            consumed += len(item[1]) if item[0] == "mask" else 0
        elif item is not None and item is not Ellipsis:
            consumed += 1
    if builtins.sum(1 for i in expanded if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > t.dim():
        raise IndexError(f"too many indices for tensor of dimension {t.dim()}")
    out = t
    dim = 0
    advanced = {}
    spans = {}  # dim -> how many dims the mask there covers
    for item in expanded:
        if item is Ellipsis:
            dim += t.dim() - consumed
        elif item is None:
            out = out.unsqueeze(dim)
            dim += 1
        elif isinstance(item, tuple) and item[0] == "mask0":
            advanced[dim - 1] = _C._arange(0, 1 if item[1] else 0, 1, _DTYPES["int64"])
        elif isinstance(item, tuple):
            # A mask stays one index covering its dims (aten.index takes it so).
            _, mask_shape, mask = item
            for k, size in enumerate(mask_shape):
                if out._shape[dim + k] != size:
                    raise IndexError(
                        f"The shape of the mask {list(mask_shape)} at index {k} does not match the shape "
                        f"of the indexed tensor {list(out._shape)} at index {dim + k}"
                    )
            advanced[dim] = mask
            spans[dim] = len(mask_shape)
            dim += len(mask_shape)
        elif isinstance(item, Tensor):
            if item.dtype.is_floating_point or item.dtype == _DTYPES["bool"]:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced[dim] = item
            dim += 1
        elif isinstance(item, slice):
            step = 1 if item.step is None else item.step
            # Inside a tuple a whole-dim slice is the tensor itself (PyTorch records nothing).
            if not (in_tuple and item.start in (None, 0) and item.stop is None and step == 1):
                out = out._slice(dim, item.start, item.stop, step)
            dim += 1
        elif isinstance(item, int) or hasattr(item, "__index__") and not isinstance(item, float):
            item = item.__index__()
            size = out._shape[dim]
            if item < -size or item >= size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size {size}")
            out = out.select(dim, item)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(item).__name__})"
            )
    if not advanced:
        return out, None
    indices, d = [], 0
    while d <= builtins.max(advanced):
        indices.append(advanced.get(d))
        d += spans.get(d, 1)
    return out, indices


def _broadcast_all(tensors):
    shape = []
    for t in tensors:
        shape = list((_C._full(shape, 0, t.dtype) + _C._full(list(t._shape), 0, t.dtype))._shape)
    return [t.expand(shape) for t in tensors]


for _name in _UNARY:
    if not hasattr(Tensor, _name):

        def _method_(self, _op=_name):
            return _rewrite(self, lambda src: _prims.unary(_op, src))

        _method_.__name__ = _name + "_"
        setattr(Tensor, _name, _C.PrimMethod(_prims.unary, _name))
        setattr(Tensor, _name + "_", _method_)


# pow first: the loop below makes only the methods not already defined.
def _pow(base, exponent):
    # PyTorch has no bool pow kernel, yet answers a bool tensor to a bool power without one:
    # x ** True is x, x ** False is ones.
    if isinstance(exponent, bool) and base.dtype is _DTYPES["bool"]:
        return base.clone() if exponent else _torch().ones_like(base)
    return _prims.binary("pow", base, exponent)


def _pow_(base, exponent):
    if isinstance(exponent, bool) and base.dtype is _DTYPES["bool"]:
        return base if exponent else base.fill_(True)
    return _prims.binary_("pow", base, exponent)


Tensor.pow = lambda self, exponent: _pow(self, exponent)
Tensor.pow_ = lambda self, exponent: _pow_(self, exponent)
Tensor.pow.__name__, Tensor.pow_.__name__ = "pow", "pow_"


for _name in _BINARY:
    if not hasattr(Tensor, _name):

        def _method(self, other, _op=_name):
            return _prims.binary(_op, self, other)

        def _method_(self, other, _op=_name):
            return _prims.binary_(_op, self, other)

        _method.__name__ = _name
        _method_.__name__ = _name + "_"
        setattr(Tensor, _name, _method)
        setattr(Tensor, _name + "_", _method_)


_CONVERSIONS = {
    "float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16", "long": "int64",
    "int": "int32", "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool",
}
for _name, _target in _CONVERSIONS.items():

    def _convert(self, _dtype=_DTYPES[_target]):
        return self._to_dtype(_dtype)

    _convert.__name__ = _name
    setattr(Tensor, _name, _convert)

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


_register_legacy_names(_DTYPES)
_C._set_tensor_class(Tensor)
