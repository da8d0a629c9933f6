"""Python objects the tracer reads but does not model in detail: modules, classes, instances of
user classes, opaque builtin callables, and bound methods of variable trackers."""

import types

from torch._dynamo.exc import ObservedException, unimplemented
from torch._dynamo.source import AttrSource, GetItemSource
from torch._dynamo.variables.base import ValueVariable, VariableTracker, getattr_or_observed
from torch._dynamo.variables.constant import ConstantVariable


def _wrap_attr(tx, value, source):
    from torch._dynamo.variables.builder import VariableBuilder, wrap_constant_like

    if source is not None:
        return VariableBuilder(tx, source)(value)
    return wrap_constant_like(tx, value)


def class_attribute_source(source, mro_index, name):
    """Where an instance's class-level attribute lives: `x.__class__.__mro__[k].__dict__[name]`
    (the dict entry itself, so rebinding it on the class is seen)."""
    klass = GetItemSource(AttrSource(AttrSource(source, "__class__"), "__mro__"), mro_index)
    return GetItemSource(AttrSource(klass, "__dict__"), name)


def guard_function(tx, fn, source):
    """Pins a Python function read through `source`: the object and its code (replacing
    `__code__` in place changes what a call runs without changing the function's identity)."""
    if source is None:
        return
    if fn.__closure__ is None:
        tx.output.guards.add(source, "ID_MATCH", fn)
    else:
        # A closure is made anew each time its enclosing function runs: what the trace used is
        # its code and the cell contents it read (guarded through their own sources).
        tx.output.guards.add(source, "TYPE_MATCH", types.FunctionType)
    tx.output.guards.add(AttrSource(source, "__code__"), "ID_MATCH", fn.__code__)


def lookup_class_attr(obj, name):
    """(index in type(obj).__mro__, value) of the class that defines `name`, or (None, None)."""
    for k, klass in enumerate(type(obj).__mro__):
        if name in klass.__dict__:
            return k, klass.__dict__[name]
    return None, None


def guarded_class_attr(tx, vt, name):
    """`type(vt.value)`'s attribute `name` as the instance would find it, with guards that pin
    it (and, for functions, their code) when `vt` has a source: (value, source or None)."""
    k, cls_attr = lookup_class_attr(vt.value, name)
    if cls_attr is None or vt.source is None:
        return cls_attr, None
    source = class_attribute_source(vt.source, k, name)
    if isinstance(cls_attr, types.FunctionType):
        guard_function(tx, cls_attr, source)
    else:
        tx.output.guards.add(source, "ID_MATCH", cls_attr)
        inner = getattr(cls_attr, "__func__", None) or getattr(cls_attr, "fget", None)
        if isinstance(inner, types.FunctionType):
            field = "__func__" if isinstance(cls_attr, (classmethod, staticmethod)) else "fget"
            guard_function(tx, inner, AttrSource(source, field))
    return cls_attr, source


def instance_attribute(tx, vt, name, guard_class_attrs):
    """`vt.value.name` resolved as Python resolves it on an instance, as far as the class and the
    instance dict decide: properties and methods are traced, instance attributes are read
    through their source. None when neither has the name (the caller's fallback decides)."""
    from torch._dynamo.variables.functions import UserFunctionVariable, UserMethodVariable

    obj = vt.value
    _, cls_attr = lookup_class_attr(obj, name)
    traced = isinstance(cls_attr, (types.FunctionType, staticmethod, classmethod)) or (
        isinstance(cls_attr, property) and cls_attr.fget is not None)
    if traced:
        # What the trace inlines is pinned: rebinding the class attribute or replacing its code
        # recompiles.
        cls_attr, cls_source = guarded_class_attr(tx, vt, name)
    if isinstance(cls_attr, property) and cls_attr.fget is not None:
        fget_source = AttrSource(cls_source, "fget") if cls_source is not None else None
        return UserFunctionVariable(cls_attr.fget, fget_source).call_function(tx, [vt], {})
    inst_dict = getattr(obj, "__dict__", {})
    if name in inst_dict:
        source = AttrSource(vt.source, name) if vt.source is not None else None
        return _wrap_attr(tx, inst_dict[name], source)
    if isinstance(cls_attr, types.FunctionType):
        return UserMethodVariable(UserFunctionVariable(cls_attr, cls_source), vt)
    if isinstance(cls_attr, staticmethod):
        fn_source = AttrSource(cls_source, "__func__") if cls_source is not None else None
        return UserFunctionVariable(cls_attr.__func__, fn_source)
    if isinstance(cls_attr, classmethod):
        from torch._dynamo.variables.builder import wrap_constant_like

        fn_source = AttrSource(cls_source, "__func__") if cls_source is not None else None
        return UserMethodVariable(UserFunctionVariable(cls_attr.__func__, fn_source), wrap_constant_like(tx, type(obj)))
    if cls_attr is not None:
        source = AttrSource(vt.source, name) if guard_class_attrs and vt.source is not None else None
        return _wrap_attr(tx, getattr(obj, name), source)
    return None


