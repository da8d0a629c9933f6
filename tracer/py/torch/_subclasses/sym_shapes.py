"""Symbolic output sizes of the runtime's primitives, for fake tensors whose sizes are symbolic.

A fake tensor is a meta tensor: its kernel computes concrete sizes from the hints (the values
the symbols have for the inputs being traced). Where an input's sizes are symbolic, the rule of
the primitive here says the output's sizes as expressions of the inputs' (`cat` of `[s77, 3]`
and `[s17, 3]` is `[s17 + s77, 3]`). Checks that the kernel made on sizes (broadcasting two
sizes) are asked of the symbolic values too, so they become guards where the ranges do not
decide them.

A primitive without a rule is still correct: its symbolic inputs are pinned to their hints
(specialised, under guards) and its output is static."""

from torch import _C
from torch._symint import SymInt


def sizes(t):
    """A fake tensor's sizes, symbolic where they are."""
    sym = getattr(t, "_sym_shape", None)
    return sym if sym is not None else tuple(t._shape)  # no symbols: nothing to pin


def is_symbolic(v):
    if isinstance(v, SymInt):
        return True
    if getattr(v, "_sym_shape", None) is not None:
        return True
    if isinstance(v, (list, tuple)):
        return any(is_symbolic(x) for x in v)
    return False


def hints(v):
    """`v` with every SymInt replaced by its hint (no guard: the kernel only computes metadata)."""
    if isinstance(v, SymInt):
        return v.node.hint
    if isinstance(v, list):
        return [hints(x) for x in v]
    if isinstance(v, tuple):
        return tuple(hints(x) for x in v)
    return v


def _wrap(d, n):
    d = int(d)
    return d + n if d < 0 else d


def _numel(shape):
    n = 1
    for s in shape:
        n = n * s
    return n


