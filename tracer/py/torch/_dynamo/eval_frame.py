"""torch.compile's entry points: the wrapper that stands in for a compiled function, the
OptimizedModule around a compiled nn.Module, `optimize` and `disable`.

RustPython has no frame-evaluation hook, so interception happens here, at the call: the wrapper
binds the call's arguments to the function's locals, looks the code object's cache up (guards),
and either runs a cached entry, compiles a new one, or runs the original function.
"""

import functools
import inspect
import types

import torch
from torch._dynamo.types import GuardFail
from torch._dynamo import config, convert_frame
from torch._dynamo.backends.registry import lookup_backend
from torch._dynamo.exc import FailOnRecompileLimitHit

_compiling = [0]


class _Binder:
    """Binds a call's arguments to the frame's locals (parameters, then free variables) as
    CPython would. What the code object says is read once, here: the common call (positional
    arguments only, no defaults used) is one `dict(zip(...))`."""

    __slots__ = ("fn", "code", "nargs", "argnames", "simple", "freevars")

    def __init__(self, fn):
        code = fn.__code__
        self.fn = fn
        self.code = code
        self.nargs = code.co_argcount
        self.argnames = code.co_varnames[:code.co_argcount]
        self.simple = not code.co_flags & 0x0C and not code.co_kwonlyargcount
        self.freevars = code.co_freevars

    def bind(self, args, kwargs):
        """(f_locals, closure cells); TypeError for a bad call, as the call itself raises."""
        if self.simple and not kwargs and len(args) == self.nargs:
            f_locals = dict(zip(self.argnames, args))
        else:
            bound = inspect.signature(self.fn).bind(*args, **kwargs)
            bound.apply_defaults()
            f_locals = dict(bound.arguments)
        closure = {}
        if self.freevars:
            for name, cell in zip(self.freevars, self.fn.__closure__):
                closure[name] = cell
                f_locals[name] = cell.cell_contents
        return f_locals, closure


def _run_with_cache(binder, args, kwargs, backend, fullgraph, guard_fail_fn=None):
    fn = binder.fn
    code = binder.code
    if _compiling[0] or fn.__code__ is not code:
        return fn(*args, **kwargs)
    try:
        f_locals, closure = binder.bind(args, kwargs)
    except (TypeError, ValueError):
        return fn(*args, **kwargs)  # raises the real error
    cache = convert_frame.cache_for(code)
    f_globals = fn.__globals__
    entries = cache.entries
    for i, entry in enumerate(entries):
        if entry.guard_manager.check(f_locals, f_globals):
            if i:
                entries.insert(0, entries.pop(i))
            if entry.run_eagerly:
                return fn(*args, **kwargs)
            return entry.fn(*args, **kwargs)
    if len(entries) >= config.recompile_limit:
        if fullgraph:
            raise FailOnRecompileLimitHit("Hard failure due to fullgraph=True")
        if not cache.limit_warned:
            cache.limit_warned = True
            reason = f"{entries[0].compile_id}: {entries[0].guard_manager.failure_reason(f_locals, f_globals)}"
            convert_frame.warn_limit_hit(code, reason)
        return fn(*args, **kwargs)
    reasons = None
    if entries:
        from torch._dynamo.utils import guard_failures

        reasons = [f"{e.compile_id}: {e.guard_manager.failure_reason(f_locals, f_globals)}" for e in entries]
        guard_failures[code].extend(reasons)
        for e, reason in zip(entries, reasons):
            if e.guard_fail_fn is not None:
                e.guard_fail_fn(GuardFail(reason, code))
    _compiling[0] += 1
    try:
        entry = convert_frame.compile_frame(fn, f_locals, closure, backend, fullgraph, cache, reasons)
    finally:
        _compiling[0] -= 1
    if entry is None:
        return fn(*args, **kwargs)
    entry.guard_fail_fn = guard_fail_fn
    entries.insert(0, entry)
    if entry.run_eagerly:
        return fn(*args, **kwargs)
    return entry.fn(*args, **kwargs)


def wrap_for_backend(fn, backend, fullgraph=False):
    """`fn` called through its code object's cache, compiled with `backend` (a resume function,
    or a function called at a graph break)."""
    binder = _Binder(fn)

    def compile_wrapper(*args, **kwargs):
        return _run_with_cache(binder, args, kwargs, backend, fullgraph)

    compile_wrapper._torchdynamo_orig_callable = fn
    return compile_wrapper


def innermost_fn(fn):
    while hasattr(fn, "_torchdynamo_orig_callable"):
        fn = fn._torchdynamo_orig_callable
    return fn


def _is_builtin_module(mod):
    return type(mod).__module__.startswith("torch.nn.")


def _wrap_inline(fn):
    """The frame PyTorch compiles for a torch.nn module: its locals are `fn` and `args`."""

    def inner(*args, **kwargs):
        return fn(*args, **kwargs)

    return inner


