"""`torch.utils.checkpoint`: run a function without keeping its intermediate values, and run it
again during backward to get them. Random state is saved and restored so dropout masks repeat."""

import enum
import warnings

import torch

__all__ = ["CheckpointPolicy", "checkpoint", "checkpoint_sequential"]


class CheckpointPolicy(enum.Enum):
    """What the partitioner does with a value computed in a checkpointed region."""

    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3


class _Checkpoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, *args):
        ctx.run_function = run_function
        ctx.kwargs = kwargs
        ctx.rng_state = torch.get_rng_state() if preserve_rng_state else None
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor)]
        ctx.inputs = [None if isinstance(a, torch.Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, torch.Tensor)])
        with torch.no_grad():
            return run_function(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        detached = []
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            d = t.detach()
            d.requires_grad = t.requires_grad
            inputs[i] = d
            detached.append(d)
        saved = torch.get_rng_state() if ctx.rng_state is not None else None
        if ctx.rng_state is not None:
            torch.set_rng_state(ctx.rng_state)
        try:
            with torch.enable_grad():
                outputs = ctx.run_function(*inputs, **ctx.kwargs)
        finally:
            if saved is not None:
                torch.set_rng_state(saved)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, torch.Tensor) and o.requires_grad and g is not None]
        if pairs:
            torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        arg_grads = [None] * len(inputs)
        for i, d in zip(ctx.tensor_indices, detached):
            arg_grads[i] = d.grad if d.requires_grad else None
        return (None, None, None) + tuple(arg_grads)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. In a future release, "
            "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
            "Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
    return _Checkpoint.apply(function, preserve_rng_state, kwargs, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    functions = list(functions.children()) if isinstance(functions, torch.nn.Sequential) else list(functions)
    size = max(1, len(functions) // segments)

    def run(start, end):
        def forward(x):
            for f in functions[start:end]:
                x = f(x)
            return x

        return forward

    start = 0
    while start < len(functions) - size:
        input = checkpoint(run(start, start + size), input, use_reentrant=use_reentrant, **kwargs)
        start += size
    return run(start, len(functions))(input)
