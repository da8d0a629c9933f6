# AOT autograd (backend="aot_eager"): each small function's outputs and every input's gradient, compiled against eager, on the same inputs.
import copy
import sys
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch._dynamo.testing import AotEagerAndRecordGraphs

torch.manual_seed(0)
RTOL = 1e-5
ATOL = 1e-5


def clone_inputs(inputs):
    return [x.detach().clone().requires_grad_(x.requires_grad) if isinstance(x, torch.Tensor) else x
            for x in inputs]


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def close(a, b):
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return a == b
    if a.shape != b.shape or a.dtype != b.dtype or a.requires_grad != b.requires_grad:
        return False
    return bool(torch.allclose(a.detach(), b.detach(), rtol=RTOL, atol=ATOL))


def backward(outs, grad_outs):
    if grad_outs is not None:
        torch.autograd.backward(outs, grad_outs)
        return
    loss = None
    for o in outs:
        if isinstance(o, torch.Tensor) and o.requires_grad:
            loss = o.sum() if loss is None else loss + o.sum()
    if loss is not None:
        loss.backward()


def grad_status(a, b):
    if a.grad is None and b.grad is None:
        return "None"
    if a.grad is None or b.grad is None:
        return f"None-mismatch(eager={a.grad is None}, compiled={b.grad is None})"
    if a.grad.device != b.grad.device:
        return f"device-mismatch(compiled={b.grad.device.type})"
    return close(a.grad, b.grad)


def check(name, fn, inputs, grad_outs=None, compare_inputs=False):
    """Runs `fn` eagerly and compiled (on clones of the same inputs), backward through both,
    and prints whether outputs and each tensor input's .grad agree."""
    torch._dynamo.reset()
    eager_in = clone_inputs(inputs)
    comp_in = clone_inputs(inputs)
    try:
        eager_out = as_tuple(fn(*eager_in))
        backward(eager_out, grad_outs)
        compiled = torch.compile(fn, backend="aot_eager")
        comp_out = as_tuple(compiled(*comp_in))
        out_ok = len(eager_out) == len(comp_out) and all(close(a, b) for a, b in zip(eager_out, comp_out))
        backward(comp_out, grad_outs)
        grads = [grad_status(a, b) for a, b in zip(eager_in, comp_in) if isinstance(a, torch.Tensor)]
        grads_ok = all(g is True or g == "None" for g in grads)
        line = f"{name}: out {out_ok}, grads {grads_ok} {grads}"
        if compare_inputs:
            line += f", inputs after {all(close(a, b) for a, b in zip(eager_in, comp_in))}"
        print(line)
    except Exception as e:
        print(f"{name}: EXCEPTION {type(e).__name__}")
        print(f"--- {name}", file=sys.stderr)
        traceback.print_exc()


def rand(*shape, grad=True, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype).requires_grad_(grad)


# Broadcasting.
check("broadcast_mul_row", lambda x, w: x * w, [rand(4, 3), rand(3)])
check("broadcast_outer_add", lambda a, b: (a + b) * b, [rand(4, 1), rand(1, 3)])
check("broadcast_scalar_tensor", lambda x, s: x * s + s.exp(), [rand(2, 3), rand(())])
check("broadcast_3d", lambda x, y: (x - y).abs().sum(-1), [rand(2, 1, 4), rand(3, 4)])

# Views.
check("view_reshape", lambda x, w: (x.view(2, 6) * w).reshape(3, 4).sum(0), [rand(3, 4), rand(6)])
check("transpose_t", lambda x, y: x.t() * y + x.transpose(0, 1).sin(), [rand(3, 4), rand(4, 3)])
check("permute", lambda x, w: x.permute(2, 0, 1) * w, [rand(2, 3, 4), rand(3)])
check("slice_columns", lambda x: x[:, 1:] * 2 + x[:, :-1] * x[:, 1:], [rand(4, 5)])
check("slice_step", lambda x: x[::2, 1::2].exp(), [rand(6, 6)])
check("select_rows", lambda x: x[0] * x[1] + x[-1], [rand(3, 4)])
check("unsqueeze_squeeze", lambda x, y: (x.unsqueeze(1) * y.unsqueeze(0)).sum(1).squeeze(), [rand(4), rand(5)])
check("squeeze_dim", lambda x: x.squeeze(1).cos() * x.squeeze(), [rand(4, 1, 3)])
check("expand", lambda x, y: x.expand(4, 3) * y, [rand(1, 3), rand(4, 3)])
check("flatten_unflatten", lambda x: x.flatten(1).tanh().unflatten(1, (2, 3)), [rand(2, 3, 2)])

# In-place ops on non-leaf intermediates.


def inplace_chain(x):
    y = x * 2
    y.add_(1)
    y.mul_(x)
    return y


def inplace_activation(x, w):
    y = x @ w
    y.sub_(0.5)
    y.relu_()
    return y.sum(1) * 2


