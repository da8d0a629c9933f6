# torch.matmul as PyTorch decomposes it when traced: mm/dot/mv for matrices and vectors, a batch
# folded into one mm when that needs no copy, else expand + view + bmm + view over the broadcast
# batch; the AOT forward and backward graphs (static and with a symbolic batch), eager results,
# gradients and size errors compared with PyTorch 2.15's output.
import torch
from torch._dynamo.testing import AotEagerAndRecordGraphs, normalize_gm

torch.manual_seed(0)


def show(title, fn, calls, train):
    torch._dynamo.reset()
    backend = AotEagerAndRecordGraphs()
    compiled = torch.compile(fn, backend=backend)
    for args in calls:
        if train:
            args = [a.detach().requires_grad_() for a in args]
            compiled(*args).sum().backward()
        else:
            with torch.no_grad():
                compiled(*args)
    print(f"== {title} ({'training' if train else 'inference'})")
    for gm in backend.fw_graphs + backend.bw_graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))


r = torch.randn
for train in (False, True):
    show("1-D @ 3-D", lambda a, b: a @ b, [(r(4), r(2, 4, 5))], train)
    show("2-D @ 3-D", lambda a, b: a @ b, [(r(3, 4), r(2, 4, 5))], train)
    show("3-D @ 1-D", lambda a, b: a @ b, [(r(2, 3, 4), r(4))], train)
    show("4-D @ 4-D", lambda a, b: a @ b, [(r(2, 2, 3, 4), r(2, 2, 4, 3))], train)
    show("1-D @ 2-D", lambda a, b: a @ b, [(r(4), r(4, 3))], train)
    show("2-D @ 1-D", lambda a, b: a @ b, [(r(3, 4), r(4))], train)
    show("1-D @ 1-D", lambda a, b: a @ b, [(r(4), r(4))], train)
    show("a non-contiguous batch @ 2-D", lambda a, b: a.transpose(0, 1) @ b, [(r(3, 2, 4), r(4, 5))], train)
    show("attention scores over a dynamic sequence", lambda q, k: q @ k.transpose(-2, -1),
         [(r(2, 2, n, 4), r(2, 2, n, 4)) for n in (3, 5, 7)], train)
    show("a linear layer on 4-D input", torch.nn.Linear(4, 3), [(r(2, 2, 3, 4),)], train)

for sa, sb in [((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)),
               ((2, 2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4,)), ((2, 3, 4), (2, 4, 5)), ((4,), (4,))]:
    a, b = r(sa, requires_grad=True), r(sb, requires_grad=True)
    out = a @ b
    g = r(out.shape)
    (out * g).sum().backward()
    print(sa, sb, tuple(out.shape), [round(float(v), 2) for v in (out.detach().sum(), a.grad.sum(), b.grad.sum(),
                                                                     (a.grad ** 2).sum(), (b.grad ** 2).sum())])
for sa, sb in [((2, 3, 4), (2, 5, 6)), ((2, 3, 4), (3, 4, 5)), ((3, 4), (2, 5, 6)), ((2, 3, 4), (5,)),
               ((2, 3, 4), (5, 6)), ((3,), (4,)), ((), (3,))]:
    try:
        r(sa) @ r(sb)
    except RuntimeError as e:
        print(sa, sb, e)
