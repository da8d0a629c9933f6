"""Symbolic tracing: run a function or module's forward on `Proxy` inputs and record a `Graph`.

How torch functions see proxies: PyTorch routes `torch.cos(proxy)` to the proxy through the
`__torch_function__` protocol, which smelt does not have. Instead, for the duration of a trace
(and of `Transformer.transform`), the public functions of `torch`, `torch.nn.functional` (and
`torch._C._nn` when present) are replaced by wrappers that record a `call_function` node --
targeting the original function -- whenever any argument (searched through nested tuples,
lists, dicts and slices) is a proxy, and otherwise just call the original. Recorded arguments
are laid out the way PyTorch's own Python functions hand them over (see
`_torch_function_args`). Names in the traced code's globals bound to those functions
(`from torch import cos`) are wrapped too. Likewise the Python-level methods and operators of
`torch.Tensor` record a `call_method` node when given a proxy (`const_tensor + proxy` gives
`const.add(x)`, with PyTorch's method names for the operators). Everything is put back when
tracing ends, also when it fails. Outside those windows torch functions do not accept proxies
(operators and methods on a proxy itself always work).
"""

import builtins
import collections
import contextlib
import copy
import functools
import inspect
import math
import types
import warnings

import torch
from torch.fx import _torch_function_args
from torch.fx._torch_function_args import recorded_arguments
from torch.fx.graph import Graph
from torch.fx.graph_module import _make_graph_module
from torch.fx.node import _side_effectful_functions, map_aggregate
from torch.fx.proxy import ParameterProxy, Proxy, Scope, ScopeContextManager, TracerBase, base_types

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH", "PHBase", "is_fx_tracing"]

HAS_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS

_orig_module_call = torch.nn.Module.__call__
_orig_module_getattr = torch.nn.Module.__getattr__

_is_fx_tracing_flag = [False]


def is_fx_tracing():
    return _is_fx_tracing_flag[0]


def is_fx_symbolic_tracing():
    return _is_fx_tracing_flag[0]


class PHBase:
    """Marks an input in `concrete_args` that should stay a graph input."""

    def __repr__(self):
        return "PH"


PH = PHBase()


