"""Which sizes (and ints) of a frame's inputs are traced as symbols.

PyTorch's rule: the first compile of a frame specialises every size; a size that differs on a
later compile of the same frame becomes symbolic ("automatic dynamic shapes"). `dynamic=True`
(config `assume_static_by_default=False`) makes every size symbolic from the start,
`dynamic=False` (`automatic_dynamic_shapes=False`) none. `torch._dynamo.mark_dynamic` /
`maybe_mark_dynamic` / `mark_static` mark single dims of a tensor; parameters and module
buffers stay static (`force_parameter_static_shapes`, `force_nn_module_property_static_shapes`).

The sizes each compile saw are kept per frame (`FrameCache.frame_state`), keyed by source name:
a tuple with None where the size has varied.
"""

import torch
from torch._dynamo import config
from torch._dynamo.source import LocalSource, NNModuleSource


def _merge(frame_state, name, value):
    """Records `value` (a size tuple or an int) for `name`; returns the merged entry, with
    None where it has changed (a changed rank or int: None as a whole)."""
    entry = frame_state.get(name, _MISSING)
    if entry is _MISSING:
        merged = value
    elif isinstance(value, tuple):
        if not isinstance(entry, tuple) or len(entry) != len(value):
            merged = tuple(None for _ in value)
        else:
            merged = tuple(a if a == b else None for a, b in zip(entry, value))
    else:
        merged = entry if entry == value else None
    frame_state[name] = merged
    return merged


_MISSING = object()


def _is_module_state(value, source):
    if isinstance(value, torch.nn.Parameter) and config.force_parameter_static_shapes:
        return True
    return isinstance(source, NNModuleSource) and config.force_nn_module_property_static_shapes


def dynamic_dims(output, value, source):
    """One `DimDynamic` per dim of tensor `value` read from `source`, or None when every dim
    is static."""
    from torch.fx.experimental.symbolic_shapes import DimDynamic

    shape = tuple(int(n) for n in value.shape)
    merged = _merge(output.frame_state, source.name, shape)
    if _is_module_state(value, source):
        return None
    static = getattr(value, "_dynamo_static_indices", set())
    marked = set(getattr(value, "_dynamo_dynamic_indices", set())) | set(
        getattr(value, "_dynamo_weak_dynamic_indices", set()))
    dims = []
    for i in range(len(shape)):
        if i in static:
            dims.append(DimDynamic.STATIC)
        elif i in marked:
            dims.append(DimDynamic.DYNAMIC)
        elif config.automatic_dynamic_shapes and merged[i] is None:
            # "unbacked": sizes 0 and 1 are not specialised either, so they reuse the graph.
            unbacked = config.automatic_dynamic_shapes_mark_as == "unbacked"
            dims.append(DimDynamic.SIZE_LIKE_UNBACKED if unbacked else DimDynamic.DYNAMIC)
        elif not config.assume_static_by_default:
            dims.append(DimDynamic.DUCK)
        else:
            dims.append(DimDynamic.STATIC)
    if all(d is DimDynamic.STATIC for d in dims):
        return None
    # A dim traced as symbolic stays symbolic in later compiles of the frame, as one that
    # changed does (a dim marked dynamic once needs no mark the next time).
    output.frame_state[source.name] = tuple(None if d is not DimDynamic.STATIC else n
                                            for d, n in zip(dims, merged))
    return dims


def int_is_dynamic(output, value, source):
    """Whether int argument `value` is traced as a symbol rather than a constant."""
    if config.specialize_int or not _from_frame_locals(source):
        return False
    merged = _merge(output.frame_state, source.name, value)
    if config.automatic_dynamic_shapes and merged is None:
        return True
    return not config.assume_static_by_default


def float_is_dynamic(output, value, source):
    """Whether float argument `value` becomes a graph input (a 0-dim float64 tensor, PyTorch's
    "tensorified" float) rather than a constant: once it has changed between compiles, unless
    an earlier trace found it used where only a constant will do."""
    if config.specialize_float or not _from_frame_locals(source):
        return False
    merged = _merge(output.frame_state, source.name, value)
    if source.name in output.frame_state.get(SPECIALIZED_FLOATS, ()):
        return False
    if config.automatic_dynamic_shapes and merged is None:
        return True
    return not config.assume_static_by_default


# frame_state key: sources of floats to keep constant (a trace used them as Python floats).
SPECIALIZED_FLOATS = "__specialized_floats__"


def _from_frame_locals(source):
    """A source read from the frame's locals (an argument, or what a local closure or container
    holds) and not from an nn.Module's state: the ints PyTorch lets vary."""
    from torch._dynamo.source import ChainedSource

    while isinstance(source, ChainedSource):
        if isinstance(source, NNModuleSource):
            return False
        source = source.base
    return isinstance(source, LocalSource)


def patch_for(dynamic):
    """The config a compile runs under for torch.compile's `dynamic` argument."""
    if dynamic is None:
        return config.patch()
    if dynamic:
        return config.patch(assume_static_by_default=False, automatic_dynamic_shapes=True)
    return config.patch(assume_static_by_default=True, automatic_dynamic_shapes=False)
