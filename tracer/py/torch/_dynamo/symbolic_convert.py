"""The symbolic interpreter: runs a code object's instructions over VariableTrackers.

`InstructionTranslator` traces a compiled frame; calls to Python functions are traced by an
`InliningInstructionTranslator` into the same graph. Tensor operations become graph nodes (run on
fake tensors), Python values are computed at trace time, control flow on them is followed (loops
are unrolled). Anything that cannot be traced raises `Unsupported`; an exception the traced code
would raise becomes `ObservedException`.
"""

import builtins
import operator
import traceback

import torch
from torch._dynamo import graph_break_codegen
from torch._dynamo.bytecode_transformation import cleaned_instructions
from torch._dynamo.exc import ObservedException, Unsupported, unimplemented
from torch._dynamo.source import GetItemSource, GlobalSource, LocalSource, ModuleGlobalsSource
from torch._dynamo.variables import lazy
from torch._dynamo.variables.base import NullVariable, mutation_count, note_mutation
from torch._dynamo.variables.builtin import binary_op, unary_op
from torch._dynamo.variables.constant import BINARY_OPS, COMPARE_OPS, ConstantVariable
from torch._dynamo.variables.dicts import ConstDictVariable
from torch._dynamo.variables.functions import CellVariable, NestedUserFunctionVariable, RealCellVariable
from torch._dynamo.variables.lazy import LazyVariableTracker, realize
from torch._dynamo.variables.lists import (
    BaseListVariable, ListIteratorVariable, ListVariable, SliceVariable, TupleVariable,
)

_CO_GENERATOR_LIKE = 0x20 | 0x80 | 0x100 | 0x200
_LITERAL_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None), tuple, frozenset, type(Ellipsis),
                            type(compile("0", "", "eval"))})
_INLINE_DEPTH_LIMIT = 64
_COMMON_CONSTANTS = {0: AssertionError, 1: NotImplementedError, 2: tuple, 3: all, 4: any}
_SPECIAL_METHODS = {0: "__enter__", 1: "__exit__", 2: "__aenter__", 3: "__aexit__"}


