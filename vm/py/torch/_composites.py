"""Forwards of the primitives written in Python rather than as one native kernel (addmm,
softmax, layer norm, the losses, convolution, pooling). Autograd sees each as one node named
as PyTorch names it (`AddmmBackward0`, `NativeLayerNormBackward0` ...); `_prims` runs these
untracked and `autograd._derivatives` holds their formulas."""

import math

import torch
from torch import _C


def addmm(bias, mat1, mat2):
    out = mat1.mm(mat2)
    return out.add_(bias)


def select_backward(grad, input_sizes, dim, index):
    """The gradient of `x.select(dim, index)`: zeros of the input's size around it."""
    out = _C._full(list(input_sizes), 0, grad.dtype, grad.is_meta)
    out.select(dim, index).copy_(grad)
    return out


def slice_backward(grad, input_sizes, dim, start, end, step):
    out = _C._full(list(input_sizes), 0, grad.dtype, grad.is_meta)
    out._slice(dim, start, end, step).copy_(grad)
    return out


def threshold_backward(grad, x, threshold):
    return _C._where(x <= threshold, 0.0, grad)


def sigmoid_backward(grad, y):
    return grad * (1 - y) * y


def tanh_backward(grad, y):
    return grad * (1 - y * y)


def softmax_backward_data(grad, output, dim, input_dtype):
    return output * (grad - (grad * output).sum(dim, keepdim=True))


def log_softmax_backward_data(grad, output, dim, input_dtype):
    return grad - output.exp() * grad.sum(dim, keepdim=True)


def gelu_backward(grad, x, approximate):
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = (k * (x + 0.044715 * x * x * x)).tanh()
        d_inner = k * (1 + 3 * 0.044715 * x * x)
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
    cdf = 0.5 * (1 + (x * (1 / math.sqrt(2))).erf())
    pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
    return grad * (cdf + x * pdf)


def silu_backward(grad, x):
    s = x.sigmoid()
    return grad * s * (1 + x * (1 - s))


def softmax(x, dim):
    e = (x - x.amax(dim, keepdim=True)).exp()
    return e.div_(e.sum(dim, keepdim=True))


def log_softmax(x, dim):
    shifted = x - x.amax(dim, keepdim=True)
    return shifted.sub_(shifted.exp().sum(dim, keepdim=True).log())


def layer_norm_dims(x, normalized_shape):
    n = len(normalized_shape)
    return list(range(x.dim() - n, x.dim()))


def layer_norm(x, normalized_shape, weight, bias, eps):
    """PyTorch's native_layer_norm: the output, and the mean and 1/std it normalized with
    (kept dims), which its backward reads."""
    dims = layer_norm_dims(x, normalized_shape)
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    rstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    out = centered.mul_(rstd)
    if weight is not None:
        out = out.mul_(weight)
    if bias is not None:
        out = out.add_(bias)
    return out, mean, rstd


def native_layer_norm_backward(grad, x, normalized_shape, mean, rstd, weight, bias, output_mask):
    """The gradients of native_layer_norm's input, weight and bias (None where `output_mask`
    says not wanted), from the saved mean and 1/std."""
    dims = layer_norm_dims(x, normalized_shape)
    batch = list(range(x.dim() - len(normalized_shape)))
    xhat = (x - mean) * rstd
    gx_hat = grad * weight if weight is not None else grad
    gx = gw = gb = None
    if output_mask[0]:
        gx = rstd * (gx_hat - gx_hat.mean(dims, keepdim=True) - xhat * (gx_hat * xhat).mean(dims, keepdim=True))
    if output_mask[1] and weight is not None:
        gw = (grad * xhat).sum(batch) if batch else grad * xhat
    if output_mask[2] and bias is not None:
        gb = grad.sum(batch) if batch else grad
    return gx, gw, gb


