"""Splitting a joint forward+backward graph into a forward graph (which returns the outputs and
the values saved for backward) and a backward graph (saved values + tangents -> gradients).

`min_cut_rematerialization_partition` is what aot_eager uses (PyTorch's default for it): which
values to save is a minimum cut in a flow graph where each node costs its output's size, cheap
pointwise ops may be recomputed in backward instead of saved, and expensive or random ops, or
ones whose output backward must materialize anyway, may not. The heuristics and their constants
are PyTorch's (torch/_functorch/partitioners.py), so saved values and printed graphs agree.
`default_partition` saves every forward value backward uses."""

import heapq
import math
import operator

import torch
import torch.fx as fx
from torch._functorch import config
from torch._functorch.compile_utils import fx_graph_cse, get_aten_target, raise_getitems
from torch._functorch.min_cut import FlowGraph, Unbounded, minimum_cut
from torch.utils.checkpoint import CheckpointPolicy

__all__ = ["default_partition", "min_cut_rematerialization_partition"]


class _InvalidNode:
    def __repr__(self):
        return "Invalid Node"


InvalidNode = _InvalidNode()


def _is_primal(node):
    return node.op == "placeholder" and "tangents" not in str(node.target)


def _is_tangent(node):
    return node.op == "placeholder" and "tangents" in str(node.target)


def must_recompute(node):
    return node.meta.get("recompute", None) in (CheckpointPolicy.MUST_RECOMPUTE, CheckpointPolicy.PREFER_RECOMPUTE)


def has_recomputable_ops(fx_g):
    return any(must_recompute(n) for n in fx_g.graph.nodes)


def _outputs(joint_module, num_fwd_outputs):
    outputs = list(joint_module.graph.output_node().args[0])
    return outputs[:num_fwd_outputs], outputs[num_fwd_outputs:]


def _extract_graph_with_inputs_outputs(joint_graph, inputs, outputs):
    """The sub-graph computing `outputs` from `inputs` (nodes, which may be placeholders or
    any other node); whatever needs something else is dropped, then dead code."""
    new_graph = fx.Graph()
    env = {}
    for node in inputs:
        new_node = new_graph.placeholder(node.name)
        new_node.meta = node.meta
        env[node] = new_node
    for node in joint_graph.nodes:
        if node in env:
            continue
        if node.op == "placeholder":
            env[node] = InvalidNode
        elif node.op == "call_function":
            args = [a for a in _flat_nodes((node.args, node.kwargs))]
            if any(env[a] is InvalidNode for a in args):
                env[node] = InvalidNode
                continue
            env[node] = new_graph.node_copy(node, lambda x: env[x])
        elif node.op == "get_attr":
            env[node] = new_graph.node_copy(node, lambda x: env[x])
    values = []
    for x in outputs:
        if isinstance(x, fx.Node):
            if x not in env:
                raise RuntimeError(f"Node {x} couldn't be found in env")
            if env[x] is InvalidNode:
                raise AssertionError(f"Node {x} was invalid, but is output")
            values.append(env[x])
        else:
            values.append(x)
    new_graph.output(tuple(values))
    new_graph.eliminate_dead_code()
    new_graph.lint()
    return new_graph


