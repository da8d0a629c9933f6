# Graph breaks: torch.compile without fullgraph splits a frame at what it cannot trace (a print,
# torch._dynamo.graph_break(), a branch on a tensor's value), compiles the part before the break,
# runs the break eagerly and compiles the rest as a resume function. The graphs a printing backend
# receives, the order of the script's own prints among them, CompileCounter's counts, explain()'s
# summary and the compile id of each graph are PyTorch's. Paths in the graphs' stack-trace comments
# are printed relative to this script's directory.
import os

import torch
from torch._dynamo.testing import CompileCounter
from torch._guards import CompileContext

DIR = os.path.dirname(os.path.abspath(__file__))


def printing_backend(gm, example_inputs):
    print(f"-- graph {CompileContext.current_compile_id()} with {len(example_inputs)} input(s)")
    print(gm.print_readable(print_output=False).replace(DIR, "<dir>"))
    return gm.forward


# (a) A print between tensor ops: two graphs, the print runs once, between them.
def print_between(x):
    y = x.sin() + 1
    print("middle: the script's own print")
    z = y * x
    return z.relu()


print("== (a) print between tensor ops")
torch._dynamo.reset()
x = torch.arange(6).float().reshape(2, 3) / 4
compiled = torch.compile(print_between, backend=printing_backend)
out = compiled(x)
print("-- eager")
print("matches eager:", torch.allclose(out, print_between(x)))
print("-- second call: both graphs cached, only the print runs")
out = compiled(x + 1)
print("matches eager:", torch.allclose(out, print_between(x + 1)))


# (b) A branch on a tensor's value: the graph before the if, then one resume graph per branch taken.
def branch(x):
    y = x * 2
    if y.sum() > 0:
        return y + 1
    else:
        return y - 1


print("== (b) data-dependent branch")
torch._dynamo.reset()
compiled = torch.compile(branch, backend=printing_backend)
pos = torch.arange(4).float()
neg = -torch.arange(4).float() - 1
print("positive input")
out = compiled(pos)
print(out.tolist(), torch.equal(out, branch(pos)))
print("negative input")
out = compiled(neg)
print(out.tolist(), torch.equal(out, branch(neg)))
print("positive again (cached)")
out = compiled(pos + 2)
print(out.tolist(), torch.equal(out, branch(pos + 2)))


# (c) Two explicit breaks: three graphs, counted.
def two_breaks(x):
    a = x.sin()
    b = a * 2
    torch._dynamo.graph_break()
    c = b.cos() + a
    torch._dynamo.graph_break()
    return c.sum(), c.mean(), c.max()


print("== (c) two graph_break() calls, CompileCounter")
torch._dynamo.reset()
cnt = CompileCounter()
compiled = torch.compile(two_breaks, backend=cnt)
x = torch.arange(5).float()
out = compiled(x)
print("frame_count", cnt.frame_count, "op_count", cnt.op_count)
print("matches eager:", all(torch.allclose(a, b) for a, b in zip(out, two_breaks(x))))
compiled(x * 3)
print("after a second call: frame_count", cnt.frame_count, "op_count", cnt.op_count)


# (d) Compile ids: one frame id per compiled code object (the function, then each resume
# function), the second number counts recompiles of that code object.
def with_breaks(x, scale):
    y = x * scale
    torch._dynamo.graph_break()
    z = y + scale
    print("with_breaks: print")
    return z.exp()


print("== (d) compile ids")
torch._dynamo.reset()
events = []
torch._dynamo.callback.on_compile_start(lambda args: events.append(f"start {args.compile_id}"))
torch._dynamo.callback.on_compile_end(lambda args: events.append(f"end {args.compile_id}"))


def id_backend(gm, example_inputs):
    ops = [n.target.__name__ if callable(n.target) else n.target for n in gm.graph.nodes
           if n.op in ("call_function", "call_method")]
    events.append(f"backend {CompileContext.current_compile_id()} ops={ops}")
    return gm.forward


compiled = torch.compile(with_breaks, backend=id_backend, dynamic=False)
x = torch.arange(3).float()
compiled(x, 2)
print("\n".join(events))
events.clear()
print("-- same call again: no compiles")
compiled(x + 1, 2)
print(events)
print("-- another scale: the function and the first resume function (it reads scale) recompile")
compiled(x, 3)
print("\n".join(events))
events.clear()
torch._dynamo.callback.callback_handler.clear()


# (e) explain(): graphs, breaks and their reasons.
def explained(x):
    y = x.sin()
    torch._dynamo.graph_break()
    z = torch.add(y, 1)
    print("explained: print")
    return torch.mul(z, x)


print("== (e) torch._dynamo.explain")
torch._dynamo.reset()
explanation = torch._dynamo.explain(explained)(torch.arange(3).float())
print("graph_count", explanation.graph_count)
print("graph_break_count", explanation.graph_break_count)
print("op_count", explanation.op_count)
print("len(break_reasons)", len(explanation.break_reasons))
for i, reason in enumerate(explanation.break_reasons):
    print(f"-- break reason {i + 1}")
    print(reason.reason)
    for frame in reason.user_stack:
        print("at", os.path.basename(frame.filename), frame.lineno, frame.name, repr(frame.line))
print("ops per graph", [[op.__name__ for op in ops] for ops in explanation.ops_per_graph])
print("-- str(explain_output) up to its ops, guards (they hold addresses) and compile times")
print(str(explanation).split("Ops per Graph:")[0].replace(DIR, "<dir>"), end="")
