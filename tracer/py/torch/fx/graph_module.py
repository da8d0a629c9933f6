"""`torch.fx.GraphModule`: an `nn.Module` whose `forward` is generated from a `Graph`.

Each instance gets a class of its own (so `forward`, set on the class by `recompile`, and the
class name are per instance). The generated source is compiled under a file name of the form
`<eval_with_key>.N` and registered with `linecache`, so tracebacks through generated code show
its lines.
"""

import copy
import itertools
import linecache
import sys
import traceback
import weakref

import torch
from torch.fx.graph import Graph, _custom_builtins, _is_from_torch

__all__ = ["GraphModule", "reduce_graph_module"]

_USER_PRESERVED_ATTRIBUTES_KEY = "_user_preserved_attributes"


class _SourceCache:
    """Numbers generated sources and makes their text available to `linecache` for as long as
    the code compiled from them lives (`forget` runs when it is collected), so recompiling
    again and again does not pile up sources."""

    def __init__(self):
        self.sources = {}
        self.next_id = 0

    def cache(self, src, co_fields=None):
        key = f"<eval_with_key>.{self.next_id}"
        self.next_id += 1
        if co_fields:
            if "co_filename" in co_fields:
                if "co_firstlineno" not in co_fields or "co_name" not in co_fields:
                    key = co_fields["co_filename"]
                else:
                    key += f" from {co_fields['co_filename']}:{co_fields['co_firstlineno']} in {co_fields['co_name']}"
        self.sources[key] = src
        # A None mtime marks the entry as not backed by a file, so checkcache keeps it.
        linecache.cache[key] = (len(src), None, src.splitlines(True), key)
        return key

    def get_source(self, module_name):
        return self.sources.get(module_name)

    def forget(self, key):
        self.sources.pop(key, None)
        linecache.cache.pop(key, None)


_loader = _SourceCache()


def _exec_with_source(src, globals, co_fields=None):
    key = _loader.cache(src, co_fields)
    exec(compile(src, key, "exec", dont_inherit=True), globals)
    return key


def _method_from_src(method_name, src, globals, co_fields=None):
    scope = dict(globals)
    key = _exec_with_source(src, scope, co_fields)
    method = scope[method_name]
    weakref.finalize(method, _loader.forget, key)
    return method


def _forward_from_src(src, globals, co_fields=None):
    return _method_from_src("forward", src, globals, co_fields)


def _format_import_statement(name, obj):
    if name in _custom_builtins:
        return _custom_builtins[name].import_str
    if _is_from_torch(name):
        return "import torch"
    module = getattr(obj, "__module__", None) or "__main__"
    return f"from {module} import {getattr(obj, '__name__', name)} as {name}"


def _format_import_block(globals):
    return "\n".join(sorted({_format_import_statement(name, obj) for name, obj in globals.items()}))


def reduce_graph_module(body, import_block):
    fn_src = body.get("_code") or body["code"]
    forward = _forward_from_src(import_block + fn_src, {})
    return _deserialize_graph_module(forward, body)


class _CodeOnlyModule(torch.nn.Module):
    def __init__(self, body):
        super().__init__()
        self.__dict__ = body


def _deserialize_graph_module(forward, body, graph_module_cls=None):
    _CodeOnlyModule.forward = forward
    from torch.fx._symbolic_trace import Tracer

    tracer_cls = body.get("_tracer_cls") or Tracer

    class KeepModules(tracer_cls):
        def is_leaf_module(self, _, __):
            return True

    com = _CodeOnlyModule(body)
    graph = KeepModules().trace(com, **body.get("_tracer_extras", {}))
    graph._tracer_cls = tracer_cls
    cls = graph_module_cls or GraphModule
    gm = cls(com, graph, class_name=body.get("_graphmodule_cls_name", "GraphModule"))
    for k, v in body.items():
        if not hasattr(gm, k):
            setattr(gm, k, v)
    return gm