def _patch_function(fn, nargs):
    """A copy of `fn` whose *args/**kwargs slots become plain positional parameters."""
    co = fn.__code__
    new_code = co.replace(
        co_argcount=nargs,
        co_posonlyargcount=0,
        co_kwonlyargcount=0,
        co_flags=co.co_flags & ~HAS_VARSTUFF,
    )
    return types.FunctionType(new_code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def _assert_is_none(value, msg):
    assert value is None, msg


class Tracer(TracerBase):
    """Records a `Graph` from a module or function (`trace`). Subclass to change what counts
    as a leaf module (`is_leaf_module`), how values become node arguments (`create_arg`), or
    how module calls and attribute reads are recorded (`call_module`, `getattr`)."""

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant=False):
        super().__init__()
        self._autowrap_function_ids = {
            id(value)
            for m in autowrap_modules
            for name, value in m.__dict__.items()
            if not name.startswith("_") and callable(value)
        }
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self._autowrap_search = list(autowrap_modules)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths = None
        self.root_module_name = ""
        self.scope = Scope("", None)
        self.module_stack = collections.OrderedDict()
        self.num_calls = {}
        self.node_name_to_scope = {}

    _qualname_counter = collections.defaultdict(int)

    def get_fresh_qualname(self, prefix):
        """`prefix` + the first number not already an attribute of the root."""
        qualname = f"{prefix}0"
        if not hasattr(self.root, qualname):
            self._qualname_counter[prefix] = 0
            return qualname
        i = self._qualname_counter[prefix]
        while True:
            qualname = f"{prefix}{i}"
            i += 1
            if not hasattr(self.root, qualname):
                break
        self._qualname_counter[prefix] = i
        return qualname

    def create_arg(self, a):
        """Parameters, buffers and submodules of the root become `get_attr` nodes; other
        tensors are stored on the root as `_tensor_constant<N>` and fetched the same way."""
        if isinstance(a, torch.nn.Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, torch.Tensor):
            for n, p in self.root.named_buffers():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
        elif isinstance(a, torch.nn.Module):
            for n, p in self.root.named_modules():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            args = tuple(self.create_arg(e) for e in a)
            return self.create_node("call_function", a.__class__, args, {})
        if isinstance(a, torch.Tensor):
            qualname = None
            for t, name in self.tensor_attrs.items():
                if t is a:
                    qualname = name
                    break
            if not qualname:
                qualname = self.get_fresh_qualname("_tensor_constant")
                self.tensor_attrs[a] = qualname
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        return super().create_arg(a)

    def is_leaf_module(self, m, module_qualified_name):
        """Modules from torch.nn (except Sequential) are recorded as `call_module` instead of
        being traced through."""
        module = type(m).__module__
        return (module.startswith("torch.nn") or module.startswith("torch.ao.nn")) and not isinstance(
            m, torch.nn.Sequential
        )

    def path_of_module(self, mod):
        """The dotted path of `mod` inside the root module."""
        if self.submodule_paths:
            path = self.submodule_paths.get(mod)
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError("module is not installed as a submodule")

    def call_module(self, m, forward, args, kwargs):
        """A leaf module call becomes a `call_module` node; others are traced through."""
        path = self.path_of_module(m)
        with ScopeContextManager(self.scope, Scope(path, type(m))) as scope:
            num_calls = self.num_calls.get(path, 0)
            module_key = f"{scope.module_path}@{num_calls}" if num_calls > 0 else scope.module_path
            self.module_stack[module_key] = (path, scope.module_type)
            self.num_calls[path] = num_calls + 1
            if not self.is_leaf_module(m, path):
                result = forward(*args, **kwargs)
            else:
                result = self.create_proxy("call_module", path, args, kwargs)
            key, _ = self.module_stack.popitem(last=True)
            if key != module_key:
                raise AssertionError(f"Unexpected key {key}, expected {module_key}")
        return result

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        """A parameter read inside forward becomes a (cached) `get_attr` proxy."""

        def proxy_for(collection):
            for n, p in collection:
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        factory = None
                        if self.param_shapes_constant:
                            factory = lambda node: ParameterProxy(self, node, n, attr_val)  # noqa: E731
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {}, proxy_factory_fn=factory)
                    return parameter_proxy_cache[n]
            return None

        if isinstance(attr_val, torch.nn.Parameter):
            found = proxy_for(self.root.named_parameters())
            if found is not None:
                return found
        if self.proxy_buffer_attributes and isinstance(attr_val, torch.Tensor):
            found = proxy_for(self.root.named_buffers())
            if found is not None:
                return found
        return attr_val

    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        """Placeholders for the parameters of `root_fn` (after `self` for a module)."""
        fn = inspect.unwrap(root_fn)
        co = fn.__code__
        total_args = co.co_argcount + co.co_kwonlyargcount
        names_iter = iter(co.co_varnames)
        args = []
        skip = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            skip = 1
            next(names_iter)
            args.append(self.root)
        sig = inspect.signature(fn)

        if isinstance(concrete_args, tuple) and len(concrete_args) > 0 and (co.co_flags & HAS_VARSTUFF) and total_args == 1:
            for i, _ in enumerate(concrete_args):
                args.append(self.create_proxy("placeholder", f"input_{i}", (), {}))
            return root_fn, args

        arg_names = [next(names_iter) for _ in range(skip, total_args)]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(
                    f"Tracing expected {len(arg_names)} arguments but got {len(concrete_args)} concrete arguments"
                )
            concrete_args = dict(zip(arg_names, concrete_args))

        args.extend(self._proxy_placeholder(name, concrete_args, sig, fn) for name in arg_names)
        if co.co_kwonlyargcount > 0 or co.co_flags & HAS_VARSTUFF:
            if co.co_flags & inspect.CO_VARARGS:
                args.append(self._proxy_placeholder("*" + next(names_iter), concrete_args, sig, fn))
            if co.co_flags & inspect.CO_VARKEYWORDS:
                args.append(self._proxy_placeholder("**" + next(names_iter), concrete_args, sig, fn))
            root_fn = _patch_function(root_fn, len(args))
        return root_fn, args

    def _proxy_placeholder(self, name, concrete_args, sig, fn):
        if concrete_args is not None and name in concrete_args:
            value = concrete_args[name]
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
            out = self.create_proxy("placeholder", f"{name}_1", default, {})
            if isinstance(value, PHBase):
                return out
            if type(value) is bool or (type(value) in base_types and type(value) is not torch.Tensor):
                check = getattr(torch, "_assert", None) or _assert
                self.create_proxy(
                    "call_function",
                    check,
                    (out == value, f"{name} has been specialized to have value {value} but got another value"),
                    {},
                )
            elif value is None:
                msg = f"{name} has been specialized to have value None but got another value"
                self.create_proxy("call_function", _assert_is_none, (out, msg), {})
            else:
                warnings.warn(
                    f"Was not able to add assertion to guarantee correct input {name} to "
                    f"specialized function. It is up to the user to make sure that your inputs match the "
                    f"inputs you specialized the function with."
                )
            return value
        if name[0] == "*":
            default = ()
        else:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
        return self.create_proxy(
            "placeholder", name, default, {}, type_expr=getattr(fn, "__annotations__", {}).get(name, None)
        )

    def trace(self, root, concrete_args=None):
        """Traces `root` (a module's forward, or a function) and returns the `Graph`.
        For a function, `self.root` becomes a fresh `nn.Module` holding any constants."""
        previous_flag = _is_fx_tracing_flag[0]
        _is_fx_tracing_flag[0] = True
        try:
            if isinstance(root, torch.nn.Module):
                self.root = root
                if not hasattr(type(root), self.traced_func_name):
                    raise AssertionError(
                        f"traced_func_name={self.traced_func_name} doesn't exist in {type(root).__name__}"
                    )
                fn = getattr(type(root), self.traced_func_name)
                self.root_module_name = root._get_name()
                self.submodule_paths = {mod: name for name, mod in root.named_modules()}
            else:
                self.root = torch.nn.Module()
                fn = root

            self.graph = Graph(tracer_cls=getattr(self, "__class__", None))
            if hasattr(fn, "__code__"):
                code = fn.__code__
                self.graph._co_fields = {
                    "co_name": code.co_name,
                    "co_filename": code.co_filename,
                    "co_firstlineno": code.co_firstlineno,
                }

            self.tensor_attrs = {}

            def collect_tensor_attrs(m, prefix):
                for k, v in m.__dict__.items():
                    if isinstance(v, torch.Tensor):
                        self.tensor_attrs[v] = ".".join(prefix + [k])
                for k, v in m.named_children():
                    collect_tensor_attrs(v, prefix + [k])

            collect_tensor_attrs(self.root, [])

            if not isinstance(fn, types.FunctionType):
                raise AssertionError(f"Expected FunctionType, got {type(fn)}")
            fn_globals = fn.__globals__
            fn, args = self.create_args_for_root(fn, isinstance(root, torch.nn.Module), concrete_args)

            parameter_proxy_cache = {}

            def module_getattr_wrapper(mod, attr):
                value = _orig_module_getattr(mod, attr)
                return self.getattr(attr, value, parameter_proxy_cache)

            def module_call_wrapper(mod, *args, **kwargs):
                def forward(*args, **kwargs):
                    return _orig_module_call(mod, *args, **kwargs)

                fwd_globals = getattr(getattr(mod, "forward", mod), "__globals__", None)
                if fwd_globals is not None:
                    _autowrap_check(patcher, fwd_globals, self._autowrap_function_ids)
                    _wrap_torch_aliases(patcher, fwd_globals)
                return self.call_module(mod, forward, args, kwargs)

            with _new_patcher() as patcher:
                patcher.patch_method(torch.nn.Module, "__getattr__", module_getattr_wrapper, deduplicate=False)
                patcher.patch_method(torch.nn.Module, "__call__", module_call_wrapper, deduplicate=False)
                _patch_torch_functions(patcher)
                _patch_tensor_methods(patcher)
                _patch_wrapped_functions(patcher)
                _autowrap_check(patcher, fn_globals, self._autowrap_function_ids)
                _wrap_torch_aliases(patcher, fn_globals)
                for module in self._autowrap_search:
                    _autowrap_check(patcher, module.__dict__, self._autowrap_function_ids)
                annotations = getattr(inspect.unwrap(fn), "__annotations__", None) or {}
                self.create_node(
                    "output",
                    "output",
                    (self.create_arg(fn(*args)),),
                    {},
                    type_expr=annotations.get("return", None),
                )
            self.submodule_paths = None
        finally:
            _is_fx_tracing_flag[0] = previous_flag
        return self.graph

    def __deepcopy__(self, memo):
        new = Tracer.__new__(Tracer)
        for k, v in self.__dict__.items():
            new.__dict__[k] = copy.copy(v) if k == "_autowrap_search" else copy.deepcopy(v, memo)
        return new


