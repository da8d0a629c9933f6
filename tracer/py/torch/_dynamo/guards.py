"""Guards: the assumptions a trace made about its inputs, checked before a cached graph is reused.

The tracer records guards as (source, kind, expected). `GuardBuilder.compile()` turns them into
one check function over the frame's locals and globals; `failure_reason` names the first guard
that fails (for recompile warnings and logs).
"""

import operator
import re

import torch
from torch._dynamo import config


class TensorSpec:
    """What TENSOR_MATCH remembers of a tensor: class, dtype, device, sizes, strides, grad."""

    __slots__ = ("cls", "dtype", "device", "shape", "stride", "requires_grad")

    def __init__(self, t):
        self.cls = type(t)
        self.dtype = t.dtype
        self.device = t.device
        self.shape = tuple(t.shape)
        self.stride = tuple(t.stride())
        self.requires_grad = t.requires_grad

    def mismatch(self, t, name):
        """Why tensor `t` fails the check, or None."""
        if not isinstance(t, torch.Tensor):
            return f"{name} is not a tensor"
        if type(t) is not self.cls:
            return f"{name} type mismatch: expected {self.cls.__name__}, actual {type(t).__name__}"
        if t.dtype != self.dtype:
            return f"{name} dtype mismatch. expected {self.dtype}, actual {t.dtype}"
        if t.device != self.device:
            return f"{name} device mismatch. expected {self.device}, actual {t.device}"
        shape = tuple(t.shape)
        if len(shape) != len(self.shape):
            return f"{name} rank mismatch. expected {len(self.shape)}, actual {len(shape)}"
        for i, (want, got) in enumerate(zip(self.shape, shape)):
            if want is not None and want != got:
                return f"{name} size mismatch at index {i}. expected {want}, actual {got}"
        stride = tuple(t.stride())
        for i, (want, got) in enumerate(zip(self.stride, stride)):
            if want is not None and want != got:
                return f"{name} stride mismatch at index {i}. expected {want}, actual {got}"
        if t.requires_grad != self.requires_grad:
            return f"{name} requires_grad mismatch. expected requires_grad={int(self.requires_grad)}"
        return None

    def matches(self, t):
        return self.mismatch(t, "") is None


