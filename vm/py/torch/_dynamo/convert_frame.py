"""From a call of a compiled function to a cache entry: trace the frame, compile its graph with
the backend, keep (guards, transformed function) per code object, recompile on guard failure up
to `config.recompile_limit`."""

import logging

import torch
from torch._dynamo import config
from torch._dynamo.codegen import PyCodegen, make_transformed_function
from torch._dynamo.exc import (
    BackendCompilerFailed, ObservedException, TorchDynamoException, Unsupported,
)
from torch._dynamo.output_graph import OutputGraph
from torch._dynamo.symbolic_convert import InstructionTranslator
from torch._guards import CompileId

log = logging.getLogger("torch._dynamo")


class CacheEntry:
    __slots__ = ("guard_manager", "fn", "compile_id", "run_eagerly")

    def __init__(self, guard_manager, fn, compile_id, run_eagerly=False):
        self.guard_manager = guard_manager
        self.fn = fn
        self.compile_id = compile_id
        self.run_eagerly = run_eagerly


class FrameCache:
    """Every compiled version of one code object."""

    __slots__ = ("entries", "frame_id", "compiles", "limit_warned")

    def __init__(self):
        self.entries = []
        self.frame_id = None
        self.compiles = 0
        self.limit_warned = False


_caches = {}
_frame_counter = [0]


def reset():
    _caches.clear()
    _frame_counter[0] = 0


def cache_for(code):
    cache = _caches.get(code)
    if cache is None:
        cache = _caches[code] = FrameCache()
    return cache


def _next_compile_id(cache):
    if cache.frame_id is None:
        cache.frame_id = _frame_counter[0]
        _frame_counter[0] += 1
    compile_id = CompileId(frame_id=cache.frame_id, frame_compile_id=cache.compiles)
    cache.compiles += 1
    return compile_id


def compile_frame(fn, f_locals, closure_cells, backend, fullgraph, cache):
    """Traces `fn` for these inputs and returns a new CacheEntry, or None to run eagerly
    without caching (the traced code raises an exception: the eager run raises it for real)."""
    from torch._dynamo.callback import CallbackTrigger, callback_handler

    code = fn.__code__
    compile_id = _next_compile_id(cache)
    grad_mode = torch.is_grad_enabled()
    rng_state = torch.get_rng_state()
    output = OutputGraph(fn.__globals__, compile_id)
    output.guards.add_global_state()
    from torch._guards import CompileContext, compile_context

    with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, str(compile_id)), \
            compile_context(CompileContext(compile_id)), torch.compiler._compile_session_context():
        try:
            tracer = InstructionTranslator(output, code, fn.__globals__, f_locals, closure_cells)
            tracer.run()
            return _finish(output, tracer.return_value, backend, compile_id, code)
        except ObservedException:
            return None
        except Unsupported as e:
            if fullgraph:
                raise
            log.debug("frame %s runs eagerly: %s", code.co_name, e)
            # The guards gathered up to the failure decide it: same inputs, same failure.
            return CacheEntry(output.guards.compile(), None, compile_id, run_eagerly=True)
        finally:
            torch._C._set_grad_enabled(grad_mode)
            torch.set_rng_state(rng_state)


def _finish(output, return_vt, backend, compile_id, code):
    from torch._dynamo.variables.tensor import TensorVariable

    codegen = PyCodegen(inputs_from_sources=not isinstance(return_vt, TensorVariable))
    return_expr = codegen.reconstruct(return_vt)
    graph = output.graph
    graph.output(tuple(codegen.output_nodes))
    output.remove_unused_nodes()
    compiled_fn = None
    has_calls = any(n.op.startswith("call") for n in graph.nodes)
    if has_calls or codegen.output_nodes:
        gm = torch.fx.GraphModule(torch.nn.Module(), graph)
        gm.meta["dynamo_compile_id"] = compile_id
        example_inputs = [arg.example for arg in output.graphargs]
        try:
            compiled_fn = backend(gm, example_inputs)
        except TorchDynamoException:
            raise
        except Exception as e:
            raise BackendCompilerFailed(backend, e) from e
        if compiled_fn is None:
            raise BackendCompilerFailed(backend, RuntimeError("compiler_fn did not return callable"))
    arg_sources = [arg.source for arg in output.graphargs]
    name = f"__transformed_code_{compile_id.frame_id}_{compile_id.frame_compile_id}_for_{code.co_name}"
    fn = make_transformed_function(arg_sources, return_expr, codegen, compiled_fn, name.replace("<", "_").replace(">", "_"))
    return CacheEntry(output.guards.compile(), fn, compile_id)


def warn_limit_hit(code, reason):
    log.warning(
        "torch._dynamo hit config.%s (%s)\n   function: %s\n   last reason: %s\n"
        'To log all recompilation reasons, use TORCH_LOGS="recompiles".\n'
        "To diagnose recompilation issues, see %s",
        "recompile_limit", config.recompile_limit,
        f"'{code.co_name}' ({code.co_filename}:{code.co_firstlineno})", reason,
        "https://docs.pytorch.org/docs/main/user_guide/torch_compiler/compile/programming_model.recompilation.html",
    )
