"""Node metadata that follows a value from one graph to the next.

`current_meta` is what a tracer copies onto each node it records: the Dynamo node being
re-traced by AOT autograd (its stack trace, `custom` annotations, checkpoint tags), and the
user's `annotate({...})` blocks. `preserve_node_meta()` turns the copying on; the AOT tracer
sets `current_meta` from each Dynamo node it runs (`set_current_meta`)."""

import copy
import functools
from contextlib import contextmanager

__all__ = [
    "annotate", "annotate_fn", "format_stack", "get_current_meta", "has_preserved_node_meta",
    "preserve_node_meta", "set_current_meta", "set_stack_trace",
]

current_meta = {}
_preserving = [False]

# Fields a re-traced node takes from the node it came from.
COPY_META_FIELDS = ("nn_module_stack", "torch_fn", "source_fn_stack", "original_aten", "recompute",
                    "ac_graph_id", "has_backward_hook", "from_node", "quantization_tag", "custom",
                    "partitioner_tag", "stack_trace")


@contextmanager
def preserve_node_meta(enable=True):
    saved = _preserving[0]
    saved_meta = dict(current_meta)
    _preserving[0] = enable
    try:
        yield
    finally:
        _preserving[0] = saved
        current_meta.clear()
        current_meta.update(saved_meta)


def has_preserved_node_meta():
    return _preserving[0]


def get_current_meta():
    return current_meta


@contextmanager
def set_current_meta(node, pass_name=""):
    """While the block runs, nodes recorded take `node`'s copyable metadata."""
    if not _preserving[0] or node is None:
        yield
        return
    saved = dict(current_meta)
    try:
        for field in COPY_META_FIELDS:
            if field in node.meta:
                current_meta[field] = node.meta[field]
            else:
                current_meta.pop(field, None)
        yield
    finally:
        current_meta.clear()
        current_meta.update(saved)


def set_stack_trace(stack):
    if stack:
        current_meta["stack_trace"] = "".join(stack)


def format_stack():
    import traceback

    return traceback.format_list(traceback.extract_stack()[:-1])


class annotate:
    """`with annotate({"key": value}):` — nodes traced inside get the pairs in
    `node.meta["custom"]` (inner blocks add to and override outer ones). As a decorator it
    annotates the whole function."""

    def __init__(self, annotation_dict):
        self.annotation_dict = annotation_dict
        self._saved = []

    def __enter__(self):
        had = "custom" in current_meta
        self._saved.append((had, copy.copy(current_meta.get("custom", {}))))
        if not had:
            current_meta["custom"] = {}
        current_meta["custom"].update(self.annotation_dict)
        return None

    def __exit__(self, *exc):
        had, old = self._saved.pop()
        if had:
            current_meta["custom"] = old
        else:
            current_meta.pop("custom", None)
        return False

    def __call__(self, func):
        annotation_dict = self.annotation_dict

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with annotate(annotation_dict):
                return func(*args, **kwargs)

        return wrapper


def annotate_fn(annotation_dict):
    return annotate(annotation_dict)


def _get_custom_metadata(gm):
    """Every node's `custom` annotations as `(op, name, custom)` lines; a sub-graph module read
    by get_attr contributes a list of its own."""
    from torch.fx.graph_module import GraphModule

    if not isinstance(gm, GraphModule):
        raise AssertionError(f"Expected GraphModule, got {type(gm)}")

    def entries(module):
        found = []
        for node in module.graph.nodes:
            if node.meta.get("custom", None):
                found.append((node.op, node.name, node.meta["custom"]))
            if node.op == "get_attr" and isinstance(getattr(module, node.target), GraphModule):
                found.append(entries(getattr(module, node.target)))
        return found

    return "\n".join(str(x) for x in entries(gm))
