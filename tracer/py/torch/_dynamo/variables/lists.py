"""Sequences: tuples, lists, torch.Size, ranges, slices and the iterators over them."""

import operator

import torch
from torch._dynamo.exc import ObservedException, Unsupported, unimplemented
from torch._dynamo.variables.base import VariableTracker, note_mutation
from torch._dynamo.variables.constant import ConstantVariable


class BaseListVariable(VariableTracker):
    python_cls = list

    def __init__(self, items, source=None, mutable_local=False):
        super().__init__(source)
        self.items = list(items)
        self.mutable_local = mutable_local

    def __repr__(self):
        return f"{type(self).__name__}({self.items!r})"

    def python_type(self):
        return self.python_cls

    def as_python_constant(self):
        return self.python_cls([i.as_python_constant() for i in self.items])

    def as_proxy(self):
        return self.python_cls([i.as_proxy() for i in self.items])

    def example(self):
        return self.python_cls([i.example() for i in self.items])

    def unpack_var_sequence(self, tx):
        return list(self.items)

    def truth(self, tx):
        return bool(self.items)

    def tensor_vars(self):
        return [t for i in self.items for t in i.tensor_vars()]

    def reconstruct(self, codegen):
        if self.source is not None and not self.mutable_local and not getattr(self, "_mutated", False):
            return codegen.load_source(self.source)
        plain = self.python_cls in (tuple, list)
        if not plain:
            codegen.load_const(self.python_cls)
            codegen.push_null()
        for item in self.items:
            codegen.reconstruct(item)
        codegen.build("BUILD_TUPLE" if self.python_cls is tuple else "BUILD_LIST", len(self.items))
        if not plain:
            codegen.call(1)

    def var_getattr(self, tx, name):
        from torch._dynamo.variables.misc import BoundBuiltinMethod

        if not hasattr(self.python_type(), name):
            raise ObservedException(AttributeError, f"'{self.python_type().__name__}' object has no attribute '{name}'")
        return BoundBuiltinMethod(self, name)

    def getitem(self, tx, index):
        if isinstance(index, slice):
            return type(self)(self.items[index], mutable_local=True) if self.python_cls is list else \
                type(self)(self.items[index])
        try:
            return self.items[index]
        except IndexError:
            raise ObservedException(IndexError, f"{self.python_cls.__name__} index out of range")
        except TypeError as e:
            raise ObservedException(TypeError, str(e))

    def call_method(self, tx, name, args, kwargs):
        if name == "__getitem__" and len(args) == 1:
            idx = args[0]
            if not idx.is_python_constant():
                unimplemented("indexing a list with a traced value")
            return self.getitem(tx, idx.as_python_constant())
        if name == "__len__":
            return ConstantVariable(len(self.items))
        if name == "__contains__":
            return _contains(tx, self.items, args[0])
        if name in ("index", "count") and all(a.is_python_constant() for a in args):
            consts = [i.as_python_constant() for i in self.items]
            try:
                return ConstantVariable(getattr(consts, name)(*[a.as_python_constant() for a in args]))
            except ValueError as e:
                raise ObservedException(ValueError, str(e))
        return self.call_mutating_method(tx, name, args, kwargs)

    def call_mutating_method(self, tx, name, args, kwargs):
        unimplemented(f"{self.python_cls.__name__}.{name}")


def _contains(tx, items, needle):
    if needle.is_python_constant():
        value = needle.as_python_constant()
        for i in items:
            if i.is_python_constant() and i.as_python_constant() == value:
                return ConstantVariable(True)
        if all(i.is_python_constant() for i in items):
            return ConstantVariable(False)
    unimplemented("`in` on a sequence holding traced values")


class TupleVariable(BaseListVariable):
    python_cls = tuple


class NamedTupleVariable(TupleVariable):
    def __init__(self, items, tuple_cls, source=None):
        super().__init__(items, source)
        self.tuple_cls = tuple_cls

    def python_type(self):
        return self.tuple_cls

    def as_python_constant(self):
        return self.tuple_cls(*[i.as_python_constant() for i in self.items])

    def var_getattr(self, tx, name):
        fields = getattr(self.tuple_cls, "_fields", ())
        if name in fields:
            return self.items[fields.index(name)]
        return super().var_getattr(tx, name)

    def reconstruct(self, codegen):
        codegen.load_const(self.tuple_cls)
        codegen.push_null()
        for item in self.items:
            codegen.reconstruct(item)
        codegen.call(len(self.items))


