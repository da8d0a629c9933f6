"""Turning real values into VariableTrackers.

`VariableBuilder(tx, source)(value)` wraps a value read from the frame (an argument, a global, an
attribute of either) and records the guards that make the trace valid for it. `wrap_fx_proxy`
wraps the result of a graph node; `wrap_constant_like` wraps a value computed at trace time.
"""

import collections
import enum
import types

import torch
from torch._dynamo import trace_rules
from torch._dynamo.exc import unimplemented
from torch._dynamo.source import AttrSource, ConstDictKeySource, DictGetItemSource, GetItemSource
from torch._dynamo.variables.constant import ConstantVariable, is_literal
from torch._dynamo.variables.dicts import ConstDictVariable
from torch._dynamo.variables.lazy import LazyVariableTracker
from torch._dynamo.variables.lists import (
    ListVariable, NamedTupleVariable, RangeVariable, SizeVariable, TupleVariable,
)
from torch._dynamo.variables.tensor import TensorVariable


def _is_namedtuple_cls(cls):
    return issubclass(cls, tuple) and hasattr(cls, "_fields")


class VariableBuilder:
    def __init__(self, tx, source):
        self.tx = tx
        self.source = source

    def install(self, kind, expected=None):
        self.tx.output.guards.add(self.source, kind, expected)

    def __call__(self, value):
        cache = self.tx.output.input_source_to_var
        key = self.source.name
        if key in cache:
            return cache[key]
        vt = self._wrap(value)
        cache[key] = vt
        return vt

    def _wrap(self, value):
        source = self.source
        if isinstance(value, torch.Tensor):
            return self.tx.output.wrap_graph_input(value, source)
        if type(value) is int:
            from torch._dynamo import automatic_dynamic

            if automatic_dynamic.int_is_dynamic(self.tx.output, value, source):
                vt = self.tx.output.wrap_symint_input(value, source)
                if vt is not None:
                    return vt
        if type(value) is float:
            from torch._dynamo import automatic_dynamic

            if automatic_dynamic.float_is_dynamic(self.tx.output, value, source):
                return self.tx.output.wrap_float_input(value, source)
        if type(value) in (bool, int, float, str, type(None), complex, bytes) or value is Ellipsis:
            self.install("CONSTANT_MATCH", value)
            return ConstantVariable(value, source)
        if isinstance(value, (torch.dtype, torch.device, torch.memory_format)) or isinstance(value, enum.Enum):
            self.install("ID_MATCH", value)
            return ConstantVariable(value, source)
        if type(value) is torch.Size:
            self.install("CONSTANT_MATCH", value)
            return SizeVariable(value, source)
        if type(value) in (tuple, list) or (isinstance(value, tuple) and _is_namedtuple_cls(type(value))):
            self.install("SEQUENCE_LENGTH", (type(value), len(value)))
            items = [LazyVariableTracker(v, GetItemSource(source, i)) for i, v in enumerate(value)]
            if type(value) is list:
                return ListVariable(items, source)
            if type(value) is tuple:
                return TupleVariable(items, source)
            return NamedTupleVariable(items, type(value), source)
        if type(value) in (dict, collections.OrderedDict):
            self.install("DICT_KEYS", (type(value), tuple(value)))
            if all(is_literal(k) for k in value):
                items = {k: LazyVariableTracker(v, DictGetItemSource(source, k)) for k, v in value.items()}
            else:
                # Keys that are objects are named by position (`list(dict.keys(d))[i]`) and
                # read with the key object the keys guard pinned.
                items = {k: LazyVariableTracker(v, DictGetItemSource(source, ConstDictKeySource(source, i, k)))
                         for i, (k, v) in enumerate(value.items())}
            return ConstDictVariable(items, source, user_cls=type(value))
        if type(value) is range:
            self.install("CONSTANT_MATCH", value)
            return RangeVariable(value)
        return _wrap_object(self.tx, value, source)


