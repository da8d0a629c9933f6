"""`Proxy`: the stand-in value that flows through a function during symbolic tracing.

Every operation on a proxy (operators, attribute access, method calls, and -- through the
tracer's patching -- torch functions) records a node in the tracer's graph and returns a new
proxy for the result.
"""

import collections
import copy
import dis
import enum
import inspect
import operator
import sys
import traceback

import torch
from torch.fx.graph import magic_methods, reflectable_magic_methods
from torch.fx.node import map_aggregate, map_arg

__all__ = [
    "TracerBase",
    "GraphAppendingTracer",
    "TraceError",
    "Proxy",
    "Attribute",
    "ParameterProxy",
    "Scope",
    "ScopeContextManager",
]


def _base_types():
    names = ("dtype", "Tensor", "device", "memory_format", "layout", "SymInt", "SymBool", "SymFloat")
    extra = tuple(t for t in (getattr(torch, n, None) for n in names) if isinstance(t, type))
    return (str, int, float, bool, complex) + extra


base_types = _base_types()


class Scope:
    """The module path and type of the module whose forward is being traced."""

    def __init__(self, module_path, module_type):
        self.module_path = module_path
        self.module_type = module_type


class ScopeContextManager:
    """Sets `scope` to `current_scope` for the duration of a `with` block."""

    def __init__(self, scope, current_scope):
        self._prev_scope = copy.copy(scope)
        scope.module_path = current_scope.module_path
        scope.module_type = current_scope.module_type
        self._scope = scope

    def __enter__(self):
        return self._scope

    def __exit__(self, *args):
        self._scope.module_path = self._prev_scope.module_path
        self._scope.module_type = self._prev_scope.module_type


class TraceError(ValueError):
    pass


class TracerBase:
    graph = None
    record_stack_traces = False
    check_mutable_operations = False
    trace_asserts = False
    proxy_buffer_attributes = False
    traced_func_name = "forward"

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        """Adds a node to the graph; override to check or alter what gets recorded."""
        node = self.graph.create_node(kind, target, args, kwargs, name, type_expr)
        self.node_name_to_scope[node.name] = (self.scope.module_path, self.scope.module_type)
        if self.module_stack:
            node.meta["nn_module_stack"] = copy.copy(self.module_stack)
        if self.record_stack_traces and not node.stack_trace:
            # The user's frames from the first `forward` on, without the tracer's own.
            frames = traceback.extract_stack()
            fx_files = _fx_source_files()
            for i, frame in enumerate(frames):
                if frame.name == "forward":
                    user = [f for f in frames[i:] if f.filename not in fx_files]
                    if user:
                        node.stack_trace = "".join(traceback.format_list(user)).strip()
                    break
        return node

    def proxy(self, node):
        return Proxy(node, self)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None, proxy_factory_fn=None):
        """Records a node for `target` applied to `args`/`kwargs` (lowered by `create_arg`)
        and returns a proxy for it."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        if not isinstance(args_, tuple):
            raise AssertionError(f"Expected args_ to be tuple, got {type(args_)}")
        if not isinstance(kwargs_, dict):
            raise AssertionError(f"Expected kwargs_ to be dict, got {type(kwargs_)}")
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return proxy_factory_fn(node) if proxy_factory_fn else self.proxy(node)

    def create_arg(self, a):
        """Lowers a value seen during tracing into something a node can hold: proxies become
        their nodes, containers are rebuilt, constants stay as they are."""
        if isinstance(a, Proxy):
            return a.node
        if hasattr(a, "__fx_create_arg__"):
            return a.__fx_create_arg__(self)
        if isinstance(a, tuple):
            items = [self.create_arg(e) for e in a]
            if hasattr(a, "_fields"):
                return type(a)(*items)
            return tuple(items) if type(a) is tuple else type(a)(items)
        if isinstance(a, list):
            return [self.create_arg(e) for e in a]
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                if not isinstance(k, str):
                    k = self.create_arg(k)
                    map_arg(k, _no_nodes_error)
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(getattr(a, "_fx_qualified_name", None), str):
            return a
        if isinstance(a, base_types + (enum.Enum,)) or a is None or a is ...:
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def to_bool(self, obj):
        """Called when a proxy is used as a condition; tracing cannot know its value."""
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj):
        """Called when a proxy is iterated."""
        raise TraceError(
            "Proxy object cannot be iterated. This can be "
            "attempted when the Proxy is used in a loop or"
            " as a *args or **kwargs function argument. "
            "See the torch.fx docs on pytorch.org for a "
            "more detailed explanation of what types of "
            "control flow can be traced, and check out the"
            " Proxy docstring for help troubleshooting "
            "Proxy iteration errors"
        )

    def keys(self, obj):
        """Called for `proxy.keys()` (as `**proxy` does)."""
        return Attribute(obj, "keys")()


def _no_nodes_error(arg):
    raise RuntimeError(f"Keys for dictionaries used as an argument cannot contain a Node. Got key: {arg}")


_fx_files_cache = []


def _fx_source_files():
    """The file names of torch.fx's own code (paths from source, module names when frozen)."""
    if not _fx_files_cache:
        import torch.fx._symbolic_trace
        import torch.fx.graph
        import torch.fx.graph_module
        import torch.fx.interpreter
        import torch.fx.node

        files = set()
        for module in (sys.modules[__name__], torch.fx._symbolic_trace, torch.fx.graph, torch.fx.graph_module,
                       torch.fx.interpreter, torch.fx.node):
            for value in list(vars(module).values()) + [
                m for cls in vars(module).values() if isinstance(cls, type) for m in vars(cls).values()
            ]:
                code = getattr(value, "__code__", None)
                if code is not None:
                    files.add(code.co_filename)
        _fx_files_cache.append(files)
    return _fx_files_cache[0]