class ListVariable(BaseListVariable):
    python_cls = list

    def _check_mutable(self, name):
        if not self.mutable_local:
            unimplemented(f"list.{name} on a list the compiled frame did not create")
        note_mutation()

    def call_mutating_method(self, tx, name, args, kwargs):
        self._check_mutable(name)
        if name == "append" and len(args) == 1:
            self.items.append(args[0])
        elif name == "extend" and len(args) == 1:
            self.items.extend(tx.unpack_iterable(args[0]))
        elif name == "insert" and len(args) == 2:
            self.items.insert(args[0].as_python_constant(), args[1])
        elif name == "pop":
            index = args[0].as_python_constant() if args else -1
            try:
                return self.items.pop(index)
            except IndexError as e:
                raise ObservedException(IndexError, str(e))
        elif name == "clear":
            self.items.clear()
        elif name == "reverse":
            self.items.reverse()
        elif name == "copy":
            return ListVariable(self.items, mutable_local=True)
        elif name == "__setitem__" and len(args) == 2:
            key = args[0].as_python_constant()
            if isinstance(key, slice):
                self.items[key] = tx.unpack_iterable(args[1])
            else:
                try:
                    self.items[key] = args[1]
                except IndexError as e:
                    raise ObservedException(IndexError, str(e))
        elif name == "__delitem__" and len(args) == 1:
            del self.items[args[0].as_python_constant()]
        else:
            unimplemented(f"list.{name}")
        return ConstantVariable(None)


class SizeVariable(TupleVariable):
    """torch.Size: a tuple of ints (static under the shape guards)."""

    def __init__(self, sizes, source=None):
        # Items are ints, or trackers (a symbolic size is a SymNodeVariable).
        super().__init__([s if isinstance(s, VariableTracker) else ConstantVariable(int(s)) for s in sizes], source)

    def python_type(self):
        return torch.Size

    def is_python_constant(self):
        return all(i.is_python_constant() for i in self.items)

    def as_python_constant(self):
        return torch.Size([i.as_python_constant() for i in self.items])

    def as_proxy(self):
        if self.is_python_constant():
            return torch.Size([i.as_proxy() for i in self.items])
        return [i.as_proxy() for i in self.items]

    def example(self):
        return torch.Size([i.example() for i in self.items])

    def getitem(self, tx, index):
        if isinstance(index, slice):
            return SizeVariable(self.items[index])
        return super().getitem(tx, index)

    def call_method(self, tx, name, args, kwargs):
        if name == "numel":
            from torch._dynamo.variables.builtin import binary_op

            n = ConstantVariable(1)
            for i in self.items:
                n = binary_op(tx, operator.mul, n, i)
            return n
        return super().call_method(tx, name, args, kwargs)

    def reconstruct(self, codegen):
        if self.is_python_constant():
            return codegen.load_const(self.as_python_constant())
        # With symbolic sizes: rebuilt as a tuple of the sizes.
        for i in self.items:
            codegen.reconstruct(i)
        codegen.build("BUILD_TUPLE", len(self.items))


class RangeVariable(VariableTracker):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def as_python_constant(self):
        return self.value

    def python_type(self):
        return range

    def unpack_var_sequence(self, tx):
        return [ConstantVariable(i) for i in self.value]

    def call_method(self, tx, name, args, kwargs):
        if name == "__getitem__":
            try:
                result = self.value[args[0].as_python_constant()]
            except IndexError as e:
                raise ObservedException(IndexError, str(e))
            return RangeVariable(result) if isinstance(result, range) else ConstantVariable(result)
        if name == "__len__":
            return ConstantVariable(len(self.value))
        return super().call_method(tx, name, args, kwargs)