def clamp(x, min, max, kind="clamp"):
    # Number bounds take part in type promotion as Python numbers do (an int tensor clamped
    # at 0.5 is a float tensor), as in PyTorch.
    dtype = x.dtype
    for bound in (min, max):
        if bound is not None and not hasattr(bound, "dtype"):
            dtype = _C.promote_types(dtype, _number_dtype(bound, dtype))
    if dtype == torch.bool and not any(hasattr(b, "dtype") for b in (min, max)):
        # PyTorch has no bool kernel for clamp with number bounds (bool bounds on a bool tensor).
        which = "clamp" if min is not None and max is not None else ("clamp_min" if min is not None else "clamp_max")
        raise NotImplementedError(f'"{which}_scalar_cpu" not implemented for \'Bool\'')
    out = x
    if min is not None:
        out = out.maximum(_C._full([], min, dtype) if not hasattr(min, "dtype") else min)
    if max is not None:
        out = out.minimum(_C._full([], max, dtype) if not hasattr(max, "dtype") else max)
    return out if out is not x else x.clone()


def _number_dtype(number, dtype):
    """The dtype a Python number promotes `dtype` to: a number only wins over a lower category
    (bool < integer < floating), and then takes that category's default."""
    if isinstance(number, bool):
        return dtype
    if isinstance(number, int):
        return torch.int64 if dtype == torch.bool else dtype
    return dtype if dtype.is_floating_point else torch.get_default_dtype()


def mse_loss(input, target, reduction):
    d = input - target
    loss = d * d
    return _reduce(loss, reduction)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def nll_loss(input, target, weight, ignore_index, reduction):
    # input (N, C, ...) and target (N, ...), already checked by torch.nn.functional.
    keep = target != ignore_index
    safe = torch.where(keep, target, _C._full([], 0, target.dtype))
    picked = input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(input.dtype)
    if weight is not None:
        w = w * weight.index_select(0, safe.reshape(-1)).reshape(list(safe.shape))
    loss = -picked * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    # log(1 + exp(-x)) without overflow: max(-x, 0) + log(exp(-m) + exp(-x - m)).
    m = (-input).clamp_min(0)
    softplus_neg = m + ((-m).exp() + (-input - m).exp()).log()
    if pos_weight is not None:
        loss = (1 - target) * input + ((pos_weight - 1) * target + 1) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight, reduction):
    # PyTorch clamps each log at -100 so that 0 and 1 give finite losses.
    log_x = input.log().clamp_min(-100.0)
    log_1mx = (1 - input).log().clamp_min(-100.0)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def embedding(weight, indices, padding_idx):
    flat = weight.index_select(0, indices.reshape(-1))
    if padding_idx is not None and weight.requires_grad and torch.is_grad_enabled():
        # Recomputed in backward with grad on: the padding row's gradient is cut here.
        keep = (indices.reshape(-1) != padding_idx).unsqueeze(1)
        flat = torch.where(keep, flat, flat.detach())
    return flat.reshape(list(indices.shape) + [weight.shape[1]])


