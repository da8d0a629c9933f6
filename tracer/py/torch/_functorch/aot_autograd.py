"""AOT autograd: a graph's forward and backward traced ahead of time at aten level, split into
a forward graph and a backward graph, each handed to its own compiler.

- Training (some input requires grad, grad mode on): the joint graph is traced
  (`_aot_autograd/joint_trace.py`), the partitioner splits it (`partitioners.py`), the forward
  is compiled at once and the backward on the first backward call (firing the LAZY_BACKWARD
  compile callbacks). The compiled function is an autograd.Function (`CompiledFunction`):
  its forward runs the compiled forward and keeps the saved values, its backward runs the
  compiled backward on them and the incoming gradients.
- Inference: the forward alone is traced and compiled (`inference_compiler`, by default the
  forward compiler).

Inputs written in place come back as extra forward outputs and are copied into the caller's
tensors after the forward runs."""

import itertools

import torch
from torch import _C
from torch._functorch._aot_autograd.joint_trace import run_with_node_meta, trace
from torch._functorch.partitioners import default_partition

__all__ = ["aot_function", "aot_module", "aot_module_simplified", "make_boxed_compiler", "make_boxed_func"]

AOT_COUNTER = itertools.count()


def make_boxed_func(f):
    """`f` taking its arguments as one list (which the callee may empty)."""

    def boxed(args):
        return f(*args)

    boxed._boxed_call = True
    return boxed


def make_boxed_compiler(compiler):
    def boxed_compiler(fx_g, inps):
        out = compiler(fx_g, inps)
        return make_boxed_func(out) if not getattr(out, "_boxed_call", False) else out

    return boxed_compiler


def _call(compiled, args):
    if getattr(compiled, "_boxed_call", False):
        return compiled(list(args))
    return compiled(*args)


def _example_inputs(gm):
    return [n.meta.get("val") for n in gm.graph.nodes if n.op == "placeholder"]


