"""Bytecode that rebuilds Python values after a compiled graph ran: the return value of a frame,
or the stack and locals handed to the code that runs after a graph break.

Variable trackers emit their own reconstruction (`reconstruct(codegen)`) through the small set
of emitters here: constants, loads along a source's access path, graph outputs, containers and
calls.
"""

from torch._dynamo.bytecode_transformation import create_instruction

NB_SUBSCR = 26  # BINARY_OP's operand for `a[b]` (CPython 3.14)
NB_ADD = 0


class PyCodegen:
    def __init__(self, code, inputs_from_sources=True, positions=None, lineno=None):
        self.code = code
        self.cell_names = frozenset(code.co_cellvars) | frozenset(code.co_freevars)
        self.inputs_from_sources = inputs_from_sources
        self.positions = positions
        self.lineno = lineno
        self.instructions = []
        self.graph_outputs = {}  # id(node) -> position in the graph's output tuple
        self.output_nodes = []
        self.graph_out_var = "graph_out_0"

    def append(self, opname, arg=None, argval=None, target=None):
        inst = create_instruction(opname, arg, argval, target, self.positions, self.lineno)
        self.instructions.append(inst)
        return inst

    # -- emitters --------------------------------------------------------------------------------
    def load_const(self, value):
        self.append("LOAD_CONST", argval=value)

    def load_local(self, name):
        self.append("LOAD_DEREF" if name in self.cell_names else "LOAD_FAST", argval=name)

    def store_local(self, name):
        self.append("STORE_DEREF" if name in self.cell_names else "STORE_FAST", argval=name)

    def subscr(self):
        self.append("BINARY_OP", NB_SUBSCR)

    def load_source(self, source):
        """Reads `source` in the frame along the access path the guards walk."""
        (root, arg), steps = source.steps()
        if root == "L":
            self.load_local(arg)
        elif root == "G":
            self.append("LOAD_GLOBAL", argval=(arg, False))
        else:
            self.load_const(arg)
        for step in steps:
            if step[0] == "attr":
                self.append("LOAD_ATTR", argval=(step[1], False))
            elif step[0] == "item":
                self.load_const(step[1])
                self.subscr()
            elif step[0] == "size":  # x.size()[i], read as x.shape[i]
                self.append("LOAD_ATTR", argval=("shape", False))
                self.load_const(step[1])
                self.subscr()
            elif step[0] == "stride":  # x.stride(i)
                self.append("LOAD_ATTR", argval=("stride", False))
                self.push_null()
                self.load_const(step[1])
                self.call(1)
            else:  # ("moddict", "_parameters", "weight")
                self.append("LOAD_ATTR", argval=(step[1], False))
                self.load_const(step[2])
                self.subscr()

    def graph_output(self, tensor_vt):
        node = tensor_vt.proxy
        index = self.graph_outputs.get(id(node))
        if index is None:
            index = len(self.output_nodes)
            self.graph_outputs[id(node)] = index
            self.output_nodes.append(node)
        self.append("LOAD_FAST", argval=self.graph_out_var)
        self.load_const(index)
        self.subscr()

    def push_null(self):
        self.append("PUSH_NULL")

    def call(self, nargs):
        self.append("CALL", nargs)

    def build(self, opname, n):
        self.append(opname, n)

    def reconstruct(self, vt):
        vt.reconstruct(self)