class InstructionTranslatorBase:
    def __init__(self, output, f_code, f_globals, symbolic_locals, cells, parent=None):
        self.output = output
        self.f_code = f_code
        self.f_globals = f_globals
        self.f_builtins = f_globals.get("__builtins__", builtins)
        if not isinstance(self.f_builtins, dict):
            self.f_builtins = vars(self.f_builtins)
        self.instructions = cleaned_instructions(f_code)
        self.symbolic_locals = symbolic_locals
        self.cells = cells
        self.stack = []
        self.ip = 0
        self.lineno = f_code.co_firstlineno
        self.parent = parent
        self.depth = 0 if parent is None else parent.depth + 1
        self.return_value = None
        self.output_instructions = None  # the transformed frame, once tracing ends
        self.done = False

    # -- the loop -------------------------------------------------------------------------------
    def run(self):
        prev = self.output.current_tx
        self.output.current_tx = self
        lazy._tx_stack.append(self)
        try:
            instructions = self.instructions
            may_break = self.parent is None and not self.output.fullgraph
            while not self.done:
                inst = instructions[self.ip]
                self.ip += 1
                self.lineno = inst.lineno
                handler = getattr(self, inst.opname, None)
                if handler is None:
                    unimplemented(f"bytecode instruction {inst.opname}")
                if may_break and inst.opname in graph_break_codegen.BREAKABLE:
                    self.step_or_break(inst, handler)
                else:
                    handler(inst)
        except Unsupported as e:
            if e.user_stack is None:
                e.user_stack = self.user_stack()
            raise
        finally:
            lazy._tx_stack.pop()
            self.output.current_tx = prev

    def user_stack(self):
        """The user frames being traced, outermost first, as traceback entries (a resume
        function under the name of the function it continues)."""
        from torch._dynamo.resume_execution import ContinueExecutionCache

        frames = []
        tx = self
        while tx is not None:
            code = tx.f_code
            name = ContinueExecutionCache.original_names.get(code, code.co_name)
            frames.append(traceback.FrameSummary(code.co_filename, tx.lineno, name))
            tx = tx.parent
        return frames[::-1]

    def step_or_break(self, inst, handler):
        """Runs a call or attribute store; if it cannot be traced, the frame breaks there: the
        graph so far is compiled and the instruction runs for real."""
        stack = list(self.stack)
        local_values = dict(self.symbolic_locals)
        tail = self.output.graph_tail()
        mutations = mutation_count()
        grad_mode = torch.is_grad_enabled()
        try:
            handler(inst)
        except Unsupported as e:
            if mutation_count() != mutations:
                raise  # a partly traced call changed a container: it cannot be undone
            user_stack = e.user_stack or self.user_stack()
            self.stack = stack
            self.symbolic_locals = local_values
            self.output.truncate_graph(tail)
            torch._C._set_grad_enabled(grad_mode)
            self.output_instructions = graph_break_codegen.break_at_instruction(
                self, inst, stack, self.output.break_reason(e, user_stack, inst.opname))
            self.done = True

    def push(self, vt):
        self.stack.append(vt)

    def pop(self):
        return self.stack.pop()

    def popn(self, n):
        if n == 0:
            return []
        items = self.stack[-n:]
        del self.stack[-n:]
        return items

    # -- helpers shared with the variable trackers ----------------------------------------------
    def unpack_iterable(self, vt):
        vt = realize(vt, self)
        if isinstance(vt, ListIteratorVariable):
            return vt.unpack_var_sequence(self)
        if vt.has_unpack_var_sequence(self):
            return vt.unpack_var_sequence(self)
        from torch._dynamo.variables.nn_module import NNModuleVariable

        if isinstance(vt, NNModuleVariable) and hasattr(type(vt.value), "__iter__"):
            it = vt.call_method(self, "__iter__", [], {})
            return self.unpack_iterable(it)
        unimplemented(f"iterating over {type(vt).__name__}")

    def call_function(self, fn, args, kwargs):
        fn = realize(fn, self)
        return fn.call_function(self, args, kwargs)

    def inline_user_function_return(self, fn_vt, args, kwargs):
        code = fn_vt.get_code()
        if code.co_flags & _CO_GENERATOR_LIKE:
            unimplemented(f"inlining generator or coroutine {code.co_name}")
        if self.depth >= _INLINE_DEPTH_LIMIT:
            unimplemented("inlining too deep (recursion?)")
        bound = fn_vt.bind_args(self, args, kwargs)
        sub = InliningInstructionTranslator(self.output, code, fn_vt.get_globals(), bound,
                                            fn_vt.closure_cells(), parent=self)
        sub.run()
        return sub.return_value

    def global_source(self, name):
        if self.f_globals is self.output.f_globals:
            return GlobalSource(name)
        return GetItemSource(ModuleGlobalsSource(self.f_globals), name)

    def is_op(self, a, b, invert):
        a, b = realize(a, self), realize(b, self)
        result = _identical(a, b)
        if result is None:
            unimplemented(f"`is` between {type(a).__name__} and {type(b).__name__}")
        return ConstantVariable(result != invert)

    def contains_op(self, container, item, invert):
        container = realize(container, self)
        if isinstance(container, ConstDictVariable):
            result = container.call_method(self, "__contains__", [item], {})
        elif isinstance(container, BaseListVariable):
            result = container.call_method(self, "__contains__", [item], {})
        elif container.is_python_constant() and realize(item, self).is_python_constant():
            try:
                result = ConstantVariable(item.as_python_constant() in container.as_python_constant())
            except TypeError as e:
                raise ObservedException(TypeError, str(e))
        else:
            items = self.unpack_iterable(container)
            result = ConstantVariable(any(_identical(realize(i, self), realize(item, self)) for i in items))
        value = result.as_python_constant()
        return ConstantVariable(value != invert)

    def store_subscr(self, obj, key, value):
        from torch._dynamo.variables.builder import wrap_fx_proxy
        from torch._dynamo.variables.tensor import TensorVariable

        obj = realize(obj, self)
        if isinstance(obj, TensorVariable):
            key = realize(key, self)
            wrap_fx_proxy(self, self.output.create_proxy("call_function", operator.setitem, (obj, key, value), {}))
            return ConstantVariable(None)
        return obj.call_method(self, "__setitem__", [realize(key, self), value], {})

    # -- loads and stores -----------------------------------------------------------------------
    def _load_local(self, name):
        cell = self.cells.get(name)
        if cell is not None:
            # CPython 3.13+ builds closures by loading the cell itself from its slot.
            self.push(cell)
            return
        try:
            vt = self.symbolic_locals[name]
        except KeyError:
            raise ObservedException(UnboundLocalError, f"cannot access local variable '{name}'")
        self.push(vt)

    def LOAD_FAST(self, inst):
        self._load_local(inst.argval)

    LOAD_FAST_BORROW = LOAD_FAST
    LOAD_FAST_CHECK = LOAD_FAST

    def LOAD_FAST_LOAD_FAST(self, inst):
        a, b = inst.argval
        self._load_local(a)
        self._load_local(b)

    LOAD_FAST_BORROW_LOAD_FAST_BORROW = LOAD_FAST_LOAD_FAST

    def LOAD_FAST_AND_CLEAR(self, inst):
        self.push(self.symbolic_locals.pop(inst.argval, NullVariable()))

    def _store_local(self, name, vt):
        if isinstance(vt, NullVariable):
            self.symbolic_locals.pop(name, None)
            return
        hint = getattr(vt, "set_name_hint", None)
        if hint is not None:
            hint(name)
        self.symbolic_locals[name] = vt

    def STORE_FAST(self, inst):
        self._store_local(inst.argval, self.pop())

    def STORE_FAST_STORE_FAST(self, inst):
        a, b = inst.argval
        self._store_local(a, self.pop())
        self._store_local(b, self.pop())

    def STORE_FAST_LOAD_FAST(self, inst):
        a, b = inst.argval
        self._store_local(a, self.pop())
        self._load_local(b)

    def DELETE_FAST(self, inst):
        self.symbolic_locals.pop(inst.argval, None)

    def LOAD_CONST(self, inst):
        value = inst.argval
        if type(value) in _LITERAL_TYPES:
            self.push(ConstantVariable(value))
        else:
            # Generated code (a resume function's prologue) loads objects as constants.
            from torch._dynamo.variables.builder import wrap_constant_like

            self.push(wrap_constant_like(self, value))

    def LOAD_SMALL_INT(self, inst):
        self.push(ConstantVariable(inst.arg))

    def LOAD_COMMON_CONSTANT(self, inst):
        from torch._dynamo.variables.builder import wrap_constant_like

        self.push(wrap_constant_like(self, _COMMON_CONSTANTS[inst.arg]))

    def _load_global(self, name):
        if name in self.f_globals:
            return LazyVariableTracker(self.f_globals[name], self.global_source(name))
        if name in self.f_builtins:
            from torch._dynamo.variables.builder import wrap_constant_like

            return wrap_constant_like(self, self.f_builtins[name])
        raise ObservedException(NameError, f"name '{name}' is not defined")

    def LOAD_GLOBAL(self, inst):
        self.push(self._load_global(inst.argval))
        if inst.arg & 1:
            self.push(NullVariable())

    def LOAD_NAME(self, inst):
        unimplemented("LOAD_NAME (module-level code)")

    def STORE_GLOBAL(self, inst):
        unimplemented("assigning a global inside a compiled frame")

    def LOAD_DEREF(self, inst):
        cell = self.cells.get(inst.argval)
        if isinstance(cell, RealCellVariable):
            self.push(cell.load(self))
        elif isinstance(cell, CellVariable):
            if cell.contents is None:
                raise ObservedException(NameError, f"cannot access free variable '{inst.argval}'")
            self.push(cell.contents)
        else:
            unimplemented(f"closure variable {inst.argval}")

    def STORE_DEREF(self, inst):
        cell = self.cells.get(inst.argval)
        if not isinstance(cell, CellVariable):
            unimplemented("assigning to a closure variable of an enclosing function")
        vt = self.pop()
        hint = getattr(vt, "set_name_hint", None)
        if hint is not None:
            hint(inst.argval)
        note_mutation()
        cell.contents = vt

    def MAKE_CELL(self, inst):
        name = inst.argval
        if name not in self.cells:
            self.cells[name] = CellVariable(self.symbolic_locals.get(name))

    def COPY_FREE_VARS(self, inst):
        pass

    def LOAD_ATTR(self, inst):
        obj = realize(self.pop(), self)
        self.push(obj.var_getattr(self, inst.argval))
        if inst.arg & 1:
            self.push(NullVariable())

    def STORE_ATTR(self, inst):
        obj = realize(self.pop(), self)
        self.pop()
        unimplemented(f"setting attribute {inst.argval!r} on {type(obj).__name__} inside a compiled frame")

    def LOAD_SPECIAL(self, inst):
        obj = realize(self.pop(), self)
        name = _SPECIAL_METHODS[inst.arg]
        try:
            method = obj.var_getattr(self, name)
        except ObservedException:
            raise ObservedException(TypeError, f"'{obj.python_type().__name__}' object does not support the "
                                               f"context manager protocol")
        self.push(method)
        self.push(NullVariable())

    def IMPORT_NAME(self, inst):
        import sys

        fromlist = self.pop().as_python_constant()
        level = self.pop().as_python_constant()
        if level != 0 or inst.argval.split(".")[0] not in sys.modules or inst.argval not in sys.modules:
            unimplemented(f"import of {inst.argval} inside a compiled frame")
        from torch._dynamo.variables.builder import wrap_constant_like

        module = sys.modules[inst.argval] if fromlist else sys.modules[inst.argval.split(".")[0]]
        self.push(wrap_constant_like(self, module))

    def IMPORT_FROM(self, inst):
        module = realize(self.stack[-1], self)
        self.push(module.var_getattr(self, inst.argval))

    # -- stack ----------------------------------------------------------------------------------
    def NOP(self, inst):
        pass

    RESUME = NOP
    NOT_TAKEN = NOP
    CACHE = NOP
    EXTENDED_ARG = NOP

    def POP_TOP(self, inst):
        self.pop()

    def PUSH_NULL(self, inst):
        self.push(NullVariable())

    def COPY(self, inst):
        self.push(self.stack[-inst.arg])

    def SWAP(self, inst):
        i = inst.arg
        self.stack[-1], self.stack[-i] = self.stack[-i], self.stack[-1]

    # -- calls ----------------------------------------------------------------------------------
    def _call(self, fn, self_or_null, args, kwargs):
        if not isinstance(self_or_null, NullVariable):
            args = [self_or_null, *args]
        self.push(self.call_function(fn, args, kwargs))

    def CALL(self, inst):
        args = self.popn(inst.arg)
        self_or_null = self.pop()
        fn = self.pop()
        self._call(fn, self_or_null, args, {})

    def CALL_KW(self, inst):
        names = self.pop().as_python_constant()
        args = self.popn(inst.arg)
        kwargs = dict(zip(names, args[len(args) - len(names):]))
        args = args[:len(args) - len(names)]
        self_or_null = self.pop()
        fn = self.pop()
        self._call(fn, self_or_null, args, kwargs)

    def CALL_FUNCTION_EX(self, inst):
        kwargs_vt = realize(self.pop(), self)
        args_vt = self.pop()
        self_or_null = self.pop()
        fn = self.pop()
        args = self.unpack_iterable(args_vt)
        kwargs = {}
        if not isinstance(kwargs_vt, NullVariable):
            if not isinstance(kwargs_vt, ConstDictVariable):
                unimplemented("** of something that is not a dict")
            kwargs = dict(kwargs_vt.items)
        self._call(fn, self_or_null, args, kwargs)

    def CALL_INTRINSIC_1(self, inst):
        if inst.arg == 6:  # INTRINSIC_LIST_TO_TUPLE
            self.push(TupleVariable(self.unpack_iterable(self.pop())))
        elif inst.arg == 5:  # INTRINSIC_UNARY_POSITIVE
            self.push(unary_op(self, operator.pos, self.pop()))
        else:
            unimplemented(f"CALL_INTRINSIC_1 {inst.arg}")

    def MAKE_FUNCTION(self, inst):
        code = self.pop().as_python_constant()
        self.push(NestedUserFunctionVariable(code, code.co_qualname, self.f_globals))

    def SET_FUNCTION_ATTRIBUTE(self, inst):
        fn = self.pop()
        value = self.pop()
        flag = inst.arg
        if flag == 1:
            fn.defaults = TupleVariable(self.unpack_iterable(value))
        elif flag == 2:
            fn.kwdefaults = value
        elif flag == 8:
            fn.closure = value
        # annotations (4, 16) do not affect tracing
        self.push(fn)

    # -- operators ------------------------------------------------------------------------------
    def BINARY_OP(self, inst):
        b = self.pop()
        a = self.pop()
        self.push(binary_op(self, BINARY_OPS[inst.arg], a, b))

    def BINARY_SLICE(self, inst):
        stop = self.pop()
        start = self.pop()
        container = self.pop()
        self.push(binary_op(self, operator.getitem, container, SliceVariable(start, stop, ConstantVariable(None))))

    def STORE_SLICE(self, inst):
        stop = self.pop()
        start = self.pop()
        container = self.pop()
        value = self.pop()
        self.store_subscr(container, SliceVariable(start, stop, ConstantVariable(None)), value)

    def STORE_SUBSCR(self, inst):
        key = self.pop()
        obj = self.pop()
        value = self.pop()
        self.store_subscr(obj, key, value)

    def DELETE_SUBSCR(self, inst):
        key = self.pop()
        obj = realize(self.pop(), self)
        obj.call_method(self, "__delitem__", [realize(key, self)], {})

    def COMPARE_OP(self, inst):
        b = self.pop()
        a = self.pop()
        op = str(inst.argval)
        if op.startswith("bool("):
            op = op[5:-1]
        self.push(binary_op(self, COMPARE_OPS[op], a, b))

    def IS_OP(self, inst):
        b = self.pop()
        a = self.pop()
        self.push(self.is_op(a, b, bool(inst.arg)))

    def CONTAINS_OP(self, inst):
        container = self.pop()
        item = self.pop()
        self.push(self.contains_op(container, item, bool(inst.arg)))

    def TO_BOOL(self, inst):
        value = realize(self.pop(), self)
        if _is_tensor(value):
            self.push(value)  # the jump that follows decides what a tensor condition does
        else:
            self.push(ConstantVariable(value.truth(self)))

    def UNARY_NOT(self, inst):
        self.push(ConstantVariable(not realize(self.pop(), self).truth(self)))

    def UNARY_NEGATIVE(self, inst):
        self.push(unary_op(self, operator.neg, self.pop()))

    def UNARY_INVERT(self, inst):
        self.push(unary_op(self, operator.invert, self.pop()))

    # -- jumps ----------------------------------------------------------------------------------
    def _jump(self, inst):
        self.ip = inst.target.index

    def JUMP_FORWARD(self, inst):
        self._jump(inst)

    JUMP_BACKWARD = JUMP_FORWARD
    JUMP_BACKWARD_NO_INTERRUPT = JUMP_FORWARD

    def _condition(self, inst):
        value = realize(self.pop(), self)
        if _is_tensor(value) and self.parent is None and not self.output.fullgraph:
            # A branch on a tensor's value: both sides become resume functions.
            stack = [*self.stack, value]
            # PyTorch names this break by the jump, with the frame itself as the only user frame.
            here = traceback.FrameSummary(self.f_code.co_filename, self.lineno, self.f_code.co_name)
            reason = self.output.break_reason(
                Unsupported("generic_jump TensorVariable()", gb_type="Data-dependent branching"), [here])
            self.output_instructions = graph_break_codegen.break_at_jump(self, inst, stack, reason)
            self.done = True
            return None
        return value.truth(self)

    def POP_JUMP_IF_FALSE(self, inst):
        truth = self._condition(inst)
        if truth is False:
            self._jump(inst)

    def POP_JUMP_IF_TRUE(self, inst):
        if self._condition(inst):
            self._jump(inst)

    def POP_JUMP_IF_NONE(self, inst):
        if _is_none(realize(self.pop(), self)):
            self._jump(inst)

    def POP_JUMP_IF_NOT_NONE(self, inst):
        if not _is_none(realize(self.pop(), self)):
            self._jump(inst)

    # -- iteration ------------------------------------------------------------------------------
    def GET_ITER(self, inst):
        obj = realize(self.pop(), self)
        if isinstance(obj, ListIteratorVariable):
            self.push(obj)
        else:
            self.push(ListIteratorVariable(self.unpack_iterable(obj)))

    def FOR_ITER(self, inst):
        it = self.stack[-1]
        try:
            self.push(it.next_variable(self))
        except StopIteration:
            # Exhausted: CPython jumps to the END_FOR and steps over it; POP_ITER follows.
            target = inst.target
            self.ip = target.index + 1 if target.opname == "END_FOR" else target.index

    def END_FOR(self, inst):
        self.pop()

    def POP_ITER(self, inst):
        self.pop()

    # -- building containers --------------------------------------------------------------------
    def BUILD_TUPLE(self, inst):
        self.push(TupleVariable(self.popn(inst.arg)))

    def BUILD_LIST(self, inst):
        self.push(ListVariable(self.popn(inst.arg), mutable_local=True))

    def BUILD_SET(self, inst):
        from torch._dynamo.variables.lists import SetVariable

        self.push(SetVariable.build(self, [realize(i, self) for i in self.popn(inst.arg)]))

    def BUILD_MAP(self, inst):
        flat = self.popn(2 * inst.arg)
        items = {}
        for k, v in zip(flat[::2], flat[1::2]):
            items[realize(k, self).as_python_constant()] = v
        self.push(ConstDictVariable(items, mutable_local=True))

    def BUILD_SLICE(self, inst):
        parts = self.popn(inst.arg)
        if len(parts) == 2:
            parts.append(ConstantVariable(None))
        self.push(SliceVariable(*[realize(p, self) for p in parts]))

    def BUILD_STRING(self, inst):
        parts = [realize(p, self).as_python_constant() for p in self.popn(inst.arg)]
        self.push(ConstantVariable("".join(parts)))

    def FORMAT_SIMPLE(self, inst):
        value = realize(self.pop(), self)
        if not value.is_python_constant():
            unimplemented(f"formatting a {type(value).__name__} into a string")
        self.push(ConstantVariable(format(value.as_python_constant())))

    def FORMAT_WITH_SPEC(self, inst):
        spec = self.pop().as_python_constant()
        value = realize(self.pop(), self)
        if not value.is_python_constant():
            unimplemented(f"formatting a {type(value).__name__} into a string")
        self.push(ConstantVariable(format(value.as_python_constant(), spec)))

    def CONVERT_VALUE(self, inst):
        value = realize(self.pop(), self)
        if not value.is_python_constant():
            unimplemented(f"converting a {type(value).__name__} to a string")
        convert = {1: str, 2: repr, 3: ascii}[inst.arg]
        self.push(ConstantVariable(convert(value.as_python_constant())))

    def LIST_APPEND(self, inst):
        v = self.pop()
        self.stack[-inst.arg].call_mutating_method(self, "append", [v], {})

    def LIST_EXTEND(self, inst):
        v = self.pop()
        self.stack[-inst.arg].call_mutating_method(self, "extend", [v], {})

    def SET_ADD(self, inst):
        item = realize(self.pop(), self)
        target = realize(self.stack[-inst.arg], self)
        if type(target).__name__ != "SetVariable":
            unimplemented("set comprehension into a set not built here")
        target.add(self, item)

    def SET_UPDATE(self, inst):
        seq = realize(self.pop(), self)
        target = realize(self.stack[-inst.arg], self)
        if type(target).__name__ != "SetVariable":
            unimplemented("set unpacking into a set not built here")
        for item in seq.unpack_var_sequence(self):
            target.add(self, realize(item, self))

    def DICT_UPDATE(self, inst):
        v = realize(self.pop(), self)
        self.stack[-inst.arg].call_method(self, "update", [v], {})

    def DICT_MERGE(self, inst):
        v = realize(self.pop(), self)
        target = self.stack[-inst.arg]
        if isinstance(v, ConstDictVariable):
            for key in v.items:
                if key in target.items:
                    raise ObservedException(TypeError, f"got multiple values for keyword argument '{key}'")
        target.call_method(self, "update", [v], {})

    def MAP_ADD(self, inst):
        value = self.pop()
        key = self.pop()
        self.stack[-inst.arg].call_method(self, "__setitem__", [realize(key, self), value], {})

    def UNPACK_SEQUENCE(self, inst):
        items = self.unpack_iterable(self.pop())
        if len(items) != inst.arg:
            if len(items) > inst.arg:
                raise ObservedException(ValueError, f"too many values to unpack (expected {inst.arg})")
            raise ObservedException(ValueError, f"not enough values to unpack (expected {inst.arg}, got {len(items)})")
        for item in reversed(items):
            self.push(item)

    def UNPACK_EX(self, inst):
        before, after = inst.arg & 0xFF, inst.arg >> 8
        items = self.unpack_iterable(self.pop())
        if len(items) < before + after:
            raise ObservedException(ValueError, "not enough values to unpack")
        middle = ListVariable(items[before:len(items) - after], mutable_local=True)
        for item in reversed(items[:before] + [middle] + items[len(items) - after:]):
            self.push(item)

    def GET_LEN(self, inst):
        from torch._dynamo.variables.builtin import BuiltinVariable

        self.push(BuiltinVariable(len).call_function(self, [self.stack[-1]], {}))

    # -- leaving ----------------------------------------------------------------------------------
    def RETURN_VALUE(self, inst):
        value = self.pop()
        if self.parent is None:
            # A frame returning an input tensor as its whole result returns it from the graph,
            # as PyTorch does; inside a container, inputs are read back from their sources.
            value = realize(value, self)
            self.output_instructions = self.output.compile_return(self, value)
        self.return_value = value
        self.done = True

    def RAISE_VARARGS(self, inst):
        if inst.arg == 0:
            unimplemented("bare raise")
        args = self.popn(inst.arg)
        exc = realize(args[0], self)
        exc_type = getattr(exc, "value", None)
        if isinstance(exc_type, type) and issubclass(exc_type, BaseException):
            raise ObservedException(exc_type, "")
        exc_type = getattr(exc, "exc_type", None)
        if exc_type is not None:
            raise ObservedException(exc_type, "")
        unimplemented("raising an exception object made inside the compiled frame")


