"""Tensor metadata on graph nodes (`node.meta["tensor_meta"]`), and ShapeProp, which fills it
by running the graph."""

from typing import NamedTuple, Any

import torch
from torch.fx.interpreter import Interpreter
from torch.fx.node import map_aggregate


class TensorMetadata(NamedTuple):
    shape: torch.Size
    dtype: torch.dtype
    requires_grad: bool
    stride: tuple
    memory_format: Any
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(result, include_contiguity=True):
    memory_format = None
    if include_contiguity and result.is_contiguous():
        memory_format = torch.contiguous_format
    return TensorMetadata(result.shape, result.dtype, result.requires_grad, result.stride(), memory_format,
                          False, {})


class ShapeProp(Interpreter):
    """Runs the graph on example inputs (real or fake) and records each node's tensor
    metadata."""

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)
        self.fake_mode = fake_mode

    def run_node(self, n):
        result = super().run_node(n)
        found = False

        def extract(obj):
            nonlocal found
            if isinstance(obj, torch.Tensor):
                found = True
                return _extract_tensor_metadata(obj)
            return obj

        meta = map_aggregate(result, extract)
        if found:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        if self.fake_mode is not None:
            args = [self.fake_mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in args]
            with self.fake_mode:
                return super().run(*args)
        return super().run(*args)
