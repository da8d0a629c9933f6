# torch.nn.functional: values, gradients and grad_fn names of layers and losses (convolution, pooling, normalisation, embedding, attention, padding), plus gradcheck of each in float64.
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

torch.manual_seed(0)


def show(name, out, *inputs, decimals=4):
    # Convolutions sum many products: their last digits depend on summation order, so they
    # print fewer.
    print(name, out.grad_fn.name() if out.grad_fn is not None else None, tuple(out.shape))
    print(out.detach().round(decimals=decimals))
    out.sum().backward() if out.dim() else out.backward()
    for t in inputs:
        print(" grad", t.grad.round(decimals=decimals))
        t.grad = None


def show_error(fn):
    try:
        fn()
    except Exception as e:
        print(f"{type(e).__name__}: {e}")


x = torch.randn(3, 4, requires_grad=True)
w = torch.randn(5, 4, requires_grad=True)
b = torch.randn(5, requires_grad=True)
show("linear", F.linear(x, w, b), x, w, b)
x3 = torch.randn(2, 3, 4, requires_grad=True)
show("linear3d", F.linear(x3, w, b), x3, w, b)
show("linear-nobias", F.linear(x, w), x, w)
show("softmax", F.softmax(x, dim=1) * torch.arange(4.0), x)
show("log_softmax", F.log_softmax(x, dim=0) * torch.arange(4.0), x)
show("clamp", x.clamp(-0.5, 0.5), x)
show("clamp_min", x.clamp(min=0.1), x)
ln_w = torch.randn(4, requires_grad=True)
ln_b = torch.randn(4, requires_grad=True)
show("layer_norm", F.layer_norm(x, (4,), ln_w, ln_b) * torch.arange(4.0), x, ln_w, ln_b)
show("layer_norm-plain", F.layer_norm(x3, (3, 4)) * torch.arange(4.0), x3)
show("gelu", F.gelu(x), x)
show("silu", F.silu(x), x)
show("leaky_relu", F.leaky_relu(x, 0.1), x)
show("elu", F.elu(x), x)
show("softplus", F.softplus(x), x)
show("normalize", F.normalize(x, dim=1), x)

target = torch.tensor([1, 0, 3])
show("cross_entropy", F.cross_entropy(x, target), x)
show("cross_entropy-smooth", F.cross_entropy(x, target, label_smoothing=0.2), x)
cw = torch.tensor([1.0, 2.0, 0.5, 1.5])
show("cross_entropy-weight-ignore", F.cross_entropy(x, torch.tensor([1, -100, 3]), weight=cw), x)
show("cross_entropy-probs", F.cross_entropy(x, torch.softmax(torch.randn(3, 4), 1)) * 1, x)
show("cross_entropy-sum", F.cross_entropy(x, target, reduction="sum"), x)
show("nll_loss", F.nll_loss(F.log_softmax(x, 1), target), x)
show("nll_loss-none", F.nll_loss(F.log_softmax(x, 1), target, reduction="none"), x)
y = torch.randn(3, 4)
show("mse_loss", F.mse_loss(x, y), x)
show("mse_loss-sum", F.mse_loss(x, y, reduction="sum"), x)
show("l1_loss", F.l1_loss(x, y), x)
show("smooth_l1_loss", F.smooth_l1_loss(x, y), x)
p = torch.rand(3, 4)
show("bce", F.binary_cross_entropy(torch.sigmoid(x), p), x)
show("bce_logits", F.binary_cross_entropy_with_logits(x, p), x)
show("bce_logits-pos_weight", F.binary_cross_entropy_with_logits(x, p, pos_weight=torch.tensor([1.0, 2.0, 3.0, 4.0])), x)

emb = torch.randn(6, 3, requires_grad=True)
idx = torch.tensor([[0, 2, 2], [5, 0, 1]])
show("embedding", F.embedding(idx, emb), emb)
show("embedding-padding", F.embedding(idx, emb, padding_idx=2), emb)

