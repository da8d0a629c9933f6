# seeded generator gives pytorchs values (from the eager runtime issue), checked against PyTorch's output.
import torch
import torch.nn.functional as F
torch.manual_seed(0)
print(torch.rand(3))
torch.manual_seed(0)
print(torch.randn(3))
torch.manual_seed(0)
print(torch.randn(20)[:4])
print(torch.linspace(0, 1, 5), torch.eye(2, 3))
torch.manual_seed(0)
print(torch.randint(0, 10, (5,)), torch.randint(3, (2, 2)), torch.randint(-2**62, 2**62, (3,)))
print(torch.randint(0, 2**40, (3,)), torch.randint(5, 6, (2,), dtype=torch.uint8))