class Guard:
    __slots__ = ("source", "kind", "expected")

    def __init__(self, source, kind, expected):
        self.source = source
        self.kind = kind
        self.expected = expected

    def describe(self):
        name = self.source.name if self.source is not None else ""
        kind = self.kind
        if self.kind == "TENSOR_MATCH":
            return f"check_tensor({name}, {self.expected.cls.__name__}, {self.expected.dtype}, " \
                   f"device={self.expected.device}, size={list(self.expected.shape)}, " \
                   f"stride={list(self.expected.stride)}, requires_grad={self.expected.requires_grad})"
        if self.kind == "CONSTANT_MATCH":
            return f"{name} == {self.expected!r}"
        if self.kind == "TYPE_MATCH":
            return f"type({name}) is {self.expected.__qualname__}"
        if self.kind == "ID_MATCH":
            return f"id({name}) == {id(self.expected)}"
        if self.kind == "SEQUENCE_LENGTH":
            return f"len({name}) == {self.expected[1]}"
        if self.kind == "DICT_KEYS":
            return f"list({name}.keys()) == {list(self.expected[1])!r}"
        if self.kind == "GRAD_MODE":
            return f"torch.is_grad_enabled() == {self.expected}"
        if self.kind == "DEFAULT_DTYPE":
            return f"torch.get_default_dtype() == {self.expected}"
        if kind == "SHAPE_ENV":
            return self.expected.describe()
        if kind == "DIMENSION_DYNAMIC_MARKING_GUARD":
            attr, allowed, gate = self.expected
            if gate is not None:
                return f"((getattr({name}, '{attr}', None) == {allowed!r}) if hasattr({name}, '{gate}') else True)"
            if allowed is None:
                return f"hasattr({name}, '{attr}') == False"
            return f"((getattr({name}, '{attr}', set()).issubset({allowed!r})) if hasattr({name}, '{attr}') else True)"
        if kind in ("NO_TENSOR_ALIASING", "OBJECT_DISTINCT"):
            return f"check_no_aliasing({', '.join(src.name for src in self.expected)})"
        if kind == "OBJECT_ALIASING":
            return f"{self.expected.name} is {name}"
        return f"{self.kind} {name}"

    def check(self, f_locals, f_globals):
        """None when the guard holds, else the reason it fails."""
        kind = self.kind
        if kind == "GRAD_MODE":
            return None if torch.is_grad_enabled() == self.expected else \
                f"GRAD_MODE mismatch: expected grad enabled = {self.expected}"
        if kind == "DEFAULT_DTYPE":
            return None if torch.get_default_dtype() is self.expected else "default dtype mismatch"
        if kind == "SHAPE_ENV":
            return self.expected.failure(f_locals, f_globals)
        if kind == "OBJECT_DISTINCT":
            values = []
            for src in self.expected:
                try:
                    values.append(src.get(f_locals, f_globals))
                except Exception:
                    return f"{src.name} cannot be read"
            if len({id(v) for v in values}) == len(values):
                return None
            return f"objects {', '.join(src.name for src in self.expected)} are no longer distinct"
        if kind == "NO_TENSOR_ALIASING":
            wrapper = GuardManagerWrapper()
            wrapper.global_scope = {"G": f_globals}
            wrapper.no_tensor_aliasing_sources = self.expected
            return "; ".join(recompilation_reason_for_no_tensor_aliasing_guard(wrapper, {"L": f_locals}))
        name = self.source.name
        try:
            value = self.source.get(f_locals, f_globals)
        except Exception:
            return f"{name} cannot be read"
        if kind == "TENSOR_MATCH":
            # PyTorch names a local tensor by its variable: "tensor 'x' size mismatch ..."
            shown = self.source.local_name if hasattr(self.source, "local_name") else name
            return self.expected.mismatch(value, f"tensor '{shown}'")
        if kind == "CONSTANT_MATCH":
            ok = type(value) is type(self.expected) and (
                _float_bits(value) == _float_bits(self.expected) if type(value) in (float, complex)
                else value == self.expected)
            return None if ok else f"{name} == {self.expected!r}"
        if kind == "TYPE_MATCH":
            return None if type(value) is self.expected else f"type({name}) is {self.expected.__qualname__}"
        if kind == "ID_MATCH":
            return None if value is self.expected else f"{name} is not the object seen when compiling"
        if kind == "SEQUENCE_LENGTH":
            cls, n = self.expected
            ok = type(value) is cls and len(value) == n
            return None if ok else f"len({name}) == {n}"
        if kind == "DICT_KEYS":
            cls, keys = self.expected
            ok = type(value) is cls and tuple(value) == keys
            return None if ok else f"list({name}.keys()) == {list(keys)!r}"
        if kind == "DIMENSION_DYNAMIC_MARKING_GUARD":
            attr, allowed, gate = self.expected
            if gate is not None:
                if not hasattr(value, gate) or getattr(value, attr, None) == allowed:
                    return None
                return f"{attr} mismatch. expected {allowed!r}, actual {getattr(value, attr, None)!r}"
            if not hasattr(value, attr):
                return None
            if allowed is None:
                return f"{attr} should be absent but is present on runtime tensor"
            got = getattr(value, attr)
            return None if set(got) <= set(allowed) else f"{attr} {got!r} is not a subset of {allowed!r}"
        if kind == "OBJECT_ALIASING":
            try:
                other = self.expected.get(f_locals, f_globals)
            except Exception:
                return f"{self.expected.name} cannot be read"
            return None if value is other else f"{name} is {self.expected.name}"
        raise AssertionError(kind)


