"""`torch.fx.Graph`: an ordered list of `Node`s plus the Python code generator for it.

Nodes live in a circular doubly linked list closed by a sentinel node (op "root"); new nodes go
in at the current insertion point (before the sentinel unless `inserting_before/after` moved
it). Node names come from a `_Namespace`, which keeps them unique, legal as identifiers, and
clear of Python builtins and keywords. Code generation (`python_code`) uses a fresh namespace
that also holds the generated function's globals, so locals and globals never collide.
"""

import builtins
import copy
import enum
import inspect
import keyword
import math
import os
import re
import types
import typing
import warnings
from contextlib import contextmanager

import torch
from torch.fx.node import (
    Node,
    map_arg,
    _device_annotation,
    _dtype_abbr,
    _get_qualified_name,
    _stringify_shape,
    _type_repr,
)

__all__ = ["PythonCode", "CodeGen", "Graph"]

_legal_ops = dict.fromkeys(["call_function", "call_method", "get_attr", "call_module", "placeholder", "output"])

# Names a generated identifier may not take: keywords and builtins (unless the object named
# really is that builtin), plus the globals every generated function gets.
_illegal_names = {k: object() for k in keyword.kwlist}
_illegal_names.update(builtins.__dict__)


class _CustomBuiltin:
    def __init__(self, import_str, obj):
        self.import_str = import_str
        self.obj = obj

    def __iter__(self):
        return iter((self.import_str, self.obj))


_custom_builtins = {}


def _register_custom_builtin(name, import_str, obj):
    _custom_builtins[name] = _CustomBuiltin(import_str, obj)
    _illegal_names[name] = obj


def _reserved(module_name):
    # Stands in for PyTorch's pytree helper modules, which smelt lacks: their global names are
    # still taken in generated code, so node names avoid them exactly as in PyTorch.
    return types.ModuleType(module_name)


_register_custom_builtin("inf", "from math import inf", math.inf)
_register_custom_builtin("nan", "from math import nan", math.nan)
_register_custom_builtin("NoneType", "NoneType = type(None)", type(None))
_register_custom_builtin("torch", "import torch", torch)
_register_custom_builtin("device", "from torch import device", torch.device)
_register_custom_builtin("fx_pytree", "import torch.fx._pytree as fx_pytree", _reserved("torch.fx._pytree"))
_register_custom_builtin("pytree", "import torch.utils._pytree as pytree", _reserved("torch.utils._pytree"))


def _is_magic(name):
    return name.startswith("__") and name.endswith("__")


_lower_then_upper = re.compile(r"(?<=[a-z])([A-Z])")


def _snake_case(s):
    """`pascalCase` -> `pascal_case`, `ALL_CAPS` -> `all_caps`."""
    return _lower_then_upper.sub(r"_\1", s).lower()


_illegal_char_regex = re.compile("[^0-9a-zA-Z_]+")
# An identifier, split into a base and an optional `_<digits>` suffix.
_name_regex = re.compile(r"^([a-zA-Z_][0-9a-zA-Z_]*?)(?:_(\d+))?$")
_torch_but_not_dynamo = re.compile(r"^torch(?:\.(?!_dynamo\.|_inductor\.)[^.]+)*$")


def _is_from_torch(obj):
    if isinstance(getattr(obj, "_fx_qualified_name", None), str):
        return True
    module = getattr(obj, "__module__", None)
    if module == "_smelt":
        return True  # smelt's native module is torch._C
    if module is not None:
        return _torch_but_not_dynamo.fullmatch(module) is not None
    name = getattr(obj, "__name__", None)
    if name is not None and name != "torch":
        for guess in (torch, torch.nn.functional):
            if getattr(guess, name, None) is obj:
                return True
    return False


class _Namespace:
    """Hands out unique identifiers. An object asking again gets its earlier name; a name
    never shadows a builtin or keyword unless the object is that very builtin."""

    def __init__(self):
        self._obj_to_name = {}
        self._used_names = set()
        self._base_count = {}

    def create_name(self, candidate, obj):
        if obj is not None and obj in self._obj_to_name:
            return self._obj_to_name[obj]
        match = _name_regex.match(candidate)
        if match is None:
            candidate = _illegal_char_regex.sub("_", candidate)
            if not candidate:
                candidate = "_unnamed"
            if candidate[0].isdigit():
                candidate = f"_{candidate}"
            match = _name_regex.match(candidate)
            if match is None:
                raise AssertionError(f"Name regex failed to match candidate: {candidate}")
        base, num = match.group(1, 2)
        if num is None or candidate in self._used_names:
            num = self._base_count.get(base, 0)
            if _illegal_names.get(candidate, obj) is not obj:
                num += 1
                candidate = f"{base}_{num}"
        else:
            num = int(num)
        while candidate in self._used_names:
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[obj] = candidate
        return candidate

    def associate_name_with_obj(self, name, obj):
        existing = self._obj_to_name.setdefault(obj, name)
        if existing is not name:
            raise AssertionError("obj is already associated")

    def _rename_object(self, obj, name):
        if obj not in self._obj_to_name:
            raise AssertionError(f"Object {obj} is not in _obj_to_name")
        self._obj_to_name[obj] = name
        self._used_names.add(name)


