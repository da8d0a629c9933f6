# reductions with indices and normalisation (from the eager runtime issue), checked against PyTorch's output.
import torch
import torch.nn.functional as F
x = torch.tensor([[3., 1., 2.], [0., 5., 4.]])
print(x.max(), x.max(dim=1), x.argmax(), x.argmin(dim=0))
print(x.var(), x.std(dim=1), x.var(dim=0, unbiased=False))
print(x.softmax(dim=1))
print(F.log_softmax(x, dim=0), x.logsumexp(dim=1))
print(x.cumsum(0), torch.tensor([1, 2, 3]).cumsum(0))
