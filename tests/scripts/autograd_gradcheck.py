# Every differentiable primitive against central differences in float64 (torch.autograd.gradcheck),
# including broadcasting and views. Prints one line per case; PyTorch prints the same.
import torch
from torch.autograd import gradcheck

torch.manual_seed(0)


def leaf(*shape, positive=False, low=None):
    t = torch.rand(*shape, dtype=torch.float64)
    t = t + 0.5 if positive else t * 2 - 1
    return t.requires_grad_()


CASES = {
    "neg": (lambda x: -x, [leaf(3)]),
    "abs": (lambda x: x.abs(), [leaf(3, positive=True)]),
    "exp": (torch.exp, [leaf(2, 3)]),
    "log": (torch.log, [leaf(3, positive=True)]),
    "log1p": (torch.log1p, [leaf(3, positive=True)]),
    "expm1": (torch.expm1, [leaf(3)]),
    "sqrt": (torch.sqrt, [leaf(3, positive=True)]),
    "rsqrt": (torch.rsqrt, [leaf(3, positive=True)]),
    "sin": (torch.sin, [leaf(3)]),
    "cos": (torch.cos, [leaf(3)]),
    "tan": (torch.tan, [leaf(3)]),
    "tanh": (torch.tanh, [leaf(3)]),
    "sigmoid": (torch.sigmoid, [leaf(3)]),
    "relu": (torch.relu, [leaf(4)]),
    "gelu": (torch.nn.functional.gelu, [leaf(4)]),
    "gelu tanh": (lambda x: torch.nn.functional.gelu(x, approximate="tanh"), [leaf(4)]),
    "silu": (torch.nn.functional.silu, [leaf(4)]),
    "erf": (torch.erf, [leaf(3)]),
    "reciprocal": (torch.reciprocal, [leaf(3, positive=True)]),
    "add broadcast": (torch.add, [leaf(2, 3), leaf(3)]),
    "sub scalar": (lambda x: 2 - x, [leaf(3)]),
    "mul broadcast": (torch.mul, [leaf(2, 1), leaf(1, 3)]),
    "div": (torch.div, [leaf(2, 3), leaf(2, 3, positive=True)]),
    "pow tensor": (torch.pow, [leaf(3, positive=True), leaf(3)]),
    "pow scalar": (lambda x: x ** 3, [leaf(3)]),
    "scalar pow": (lambda x: 2 ** x, [leaf(3)]),
    "maximum": (torch.maximum, [leaf(4), leaf(4)]),
    "minimum": (torch.minimum, [leaf(4), leaf(4)]),
    "atan2": (torch.atan2, [leaf(3), leaf(3, positive=True)]),
    "sum dim": (lambda x: x.sum(1), [leaf(2, 3)]),
    "sum keepdim": (lambda x: x.sum(0, keepdim=True), [leaf(2, 3)]),
    "mean": (lambda x: x.mean(), [leaf(2, 3)]),
    "mean dims": (lambda x: x.mean((0, 2)), [leaf(2, 3, 2)]),
    "prod": (lambda x: x.prod(1), [leaf(2, 3)]),
    "amax": (lambda x: x.amax(1), [leaf(2, 3)]),
    "max dim": (lambda x: x.max(1).values, [leaf(2, 3)]),
    "min dim keepdim": (lambda x: x.min(0, keepdim=True).values, [leaf(2, 3)]),
    "cumsum": (lambda x: x.cumsum(1), [leaf(2, 3)]),
    "sort": (lambda x: x.sort(1).values, [leaf(2, 3)]),
    "var": (lambda x: x.var(1), [leaf(2, 3)]),
    "std": (lambda x: x.std(), [leaf(2, 3)]),
    "softmax": (lambda x: x.softmax(1), [leaf(2, 3)]),
    "log_softmax": (lambda x: x.log_softmax(0), [leaf(2, 3)]),
    "logsumexp": (lambda x: x.logsumexp(1), [leaf(2, 3)]),
    "mm": (torch.mm, [leaf(2, 3), leaf(3, 4)]),
    "bmm": (torch.bmm, [leaf(2, 2, 3), leaf(2, 3, 2)]),
    "matmul broadcast": (torch.matmul, [leaf(2, 2, 3), leaf(3, 2)]),
    "matmul vec": (torch.matmul, [leaf(3), leaf(3, 2)]),
    "dot": (torch.matmul, [leaf(3), leaf(3)]),
    "linear": (torch.nn.functional.linear, [leaf(2, 3), leaf(4, 3), leaf(4)]),
    "cat": (lambda a, b: torch.cat([a, b], 1), [leaf(2, 2), leaf(2, 3)]),
    "stack": (lambda a, b: torch.stack([a, b]), [leaf(3), leaf(3)]),
    "where": (lambda a, b: torch.where(a > 0, a, b), [leaf(4), leaf(4)]),
    "masked_fill": (lambda a: a.masked_fill(a > 0, 0.5), [leaf(4)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), [leaf(5)]),
    "index_select": (lambda a: a.index_select(1, torch.tensor([2, 0, 2])), [leaf(2, 3)]),
    "gather": (lambda a: a.gather(1, torch.tensor([[0, 0], [2, 1]])), [leaf(2, 3)]),
    "advanced index": (lambda a: a[torch.tensor([1, 1, 0]), 1:], [leaf(2, 3)]),
    "bool mask": (lambda a: a[a > 0], [leaf(6)]),
    "view": (lambda a: a.view(3, 2), [leaf(2, 3)]),
    "reshape non-contiguous": (lambda a: a.t().reshape(6), [leaf(2, 3)]),
    "transpose": (lambda a: a.transpose(0, 2), [leaf(2, 3, 2)]),
    "permute": (lambda a: a.permute(2, 0, 1), [leaf(2, 3, 2)]),
    "expand": (lambda a: a.expand(2, 3, 3), [leaf(3, 1)]),
    "squeeze unsqueeze": (lambda a: a.squeeze(1).unsqueeze(0), [leaf(3, 1)]),
    "select": (lambda a: a[1], [leaf(2, 3)]),
    "slice step": (lambda a: a[:, ::2], [leaf(2, 5)]),
    "narrow": (lambda a: a.narrow(1, 1, 2), [leaf(2, 3)]),
    "split": (lambda a: a.split(2, 1)[1], [leaf(2, 5)]),
    "unbind": (lambda a: a.unbind(1)[2], [leaf(2, 3)]),
    "tril": (lambda a: a.tril(), [leaf(3, 3)]),
    "to float64": (lambda a: a.to(torch.float64) * 2, [leaf(3)]),
    "embedding": (lambda w: torch.nn.functional.embedding(torch.tensor([[0, 2], [2, 1]]), w), [leaf(3, 2)]),
    "one op on a view chain": (lambda a: (a.t()[1:] * a[0, 1:].unsqueeze(1)).sum(0), [leaf(3, 3)]),
}

for name, (fn, inputs) in CASES.items():
    try:
        ok = gradcheck(fn, inputs)
    except Exception as e:
        ok = f"{type(e).__name__}: {e}"
    print(f"{name}: {ok}")

# Second derivatives through create_graph.
x = leaf(3)
(g,) = torch.autograd.grad((x.sin() * x).sum(), x, create_graph=True)
(gg,) = torch.autograd.grad(g.sum(), x)
expected = 2 * x.cos() - x * x.sin()
print("second derivative:", torch.allclose(gg, expected.detach()) if hasattr(torch, "allclose") else bool(((gg - expected).abs() < 1e-9).all()))
