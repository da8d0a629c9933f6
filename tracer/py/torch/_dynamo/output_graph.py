"""The graph being built for one frame: its inputs (with the sources they are read from), its
nodes (each run on fake tensors as it is added), and its guards."""

import dataclasses
import linecache
import operator

import torch
import torch.fx
from torch._dynamo import automatic_dynamic
from torch._dynamo.exc import ObservedException, TorchRuntimeError, Unsupported
from torch._dynamo.guards import GuardBuilder
from torch._dynamo.source import graph_input_name
from torch.fx.experimental.symbolic_shapes import (GuardOnDataDependentSymNode, assertion_value, range_assertions,
                                                   unbacked_bindings)
from torch._logging import log_artifact
from torch._subclasses.fake_tensor import DataDependentOutputException, DynamicOutputShapeException, FakeTensorMode


class GraphArg:
    __slots__ = ("source", "example", "node", "convert")

    def __init__(self, source, example, node):
        self.source = source
        self.example = example
        self.node = node
        # Applied to the frame's value before the call: a tensorified float is passed as a
        # 0-dim float64 tensor.
        self.convert = None


def _float_as_tensor(value):
    return torch.tensor(value, dtype=torch.float64)


class TensorifyEscape(Exception):
    """A tensorified float input flowed where the frame needs a Python float (a graph output
    that eager computes as a float, a branch on it): the frame is traced again with those
    floats constant."""

    def __init__(self, sources):
        super().__init__(", ".join(s.name for s in sources))
        self.sources = sources


def _format_frame(filename, lineno, name):
    line = linecache.getline(filename, lineno).strip()
    if not line and filename.startswith("torch."):
        # smelt's own frozen modules (named by module) carry no source text, where PyTorch's
        # files do: a placeholder keeps the frame parseable, as PyTorch's would be.
        line = "<source not available>"
    return f'  File "{filename}", line {lineno}, in {name}\n    {line}\n'


@dataclasses.dataclass
class GraphCompileReason:
    """Why a graph was compiled where it was: `reason` (the break's message, or "return_value"),
    `user_stack` (traceback.FrameSummary list, innermost last) and whether a break cut it short."""

    reason: str
    user_stack: list
    graph_break: bool = True


_compiled_fn_counter = [0]


def reset_counters():
    _compiled_fn_counter[0] = 0