def _assert(condition, message):
    # Stands in for `torch._assert` (checks of specialised concrete_args) while smelt's torch
    # lacks it; same node name, but the target prints as torch.fx._symbolic_trace._assert.
    assert condition, message


_side_effectful_functions.add(_assert)


# --- patching -----------------------------------------------------------------------------------
class _Patch:
    def __init__(self, kind, owner, name, orig, new):
        # "item": a dict entry; "del": a dict entry that did not exist before; "attr": an
        # attribute; "delattr": a class attribute that was inherited before.
        self.kind = kind
        self.owner = owner
        self.name = name
        self.orig = orig
        self.new = new

    def patch(self):
        if self.kind in ("attr", "delattr"):
            setattr(self.owner, self.name, self.new)
        else:
            self.owner[self.name] = self.new

    def revert(self):
        if self.kind == "attr":
            setattr(self.owner, self.name, self.orig)
        elif self.kind == "delattr":
            delattr(self.owner, self.name)
        elif self.kind == "del":
            del self.owner[self.name]
        else:
            self.owner[self.name] = self.orig


class _Patcher:
    """Replaces names for the duration of a trace and restores them all on exit."""

    def __init__(self):
        self.patches_made = []
        self.visited = set()

    def patch(self, frame_dict, name, new_fn, deduplicate=True):
        new_fn.__fx_already_patched = deduplicate
        if name not in frame_dict and hasattr(builtins, name):
            self.patches_made.append(_Patch("del", frame_dict, name, None, new_fn))
        elif getattr(frame_dict[name], "__fx_already_patched", False):
            return
        else:
            self.patches_made.append(_Patch("item", frame_dict, name, frame_dict[name], new_fn))
        self.patches_made[-1].patch()

    def patch_attr(self, owner, name, new_fn):
        if isinstance(owner, type) and name not in vars(owner):
            # Inherited: shadow it on `owner`, and remove the shadow afterwards.
            self.patches_made.append(_Patch("delattr", owner, name, None, new_fn))
        else:
            # A class keeps its raw attribute (a staticmethod stays one when put back).
            orig = vars(owner)[name] if isinstance(owner, type) else getattr(owner, name)
            self.patches_made.append(_Patch("attr", owner, name, orig, new_fn))
        self.patches_made[-1].patch()

    def patch_method(self, cls, name, new_fn, deduplicate=True):
        new_fn.__fx_already_patched = deduplicate
        orig = getattr(cls, name)
        if getattr(orig, "__fx_already_patched", False):
            return
        if name in vars(cls):
            self.patches_made.append(_Patch("attr", cls, name, vars(cls)[name], new_fn))
        else:
            self.patches_made.append(_Patch("delattr", cls, name, None, new_fn))
        self.patches_made[-1].patch()

    def visit_once(self, thing):
        key = thing if isinstance(thing, tuple) else id(thing)
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def revert_all_patches(self):
        for p in self.patches_made:
            p.revert()
        return self.patches_made

    def reapply_all_patches(self):
        for p in self.patches_made:
            p.patch()
        return self.patches_made

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        while self.patches_made:
            self.patches_made.pop().revert()
        self.visited.clear()


