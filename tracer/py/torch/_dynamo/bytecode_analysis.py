"""Facts about instruction lists: the deepest stack they reach, which locals are read later
(the live ones a resume function needs), whether a point sits inside a loop."""

import opcode

from torch._dynamo.bytecode_transformation import JUMPS, TERMINATORS


def _effect(inst, jump):
    op = opcode.opmap[inst.opname]
    arg = (inst.arg or 0) if op >= opcode.HAVE_ARGUMENT else None
    return opcode.stack_effect(op, arg, jump=jump)


def _successors(instructions, inst):
    """(instruction, stack depth change) for every place control can go after `inst`."""
    out = []
    if inst.opname in JUMPS:
        out.append((inst.target, _effect(inst, True)))
    if inst.opname not in TERMINATORS and inst.index + 1 < len(instructions):
        out.append((instructions[inst.index + 1], _effect(inst, False)))
    return out


def stacksize_analysis(instructions):
    """The deepest the value stack gets on any path (exception handlers included)."""
    depth = {id(instructions[0]): 0}
    work = [instructions[0]]
    peak = 0
    while work:
        inst = work.pop()
        d = depth[id(inst)]
        targets = _successors(instructions, inst)
        entry = inst.exn_tab_entry
        if entry is not None:
            targets.append((entry.target, entry.depth + 1 + int(entry.lasti) - d))
        for target, change in targets:
            new = d + change
            peak = max(peak, d, new)
            if new > depth.get(id(target), -1):
                depth[id(target)] = new
                work.append(target)
    return peak


def _reads_writes(inst):
    name = inst.opname
    if name in ("LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR"):
        return (inst.argval,), ()
    if name in ("STORE_FAST", "DELETE_FAST"):
        return (), (inst.argval,)
    if name in ("LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"):
        return inst.argval, ()
    if name == "STORE_FAST_STORE_FAST":
        return (), inst.argval
    return (), ()


def _live_in(instructions):
    """For each instruction, the locals read on some path from it before being written."""
    live = [frozenset()] * len(instructions)
    changed = True
    while changed:
        changed = False
        for inst in reversed(instructions):
            out = set()
            for succ, _ in _successors(instructions, inst):
                out |= live[succ.index]
            if inst.exn_tab_entry is not None:
                out |= live[inst.exn_tab_entry.target.index]
            if inst.opname == "STORE_FAST_LOAD_FAST":
                a, b = inst.argval
                new = (out | {b}) - {a} if a != b else out - {a}
            else:
                reads, writes = _reads_writes(inst)
                new = (out - set(writes)) | set(reads)
            new = frozenset(new)
            if new != live[inst.index]:
                live[inst.index] = new
                changed = True
    return live


_live_cache = {}


def livevars_analysis(code, instructions, inst):
    """Locals of `code` that are read after `inst` (inclusive) before being written."""
    live = _live_cache.get(code)
    if live is None:
        live = _live_cache[code] = _live_in(instructions)
    return live[inst.index]


def has_backedge(instructions, inst):
    """Whether `inst` sits inside a loop: a backward jump reachable from it (without an
    exception) goes back to it or before it. Exception paths are left out: a `with` block whose
    exit swallowed an exception rejoins the code after it by jumping back."""
    seen = set()
    work = [inst]
    while work:
        current = work.pop()
        if current.index in seen:
            continue
        seen.add(current.index)
        if current.opname.startswith("JUMP_BACKWARD") and current.target.index <= inst.index:
            return True
        work.extend(succ for succ, _ in _successors(instructions, current))
    return False

