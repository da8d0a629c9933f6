"""`torch.fx.Node`: one operation of a `Graph`, kept in the graph's doubly linked list.

Each node records what it computes (`op`, `target`, `args`, `kwargs`) and the use/user edges
between nodes: `_input_nodes` (the nodes its arguments mention) and `users` (the nodes whose
arguments mention it). Both are dicts used as ordered sets. Assigning `args`/`kwargs` rebuilds
the edges; the stored containers are read-only copies so nothing can change them behind the
bookkeeping's back.

Qualified names of call targets: an object may carry `_fx_qualified_name` (a string such as
"torch.ops.aten.sum.dim_IntList"); printing and code generation then use that string verbatim.
Otherwise the name is built from `__module__` and `__name__` as PyTorch does, with
"torch._ops" read as "torch.ops".
"""

import builtins
import inspect
import operator as _operator
import types
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import torch
from torch.fx.immutable_collections import immutable_dict, immutable_list, _build_dict

__all__ = ["Node", "map_arg", "map_aggregate", "has_side_effect", "Argument", "Target"]

Target = Union[Callable[..., Any], str]

# The values a node argument may hold (a typing alias, as in PyTorch; only for annotations).
Argument = Optional[Union[Tuple[Any, ...], Sequence[Any], Dict[str, Any], slice, range, "Node", str, int, float, bool, complex]]

_legal_ops = dict.fromkeys(
    ["placeholder", "call_method", "call_module", "call_function", "get_attr", "output", "root"]
)

# Calls dead code elimination must keep even when nothing uses their result.
_side_effectful_functions = {_operator.setitem}
for _name in ("_assert", "_assert_async"):
    if callable(getattr(torch, _name, None)):
        _side_effectful_functions.add(getattr(torch, _name))
del _name

# Random functions advance the generator, so they are never dead code either.
_RANDOM_FUNCTION_NAMES = (
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
    "normal", "poisson", "bernoulli", "multinomial",
)


def _random_functions():
    found = (getattr(torch, n, None) for n in _RANDOM_FUNCTION_NAMES)
    # (During tracing torch's functions are wrapped; `_fx_original` is the function itself.)
    return [getattr(f, "_fx_original", f) for f in found if f is not None]


def has_side_effect(fn):
    """Marks `fn` so that dead code elimination keeps calls to it."""
    _side_effectful_functions.add(fn)
    return fn


def _dtype_abbr(dtype):
    name = str(dtype).rsplit(".", 1)[-1]
    return _DTYPE_ABBRS.get(name, name)


_DTYPE_ABBRS = {
    "bfloat16": "bf16",
    "float64": "f64",
    "float32": "f32",
    "float16": "f16",
    "float8_e4m3fn": "f8e4m3fn",
    "float8_e5m2": "f8e5m2",
    "float8_e4m3fnuz": "f8e4m3fnuz",
    "float8_e5m2fnuz": "f8e5m2fnuz",
    "float8_e8m0fnu": "f8e8m0fnu",
    "float4_e2m1fn_x2": "f4e2m1fnx2",
    "complex32": "c32",
    "complex64": "c64",
    "complex128": "c128",
    "bcomplex32": "bc32",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "bool": "b8",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "bits1x8": "b1x8",
    "bits2x4": "b2x4",
    "bits4x2": "b4x2",
    "bits8": "b8x1",
    "bits16": "b16x1",
}


def _device_annotation(device):
    return str(device)


def _find_module_of_method(fn):
    module = getattr(fn, "__module__", None)
    if module == "_smelt":
        return "torch._C"  # smelt's native module stands for torch._C
    if module is not None:
        return module
    name = fn.__name__
    for guess in (torch, torch.nn.functional):
        if getattr(guess, name, None) is fn:
            return guess.__name__
    raise RuntimeError(f"cannot find module for {fn}")


def _type_repr(obj):
    """A short printable form of a type annotation: `module.Qualname` for classes (bare for
    builtins), the name of a function, `...`, else repr()."""
    if isinstance(obj, type) and not isinstance(obj, types.GenericAlias):
        if obj.__module__ == "builtins":
            return obj.__qualname__
        return f"{obj.__module__}.{obj.__qualname__}"
    if obj is ...:
        return "..."
    if isinstance(obj, types.FunctionType):
        return obj.__name__
    return repr(obj)


def _is_tensor_method(fn, name):
    if getattr(torch.Tensor, name, None) is fn:
        return True
    return (
        getattr(fn, "__module__", None) == "torch._tensor"
        and getattr(fn, "__qualname__", None) == f"Tensor.{name}"
    )


def _get_qualified_name(fn):
    explicit = getattr(fn, "_fx_qualified_name", None)
    if isinstance(explicit, str):
        return explicit
    name = fn.__name__
    if getattr(builtins, name, None) is fn:
        return name
    if _is_tensor_method(fn, name):
        return f"torch.Tensor.{name}"
    if name == "<lambda>":
        try:
            name = inspect.getsource(fn).split("=")[0].strip()
        except Exception as e:
            raise RuntimeError("Unable to represent lambda") from e
    module = _find_module_of_method(fn).replace("torch._ops", "torch.ops")
    return f"{module}.{name}"