CURRENT_PATCHER = None


@contextlib.contextmanager
def _new_patcher():
    global CURRENT_PATCHER
    prior = CURRENT_PATCHER
    patcher = _Patcher()
    try:
        CURRENT_PATCHER = patcher
        yield patcher
    finally:
        # Reverses in the opposite order of patching, so doubly patched names end up original.
        while patcher.patches_made:
            patcher.patches_made.pop().revert()
        CURRENT_PATCHER = prior


@contextlib.contextmanager
def _maybe_revert_all_patches():
    current = CURRENT_PATCHER
    try:
        if current is not None:
            current.revert_all_patches()
        yield
    finally:
        if current is not None:
            current.reapply_all_patches()


def _find_proxy(*objects):
    found = []

    def look(x):
        if isinstance(x, Proxy):
            found.append(x)
        return x

    map_aggregate(objects, look)
    return found[0] if found else None


# Functions that must see a proxy as the plain object it is rather than record a call.
_NOT_RECORDED = {"is_tensor", "is_storage", "typename", "is_grad_enabled", "is_inference_mode_enabled"}
# torch.nn.functional functions PyTorch writes as plain Tensor code (`input.sigmoid()`): they
# run on the proxy, so the methods they call are what gets recorded.
_TRACED_THROUGH = {
    "torch.nn.functional": {"sigmoid", "tanh", "upsample", "upsample_bilinear", "upsample_nearest"},
}

