"""`torch.fx`: capture programs as graphs of nodes, transform them, and generate Python code.

`symbolic_trace` records a module or function into a `GraphModule` (a module whose `forward`
is generated from its `Graph`); `Interpreter` runs a graph node by node and `Transformer`
rewrites one. See `_symbolic_trace` for how torch functions get recorded in smelt.
"""

from torch.fx.node import Node, map_arg, map_aggregate, has_side_effect
from torch.fx.graph import Graph, CodeGen, PythonCode
from torch.fx.graph_module import GraphModule
from torch.fx.proxy import Proxy, TraceError, Attribute
from torch.fx._symbolic_trace import Tracer, symbolic_trace, wrap, PH, PHBase, is_fx_tracing
from torch.fx.interpreter import Interpreter, Transformer

__all__ = [
    "symbolic_trace",
    "Tracer",
    "wrap",
    "Graph",
    "GraphModule",
    "Interpreter",
    "Transformer",
    "Node",
    "Proxy",
    "map_arg",
    "has_side_effect",
    "CodeGen",
    "PythonCode",
]
