"""The default backend: smelt's native JIT, as "inductor" (PyTorch's name for its default) and
as "smelt"."""

from torch._dynamo.backends.registry import register_backend


@register_backend
def inductor(*args, **kwargs):
    from torch._inductor.compile_fx import compile_fx

    return compile_fx(*args, **kwargs)


register_backend(inductor, name="smelt")
