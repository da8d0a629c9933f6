"""make_fx: aten-level tracing. The function runs on real (or fake) tensors while a dispatch
mode sees every primitive call (`torch/_prims.py`), writes it into a graph as the aten call it
is (`torch/_aten.py`), and remembers which node produced each tensor."""

import inspect
import operator

import torch
from torch import _C, _prims
from torch import _aten


def _set_val(node, value):
    """`node.meta["val"]` (metadata-only copies) and, for a tensor, `tensor_meta`."""
    from torch.fx.passes.shape_prop import _extract_tensor_metadata

    node.meta["val"] = val = _snapshot(value)
    if isinstance(val, _C.TensorBase):
        node.meta["tensor_meta"] = _extract_tensor_metadata(val)


def _snapshot(value):
    """What `node.meta["val"]` holds: metadata-only copies (FakeTensors) of the values."""
    from torch._subclasses.fake_tensor import FakeTensor, _fake_copy

    if isinstance(value, FakeTensor):
        return value
    if isinstance(value, _C.TensorBase):
        return _fake_copy(value, None)
    if isinstance(value, (tuple, list)):
        return type(value)(_snapshot(v) for v in value)
    return value


# In-place primitives, the position of the tensor they write, and the functional aten op a
# functionalizing trace records instead.
_INPLACE = {"binary_": 1, "copy_": 0, "fill_": 0, "index_put_": 0, "scatter_": 0}


_FUNCTIONAL_OVERLOAD = {("pow_", "Tensor"): "Tensor_Tensor", ("pow_", "Scalar"): "Tensor_Scalar"}


def _functional_op(op):
    """`aten.add_.Tensor` -> `aten.add.Tensor`, `aten.copy_.default` -> `aten.copy.default`."""
    from torch._ops import ops

    name = op.overloadpacket.__name__
    overload = _FUNCTIONAL_OVERLOAD.get((name, op._overloadname), op._overloadname)
    try:
        return getattr(getattr(ops.aten, name.rstrip("_")), overload)
    except AttributeError:
        raise NotImplementedError(f"smelt: no functional form of {op} for AOT autograd") from None


