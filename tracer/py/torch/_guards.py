"""Compile ids and the compile context that says which compilation is running.

A CompileId names one compilation: `frame_id/frame_compile_id` ("3/1" is the second compile of
the fourth frame Dynamo saw), with a `!N` prefix when the frame belongs to compiled autograd
graph N ("!0/3/1", or just "!0" for the compiled-autograd graph itself). Logs and tools read
that string form, so `from_string` parses exactly what `__str__` writes.
"""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

_FRAME_ID = re.compile(r"^(?P<frame_id>\d+)/(?P<frame_compile_id>\d+)$")
_COMPILED_AUTOGRAD_ID = re.compile(
    r"^!(?P<compiled_autograd_id>\d+)(?:/(?P<frame_id>\d+)/(?P<frame_compile_id>\d+))?$"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class CompileId:
    frame_id: int | None
    # Counts the compiles of this one frame, so "0/2" reads as "frame 0, second recompile".
    frame_compile_id: int | None
    # Set when compiling a graph produced by compiled autograd.
    compiled_autograd_id: int | None = None

    def __str__(self):
        if self.compiled_autograd_id is not None:
            if (self.frame_id is None) != (self.frame_compile_id is None):
                raise AssertionError(
                    "frame_id and frame_compile_id must both be None or both be set, "
                    f"got frame_id={self.frame_id}, frame_compile_id={self.frame_compile_id}"
                )
            frame = "" if self.frame_id is None else f"/{self.frame_id}/{self.frame_compile_id}"
            return f"!{self.compiled_autograd_id}{frame}"
        if self.frame_id is None or self.frame_compile_id is None:
            raise AssertionError(
                "frame_id and frame_compile_id must not be None, "
                f"got frame_id={self.frame_id}, frame_compile_id={self.frame_compile_id}"
            )
        return f"{self.frame_id}/{self.frame_compile_id}"

    @classmethod
    def from_string(cls, compile_id):
        if compile_id is None:
            return None
        # The cause says why parsing failed (no match, or not a string at all).
        try:
            match = _FRAME_ID.match(compile_id) or _COMPILED_AUTOGRAD_ID.match(compile_id)
            if match is None:
                raise ValueError
            fields = {k: (None if v is None else int(v)) for k, v in match.groupdict().items()}
            return cls(**fields)
        except Exception as e:
            raise ValueError(f"Invalid compile_id '{compile_id}'") from e


class TraceId(NamedTuple):
    compile_id: CompileId
    # Goes up by one each time Dynamo restarts the analysis of the same compile.
    attempt: int

    def __str__(self):
        if self.attempt == 0:
            return str(self.compile_id)
        return f"{self.compile_id}_{self.attempt}"


class _ThreadState(threading.local):
    # Present (as None) in every thread, so lookups never miss.
    def __init__(self):
        self.compile_context = None


_TLS = _ThreadState()


class CompileContext:
    """What is known about the compilation running on this thread; installed with
    `compile_context(ctx)`."""

    @staticmethod
    def get():
        if _TLS.compile_context is None:
            raise AssertionError("compile_context is not set")
        return _TLS.compile_context

    @staticmethod
    def try_get():
        return _TLS.compile_context

    def __init__(self, compile_id):
        if compile_id is not None and not isinstance(compile_id, CompileId):
            raise AssertionError(f"compile_id must be None or CompileId, got {type(compile_id)}")
        self.compile_id = compile_id
        self.attempt = 0
        self.shape_env_guards = []

    @staticmethod
    def current_compile_id():
        ctx = CompileContext.try_get()
        return None if ctx is None else ctx.compile_id

    @staticmethod
    def current_trace_id():
        ctx = CompileContext.try_get()
        if ctx is None or ctx.compile_id is None:
            return None
        return TraceId(ctx.compile_id, ctx.attempt)


@contextmanager
def compile_context(context):
    """Makes `context` (a CompileContext or None) the current one for the block."""
    previous = _TLS.compile_context
    _TLS.compile_context = context
    try:
        yield context
    finally:
        _TLS.compile_context = previous
