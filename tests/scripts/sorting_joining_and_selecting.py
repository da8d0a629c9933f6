# sorting joining and selecting (from the eager runtime issue), checked against PyTorch's output.
import torch
import torch.nn.functional as F
x = torch.tensor([[3., 1., 2.], [0., 5., 4.]])
print(x.sort(dim=1, descending=True))
print(x.topk(2).indices)
print(torch.cat([x, x], dim=1), torch.stack([x, x]).shape, [t.shape for t in x.chunk(2, dim=1)])
print(torch.where(x > 2, x, 0.), x.masked_fill(x < 2, -1))
print(torch.ones(3, 3).tril(), torch.ones(2, 3).triu(1))
print(x[torch.tensor([1, 0, 1])], x[:, torch.tensor([2, 0])], x[x > 2], x[[0, 1], [1, 2]])
print(x.gather(1, torch.tensor([[0, 0], [1, 0]])), torch.zeros(2, 3).scatter_(1, torch.tensor([[2], [0]]), 7.0))
print(F.one_hot(torch.tensor([0, 2, 1])), F.embedding(torch.tensor([[1, 0]]), torch.arange(6.).reshape(3, 2)))
y = torch.zeros(4)
y[y == 0] = 3
y[torch.tensor([0, 2])] = torch.tensor([9., 8.])
print(y)
