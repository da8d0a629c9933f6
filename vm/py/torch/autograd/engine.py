"""Runs the autograd graph backwards from some roots. Nodes run once all the nodes that feed
them gradients have run; among ready nodes the most recently created runs first (PyTorch's
order, which hooks can observe)."""

import heapq

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
    each of them instead of (accumulate=False) or as well as accumulating into `.grad`."""
    from torch.autograd.graph import edge_of

    root_edges = []
    for t, g in zip(roots, grad_roots):
        fn, nr = edge_of(t)
        if fn is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        root_edges.append((fn, nr, g))

    # Where gradients for `inputs` are captured: leaves at their AccumulateGrad, others at the
    # output of their grad_fn.
    captures = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            fn, nr = edge_of(t)
            if fn is None:
                captures.setdefault(None, []).append(i)
                continue
            captures.setdefault((id(fn), nr), []).append(i)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    # Dependency counts over the reachable graph.
    deps = {}
    nodes = {}
    # A node reached from two roots (the same tensor twice, two outputs of one node) is walked
    # once, or its inputs' dependency counts would be counted twice.
    stack = list({id(fn): fn for fn, _, _ in root_edges}.values())
    for fn in stack:
        nodes[id(fn)] = fn
    seen = set(id(fn) for fn in stack)
    while stack:
        fn = stack.pop()
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            deps[id(nxt)] = deps.get(id(nxt), 0) + 1
            if id(nxt) not in seen:
                seen.add(id(nxt))
                nodes[id(nxt)] = nxt
                stack.append(nxt)

    # With `inputs`, only nodes on a path to one of them run (PyTorch prunes the same way), so
    # asking for a gradient never runs the history above the inputs.
    runs = None
    if inputs is not None:
        runs = _nodes_leading_to(nodes, captures)

    buffers = {}

    def add_grad(fn, nr, g):
        slots = buffers.get(id(fn))
        if slots is None:
            slots = [None] * max(len(fn._outputs_meta), nr + 1)
            buffers[id(fn)] = slots
        slots[nr] = g if slots[nr] is None else slots[nr] + g

    for fn, nr, g in root_edges:
        add_grad(fn, nr, g)

    ready = []
    queued = set()
    for fn, _, _ in root_edges:
        if deps.get(id(fn), 0) == 0 and id(fn) not in queued:
            queued.add(id(fn))
            heapq.heappush(ready, (-fn._sequence_nr, id(fn), fn))

    prev_mode = _C.is_grad_enabled()
    _C._set_grad_enabled(create_graph)
    executed = []
    outer_node = _running[0]
    try:
        while ready:
            _, _, fn = heapq.heappop(ready)
            _running[0] = fn
            grads = buffers.pop(id(fn), None) or [None] * len(fn._outputs_meta)
            # Hooks of the non-leaf tensors this node produced, then retain_grad.
            for nr, hooks in fn._tensor_pre_hooks.items():
                if nr < len(grads) and grads[nr] is not None and hooks:
                    grads[nr] = _run_tensor_hooks(hooks, grads[nr])
            for nr, t in fn._retained.items():
                if nr < len(grads) and grads[nr] is not None:
                    t.grad = grads[nr] if create_graph else grads[nr].detach()
            for nr in range(len(grads)):
                where = captures.get((id(fn), nr))
                if where is not None and grads[nr] is not None:
                    for i in where:
                        captured[i] = grads[nr]
            if runs is not None and id(fn) not in runs:
                for nxt, _ in fn.next_functions:
                    if nxt is not None:
                        deps[id(nxt)] -= 1
                        if deps[id(nxt)] == 0 and id(nxt) not in queued:
                            queued.add(id(nxt))
                            heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))
                continue
            for hook in list(fn._pre_hooks.values()):
                result = hook(tuple(grads))
                if result is not None:
                    grads = list(result)
            if isinstance(fn, AccumulateGrad):
                g = grads[0]
                if g is not None:
                    var = fn.variable
                    if var._leaf_hooks:
                        g = _run_tensor_hooks(var._leaf_hooks, g)
                    for hook in list(fn._post_hooks.values()):
                        hook((), (g,))
                    if accumulate:
                        _accumulate(var, g, create_graph)
                executed.append(fn)
                continue
            # Gradients never produced for an output are zeros to the formula.
            for nr, g in enumerate(grads):
                if g is None and nr < len(fn._outputs_meta) and fn._outputs_meta[nr] is not None:
                    shape, dtype = fn._outputs_meta[nr]
                    grads[nr] = _zeros(shape, dtype)
            in_grads = list(fn.apply(*grads))
            for i, (nxt, _) in enumerate(fn.next_functions):
                if i < len(in_grads) and in_grads[i] is not None and fn._inputs_meta[i] is not None:
                    in_grads[i] = _fit(in_grads[i], fn._inputs_meta[i])
            for hook in list(fn._post_hooks.values()):
                result = hook(tuple(in_grads), tuple(grads))
                if result is not None:
                    in_grads = list(result)
            executed.append(fn)
            for (nxt, nr), g in zip(fn.next_functions, in_grads):
                if nxt is None:
                    continue
                if g is not None:
                    add_grad(nxt, nr, g)
                deps[id(nxt)] -= 1
                if deps[id(nxt)] == 0 and id(nxt) not in queued:
                    queued.add(id(nxt))
                    heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))
    finally:
        _running[0] = outer_node
        _C._set_grad_enabled(prev_mode)
        if not retain_graph:
            for fn in executed:
                fn._release()
    return captured


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
