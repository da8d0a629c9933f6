# AOT autograd as the aot_eager backend: the Dynamo graph, the forward graph (outputs plus the
# values saved for backward) and the backward graph (saved values + tangents -> gradients), as
# AotEagerAndRecordGraphs records them and as PyTorch prints them; which values the partitioner
# saves and which it recomputes in backward; the backward compiled on the first backward call
# (LAZY_BACKWARD callbacks with the frame's compile id); forward-only graphs when no gradient is
# needed; custom compilers through aot_autograd(); annotations and checkpointed regions.
# Paths in the graphs' stack-trace comments are printed relative to this script's directory.
import os

import torch
import torch.fx.traceback as fx_traceback
import torch.utils.checkpoint
from torch._dynamo.backends.common import aot_autograd
from torch._dynamo.testing import AotEagerAndRecordGraphs

DIR = os.path.dirname(os.path.abspath(__file__))


def show(gm):
    print(gm.print_readable(print_output=False).replace(DIR, "<dir>"))


def counts(backend):
    return f"graphs={len(backend.graphs)} fw={len(backend.fw_graphs)} bw={len(backend.bw_graphs)}"


print("== relu(sin(x) * w).sum()")


def f(x, w):
    return torch.relu(torch.sin(x) * w).sum()


torch._dynamo.reset()
backend = AotEagerAndRecordGraphs()
x = torch.randn(4, 3, requires_grad=True)
w = torch.randn(3, requires_grad=True)
out = torch.compile(f, backend=backend)(x, w)
print("after forward:", counts(backend))
print("grad_fn:", type(out.grad_fn).__name__)
out.backward()
print("after backward:", counts(backend))
for gm in backend.graphs + backend.fw_graphs + backend.bw_graphs:
    show(gm)
x2, w2 = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
f(x2, w2).backward()
print("grads equal eager:", torch.allclose(x.grad, x2.grad), torch.allclose(w.grad, w2.grad))

print("== the backward is compiled when it first runs")
def g(x):
    return (x.exp() * 2).tanh()


torch._dynamo.reset()  # (also drops registered callbacks)
events = []
torch._dynamo.callback.on_compile_start(lambda args: events.append(f"start {args.callback_trigger.name} {args.compile_id}"))
torch._dynamo.callback.on_compile_end(lambda args: events.append(f"end {args.callback_trigger.name} {args.compile_id}"))
backend = AotEagerAndRecordGraphs()
compiled = torch.compile(g, backend=backend)
a = torch.randn(5, requires_grad=True)
y = compiled(a)
print("forward:", counts(backend), events)
y.sum().backward()
print("backward:", counts(backend), events)
y = compiled(a)
y.sum().backward()
print("again:", counts(backend), events)
torch._dynamo.callback.callback_handler.clear()
for gm in backend.fw_graphs + backend.bw_graphs:
    show(gm)

print("== no gradient needed: one forward-only graph")
torch._dynamo.reset()
backend = AotEagerAndRecordGraphs()
compiled = torch.compile(g, backend=backend)
with torch.no_grad():
    compiled(a)
compiled(torch.randn(5))
print(counts(backend))
for gm in backend.fw_graphs:
    show(gm)

print("== custom compilers through aot_autograd")
seen = []


def fw_compiler(gm, example_inputs):
    seen.append(("fw", [n.name for n in gm.graph.nodes if n.op == "placeholder"],
                 [tuple(t.shape) for t in example_inputs]))
    return gm.forward


def bw_compiler(gm, example_inputs):
    seen.append(("bw", [n.name for n in gm.graph.nodes if n.op == "placeholder"],
                 [tuple(t.shape) for t in example_inputs]))
    return gm.forward


def h(x, y):
    return (x @ y).sigmoid() / y.sum()


torch._dynamo.reset()
p = torch.randn(2, 3, requires_grad=True)
q = torch.randn(3, 4, requires_grad=True)
compiled = torch.compile(h, backend=aot_autograd(fw_compiler=fw_compiler, bw_compiler=bw_compiler))
compiled(p, q).sum().backward()
for entry in seen:
    print(entry)
p2, q2 = p.detach().clone().requires_grad_(), q.detach().clone().requires_grad_()
h(p2, q2).sum().backward()
print("grads equal eager:", torch.allclose(p.grad, p2.grad), torch.allclose(q.grad, q2.grad))

print("== annotations and a checkpointed region")


class Mod(torch.nn.Module):
    def forward(self, x):
        with fx_traceback.annotate({"pp_stage": 0}):
            sin = torch.sin(x)
            with fx_traceback.annotate({"bucket": 1}):
                mul = sin * 2
        return mul / 3


torch._dynamo.reset()
backend = AotEagerAndRecordGraphs()
torch.compile(Mod(), backend=backend, fullgraph=True)(torch.randn(6, requires_grad=True)).sum().backward()
for gm in backend.graphs + backend.fw_graphs + backend.bw_graphs:
    print(fx_traceback._get_custom_metadata(gm))
    show(gm)


def body(x):
    return torch.cos(x + 1) * x


def with_checkpoint(x):
    y = torch.utils.checkpoint.checkpoint(body, x, use_reentrant=True)
    return torch.sigmoid(y)


torch._dynamo.reset()
backend = AotEagerAndRecordGraphs()
x = torch.randn(6, requires_grad=True)
torch.compile(with_checkpoint, backend=backend, fullgraph=True)(x).sum().backward()
for gm in backend.graphs + backend.fw_graphs + backend.bw_graphs:
    show(gm)
x2 = x.detach().clone().requires_grad_()
with_checkpoint(x2).sum().backward()
print("grads equal eager:", torch.allclose(x.grad, x2.grad))
