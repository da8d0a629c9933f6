"""Tracing a graph's forward, or its forward and backward together, at aten level.

The Dynamo graph runs node by node (each node's metadata current, so the aten nodes it turns
into keep its stack trace and annotations) on fake tensors under make_fx's proxy mode, with
in-place ops recorded functionally. For the joint graph, autograd records the forward as usual
and `torch.autograd.grad` then runs the same derivative formulas eager backward runs; the proxy
mode records those too, so the graph holds forward and backward: `primals_N` and `tangents_N`
in, the forward's outputs and the inputs' gradients out."""

import torch
from torch import _C, _prims
from torch.fx import Graph, GraphModule, Interpreter
from torch.fx import traceback as fx_traceback
from torch.fx.experimental.proxy_tensor import _INPLACE, _ProxyMode, _set_val
from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode, _become_fake, _raw_shape, _with_history


class TracedGraph:
    """A traced graph module and what the runtime needs to know about it."""

    def __init__(self, module, num_fwd_outputs, mutated_inputs, differentiable_outputs, user_outputs,
                 input_outputs=()):
        self.module = module
        # Forward output positions that are inputs themselves (returned as they came in).
        self.input_outputs = set(input_outputs)
        # Outputs of the forward part: final values of mutated inputs, then the user's outputs.
        self.num_fwd_outputs = num_fwd_outputs
        self.mutated_inputs = mutated_inputs  # input positions, in output order
        self.differentiable_outputs = differentiable_outputs  # forward output positions with a tangent
        self.user_outputs = user_outputs


class _NodeMetaInterpreter(Interpreter):
    """Runs a graph with each node's metadata current while its ops are recorded. A node whose
    value has a data-dependent (unbacked) size made anew here gets the symbol Dynamo's graph
    has for it (`u0`), as PyTorch rebinds unbacked symbols."""

    def run_node(self, n):
        with fx_traceback.set_current_meta(n):
            out = super().run_node(n)
        expected = n.meta.get("example_value")
        if expected is not None:
            _rebind_unbacked(expected, out)
        return out


def _rebind_unbacked(expected, got):
    from torch._symint import SymInt

    pairs = []
    if isinstance(expected, SymInt) and isinstance(got, SymInt):
        pairs.append((expected, got))
    elif getattr(expected, "_sym_shape", None) is not None and getattr(got, "_sym_shape", None) is not None:
        pairs.extend(zip(expected._sym_shape, got._sym_shape))
    for want, have in pairs:
        if not isinstance(want, SymInt) or not isinstance(have, SymInt):
            continue
        env = have.node.shape_env
        new, old = str(have.node._expr), str(want.node._expr)
        if new != old and new in env.unbacked and old in env.unbacked and new not in env.replacements:
            env.replacements[new] = env._symbols[old]


def _insert_runtime_asserts(graph, shape_env):
    """PyTorch's runtime assertions of the data-dependent sizes the graph makes: after the node
    that first has each unbacked symbol, the node giving it (`sym_size_int`) and checks of its
    range (`_assert_scalar(ge, "Runtime assertion failed for expression u0 >= 0 ...")`)."""
    from torch._symint import SymInt
    from torch.fx.experimental.symbolic_shapes import assertion_value, range_assertions

    bound = set()
    for node in list(graph.nodes):
        val = node.meta.get("val")
        sizes = [val] if isinstance(val, SymInt) else list(getattr(val, "_sym_shape", None) or ())
        for d, size in enumerate(sizes):
            if not isinstance(size, SymInt):
                continue
            name = str(shape_env.simplify(size.node._expr))
            if name not in shape_env.unbacked or name in bound:
                continue
            bound.add(name)
            checks = range_assertions(shape_env, name)
            if not checks:
                continue
            anchor = node
            if not isinstance(val, SymInt):
                existing = [u for u in node.users if u.target is torch.ops.aten.sym_size.int and u.args[1] == d]
                if existing:
                    anchor = existing[0]
                else:
                    with graph.inserting_after(node):
                        anchor = graph.call_function(torch.ops.aten.sym_size.int, (node, d), name="sym_size_int")
                    anchor.meta.update({k: node.meta[k] for k in ("stack_trace",) if k in node.meta})
                    anchor.meta["val"] = size
            after = anchor
            for op, target, limit in checks:
                with graph.inserting_after(after):
                    check = graph.call_function(target, (anchor, limit), name=target.__name__)
                check.meta["val"] = assertion_value(shape_env, name, op, limit)
                message = f"Runtime assertion failed for expression {name} {op} {limit} on node '{check.name}'"
                with graph.inserting_after(check):
                    after = graph.call_function(torch.ops.aten._assert_scalar.default, (check, message),
                                                name="_assert_scalar")
                for made in (check, after):
                    if "stack_trace" in node.meta:
                        made.meta["stack_trace"] = node.meta["stack_trace"]


