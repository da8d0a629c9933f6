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
