"""How PyTorch's Python-level functions record their arguments when traced.

Functions that PyTorch writes in Python (most of `torch.nn.functional`, and `torch.split`,
`torch.norm`, ... from torch/functional.py) hand a traced call to FX with a fixed layout: the
first N parameters positionally and the named remaining ones by keyword, with their default
values filled in. So `F.relu(x)` is recorded as `relu(x, inplace = False)`. Functions PyTorch
implements natively are recorded with the arguments exactly as passed.

`TORCH_NN_FUNCTIONAL` and `TORCH` map a function name to (N, keyword parameter names). The
values come from binding the call to smelt's own signature of the function, so they are only
as faithful as that signature's parameter order and defaults.
"""

import inspect

TORCH_NN_FUNCTIONAL = {
    "fractional_max_pool2d": (2, ('output_size', 'output_ratio', 'return_indices', '_random_samples')),
    "fractional_max_pool3d": (2, ('output_size', 'output_ratio', 'return_indices', '_random_samples')),
    "max_pool1d": (2, ('stride', 'padding', 'dilation', 'ceil_mode', 'return_indices')),
    "max_pool2d": (2, ('stride', 'padding', 'dilation', 'ceil_mode', 'return_indices')),
    "max_pool3d": (2, ('stride', 'padding', 'dilation', 'ceil_mode', 'return_indices')),
    "max_unpool1d": (3, ('stride', 'padding', 'output_size')),
    "max_unpool2d": (3, ('stride', 'padding', 'output_size')),
    "max_unpool3d": (3, ('stride', 'padding', 'output_size')),
    "lp_pool3d": (3, ('stride', 'ceil_mode')),
    "lp_pool2d": (3, ('stride', 'ceil_mode')),
    "lp_pool1d": (3, ('stride', 'ceil_mode')),
    "adaptive_max_pool1d": (2, ('return_indices',)),
    "adaptive_max_pool2d": (2, ('return_indices',)),
    "adaptive_max_pool3d": (2, ('return_indices',)),
    "adaptive_avg_pool2d": (2, ()),
    "adaptive_avg_pool3d": (2, ()),
    "dropout": (1, ('p', 'training', 'inplace')),
    "alpha_dropout": (1, ('p', 'training', 'inplace')),
    "dropout1d": (1, ('p', 'training', 'inplace')),
    "dropout2d": (1, ('p', 'training', 'inplace')),
    "dropout3d": (1, ('p', 'training', 'inplace')),
    "feature_alpha_dropout": (1, ('p', 'training', 'inplace')),
    "relu": (1, ('inplace',)),
    "glu": (1, ('dim',)),
    "hardtanh": (1, ('min_val', 'max_val', 'inplace')),
    "relu6": (1, ('inplace',)),
    "elu": (1, ('alpha', 'inplace')),
    "selu": (1, ('inplace',)),
    "celu": (1, ('alpha', 'inplace')),
    "leaky_relu": (1, ('negative_slope', 'inplace')),
    "rrelu": (1, ('lower', 'upper', 'training', 'inplace')),
    "tanhshrink": (1, ()),
    "softsign": (1, ()),
    "softmin": (1, ('dim', '_stacklevel', 'dtype')),
    "softmax": (1, ('dim', '_stacklevel', 'dtype')),
    "gumbel_softmax": (1, ('tau', 'hard', 'eps', 'dim')),
    "log_softmax": (1, ('dim', '_stacklevel', 'dtype')),
    "hardsigmoid": (1, ('inplace',)),
    "silu": (1, ('inplace',)),
    "mish": (1, ('inplace',)),
    "hardswish": (1, ('inplace',)),
    "embedding": (2, ('padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse')),
    "embedding_bag": (2, ('offsets', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'mode', 'sparse', 'per_sample_weights', 'include_last_offset', 'padding_idx')),
    "batch_norm": (3, ('weight', 'bias', 'training', 'momentum', 'eps')),
    "instance_norm": (1, ('running_mean', 'running_var', 'weight', 'bias', 'use_input_stats', 'momentum', 'eps')),
    "layer_norm": (2, ('weight', 'bias', 'eps')),
    "rms_norm": (2, ('weight', 'eps')),
    "group_norm": (2, ('weight', 'bias', 'eps')),
    "local_response_norm": (2, ('alpha', 'beta', 'k')),
    "ctc_loss": (4, ('blank', 'reduction', 'zero_infinity')),
    "nll_loss": (2, ('weight', 'size_average', 'ignore_index', 'reduce', 'reduction')),
    "poisson_nll_loss": (2, ('log_input', 'full', 'size_average', 'eps', 'reduce', 'reduction')),
    "gaussian_nll_loss": (3, ('full', 'eps', 'reduction')),
    "kl_div": (2, ('size_average', 'reduce', 'reduction', 'log_target')),
    "cross_entropy": (2, ('weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing')),
    "binary_cross_entropy": (2, ('weight', 'size_average', 'reduce', 'reduction')),
    "binary_cross_entropy_with_logits": (2, ('weight', 'size_average', 'reduce', 'reduction', 'pos_weight')),
    "linear_cross_entropy": (3, ('linear_bias', 'weight', 'reduction', 'ignore_index', 'label_smoothing', 'options')),
    "smooth_l1_loss": (2, ('size_average', 'reduce', 'reduction', 'beta')),
    "huber_loss": (2, ('reduction', 'delta', 'weight')),
    "l1_loss": (2, ('size_average', 'reduce', 'reduction')),
    "mse_loss": (2, ('size_average', 'reduce', 'reduction', 'weight')),
    "margin_ranking_loss": (3, ('margin', 'size_average', 'reduce', 'reduction')),
    "hinge_embedding_loss": (2, ('margin', 'size_average', 'reduce', 'reduction')),
    "multilabel_margin_loss": (2, ('size_average', 'reduce', 'reduction')),
    "soft_margin_loss": (2, ('size_average', 'reduce', 'reduction')),
    "multilabel_soft_margin_loss": (2, ('weight', 'size_average', 'reduce', 'reduction')),
    "cosine_embedding_loss": (3, ('margin', 'size_average', 'reduce', 'reduction')),
    "multi_margin_loss": (2, ('p', 'margin', 'weight', 'size_average', 'reduce', 'reduction')),
    "interpolate": (1, ('size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor', 'antialias')),
    "grid_sample": (2, ('mode', 'padding_mode', 'align_corners')),
    "affine_grid": (2, ('align_corners',)),
    "pad": (2, ('mode', 'value')),
    "triplet_margin_loss": (3, ('margin', 'p', 'eps', 'swap', 'size_average', 'reduce', 'reduction')),
    "triplet_margin_with_distance_loss": (3, ('distance_function', 'margin', 'swap', 'reduction')),
    "normalize": (1, ('p', 'dim', 'eps', 'out')),
    "unfold": (2, ('dilation', 'padding', 'stride')),
    "fold": (3, ('dilation', 'padding', 'stride')),
}

TORCH = {
    "split": (2, ("dim",)),
    "norm": (1, ("p", "dim", "keepdim", "out", "dtype")),
    "tensordot": (2, ("dims", "out")),
    "cdist": (2, ("p", "compute_mode")),
    "unravel_index": (1, ("shape",)),
    "stft": (
        2,
        ("hop_length", "win_length", "window", "center", "pad_mode", "normalized", "onesided",
         "return_complex", "align_to_window"),
    ),
}


def recorded_arguments(fn, spec, args, kwargs):
    """The (args, kwargs) PyTorch would record for the call `fn(*args, **kwargs)`; the call
    as given when `spec` is None or the call does not fit `fn`'s signature."""
    if spec is None:
        return args, kwargs
    n_positional, keyword_names = spec
    try:
        signature = inspect.signature(fn)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs
    bound.apply_defaults()
    values = bound.arguments
    params = list(signature.parameters.values())
    positional = []
    for p in params[:n_positional]:
        if p.kind is inspect.Parameter.VAR_POSITIONAL or p.name not in values:
            return args, kwargs
        positional.append(values[p.name])
    keywords = {name: values[name] for name in keyword_names if name in values}
    return tuple(positional), keywords
