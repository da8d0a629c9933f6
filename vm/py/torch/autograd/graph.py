"""The autograd graph: one `Node` per differentiable op run with grad mode on, linked to the
nodes that made its inputs (`next_functions`). Leaves end in `AccumulateGrad` nodes that add
into `.grad`. Formulas live in `torch.autograd._derivatives`; `torch.autograd.engine` runs the
graph backwards."""

import itertools
import types

from torch import _C, _prims

# AccumulateGrad runs as soon as it is ready, before anything created later (PyTorch gives it
# the highest priority).
_ACCUMULATE_FIRST = 1 << 62

RELEASED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed when "
    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# What a node without hooks reads for its hook tables: shared and read-only, so making a node
# (once per op in grad mode) allocates no dicts; the first hook gives the node its own.
_NONE = types.MappingProxyType({})


class Node:
    """A backward function. `_inputs_meta[i]` is (shape, dtype) of the i-th differentiable input,
    so gradients can be summed back over broadcast dims and cast to the input's dtype."""

    _pre_hooks = _NONE
    _post_hooks = _NONE
    # Hooks of non-leaf tensors this node produced, by output number.
    _tensor_pre_hooks = _NONE
    _retained = _NONE

    def __init__(self, name, edges, inputs_meta, outputs_meta):
        self._name = name
        self.next_functions = tuple(edges)
        self._inputs_meta = inputs_meta
        self._outputs_meta = outputs_meta
        self._sequence_nr = _C._next_sequence_nr()

    def _own(self, table):
        """This node's own dict for hook table `table` (made on first use)."""
        d = self.__dict__.get(table)
        if d is None:
            d = {}
            setattr(self, table, d)
        return d

    @property
    def metadata(self):
        return self._own("_metadata")

    def name(self):
        return self._name

    def __repr__(self):
        # As PyTorch's C++ nodes print: the class name, no namespace.
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def register_hook(self, fn):
        handle = RemovableHandle(self._own("_post_hooks"))
        self._post_hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn):
        handle = RemovableHandle(self._own("_pre_hooks"))
        self._pre_hooks[handle.id] = fn
        return handle

    def _register_tensor_hook(self, output_nr, fn):
        hooks = self._own("_tensor_pre_hooks").setdefault(output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = fn
        return handle

    def apply(self, *grads):
        raise NotImplementedError

    def _release(self):
        pass


class FormulaNode(Node):
    """A node whose backward is a formula over what the forward saved (`ctx`)."""

    def __init__(self, name, edges, inputs_meta, outputs_meta, formula, ctx):
        super().__init__(name, edges, inputs_meta, outputs_meta)
        self._formula = formula
        self._ctx = ctx

    def apply(self, *grads):
        if self._ctx.released:
            raise RuntimeError(RELEASED_MESSAGE)
        if isinstance(self._ctx, SavedContext):
            self._ctx.needs = [fn is not None for fn, _ in self.next_functions]
        return self._formula(self._ctx, grads)

    def _release(self):
        self._ctx.release()


_NODE_CLASSES = {}


def node_class(name):
    """The class a node of this name is an instance of, so `type(t.grad_fn).__name__` reads
    `MulBackward0` as in PyTorch."""
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = type(name, (FormulaNode,), {"__module__": "torch.autograd.graph"})
        _NODE_CLASSES[name] = cls
    return cls


class AccumulateGrad(Node):
    """The end of the graph for a leaf tensor: its gradient goes into `.grad`."""

    def __init__(self, variable):
        super().__init__("torch::autograd::AccumulateGrad", (), [], [(sizes(variable), variable.dtype)])
        self._sequence_nr = _ACCUMULATE_FIRST
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"


# Where gradient for a tensor goes: its grad_fn (and which output of it the tensor is), the
# leaf's AccumulateGrad (made on first use), or nowhere: (None, 0). Native (vm/src/native/autograd/), as is
# recording a node: both run for every op in grad mode.
edge_of = _C._edge_of

# What a forward kept for its backward: the op's arguments (tensors the formula does not read
# replaced by `TensorMeta`), its output, and the version of every kept tensor, checked when the
# backward reads them (`args`, `out`).
SavedContext = _C.SavedContext


def _which(made_by):
    """The op a saved tensor is an output of, as the in-place error names it ("output 0 of
    Exp"; empty for a leaf): `made_by` is (node or node name, output number) or a string."""
    if isinstance(made_by, str):
        return made_by
    fn, nr = made_by
    if fn is None:
        return ""
    return f"output {nr} of {_forward_name(fn if isinstance(fn, str) else fn.name())}"


def _forward_name(node_name):
    """The forward op a node is named after: `ExpBackward0` -> `Exp`."""
    head = node_name.rstrip("0123456789")
    return head[: -len("Backward")] if head.endswith("Backward") else head


def check_version(t, version, which=""):
    """PyTorch's error for a saved tensor written in place after it was saved; `which` names
    the op that produced it ("output 0 of Exp"), empty for leaves."""
    if t._version == version:
        return
    from torch._tensor import _LEGACY_NAMES

    shape = ", ".join(str(s) for s in t._shape)
    which = f", which is {which}," if which else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [torch.{_LEGACY_NAMES[t.dtype]}Tensor [{shape}]]{which} "
        f"is at version {t._version}; expected version {version} instead. Hint: "
        "enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def sizes(t):
    """The sizes derivative formulas compute with: a fake tensor's symbolic sizes while AOT
    autograd traces a graph for varying sizes (so the backward it records is valid for all of
    them), else the concrete ones."""
    s = t._sym_shape
    return t._shape if s is None else s


# Shape and dtype of an argument whose values the backward does not need.
TensorMeta = _C.TensorMeta

_C._autograd_register("node_class", node_class)
_C._autograd_register("AccumulateGrad", AccumulateGrad)
_C._autograd_register("which", _which)
_C._autograd_register("check_version", check_version)
_C._autograd_register("released_message", RELEASED_MESSAGE)
