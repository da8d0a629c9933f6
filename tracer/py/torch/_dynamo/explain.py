"""`torch._dynamo.explain`: run a function once under Dynamo with a backend that only collects
what it is given, and report the graphs, the graph breaks and the ops (`ExplainOutput`).

What the report is built from, as in PyTorch 2.15:

- every GraphModule the tracer hands to a backend, in compile order (a frame whose graph has no
  call node and no graph output reaches no backend, so it is not counted);
- `gm.compile_subgraph_reason` on each of them (a `GraphCompileReason`): a graph cut short by a
  graph break carries `graph_break=True`, the graph compiled at a `return` carries `False`;
  only the former become "Break Reasons";
- `graph_break_count` is simply `graph_count - 1` (no de-duplication by user frame: PyTorch
  dropped that; a frame that breaks before any op, or is skipped, adds no graph, no reason);
- the guards of each frame that produced a graph, through `guard_export_fn` (smelt's `optimize`
  accepts it but does not call it yet, so `out_guards` stays empty for now).
"""

import dataclasses
import time
import warnings
from typing import Optional



@dataclasses.dataclass
class ExplainOutput:
    """What `torch._dynamo.explain(f)(*args)` returns; `str()` of it is the printed report."""

    graphs: list
    graph_count: int
    graph_break_count: int
    break_reasons: list
    op_count: int
    ops_per_graph: Optional[list] = None
    out_guards: Optional[list] = None
    compile_times: Optional[str] = None

    def __str__(self):
        lines = [
            f"Graph Count: {self.graph_count}\n",
            f"Graph Break Count: {self.graph_break_count}\n",
            f"Op Count: {self.op_count}\n",
            "Break Reasons:\n",
        ]
        for number, reason in enumerate(self.break_reasons, 1):
            lines.append(f"  Break Reason {number}:\n")
            lines.append(f"    Reason: {reason.reason}\n")
            lines.append("    User Stack:\n")
            lines.extend(f"      {frame}\n" for frame in reason.user_stack)
        if self.ops_per_graph is not None:
            lines.append("Ops per Graph:\n")
            for number, ops in enumerate(self.ops_per_graph, 1):
                lines.append(f"  Ops {number}:\n")
                lines.extend(f"    {op}\n" for op in ops)
        if self.out_guards is not None:
            lines.append("Out Guards:\n")
            for number, guard in enumerate(self.out_guards, 1):
                # As PyTorch: no newline of its own after a guard; a Guard's str() ends with one.
                lines.append(f"  Guard {number}:\n")
                lines.append(f"    {guard}")
        if self.compile_times is not None:
            lines.append(f"Compile Times: {self.compile_times}\n")
        return "".join(lines)


def _explain_graph_detail(gm, graphs, op_count, ops_per_graph, break_reasons):
    """Adds one compiled graph to the running totals: the graph, its call_function targets
    (call_method and call_module nodes are not ops here), and its compile reason if it was a
    graph break. Returns (gm, graphs, op_count, ops_per_graph, break_reasons)."""
    graphs.append(gm)
    ops = [node.target for node in gm.graph.nodes if node.op == "call_function"]
    op_count += len(ops)
    ops_per_graph.append(ops)
    reason = getattr(gm, "compile_subgraph_reason", None)
    if reason is not None and reason.graph_break:
        break_reasons.append(reason)
    return gm, graphs, op_count, ops_per_graph, break_reasons


class ExplainWithBackend:
    """A backend for torch.compile that records graphs, ops and break reasons as `explain` does
    and then compiles with `backend`; `output()` gives the ExplainOutput so far (without
    ops_per_graph, guards or compile times, as PyTorch's)."""

    def __init__(self, backend):
        from torch._dynamo.backends.registry import lookup_backend

        self.backend = lookup_backend(backend) if isinstance(backend, str) else backend
        self.graphs = []
        self.op_count = 0
        self.break_reasons = []

    def __call__(self, gm, example_inputs):
        _, self.graphs, self.op_count, _, self.break_reasons = _explain_graph_detail(
            gm, self.graphs, self.op_count, [], self.break_reasons
        )
        return self.backend(gm, example_inputs)

    def output(self):
        graph_count = len(self.graphs)
        return ExplainOutput(self.graphs, graph_count, graph_count - 1, self.break_reasons, self.op_count)


