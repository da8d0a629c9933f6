"""Fake tensors: tensors with a shape, dtype, strides and device but no data, used to run a
program for its metadata only (graph capture, `node.meta["val"]`).

A FakeTensor is a meta tensor (smelt's kernels compute a meta tensor's output metadata and
stop before touching memory) that reports the device it stands for. Inside a FakeTensorMode
every primitive sees fake inputs only (real ones are converted) and returns fake outputs;
creation functions make fake tensors too."""

from torch import _C, _prims
from torch._subclasses import sym_shapes
from torch._tensor import Tensor


class UnsupportedFakeTensorException(RuntimeError):
    pass


class DataDependentOutputException(RuntimeError):
    def __init__(self, func):
        super().__init__(func)
        self.func = func


class DynamicOutputShapeException(RuntimeError):
    def __init__(self, func):
        super().__init__(func)
        self.func = func


_raw_shape = _prims._raw_shape  # a tensor's concrete sizes, read without pinning
# While set (AOT autograd tracing a symbolic graph), reading a symbolic fake's concrete sizes
# (`_shape`, which Python composites and derivative formulas use) pins its symbols to their
# values under guards: what is computed from the concrete sizes is then valid for every input
# the graph will see.
_pin_on_shape_read = [False]


class FakeTensor(Tensor):
    __module__ = "torch._subclasses.fake_tensor"

    # Symbolic sizes (a tuple of ints and SymInts) when the fake stands for tensors of varying
    # sizes; None when its sizes are the concrete ones of the meta tensor.
    _sym_shape = None

    @property
    def _shape(self):
        shape = _raw_shape(self)
        if _pin_on_shape_read[0] and self._sym_shape is not None:
            for d in self._sym_shape:
                if not isinstance(d, int):
                    int(d)
        return shape

    def dim(self):
        return len(_raw_shape(self))

    @property
    def ndim(self):
        return len(_raw_shape(self))

    @property
    def device(self):
        return self.fake_device

    @property
    def shape(self):
        from torch._size import Size

        return Size(self._sym_shape) if self._sym_shape is not None else Size(self._shape)

    def size(self, dim=None):
        if self._sym_shape is None:
            return Tensor.size(self, dim)
        if dim is None:
            return self.shape
        n = len(self._sym_shape)
        if not -n <= dim < n:
            return Tensor.size(self, dim)  # PyTorch's IndexError
        return self._sym_shape[dim]

    def numel(self):
        if self._sym_shape is None:
            return Tensor.numel(self)
        n = 1
        for d in self._sym_shape:
            n = n * d
        return n

    nelement = numel

    def stride(self, dim=None):
        if self._sym_shape is None:
            return Tensor.stride(self, dim)
        strides = _symbolic_strides(self)
        if dim is None:
            return strides
        return strides[dim]

    def __repr__(self, *, tensor_contents=None):
        from torch import _tensor_str

        return _tensor_str._str(self, prefix="FakeTensor(")

    __str__ = __repr__

    def item(self):
        """With the ShapeEnv's allow_scalar_outputs (Dynamo's capture_scalar_outputs), an integer
        element is an unbacked SymInt `u0` (tracers see `aten._local_scalar_dense`); otherwise,
        or for a float or bool element, the value is not known: DataDependentOutputException."""
        env = getattr(self.fake_mode, "shape_env", None)
        if (env is None or not env.allow_scalar_outputs or self.dtype.is_floating_point
                or self.dtype.is_complex or str(self.dtype) == "torch.bool" or _C.TensorBase.numel(self) != 1):
            raise DataDependentOutputException("aten._local_scalar_dense.default")
        value = env.create_unbacked_symint()
        for mode in _prims._modes:
            read = getattr(mode, "scalar_read", None)
            if read is not None:
                read(self, value)
        return value

    def tolist(self):
        raise DataDependentOutputException("aten._local_scalar_dense.default")


def _become_fake(t, device, mode):
    """Turns a meta tensor into a FakeTensor in place, keeping its autograd history."""
    t.__class__ = FakeTensor
    t.fake_device = device
    t.fake_mode = mode
    return t


def _with_history(fake, mode):
    """`fake` made a non-leaf (a clone, recorded by autograd only): the fake of a tensor with
    history, on which in-place ops are allowed as on the tensor itself (PyTorch's meta converter
    clones such tensors too)."""
    from torch.autograd.grad_mode import enable_grad

    with enable_grad(), _prims._no_dispatch():
        history = fake.clone()
        if history.stride() != fake.stride() and _fits(fake.shape, fake.stride(), history.numel()):
            # A clone is dense: an overlapping layout (an expanded view) is taken back as a view
            # of it, so that ops on the fake see the tensor's strides (reshape must copy).
            history = history.as_strided(fake.shape, fake.stride(), 0)
        return _become_fake(history, fake.fake_device, mode)


def _fits(shape, stride, numel):
    return sum((n - 1) * s for n, s in zip(shape, stride) if n) < max(numel, 1)


def _fake_copy(t, mode):
    """A FakeTensor with real (or meta) tensor `t`'s layout, device and requires_grad."""
    fake = _become_fake(t._to_meta(), t.device, mode)
    if t.requires_grad:
        fake.requires_grad = True
    return fake