def _same(a, b):
    """Whether two sizes are the same, asked symbolically (a guard unless decided)."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return bool(a == b)


def broadcast(*shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        picked = 1
        for s in shapes:
            j = i - ndim + len(s)
            if j < 0:
                continue
            d = s[j]
            if d == 1:
                # A symbolic size is asked too (a guard unless decided): `(s34//2)` may be 1.
                continue
            if isinstance(picked, int) and picked == 1:
                picked = d
            elif not (picked is d or _same(picked, d)):
                raise RuntimeError("symbolic broadcast of unequal sizes")
            elif isinstance(d, int):
                picked = d  # a constant is the simpler form of an equal size
        out.append(picked)
    return tuple(out)


def _shape_of(v):
    if isinstance(v, _C.TensorBase):
        return sizes(v)
    return ()  # a Python scalar


def _first(args, out):
    return [sizes(args[0])]


def _binary(args, out):
    return [broadcast(_shape_of(args[1]), _shape_of(args[2]))]


def _binary_inplace(args, out):
    """`a.mul_(b)`: `b` broadcasts to `a`'s sizes, asked symbolically as the kernel checks them
    (so `s24 == s40` becomes a guard and the graph is not reused for sizes that would raise)."""
    s = tuple(sizes(args[1]))
    for have, want in zip(broadcast(s, _shape_of(args[2])), s):
        if not (have is want or _same(have, want)):
            raise RuntimeError("symbolic in-place broadcast changes the written tensor's sizes")
    return [s]


def _unary(args, out):
    return [sizes(args[1])]


def _reduce(args, out):
    _name, x, dims, keepdim = args[:4]
    shape = sizes(x)
    n = len(shape)
    if dims is None or (isinstance(dims, (list, tuple)) and len(dims) == 0):
        dropped = set(range(n))
    else:
        dims = dims if isinstance(dims, (list, tuple)) else [dims]
        dropped = {_wrap(d, n) for d in dims}
    if keepdim:
        return [tuple(1 if i in dropped else s for i, s in enumerate(shape))]
    return [tuple(s for i, s in enumerate(shape) if i not in dropped)]


def _matmul(args, out):
    kind, a, b = args
    sa, sb = sizes(a), sizes(b)
    # The contracted sizes must agree: asked, so a symbolic pair becomes one symbol (a guard).
    if len(sa) and len(sb):
        _same(sa[-1], sb[-2] if len(sb) > 1 else sb[0])
    if kind == "mm":
        return [(sa[0], sb[1])]
    if kind == "bmm":
        _same(sa[0], sb[0])
        return [(sa[0], sa[1], sb[2])]
    if len(sa) == 1 and len(sb) == 1:
        return [()]
    if len(sa) == 1:
        return [sb[:-2] + sb[-1:]]
    if len(sb) == 1:
        return [sa[:-1]]
    batch = broadcast(sa[:-2], sb[:-2])
    return [batch + (sa[-2], sb[-1])]


def _cat(args, out):
    tensors, dim = args
    shapes = [sizes(t) for t in tensors if not (t.dim() == 1 and _same(sizes(t)[0], 0))]
    if not shapes:
        return [sizes(tensors[0])]
    d = _wrap(dim, len(shapes[0]))
    total = 0
    for s in shapes:
        total = total + s[d]
    first = shapes[0]
    # The other dims must agree, asked as the kernel checks them: a guard for symbolic sizes,
    # so a graph whose cat is dead code (dropped by AOT autograd) is not reused for sizes
    # eager rejects.
    for s in shapes[1:]:
        for k, (a, b) in enumerate(zip(first, s)):
            if k != d and not (a is b or _same(a, b)):
                raise RuntimeError("symbolic cat of tensors whose other sizes differ")
    return [first[:d] + (total,) + first[d + 1:]]


def _along_keep(args, out):
    # cumsum, sort: the input's sizes (sort returns values and indices).
    return [sizes(args[0])] * (len(out) if isinstance(out, tuple) else 1)


def _max_min(args, out):
    x, dim, keepdim = args[0], args[1], args[2]
    shape = sizes(x)
    d = _wrap(dim, len(shape))
    s = shape[:d] + ((1,) if keepdim else ()) + shape[d + 1:]
    return [s, s]


def _index_select(args, out):
    x, dim, index = args
    shape = sizes(x)
    d = _wrap(dim, len(shape))
    n = _numel(sizes(index))
    return [shape[:d] + (n,) + shape[d + 1:]]


def _gather(args, out):
    return [sizes(args[2])]


def _where(args, out):
    return [broadcast(*(_shape_of(a) for a in args))]


def _index(args, out):
    x, indices = args
    if any(i is None for i in indices):
        return None
    shape = sizes(x)
    idx = broadcast(*(sizes(i) for i in indices))
    if any(getattr(i, "dtype", None) is not None and i.dtype.__repr__() == "torch.bool" for i in indices):
        return None
    return [idx + tuple(shape[len(indices):])]


def _resolve(shape_in, requested):
    """A view's requested sizes with -1 inferred from the number of elements."""
    requested = list(requested)
    if -1 not in [r for r in requested if isinstance(r, int)]:
        return tuple(requested)
    known = 1
    for r in requested:
        if not (isinstance(r, int) and r == -1):
            known = known * r
    i = next(i for i, r in enumerate(requested) if isinstance(r, int) and r == -1)
    requested[i] = _numel(shape_in) // known
    return tuple(requested)


def _view(args, out):
    shape_in = sizes(args[0])
    shape = _resolve(shape_in, args[1])
    # Sizes given outright for a symbolic input: the element counts must agree, which pins
    # the symbols (a guard), as PyTorch's view does.
    if any(is_symbolic(d) for d in shape_in) and not any(is_symbolic(d) for d in shape):
        _same(_numel(shape_in), _numel(shape))
    return [shape]


def _transpose(args, out):
    x, d0, d1 = args
    s = list(sizes(x))
    if not s:
        return [()]
    a, b = _wrap(d0, len(s)), _wrap(d1, len(s))
    s[a], s[b] = s[b], s[a]
    return [tuple(s)]


def _t(args, out):
    s = sizes(args[0])
    return [tuple(reversed(s))]


def _permute(args, out):
    s = sizes(args[0])
    return [tuple(s[_wrap(d, len(s))] for d in args[1])]


def _expand(args, out):
    x, want = args
    s = sizes(x)
    lead = len(want) - len(s)
    res = []
    for i, w in enumerate(want):
        if isinstance(w, int) and w == -1:
            res.append(s[i - lead])
        elif i >= lead and not (isinstance(s[i - lead], int) and s[i - lead] == 1):
            res.append(s[i - lead] if not isinstance(w, int) or isinstance(s[i - lead], int) else w)
        else:
            res.append(w)
    return [tuple(res)]


