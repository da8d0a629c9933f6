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
from torch._dynamo.source import AttrSource, DictGetItemSource, GetItemSource
from torch._dynamo.variables.base import VariableTracker
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
        key = self.source.name()
        if key in cache:
            return cache[key]
        vt = self._wrap(value)
        cache[key] = vt
        return vt

    def _wrap(self, value):
        from torch._dynamo.variables import functions, misc, nn_module, torch_fns

        source = self.source
        if isinstance(value, torch.Tensor):
            return self.tx.output.wrap_graph_input(value, source)
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
            if not all(is_literal(k) for k in value):
                unimplemented("dict input with keys that are not constants")
            self.install("DICT_KEYS", (type(value), tuple(value)))
            items = {k: LazyVariableTracker(v, DictGetItemSource(source, k)) for k, v in value.items()}
            return ConstDictVariable(items, source, user_cls=type(value))
        if type(value) is range:
            self.install("CONSTANT_MATCH", value)
            return RangeVariable(value)
        if isinstance(value, torch.nn.Module):
            self.install("TYPE_MATCH", type(value))
            return nn_module.NNModuleVariable(value, source)
        if isinstance(value, types.ModuleType):
            self.install("ID_MATCH", value)
            return misc.PythonModuleVariable(value, source)
        rule = trace_rules.lookup(value)
        if rule is not None:
            self.install("ID_MATCH", value)
            return rule(value, source=source)
        if getattr(value, "_dynamo_marked_constant", False):
            self.install("ID_MATCH", value)
            return functions.ConstantResultFunctionVariable(value, source)
        if hasattr(value, "_torchdynamo_orig_callable") and not isinstance(value, torch.nn.Module):
            # A torch.compile'd function called from traced code is traced as the original.
            self.install("ID_MATCH", value)
            orig = value._torchdynamo_orig_callable
            if getattr(value, "_torchdynamo_disable", False):
                return misc.OpaqueCallableVariable(value, source)
            return wrap_constant_like(self.tx, orig)
        if isinstance(value, types.FunctionType):
            self.install("ID_MATCH", value)
            return functions.UserFunctionVariable(value, source)
        if isinstance(value, types.MethodType):
            self.install("ID_MATCH", value.__func__)
            self_vt = VariableBuilder(self.tx, AttrSource(source, "__self__"))(value.__self__)
            return functions.UserMethodVariable(
                VariableBuilder(self.tx, AttrSource(source, "__func__"))(value.__func__), self_vt, source)
        if isinstance(value, type):
            self.install("ID_MATCH", value)
            return misc.UserDefinedClassVariable(value, source)
        if isinstance(value, (types.BuiltinFunctionType, types.BuiltinMethodType)) or callable(value) and \
                type(value).__module__ == "builtins":
            self.install("ID_MATCH", value)
            return misc.OpaqueCallableVariable(value, source)
        if isinstance(value, torch_fns.CONTEXT_MANAGER_TYPES):
            self.install("TYPE_MATCH", type(value))
            return torch_fns.wrap_context_manager(value, source)
        self.install("TYPE_MATCH", type(value))
        return misc.UserDefinedObjectVariable(value, source)


def wrap_fx_proxy(tx, proxy):
    """The VariableTracker for graph node `proxy` whose fake result is in meta["example_value"]."""
    import operator

    example = proxy.meta["example_value"]
    if isinstance(example, torch.Tensor):
        return TensorVariable(proxy, example)
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
    from torch._dynamo.variables import functions, misc, nn_module

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
    if isinstance(value, torch.nn.Module):
        return nn_module.NNModuleVariable(value, None)
    if isinstance(value, types.ModuleType):
        return misc.PythonModuleVariable(value, None)
    rule = trace_rules.lookup(value)
    if rule is not None:
        return rule(value)
    if isinstance(value, types.FunctionType):
        return functions.UserFunctionVariable(value, None)
    if isinstance(value, type):
        return misc.UserDefinedClassVariable(value, None)
    if callable(value) and type(value).__module__ == "builtins":
        return misc.OpaqueCallableVariable(value, None)
    return misc.UserDefinedObjectVariable(value, None)


__all__ = ["VariableBuilder", "wrap_fx_proxy", "wrap_constant_like", "VariableTracker"]