class _ProxyMode:
    def __init__(self, graph, root, decomposition_table, functionalize=False):
        self.graph = graph
        self.root = root
        self.decompositions = decomposition_table or {}
        self.nodes = {}  # id(tensor) -> (tensor, node); the tensor is kept so ids stay unique
        self.constants = {}  # per name prefix: parameters and other tensors count apart
        # AOT autograd's trace: in-place ops become functional ones (the written tensor is
        # re-bound to the new node), and written placeholders are remembered.
        self.functionalize = functionalize
        self.mutated_inputs = {}  # placeholder node -> the tensor holding its final value
        self.input_nodes = {}  # id(input tensor) -> (tensor, placeholder node)
        # Forward nodes by the sequence number of the autograd node their op created, so the
        # backward's nodes can take their metadata (PyTorch's `seq_nr`).
        self.forward_nodes = {}
        self.trace_backward = False
        self.sym_nodes = {}  # str(size expression) -> the node giving it

    def autograd_node_recorded(self, node, outs):
        hit = self.nodes.get(id(outs[0]))
        if hit is None or hit[0] is not outs[0] or hit[1].op != "call_function":
            return
        fx_node = hit[1]
        fx_node.meta["seq_nr"] = node._sequence_nr
        self.forward_nodes.setdefault(node._sequence_nr, fx_node)

    def stamp(self, node):
        """Metadata for a node just recorded: in a traced backward, the forward op's (stack
        trace, annotations); otherwise what `torch.fx.traceback` says is current."""
        import copy

        from torch.fx import traceback as fx_traceback

        running = None
        if self.trace_backward:
            from torch.autograd import engine

            running = engine.current_node()
        if self.functionalize:
            # AOT autograd's joint graph: where each op was traced (the default partitioner
            # keeps ops on their side).
            node.meta["partitioner_tag"] = "is_backward" if running is not None else "is_forward"
        if running is not None:
            node.meta["autograd_backward"] = True
            forward = self.forward_nodes.get(running._sequence_nr)
            if forward is not None:
                node.meta["seq_nr"] = running._sequence_nr
                if "stack_trace" in forward.meta:
                    node.meta["stack_trace"] = forward.meta["stack_trace"]
                if "nn_module_stack" in forward.meta:
                    node.meta["fwd_nn_module_stack"] = forward.meta["nn_module_stack"]
                if forward.meta.get("custom") is not None:
                    node.meta["custom"] = copy.deepcopy(forward.meta["custom"])
        elif fx_traceback.has_preserved_node_meta():
            current = fx_traceback.get_current_meta()
            for field in fx_traceback.COPY_META_FIELDS:
                if field in current:
                    node.meta[field] = copy.copy(current[field])

    def track(self, tensor, node):
        self.nodes[id(tensor)] = (tensor, node)

    def node_of(self, value):
        from torch._symint import SymInt

        if isinstance(value, SymInt):
            return self.sym_node_of(value)
        if isinstance(value, _C.TensorBase):
            hit = self.nodes.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
            return self.constant(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self.node_of(v) for v in value)
        if isinstance(value, dict):
            return {k: self.node_of(v) for k, v in value.items()}
        return value

    def scalar_read(self, tensor, value):
        """`tensor.item()` of a traced tensor giving an unbacked SymInt: the node that reads
        it (`_local_scalar_dense: "Sym(u0)" = aten._local_scalar_dense.default(sum_1)`)."""
        node = self.graph.call_function(torch.ops.aten._local_scalar_dense.default, (self.node_of(tensor),),
                                        name="_local_scalar_dense")
        self.stamp(node)
        node.meta["val"] = value
        self.sym_nodes[str(value.node.expr)] = node

    def sym_node_of(self, value):
        """The node giving SymInt `value`: a symbolic input's placeholder, else the size of a
        traced tensor that has it (`sym_size_int = aten.sym_size.int(view, 0)`), else arithmetic
        on those (`floordiv = arg0_1 // 2`)."""
        env = value.node.shape_env
        expr = env.simplify(value.node.expr)
        n = expr.as_int()
        if n is not None:
            return n
        key = str(expr)
        hit = self.sym_nodes.get(key)
        if hit is None:
            # An unbacked symbol made in this trace, since renamed to Dynamo's (`u1` -> `u0`).
            hit = self.sym_nodes.get(str(value.node._expr))
        if hit is not None:
            return hit
        for tensor, tnode in self.nodes.values():
            shape = getattr(tensor, "_sym_shape", None)
            if shape is None:
                continue
            for d, size in enumerate(shape):
                if not isinstance(size, int) and str(env.simplify(size.node.expr)) == key:
                    node = self.graph.call_function(torch.ops.aten.sym_size.int, (tnode, d), name="sym_size_int")
                    self.stamp(node)
                    node.meta["val"] = value
                    self.sym_nodes[key] = node
                    return node
        kind, *rest = expr.parts()

        def sub(e):
            v = env.make_symint(e, e.eval(env.var_to_val))
            return v if isinstance(v, int) else self.sym_node_of(v)

        if kind == "add":
            first, operands, target, name, combine = rest[0][0], rest[0][1:], operator.add, "add", "add"
        elif kind == "mul":
            first, operands, target, name, combine = rest[0][0], rest[0][1:], operator.mul, "mul", "mul"
        elif kind == "floordiv":
            first, operands, target, name, combine = rest[0], [rest[1]], operator.floordiv, "floordiv", "floordiv"
        else:
            raise NotImplementedError(f"smelt: no node for the size {key}")
        acc, acc_expr = sub(first), first
        for e in operands:
            acc_expr = getattr(acc_expr, combine)(e)
            node = self.graph.call_function(target, (acc, sub(e)), name=name)
            self.stamp(node)
            node.meta["val"] = env.make_symint(acc_expr, acc_expr.eval(env.var_to_val))
            acc = node
        self.sym_nodes[key] = acc
        return acc

    def constant(self, tensor):
        """A tensor the graph did not make (a constant of the traced code): an attribute of
        the module, read with get_attr."""
        kind = "_param_constant" if isinstance(tensor, torch.nn.Parameter) else "_tensor_constant"
        count = self.constants.get(kind, 0)
        self.constants[kind] = count + 1
        name = f"{kind}{count}"
        setattr(self.root, name, tensor)
        node = self.graph.get_attr(name)
        self.stamp(node)
        _set_val(node, tensor)
        self.track(tensor, node)
        return node

    def _prim_call(self, key, call, args):
        if self.functionalize and key in _INPLACE:
            return self._functional_call(key, call, args)
        lowered = _aten.lower(key, args)
        decomposition = self.decompositions.get(lowered.op)
        if decomposition is not None:
            # Run the decomposition with this mode on: its pieces are recorded instead.
            _prims._modes.append(self)
            try:
                return decomposition(*lowered.args, **lowered.kwargs)
            finally:
                _prims._modes.pop()
        out = call(*args)
        # Named by the operator, not the overload (`sum_1`, not `sum_dim_int_list`), as PyTorch.
        self._record(lowered, lowered.op, out)
        if self.functionalize and self.trace_backward is False and _in_checkpointed_region():
            self._cache_detached(out)
        return out

    def _cache_detached(self, out):
        """PyTorch traces a checkpointed region under a mode that keeps a detached copy of every
        op's output (for selective recomputation); the copies are dead nodes, removed later, but
        they take names (`detach`, `detach_1` ...), which the printed graphs show."""
        from torch._ops import ops

        for value in out if isinstance(out, tuple) else (out,):
            if isinstance(value, _C.TensorBase):
                node = self.graph.call_function(ops.aten.detach.default, (self.node_of(value),), name="detach")
                self.stamp(node)
                _set_val(node, value)

    def _record(self, lowered, op, out):
        # Named by the operator, not the overload (`sum_1`, not `sum_dim_int_list`), as PyTorch.
        name = self.graph._target_to_str(op.overloadpacket.__name__)
        node = self.graph.call_function(op, self.node_of(lowered.args), self.node_of(lowered.kwargs), name=name)
        self.stamp(node)
        if lowered.index is not None:
            from torch._subclasses.fake_tensor import _become_fake

            # The outputs smelt's primitive does not compute are meta tensors: they stand for
            # tensors on the computed output's device.
            outputs = [_become_fake(v, out.device, None)
                       if isinstance(v, _C.TensorBase) and i != lowered.index and v.device.type == "meta" else v
                       for i, v in enumerate(lowered.fake_outputs(out))]
            _set_val(node, tuple(outputs))
            for i, value in enumerate(outputs):
                item = self.graph.call_function(operator.getitem, (node, i))
                self.stamp(item)
                _set_val(item, value)
                if i == lowered.index:
                    self.track(out, item)
        elif isinstance(out, tuple):
            _set_val(node, out)
            for i, value in enumerate(out):
                item = self.graph.call_function(operator.getitem, (node, i))
                self.stamp(item)
                _set_val(item, value)
                self.track(value, item)
        else:
            _set_val(node, out)
            self.track(out, node)
        return node

    def _functional_call(self, key, call, args):
        """An in-place primitive recorded as its functional aten op; the written tensor now
        stands for the new node."""
        target = args[_INPLACE[key]]
        if target._base is not None and self._tracked(target._base):
            raise NotImplementedError("smelt: AOT autograd does not trace in-place writes into views yet")
        lowered = _aten.lower(key, args)
        if lowered is None or lowered.op is None:
            raise NotImplementedError(f"smelt: no functional form for in-place {key}")
        op = _functional_op(lowered.op)
        out = call(*args)
        # The functional op's result takes the promoted dtype (`f16.sub_(f32)` computes
        # `sub` in f32) while the in-place op keeps the target's: PyTorch's functionalization
        # casts back with `_to_copy`. The op is run again, unrecorded, for its metadata.
        with _prims._no_dispatch():
            result = op(*lowered.args, **lowered.kwargs)
        if result.dtype == target.dtype:
            self._record(lowered, op, target)
        else:
            from torch._subclasses.fake_tensor import _become_fake

            if result.device.type == "meta":
                result = _become_fake(result, target.device, None)
            node = self._record(lowered, op, result)
            to_copy = torch.ops.aten._to_copy.default
            cast = self.graph.call_function(to_copy, (node,), {"dtype": target.dtype, "layout": torch.strided},
                                            name=self.graph._target_to_str(to_copy.overloadpacket.__name__))
            self.stamp(cast)
            _set_val(cast, target)
            self.track(target, cast)
        hit = self.input_nodes.get(id(target))
        if hit is not None and hit[0] is target:
            self.mutated_inputs[hit[1]] = target
        return out

    def _tracked(self, tensor):
        hit = self.nodes.get(id(tensor))
        return hit is not None and hit[0] is tensor