def _flat_nodes(value):
    if isinstance(value, fx.Node):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _flat_nodes(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _flat_nodes(v)


def is_sym_node(node):
    """Whether `node` gives a size (a SymInt, SymBool or SymFloat), not a tensor."""
    from torch._symint import SymBool, SymFloat, SymInt

    return isinstance(node.meta.get("val"), (SymInt, SymBool, SymFloat))


def _is_assert_only_symbool(node):
    """A SymBool read only by `_assert_scalar`: a run-time check, nothing backward needs."""
    from torch._symint import SymBool

    return isinstance(node.meta.get("val"), SymBool) and bool(node.users) and all(
        user.target is torch.ops.aten._assert_scalar.default for user in node.users)


def _binding_symbol(node):
    """The symbol a placeholder binds (`primals_1: "Sym(s77)"` binds s77), else None."""
    from torch._symint import SymInt

    val = node.meta.get("val")
    if node.op != "placeholder" or not isinstance(val, SymInt):
        return None
    expr = val.node._expr  # as the placeholder was made, before replacements
    return str(expr) if expr.parts()[0] == "symbol" else None


def _free_symbols(val):
    """Names of the symbols `val` (a SymInt or a fake tensor) mentions, before and after the
    ShapeEnv's replacements."""
    from torch._subclasses.sym_shapes import symints

    names = set()
    for d in symints(val):
        names.update(d.node._expr.free_symbols())
        names.update(d.node.expr.free_symbols())
    return names


def _remove_by_name(nodes, name):
    for node in nodes:
        if node.name == name:
            nodes.remove(node)
            return


def _extract_fwd_bwd_modules(joint_module, saved_values, saved_sym_nodes=None, *, num_fwd_outputs):
    """The forward returns its outputs, then the saved tensors, then the saved sizes; the
    backward takes the saved sizes, the saved tensors, then the tangents (PyTorch's order:
    autograd saves tensors with save_for_backward and keeps sizes on its ctx)."""
    saved_sym_nodes = [] if saved_sym_nodes is None else saved_sym_nodes
    fwd_outputs, bwd_outputs = _outputs(joint_module, num_fwd_outputs)
    placeholders = joint_module.graph.find_nodes(op="placeholder")
    primal_inputs = [p for p in placeholders if _is_primal(p)]
    tangent_inputs = [p for p in placeholders if _is_tangent(p)]
    bwd_graph = _extract_graph_with_inputs_outputs(joint_module.graph,
                                                   saved_sym_nodes + saved_values + tangent_inputs, bwd_outputs)
    # Saved values the backward turned out not to read are not saved.
    for node in bwd_graph.find_nodes(op="placeholder"):
        if not node.users:
            _remove_by_name(saved_values, node.name)
            _remove_by_name(saved_sym_nodes, node.name)
    # Every symbol in the sizes of what the backward takes is bound by one of its inputs (its
    # compiler sizes buffers from them): the placeholders binding the missing ones are saved
    # too, ahead of the derived sizes.
    saved_symbols = set()
    binding, derived = [], []
    for node in saved_sym_nodes:
        symbol = _binding_symbol(node)
        if symbol is not None:
            saved_symbols.add(symbol)
            binding.append(node)
        else:
            derived.append(node)
    bindings = {}
    for node in placeholders:
        symbol = _binding_symbol(node)
        if symbol is not None and symbol not in bindings:
            bindings[symbol] = node
    for node in derived + saved_values + tangent_inputs:
        if "val" not in node.meta:
            continue
        new_symbols = _free_symbols(node.meta["val"]) - saved_symbols
        for symbol in sorted(new_symbols):
            if symbol in bindings:
                binding.append(bindings[symbol])
        saved_symbols |= new_symbols
    saved_sym_nodes[:] = binding + derived
    fwd_graph = _extract_graph_with_inputs_outputs(joint_module.graph, primal_inputs,
                                                   fwd_outputs + saved_values + saved_sym_nodes)
    bwd_graph = _extract_graph_with_inputs_outputs(joint_module.graph,
                                                   saved_sym_nodes + saved_values + tangent_inputs, bwd_outputs)
    for node in bwd_graph.nodes:
        if node.op in ("call_function", "get_attr"):
            node.meta["autograd_backward"] = True
    return fx.GraphModule(joint_module, fwd_graph), fx.GraphModule(joint_module, bwd_graph)


def default_partition(joint_module, _joint_inputs, *, num_fwd_outputs, static_lifetime_input_indices=None,
                      static_lifetime_input_nodes=None):
    """Keeps ops where they were traced: everything up to the last forward op is the forward,
    and every forward value the backward reads is saved (nothing is recomputed, except what a
    checkpointed region asks to be)."""
    nodes = list(joint_module.graph.nodes)
    last = None
    for node in nodes:
        if node.meta.get("partitioner_tag") == "is_forward" or _is_primal(node):
            last = node
    forward_names = set()
    for node in nodes:
        if not _is_tangent(node) and node.op != "output":
            forward_names.add(node.name)
        if node is last:
            break
    if has_recomputable_ops(joint_module):
        joint_module = _cleanup_recompute_tags(joint_module)
    saved_values, saved_sym_nodes = [], []
    for node in joint_module.graph.nodes:
        if node.name not in forward_names:
            continue
        if node.target is torch.ops.aten._assert_scalar.default:
            continue
        if is_sym_node(node):
            saved_sym_nodes.append(node)  # kept on autograd's ctx, apart from the tensors
            continue
        if node.users and all(user.target is operator.getitem for user in node.users):
            continue  # a multi-output op: its items are saved instead
        if node.meta.get("recompute") == CheckpointPolicy.MUST_SAVE:
            saved_values.append(node)
            continue
        backward_uses = [user for user in node.users if user.name not in forward_names]
        if node.op != "placeholder" and backward_uses and all(is_sym_node(u) for u in backward_uses):
            # Backward reads only this tensor's sizes: they are saved, not the tensor.
            saved_sym_nodes.extend(backward_uses)
            continue
        if not must_recompute(node):
            saved_values.append(node)
    saved_sym_nodes = [n for n in dict.fromkeys(saved_sym_nodes) if not _is_assert_only_symbool(n)]
    fw_module, bw_module = _extract_fwd_bwd_modules(joint_module, saved_values, saved_sym_nodes,
                                                    num_fwd_outputs=num_fwd_outputs)
    if has_recomputable_ops(joint_module):
        bw_module = reordering_to_mimic_autograd_engine(bw_module)
    return raise_getitems(fw_module), raise_getitems(bw_module)


# --- op classes (PyTorch's get_default_op_list, by aten operator name) -----------------------
_POINTWISE = {
    "abs", "acos", "acosh", "add", "addcdiv", "addcmul", "asin", "asinh", "atan", "atan2", "atanh",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "ceil", "clamp", "clamp_max",
    "clamp_min", "copysign", "cos", "cosh", "div", "elu", "eq", "erf", "erfc", "erfinv", "exp", "exp2",
    "expm1", "floor", "floor_divide", "fmod", "frac", "ge", "gelu", "gelu_backward", "gt", "hardsigmoid",
    "hardswish", "hardtanh", "hypot", "isinf", "isnan", "le", "leaky_relu", "lerp", "lgamma", "log",
    "log10", "log1p", "log2", "logical_and", "logical_not", "logical_or", "logical_xor", "lt",
    "masked_fill", "maximum", "minimum", "mish", "mul", "nan_to_num", "ne", "neg", "pow", "reciprocal",
    "relu", "remainder", "round", "rsqrt", "rsub", "sigmoid", "sigmoid_backward", "sign", "sgn", "silu", "sin",
    "sinh", "softplus", "sqrt", "sub", "tan", "tanh", "tanh_backward", "threshold", "threshold_backward",
    "trunc", "where", "xlogy",
}
_VIEW_OPS = {"squeeze", "unsqueeze", "alias", "view", "slice", "t", "expand", "as_strided", "permute", "select",
             "split"}
_RECOMPUTABLE = _POINTWISE | _VIEW_OPS | {
    "max", "min", "__and__", "__or__", "__xor__", "__lshift__", "__rshift__", "sum", "mean", "_grad_sum_to_size",
    "sum_to_size", "amax", "to", "type_as", "_to_copy", "clone", "full_like", "var", "std", "_unsafe_view",
    "reshape", "broadcast_tensors", "scalar_tensor", "ones", "new_zeros", "lift_fresh_copy", "arange", "triu",
    "var_mean", "any", "full", "zeros", "empty", "empty_like", "argmax", "index", "gather", "zeros_like",
}
_RANDOM = {"native_dropout", "rand_like", "randn_like"}
_COMPUTE_INTENSIVE = {"mm", "convolution", "convolution_backward", "bmm", "addmm",
                      "_scaled_dot_product_flash_attention", "_scaled_dot_product_efficient_attention",
                      "_flash_attention_forward", "_efficient_attention_forward", "upsample_bilinear2d",
                      "_scaled_mm", "_scaled_dot_product_flash_attention_for_cpu"}
_FUSIBLE = _RECOMPUTABLE | _RANDOM


def _op_name(node):
    target = get_aten_target(node)
    if target is operator.getitem:
        return "getitem"
    packet_name = getattr(target, "__name__", None)
    namespace = getattr(target, "namespace", "aten")
    if node.op != "call_function" or packet_name is None or namespace not in ("aten", "prims"):
        return None
    return packet_name


def _is_fusible_op(node):
    name = _op_name(node)
    return name == "getitem" or name in _FUSIBLE


def _is_view(node):
    return _op_name(node) in _VIEW_OPS


def _is_recomputable(node):
    name = _op_name(node)
    return name == "getitem" or name in _RECOMPUTABLE


def _is_random(node):
    return _op_name(node) in _RANDOM


def _is_compute_intensive(node):
    return _op_name(node) in _COMPUTE_INTENSIVE


def _size_of(node):
    def nbytes(x):
        if not isinstance(x, torch.Tensor):
            return 0
        # For symbolic sizes, their values for the inputs traced (PyTorch's hints).
        return torch._C.TensorBase.numel(x) * x.dtype.itemsize

    if "val" in node.meta:
        val = node.meta["val"]
        if isinstance(val, (list, tuple)):
            return sum(nbytes(v) for v in val)
        if isinstance(val, dict):
            return sum(nbytes(v) for v in val.values())
        if isinstance(val, torch.Tensor):
            return nbytes(val)
        if isinstance(val, (int, float, bool)) or is_sym_node(node):
            return 1
        raise RuntimeError(f"Unknown metadata type {type(val)} on node {node}")
    if node.op == "get_attr":
        return 0
    raise RuntimeError(f"Node {node} didn't have `val` metadata; we should always have `val` metadata on the nodes.")


class _NodeInfo:
    def __init__(self, inputs, required_fw, required_bw, tangents_closure, fw_order, static_inputs):
        self.inputs = inputs
        self.required_fw = required_fw
        self.required_bw = required_bw
        self.tangents_closure = tangents_closure
        self.fw_order = fw_order
        self.static_inputs = static_inputs

    def is_required_fw(self, n):
        return n in self.required_fw

    def get_fw_order(self, n):
        return self.fw_order[n]


def _classify_nodes(joint_module, static_lifetime_input_indices, num_fwd_outputs):
    required_bw = {}
    for node in joint_module.graph.nodes:
        if _is_tangent(node):
            required_bw[node] = None
        if node in required_bw:
            for user in node.users:
                required_bw[user] = None
    primal_inputs = [n for n in joint_module.graph.nodes if _is_primal(n)]
    fwd_outputs, bwd_outputs = _outputs(joint_module, num_fwd_outputs)
    tangents_closure = set(required_bw)
    for o in bwd_outputs:
        if isinstance(o, fx.Node) and o.op != "output":
            required_bw[o] = None
    forward_only = _extract_graph_with_inputs_outputs(joint_module.graph, primal_inputs, fwd_outputs)
    names = {n.name: n for n in joint_module.graph.nodes}
    required_fw = {names[n.name] for n in forward_only.nodes if n.op != "output" and n.name in names}
    fw_order = {}
    for node in joint_module.graph.nodes:
        if node in required_fw:
            fw_order[node] = len(fw_order)
    static_inputs = {p for i, p in enumerate(primal_inputs) if i in static_lifetime_input_indices}
    return _NodeInfo(primal_inputs, required_fw, set(required_bw), tangents_closure, fw_order, static_inputs)


def _cleanup_recompute_tags(joint_module):
    """Two checkpointed regions back to back: the boundary value is saved, not recomputed."""
    for node in joint_module.graph.nodes:
        if must_recompute(node):
            for user in node.users:
                if (must_recompute(user) and "ac_graph_id" in user.meta and "ac_graph_id" in node.meta
                        and user.meta["ac_graph_id"] > node.meta["ac_graph_id"]):
                    node.meta["recompute"] = CheckpointPolicy.MUST_SAVE
    return joint_module


def _solve_min_cut(joint_graph, node_info):
    flow = FlowGraph()
    banned = set()
    dist = {}
    for node in reversed(list(joint_graph.nodes)):
        if node.op == "output":
            dist[node] = int(1e9)
        elif not node_info.is_required_fw(node):
            dist[node] = 0
        else:
            dist[node] = int(1e9)
            for user in node.users:
                dist[node] = min(dist[node], dist[user] + 1)

    def is_fusible(a, b):
        if _op_name(b) == "cat":
            return True
        return _is_fusible_op(a) and _is_fusible_op(b)

    def is_materialized_backwards(node):
        if _is_view(node):
            return False
        current = [node]
        seen = set()
        while current:
            cur = current.pop()
            if cur in seen:
                continue
            seen.add(cur)
            for user in cur.users:
                if not node_info.is_required_fw(user) and not is_fusible(cur, user):
                    return True
                if _is_view(user):
                    current.append(user)
        return False

    def should_ban_recomputation(node):
        if node.op != "call_function":
            return False
        if node.target is operator.getitem:
            return False
        if node.meta.get("recompute", None) == CheckpointPolicy.MUST_SAVE:
            return True
        if config.ban_recompute_not_in_allowlist:
            if not _is_recomputable(node):
                return True
        else:
            if _is_random(node) or _is_compute_intensive(node):
                return True
        if config.ban_recompute_materialized_backward and is_materialized_backwards(node):
            return True
        if 1000 > dist[node] > config.max_dist_from_bw:
            return True
        if config.ban_recompute_reductions:
            inputs_size = sum(_size_of(a) for a in node.args if isinstance(a, fx.Node))
            if _size_of(node) * 4 < inputs_size:
                return True
        return False

    def is_materialized(node):
        if node.op == "placeholder":
            return True
        return not all(is_fusible(node, user) for user in node.users)

    def node_weight(node):
        if node.meta.get("aot_runtime_epilogue_input_mutation", False):
            return math.inf  # an input the runtime writes over after the forward
        if config.treat_parameters_as_free_to_save and node in node_info.static_inputs:
            return 0
        size = _size_of(node)
        size = int(size * (1.1 ** max(min(dist[node], 100), 1)))
        return size if is_materialized(node) else size * 2

    def ban(node):
        if _is_view(node) or must_recompute(node):
            return False
        banned.add(node)
        flow.add_edge("source", node.name + "_in", math.inf)
        return True

    for node in joint_graph.nodes:
        if node.op == "output":
            continue
        if node in node_info.required_bw:
            if node not in node_info.tangents_closure:
                flow.add_edge(node.name + "_out", "sink", math.inf)
            else:
                flow.add_edge(node.name + "_in", "sink", math.inf)
                continue
        if must_recompute(node):
            flow.add_edge(node.name + "_in", "sink", math.inf)
            continue
        if _is_primal(node):
            ban(node)
        if node_info.is_required_fw(node) and should_ban_recomputation(node):
            ban(node)
        val = node.meta.get("val")
        non_tensor = ("val" not in node.meta and "tensor_meta" not in node.meta) or (
            "val" in node.meta and not isinstance(val, torch.Tensor))
        if is_sym_node(node):
            from torch._symint import SymFloat

            weight = 4.0 if isinstance(val, SymFloat) else 1.0  # a size is cheap to save
        else:
            weight = math.inf if non_tensor else node_weight(node)
        flow.add_edge(node.name + "_in", node.name + "_out", weight)
        for user in node.users:
            flow.add_edge(node.name + "_out", user.name + "_in", math.inf)

    def find_first_unfusible(start_nodes, max_range):
        queue = []
        for n in start_nodes:
            heapq.heappush(queue, (node_info.get_fw_order(n), id(n), n, True))
        while queue:
            _, _, node, fusible = heapq.heappop(queue)
            if not fusible:
                return node_info.get_fw_order(node)
            for user in node.users:
                if node_info.is_required_fw(user):
                    if node_info.get_fw_order(user) > max_range:
                        continue
                    item = (node_info.get_fw_order(user), id(user), user, is_fusible(node, user))
                    if item not in queue:
                        heapq.heappush(queue, item)
        return max_range

    if config.ban_recompute_used_far_apart:
        for used in sorted(node_info.required_fw, key=node_info.get_fw_order):
            fw_users = [u for u in used.users if node_info.is_required_fw(u)]
            orders = [node_info.get_fw_order(u) for u in fw_users]
            if orders:
                first_unfusible_use = find_first_unfusible(fw_users, max(orders))
                for user in tuple(used.users):
                    if (node_info.is_required_fw(user) and node_info.get_fw_order(user) > first_unfusible_use
                            and is_fusible(used, user)):
                        if user in banned:
                            continue
                        ban(user)

    if config.ban_recompute_long_fusible_chains:
        visited = set()
        for start in joint_graph.nodes:
            if not node_info.is_required_fw(start):
                continue
            fusible = [(node_info.get_fw_order(start), id(start), start)]
            start_order = node_info.get_fw_order(start)
            while fusible:
                _, _, cur = heapq.heappop(fusible)
                if cur in visited:
                    continue
                visited.add(cur)
                if node_info.get_fw_order(cur) > start_order + 100 and not fusible:
                    ban(cur)
                    break
                for user in cur.users:
                    if node_info.is_required_fw(user) and is_fusible(cur, user) and user not in banned:
                        heapq.heappush(fusible, (node_info.get_fw_order(user), id(user), user))

    try:
        _, (reachable, non_reachable) = minimum_cut(flow, "source", "sink")
    except Unbounded:
        raise RuntimeError(
            "AOT Autograd failed to partition the joint forward-backward graph: a value is required for "
            "backward, but can neither be saved nor recomputed.") from None
    cut_nodes = set()
    for (u, v) in flow.capacity:
        if u in reachable and v in non_reachable:
            if u[:-3] != v[:-4]:
                raise AssertionError(f"node_in[:-3]={u[:-3]} != node_out[:-4]={v[:-4]}")
            cut_nodes.add(u[:-3])
    order = {node: i for i, node in enumerate(joint_graph.nodes)}
    names = {n.name: n for n in joint_graph.nodes}
    return sorted((names[n] for n in cut_nodes), key=lambda n: order[n])


def min_cut_rematerialization_partition(joint_module, _joint_inputs, compiler="inductor", *, num_fwd_outputs,
                                        static_lifetime_input_indices=None):
    joint_module.graph.eliminate_dead_code()
    joint_module.recompile()
    if config.cse:
        _, bwd_outputs = _outputs(joint_module, num_fwd_outputs)
        backward_deps = set()
        stack = [o for o in bwd_outputs if isinstance(o, fx.Node) and o.op != "output"]
        while stack:
            node = stack.pop()
            if node in backward_deps:
                continue
            backward_deps.add(node)
            stack.extend(node.all_input_nodes)
        joint_module.graph = fx_graph_cse(joint_module.graph, extra_node_key=lambda n: n in backward_deps)
    if has_recomputable_ops(joint_module):
        joint_module = _cleanup_recompute_tags(joint_module)
    node_info = _classify_nodes(joint_module, static_lifetime_input_indices or [], num_fwd_outputs)
    if not node_info.required_bw:
        return default_partition(joint_module, _joint_inputs, num_fwd_outputs=num_fwd_outputs)
    saved_values = _solve_min_cut(joint_module.graph, node_info)
    saved_sym_nodes = [n for n in saved_values if is_sym_node(n) and not _is_assert_only_symbool(n)]
    saved_values = [n for n in saved_values if not is_sym_node(n)]
    fw_module, bw_module = _extract_fwd_bwd_modules(joint_module, saved_values, saved_sym_nodes,
                                                    num_fwd_outputs=num_fwd_outputs)
    bw_module = reordering_to_mimic_autograd_engine(bw_module)
    return raise_getitems(fw_module), raise_getitems(bw_module)


def reordering_to_mimic_autograd_engine(gm):
    """Rebuilds the backward graph from its first tangent use on, pulling in each op's inputs
    just before it, so recomputed forward pieces run where the backward needs them."""
    new_graph = fx.Graph()
    env = {}
    for node in gm.graph.find_nodes(op="placeholder"):
        env[node] = new_graph.node_copy(node, lambda x: env[x])
    order = {node: i for i, node in enumerate(gm.graph.nodes)}

    def insert(node):
        pending = [node]
        insertable = set()
        while pending:
            cur = pending.pop()
            if cur in insertable or cur in env:
                continue
            insertable.add(cur)
            pending += cur.all_input_nodes
        for cur in sorted(insertable, key=lambda n: order[n]):
            env[cur] = new_graph.node_copy(cur, lambda x: env[x])

    first = None
    lowest = math.inf
    for tangent in [n for n in gm.graph.nodes if _is_tangent(n)]:
        for user in tangent.users:
            if order[user] < lowest:
                lowest = order[user]
                first = user
    if first is None:
        return gm
    nodes = list(gm.graph.nodes)
    for node in nodes[: order[first]]:
        if node.op == "call_function" and get_aten_target(node) is torch.ops.aten.copy_:
            insert(node)
    for node in nodes[order[first]:]:
        insert(node)
    return fx.GraphModule(gm, new_graph)
