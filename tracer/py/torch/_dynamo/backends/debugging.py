"""Backends that run the captured graph as it is."""

from torch._dynamo.backends.registry import register_backend


@register_backend(name="eager", tags=("debug",))
def eager(gm, fake_tensor_inputs, **kwargs):
    if kwargs:
        import warnings

        warnings.warn(f"eager backend ignoring extra kwargs {kwargs}")
    return gm.forward


def boxed_nop(fx_g, example_inputs):
    """A compiler that runs the graph as it is, taking its inputs as one list."""

    def run(args):
        return fx_g.forward(*args)

    run._boxed_call = True
    return run


@register_backend(name="aot_eager", tags=("debug",))
def aot_eager(gm, fake_tensor_inputs, fw_compiler=None, bw_compiler=None, **kwargs):
    """AOT autograd with graphs run as they are: the forward and backward graphs, partitioned
    as PyTorch's aot_eager partitions them, each run by the graph's own Python code."""
    from torch._dynamo.backends.common import aot_autograd
    from torch._functorch.partitioners import min_cut_rematerialization_partition

    return aot_autograd(fw_compiler=fw_compiler or boxed_nop, bw_compiler=bw_compiler or boxed_nop,
                        partition_fn=min_cut_rematerialization_partition)(gm, fake_tensor_inputs, **kwargs)


@register_backend(name="aot_eager_default_partitioner", tags=("debug",))
def aot_eager_default_partitioner(gm, fake_tensor_inputs, **kwargs):
    from torch._dynamo.backends.common import aot_autograd
    from torch._functorch.partitioners import default_partition

    return aot_autograd(fw_compiler=boxed_nop, partition_fn=default_partition)(gm, fake_tensor_inputs, **kwargs)


@register_backend(tags=("debug",))
def eager_noexcept(gm, fake_tensor_inputs, **kwargs):
    def inner(*args):
        try:
            return gm(*args)
        except Exception as e:
            raise RuntimeError("Unexpected exception when running generated GraphModule") from e

    return inner


from torch._dynamo.explain import ExplainOutput, ExplainWithBackend  # noqa: E402  (PyTorch's home for them)

__all__ = ["aot_eager", "boxed_nop", "eager", "eager_noexcept", "ExplainOutput", "ExplainWithBackend"]
