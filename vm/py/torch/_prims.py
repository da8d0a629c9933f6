"""The runtime's primitives as Tensor code calls them: the native kernel, then, when grad mode
is on and an input requires grad, an autograd node for the result
(`torch.autograd._derivatives` has one formula per primitive). Everything in `torch.Tensor`
that computes goes through here, so every op is differentiable in one place."""

from torch import _C

_d = None  # torch.autograd._derivatives, bound on first use (it imports torch)


def _derivatives():
    global _d
    if _d is None:
        from torch.autograd import _derivatives

        _d = _derivatives
    return _d


# Active dispatch modes, innermost last (PyTorch's TorchDispatchMode stack): make_fx's proxy
# mode and FakeTensorMode. A mode sees every primitive call as `mode._prim_call(key, call,
# args)` and runs it by calling `call(*args)`, which goes on to the next mode or the kernel.
_modes = []

# Every primitive by name, for `torch.ops.smelt` (see torch/_aten.py).
PRIMITIVES = []


class _no_dispatch:
    """Runs a block with no dispatch mode active: checks that PyTorch does inside a kernel
    (reading an index tensor's values) are not part of the traced program."""

    # The list is emptied and refilled in place: native code holds it (vm/src/native/autograd/).
    def __enter__(self):
        self.saved = _modes[:]
        _modes.clear()

    def __exit__(self, *exc):
        _modes[:] = self.saved
        return False


# How many mode calls are in progress. Autograd records a primitive once, at the outermost
# call, after every mode has seen it (make_fx's node exists by then, so the autograd node can be
# tied to it); the kernel call at the bottom of the mode stack records nothing.
_depth = [0]

# Native primitives check both before taking their fast path (vm/src/native/autograd/).
_C._autograd_register("modes", _modes)
_C._autograd_register("depth", _depth)


def _dispatch(key, call, args):
    mode = _modes.pop()
    _depth[0] += 1
    try:
        return mode._prim_call(key, call, args)
    finally:
        _depth[0] -= 1
        _modes.append(mode)


def _functional(key, kernel):
    positions = None

    def call(*args):
        nonlocal positions
        if _modes:
            out = _dispatch(key, call, args)
        else:
            out = kernel(*args)
        if _depth[0]:
            return out
        if positions is None:
            positions = tuple((_d or _derivatives()).PRIMS[key].inputs)
        if _needs_grad(args, positions):
            (_d or _derivatives()).record(key, args, out)
        return out

    call.__name__ = key
    PRIMITIVES.append(key)
    # With no mode active, the native form runs the kernel and records without this frame.
    return _C.FastPrim(key, kernel, call, "functional")


def _view(key, kernel):
    """A view primitive: the result also remembers its base, for in-place checks."""

    def call(self, *args):
        if _modes:
            out = _dispatch(key, call, (self,) + args)
        else:
            out = kernel(self, *args)
        if _depth[0]:
            return out
        out._base = self._base if self._base is not None else self
        if _C.is_grad_enabled() and self.requires_grad:
            (_d or _derivatives()).record(key, (self,) + args, out)
        return out

    call.__name__ = key
    PRIMITIVES.append(key)
    return _C.FastPrim(key, kernel, call, "view")


_needs_grad = _C._needs_grad


_eager_fusion = None


def _fused(key, forward, args):
    """The composite run as one compiled program (`torch._inductor.eager_fusion`), or None."""
    global _eager_fusion
    if _eager_fusion is None:
        from torch._inductor import eager_fusion

        _eager_fusion = eager_fusion
    if not _eager_fusion.ENABLED:
        return None
    return _eager_fusion.run(key, forward, args)


# Composites whose eager form is compiled into one program on big inputs
# (`torch._inductor.eager_fusion`). Pointwise ones only: the JIT's fused reductions over
# leading dims (layer norm's weight and bias gradients) are slower than the eager kernels they
# would replace (layer norm's backward: 0.30 ms fused against 0.23 ms op by op on 8×64×128).
_FUSED = frozenset({"gelu_backward", "silu_backward"})


