"""Dicts with keys known at trace time (constants, or objects compared by identity)."""

from torch._dynamo.exc import ObservedException, unimplemented
from torch._dynamo.variables.base import VariableTracker, note_mutation
from torch._dynamo.variables.constant import ConstantVariable


def _key(vt):
    if vt.is_python_constant():
        return vt.as_python_constant()
    unimplemented("dict key that is not a constant")


class ConstDictVariable(VariableTracker):
    def __init__(self, items, source=None, mutable_local=False, user_cls=dict):
        """`items`: dict of real key -> VariableTracker (insertion ordered)."""
        super().__init__(source)
        self.items = dict(items)
        self.mutable_local = mutable_local
        self.user_cls = user_cls
        self._mutated = False

    def __repr__(self):
        return f"ConstDictVariable({self.items!r})"

    def python_type(self):
        return self.user_cls

    def as_python_constant(self):
        return self.user_cls({k: v.as_python_constant() for k, v in self.items.items()})

    def as_proxy(self):
        return {k: v.as_proxy() for k, v in self.items.items()}

    def example(self):
        return {k: v.example() for k, v in self.items.items()}

    def truth(self, tx):
        return bool(self.items)

    def tensor_vars(self):
        return [t for v in self.items.values() for t in v.tensor_vars()]

    def unpack_var_sequence(self, tx):
        return [ConstantVariable(k) for k in self.items]

    def reconstruct(self, codegen):
        if self.source is not None and not self.mutable_local and not self._mutated:
            return codegen.load_source(self.source)
        if self.user_cls is not dict:
            codegen.load_const(self.user_cls)
            codegen.push_null()
        for k, v in self.items.items():
            codegen.load_const(k)
            codegen.reconstruct(v)
        codegen.build("BUILD_MAP", len(self.items))
        if self.user_cls is not dict:
            codegen.call(1)

    def var_getattr(self, tx, name):
        from torch._dynamo.variables.misc import BoundBuiltinMethod

        if not hasattr(self.user_cls, name):
            raise ObservedException(AttributeError, f"'{self.user_cls.__name__}' object has no attribute '{name}'")
        return BoundBuiltinMethod(self, name)

    def getitem(self, tx, key):
        try:
            return self.items[key]
        except KeyError:
            raise ObservedException(KeyError, repr(key))

    def _mutate(self, name):
        if not self.mutable_local:
            unimplemented(f"dict.{name} on a dict the compiled frame did not create")
        self._mutated = True
        note_mutation()

    def call_method(self, tx, name, args, kwargs):
        from torch._dynamo.variables.lists import ListIteratorVariable, TupleVariable

        if name == "__getitem__" and len(args) == 1:
            return self.getitem(tx, _key(args[0]))
        if name == "get":
            key = _key(args[0])
            if key in self.items:
                return self.items[key]
            return args[1] if len(args) > 1 else ConstantVariable(None)
        if name == "__contains__":
            return ConstantVariable(_key(args[0]) in self.items)
        if name == "__len__":
            return ConstantVariable(len(self.items))
        if name == "keys":
            return DictViewVariable([ConstantVariable(k) for k in self.items])
        if name == "values":
            return DictViewVariable(list(self.items.values()))
        if name == "items":
            return DictViewVariable([TupleVariable([ConstantVariable(k), v]) for k, v in self.items.items()])
        if name == "__iter__":
            return ListIteratorVariable([ConstantVariable(k) for k in self.items])
        if name == "copy":
            return ConstDictVariable(self.items, mutable_local=True, user_cls=self.user_cls)
        if name == "__setitem__" and len(args) == 2:
            self._mutate(name)
            self.items[_key(args[0])] = args[1]
            return ConstantVariable(None)
        if name == "update":
            self._mutate(name)
            for arg in args:
                if isinstance(arg, ConstDictVariable):
                    self.items.update(arg.items)
                else:
                    for pair in tx.unpack_iterable(arg):
                        k, v = tx.unpack_iterable(pair)
                        self.items[_key(k)] = v
            for k, v in kwargs.items():
                self.items[k] = v
            return ConstantVariable(None)
        if name == "pop":
            self._mutate(name)
            key = _key(args[0])
            if key in self.items:
                return self.items.pop(key)
            if len(args) > 1:
                return args[1]
            raise ObservedException(KeyError, repr(key))
        if name == "setdefault":
            self._mutate(name)
            key = _key(args[0])
            if key not in self.items:
                self.items[key] = args[1] if len(args) > 1 else ConstantVariable(None)
            return self.items[key]
        if name == "__delitem__":
            self._mutate(name)
            key = _key(args[0])
            if key not in self.items:
                raise ObservedException(KeyError, repr(key))
            del self.items[key]
            return ConstantVariable(None)
        if name == "clear":
            self._mutate(name)
            self.items.clear()
            return ConstantVariable(None)
        unimplemented(f"dict.{name}")


class DictViewVariable(VariableTracker):
    """dict.keys()/values()/items(): iterable snapshots."""

    def __init__(self, items):
        super().__init__()
        self.items = items

    def unpack_var_sequence(self, tx):
        return list(self.items)

    def call_method(self, tx, name, args, kwargs):
        if name == "__len__":
            return ConstantVariable(len(self.items))
        if name == "__iter__":
            from torch._dynamo.variables.lists import ListIteratorVariable

            return ListIteratorVariable(self.items)
        return super().call_method(tx, name, args, kwargs)
