# torch.fx.symbolic_trace on functions and modules; GraphModule, Interpreter and Transformer.
import math
import operator

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import sigmoid as imported_sigmoid
from torch.fx.node import Node


def error(fn):
    try:
        fn()
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
    else:
        print("no error")


def table(gm):
    for n in gm.graph.nodes:
        target = n.target if isinstance(n.target, str) else Node._pretty_print_target(n.target)
        print(f"  {n.op:14} {n.name:14} {target!s:28} {n.args} {dict(n.kwargs)}")


def same(a, b):
    if isinstance(a, torch.Tensor):
        return a.shape == b.shape and bool(torch.allclose(a, b))
    if isinstance(a, (tuple, list)):
        return type(a) == type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


print("== a lambda")
gm = fx.symbolic_trace(lambda x: torch.cos(x) + x * 2)
print(gm.code)
print(gm)
print(type(gm).__name__, gm._get_name())
print(gm.graph)
x = torch.tensor([0.0, 1.0, 2.0])
print(same(gm(x), torch.cos(x) + x * 2))


print("== a function with methods, getitem, kwargs and builtin-named results")


def f(x, y):
    a = x.sum(dim=0, keepdim=True)
    b = torch.sum(x)
    c = torch.max(a)
    d = x[0] + y[:, 1].sum() * x[1:, None].sum()
    e = F.relu(d, inplace=False) - imported_sigmoid(c)
    g = x.shape[0] + y.size(1)
    h = (e / 2) ** 2 - 1 // x.dim() % 3
    t = x.T @ y
    return (a, b, c), {"e": e, "h": h, "t": t, "g": g}, [-e, abs(e)]


gm = fx.symbolic_trace(f)
print(gm.code)
table(gm)
x = torch.arange(6.0).reshape(2, 3)
y = torch.ones(2, 3)
print(same(gm(x, y), f(x, y)))
print(type(gm).__name__)


print("== reflected operators and comparisons")


def g(x):
    return 1 - x, 2 / x, 3 ** x, x > 0, x <= 1, x == 2, x != 2, ~(x > 0), -x, +x


gm = fx.symbolic_trace(g)
print(gm.code)
x = torch.tensor([1.0, 2.0, 3.0])
print(same(gm(x), g(x)))


print("== a module with submodules, a parameter, a buffer and a constant tensor")


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        self.scale = torch.nn.Parameter(torch.ones(4) * 0.5)

    def forward(self, x):
        return self.lin(x) * self.scale + self.scale


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 4)
        self.relu = torch.nn.ReLU()
        self.block = Block()
        self.seq = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())
        self.weight = torch.nn.Parameter(torch.arange(4.0))
        self.register_buffer("offset", torch.ones(4))
        self.const = torch.tensor([2.0, 2.0, 2.0, 2.0])

    def forward(self, x, bias=None):
        h = self.relu(self.fc1(x))
        h = self.block(h)
        h = self.seq(h)
        h = h * self.weight + self.offset
        h = h + self.const + torch.tensor([1.0, 0.0, 0.0, 0.0])
        h = torch.matmul(h, self.fc1.weight)
        return h.softmax(dim=-1)


torch.manual_seed(0)
net = Net()
gm = fx.symbolic_trace(net)
print(gm.code)
print(gm)
table(gm)
print(sorted(n for n, _ in gm.named_parameters()))
print(sorted(n for n, _ in gm.named_buffers()))
print(hasattr(gm, "_tensor_constant0"), hasattr(gm, "_tensor_constant1"), hasattr(net, "_tensor_constant0"))
x = torch.arange(6.0).reshape(2, 3) / 6
print(same(gm(x), net(x)))
print(gm.training, gm.eval().training)
gm.print_readable()


print("== a root module whose forward calls a non-leaf module twice")


class Twice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Block()

    def forward(self, x):
        return self.inner(self.inner(x))


gm = fx.symbolic_trace(Twice())
print(gm.code)
print([n.meta.get("nn_module_stack") is not None for n in gm.graph.nodes])


print("== wrap: leaf functions")


def my_helper(x, n):
    return x * n


fx.wrap("my_helper")


@fx.wrap
def decorated(x):
    return x + 1


def uses_wrapped(x):
    return decorated(my_helper(x, 3)) + math.sqrt(4.0)


gm = fx.symbolic_trace(uses_wrapped)
print(gm.code)
table(gm)
print(same(gm(torch.ones(2)), uses_wrapped(torch.ones(2))))


