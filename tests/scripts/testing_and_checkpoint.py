# torch.testing.assert_close reports, allclose/isclose/equal, and torch.utils.checkpoint recomputing in backward with the same gradients.
import torch
import torch.nn as nn
from torch.testing import assert_close
from torch.utils.checkpoint import checkpoint


def report(fn):
    try:
        fn()
        print("passed")
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
        print("--")


report(lambda: assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0 + 1e-7])))
report(lambda: assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0])))
report(lambda: assert_close(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.5, 4.5]])))
report(lambda: assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0, 3.0])))
report(lambda: assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64)))
report(lambda: assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64), check_dtype=False))
report(lambda: assert_close(torch.tensor([1, 2]), torch.tensor([1, 3])))
report(lambda: assert_close(1.0, 1.5))
report(lambda: assert_close(2, 3))
report(lambda: assert_close([torch.tensor(1.0), torch.tensor(2.0)], [torch.tensor(1.0), torch.tensor(2.5)]))
report(lambda: assert_close({"a": torch.tensor(1.0)}, {"a": torch.tensor(2.0)}))
report(lambda: assert_close(torch.tensor([float("nan")]), torch.tensor([float("nan")])))
report(lambda: assert_close(torch.tensor([float("nan")]), torch.tensor([float("nan")]), equal_nan=True))
report(lambda: assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]), rtol=0.1, atol=0))
report(lambda: assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]), rtol=0.5, atol=0))
report(lambda: assert_close(torch.tensor([1.0]), torch.tensor([2.0]), msg="custom message"))
report(lambda: assert_close(torch.tensor([1.0]), torch.tensor([2.0]), rtol=1e-3))
report(lambda: assert_close(torch.tensor([1.0]), [1.0]))
report(lambda: assert_close(torch.tensor([True, False]), torch.tensor([True, True])))

a = torch.tensor([1.0, 2.0, float("nan")])
b = torch.tensor([1.0 + 1e-9, 2.1, float("nan")])
print(torch.isclose(a, b), torch.isclose(a, b, equal_nan=True), torch.isclose(a, b, rtol=0.1))
print(torch.allclose(a[:2], b[:2]), torch.allclose(a[:2], b[:2], atol=0.2), torch.allclose(a, a, equal_nan=True))
print(torch.equal(a[:2], a[:2].clone()), torch.equal(a[:2], b[:2]), torch.equal(torch.ones(2), torch.ones(3)))
report(lambda: torch.isclose(torch.ones(1), torch.ones(1, dtype=torch.float64)))

# Checkpointing recomputes the block in backward and gives the same gradients.
torch.manual_seed(0)
block = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4))
x = torch.randn(3, 4, requires_grad=True)
block(x).pow(2).sum().backward()
plain = [p.grad.clone() for p in block.parameters()] + [x.grad.clone()]
block.zero_grad()
x.grad = None
calls = []
handle = block.register_forward_hook(lambda m, i, o: calls.append(1))
out = checkpoint(block, x, use_reentrant=True)
print(len(calls), out.requires_grad)
out.pow(2).sum().backward()
print(len(calls))
ckpt = [p.grad for p in block.parameters()] + [x.grad]
print(all(torch.allclose(p, q) for p, q in zip(plain, ckpt)))
handle.remove()
out = checkpoint(lambda t, s: torch.sin(t) * s, x, 2.0, use_reentrant=False)
x.grad = None
out.sum().backward()
print(torch.allclose(x.grad, 2.0 * torch.cos(x)))
