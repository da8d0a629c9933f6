"""VariableTracker: what the tracer holds on its stack instead of a real Python value."""

from torch._dynamo.exc import ObservedException, Unsupported, unimplemented

# How many times traced code changed a container or cell in place: a graph break that has to
# undo a partly traced instruction can only do so if this did not move.
_mutations = [0]


def note_mutation():
    _mutations[0] += 1


def mutation_count():
    return _mutations[0]


class VariableTracker:
    """A value during symbolic execution. `source` is set when the value came from the frame's
    inputs (then guards protect what was assumed about it). `mutable_local` is set for
    containers the traced code created itself: those may be mutated freely."""

    source = None
    mutable_local = False

    def __init__(self, source=None):
        self.source = source

    # -- what it is ---------------------------------------------------------------------------
    def python_type(self):
        try:
            return type(self.as_python_constant())
        except NotImplementedError:
            raise Unsupported(f"{type(self).__name__} has no known Python type")

    def as_python_constant(self):
        raise NotImplementedError(f"{self} is not a constant")

    def is_python_constant(self):
        try:
            self.as_python_constant()
            return True
        except (NotImplementedError, Unsupported):
            return False

    def as_proxy(self):
        """The value as it appears in a graph node's arguments."""
        try:
            return self.as_python_constant()
        except NotImplementedError:
            raise Unsupported(f"{type(self).__name__} cannot be an argument of a graph operation")

    def example(self):
        """The value as the fake run of an operation sees it."""
        return self.as_python_constant()

    # -- what it does --------------------------------------------------------------------------
    def var_getattr(self, tx, name):
        if self.is_python_constant():
            from torch._dynamo.variables.builder import wrap_constant_like

            value = self.as_python_constant()
            try:
                attr = getattr(value, name)
            except AttributeError as e:
                raise ObservedException(AttributeError, str(e))
            return wrap_constant_like(tx, attr)
        unimplemented(f"getattr {name!r} on {type(self).__name__}")

    def call_function(self, tx, args, kwargs):
        unimplemented(f"call of {self}")

    def call_method(self, tx, name, args, kwargs):
        if name == "__getattr__" and len(args) == 1 and args[0].is_python_constant():
            return self.var_getattr(tx, args[0].as_python_constant())
        method = self.var_getattr(tx, name)
        return method.call_function(tx, args, kwargs)

    def has_unpack_var_sequence(self, tx):
        try:
            self.unpack_var_sequence(tx)
            return True
        except (NotImplementedError, Unsupported):
            return False

    def unpack_var_sequence(self, tx):
        raise NotImplementedError

    def truth(self, tx):
        """`bool(value)` at trace time, for jumps; a tensor's truth is data-dependent."""
        if self.is_python_constant():
            return bool(self.as_python_constant())
        unimplemented(f"truth value of {type(self).__name__}")

    def reconstruct(self, codegen):
        """Emits the bytecode that rebuilds the value after the graph ran."""
        if self.source is not None:
            return codegen.load_source(self.source)
        if self.is_python_constant():
            return codegen.load_const(self.as_python_constant())
        unimplemented(f"cannot return {type(self).__name__} from a compiled frame")

    def tensor_vars(self):
        """TensorVariables held inside (outputs of the graph that reconstruction needs)."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"


class ValueVariable(VariableTracker):
    """A tracker standing for one known Python object (a module, a class, a function)."""

    def __init__(self, value, source=None):
        super().__init__(source)
        self.value = value

    def as_python_constant(self):
        return self.value


def getattr_or_observed(obj, name):
    """getattr at trace time; a missing attribute is the AttributeError the code would raise."""
    try:
        return getattr(obj, name)
    except AttributeError as e:
        raise ObservedException(AttributeError, str(e))


class NullVariable(VariableTracker):
    """CPython's NULL stack entry (pushed before/after a callable by LOAD_GLOBAL, PUSH_NULL)."""

    def __repr__(self):
        return "NULL"

    def reconstruct(self, codegen):
        codegen.push_null()