img = torch.randn(2, 3, 5, 6, requires_grad=True)
k = torch.randn(4, 3, 3, 3, requires_grad=True)
kb = torch.randn(4, requires_grad=True)
show("conv2d", F.conv2d(img, k, kb), img, k, kb, decimals=2)
show("conv2d-stride-pad", F.conv2d(img, k, None, stride=2, padding=1), img, k, decimals=2)
show("conv2d-same-dilation", F.conv2d(img, k, kb, padding="same", dilation=2), img, k, kb, decimals=2)
kg = torch.randn(6, 1, 2, 2, requires_grad=True)
show("conv2d-groups", F.conv2d(img, kg, None, groups=3), img, kg, decimals=2)
sig = torch.randn(2, 2, 7, requires_grad=True)
k1 = torch.randn(3, 2, 3, requires_grad=True)
show("conv1d", F.conv1d(sig, k1, None, stride=2, padding=1), sig, k1, decimals=2)
show("max_pool2d", F.max_pool2d(img, 2), img)
show("max_pool2d-ceil-pad", F.max_pool2d(img, 3, stride=2, padding=1, ceil_mode=True), img)
vals, where = F.max_pool2d(img, 2, return_indices=True)
print("max_pool2d indices", where[0, 0])
show("avg_pool2d", F.avg_pool2d(img, 2), img, decimals=3)
show("avg_pool2d-pad", F.avg_pool2d(img, 3, stride=1, padding=1, count_include_pad=False), img, decimals=3)
show("adaptive_avg_pool2d", F.adaptive_avg_pool2d(img, (2, 3)), img, decimals=3)
show("pad-constant", F.pad(x, (1, 2), value=0.5), x)
show("pad-reflect", F.pad(img, (2, 1, 1, 0), mode="reflect"), img)
show("pad-replicate", F.pad(img, (1, 1, 2, 0), mode="replicate"), img)
q = torch.randn(2, 3, 4, requires_grad=True)
show("sdpa", F.scaled_dot_product_attention(q, q, q), q)
show("sdpa-causal", F.scaled_dot_product_attention(q, q, q, is_causal=True), q)
print(F.one_hot(torch.tensor([0, 2, 1]), 4))

torch.manual_seed(3)
d = F.dropout(torch.ones(1000), 0.25)
print("dropout keeps about 3/4", abs((d != 0).float().mean().item() - 0.75) < 0.05, d.max().item())
print(torch.equal(F.dropout(x, 0.5, training=False), x))

# Errors.
show_error(lambda: F.cross_entropy(x, torch.tensor([1, 0, 9])))
show_error(lambda: F.cross_entropy(x, torch.tensor([1, 0])))
show_error(lambda: F.nll_loss(x, torch.tensor([1.0, 0.0, 2.0])))
show_error(lambda: F.binary_cross_entropy(torch.sigmoid(x), torch.rand(3)))
show_error(lambda: F.binary_cross_entropy_with_logits(x, torch.rand(4)))
show_error(lambda: F.conv2d(img, torch.randn(4, 2, 3, 3)))
show_error(lambda: F.layer_norm(x, (5,)))
show_error(lambda: F.mse_loss(x, y, reduction="avg"))
show_error(lambda: F.dropout(x, 1.5))

# Finite differences in float64.
d64 = dict(dtype=torch.float64, requires_grad=True)
checks = {
    "linear": (lambda a, w, b: F.linear(a, w, b), (torch.randn(3, 4, **d64), torch.randn(2, 4, **d64), torch.randn(2, **d64))),
    "softmax": (lambda a: F.softmax(a, -1), (torch.randn(3, 4, **d64),)),
    "log_softmax": (lambda a: F.log_softmax(a, 0), (torch.randn(3, 4, **d64),)),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (4,), w, b), (torch.randn(3, 4, **d64), torch.randn(4, **d64), torch.randn(4, **d64))),
    "clamp": (lambda a: a.clamp(-0.3, 0.4), (torch.randn(3, 4, **d64),)),
    "cross_entropy": (lambda a: F.cross_entropy(a, torch.tensor([1, 0, 3]), label_smoothing=0.1), (torch.randn(3, 4, **d64),)),
    "mse_loss": (lambda a, t: F.mse_loss(a, t), (torch.randn(3, 4, **d64), torch.randn(3, 4, **d64))),
    "bce_logits": (lambda a, t: F.binary_cross_entropy_with_logits(a, t), (torch.randn(5, **d64), torch.rand(5, **d64))),
    "bce": (lambda a, t: F.binary_cross_entropy(a.sigmoid(), t), (torch.randn(5, **d64), torch.rand(5, dtype=torch.float64))),
    "embedding": (lambda e: F.embedding(torch.tensor([1, 1, 3]), e), (torch.randn(4, 2, **d64),)),
    "conv2d": (lambda a, k, kb: F.conv2d(a, k, kb, stride=2, padding=1), (torch.randn(1, 2, 5, 5, **d64), torch.randn(3, 2, 3, 3, **d64), torch.randn(3, **d64))),
    "max_pool2d": (lambda a: F.max_pool2d(a, 2, padding=1), (torch.randn(1, 2, 4, 4, **d64),)),
    "avg_pool2d": (lambda a: F.avg_pool2d(a, 3, stride=2, padding=1), (torch.randn(1, 2, 5, 5, **d64),)),
    "sdpa": (lambda a: F.scaled_dot_product_attention(a, a, a, is_causal=True), (torch.randn(1, 3, 2, **d64),)),
}
for name, (fn, inputs) in checks.items():
    print("gradcheck", name, gradcheck(fn, inputs))
print("gradgradcheck layer_norm", torch.autograd.gradgradcheck(lambda a: F.layer_norm(a, (3,)), (torch.randn(2, 3, **d64),)))
print("gradgradcheck cross_entropy", torch.autograd.gradgradcheck(lambda a: F.cross_entropy(a, torch.tensor([2, 0])), (torch.randn(2, 3, **d64),)))