class _TorchDynamoContext:
    def __init__(self, backend, fullgraph=False, options=None, dynamic=None):
        self.backend = backend
        self.fullgraph = fullgraph
        self.options = options
        self.dynamic = dynamic
        self.guard_fail_fn = None

    def __call__(self, fn):
        if isinstance(fn, torch.nn.Module):
            return OptimizedModule(fn, self)
        if isinstance(fn, type):
            raise TypeError("torch.compile of a class is not supported; compile an instance or function")
        if not callable(fn):
            raise RuntimeError(f"torch.compile of a non-callable {type(fn).__name__}")
        return self._wrap_function(fn)

    def _wrap_function(self, fn):
        ctx = self
        target = fn
        bound_self = None
        if isinstance(fn, types.MethodType):
            target, bound_self = fn.__func__, fn.__self__
        if not isinstance(target, types.FunctionType):
            # A builtin or C callable: nothing to trace; call it as is.
            @functools.wraps(fn)
            def passthrough(*args, **kwargs):
                return fn(*args, **kwargs)

            passthrough._torchdynamo_orig_callable = fn
            return passthrough
        if target is torch.nn.Module._call_impl and bound_self is not None:
            return _compiled_call_impl(bound_self, ctx)

        binder = _Binder(target)
        fullgraph = ctx.fullgraph

        if ctx.dynamic is not None:
            # dynamic=True/False is config for the whole call, resume functions included.
            from torch._dynamo.automatic_dynamic import patch_for

            @functools.wraps(fn)
            def compile_wrapper(*args, **kwargs):
                with patch_for(ctx.dynamic):
                    if bound_self is None:
                        return _run_with_cache(binder, args, kwargs, ctx.resolved_backend(), fullgraph, ctx.guard_fail_fn)
                    return _run_with_cache(binder, (bound_self, *args), kwargs, ctx.resolved_backend(), fullgraph,
                                           ctx.guard_fail_fn)
        elif bound_self is None:
            @functools.wraps(fn)
            def compile_wrapper(*args, **kwargs):
                return _run_with_cache(binder, args, kwargs, ctx.resolved_backend(), fullgraph, ctx.guard_fail_fn)
        else:
            @functools.wraps(fn)
            def compile_wrapper(*args, **kwargs):
                return _run_with_cache(binder, (bound_self, *args), kwargs, ctx.resolved_backend(), fullgraph,
                                           ctx.guard_fail_fn)

        compile_wrapper._torchdynamo_orig_callable = fn
        return compile_wrapper

    def resolved_backend(self):
        resolved = self.__dict__.get("_resolved")
        if resolved is None:
            backend = self.backend
            resolved = self._resolved = lookup_backend(backend) if isinstance(backend, str) else backend
        return resolved


def _compiled_call_impl(module, ctx):
    """`module._call_impl`, compiled: hooks run as they would, forward goes through the tracer
    (for torch.nn modules, through the `fn(*args)` frame PyTorch compiles for them)."""
    from torch.nn.modules.module import _has_forward_hooks

    builtin = _is_builtin_module(module)
    forward = ctx._wrap_function(_wrap_inline(module) if builtin else module.forward)

    def call(*args, **kwargs):
        if builtin or not _has_forward_hooks(module):
            return forward(*args, **kwargs)
        module.__dict__["forward"] = forward
        try:
            return module._call_impl(*args, **kwargs)
        finally:
            del module.__dict__["forward"]

    call._torchdynamo_orig_callable = module._call_impl
    return call


class OptimizedModule(torch.nn.Module):
    """What torch.compile returns for an nn.Module: calls run the compiled module; attributes,
    parameters and state_dict are the original's (`_orig_mod`)."""

    _torchdynamo_orig_callable = None

    def __init__(self, mod, dynamo_ctx):
        super().__init__()
        self._orig_mod = mod
        self.dynamo_ctx = dynamo_ctx
        self.__dict__["_compiled"] = _compiled_call_impl(mod, dynamo_ctx)
        self.__dict__["_torchdynamo_orig_callable"] = mod

    def __call__(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        return getattr(self._modules["_orig_mod"], name)

    def __reduce__(self):
        return (self.__class__, (self._orig_mod, self.dynamo_ctx))

    def _get_name(self):
        return "OptimizedModule"


def optimize(backend="inductor", *, nopython=False, guard_export_fn=None, guard_fail_fn=None,
             guard_filter_fn=None, disable=False, dynamic=None, rebuild_ctx=None, package=None):
    """The decorator behind torch.compile: `optimize(backend)(fn)`."""
    if disable:
        return lambda fn: fn
    ctx = _TorchDynamoContext(backend, fullgraph=nopython, dynamic=dynamic)
    ctx.guard_fail_fn = guard_fail_fn
    return ctx


class DisableContext:
    def __call__(self, fn):
        @functools.wraps(fn)
        def disabled(*args, **kwargs):
            return fn(*args, **kwargs)

        disabled._torchdynamo_disable = True
        disabled._torchdynamo_orig_callable = fn
        return disabled


def disable(fn=None, recursive=True, *, reason=None, wrapping=True):
    """Runs `fn` eagerly, never compiled (decorator or call)."""
    if fn is None:
        return DisableContext()
    if isinstance(fn, torch.nn.Module):
        mod = fn
        mod._compiled_call_impl = None
        return mod
    return DisableContext()(fn)