def _squeeze(args, out):
    x, dim = args
    s = sizes(x)
    if dim is None:
        return [tuple(d for d in s if not (isinstance(d, int) and d == 1))]
    dims = dim if isinstance(dim, (list, tuple)) else [dim]
    drop = {_wrap(d, len(s)) for d in dims} if s else set()
    return [tuple(d for i, d in enumerate(s) if not (i in drop and isinstance(d, int) and d == 1))]


def _unsqueeze(args, out):
    x, dim = args
    s = list(sizes(x))
    s.insert(_wrap(dim, len(s) + 1), 1)
    return [tuple(s)]


def _narrow(args, out):
    x, dim, start, length = args
    s = list(sizes(x))
    s[_wrap(dim, len(s))] = length
    return [tuple(s)]


def _select(args, out):
    x, dim, index = args
    s = list(sizes(x))
    del s[_wrap(dim, len(s))]
    return [tuple(s)]


def _slice(args, out):
    x, dim, start, end, step = args
    s = list(sizes(x))
    d = _wrap(dim, len(s))
    n = s[d]
    start = 0 if start is None else start
    if end is None or (isinstance(end, int) and end >= 2 ** 62):
        end = n
    if isinstance(start, int) and start < 0:
        start = start + n
    if isinstance(end, int) and end < 0:
        end = end + n
    # Clamped to the size, as the kernel clamps: asked symbolically only when not constant.
    if not (isinstance(end, int) and isinstance(n, int)) and not (end is n):
        if not _known_le(end, n):
            end = n if bool(end >= n) else end
    if isinstance(start, int) and isinstance(end, int):
        length = max(0, end - start)
    else:
        length = end - start
    step = 1 if step is None else step
    if step != 1:
        length = (length + (step - 1)) // step
    s[d] = length
    return [tuple(s)]


def _known_le(a, b):
    """`a <= b` when the ranges prove it (no guard), else False."""
    from torch.fx.experimental.symbolic_shapes import statically_known_true

    return statically_known_true(a <= b)


def _as_strided(args, out):
    return [tuple(args[1])]


def _full(args, out):
    return [tuple(args[0])]


def _addmm(args, out):
    bias, a, b = args[:3]
    return [(sizes(a)[0], sizes(b)[1])]


def _embedding(args, out):
    weight, indices = args[:2]
    return [tuple(sizes(indices)) + (sizes(weight)[1],)]


def _layer_norm(args, out):
    """The output, and the mean and 1/std with the normalized dims kept as 1."""
    s = tuple(sizes(args[0]))
    n = len(args[1])
    stat = s[: len(s) - n] + (1,) * n
    return [s, stat, stat] if isinstance(out, tuple) else [s]


def _layer_norm_backward(args, out):
    x, w, b = args[1], args[5], args[6]
    return [sizes(x) if out[0] is not None else None, sizes(w) if w is not None and out[1] is not None else None,
            sizes(b) if b is not None and out[2] is not None else None]


