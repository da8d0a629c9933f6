"""torch functions: operations recorded into the graph, functions folded to constants at trace
time, and the grad-mode context managers."""

import torch
from torch._dynamo.exc import unimplemented
from torch._dynamo.variables.base import ValueVariable, VariableTracker
from torch._dynamo.variables.constant import ConstantVariable


class TorchInGraphFunctionVariable(ValueVariable):
    """`torch.sin`, `torch._C._nn.linear`, `torch.nn.functional.relu`: one call_function node."""

    def __repr__(self):
        return f"TorchInGraphFunctionVariable({getattr(self.value, '__name__', self.value)})"

    def as_proxy(self):
        return self.value

    def call_function(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_fx_proxy

        return wrap_fx_proxy(tx, tx.output.create_proxy("call_function", self.value, args, kwargs))


class TorchConstantFunctionVariable(ValueVariable):
    """Functions whose result is fixed under the guards (`torch.is_tensor`, `get_default_dtype`)."""

    def call_function(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like

        result = self.value(*[a.example() for a in args], **{k: v.example() for k, v in kwargs.items()})
        return wrap_constant_like(tx, result)


class ContextManagerVariable(VariableTracker):
    """A context manager the tracer models: `with` calls its `enter(tx)` and `exit(tx)`."""

    def enter(self, tx):
        raise NotImplementedError

    def exit(self, tx):
        raise NotImplementedError

    def var_getattr(self, tx, name):
        if name in ("__enter__", "__exit__"):
            from torch._dynamo.variables.misc import BoundBuiltinMethod

            return BoundBuiltinMethod(self, name)
        return super().var_getattr(tx, name)

    def call_method(self, tx, name, args, kwargs):
        if name == "__enter__":
            return self.enter(tx)
        if name == "__exit__":
            return self.exit(tx)
        return super().call_method(tx, name, args, kwargs)


class GradModeVariable(ContextManagerVariable):
    """`torch.no_grad()` / `enable_grad()` / `set_grad_enabled(b)` used as a `with` block: the
    graph switches grad mode with `torch._C._set_grad_enabled` nodes, and tracing switches it
    too so fake results carry the right requires_grad."""

    def __init__(self, target_mode, source=None):
        super().__init__(source)
        self.target_mode = target_mode
        self.initial_mode = None

    def enter(self, tx):
        self.initial_mode = torch.is_grad_enabled()
        self._switch(tx, self.target_mode)
        return ConstantVariable(None)

    def exit(self, tx):
        self._switch(tx, self.initial_mode)
        return ConstantVariable(None)

    def _switch(self, tx, mode):
        if torch.is_grad_enabled() != mode:
            # PyTorch records these switches without a user stack trace.
            node = tx.output.create_node("call_function", torch._C._set_grad_enabled, (mode,), {})
            node.meta.pop("stack_trace", None)
            torch._C._set_grad_enabled(mode)


class GradModeClassVariable(ValueVariable):
    """`torch.no_grad` itself: calling it makes the context manager."""

    def call_function(self, tx, args, kwargs):
        if self.value is torch.no_grad:
            return GradModeVariable(False)
        if self.value is torch.enable_grad:
            return GradModeVariable(True)
        if self.value is torch.set_grad_enabled and len(args) == 1 and args[0].is_python_constant():
            return GradModeVariable(bool(args[0].as_python_constant()))
        unimplemented(f"{self.value.__name__} with these arguments")


CONTEXT_MANAGER_TYPES = (torch.no_grad, torch.enable_grad, torch.set_grad_enabled)


def wrap_context_manager(value, source):
    return GradModeVariable(bool(value._mode), source)
