"""`torch.nn.Parameter` and `torch.nn.Buffer`: tensors a Module registers by assignment."""

import torch
from torch import _C


class Parameter(torch.Tensor):
    """A tensor that is a module's parameter: it shares `data`'s storage and requires grad."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = torch.empty(0)
        p = _C._make_subclass(cls, data.detach())
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        from torch import _utils

        return (_utils._rebuild_parameter, (self.detach(), self.requires_grad, _utils._empty_hooks()))


class Buffer:
    """Marks a tensor assigned to a Module attribute as a buffer (`persistent` or not)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = torch.empty(0)
        t = data.detach()
        t._is_buffer = True
        t.persistent = persistent
        return t