def _copy_attr(from_module, to_module, target):
    """Copies the attribute at dotted path `target` from one module tree to another, creating
    empty intermediate modules as needed. Plain tensors become buffers."""
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            # A parent already copied over carries everything under it.
            return
        if t is None:
            t = torch.nn.Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    if isinstance(orig, torch.Tensor) and not isinstance(orig, torch.nn.Parameter):
        persistent = field not in from_module._non_persistent_buffers_set
        to_module.register_buffer(field, orig, persistent=persistent)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module, target):
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = torch.nn.Module()
            setattr(to_module, item, t)
        to_module = t
    if isinstance(from_obj, torch.Tensor) and not isinstance(from_obj, torch.nn.Parameter):
        to_module.register_buffer(field, from_obj)
    else:
        setattr(to_module, field, from_obj)


def _get_attr(model, attr_name):
    return _get_attr_via_attr_list(model, attr_name.split("."))


def _get_attr_via_attr_list(model, attr_list):
    if len(attr_list) == 0:
        return model
    *prefix, field = attr_list
    t = model
    for item in prefix:
        t = getattr(t, item, None)
        if t is None:
            raise AssertionError(f"Attribute '{item}' not found in model")
    return getattr(t, field)


def _has_attr(model, attr_name):
    *prefix, field = attr_name.split(".")
    t = model
    for item in prefix:
        if not hasattr(t, item):
            return False
        t = getattr(t, item)
    return hasattr(t, field)


def _del_attr(model, attr_name):
    atoms = attr_name.split(".")
    delattr(_get_attr_via_attr_list(model, atoms[:-1]), atoms[-1])


def _indent(text, spaces):
    # Like nn.Module's child indentation, but blank lines stay empty.
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line if line.strip() else "" for line in lines[1:])


def _print_readable(
    module,
    module_name,
    print_output=True,
    include_stride=False,
    include_device=False,
    colored=False,
    expanded_def=False,
    additional_meta=None,
):
    graph = module.graph
    if graph is None or not isinstance(graph, Graph):
        raise AssertionError("print_readable must be used on a module with a graph")
    code = graph.python_code(
        root_module="self",
        verbose=True,
        include_stride=include_stride,
        include_device=include_device,
        colored=colored,
        expanded_def=expanded_def,
        additional_meta=additional_meta,
    ).src
    module_code = f"class {module_name}(torch.nn.Module):\n" + code.lstrip("\n")
    module_code = _indent(module_code, 4)
    parts = [""]
    for name, child in module.named_children():
        if isinstance(child, GraphModule):
            parts.append(
                _print_readable(
                    child,
                    name,
                    print_output=False,
                    include_stride=include_stride,
                    include_device=include_device,
                    colored=colored,
                    additional_meta=additional_meta,
                )
            )
    submodule_code = _indent("\n".join(parts), 4)
    output = module_code + submodule_code
    if print_output:
        print(output)
    return output


class _WrappedCall:
    """Calls the module; an error raised inside generated code also gets the offending
    generated lines printed to stderr."""

    def __init__(self, cls, cls_call):
        self.cls = cls
        self.cls_call = cls_call

    @staticmethod
    def _generate_error_message(frame_summary):
        lineno = frame_summary.lineno
        line = frame_summary.line or ""
        src_lines = linecache.getlines(frame_summary.filename)
        header = (
            "Call using an FX-traced Module, "
            f"line {lineno} of the traced Module's "
            "generated forward function:"
        )
        before = "".join(src_lines[lineno - 2 : lineno])
        marker = "~" * len(line) + "~~~ <--- HERE"
        after = "\n".join(src_lines[lineno : lineno + 2])
        return "\n".join([traceback.format_exc(), header, before, marker, after])

    def __call__(self, obj, *args, **kwargs):
        try:
            if self.cls_call is not None:
                return self.cls_call(obj, *args, **kwargs)
            return super(self.cls, obj).__call__(*args, **kwargs)
        except Exception as e:
            frames = traceback.extract_tb(e.__traceback__)
            if frames and "eval_with_key" in frames[-1].filename:
                print(_WrappedCall._generate_error_message(frames[-1]), file=sys.stderr)
                raise e.with_traceback(None)
            raise