class PythonModuleVariable(ValueVariable):
    """An imported module (`torch`, `math`, a user module): attribute reads are constants of the
    module, which is guarded by identity."""

    def var_getattr(self, tx, name):
        attr = getattr_or_observed(self.value, name)
        from torch._dynamo.variables.builder import wrap_constant_like

        # Attributes of torch's own modules are fixed; a user module's are guarded.
        if self.source is not None and not self.value.__name__.startswith(("torch", "math", "operator")):
            return _wrap_attr(tx, attr, AttrSource(self.source, name))
        return wrap_constant_like(tx, attr)


class UserDefinedClassVariable(ValueVariable):
    def var_getattr(self, tx, name):
        attr = getattr_or_observed(self.value, name)
        source = AttrSource(self.source, name) if self.source is not None else None
        return _wrap_attr(tx, attr, source)

    def call_function(self, tx, args, kwargs):
        from torch._dynamo.variables.builtin import BuiltinVariable

        import functools

        import torch

        if self.value is torch.Size:
            from torch._dynamo.variables.lists import SizeVariable

            items = tx.unpack_iterable(args[0]) if args else []
            return SizeVariable([i.as_python_constant() for i in items])
        if self.value is functools.partial:
            return PartialVariable(args[0], list(args[1:]), dict(kwargs))
        if self.value in BuiltinVariable.CONSTRUCTORS:
            return BuiltinVariable(self.value).call_function(tx, args, kwargs)
        if all(a.is_python_constant() for a in args) and all(v.is_python_constant() for v in kwargs.values()) \
                and getattr(self.value, "__module__", "") in ("builtins", "enum", "collections"):
            from torch._dynamo.variables.builder import wrap_constant_like

            try:
                result = self.value(*[a.as_python_constant() for a in args],
                                    **{k: v.as_python_constant() for k, v in kwargs.items()})
            except Exception as e:
                raise ObservedException(type(e), str(e))
            return wrap_constant_like(tx, result)
        if issubclass(self.value, tuple) and hasattr(self.value, "_fields"):
            from torch._dynamo.variables.lists import NamedTupleVariable

            fields = self.value._fields
            items = list(args) + [kwargs[f] for f in fields[len(args):] if f in kwargs]
            if len(items) != len(fields):
                unimplemented("namedtuple construction with defaults")
            return NamedTupleVariable(items, self.value)
        unimplemented(f"constructing an instance of {self.value.__name__} inside a compiled frame")


class UserDefinedObjectVariable(VariableTracker):
    """An instance of a user class: attribute reads come from the real object (guarded through
    their sources); methods defined in Python are inlined."""

    def __init__(self, value, source=None):
        super().__init__(source)
        self.value = value

    def python_type(self):
        return type(self.value)

    def var_getattr(self, tx, name):
        found = instance_attribute(tx, self, name, guard_class_attrs=True)
        if found is not None:
            return found
        getattr_fn = getattr(type(self.value), "__getattr__", None)
        if isinstance(getattr_fn, types.FunctionType):
            from torch._dynamo.variables.functions import UserFunctionVariable

            return UserFunctionVariable(getattr_fn).call_function(tx, [self, ConstantVariable(name)], {})
        raise ObservedException(AttributeError, f"'{type(self.value).__name__}' object has no attribute '{name}'")

    def call_function(self, tx, args, kwargs):
        call, source = guarded_class_attr(tx, self, "__call__")
        if isinstance(call, types.FunctionType):
            from torch._dynamo.variables.functions import UserFunctionVariable

            return UserFunctionVariable(call, source).call_function(tx, [self, *args], kwargs)
        unimplemented(f"calling an object of type {type(self.value).__name__}")

    def reconstruct(self, codegen):
        if self.source is not None:
            return codegen.load_source(self.source)
        codegen.load_const(self.value)


class OpaqueCallableVariable(ValueVariable):
    """A builtin the tracer has no rule for: it cannot be called at trace time."""

    def call_function(self, tx, args, kwargs):
        name = getattr(self.value, "__qualname__", None) or getattr(self.value, "__name__", repr(self.value))
        unimplemented(f"call to a builtin the tracer does not know: {name}", gb_type="Attempted to call function marked as skipped")


class BoundBuiltinMethod(VariableTracker):
    """`obj.method` for a variable tracker that implements the method in call_method."""

    def __init__(self, obj, name):
        super().__init__()
        self.obj = obj
        self.name = name

    def call_function(self, tx, args, kwargs):
        return self.obj.call_method(tx, self.name, args, kwargs)

    def reconstruct(self, codegen):
        codegen.reconstruct(self.obj)
        codegen.append("LOAD_ATTR", argval=(self.name, False))


class PartialVariable(VariableTracker):
    """`functools.partial(fn, *args, **kwargs)` made inside the traced code."""

    def __init__(self, fn, args, kwargs):
        super().__init__()
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def call_function(self, tx, args, kwargs):
        return tx.call_function(self.fn, [*self.args, *args], {**self.kwargs, **kwargs})

    def var_getattr(self, tx, name):
        from torch._dynamo.variables.lists import TupleVariable
        from torch._dynamo.variables.dicts import ConstDictVariable

        if name == "func":
            return self.fn
        if name == "args":
            return TupleVariable(self.args)
        if name == "keywords":
            return ConstDictVariable(self.kwargs, mutable_local=True)
        return super().var_getattr(tx, name)
