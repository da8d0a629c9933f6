"""Python constants: numbers, strings, None, dtypes, slices of constants ..."""

import operator

from torch._dynamo.exc import ObservedException
from torch._dynamo.variables.base import VariableTracker


class ConstantVariable(VariableTracker):
    def __init__(self, value, source=None):
        super().__init__(source)
        self.value = value

    @staticmethod
    def create(value, source=None):
        return ConstantVariable(value, source)

    def as_python_constant(self):
        return self.value

    def python_type(self):
        return type(self.value)

    def unpack_var_sequence(self, tx):
        if isinstance(self.value, (str, tuple, bytes, range)):
            return [ConstantVariable(v) for v in self.value]
        raise NotImplementedError

    def var_getattr(self, tx, name):
        if not isinstance(self.value, type) and callable(getattr(self.value, name, None)):
            from torch._dynamo.variables.misc import BoundBuiltinMethod

            return BoundBuiltinMethod(self, name)
        return super().var_getattr(tx, name)

    def call_method(self, tx, name, args, kwargs):
        if all(a.is_python_constant() for a in args) and all(v.is_python_constant() for v in kwargs.values()):
            try:
                method = getattr(self.value, name)
            except AttributeError as e:
                raise ObservedException(AttributeError, str(e))
            try:
                result = method(*[a.as_python_constant() for a in args],
                                **{k: v.as_python_constant() for k, v in kwargs.items()})
            except Exception as e:
                raise ObservedException(type(e), str(e))
            from torch._dynamo.variables.builder import wrap_constant_like

            return wrap_constant_like(tx, result)
        return super().call_method(tx, name, args, kwargs)

    def __repr__(self):
        return f"ConstantVariable({self.value!r})"


def is_literal(value):
    """Values whose equality and repr make them safe to fold into graphs and guards."""
    import torch

    if value is None or value is Ellipsis or value is NotImplemented:
        return True
    if isinstance(value, (bool, int, float, complex, str, bytes, torch.dtype, torch.device, torch.memory_format)):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(is_literal(v) for v in value)
    if isinstance(value, slice):
        return is_literal(value.start) and is_literal(value.stop) and is_literal(value.step)
    if isinstance(value, range):
        return True
    return False


BINARY_OPS = {
    0: operator.add, 1: operator.and_, 2: operator.floordiv, 3: operator.lshift, 4: operator.matmul,
    5: operator.mul, 6: operator.mod, 7: operator.or_, 8: operator.pow, 9: operator.rshift,
    10: operator.sub, 11: operator.truediv, 12: operator.xor,
    13: operator.iadd, 14: operator.iand, 15: operator.ifloordiv, 16: operator.ilshift, 17: operator.imatmul,
    18: operator.imul, 19: operator.imod, 20: operator.ior, 21: operator.ipow, 22: operator.irshift,
    23: operator.isub, 24: operator.itruediv, 25: operator.ixor, 26: operator.getitem,
}

COMPARE_OPS = {"<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt,
               ">=": operator.ge}
