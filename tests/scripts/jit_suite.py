# Graphs compiled with the default backend (smelt: the native JIT; PyTorch: Inductor) against eager: pointwise chains, broadcasts, reductions over each dim, non-contiguous inputs, mixed dtypes, softmax, layer norm, an MLP forward and backward. Each line says whether the compiled results (and gradients) match eager's.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def r(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype)


def close(a, b, rtol, atol):
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype == torch.bool:
        return bool(torch.equal(a, b))
    return bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


CASES = []


def case(name, *inputs, rtol=1e-4, atol=1e-5):
    def deco(fn):
        CASES.append((name, fn, inputs, rtol, atol))
        return fn

    return deco


# Pointwise chains and broadcasts.
case("chain6", r(64, 33))(lambda x: ((x * 2 + 1).sin().exp() - x).relu() / 3)
case("broadcast_row", r(37, 100), r(100))(lambda x, b: torch.tanh(x + b) * b)
case("broadcast_col", r(37, 100), r(37, 1))(lambda x, b: torch.sigmoid(x - b) * x)
case("broadcast_outer", r(16, 1), r(1, 24))(lambda a, b: (a * b + a).cos())
case("broadcast_3d", r(4, 5, 6), r(5, 1), r(6))(lambda x, y, z: x * y + z)
case("scalar_ops", r(300))(lambda x: (x * 0.5 - 3.0) ** 2 + 1 / (x.abs() + 1))
case("unary_mix", r(1000))(lambda x: x.abs().sqrt() + x.floor() - x.ceil() + x.round() + x.trunc() + x.sign())
case("exp_log", r(513))(lambda x: torch.log1p(torch.exp(x)) - torch.expm1(x * 0.1) + torch.log(x.abs() + 1e-3))
case("trig", r(777))(lambda x: torch.sin(x) * torch.cos(x * 3) + torch.tan(x * 0.3))
case("activations", r(12, 70))(lambda x: F.gelu(x) + F.silu(x) + F.gelu(x, approximate="tanh") + F.elu(x))
case("rsqrt_reciprocal", r(100).abs() + 0.5)(lambda x: torch.rsqrt(x) + torch.reciprocal(x))
case("clamp_where", r(40, 40))(lambda x: torch.where(x > 0, x.clamp(max=0.5), -x).clamp(min=-0.2))
case("compare_logical", r(50), r(50))(lambda a, b: ((a > b) & (a > 0)) | ~(b < 0.5))
case("maximum_minimum", r(8, 9), r(9))(lambda a, b: torch.maximum(a, b) - torch.minimum(a, b * 2))
case("pow_consts", r(200))(lambda x: x.pow(3) + x.abs().pow(0.5) + x.pow(-2).clamp(max=10) + 2 ** x)
case("leaky_hardtanh", r(333))(lambda x: F.leaky_relu(x, 0.1) + F.hardtanh(x))

# Reductions over each dim, with and without keepdim, and fused producers/epilogues.
case("sum_dim0", r(31, 47))(lambda x: (x * x).sum(0))
case("sum_dim1", r(31, 47))(lambda x: (x * x).sum(1))
case("sum_all", r(31, 47))(lambda x: (x.exp() - 1).sum())
case("mean_keepdim", r(8, 9, 10))(lambda x: x - x.mean(1, keepdim=True))
case("amax_amin", r(8, 9, 10))(lambda x: x.amax(2) - x.amin(0).sum())
case("max_dim_values", r(6, 50))(lambda x: x.max(dim=1).values * 2)
case("reduce_3d_each_dim", r(5, 6, 7))(lambda x: (x.sum(0).sum() + x.sum(1).sum() + x.sum(2).sum(), x.prod(2)))
case("var_std", r(20, 30))(lambda x: (x.var(1), x.std(0), x.var()))
case("row_norm", r(64, 128))(lambda x: x / x.norm(dim=1, keepdim=True))
case("chain_then_row_reduce", r(128, 256))(lambda x: ((x * 1.5 + 0.25).tanh() * x - x.sin()).exp().sum(1))
case("any_all", r(10, 11))(lambda x: ((x > 1).any(1), (x > -3).all()))

