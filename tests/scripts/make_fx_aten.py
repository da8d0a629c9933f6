# make_fx: aten-level graphs as PyTorch records them (names, overloads, trimmed default
# arguments, getitem nodes, dead code kept), fake tracing, running the GraphModule, fake
# propagation and errors that name the node.
import operator
import torch
import torch.fx
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx
from torch.fx.passes.fake_tensor_prop import FakeTensorProp

torch.manual_seed(0)


def f(x, y):
    y = torch.sin(y) * 2
    z = (x * y).sum(0)
    return torch.relu(z + 1), x.t()


x, y = torch.randn(3, 4), torch.randn(3, 4)
gm = make_fx(f)(x, y)
print(gm.code)
gm.print_readable()
print(torch.equal(gm(x, y)[0], f(x, y)[0]), torch.equal(gm(x, y)[1], f(x, y)[1]))


def g(x, w, b):
    return F.softmax(F.linear(x, w, b), -1)


args = (torch.randn(2, 3), torch.randn(4, 3), torch.randn(4))
gm = make_fx(g)(*args)
print(gm.code)
for n in gm.graph.nodes:
    val = n.meta.get("val")
    print(n.op, n.name, n.target, n.args, sorted(n.meta), type(val).__name__,
          None if val is None else (list(val.shape), val.dtype))
print(torch.allclose(gm(*args), g(*args)))
print(make_fx(lambda x: F.linear(x, torch.ones(4, 3)))(torch.randn(5, 2, 3)).code)


def many(x, y):
    a = torch.max(x, 1)[0]
    b = x.t()
    c = x.t().reshape(12)
    d = (x > 0) & (y <= 1.5)
    e = 2 + x - 1
    g = 2 - x
    h = x / 2 + 2 / x + x ** 2 + 2 ** x
    i = x.mean(1, keepdim=True) + x.sum() + x.amax(0)
    j = x.to(torch.float64) + x.t().contiguous().t().double()
    k = torch.cat([x, y], 1).view(3, 2, 4).permute(2, 0, 1).transpose(0, 1)
    l = x[0] + x[:, 1:3].sum() + x.unsqueeze(0).squeeze(0).expand(2, 3, 4).sum()
    m = torch.where(x > 0, x, y) + torch.zeros(3, 4) + torch.ones_like(x)
    n = x.clone() + x.abs().neg().exp()
    o = (x[:], x[1:], x[:2], x[::2], x[:, -2:], x[..., None], x.narrow(1, 1, 2), x[-1])
    return a, c, d, e, g, h, i, j, k, l, m, n, o


gm = make_fx(many)(x, y)
print(gm.code)
ours, theirs = gm(x, y), many(x, y)
print(all(torch.allclose(p, q) for p, q in zip(ours[:12], theirs[:12])),
      all(torch.equal(p, q) for p, q in zip(ours[12], theirs[12])))


def creation(x):
    y = torch.zeros_like(x)
    z = torch.full_like(x, 2.0)
    w = torch.empty(2, 3)
    v = torch.full((2,), 7)
    u = torch.zeros(2, dtype=torch.int64)
    y[0] = 5
    y[:, 0] = x[:, 1]
    return y, z, w.shape, v, u, torch.ones_like(x, dtype=torch.float64)


print(make_fx(creation)(x).code)


def layers(x):
    y = x.clone()
    y.add_(1)
    z = F.gelu(x) + F.silu(x) + F.layer_norm(x, [4]) + F.log_softmax(x, 1) + torch.tanh(x)
    return y, z, x @ x.t()


for mode in ("real", "fake"):
    gm = make_fx(layers, tracing_mode=mode)(x)
    print(gm.code)
    print([type(n.meta["val"]).__name__ for n in gm.graph.nodes if n.op == "call_function"][:4])
print(all(torch.allclose(p, q, atol=1e-6) for p, q in zip(make_fx(layers)(x)(x), layers(x))))

print(make_fx(lambda *args: args[0] + args[1])(x, y).code)

# A decomposition table replaces an operator by what its function records.
aten = torch.ops.aten
table = {aten.relu.default: lambda t: torch.where(t > 0, t, 0.0 * t)}
gm = make_fx(lambda t: torch.relu(t) * 3, decomposition_table=table)(x)
print(gm.code)
print(torch.allclose(gm(x), torch.relu(x) * 3))

# Loss and module graphs.
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
target = torch.tensor([0, 1, 1])
with torch.no_grad():
    gm = make_fx(lambda inp: F.cross_entropy(model(inp), target))(x)
print(gm.code)
print(torch.allclose(gm(x), F.cross_entropy(model(x), target)))
print(sorted(k for k in vars(gm) if k.startswith("_tensor_constant") or k.startswith("_param_constant")))

# Operator objects.
print(aten.sum.dim_IntList, repr(aten.sum.dim_IntList), aten.sum.dim_IntList.name(), aten.sin.default.name())
print(aten.sum, repr(aten.sum), aten.sum.dim_IntList.overloadpacket is aten.sum)
print(aten.mul.Tensor(x, 2).shape, aten.sum(x).shape)
try:
    aten.sum.not_an_overload
except AttributeError as e:
    print("AttributeError:", e)

# Fake propagation through a graph, and a graph whose shapes do not fit.
gm = make_fx(f)(x, y)
FakeTensorProp(gm).propagate(torch.randn(5, 4), torch.randn(5, 4))
print([(n.name, list(n.meta["val"].shape)) for n in gm.graph.nodes if n.op == "call_function"])
graph = torch.fx.Graph()
a = graph.placeholder("a")
b = graph.placeholder("b")
mm = graph.call_function(aten.mm.default, (a, b))
graph.output(graph.call_function(aten.relu.default, (mm,)))
bad = torch.fx.GraphModule(torch.nn.Module(), graph)
try:
    FakeTensorProp(bad).propagate(torch.randn(2, 3), torch.randn(4, 5))
except RuntimeError as e:
    print("RuntimeError:", [line for line in str(e).splitlines() if "While executing" in line])
graph = torch.fx.Graph()
a = graph.placeholder("a")
graph.output(graph.call_function(aten.sin.default, (a, a)))
try:
    torch.fx.Interpreter(torch.fx.GraphModule(torch.nn.Module(), graph)).run(torch.randn(2))
except (TypeError, RuntimeError) as e:
    print("wrong arity:", [line for line in str(e).splitlines() if "While executing" in line])

# normalize_gm: what PyTorch's tests compare printed graphs with.
from torch._dynamo.testing import normalize_gm

gm = make_fx(f)(x, y)
print(normalize_gm(gm.print_readable(print_output=False)))
print(repr(normalize_gm("a  \n\n\n  # note\nb\t\n")))

# nll_loss_forward's second output is the total weight the mean divides by.
logp = F.log_softmax(torch.randn(3, 4), 1)
targets = torch.tensor([0, -100, 2])
w = torch.tensor([1.0, 2.0, 3.0, 4.0])
for reduction in (0, 1, 2):
    print(reduction, aten.nll_loss_forward.default(logp, targets, None, reduction, -100)[1],
          aten.nll_loss_forward.default(logp, targets, w, reduction, -100)[1])