class PythonCode:
    """The generated source of a graph's function (`src`) and the globals it runs with."""

    def __init__(self, src, globals, _lineno_map=None, _prologue_start=0):
        self.src = src
        self.globals = globals
        self._lineno_map = _lineno_map
        self._prologue_start = _prologue_start

    def __repr__(self):
        return f"PythonCode(src={self.src!r}, globals={self.globals!r})"


def _format_target(base, target):
    """`base.a.b` for target "a.b", with `getattr(base, "0")` for parts that are not identifiers."""
    result = base
    for part in target.split("."):
        if not part.isidentifier():
            result = f'getattr({result}, "{part}")'
        else:
            result = f"{result}.{part}"
    return result


class _InsertPoint:
    def __init__(self, graph, new_insert):
        self.graph = graph
        self.orig_insert = graph._insert
        graph._insert = new_insert

    def __enter__(self):
        pass

    def __exit__(self, type, value, tb):
        self.graph._insert = self.orig_insert


def _iter_nodes(root, backwards):
    # Erased nodes keep their links, so iteration survives erasing the current node.
    cur = root._prev if backwards else root._next
    while cur is not root:
        if not cur._erased:
            yield cur
        cur = cur._prev if backwards else cur._next


class _node_list:
    def __init__(self, graph, direction="_next"):
        if direction not in ("_next", "_prev"):
            raise AssertionError(f"direction must be '_next' or '_prev', got {direction}")
        self.graph = graph
        self.direction = direction

    def __len__(self):
        return self.graph._len

    def __iter__(self):
        return _iter_nodes(self.graph._root, self.direction == "_prev")

    def __reversed__(self):
        return _iter_nodes(self.graph._root, self.direction == "_next")


class _ParsedStackTrace:
    def __init__(self, file, lineno, name, code):
        self.file = file
        self.lineno = lineno
        self.name = name
        self.code = code

    def get_summary_str(self):
        return f"File: {self.file}:{self.lineno} in {self.name}, code: {self.code}"


_frame_line = re.compile(r"^File \"(.+)\", line (\d+), in (.+)$")


def _parse_stack_trace(stack_trace, filter_fn=None):
    """The innermost `File "...", line N, in f` frame of a formatted stack trace."""
    if stack_trace is None:
        return None
    lines = stack_trace.strip().split("\n")
    for idx in range(len(lines) - 2, -1, -1):
        m = _frame_line.match(lines[idx].strip())
        if m:
            file, lineno, name = m.group(1), m.group(2), m.group(3)
            code = lines[idx + 1].strip()
            if filter_fn and not filter_fn(file, name, code):
                continue
            return _ParsedStackTrace(file, lineno, name, code)
    return None


_counter_regexp = re.compile(r"# COUNTER: (\d+)")


def _identity(s):
    return s


def _make_color_fn(code):
    def color(s):
        return f"{code}{s}\033[0m"

    return color


_color_fns = {
    k: _make_color_fn(v)
    for k, v in {
        "yellow": "\033[33m",
        "cyan": "\033[36m",
        "green": "\033[32m",
        "blue": "\033[34m",
        "red": "\033[31m",
        "dim": "\033[2m",
        "dim_blue": "\033[2m\033[34m",
        "dim_green": "\033[2m\033[32m",
    }.items()
}

reflectable_magic_methods = {
    "add": "{} + {}",
    "sub": "{} - {}",
    "mul": "{} * {}",
    "floordiv": "{} // {}",
    "truediv": "{} / {}",
    "div": "{} / {}",
    "mod": "{} % {}",
    "pow": "{} ** {}",
    "lshift": "{} << {}",
    "rshift": "{} >> {}",
    "and_": "{} & {}",
    "or_": "{} | {}",
    "xor": "{} ^ {}",
    "getitem": "{}[{}]",
    "matmul": "{} @ {}",
}