def _in_checkpointed_region():
    from torch.fx import traceback as fx_traceback

    return fx_traceback.has_preserved_node_meta() and "ac_graph_id" in fx_traceback.get_current_meta()


def _placeholder_names(f, count):
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        else:
            break
    if len(names) < count or any(p.kind == p.VAR_POSITIONAL for p in params):
        return [f"arg{i}" for i in range(count)]
    return names[:count]


def _fakeify(fake_mode, shape_env, value, i):
    """Input `i` as the trace sees it: a fake (every size symbolic, duck-sized, under a symbolic
    trace, read from the source `input{i}` as PyTorch names it) or an int symbol."""
    if fake_mode is None:
        return value
    if shape_env is None:
        return fake_mode.from_tensor(value) if isinstance(value, _C.TensorBase) else value
    from torch._dynamo.source import ConstantSource
    from torch.fx.experimental.symbolic_shapes import DimDynamic, StatelessSymbolicContext

    source = ConstantSource(f"input{i}")
    if isinstance(value, _C.TensorBase):
        context = StatelessSymbolicContext([DimDynamic.DUCK] * value.dim())
        return fake_mode.from_tensor(value, source=source, symbolic_context=context)
    if type(value) is int:
        return shape_env.create_symint(value, source, dynamic_dim=DimDynamic.DUCK, is_size=False)
    return value


