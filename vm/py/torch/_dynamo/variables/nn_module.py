"""nn.Module instances inside a compiled frame. Their forward is inlined (PyTorch's
`inline_inbuilt_nn_modules`): parameters and buffers become graph inputs named after their
source (`L['self']._modules['fc1']._parameters['weight']` -> `L_self_modules_fc1_parameters_weight_`)."""

import types

import torch
from torch._dynamo.exc import ObservedException
from torch._dynamo.source import AttrSource, NNModuleSource
from torch._dynamo.variables.base import VariableTracker
from torch._dynamo.variables.constant import ConstantVariable
from torch._dynamo.variables.functions import UserFunctionVariable, UserMethodVariable
from torch._dynamo.variables.misc import _wrap_attr

_MODULE_DICTS = ("_parameters", "_buffers", "_modules")


class NNModuleVariable(VariableTracker):
    def __init__(self, value, source=None):
        super().__init__(source)
        self.value = value

    def __repr__(self):
        return f"NNModuleVariable({type(self.value).__name__})"

    def python_type(self):
        return type(self.value)

    def var_getattr(self, tx, name):
        module = self.value
        inst = module.__dict__
        cls_attr = None
        for klass in type(module).__mro__:
            if name in klass.__dict__:
                cls_attr = klass.__dict__[name]
                break
        if isinstance(cls_attr, property) and cls_attr.fget is not None:
            return UserFunctionVariable(cls_attr.fget).call_function(tx, [self], {})
        if name in inst:
            source = AttrSource(self.source, name) if self.source is not None else None
            return _wrap_attr(tx, inst[name], source)
        if isinstance(cls_attr, types.FunctionType):
            return UserMethodVariable(UserFunctionVariable(cls_attr), self)
        if isinstance(cls_attr, staticmethod):
            return UserFunctionVariable(cls_attr.__func__)
        if cls_attr is not None and not isinstance(cls_attr, (classmethod,)):
            return _wrap_attr(tx, getattr(module, name), None)
        for kind in _MODULE_DICTS:
            table = inst.get(kind)
            if table is not None and name in table:
                source = NNModuleSource(self.source, kind, name) if self.source is not None else None
                return _wrap_attr(tx, table[name], source)
        raise ObservedException(AttributeError, f"'{type(module).__name__}' object has no attribute '{name}'")

    def call_function(self, tx, args, kwargs):
        from torch.nn.modules import module as module_mod

        module = self.value
        hooked = (module._forward_hooks or module._forward_pre_hooks or module_mod._global_forward_hooks
                  or module_mod._global_forward_pre_hooks)
        fn = type(module)._call_impl if hooked else type(module).forward
        return UserFunctionVariable(fn).call_function(tx, [self, *args], kwargs)

    def call_method(self, tx, name, args, kwargs):
        if name == "__len__" and hasattr(type(self.value), "__len__"):
            return UserMethodVariable(UserFunctionVariable(type(self.value).__len__), self).call_function(tx, [], {})
        return super().call_method(tx, name, args, kwargs)

    def reconstruct(self, codegen):
        if self.source is not None:
            return codegen.source_expr(self.source)
        return codegen.const(self.value)


def is_module(value):
    return isinstance(value, torch.nn.Module)


__all__ = ["NNModuleVariable", "ConstantVariable"]
