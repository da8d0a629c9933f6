"""Guards: the assumptions a trace made about its inputs, checked before a cached graph is reused.

The tracer records guards as (source, kind, expected). `GuardBuilder.compile()` turns them into
one check function over the frame's locals and globals; `failure_reason` names the first guard
that fails (for recompile warnings and logs).
"""

import operator
import re

import torch


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
        name = self.source.name() if self.source is not None else ""
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
        if self.kind == "SHAPE_ENV":
            return self.expected.describe()
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
        name = self.source.name()
        try:
            value = self.source.get(f_locals, f_globals)
        except Exception:
            return f"{name} cannot be read"
        if kind == "TENSOR_MATCH":
            # PyTorch names a local tensor by its variable: "tensor 'x' size mismatch ..."
            shown = self.source.local_name if hasattr(self.source, "local_name") else name
            return self.expected.mismatch(value, f"tensor '{shown}'")
        if kind == "CONSTANT_MATCH":
            ok = type(value) is type(self.expected) and value == self.expected
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
        raise AssertionError(kind)


class GuardBuilder:
    def __init__(self, shape_env=None):
        self.guards = []
        self._seen = set()
        self.shape_env = shape_env
        self._symbolic = []  # (source, symbolic strides) of inputs with symbolic sizes

    def set_symbolic(self, source, fake):
        """Input `source` has symbolic sizes: its tensor guard leaves them (and strides made of
        them) to the shape guards."""
        if fake._sym_shape is None:
            return
        spec = next(g.expected for g in self.guards if g.kind == "TENSOR_MATCH" and g.source.name() == source.name())
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
                expr = st.node.expr
                stride_records.append(GuardRecord(
                    [("==", torch._C._sym_symbol(alias), expr)], None,
                    lambda names, a=alias, e=expr: f"{names[a]} == {e.print_with(names)}"))
        records = self.shape_env.produce_guards() + stride_records
        return [Guard(None, "SHAPE_ENV", ShapeGuardCheck(r, bindings)) for r in records]

    def add(self, source, kind, expected=None):
        key = (source.name() if source is not None else None, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        if kind == "TENSOR_MATCH":
            expected = TensorSpec(expected)
        self.guards.append(Guard(source, kind, expected))

    def add_global_state(self):
        self.add(None, "GRAD_MODE", torch.is_grad_enabled())
        self.add(None, "DEFAULT_DTYPE", torch.get_default_dtype())

    def compile(self):
        return GuardManager(self.guards + self._shape_guards())

    def tree(self):
        """The guards as PyTorch's TORCH_LOGS=guards shows its guard manager: global state
        first, then one manager per source with its checks."""
        lines = ["", "TREE_GUARD_MANAGER:", "+- RootGuardManager"]
        by_source = {}
        for guard in self.guards:
            if guard.source is None:
                lines.append(f"| +- {guard.kind}: {guard.describe()}")
            else:
                by_source.setdefault(guard.source.name(), []).append(guard)
        for name, guards in by_source.items():
            lines.append(f"| +- GuardManager: source={name}")
            lines.extend(f"| | +- {g.kind}: {g.describe()}" for g in guards)
        return "\n".join(lines) + "\n"


def _native_spec(guards):
    """The accessor tree and check list the native checker is built from."""
    nodes = []
    index = {}

    def node_for(source):
        key = source.name()
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
            checks.append((node_for(g.source), "equals", exp))
        elif kind == "TYPE_MATCH":
            checks.append((node_for(g.source), "type", exp))
        elif kind == "ID_MATCH":
            checks.append((node_for(g.source), "id", exp))
        elif kind == "SEQUENCE_LENGTH":
            checks.append((node_for(g.source), "len", exp[0], exp[1]))
        elif kind == "DICT_KEYS":
            checks.append((node_for(g.source), "keys", exp[0], tuple(exp[1])))
        elif kind == "SHAPE_ENV":
            binds = []
            for name in exp.symbols():
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
            text = source.name()
            if local_names:
                # Recompile reasons name a frame's local by its variable (`x.size()[0]`).
                text = re.sub(r"L\['([A-Za-z_][A-Za-z0-9_]*)'\]", r"\1", text)
            out[name] = text
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


_REL = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


def _where_suffix(where):
    """PyTorch's note after a shape guard in a recompile reason: the user line that made it."""
    if where is None:
        return ""
    import linecache

    filename, lineno, name = where
    line = linecache.getline(filename, lineno).strip()
    return f"  # {line}  # {_shorten(filename)}:{lineno} in {name}"


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
        # PyTorch names a frame's locals by their variable in reasons (`n == 2`, not `L['n']`).
        return re.sub(r"L\['([A-Za-z_][A-Za-z0-9_]*)'\]", r"\1", reason)