class FakeTensorMode:
    def __init__(self, *, allow_fallback_kernels=True, allow_non_fake_inputs=False, shape_env=None,
                 static_shapes=None, export=False):
        self.allow_non_fake_inputs = allow_non_fake_inputs
        self.shape_env = shape_env
        self._memo = {}

    def __enter__(self):
        _prims._modes.append(self)
        return self

    def __exit__(self, *exc):
        _prims._modes.remove(self)
        return False

    def from_tensor(self, t, static_shapes=None, source=None, symbolic_context=None, trace=True):
        """The fake counterpart of real tensor `t` (one per tensor for this mode)."""
        if isinstance(t, FakeTensor):
            return t
        hit = self._memo.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        fake = _fake_copy(t, self)
        if t.requires_grad and not t.is_leaf:
            fake = _with_history(fake, self)
        if symbolic_context is not None and self.shape_env is not None and source is not None:
            _make_symbolic(fake, t, source, symbolic_context, self.shape_env)
        self._memo[id(t)] = (t, fake)
        return fake

    def _fakeify(self, value):
        if isinstance(value, FakeTensor):
            return value
        if isinstance(value, _C.TensorBase):
            # A copy (memoized), real or meta: the caller's tensor keeps its class.
            return self.from_tensor(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._fakeify(v) for v in value)
        return value

    def _wrap(self, value, device):
        if isinstance(value, FakeTensor):
            return value
        if isinstance(value, _C.TensorBase):
            if not value.is_meta:
                value = value._to_meta()
            return _become_fake(value, device, self)
        if isinstance(value, tuple):
            return tuple(self._wrap(v, device) for v in value)
        return value

    def _prim_call(self, key, call, args):
        args = tuple(self._fakeify(a) for a in args)
        if key == "nonzero":
            return self._nonzero(args[0])
        if key in ("index", "index_put_") and any(_is_mask(i) for i in args[1]):
            args = (args[0], self._mask_coordinates(key, args[1])) + args[2:]
        if not sym_shapes.is_symbolic(args):
            return self._wrap(call(*args), _device_of(args))
        out = self._wrap(call(*sym_shapes.hints(args)), _device_of(args))
        return sym_shapes.attach(key, args, out)

    def _nonzero(self, x):
        """`nonzero` of a fake: as many rows as the data has non-zero elements, an unbacked
        size `u0` between 0 and the element count (when the ShapeEnv allows dynamic output
        shapes, Dynamo's capture_dynamic_output_shape_ops), else DynamicOutputShapeException."""
        env = self.shape_env
        if env is None or not env.allow_dynamic_output_shape_ops:
            raise DynamicOutputShapeException("aten.nonzero.default")
        numel = x.numel()
        rows = env.create_unbacked_symint(0, numel if isinstance(numel, int) else None, size_like=True)
        out = _C._full([rows.node.hint, x.dim()], 0, _i64(), True)
        out = _become_fake(out, x.fake_device, self)
        out._sym_shape = (rows, x.dim())
        return out

    def _mask_coordinates(self, key, indices):
        """Boolean masks in an index list as the fake coordinates of their True elements (one
        per dim they cover), of an unbacked length."""
        if (self.shape_env is None or not self.shape_env.allow_dynamic_output_shape_ops) and key == "index":
            raise DynamicOutputShapeException("aten.index.Tensor")
        out = []
        for i in indices:
            if not _is_mask(i):
                out.append(i)
                continue
            rows = self._nonzero(i)
            n = rows._sym_shape[0]
            for _ in range(i.dim()):
                coords = _become_fake(_C._full([n.node.hint], 0, _i64(), True), i.fake_device, self)
                coords._sym_shape = (n,)
                out.append(coords)
        return out


def _is_mask(i):
    return isinstance(i, _C.TensorBase) and str(i.dtype) in ("torch.bool", "torch.uint8")


def _i64():
    from torch import int64

    return int64


def _device_of(args):
    from torch._device import device

    for a in args:
        if isinstance(a, FakeTensor):
            return a.fake_device
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, FakeTensor):
                    return b.fake_device
    return device("cpu")


def _make_symbolic(fake, t, source, context, shape_env):
    """Gives `fake` a symbol for each dim `context` marks dynamic, made from the dim's source
    (`L['x'].size()[0]`) in `shape_env`."""
    from torch._dynamo.source import TensorProperty, TensorPropertySource
    from torch.fx.experimental.symbolic_shapes import DimDynamic

    shape = []
    for i, (n, dyn) in enumerate(zip(t._shape, context.dynamic_sizes)):
        if dyn is DimDynamic.STATIC:
            shape.append(n)
        else:
            shape.append(shape_env.create_symint(n, TensorPropertySource(source, TensorProperty.SIZE, i),
                                                 dynamic_dim=dyn))
    if any(not isinstance(d, int) for d in shape):
        fake._sym_shape = tuple(shape)


def _symbolic_strides(t):
    """Strides in terms of symbolic sizes: a dense layout (contiguous, or a permutation of it
    such as a transpose), possibly broadcast (an expanded dim has stride 0), has strides that
    are products of sizes; any other layout pins the sizes to their values (under guards) and
    reports the concrete strides."""
    concrete = t._strides()
    shape = t._sym_shape
    hint_shape = _raw_shape(t)
    # Broadcast dims (stride 0, size not 1) take no room in memory.
    stored = [i for i in range(len(shape)) if concrete[i] != 0 or hint_shape[i] == 1]
    order = sorted(stored, key=lambda i: (concrete[i], -i))
    expected = 1
    for i in order:
        if concrete[i] != (expected if isinstance(expected, int) else expected.node.hint) and hint_shape[i] != 1:
            for d in shape:
                int(d)
            return concrete
        expected = expected * shape[i]
    out = [0] * len(shape)
    expected = 1
    for i in order:
        out[i] = expected if hint_shape[i] != 1 or concrete[i] != 1 else concrete[i]
        expected = expected * shape[i]
    return tuple(out)