def run_with_node_meta(gm, *args):
    return _NodeMetaInterpreter(gm).run(*args)


def _fake_leaf(value, fake_mode, requires_grad):
    fake = fake_mode.from_tensor(value)
    if fake._grad_fn is not None or fake.requires_grad != requires_grad:
        fake = _become_fake(_C.TensorBase._view(fake, list(_raw_shape(fake))), fake.fake_device, fake_mode)
        fake.requires_grad = requires_grad
    return fake


def _fake_zeros_like(t, fake_mode):
    meta = _C._full(list(_raw_shape(t)), 0, t.dtype, True)
    fake = _become_fake(meta, t.fake_device if isinstance(t, FakeTensor) else t.device, fake_mode)
    fake._sym_shape = t._sym_shape  # a tangent has its output's sizes, symbolic ones too
    return fake


class _MutationProbe:
    """A dispatch mode that notes which of `inputs` an in-place primitive writes, directly or
    through a view."""

    def __init__(self, inputs):
        self.positions = {id(t): i for i, t in enumerate(inputs) if isinstance(t, _C.TensorBase)}
        self.written = set()

    def _prim_call(self, key, call, args):
        at = _INPLACE.get(key)
        if at is not None:
            for t in (args[at], args[at]._base):
                if id(t) in self.positions:
                    self.written.add(self.positions[id(t)])
        return call(*args)


def _probe_input(value, fake_mode):
    """A fresh fake standing for `value` with its requires_grad and leafness."""
    fake = _fake_leaf(value, fake_mode, value.requires_grad)
    return _with_history(fake, fake_mode) if value.requires_grad and not value.is_leaf else fake


def _written_with_grad(fn, flat_args):
    """The positions of the inputs `fn` writes in place whose new value requires grad: PyTorch's
    metadata pass before tracing, run once on fake tensors with autograd on."""
    fake_mode = FakeTensorMode(allow_non_fake_inputs=True)
    grad_was = _C.is_grad_enabled()
    _C._set_grad_enabled(True)
    try:
        inputs = [_probe_input(v, fake_mode) if isinstance(v, _C.TensorBase) else v for v in flat_args]
        probe = _MutationProbe(inputs)
        fake_mode.__enter__()
        _prims._modes.append(probe)
        try:
            fn(*inputs)
        finally:
            _prims._modes.remove(probe)
            fake_mode.__exit__(None, None, None)
    finally:
        _C._set_grad_enabled(grad_was)
    # Autograd records a write once every mode has seen it: look at the inputs afterwards.
    return {i for i in probe.written if inputs[i].requires_grad}


def _shape_env_of(values):
    from torch._subclasses.sym_shapes import symints

    found = symints(list(values))
    return found[0].node.shape_env if found else None


