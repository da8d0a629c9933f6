"""Helpers `torch.save` pickles by name, so files written by smelt and by PyTorch read back in
either: tensors rebuild from (storage, offset, size, stride), parameters from their data."""

import collections

import torch
from torch import _C


def _empty_hooks():
    return collections.OrderedDict()


def _rebuild_tensor(storage, storage_offset, size, stride):
    t = storage._tensor
    return t._as_strided(list(size), list(stride), storage_offset)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    t.requires_grad = requires_grad
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return torch.nn.Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    for k, v in (state or {}).items():
        setattr(p, k, v)
    return p


def _rebuild_from_bytes(data, dtype, size, requires_grad):
    t = _C._from_bytes(data, list(size), dtype)
    t.requires_grad = requires_grad
    return t
