"""Where a graph break becomes code: the graph traced so far is compiled, and the frame is
replaced by bytecode that calls it, rebuilds the stack and the live locals from its outputs, runs
the instruction the tracer could not (a call, an attribute store) or the branch it could not
decide, and returns what a resume function (resume_execution.py) computes from there on.
"""

import torch
from torch._dynamo.bytecode_analysis import has_backedge, livevars_analysis
from torch._dynamo.bytecode_transformation import ExceptionTableEntry, create_instruction
from torch._dynamo.codegen import NB_ADD, PyCodegen
from torch._dynamo.exc import Unsupported
from torch._dynamo.resume_execution import NULL, VALUE, ContinueExecutionCache, Positions, resume_function
from torch._dynamo.source import LocalSource
from torch._dynamo.variables.base import NullVariable

_CO_GENERATOR_LIKE = 0x20 | 0x80 | 0x100 | 0x200
# Stack slots each breakable instruction consumes, and whether it pushes a result. Stores into
# objects the frame did not create run for real at a break (PyTorch would replay them after the
# graph: the values are the same, the graphs are cut in more places).
_CALL_LIKE = {"CALL": (2, 1), "CALL_KW": (3, 1), "CALL_FUNCTION_EX": (4, 1), "STORE_ATTR": (2, 0),
              "STORE_SUBSCR": (3, 0), "DELETE_SUBSCR": (2, 0), "STORE_GLOBAL": (1, 0)}
BREAKABLE = frozenset(_CALL_LIKE)


def stack_layout(stack):
    """The stack as resume_execution describes it, or None when a slot cannot be rebuilt."""
    from torch._dynamo.variables.torch_fns import GradModeVariable

    layout = []
    i = 0
    while i < len(stack):
        vt = stack[i]
        if _is_exit(vt):
            nxt = stack[i + 1] if i + 1 < len(stack) else None
            if not isinstance(vt.obj, GradModeVariable) or not isinstance(nxt, NullVariable):
                return None  # a user context manager: entering it twice would repeat its effects
            layout.append(("grad", vt.obj.target_mode))
            i += 2
            continue
        layout.append(NULL if isinstance(vt, NullVariable) else VALUE)
        i += 1
    return tuple(layout)


def check_can_break(tx, inst):
    """Raises (the frame then runs eagerly) where PyTorch also gives up on a partial graph."""
    code = tx.f_code
    if code.co_flags & _CO_GENERATOR_LIKE:
        raise Unsupported("graph break in a generator")
    if code.co_cellvars:
        raise Unsupported("graph break in a frame whose locals are captured by an inner function")
    if has_backedge(tx.instructions, inst):
        raise Unsupported("Skipping frame because there is a graph break in a for/while loop")
    if inst.exn_tab_entry is not None and _has_try_block(tx.instructions):
        # The instruction would run outside the handlers that cover it in the original.
        raise Unsupported("graph break inside a try block")


def _has_try_block(instructions):
    """Whether some handler is a try statement's (not a `with` block's own clean-up)."""
    for inst in instructions:
        entry = inst.exn_tab_entry
        if entry is None:
            continue
        handler = entry.target
        if handler.opname == "PUSH_EXC_INFO":
            if instructions[handler.index + 1].opname != "WITH_EXCEPT_START":
                return True
        elif handler.opname != "COPY":  # a `with` handler's own clean-up: COPY 3; POP_EXCEPT; RERAISE
            return True
    return False


def _grad_blocks(stack):
    return [vt.obj for vt in stack if _is_exit(vt)]


