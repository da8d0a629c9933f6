//! Matrix products, reductions with indices, normalisation, scans, sorting, joining,
//! advanced indexing and the seeded generator, against PyTorch's printed results.

use crate::common::python;

fn check(script: &str, expected: &str) {
    let run = python(&format!(
        "import torch\nimport torch.nn.functional as F\n{script}"
    ));
    assert_eq!(run.stdout, expected);
}

#[test]
fn matrix_products() {
    check(
        "a = torch.arange(6.0).reshape(2, 3)\nb = torch.arange(12.0).reshape(3, 4)\nprint(a @ b)\n\
print(torch.matmul(torch.ones(3), torch.ones(3)), torch.ones(2, 2, 3).bmm(torch.ones(2, 3, 1)).shape)\n\
print(torch.ones(5, 2, 3).matmul(torch.ones(3)).shape, torch.ones(3).matmul(torch.ones(4, 3, 2)).shape)\n\
print(torch.tensor([[1, 2], [3, 4]]) @ torch.tensor([[1], [1]]))\n\
print(F.linear(torch.ones(2, 3), torch.ones(4, 3), torch.zeros(4)))\n\
for bad in ['torch.ones(2, 3) @ torch.ones(4, 5)', 'torch.ones(2, 3).mm(torch.ones(3, 2).double())']:\n    try:\n        eval(bad)\n    except RuntimeError as e:\n        print(e)\n",
        "tensor([[20., 23., 26., 29.],
        [56., 68., 80., 92.]])
tensor(3.) torch.Size([2, 2, 1])
torch.Size([5, 2]) torch.Size([4, 2])
tensor([[3],
        [7]])
tensor([[3., 3., 3., 3.],
        [3., 3., 3., 3.]])
mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)
expected m1 and m2 to have the same dtype, but got: float != double
",
    );
}

#[test]
fn reductions_with_indices_and_normalisation() {
    check(
        "x = torch.tensor([[3., 1., 2.], [0., 5., 4.]])\nprint(x.max(), x.max(dim=1), x.argmax(), x.argmin(dim=0))\n\
print(x.var(), x.std(dim=1), x.var(dim=0, unbiased=False))\nprint(x.softmax(dim=1))\n\
print(F.log_softmax(x, dim=0), x.logsumexp(dim=1))\nprint(x.cumsum(0), torch.tensor([1, 2, 3]).cumsum(0))\n",
        "tensor(5.) torch.return_types.max(
values=tensor([3., 5.]),
indices=tensor([0, 1])) tensor(4) tensor([1, 0, 0])
tensor(3.5000) tensor([1.0000, 2.6458]) tensor([2.2500, 4.0000, 1.0000])
tensor([[0.6652, 0.0900, 0.2447],
        [0.0049, 0.7275, 0.2676]])
tensor([[-0.0486, -4.0181, -2.1269],
        [-3.0486, -0.0181, -0.1269]]) tensor([3.4076, 5.3182])
tensor([[3., 1., 2.],
        [3., 6., 6.]]) tensor([1, 3, 6])
",
    );
}

#[test]
fn sorting_joining_and_selecting() {
    check(
        "x = torch.tensor([[3., 1., 2.], [0., 5., 4.]])\nprint(x.sort(dim=1, descending=True))\nprint(x.topk(2).indices)\n\
print(torch.cat([x, x], dim=1), torch.stack([x, x]).shape, [t.shape for t in x.chunk(2, dim=1)])\n\
print(torch.where(x > 2, x, 0.), x.masked_fill(x < 2, -1))\nprint(torch.ones(3, 3).tril(), torch.ones(2, 3).triu(1))\n\
print(x[torch.tensor([1, 0, 1])], x[:, torch.tensor([2, 0])], x[x > 2], x[[0, 1], [1, 2]])\n\
print(x.gather(1, torch.tensor([[0, 0], [1, 0]])), torch.zeros(2, 3).scatter_(1, torch.tensor([[2], [0]]), 7.0))\n\
print(F.one_hot(torch.tensor([0, 2, 1])), F.embedding(torch.tensor([[1, 0]]), torch.arange(6.).reshape(3, 2)))\n\
y = torch.zeros(4)\ny[y == 0] = 3\ny[torch.tensor([0, 2])] = torch.tensor([9., 8.])\nprint(y)\n",
        "torch.return_types.sort(
values=tensor([[3., 2., 1.],
        [5., 4., 0.]]),
indices=tensor([[0, 2, 1],
        [1, 2, 0]]))
tensor([[0, 2],
        [1, 2]])
tensor([[3., 1., 2., 3., 1., 2.],
        [0., 5., 4., 0., 5., 4.]]) torch.Size([2, 2, 3]) [torch.Size([2, 2]), torch.Size([2, 1])]
tensor([[3., 0., 0.],
        [0., 5., 4.]]) tensor([[ 3., -1.,  2.],
        [-1.,  5.,  4.]])
tensor([[1., 0., 0.],
        [1., 1., 0.],
        [1., 1., 1.]]) tensor([[0., 1., 1.],
        [0., 0., 1.]])
tensor([[0., 5., 4.],
        [3., 1., 2.],
        [0., 5., 4.]]) tensor([[2., 3.],
        [4., 0.]]) tensor([3., 5., 4.]) tensor([1., 4.])
tensor([[3., 3.],
        [5., 0.]]) tensor([[0., 0., 7.],
        [7., 0., 0.]])
tensor([[1, 0, 0],
        [0, 0, 1],
        [0, 1, 0]]) tensor([[[2., 3.],
         [0., 1.]]])
tensor([9., 3., 8., 3.])
",
    );
}

#[test]
fn seeded_generator_gives_pytorchs_values() {
    check(
        "torch.manual_seed(0)\nprint(torch.rand(3))\ntorch.manual_seed(0)\nprint(torch.randn(3))\n\
torch.manual_seed(0)\nprint(torch.randn(20)[:4])\nprint(torch.linspace(0, 1, 5), torch.eye(2, 3))\n",
        "tensor([0.4963, 0.7682, 0.0885])
tensor([ 1.5410, -0.2934, -2.1788])
tensor([-1.1258, -1.1524, -0.2506, -0.4339])
tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000]) tensor([[1., 0., 0.],
        [0., 1., 0.]])
",
    );
}
