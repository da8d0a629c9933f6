"""Backends that run the captured graph as it is."""

from torch._dynamo.backends.registry import register_backend


@register_backend(name="eager", tags=("debug",))
def eager(gm, fake_tensor_inputs, **kwargs):
    if kwargs:
        import warnings

        warnings.warn(f"eager backend ignoring extra kwargs {kwargs}")
    return gm.forward


def _inductor(gm, example_inputs, **kwargs):
    # smelt's JIT is not built yet: the default backend runs the graph as "eager" does.
    return gm.forward


register_backend(_inductor, name="inductor")


@register_backend(name="aot_eager", tags=("debug",))
def aot_eager(gm, example_inputs, **kwargs):
    """The graph lowered to ATen ops (make_fx on fake tensors) and run as it is; gradients
    flow through the ATen ops eagerly. What is not here yet: the joint forward/backward graph
    and its partition (AOT autograd proper)."""
    from torch.fx.experimental.proxy_tensor import make_fx

    return make_fx(gm, tracing_mode="fake")(*example_inputs).forward


@register_backend(tags=("debug",))
def eager_noexcept(gm, fake_tensor_inputs, **kwargs):
    def inner(*args):
        try:
            return gm(*args)
        except Exception as e:
            raise RuntimeError("Unexpected exception when running generated GraphModule") from e

    return inner


from torch._dynamo.explain import ExplainOutput, ExplainWithBackend  # noqa: E402  (PyTorch's home for them)

__all__ = ["aot_eager", "eager", "eager_noexcept", "ExplainOutput", "ExplainWithBackend"]