def embedding_dense_backward(grad, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The weight's gradient of an embedding: each looked-up row's gradient added into its row
    (the padding row's left 0)."""
    dim = grad.shape[-1]
    flat = indices.reshape(-1)
    rows = grad.reshape(-1, dim)
    if padding_idx >= 0:
        rows = torch.where((flat != padding_idx).unsqueeze(1), rows, 0.0)
    out = _C._full([num_weights, dim], 0, grad.dtype, grad.is_meta)
    return out.index_put_((flat,), rows, True)


def mse_loss_backward(grad, x, target, reduction):
    d = (x - target) * 2
    if reduction == "mean":
        d = d / x.numel()
    return d * grad


def leaky_relu(x, negative_slope):
    return torch.where(x > 0, x, x * negative_slope)


def elu(x, alpha):
    return torch.where(x > 0, x, (x.exp() - 1) * alpha)


def softplus(x, beta, threshold):
    scaled = x * beta
    return torch.where(scaled > threshold, x, scaled.exp().log1p() / beta)


def hardtanh(x, min_val, max_val):
    return x.clamp(min_val, max_val)


def smooth_l1_loss(input, target, reduction, beta):
    d = (input - target).abs()
    loss = d if beta == 0 else torch.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def dense(x):
    """A contiguous tensor at storage offset 0, which `as_strided` windows index into."""
    if x.is_contiguous() and x.storage_offset() == 0:
        return x
    return x.clone()


def windows(x, kernel, stride, dilation, out_sizes):
    """(N, C, *spatial) -> (N, C, *out, *kernel): every window as a view, no copy."""
    x = dense(x)
    s = x.stride()
    nd = len(kernel)
    size = list(x.shape[:2]) + list(out_sizes) + list(kernel)
    steps = [s[0], s[1]] + [s[2 + i] * stride[i] for i in range(nd)] + [s[2 + i] * dilation[i] for i in range(nd)]
    return x.as_strided(size, steps, 0)


def convolution(input, weight, bias, stride, dilation, groups, out_sizes):
    """Input already padded; im2col as a strided view, then one matmul per group."""
    nd = len(out_sizes)
    kernel = list(weight.shape[2:])
    n, c = input.shape[0], input.shape[1]
    win = windows(input, kernel, stride, dilation, out_sizes)
    # (N, C, *out, *k) -> (N, L, C*K) with C outermost in each row, as the weight is laid out.
    perm = [0] + list(range(2, 2 + nd)) + [1] + list(range(2 + nd, 2 + 2 * nd))
    kk = math.prod(kernel)
    cols = win.permute(perm).reshape(n, math.prod(out_sizes), c * kk)
    o = weight.shape[0]
    if groups == 1:
        out = cols.matmul(weight.reshape(o, c * kk).t())
    else:
        cg, og = c // groups, o // groups
        parts = []
        for g in range(groups):
            w = weight.narrow(0, g * og, og).reshape(og, cg * kk)
            parts.append(cols.narrow(2, g * cg * kk, cg * kk).matmul(w.t()))
        out = torch.cat(parts, 2)
    if bias is not None:
        out = out + bias
    return out.transpose(1, 2).contiguous().reshape([n, o] + list(out_sizes))


def max_pool2d(padded, kernel, stride, dilation, out_sizes):
    n, c = padded.shape[0], padded.shape[1]
    win = windows(padded, kernel, stride, dilation, out_sizes)
    flat = win.reshape(n, c, out_sizes[0], out_sizes[1], kernel[0] * kernel[1])
    return flat.max(-1)


def pad(input, pad, mode, value):
    """Checked by torch.nn.functional.pad; `pad` pairs run from the last dim backwards."""
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if left == 0 and right == 0:
            continue
        if mode == "constant":
            out = _pad_constant(out, dim, left, right, 0 if value is None else value)
        elif mode in ("reflect", "replicate", "circular"):
            out = out.index_select(dim, _pad_index(out.shape[dim], left, right, mode))
    return out


def _pad_constant(x, dim, left, right, value):
    if left < 0:
        x = x.narrow(dim, -left, x.shape[dim] + left)
        left = 0
    if right < 0:
        x = x.narrow(dim, 0, x.shape[dim] + right)
        right = 0
    parts = []
    for n in (left, None, right):
        if n is None:
            parts.append(x)
        elif n:
            shape = list(x.shape)
            shape[dim] = n
            parts.append(torch.full(shape, value, dtype=x.dtype))
    return torch.cat(parts, dim) if len(parts) > 1 else x


def _pad_index(n, left, right, mode):
    idx = []
    for j in range(-left, n + right):
        if mode == "replicate":
            idx.append(min(max(j, 0), n - 1))
        elif mode == "circular":
            idx.append(j % n)
        else:
            if left >= n or right >= n:
                raise RuntimeError(
                    f"Argument #4: Padding size should be less than the corresponding input dimension, "
                    f"but got: padding ({left}, {right}) at dimension {n}"
                )
            period = 2 * (n - 1) if n > 1 else 1
            k = j % period
            idx.append(k if k < n else period - k)
    return torch.tensor(idx, dtype=torch.int64)


def avg_pool2d(x, kernel, stride, padding, out, extra, count_include_pad, divisor_override):
    from torch.nn.functional import pad as pad_fn

    dilation = (1, 1)
    pads = [padding[1], padding[1] + extra[1], padding[0], padding[0] + extra[0]]
    padded = pad_fn(x, pads) if any(pads) else x
    n, c = x.shape[0], x.shape[1]
    win = windows(padded, kernel, stride, dilation, out).reshape(n, c, out[0], out[1], kernel[0] * kernel[1])
    total = win.sum(-1)
    if divisor_override is not None:
        return total / divisor_override
    # The divisor counts the window's cells inside the padded input (or the real input).
    h, w = x.shape[2], x.shape[3]
    ones = torch.ones(1, 1, h, w, dtype=x.dtype)
    inner = [padding[1], padding[1], padding[0], padding[0]]
    if count_include_pad:
        cells = pad_fn(ones, inner, value=1.0) if any(inner) else ones
        cells = pad_fn(cells, [0, extra[1], 0, extra[0]]) if any(extra) else cells
    else:
        cells = pad_fn(ones, pads) if any(pads) else ones
    count = windows(cells, kernel, stride, dilation, out).reshape(1, 1, out[0], out[1], kernel[0] * kernel[1]).sum(-1)
    return total / count


def adaptive_avg_pool2d(x, oh, ow):
    h, w = x.shape[2], x.shape[3]
    rows = []
    for i in range(oh):
        h0, h1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        cols = []
        for j in range(ow):
            w0, w1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            cols.append(x[:, :, h0:h1, w0:w1].mean([2, 3]))
        rows.append(torch.stack(cols, -1))
    return torch.stack(rows, -2)


def sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    l, s = query.shape[-2], key.shape[-2]
    scale = sdpa_scale(query, scale)
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, -3)
        value = value.repeat_interleave(rep, -3)
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if is_causal:
        keep = torch.ones(l, s, dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, -math.inf)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, -math.inf)
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        from torch.nn.functional import dropout

        weights = dropout(weights, dropout_p)
    return weights.matmul(value)


