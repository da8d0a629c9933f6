# Decorators that steer the tracer: allow_in_graph, assume_constant_result, disable, and
# compiled functions called from compiled functions.
import torch
from torch._dynamo.testing import CompileCounter, EagerAndRecordGraphs, normalize_gm


def show(fn, *args):
    torch._dynamo.reset()
    backend = EagerAndRecordGraphs()
    out = torch.compile(fn, backend=backend, dynamic=False)(*args)
    print(len(backend.graphs), "graph(s)")
    for gm in backend.graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))
    return out


calls = []


@torch._dynamo.assume_constant_result
def scale_factor():
    calls.append(1)
    return 3


def uses_constant(x):
    return x * scale_factor()


show(uses_constant, torch.ones(2))
print("scale_factor called at trace time only:", len(calls))


def my_op(x):
    return x.sin() + 1


torch._dynamo.allow_in_graph(my_op)


def uses_allowed(x):
    return my_op(x) * 2


show(uses_allowed, torch.ones(2))


@torch.compile(backend="eager")
def inner(x):
    return x.cos()


def calls_compiled(x):
    return inner(x) + 1


show(calls_compiled, torch.ones(2))
print("inductor" in torch._dynamo.list_backends(), "eager" in torch._dynamo.list_backends(),
      "eager" in torch._dynamo.list_backends(exclude_tags=()))
print(torch.compiler.list_backends() == torch._dynamo.list_backends())
cnt = CompileCounter()
print(torch._dynamo.disable(lambda x: x + 1)(torch.ones(1)))
