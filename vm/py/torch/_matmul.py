"""`a @ b` as PyTorch's matmul decomposes it when traced (its Python decomposition, what
torch.compile's graphs show): mm, dot and mv for matrices and vectors; a batch of matrices
times a matrix folded into one mm when that needs no copy; anything else one bmm over the
broadcast batch, flattened and viewed back. Eager runs the same pieces."""

import builtins

from torch import _prims


def reshape(t, shape):
    """A view when the layout allows one, else a contiguous copy viewed (PyTorch's reshape)."""
    from torch._tensor import _reshape

    return _reshape(t, shape)


def matmul(a, b):
    """`a @ b` as PyTorch's matmul decomposes it (what its traced graphs show): two matrices
    are `mm` (a vector is `dot` or `mv`); a batch of matrices times a matrix is one `mm` over
    the batch folded into rows when that needs no copy; anything else is a `bmm` over the
    broadcast batch, flattened, and viewed back. Sizes are read as `shape`: symbolic for a fake
    of a symbolic graph (what the traced graph computes must hold for every size)."""
    da, db = a.dim(), b.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da <= 2 and db <= 2:
        if da == 2 and db == 2:
            return _prims.matmul("mm", a, b)
        if da == 1 and db == 2:
            return _prims.squeeze(_prims.matmul("mm", a.unsqueeze(0), b), 0)
        return _prims.matmul("matmul", a, b)  # dot, mv
    if _should_fold(a, b):
        transpose = db > da
        t1 = b.mT if transpose else a
        t2 = b if not transpose else (a.t() if da == 2 else a)
        sizes = t1.shape
        out_shape = list(sizes[:-1])
        folded = out_shape[0]
        for n in out_shape[1:]:
            folded = folded * n
        if t2.dim() == 2:
            out_shape.append(t2.shape[1])
            out = _prims.unsafe_view(_prims.matmul("mm", reshape(t1, [folded, sizes[-1]]), t2), out_shape)
            return out.mT.contiguous() if transpose else out
        return _prims.unsafe_view(_prims.matmul("matmul", reshape(t1, [folded, sizes[-1]]), t2), out_shape)
    sa, sb = a.shape, b.shape
    n = sa[-2] if da > 1 else 1
    m1 = sa[-1]
    m2 = sb[-2] if db > 1 else sb[-1]
    p = sb[-1] if db > 1 else 1
    batch1, batch2 = list(sa[:-2]), list(sb[:-2])
    if da == 3 and db == 3 and batch1[0] != batch2[0]:
        # A batch of one that needs a gradient is taken as a matrix (no expanded copy).
        if batch1[0] == 1 and a.requires_grad:
            return matmul(a.squeeze(0), b)
        if batch2[0] == 1 and b.requires_grad:
            return matmul(a, b.squeeze(0))
    batch = _broadcast_batch(batch1, batch2)
    count = 1
    for k in batch:
        count = count * k
    a3 = reshape(a._expand(batch + [n, m1]), [count, n, m1])
    if db == 1:
        b3 = reshape(b._expand(batch + [m2]), [count, m2]).unsqueeze(2)
    else:
        b3 = reshape(b._expand(batch + [m2, p]), [count, m2, p])
    out_shape = batch + ([n] if da > 1 else []) + ([p] if db > 1 else [])
    out = _prims.matmul("bmm", a3, b3)
    if db == 1:
        out = _prims.squeeze(out, -1)
    return _prims.view(out, out_shape)


def _should_fold(a, b):
    """Whether the larger operand (at least 3-D, the other at most 2-D) folds into a matrix
    without a copy (PyTorch's rule; also when the smaller one needs a gradient)."""
    t1, t2 = (a, b) if a.dim() >= b.dim() else (b, a)
    if not (t1.dim() >= 3 and t2.dim() <= 2):
        return False
    if t2.requires_grad:
        return True
    if a.dim() == 2:
        return False
    if t1.numel() == 0:
        return True
    shape, strides = t1.shape, t1.stride()
    expected = [1]
    for n in reversed(shape[1:]):
        expected.append(n * expected[-1])
    return all(n == 1 or s == e for s, e, n in zip(strides, reversed(expected), shape))


def _broadcast_batch(s1, s2):
    """The batch sizes two matmul operands broadcast to (PyTorch's infer_size)."""
    out = []
    for i in range(builtins.max(len(s1), len(s2)), 0, -1):
        x = s1[len(s1) - i] if i <= len(s1) else 1
        y = s2[len(s2) - i] if i <= len(s2) else 1
        if x != y and x != 1 and y != 1:
            dim = builtins.max(len(s1), len(s2)) - i
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {dim}")
        out.append(y if x == 1 else x)
    return out