def sdpa_native(query, key, value, attn_mask):
    """Whether the one-kernel attention (`_C._sdpa`) computes this call: no mask tensor, 4-D
    float32/float64 inputs with the same batch and head sizes, nothing empty. The rest runs
    the math path."""
    return (attn_mask is None and query.dim() == 4 and key.dim() == 4 and value.dim() == 4
            and query.dtype in (torch.float32, torch.float64) and query.dtype == key.dtype == value.dtype
            and query.shape[:2] == key.shape[:2] == value.shape[:2] and query.shape[3] == key.shape[3]
            and key.shape[2] == value.shape[2] and query.numel() > 0 and key.numel() > 0 and value.numel() > 0)


def sdpa_scale(query, scale):
    """The scale the scores are multiplied by: the given one, else 1/sqrt(head size)."""
    return 1 / math.sqrt(query.shape[-1]) if scale is None else scale


def sdpa(query, key, value, attn_mask, is_causal, scale):
    """`(out, logsumexp)`, as PyTorch's CPU flash-attention kernel returns them (logsumexp laid
    out `[B, L, H]`, viewed as `[B, H, L]`; zeros when the math path ran)."""
    # Recomputed with autograd on (double backward), the math path gives a differentiable result.
    recording = _C.is_grad_enabled() and (query.requires_grad or key.requires_grad or value.requires_grad)
    if not recording and sdpa_native(query, key, value, attn_mask):
        return _C._sdpa(query, key, value, is_causal, sdpa_scale(query, scale))
    return sdpa_math(query, key, value, attn_mask, 0.0, is_causal, scale, False), sdpa_logsumexp(query)


def sdpa_logsumexp(query):
    """Zeros in the layout of the kernel's logsumexp output (what the math path returns)."""
    from torch import _prims

    dtype = torch.float64 if query.dtype == torch.float64 else torch.float32
    if query.dim() != 4:
        return _prims.full(list(query.shape[:-1]), 0.0, dtype, query.is_meta, "zeros", True)
    b, h, n = query.shape[0], query.shape[1], query.shape[2]
    return _prims.full([b, n, h], 0.0, dtype, query.is_meta, "zeros", True).transpose(1, 2)


def sdpa_backward(grad, query, key, value, out, logsumexp, is_causal, scale):
    """`(dq, dk, dv)` of `sdpa` (the one-kernel form's gradients)."""
    return _C._sdpa_backward([grad, query, key, value, out, logsumexp], is_causal, sdpa_scale(query, scale))
