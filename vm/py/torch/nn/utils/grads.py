"""Clearing gradients, shared by Module.zero_grad and Optimizer.zero_grad."""


def zero_grads(parameters, set_to_none=True):
    """Drops each `.grad`, or zeroes it in place, detached from any graph that made it."""
    for p in parameters:
        if p.grad is not None:
            if set_to_none:
                p.grad = None
            else:
                p.grad = p.grad.detach()
                p.grad.zero_()
