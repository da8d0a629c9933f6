# GraphModule.print_readable: tensor annotations from node.meta['val'], stack trace comments,
# nested GraphModules, and the verbose code generator options.
import operator

import torch
import torch.fx as fx


def build(names_and_vals):
    g = fx.Graph()
    x = g.placeholder("x_1")
    y = g.placeholder("y_1")
    x.meta["val"] = torch.ones(3, 4)
    y.meta["val"] = torch.ones(3, 4)
    s = g.call_function(torch.sin, (x,))
    s.meta["val"] = torch.ones(3, 4)
    m = g.call_function(operator.mul, (s, y))
    m.meta["val"] = torch.ones(3, 4)
    t = g.call_method("t", (m,))
    t.meta["val"] = torch.ones(4, 3).t().t()
    outs = [t]
    for dtype in names_and_vals:
        n = g.call_method("to", (t, dtype))
        n.meta["val"] = torch.zeros(2, 2, dtype=dtype)
        outs.append(n)
    scalar = g.call_method("sum", (t,))
    scalar.meta["val"] = torch.tensor(1.0)
    count = g.call_method("numel", (t,))
    count.meta["val"] = 12
    pair = g.call_method("chunk", (t, 2))
    pair.meta["val"] = (torch.ones(2, 3), torch.ones(2, 3))
    first = g.call_function(operator.getitem, (pair, 0))
    first.meta["val"] = torch.ones(2, 3)
    param = g.call_method("abs", (first,))
    param.meta["val"] = torch.nn.Parameter(torch.ones(2))
    g.output((tuple(outs), scalar, count, first, param))
    return g


dtypes = [torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]
g = build(dtypes)
gm = fx.GraphModule(torch.nn.Module(), g)
out = gm.print_readable()
print(repr(out[-30:]))
print(gm.print_readable(print_output=False) == out)
gm.print_readable(include_stride=True)
gm.print_readable(include_stride=True, include_device=True)
print(repr(gm.print_readable(print_output=False, colored=True)[:400]))
print(gm.code)

print("== stack traces")
g2 = fx.Graph()
a = g2.placeholder("a")
trace_one = 'File "model.py", line 10, in forward\n    y = x.sin()\n'
trace_two = (
    'Traceback:\n  File "main.py", line 3, in <module>\n    out = model(x)\n'
    '  File "model.py", line 12, in forward\n    return y * 2 + 1\n'
)
n1 = g2.call_method("sin", (a,))
n1.meta["stack_trace"] = trace_one
n2 = g2.call_function(operator.mul, (n1, 2))
n2.meta["stack_trace"] = trace_two
n3 = g2.call_function(operator.add, (n2, 1))
n3.meta["stack_trace"] = trace_two
n4 = g2.call_function(torch.relu, (n3,))
n5 = g2.call_function(torch.neg, (n4,))
n5.meta["stack_trace"] = "garbage without frames"
n6 = g2.call_function(torch.exp, (n5,))
n6.meta["stack_trace"] = trace_one
g2.output(n6)
gm2 = fx.GraphModule(torch.nn.Module(), g2, class_name="WithTraces")
gm2.print_readable()
print(n1.stack_trace == trace_one, n4.stack_trace)

print("== nested GraphModules")
inner = fx.symbolic_trace(lambda x: x.relu() + 1)
outer_graph = fx.Graph()
p = outer_graph.placeholder("p")
c1 = outer_graph.call_module("sub", (p,))
c2 = outer_graph.call_module("other.deep", (c1,))
outer_graph.output(c2)
root = torch.nn.Module()
root.sub = inner
root.other = torch.nn.Module()
root.other.deep = fx.symbolic_trace(lambda y: y * 3)
outer = fx.GraphModule(root, outer_graph, class_name="Outer")
print(outer)
outer.print_readable()
print(outer(torch.tensor([-1.0, 1.0])))

print("== a traced module")


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x).relu()


traced = fx.symbolic_trace(Small())
for node in traced.graph.nodes:
    if node.op != "output":
        node.meta["val"] = torch.ones(5, 2)
text = traced.print_readable(print_output=False)
print(text)
print(str(traced.graph) in str(traced), traced.code in str(traced))
