"""Graph clean-ups AOT autograd runs around partitioning."""

import operator

import torch
import torch.fx as fx

__all__ = ["fx_graph_cse", "get_aten_target", "raise_getitems"]


def get_aten_target(node):
    """The operator a node calls, without its overload (`aten.mul`, not `aten.mul.Tensor`)."""
    if hasattr(node.target, "overloadpacket"):
        return node.target.overloadpacket
    return node.target


_RANDOM_OPS = {"dropout", "_fused_dropout", "_standard_gamma", "bernoulli", "multinomial", "native_dropout",
               "normal", "poisson", "binomial", "rrelu", "rand_like", "rand", "randint", "randn", "randperm"}


def _is_random(node):
    return getattr(get_aten_target(node), "__name__", None) in _RANDOM_OPS


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, slice):
        return ("slice", value.start, value.stop, value.step)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return (type(value), value)


def fx_graph_cse(fx_g, extra_node_key=None):
    """A copy of `fx_g` where a call repeating an earlier one (same target, same arguments after
    substitution, same `extra_node_key`) is replaced by it. Inputs, outputs, random and
    impure ops, and the values returned, are left alone."""
    new_graph = fx.Graph()
    env = {}
    seen = {}
    output_node = list(fx_g.nodes)[-1]
    returned = set(output_node.all_input_nodes) if output_node.op == "output" else set()
    for n in fx_g.nodes:
        if (n.op in ("placeholder", "output", "get_attr") or n.is_impure() or _is_random(n)
                or getattr(get_aten_target(n), "__name__", None) == "empty" or n in returned):
            env[n] = new_graph.node_copy(n, lambda x: env[x])
            continue
        args = fx.node.map_arg(n.args, lambda x: env[x])
        kwargs = fx.node.map_arg(n.kwargs, lambda x: env[x])
        extra = extra_node_key(n) if extra_node_key is not None else None
        custom = n.meta.get("custom", {}) or {}
        key = (n.target, extra, _hashable(args), _hashable(kwargs), custom.get("stream", 0))
        hit = seen.get(key)
        if hit is not None:
            env[n] = hit
            continue
        new_node = new_graph.node_copy(n, lambda x: env[x])
        env[n] = new_node
        seen[key] = new_node
    return new_graph


def raise_getitems(gm):
    """Moves every getitem right after the node it reads from (in their original order)."""
    getitems = gm.graph.find_nodes(op="call_function", target=operator.getitem)
    for node in reversed(getitems):
        parents = node.all_input_nodes
        if len(parents) != 1:
            raise AssertionError(f"expected node {node.name} to have 1 input node, got {len(parents)}")
        parents[0].append(node)
    gm.recompile()
    return gm


def strip_overloads(gm):
    for node in gm.graph.nodes:
        if isinstance(node.target, torch._ops.OpOverload):
            node.target = node.target.overloadpacket
    gm.recompile()
