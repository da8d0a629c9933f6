"""`torch.SymInt`, `torch.SymBool`, `torch.SymFloat`: Python numbers whose value is an
expression over size symbols (`s77`, `s77//2`), each carrying the value it has for the inputs
being traced (its hint).

Arithmetic builds new expressions (native, `torch._C.SymExpr`); a comparison is a SymBool, and
asking a SymBool for its truth value (`if x.shape[0] > 4:`) answers from the hints and records
the answer as a guard in the ShapeEnv, as PyTorch does. `int(s)` specialises: the guard pins the
symbol's value. The ShapeEnv is in `torch/fx/experimental/symbolic_shapes.py`."""

import builtins
import math
import operator

from torch import _C

_REL_NEGATION = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_REL_FN = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge}


class SymNode:
    """One symbolic value: an expression (`SymExpr`, or for a SymBool a relation `(op, lhs,
    rhs)`), its ShapeEnv and its hint. `expr` is read through the ShapeEnv's replacements, so a
    value printed after a fact was learned (`s17 == s77`) prints in the simplest terms."""

    __slots__ = ("_expr", "shape_env", "pytype", "hint")

    def __init__(self, expr, shape_env, pytype, hint):
        self._expr = expr
        self.shape_env = shape_env
        self.pytype = pytype
        self.hint = hint

    @property
    def expr(self):
        if self.pytype is bool:
            op, lhs, rhs = self._expr
            return op, self.shape_env.simplify(lhs), self.shape_env.simplify(rhs)
        return self.shape_env.simplify(self._expr)

    def __str__(self):
        if self.pytype is bool:
            return _rel_str(*self.expr)
        return str(self.expr)


def _rel_str(op, lhs, rhs):
    if op == "==":
        return f"Eq({lhs}, {rhs})"
    if op == "!=":
        return f"Ne({lhs}, {rhs})"
    return f"{lhs} {op} {rhs}"


def _node(v):
    return v.node if isinstance(v, (SymInt, SymBool, SymFloat)) else None


def _expr(v):
    return v.node.expr if isinstance(v, SymInt) else _C._sym_int(v)


def _hint(v):
    return v.node.hint if isinstance(v, (SymInt, SymBool, SymFloat)) else v


def _is_int(v):
    return isinstance(v, SymInt) or (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, bool)


def _arith(name, hint_fn):
    def op(self, other):
        if isinstance(other, float) or isinstance(other, SymFloat):
            # Float arithmetic on a size: the size is pinned (its value is guarded).
            return hint_fn(int(self), _hint(other) if isinstance(other, SymFloat) else other)
        if not _is_int(other):
            return NotImplemented
        env = self.node.shape_env
        return env.make_symint(getattr(self.node.expr, name)(_expr(other)), hint_fn(self.node.hint, _hint(other)))

    def rop(self, other):
        if isinstance(other, float):
            return hint_fn(other, int(self))
        if not _is_int(other):
            return NotImplemented
        env = self.node.shape_env
        return env.make_symint(getattr(_expr(other), name)(self.node.expr), hint_fn(_hint(other), self.node.hint))

    return op, rop


def _compare(op):
    def cmp(self, other):
        if isinstance(other, (float, SymFloat)):
            return _REL_FN[op](int(self), _hint(other))
        if not _is_int(other):
            return NotImplemented
        env = self.node.shape_env
        lhs, rhs = self.node.expr, _expr(other)
        return env.make_symbool(op, lhs, rhs, _REL_FN[op](self.node.hint, _hint(other)))

    return cmp


class SymInt:
    """An int whose value is symbolic (`s77`, `2*s77`, `(s77//2)`)."""

    __module__ = "torch"

    def __init__(self, node):
        self.node = node

    __add__, __radd__ = _arith("add", operator.add)
    __sub__, __rsub__ = _arith("sub", operator.sub)
    __mul__, __rmul__ = _arith("mul", operator.mul)
    __floordiv__, __rfloordiv__ = _arith("floordiv", operator.floordiv)

    def __mod__(self, other):
        # Modulo is not in the expression engine: the value is pinned.
        return int(self) % other

    def __rmod__(self, other):
        return other % int(self)

    def __truediv__(self, other):
        return int(self) / other

    def __rtruediv__(self, other):
        return other / int(self)

    def __pow__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other >= 0:
            return self.node.shape_env.make_symint(self.node.expr.pow(other), self.node.hint ** other)
        return int(self) ** _hint(other)

    def __neg__(self):
        return self.node.shape_env.make_symint(self.node.expr.neg(), -self.node.hint)

    def __pos__(self):
        return self

    def __abs__(self):
        return self if self >= 0 else -self

    __eq__ = _compare("==")
    __ne__ = _compare("!=")
    __lt__ = _compare("<")
    __le__ = _compare("<=")
    __gt__ = _compare(">")
    __ge__ = _compare(">=")

    def __bool__(self):
        return bool(self != 0)

    def __int__(self):
        return self.node.shape_env.specialize(self.node)

    __index__ = __int__

    def __float__(self):
        return float(int(self))

    def __hash__(self):
        raise TypeError("unhashable type: non-nested SymInt")

    def __sym_max__(self, other):
        return self if self >= other else other

    def __sym_min__(self, other):
        return self if self <= other else other

    def __repr__(self):
        return str(self.node)

    __str__ = __repr__

    def __format__(self, spec):
        return format(str(self), spec) if not spec else format(int(self), spec)

    def __round__(self, ndigits=None):
        return self


class SymBool:
    """A bool whose value is a relation between symbolic ints (`s77 > 4`)."""

    __module__ = "torch"

    def __init__(self, node):
        self.node = node

    def __bool__(self):
        return self.node.shape_env.evaluate(self.node)

    def __and__(self, other):
        return bool(self) and bool(other)

    def __or__(self, other):
        return bool(self) or bool(other)

    def __invert__(self):
        return sym_not(self)

    def __eq__(self, other):
        return bool(self) == bool(other)

    def __hash__(self):
        raise TypeError("unhashable type: SymBool")

    def __repr__(self):
        return str(self.node)

    __str__ = __repr__


class SymFloat:
    """A float whose value is symbolic. smelt pins float expressions to their value, so this
    type appears only where PyTorch's API names it (isinstance checks)."""

    __module__ = "torch"

    def __init__(self, node):
        self.node = node

    def __float__(self):
        return float(self.node.hint)

    def __repr__(self):
        return str(self.node)


def sym_not(a):
    """`not a` without asking a SymBool for its value (no guard)."""
    if isinstance(a, SymBool):
        op, lhs, rhs = a.node._expr
        return a.node.shape_env.make_symbool(_REL_NEGATION[op], lhs, rhs, not a.node.hint)
    return not a


def sym_max(a, b):
    """max(a, b) of ints or SymInts. Without Max in the expression engine, the larger one is
    chosen under a guard."""
    if isinstance(a, SymInt) or isinstance(b, SymInt):
        return a if a >= b else b
    return builtins.max(a, b)


def sym_min(a, b):
    if isinstance(a, SymInt) or isinstance(b, SymInt):
        return a if a <= b else b
    return builtins.min(a, b)


def sym_int(a):
    if isinstance(a, SymInt):
        return a
    return math.trunc(a) if isinstance(a, float) else int(a)


def sym_float(a):
    return float(a)


def sym_sum(args):
    """The sum of ints and SymInts (one expression, not a chain of additions)."""
    total = 0
    for a in args:
        total = total + a
    return total


def sym_ite(b, t, f):
    return t if b else f
