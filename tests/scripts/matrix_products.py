# matrix products (from the eager runtime issue), checked against PyTorch's output.
import torch
import torch.nn.functional as F
a = torch.arange(6.0).reshape(2, 3)
b = torch.arange(12.0).reshape(3, 4)
print(a @ b)
print(torch.matmul(torch.ones(3), torch.ones(3)), torch.ones(2, 2, 3).bmm(torch.ones(2, 3, 1)).shape)
print(torch.ones(5, 2, 3).matmul(torch.ones(3)).shape, torch.ones(3).matmul(torch.ones(4, 3, 2)).shape)
print(torch.tensor([[1, 2], [3, 4]]) @ torch.tensor([[1], [1]]))
print(F.linear(torch.ones(2, 3), torch.ones(4, 3), torch.zeros(4)))
for bad in ['torch.ones(2, 3) @ torch.ones(4, 5)', 'torch.ones(2, 3).mm(torch.ones(3, 2).double())']:
    try:
        eval(bad)
    except RuntimeError as e:
        print(e)
for e in ["torch.ones(2,3) @ torch.ones(4,5)", "torch.ones(2,3).mm(torch.ones(4,5))", "torch.ones(2,2,3) @ torch.ones(4,5)", "torch.ones(2,3) @ torch.ones(2,4,5)", "F.linear(torch.ones(2,3), torch.ones(4,5))","torch.ones(2,2,3).bmm(torch.ones(2,4,5))","torch.ones(3) @ torch.ones(4)","torch.ones(3) @ torch.ones(4,5)","torch.ones(2,3) @ torch.ones(4)", "torch.ones(2,3).mm(torch.ones(3,2).double())"]:
    try:
        eval(e)
    except Exception as ex:
        print(e, type(ex).__name__, ex)