class GraphModule(torch.nn.Module):
    """An `nn.Module` built from a `Graph`: `graph`, the generated `code`, and `forward`.

    Reassigning `graph` regenerates the code; after editing the graph in place, call
    `recompile()`.
    """

    def __new__(cls, *args, **kwargs):
        # Every instance gets its own subclass, so forward and the class name are per instance.
        for t in cls.__mro__:
            if t.__qualname__.split(".")[-1] != "GraphModuleImpl":
                cls = t
                break

        class GraphModuleImpl(cls):
            pass

        return super().__new__(GraphModuleImpl)

    def __init__(self, root, graph, class_name="GraphModule"):
        """`root` is a module (attributes named by get_attr/call_module targets are copied
        from it, with intermediate modules created for dotted paths) or a dict from target
        path to object."""
        super().__init__()
        self.__class__.__name__ = class_name
        if isinstance(root, torch.nn.Module):
            if hasattr(root, "training"):
                self.training = root.training
            if isinstance(root, _CodeOnlyModule):
                for k, _ in root.named_children():
                    _copy_attr(root, self, k)
                for k, _ in root.named_buffers():
                    _copy_attr(root, self, k)
                for k, _ in root.named_parameters():
                    _copy_attr(root, self, k)
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if not isinstance(node.target, str):
                        raise AssertionError(f"Expected node.target to be str, got {type(node.target)}")
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            targets = []
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if not isinstance(node.target, str):
                        raise AssertionError(f"Expected node.target to be str, got {type(node.target)}")
                    if node.target not in root:
                        raise RuntimeError(
                            "Node " + str(node) + " referenced target " + node.target
                            + " but that target was not provided in ``root``!"
                        )
                    targets.append(node.target)
            targets.sort(key=lambda t: t.count("."))
            for target in targets:
                _assign_attr(root[target], self, target)
        else:
            raise RuntimeError("Unsupported type " + str(root) + " passed for root!")

        self.graph = graph
        self._tracer_cls = None
        if graph._tracer_cls and "<locals>" not in graph._tracer_cls.__qualname__:
            self._tracer_cls = graph._tracer_cls
        self._tracer_extras = {}
        if graph._tracer_extras:
            self._tracer_extras = graph._tracer_extras
        self.meta = {}
        self._replace_hooks = []
        self._create_node_hooks = []
        self._erase_node_hooks = []
        self._deepcopy_hooks = []
        self.shape_env = None

    @property
    def graph(self):
        """The `Graph` this module runs; assigning one recompiles."""
        return self._graph

    @graph.setter
    def graph(self, g):
        if not isinstance(g, Graph):
            raise AssertionError(f"Expected a Graph instance, but got {type(g)}")
        self._graph = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self):
        """The generated Python source of `forward`."""
        if not hasattr(self, "_code"):
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self):
        """Regenerates `code` and `forward` from `graph` (needed after editing the graph)."""
        python_code = self._graph.python_code(root_module="self")
        self._code = python_code.src
        self._lineno_map = python_code._lineno_map
        self._prologue_start = python_code._prologue_start
        cls = type(self)
        co_fields = getattr(self._graph, "_co_fields", {})
        cls.forward = _forward_from_src(self._code, python_code.globals, co_fields)
        cls_call = cls.__call__ if "__call__" in vars(cls) else None
        if "_wrapped_call" not in vars(cls):
            cls._wrapped_call = _WrappedCall(cls, cls_call)
        self._recompile_submodules()

        def call_wrapped(self, *args, **kwargs):
            return self._wrapped_call(self, *args, **kwargs)

        cls.__call__ = call_wrapped
        return python_code

    def _recompile_submodules(self):
        results = []
        for name, mod in self.named_children():
            if isinstance(mod, GraphModule):
                results.append((name, mod.recompile()))
        return results

    def add_submodule(self, target, m):
        """Installs module `m` at dotted path `target` (creating empty parents); False when a
        path element exists but is not a module."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            submod = getattr(mod, item, None)
            if submod is None:
                submod = torch.nn.Module()
                setattr(mod, item, submod)
            if not isinstance(submod, torch.nn.Module):
                return False
            mod = submod
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target):
        """Removes the submodule at dotted path `target`; False if there is none."""
        atoms = target.split(".")
        path, last = atoms[:-1], atoms[-1]
        mod = self
        for item in path:
            if not hasattr(mod, item):
                return False
            mod = getattr(mod, item)
            if not isinstance(mod, torch.nn.Module):
                return False
        if not hasattr(mod, last) or not isinstance(getattr(mod, last), torch.nn.Module):
            return False
        delattr(mod, last)
        return True

    def delete_all_unused_submodules(self):
        """Removes every submodule that no call_module/get_attr node (or descendant) needs."""
        used = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr") and isinstance(node.target, str):
                atoms = node.target.split(".")
                used.update(itertools.accumulate(atoms, lambda x, y: ".".join([x, y] if y else [x])))
                if node.op == "call_module":
                    try:
                        submod = self.get_submodule(node.target)
                        for name, _ in submod.named_modules():
                            if name != "":
                                used.add(node.target + "." + name)
                    except AttributeError:
                        pass
        for name in [name for name, _ in self.named_modules() if name not in used]:
            self.delete_submodule(name)

    def print_readable(
        self,
        print_output=True,
        include_stride=False,
        include_device=False,
        colored=False,
        *,
        fast_sympy_print=False,
        expanded_def=False,
        additional_meta=None,
    ):
        """The generated code with per-node tensor annotations (from `node.meta['val']`) and
        stack trace comments, as a class; nested GraphModules follow as nested classes."""
        return _print_readable(
            self,
            self._get_name(),
            print_output,
            include_stride,
            include_device,
            colored,
            expanded_def,
            additional_meta,
        )

    def __str__(self):
        reminder = "# To see more debug info, please use `graph_module.print_readable()`"
        return "\n".join([super().__repr__(), self._code, reminder])

    def __reduce__(self):
        body = self.__dict__.copy()
        python_code = self.recompile()
        import_block = _format_import_block(python_code.globals)
        del body["_graph"]
        return (reduce_graph_module, (body, import_block))

    def __deepcopy__(self, memo):
        res = type(self).__new__(type(self))
        memo[id(self)] = res
        fake_mod = _CodeOnlyModule(copy.deepcopy(self.__dict__, memo))
        GraphModule.__init__(res, fake_mod, fake_mod.__dict__["_graph"])
        for attr in (
            "_state_dict_hooks",
            "_load_state_dict_pre_hooks",
            "_load_state_dict_post_hooks",
            "_replace_hooks",
            "_create_node_hooks",
            "_erase_node_hooks",
            "_deepcopy_hooks",
        ):
            if attr in self.__dict__:
                setattr(res, attr, copy.deepcopy(self.__dict__[attr], memo))
        res.meta = copy.deepcopy(getattr(self, "meta", {}), memo)
        if _USER_PRESERVED_ATTRIBUTES_KEY in res.meta:
            for name, value in res.meta[_USER_PRESERVED_ATTRIBUTES_KEY].items():
                setattr(res, name, value)
        for hook in getattr(self, "_deepcopy_hooks", []):
            hook(res)
        return res

    def __copy__(self):
        res = GraphModule(self, self.graph)
        res.meta = getattr(self, "meta", {})
        return res

    def _register_create_node_hook(self, f):
        self._create_node_hooks.append(f)

    def _unregister_create_node_hook(self, f):
        self._create_node_hooks.remove(f)

    def _register_erase_node_hook(self, f):
        self._erase_node_hooks.append(f)

    def _unregister_erase_node_hook(self, f):
        self._erase_node_hooks.remove(f)

    def _register_replace_node_hook(self, f):
        self._replace_hooks.append(f)

    def _unregister_replace_node_hook(self, f):
        self._replace_hooks.remove(f)


def _make_graph_module(root, graph, class_name="GraphModule", graph_module_cls=None):
    return (graph_module_cls or GraphModule)(root, graph, class_name)
