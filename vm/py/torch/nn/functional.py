"""`torch.nn.functional`: layers and losses as functions of tensors, written with Tensor ops so
autograd differentiates them through the primitives."""

import math
import warnings

import torch
from torch import _prims

# --- activations ------------------------------------------------------------------------------
def _maybe_inplace(input, compute, inplace):
    from torch._tensor import _rewrite

    return _rewrite(input, compute) if inplace else compute(input)


def relu(input, inplace=False):
    return _maybe_inplace(input, lambda t: t.relu(), inplace)


def relu_(input):
    return relu(input, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _maybe_inplace(input, lambda t: _prims.hardtanh(t, min_val, max_val), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(input, lambda t: _prims.leaky_relu(t, negative_slope), inplace)


def elu(input, alpha=1.0, inplace=False):
    return _maybe_inplace(input, lambda t: _prims.elu(t, alpha), inplace)


def gelu(input, approximate="none"):
    return input.gelu(approximate=approximate)


def silu(input, inplace=False):
    return _maybe_inplace(input, lambda t: t.silu(), inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return _prims.softplus(input, beta, threshold)


def mish(input, inplace=False):
    return _maybe_inplace(input, lambda t: t * softplus(t).tanh(), inplace)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return (-input).softmax(dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim, dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


# --- layers -----------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    # As PyTorch: addmm for 2-D input with a bias, and for contiguous input of more dims
    # flattened to 2-D (by the product of its leading sizes, not -1: a 0 size stays exact).
    if bias is not None and input.dim() == 2:
        return _prims.addmm(bias, input, weight.t())
    if bias is not None and input.dim() >= 3 and input.is_contiguous():
        shape = input.shape
        rows = shape[0]
        for n in shape[1:-1]:
            rows = rows * n
        flat = _prims.addmm(bias, input.view(rows, shape[-1]), weight.t())
        return _prims.unsafe_view(flat, list(shape[:-1]) + [weight.shape[0]])
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, lambda t: t * 0, inplace)
    keep = torch.rand(input.shape, dtype=input.dtype if input.is_floating_point() else torch.float32) >= p
    return _maybe_inplace(input, lambda t: t * keep * (1.0 / (1.0 - p)), inplace)


def _norm_dims(input, normalized_shape):
    n = len(normalized_shape)
    if tuple(input.shape[input.dim() - n :]) != tuple(normalized_shape) or input.dim() < n:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size{list(input.shape)}"
        )
    return list(range(input.dim() - n, input.dim()))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    normalized_shape = tuple(normalized_shape)
    _norm_dims(input, normalized_shape)
    return _prims.layer_norm(input, normalized_shape, weight, bias, eps)[0]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    dims = _norm_dims(input, tuple(normalized_shape))
    if eps is None:
        eps = torch.finfo(input.dtype).eps
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    dims = [0] + list(range(2, input.dim()))
    shape = [1, input.shape[1]] + [1] * (input.dim() - 2)
    if training:
        n = input.numel() // input.shape[1]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.size()}")
        mean = input.mean(dims)
        centered = input - mean.reshape(shape)
        var = (centered * centered).mean(dims)
        if running_mean is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                running_var.mul_(1 - momentum).add_(var.detach() * (momentum * n / (n - 1)))
        out = centered * (var.reshape(shape) + eps).rsqrt()
    else:
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if input.dtype not in (torch.int64, torch.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.type()} instead (while checking arguments for embedding)"
        )
    return _prims.embedding(weight, input, padding_idx)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype != torch.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    if tensor.numel():
        if int(tensor.min().item()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(tensor.max().item()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == torch.arange(num_classes)).long()


def pad(input, pad, mode="constant", value=None):
    # PyTorch's F.pad is Python over the C++ binding `torch._C._nn.pad`: Dynamo traces through
    # it, so graphs show the binding with every argument (`torch._C._nn.pad(x, (0, 1),
    # 'constant', None)`).
    return torch._C._nn.pad(input, pad, mode, value)


pad._dynamo_inline = True


def _nn_pad(input, pad, mode="constant", value=None):
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {input.dim()}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "circular":
        from torch._composites import pad as run_pad

        return run_pad(input, list(pad), mode, value)
    return _prims.pad(input, list(pad), mode, value)


# --- convolution and pooling (windows as strided views, then a matmul or a reduction) ----------
def _tuple(x, n):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,) * n


from torch._composites import windows as _windows  # noqa: E402


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name):
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    if input.dim() != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of size: "
            f"{list(input.shape)}"
        )
    kernel = tuple(weight.shape[2:])
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    c = input.shape[1]
    if c != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(input.shape)} to have "
            f"{weight.shape[1] * groups} channels, but got {c} channels instead"
        )
    if padding == "valid":
        padding = (0,) * nd
    if padding == "same":
        pads = []
        for i in reversed(range(nd)):
            total = dilation[i] * (kernel[i] - 1)
            pads += [total // 2, total - total // 2]
    else:
        padding = _tuple(padding, nd)
        pads = []
        for i in reversed(range(nd)):
            pads += [padding[i], padding[i]]
    if any(pads):
        input = pad(input, pads)
    spatial = input.shape[2:]
    out_sizes = []
    for i in range(nd):
        o = (spatial[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        if o <= 0:
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(str(v) for v in spatial)}). "
                f"Kernel size: ({' x '.join(str(v) for v in kernel)}). Kernel size can't be greater than actual input size"
            )
        out_sizes.append(o)
    out = _prims.convolution(input, weight, bias, stride, dilation, groups, out_sizes)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, name):
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == [] or stride == () else _tuple(stride, 2)
    padding, dilation = _tuple(padding, 2), _tuple(dilation, 2)
    for i in range(2):
        if padding[i] * 2 > kernel[i]:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got pad={padding[i]}, "
                f"kernel_size={kernel[i]} and dilation={dilation[i]}"
            )
    out, extra = [], []
    for i in range(2):
        size = input.shape[-2 + i]
        span = size + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1
        o = (-(-span // stride[i]) if ceil_mode else span // stride[i]) + 1
        if ceil_mode and (o - 1) * stride[i] >= size + padding[i]:
            o -= 1
        if o <= 0:
            raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in input.shape[-3:])}). "
                               f"Calculated output size: ({input.shape[-3]}x{o}x{o}). Output size is too small")
        out.append(o)
        need = (o - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
        extra.append(max(0, need - size - 2 * padding[i]))
    return kernel, stride, padding, dilation, out, extra


def _batched4(input):
    unbatched = input.dim() == 3
    return (input.unsqueeze(0) if unbatched else input), unbatched


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    x, unbatched = _batched4(input)
    kernel, stride, padding, dilation, out, extra = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    pads = [padding[1], padding[1] + extra[1], padding[0], padding[0] + extra[0]]
    padded = pad(x, pads, value=-math.inf) if any(pads) else x
    n, c = x.shape[0], x.shape[1]
    values, arg = _prims.max_pool2d(padded, kernel, stride, dilation, out)
    if return_indices:
        h, w = x.shape[2], x.shape[3]
        flat = torch.arange(h * w, dtype=torch.int64).reshape(1, 1, h, w)
        flat = pad(flat, pads, value=-1) if any(pads) else flat
        where = _windows(flat, kernel, stride, dilation, out).reshape(1, 1, out[0], out[1], kernel[0] * kernel[1])
        indices = where.expand(n, c, out[0], out[1], kernel[0] * kernel[1]).gather(-1, arg.unsqueeze(-1)).squeeze(-1)
        if unbatched:
            return values.squeeze(0), indices.squeeze(0)
        return values, indices
    return values.squeeze(0) if unbatched else values


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    x, unbatched = _batched4(input)
    kernel, stride, padding, dilation, out, extra = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    result = _prims.avg_pool2d(x, kernel, stride, padding, out, extra, count_include_pad, divisor_override)
    return result.squeeze(0) if unbatched else result


def adaptive_avg_pool2d(input, output_size):
    x, unbatched = _batched4(input)
    oh, ow = _tuple(output_size, 2)
    out = _prims.adaptive_avg_pool2d(x, x.shape[2] if oh is None else oh, x.shape[3] if ow is None else ow)
    return out.squeeze(0) if unbatched else out


# --- attention ----------------------------------------------------------------------------------
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    # PyTorch's CPU kernel (one node) serves 3-D and 4-D inputs without dropout; the rest runs
    # the math path op by op, as there.
    if dropout_p == 0.0 and query.dim() in (3, 4) and not enable_gqa:
        if query.dim() == 3:
            out = _prims.sdpa(query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0),
                              None if attn_mask is None else attn_mask, is_causal, scale)[0]
            return out.squeeze(0)
        return _prims.sdpa(query, key, value, attn_mask, is_causal, scale)[0]
    from torch._composites import sdpa_math

    return sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


