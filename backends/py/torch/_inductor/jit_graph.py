"""The graph handed to the native JIT (`torch._C._jit_compile`), built one value at a time.

A value (`Val`) has a layout: dtype, shape, strides and storage offset in elements. Computed
values get the layout eager gives them; a view's layout is its base's storage seen through
the view, so a view of a stored value reads that storage with the view's own strides.

Unsupported things raise `Unsupported`: the lowering then leaves the FX node to eager."""

import torch
from torch import _C


class Unsupported(Exception):
    """What the JIT cannot compile; the node runs as an extern eager call instead."""


# Dtypes a kernel computes in (ints are not compiled yet).
KERNEL_DTYPES = (torch.float32, torch.float64, torch.bool)


def contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return list(reversed(strides))


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def broadcast_shapes(*shapes):
    nd = max(len(s) for s in shapes)
    out = []
    for d in range(nd):
        size = 1
        for s in shapes:
            k = d - (nd - len(s))
            if k < 0 or s[k] == 1:
                continue
            if size != 1 and s[k] != size:
                raise Unsupported(f"shapes {shapes} do not broadcast")
            size = s[k]
        out.append(size)
    return out


def view_strides(shape, strides, new_shape):
    """Strides for viewing (shape, strides) as new_shape without a copy, or None when some run
    of old dims that new dims merge or split is not evenly spaced in memory."""
    if numel(shape) == 0 or not shape:
        return contiguous_strides(new_shape)
    out = [0] * len(new_shape)
    nd = len(new_shape) - 1
    base = strides[-1] if strides else 1
    old_run = new_run = 1
    for d in range(len(shape) - 1, -1, -1):
        old_run *= shape[d]
        # A run of old dims ends where the next outer dim is not laid out right after it.
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != old_run * base):
            while nd >= 0 and (new_run < old_run or new_shape[nd] == 1):
                out[nd] = new_run * base
                new_run *= new_shape[nd]
                nd -= 1
            if new_run != old_run:
                return None
            if d > 0:
                base = strides[d - 1]
                old_run = new_run = 1
    return out if nd == -1 else None


class Val:
    """One value of the JIT graph: an input or a node, and its layout."""

    __slots__ = ("node", "dtype", "shape", "strides", "offset")

    def __init__(self, node, dtype, shape, strides, offset):
        self.node = node  # the node entry computing it; None for an input
        self.dtype = dtype
        self.shape = list(shape)
        self.strides = list(strides)
        self.offset = offset

    def layout(self):
        return (self.dtype, self.shape, self.strides, self.offset)

    def __repr__(self):
        return f"Val({self.dtype}, {self.shape})"


def layout_of(t):
    """A tensor's (or fake tensor's) layout."""
    return (t.dtype, list(t.shape), list(t.stride()), t.storage_offset())


class _Node:
    __slots__ = ("kind", "name", "ints", "value", "args", "out", "viewed", "seq")

    def __init__(self, kind, name, ints, value, args, out, seq):
        self.kind, self.name, self.ints, self.value, self.args, self.out = kind, name, ints, value, args, out
        self.seq = seq
        # Some view reads this value through its layout, which is then fixed.
        self.viewed = False


