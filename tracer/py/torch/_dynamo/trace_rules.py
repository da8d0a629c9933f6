"""Which callables the tracer records as one graph node, which it folds to a constant at trace
time, and which builtins it models. Everything else written in Python is inlined."""

import builtins
import math
import operator
import types

_rules = None

# torch functions that are not operations: their result is fixed under the frame's guards.
_TORCH_CONSTANT_FNS = (
    "is_tensor", "is_floating_point", "is_complex", "get_default_dtype", "is_grad_enabled",
    "is_inference_mode_enabled", "promote_types", "can_cast", "typename", "is_storage",
)
# Public torch callables that are neither operations nor constant functions.
_TORCH_NOT_OPS = frozenset({
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "set_printoptions",
    "get_printoptions", "set_default_dtype", "compile", "load", "save", "no_grad", "enable_grad",
    "set_grad_enabled", "inference_mode", "Tensor", "Size", "device", "dtype", "finfo", "iinfo",
    "Generator", "memory_format", "use_deterministic_algorithms", "set_num_threads", "get_num_threads",
})
_BUILTINS = (
    len, isinstance, issubclass, callable, range, iter, next, enumerate, zip, reversed, map, filter, sorted,
    tuple, list, dict, set, max, min, sum, abs, any, all, bool, getattr, hasattr, type, print, int, float,
    str, round, divmod, pow, repr, chr, ord, hash, slice, id,
)


def _build():
    import torch
    import torch.nn.functional as F
    from torch._dynamo.variables.builtin import BuiltinVariable
    from torch._dynamo.variables.torch_fns import (
        GradModeClassVariable, TorchConstantFunctionVariable, TorchInGraphFunctionVariable,
    )

    rules = {}

    def add(obj, maker):
        rules[id(obj)] = (obj, maker)

    for fn in _BUILTINS:
        add(fn, BuiltinVariable)
    for name in dir(operator):
        fn = getattr(operator, name)
        if callable(fn) and not isinstance(fn, type):
            add(fn, BuiltinVariable)
    for name in dir(math):
        fn = getattr(math, name)
        if callable(fn):
            add(fn, BuiltinVariable)
    for name in _TORCH_CONSTANT_FNS:
        if hasattr(torch, name):
            add(getattr(torch, name), TorchConstantFunctionVariable)
    for cm in (torch.no_grad, torch.enable_grad, torch.set_grad_enabled):
        add(cm, GradModeClassVariable)
    namespaces = [torch, F, torch._C._nn]
    for ns in namespaces:
        for name, fn in vars(ns).items():
            if name.startswith("_") or name in _TORCH_NOT_OPS or isinstance(fn, (type, types.ModuleType)):
                continue
            if not callable(fn) or id(fn) in rules:
                continue
            if getattr(fn, "_dynamo_inline", False):
                continue  # Python over a binding, as PyTorch's: traced through
            add(fn, TorchInGraphFunctionVariable)
    add(torch._C._set_grad_enabled, TorchInGraphFunctionVariable)
    from torch._dynamo.variables.torch_fns import CheckVariable

    add(torch._check, CheckVariable)
    from torch._dynamo import decorators

    add(decorators.is_compiling, _always_true)
    if hasattr(torch, "compiler"):
        add(torch.compiler.is_compiling, _always_true)
        add(torch.compiler.is_dynamo_compiling, _always_true)
    add(decorators.graph_break, _graph_break)
    import torch.fx.traceback as fx_traceback
    import torch.utils.checkpoint
    from torch._dynamo.variables.higher_order_ops import AnnotateClassVariable, CheckpointHigherOrderVariable

    add(torch.utils.checkpoint.checkpoint, CheckpointHigherOrderVariable)
    add(fx_traceback.annotate, AnnotateClassVariable)
    for fn in decorators._allowed_in_graph.values():
        add(fn, TorchInGraphFunctionVariable)
    return rules


def _graph_break(value, source=None):
    from torch._dynamo.exc import unimplemented
    from torch._dynamo.variables.base import ValueVariable

    class GraphBreakVariable(ValueVariable):
        def call_function(self, tx, args, kwargs):
            shown_args = [a.as_python_constant() if a.is_python_constant() else a for a in args]
            msg = kwargs["msg"].as_python_constant() if "msg" in kwargs else args[0].as_python_constant() if args else None
            unimplemented(
                gb_type="Call to `torch._dynamo.graph_break()`",
                context=f"Called `torch._dynamo.graph_break()` with args `{shown_args}`, kwargs `{kwargs}`",
                explanation=f"User-inserted graph break. Message: {msg}",
                hints=["Remove the `torch._dynamo.graph_break()` call."],
                gb_id="gb0025",
            )

    return GraphBreakVariable(value, source)


def _always_true(value, source=None):
    from torch._dynamo.variables.torch_fns import TorchConstantFunctionVariable

    return TorchConstantFunctionVariable(lambda: True, source)


def lookup(obj):
    """The VariableTracker constructor `maker(value, source=None)` for a known callable, or None."""
    global _rules
    if _rules is None:
        _rules = _build()
    try:
        hit = _rules.get(id(obj))
    except TypeError:
        return None
    if hit is not None and hit[0] is obj:
        return hit[1]
    return None


def is_builtin(obj):
    return getattr(builtins, getattr(obj, "__name__", ""), None) is obj
