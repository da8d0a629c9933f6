"""Python builtins and the `operator` module at trace time: folded on constants, recorded as
graph nodes when a tensor is involved."""

import builtins
import math
import operator

import torch
from torch._dynamo.exc import ObservedException, unimplemented
from torch._dynamo.variables.base import VariableTracker
from torch._dynamo.variables.constant import ConstantVariable
from torch._dynamo.variables.lazy import realize


def _is_tensor(vt):
    from torch._dynamo.variables.tensor import TensorVariable

    return isinstance(realize(vt), TensorVariable)


def _const(vt):
    return vt.as_python_constant()


def _all_const(args, kwargs=None):
    return all(a.is_python_constant() for a in args) and all(v.is_python_constant() for v in (kwargs or {}).values())


def binary_op(tx, fn, a, b):
    """`a <op> b` for any two variable trackers (fn is an `operator` function)."""
    from torch._dynamo.variables.builder import wrap_constant_like, wrap_fx_proxy
    from torch._dynamo.variables.lists import BaseListVariable, ListVariable, SizeVariable, TupleVariable

    a, b = realize(a, tx), realize(b, tx)
    if _is_tensor(a) or _is_tensor(b):
        return wrap_fx_proxy(tx, tx.output.create_proxy("call_function", fn, (a, b), {}))
    if (_is_sym(a) or _is_sym(b)) and fn not in (operator.getitem, operator.is_, operator.is_not) \
            and all(_is_sym(v) or _is_number(v) for v in (a, b)):
        return sym_op(tx, fn, (a, b))
    if fn in (operator.add, operator.iadd) and isinstance(a, BaseListVariable) and isinstance(b, BaseListVariable):
        if fn is operator.iadd and isinstance(a, ListVariable):
            a.call_mutating_method(tx, "extend", [b], {})
            return a
        if type(a) is type(b) or (isinstance(a, TupleVariable) and isinstance(b, TupleVariable)):
            if isinstance(a, SizeVariable) and isinstance(b, SizeVariable):
                return SizeVariable([i.as_python_constant() for i in a.items + b.items])
            if isinstance(a, ListVariable):
                return ListVariable(a.items + b.items, mutable_local=True)
            return TupleVariable(a.items + b.items)
    if fn in (operator.mul, operator.imul) and isinstance(a, BaseListVariable) and b.is_python_constant():
        items = a.items * b.as_python_constant()
        return ListVariable(items, mutable_local=True) if isinstance(a, ListVariable) else TupleVariable(items)
    if fn is operator.getitem:
        from torch._dynamo.variables.lists import getitem_on
        from torch._dynamo.variables.dicts import ConstDictVariable

        if isinstance(a, ConstDictVariable):
            return a.call_method(tx, "__getitem__", [b], {})
        if isinstance(a, BaseListVariable) or type(a).__name__ == "RangeVariable":
            return getitem_on(tx, a, b)
    if fn in (operator.eq, operator.ne) and not (a.is_python_constant() and b.is_python_constant()):
        # Identity-based equality of objects the tracer knows (modules, functions).
        same = _same_object(a, b)
        if same is not None:
            return ConstantVariable(same if fn is operator.eq else not same)
    if a.is_python_constant() and b.is_python_constant():
        try:
            return wrap_constant_like(tx, fn(a.as_python_constant(), b.as_python_constant()))
        except Exception as e:
            raise ObservedException(type(e), str(e))
    unimplemented(f"{fn.__name__} on {type(a).__name__} and {type(b).__name__}")


def _is_sym(vt):
    from torch._dynamo.variables.tensor import SymNodeVariable

    return isinstance(vt, SymNodeVariable)


def _is_number(vt):
    return vt.is_python_constant() and type(vt.as_python_constant()) in (int, bool, float)


def sym_op(tx, fn, args):
    """An operation on symbolic ints: a graph node whose value is the operation run on the
    SymInts (`floordiv: "Sym((s77//2))" = s77 // 2`); a result the ranges decide is a
    constant."""
    from torch._dynamo.variables.builder import wrap_constant_like, wrap_fx_proxy

    try:
        value = fn(*[a.example() for a in args])
    except Exception as e:
        raise ObservedException(type(e), str(e))
    if not isinstance(value, (torch.SymInt, torch.SymBool, torch.SymFloat)):
        out = wrap_constant_like(tx, value)
        if isinstance(value, bool) and fn in _COMPARISONS:
            # A comparison of sizes the ranges decide: PyTorch keeps it symbolic (`s77 < 5`)
            # until asked, and torch._check reports it so.
            out.decided_comparison = f"{_operand_str(args[0])} {_COMPARISONS[fn]} {_operand_str(args[1])}"
        return out
    return wrap_fx_proxy(tx, tx.output.create_proxy("call_function", fn, args, {}, example_value=value))