def _proxy_aware(orig, on_proxy):
    """`orig`, except that a call with a proxy among its arguments goes to
    `on_proxy(proxy, args, kwargs)`."""

    def wrapped(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            return on_proxy(proxy, args, kwargs)
        return orig(*args, **kwargs)

    try:
        functools.update_wrapper(wrapped, orig)
    except (AttributeError, TypeError):
        pass
    wrapped._fx_original = orig
    return wrapped


def _make_torch_wrapper(orig, spec=None):
    def record(proxy, args, kwargs):
        args, kwargs = recorded_arguments(orig, spec, args, kwargs)
        return type(proxy).__torch_function__(orig, (), args, kwargs)

    return _proxy_aware(orig, record)


_ARGUMENT_LAYOUTS = {
    "torch": _torch_function_args.TORCH,
    "torch.nn.functional": _torch_function_args.TORCH_NN_FUNCTIONAL,
}


def _torch_namespaces():
    spaces = [torch, torch.nn.functional]
    c_nn = getattr(getattr(torch, "_C", None), "_nn", None)
    if isinstance(c_nn, types.ModuleType):
        spaces.append(c_nn)
    return spaces


def _is_recordable(name, value):
    if name.startswith("_") or name in _NOT_RECORDED or isinstance(value, type):
        return False
    if not isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        return False
    if hasattr(value, "_fx_original"):
        return False  # already wrapped by an enclosing trace
    return (getattr(value, "__module__", None) or "").startswith("torch")


def _patch_torch_functions(patcher):
    # id(original function) -> its wrapper, also used to wrap aliases in module globals.
    wrappers = patcher.torch_wrappers = {}
    for space in _torch_namespaces():
        specs = _ARGUMENT_LAYOUTS.get(space.__name__, {})
        through = _TRACED_THROUGH.get(space.__name__, ())
        for name, value in list(vars(space).items()):
            if name in through or not _is_recordable(name, value):
                continue
            wrapper = wrappers.get(id(value))
            if wrapper is None:
                wrapper = wrappers[id(value)] = _make_torch_wrapper(value, specs.get(name))
            patcher.patch_attr(space, name, wrapper)


# The method PyTorch records for a Tensor operator whose other operand is a proxy.
_TENSOR_OPERATOR_METHODS = {
    "__add__": "add",
    "__sub__": "sub",
    "__mul__": "mul",
    "__truediv__": "div",
    "__floordiv__": "__floordiv__",
    "__mod__": "remainder",
    "__pow__": "pow",
    "__matmul__": "matmul",
    "__eq__": "eq",
    "__ne__": "ne",
    "__lt__": "lt",
    "__le__": "le",
    "__gt__": "gt",
    "__ge__": "ge",
    "__and__": "__and__",
    "__or__": "__or__",
    "__xor__": "__xor__",
    "__lshift__": "__lshift__",
    "__rshift__": "__rshift__",
    "__getitem__": "__getitem__",
    "__setitem__": "__setitem__",
}


def _make_tensor_method_wrapper(orig, method_name):
    return _proxy_aware(
        orig, lambda proxy, args, kwargs: proxy.tracer.create_proxy("call_method", method_name, args, kwargs))


def _patch_tensor_methods(patcher):
    cls = torch.Tensor
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or not isinstance(value, types.FunctionType) or hasattr(value, "_fx_original"):
            continue
        patcher.patch_attr(cls, name, _make_tensor_method_wrapper(value, name))
    for name, method in _TENSOR_OPERATOR_METHODS.items():
        orig = getattr(cls, name, None)
        if orig is not None and not hasattr(orig, "_fx_original"):
            patcher.patch_attr(cls, name, _make_tensor_method_wrapper(orig, method))


@contextlib.contextmanager
def _recording_torch_calls():
    """Makes torch functions and Tensor methods record calls on proxies (see the module
    docstring) for the duration of a `with` block, e.g. while a Transformer runs."""
    with _new_patcher() as patcher:
        _patch_torch_functions(patcher)
        _patch_tensor_methods(patcher)
        yield patcher


def _wrap_torch_aliases(patcher, frame_dict):
    """Wraps names in a module's globals that are bound directly to torch functions."""
    if not patcher.visit_once(("torch-aliases", id(frame_dict))):
        return
    wrappers = getattr(patcher, "torch_wrappers", {})
    for name, value in list(frame_dict.items()):
        wrapper = wrappers.get(id(value))
        if wrapper is not None and getattr(wrapper, "_fx_original", None) is value:
            patcher.patch(frame_dict, name, wrapper, deduplicate=False)


# (id(globals), name) -> globals, for functions registered with `wrap`.
_wrapped_fns_to_patch = {}
_wrapped_methods_to_patch = []


def _create_wrapped_func(orig_fn):
    @functools.wraps(orig_fn)
    def wrapped(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            result = proxy.tracer.create_proxy("call_function", orig_fn, args, kwargs)
            result.node.meta["is_wrapped"] = True
            return result
        return orig_fn(*args, **kwargs)

    return wrapped


def _create_wrapped_method(cls, name):
    orig_fn = getattr(cls, name)

    @functools.wraps(orig_fn)
    def wrapped(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            return proxy.tracer.create_proxy("call_method", name, args, kwargs)
        return orig_fn(*args, **kwargs)

    return wrapped


def _patch_wrapped_functions(patcher):
    for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
        if name not in frame_dict and hasattr(builtins, name):
            orig_fn = getattr(builtins, name)
        else:
            orig_fn = frame_dict[name]
        patcher.patch(frame_dict, name, _create_wrapped_func(orig_fn))
    for cls, name in _wrapped_methods_to_patch:
        patcher.patch_method(cls, name, _create_wrapped_method(cls, name))


def _autowrap_check(patcher, frame_dict, function_ids):
    """Wraps, in `frame_dict`, functions such as `math.sqrt` that are always recorded as calls."""
    if patcher.visit_once(frame_dict):
        for name, value in list(frame_dict.items()):
            if not name.startswith("_") and callable(value) and id(value) in function_ids:
                patcher.patch(frame_dict, name, _create_wrapped_func(value))


def wrap(fn_or_name):
    """Called at module level (or as a decorator) to make a global function a leaf: calls to
    it with proxy arguments are recorded as `call_function` nodes instead of traced through."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    fn_name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.__name__
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    try:
        if caller is None:
            raise AssertionError("inspect.currentframe() returned None")
        if caller.f_code.co_name != "<module>":
            raise NotImplementedError("wrap must be called at the top level of a module")
        _wrapped_fns_to_patch[(id(caller.f_globals), fn_name)] = caller.f_globals
    finally:
        del frame, caller
    return fn_or_name


def symbolic_trace(root, concrete_args=None):
    """Traces a module or function into a `GraphModule` named after the module's class (or
    the function)."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = root.__class__.__name__ if isinstance(root, torch.nn.Module) else root.__name__
    return _make_graph_module(tracer.root, graph, name)


_wrapped_fns_to_patch[(id(globals()), "_assert_is_none")] = globals()