print("== torch functions are put back after tracing")
print(torch.cos is torch.cos, torch.cos.__name__, F.relu.__module__, getattr(torch.cos, "_fx_original", None))


def bad(x):
    if x.sum() > 0:
        return x
    return -x


error(lambda: fx.symbolic_trace(bad))
print(torch.relu(torch.tensor([-1.0, 1.0])), getattr(torch.relu, "_fx_original", None))
error(lambda: fx.symbolic_trace(lambda x: [v for v in x]))
error(lambda: fx.symbolic_trace(lambda x: len(x)))


print("== unpacking a proxy, attributes as values, call on a proxy")


def unpack(x):
    a, b = x
    return a * b, x.T, x.dtype


gm = fx.symbolic_trace(unpack)
print(gm.code)


print("== placeholders with defaults, *args")


def defaults(x, y=2, *rest):
    return x + y + rest[0]


gm = fx.symbolic_trace(defaults)
print(gm.code)
print(gm(torch.ones(1), 3, torch.ones(1)))


print("== concrete_args")


def maybe(x, flag):
    if flag:
        return x + 1
    return x - 1


gm = fx.symbolic_trace(maybe, concrete_args={"flag": False})
print([(n.op, n.name, n.args) for n in gm.graph.nodes])
print(gm(torch.zeros(1), False))


print("== Interpreter")


class Doubler(fx.Interpreter):
    def call_function(self, target, args, kwargs):
        out = super().call_function(target, args, kwargs)
        if target is operator.add:
            return out * 2
        return out


def h(x, y):
    return torch.relu(x + y).neg(), x * y


traced = fx.symbolic_trace(h)
x = torch.tensor([1.0, -2.0])
y = torch.tensor([0.5, 0.5])
print(fx.Interpreter(traced).run(x, y))
print(Doubler(traced).run(x, y))
print(same(fx.Interpreter(traced).run(x, y), h(x, y)))
net_gm = fx.symbolic_trace(net)
xin = torch.ones(2, 3)
print(same(fx.Interpreter(net_gm).run(xin), net(xin)))
error(lambda: fx.Interpreter(traced).run(x))


class Broken(fx.Interpreter):
    def call_method(self, target, args, kwargs):
        raise ValueError("no methods today")


error(lambda: Broken(traced).run(x, y))


print("== Transformer")


class NegToSigmoid(fx.Transformer):
    def call_method(self, target, args, kwargs):
        if target == "neg":
            return torch.sigmoid(args[0])
        return super().call_method(target, args, kwargs)

    def call_function(self, target, args, kwargs):
        if target is operator.mul:
            target = operator.sub
        return super().call_function(target, args, kwargs)


new_gm = NegToSigmoid(traced).transform()
print(new_gm.code)
print(new_gm(x, y))
print(type(new_gm).__name__)
same_gm = fx.Transformer(net_gm).transform()
print(same_gm.code)
print(same(same_gm(xin), net(xin)))


print("== editing a traced graph and recompiling")
gm = fx.symbolic_trace(lambda x: torch.relu(x) + 1)
for node in gm.graph.nodes:
    if node.op == "call_function" and node.target is torch.relu:
        with gm.graph.inserting_after(node):
            new = gm.graph.call_function(torch.neg, (node,))
        node.replace_all_uses_with(new, delete_user_cb=lambda u: u is not new)
gm.recompile()
print(gm.code)
print(gm(torch.tensor([-1.0, 2.0])))
gm.graph.eliminate_dead_code()
gm.graph.lint()
new_graph = fx.Graph()
xx = new_graph.placeholder("z")
new_graph.output(new_graph.call_function(torch.exp, (xx,)))
gm.graph = new_graph
print(gm.code)
print(gm(torch.zeros(2)))


print("== add_submodule / delete_submodule")
gm = fx.symbolic_trace(net)
print(gm.add_submodule("extra.lin", torch.nn.Linear(2, 2)), gm.delete_submodule("extra.lin"), gm.delete_submodule("nothing"))
gm.delete_all_unused_submodules()
print(sorted(name for name, _ in gm.named_modules()))


print("== constant tensors on the left of operators, tensor methods given proxies")
c = torch.ones(3)
ci = torch.ones(3, dtype=torch.int64)


