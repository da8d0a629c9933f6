# In-place writes into views of tensors that take part in autograd (PyTorch's CopySlices): item and slice assignment, augmented assignment through indexing, in-place methods on views; gradients and node names as PyTorch's.
import torch
from torch.autograd import gradcheck

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
w = torch.tensor([5.0, 7.0, 11.0], requires_grad=True)
m = torch.tensor([[1.0, 10.0, 100.0], [1000.0, 10000.0, 100000.0]])


def run(name, f):
    x.grad = None
    w.grad = None
    y = x * 1
    f(y)
    print(name, y.grad_fn.name(), type(y.grad_fn).__name__, y.is_leaf)
    (y * m).sum().backward()
    print(" ", x.grad.tolist(), w.grad.tolist() if w.grad is not None else None)


run("setitem-scalar", lambda y: y.__setitem__(0, 0.0))
run("setitem-tensor", lambda y: y.__setitem__((slice(None), 2), w[:2] * 2))
run("imul-through-index", lambda y: y[:, 1].__imul__(w[1]))
run("methods-on-views", lambda y: (y[:, 1].mul_(w[1]), y[1, 1:].add_(w[:2]), y[0].clamp_(max=1.5)))
run("fill-and-zero", lambda y: (y[1].fill_(3.0), y[0, :2].zero_()))

z = torch.zeros(2, 3)
a = torch.ones(3, requires_grad=True)
z[1] = a * 3
print(z.grad_fn.name(), z.requires_grad, z.is_leaf)
z.sum().backward()
print(a.grad)

h = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).clone()
v = h[:, 0]
v.mul_(2)
print(v.grad_fn.name(), h.grad_fn.name(), h.tolist())

try:
    leaf = torch.ones(3, requires_grad=True)
    leaf[0] = 1.0
except RuntimeError as e:
    print("RuntimeError:", e)


def f(a, b):
    y = a * 1
    y[1:, :2] = b.exp()
    y[0].add_(b[0, 0] * 3)
    y[:, 2] *= b[1, 1]
    return y


d64 = dict(dtype=torch.float64, requires_grad=True)
print("gradcheck", gradcheck(f, (torch.linspace(-1, 1, 9, **d64).reshape(3, 3).detach().requires_grad_(), torch.tensor([[0.5, -0.25], [1.5, 2.0]], **d64))))