magic_methods = dict(
    {
        "eq": "{} == {}",
        "ne": "{} != {}",
        "lt": "{} < {}",
        "gt": "{} > {}",
        "le": "{} <= {}",
        "ge": "{} >= {}",
        "pos": "+{}",
        "neg": "-{}",
        "invert": "~{}",
    },
    **reflectable_magic_methods,
)

inplace_methods = {
    "iadd": "{} += {}",
    "iand": "{} &= {}",
    "ifloordiv": "{} //= {}",
    "ilshift": "{} <<= {}",
    "imod": "{} %= {}",
    "imul": "{} *= {}",
    "imatmul": "{} @= {}",
    "ior": "{} |= {}",
    "ipow": "{} **= {}",
    "irshift": "{} >>= {}",
    "isub": "{} -= {}",
    "itruediv": "{} /= {}",
    "ixor": "{} ^= {}",
    "setitem": "{}[{}] = {}",
}


def _sym_types():
    return tuple(t for t in (getattr(torch, n, None) for n in ("SymInt", "SymFloat", "SymBool")) if isinstance(t, type))


def _is_plain_tensor(t):
    if type(t) is torch.Tensor:
        return True
    return any(c.__name__ == "FakeTensor" for c in type(t).__mro__)


def _has_qualified_name(obj):
    return isinstance(getattr(obj, "_fx_qualified_name", None), str)


