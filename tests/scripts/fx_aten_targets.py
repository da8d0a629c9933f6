# FX graphs whose targets are aten operator overloads (torch.ops.aten.*): naming, printing,
# code generation and running.
import operator

import torch
import torch.fx as fx

aten = torch.ops.aten
g = fx.Graph()
x = g.placeholder("x_1")
x.meta["val"] = torch.ones(2, 3)
s = g.call_function(aten.sum.dim_IntList, (x, [0]), name="sum")
s.meta["val"] = torch.ones(3)
m = g.call_function(aten.mul.Tensor, (s, 2), name="mul")
m.meta["val"] = torch.ones(3)
n = g.call_function(aten.sin.default, (m,))
a = g.call_function(operator.add, (n, m))
g.output((a, n))
print(g)
print([node.name for node in g.nodes])
gm = fx.GraphModule({}, g)
print(gm.code)
gm.print_readable()
print(gm(torch.ones(2, 3)))
print(fx.Interpreter(gm).run(torch.ones(2, 3)))
print(g.find_nodes(op="call_function", target=aten.mul.Tensor))
