"""`compile_fx`: the "inductor" backend. AOT autograd traces the graph to aten ops and splits
training graphs into forward and backward; each graph is cut into JIT runs and extern calls
(`partition.py`), the runs compiled to machine code by smelt's native JIT.

`SMELT_JIT_TARGET` picks the code generator ("host", the default, or a target name such as
"x86-64-sse2" or "aarch64-neon"); on a CPU that is neither x86-64 nor AArch64, graphs run as
the aten graph does."""

import os

import torch
from torch import _C
from torch._inductor.partition import _tensor_vals, partition
from torch._inductor.wrapper import CompiledGraph

__all__ = ["compile_fx", "compile_fx_inner"]


def _target():
    return os.environ.get("SMELT_JIT_TARGET", "host")


def _jit_usable(example_inputs):
    if _target() == "host" and _C._jit_host_target() is None:
        return False
    return all(not isinstance(t, torch.Tensor) or t.device.type == "cpu" for t in example_inputs)


class SymbolicGraphUnsupported(RuntimeError):
    """A symbolic graph the JIT cannot compile once for all its sizes: AOT autograd then traces
    it once per concrete layout (static graphs)."""


def _leading_symbol(gm):
    """The graph's one symbolic size when it is the leading (dim 0) size of every tensor that
    has a symbolic size and the graph computes nothing from sizes (its Sym inputs are bare
    symbols); "" for a static graph; None otherwise (the JIT's symbolic programs take one
    symbolic leading size, `Graph.sym_leading`)."""
    from torch._symint import SymInt

    symbol = ""
    for n in gm.graph.nodes:
        val = n.meta.get("val")
        if isinstance(val, SymInt):
            if n.op != "placeholder":
                return None
            continue
        for t in _tensor_vals(val):
            for d, size in enumerate(getattr(t, "_sym_shape", None) or ()):
                if isinstance(size, int):
                    continue
                expr = size.node.shape_env.simplify(size.node.expr)
                name = str(expr)
                if d != 0 or expr.free_symbols() != [name] or symbol not in ("", name):
                    return None
                symbol = name
    return symbol


def _has_unbacked(gm):
    from torch._subclasses.sym_shapes import unbacked_env

    return unbacked_env(n.meta.get("val") for n in gm.graph.nodes) is not None


class _HintShapes:
    """While entered, the graph's fake values report their concrete (example) sizes: the JIT
    graph is built from the example layouts, the symbolic leading size marked separately."""

    def __init__(self, gm):
        self.vals = [t for n in gm.graph.nodes for t in _tensor_vals(n.meta.get("val"))
                     if getattr(t, "_sym_shape", None) is not None]
        self.saved = {}

    def __enter__(self):
        for t in self.vals:
            if id(t) not in self.saved:  # a value several nodes share is saved once
                self.saved[id(t)] = (t, t._sym_shape)
                t._sym_shape = None
        return self

    def __exit__(self, *exc):
        for t, shape in self.saved.values():
            t._sym_shape = shape

    def sym_leading(self, node):
        """Whether FX node `node`'s value has the symbolic size at dim 0."""
        val = node.meta.get("val")
        hit = self.saved.get(id(val))
        return hit is not None and len(hit[1]) > 0 and not isinstance(hit[1][0], int)


def compile_fx_inner(gm, example_inputs, **kwargs):
    """One aten graph to a callable taking the graph's inputs. A symbolic graph (AOT autograd
    traced it for all sizes) is compiled once when its only symbolic size is the leading one;
    otherwise SymbolicGraphUnsupported."""
    from torch._logging import log_artifact

    if not _jit_usable(example_inputs) or _has_unbacked(gm):
        # Sizes the data decides (`nonzero`) have no value to lay buffers out for: the aten
        # graph runs as it is.
        return gm.forward
    symbol = _leading_symbol(gm)
    if symbol is None:
        if kwargs.get("_fallback_per_layout"):
            return _PerLayout(gm)
        raise SymbolicGraphUnsupported("a symbolic size other than one leading size")
    if symbol == "":
        compiled = CompiledGraph(gm, partition(gm), _target())
    else:
        with _HintShapes(gm) as hints:
            steps = partition(gm)
            compiled = CompiledGraph(gm, steps, _target(), sym_leading=hints.sym_leading)
    log_artifact("output_code", compiled.output_code)
    return compiled


class _PerLayout:
    """A symbolic graph the JIT cannot compile once for all its sizes, compiled anew for each
    layout of the inputs it is called with: the graph is traced again on fake tensors of those
    sizes (a static graph) and that is compiled. Used where the graph cannot be traced again
    upstream: a training graph's backward, compiled when the forward has already run."""

    def __init__(self, gm):
        self.gm = gm
        self.compiled = {}

    def __call__(self, *args):
        key = tuple((tuple(a.shape), a.stride(), a.dtype) if isinstance(a, torch.Tensor) else a for a in args)
        fn = self.compiled.get(key)
        if fn is None:
            fn = self.compiled[key] = compile_fx_inner(_specialized(self.gm, args), list(args))
        return fn(*args)


def _specialized(gm, args):
    """`gm` (an aten graph with symbolic sizes) traced again for `args`: a static graph."""
    from torch._functorch._aot_autograd.joint_trace import run_with_node_meta
    from torch.fx import traceback as fx_traceback
    from torch.fx.experimental.proxy_tensor import make_fx

    def run(*inner):
        with fx_traceback.preserve_node_meta():
            return run_with_node_meta(gm, *inner)

    return make_fx(run, tracing_mode="fake")(*args)


def compile_fx(model, example_inputs, inner_compile=compile_fx_inner, config_patches=None, decompositions=None):
    from torch._dynamo.backends.common import aot_autograd
    from torch._functorch.partitioners import min_cut_rematerialization_partition

    return aot_autograd(fw_compiler=inner_compile, bw_compiler=inner_compile,
                        partition_fn=min_cut_rematerialization_partition)(model, example_inputs)