class GuardBuilder:
    def __init__(self, shape_env=None):
        self.guards = []
        self._seen = set()
        self.shape_env = shape_env
        self._aliasing_sources = []  # tensor inputs that must stay distinct objects
        self._symbolic = []  # (source, symbolic strides) of inputs with symbolic sizes

    def set_symbolic(self, source, fake):
        """Input `source` has symbolic sizes: its tensor guard leaves them (and strides made of
        them) to the shape guards."""
        if fake._sym_shape is None:
            return
        spec = next(g.expected for g in self.guards if g.kind == "TENSOR_MATCH" and g.source.name == source.name)
        spec.shape = tuple(d if isinstance(d, int) else None for d in fake._sym_shape)
        strides = fake.stride()
        spec.stride = tuple(d if isinstance(d, int) else None for d in strides)
        self._symbolic.append((source, strides))

    def _shape_guards(self):
        """The ShapeEnv's guards and the symbolic strides of inputs, one SHAPE_ENV guard each."""
        from torch._dynamo.source import TensorProperty, TensorPropertySource
        from torch.fx.experimental.symbolic_shapes import GuardRecord

        if self.shape_env is None:
            return []
        bindings = dict(self.shape_env.bindings())
        stride_records = []
        for source, strides in self._symbolic:
            for i, st in enumerate(strides):
                if isinstance(st, int):
                    continue
                alias = f"__stride_{len(bindings)}"
                bindings[alias] = TensorPropertySource(source, TensorProperty.STRIDE, i)
                expr = self.shape_env.simplify(st.node.expr)
                stride_records.append(GuardRecord(
                    [("==", torch._C._sym_symbol(alias), expr)], [("unknown", bindings[alias].name)],
                    lambda names, a=alias, e=expr: f"{names[a]} == {e.print_with(names)}"))
        records = stride_records + self.shape_env.produce_guards()
        return [Guard(None, "SHAPE_ENV", ShapeGuardCheck(r, bindings)) for r in records]

    def add_distinct(self, sources):
        """The objects at `sources` were distinct objects when traced (a set of them had that
        many members): later calls must pass distinct objects too."""
        self.add(None, "OBJECT_DISTINCT", tuple(sources))

    def add_alias(self, source, first):
        """Tensor input `source` is the object already taken as input `first`: the graph reads
        it once, so later calls must pass one object for both."""
        self.add(source, "OBJECT_ALIASING", first)

    def add(self, source, kind, expected=None):
        key = (source.name if source is not None else None, kind)
        if kind == "OBJECT_DISTINCT":
            key += tuple(src.name for src in expected)
        if kind in ("DIMENSION_DYNAMIC_MARKING_GUARD", "OBJECT_ALIASING"):
            key += (expected[0] if kind == "DIMENSION_DYNAMIC_MARKING_GUARD" else expected.name,)
        if key in self._seen:
            return
        self._seen.add(key)
        if kind == "TENSOR_MATCH":
            tensor = expected
            expected = TensorSpec(tensor)
            self.guards.append(Guard(source, kind, expected))
            self._add_dim_marking(source, tensor)
            if not (isinstance(tensor, torch.nn.Parameter) and config.skip_no_tensor_aliasing_guards_on_parameters):
                self._aliasing_sources.append(source)
            return
        self.guards.append(Guard(source, kind, expected))

    def _add_dim_marking(self, source, tensor):
        """The dims a user marked dynamic, static or unbacked on an input tensor, as they were
        when it was traced: markings made later recompile."""
        for attr in _DIM_MARKING_ATTRS:
            allowed = tuple(sorted(getattr(tensor, attr))) if hasattr(tensor, attr) else None
            self.add(source, "DIMENSION_DYNAMIC_MARKING_GUARD",
                     (attr, None if allowed is None else _SetRepr(allowed), None))
        if hasattr(tensor, "_has_dynamo_dim_marking"):
            self.add(source, "DIMENSION_DYNAMIC_MARKING_GUARD",
                     ("_dynamo_dynamic_range", getattr(tensor, "_dynamo_dynamic_range", None),
                      "_has_dynamo_dim_marking"))

    def add_global_state(self):
        self.add(None, "GRAD_MODE", torch.is_grad_enabled())
        self.add(None, "DEFAULT_DTYPE", torch.get_default_dtype())

    def _aliasing_guards(self):
        if len(self._aliasing_sources) < 2:
            return []
        return [Guard(None, "NO_TENSOR_ALIASING", list(self._aliasing_sources))]

    def compile(self):
        guards = list(self.guards)
        aliasing = self._aliasing_guards()
        if aliasing:
            # Checked where the tree shows it, with the first tensor's guards: a call that
            # passes one tensor twice is reported as aliasing, not as what follows.
            first = self._aliasing_sources[0].name
            at = max(i for i, g in enumerate(guards) if g.source is not None and g.source.name == first)
            guards[at + 1:at + 1] = aliasing
        return GuardManager(guards + self._shape_guards())

    def tree(self):
        """The guards as PyTorch's TORCH_LOGS=guards shows its guard manager: global state
        first, then one manager per source with its checks."""
        lines = ["", "TREE_GUARD_MANAGER:", "+- RootGuardManager"]
        by_source = {}
        for guard in self.guards:
            if guard.source is None:
                lines.append(f"| +- {guard.kind}: {guard.describe()}")
            elif guard.kind == "OBJECT_ALIASING":
                # Shown in full under the tensor first seen, by name under its alias.
                by_source.setdefault(guard.expected.name, []).append(f"{guard.kind}: {guard.describe()}")
                by_source.setdefault(guard.source.name, []).append(guard.kind)
            else:
                by_source.setdefault(guard.source.name, []).append(f"{guard.kind}: {guard.describe()}")
        aliasing = self._aliasing_guards()
        aliased = {src.name for src in self._aliasing_sources} if aliasing else set()
        first = True
        for name, guards in by_source.items():
            lines.append(f"| +- GuardManager: source={name}")
            lines.extend(f"| | +- {text}" for text in guards)
            # PyTorch shows the aliasing check once, under the first tensor's manager, and
            # names it under the others.
            if name in aliased:
                lines.append(f"| | +- NO_TENSOR_ALIASING: {aliasing[0].describe()}" if first
                             else "| | +- NO_TENSOR_ALIASING")
                first = False
        # Shape guards hang off the root, after every source's manager, as PyTorch's
        # LAMBDA_GUARDs do.
        for g in self._shape_guards():
            lines.append(f"+- LAMBDA_GUARD: {g.describe()}{_where_suffix(g.expected.record.where)}")
        return "\n".join(lines) + "\n"


