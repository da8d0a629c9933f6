"""Runs the autograd graph backwards from some roots. Nodes run once all the nodes that feed
them gradients have run; among ready nodes the most recently created runs first (PyTorch's
order, which hooks can observe)."""


import torch
from torch import _C
from torch.autograd.graph import AccumulateGrad, sizes


def _sum_to(g, shape):
    from torch.autograd._derivatives import _sum_to as sum_to

    return sum_to(g, shape)


def _zeros(shape, dtype):
    from torch.autograd._derivatives import _zeros as zeros

    return zeros(shape, dtype)


def _fit(g, meta):
    """A gradient for an input of (shape, dtype): summed over broadcast dims, cast."""
    shape, dtype = meta
    if tuple(sizes(g)) != tuple(shape):
        g = _sum_to(g, shape)
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


# The node whose backward is running: a tracer recording the backward (AOT autograd) ties the
# ops it sees to the forward op that node came from.
_running = [None]


def current_node():
    return _running[0]


def _run_tensor_hooks(hooks, g):
    for hook in list(hooks.values()):
        result = hook(g)
        if result is not None:
            g = result
    return g


def run_backward(roots, grad_roots, retain_graph, create_graph, inputs=None, accumulate=True):
    """Backpropagates `grad_roots` from `roots`. With `inputs`, returns the gradient reaching
    each of them instead of (accumulate=False) or as well as accumulating into `.grad`.

    The loop is native (engine.rs); it calls back into the helpers below for hooks, `.grad`,
    broadcast sums, missing gradients and pruning to `inputs`."""
    return _C._run_backward(list(roots), list(grad_roots), bool(retain_graph), bool(create_graph),
                            None if inputs is None else list(inputs), bool(accumulate))


def _nodes_leading_to(nodes, captures):
    """Ids of the nodes whose gradients flow on to a captured input (the capturing node itself
    only runs if something it feeds is wanted too)."""
    targets = set(key[0] for key in captures if key is not None)
    wanted = {}  # id -> whether the node or something below it is a target
    order = []
    state = {}
    for start in nodes.values():
        if id(start) in state:
            continue
        stack = [(start, False)]
        while stack:
            fn, done = stack.pop()
            if done:
                order.append(fn)
                continue
            if id(fn) in state:
                continue
            state[id(fn)] = True
            stack.append((fn, True))
            for nxt, _ in fn.next_functions:
                if nxt is not None and id(nxt) not in state:
                    stack.append((nxt, False))
    runs = set()
    for fn in order:  # children before parents
        below = any(nxt is not None and wanted.get(id(nxt), False) for nxt, _ in fn.next_functions)
        if below or (isinstance(fn, AccumulateGrad) and id(fn) in targets):
            runs.add(id(fn))
        wanted[id(fn)] = below or id(fn) in targets
    return runs


def _accumulate(var, g, create_graph):
    if var.grad is None:
        # A fresh tensor: the same gradient object may reach several leaves.
        var.grad = g.clone() if not create_graph else g
        if not create_graph:
            var.grad = var.grad.detach()
    elif create_graph:
        var.grad = var.grad + g
    else:
        with torch.no_grad():
            var.grad.add_(g)


from torch.autograd.graph import FormulaNode  # noqa: E402

for _name, _obj in [("_fit", _fit), ("_zeros", _zeros), ("_run_tensor_hooks", _run_tensor_hooks),
                    ("_nodes_leading_to", _nodes_leading_to), ("_accumulate", _accumulate),
                    ("running", _running), ("formula_apply", FormulaNode.apply)]:
    _C._autograd_register(_name, _obj)
del _name, _obj
