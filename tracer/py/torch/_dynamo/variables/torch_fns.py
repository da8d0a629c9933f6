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


def _describe(vt):
    """How PyTorch shows an argument of a failed call: the value's repr."""
    try:
        return repr(vt.as_python_constant())
    except Exception:
        code = getattr(vt, "code", None)
        name = getattr(getattr(code, "value", code), "co_qualname", None)
        return f"<function {name} at {hex(id(vt))}>" if name else f"<{type(vt).__name__}>"


class CheckVariable(ValueVariable):
    """`torch._check(cond, message)`. A condition on sizes that the ranges do not decide is a
    runtime assertion in the graph (`aten._assert_scalar`), as in PyTorch, and a guard (or,
    with `prefer_deferred_runtime_asserts_over_guards`, an assumption for the rest of the
    trace). One the ranges decide False, or these inputs fail, contradicts the trace:
    PyTorch's TorchRuntimeError. A constant condition runs as the function does."""

    def call_function(self, tx, args, kwargs):
        from torch._dynamo.exc import ObservedException, TorchRuntimeError
        from torch._dynamo.variables.constant import ConstantVariable
        from torch._dynamo.variables.tensor import SymNodeVariable

        pred = args[0] if args else kwargs.get("cond")
        if isinstance(pred, SymNodeVariable) and isinstance(pred.sym_num, torch.SymBool):
            env = tx.output.shape_env
            op, lhs, rhs = pred.sym_num.node.expr
            decided = env._decide(op, lhs, rhs)
            if decided is None and not pred.sym_num.node.hint:
                decided = False  # the inputs of this very call fail it
            if decided is False:
                raise TorchRuntimeError(
                    "RuntimeError when making fake tensor call\n  Explanation: Dynamo failed to run FX node "
                    f"with fake tensors: call_function {self.value}(*({pred.sym_num},), **{{}}): got "
                    "RuntimeError('Expected cond to be True, but got False. (Could this error message be "
                    "improved? If so, please report an enhancement request to PyTorch.)')")
            if decided is None:
                message = f"Runtime assertion failed for expression {pred.sym_num} on node '{pred.proxy.name}'"
                # Not run on fakes: that would ask the condition's truth (a guard).
                node = tx.output.create_node("call_function", torch.ops.aten._assert_scalar.default,
                                             (pred.as_proxy(), message), {})
                node.meta["example_value"] = None
                # Sizes with values (backed) are also guarded, as PyTorch does unless
                # `prefer_deferred_runtime_asserts_over_guards`: a call failing the check
                # recompiles, and that trace reports it.
                if torch._dynamo.config.prefer_deferred_runtime_asserts_over_guards:
                    env.defer_runtime_assert(op, lhs, rhs)
                else:
                    env.add_guard(op, lhs, rhs, note="eval")
            return ConstantVariable(None)
        if pred.is_python_constant():
            cond = pred.as_python_constant()
            if cond is True:
                return ConstantVariable(None)
            if cond is False:
                message = args[1] if len(args) > 1 else kwargs.get("message")
                text = ("Expected cond to be True, but got False. (Could this error message be improved? "
                        "If so, please report an enhancement request to PyTorch.)")
                if message is not None:
                    text = str(message.call_function(tx, [], {}).as_python_constant())
                decided = getattr(pred, "decided_comparison", None)
                if decided is not None:
                    # Sizes the trace's facts contradict: PyTorch runs the check on fake values
                    # and reports it as a failed fake tensor call.
                    shown = f"{decided}," if message is None else f"{decided}, {_describe(message)}"
                    raise TorchRuntimeError(
                        "RuntimeError when making fake tensor call\n  Explanation: Dynamo failed to run FX "
                        f"node with fake tensors: call_function {self.value}(*({shown}), **{{}}): got "
                        f"RuntimeError({text!r})")
                raise ObservedException(RuntimeError, text)
        from torch._dynamo.exc import unimplemented

        unimplemented(f"torch._check of {type(pred).__name__}")
