"""nn.Module instances inside a compiled frame. Their forward is inlined (PyTorch's
`inline_inbuilt_nn_modules`): parameters and buffers become graph inputs named after their
source (`L['self']._modules['fc1']._parameters['weight']` -> `L_self_modules_fc1_parameters_weight_`)."""

from torch._dynamo.exc import ObservedException
from torch._dynamo.source import NNModuleSource
from torch._dynamo.variables.base import VariableTracker
from torch._dynamo.variables.functions import UserFunctionVariable, UserMethodVariable
from torch._dynamo.variables.misc import _wrap_attr, instance_attribute

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
        # A module class's own attributes are taken as fixed (not guarded).
        found = instance_attribute(tx, self, name, guard_class_attrs=False)
        if found is not None:
            return found
        inst = self.value.__dict__
        for kind in _MODULE_DICTS:
            table = inst.get(kind)
            if table is not None and name in table:
                source = NNModuleSource(self.source, kind, name) if self.source is not None else None
                return _wrap_attr(tx, table[name], source)
        raise ObservedException(AttributeError, f"'{type(self.value).__name__}' object has no attribute '{name}'")

    def call_function(self, tx, args, kwargs):
        from torch.nn.modules.module import _has_forward_hooks

        module = self.value
        fn = type(module)._call_impl if _has_forward_hooks(module) else type(module).forward
        return UserFunctionVariable(fn).call_function(tx, [self, *args], kwargs)

    def call_method(self, tx, name, args, kwargs):
        if name == "__len__" and hasattr(type(self.value), "__len__"):
            return UserMethodVariable(UserFunctionVariable(type(self.value).__len__), self).call_function(tx, [], {})
        return super().call_method(tx, name, args, kwargs)

    def reconstruct(self, codegen):
        if self.source is not None:
            return codegen.load_source(self.source)
        codegen.load_const(self.value)