def _float_bits(x):
    import struct

    parts = (x.real, x.imag) if type(x) is complex else (x,)
    return tuple(struct.pack("<d", p) for p in parts)


_DIM_MARKING_ATTRS = ("_dynamo_dynamic_indices", "_dynamo_weak_dynamic_indices", "_dynamo_unbacked_indices",
                     "_dynamo_strict_unbacked_indices", "_dynamo_static_indices")


class _SetRepr(tuple):
    """The dims of a marking, printed as the set they were stored as (`{0}`)."""

    def __repr__(self):
        return "{" + ", ".join(map(repr, self)) + "}" if self else "set()"


def _native_spec(guards):
    """The accessor tree and check list the native checker is built from."""
    nodes = []
    index = {}

    def node_for(source):
        key = source.name
        if key in index:
            return index[key]
        root, steps = source.steps()
        kind, arg = root
        path = (kind, id(arg) if kind == "C" else arg)
        if path not in index:
            index[path] = len(nodes)
            nodes.append((kind, None, arg))
        at = index[path]
        for step in steps:
            parts = [step]
            if step[0] == "moddict":
                parts = [("attr", step[1]), ("item", step[2])]
            for part in parts:
                path = path + (part[0], part[1] if len(part) > 1 else None)
                if path not in index:
                    index[path] = len(nodes)
                    nodes.append((part[0], at, part[1] if len(part) > 1 else None))
                at = index[path]
        index[key] = at
        return at

    checks = []
    for g in guards:
        kind, exp = g.kind, g.expected
        if kind == "GRAD_MODE":
            checks.append((None, "grad_mode", exp))
        elif kind == "DEFAULT_DTYPE":
            checks.append((None, "call", lambda want=exp: torch.get_default_dtype() is want))
        elif kind == "TENSOR_MATCH":
            checks.append((node_for(g.source), "tensor", exp.cls, exp.dtype, exp.device.type == "meta",
                           list(exp.shape), list(exp.stride), exp.requires_grad))
        elif kind == "CONSTANT_MATCH":
            # Floats bit for bit: -0.0 == 0.0 and nan != nan would reuse a graph for the wrong
            # constant, or never reuse one for a nan.
            bitwise = type(exp) in (float, complex)
            checks.append((node_for(g.source), "float_bits" if bitwise else "equals", exp))
        elif kind == "TYPE_MATCH":
            checks.append((node_for(g.source), "type", exp))
        elif kind == "ID_MATCH":
            checks.append((node_for(g.source), "id", exp))
        elif kind == "SEQUENCE_LENGTH":
            checks.append((node_for(g.source), "len", exp[0], exp[1]))
        elif kind == "DICT_KEYS":
            checks.append((node_for(g.source), "keys", exp[0], tuple(exp[1])))
        elif kind == "DIMENSION_DYNAMIC_MARKING_GUARD":
            attr, allowed, gate = exp
            if gate is not None:
                # A range compared by value: absent (None) or the same items.
                allowed = None if allowed is None else tuple(allowed)
            checks.append((node_for(g.source), "attr_subset", attr, allowed))
        elif kind in ("NO_TENSOR_ALIASING", "OBJECT_DISTINCT"):
            checks.append((None, "no_aliasing", [node_for(src) for src in exp]))
        elif kind == "OBJECT_ALIASING":
            checks.append((None, "same_object", [node_for(g.source), node_for(exp)]))
        elif kind == "SHAPE_ENV":
            binds = []
            for name in exp.symbols():
                if name not in exp.bindings:
                    raise AssertionError(f"shape guard names {name}, bound to no input "
                                         f"({[str(a) + ' ' + op + ' ' + str(b) for op, a, b in exp.record.relations]})")
                source = exp.bindings[name]
                if type(source).__name__ == "TensorPropertySource":
                    binds.append((node_for(source.base), source.prop.method_name(), source.idx, name))
                else:
                    binds.append((node_for(source), "int", 0, name))
            checks.append((None, "shape", binds, list(exp.record.relations)))
        else:
            raise AssertionError(kind)
    return nodes, checks


