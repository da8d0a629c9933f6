"""Derivative formulas of the primitives written in Python (`torch._composites`): addmm,
softmax, layer norm, the losses, convolution and pooling ..., registered into
`torch.autograd._derivatives.PRIMS` when that module loads."""

import torch
from torch import _C
from torch import _composites, _prims
from torch.autograd._derivatives import (PRIMS, Prim, _is_input, _is_tensor, _max_min_grads, _mm_mat1_backward,
                                         _mm_mat2_backward, _scalar_zero, _wanted, prim, sizes)


@prim("addmm", inputs=(0, 1, 2), name="AddmmBackward0", saves=(1, 2))
def _addmm_backward(ctx, grads):
    bias, m1, m2 = ctx.args
    g = grads[0]
    g1 = _mm_mat1_backward(g, m2, m1) if _wanted(ctx, 1, m1) else None
    g2 = _mm_mat2_backward(g, m1, m2) if _wanted(ctx, 2, m2) else None
    return [g if _is_input(bias) else None, g1, g2]


@prim("softmax", inputs=(0,), name="SoftmaxBackward0", saves=("out",))
def _softmax_backward(ctx, grads):
    _, dim = ctx.args
    y = ctx.out
    return [_prims.softmax_backward_data(grads[0], y, dim, y.dtype)]


@prim("log_softmax", inputs=(0,), name="LogSoftmaxBackward0", saves=("out",))
def _log_softmax_backward(ctx, grads):
    _, dim = ctx.args
    y = ctx.out
    return [_prims.log_softmax_backward_data(grads[0], y, dim, y.dtype)]


@prim("layer_norm", inputs=(0, 2, 3), name="NativeLayerNormBackward0", saves=(0, 2, 3, "out"))
def _layer_norm_backward(ctx, grads):
    x, shape, w, b, eps = ctx.args
    _, mean, rstd = ctx.out
    if _C.is_grad_enabled():
        # create_graph: the saved mean and 1/std carry no history, so the gradient is written
        # from x itself to stay differentiable in x (PyTorch has a double-backward formula).
        return _layer_norm_backward_from_input(x, shape, w, b, eps, grads[0], ctx)
    mask = [_wanted(ctx, 0, x), _wanted(ctx, 1, w), _wanted(ctx, 2, b)]
    return list(_prims.native_layer_norm_backward(grads[0], x, shape, mean, rstd, w if _is_tensor(w) else None,
                                                  b if _is_tensor(b) else None, mask))


def _layer_norm_backward_from_input(x, shape, w, b, eps, g, ctx):
    from torch import _composites

    dims = _composites.layer_norm_dims(x, shape)
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    rstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = centered * rstd
    gx_hat = g * w if _is_tensor(w) else g
    gx = rstd * (gx_hat - gx_hat.mean(dims, keepdim=True) - xhat * (gx_hat * xhat).mean(dims, keepdim=True))
    batch = list(range(x.dim() - len(shape)))
    gw = (g * xhat).sum(batch) if _is_tensor(w) and batch else (g * xhat if _is_tensor(w) else None)
    gb = (g.sum(batch) if batch else g) if _is_input(b) else None
    return [gx if _wanted(ctx, 0, x) else None, gw, gb]


def _clamp_name(args):
    # `kind` is the method called: clamp, or clamp_min/clamp_max with their own nodes.
    _, lo, hi, kind = args
    if kind == "clamp_min":
        return "ClampMinBackward0" if not _is_tensor(lo) else "ClampMinBackward1"
    if kind == "clamp_max":
        return "ClampMaxBackward0" if not _is_tensor(hi) else "ClampMaxBackward1"
    return "ClampBackward0" if _is_tensor(lo) or _is_tensor(hi) else "ClampBackward1"


