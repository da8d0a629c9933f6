# Printing, promotion, views, reductions, indexing and errors, checked against PyTorch's output.
import torch
x = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
print(x)
print(x.shape, x.dtype, x.stride(), x.is_contiguous())
print(x.t(), x.t().is_contiguous(), x.t().stride())
print(x + 1, x * torch.tensor([1, 0, -1]))
print(torch.tensor([1, 2, 3]) / 2)
print(torch.tensor([1, 2, 3], dtype=torch.int32) + 2.5)
print((torch.tensor([1, 2], dtype=torch.int8) + 1000).dtype, (torch.tensor([1], dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8)).dtype)
print(torch.tensor([0.1, 123.456, -2.0]))
print(torch.tensor([1e-5, 1.0]))
print(torch.tensor([1, 2, 3]).sum(), x.mean(dim=0), x.sum(1, keepdim=True))
print(torch.arange(10).reshape(2, 5)[:, ::2])
print(torch.tensor(3.5), torch.tensor(True), torch.tensor([]), torch.zeros(0, 3))
print(torch.arange(2000.0))
print(x.exp())
print(torch.tensor([True, False]) & torch.tensor([True, True]))
print(torch.tensor([1.5, 2.5], dtype=torch.float16), torch.tensor([1, 2], dtype=torch.uint8))
y = torch.zeros(2, 3)
y[0] = 5
y[:, 1] += 1
print(y)
print(torch.ones(3, requires_grad=True))
print(torch.tensor([float('nan'), float('inf'), 1.5]))
print(x.tolist(), x[1, 2].item(), x[..., None].shape, x[-1].view(3, 1).shape)
for bad in ["torch.ones(2, 3) + torch.ones(4)", "x[2]", "x.view(4)", "x.t().view(6)",
            "torch.tensor([1, 2]).mean()", "torch.tensor([[1, 2], [3]])", "-torch.tensor([True])",
            "torch.tensor([1]).add_(0.5)", "x.sum(dim=2)"]:
    try:
        eval(bad)
    except Exception as e:
        print(type(e).__name__ + ":", e)