class SliceVariable(VariableTracker):
    def __init__(self, start, stop, step):
        super().__init__()
        self.parts = (start, stop, step)

    def as_python_constant(self):
        return slice(*[p.as_python_constant() for p in self.parts])

    def as_proxy(self):
        return slice(*[p.as_proxy() for p in self.parts])

    def example(self):
        return slice(*[p.example() for p in self.parts])

    def python_type(self):
        return slice

    def tensor_vars(self):
        return [t for p in self.parts for t in p.tensor_vars()]


class ListIteratorVariable(VariableTracker):
    """An iterator over items known at trace time: `for` loops over them are unrolled."""

    def __init__(self, items):
        super().__init__()
        self.items = list(items)
        self.index = 0
        self.mutable_local = True

    def next_variable(self, tx):
        if self.index >= len(self.items):
            raise StopIteration
        item = self.items[self.index]
        self.index += 1
        return item

    def unpack_var_sequence(self, tx):
        rest = self.items[self.index:]
        self.index = len(self.items)
        return rest

    def python_type(self):
        return type(iter([]))


def getitem_on(tx, obj, index_vt):
    """obj[index] for sequence variables (tensors are handled by their own node)."""
    if isinstance(obj, BaseListVariable):
        if isinstance(index_vt, SliceVariable) or index_vt.is_python_constant():
            return obj.getitem(tx, index_vt.as_python_constant())
        unimplemented("indexing a sequence with a traced value")
    if isinstance(obj, RangeVariable):
        return obj.call_method(tx, "__getitem__", [index_vt], {})
    raise Unsupported(f"subscript of {type(obj).__name__}")



class SetVariable(BaseListVariable):
    """A set built in the traced code. Members are kept once each, in first-seen order: a
    constant by value; an object hashed by identity (a user instance without __hash__/__eq__ of
    its own, a tensor) by the object it is. Whether two objects read from the frame are one
    object decides the set's size, so it is guarded: `L['a'] is L['b']` for the ones found
    equal, and that the distinct ones stay distinct."""

    python_cls = set

    def __init__(self, items, mutable_local=True):
        super().__init__(items, None, mutable_local)

    @staticmethod
    def member_key(vt):
        """What equality of `vt` with another member means, or None when it can't be decided
        while tracing."""
        from torch._dynamo.variables.tensor import TensorVariable

        if vt.is_python_constant():
            value = vt.as_python_constant()
            try:
                hash(value)
            except TypeError:
                raise ObservedException(TypeError, f"unhashable type: '{type(value).__name__}'")
            return ("const", value)
        if isinstance(vt, TensorVariable):
            return ("vt", id(vt))
        value = getattr(vt, "value", None)
        if value is not None and type(value).__hash__ is object.__hash__ and type(value).__eq__ is object.__eq__:
            return ("id", id(value))
        return None

    @classmethod
    def build(cls, tx, items):
        out = cls([])
        for item in items:
            out.add(tx, item)
        return out

    def add(self, tx, item):
        key = self.member_key(item)
        if key is None:
            unimplemented(f"a set holding {type(item).__name__}")
        guards = tx.output.guards
        for other in self.items:
            if self.member_key(other) == key:
                if key[0] == "id" and item.source is not None and other.source is not None:
                    guards.add_alias(item.source, other.source)
                return
        if key[0] == "id" and item.source is not None:
            distinct = [o.source for o in self.items
                        if self.member_key(o)[0] == "id" and o.source is not None]
            if distinct:
                guards.add_distinct(distinct + [item.source])
        self.items.append(item)

    def reconstruct(self, codegen):
        for item in self.items:
            codegen.reconstruct(item)
        codegen.build("BUILD_SET", len(self.items))

    def call_method(self, tx, name, args, kwargs):
        if name == "__len__":
            return ConstantVariable(len(self.items))
        if name == "__contains__":
            key = self.member_key(args[0])
            if key is None:
                unimplemented("`in` on a set with a traced value")
            return ConstantVariable(any(self.member_key(i) == key for i in self.items))
        if name == "add" and len(args) == 1:
            note_mutation()
            self.add(tx, args[0])
            return ConstantVariable(None)
        if name == "update":
            note_mutation()
            for seq in args:
                for item in seq.unpack_var_sequence(tx):
                    self.add(tx, item)
            return ConstantVariable(None)
        unimplemented(f"set.{name}")