@prim("clamp", inputs=(0, 1, 2), name=_clamp_name, saves=(0, 1, 2))
def _clamp_backward(ctx, grads):
    x, lo, hi, _ = ctx.args
    g = grads[0]
    if not (_is_tensor(lo) or _is_tensor(hi)):
        # Number bounds: the gradient passes strictly inside them (0 at a bound, and for NaN).
        inside = None
        if lo is not None:
            inside = x > lo
        if hi is not None:
            inside = (x < hi) if inside is None else inside.logical_and(x < hi)
        return [_prims.where(inside, g, _scalar_zero(0.0, g)), None, None]
    if hi is None:
        gx, glo = _max_min_grads(True, x, lo, g)
        return [gx, glo, None]
    if lo is None:
        gx, ghi = _max_min_grads(False, x, hi, g)
        return [gx, None, ghi]
    # Both bounds (PyTorch 2.15's clamp_backward): ties with a bound split the gradient while
    # lo < hi; where lo == hi the bound beyond x takes it all; where lo > hi, hi takes it.
    ordered, equal = lo < hi, lo == hi
    at_lo, at_hi = x == lo, x == hi
    gx = _prims.where((at_lo | at_hi) & ordered, g / 2, g)
    gx = _prims.where((x < lo) | (x > hi), 0.0, gx)
    glo = _prims.where(at_lo, g / 2, g)
    glo = _prims.where((ordered & (x <= lo)) | (equal & (x < lo)), glo, 0.0)
    ghi = _prims.where(at_hi & ordered, g / 2, g)
    ghi = _prims.where((hi < lo) | (ordered & (x >= hi)) | (equal & (x > hi)), ghi, 0.0)
    return [gx, glo, ghi]


@prim("threshold_backward", inputs=(0, 1), name="ThresholdBackwardBackward0", saves=(1,))
def _threshold_backward_backward(ctx, grads):
    _, x, threshold = ctx.args
    return [_prims.threshold_backward(grads[0], x, threshold), grads[0] * 0]


@prim("sigmoid_backward", inputs=(0, 1), name="SigmoidBackwardBackward0", saves=(0, 1))
def _sigmoid_backward_backward(ctx, grads):
    g, y = ctx.args
    gg = grads[0]
    return [_prims.sigmoid_backward(gg, y), gg * g * (1 - 2 * y)]


@prim("tanh_backward", inputs=(0, 1), name="TanhBackwardBackward0", saves=(0, 1))
def _tanh_backward_backward(ctx, grads):
    g, y = ctx.args
    gg = grads[0]
    return [_prims.tanh_backward(gg, y), -2 * gg * g * y]


def _by_recomputing(forward, positions):
    """The backward of a composite by running its forward again with autograd on (fresh
    leaves in first-order backward; the saved inputs themselves under create_graph, so the
    gradient stays differentiable)."""

    def backward(ctx, grads):
        args = list(ctx.args)
        create = _C.is_grad_enabled()
        wrt = []
        for p in positions:
            a = args[p]
            if not _is_tensor(a) or not a.dtype.is_floating_point:
                continue
            if create:
                if not a.requires_grad:
                    continue
            else:
                a = a.detach()
                a.requires_grad = True
                args[p] = a
            wrt.append((p, a))
        with torch.enable_grad():
            out = forward(*args)
        # Every output that has a gradient and depends on the inputs (a multi-output
        # composite, such as layer norm's backward, gives one per output).
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads) if _is_tensor(o) and o.requires_grad and g is not None]
        if not pairs or not wrt:
            return [None] * len(positions)
        found = torch.autograd.grad([o for o, _ in pairs], [a for _, a in wrt], [g for _, g in pairs],
                                    allow_unused=True, create_graph=create)
        by_pos = {p: g for (p, _), g in zip(wrt, found)}
        return [by_pos.get(p) for p in positions]

    return backward


def _composite_by_recomputing(key, name, positions, saves, outputs=(0,)):
    from torch import _composites

    PRIMS[key] = Prim(positions, name, _by_recomputing(getattr(_composites, key), positions), saves, outputs)


@prim("mse_loss", inputs=(0, 1), name="MseLossBackward0", saves=(0, 1))
def _mse_loss_backward(ctx, grads):
    x, t, reduction = ctx.args
    g = grads[0]
    gx = _prims.mse_loss_backward(g, x, t, reduction) if _wanted(ctx, 0, x) else None
    return [gx, _prims.mse_loss_backward(g, t, x, reduction) if _wanted(ctx, 1, t) else None]


