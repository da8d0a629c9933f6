# Symbolic shapes: automatic dynamic on recompile, dynamic=True/False, mark_dynamic/mark_static,
# symbolic ints, shape guards. Frame counts, the Dynamo graphs, AOT autograd's inference and
# training (forward and backward) graphs, recompile reasons and results and gradients (under
# eager, aot_eager and inductor) compared with PyTorch 2.15's output.
import re

import torch
from torch._dynamo.testing import AotEagerAndRecordGraphs, CompileCounterWithBackend, EagerAndRecordGraphs, normalize_gm
from torch._dynamo.utils import guard_failures

torch.manual_seed(0)


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(torch.allclose(a, b, atol=1e-5))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _reasons():
    out = []
    for reasons in guard_failures.values():
        # The user-code note after a shape guard names the script by a path that depends on
        # where PyTorch is installed: left out.
        out.extend(r.split("  # ")[0].rstrip() for r in reasons)
    return out


def run(title, fn, calls, dynamic=None, backends=("eager", "aot_eager", "inductor"), graphs=True, grads=False):
    """Compiles `fn`, calls it on each argument tuple; prints frames, graphs and recompile
    reasons (recorded under the first backend) and whether every backend matches eager."""
    ok = True
    for i, backend in enumerate(backends):
        torch._dynamo.reset()
        rec = EagerAndRecordGraphs()
        cnt = CompileCounterWithBackend(backend)

        def both(gm, example_inputs):
            rec(gm, example_inputs)
            return cnt(gm, example_inputs)

        compiled = torch.compile(fn, backend=both, dynamic=dynamic)
        for args in calls:
            if grads:
                args = [a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
                        for a in args]
                ref_args = [a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point()
                            else a for a in args]
            else:
                ref_args = args
            out = compiled(*args)
            ref = fn(*ref_args)
            ok = ok and _same(out, ref)
            if grads:
                out.sum().backward()
                ref.sum().backward()
                for a, r in zip(args, ref_args):
                    if isinstance(a, torch.Tensor) and a.requires_grad:
                        ok = ok and _same(a.grad, r.grad)
        if i == 0:
            print(f"== {title}: frames={cnt.frame_count}")
            if graphs:
                for gm in rec.graphs:
                    print(normalize_gm(gm.print_readable(print_output=False)))
            for r in _reasons():
                print("recompile:", r)
    print("matches eager:", ok)


def f(x, y):
    a = x * 2
    n = x.shape[0] // 2
    return a.sum(1), y[:n]


run("the issue's example: batch and a slice by x.shape[0] // 2", f,
    [(torch.randn(4, 3), torch.randn(8)), (torch.randn(6, 3), torch.randn(9)), (torch.randn(8, 3), torch.randn(10))])
run("dynamic=True compiles once", lambda x: x.sum(1) * 2, [(torch.randn(5, 3),), (torch.randn(7, 3),)], dynamic=True)
run("dynamic=False compiles each shape", lambda x: x.sum(1) * 2,
    [(torch.randn(5, 3),), (torch.randn(7, 3),), (torch.randn(9, 3),)], dynamic=False)
run("view with -1", lambda x: x.view(-1, 2).relu(), [(torch.randn(4, 6),), (torch.randn(5, 6),), (torch.randn(7, 6),)])
run("reshape of a sequence dim", lambda x: x.reshape(x.shape[0], -1) + 1,
    [(torch.randn(2, 3, 4),), (torch.randn(2, 5, 4),), (torch.randn(2, 7, 4),)])
run("cat of two dynamic inputs", lambda x, y: torch.cat([x, y]) + 1,
    [(torch.randn(2, 3), torch.randn(4, 3)), (torch.randn(3, 3), torch.randn(5, 3))])
run("matmul with a dynamic batch", lambda x, w: x @ w,
    [(torch.randn(2, 3), torch.randn(3, 4)), (torch.randn(5, 3), torch.randn(3, 4)), (torch.randn(6, 3), torch.randn(3, 4))])
run("broadcasting a size-1 dim against a symbolic one", lambda x, y: x + y,
    [(torch.randn(2, 3), torch.randn(1, 3)), (torch.randn(5, 3), torch.randn(1, 3)), (torch.randn(6, 3), torch.randn(1, 3))])
