"""`torch.ops`: operator namespaces (`torch.ops.aten`, `torch.ops.smelt`) holding one
OpOverloadPacket per operator and one OpOverload per schema variant, as in PyTorch.

Graphs at aten level (make_fx, AOT autograd) call these objects, so each one must run: its
implementation is smelt's primitive behind it (`torch/_aten.py` defines them). FX prints a
target through `_fx_qualified_name` (`torch.ops.aten.sum.dim_IntList`)."""

import types


class OpOverload:
    """One schema of an operator (`aten.sum.dim_IntList`): callable, and named as PyTorch
    names it (str `aten.sum.dim_IntList`, `name()` `aten::sum.dim_IntList`)."""

    def __init__(self, packet, overload, impl):
        self.overloadpacket = packet
        self._opname = packet._opname
        self._overloadname = overload
        self._impl = impl
        self.__name__ = f"{packet._opname}.{overload}"
        self.__qualname__ = self.__name__
        self.__module__ = f"torch._ops.{packet._namespace}"
        self._fx_qualified_name = f"torch.ops.{packet._namespace}.{self.__name__}"
        self.namespace = packet._namespace

    def __call__(self, *args, **kwargs):
        return self._impl(*args, **kwargs)

    def name(self):
        base = f"{self.namespace}::{self._opname}"
        return base if self._overloadname == "default" else f"{base}.{self._overloadname}"

    def __repr__(self):
        return f"<OpOverload(op='{self.namespace}.{self._opname}', overload='{self._overloadname}')>"

    def __str__(self):
        return f"{self.namespace}.{self.__name__}"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __reduce__(self):
        return (_lookup, (self.namespace, self._opname, self._overloadname))


class OpOverloadPacket:
    """All schemas of one operator (`torch.ops.aten.sum`); calling it picks by arguments the
    way its Python-level function does."""

    def __init__(self, namespace, opname, fallback=None):
        self._namespace = namespace
        self._opname = opname
        self._overloads = {}
        self._fallback = fallback
        self.__name__ = opname
        self.__qualname__ = opname
        self.__module__ = f"torch._ops.{namespace}"
        self._fx_qualified_name = f"torch.ops.{namespace}.{opname}"

    def overloads(self):
        return list(self._overloads)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._overloads[name]
        except KeyError:
            raise AttributeError(
                f"The underlying op of '{self._namespace}.{self._opname}' has no overload name '{name}'"
            ) from None

    def __call__(self, *args, **kwargs):
        if self._fallback is None:
            return next(iter(self._overloads.values()))(*args, **kwargs)
        return self._fallback(*args, **kwargs)

    def __repr__(self):
        return f"<OpOverloadPacket(op='{self._namespace}.{self._opname}')>"

    def __str__(self):
        return f"{self._namespace}.{self._opname}"


class _OpNamespace(types.ModuleType):
    def __init__(self, name):
        super().__init__(f"torch.ops.{name}")
        self.name = name
        self._packets = {}

    def __getattr__(self, opname):
        if opname.startswith("__"):
            raise AttributeError(opname)
        _define_all()
        try:
            return self._packets[opname]
        except KeyError:
            raise AttributeError(f"'_OpNamespace' '{self.name}' object has no attribute '{opname}'") from None

    def __dir__(self):
        return sorted(self._packets)


class _HigherOrderNamespace(types.ModuleType):
    """`torch.ops.higher_order`: operators that take graphs (sub-modules) as arguments."""

    def __init__(self):
        super().__init__("torch.ops.higher_order")
        self._ops = {}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        import torch._higher_order_ops  # noqa: F401  (registers them)

        try:
            return self._ops[name]
        except KeyError:
            raise AttributeError(f"'_OpNamespace' 'higher_order' object has no attribute '{name}'") from None


class HigherOrderOperator:
    """An operator whose arguments include a graph module (`wrap_body_0`); registered as
    `torch.ops.higher_order.<name>` and printed so in graph code."""

    namespace = "higher_order"

    def __init__(self, name):
        self._name = name
        self.__name__ = name
        self._fx_qualified_name = f"torch.ops.higher_order.{name}"
        ops.higher_order._ops[name] = self

    def name(self):
        return self._name

    def __repr__(self):
        return self._fx_qualified_name


class _Ops(types.ModuleType):
    def __init__(self):
        super().__init__("torch.ops")
        self.aten = _OpNamespace("aten")
        self.smelt = _OpNamespace("smelt")
        self.higher_order = _HigherOrderNamespace()


ops = _Ops()


def define(namespace, opname, overload, impl, fallback=None):
    """Registers `torch.ops.<namespace>.<opname>.<overload>` running `impl`."""
    ns = getattr(ops, namespace)
    packet = ns._packets.get(opname)
    if packet is None:
        packet = ns._packets[opname] = OpOverloadPacket(namespace, opname, fallback)
    op = OpOverload(packet, overload, impl)
    packet._overloads[overload] = op
    return op


def _define_all():
    # The operator table is built on first use: `import torch` does not pay for it.
    import torch._aten  # noqa: F401


def _lookup(namespace, opname, overload):
    return getattr(getattr(getattr(ops, namespace), opname), overload)