class ShapeGuardCheck:
    """One shape guard: a record of the ShapeEnv and the sources its symbols are read from."""

    __slots__ = ("record", "bindings")

    def __init__(self, record, bindings):
        self.record = record
        self.bindings = bindings

    def symbols(self):
        names = set()
        for _op, lhs, rhs in self.record.relations:
            names.update(lhs.free_symbols())
            names.update(rhs.free_symbols())
        return sorted(names)

    def names(self, local_names=False):
        out = {}
        for name, source in self.bindings.items():
            text = source.name
            # Recompile reasons name a frame's local by its variable (`x.size()[0]`).
            out[name] = strip_local_scope(text) if local_names else text
        return out

    def describe(self):
        return self.record.text(self.names())

    def failure(self, f_locals, f_globals):
        values = {}
        for name in self.symbols():
            try:
                values[name] = int(self.bindings[name].get(f_locals, f_globals))
            except Exception:
                return self.record.text(self.names(local_names=True))
        for op, lhs, rhs in self.record.relations:
            a, b = lhs.eval(values), rhs.eval(values)
            if a is None or b is None or not _REL[op](a, b):
                return self.record.text(self.names(local_names=True)) + _where_suffix(self.record.where)
        return None


def strip_local_scope(text):
    """A frame's locals named by their variable, as PyTorch's recompile reasons name them
    (`n == 2`, not `L['n'] == 2`)."""
    return re.sub(r"L\['([A-Za-z_][A-Za-z0-9_]*)'\]", r"\1", text)


_REL = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


# Why a guard was made where it was, after its user location (PyTorch's wording).
_WHERE_NOTES = {
    "spec": " (user code shown is first use of this value--the guard itself is not due user code "
            "but due to 0/1 specialization in the framework; to avoid specialization try "
            "torch._dynamo.decorators.mark_unbacked(tensor, dim))",
    "eval": " (_dynamo/variables/tensor.py:3083 in evaluate_expr)",
    None: "",
}


def _where_suffix(wheres):
    """PyTorch's note after a shape guard (in the guard tree and recompile reasons): the user
    lines that made it, joined by " and "."""
    if not wheres:
        return ""
    import linecache

    if wheres[0][0] == "unknown":
        # A stride symbol's equality has no user location; PyTorch says so in these words.
        return f"  # (unknown source {wheres[0][1]}, please file a bug)"
    parts = []
    for filename, lineno, name, note in wheres:
        line = linecache.getline(filename, lineno).strip()
        parts.append(f"{line}  # {_shorten(filename)}:{lineno} in {name}{_WHERE_NOTES[note]}")
    return "  # " + " and ".join(parts)


def _shorten(filename):
    # PyTorch strips the path it shares with its own install (`shorten_filename`): for a
    # script whose only common part with it is `/`, that drops two characters.
    return filename[2:] if filename.startswith("/") else filename


class GuardManager:
    """The check run on every call of a compiled function before its cached code is reused:
    one native call (`torch._C.GuardManager`) over all guards."""

    def __init__(self, guards):
        self.guards = guards
        nodes, checks = _native_spec(guards)
        self._native = torch._C._make_guard_manager(nodes, checks)
        self.check = self._native.check

    def failure_reason(self, f_locals, f_globals):
        i = self._native.first_failing(f_locals, f_globals)
        if i is None:
            return None
        reason = self.guards[i].check(f_locals, f_globals)
        reason = reason if reason is not None else self.guards[i].describe()
        return strip_local_scope(reason)


class GuardManagerWrapper:
    """What recompile-reason helpers read of a compiled entry's guards: the globals they are
    evaluated in and the tensor sources that must be distinct objects."""

    def __init__(self, root=None):
        self.root = root
        self.global_scope = None
        self.no_tensor_aliasing_sources = []
        self.guard_fail_fn = None