_COMPARISONS = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=", operator.eq: "==",
                operator.ne: "!="}


def _operand_str(v):
    return str(v.example()) if _is_sym(v) else repr(v.as_python_constant())


def _same_object(a, b):
    va, vb = getattr(a, "value", _MISSING), getattr(b, "value", _MISSING)
    if va is _MISSING or vb is _MISSING:
        return None
    return va is vb


_MISSING = object()


def unary_op(tx, fn, a):
    from torch._dynamo.variables.builder import wrap_constant_like, wrap_fx_proxy

    a = realize(a, tx)
    if _is_tensor(a):
        return wrap_fx_proxy(tx, tx.output.create_proxy("call_function", fn, (a,), {}))
    if _is_sym(a) and fn is not operator.not_:
        return sym_op(tx, fn, (a,))
    if a.is_python_constant():
        try:
            return wrap_constant_like(tx, fn(a.as_python_constant()))
        except Exception as e:
            raise ObservedException(type(e), str(e))
    unimplemented(f"{fn.__name__} on {type(a).__name__}")


def isinstance_check(tx, obj, classinfo):
    obj = realize(obj, tx)
    try:
        cls = classinfo.as_python_constant()
    except NotImplementedError:
        unimplemented("isinstance with a class that is not a constant")
    from torch._dynamo.variables.tensor import TensorVariable

    if isinstance(obj, TensorVariable):
        typ = obj.class_type
        return ConstantVariable(issubclass(typ, cls) if isinstance(cls, type) else
                                any(issubclass(typ, c) for c in cls))
    value = getattr(obj, "value", _MISSING)
    if value is not _MISSING and not isinstance(obj, ConstantVariable) and hasattr(obj, "source"):
        return ConstantVariable(isinstance(value, cls))
    return ConstantVariable(isinstance(obj.python_type(), type) and _issub(obj.python_type(), cls))


def _issub(typ, cls):
    try:
        return issubclass(typ, cls)
    except TypeError as e:
        raise ObservedException(TypeError, str(e))


