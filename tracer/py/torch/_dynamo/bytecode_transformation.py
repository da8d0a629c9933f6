"""Instructions of a code object: decoded once per code object for the tracer, and assembled
back into new code objects (transformed frames, resume functions).

RustPython lays bytecode out as CPython 3.14 does (inline caches, EXTENDED_ARG, relative jumps,
the exception table and location table formats), and its `dis` module decodes names and
constants; jump targets are computed here from the instruction sizes because `dis` leaves some
of them (JUMP_BACKWARD, POP_JUMP_IF_NONE) raw.

Instructions refer to each other (jump targets, exception handlers) as objects, so a list of them
can be edited freely; `assemble` lays the list out again, choosing EXTENDED_ARG prefixes, jump
distances, the exception table and the location table.
"""

import dis
import opcode
import sys

import torch

_FORWARD_JUMPS = frozenset(
    {"JUMP_FORWARD", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE",
     "FOR_ITER", "SEND"}
)
_BACKWARD_JUMPS = frozenset({"JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"})
JUMPS = _FORWARD_JUMPS | _BACKWARD_JUMPS
# After these, control never falls through to the next instruction.
TERMINATORS = frozenset(
    {"RETURN_VALUE", "RAISE_VARARGS", "RERAISE", "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"}
)


class ExceptionTableEntry:
    """A handler for the instructions from `start` to `end` (inclusive): the stack is cut to
    `depth` items, the offset of the failing instruction is pushed when `lasti`, then the
    exception, and control goes to `target`."""

    __slots__ = ("start", "end", "target", "depth", "lasti")

    def __init__(self, start, end, target, depth, lasti):
        self.start = start
        self.end = end
        self.target = target
        self.depth = depth
        self.lasti = lasti


class Instruction:
    __slots__ = ("opname", "arg", "argval", "offset", "lineno", "target", "index", "positions",
                 "exn_tab_entry")

    def __init__(self, opname, arg, argval, offset, lineno, positions):
        self.opname = opname
        self.arg = arg
        self.argval = argval
        self.offset = offset
        self.lineno = lineno
        self.positions = positions
        self.target = None  # the Instruction a jump goes to
        self.index = None
        self.exn_tab_entry = None

    def __repr__(self):
        return f"Instruction({self.opname}, arg={self.arg}, argval={self.argval!r}, offset={self.offset})"


def create_instruction(opname, arg=None, argval=None, target=None, positions=None, lineno=None):
    """A new instruction; `arg` is worked out by `assemble` from `argval` (a name, a constant, a
    local) where it is left None."""
    inst = Instruction(opname, arg, argval, None, lineno, positions)
    inst.target = target
    return inst