def _composite(key, forward):
    """A primitive written in Python (`torch._composites`): its forward runs untracked and
    autograd records one node for it."""
    positions = None
    fusion = key if key in _FUSED else None

    def call(*args):
        nonlocal positions
        if positions is None:
            positions = tuple((_d or _derivatives()).PRIMS[key].inputs)
        if _modes:
            out = _dispatch(key, call, args)
            if not _depth[0] and _needs_grad(args, positions):
                (_d or _derivatives()).record(key, args, out)
            return out
        if _depth[0] or not _needs_grad(args, positions):
            if fusion is not None and not _depth[0]:
                out = _fused(key, forward, args)
                if out is not None:
                    return out
            return forward(*args)
        _C._set_grad_enabled(False)
        try:
            out = forward(*args)
        finally:
            _C._set_grad_enabled(True)
        (_d or _derivatives()).record(key, args, out)
        return out

    call.__name__ = key
    PRIMITIVES.append(key)
    return call


def _inplace(key, kernel, self_pos):
    """An in-place primitive: the mutated tensor's history is replaced by a node whose inputs
    are its previous history and the op's other inputs. Under dispatch modes the modes run it
    (and see it) and autograd rebases the history the same way."""

    positions = None

    def call(*args):
        nonlocal positions
        traced = bool(_modes)
        run = (lambda *a: _dispatch(key, call, a)) if traced else kernel
        if _depth[0] or not _C.is_grad_enabled():
            return run(*args)
        d = _d or _derivatives()
        if positions is None:
            positions = tuple(d.PRIMS[key].inputs)
        if not _needs_grad(args, positions):
            return run(*args)
        self = args[self_pos]
        if self.requires_grad and self._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = self._base
        if base is not None:
            if traced:
                # The CopySlices history works on storage directly; traced, the write is only
                # seen by the modes (AOT autograd's proxy mode refuses writes into views of
                # traced values).
                return run(*args)
            if base.requires_grad and base._grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place operation."
                )
            return _inplace_on_view(d, key, kernel, args, self_pos, base)
        old = clone(self) if self_pos in d.PRIMS[key].saves_for(args) else None
        out = run(*args)
        d.record(key, args, self, old_self=old)
        return out

    call.__name__ = key
    PRIMITIVES.append(key)
    return call


class _CopySlicesContext:
    """What a CopySlices node keeps: the in-place op's own node, released with it."""

    def __init__(self, op_node):
        self.op_node = op_node
        self.released = False

    def release(self):
        self.released = True
        self.op_node._release()


def _inplace_on_view(d, key, kernel, args, self_pos, base):
    """An in-place op on a view: the base's history becomes a CopySlices node (its gradient,
    with the view's region replaced by the op's gradient for the old values), and the view is
    re-derived from the updated base, as PyTorch does."""
    from torch.autograd.engine import _fit
    from torch.autograd.graph import edge_of, node_class

    view = args[self_pos]
    if not (base.is_contiguous() and base.storage_offset() == 0):
        raise NotImplementedError(
            "smelt: in-place operations on views of a non-contiguous base that takes part in autograd"
        )
    spec = d.PRIMS[key]
    old = _C.TensorBase.clone(view) if self_pos in spec.saves_for(args) else None
    base_edge = edge_of(base)
    base_meta = (base._shape, base.dtype)
    size, stride, offset = list(view._shape), list(view._strides()), view.storage_offset()
    out = kernel(*args)
    stand_in = _C.TensorBase._view(view, size)
    op_node = d.record(key, args, stand_in, old_self=old)
    mine = list(spec.inputs).index(self_pos)

    def formula(ctx, grads):
        prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            g = grads[0].contiguous().clone()
            region = g._as_strided(size, stride, offset)
            in_grads = list(op_node.apply(_C.TensorBase.clone(region)))
            gv = in_grads[mine]
            if gv is None:
                region.fill_(0)
            else:
                region.copy_(_fit(gv, (region._shape, region.dtype)))
        finally:
            _C._set_grad_enabled(prev)
        others = [_fit(x, m) if x is not None and m is not None else x
                  for i, (x, m) in enumerate(zip(in_grads, op_node._inputs_meta)) if i != mine]
        return [g] + others

    edges = [base_edge] + [e for i, e in enumerate(op_node.next_functions) if i != mine]
    metas = [base_meta] + [m for i, m in enumerate(op_node._inputs_meta) if i != mine]
    node = node_class("CopySlices")("torch::autograd::CopySlices", edges, metas, [base_meta], formula,
                                    _CopySlicesContext(op_node))
    base.requires_grad = True
    base._grad_fn = node
    base._output_nr = 0
    d.record("as_strided", (base, size, stride, offset), view)
    return out