def consts(x, xi):
    a = c + x
    b = c * x - c / x
    d = torch.cat([x, a], dim=0)
    e = torch.where(x > 0, x, a)
    m = c.add(x, alpha=2).clamp(min=x)
    return a, b, d, e, 2 ** x, c @ x, c > x, c == x, c % x, c ** x, ci & xi, ci | xi, c[xi], m


gm = fx.symbolic_trace(consts)
print(gm.code)
x = torch.tensor([1.0, -2.0, 3.0])
xi = torch.tensor([0, 1, 1])
print(same(gm(x, xi), consts(x, xi)))
print(gm(x, xi)[-1])
print(sorted(n for n, _ in gm.named_buffers()))


print("== Sequential roots, ModuleList / ModuleDict, custom Tracer")
seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Sigmoid()))
print(fx.symbolic_trace(seq))


class ML(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(2)])
        self.d = torch.nn.ModuleDict({"a": torch.nn.Tanh()})
        self.norm = torch.nn.LayerNorm(2)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.norm(self.d["a"](x)).view(-1, 1).flatten(0)


torch.manual_seed(0)
ml = ML()
gm = fx.symbolic_trace(ml)
print(gm.code)
x = torch.randn(3, 2)
print(same(gm(x), ml(x)))


class AllLeaves(fx.Tracer):
    def is_leaf_module(self, m, qualname):
        return True


class Inner(torch.nn.Module):
    def forward(self, x):
        return x * 2


class Outer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, x):
        return self.inner(x) + 1


tracer = AllLeaves()
graph = tracer.trace(Outer())
gm = fx.GraphModule(tracer.root, graph)
print(gm)
print(type(gm.inner).__name__, gm(torch.ones(1)))
print(fx.Tracer().trace(Outer()))


print("== annotations, keyword-only and variadic parameters")
from typing import List, Optional, Tuple


def annotated(x: torch.Tensor, n: int = 3, s: List[int] = None, o: Optional[torch.Tensor] = None, t: Tuple[int, ...] = (), l: list = None) -> torch.Tensor:
    return x * n


gm = fx.symbolic_trace(annotated)
print(gm.code)
print([(n.name, n.type) for n in gm.graph.nodes if n.op == "placeholder" and n.name in ("x", "n", "l")])


def variadic(x, *args, k=1, **kw):
    return x + args[0] + kw["a"] * k


gm = fx.symbolic_trace(variadic)
print(gm.code)


print("== retracing a GraphModule, deepcopy, a GraphModule inside a traced module")
import copy


class WithConst(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)
        self.c = torch.tensor([1.0, 2.0, 3.0])

    def forward(self, x):
        return F.relu(self.lin(x)) + self.c + torch.tensor(2.0)


first = fx.symbolic_trace(WithConst())
again = fx.symbolic_trace(first)
print(again.code)
print(again)
dup = copy.deepcopy(again)
x = torch.ones(2, 3)
print(same(dup(x), first(x)), type(dup).__name__, dup.graph is not again.graph)
print([hasattr(f, "_fx_original") for f in (torch.Tensor.__add__, torch.Tensor.add, torch.nn.Module.__call__, F.relu, torch.cos)])


class HoldsGraphModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sub = first

    def forward(self, x):
        return self.sub(x) * 2


print(fx.symbolic_trace(HoldsGraphModule()).code)


print("== torch.nn.functional calls record PyTorch's argument layout")


def functional_calls(x, t, i):
    return (
        F.adaptive_avg_pool2d(x, 1), F.batch_norm(x, t, t), F.binary_cross_entropy(x, t),
        F.binary_cross_entropy_with_logits(x, t), F.cross_entropy(x, i), F.dropout(x, 0.2), F.elu(x),
        F.embedding(i, t), F.hardtanh(x), F.huber_loss(x, t), F.kl_div(x, t), F.l1_loss(x, t),
        F.layer_norm(x, [4]), F.leaky_relu(x, 0.2), F.log_softmax(x, dim=1), F.max_pool2d(x, 2), F.mish(x),
        F.mse_loss(x, t), F.nll_loss(x, i), F.normalize(x), F.pad(x, (1, 1)), F.relu(x), F.relu6(x),
        F.rms_norm(x, [4]), F.silu(x), F.smooth_l1_loss(x, t), F.softmax(x, 1), F.softmin(x, 1),
        F.sigmoid(x), F.tanh(x),
    )


print(fx.symbolic_trace(functional_calls).code)