class BuiltinVariable(VariableTracker):
    CONSTRUCTORS = (tuple, list, dict, int, float, bool, str, set, frozenset, range, slice, enumerate, zip,
                    reversed, type, object)

    def __init__(self, fn, source=None):
        super().__init__(source)
        self.fn = fn

    def __repr__(self):
        return f"BuiltinVariable({getattr(self.fn, '__name__', self.fn)})"

    def as_python_constant(self):
        return self.fn

    def call_function(self, tx, args, kwargs):
        handler = getattr(self, "_call_" + getattr(self.fn, "__name__", ""), None)
        if handler is not None and getattr(builtins, self.fn.__name__, None) is self.fn:
            return handler(tx, list(args), dict(kwargs))
        if getattr(operator, getattr(self.fn, "__name__", ""), None) is self.fn:
            return self._call_operator(tx, args, kwargs)
        if getattr(math, getattr(self.fn, "__name__", ""), None) is self.fn and _all_const(args, kwargs):
            return self._fold(tx, args, kwargs)
        unimplemented(f"builtin {getattr(self.fn, '__name__', self.fn)}")

    def _fold(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like

        try:
            result = self.fn(*[_const(a) for a in args], **{k: _const(v) for k, v in kwargs.items()})
        except Exception as e:
            raise ObservedException(type(e), str(e))
        return wrap_constant_like(tx, result)

    def _call_operator(self, tx, args, kwargs):
        fn = self.fn
        if len(args) == 2 and not kwargs:
            if fn in (operator.is_, operator.is_not):
                return tx.is_op(args[0], args[1], fn is operator.is_not)
            if fn is operator.contains:
                return tx.contains_op(args[1], args[0], False)
            return binary_op(tx, fn, args[0], args[1])
        if len(args) == 1 and not kwargs:
            if fn is operator.not_:
                return ConstantVariable(not realize(args[0], tx).truth(tx))
            return unary_op(tx, fn, args[0])
        if fn is operator.setitem and len(args) == 3:
            return tx.store_subscr(args[0], args[1], args[2])
        unimplemented(f"operator.{fn.__name__} with {len(args)} arguments")

    # -- the builtins ---------------------------------------------------------------------------
    def _call_len(self, tx, args, kwargs):
        obj = realize(args[0], tx)
        if _is_tensor(obj):
            shape = obj.example_value.shape
            if not shape:
                raise ObservedException(TypeError, "len() of a 0-d tensor")
            return ConstantVariable(shape[0])
        return obj.call_method(tx, "__len__", [], {})

    def _call_isinstance(self, tx, args, kwargs):
        return isinstance_check(tx, args[0], realize(args[1], tx))

    def _call_issubclass(self, tx, args, kwargs):
        return self._fold(tx, args, kwargs)

    def _call_callable(self, tx, args, kwargs):
        from torch._dynamo.variables.functions import BaseUserFunctionVariable, UserMethodVariable

        obj = realize(args[0], tx)
        if isinstance(obj, (BaseUserFunctionVariable, UserMethodVariable, BuiltinVariable)):
            return ConstantVariable(True)
        if obj.is_python_constant():
            return ConstantVariable(callable(obj.as_python_constant()))
        if hasattr(obj, "value"):
            return ConstantVariable(callable(obj.value))
        return ConstantVariable(False)

    def _call_range(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import RangeVariable

        return RangeVariable(range(*[_const(realize(a, tx)) for a in args]))

    def _call_iter(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable

        obj = realize(args[0], tx)
        if isinstance(obj, ListIteratorVariable):
            return obj
        return ListIteratorVariable(tx.unpack_iterable(obj))

    def _call_next(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable

        it = realize(args[0], tx)
        if isinstance(it, ListIteratorVariable):
            try:
                return it.next_variable(tx)
            except StopIteration:
                if len(args) > 1:
                    return args[1]
                raise ObservedException(StopIteration, "")
        unimplemented("next() on this iterator")

    def _call_enumerate(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable, TupleVariable

        start = _const(kwargs.get("start", args[1] if len(args) > 1 else ConstantVariable(0)))
        items = tx.unpack_iterable(args[0])
        for v in items:
            # PyTorch runs enumerate as a Python generator that stores each item in `x` first.
            hint = getattr(v, "set_name_hint", None)
            if hint is not None:
                hint("x")
        return ListIteratorVariable([TupleVariable([ConstantVariable(start + i), v]) for i, v in enumerate(items)])

    def _call_zip(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable, TupleVariable

        seqs = [tx.unpack_iterable(a) for a in args]
        if kwargs.get("strict") is not None and _const(kwargs["strict"]) and len({len(s) for s in seqs}) > 1:
            raise ObservedException(ValueError, "zip() arguments have different lengths")
        return ListIteratorVariable([TupleVariable(list(group)) for group in zip(*seqs)])

    def _call_reversed(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable

        return ListIteratorVariable(list(reversed(tx.unpack_iterable(args[0]))))

    def _call_map(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable

        fn = args[0]
        seqs = [tx.unpack_iterable(a) for a in args[1:]]
        return ListIteratorVariable([fn.call_function(tx, list(group), {}) for group in zip(*seqs)])

    def _call_filter(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable

        fn = realize(args[0], tx)
        out = []
        for item in tx.unpack_iterable(args[1]):
            keep = item if fn.is_python_constant() and fn.as_python_constant() is None else \
                fn.call_function(tx, [item], {})
            if realize(keep, tx).truth(tx):
                out.append(item)
        return ListIteratorVariable(out)

    def _call_sorted(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListVariable

        items = tx.unpack_iterable(args[0])
        if not all(realize(i, tx).is_python_constant() for i in items) or "key" in kwargs:
            unimplemented("sorted() of traced values")
        values = sorted([_const(i) for i in items], reverse=bool(_const(kwargs.get("reverse", ConstantVariable(False)))))
        return ListVariable([ConstantVariable(v) for v in values], mutable_local=True)

    def _call_tuple(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import TupleVariable

        return TupleVariable(tx.unpack_iterable(args[0]) if args else [])

    def _call_list(self, tx, args, kwargs):
        from torch._dynamo.variables.lists import ListVariable

        return ListVariable(tx.unpack_iterable(args[0]) if args else [], mutable_local=True)

    def _call_dict(self, tx, args, kwargs):
        from torch._dynamo.variables.dicts import ConstDictVariable

        out = ConstDictVariable({}, mutable_local=True)
        out.call_method(tx, "update", args, kwargs)
        return out

    def _minmax(self, tx, args, kwargs, pick):
        items = args if len(args) > 1 else tx.unpack_iterable(args[0])
        items = [realize(i, tx) for i in items]
        if any(_is_tensor(i) for i in items):
            if len(items) == 2:
                fn = torch.maximum if pick is max else torch.minimum
                from torch._dynamo.variables.torch_fns import TorchInGraphFunctionVariable

                if all(_is_tensor(i) for i in items):
                    return TorchInGraphFunctionVariable(fn).call_function(tx, items, {})
            unimplemented(f"{pick.__name__}() over tensors")
        if not items:
            raise ObservedException(ValueError, f"{pick.__name__}() arg is an empty sequence")
        return ConstantVariable(pick(_const(i) for i in items))

    def _call_max(self, tx, args, kwargs):
        return self._minmax(tx, args, kwargs, max)

    def _call_min(self, tx, args, kwargs):
        return self._minmax(tx, args, kwargs, min)

    def _call_sum(self, tx, args, kwargs):
        items = [realize(i, tx) for i in tx.unpack_iterable(args[0])]
        start = args[1] if len(args) > 1 else kwargs.get("start", ConstantVariable(0))
        if all(i.is_python_constant() for i in items) and realize(start, tx).is_python_constant():
            return self._fold(tx, [ConstantVariable([i.as_python_constant() for i in items]), start], {})
        # Over traced values, run the same Python loop PyTorch runs (its locals name the nodes).
        from torch._dynamo import polyfills
        from torch._dynamo.variables.functions import UserFunctionVariable
        from torch._dynamo.variables.lists import ListIteratorVariable

        return UserFunctionVariable(polyfills.builtin_sum).call_function(
            tx, [ListIteratorVariable(items), start], {})

    def _call_abs(self, tx, args, kwargs):
        return unary_op(tx, operator.abs, args[0])

    def _call_any(self, tx, args, kwargs):
        return ConstantVariable(any(realize(i, tx).truth(tx) for i in tx.unpack_iterable(args[0])))

    def _call_all(self, tx, args, kwargs):
        return ConstantVariable(all(realize(i, tx).truth(tx) for i in tx.unpack_iterable(args[0])))

    def _call_bool(self, tx, args, kwargs):
        return ConstantVariable(realize(args[0], tx).truth(tx) if args else False)

    def _call_getattr(self, tx, args, kwargs):
        obj = realize(args[0], tx)
        name = _const(args[1])
        try:
            return obj.var_getattr(tx, name)
        except ObservedException as e:
            if len(args) > 2 and e.exc_type is AttributeError:
                return args[2]
            raise

    def _call_hasattr(self, tx, args, kwargs):
        obj = realize(args[0], tx)
        try:
            obj.var_getattr(tx, _const(args[1]))
            return ConstantVariable(True)
        except ObservedException as e:
            if e.exc_type is AttributeError:
                return ConstantVariable(False)
            raise

    def _call_type(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like

        obj = realize(args[0], tx)
        if _is_tensor(obj):
            return wrap_constant_like(tx, type(obj.example_value) if not hasattr(obj.example_value, "fake_mode")
                                      else torch.Tensor)
        return wrap_constant_like(tx, obj.python_type())

    def _call_print(self, tx, args, kwargs):
        arg_types = [realize(a, tx).python_type().__name__ for a in args]
        unimplemented(
            gb_type="Failed to trace builtin operator",
            context=f"builtin print {[type(realize(a, tx)) for a in args]} {bool(kwargs)}",
            explanation=f"Dynamo does not know how to trace builtin operator `print` with argument types "
                        f"{arg_types} (has_kwargs {bool(kwargs)})",
            hints=[
                f"Avoid calling builtin `print` with argument types {arg_types}. Consider using an equivalent "
                "alternative function/method to `print`.",
                "If you are attempting to call a logging function (e.g. `print`), you can try adding it to "
                "`torch._dynamo.config.reorderable_logging_functions`.",
                "Please report an issue to PyTorch.",
            ],
            gb_id="gb0059",
        )

    def _scalar(self, tx, args, kwargs):
        obj = realize(args[0], tx) if args else None
        if obj is not None and _is_tensor(obj):
            unimplemented(f"{self.fn.__name__}() of a tensor needs its data")
        return self._fold(tx, args, kwargs)

    _call_int = _scalar
    _call_float = _scalar
    _call_str = _scalar
    _call_round = _scalar
    _call_divmod = _scalar
    _call_pow = _scalar
    _call_repr = _scalar
    _call_chr = _scalar
    _call_ord = _scalar
    _call_hash = _scalar
    _call_slice = _scalar

    def _call_id(self, tx, args, kwargs):
        obj = realize(args[0], tx)
        if hasattr(obj, "value") and obj.source is not None:
            return ConstantVariable(id(obj.value))
        unimplemented("id() of a traced value")

    def _call_set(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like

        items = tx.unpack_iterable(args[0]) if args else []
        if not all(realize(i, tx).is_python_constant() for i in items):
            unimplemented("set of traced values")
        return wrap_constant_like(tx, set(_const(i) for i in items))

