"""torch._dynamo: the bytecode tracer behind torch.compile.

eval_frame.py      the compiled-function wrapper, OptimizedModule, optimize/disable
convert_frame.py   per-code-object caches, compile ids, recompiles, eager fallback
symbolic_convert.py the instruction-by-instruction symbolic interpreter
variables/         what the interpreter holds instead of real values
output_graph.py    the FX graph being built, its inputs and fake-tensor runs
guards.py          what was assumed about the inputs, checked on every call
codegen.py         the function that replaces the frame on a cache hit
"""

from torch._dynamo import config
from torch._dynamo.backends.registry import list_backends, lookup_backend, register_backend
from torch._dynamo.callback import callback_handler, on_compile_end, on_compile_start
from torch._dynamo.decorators import (
    allow_in_graph, assume_constant_result, disallow_in_graph, graph_break, is_compiling, mark_dynamic,
    mark_static, maybe_mark_dynamic,
)
from torch._dynamo.eval_frame import OptimizedModule, disable, optimize
from torch._dynamo.explain import explain


def reset() -> None:
    """Forgets every compiled frame (caches, compile ids), as a fresh process would."""
    from torch._dynamo import convert_frame

    convert_frame.reset()
    callback_handler.clear()
    from torch._dynamo.utils import guard_failures

    guard_failures.clear()


def reset_code_caches():
    from torch._dynamo import convert_frame

    convert_frame.reset()


__all__ = [
    "allow_in_graph", "assume_constant_result", "config", "disable", "disallow_in_graph", "graph_break",
    "is_compiling", "list_backends", "lookup_backend", "optimize", "OptimizedModule", "register_backend",
    "reset", "on_compile_start", "on_compile_end", "callback_handler", "explain", "mark_dynamic", "mark_static",
    "maybe_mark_dynamic",
]