def make_fx(f, decomposition_table=None, tracing_mode="real", _allow_non_fake_inputs=False,
            *, pre_dispatch=False, record_module_stack=False, _allow_fake_constant=False,
            _error_on_data_dependent_ops=True, record_stack_traces=False, **_):
    if tracing_mode not in ("real", "fake", "symbolic"):
        raise AssertionError(f"Unexpected tracing type: {tracing_mode}")
    def wrapped(*args):
        from torch.fx import Graph, GraphModule
        from torch._subclasses import fake_tensor
        from torch._subclasses.fake_tensor import FakeTensorMode

        graph = Graph()
        root = torch.nn.Module()
        mode = _ProxyMode(graph, root, decomposition_table)
        shape_env = None
        if tracing_mode == "symbolic":
            from torch.fx.experimental.symbolic_shapes import ShapeEnv

            shape_env = ShapeEnv()
        fake_mode = None
        if tracing_mode != "real":
            fake_mode = FakeTensorMode(allow_non_fake_inputs=_allow_non_fake_inputs, shape_env=shape_env)
        inputs = [_fakeify(fake_mode, shape_env, a, i) for i, a in enumerate(args)]
        for name, value in zip(_placeholder_names(f, len(inputs)), inputs):
            node = graph.placeholder(f"{name}_1")
            if isinstance(value, _C.TensorBase):
                _set_val(node, value)
                mode.track(value, node)
            elif isinstance(value, torch.SymInt):
                node.meta["val"] = value
                mode.sym_nodes[str(value.node.expr)] = node
        if fake_mode is not None:
            fake_mode.__enter__()
        _prims._modes.append(mode)
        pin_was = fake_tensor._pin_on_shape_read[0]
        fake_tensor._pin_on_shape_read[0] = shape_env is not None
        try:
            out = f(*inputs)
        finally:
            fake_tensor._pin_on_shape_read[0] = pin_was
            _prims._modes.remove(mode)
            if fake_mode is not None:
                fake_mode.__exit__(None, None, None)
        graph.output(mode.node_of(out))
        name = getattr(f, "__name__", None) or type(f).__name__
        return GraphModule(root, graph, name)

    return wrapped
