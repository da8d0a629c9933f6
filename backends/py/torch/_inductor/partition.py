"""An aten FX graph cut into steps: runs of nodes the JIT compiles into one program, and the
nodes between them that run as extern eager calls (ops with no lowering, integer values,
other devices, or whatever a lowering or the JIT turned down).

Nodes stay in graph order. A run ends at the first node that cannot join it; that node runs
eagerly and the next run starts after it, so a graph with one unsupported op still compiles
everything around it."""

import operator

import torch
from torch._inductor.jit_graph import KERNEL_DTYPES, JitGraph, Unsupported, Val, layout_of
from torch._inductor.lowering import LOWERINGS, Ctx


class JitStep:
    """A run of FX nodes compiled into one program."""

    def __init__(self, nodes, graph, inputs, outputs):
        self.nodes = nodes  # the FX nodes it computes, in order
        self.graph = graph  # the JitGraph
        self.inputs = inputs  # FX nodes whose values it reads
        self.outputs = outputs  # (FX node, position in a tuple value or None) per program output
        self.program = None
        self.error = None


class ExternStep:
    """One FX node run by its eager op."""

    def __init__(self, node, reason):
        self.node = node
        self.reason = reason


def _tensor_vals(val):
    if isinstance(val, torch.Tensor):
        return [val]
    if isinstance(val, (tuple, list)):
        return [v for v in val if isinstance(v, torch.Tensor)]
    return []


def _why_not(node):
    """Why call_function `node` cannot join a JIT run (None if it may)."""
    if node.target is operator.getitem:
        return None
    name = str(node.target)
    if name not in LOWERINGS:
        return f"no lowering for {name}"
    val = node.meta.get("val")
    if val is None:
        return "no example value"
    tensors = _tensor_vals(val)
    for a in node.all_input_nodes:
        tensors += _tensor_vals(a.meta.get("val"))
    for t in tensors:
        if t.device.type != "cpu":
            return f"a tensor on {t.device}"
        if t.dtype not in KERNEL_DTYPES:
            return f"{t.dtype} values"
    return None


def _layouts(val):
    if isinstance(val, torch.Tensor):
        return layout_of(val)
    if isinstance(val, (tuple, list)):
        return [layout_of(v) if isinstance(v, torch.Tensor) else None for v in val]
    raise Unsupported(f"value of type {type(val).__name__}")


class _Run:
    """A JIT run being built: nodes join one at a time; one that does not fit is undone."""

    def __init__(self):
        self.g = JitGraph()
        self.nodes = []
        self.env = {}  # FX node -> Val (or tuple of Val/None)
        self.inputs = []

    def value(self, node):
        if node in self.env:
            return self.env[node]
        val = node.meta.get("val")
        if not isinstance(val, torch.Tensor):
            raise Unsupported(f"input {node.name} is not a tensor")
        v = self.g.input(layout_of(val))
        self.env[node] = v
        self.inputs.append(node)
        return v

    def add(self, node):
        """Lower `node` into the run, or leave the run as it was and raise Unsupported."""
        mark = self.g.mark()
        n_inputs = len(self.inputs)
        try:
            self.env[node] = _lower_node(self, node, mark[1])
        except Exception:
            self.g.rollback(mark)
            for inp in self.inputs[n_inputs:]:
                del self.env[inp]
            del self.inputs[n_inputs:]
            raise
        self.nodes.append(node)

    def step(self):
        """The run as a step: its values that nodes outside it (or the graph output) read."""
        inside = set(self.nodes)
        outputs = []
        for n in self.nodes:
            if all(u in inside for u in n.users):
                continue
            v = self.env[n]
            if isinstance(v, Val):
                outputs.append((n, None, v))
            else:
                outputs.extend((n, k, item) for k, item in enumerate(v) if item is not None)
        self.g.outputs = [v for _, _, v in outputs]
        return JitStep(list(self.nodes), self.g, list(self.inputs), [(n, k) for n, k, _ in outputs])


def _lower_node(run, node, since):
    """The node's value(s) in the run's graph (raises Unsupported)."""
    if node.target is operator.getitem:
        parent, k = node.args
        if parent not in run.nodes:
            raise Unsupported("getitem of a value computed outside the run")
        v = run.env[parent][k]
        if v is None:
            raise Unsupported("getitem of an output the lowering did not compute")
        return v
    ctx = Ctx(run.g, _layouts(node.meta["val"]))
    args, kwargs = torch.fx.map_arg((node.args, node.kwargs), run.value)
    out = LOWERINGS[str(node.target)](ctx, *args, **kwargs)
    if isinstance(out, Val):
        return run.g.relayout(out, ctx.out, since)
    if len(out) != len(ctx.out):
        raise Unsupported(f"the lowering made {len(out)} values, eager makes {len(ctx.out)}")
    return tuple(None if v is None or lay is None else run.g.relayout(v, lay, since) for v, lay in zip(out, ctx.out))


def partition(gm):
    """Steps computing `gm`'s call_function nodes in graph order."""
    steps = []
    run = _Run()
    for node in gm.graph.nodes:
        if node.op != "call_function":
            continue
        reason = _why_not(node)
        if reason is None:
            try:
                run.add(node)
                continue
            except Unsupported as e:
                reason = str(e)
            except Exception as e:  # a lowering's own mistake: shown in output_code, runs eagerly
                reason = f"lowering error: {type(e).__name__}: {e}"
        if run.nodes:
            steps.append(run.step())
            run = _Run()
        steps.append(ExternStep(node, reason))
    if run.nodes:
        steps.append(run.step())
    return steps
