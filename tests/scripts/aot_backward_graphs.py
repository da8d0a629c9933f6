# The backward graphs AOT autograd records for common ops, as PyTorch's derivative formulas
# write them (softmax's `_softmax_backward_data`, gelu's `gelu_backward`, `where` with a
# `scalar_tensor` zero, `.Scalar` overloads for a formula's own numbers, `sgn` ...), and the
# gradients they give under aot_eager and inductor compared with eager; PyTorch 2.15's output.
import torch
import torch.nn.functional as F
from torch._dynamo.testing import AotEagerAndRecordGraphs, normalize_gm

torch.manual_seed(0)


def grads_of(fn, args, backend):
    args = [a.detach().requires_grad_() if a.is_floating_point() else a for a in args]
    out = (torch.compile(fn, backend=backend) if backend else fn)(*args)
    out.sum().backward()
    return [out.detach()] + [a.grad for a in args if a.requires_grad]


def show(title, fn, *args):
    torch._dynamo.reset()
    backend = AotEagerAndRecordGraphs()
    got = grads_of(fn, args, backend)
    print("==", title)
    for gm in backend.fw_graphs + backend.bw_graphs:
        print(normalize_gm(gm.print_readable(print_output=False)))
    want = grads_of(fn, args, None)
    torch._dynamo.reset()
    jit = grads_of(fn, args, "inductor")
    print("results and gradients match eager:", all(torch.allclose(g, w, atol=1e-5) for g, w in zip(got + jit, want + want)))


r = torch.randn
show("softmax", lambda x: x.softmax(-1), r(3, 4))
show("log_softmax", lambda x: x.log_softmax(-1), r(3, 4))
show("gelu", lambda x: F.gelu(x), r(3, 4))
show("gelu, tanh approximation", lambda x: F.gelu(x, approximate="tanh"), r(3, 4))
show("silu", lambda x: F.silu(x), r(3, 4))
show("where", lambda x: torch.where(x > 0, x, x * 0.1), r(3, 4))
show("mean", lambda x: x.mean(), r(3, 4))
show("mean over a dim", lambda x: x.mean(0), r(3, 4))
show("exp and log of abs", lambda x: x.exp() + x.abs().log(), r(3, 4))
show("pow and sqrt", lambda x: x.pow(2) + x.abs().sqrt(), r(3, 4))
show("div", lambda x, y: x / y, r(3, 4), r(3, 4))
show("tanh and sigmoid", lambda x: x.tanh() * x.sigmoid(), r(3, 4))
show("clamp", lambda x: x.clamp(-0.5, 0.5), r(3, 4))
show("rsqrt", lambda x: (x.abs() + 1).rsqrt(), r(3, 4))
show("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), r(3, 4), r(4), r(4))
show("mse_loss", lambda x, t: F.mse_loss(x, t), r(3, 4), r(3, 4))
show("embedding", lambda w, i: F.embedding(i, w), r(5, 3), torch.tensor([1, 4, 1]))
show("an identity (dropout in eval mode): an inference graph", lambda x: F.dropout(x, 0.5, training=False), r(3, 4))
show("attention: matmul, softmax, matmul", lambda q, k, v: (q @ k.transpose(-2, -1)).softmax(-1) @ v,
     r(2, 3, 4), r(2, 3, 4), r(2, 3, 4))
show("scaled_dot_product_attention, causal: the flash-attention ops", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
     r(1, 2, 4, 8), r(1, 2, 4, 8), r(1, 2, 4, 8))
show("scaled_dot_product_attention with a scale", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.5),
     r(1, 2, 4, 8), r(1, 2, 4, 8), r(1, 2, 4, 8))