def trace(fn, flat_args, *, joint, symbolic=None, shape_env=None):
    """Traces `fn(*flat_args)` (flat_args: tensors and constants). With `joint`, the backward
    too, for the outputs that require grad with respect to the inputs that do. `symbolic`: the
    Dynamo graph's example values for the same inputs (SymInts, fakes with symbolic sizes):
    the graph is traced for all sizes they stand for, in their ShapeEnv."""
    from torch._subclasses import fake_tensor
    from torch._symint import SymInt

    graph = Graph()
    root = torch.nn.Module()
    mode = _ProxyMode(graph, root, None, functionalize=True)
    if shape_env is None and symbolic is not None:
        shape_env = _shape_env_of(symbolic)
    fake_mode = FakeTensorMode(allow_non_fake_inputs=True, shape_env=shape_env)
    inputs = []
    placeholders = []
    for i, value in enumerate(flat_args):
        node = graph.placeholder(f"primals_{i + 1}" if joint else f"arg{i}_1")
        placeholders.append(node)
        example = symbolic[i] if shape_env is not None else None
        if isinstance(value, _C.TensorBase):
            fake = _fake_leaf(value, fake_mode, joint and value.requires_grad)
            if getattr(example, "_sym_shape", None) is not None:
                fake._sym_shape = example._sym_shape
            _set_val(node, fake)
            mode.track(fake, node)
            mode.input_nodes[id(fake)] = (fake, node)
            inputs.append(fake)
        elif isinstance(example, SymInt):
            node.meta["val"] = example
            mode.sym_nodes[str(shape_env.simplify(example.node.expr))] = node
            inputs.append(example)
        else:
            node.meta["val"] = value
            inputs.append(value)

    # An input written in place whose new value requires grad is cloned first, as PyTorch
    # does: autograd differentiates with respect to the value before the write, and the
    # placeholder, which the runtime overwrites after the forward, is never saved for backward.
    primals = list(inputs)
    written = _written_with_grad(fn, flat_args) if joint else set()

    fake_mode.__enter__()
    _prims._modes.append(mode)
    grad_was = _C.is_grad_enabled()
    pin_was = fake_tensor._pin_on_shape_read[0]
    fake_tensor._pin_on_shape_read[0] = shape_env is not None
    try:
        _C._set_grad_enabled(joint)
        for i in sorted(written):
            inputs[i] = primals[i].clone()
            mode.input_nodes[id(inputs[i])] = (inputs[i], placeholders[i])
            # Written over after the forward returns, so the partitioner must not save it.
            placeholders[i].meta["aot_runtime_epilogue_input_mutation"] = True
        with fx_traceback.preserve_node_meta():
            outs = fn(*inputs)
        user_outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        mutated = [(i, mode.mutated_inputs[p]) for i, p in enumerate(placeholders) if p in mode.mutated_inputs]
        fw_outs = [t for _, t in mutated] + user_outs
        # Tangents come in forward-output order: written inputs' new values, then the user's.
        differentiable = [k for k, o in enumerate(fw_outs)
                          if isinstance(o, _C.TensorBase) and o.requires_grad and o.dtype.is_floating_point]
        if not joint:
            graph.output(tuple(mode.node_of(fw_outs)))
        else:
            tangents = []
            anchor = placeholders[-1] if placeholders else None
            for k in differentiable:
                t = _fake_zeros_like(fw_outs[k], fake_mode)
                ctx = graph.inserting_after(anchor) if anchor is not None else graph.inserting_before(None)
                with ctx:
                    node = graph.placeholder(f"tangents_{len(tangents) + 1}")
                anchor = node
                _set_val(node, t)
                mode.track(t, node)
                tangents.append(t)
            wrt = [x for x in primals if isinstance(x, _C.TensorBase) and x.requires_grad]
            grads = [None] * len(wrt)
            if differentiable and wrt:
                mode.trace_backward = True
                _C._set_grad_enabled(False)
                grads = torch.autograd.grad([fw_outs[k] for k in differentiable], wrt, tangents,
                                            allow_unused=True)
                mode.trace_backward = False
            by_input = {id(x): g for x, g in zip(wrt, grads)}
            input_grads = [by_input.get(id(x)) if isinstance(x, _C.TensorBase) else None for x in primals]
            graph.output(tuple(mode.node_of(fw_outs + input_grads)))
    finally:
        fake_tensor._pin_on_shape_read[0] = pin_was
        _C._set_grad_enabled(grad_was)
        _prims._modes.remove(mode)
        fake_mode.__exit__(None, None, None)
    graph.eliminate_dead_code()
    if shape_env is not None and shape_env.unbacked:
        _insert_runtime_asserts(graph, shape_env)
    # PyTorch traces an inference graph from a lambda, and names it so.
    module = GraphModule(root, graph, "GraphModule" if joint else "<lambda>")
    input_outputs = [k for k, o in enumerate(fw_outs) if any(o is x for x in primals)]
    return TracedGraph(module, len(fw_outs), [i for i, _ in mutated], differentiable, len(user_outs),
                       input_outputs)
