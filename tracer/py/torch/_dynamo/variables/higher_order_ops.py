"""Calls the tracer turns into a sub-graph plus a higher-order operator node, and the
`torch.fx.traceback.annotate` context manager.

`torch.utils.checkpoint.checkpoint(fn, *args)`: `fn` is traced inline, then the nodes it added
move into a graph module of their own (`wrap_body_0`, an attribute of the graph), whose inputs
are the values from outside it reads (the arguments first), and the graph calls it through
`torch.ops.higher_order.tag_activation_checkpoint`, as PyTorch's Dynamo does."""

import torch
from torch._dynamo.exc import unimplemented
from torch._dynamo.variables.base import ValueVariable, mutation_count
from torch._dynamo.variables.constant import ConstantVariable
from torch._dynamo.variables.torch_fns import ContextManagerVariable

# checkpoint's own options; the rest of its keyword arguments go to the function.
_CHECKPOINT_OPTIONS = ("use_reentrant", "context_fn", "determinism_check", "debug", "preserve_rng_state")


class CheckpointHigherOrderVariable(ValueVariable):
    def call_function(self, tx, args, kwargs):
        from torch._dynamo.output_graph import annotate_node
        from torch._dynamo.variables.builder import wrap_fx_proxy
        from torch._dynamo.variables.lists import BaseListVariable
        from torch._dynamo.variables.tensor import TensorVariable
        from torch._higher_order_ops.wrap import next_ac_graph_id, tag_activation_checkpoint

        if not args:
            unimplemented("torch.utils.checkpoint.checkpoint without a function")
        options = {k: kwargs[k] for k in _CHECKPOINT_OPTIONS if k in kwargs}
        if "context_fn" in options:
            unimplemented("torch.utils.checkpoint.checkpoint with context_fn")
        fn_kwargs = {k: v for k, v in kwargs.items() if k not in _CHECKPOINT_OPTIONS}
        output = tx.output
        graph = output.graph
        before = set(graph.nodes)
        mutations = mutation_count()
        next_ac_graph_id()
        result = args[0].call_function(tx, list(args[1:]), fn_kwargs)
        if mutation_count() != mutations:
            unimplemented("a checkpointed function with side effects")
        single = isinstance(result, TensorVariable)
        items = [result] if single else (list(result.items) if isinstance(result, BaseListVariable) else None)
        if items is None or not all(isinstance(i, TensorVariable) for i in items):
            unimplemented("a checkpointed function returning something other than tensors")
        body_nodes = [n for n in graph.nodes if n not in before and n.op != "placeholder"]
        body_set = set(body_nodes)
        results = [i.as_proxy() for i in items]
        inputs = []
        for a in args[1:]:
            if isinstance(a, TensorVariable) and a.as_proxy() not in inputs and a.as_proxy() not in body_set:
                inputs.append(a.as_proxy())
        for n in body_nodes:
            for a in n.all_input_nodes:
                if a not in body_set and a not in inputs:
                    inputs.append(a)
        for r in results:
            if r not in body_set and r not in inputs:
                inputs.append(r)

        body = torch.fx.Graph()
        env = {}
        for outer in inputs:
            ph = body.placeholder(outer.name)
            ph.meta = {k: v for k, v in outer.meta.items() if k not in ("custom", "grapharg")}
            annotate_node(ph)
            env[outer] = ph
        for n in body_nodes:
            env[n] = body.node_copy(n, lambda x: env[x])
        out = body.output(tuple(env[r] for r in results))
        annotate_node(out)
        for n in reversed(body_nodes):
            graph.erase_node(n)
        output.forget_names(body_nodes)

        name = output.install_subgraph("wrap_body", torch.fx.GraphModule(output.root, body))
        attr = output.create_node("get_attr", name, (), {})
        examples = tuple(r.meta["example_value"] for r in results)
        call = output.create_proxy("call_function", tag_activation_checkpoint, (attr, *inputs),
                                   {k: v.as_python_constant() for k, v in options.items()},
                                   example_value=examples)
        wrapped = wrap_fx_proxy(tx, call)
        return wrapped.items[0] if single else wrapped


class AnnotateClassVariable(ValueVariable):
    """`torch.fx.traceback.annotate` itself: calling it with a dict makes the context manager."""

    def call_function(self, tx, args, kwargs):
        if len(args) != 1 or kwargs or not args[0].is_python_constant():
            unimplemented("torch.fx.traceback.annotate with a non-constant annotation")
        value = args[0].as_python_constant()
        if not isinstance(value, dict):
            unimplemented("torch.fx.traceback.annotate with a non-dict annotation")
        return AnnotateVariable(value)


class AnnotateVariable(ContextManagerVariable):
    """`with annotate({...}):` while tracing: the annotation is current for the nodes the block
    records (they get it in `node.meta["custom"]`); it has no effect on the compiled code."""

    def __init__(self, annotation, source=None):
        super().__init__(source)
        self.annotation = annotation
        self.manager = None

    def enter(self, tx):
        from torch.fx import traceback as fx_traceback

        self.manager = fx_traceback.annotate(self.annotation)
        self.manager.__enter__()
        return ConstantVariable(None)

    def exit(self, tx):
        if self.manager is not None:
            self.manager.__exit__(None, None, None)
            self.manager = None
        return ConstantVariable(None)