class _Break:
    """Emits the transformed frame for one break."""

    def __init__(self, tx, inst, stack):
        self.tx = tx
        self.code = tx.f_code
        self.stack = stack
        self.layout = stack_layout(stack)
        if self.layout is None:
            raise Unsupported("graph break inside a `with` block of a context manager that cannot be re-entered")
        pos = inst.positions
        self.lineno = inst.lineno
        self.positions = Positions(self.lineno, self.lineno, None, None) if pos is None else pos
        self.cg = PyCodegen(self.code, inputs_from_sources=True, positions=self.positions, lineno=self.lineno)

    def emit(self, opname, arg=None, argval=None, target=None):
        return self.cg.append(opname, arg, argval, target)

    def restore_values(self, targets, consumed_from, wrap_callee_at=None):
        """Pushes the stack's values and stores the live locals that changed; returns the live
        locals each of `targets` needs, in the frame's order. NULLs below `consumed_from` (the
        slots the breaking instruction uses) are left to the resume function's prologue."""
        tx = self.tx
        live = set()
        per_target = []
        for target in targets:
            names = livevars_analysis(self.code, tx.instructions, target)
            live |= names
            per_target.append(tuple(n for n in self.code.co_varnames if n in names and n in tx.symbolic_locals))
        restore = [n for n, vt in tx.symbolic_locals.items() if n in live and not _unchanged_input(n, vt)]
        slot = 0
        for kind in self.layout:
            i, vt = slot, self.stack[slot]
            slot += 1 if kind in (VALUE, NULL) else 2
            if kind not in (VALUE, NULL):
                continue  # a grad-mode block: the resume prologue enters it again
            if kind == NULL and i < consumed_from:
                continue
            if i == wrap_callee_at and _is_user_function(vt):
                self.cg.load_const(nested_frame_maker(tx.output.backend))
                self.cg.push_null()
                self.cg.reconstruct(vt)
                self.cg.call(1)
            else:
                self.cg.reconstruct(vt)
        for name in restore:
            self.cg.reconstruct(tx.symbolic_locals[name])
        for name in reversed(restore):
            self.cg.store_local(name)
        return per_target

    def call_resume(self, target, layout_after, argnames):
        """Calls the resume function with what is on the stack and the live locals, and
        returns its result."""
        nvalues = sum(1 for kind in layout_after if kind == VALUE)
        code = ContinueExecutionCache.lookup(self.code, target.index, layout_after, argnames, self.lineno)
        output = self.tx.output
        name = output.install_global_name(f"__resume_at_{target.offset}")
        closure = self.code.co_freevars
        if closure:
            maker = _ResumeMaker(code, output.f_globals, output.backend)
            output.f_globals[name] = maker
        else:
            output.f_globals[name] = resume_function(code, output.f_globals, output.backend)
        self.emit("BUILD_TUPLE", nvalues)
        for arg in argnames:
            self.emit("LOAD_FAST", argval=arg)
        self.emit("BUILD_TUPLE", len(argnames))
        self.emit("BINARY_OP", NB_ADD)
        self.emit("LOAD_GLOBAL", argval=(name, False))
        if closure:
            self.emit("PUSH_NULL")
            for cell in closure:
                self.emit("LOAD_FAST", argval=cell)  # the cell itself, as closures are built
            self.emit("BUILD_TUPLE", len(closure))
            self.emit("CALL", 1)
        self.emit("SWAP", 2)
        self.emit("PUSH_NULL")
        self.emit("SWAP", 2)
        self.emit("PUSH_NULL")
        self.emit("CALL_FUNCTION_EX")
        self.emit("RETURN_VALUE")

    def set_grad(self, mode):
        self.cg.load_const(torch._C._set_grad_enabled)
        self.cg.push_null()
        self.cg.load_const(mode)
        self.cg.call(1)
        self.emit("POP_TOP")


def _is_exit(vt):
    from torch._dynamo.variables.misc import BoundBuiltinMethod

    return isinstance(vt, BoundBuiltinMethod) and vt.name == "__exit__"


def _is_user_function(vt):
    from torch._dynamo.variables.functions import UserFunctionVariable, UserMethodVariable
    from torch._dynamo.variables.lazy import LazyVariableTracker

    if isinstance(vt, LazyVariableTracker):
        vt = vt._realized
    return isinstance(vt, (UserFunctionVariable, UserMethodVariable))


def _unchanged_input(name, vt):
    source = getattr(vt, "source", None)
    return isinstance(source, LocalSource) and source.local_name == name


class _ResumeMaker:
    """For a frame with free variables: the resume function closes over the frame's cells,
    so it is made (once per closure) when the transformed frame runs."""

    def __init__(self, code, f_globals, backend):
        self.code = code
        self.f_globals = f_globals
        self.backend = backend

    def __call__(self, closure):
        return resume_function(self.code, self.f_globals, self.backend, closure)


