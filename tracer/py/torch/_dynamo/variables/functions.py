"""Python functions called from traced code: inlined, i.e. traced into the same graph."""

from torch._dynamo.exc import ObservedException, unimplemented
from torch._dynamo.source import AttrSource, GetItemSource
from torch._dynamo.variables.base import VariableTracker


class CellVariable(VariableTracker):
    """A closure cell created while tracing (a cellvar of a traced frame)."""

    def __init__(self, contents=None):
        super().__init__()
        self.contents = contents
        self.mutable_local = True


class RealCellVariable(VariableTracker):
    """A closure cell of a real function: its contents are read (and guarded) through a source."""

    def __init__(self, cell, source):
        super().__init__(source)
        self.cell = cell
        self._wrapped = None

    def load(self, tx):
        if self._wrapped is None:
            from torch._dynamo.variables.lazy import LazyVariableTracker

            try:
                value = self.cell.cell_contents
            except ValueError:
                raise ObservedException(NameError, "free variable referenced before assignment")
            if self.source is not None:
                self._wrapped = LazyVariableTracker(value, self.source)
            else:
                # A function reached without a source (nothing to guard through): its cells
                # are what they are now.
                from torch._dynamo.variables.builder import wrap_constant_like

                self._wrapped = wrap_constant_like(tx, value)
        return self._wrapped


def bind_args(tx, code, name, args, kwargs, defaults, kwdefaults):
    """Binds VariableTrackers to the parameters of `code` as a call would.

    `defaults` is a list of VariableTrackers for the trailing positional parameters,
    `kwdefaults` a dict name -> VariableTracker. Errors are the TypeErrors Python raises."""
    from torch._dynamo.variables.dicts import ConstDictVariable
    from torch._dynamo.variables.lists import TupleVariable

    nargs = code.co_argcount
    nkwonly = code.co_kwonlyargcount
    names = code.co_varnames
    positional = names[:nargs]
    kwonly = names[nargs:nargs + nkwonly]
    has_varargs = bool(code.co_flags & 0x04)
    has_varkw = bool(code.co_flags & 0x08)
    posonly = code.co_posonlyargcount
    bound = {}
    if len(args) > nargs and not has_varargs:
        raise ObservedException(TypeError, f"{name}() takes {nargs} positional arguments but {len(args)} were given")
    for pname, value in zip(positional, args):
        bound[pname] = value
    extra_kwargs = {}
    for key, value in kwargs.items():
        if key in positional[posonly:] or key in kwonly:
            if key in bound:
                raise ObservedException(TypeError, f"{name}() got multiple values for argument '{key}'")
            bound[key] = value
        elif has_varkw:
            extra_kwargs[key] = value
        else:
            raise ObservedException(TypeError, f"{name}() got an unexpected keyword argument '{key}'")
    first_default = nargs - len(defaults)
    for i, pname in enumerate(positional):
        if pname not in bound:
            if i >= first_default:
                bound[pname] = defaults[i - first_default]
            else:
                raise ObservedException(TypeError, f"{name}() missing required positional argument: '{pname}'")
    for pname in kwonly:
        if pname not in bound:
            if pname in kwdefaults:
                bound[pname] = kwdefaults[pname]
            else:
                raise ObservedException(TypeError, f"{name}() missing required keyword-only argument: '{pname}'")
    index = nargs + nkwonly
    if has_varargs:
        bound[names[index]] = TupleVariable(list(args[nargs:]))
        index += 1
    if has_varkw:
        bound[names[index]] = ConstDictVariable(extra_kwargs, mutable_local=True)
    return bound


class BaseUserFunctionVariable(VariableTracker):
    def call_function(self, tx, args, kwargs):
        return tx.inline_user_function_return(self, list(args), dict(kwargs))


class UserFunctionVariable(BaseUserFunctionVariable):
    """A real Python function (a global, an attribute, a method's function)."""

    def __init__(self, fn, source=None):
        super().__init__(source)
        self.fn = fn

    def __repr__(self):
        return f"UserFunctionVariable({self.fn.__qualname__})"

    def as_python_constant(self):
        return self.fn

    def get_code(self):
        return self.fn.__code__

    def get_globals(self):
        return self.fn.__globals__

    def get_name(self):
        return self.fn.__name__

    def _default_source(self, attr, key):
        if self.source is None:
            return None
        return GetItemSource(AttrSource(self.source, attr), key)

    def bind_args(self, tx, args, kwargs):
        from torch._dynamo.variables.lazy import LazyVariableTracker
        from torch._dynamo.variables.builder import wrap_constant_like

        def wrap(value, source):
            return LazyVariableTracker(value, source) if source is not None else wrap_constant_like(tx, value)

        defaults = [wrap(v, self._default_source("__defaults__", i)) for i, v in enumerate(self.fn.__defaults__ or ())]
        kwdefaults = {k: wrap(v, self._default_source("__kwdefaults__", k))
                      for k, v in (self.fn.__kwdefaults__ or {}).items()}
        return bind_args(tx, self.fn.__code__, self.fn.__name__, args, kwargs, defaults, kwdefaults)

    def closure_cells(self):
        cells = {}
        for i, (name, cell) in enumerate(zip(self.fn.__code__.co_freevars, self.fn.__closure__ or ())):
            source = None
            if self.source is not None:
                source = AttrSource(GetItemSource(AttrSource(self.source, "__closure__"), i), "cell_contents")
            cells[name] = RealCellVariable(cell, source)
        return cells


class NestedUserFunctionVariable(BaseUserFunctionVariable):
    """A function made by MAKE_FUNCTION inside the traced code (a lambda, a nested def)."""

    def __init__(self, code, qualname, f_globals, defaults=None, kwdefaults=None, closure=None):
        super().__init__()
        self.code = code
        self.qualname = qualname
        self.f_globals = f_globals
        self.defaults = defaults
        self.kwdefaults = kwdefaults
        self.closure = closure  # tuple of CellVariable / RealCellVariable

    def get_code(self):
        return self.code

    def get_globals(self):
        return self.f_globals

    def get_name(self):
        return self.code.co_name

    def bind_args(self, tx, args, kwargs):
        defaults = list(self.defaults.items) if self.defaults is not None else []
        kwdefaults = {}
        if self.kwdefaults is not None:
            kwdefaults = dict(self.kwdefaults.items)
        return bind_args(tx, self.code, self.code.co_name, args, kwargs, defaults, kwdefaults)

    def closure_cells(self):
        return dict(zip(self.code.co_freevars, self.closure.items if self.closure is not None else ()))


class UserMethodVariable(VariableTracker):
    """`obj.method` for a method written in Python: calling it inlines the function with obj."""

    def __init__(self, fn, obj, source=None):
        super().__init__(source)
        self.fn = fn
        self.obj = obj

    def call_function(self, tx, args, kwargs):
        return self.fn.call_function(tx, [self.obj, *args], kwargs)


class ConstantResultFunctionVariable(VariableTracker):
    """A function marked with `assume_constant_result`: called once at trace time, its result
    is a constant of the graph."""

    def __init__(self, fn, source=None):
        super().__init__(source)
        self.fn = fn

    def as_python_constant(self):
        return self.fn

    def call_function(self, tx, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like

        if not all(a.is_python_constant() for a in args) or \
                not all(v.is_python_constant() for v in kwargs.values()):
            unimplemented(f"assume_constant_result function {self.fn.__name__} called with traced values")
        result = self.fn(*[a.as_python_constant() for a in args],
                         **{k: v.as_python_constant() for k, v in kwargs.items()})
        return wrap_constant_like(tx, result)