class OutputGraph:
    def __init__(self, f_globals, compile_id, backend=None, fullgraph=False, frame_state=None):
        from torch.fx.experimental.symbolic_shapes import ShapeEnv

        self.backend = backend
        self.fullgraph = fullgraph
        self.graph = torch.fx.Graph()
        from torch._dynamo import config

        self.shape_env = ShapeEnv(allow_scalar_outputs=config.capture_scalar_outputs,
                                  allow_dynamic_output_shape_ops=config.capture_dynamic_output_shape_ops)
        self.shape_env.where = self._user_location
        self.fake_mode = FakeTensorMode(shape_env=self.shape_env)
        self.guards = GuardBuilder(self.shape_env)
        # Sizes (and ints) seen by earlier compiles of this frame, by source name: what changed
        # since becomes symbolic (automatic dynamic shapes).
        self.frame_state = {} if frame_state is None else frame_state
        self.symbol_nodes = {}  # symbol name -> its placeholder
        self.f_globals = f_globals
        self.compile_id = compile_id
        self.graphargs = []
        self.tensorified = set()  # placeholders of tensorified float inputs
        self.input_source_to_var = {}
        self._tensor_inputs_by_id = {}
        self.current_tx = None  # the innermost translator, for stack traces
        # Attributes the graph reads with get_attr (checkpointed regions' sub-graphs).
        self.root = torch.nn.Module()
        self.initial_grad_mode = torch.is_grad_enabled()

    # -- inputs ---------------------------------------------------------------------------------
    def _add_placeholder(self, name, type_expr, example, source, value):
        last_placeholder = None
        for node in self.graph.nodes:
            if node.op != "placeholder":
                break
            last_placeholder = node
        if last_placeholder is None:
            ctx = self.graph.inserting_before(next(iter(self.graph.nodes), None))
        else:
            ctx = self.graph.inserting_after(last_placeholder)
        with ctx:
            node = self.graph.placeholder(name, type_expr=type_expr)
        annotate_node(node)
        node.meta["example_value"] = example
        node.meta["grapharg"] = GraphArg(source, value, node)
        self.graphargs.append(node.meta["grapharg"])
        return node

    def wrap_graph_input(self, value, source):
        from torch._dynamo.source import TensorProperty, TensorPropertySource
        from torch._dynamo.variables.tensor import TensorVariable

        known = self._tensor_inputs_by_id.get(id(value))
        if known is not None and known[0] is value:
            # The same tensor reached through a second path (tied weights, an argument passed
            # twice): one input, guarded to stay one object.
            self.guards.add_alias(source, known[1].source)
            return known[1]
        dims = automatic_dynamic.dynamic_dims(self, value, source)
        if dims is None:
            fake = self.fake_mode.from_tensor(value)
        else:
            from torch.fx.experimental.symbolic_shapes import StatelessSymbolicContext

            fake = self.fake_mode.from_tensor(value, source=source,
                                              symbolic_context=StatelessSymbolicContext(dims))
        self.guards.add(source, "TENSOR_MATCH", value)
        self.guards.set_symbolic(source, fake)
        # Each new symbol among the sizes is an input of its own, just before the tensor.
        for i, d in enumerate(fake._sym_shape or ()):
            if isinstance(d, torch.SymInt):
                sym = str(d)
                if sym not in self.symbol_nodes and d.node.expr.free_symbols() == [sym]:
                    size_source = TensorPropertySource(source, TensorProperty.SIZE, i)
                    self.symbol_nodes[sym] = self._add_placeholder(sym, torch.SymInt, d, size_source, int(value.shape[i]))
        node = self._add_placeholder(graph_input_name(source), type(value), fake, source, value)
        vt = TensorVariable(node, fake, source, class_type=type(value))
        self._tensor_inputs_by_id[id(value)] = (value, vt)
        return vt

    def wrap_float_input(self, value, source):
        """A Python float input that varies between calls: an input of the graph holding the
        value as a 0-dim float64 tensor (`L_lr_: "f64[]"`), as PyTorch's tensorified floats;
        arithmetic on it is traced as tensor ops, which compute what eager's float arithmetic
        followed by the same tensor op does (a 0-dim tensor takes part in type promotion as a
        Python scalar does)."""
        from torch._dynamo.variables.tensor import TensorVariable

        self.guards.add(source, "TYPE_MATCH", float)
        example = _float_as_tensor(value)
        fake = self.fake_mode.from_tensor(example)
        node = self._add_placeholder(graph_input_name(source), type(example), fake, source, example)
        node.meta["grapharg"].convert = _float_as_tensor
        self.tensorified.add(node)
        return TensorVariable(node, fake, None, class_type=torch.Tensor)

    def check_tensorified_escapes(self, outputs):
        """Raises TensorifyEscape when a graph output is computed from tensorified floats
        alone (eager has a Python float there)."""
        if not self.tensorified:
            return
        escaped = set()
        for out in outputs:
            if not isinstance(out, torch.fx.Node):
                continue
            roots = set()
            stack, seen = [out], set()
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                if n.op in ("placeholder", "get_attr"):
                    roots.add(n)
                stack.extend(n.all_input_nodes)
            if roots and roots <= self.tensorified:
                escaped |= roots
        if escaped:
            raise TensorifyEscape([n.meta["grapharg"].source for n in escaped])

    def wrap_symint_input(self, value, source):
        """A Python int input that varies between calls: a symbol of its own, an input of the
        graph (`L_n_: "Sym(s86)"`)."""
        from torch._dynamo.variables.tensor import SymNodeVariable
        from torch.fx.experimental.symbolic_shapes import DimDynamic

        sym = self.shape_env.create_symint(value, source, dynamic_dim=DimDynamic.DYNAMIC, is_size=False)
        if isinstance(sym, int):
            return None
        self.guards.add(source, "TYPE_MATCH", int)
        node = self._add_placeholder(graph_input_name(source), torch.SymInt, sym, source, value)
        self.symbol_nodes.setdefault(str(sym), node)
        return SymNodeVariable(node, sym, source)

    def sym_node(self, tx, value, make_node):
        """The tracker for SymInt `value`: its symbol's placeholder when it is a bare symbol,
        else the node `make_node()` adds (`size = l_x_.size(0)`)."""
        from torch._dynamo.variables.builder import wrap_fx_proxy
        from torch._dynamo.variables.tensor import SymNodeVariable

        node = self.symbol_nodes.get(str(value))
        if node is not None:
            return SymNodeVariable(node, value)
        expr = self.shape_env.simplify(value.node.expr)
        if expr.as_int() is not None:
            # Pinned to a constant by a guard since it was made.
            from torch._dynamo.variables.constant import ConstantVariable

            return ConstantVariable(expr.as_int())
        if all(sym in self.symbol_nodes for sym in expr.free_symbols()):
            return SymNodeVariable(self._reify(expr), value)
        return wrap_fx_proxy(tx, make_node())

    def _reify(self, expr):
        """Nodes computing `expr` from the symbols' placeholders, as PyTorch rebuilds a size
        it has no node for: sums as `torch.sym_sum([...])`, products and floor divisions with
        the operators (`mul: "Sym(2*s77)" = 2 * s77`)."""
        env = self.shape_env

        def value_of(e):
            return env.make_symint(e, e.eval(env.var_to_val))

        def node(target, args, e):
            return self.create_proxy("call_function", target, args, {}, example_value=value_of(e))

        kind, *rest = expr.parts()
        if kind == "int":
            return rest[0]
        if kind == "symbol":
            return self.symbol_nodes[rest[0]]
        if kind == "add":
            return node(torch.sym_sum, ([self._reify(t) for t in rest[0]],), expr)
        if kind == "mul":
            factors = rest[0]
            acc, acc_expr = self._reify(factors[0]), factors[0]
            for f in factors[1:]:
                acc_expr = acc_expr.mul(f)
                acc = node(operator.mul, (acc, self._reify(f)), acc_expr)
            return acc
        if kind == "pow":
            return node(operator.pow, (self._reify(rest[0]), rest[1]), expr)
        return node(operator.floordiv, (self._reify(rest[0]), self._reify(rest[1])), expr)

    def _user_location(self):
        """Where the traced code is now (the guard being made is attributed to it)."""
        tx = self.current_tx
        if tx is None:
            return None
        return (tx.f_code.co_filename, tx.lineno, tx.f_code.co_name)

    # -- nodes ----------------------------------------------------------------------------------
    def stack_trace(self):
        frames = []
        tx = self.current_tx
        while tx is not None:
            # As PyTorch: frames inside torch.nn modules are left out, so nodes point at user code.
            if not _is_nn_modules_file(tx.f_code.co_filename):
                frames.append(_format_frame(tx.f_code.co_filename, tx.lineno, tx.f_code.co_name))
            tx = tx.parent
        return "".join(reversed(frames))

    def create_node(self, kind, target, args, kwargs, name=None):
        node = self.graph.create_node(kind, target, args, kwargs, name=name)
        node.meta["stack_trace"] = self.stack_trace()
        annotate_node(node)
        return node

    def install_subgraph(self, prefix, module):
        """Makes `module` an attribute of the graph's module under a fresh `{prefix}_N`."""
        i = 0
        while hasattr(self.root, f"{prefix}_{i}"):
            i += 1
        name = f"{prefix}_{i}"
        setattr(self.root, name, module)
        return name

    def forget_names(self, nodes):
        """Names of erased nodes become free again (their ops moved into a sub-graph)."""
        namespace = self.graph._graph_namespace
        for node in nodes:
            namespace._used_names.discard(node.name)
            namespace._obj_to_name.pop(node, None)

    def create_proxy(self, kind, target, args, kwargs, example_value=None):
        """Adds a node whose arguments are variable trackers (or raw nodes/values); runs it on
        fake tensors unless `example_value` is given."""
        node_args = tuple(_as_proxy(a) for a in args)
        node_kwargs = {k: _as_proxy(v) for k, v in kwargs.items()}
        unbacked = len(self.shape_env.unbacked)
        if example_value is None:
            fake_args = tuple(_example(a) for a in args)
            fake_kwargs = {k: _example(v) for k, v in kwargs.items()}
            example_value = self.run_fake(kind, target, fake_args, fake_kwargs)
        node = self.create_node(kind, target, node_args, node_kwargs)
        node.meta["example_value"] = example_value
        if len(self.shape_env.unbacked) != unbacked:
            self._bind_unbacked(node, example_value, unbacked)
        return node

    def _bind_unbacked(self, node, value, first):
        """After a node whose value has new unbacked symbols (`item: "Sym(u0)"`, `nonzero:
        "i64[u0, 1]"`): the node giving each symbol (the value itself, or `sym_size_int` of the
        tensor that has it) and PyTorch's runtime assertions of its range (`u0 >= 0`, `u0 <= 4`),
        checked when the graph runs since no guard can check them."""
        for name, where in unbacked_bindings(self.shape_env, value, first):
            if where is None:
                bound = node
            else:
                bound = self.create_node("call_function", torch.ops.aten.sym_size.int, (node, where), {})
                bound.meta["example_value"] = self.shape_env.make_symint(self.shape_env._symbols[name],
                                                                         self.shape_env.var_to_val[name])
            self.symbol_nodes.setdefault(name, bound)
            for op, target, limit in range_assertions(self.shape_env, name):
                check = self.create_node("call_function", target, (bound, limit), {})
                check.meta["example_value"] = assertion_value(self.shape_env, name, op, limit)
                message = f"Runtime assertion failed for expression {name} {op} {limit} on node '{check.name}'"
                self.create_node("call_function", torch.ops.aten._assert_scalar.default, (check, message), {})

    def run_fake(self, kind, target, args, kwargs):
        try:
            with self.fake_mode:
                if kind == "call_function":
                    return target(*args, **kwargs)
                if kind == "call_method":
                    return getattr(args[0], target)(*args[1:], **kwargs)
        except (DataDependentOutputException, DynamicOutputShapeException, NotImplementedError,
                GuardOnDataDependentSymNode) as e:
            raise Unsupported(f"data-dependent operation {_describe(kind, target)}: {e}")
        except (TypeError, AttributeError, IndexError, KeyError, ValueError) as e:
            raise ObservedException(type(e), str(e))
        except RuntimeError as e:
            raise TorchRuntimeError(
                f"Dynamo failed to run FX node with fake tensors: {kind} {_describe(kind, target)}"
                f"(*{args}, **{kwargs}): got {type(e).__name__}({str(e)!r})"
            ) from e
        raise AssertionError(kind)

    # -- finishing ------------------------------------------------------------------------------
    def graph_tail(self):
        nodes = list(self.graph.nodes)
        return nodes[-1] if nodes else None

    def truncate_graph(self, tail):
        """Drops the nodes a failed instruction added after `tail` (its inputs stay: the values
        that reach them may already be in use, and unused inputs are dropped at the end)."""
        nodes = list(self.graph.nodes)
        keep = nodes.index(tail) + 1 if tail is not None else 0
        for node in reversed(nodes[keep:]):
            if node.op != "placeholder":
                self.graph.erase_node(node)

    def break_reason(self, exc, user_stack, opname=None):
        from torch._dynamo.utils import counters

        reason = GraphCompileReason(str(exc.msg if hasattr(exc, "msg") else exc), user_stack)
        counters["graph_break"][reason.reason] += 1
        log_artifact("graph_breaks", lambda: _graph_break_message(reason, opname))
        return reason

    def install_global_name(self, prefix):
        """A fresh global name in the frame's module for something the transformed code loads
        (a compiled graph, a resume function), numbered as PyTorch numbers them."""
        _compiled_fn_counter[0] += 1
        return f"{prefix}_{_compiled_fn_counter[0]}"

    def exit_grad_blocks(self, blocks):
        """At a break inside grad-mode `with` blocks the graph ends in the mode it began with;
        the transformed frame and the resume function switch it again."""
        for block in reversed(blocks):
            block.exit(self.current_tx)

    def compile_return(self, tx, value):
        from torch._dynamo.codegen import PyCodegen
        from torch._dynamo.variables.tensor import TensorVariable

        from torch._dynamo.resume_execution import ContinueExecutionCache

        # A frame returning an input tensor as it is returns it from a graph (as PyTorch does),
        # but a resume function doing only that compiles nothing (as PyTorch does too).
        resume = tx.f_code in ContinueExecutionCache.original_names
        from_sources = not isinstance(value, TensorVariable) or (resume and not self.has_calls())
        cg = PyCodegen(tx.f_code, inputs_from_sources=from_sources)
        cg.reconstruct(value)
        cg.append("RETURN_VALUE")
        return self.compile_and_call(tx, cg, GraphCompileReason("return_value", [], graph_break=False))

    def _drop_canceled_grad_switches(self):
        """A grad-mode switch followed at once by the switch back (a `with no_grad()` whose
        whole body fell to the other side of a break) does nothing: both go."""
        mode = self.initial_grad_mode
        previous = None
        for node in list(self.graph.nodes):
            if node.op in ("placeholder", "output"):
                continue
            if node.target is torch._C._set_grad_enabled:
                if previous is not None and node.args[0] == previous[1]:
                    self.graph.erase_node(node)
                    self.graph.erase_node(previous[0])
                    mode = previous[1]
                    previous = None
                    continue
                previous = (node, mode)
                mode = node.args[0]
            else:
                previous = None

    def has_calls(self):
        return any(n.op.startswith("call") for n in self.graph.nodes)

    def compile_and_call(self, tx, cg, reason):
        """Compiles the graph with the outputs `cg` reads, and returns the whole transformed
        frame: the frame's set-up, the call of the compiled graph, then `cg`'s code."""
        from torch._dynamo.bytecode_transformation import cleaned_instructions, create_instruction
        from torch._dynamo.codegen import PyCodegen
        from torch._dynamo.exc import BackendCompilerFailed, TorchDynamoException

        self.graph.output(tuple(cg.output_nodes))
        self.check_tensorified_escapes(cg.output_nodes)
        self.remove_unused_nodes()
        self._drop_canceled_grad_switches()
        header = []
        for inst in cleaned_instructions(tx.f_code):
            header.append(create_instruction(inst.opname, inst.arg, inst.argval, positions=inst.positions,
                                             lineno=inst.lineno))
            if inst.opname == "RESUME":
                break
        if not (self.has_calls() or cg.output_nodes):
            return header + cg.instructions
        gm = torch.fx.GraphModule(self.root, self.graph)
        gm.meta["dynamo_compile_id"] = self.compile_id
        gm.compile_subgraph_reason = reason
        example_inputs = [arg.example for arg in self.graphargs]
        name = self.install_global_name("__compiled_fn")
        log_artifact("graph_code", lambda: f"TRACED GRAPH\n ===== {name} =====\n "
                                           f"{gm.forward.__code__.co_filename} {gm.print_readable(print_output=False)}\n")
        try:
            compiled_fn = self.backend(gm, example_inputs)
        except TorchDynamoException:
            raise
        except Exception as e:
            raise BackendCompilerFailed(self.backend, e) from e
        if compiled_fn is None:
            raise BackendCompilerFailed(self.backend, RuntimeError("compiler_fn did not return callable"))
        self.f_globals[name] = compiled_fn
        call = PyCodegen(tx.f_code, positions=header[-1].positions, lineno=header[-1].lineno)
        call.append("LOAD_GLOBAL", argval=(name, True))
        for arg in self.graphargs:
            if arg.convert is not None:
                call.load_const(arg.convert)
                call.push_null()
                call.load_source(arg.source)
                call.call(1)
            else:
                call.load_source(arg.source)
        call.call(len(self.graphargs))
        if cg.output_nodes:
            call.append("STORE_FAST", argval=cg.graph_out_var)
        else:
            call.append("POP_TOP")
        return header + call.instructions + cg.instructions

    def remove_unused_nodes(self):
        """PyTorch's small clean-up before compiling: getitem and get_attr nodes nobody uses, then
        inputs nobody uses (their guards stay)."""
        for node in reversed(list(self.graph.nodes)):
            if not node.users and node.op == "call_function" and node.target is operator.getitem:
                self.graph.erase_node(node)
            elif not node.users and node.op == "get_attr":
                self.graph.erase_node(node)
            elif not node.users and node.op == "call_method" and node.target == "size":
                self.graph.erase_node(node)
            elif not node.users and node.op == "call_function" and isinstance(
                    node.meta.get("example_value"), (torch.SymInt, torch.SymBool)):
                self.graph.erase_node(node)  # arithmetic on sizes, used only at trace time
        # Inputs nobody uses go; a symbol's placeholder stays while a remaining input's sizes
        # mention the symbol (the first placeholder for it only), as PyTorch prunes them.
        used_symbols = set()
        recheck = []
        for node in [n for n in self.graph.nodes if n.op == "placeholder"]:
            value = node.meta.get("example_value")
            if isinstance(value, torch.SymInt) and value.node.expr.as_int() is None \
                    and value.node.expr.free_symbols() == [str(value)]:
                if not node.users:
                    recheck.append(node)
            elif not node.users:
                self.graph.erase_node(node)
            else:
                for d in getattr(value, "_sym_shape", None) or ():
                    if isinstance(d, torch.SymInt):
                        used_symbols.update(d.node.expr.free_symbols())
                if isinstance(value, torch.SymInt):
                    used_symbols.update(value.node.expr.free_symbols())
        for node in recheck:
            symbol = str(node.meta["example_value"])
            if symbol not in used_symbols:
                self.graph.erase_node(node)
            else:
                used_symbols.discard(symbol)
        live = {n for n in self.graph.nodes if n.op == "placeholder"}
        self.graphargs = [a for a in self.graphargs if a.node in live]


