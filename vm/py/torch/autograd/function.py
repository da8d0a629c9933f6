"""`torch.autograd.Function`: user-defined forward and backward."""

import torch
from torch import _C
from torch.autograd.graph import Node, edge_of, RELEASED_MESSAGE, check_version, sizes


class FunctionCtx:
    def __init__(self):
        self.saved_for_backward = ()
        self._saved_versions = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._non_differentiable = set()
        self._dirty = set()
        self._released = False

    def save_for_backward(self, *tensors):
        self.saved_for_backward = tensors
        self._saved_versions = tuple(t._version if t is not None else None for t in tensors)

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(RELEASED_MESSAGE)
        for t, v in zip(self.saved_for_backward, self._saved_versions):
            if t is not None:
                check_version(t, v)
        return self.saved_for_backward

    def save_for_forward(self, *tensors):
        pass

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node of one `Function.apply` call; it is also the `ctx` the user's methods see."""

    def __init__(self, cls):
        FunctionCtx.__init__(self)
        self._cls = cls
        self._forward_cls = cls

    def _init_node(self, edges, inputs_meta, outputs_meta):
        Node.__init__(self, self._cls.__name__ + "Backward", edges, inputs_meta, outputs_meta)

    def name(self):
        return self._name

    def __repr__(self):
        return f"<torch.autograd.function.{self._name} object at {hex(id(self))}>"

    def apply(self, *grads):
        if self._released:
            raise RuntimeError(RELEASED_MESSAGE)
        result = self._cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.next_functions)
        if len(result) < n:
            raise RuntimeError(
                f"function {self._name} returned an incorrect number of gradients (expected {n}, got {len(result)})"
            )
        return result[:n]

    def _release(self):
        self._released = True
        self.saved_for_backward = ()


class FunctionMeta(type):
    pass


class Function(metaclass=FunctionMeta):
    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        backward_cls = cls.__dict__.get("_backward_cls")
        if backward_cls is None:
            # PyTorch's node class for `MyFn` is `MyFnBackward`.
            backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,), {})
            cls._backward_cls = backward_cls
        ctx = backward_cls(cls)
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, torch.Tensor) and a.requires_grad for a in args)
        uses_setup = cls.setup_context is not Function.setup_context
        with torch.no_grad():
            if uses_setup:
                output = cls.forward(*args, **kwargs)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if uses_setup:
            cls.setup_context(ctx, args, output)
        if not (_C.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return output
        outs = output if isinstance(output, tuple) else (output,)
        edges = [edge_of(a) if isinstance(a, torch.Tensor) else (None, 0) for a in args]
        meta = [(sizes(a), a.dtype) if isinstance(a, torch.Tensor) else None for a in args]
        ctx._init_node(edges, meta, [(sizes(o), o.dtype) if isinstance(o, torch.Tensor) else ((), torch.float32) for o in outs])
        result = []
        for nr, o in enumerate(outs):
            if isinstance(o, torch.Tensor) and id(o) not in ctx._non_differentiable and o.dtype.is_floating_point:
                if any(o is a for a in args) and id(o) not in ctx._dirty:
                    o = _C.TensorBase._view(o, list(o._shape))
                o.requires_grad = True
                o._grad_fn = ctx
                o._output_nr = nr
            result.append(o)
        return tuple(result) if isinstance(output, tuple) else result[0]


class once_differentiable:
    def __new__(cls, fn):
        return fn


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
