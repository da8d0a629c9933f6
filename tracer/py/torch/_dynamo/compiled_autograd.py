"""Compiled autograd (tracing the autograd engine's backward into a graph) is not built in
smelt: it needs symbolic shapes. `_enable` raises when entered, with the reason."""

from contextlib import contextmanager

__all__ = ["_enable", "enable"]


@contextmanager
def _enable(compiler_fn, dynamic=True, ignore_active_disable_ctx=True):
    raise NotImplementedError("smelt: compiled autograd is not implemented (it needs symbolic shapes)")
    yield


enable = _enable