# Non-contiguous inputs and views.
case("transposed_input", r(40, 30).t())(lambda x: (x + 1).relu() * 2)
case("sliced_input", r(40, 60)[:, 5:45:2])(lambda x: x.exp().sum(0))
case("expanded_input", r(1, 30).expand(20, 30))(lambda x: x * 3 + 1)
case("permute_reshape", r(4, 6, 8))(lambda x: x.permute(2, 0, 1).reshape(8, 24).sin().sum(1))
case("select_slice_views", r(10, 20))(lambda x: x[2] + x[:, 3].sum() + x[1:9:3, ::4].sum())
case("view_chain", r(6, 10))(lambda x: (x.view(60) * 2).view(3, 20).cos().unsqueeze(0).squeeze(0))
case("transpose_output", r(16, 24))(lambda x: (x * 2).t().contiguous() + 1)

# Mixed dtypes.
case("float64_chain", r(100, dtype=torch.float64))(lambda x: (x.exp() * x.sin()).sum())
case("mixed_f32_f64", r(50), r(50, dtype=torch.float64))(lambda a, b: a * b + a.sin())
case("bool_mask_mul", r(64))(lambda x: x * (x > 0) + (x < 0).float())
case("cast_chain", r(64))(lambda x: (x.double() * 2).float().sin())
case("where_mask_f64", r(37, dtype=torch.float64), r(37) > 0)(lambda x, m: torch.where(m, x.sin(), x * 2) + m.double())
case("compare_f64", r(50, dtype=torch.float64))(lambda x: ((x > 0.1) & (x < 1.0), (x * 3).floor() == 1))
case("f64_softmax", r(7, 9, dtype=torch.float64))(lambda x: torch.softmax(x, -1))

# Normalisation layers.
case("softmax_last", r(32, 100))(lambda x: torch.softmax(x, -1))
case("softmax_dim0", r(32, 100))(lambda x: torch.softmax(x, 0))
case("log_softmax", r(16, 50))(lambda x: F.log_softmax(x * 3, dim=1))
case("layer_norm", r(10, 64), r(64), r(64))(lambda x, w, b: F.layer_norm(x, (64,), w, b))
case("layer_norm_no_affine", r(3, 5, 32))(lambda x: F.layer_norm(x, (5, 32)))
case("matmul_epilogue", r(20, 30), r(30, 40), r(40))(lambda a, b, c: torch.relu(a @ b + c))
case("bmm_softmax", r(4, 10, 16), r(4, 16, 10))(lambda q, k: torch.softmax(torch.bmm(q, k) / 4, -1))
case("attention", r(2, 12, 16), r(2, 12, 16), r(2, 12, 16))(
    lambda q, k, v: torch.softmax(q @ k.transpose(1, 2) * 0.25, -1) @ v)


def run_forward():
    for name, fn, inputs, rtol, atol in CASES:
        torch._dynamo.reset()
        want = fn(*inputs)
        got = torch.compile(fn)(*inputs)
        print(f"{name}: matches eager {close(got, want, rtol, atol)}")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.norm = nn.LayerNorm(64)
        self.fc2 = nn.Linear(64, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        h = F.gelu(self.norm(self.fc1(x)))
        h = torch.tanh(self.fc2(h)) + h
        return F.log_softmax(self.fc3(h), -1)


def run_training():
    torch._dynamo.reset()
    torch.manual_seed(1)
    eager = MLP()
    compiled_model = MLP()
    compiled_model.load_state_dict(eager.state_dict())
    compiled = torch.compile(compiled_model)
    x = torch.randn(48, 32)
    target = torch.randint(0, 10, (48,))
    opt_e = torch.optim.SGD(eager.parameters(), lr=0.05)
    opt_c = torch.optim.SGD(compiled_model.parameters(), lr=0.05)
    for step in range(3):
        opt_e.zero_grad()
        opt_c.zero_grad()
        out_e = eager(x)
        out_c = compiled(x)
        F.nll_loss(out_e, target).backward()
        F.nll_loss(out_c, target).backward()
        grads = all(close(p.grad, q.grad, 1e-4, 1e-5) for p, q in zip(eager.parameters(), compiled_model.parameters()))
        print(f"mlp step {step}: forward matches {close(out_c, out_e, 1e-4, 1e-5)}, gradients match {grads}")
        opt_e.step()
        opt_c.step()
    # Activation backwards and reductions of a compiled training graph on their own.
    for name, act in (("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("silu", F.silu),
                      ("gelu", F.gelu), ("softmax", lambda t: torch.softmax(t, 1))):
        torch._dynamo.reset()
        a = torch.randn(24, 40, requires_grad=True)
        b = a.detach().clone().requires_grad_(True)
        w = torch.randn(24, 40)
        (act(a) * w).sum().backward()
        torch.compile(lambda t: (act(t) * w).sum())(b).backward()
        print(f"backward of {name}: matches eager {close(b.grad, a.grad, 1e-4, 1e-5)}")


run_forward()
run_training()
