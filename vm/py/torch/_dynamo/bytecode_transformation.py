"""Instructions of a code object, decoded once per code object for the tracer.

RustPython lays bytecode out as CPython 3.14 does (inline caches, EXTENDED_ARG, relative jumps),
and its `dis` module decodes names and constants; jump targets are computed here from the
instruction sizes because `dis` leaves some of them (JUMP_BACKWARD, POP_JUMP_IF_NONE) raw.
"""

import dis

_FORWARD_JUMPS = frozenset(
    {"JUMP_FORWARD", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE",
     "FOR_ITER", "SEND"}
)
_BACKWARD_JUMPS = frozenset({"JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"})


class Instruction:
    __slots__ = ("opname", "arg", "argval", "offset", "lineno", "target", "index", "positions")

    def __init__(self, opname, arg, argval, offset, lineno, positions):
        self.opname = opname
        self.arg = arg
        self.argval = argval
        self.offset = offset
        self.lineno = lineno
        self.positions = positions
        self.target = None  # the Instruction a jump goes to
        self.index = None

    def __repr__(self):
        return f"Instruction({self.opname}, arg={self.arg}, argval={self.argval!r}, offset={self.offset})"


_LOCAL_OPS = frozenset(
    {"LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST", "DELETE_FAST",
     "LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "MAKE_CELL", "LOAD_FROM_DICT_OR_DEREF"}
)
_LOCAL_PAIR_OPS = frozenset(
    {"LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST"}
)


def localsplus_names(code):
    """Names of the frame's slots in CPython's order: locals, then cells, then free variables."""
    names = list(code.co_varnames)
    names += [c for c in code.co_cellvars if c not in names]
    return names + list(code.co_freevars)


_cache = {}


def _next_offset(inst):
    return inst.offset + 2 + 2 * dis._inline_cache_entries.get(inst.opname, 0)


def cleaned_instructions(code):
    """The instructions of `code` without CACHE/EXTENDED_ARG entries, with jump targets linked."""
    found = _cache.get(code)
    if found is not None:
        return found
    out = []
    slots = localsplus_names(code)
    lineno = code.co_firstlineno
    for raw in dis.get_instructions(code):
        if raw.opname in ("CACHE", "EXTENDED_ARG"):
            continue
        line = getattr(raw, "line_number", None)
        if line is not None:
            lineno = line
        argval = raw.argval
        # RustPython's dis leaves some local indices unresolved: name every slot operand here.
        if raw.opname in _LOCAL_OPS:
            argval = slots[raw.arg]
        elif raw.opname in _LOCAL_PAIR_OPS:
            argval = (slots[raw.arg >> 4], slots[raw.arg & 15])
        out.append(Instruction(raw.opname, raw.arg, argval, raw.offset, lineno, raw.positions))
    by_offset = {}
    for i, inst in enumerate(out):
        inst.index = i
        by_offset[inst.offset] = inst
    for inst in out:
        if inst.opname in _FORWARD_JUMPS:
            inst.target = by_offset.get(_next_offset(inst) + 2 * inst.arg)
        elif inst.opname in _BACKWARD_JUMPS:
            inst.target = by_offset.get(_next_offset(inst) - 2 * inst.arg)
    _cache[code] = out
    return out
