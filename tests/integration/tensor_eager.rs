//! The eager tensor runtime from Python: printing, promotion, views, reductions, indexing
//! and errors, against the text PyTorch prints for the same script.

use crate::common::python;

const SCRIPT: &str = r#"
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
"#;

const EXPECTED: &str = "\
tensor([[1., 2., 3.],
        [4., 5., 6.]])
torch.Size([2, 3]) torch.float32 (3, 1) True
tensor([[1., 4.],
        [2., 5.],
        [3., 6.]]) False (1, 3)
tensor([[2., 3., 4.],
        [5., 6., 7.]]) tensor([[ 1.,  0., -3.],
        [ 4.,  0., -6.]])
tensor([0.5000, 1.0000, 1.5000])
tensor([3.5000, 4.5000, 5.5000])
torch.int8 torch.int16
tensor([ 1.0000e-01,  1.2346e+02, -2.0000e+00])
tensor([1.0000e-05, 1.0000e+00])
tensor(6) tensor([2.5000, 3.5000, 4.5000]) tensor([[ 6.],
        [15.]])
tensor([[0, 2, 4],
        [5, 7, 9]])
tensor(3.5000) tensor(True) tensor([]) tensor([], size=(0, 3))
tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
        1.9990e+03])
tensor([[  2.7183,   7.3891,  20.0855],
        [ 54.5981, 148.4132, 403.4288]])
tensor([ True, False])
tensor([1.5000, 2.5000], dtype=torch.float16) tensor([1, 2], dtype=torch.uint8)
tensor([[5., 6., 5.],
        [0., 1., 0.]])
tensor([1., 1., 1.], requires_grad=True)
tensor([   nan,    inf, 1.5000])
[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] 6.0 torch.Size([2, 3, 1]) torch.Size([3, 1])
RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1
IndexError: index 2 is out of bounds for dimension 0 with size 2
RuntimeError: shape '[4]' is invalid for input of size 6
RuntimeError: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.
RuntimeError: mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long
ValueError: expected sequence of length 2 at dim 1 (got 1)
RuntimeError: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.
RuntimeError: result type Float can't be cast to the desired output type Long
IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)
";

#[test]
fn eager_script_prints_what_pytorch_prints() {
    let run = python(SCRIPT);
    assert_eq!(run.stdout, EXPECTED);
}