# -- compile times ------------------------------------------------------------------------------
# PyTorch reports its `dynamo_timed` regions (never cleared, not even by reset()). smelt has no
# such timers: explain times each outermost compilation itself (compile start to compile end) and
# files it under PyTorch's name for the whole-frame region. Kept for the process, as PyTorch's.
_compilation_time_metrics = {}


def _format_compile_times():
    try:
        from torch._dynamo.utils import compile_times
    except ImportError:
        compile_times = None
    if compile_times is not None:
        return compile_times(repr="str")
    rows = [("Function", "Runtimes (s)")]
    rows += [(name, ", ".join(f"{t:.4f}" for t in times)) for name, times in _compilation_time_metrics.items()]
    # PyTorch's layout when the `tabulate` package is absent: comma-separated rows.
    return "TorchDynamo compilation metrics:\n" + "\n".join(", ".join(row) for row in rows)


class _CompileTimer:
    """Times compilations through the compile start/end callbacks while explain runs."""

    def __init__(self):
        self.started = None

    def start(self, args):
        self.started = time.perf_counter()

    def end(self, args):
        if self.started is not None:
            elapsed = time.perf_counter() - self.started
            _compilation_time_metrics.setdefault("_compile.compile_inner", []).append(elapsed)
            self.started = None

    def __enter__(self):
        from torch._dynamo.callback import callback_handler

        callback_handler.register_start_callback(self.start)
        callback_handler.register_end_callback(self.end)
        return self

    def __exit__(self, *exc):
        from torch._dynamo.callback import callback_handler

        for callbacks, fn in ((callback_handler.start_callbacks, self.start),
                              (callback_handler.end_callbacks, self.end)):
            if fn in callbacks:
                callbacks.remove(fn)
        return False


class _ExplainFlag:
    """PyTorch sets `torch._dynamo.symbolic_convert.explain = True` around the call to
    `explain(f, ...)` (graph-break log lines are then printed in their short, "duplicate" form).
    Only the deprecated `explain(f, *args)` form runs the compilation inside it: with
    `explain(f)(*args)` the flag is already back to False when `inner` runs."""

    def __enter__(self):
        from torch._dynamo import symbolic_convert

        self.module = symbolic_convert
        self.old = getattr(symbolic_convert, "explain", False)
        symbolic_convert.explain = True
        return self

    def __exit__(self, *exc):
        self.module.explain = self.old
        return False


def explain(f, *extra_args, **extra_kwargs):
    """`explain(f)(*args, **kwargs)`: resets Dynamo, runs `f(*args, **kwargs)` compiled with a
    backend that collects every graph, resets Dynamo again and returns an ExplainOutput."""

    def inner(*args, **kwargs):
        from torch._dynamo import optimize, reset

        reset()

        graphs = []
        break_reasons = []
        op_count = 0
        ops_per_graph = []
        out_guards = []

        def dynamo_graph_accumulating_compiler(gm, example_inputs):
            nonlocal graphs, op_count, ops_per_graph, break_reasons
            gm, graphs, op_count, ops_per_graph, break_reasons = _explain_graph_detail(
                gm, graphs, op_count, ops_per_graph, break_reasons
            )
            return gm.forward

        def guard_export_print(guards):
            # Called once per compiled frame that produced a graph, with that frame's guards.
            # smelt's optimize() does not call guard_export_fn yet: out_guards stays empty.
            out_guards.extend(guards)

        opt_f = optimize(
            dynamo_graph_accumulating_compiler,
            nopython=False,
            guard_export_fn=guard_export_print,
        )(f)
        with _CompileTimer():
            opt_f(*args, **kwargs)

        graph_count = len(graphs)
        graph_break_count = graph_count - 1
        compile_time = _format_compile_times()

        reset()

        return ExplainOutput(
            graphs,
            graph_count,
            graph_break_count,
            break_reasons,
            op_count,
            ops_per_graph,
            out_guards,
            compile_time,
        )

    if extra_args or extra_kwargs:
        warnings.warn(
            "explain(f, *args, **kwargs) is deprecated, use explain(f)(*args, **kwargs) instead.  "
            "If you don't migrate, we may break your explain call in the future if your user defined kwargs "
            "conflict with future kwargs added to explain(f).",
            FutureWarning,
            stacklevel=2,
        )
        with _ExplainFlag():
            return inner(*extra_args, **extra_kwargs)
    return inner
