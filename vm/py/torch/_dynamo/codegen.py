"""What runs instead of the original frame on a cache hit: call the compiled graph with the
inputs read from their sources, then rebuild the frame's return value around its outputs.

It is written as Python source and compiled once per cache entry, so a call costs one function
call plus the graph itself.
"""

from torch._dynamo.source import ChainedSource, GetItemSource, GlobalSource, LocalSource


class PyCodegen:
    def __init__(self, inputs_from_sources=True):
        self.inputs_from_sources = inputs_from_sources
        self.consts = []
        self._const_index = {}
        self.graph_outputs = {}  # id(node) -> position in the graph's output tuple
        self.output_nodes = []

    def const(self, value):
        if value is None or isinstance(value, (bool, int, str)) and type(value) in (bool, int, str):
            return repr(value)
        if type(value) is float and value == value and value not in (float("inf"), float("-inf")):
            return repr(value)
        key = id(value)
        if key not in self._const_index:
            self._const_index[key] = len(self.consts)
            self.consts.append(value)
        return f"__c[{self._const_index[key]}]"

    def source_expr(self, source):
        if isinstance(source, LocalSource):
            return f"L[{source.local_name!r}]"
        if isinstance(source, GlobalSource):
            return f"G[{source.global_name!r}]"
        if isinstance(source, ChainedSource):
            base = self.source_expr(source.base)
            kind = type(source).__name__
            if kind == "AttrSource":
                return f"{base}.{source.member}"
            if kind == "NNModuleSource":
                return f"{base}.{source.kind}[{source.key!r}]"
            if kind == "TypeSource":
                return f"type({base})"
            if isinstance(source, GetItemSource):
                return f"{base}[{self.const(source.index)}]"
        # Any other root (the globals dict of another module): its value is a constant.
        return self.const(source.get(None, None))

    def graph_output(self, tensor_vt):
        node = tensor_vt.proxy
        index = self.graph_outputs.get(id(node))
        if index is None:
            index = len(self.output_nodes)
            self.graph_outputs[id(node)] = index
            self.output_nodes.append(node)
        return f"__out[{index}]"

    def reconstruct(self, vt):
        return vt.reconstruct(self)


def make_transformed_function(arg_sources, return_expr, codegen, compiled_fn, name):
    """`fn(L, G)`: reads the graph inputs, calls the compiled graph, returns the rebuilt value."""
    lines = [f"def {name}(L, G):"]
    if compiled_fn is not None:
        args = ", ".join(codegen.source_expr(s) for s in arg_sources)
        lines.append(f"    __out = __compiled_fn({args})")
    lines.append(f"    return {return_expr}")
    source = "\n".join(lines) + "\n"
    namespace = {"__compiled_fn": compiled_fn, "__c": codegen.consts}
    exec(compile(source, f"<smelt transformed {name}>", "exec"), namespace)
    fn = namespace[name]
    fn.__smelt_source__ = source
    return fn