class CodeGen:
    """Turns a node list into the source of a Python function (`forward` by default)."""

    _sym_repr = staticmethod(repr)

    def __init__(self):
        self._body_transformer = None
        self._func_name = "forward"

    def gen_fn_def(self, free_vars, maybe_return_annotation, *, expanded_def=False):
        if len(free_vars) == 0 or free_vars[0] != "self":
            free_vars.insert(0, "self")
        if expanded_def:
            args = "".join(self._format_single_arg(a) for a in free_vars)
            return f"def {self._func_name}(\n{args}){maybe_return_annotation}:"
        return f"def {self._func_name}({', '.join(free_vars)}){maybe_return_annotation}:"

    def _format_single_arg(self, arg):
        if "#" in arg:
            arg_part, comment = arg.split("#", 1)
            return f"    {arg_part.rstrip()},  # {comment.lstrip()}\n"
        return f"    {arg},\n"

    def generate_output(self, output_args, *, descs=None, repr_fn=None):
        if repr_fn is None:
            repr_fn = repr
        if descs is not None and isinstance(output_args, (list, tuple)):
            ldelim, rdelim = ("(", ")") if isinstance(output_args, tuple) else ("[", "]")
            items = "".join(f"    {repr_fn(item)},  # {desc}\n" for item, desc in zip(output_args, descs))
            return f"return {ldelim}\n{items}{rdelim}"
        return f"return {repr_fn(output_args)}"

    def process_inputs(self, *args):
        return args

    def process_outputs(self, outputs):
        return outputs

    def additional_globals(self):
        return []

    def _gen_python_code(
        self,
        nodes,
        root_module,
        namespace,
        *,
        verbose=False,
        include_stride=False,
        include_device=False,
        colored=False,
        expanded_def=False,
        record_func=False,
        additional_meta=None,
    ):
        free_vars = []
        body = []
        globals_ = {}
        wrapped_fns = {}
        return_annotation = [""]
        include_stride = include_stride or os.environ.get("FX_GRAPH_SHOW_STRIDE", "0") == "1"
        include_device = include_device or os.environ.get("FX_GRAPH_SHOW_DEVICE", "0") == "1"

        def add_global(name_hint, obj):
            # An object naming itself through `_fx_qualified_name` (aten operator overloads:
            # "torch.ops.aten.sum.dim_IntList") is written as exactly that dotted path.
            if _has_qualified_name(obj):
                return obj._fx_qualified_name
            if _is_from_torch(obj) and obj != torch.device:
                # Torch objects are written by their full dotted path through the `torch` global.
                return _get_qualified_name(obj)
            name = namespace.create_name(name_hint, obj)
            if name in globals_:
                if globals_[name] is not obj and globals_[name] != obj:
                    raise AssertionError(f"Global name {name} already assigned to different object")
                return name
            globals_[name] = obj
            return name

        for name, (_, obj) in _custom_builtins.items():
            add_global(name, obj)

        def type_repr(o):
            if o == ():
                return "()"
            typename = _type_repr(o)
            union_type = getattr(types, "UnionType", None)
            if union_type is not None and isinstance(o, union_type) and "|" in typename:
                origin_name = add_global(_type_repr(typing.Union), typing.Union)
                return f"{origin_name}[{','.join(type_repr(a) for a in typing.get_args(o))}]"
            origin = getattr(o, "__origin__", None)
            if origin:
                generic_alias = getattr(typing, "_GenericAlias", None)
                if generic_alias is not None and isinstance(o, generic_alias):
                    origin = _typing_origins.get(origin, origin)
                origin_name = add_global(_type_repr(origin), origin)
                type_args = typing.get_args(o)
                if type_args:
                    return f"{origin_name}[{','.join(type_repr(a) for a in type_args)}]"
                return origin_name
            return add_global(typename, o)

        if colored:
            red, dim, dim_blue, dim_green, blue = (
                _color_fns["red"],
                _color_fns["dim"],
                _color_fns["dim_blue"],
                _color_fns["dim_green"],
                _color_fns["blue"],
            )
        else:
            red = dim = dim_blue = dim_green = blue = _identity

        def get_repr(arg):
            if isinstance(arg, Node):
                return repr(arg)
            if isinstance(arg, tuple) and hasattr(arg, "_fields"):
                cls = type(arg)
                name = add_global(_get_qualified_name(cls), cls)
                return f"{name}{repr(tuple(arg))}"
            if _has_qualified_name(arg):
                return add_global(arg._fx_qualified_name, arg)
            if isinstance(arg, enum.Enum):
                cls = arg.__class__
                return f"{add_global(cls.__name__, cls)}.{arg.name}"
            if isinstance(arg, complex):
                if arg.real == 0.0 or arg.imag == 0.0 or not math.isfinite(arg.real) or not math.isfinite(arg.imag):
                    return f"complex({get_repr(arg.real)}, {get_repr(arg.imag)})"
                return blue(repr(arg))
            if isinstance(arg, torch.Tensor):
                dtype = str(arg.dtype).split(".")[-1]
                return f"torch.Tensor(size={list(arg.size())}, dtype={dtype})"
            if isinstance(arg, tuple):
                if len(arg) == 1:
                    return f"({get_repr(arg[0])},)"
                return "(" + ", ".join(get_repr(a) for a in arg) + ")"
            if isinstance(arg, list):
                return "[" + ", ".join(get_repr(a) for a in arg) + "]"
            if isinstance(arg, slice):
                return f"slice({get_repr(arg.start)}, {get_repr(arg.stop)}, {get_repr(arg.step)})"
            return blue(repr(arg))

        def format_args(args, kwargs):
            parts = [get_repr(a) for a in args]
            parts.extend(f"{k} = {get_repr(v)}" for k, v in kwargs.items())
            return ", ".join(parts)

        # Each value is freed (`x = None`) right after the node that uses it last.
        node_to_last_use = {}
        user_to_last_uses = {}
        for node in reversed(nodes):
            for input_node in node._input_nodes:
                if input_node not in node_to_last_use:
                    node_to_last_use[input_node] = node
                    user_to_last_uses.setdefault(node, []).append(input_node)

        def delete_unused_values(user):
            if user.op == "placeholder":
                return
            if user.op == "output":
                body.append("\n")
                return
            to_delete = list(user_to_last_uses.get(user, []))
            if len(user.users) == 0:
                to_delete.append(user)
            if to_delete:
                body.append(f";  {dim(' = '.join([repr(n) for n in to_delete] + ['None']))}\n")
            else:
                body.append("\n")

        prev_summary = [None]

        def append_stacktrace_summary(node):
            if node.op in ("placeholder", "output"):
                return
            extra = ""
            if additional_meta:
                parts = [f"{key}: {node.meta[key]}" for key in additional_meta if key in node.meta]
                if parts:
                    extra = f"# {', '.join(parts)} "
            annotation_str = ""
            custom = node.meta.get("custom", {})
            if custom:
                shown = {}
                for key, value in custom.items():
                    text = str(value)
                    shown[key] = text[:40] + "..." if len(text) > 40 else value
                annotation_str = f" Annotation: {shown}"
            trace_str = "No stacktrace found for following nodes"
            stack_trace = node.stack_trace
            if stack_trace:
                parsed = _parse_stack_trace(stack_trace)
                if parsed:
                    trace_str = parsed.get_summary_str()
                    if node.meta.get("autograd_backward", False):
                        trace_str = f"Backward of forward node: {trace_str}"
            recompute_info = ""
            recompute = node.meta.get("recompute", None)
            ac_graph_id = node.meta.get("ac_graph_id", None)
            if recompute is not None and ac_graph_id is not None:
                recompute_info = f" ac_graph_id: {ac_graph_id} - {recompute.name}"
            elif recompute is not None:
                recompute_info = f" recompute: {recompute.name}"
            elif ac_graph_id is not None:
                recompute_info = f" ac_graph_id: {ac_graph_id}"
            summary = f"\n{dim(f'{extra}#{annotation_str}{recompute_info} {trace_str}')}\n"
            if summary != prev_summary[0]:
                prev_summary[0] = summary
                body.append(summary)

        def tensor_annotation(t):
            stride = _stringify_shape(t.stride()) if include_stride else ""
            dev = _device_annotation(t.device) if include_device else ""
            return f"{red(_dtype_abbr(t.dtype))}{blue(_stringify_shape(t.shape))}{dim_blue(stride)}{dim_green(dev)}"

        sym_types = _sym_types()

        def emit_node(node):
            annotation = "" if node.type is None else f" : {type_repr(node.type)}"
            comment = ""
            if verbose:
                val = node.meta.get("val", node.meta.get("tensor_meta", node.meta.get("example_value", None)))
                if isinstance(val, torch.Tensor):
                    core = tensor_annotation(val)
                    if _is_plain_tensor(val):
                        annotation = f': "{core}"'
                    else:
                        annotation = f': "{val.__class__.__name__}({core})"'
                elif sym_types and isinstance(val, sym_types):
                    annotation = f': "Sym({CodeGen._sym_repr(val)})"'
            desc = None
            if expanded_def:
                desc = node.meta.get("desc", None)
                if desc is not None and node.op == "placeholder":
                    comment += f"  # {desc}"

            if node.op == "placeholder":
                default = "" if not node.args else f" = {get_repr(node.args[0])}"
                free_vars.append(f"{node.target}{annotation}{default}{comment}")
                raw_name = node.target.replace("*", "")
                if raw_name != repr(node):
                    body.append(f"{repr(node)} = {raw_name}\n")
                return
            if node.op == "call_method":
                body.append(
                    f"{repr(node)}{annotation} = {_format_target(get_repr(node.args[0]), node.target)}"
                    f"({format_args(node.args[1:], node.kwargs)})"
                )
                return
            if node.op == "call_function":
                target = node.target
                if getattr(target, "__module__", "") == "_operator" and target.__name__ in magic_methods:
                    body.append(
                        f"{repr(node)}{annotation} = "
                        f"{magic_methods[target.__name__].format(*(get_repr(a) for a in node.args))}"
                    )
                    return
                if getattr(target, "__module__", "") == "_operator" and target.__name__ in inplace_methods:
                    body.append(
                        f"{inplace_methods[target.__name__].format(*(get_repr(a) for a in node.args))};  "
                        f"{repr(node)}{annotation} = {get_repr(node.args[0])}"
                    )
                    return
                global_name = add_global(_get_qualified_name(target), target)
                if (
                    global_name == "getattr"
                    and isinstance(node.args, tuple)
                    and len(node.args) == 2
                    and isinstance(node.args[1], str)
                    and node.args[1].isidentifier()
                ):
                    body.append(f"{repr(node)}{annotation} = {_format_target(get_repr(node.args[0]), node.args[1])}")
                    return
                body.append(f"{repr(node)}{annotation} = {global_name}({format_args(node.args, node.kwargs)})")
                if node.meta.get("is_wrapped", False):
                    wrapped_fns.setdefault(global_name)
                return
            if node.op == "call_module":
                body.append(
                    f"{repr(node)}{annotation} = {_format_target(root_module, node.target)}"
                    f"({format_args(node.args, node.kwargs)})"
                )
                return
            if node.op == "get_attr":
                body.append(f"{repr(node)}{annotation} = {_format_target(root_module, node.target)}")
                return
            if node.op == "output":
                if node.type is not None:
                    return_annotation[0] = f" -> {type_repr(node.type)}"
                if expanded_def:
                    body.append(self.generate_output(node.args[0], descs=desc, repr_fn=get_repr))
                else:
                    body.append(self.generate_output(node.args[0], repr_fn=get_repr))
                return
            raise NotImplementedError(f"node: {node.op} {node.target}")

        for i, node in enumerate(nodes):
            if verbose:
                append_stacktrace_summary(node)
            # A marker line naming the node index; removed below once it has served to map
            # generated lines back to nodes.
            body.append(f"# COUNTER: {i}\n")
            emit_node(node)
            delete_unused_values(node)

        if len(body) == 0:
            body.append("pass\n")

        if wrapped_fns:
            from torch.fx._symbolic_trace import wrap as _wrap

            wrap_name = add_global("wrap", _wrap)
            wrap_stmts = "\n".join(f'{wrap_name}("{name}")' for name in wrapped_fns)
        else:
            wrap_stmts = ""

        if self._body_transformer:
            body = self._body_transformer(body)

        for name, value in self.additional_globals():
            add_global(name, value)

        prologue = self.gen_fn_def(free_vars, return_annotation[0], expanded_def=expanded_def)

        lineno_map = {}
        prologue_len = prologue.count("\n") + 1
        lines = []
        current = None
        for line in "".join(body).split("\n"):
            marker = _counter_regexp.search(line)
            if marker is not None:
                current = int(marker.group(1))
            else:
                lineno_map[len(lines) + prologue_len] = current
                lines.append(line)

        code = "\n".join(lines).lstrip("\n")
        code = "\n".join("    " + line for line in code.split("\n"))
        fn_code = f"\n{wrap_stmts}\n\n{prologue}\n{code}"
        return PythonCode(fn_code, globals_, _lineno_map=lineno_map, _prologue_start=wrap_stmts.count("\n") + 4)


