"""Decorators users put on their own functions to steer the tracer."""

_allowed_in_graph = {}


def allow_in_graph(fn):
    """Records calls of `fn` as one graph node instead of tracing into it."""
    if isinstance(fn, (list, tuple)):
        return [allow_in_graph(x) for x in fn]
    if not callable(fn):
        raise TypeError("allow_in_graph expects a callable")
    _allowed_in_graph[id(fn)] = fn
    from torch._dynamo import trace_rules

    trace_rules._rules = None  # rebuilt with the new entry on next lookup
    return fn


def disallow_in_graph(fn):
    _allowed_in_graph.pop(id(fn), None)
    from torch._dynamo import trace_rules

    trace_rules._rules = None
    return fn


def assume_constant_result(fn):
    """Calls of `fn` are run once at trace time and their result is treated as a constant."""
    fn._dynamo_marked_constant = True
    return fn


def graph_break(msg=""):
    """Outside a compiled frame: nothing. Inside: the tracer stops here."""


def is_compiling():
    """True while the tracer runs the code (it folds this call to True); False when run eagerly."""
    return False


def _indices(t, index):
    if isinstance(index, (list, tuple)):
        return list(index)
    if index is None:
        return list(range(t.dim()))
    return [index]


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None):
    """Traces dim(s) `index` of tensor `t` as symbolic from the first compile (not duck-sized:
    a size equal to another's still gets its own symbol)."""
    for i in _indices(t, index):
        if not hasattr(t, "_dynamo_dynamic_indices"):
            t._dynamo_dynamic_indices = set()
        t._dynamo_dynamic_indices.add(i)
        if min is not None or max is not None:
            if not hasattr(t, "_dynamo_dynamic_range"):
                t._dynamo_dynamic_range = set()
            t._dynamo_dynamic_range.add((i, min, max))
    # Guards compare `_dynamo_dynamic_range` only on tensors marked through this API.
    t._has_dynamo_dim_marking = True


def maybe_mark_dynamic(t, index):
    """Like mark_dynamic, but a trace that pins the size specialises it without an error."""
    for i in _indices(t, index):
        if not hasattr(t, "_dynamo_weak_dynamic_indices"):
            t._dynamo_weak_dynamic_indices = set()
        t._dynamo_weak_dynamic_indices.add(i)
    t._has_dynamo_dim_marking = True


def mark_static(t, index=None):
    """Keeps dim(s) `index` of tensor `t` static even when automatic dynamic would not."""
    import torch

    if not isinstance(t, torch.Tensor):
        t._dynamo_marked_static = True
        return t
    for i in _indices(t, index):
        if not hasattr(t, "_dynamo_static_indices"):
            t._dynamo_static_indices = set()
        t._dynamo_static_indices.add(i)