class JitGraph:
    """Inputs may be added at any time (a lowering meets them as it goes); `compile` numbers
    them first, as the native side wants. `mark`/`rollback` undo a lowering that failed."""

    def __init__(self):
        self.inputs = []
        self.nodes = []
        self.outputs = []

    def mark(self):
        return (len(self.inputs), len(self.nodes))

    def rollback(self, mark):
        del self.inputs[mark[0]:]
        del self.nodes[mark[1]:]

    def input(self, layout):
        if layout[0] not in KERNEL_DTYPES:
            raise Unsupported(f"{layout[0]} inputs")
        v = Val(None, *layout)
        self.inputs.append(v)
        return v

    def node(self, kind, name, args, layout, ints=(), value=0.0):
        if layout[0] not in KERNEL_DTYPES:
            raise Unsupported(f"{layout[0]} values")
        n = _Node(kind, name, list(ints), float(value), list(args), None, len(self.nodes))
        v = Val(n, *layout)
        n.out = v
        self.nodes.append(n)
        return v

    def spec(self):
        """The graph as `torch._C._jit_compile` takes it."""
        number = {id(v): i for i, v in enumerate(self.inputs)}
        for k, n in enumerate(self.nodes):
            number[id(n.out)] = len(self.inputs) + k
        inputs = [v.layout() for v in self.inputs]
        nodes = [(n.kind, n.name, n.ints, n.value, [number[id(a)] for a in n.args], *n.out.layout())
                 for n in self.nodes]
        return inputs, nodes, [number[id(v)] for v in self.outputs]

    def compile(self, target="host", sym_leading=None):
        """The native program; `sym_leading`: the inputs whose leading size is symbolic (the
        program then runs for any size there)."""
        if sym_leading:
            return _C._jit_compile(*self.spec(), target, list(sym_leading))
        return _C._jit_compile(*self.spec(), target)

    # Computed values, laid out contiguously unless `layout` says otherwise.

    def _computed(self, kind, name, args, dtype, shape, layout=None, ints=(), value=0.0):
        if layout is None:
            layout = (dtype, shape, contiguous_strides(shape), 0)
        elif layout[0] != dtype or list(layout[1]) != list(shape):
            raise Unsupported(f"{kind} {name}: eager's value is {layout[0]}{list(layout[1])}, "
                              f"the lowering's {dtype}{list(shape)}")
        return self.node(kind, name, args, layout, ints, value)

    def scalar(self, value, dtype):
        return self._computed("scalar", "", [], dtype, [], value=value)

    def cast(self, x, dtype, layout=None):
        if x.dtype == dtype and layout is None:
            return x
        return self._computed("cast", "", [x], dtype, x.shape, layout)

    def unary(self, name, x, layout=None):
        return self._computed("unary", name, [x], x.dtype, x.shape, layout)

    def binary(self, name, a, b, dtype=None, layout=None):
        """`a` and `b` must already share a dtype; `dtype` is the result's (default theirs)."""
        if a.dtype != b.dtype:
            raise AssertionError(f"binary {name} on {a.dtype} and {b.dtype}")
        shape = broadcast_shapes(a.shape, b.shape)
        return self._computed("binary", name, [a, b], dtype or a.dtype, shape, layout)

    def where(self, cond, a, b, layout=None):
        shape = broadcast_shapes(cond.shape, a.shape, b.shape)
        return self._computed("where", "", [cond, a, b], a.dtype, shape, layout)

    def reduce(self, name, x, dims, keepdim, layout=None):
        nd = len(x.shape)
        dims = sorted({d % nd for d in dims}) if nd else []
        if keepdim:
            shape = [1 if d in dims else n for d, n in enumerate(x.shape)]
        else:
            shape = [n for d, n in enumerate(x.shape) if d not in dims]
        if not dims:
            # Nothing reduced (a 0-dim input): a copy.
            return self._computed("cast", "", [x], x.dtype, shape, layout)
        return self._computed("reduce", name, [x], x.dtype, shape, layout, ints=dims)

    def matmul(self, a, b, layout=None):
        shape = [a.shape[0], b.shape[1]] if len(a.shape) == 2 else [a.shape[0], a.shape[1], b.shape[2]]
        return self._computed("matmul", "", [a, b], a.dtype, shape, layout)

    # Views: the layout is the base's storage seen through the view.

    def relayout(self, v, layout, since=0):
        """`v` with eager's `layout`: a value computed by node `since` or later and not yet
        viewed just takes it; any other value is copied into it."""
        dtype, shape, strides, offset = layout
        if v.dtype != dtype or v.shape != list(shape):
            raise Unsupported(f"the lowering made {v.dtype}{v.shape}, eager makes {dtype}{list(shape)}")
        if v.strides == list(strides) and v.offset == offset:
            return v
        if v.node is not None and v.node.kind != "view" and not v.node.viewed and v.node.seq >= since:
            v.strides, v.offset = list(strides), offset
            return v
        return self.cast(v, dtype, layout)

    def _view(self, name, x, shape, strides, offset, ints=()):
        if x.node is not None:
            x.node.viewed = True
        return self.node("view", name, [x], (x.dtype, shape, strides, offset), ints)

    def permute(self, x, dims):
        nd = len(x.shape)
        dims = [d % nd for d in dims] if nd else []
        if dims == list(range(nd)):
            return x
        return self._view("permute", x, [x.shape[d] for d in dims], [x.strides[d] for d in dims], x.offset, dims)

    def expand(self, x, shape):
        shape = list(shape)
        lead = len(shape) - len(x.shape)
        if lead < 0:
            raise Unsupported("expand to fewer dims")
        out_shape, strides = [], []
        for d, n in enumerate(shape):
            k = d - lead
            if k < 0:
                out_shape.append(n)
                strides.append(0)
            elif n == -1 or n == x.shape[k]:
                out_shape.append(x.shape[k])
                strides.append(x.strides[k])
            elif x.shape[k] == 1:
                out_shape.append(n)
                strides.append(0)
            else:
                raise Unsupported(f"expand {x.shape} to {shape}")
        if out_shape == x.shape:
            return x
        return self._view("expand", x, out_shape, strides, x.offset)

    def reshape(self, x, shape, copy_ok=True):
        shape = list(shape)
        if -1 in shape:
            k = shape.index(-1)
            rest = numel(shape[:k] + shape[k + 1:])
            shape[k] = numel(x.shape) // rest if rest else 0
        if numel(shape) != numel(x.shape):
            raise Unsupported(f"reshape {x.shape} to {shape}")
        if shape == x.shape:
            return x
        strides = view_strides(x.shape, x.strides, shape)
        if strides is None:
            if not copy_ok:
                raise Unsupported(f"view of {x.shape} strides {x.strides} as {shape}")
            x = self.cast(x, x.dtype, (x.dtype, x.shape, contiguous_strides(x.shape), 0))
            strides = contiguous_strides(shape)
        return self._view("reshape", x, shape, strides, x.offset)

    def select(self, x, dim, index):
        nd = len(x.shape)
        dim %= nd
        index = index + x.shape[dim] if index < 0 else index
        if not 0 <= index < x.shape[dim]:
            raise Unsupported("select index out of range")
        return self._view("select", x, x.shape[:dim] + x.shape[dim + 1:], x.strides[:dim] + x.strides[dim + 1:],
                          x.offset + index * x.strides[dim], (dim, index))

    def slice(self, x, dim, start, end, step):
        nd = len(x.shape)
        dim %= nd
        n = x.shape[dim]
        start = 0 if start is None else start
        end = n if end is None else end
        start = max(0, min(n, start + n if start < 0 else start))
        end = max(start, min(n, end + n if end < 0 else end))
        if step < 1:
            raise Unsupported("slice step")
        size = (end - start + step - 1) // step
        if start == 0 and size == n and step == 1:
            return x
        shape = list(x.shape)
        shape[dim] = size
        strides = list(x.strides)
        strides[dim] = x.strides[dim] * step
        return self._view("slice", x, shape, strides, x.offset + (start * x.strides[dim] if size else 0),
                          (dim, start if size else 0, step))

    def as_strided(self, x, shape, strides, offset):
        return self._view("as_strided", x, list(shape), list(strides), offset)