def wrap_fx_proxy(tx, proxy):
    """The VariableTracker for graph node `proxy` whose fake result is in meta["example_value"]."""
    import operator

    example = proxy.meta["example_value"]
    if isinstance(example, torch.Tensor):
        return TensorVariable(proxy, example)
    if isinstance(example, (torch.SymInt, torch.SymBool)):
        from torch._dynamo.variables.tensor import SymNodeVariable

        return SymNodeVariable(proxy, example)
    if isinstance(example, (tuple, list)):
        items = []
        for i, v in enumerate(example):
            if isinstance(v, torch.Tensor):
                item = tx.output.create_proxy("call_function", operator.getitem, (proxy, i), {}, example_value=v)
                items.append(TensorVariable(item, v))
            else:
                items.append(wrap_constant_like(tx, v))
        if type(example) is list:
            return ListVariable(items, mutable_local=True)
        if _is_namedtuple_cls(type(example)):
            return NamedTupleVariable(items, type(example))
        return TupleVariable(items)
    if example is None or is_literal(example):
        return ConstantVariable(example)
    unimplemented(f"graph operation returning {type(example).__name__}")


def wrap_constant_like(tx, value):
    """A value produced at trace time from constants (no source, no guard)."""
    if isinstance(value, torch.Tensor):
        unimplemented("a tensor made outside the graph during tracing")
    if type(value) is torch.Size:
        return SizeVariable(value)
    if type(value) is list:
        return ListVariable([wrap_constant_like(tx, v) for v in value], mutable_local=True)
    if type(value) is tuple:
        return TupleVariable([wrap_constant_like(tx, v) for v in value])
    if isinstance(value, tuple) and _is_namedtuple_cls(type(value)):
        return NamedTupleVariable([wrap_constant_like(tx, v) for v in value], type(value))
    if type(value) is dict:
        return ConstDictVariable({k: wrap_constant_like(tx, v) for k, v in value.items()}, mutable_local=True)
    if type(value) is range:
        return RangeVariable(value)
    if is_literal(value) or isinstance(value, enum.Enum):
        return ConstantVariable(value)
    return _wrap_object(tx, value, None)


def _wrap_object(tx, value, source):
    """Objects rather than data: modules, functions, methods, classes, user instances. Read
    through a source, each gets the guard that pins what the trace assumed of it (its identity,
    or for instances and nn.Modules its type); made at trace time, none."""
    from torch._dynamo.eval_frame import innermost_fn
    from torch._dynamo.variables import functions, misc, nn_module, torch_fns

    def pin(kind):
        if source is not None:
            tx.output.guards.add(source, kind, type(value) if kind == "TYPE_MATCH" else value)

    if isinstance(value, torch.nn.Module):
        pin("TYPE_MATCH")
        return nn_module.NNModuleVariable(value, source)
    if isinstance(value, types.ModuleType):
        pin("ID_MATCH")
        return misc.PythonModuleVariable(value, source)
    rule = trace_rules.lookup(value)
    if rule is not None:
        pin("ID_MATCH")
        return rule(value, source=source)
    if getattr(value, "_dynamo_marked_constant", False):
        pin("ID_MATCH")
        return functions.ConstantResultFunctionVariable(value, source)
    if hasattr(value, "_torchdynamo_orig_callable"):
        pin("ID_MATCH")
        if getattr(value, "_torchdynamo_disable", False):
            return misc.OpaqueCallableVariable(value, source)
        # A torch.compile'd function called from traced code is traced as the original.
        return wrap_constant_like(tx, innermost_fn(value))
    if isinstance(value, types.FunctionType):
        misc.guard_function(tx, value, source)
        return functions.UserFunctionVariable(value, source)
    if isinstance(value, types.MethodType):
        # A bound method object is made anew on each attribute read: its function and its
        # object are what is guarded.
        if source is None:
            return functions.UserMethodVariable(wrap_constant_like(tx, value.__func__),
                                                wrap_constant_like(tx, value.__self__))
        return functions.UserMethodVariable(VariableBuilder(tx, AttrSource(source, "__func__"))(value.__func__),
                                            VariableBuilder(tx, AttrSource(source, "__self__"))(value.__self__),
                                            source)
    if isinstance(value, type):
        pin("ID_MATCH")
        return misc.UserDefinedClassVariable(value, source)
    if callable(value) and type(value).__module__ == "builtins":
        pin("ID_MATCH")
        return misc.OpaqueCallableVariable(value, source)
    if isinstance(value, torch_fns.CONTEXT_MANAGER_TYPES):
        pin("TYPE_MATCH")
        return torch_fns.wrap_context_manager(value, source)
    pin("TYPE_MATCH")
    return misc.UserDefinedObjectVariable(value, source)