class _AotCompiled:
    """What one compilation produced; `__call__` runs it on real inputs."""

    def __init__(self, flat_fn, example_args, fw_compiler, bw_compiler, inference_compiler, partition_fn,
                 static_input_indices, compile_id, symbolic=None, shape_env=None):
        self.aot_id = next(AOT_COUNTER)
        needs_grad = _C.is_grad_enabled() and any(
            isinstance(a, _C.TensorBase) and a.requires_grad for a in example_args)
        self.training = needs_grad
        traced = trace(flat_fn, example_args, joint=needs_grad, symbolic=symbolic, shape_env=shape_env)
        if needs_grad and not traced.mutated_inputs and traced.input_outputs.issuperset(
                traced.differentiable_outputs):
            # No output the graph computes needs a gradient (those that do are inputs returned
            # as they are, which carry their own history): an inference graph, as PyTorch.
            needs_grad = self.training = False
            traced = trace(flat_fn, example_args, joint=False, symbolic=symbolic, shape_env=shape_env)
        self.traced = traced
        self.compile_id = compile_id
        if not needs_grad:
            self.forward = inference_compiler(traced.module, _example_inputs(traced.module))
            return
        fw_module, bw_module = partition_fn(traced.module, example_args, num_fwd_outputs=traced.num_fwd_outputs,
                                            static_lifetime_input_indices=static_input_indices)
        self.fw_module, self.bw_module = fw_module, bw_module
        # The saved sizes come last among the forward's outputs (kept on the ctx, not saved as
        # tensors) and first among the backward's inputs.
        from torch._functorch.partitioners import is_sym_node

        saved = list(fw_module.graph.output_node().args[0])[traced.num_fwd_outputs:]
        self.num_saved_sizes = sum(1 for n in saved if isinstance(n, torch.fx.Node) and is_sym_node(n))
        self.forward = fw_compiler(fw_module, _example_inputs(fw_module))
        self.bw_compiler = bw_compiler
        self.backward = None
        self.function = self._make_function()

    def compile_backward(self):
        from torch._dynamo.callback import CallbackTrigger, callback_handler

        if self.backward is None:
            with callback_handler.install_callbacks(CallbackTrigger.LAZY_BACKWARD, str(self.compile_id)):
                try:
                    self.backward = self.bw_compiler(self.bw_module, _example_inputs(self.bw_module))
                except Exception as e:
                    if type(e).__name__ != "SymbolicGraphUnsupported":
                        raise
                    # The forward has run: the backward, symbolic, is compiled per layout.
                    self.backward = self.bw_compiler(self.bw_module, _example_inputs(self.bw_module),
                                                     _fallback_per_layout=True)
        return self.backward

    def _make_function(self):
        compiled = self
        traced = self.traced
        n_fwd = traced.num_fwd_outputs

        class CompiledFunction(torch.autograd.Function):
            @staticmethod
            def forward(ctx, *args):
                outs = list(_call(compiled.forward, args))
                n_saved = len(outs) - compiled.num_saved_sizes
                ctx.save_for_backward(*outs[n_fwd:n_saved])
                ctx.saved_sizes = outs[n_saved:]
                differentiable = set(traced.differentiable_outputs)
                fixed = []
                for k, o in enumerate(outs[:n_fwd]):
                    if isinstance(o, _C.TensorBase) and any(o is a for a in args):
                        o = _C.TensorBase._view(o, list(o._shape))  # a fresh alias, not the input itself
                    if isinstance(o, _C.TensorBase) and k not in differentiable:
                        ctx.mark_non_differentiable(o)
                    fixed.append(o)
                return tuple(fixed)

            @staticmethod
            def backward(ctx, *grads):
                saved = ctx.saved_tensors
                tangents = []
                for k in traced.differentiable_outputs:
                    g = grads[k]
                    if g is None:
                        shape, dtype = ctx._outputs_meta[k]
                        g = _C._full(list(shape), 0, dtype)
                    tangents.append(g.contiguous())
                backward = compiled.compile_backward()
                return tuple(_call(backward, list(ctx.saved_sizes) + list(saved) + tangents))

        return CompiledFunction

    def __call__(self, *args):
        traced = self.traced
        n_mutated = len(traced.mutated_inputs)
        if not self.training:
            outs = list(_call(self.forward, args))
        else:
            outs = list(self.function.apply(*args))
        for pos, value in zip(traced.mutated_inputs, outs[:n_mutated]):
            if value.requires_grad:
                args[pos].copy_(value)  # the input's history continues through the compiled function
            else:
                with torch.no_grad():
                    args[pos].copy_(value)
        return tuple(outs[n_mutated:traced.num_fwd_outputs])


def aot_function(fn, fw_compiler, bw_compiler=None, partition_fn=default_partition, decompositions=None,
                 num_params_buffers=0, keep_inference_input_mutations=False, inference_compiler=None,
                 dynamic=False, enable_log=True):
    """`fn` compiled on its first call: returns a function running the compiled forward (and,
    through autograd, the compiled backward). Recompiles when called with different shapes,
    dtypes or requires_grad."""
    bw_compiler = bw_compiler or fw_compiler
    inference_compiler = inference_compiler or fw_compiler
    cache = {}

    def returned(*args):
        key = tuple((tuple(a.shape), a.dtype, a.requires_grad) if isinstance(a, _C.TensorBase) else ("c", a)
                    for a in args) + (_C.is_grad_enabled(),)
        hit = cache.get(key)
        if hit is None:
            single = []

            def flat_fn(*inner):
                out = fn(*inner)
                single.append(not isinstance(out, (tuple, list)))
                return out if not single[-1] else (out,)

            compiled = _AotCompiled(flat_fn, list(args), fw_compiler, bw_compiler, inference_compiler,
                                    partition_fn, [], None)
            hit = cache[key] = (compiled, single[0])
        outs = hit[0](*args)
        return outs[0] if hit[1] else outs

    return returned


