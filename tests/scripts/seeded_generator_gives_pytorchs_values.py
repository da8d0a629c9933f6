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