@prim("embedding", inputs=(0,), name="EmbeddingBackward0", saves=(1,))
def _embedding_backward(ctx, grads):
    weight, indices, padding_idx = ctx.args
    return [_prims.embedding_dense_backward(grads[0], indices, sizes(weight)[0],
                                            -1 if padding_idx is None else padding_idx, False)]


_composite_by_recomputing("embedding_dense_backward", "EmbeddingDenseBackwardBackward0", (0,), (0, 1))
_composite_by_recomputing("mse_loss_backward", "MseLossBackwardBackward0", (0, 1, 2), (0, 1, 2))
_composite_by_recomputing("native_layer_norm_backward", "NativeLayerNormBackwardBackward0", (0, 1, 3, 4, 5, 6),
                          (0, 1, 3, 4, 5, 6), (0, 1, 2))
_composite_by_recomputing("softmax_backward_data", "SoftmaxBackwardDataBackward0", (0, 1), (0, 1))
_composite_by_recomputing("log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0", (0, 1), (0, 1))
_composite_by_recomputing("gelu_backward", "GeluBackwardBackward0", (0, 1), (0, 1))
_composite_by_recomputing("silu_backward", "SiluBackwardBackward0", (0, 1), (0, 1))
_composite_by_recomputing("nll_loss", lambda a: "NllLoss2DBackward0" if a[0].dim() == 4 else "NllLossBackward0", (0,), (0, 1, 2))
_composite_by_recomputing("binary_cross_entropy", "BinaryCrossEntropyBackward0", (0, 1), (0, 1, 2))
_composite_by_recomputing("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0", (0, 1), (0, 1, 2, 3))
_composite_by_recomputing("leaky_relu", "LeakyReluBackward0", (0,), (0,))
_composite_by_recomputing("elu", "EluBackward0", (0,), (0,))
_composite_by_recomputing("softplus", "SoftplusBackward0", (0,), (0,))
_composite_by_recomputing("hardtanh", "HardtanhBackward0", (0,), (0,))
_composite_by_recomputing("pad", lambda a: {"constant": "ConstantPadNdBackward0", "reflect": "ReflectionPad{}DBackward0",
                                           "replicate": "ReplicationPad{}DBackward0"}[a[2]].format(len(a[1]) // 2), (0,), (0,))
_composite_by_recomputing("avg_pool2d", "AvgPool2DBackward0", (0,), (0,))
_composite_by_recomputing("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", (0,), (0,))
_composite_by_recomputing("smooth_l1_loss", "SmoothL1LossBackward0", (0, 1), (0, 1))
_composite_by_recomputing("convolution", "ConvolutionBackward0", (0, 1, 2), (0, 1, 2))
_composite_by_recomputing("max_pool2d", "MaxPool2DWithIndicesBackward0", (0,), (0,))


# Attention: the one-kernel backward (PyTorch's flash-attention backward op) where it applies.
def _no_double_backward(name):
    def backward(ctx, grads):
        raise RuntimeError(f"smelt: {name} has no derivative of its own; a backward through it with "
                           "create_graph=True recomputes the forward instead")

    return backward


_sdpa_recomputed = _by_recomputing(_composites.sdpa, (0, 1, 2, 3))


def _sdpa_backward(ctx, grads):
    """The one-kernel backward where the forward was one kernel (its logsumexp is real); the
    math path's gradient otherwise, and under create_graph (the kernel's own backward is not
    written: double backward recomputes the forward instead)."""
    q, k, v, mask, is_causal, scale = ctx.args
    if grads[0] is None or _C.is_grad_enabled() or not _composites.sdpa_native(q, k, v, mask):
        return _sdpa_recomputed(ctx, grads)
    out, lse = ctx.out
    dq, dk, dv = _prims.sdpa_backward(grads[0], q, k, v, out, lse, is_causal, scale)
    return [dq, dk, dv, None]


PRIMS["sdpa"] = Prim((0, 1, 2, 3), "ScaledDotProductFlashAttentionForCpuBackward0", _sdpa_backward,
                     (0, 1, 2, 3, "out"))
PRIMS["sdpa_backward"] = Prim((0, 1, 2, 3, 4), "ScaledDotProductFlashAttentionForCpuBackwardBackward0",
                              _no_double_backward("sdpa_backward"), ())