run("two inputs of equal varying size", lambda x, y: x * y + x,
    [(torch.randn(2, 3), torch.randn(2, 3)), (torch.randn(4, 3), torch.randn(4, 3)), (torch.randn(5, 3), torch.randn(5, 3))])
run("a reduction over the dynamic dim", lambda x: x.sum(0) + x.mean(0),
    [(torch.randn(3, 4),), (torch.randn(6, 4),), (torch.randn(9, 4),)])
run("softmax and layer norm over a sequence", lambda x: torch.nn.functional.layer_norm(x.softmax(-1), (4,)),
    [(torch.randn(2, 3, 4),), (torch.randn(2, 6, 4),)])


def branch(x):
    if x.shape[0] > 4:
        return x + 1
    return x - 1


run("a branch on a size", branch, [(torch.randn(5),), (torch.randn(6),), (torch.randn(3),), (torch.randn(7),)])
run("a Python int argument", lambda x, n: x * n, [(torch.randn(3), 2), (torch.randn(3), 3), (torch.randn(3), 4)])


def with_int_size(x, n):
    return x[:n] * 2


run("an int used as a slice bound", with_int_size, [(torch.randn(8), 2), (torch.randn(8), 3), (torch.randn(8), 5)])


def sizes_returned(x):
    return x.size(0) + 1, x.size(1)


run("sizes returned", sizes_returned, [(torch.randn(4, 3),), (torch.randn(5, 4),)], dynamic=True)
run("numel", lambda x: x * x.numel(), [(torch.randn(4, 3),), (torch.randn(5, 3),)])


def shape_of_cat(x):
    c = torch.cat([x, x])
    n = c.shape[0]
    return c.view(n, -1)


run("the size of an intermediate", shape_of_cat, [(torch.randn(4, 3),), (torch.randn(5, 3),)], dynamic=True)


def marked(x):
    return x * 2


x = torch.randn(4, 3)
torch._dynamo.mark_dynamic(x, 0)
run("mark_dynamic: symbolic from the first call", marked, [(x,), (torch.randn(6, 3),)])
y = torch.randn(4, 3)
torch._dynamo.mark_static(y, 0)
run("mark_static keeps a dim static under dynamic=True", marked, [(y,)], dynamic=True)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)).sum(-1)


net = Net()
run("a module with a dynamic batch", net, [(torch.randn(2, 3),), (torch.randn(5, 3),), (torch.randn(7, 3),)])
run("a module's gradients", net, [(torch.randn(2, 3),), (torch.randn(5, 3),)], backends=("aot_eager", "inductor"),
    graphs=False, grads=True)
run("gradients through a dynamic graph", lambda x: (x.sin() * x).sum(1),
    [(torch.randn(2, 3),), (torch.randn(4, 3),), (torch.randn(6, 3),)], graphs=False, grads=True)
run("the JIT on many sizes", lambda x: (x * 2 + 1).relu(),
    [(torch.randn(n),) for n in (3, 5, 17, 33, 100, 1000, 4097)], backends=("inductor",), graphs=False)


def seq(x):
    return x.sum(-1) * 2


run("a dynamic sequence dim (dim 1)", seq, [(torch.randn(2, 3, 4),), (torch.randn(2, 5, 4),), (torch.randn(2, 9, 4),)])
run("transpose and unsqueeze of a symbolic dim", lambda x: x.t().unsqueeze(0) * 3,
    [(torch.randn(3, 2),), (torch.randn(5, 2),), (torch.randn(6, 2),)])
run("expand a size-1 dim to a symbolic size", lambda x, y: x.expand(y.shape[0], 4) + y,
    [(torch.randn(1, 4), torch.randn(3, 4)), (torch.randn(1, 4), torch.randn(5, 4)), (torch.randn(1, 4), torch.randn(7, 4))])
run("a new tensor of a symbolic size", lambda x: x + torch.ones(x.shape[0], 1),
    [(torch.randn(3, 2),), (torch.randn(4, 2),), (torch.randn(8, 2),)])
