"""`torch.autograd`: reverse-mode differentiation of eager tensor code."""

import torch
from torch import _C
from torch.autograd import graph
from torch.autograd.engine import run_backward
from torch.autograd.function import Function, FunctionCtx, once_differentiable, InplaceFunction
from torch.autograd.grad_mode import (
    no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
)
from torch.autograd.gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "gradcheck", "gradgradcheck", "graph",
]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, torch.Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.requires_grad and out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            g = _C._full(list(out._shape), 1, out.dtype)
        elif not isinstance(g, torch.Tensor):
            g = _C._full(list(out._shape), g, out.dtype)
        elif tuple(graph.sizes(g)) != tuple(graph.sizes(out)):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a shape of {out.shape}."
            )
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors)
    inputs = _as_tuple(inputs) or None
    if inputs is None:
        run_backward(tensors, grads, retain_graph, create_graph)
        return
    captured = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    for t, g in zip(inputs, captured):
        if g is None:
            continue
        from torch.autograd.engine import _accumulate

        _accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    for i, t in enumerate(inputs_t):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, grad_outputs)
    captured = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs_t, accumulate=False)
    result = []
    for t, g in zip(inputs_t, captured):
        if g is None:
            if materialize_grads:
                g = _C._full(list(t._shape), 0, t.dtype)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        result.append(g)
    return tuple(result)
