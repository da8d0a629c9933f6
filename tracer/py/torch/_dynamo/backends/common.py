"""`aot_autograd(fw_compiler=..., bw_compiler=...)`: a Dynamo backend that runs AOT autograd and
hands the forward and backward graphs to the given compilers."""

from torch._functorch.aot_autograd import aot_module_simplified
from torch._functorch.partitioners import default_partition

__all__ = ["aot_autograd"]


class AotAutograd:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __call__(self, gm, example_inputs, **kwargs):
        if kwargs:
            import warnings

            warnings.warn(f"aot_autograd-based backend ignoring extra kwargs {kwargs}")
        options = dict(self.kwargs)
        options.setdefault("bw_compiler", options["fw_compiler"])
        options.setdefault("partition_fn", default_partition)
        options.pop("keep_inference_input_mutations", None)
        options.pop("decompositions", None)
        try:
            return aot_module_simplified(gm, example_inputs, **options)
        except NotImplementedError as e:
            # What AOT autograd cannot trace yet (in-place writes into views of intermediate
            # values) runs as the captured graph, with eager autograd: same results.
            import warnings

            warnings.warn(f"aot_autograd: running the graph without AOT autograd: {e}")
            return gm.forward


def aot_autograd(**kwargs):
    return AotAutograd(**kwargs)