LOCAL_OPS = frozenset(
    {"LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST", "DELETE_FAST",
     "LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "MAKE_CELL", "LOAD_FROM_DICT_OR_DEREF"}
)
# Superinstructions over two locals and the two instructions each one does, in order. A pair
# packs both slots in one byte, so it is split when a slot is past 15 (a resume function puts
# the stack's values before the original's locals).
_LOCAL_PAIR_HALVES = {
    "LOAD_FAST_LOAD_FAST": ("LOAD_FAST", "LOAD_FAST"),
    "LOAD_FAST_BORROW_LOAD_FAST_BORROW": ("LOAD_FAST_BORROW", "LOAD_FAST_BORROW"),
    "STORE_FAST_STORE_FAST": ("STORE_FAST", "STORE_FAST"),
    "STORE_FAST_LOAD_FAST": ("STORE_FAST", "LOAD_FAST"),
}
LOCAL_PAIR_OPS = frozenset(_LOCAL_PAIR_HALVES)
_NAME_OPS = frozenset({"LOAD_NAME", "STORE_NAME", "DELETE_NAME", "STORE_ATTR", "DELETE_ATTR", "STORE_GLOBAL",
                       "DELETE_GLOBAL", "IMPORT_NAME", "IMPORT_FROM", "LOAD_FROM_DICT_OR_GLOBALS"})


def _localsplus(varnames, cellvars, freevars):
    """Names of the frame's slots in CPython's order: locals, then cells (a cell that is also an
    argument shares its slot), then free variables."""
    names = list(varnames)
    names += [c for c in cellvars if c not in names]
    return names + list(freevars)


def localsplus_names(code):
    return _localsplus(code.co_varnames, code.co_cellvars, code.co_freevars)


_cache = {}


def _cache_entries(opname):
    return dis._inline_cache_entries.get(opname, 0)


def _next_offset(inst):
    return inst.offset + 2 + 2 * _cache_entries(inst.opname)


def cleaned_instructions(code):
    """The instructions of `code` without CACHE/EXTENDED_ARG entries, with jump targets and
    exception handlers linked. Shared: copy them (`copy_instructions`) before editing."""
    found = _cache.get(code)
    if found is not None:
        return found
    out = []
    slots = localsplus_names(code)
    lineno = code.co_firstlineno
    by_offset = {}
    pending = []  # offsets of EXTENDED_ARG prefixes: a jump to one lands on the next instruction
    for raw in dis.get_instructions(code):
        if raw.opname == "CACHE":
            continue
        if raw.opname == "EXTENDED_ARG":
            pending.append(raw.offset)
            continue
        line = getattr(raw, "line_number", None)
        if line is not None:
            lineno = line
        argval = raw.argval
        # RustPython's dis leaves some local indices unresolved: name every slot operand here.
        if raw.opname in LOCAL_OPS:
            argval = slots[raw.arg]
        elif raw.opname in LOCAL_PAIR_OPS:
            argval = (slots[raw.arg >> 4], slots[raw.arg & 15])
        inst = Instruction(raw.opname, raw.arg, argval, raw.offset, lineno, raw.positions)
        out.append(inst)
        for off in pending:
            by_offset[off] = inst
        pending.clear()
        by_offset[raw.offset] = inst
    for i, inst in enumerate(out):
        inst.index = i
    for inst in out:
        if inst.opname in _FORWARD_JUMPS:
            inst.target = by_offset.get(_next_offset(inst) + 2 * inst.arg)
        elif inst.opname in _BACKWARD_JUMPS:
            inst.target = by_offset.get(_next_offset(inst) - 2 * inst.arg)
    for entry in dis._parse_exception_table(code):
        covered = [inst for inst in out if entry.start <= inst.offset < entry.end]
        if not covered:
            continue
        shared = ExceptionTableEntry(covered[0], covered[-1], by_offset[entry.target], entry.depth, entry.lasti)
        for inst in covered:
            inst.exn_tab_entry = shared
    _cache[code] = out
    return out


def copy_instructions(instructions):
    """Fresh Instruction objects with the same links (targets, handlers) among the copies."""
    mapping = {}
    copies = []
    for inst in instructions:
        new = Instruction(inst.opname, inst.arg, inst.argval, inst.offset, inst.lineno, inst.positions)
        mapping[id(inst)] = new
        copies.append(new)
    entries = {}
    for inst, new in zip(instructions, copies):
        if inst.target is not None:
            new.target = mapping[id(inst.target)]
        entry = inst.exn_tab_entry
        if entry is not None:
            copied = entries.get(id(entry))
            if copied is None:
                copied = entries[id(entry)] = ExceptionTableEntry(
                    mapping[id(entry.start)], mapping[id(entry.end)], mapping[id(entry.target)], entry.depth,
                    entry.lasti)
            new.exn_tab_entry = copied
    return copies


# -- assembling -----------------------------------------------------------------------------------
class CodeOptions:
    """What a new code object is made of besides its instructions; `arg`s left None are
    resolved against these tables (extended as needed)."""

    def __init__(self, code):
        self.code = code
        self.varnames = list(code.co_varnames)
        self.cellvars = list(code.co_cellvars)
        self.freevars = list(code.co_freevars)
        self.names = list(code.co_names)
        self.consts = list(code.co_consts)
        self.argcount = code.co_argcount
        self.posonlyargcount = code.co_posonlyargcount
        self.kwonlyargcount = code.co_kwonlyargcount
        self.flags = code.co_flags
        self.name = code.co_name
        self.qualname = code.co_qualname
        self.firstlineno = code.co_firstlineno

    def localsplus(self):
        return _localsplus(self.varnames, self.cellvars, self.freevars)

    def name_index(self, name):
        try:
            return self.names.index(name)
        except ValueError:
            self.names.append(name)
            return len(self.names) - 1

    def const_index(self, value):
        # By identity, and by type and value for the immutable kinds (1, 1.0 and True differ).
        for i, c in enumerate(self.consts):
            if c is value:
                return i
            if type(c) is type(value) and type(value) in (int, float, str, bytes, bool, type(None)) and c == value:
                if type(value) is not float or repr(c) == repr(value):
                    return i
        self.consts.append(value)
        return len(self.consts) - 1

    def add_varname(self, name):
        if name not in self.varnames:
            self.varnames.append(name)
        return name


def _split_far_pairs(instructions, slots):
    """Each two-local superinstruction whose slots do not both fit in four bits, as its two
    halves. The first half is the original object, so jumps to it and its exception-table entry
    stay; the second takes its location and entry."""
    out = []
    for inst in instructions:
        out.append(inst)
        if inst.opname in LOCAL_PAIR_OPS and max(slots[n] for n in inst.argval) > 15:
            first, second = _LOCAL_PAIR_HALVES[inst.opname]
            a, b = inst.argval
            inst.opname, inst.argval, inst.arg = first, a, None
            half = create_instruction(second, argval=b, positions=inst.positions, lineno=inst.lineno)
            half.exn_tab_entry = inst.exn_tab_entry
            out.append(half)
    instructions[:] = out


def _resolve_args(instructions, options, slots):
    for inst in instructions:
        name = inst.opname
        if name in LOCAL_OPS:
            inst.arg = slots[inst.argval]
        elif name in LOCAL_PAIR_OPS:
            inst.arg = (slots[inst.argval[0]] << 4) | slots[inst.argval[1]]
        elif inst.arg is not None:
            continue
        elif name == "LOAD_CONST":
            inst.arg = options.const_index(inst.argval)
        elif name == "LOAD_GLOBAL":
            gname, push_null = inst.argval
            inst.arg = (options.name_index(gname) << 1) | int(push_null)
        elif name == "LOAD_ATTR":
            aname, method = inst.argval
            inst.arg = (options.name_index(aname) << 1) | int(method)
        elif name in _NAME_OPS:
            inst.arg = options.name_index(inst.argval)
        else:
            inst.arg = 0


def _ext_count(arg):
    n = 0
    arg >>= 8
    while arg:
        n += 1
        arg >>= 8
    return n


def _layout(instructions):
    """Offsets for every instruction, re-done until jump distances (and so EXTENDED_ARG
    prefixes) stop changing."""
    exts = [_ext_count(inst.arg or 0) for inst in instructions]
    while True:
        offset = 0
        for inst, ext in zip(instructions, exts):
            inst.offset = offset + 2 * ext  # the opcode itself, after its prefixes
            offset += 2 * (ext + 1 + _cache_entries(inst.opname))
        changed = False
        for i, inst in enumerate(instructions):
            if inst.opname in JUMPS:
                start = inst.target.offset - 2 * exts[inst.target.index]
                end = _next_offset(inst)
                inst.arg = (start - end) // 2 if inst.opname in _FORWARD_JUMPS else (end - start) // 2
                if inst.arg < 0:
                    raise ValueError(f"{inst.opname} jumps the wrong way")
            ext = _ext_count(inst.arg)
            if ext > exts[i]:
                exts[i] = ext
                changed = True
        if not changed:
            return exts


def _varint(value, out, first_flag=0):
    """The exception table's encoding: 6-bit chunks, most significant first, 0x40 = more."""
    chunks = [value & 63]
    value >>= 6
    while value:
        chunks.append(value & 63)
        value >>= 6
    chunks.reverse()
    for i, chunk in enumerate(chunks):
        if i < len(chunks) - 1:
            chunk |= 64
        if i == 0:
            chunk |= first_flag
        out.append(chunk)


def _exception_table(instructions, exts):
    out = bytearray()
    current = None
    start = None
    ranges = []
    for inst, ext in zip(instructions, exts):
        entry = inst.exn_tab_entry
        unit = inst.offset // 2 - ext
        if entry is not current:
            if current is not None:
                ranges.append((start, unit, current))
            current, start = entry, unit
    if current is not None:
        last = instructions[-1]
        ranges.append((start, _next_offset(last) // 2, current))
    for begin, end, entry in ranges:
        target = entry.target.offset // 2 - exts[entry.target.index]
        _varint(begin, out, 128)
        _varint(end - begin, out)
        _varint(target, out)
        _varint((entry.depth << 1) | int(entry.lasti), out)
    return bytes(out)


def _uvarint(value, out):
    """The location table's encoding: 6-bit chunks, least significant first, 0x40 = more."""
    while value >= 64:
        out.append((value & 63) | 64)
        value >>= 6
    out.append(value)


def _svarint(value, out):
    _uvarint((-value << 1) | 1 if value < 0 else value << 1, out)


def _unit_locations(instructions, exts, firstlineno):
    """(line, column, end line, end column) for every code unit: what RustPython's tracebacks
    read (the location table is what `dis` and `co_positions` read)."""
    out = []
    last = (firstlineno, 0, firstlineno, 0)
    for inst, ext in zip(instructions, exts):
        pos = inst.positions
        line = pos.lineno if pos is not None else inst.lineno
        if line is not None:
            col = pos.col_offset if pos is not None and pos.col_offset is not None else 0
            end_line = pos.end_lineno if pos is not None and pos.end_lineno is not None else line
            end_col = pos.end_col_offset if pos is not None and pos.end_col_offset is not None else col
            last = (line, col, end_line, end_col)
        out.extend(last * (ext + 1 + _cache_entries(inst.opname)))
    return out


def _location_table(instructions, exts, firstlineno):
    out = bytearray()
    line = firstlineno
    for inst, ext in zip(instructions, exts):
        units = ext + 1 + _cache_entries(inst.opname)
        pos = inst.positions
        start = pos.lineno if pos is not None else inst.lineno
        while units:
            n = min(units, 8)
            units -= n
            if start is None:
                out.append(0x80 | (15 << 3) | (n - 1))
                continue
            end_line = pos.end_lineno if pos is not None and pos.end_lineno is not None else start
            col = pos.col_offset if pos is not None else None
            end_col = pos.end_col_offset if pos is not None else None
            if col is None or end_col is None:
                out.append(0x80 | (13 << 3) | (n - 1))
                _svarint(start - line, out)
            else:
                out.append(0x80 | (14 << 3) | (n - 1))
                _svarint(start - line, out)
                _uvarint(max(end_line - start, 0), out)
                _uvarint(col + 1, out)
                _uvarint(end_col + 1, out)
            line = start
    return bytes(out)


def assemble(instructions, options):
    """A code object from `instructions` and `options`."""
    from torch._dynamo.bytecode_analysis import stacksize_analysis

    slots = {name: i for i, name in enumerate(options.localsplus())}
    _split_far_pairs(instructions, slots)
    for i, inst in enumerate(instructions):
        inst.index = i
    _resolve_args(instructions, options, slots)
    exts = _layout(instructions)
    code = bytearray()
    for inst, ext in zip(instructions, exts):
        arg = inst.arg or 0
        for k in range(ext, 0, -1):
            code += bytes((opcode.EXTENDED_ARG, (arg >> (8 * k)) & 0xFF))
        code += bytes((opcode.opmap[inst.opname], arg & 0xFF))
        code += bytes(2 * _cache_entries(inst.opname))
    nlocals = len(options.varnames)
    new = options.code.replace(
        co_code=bytes(code),
        co_consts=tuple(options.consts),
        co_names=_interned(options.names),
        co_varnames=_interned(options.varnames),
        co_cellvars=_interned(options.cellvars),
        co_freevars=_interned(options.freevars),
        co_argcount=options.argcount,
        co_posonlyargcount=options.posonlyargcount,
        co_kwonlyargcount=options.kwonlyargcount,
        co_nlocals=nlocals,
        co_flags=options.flags,
        co_name=sys.intern(options.name),
        co_qualname=sys.intern(options.qualname),
        co_firstlineno=options.firstlineno,
        co_stacksize=stacksize_analysis(instructions),
        co_linetable=_location_table(instructions, exts, options.firstlineno),
        co_exceptiontable=_exception_table(instructions, exts),
    )
    return torch._C._code_with_locations(new, _unit_locations(instructions, exts, options.firstlineno))


def _interned(names):
    # RustPython keeps the names of a code object as interned strings.
    return tuple(sys.intern(n) for n in names)
