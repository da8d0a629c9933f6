"""Frame inputs are wrapped lazily: a value becomes a graph input (and gets its guards) when the
traced code first does something with it, not when it is merely loaded, stored or passed on.
This is what orders placeholders as PyTorch orders them."""

from torch._dynamo.variables.base import VariableTracker


class LazyVariableTracker(VariableTracker):
    def __init__(self, value, source):
        super().__init__(source)
        self.value = value
        self._realized = None

    def realize(self, tx=None):
        if self._realized is None:
            from torch._dynamo.variables.builder import VariableBuilder

            self._realized = VariableBuilder(_current_tx(tx), self.source)(self.value)
        return self._realized

    def __repr__(self):
        return f"LazyVariableTracker({self.source.name})"

    # Everything that looks at the value realizes it first.
    def python_type(self):
        return self.realize().python_type()

    def as_python_constant(self):
        return self.realize().as_python_constant()

    def is_python_constant(self):
        return self.realize().is_python_constant()

    def as_proxy(self):
        return self.realize().as_proxy()

    def example(self):
        return self.realize().example()

    def var_getattr(self, tx, name):
        return self.realize(tx).var_getattr(tx, name)

    def call_function(self, tx, args, kwargs):
        return self.realize(tx).call_function(tx, args, kwargs)

    def call_method(self, tx, name, args, kwargs):
        return self.realize(tx).call_method(tx, name, args, kwargs)

    def has_unpack_var_sequence(self, tx):
        return self.realize(tx).has_unpack_var_sequence(tx)

    def unpack_var_sequence(self, tx):
        return self.realize(tx).unpack_var_sequence(tx)

    def truth(self, tx):
        return self.realize(tx).truth(tx)

    def reconstruct(self, codegen):
        if self._realized is None:
            return codegen.load_source(self.source)
        return self._realized.reconstruct(codegen)

    def tensor_vars(self):
        return [] if self._realized is None else self._realized.tensor_vars()

    def set_name_hint(self, name):
        if self._realized is not None and hasattr(self._realized, "set_name_hint"):
            self._realized.set_name_hint(name)


_tx_stack = []


def _current_tx(tx):
    return tx if tx is not None else _tx_stack[-1]


def realize(vt, tx=None):
    return vt.realize(tx) if isinstance(vt, LazyVariableTracker) else vt
