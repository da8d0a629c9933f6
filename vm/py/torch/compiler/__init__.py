"""`torch.compiler`: the public face of torch.compile's machinery. Each function hands over to
its `torch._dynamo` counterpart, imported when called so that `import torch.compiler` stays cheap
and does not load the tracer. The signatures are PyTorch 2.15's."""

import contextlib
from collections.abc import Callable
from typing import Any

import torch

from . import config

__all__ = [
    "compile",
    "assume_constant_result",
    "reset",
    "allow_in_graph",
    "list_backends",
    "disable",
    "set_stance",
    "is_compiling",
    "is_dynamo_compiling",
    "is_exporting",
]

# True while a torch.compile session is compiling (see _compile_session_context) and while
# torch.export traces; read by is_compiling().
_is_compiling_flag: bool = False
_is_exporting_flag: bool = False


def compile(*args, **kwargs):
    """Same as torch.compile."""
    return torch.compile(*args, **kwargs)


def reset() -> None:
    """Forgets every compiled function and Dynamo's other in-memory state, as if the process
    had just started (file caches are untouched)."""
    import torch._dynamo

    torch._dynamo.reset()


def allow_in_graph(fn):
    """Marks `fn` to be put into the graph as one call instead of being traced through."""
    import torch._dynamo

    return torch._dynamo.allow_in_graph(fn)


def list_backends(exclude_tags=("debug", "experimental")) -> list[str]:
    """Names accepted by `torch.compile(backend=...)`, leaving out backends with the given tags."""
    import torch._dynamo

    return torch._dynamo.list_backends(exclude_tags)


def assume_constant_result(fn):
    """Marks `fn` as always returning the same value, so the compiler may call it once while
    tracing and bake the result in. Nothing checks that the assumption holds."""
    import torch._dynamo

    return torch._dynamo.assume_constant_result(fn)


def disable(fn=None, recursive=True, *, reason=None):
    """Keeps the compiler away from `fn` (and, when `recursive`, from what it calls). Usable as
    `@disable` or `@disable(recursive=False)`."""
    import torch._dynamo

    return torch._dynamo.disable(fn, recursive, reason=reason)


def set_stance(
    stance: "StanceStr" = "default",
    *,
    skip_guard_eval_unsafe: bool = False,
    force_backend: str | Callable[..., Any] | None = None,
):
    """Changes how compiled functions behave from now on ("default", "force_eager",
    "eager_on_recompile", "fail_on_recompile", ...); also a context manager and decorator."""
    import torch._dynamo

    return torch._dynamo.set_stance(
        stance, skip_guard_eval_unsafe=skip_guard_eval_unsafe, force_backend=force_backend
    )


def is_compiling() -> bool:
    """True while the code runs as part of torch.compile or torch.export tracing.

    (PyTorch first returns False under TorchScript scripting; smelt has no TorchScript.)
    """
    return _is_compiling_flag


def is_dynamo_compiling() -> bool:
    """True only while Dynamo traces the calling code. Run eagerly it is False; Dynamo itself
    replaces the call with True in the code it traces."""
    return False


def is_exporting() -> bool:
    """True while torch.export traces the calling code."""
    return _is_exporting_flag


@contextlib.contextmanager
def _compile_session_context():
    """Holds is_compiling() True for the duration of one compilation."""
    global _is_compiling_flag
    previous = _is_compiling_flag
    _is_compiling_flag = True
    try:
        yield
    finally:
        _is_compiling_flag = previous