# --- losses -------------------------------------------------------------------------------------
def _reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else ("sum" if reduce else "none")


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input, target):
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if weight is not None:
        diff = input - target
        return _reduce(diff * diff * weight, reduction)
    if input.shape != target.shape:
        input, target = torch.broadcast_tensors(input, target)
    return _prims.mse_loss(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.shape != target.shape:
        input, target = torch.broadcast_tensors(input, target)
    return _prims.smooth_l1_loss(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    d = (input - target).abs()
    loss = torch.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_first(input, target):
    """Input (C,) / (N, C) / (N, C, d1, ...) and targets as (N, d...) with N >= 1."""
    if input.dim() == 1:
        return input.unsqueeze(0), target.unsqueeze(0)
    return input, target


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if target.dtype != torch.int64:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {torch._tensor._LEGACY_NAMES[target.dtype]}")
    if input.dim() > 1 and target.dim() > 0 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    x, t = _class_first(input, target)
    classes = x.shape[1]
    # PyTorch checks the targets inside its kernel: no part of a traced program. Fake targets
    # have no values to check.
    if t.numel() and not t.is_meta:
        with _prims._no_dispatch():
            safe = torch.where(t != ignore_index, t, torch.zeros((), dtype=torch.int64))
            lo, hi = int(safe.min().item()), int(safe.max().item())
        if lo < 0 or hi >= classes:
            raise IndexError(f"Target {hi if hi >= classes else lo} is out of bounds.")
    _check_reduction(reduction)
    loss = _prims.nll_loss(x, t, weight, ignore_index, reduction)
    return loss.reshape(target.shape) if reduction == "none" and input.dim() == 1 else loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    classes = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = classes
    if target.is_floating_point():
        if target.shape != input.shape:
            raise RuntimeError(
                f"Expected target size {list(input.shape)}, got {list(target.shape)}"
            )
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = logp * target
        if weight is not None:
            terms = terms * weight.reshape(wshape)
        loss = -terms.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // classes) if input.numel() else loss.sum() / 0.0
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return nll
    keep = (target != ignore_index).to(logp.dtype)
    terms = logp if weight is None else logp * weight.reshape(wshape)
    smooth = -terms.sum(class_dim) * keep
    if reduction == "none":
        s = smooth
    elif reduction == "sum":
        s = smooth.sum()
    else:
        if weight is None:
            s = smooth.sum() / keep.sum()
        else:
            safe = torch.where(target != ignore_index, target, torch.zeros((), dtype=torch.int64))
            s = smooth.sum() / (weight.index_select(0, safe.reshape(-1)).reshape(safe.shape) * keep).sum()
    return nll * (1 - label_smoothing) + s * (label_smoothing / classes)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}) is deprecated. "
            "Please ensure they have the same size."
        )
    if input.numel() and (float(input.min().item()) < 0 or float(input.max().item()) > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    _check_reduction(reduction)
    return _prims.binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    _check_reduction(reduction)
    return _prims.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = torch.where(target > 0, target * (target.log() - input), target * 0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    num = (x1 * x2).sum(dim)
    den = (x1 * x1).sum(dim).sqrt().clamp_min(eps) * (x2 * x2).sum(dim).sqrt().clamp_min(eps)
    return num / den


def _bind_as(qualified, fn):
    """PyTorch binds these F functions straight from C++: graphs name them by that binding
    (`torch._C._nn.linear`, `torch.conv2d`), and the binding must resolve when a graph runs."""
    fn._fx_qualified_name = qualified
    owner, _, name = qualified.rpartition(".")
    target = torch._C._nn if owner == "torch._C._nn" else torch
    setattr(target, name, fn)


for _fn in (linear, gelu, softplus, one_hot, scaled_dot_product_attention, avg_pool2d):
    _bind_as("torch._C._nn." + _fn.__name__, _fn)
_nn_pad.__name__ = _nn_pad.__qualname__ = "pad"
_bind_as("torch._C._nn.pad", _nn_pad)
for _fn in (conv1d, conv2d):
    _bind_as("torch." + _fn.__name__, _fn)
del _fn
