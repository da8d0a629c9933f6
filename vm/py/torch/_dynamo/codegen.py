"""What runs instead of the original frame on a cache hit: call the compiled graph with the
inputs read from their sources, then rebuild the frame's return value around its outputs.

It is written as Python source and compiled once per cache entry, so a call costs one function
call plus the graph itself.
"""


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
        """The Python expression reading `source` from the frame's `L` and `G`, written from
        the same access path the guards walk."""
        (root, arg), steps = source.steps()
        # A fixed root (another module's globals) is a constant of the function.
        expr = f"{root}[{arg!r}]" if root in ("L", "G") else self.const(arg)
        for step in steps:
            if step[0] == "attr":
                expr += f".{step[1]}"
            elif step[0] == "item":
                expr += f"[{self.const(step[1])}]"
            else:  # ("moddict", "_parameters", "weight")
                expr += f".{step[1]}[{step[2]!r}]"
        return expr

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