_OPCODE_DESCRIPTIONS = {
    "CALL": "a function call, e.g. f(x, y)",
    "CALL_KW": "a function call with keyword arguments, e.g. f(x, y=z)",
    "CALL_FUNCTION_EX": "a function call with unpacked arguments, e.g. f(*args, **kwargs)",
    "STORE_ATTR": "an attribute assignment, e.g. obj.attr = value",
    "STORE_SUBSCR": "an item assignment, e.g. obj[key] = value",
    "DELETE_SUBSCR": "an item deletion, e.g. del obj[key]",
    "STORE_GLOBAL": "a global assignment",
}


def _graph_break_message(reason, opname):
    import traceback

    # The user's frames above the compiled one (smelt's own and transformed frames left out),
    # then the traced frames down to the break.
    outer = [f for f in traceback.extract_stack()[:-4]
             if not _is_torch_file(f.filename) and not f.name.startswith("__transformed_code_")]
    frames = outer + list(reason.user_stack)
    if outer and reason.user_stack and outer[-1].name == reason.user_stack[0].name:
        frames = outer[:-1] + list(reason.user_stack)
    where = reason.user_stack[-1] if reason.user_stack else None
    text = reason.reason
    if opname in _OPCODE_DESCRIPTIONS:
        text = f"Encountered graph break when attempting to trace {opname}: {_OPCODE_DESCRIPTIONS[opname]}:\n\n{text}"
    head = f"Graph break in user code at {where.filename}:{where.lineno}\n" if where is not None else ""
    return f"{head}Graph Break Reason: {text}\nUser code traceback:\n{''.join(traceback.format_list(frames))}"