class GraphAppendingTracer(TracerBase):
    """A tracer that just appends to an existing graph (used for proxies built by hand)."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.scope = Scope("", None)
        self.module_stack = collections.OrderedDict()
        self.node_name_to_scope = {}


def assert_fn(x):
    assert x


def _unpack_count(frame):
    """If the instruction running in `frame` unpacks a sequence, how many values it wants."""
    # The running instruction is the last one starting at or before f_lasti (interpreters
    # differ in whether f_lasti points at the instruction or just past it).
    try:
        current = None
        for inst in dis.get_instructions(frame.f_code):
            if inst.offset > frame.f_lasti:
                break
            current = inst
        if current is not None and current.opname == "UNPACK_SEQUENCE":
            return current.argval
    except Exception:
        pass
    return None


class Proxy:
    """Wraps a `Node` during tracing; operations on it are recorded as new nodes.

    Proxies cannot be iterated or used as conditions, since their values are unknown.
    """

    def __init__(self, node, tracer=None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node

    def __repr__(self):
        return f"Proxy({self.node.name})"

    def __getattr__(self, k):
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)
        return Attribute(self, k)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d

    def __deepcopy__(self, memo):
        new = {}
        for k, v in self.__dict__.items():
            try:
                new[k] = copy.deepcopy(v, memo)
            except Exception:
                new[k] = copy.copy(v)
        proxy = Proxy(new["node"], new["tracer"])
        proxy.__dict__.update(new)
        return proxy

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        count = _unpack_count(caller) if caller is not None else None
        if count is not None:
            return (self[i] for i in range(count))
        return self.tracer.iter(self)

    def __abs__(self):
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self):
        return self.tracer.to_bool(self)

    def keys(self):
        return self.tracer.keys(self)

    def __len__(self):
        raise RuntimeError(
            "'len' is not supported in symbolic tracing by default. If you want "
            "this call to be recorded, please call torch.fx.wrap('len') at "
            "module scope"
        )

    @classmethod
    def __torch_function__(cls, orig_method, types, args=None, kwargs=None):
        args = args if args else ()
        kwargs = kwargs if kwargs else {}
        tracers = {}

        def find_tracer(a):
            if isinstance(a, cls):
                tracers[a.tracer] = None
            return a

        map_aggregate(args, find_tracer)
        map_aggregate(kwargs, find_tracer)
        if len(tracers) > 1:
            raise RuntimeError(
                f"Found multiple different tracers {list(tracers.keys())} while "
                f"trying to trace operations {orig_method}"
            )
        tracer = next(iter(tracers))
        return tracer.create_proxy(
            "call_function", orig_method, args, kwargs, name=tracer.graph._target_to_str(orig_method.__name__)
        )


class Attribute(Proxy):
    """`proxy.attr`: becomes a `getattr` node if used as a value, or a `call_method` node
    if called."""

    def __init__(self, root, attr):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self):
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr, (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)

    def __repr__(self):
        # RustPython calls repr() on the callee of every `f(**kwargs)` call; going through
        # `self.node` here would record a stray getattr node, so an unrecorded attribute is
        # described without recording it.
        if self._node is None:
            return f"Attribute({self.root!r}.{self.attr})"
        return f"Proxy({self._node.name})"


class ParameterProxy(Proxy):
    """A proxy for a module parameter whose shape queries answer from the real parameter."""

    def __init__(self, tracer, node, name, param):
        super().__init__(node, tracer)
        if not isinstance(param, torch.nn.Parameter):
            raise AssertionError(f"Expected Parameter, got {type(param)}")
        self.param = param
        self.name = name

    def __repr__(self):
        return f"ParameterProxy({self.name})"

    @property
    def shape(self):
        return self.param.shape

    def size(self):
        return self.param.size()

    def dim(self):
        return self.param.dim()

    @property
    def ndim(self):
        return self.param.ndim

    def numel(self):
        return self.param.numel()

    def nelement(self):
        return self.param.nelement()


def _define_magic(method):
    def impl(*args, **kwargs):
        target = getattr(operator, method)
        return args[0].tracer.create_proxy("call_function", target, args, kwargs)

    impl.__name__ = method
    setattr(Proxy, f"__{method.strip('_')}__", impl)


def _define_reflected(method):
    name = f"__r{method.strip('_')}__"

    def impl(self, lhs):
        target = getattr(operator, method)
        return self.tracer.create_proxy("call_function", target, (lhs, self), {})

    impl.__name__ = name
    impl.__qualname__ = name
    setattr(Proxy, name, impl)


for _method in magic_methods:
    _define_magic(_method)
for _method in reflectable_magic_methods:
    _define_reflected(_method)
del _method
