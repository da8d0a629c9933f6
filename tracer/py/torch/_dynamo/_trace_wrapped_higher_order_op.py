"""`trace_wrapped(grad, fn=...)`: calls `fn(grad)`; traced by make_fx, the call is one opaque
node (`trace_wrapped`, target `self_invoke`) whose value has `grad`'s metadata, so a backward
hook can be captured without tracing into it (what compiled autograd builds on)."""

import torch
from torch import _C, _prims
from torch._ops import HigherOrderOperator

__all__ = ["trace_wrapped"]


def trace_wrapped(*args, **kwargs):
    with torch.no_grad():
        return _trace_wrapped_op(*args, **kwargs)


class TraceWrapped(HigherOrderOperator):
    def __init__(self):
        super().__init__("trace_wrapped")

    def __call__(self, *args, fn, **kwargs):
        from torch.fx.experimental.proxy_tensor import _ProxyMode

        mode = next((m for m in reversed(_prims._modes) if isinstance(m, _ProxyMode)), None)
        if mode is None:
            return fn(*args, **kwargs)
        return _inner_trace(mode, args, fn, kwargs)


_trace_wrapped_op = TraceWrapped()


def _inner_trace(mode, args, fn, kwargs):
    from torch.fx.experimental.proxy_tensor import _set_val

    def self_invoke(*args, **dyn_kwargs):
        with torch.no_grad():
            return _trace_wrapped_op(*args, fn=fn, **dyn_kwargs, **kwargs)

    node = mode.graph.call_function(self_invoke, tuple(mode.node_of(list(args))), {}, name="trace_wrapped")
    mode.stamp(node)
    grad = args[1] if args[0] is None else args[0]
    out = _C.TensorBase._view(grad, list(grad._shape))
    if hasattr(grad, "fake_device"):
        from torch._subclasses.fake_tensor import _become_fake

        out = _become_fake(out, grad.fake_device, grad.fake_mode)
    _set_val(node, out)
    mode.track(out, node)
    return out