class _GuardSourceLookupError(Exception):
    """A source's path no longer exists in the frame (the structure changed): reported in the
    recompile reason rather than raised."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


_MISSING = object()
_BUILTIN_GETITEMS = None


def _builtin_getitems():
    global _BUILTIN_GETITEMS
    if _BUILTIN_GETITEMS is None:
        import collections

        _BUILTIN_GETITEMS = tuple(t.__getitem__ for t in (
            bytearray, bytes, collections.deque, collections.OrderedDict, dict, list, range, str, tuple))
    return _BUILTIN_GETITEMS


def _has_builtin_getitem(value):
    import inspect

    getitem = inspect.getattr_static(type(value), "__getitem__", None)
    if not any(getitem is m for m in _builtin_getitems()):
        return False
    # A dict subclass with __missing__ runs user code on a missing key.
    return not (isinstance(value, dict) and inspect.getattr_static(type(value), "__missing__", None) is not None)


def _missing_getitem(value, error):
    import inspect

    return isinstance(error, (LookupError, TypeError)) and (
        _has_builtin_getitem(value)
        or (isinstance(error, TypeError) and inspect.getattr_static(type(value), "__getitem__", None) is None))


def _statically_missing(value, member):
    """`member` is absent from `value` without any user __getattr__/__getattribute__ involved."""
    import inspect

    return (inspect.getattr_static(value, member, _MISSING) is _MISSING
            and inspect.getattr_static(type(value), "__getattr__", None) is None
            and inspect.getattr_static(type(value), "__getattribute__", object.__getattribute__)
            is object.__getattribute__)


def _raise_if_unavailable(source, base_value, error):
    """`on_error` for resolving guard sources: an error that only says the path is gone (a
    missing local, key, index or attribute of a plain container) becomes a lookup error; an
    error raised by user code (a property, __getitem__, __missing__) propagates as is."""
    import inspect

    from torch._dynamo import source as S

    unavailable = False
    if isinstance(source, (S.GlobalSource, S.LocalSource)) and isinstance(error, KeyError):
        unavailable = True
    elif isinstance(source, S.AttrSource) and isinstance(error, AttributeError):
        unavailable = _statically_missing(base_value, source.member)
    elif isinstance(source, S.DefaultsSource):
        if isinstance(error, AttributeError):
            unavailable = _statically_missing(base_value, source.field)
        else:
            unavailable = isinstance(error, (LookupError, TypeError)) and (
                base_value is None or _has_builtin_getitem(base_value))
    elif isinstance(source, (S.ConstDictKeySource, S.ListGetItemSource)):
        unavailable = isinstance(error, (LookupError, TypeError))
    elif isinstance(source, S.DictSubclassGetItemSource):
        if isinstance(source.index, S.Source):
            unavailable = isinstance(error, TypeError) and not isinstance(base_value, dict)
        else:
            unavailable = _missing_getitem(base_value, error)
    elif isinstance(source, S.DictGetItemSource):
        if isinstance(source.index, S.Source):
            unavailable = isinstance(error, TypeError) and \
                inspect.getattr_static(type(base_value), "__getitem__", None) is None
        else:
            unavailable = _missing_getitem(base_value, error)
    elif isinstance(source, S.GetItemSource):
        unavailable = _missing_getitem(base_value, error)
    if unavailable:
        raise _GuardSourceLookupError(error) from error


def recompilation_reason_for_no_tensor_aliasing_guard(guard_manager, scope):
    """Why the check that input tensors are distinct failed: the sources that now name one
    tensor, and the sources that can no longer be read (with the error each raised)."""
    if guard_manager.global_scope is None:
        raise AssertionError("guard_manager.global_scope must not be None")
    global_scope = dict(guard_manager.global_scope)
    by_id = {}
    unreadable = []
    cache = {}
    for source in guard_manager.no_tensor_aliasing_sources:
        name = source.name
        global_scope["__compile_source__"] = name
        try:
            tensor = source.get_value(global_scope, dict(scope), cache, on_error=_raise_if_unavailable)
        except _GuardSourceLookupError as e:
            unreadable.append(f"{name} ({type(e.error).__name__}: {e.error})")
            continue
        by_id.setdefault(id(tensor), []).append(name)
    duplicates = [f"{names}" for names in by_id.values() if len(names) > 1]
    reasons = []
    if duplicates:
        reasons.append("Duplicate tensors found: " + ", ".join(duplicates))
    if unreadable:
        reasons.append("NO_TENSOR_ALIASING guard source(s) no longer evaluate: " + ", ".join(unreadable))
    if not reasons:
        reasons.append("NO_TENSOR_ALIASING guard failed")
    return reasons