# `sgn` (PyTorch's sign that also covers complex numbers, which its derivative formulas call)
# is sign for real tensors.
unary = _functional("unary", lambda op, x: _C._unary("sign" if op == "sgn" else op, x))
binary = _functional("binary", _C._binary)
binary_ = _inplace("binary_", _C._binary_, 1)
reduce = _functional("reduce", _C._reduce)
matmul = _functional("matmul", _C._matmul)
cat = _functional("cat", _C._cat)
cumsum = _functional("cumsum", _C._cumsum)
max_min = _functional("max_min", _C._max_min)
sort = _functional("sort", _C._sort)
index_select = _functional("index_select", _C._index_select)
gather = _functional("gather", _C._gather)
where = _functional("where", _C._where)
def _mask_coordinates(x, indices):
    """An index list as aten.index takes it (a bool mask stands for the coordinates of its True
    elements and covers as many dims as it has) made one integer index per dim, as the kernels
    take it."""
    out = []
    for i in indices:
        if isinstance(i, _C.TensorBase) and str(i.dtype) in ("torch.bool", "torch.uint8"):
            dim, shape = len(out), list(_raw_shape(x))
            for k, n in enumerate(_raw_shape(i)):
                if dim + k >= len(shape) or shape[dim + k] != n:
                    raise IndexError(f"The shape of the mask {list(_raw_shape(i))} at index {k} does not match "
                                     f"the shape of the indexed tensor {shape} at index {dim + k}")
            coords = _C._nonzero(i)
            out.extend(coords.select(1, k) for k in range(i.dim()))
        else:
            out.append(i)
    return out


index = _functional("index", lambda x, indices: _C._index(x, _mask_coordinates(x, indices)))
# The coordinates of the non-zero elements: a primitive of its own so that tracers see it (its
# length depends on the data: a fake tensor's is an unbacked symbol, or the trace stops).
nonzero = _functional("nonzero", _C._nonzero)
index_put_ = _inplace("index_put_", lambda x, indices, values, accumulate: _C._index_put_(
    x, _mask_coordinates(x, indices), values, accumulate), 0)
scatter_ = _inplace("scatter_", _C._scatter_, 0)
copy_ = _inplace("copy_", _C._copy_, 0)
fill_ = _inplace("fill_", _C._fill_, 0)
clone = _functional("clone", _C.TensorBase.clone)
contiguous = _functional("contiguous", _C.TensorBase.contiguous)
to_dtype = _functional("to_dtype", _C.TensorBase._to_dtype)

view = _view("view", _C.TensorBase._view)
reshape = _view("reshape", _C.TensorBase._reshape)
transpose = _view("transpose", _C.TensorBase.transpose)
t = _view("t", _C.TensorBase.t)
permute = _view("permute", _C.TensorBase._permute)
expand = _view("expand", _C.TensorBase._expand)
squeeze = _view("squeeze", _C.TensorBase._squeeze)
unsqueeze = _view("unsqueeze", _C.TensorBase.unsqueeze)
narrow = _view("narrow", _C.TensorBase.narrow)
select = _view("select", _C.TensorBase.select)
slice = _view("slice", _C.TensorBase._slice)
as_strided = _view("as_strided", _C.TensorBase._as_strided)
# Not a view in PyTorch: the result owns its (fresh) storage.
unsafe_view = _functional("unsafe_view", _C.TensorBase._view)


