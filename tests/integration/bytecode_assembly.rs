//! The bytecode assembler behind graph breaks (torch/_dynamo/bytecode_transformation.py): code
//! objects taken apart and put back together must be the same code, and generated code must
//! run, raise with the right line, and honour its exception table. No PyTorch counterpart to
//! compare with (CPython 3.11's bytecode differs), so these assert directly.

use crate::common::python;

#[test]
fn reassembled_stdlib_functions_are_identical() {
    // Every function of a few stdlib modules: same opcodes and arguments (arguments of
    // argument-less opcodes are noise), same exception table, same positions, and a stack
    // depth at least the compiler's.
    let run = python(
        r#"
import collections, dis, functools, inspect, json, opcode, re, types
from torch._dynamo.bytecode_transformation import CodeOptions, assemble, cleaned_instructions, copy_instructions

def norm(code):
    code = bytearray(code)
    for i in range(0, len(code), 2):
        if code[i] < opcode.HAVE_ARGUMENT:
            code[i + 1] = 0
    return bytes(code)

def extended_no_arg(code):
    # RustPython sometimes gives an argument-less opcode an EXTENDED_ARG prefix; reassembled,
    # the prefix is gone and everything after it moves: such functions are left out.
    return any(code[i] == opcode.EXTENDED_ARG and code[i + 2] < opcode.HAVE_ARGUMENT
               for i in range(0, len(code) - 2, 2))

checked = problems = skipped = 0
for mod in (collections, json, re, functools, inspect, dis):
    for obj in vars(mod).values():
        fns = [obj] if isinstance(obj, types.FunctionType) else []
        if isinstance(obj, type):
            fns += [v for v in vars(obj).values() if isinstance(v, types.FunctionType)]
        for f in fns:
            co = f.__code__
            if extended_no_arg(co.co_code):
                skipped += 1
                continue
            new = assemble(copy_instructions(cleaned_instructions(co)), CodeOptions(co))
            checked += 1
            ok = (norm(new.co_code) == norm(co.co_code)
                  and new.co_exceptiontable == co.co_exceptiontable
                  and list(new.co_positions()) == list(co.co_positions())
                  and new.co_stacksize >= co.co_stacksize)
            if not ok:
                problems += 1
                print("differs:", f.__qualname__)
print(checked > 500, skipped < checked // 20, problems)
"#,
    );
    assert_eq!(run.stdout, "True True 0\n");
}

#[test]
fn generated_code_runs_with_its_own_lines_and_handlers() {
    let run = python(
        r#"
import dis, traceback, types
from torch._dynamo.bytecode_transformation import CodeOptions, ExceptionTableEntry, assemble, create_instruction
from torch._dynamo.resume_execution import Positions

def template(a):
    return a

# def g(a): try: return 10 // a  except: return -1   (line 7 for the division)
code = template.__code__
at = lambda line: Positions(line, line, 4, 10)
insts = [
    create_instruction("RESUME", 0, positions=at(5)),
    create_instruction("LOAD_CONST", argval=10, positions=at(7)),
    create_instruction("LOAD_FAST", argval="a", positions=at(7)),
    create_instruction("BINARY_OP", 2, positions=at(7)),
    create_instruction("RETURN_VALUE", positions=at(7)),
]
handler = [create_instruction("POP_TOP", positions=at(8)),
           create_instruction("LOAD_CONST", argval=-1, positions=at(8)),
           create_instruction("RETURN_VALUE", positions=at(8))]
entry = ExceptionTableEntry(insts[1], insts[3], handler[0], 0, False)
for inst in insts[1:4]:
    inst.exn_tab_entry = entry
g = types.FunctionType(assemble(insts + handler, CodeOptions(code)), {})
print(g(5), g(0))

# Without the handler the error propagates, and the traceback points at line 7. (Fresh
# instructions: assembling resolves arguments against one code object's tables.)
insts = [create_instruction(i.opname, None if i.opname in ("LOAD_CONST", "LOAD_FAST") else i.arg, i.argval,
                            positions=i.positions) for i in insts]
h = types.FunctionType(assemble(insts, CodeOptions(code)), {})
try:
    h(0)
except ZeroDivisionError:
    print(traceback.extract_tb(__import__("sys").exc_info()[2])[-1].lineno)
print(h.__code__.co_stacksize, [i.opname for i in dis.get_instructions(h)][:3])
"#,
    );
    assert_eq!(
        run.stdout,
        "2 -1\n7\n2 ['RESUME', 'LOAD_CONST', 'LOAD_FAST']\n"
    );
}