def _is_torch_file(filename):
    return filename.startswith("torch.") or "/torch/" in filename or filename.startswith("<frozen")


def annotate_node(node):
    """`torch.fx.traceback.annotate` blocks being traced: their annotations go on the node."""
    from torch.fx import traceback as fx_traceback

    custom = fx_traceback.get_current_meta().get("custom")
    if custom:
        node.meta["custom"] = dict(custom)


def _is_nn_modules_file(filename):
    # Frozen modules are named by module ("torch.nn.modules.linear"); from source, by path.
    # smelt's own wrapper frames (eval_frame's `inner`) are internal too.
    return (filename.startswith(("torch.nn.modules", "torch._dynamo.eval_frame")) or "torch/nn/modules/" in filename
            or filename.endswith("torch/_dynamo/eval_frame.py"))


def _describe(kind, target):
    if kind == "call_method":
        return repr(target)
    return getattr(target, "__name__", repr(target))


def _as_proxy(value):
    from torch._dynamo.variables.base import VariableTracker

    if isinstance(value, VariableTracker):
        return value.as_proxy()
    if isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
        return type(value)(_as_proxy(v) for v in value)
    return value


def _example(value):
    from torch._dynamo.variables.base import VariableTracker

    if isinstance(value, VariableTracker):
        return value.example()
    if isinstance(value, torch.fx.Node):
        return value.meta["example_value"]
    if isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
        return type(value)(_example(v) for v in value)
    return value