run("flatten", lambda x: x.flatten() + 1, [(torch.randn(2, 3),), (torch.randn(4, 3),), (torch.randn(5, 3),)])
run("mean with keepdim over a symbolic dim", lambda x: x - x.mean(0, keepdim=True),
    [(torch.randn(3, 4),), (torch.randn(5, 4),), (torch.randn(6, 4),)])
run("first and last rows", lambda x: x[0] + x[-1], [(torch.randn(3, 4),), (torch.randn(5, 4),), (torch.randn(6, 4),)])
run("slices that drop one row", lambda x: x[1:] - x[:-1], [(torch.randn(3, 4),), (torch.randn(5, 4),), (torch.randn(6, 4),)])
run("stack of two dynamic inputs", lambda x, y: torch.stack([x, y]).sum(0),
    [(torch.randn(2, 3), torch.randn(2, 3)), (torch.randn(5, 3), torch.randn(5, 3))])
run("a view by a product of sizes", lambda x: x.view(x.shape[0] * x.shape[1]) * 2,
    [(torch.randn(2, 3),), (torch.randn(4, 3),), (torch.randn(5, 3),)])


def same_rows(x, y):
    if x.shape[0] == y.shape[0]:
        return x + y
    return x.sum() + y.sum()


run("a branch on two sizes being equal", same_rows,
    [(torch.randn(2, 3), torch.randn(2, 3)), (torch.randn(4, 3), torch.randn(4, 3)), (torch.randn(4, 3), torch.randn(5, 3))])
run("size 1 after a dynamic compile recompiles", lambda x: x * 2,
    [(torch.randn(3),), (torch.randn(4),), (torch.randn(5),), (torch.randn(1),)])


def attention(q, k, v):
    s = (q @ k.transpose(-1, -2)) / (q.shape[-1] ** 0.5)
    return s.softmax(-1) @ v


run("attention over a dynamic sequence", attention,
    [tuple(torch.randn(2, n, 8) for _ in range(3)) for n in (3, 5, 7)])
run("cumsum along a symbolic dim", lambda x: x.cumsum(0), [(torch.randn(3),), (torch.randn(5),), (torch.randn(9),)])
run("an int from a size passed on", lambda x: torch.nn.functional.pad(x, (0, 1)) * x.shape[-1],
    [(torch.randn(2, 3),), (torch.randn(2, 5),), (torch.randn(2, 6),)])
run("a float argument that changes (tensorified)", lambda x, lr: x * (0.5 * lr) + lr ** 0.5,
    [(torch.randn(3), 0.1), (torch.randn(3), 0.2), (torch.randn(3), 0.3)], graphs=False)
y = torch.randn(5, 3)
torch._dynamo.maybe_mark_dynamic(y, 0)
run("maybe_mark_dynamic", marked, [(y,), (torch.randn(7, 3),)])
run("gradients of attention over a dynamic sequence", attention,
    [tuple(torch.randn(2, n, 8) for _ in range(3)) for n in (3, 5, 7)], backends=("aot_eager", "inductor"),
    graphs=False, grads=True)



def checked(x):
    torch._check(x.shape[0] > 3)
    return x + 1


run("torch._check on a size: a runtime assertion in the graph, and a guard", checked,
    [(torch.randn(5),), (torch.randn(7),)], dynamic=True)


def contradictory(x):
    torch._check(x.shape[0] > 10)
    torch._check(x.shape[0] < 5, lambda: "smaller than 5")
    return x + 1


for args in ((torch.ones(20),), (torch.ones(2),)):
    torch._dynamo.reset()
    try:
        torch.compile(contradictory, backend="eager", dynamic=True)(*args)
    except RuntimeError as e:
        lines = str(e).splitlines()
        print("contradictory torch._check:", type(e).__name__, "|", lines[0])
        print(re.sub(" at 0x[0-9a-f]+", "", lines[1]))
for bad in (lambda: torch._check(False, lambda: "custom message"), lambda: torch._check_value(1 > 2),
            lambda: torch._check_index(False), lambda: torch._check(1)):
    try:
        bad()
    except Exception as e:
        print("torch._check family:", type(e).__name__, str(e)[:60])

# Inference graphs through AOT autograd: traced once for all sizes (Sym inputs), as PyTorch.