def _pad(args, out):
    x, pad = args[0], args[1]
    shape = list(sizes(x))
    for k in range(len(pad) // 2):
        d = len(shape) - 1 - k
        shape[d] = shape[d] + pad[2 * k] + pad[2 * k + 1]
    return [tuple(shape)]


def _given_sizes(args, out):
    """Backward primitives taking their output's sizes (`slice_backward(g, [s77, 3], ...)`)."""
    return [tuple(args[1])]


def _loss(at, reduction_at):
    """A loss: the elementwise sizes (of argument `at`, or input and target broadcast) with
    reduction "none", else a scalar."""

    def rule(args, out):
        if args[reduction_at] != "none":
            return [()]
        if at is None:
            return [broadcast(sizes(args[0]), sizes(args[1]))]
        return [sizes(args[at])]

    return rule


def _sdpa(args, out):
    q, v = sizes(args[0]), sizes(args[2])
    return [tuple(q[:-1]) + (v[-1],), tuple(q[:-1])]


def _sdpa_backward(args, out):
    return [sizes(args[1]), sizes(args[2]), sizes(args[3])]


def _convolution(args, out):
    x, w, out_sizes = args[0], args[1], args[6]
    return [(sizes(x)[0], sizes(w)[0]) + tuple(out_sizes)]


def _pool(out_at):
    def rule(args, out):
        s = sizes(args[0])
        window = tuple(args[out_at]) if isinstance(out_at, int) else (args[1], args[2])
        shape = tuple(s[:-2]) + window
        return [shape] * (len(out) if isinstance(out, tuple) else 1)

    return rule


RULES = {
    "select_backward": _given_sizes,
    "slice_backward": _given_sizes,
    "mse_loss": _loss(None, 2),
    "smooth_l1_loss": _loss(None, 2),
    "binary_cross_entropy": _loss(0, 3),
    "binary_cross_entropy_with_logits": _loss(0, 4),
    "nll_loss": _loss(1, 4),
    "sdpa": _sdpa,
    "sdpa_backward": _sdpa_backward,
    "convolution": _convolution,
    "max_pool2d": _pool(4),
    "avg_pool2d": _pool(4),
    "adaptive_avg_pool2d": _pool(None),
    "unary": _unary,
    "binary": _binary,
    "binary_": _binary_inplace,
    "reduce": _reduce,
    "matmul": _matmul,
    "cat": _cat,
    "cumsum": _along_keep,
    "max_min": _max_min,
    "sort": _along_keep,
    "index_select": _index_select,
    "gather": _gather,
    "where": _where,
    "index": _index,
    "index_put_": _first,
    "scatter_": _first,
    "copy_": _first,
    "fill_": _first,
    "clone": _first,
    "contiguous": _first,
    "to_dtype": _first,
    "detach": _first,
    "view": _view,
    "reshape": _view,
    "unsafe_view": _view,
    "transpose": _transpose,
    "t": _t,
    "permute": _permute,
    "expand": _expand,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "narrow": _narrow,
    "select": _select,
    "slice": _slice,
    "as_strided": _as_strided,
    "full": _full,
    "full_like": _first,
    "addmm": _addmm,
    "softmax": _first,
    "log_softmax": _first,
    "layer_norm": _layer_norm,
    "clamp": _first,
    "leaky_relu": _first,
    "elu": _first,
    "softplus": _first,
    "hardtanh": _first,
    "embedding": _embedding,
    "threshold_backward": _first,
    "sigmoid_backward": _first,
    "tanh_backward": _first,
    "softmax_backward_data": _first,
    "log_softmax_backward_data": _first,
    "gelu_backward": _first,
    "silu_backward": _first,
    "native_layer_norm_backward": _layer_norm_backward,
    "embedding_dense_backward": lambda args, out: [(args[2], sizes(args[0])[-1])],
    "mse_loss_backward": lambda args, out: [sizes(args[1])],
    "pad": _pad,
}


def _symbols_in(v, out):
    if isinstance(v, SymInt):
        out.append(v)
    elif getattr(v, "_sym_shape", None) is not None:
        out.extend(d for d in v._sym_shape if isinstance(d, SymInt))
    elif isinstance(v, (list, tuple)):
        for x in v:
            _symbols_in(x, out)


def symints(v):
    """The SymInts in `v`: itself, a fake tensor's symbolic sizes, or those of the items of a
    list or tuple."""
    out = []
    _symbols_in(v, out)
    return out


def unbacked_env(values):
    """The ShapeEnv of the first of `values` whose sizes mention a data-dependent (unbacked)
    symbol, else None."""
    for v in values:
        for d in symints(v):
            env = d.node.shape_env
            if env.unbacked and any(s in env.unbacked for s in d.node._expr.free_symbols()):
                return env
    return None


def attach(key, args, out):
    """Gives the fake outputs `out` of primitive `key` their symbolic sizes."""
    rule = RULES.get(key)
    shapes = None
    if rule is not None:
        shapes = rule(args, out)
    outs = list(out) if isinstance(out, tuple) else [out]
    if shapes is None:
        # No rule: every symbolic input is pinned to its value; the outputs are static.
        for s in symints(args):
            int(s)
        return out
    for t, shape in zip(outs, shapes):
        if shape is None or not isinstance(t, _C.TensorBase):
            continue
        shape = tuple(shape)
        if any(isinstance(d, SymInt) for d in shape):
            t._sym_shape = shape
        elif getattr(t, "_sym_shape", None) is not None and not any(t is a for a in args):
            t._sym_shape = None
    return out