def _is_tensor(vt):
    from torch._dynamo.variables.tensor import TensorVariable

    return isinstance(vt, TensorVariable)


def _is_none(vt):
    if vt.is_python_constant():
        return vt.as_python_constant() is None
    return False


def _identical(a, b):
    """Whether two trackers are the same object, when the tracer can tell."""
    from torch._dynamo.variables.tensor import TensorVariable

    if a is b:
        return True
    a_const, b_const = a.is_python_constant(), b.is_python_constant()
    if isinstance(a, TensorVariable) or isinstance(b, TensorVariable):
        if isinstance(a, TensorVariable) and isinstance(b, TensorVariable):
            return a.proxy is b.proxy
        other = b if isinstance(a, TensorVariable) else a
        if other.is_python_constant():
            return False
        return None
    if a_const and b_const:
        return a.as_python_constant() is b.as_python_constant()
    va, vb = getattr(a, "value", None), getattr(b, "value", None)
    if va is not None and vb is not None:
        return va is vb
    if (a_const and a.as_python_constant() is None) or (b_const and b.as_python_constant() is None):
        return False  # a container or object the frame built is never None
    return None


class InstructionTranslator(InstructionTranslatorBase):
    """Traces the compiled frame itself: its arguments (and closure cells) are the inputs."""

    def __init__(self, output, f_code, f_globals, f_locals, closure_cells):
        symbolic_locals = {name: LazyVariableTracker(value, LocalSource(name)) for name, value in f_locals.items()
                           if name not in f_code.co_freevars}
        cells = {name: RealCellVariable(cell, LocalSource(name)) for name, cell in closure_cells.items()}
        super().__init__(output, f_code, f_globals, symbolic_locals, cells)


class InliningInstructionTranslator(InstructionTranslatorBase):
    pass