def aot(title, fn, calls):
    torch._dynamo.reset()
    backend = AotEagerAndRecordGraphs()
    compiled = torch.compile(fn, backend=backend)
    with torch.no_grad():
        for args in calls:
            compiled(*args)
    print(f"== {title}: forward graphs={len(backend.fw_graphs)}")
    for gm in backend.fw_graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))


aot("aot: a row reduction", lambda x: x.sum(1) * 2, [(torch.randn(n, 3),) for n in (4, 6, 8)])
aot("aot: a size used as a value and a slice bound",
    lambda x, y: (x.sum(1) * 2 + x.shape[0]).view(-1, 1) + y[: x.shape[0] // 2].sum(),
    [(torch.randn(n, 3), torch.randn(n + 1)) for n in (4, 6, 8)])
aot("aot: broadcasting a bias", lambda x, b: (x + b).relu(), [(torch.randn(n, 5), torch.randn(5)) for n in (2, 3, 9)])
aot("aot: softmax over a dynamic batch", lambda x: x.softmax(-1) * x.shape[0], [(torch.randn(n, 7),) for n in (3, 5, 6)])
aot("aot: a linear layer", torch.nn.Linear(4, 3), [(torch.randn(n, 4),) for n in (2, 5, 7)])
aot("aot: cat along the dynamic dim", lambda x, y: torch.cat([x, y]).cos(),
    [(torch.randn(n, 3), torch.randn(n + 2, 3)) for n in (2, 4, 5)])


# Training graphs through AOT autograd: the joint graph traced once for all sizes, split into a
# forward that saves sizes for backward and a backward taking them (Sym inputs), as PyTorch.


def aot_train(title, fn, calls):
    ok = True
    for backend in (AotEagerAndRecordGraphs(), "inductor"):
        torch._dynamo.reset()
        compiled = torch.compile(fn, backend=backend)
        for args in calls:
            args = [a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
                    for a in args]
            ref_args = [a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
                        for a in args]
            out, ref = compiled(*args), fn(*ref_args)
            out.sum().backward()
            ref.sum().backward()
            ok = ok and _same(out, ref) and all(_same(a.grad, r.grad) for a, r in zip(args, ref_args)
                                                 if isinstance(a, torch.Tensor) and a.requires_grad)
        if not isinstance(backend, str):
            print(f"== {title}: forward graphs={len(backend.fw_graphs)}, backward graphs={len(backend.bw_graphs)}")
            for gm in backend.fw_graphs + backend.bw_graphs:
                print(normalize_gm(gm.print_readable(print_output=False)))
    print("results and gradients match eager:", ok)


aot_train("aot training: a row reduction", lambda x: x.sum(1) * 2, [(torch.randn(n, 3),) for n in (4, 6, 8)])
aot_train("aot training: saved activations", lambda x: (x.relu() * x).cos(), [(torch.randn(n, 3),) for n in (4, 6, 8)])
aot_train("aot training: a linear layer", torch.nn.Linear(4, 3), [(torch.randn(n, 4),) for n in (2, 5, 7)])
aot_train("aot training: broadcasting a bias", lambda x, b: (x + b).relu() * b,
          [(torch.randn(n, 5), torch.randn(5)) for n in (2, 3, 9)])
aot_train("aot training: slicing by a size", lambda x: x[: x.shape[0] // 2].exp(),
          [(torch.randn(n, 3),) for n in (4, 6, 8)])
aot_train("aot training: matmul", lambda x, w: (x @ w).tanh(), [(torch.randn(n, 4), torch.randn(4, 3)) for n in (2, 5, 7)])
aot_train("aot training: bmm over a sequence dim", lambda q, k: torch.bmm(q, k.transpose(1, 2)).sigmoid(),
          [(torch.randn(2, n, 4), torch.randn(2, n, 4)) for n in (3, 5, 7)])
aot_train("aot training: an MLP", torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)),
          [(torch.randn(n, 4),) for n in (2, 5, 7)])
aot_train("aot training: a keepdim reduction", lambda x: x - x.sum(0, keepdim=True),
          [(torch.randn(n, 3),) for n in (2, 5, 7)])
