# An MLP trained with SGD and with Adam, eagerly and compiled with backend="aot_eager" from the same initial weights: losses, gradients and final weights agree step by step, with one forward and one backward graph.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch._dynamo.testing import AotEagerAndRecordGraphs

torch.manual_seed(0)
X = torch.randn(32, 8)
Y = torch.randn(32, 1)


def make():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))


def rel_close(a, b, rel=1e-6):
    return abs(a - b) <= rel * abs(b)


def params_close(m1, m2, rtol=1e-5, atol=1e-6):
    return all(bool(torch.allclose(p.detach(), q.detach(), rtol=rtol, atol=atol))
               for p, q in zip(m1.parameters(), m2.parameters()))


def grads_close(m1, m2, rtol=1e-5, atol=1e-6):
    return all(p.grad is not None and q.grad is not None and bool(torch.allclose(p.grad, q.grad, rtol=rtol, atol=atol))
               for p, q in zip(m1.parameters(), m2.parameters()))


def counts(backend):
    return len(backend.graphs), len(backend.fw_graphs), len(backend.bw_graphs)


def train(name, make_opt, loss_inside_graph, steps=8):
    torch._dynamo.reset()
    eager = make()
    model = copy.deepcopy(eager)
    print(f"{name}: same initial weights {params_close(eager, model, 0, 0)}")
    backend = AotEagerAndRecordGraphs()
    if loss_inside_graph:
        def step_loss(m, x, y):
            return F.mse_loss(m(x), y)

        compiled_loss = torch.compile(step_loss, backend=backend)
        run_compiled = lambda: compiled_loss(model, X, Y)  # noqa: E731
    else:
        compiled = torch.compile(model, backend=backend)
        run_compiled = lambda: F.mse_loss(compiled(X), Y)  # noqa: E731
    opt_e = make_opt(eager.parameters())
    opt_c = make_opt(model.parameters())
    first_e = first_c = last_e = last_c = None
    for i in range(steps):
        opt_e.zero_grad()
        loss_e = F.mse_loss(eager(X), Y)
        loss_e.backward()
        opt_c.zero_grad()
        loss_c = run_compiled()
        if i == 0:
            print(f"{name}: graphs before first backward {counts(backend)}")
        loss_c.backward()
        if i == 0:
            print(f"{name}: graphs after first backward {counts(backend)}")
        le, lc = loss_e.item(), loss_c.item()
        print(f"{name} step {i}: loss match {rel_close(lc, le)}, grads match {grads_close(eager, model)}, "
              f"loss requires_grad {loss_c.requires_grad}")
        opt_e.step()
        opt_c.step()
        if first_e is None:
            first_e, first_c = le, lc
        last_e, last_c = le, lc
    print(f"{name}: loss decreased eager {last_e < first_e}, compiled {last_c < first_c}")
    print(f"{name}: final parameters allclose {params_close(eager, model)}")
    print(f"{name}: graphs after training {counts(backend)}")
    if not loss_inside_graph:
        with torch.no_grad():
            out_c = compiled(X)
            out_e = eager(X)
        print(f"{name}: no_grad inference matches {bool(torch.allclose(out_c, out_e, rtol=1e-5, atol=1e-6))}, "
              f"requires_grad {out_c.requires_grad}")
        print(f"{name}: graphs after no_grad call {counts(backend)}")


train("sgd", lambda p: torch.optim.SGD(p, lr=0.1), loss_inside_graph=False)
train("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), loss_inside_graph=False)
train("adam_loss_in_graph", lambda p: torch.optim.Adam(p, lr=0.01), loss_inside_graph=True)