def aot_module_simplified(mod, args, fw_compiler, bw_compiler=None, partition_fn=default_partition,
                          decompositions=None, keep_inference_input_mutations=False, inference_compiler=None,
                          cudagraphs=None, boxed_forward_device_index=None, ignore_shape_env=False,
                          _per_layout_done=False):
    """Compiles graph module `mod` for inputs like `args` (what Dynamo hands a backend):
    returns a function of the same inputs giving the same tuple of outputs."""
    bw_compiler = bw_compiler or fw_compiler
    inference_compiler = inference_compiler or fw_compiler
    symbolic = shape_env = None
    if isinstance(mod, torch.fx.GraphModule):
        examples = [n.meta.get("example_value") for n in mod.graph.nodes if n.op == "placeholder"]
        shape_env = _unbacked_env(mod)
        if shape_env is not None:
            # Data-dependent sizes (`nonzero`, `item()` under capture_*): traced once, with
            # Dynamo's ShapeEnv, whatever the inputs (no layout decides those sizes).
            symbolic = examples
        elif not _per_layout_done and any(type(a) is int for a in args) and len(examples) == len(args) \
                and _takes_symbolic(inference_compiler):
            symbolic = examples
    if symbolic is None and not _per_layout_done and any(type(a) is int for a in args) \
            and isinstance(mod, torch.fx.GraphModule):
        # A graph with symbolic sizes for a compiler that needs static graphs: traced and
        # compiled once per distinct input layout, each a static graph.
        return _per_layout(lambda example: aot_module_simplified(
            mod, example, fw_compiler, bw_compiler, partition_fn, decompositions, keep_inference_input_mutations,
            inference_compiler, cudagraphs, boxed_forward_device_index, ignore_shape_env, _per_layout_done=True))
    compile_id = None
    meta = getattr(mod, "meta", None)
    if isinstance(meta, dict):
        compile_id = meta.get("dynamo_compile_id")
    static = [i for i, a in enumerate(args) if isinstance(a, torch.nn.Parameter)]
    if isinstance(mod, torch.fx.GraphModule):
        def flat_fn(*inner):
            return run_with_node_meta(mod, *inner)
    else:
        def flat_fn(*inner):
            out = mod(*inner)
            return out if isinstance(out, (tuple, list)) else (out,)
    try:
        compiled = _AotCompiled(flat_fn, list(args), fw_compiler, bw_compiler, inference_compiler, partition_fn,
                                static, compile_id, symbolic, shape_env)
    except Exception as e:
        if symbolic is None or type(e).__name__ != "SymbolicGraphUnsupported":
            raise
        # The compiler takes symbolic graphs, but not this one: one static graph per layout.
        return _per_layout(lambda example: aot_module_simplified(
            mod, example, fw_compiler, bw_compiler, partition_fn, decompositions, keep_inference_input_mutations,
            inference_compiler, cudagraphs, boxed_forward_device_index, ignore_shape_env, _per_layout_done=True))

    def forward(*runtime_args):
        return compiled(*runtime_args)

    forward.zero_grad = getattr(mod, "zero_grad", None)
    forward.named_parameters = getattr(mod, "named_parameters", None)
    forward.named_buffers = getattr(mod, "named_buffers", None)
    forward._aot_compiled = compiled
    return forward


def _unbacked_env(gm):
    """The ShapeEnv of a Dynamo graph that makes data-dependent (unbacked) sizes, else None."""
    from torch._subclasses.sym_shapes import unbacked_env

    return unbacked_env(n.meta.get("example_value") for n in gm.graph.nodes)


def _takes_symbolic(compiler):
    """Whether `compiler` is given symbolic graphs (SymInt inputs, symbolic sizes), as
    PyTorch gives every compiler; smelt's JIT says it takes static graphs only
    (`_static_graphs_only`)."""
    return not getattr(compiler, "_static_graphs_only", False)


def _per_layout(compile_for):
    """A function that compiles itself (`compile_for(args)`) anew for each layout of its
    arguments: tensor sizes and strides, and int values."""
    compiled = {}

    def key_of(args):
        return tuple((tuple(a.shape), a.stride(), a.dtype) if isinstance(a, torch.Tensor) else a for a in args)

    def forward(*runtime_args):
        key = key_of(runtime_args)
        fn = compiled.get(key)
        if fn is None:
            fn = compiled[key] = compile_for(list(runtime_args))
        return fn(*runtime_args)

    return forward


def aot_module(mod, *args, **kwargs):
    return aot_function(mod, *args, **kwargs)