def inplace_on_view(x):
    y = x.clone()
    y[:, 0].mul_(3)
    y[1].add_(x[0])
    return y


check("inplace_chain", inplace_chain, [rand(3, 4)])
check("inplace_activation", inplace_activation, [rand(4, 3), rand(3, 5)])
check("inplace_on_view", inplace_on_view, [rand(3, 3)])

# Multiple outputs; unused inputs; inputs not requiring grad.
check("multi_output", lambda x, y: (x * y, x.sin(), (y.exp() * 2).sum()), [rand(3), rand(3)])
check("multi_output_given_grads", lambda x: (x.cos(), x * 3),
      [rand(2, 3)], grad_outs=(torch.randn(2, 3), torch.randn(2, 3)))
check("unused_input", lambda x, y, z: x * y, [rand(3), rand(3), rand(3)])
check("mixed_requires_grad", lambda x, c, w: (x * c + w) / (c.abs() + 1),
      [rand(4, 2), rand(4, 2, grad=False), rand(2)])
check("nondiff_output", lambda x: (x * 2, x.argmax(), x > 0), [rand(5)])
check("no_input_requires_grad", lambda x, y: x * y + 1, [rand(3, grad=False), rand(3, grad=False)])
check("same_output_twice", lambda x: (x.sin(),) * 2, [rand(4)])
check("output_view_of_input", lambda x: (x.t(), x.view(-1) * 2), [rand(2, 3)])
check("split_outputs", lambda x: x.split(2) + x.unbind(1), [rand(4, 3)])


def no_grad_region(x, w):
    with torch.no_grad():
        c = x * w
    return x * c + w


check("no_grad_region_inside", no_grad_region, [rand(3), rand(3)])

# Reductions.
check("sum_dims", lambda x: x.sum(0) * x.sum(dim=(1, 2)).sum() + x.sum(-1, keepdim=True).sum(), [rand(2, 3, 4)])
check("mean", lambda x: x.mean() + x.mean(1, keepdim=True) * x, [rand(3, 4)])
check("amax_max", lambda x: x.amax(1) + x.max(0).values.sum(), [rand(3, 4)])
check("prod", lambda x: x.prod(1) + x.prod(), [rand(3, 4)])
check("var_std", lambda x: x.var(0) + x.std(1).sum(), [rand(4, 3)])

# Matrix products.
check("matmul", lambda x, w: x @ w, [rand(4, 3), rand(3, 2)])
check("matmul_batched", lambda x, w: torch.matmul(x, w).relu(), [rand(2, 4, 3), rand(3, 5)])
check("mm_bmm", lambda a, b, c: torch.mm(a, b).sum() + torch.bmm(c, c.transpose(1, 2)), [rand(3, 4), rand(4, 2), rand(2, 3, 3)])
check("linear", lambda x, w, b: F.linear(x, w, b), [rand(5, 4), rand(3, 4), rand(3)])
check("matmul_vector", lambda x, v: x @ v, [rand(4, 3), rand(3)])

# Activations.
check("relu_sigmoid_tanh", lambda x: x.relu() + torch.sigmoid(x) * torch.tanh(x), [rand(4, 5)])
check("gelu_silu", lambda x: F.gelu(x) + F.silu(x) + F.gelu(x, approximate="tanh"), [rand(4, 5)])
check("softmax", lambda x: F.softmax(x, dim=-1), [rand(3, 6)], grad_outs=(torch.randn(3, 6),))
check("log_softmax", lambda x: F.log_softmax(x, dim=1) * x, [rand(3, 6)])
check("leaky_elu_softplus", lambda x: F.leaky_relu(x, 0.1) + F.elu(x) + F.softplus(x), [rand(10)])

# Elementwise arithmetic.
check("div_tensors", lambda x, y: x / (y * y + 1) + 1 / (x.abs() + 2), [rand(3, 4), rand(3, 4)])
check("pow", lambda x, y: x.pow(3) + (x.abs() + 1) ** y + 2 ** y + x ** 2, [rand(5), rand(5)])
check("exp_log", lambda x: (x.exp() + 1).log() + torch.log1p(x.abs()) + (x.abs() + 0.1).sqrt(), [rand(6)])
check("where_clamp", lambda x, y: torch.where(x > 0, x * y, y * 2) + x.clamp(-0.5, 0.5), [rand(3, 4), rand(3, 4)])
check("cat_stack", lambda x, y: torch.cat([x, y * 2], 0).sin() + torch.stack([x, y], 1).sum(1).repeat(2, 1),
      [rand(2, 3), rand(2, 3)])