_typing_origins = {
    list: typing.List,
    dict: typing.Dict,
    set: typing.Set,
    frozenset: typing.FrozenSet,
    tuple: typing.Tuple,
}


class Graph:
    """The node list of an FX program: placeholders (inputs), operations, and one output.

    Build one with `placeholder`, `call_function`, `call_method`, `call_module`, `get_attr`
    and `output`; print it for a listing; `python_code` writes it as a Python function.
    """

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._len = 0
        self._order_version = 0
        self._positions_cache = (None, None)
        self._root = Node(self, "", "root", "", (), {})
        self._insert = self._root.prepend
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._codegen = CodeGen()
        self._co_fields = {}

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self):
        """The nodes in order: supports len(), iteration and reversed(). Erasing or adding
        nodes while iterating is safe."""
        return _node_list(self)

    def _order_changed(self):
        self._order_version += 1

    def _node_positions(self):
        version, positions = self._positions_cache
        if version != self._order_version:
            positions = {n: i for i, n in enumerate(_iter_nodes(self._root, False))}
            self._positions_cache = (self._order_version, positions)
        return positions

    def output_node(self):
        out = next(iter(reversed(self.nodes)))
        if out.op != "output":
            raise AssertionError(f"Expected output node, got op={out.op}")
        return out

    def find_nodes(self, *, op, target=None, sort=True):
        """Nodes with the given `op` (and `target`; required for call_function), in graph order."""
        if op == "call_function" and target is None:
            raise AssertionError("target must not be None for call_function op")
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    def graph_copy(self, g, val_map, return_output_node=False):
        """Copies the nodes of `g` into this graph, recording old -> new in `val_map` (entries
        already there are used instead of copies). Returns the copied output value, if any."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return rv if not return_output_node else (rv, node)
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo=None):
        memo = memo if memo else {}
        g = Graph(tracer_cls=self._tracer_cls)
        result = g.graph_copy(self, val_map=memo, return_output_node=True)
        g._codegen = copy.deepcopy(self._codegen)
        if result is not None:
            output_val, old_output = result
            new_output = g.output(output_val, type_expr=getattr(old_output, "type", None))
            new_output.meta = copy.copy(old_output.meta)
        return g

    def create_node(self, op, target, args=None, kwargs=None, name=None, type_expr=None):
        """Makes a node and inserts it at the current insertion point."""
        if not args:
            args = ()
        elif not isinstance(args, tuple):
            raise AssertionError(f"args must be a tuple, got {type(args)}")
        if not kwargs:
            kwargs = {}
        elif not isinstance(kwargs, dict):
            raise AssertionError(f"kwargs must be a dict, got {type(kwargs)}")
        candidate = name if name is not None else self._target_to_str(target)
        name = self._graph_namespace.create_name(candidate, None)
        n = Node(self, name, op, target, args, kwargs, type_expr)
        owner = self.owning_module
        if owner is not None and getattr(owner, "_create_node_hooks", None) is not None:
            for hook in owner._create_node_hooks:
                hook(n)
        self._graph_namespace.associate_name_with_obj(name, n)
        self._insert(n)
        self._len += 1
        return n

    def process_inputs(self, *args):
        return self._codegen.process_inputs(*args)

    def process_outputs(self, out):
        return self._codegen.process_outputs(out)

    def erase_node(self, to_erase):
        """Removes a node that nothing uses any more."""
        if len(to_erase.users) > 0:
            raise RuntimeError(
                f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                f"users in the graph: {to_erase.users}!"
            )
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            warnings.warn(f"erase_node({to_erase}) on an already erased node")
            return
        owner = self.owning_module
        if owner is not None and getattr(owner, "_erase_node_hooks", None) is not None:
            for hook in owner._erase_node_hooks:
                hook(to_erase)
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        self._order_changed()
        to_erase._update_args_kwargs(
            map_arg(to_erase._args, lambda n: None), map_arg(to_erase._kwargs, lambda n: None)
        )

    def inserting_before(self, n=None):
        """Makes new nodes go before `n` (the start of the graph for None). Use in a `with` to
        restore the previous insertion point afterwards."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert before is not in graph.")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n=None):
        """Makes new nodes go after `n` (the end of the graph for None)."""
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert after is not in graph.")
        return _InsertPoint(self, n.append)

    def placeholder(self, name, type_expr=None, default_value=inspect.Signature.empty):
        """An input of the function; `default_value` becomes the parameter's default."""
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name, type_expr=None):
        """Fetches the attribute at dotted path `qualified_name` of the owning module."""
        owner = self.owning_module
        if owner is not None and not _get_attr_reference_exists(owner, qualified_name):
            warnings.warn(
                "Attempted to insert a get_attr Node with no underlying reference in the owning "
                "GraphModule! Call GraphModule.add_submodule to add the necessary submodule, "
                "GraphModule.add_parameter to add the necessary Parameter, or "
                "nn.Module.register_buffer to add the necessary buffer",
                stacklevel=2,
            )
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name, args=None, kwargs=None, type_expr=None):
        """Calls the submodule at dotted path `module_name`."""
        owner = self.owning_module
        if owner is not None:
            try:
                found = owner.get_submodule(module_name)
            except AttributeError:
                found = None
            if found is None:
                warnings.warn(
                    "Attempted to insert a call_module Node with no underlying reference in the "
                    "owning GraphModule! Call GraphModule.add_submodule to add the necessary submodule"
                )
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name, args=None, kwargs=None, type_expr=None):
        """Calls method `method_name` on `args[0]` with the remaining arguments."""
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function, args=None, kwargs=None, type_expr=None, name=None):
        """Calls the callable `the_function`."""
        return self.create_node("call_function", the_function, args, kwargs, name=name, type_expr=type_expr)

    def node_copy(self, node, arg_transform=lambda x: x):
        """Copies `node` (from any graph) into this one, mapping its node arguments through
        `arg_transform`."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        if not isinstance(args, tuple):
            raise AssertionError(f"Expected args to be tuple, got {type(args)}")
        if not isinstance(kwargs, dict):
            raise AssertionError(f"Expected kwargs to be dict, got {type(kwargs)}")
        result = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result.meta = copy.copy(node.meta)
        return result

    def output(self, result, type_expr=None):
        """The returned value."""
        return self.create_node(op="output", target="output", args=(result,), type_expr=type_expr)

    def _target_to_str(self, target):
        if callable(target):
            op = target.__name__
        else:
            if not isinstance(target, str):
                raise AssertionError(f"Expected target to be str, got {type(target)}")
            op = target
            if _is_magic(op):
                op = op[2:-2]
        return _snake_case(op)

    def python_code(
        self,
        root_module,
        *,
        verbose=False,
        include_stride=False,
        include_device=False,
        colored=False,
        expanded_def=False,
        record_func=False,
        additional_meta=None,
    ):
        """The graph as Python source (`.src`) plus the globals it needs (`.globals`);
        `root_module` names the object holding submodules and attributes (usually 'self')."""
        namespace = _Namespace()

        def node_repr(n):
            return namespace.create_name(n.name, n)

        saved = {}
        for node in self.nodes:
            saved[node] = node._repr_fn
            node._repr_fn = node_repr
        try:
            return self._codegen._gen_python_code(
                self.nodes,
                root_module,
                namespace,
                verbose=verbose,
                include_stride=include_stride,
                include_device=include_device,
                colored=colored,
                expanded_def=expanded_def,
                record_func=record_func,
                additional_meta=additional_meta,
            )
        finally:
            for node, fn in saved.items():
                node._repr_fn = fn

    def __str__(self):
        placeholder_names = []
        return_typename = [""]
        node_strs = [node.format_node(placeholder_names) for node in self.nodes]
        s = f"graph({', '.join(placeholder_names)}){return_typename[0]}:"
        for line in node_strs:
            if line:
                s += "\n    " + line
        return s

    def print_tabular(self):
        """Prints one row per node: opcode, name, target, args, kwargs."""
        rows = [["opcode", "name", "target", "args", "kwargs"]]
        rows += [[n.op, n.name, str(n.target), str(n.args), str(n.kwargs)] for n in self.nodes]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        print("\n".join(lines))

    def lint(self):
        """Checks that the graph is well formed: every node belongs to this graph, every
        argument node is defined (earlier in this graph) before it is used, names are unique,
        and (with an owning module) targets exist."""

        def check_arg(arg, n=None):
            context = f" of Node '{n}' " if n else " "
            if arg.graph is not self:
                raise RuntimeError(
                    f"Argument '{arg}'{context}does not belong to this Graph, "
                    f"but was used as an argument! If you are copying nodes from another graph, make "
                    f"sure to use ``arg_transform`` on node_copy() to remap values\n{self}"
                )
            if arg not in seen_values:
                raise RuntimeError(
                    f"Argument '{arg}'{context}was used before it has been "
                    f"defined! Please check that Nodes in the graph are topologically ordered\n{self}"
                )

        seen_names = set()
        seen_values = set()
        for node in self.nodes:
            if node.op not in _legal_ops:
                raise RuntimeError(f"Node {node} had unknown opcode {node.op}!")
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            for arg in node._input_nodes:
                check_arg(arg, node)
            seen_values.add(node)
            if node.name in seen_names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen_names.add(node.name)

        if self.owning_module:
            for node in self.nodes:
                if node.op == "call_function":
                    if not callable(node.target):
                        raise ValueError(
                            f"Node {node} target {node.target} has type {torch.typename(node.target)} but "
                            "a Callable is expected"
                        )
                elif not isinstance(node.target, str):
                    raise ValueError(
                        f"Node {node} target {node.target} has type {torch.typename(node.target)} but "
                        "a str is expected"
                    )
                if node.op in ("get_attr", "call_module"):
                    atoms = node.target.split(".")
                    m_itr = self.owning_module
                    for i, atom in enumerate(atoms):
                        new_m_itr = getattr(m_itr, atom, None)
                        seen_qualname = ".".join(atoms[:i])
                        if new_m_itr is None:
                            raise RuntimeError(
                                f"Node {node} target {node.target} references nonexistent attribute "
                                f"{atom} of {seen_qualname}"
                            )
                        if node.op == "call_module" and not isinstance(new_m_itr, torch.nn.Module):
                            raise RuntimeError(
                                f"Node {node} target {node.target} {atom} of {seen_qualname} does "
                                "not reference an nn.Module"
                            )
                        m_itr = new_m_itr

    def eliminate_dead_code(self, is_impure_node=None):
        """Erases nodes without users that have no side effects; returns whether anything
        changed. The graph must be topologically ordered (it is linted first)."""
        self.lint()

        def has_side_effect(node):
            if is_impure_node is not None:
                return is_impure_node(node)
            return node.is_impure()

        changed = False
        for node in reversed(self.nodes):
            if not has_side_effect(node) and len(node.users) == 0:
                self.erase_node(node)
                changed = True

        owner = self.owning_module
        if owner is not None:
            from torch.fx.graph_module import GraphModule

            attr_targets = {n.target for n in self.find_nodes(op="get_attr")}
            for child_name, child in owner.named_children():
                if child_name in attr_targets and isinstance(child, GraphModule):
                    changed |= child.graph.eliminate_dead_code()
                    child.recompile()
        return changed

    def set_codegen(self, codegen):
        self._codegen = codegen

    def on_generate_code(self, make_transformer):
        """Installs a transformer of the generated body lines (a list of strings); returns a
        context manager that restores the previous one."""
        previous = self._codegen._body_transformer
        self._codegen._body_transformer = make_transformer(previous)

        @contextmanager
        def restore():
            try:
                yield
            finally:
                self._codegen._body_transformer = previous

        return restore()

    def _clear_nodes(self):
        for node in reversed(self.nodes):
            node.meta.clear()
            self.erase_node(node)


def _get_attr_reference_exists(mod, qualified_name):
    module_path, _, name = qualified_name.rpartition(".")
    try:
        submod = mod.get_submodule(module_path)
    except AttributeError:
        warnings.warn(f"Failed to fetch module {module_path}!")
        return False
    if not hasattr(submod, name):
        return False
    res = getattr(submod, name)
    if not isinstance(res, (torch.nn.Module, torch.nn.Parameter)) and name not in submod._buffers:
        return False
    return True
