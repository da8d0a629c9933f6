"""From a call of a compiled function to a cache entry: trace the frame, compile its graph with
the backend, keep (guards, transformed function) per code object, recompile on guard failure up
to `config.recompile_limit`."""

import logging
import types

import torch
from torch._dynamo import config
from torch._dynamo.bytecode_transformation import LOCAL_OPS, CodeOptions, assemble
from torch._dynamo.exc import ObservedException, Unsupported
from torch._dynamo.output_graph import OutputGraph
from torch._dynamo.symbolic_convert import InstructionTranslator
from torch._guards import CompileId
from torch._logging import log_artifact

log = logging.getLogger("torch._dynamo")


class CacheEntry:
    __slots__ = ("guard_manager", "fn", "compile_id", "run_eagerly", "guard_fail_fn")

    def __init__(self, guard_manager, fn, compile_id, run_eagerly=False):
        self.guard_manager = guard_manager
        self.fn = fn
        self.compile_id = compile_id
        self.run_eagerly = run_eagerly
        # optimize(guard_fail_fn=...): told each time this entry's guards fail on a recompile.
        self.guard_fail_fn = None


class FrameCache:
    """Every compiled version of one code object."""

    __slots__ = ("entries", "frame_id", "compiles", "limit_warned", "frame_state")

    def __init__(self):
        self.entries = []
        self.frame_id = None
        self.compiles = 0
        self.limit_warned = False
        # The input sizes earlier compiles saw (automatic_dynamic.py).
        self.frame_state = {}


_caches = {}
_frame_counter = [0]


def reset():
    from torch._dynamo.output_graph import reset_counters

    _caches.clear()
    _frame_counter[0] = 0
    reset_counters()


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


def compile_frame(fn, f_locals, closure_cells, backend, fullgraph, cache, recompile_reasons=None,
                  _compile_id=None):
    """Traces `fn` for these inputs and returns a new CacheEntry, or None to run eagerly
    without caching (the traced code raises an exception: the eager run raises it for real).
    `recompile_reasons`: why each earlier entry failed (newest first), for the recompiles log.
    A trace whose tensorified float inputs turn out to be needed as Python floats restarts
    (same compile id) with those floats constant."""
    from torch._dynamo.callback import CallbackTrigger, callback_handler
    from torch._dynamo.automatic_dynamic import SPECIALIZED_FLOATS
    from torch._dynamo.output_graph import TensorifyEscape

    code = fn.__code__
    compile_id = _compile_id or _next_compile_id(cache)

    def restart_with_constant_floats(sources):
        cache.frame_state.setdefault(SPECIALIZED_FLOATS, set()).update(src.name for src in sources)
        log.debug("restarting analysis of %s with floats %s constant", code.co_name, sources)
        return compile_frame(fn, f_locals, closure_cells, backend, fullgraph, cache, None, compile_id)

    grad_mode = torch.is_grad_enabled()
    rng_state = torch.get_rng_state()
    from torch.fx import traceback as fx_traceback

    # Annotation blocks entered while tracing are left when the trace stops, however it stops.
    node_meta = dict(fx_traceback.current_meta)
    output = OutputGraph(fn.__globals__, compile_id, backend, fullgraph, cache.frame_state)
    output.guards.add_global_state()
    from torch._guards import CompileContext, compile_context

    with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, str(compile_id)), \
            compile_context(CompileContext(compile_id)), torch.compiler._compile_session_context():
        try:
            if recompile_reasons:
                log_artifact("recompiles", lambda: _recompile_message(code, recompile_reasons))
            log_artifact("bytecode", lambda: _bytecode_message("ORIGINAL", code))
            tracer = InstructionTranslator(output, code, fn.__globals__, f_locals, closure_cells)
            tracer.run()
            transformed = _make_function(fn, tracer.output_instructions, compile_id)
            log_artifact("bytecode", lambda: _bytecode_message("MODIFIED", transformed.__code__, code))
            guard_manager = output.guards.compile()
            log_artifact("guards", "GUARDS:")
            log_artifact("guards", output.guards.tree)
            return CacheEntry(guard_manager, transformed, compile_id)
        except TensorifyEscape as e:
            return restart_with_constant_floats(e.sources)
        except ObservedException:
            return None
        except Unsupported as e:
            if output.tensorified:
                # What could not be traced may be the tensorified float itself.
                return restart_with_constant_floats([n.meta["grapharg"].source for n in output.tensorified])
            if fullgraph:
                raise
            log.debug("frame %s runs eagerly: %s", code.co_name, e)
            # The guards gathered up to the failure decide it: same inputs, same failure.
            return CacheEntry(output.guards.compile(), None, compile_id, run_eagerly=True)
        finally:
            torch._C._set_grad_enabled(grad_mode)
            torch.set_rng_state(rng_state)
            fx_traceback.current_meta.clear()
            fx_traceback.current_meta.update(node_meta)


def _bytecode_message(kind, code, original=None):
    import dis

    shown = original or code
    return f"{kind} BYTECODE {shown.co_name} {shown.co_filename} line {shown.co_firstlineno} \n" \
           f"{dis.Bytecode(code).dis()}\n"


def _recompile_message(code, reasons):
    lines = "\n".join(reasons).split("\n")
    body = "triggered by the following guard failure(s):\n" + "\n".join("- " + line for line in lines)
    indented = "\n".join("    " + line for line in body.split("\n"))
    return f"Recompiling function {code.co_name} in {code.co_filename}:{code.co_firstlineno}\n{indented}"


def _make_function(fn, instructions, compile_id):
    """The transformed frame as a function taking the original's arguments."""
    code = fn.__code__
    options = CodeOptions(code)
    slots = set(options.localsplus())
    for inst in instructions:
        if inst.opname in LOCAL_OPS and inst.argval not in slots:
            slots.add(options.add_varname(inst.argval))
    name = f"__transformed_code_{compile_id.frame_id}_{compile_id.frame_compile_id}_for_{code.co_name}"
    options.name = options.qualname = name.replace("<", "_").replace(">", "_")
    new_code = assemble(instructions, options)
    new_fn = types.FunctionType(new_code, fn.__globals__, new_code.co_name, fn.__defaults__, fn.__closure__)
    new_fn.__kwdefaults__ = fn.__kwdefaults__
    return new_fn


def warn_limit_hit(code, reason):
    log.warning(
        "torch._dynamo hit config.%s (%s)\n   function: %s\n   last reason: %s\n"
        'To log all recompilation reasons, use TORCH_LOGS="recompiles".\n'
        "To diagnose recompilation issues, see %s",
        "recompile_limit", config.recompile_limit,
        f"'{code.co_name}' ({code.co_filename}:{code.co_firstlineno})", reason,
        "https://docs.pytorch.org/docs/main/user_guide/torch_compiler/compile/programming_model.recompilation.html",
    )