_nested = {}


def nested_frame_maker(backend):
    """Runs a user function called at a graph break as a frame of its own (compiled with the
    same backend), as PyTorch's frame hook would when the call happens."""
    found = _nested.get(backend)
    if found is None:
        found = _nested[backend] = _NestedFrame(backend)
    return found


class _NestedFrame:
    def __init__(self, backend):
        self.backend = backend
        self.cache = {}

    def __repr__(self):
        name = getattr(self.backend, "__name__", type(self.backend).__name__)
        return f"<compile as a frame of its own, backend {name}>"

    def __call__(self, fn):
        import types

        from torch._dynamo.eval_frame import wrap_for_backend

        func = fn.__func__ if isinstance(fn, types.MethodType) else fn
        if not isinstance(func, types.FunctionType) or getattr(func, "_torchdynamo_disable", False):
            return fn
        wrapped = self.cache.get(func)
        if wrapped is None:
            wrapped = self.cache[func] = wrap_for_backend(func, self.backend)
        return types.MethodType(wrapped, fn.__self__) if fn is not func else wrapped


def break_at_instruction(tx, inst, stack, reason):
    """The frame up to `inst` (a call or attribute store the tracer could not do) as a graph;
    `inst` runs for real; a resume function continues after it."""
    check_can_break(tx, inst)
    pops, pushes = _CALL_LIKE[inst.opname]
    if inst.opname in ("CALL", "CALL_KW"):
        pops += inst.arg
    brk = _Break(tx, inst, stack)
    if any(kind not in (VALUE, NULL) for kind in brk.layout[len(brk.layout) - pops:]):
        raise Unsupported("graph break on a `with` statement's own call")
    blocks = _grad_blocks(stack)
    target = tx.instructions[inst.index + 1]
    callee_at = len(stack) - pops if inst.opname.startswith("CALL") else None
    tx.output.exit_grad_blocks(blocks)
    (argnames,) = brk.restore_values([target], len(stack) - pops, wrap_callee_at=callee_at)
    cg = brk.cg
    if blocks:
        brk.set_grad(blocks[-1].target_mode)
    by_name = inst.opname in ("STORE_ATTR", "STORE_GLOBAL")  # its arg indexes co_names: resolved again
    again = create_instruction(inst.opname, None if by_name else inst.arg, inst.argval,
                               positions=inst.positions, lineno=inst.lineno)
    cg.instructions.append(again)
    if blocks:
        brk.set_grad(blocks[0].initial_mode)
    layout_after = brk.layout[:len(brk.layout) - pops] + (VALUE,) * pushes
    brk.call_resume(target, layout_after, argnames)
    if blocks:
        # The blocks' mode holds while the instruction runs, and is undone if it raises.
        start = len(cg.instructions)
        brk.set_grad(blocks[0].initial_mode)
        brk.emit("RERAISE", 0)
        again.exn_tab_entry = ExceptionTableEntry(again, again, cg.instructions[start], 0, False)
    return tx.output.compile_and_call(tx, cg, reason)


def break_at_jump(tx, inst, stack, reason):
    """A branch on a tensor: the graph computes the condition; the transformed frame branches
    on it for real, into one resume function per side."""
    check_can_break(tx, inst)
    brk = _Break(tx, inst, stack)
    jump_target = inst.target
    fall_through = tx.instructions[inst.index + 1]
    blocks = _grad_blocks(stack)
    tx.output.exit_grad_blocks(blocks)
    names_fall, names_jump = brk.restore_values([fall_through, jump_target], len(stack) - 1)
    brk.emit("TO_BOOL")
    layout_after = brk.layout[:-1]
    jump = brk.emit(inst.opname)
    brk.call_resume(fall_through, layout_after, names_fall)
    landing = len(brk.cg.instructions)
    brk.call_resume(jump_target, layout_after, names_jump)
    jump.target = brk.cg.instructions[landing]
    return tx.output.compile_and_call(tx, brk.cg, reason)