def _factory(key, kernel):
    """A creation primitive: nothing to differentiate, but modes see it (fake tensors make
    fake results, make_fx records `aten.zeros`)."""

    def call(*args):
        if _modes:
            return _dispatch(key, call, args)
        return kernel(*args)

    call.__name__ = key
    PRIMITIVES.append(key)
    return call


# `aten.detach`: an alias that autograd does not follow. Eager code calls the kernel; traced,
# it is a node (AOT autograd's graphs show the detaches of saved outputs).
# The kernels below read a tensor's concrete sizes (`_raw_shape`): a fake's symbolic sizes
# are given to the result afterwards, by its primitive's rule.
_raw_shape = _C.TensorBase.__dict__["_shape"].__get__
detach = _factory("detach", lambda t: _C.TensorBase._view(t, list(_raw_shape(t))))

# The trailing arguments say what the user called (`zeros`, `ones_like` ...) and whether they
# named a dtype: make_fx records `aten.zeros.default([2], dtype=torch.int64, ...)` only then.
full = _factory("full", lambda size, value, dtype, meta, name="full", dtype_given=True:
                _C._full(size, value, dtype, meta))
full_like = _factory("full_like", lambda like, value, dtype, meta, name="full_like", dtype_given=True:
                     _C._full(list(_raw_shape(like)), value, dtype, meta))

from torch import _composites as _k  # noqa: E402

addmm = _composite("addmm", _k.addmm)
softmax = _composite("softmax", _k.softmax)
log_softmax = _composite("log_softmax", _k.log_softmax)
layer_norm = _composite("layer_norm", _k.layer_norm)
clamp = _composite("clamp", _k.clamp)
mse_loss = _composite("mse_loss", _k.mse_loss)
nll_loss = _composite("nll_loss", _k.nll_loss)
binary_cross_entropy = _composite("binary_cross_entropy", _k.binary_cross_entropy)
binary_cross_entropy_with_logits = _composite("binary_cross_entropy_with_logits", _k.binary_cross_entropy_with_logits)
embedding = _composite("embedding", _k.embedding)
convolution = _composite("convolution", _k.convolution)
max_pool2d = _composite("max_pool2d", _k.max_pool2d)
leaky_relu = _composite("leaky_relu", _k.leaky_relu)
elu = _composite("elu", _k.elu)
softplus = _composite("softplus", _k.softplus)
hardtanh = _composite("hardtanh", _k.hardtanh)
smooth_l1_loss = _composite("smooth_l1_loss", _k.smooth_l1_loss)
pad = _composite("pad", _k.pad)
avg_pool2d = _composite("avg_pool2d", _k.avg_pool2d)
adaptive_avg_pool2d = _composite("adaptive_avg_pool2d", _k.adaptive_avg_pool2d)
sdpa = _composite("sdpa", _k.sdpa)
sdpa_backward = _functional("sdpa_backward", _k.sdpa_backward)
select_backward = _composite("select_backward", _k.select_backward)
slice_backward = _composite("slice_backward", _k.slice_backward)
# Backward-only kernels, primitives so that traced backward graphs show them as PyTorch does.
threshold_backward = _composite("threshold_backward", _k.threshold_backward)
sigmoid_backward = _composite("sigmoid_backward", _k.sigmoid_backward)
softmax_backward_data = _composite("softmax_backward_data", _k.softmax_backward_data)
log_softmax_backward_data = _composite("log_softmax_backward_data", _k.log_softmax_backward_data)
gelu_backward = _composite("gelu_backward", _k.gelu_backward)
silu_backward = _composite("silu_backward", _k.silu_backward)
embedding_dense_backward = _composite("embedding_dense_backward", _k.embedding_dense_backward)
mse_loss_backward = _composite("mse_loss_backward", _k.mse_loss_backward)
native_layer_norm_backward = _composite("native_layer_norm_backward", _k.native_layer_norm_backward)
tanh_backward = _composite("tanh_backward", _k.tanh_backward)
