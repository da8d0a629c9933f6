"""Guards: the assumptions a trace made about its inputs, checked before a cached graph is reused.

The tracer records guards as (source, kind, expected). `GuardBuilder.compile()` turns them into
one check function over the frame's locals and globals; `failure_reason` names the first guard
that fails (for recompile warnings and logs).
"""

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
            if want != got:
                return f"{name} size mismatch at index {i}. expected {want}, actual {got}"
        stride = tuple(t.stride())
        for i, (want, got) in enumerate(zip(self.stride, stride)):
            if want != got:
                return f"{name} stride mismatch at index {i}. expected {want}, actual {got}"
        if t.requires_grad != self.requires_grad:
            return f"{name} requires_grad mismatch. expected requires_grad={int(self.requires_grad)}"
        return None

    def matches(self, t):
        return (type(t) is self.cls and t.dtype is self.dtype and t.device == self.device
                and tuple(t.shape) == self.shape and tuple(t.stride()) == self.stride
                and t.requires_grad == self.requires_grad)


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
        return f"{self.kind} {name}"

    def check(self, f_locals, f_globals):
        """None when the guard holds, else the reason it fails."""
        kind = self.kind
        if kind == "GRAD_MODE":
            return None if torch.is_grad_enabled() == self.expected else \
                f"GRAD_MODE mismatch: expected grad enabled = {self.expected}"
        if kind == "DEFAULT_DTYPE":
            return None if torch.get_default_dtype() is self.expected else "default dtype mismatch"
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
    def __init__(self):
        self.guards = []
        self._seen = set()

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
        return GuardManager(self.guards)

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
        else:
            raise AssertionError(kind)
    return nodes, checks


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
        return reason if reason is not None else self.guards[i].describe()
