"""Resume functions: where a graph break's frame continues.

A resume function is the original code object with a prologue: it takes the values that were on
the stack and the live locals as arguments, pushes the stack back (re-entering grad-mode `with`
blocks the break happened in), and jumps to the instruction after the break. The rest of the
original code follows unchanged, so the function behaves as the original frame would from that
point on; it is compiled like any frame when it is first called (its own frame id).
"""

import collections
import types

import torch
from torch._dynamo.bytecode_transformation import (
    CodeOptions, assemble, cleaned_instructions, copy_instructions, create_instruction,
)

_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08

Positions = collections.namedtuple("Positions", "lineno end_lineno col_offset end_col_offset")

# A stack layout lists the stack bottom to top: VALUE for a value passed as an argument, NULL
# for CPython's NULL entry (pushed again by the prologue), or ("grad", mode) for a grad-mode
# `with` block (two slots: its `__exit__` and the NULL/self next to it), which the prologue
# rebuilds by entering the same mode again.
VALUE = "value"
NULL = "null"


def with_block_setup(emit, mode):
    """Bytecode of `with torch.no_grad():` (or enable_grad) up to the body: leaves the exit
    method pair on the stack, as CPython's own `with` does."""
    emit("LOAD_CONST", argval=torch.enable_grad if mode else torch.no_grad)
    emit("PUSH_NULL")
    emit("CALL", 0)
    emit("COPY", 1)
    emit("LOAD_SPECIAL", 1)
    emit("SWAP", 2)
    emit("SWAP", 3)
    emit("LOAD_SPECIAL", 0)
    emit("CALL", 0)
    emit("POP_TOP")


class ContinueExecutionCache:
    """One resume code object per (code, resume point, stack layout, arguments)."""

    cache = {}
    original_names = {}  # resume code -> the name of the function the user wrote

    @classmethod
    def lookup(cls, code, target_index, stack_layout, argnames, lineno):
        key = (code, target_index, stack_layout, argnames)
        found = cls.cache.get(key)
        if found is None:
            name = cls.original_names.get(code, code.co_name)
            found = cls.cache[key] = _generate(code, name, target_index, stack_layout, argnames, lineno)
            cls.original_names[found] = name
        return found


def _generate(code, original_name, target_index, stack_layout, argnames, lineno):
    instructions = copy_instructions(cleaned_instructions(code))
    target = instructions[target_index]
    nstack = sum(1 for kind in stack_layout if kind == VALUE)
    stack_names = [f"___stack{i}" for i in range(nstack)]
    options = CodeOptions(code)
    args = stack_names + list(argnames)
    options.varnames = args + [v for v in code.co_varnames if v not in args]
    options.argcount = len(args)
    options.posonlyargcount = 0
    options.kwonlyargcount = 0
    options.flags = code.co_flags & ~(_CO_VARARGS | _CO_VARKEYWORDS)
    options.name = f"torch_dynamo_resume_in_{original_name}_at_{lineno}"
    options.qualname = options.name
    options.firstlineno = lineno

    positions = Positions(lineno, lineno, None, None)
    prologue = []

    def emit(opname, arg=None, argval=None, target=None):
        prologue.append(create_instruction(opname, arg, argval, target, positions, lineno))

    if code.co_freevars:
        emit("COPY_FREE_VARS", len(code.co_freevars))
    emit("RESUME", 0)
    names = iter(stack_names)
    for kind in stack_layout:
        if kind == VALUE:
            emit("LOAD_FAST", argval=next(names))
        elif kind == NULL:
            emit("PUSH_NULL")
        else:
            with_block_setup(emit, kind[1])
    emit("JUMP_FORWARD", target=target)
    return assemble(prologue + instructions, options)


_wrappers = {}


def resume_function(code, f_globals, backend, closure=None):
    """The callable a transformed frame calls to continue: the resume code as a function,
    compiled (through its own cache) when called."""
    from torch._dynamo.eval_frame import wrap_for_backend

    key = (code, id(f_globals), backend, closure)
    found = _wrappers.get(key)
    if found is None:
        fn = types.FunctionType(code, f_globals, code.co_name, None, closure)
        found = _wrappers[key] = wrap_for_backend(fn, backend)
    return found
