"""Composite primitives run eagerly as one compiled program: a composite written as several
Tensor ops (gelu's backward, layer norm's backward ...) is traced once per input layout into an
aten graph and compiled by the native JIT, so eager mode runs it as one fused loop nest instead
of one kernel (and one Python round trip) per op. `torch._prims` asks here for the composites
in its `_FUSED`, on real float tensors of `MIN_ELEMENTS` and more; a graph the JIT does not compile
runs the composite as written. `SMELT_EAGER_FUSION=0` turns it off."""

import os

import torch
from torch import _C

MIN_ELEMENTS = 4096
# Distinct layouts kept; past this the cache starts over.
MAX_PROGRAMS = 1024
ENABLED = os.environ.get("SMELT_EAGER_FUSION", "1") != "0"

_programs = {}
_FLOATS = (torch.float32, torch.float64)


def _signature(key, args):
    sig = [key]
    big = False
    for a in args:
        if isinstance(a, _C.TensorBase):
            # (Reached only when no autograd node is wanted: grad mode off or no input needs it.)
            if a.dtype not in _FLOATS or a.device.type != "cpu":
                return None
            big = big or a.numel() >= MIN_ELEMENTS
            sig.append((a.dtype, tuple(a.shape), a.stride()))
        elif isinstance(a, list):
            sig.append(("list", tuple(a)))
        else:
            sig.append(a)
    return tuple(sig) if big else None


def run(key, forward, args):
    """The composite's result through its compiled program, or None (run it as written)."""
    sig = _signature(key, args)
    if sig is None:
        return None
    program = _programs.get(sig, False)
    if program is False:
        if len(_programs) >= MAX_PROGRAMS:
            _programs.clear()
        program = _programs[sig] = _compile(forward, args)
    if program is None:
        return None
    # (A layout the program was not compiled for is run node by node by the program itself.)
    return program(*[a for a in args if isinstance(a, _C.TensorBase)])


def _compile(forward, args):
    from torch._inductor.compile_fx import _target
    from torch._inductor.partition import partition
    from torch._inductor.wrapper import CompiledGraph
    from torch.fx.experimental.proxy_tensor import make_fx

    slots = [i for i, a in enumerate(args) if isinstance(a, _C.TensorBase)]

    def body(*tensors):
        full = list(args)
        for i, t in zip(slots, tensors):
            full[i] = t
        return forward(*full)

    try:
        gm = make_fx(body)(*[args[i] for i in slots])
        compiled = CompiledGraph(gm, partition(gm), _target())
    except Exception:  # noqa: BLE001 - anything the tracer or the JIT refuses runs as written
        return None
    if not any(getattr(step, "program", None) is not None for step in compiled.steps):
        return None
    return compiled
