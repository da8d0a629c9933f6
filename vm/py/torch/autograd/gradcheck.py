"""Finite-difference checks of analytical gradients (`torch.autograd.gradcheck`)."""

import torch


class GradcheckError(RuntimeError):
    pass


def _numerical_jacobian_column(fn, inputs, k, flat_index, eps):
    x = inputs[k]
    with torch.no_grad():
        flat = x.view(-1) if x.is_contiguous() else None
        if flat is None:
            raise GradcheckError("gradcheck needs contiguous inputs")
        orig = flat[flat_index].item()
        flat[flat_index] = orig + eps
    # The function runs with grad on: gradgradcheck's function itself calls autograd.grad.
    plus = [o.detach().clone() for o in _outputs(fn(*inputs))]
    with torch.no_grad():
        flat[flat_index] = orig - eps
    minus = [o.detach().clone() for o in _outputs(fn(*inputs))]
    with torch.no_grad():
        flat[flat_index] = orig
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _outputs(out):
    if isinstance(out, torch.Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, torch.Tensor))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Compares every entry of the Jacobian from backward passes (one per output element)
    with central differences."""
    inputs = (inputs,) if isinstance(inputs, torch.Tensor) else tuple(inputs)
    diff = [k for k, x in enumerate(inputs) if isinstance(x, torch.Tensor) and x.requires_grad]
    outputs = _outputs(func(*inputs))
    # Numerical: one column per input element, for all outputs at once.
    columns = {
        (k, j): [c.reshape(-1).tolist() for c in _numerical_jacobian_column(func, inputs, k, j, eps)]
        for k in diff
        for j in range(inputs[k].numel())
    }
    for oi, out in enumerate(outputs):
        if not out.dtype.is_floating_point:
            continue
        # Analytical: one row per output element.
        for i in range(out.numel()):
            rows = _analytical_row(func, inputs, oi, i, diff)
            for k, row in zip(diff, rows):
                for j in range(inputs[k].numel()):
                    a, n = row[j], columns[(k, j)][oi][i]
                    if abs(a - n) > atol + rtol * abs(n):
                        msg = (
                            f"Jacobian mismatch for output {oi} with respect to input {k},\n"
                            f"numerical:{n}\nanalytical:{a}\n"
                            f"(output element {i}, input element {j})"
                        )
                        if raise_exception:
                            raise GradcheckError(msg)
                        return False
    return True


def _analytical_row(func, inputs, oi, i, diff):
    out = _outputs(func(*inputs))[oi]
    zeros = [[0.0] * inputs[k].numel() for k in diff]
    if not out.requires_grad:
        return zeros
    seed = torch.zeros(out.shape, dtype=out.dtype)
    seed.view(-1)[i] = 1.0
    grads = torch.autograd.grad(out, [inputs[k] for k in diff], seed, allow_unused=True)
    return [z if g is None else g.reshape(-1).tolist() for z, g in zip(zeros, grads)]


def gradgradcheck(func, inputs, grad_outputs=None, **kwargs):
    """Checks second derivatives: the gradient function itself passes gradcheck."""
    inputs = (inputs,) if isinstance(inputs, torch.Tensor) else tuple(inputs)
    diff = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
    outs = _outputs(func(*inputs))
    seeds = [torch.rand(o.shape, dtype=o.dtype, requires_grad=True) for o in outs]

    def grads_fn(*args):
        xs = args[: len(inputs)]
        gs = args[len(inputs):]
        o = _outputs(func(*xs))
        return torch.autograd.grad(o, [x for x in xs if isinstance(x, torch.Tensor) and x.requires_grad], gs,
                                   create_graph=True, allow_unused=True)

    return gradcheck(grads_fn, tuple(inputs) + tuple(seeds), **kwargs)