check("float64", lambda x, y: (x @ y).tanh() / (y.sum() + 10), [rand(3, 3, dtype=torch.float64), rand(3, 3, dtype=torch.float64)])
check("python_scalar_arg", lambda x, a: x * a + a, [rand(3), 2.5])
check("gather_index", lambda x, idx: x.gather(1, idx) * 2 + x[idx[:, 0]].sum(), [rand(3, 4), torch.tensor([[0, 3], [1, 1], [2, 0]])])
check("index_select", lambda x, idx: x.index_select(0, idx) * 2, [rand(4, 3), torch.tensor([3, 0, 3])])
check("maximum_minimum", lambda x, y: torch.maximum(x, y) + torch.minimum(x, y * 2), [rand(5), rand(5)])
check("detach_inside", lambda x: x.detach() * x + x, [rand(4)])
check("losses", lambda x, t, y: F.mse_loss(x, t) + F.cross_entropy(x, y),
      [rand(4, 3), rand(4, 3, grad=False), torch.tensor([0, 2, 1, 2])])
check("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [rand(3, 4), rand(4), rand(4)])


def mutate_input(x, buf):
    buf.add_(1)
    return x * buf


check("mutate_input_buffer", mutate_input, [rand(3), rand(3, grad=False)], compare_inputs=True)

# An nn.Module: parameters' grads as well as the input's.
torch._dynamo.reset()
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Sigmoid())
model_c = copy.deepcopy(model)
x = torch.randn(5, 4)
xe, xc = x.clone().requires_grad_(), x.clone().requires_grad_()
try:
    out_e = model(xe)
    out_e.sum().backward()
    out_c = torch.compile(model_c, backend="aot_eager")(xc)
    out_c.sum().backward()
    params_ok = [close(p.grad, q.grad) for p, q in zip(model.parameters(), model_c.parameters())]
    print(f"nn_module: out {close(out_e, out_c)}, input grad {close(xe.grad, xc.grad)}, param grads {params_ok}")
except Exception as e:
    print(f"nn_module: EXCEPTION {type(e).__name__}")
    traceback.print_exc()

# The same compiled function called twice: the second call reuses the graph; grads accumulate.
torch._dynamo.reset()
try:
    fn = lambda x, w: (x * w).tanh()
    xs = rand(3, 2)
    ws = rand(2)
    xe, we = clone_inputs([xs, ws])
    xc, wc = clone_inputs([xs, ws])
    compiled = torch.compile(fn, backend="aot_eager")
    for _ in range(2):
        fn(xe, we).sum().backward()
        compiled(xc, wc).sum().backward()
    print(f"called_twice_accumulates: grads {close(xe.grad, xc.grad)} {close(we.grad, wc.grad)}")
except Exception as e:
    print(f"called_twice_accumulates: EXCEPTION {type(e).__name__}")
    traceback.print_exc()

# Inference under no_grad: no backward graph, the result does not require grad.
torch._dynamo.reset()
try:
    fn = lambda x, w: F.relu(x @ w) * 2
    xs, ws = rand(3, 4), rand(4, 2)
    compiled = torch.compile(fn, backend="aot_eager")
    with torch.no_grad():
        r_c = compiled(xs, ws)
        r_e = fn(xs, ws)
    print(f"no_grad_inference: out {close(r_e, r_c)}, requires_grad {r_c.requires_grad}, grad_fn None {r_c.grad_fn is None}")
    # The same function with grad enabled afterwards still differentiates.
    r_c2 = compiled(xs, ws)
    print(f"after no_grad: requires_grad {r_c2.requires_grad}")
except Exception as e:
    print(f"no_grad_inference: EXCEPTION {type(e).__name__}")
    traceback.print_exc()

# Graph counts: the backward graph is compiled on the first backward.
torch._dynamo.reset()
try:
    backend = AotEagerAndRecordGraphs()
    fn = lambda x, y: (x.sin() * y).sum(0)
    compiled = torch.compile(fn, backend=backend)
    xs, ys = rand(3, 2), rand(3, 2)
    out = compiled(xs, ys)
    print("record_graphs before backward:", len(backend.graphs), len(backend.fw_graphs), len(backend.bw_graphs))
    out.sum().backward()
    print("record_graphs after backward:", len(backend.graphs), len(backend.fw_graphs), len(backend.bw_graphs))
    xe, ye = xs.detach().clone().requires_grad_(), ys.detach().clone().requires_grad_()
    fn(xe, ye).sum().backward()
    print("record_graphs grads:", close(xe.grad, xs.grad), close(ye.grad, ys.grad))
    out2 = compiled(xs, ys)
    out2.sum().backward()
    print("record_graphs second call:", len(backend.graphs), len(backend.fw_graphs), len(backend.bw_graphs))
    with torch.no_grad():
        compiled(xs, ys)
    print("record_graphs after no_grad call:", len(backend.graphs), len(backend.fw_graphs), len(backend.bw_graphs))
except Exception as e:
    print(f"record_graphs: EXCEPTION {type(e).__name__}")
    traceback.print_exc()
