"""FakeTensorProp: propagates metadata through a graph without running it on data — every
node runs on fake tensors and `node.meta["val"]` records the result."""

import torch
from torch.fx.interpreter import Interpreter
from torch.fx.node import map_aggregate
from torch._subclasses.fake_tensor import FakeTensorMode


class FakeTensorProp(Interpreter):
    def __init__(self, module, mode=None):
        super().__init__(module)
        self._mode = mode if mode is not None else FakeTensorMode()

    def run_node(self, n):
        from torch.fx.passes.shape_prop import _extract_tensor_metadata

        result = super().run_node(n)
        n.meta["val"] = result
        if isinstance(result, torch.Tensor):
            n.meta["tensor_meta"] = _extract_tensor_metadata(result)
        return result

    def propagate(self, *args):
        fake_args = [self._mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in args]
        return self.propagate_dont_convert_inputs(*fake_args)

    def propagate_dont_convert_inputs(self, *args):
        with self._mode:
            return super().run(*args)