def _format_arg(arg, max_list_len=float("inf")):
    """How `Graph.__str__` writes an argument: nodes as `%name`, containers recursively,
    dict keys bare, everything else through str()."""
    if hasattr(arg, "_custom_fx_repr_fn"):
        return arg._custom_fx_repr_fn()
    if isinstance(arg, list):
        shown = ", ".join(_format_arg(a) for i, a in enumerate(arg) if i < max_list_len)
        more = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        return f"[{shown}{more}]"
    if isinstance(arg, tuple):
        shown = ", ".join(_format_arg(a) for i, a in enumerate(arg) if i < max_list_len)
        more = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        comma = "," if len(arg) == 1 else ""
        return f"({shown}{comma}{more})"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    if isinstance(arg, torch.device):
        return _device_annotation(arg)
    return str(arg)


def _stringify_shape(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


class Node:
    """One operation of a `Graph`. `op` says what kind:

    - ``placeholder``: a function input; `target` is the parameter name, `args` optionally
      holds its default value.
    - ``get_attr``: fetches `target` (a dotted path) from the module hierarchy.
    - ``call_function``: calls the callable `target` with `args`/`kwargs`.
    - ``call_module``: calls the submodule at path `target` (without a self argument).
    - ``call_method``: calls method `target` on `args[0]`.
    - ``output``: the returned value, `args[0]`.
    """

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        if op == "call_function":
            if not callable(target):
                raise ValueError(
                    f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                    f"{torch.typename(target)} but a Callable is expected"
                )
        else:
            if op not in _legal_ops:
                raise AssertionError(f"op '{op}' is not in _legal_ops")
            if not isinstance(target, str):
                raise ValueError(
                    f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                    f"{torch.typename(target)} but a str is expected"
                )
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self.type = return_type
        self._input_nodes = {}
        self.users = {}
        self._prev = self
        self._next = self
        self._erased = False
        self._repr_fn = None
        self.meta = {}
        self._args = ()
        self._kwargs = immutable_dict()
        self._update_args_kwargs(args, kwargs)

    # --- list links -------------------------------------------------------------------------
    @property
    def next(self):
        """The node after this one in the graph (the graph's root sentinel after the last)."""
        return self._next

    @property
    def prev(self):
        """The node before this one in the graph (the graph's root sentinel before the first)."""
        return self._prev

    def prepend(self, x):
        """Moves (or inserts) `x` to sit just before this node."""
        self._prepend(x)

    def append(self, x):
        """Moves (or inserts) `x` to sit just after this node."""
        self._next._prepend(x)

    def _prepend(self, x):
        if x is self:
            # Nothing to move (PyTorch notes it at debug level only).
            return
        x._remove_from_list()
        before = self._prev
        before._next = x
        x._prev = before
        x._next = self
        self._prev = x
        self.graph._order_changed()

    def _remove_from_list(self):
        before, after = self._prev, self._next
        before._next = after
        after._prev = before

    def _position(self):
        return self.graph._node_positions().get(self, -1)

    def __lt__(self, other):
        return self._position() < other._position()

    def __gt__(self, other):
        return self._position() > other._position()

    def __le__(self, other):
        return self is other or self._position() < other._position()

    def __ge__(self, other):
        return self is other or self._position() > other._position()

    __hash__ = object.__hash__

    # --- arguments and uses ---------------------------------------------------------------------
    @property
    def args(self):
        """The positional arguments. Assigning a new tuple updates uses and users."""
        return self._args

    @args.setter
    def args(self, a):
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self):
        """The keyword arguments. Assigning a new dict updates uses and users."""
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self):
        """The distinct nodes mentioned in `args` then `kwargs`, in order of first mention."""
        return list(self._input_nodes)

    def _update_args_kwargs(self, new_args, new_kwargs):
        self._args = map_aggregate(new_args, _same)
        self._kwargs = map_aggregate(new_kwargs, _same)
        for old in self._input_nodes:
            old.users.pop(self, None)
        inputs = {}
        map_arg(self._args, inputs.setdefault)
        map_arg(self._kwargs, inputs.setdefault)
        self._input_nodes = inputs
        for new in inputs:
            new.users.setdefault(self)

    def update_arg(self, idx, arg):
        """Replaces `args[idx]` with `arg`."""
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx, arg):
        """Inserts `arg` into `args` before position `idx`."""
        if not 0 <= idx <= len(self.args):
            raise AssertionError(f"insert_args index must be between 0 and len(self.args), got {idx}")
        self.args = self.args[:idx] + (arg,) + self.args[idx:]

    def update_kwarg(self, key, arg):
        """Sets `kwargs[key]` to `arg`."""
        self.kwargs = {**self.kwargs, key: arg}

    def replace_all_uses_with(self, replace_with, delete_user_cb=None, *, propagate_meta=False):
        """Makes every user of this node use `replace_with` instead; returns the users changed.
        `delete_user_cb(user)` returning False leaves that user alone."""
        if propagate_meta:
            if len(replace_with.meta) != 0:
                raise AssertionError(
                    "Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                    "but replace_with already has .meta keys"
                )
            replace_with.meta.update(self.meta)
        changed = []
        for user in list(self.users):
            if delete_user_cb is not None and not delete_user_cb(user):
                continue
            changed.append(user)
            user._replace_input_with(self, replace_with)
        return changed

    def replace_input_with(self, old_input, new_input):
        """Replaces every mention of `old_input` in this node's arguments with `new_input`."""
        self._replace_input_with(old_input, new_input)

    def _replace_input_with(self, old_input, new_input):
        def swap(n):
            return new_input if n is old_input else n

        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    def _rename(self, candidate):
        if candidate == self.name:
            return
        name = self.graph._graph_namespace.create_name(candidate, None)
        self.name = name
        self.graph._graph_namespace._rename_object(self, name)

    # --- metadata -------------------------------------------------------------------------------
    @property
    def stack_trace(self):
        """The stack trace recorded when the node was made (`meta['stack_trace']`), if any."""
        return self.meta.get("stack_trace", None)

    @stack_trace.setter
    def stack_trace(self, trace):
        self.meta["stack_trace"] = trace

    def is_impure(self, impure_random=True):
        """Whether dead code elimination must keep this node even without users."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            target = self.target
            if impure_random and getattr(target, "_nondeterministic_seeded", False):
                return True
            if any(target is f for f in _random_functions()):
                return True
            schema = getattr(target, "_schema", None)
            if schema is not None and getattr(schema, "is_mutable", False):
                return True
            if str(target) == "aten._assert_scalar.default":
                return True  # a runtime assertion: its effect is the error it may raise
            try:
                return target in _side_effectful_functions
            except TypeError:  # unhashable target
                return False
        if self.op == "call_module":
            owner = self.graph.owning_module
            if owner is None:
                raise AssertionError("self.graph.owning_module not set for purity check")
            return getattr(owner.get_submodule(self.target), "_is_impure", False)
        return False

    # --- printing -------------------------------------------------------------------------------
    def __repr__(self):
        if self._repr_fn:
            return self._repr_fn(self)
        return self.name

    @staticmethod
    def _pretty_print_target(target):
        if isinstance(target, str):
            return target
        if hasattr(target, "__module__"):
            name = getattr(target, "__name__", None)
            if name is None:
                return _get_qualified_name(target)
            if target.__module__ == "builtins":
                return f"builtins.{name}"
            if target.__module__ == "_operator":
                return f"operator.{name}"
        return _get_qualified_name(target)

    def format_node(self, placeholder_names=None, maybe_return_typename=None, *, include_tensor_metadata=False):
        """One line describing this node, as in `print(graph)`."""
        users = f"[num_users={len(self.users)}]"
        if self.op == "placeholder":
            arg_str = self.target
            # (PyTorch doubles the name here when the placeholder is typed; kept for fidelity.)
            arg_str += arg_str + f": {_type_repr(self.type)}" if self.type else ""
            if placeholder_names:
                placeholder_names.append(arg_str)
                return None
            typename = f"{_type_repr(self.type)} " if self.type else ""
            default = "(default=" + str(self.args[0]) + ")" if self.args else ""
            return f"%{self.name} : {typename}{users} = {self.op}[target={self.target}]{default}"
        if self.op == "get_attr":
            typename = f"{_type_repr(self.type)} " if self.type is not None else ""
            return f"%{self.name} : {typename}{users} = {self.op}[target={self._pretty_print_target(self.target)}]"
        if self.op == "output":
            if self.type and maybe_return_typename:
                maybe_return_typename[0] = f" -> {_type_repr(self.type)}"
            return f"return {self.args[0]}"
        val = self.meta.get("val", self.meta.get("tensor_meta", self.meta.get("example_value", None)))
        if include_tensor_metadata and isinstance(val, torch.Tensor):
            annotation = (
                f'Tensor "{_dtype_abbr(val.dtype)}{_stringify_shape(val.shape)}'
                f'{_stringify_shape(val.stride())}{_device_annotation(val.device)}"'
            )
        else:
            annotation = f"{_type_repr(self.type)} " if self.type is not None else ""
        return (
            f"%{self.name} : {annotation}{users} = {self.op}[target={self._pretty_print_target(self.target)}]("
            f"args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})"
        )


def _same(x):
    return x


def map_aggregate(a, fn):
    """Applies `fn` to every leaf of `a`, rebuilding tuples (named tuples keep their type),
    lists, dicts and slices around the results. Lists and dicts come back read-only."""
    if isinstance(a, tuple):
        items = tuple(map_aggregate(e, fn) for e in a)
        return type(a)(*items) if hasattr(a, "_fields") else items
    if isinstance(a, list):
        return immutable_list([map_aggregate(e, fn) for e in a])
    if isinstance(a, dict):
        return _build_dict((k, map_aggregate(v, fn)) for k, v in a.items())
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn):
    """Applies `fn` to every `Node` inside `a` (tuples, lists, dicts, slices, nested),
    leaving other values as they are."""
    if not callable(fn):
        raise AssertionError("torch.fx.map_arg(a, fn): fn must be a callable")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)