aot_train("aot training: unsqueeze and expand", lambda x: x.unsqueeze(1).expand(-1, 4, -1) * 3,
          [(torch.randn(n, 3),) for n in (2, 5, 7)])
aot_train("aot training: a size as a value", lambda x: x * x.shape[0], [(torch.randn(n, 3),) for n in (2, 5, 7)])
aot_train("aot training: reshape by sizes", lambda x: x.reshape(x.shape[0], 2, 3).sum(1),
          [(torch.randn(n, 6),) for n in (2, 5, 7)])
aot_train("aot training: linear, layer norm, gelu, linear",
          torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6), torch.nn.GELU(), torch.nn.Linear(6, 3)),
          [(torch.randn(n, 4),) for n in (2, 5, 7)])
aot_train("aot training: attention over a dynamic sequence",
          lambda q, k, v: ((q @ k.transpose(-2, -1)) / 2).softmax(-1) @ v,
          [tuple(torch.randn(2, n, 4) for _ in range(3)) for n in (3, 5, 7)])
aot_train("aot training: a dynamic dim 1", lambda x: (x.sin() * 2).sum(1), [(torch.randn(2, n),) for n in (3, 5, 7)])


# Data-dependent sizes: with capture_scalar_outputs an integer `.item()` is an unbacked SymInt
# (`u0`), and with capture_dynamic_output_shape_ops `nonzero` and boolean masks give tensors of
# an unbacked size, with runtime assertions of its range; without them the graph breaks.


def data_dependent(title, fn, args, aot=False):
    ok = True
    for backend in ("eager", "aot_eager", "inductor"):
        torch._dynamo.reset()
        rec = AotEagerAndRecordGraphs() if aot else EagerAndRecordGraphs()
        cnt = CompileCounterWithBackend(backend)

        def both(gm, example_inputs):
            rec(gm, example_inputs)
            return cnt(gm, example_inputs)

        with torch._dynamo.config.patch(capture_scalar_outputs=True, capture_dynamic_output_shape_ops=True):
            out = torch.compile(fn, backend=rec if aot and backend == "aot_eager" else both)(*args)
        ok = ok and _same(out, fn(*args))
        if backend == "eager" or (aot and backend == "aot_eager"):
            print(f"== {title} ({backend}): graphs={len(rec.graphs)}")
            for gm in rec.graphs if not aot else rec.fw_graphs:
                print(normalize_gm(gm.print_readable(print_output=False)))
    print("matches eager:", ok)


data_dependent("an integer item() as a scalar", lambda x, y: y * x.sum().item(),
               (torch.tensor([1, 2, 3]), torch.ones(2)))
data_dependent("nonzero", lambda x: x.nonzero().float().sum(0), (torch.tensor([0.0, 1.0, 2.0, 0.0]),))
data_dependent("a boolean mask", lambda x: x[x > 0] * 2, (torch.tensor([-1.0, 1.0, 2.0, -3.0]),))
data_dependent("nonzero through AOT autograd", lambda x: x.nonzero().float() * 2,
               (torch.tensor([0.0, 1.0, 2.0, 0.0]),), aot=True)
data_dependent("a boolean mask through AOT autograd", lambda x: x[x > 0] * 2, (torch.tensor([-1.0, 1.0, 2.0, -3.0]),),
               aot=True)
data_dependent("lengths of two nonzeros added", lambda x, y: torch.cat([x.nonzero(), y.nonzero()]).float().mean(),
               (torch.tensor([0.0, 1.0]), torch.tensor([3.0, 0.0, 2.0])), aot=True)
mask = torch.tensor([True, False, True, False])
print("index_put with a mask:", torch.zeros(4).index_put((mask,), torch.tensor([1.0, 2.0])),
      torch.ops.aten.index.Tensor(torch.arange(4.0), [mask]))
torch._dynamo.reset()
cnt = CompileCounterWithBackend("eager")
print("without capture_dynamic_output_shape_ops, nonzero breaks the graph:",
      _same(torch.compile(lambda x: x.nonzero() * 2, backend=cnt)(torch.tensor([0.0, 3.0])),
            torch.tensor([[2]])), cnt.frame_count)
