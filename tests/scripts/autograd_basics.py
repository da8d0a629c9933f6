# Autograd basics: grad_fn names, hooks-free backward, no_grad, create_graph, freed graphs and in-place version errors, checked against PyTorch's output.
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = (x.sin() * w).relu().sum()
print(y, type(y.grad_fn).__name__, [(type(n).__name__, i) for n, i in y.grad_fn.next_functions])
y.backward()
print(x.grad, w.grad)
z = x * 2
print(z.grad_fn.name(), z.is_leaf, x.is_leaf, z.requires_grad)
with torch.no_grad():
    q = x * 2
print(q.requires_grad, torch.is_grad_enabled())
g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
print(g)
g2, = torch.autograd.grad(g.sum(), x)
print(g2)
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    (x * 2).backward()
except RuntimeError as e:
    print("RuntimeError:", e)
a = torch.ones(2, 3, requires_grad=True)
b = torch.ones(3, requires_grad=True)
(a * b).sum().backward()
print(a.grad, b.grad)
m = torch.randn(4, 3, requires_grad=True)
v = m.t()[1:, ::2]
v.sum().backward()
print(m.grad)
e = x.exp()
x2 = e.detach()
s = e.sum()
e.add_(1)
try:
    s.backward()
    print("no error (sum does not save its input)")
except RuntimeError as err:
    print(err)
e2 = x.exp(); f = e2.sum(); 
with torch.no_grad(): e2.mul_(2)
try:
    f.backward()
    print("ok")
except RuntimeError as err:
    print("RuntimeError:", err)
e3 = x.exp()
f3 = (e3 * e3).sum()
with torch.no_grad(): e3.mul_(2)
try:
    f3.backward()
except RuntimeError as err:
    print("RuntimeError:", err)

# Hooks, retain_grad, accumulation and torch.autograd.Function.
a = torch.tensor([1.0, -2.0], requires_grad=True)
b = a * 3
b.retain_grad()
h = b.register_hook(lambda g: g * 10)
a.register_hook(lambda g: print("leaf hook sees", g))
(b * b).sum().backward()
print(a.grad, b.grad)
(a * 1).sum().backward()
print(a.grad)
a.grad = None


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


c = Cube.apply(a)
print(type(c.grad_fn).__name__, c.requires_grad)
c.sum().backward()
print(a.grad)


@torch.no_grad()
def f(t):
    return t * 2


print(f(a).requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print((a * 2).requires_grad)
print((a * 2).requires_grad)
try:
    a.add_(1)
except RuntimeError as e:
    print("RuntimeError:", e)
print(a.detach().requires_grad, a.detach()._version == a._version)

# A grad-mode context remembers one previous mode, set on entry (PyTorch's `prev`).
ctx = torch.no_grad()
ctx.__exit__(None, None, None)  # a fresh no_grad restores False
print(torch.is_grad_enabled())
torch.set_grad_enabled(True)
try:
    torch.enable_grad().__exit__(None, None, None)
except AttributeError as e:
    print("AttributeError:", e)
with torch.set_grad_enabled(False) as nothing:
    print(nothing, torch.is_grad_enabled())
print(torch.is_grad_enabled())

# A graph dropped without a backward is freed, also where a node saved its own output (exp's
# node keeps y, y keeps the node: a cycle in smelt, which the collector must see through the
# native saved context).
import gc
import weakref

leaf = torch.randn(10, requires_grad=True)


def dropped_graph():
    y = (leaf * 2).exp()
    z = torch.tanh(y).sum()
    return [weakref.ref(y), weakref.ref(z)]


refs = dropped_graph()
gc.collect()
print("graph without backward freed:", [r() is None for r in refs])
