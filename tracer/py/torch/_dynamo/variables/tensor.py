"""Tensors in the graph: a node plus the fake tensor that says its shape, dtype and device."""

import operator

import torch
from torch._dynamo.exc import ObservedException, unimplemented
from torch._dynamo.variables.base import VariableTracker
from torch._dynamo.variables.constant import ConstantVariable
from torch._dynamo.variables.misc import BoundBuiltinMethod

# Metadata that is fixed under the frame's guards (shapes are static): read off the fake tensor.
_CONSTANT_ATTRS = frozenset(
    {"dtype", "device", "ndim", "is_cuda", "is_sparse", "is_meta", "is_quantized", "is_leaf", "layout",
     "is_nested", "requires_grad", "is_complex_attr", "itemsize"}
)
_CONSTANT_METHODS = frozenset(
    {"dim", "ndimension", "numel", "nelement", "is_floating_point", "is_complex", "is_contiguous",
     "element_size", "get_device", "is_signed", "stride", "storage_offset", "is_inference"}
)
# Methods whose result depends on the data: the tracer cannot see values.
_DATA_DEPENDENT = frozenset({"item", "tolist", "numpy", "__bool__", "__int__", "__float__", "__index__",
                             "nonzero_static", "data_ptr", "untyped_storage", "storage"})


class TensorVariable(VariableTracker):
    def __init__(self, proxy, example_value, source=None, class_type=torch.Tensor):
        super().__init__(source)
        self.class_type = class_type  # the real input's class (nn.Parameter ...), for isinstance
        self.proxy = proxy  # the fx.Node
        self.example_value = example_value
        # A placeholder keeps its input name; any other node takes the first local it is stored in.
        self._is_name_set = proxy.op == "placeholder"

    def __repr__(self):
        return f"TensorVariable({self.proxy.name})"

    def as_proxy(self):
        return self.proxy

    def example(self):
        return self.example_value

    def python_type(self):
        return self.class_type

    def tensor_vars(self):
        return [self]

    def set_name_hint(self, name):
        if not self._is_name_set:
            self.proxy._rename(name)
            self._is_name_set = True

    def truth(self, tx):
        unimplemented("data-dependent branching: the truth value of a tensor", gb_type="Data-dependent branching")

    def reconstruct(self, codegen):
        if self.source is not None and codegen.inputs_from_sources:
            return codegen.load_source(self.source)
        codegen.graph_output(self)

    def size_item(self, tx, dim):
        """`x.size(dim)` as a tracker: a constant, or the symbolic size's node (its symbol's
        placeholder, or `size = x.size(dim)`)."""
        fake = self.example_value
        try:
            d = fake.size(dim)
        except IndexError as e:
            raise ObservedException(IndexError, str(e))
        if isinstance(d, int):
            return ConstantVariable(d)
        return tx.output.sym_node(tx, d, lambda: tx.output.create_proxy(
            "call_method", "size", (self, ConstantVariable(dim)), {}, example_value=d))

    def size_variable(self, tx):
        """`x.shape` / `x.size()`. With symbolic sizes PyTorch records `size = x.size()` and a
        `getitem` per dim (left unused, and dropped, where a dim is a symbol's placeholder):
        the names they take are part of the printed graph."""
        from torch._dynamo.variables.lists import SizeVariable

        fake = self.example_value
        if fake._sym_shape is None:
            return SizeVariable(tuple(fake.shape))
        size = tx.output.create_proxy("call_method", "size", (self,), {}, example_value=fake.shape)
        items = []
        for i, d in enumerate(fake.shape):
            item = tx.output.create_proxy("call_function", operator.getitem, (size, i), {}, example_value=d)
            if isinstance(d, int):
                items.append(ConstantVariable(d))
            else:
                items.append(tx.output.sym_node(tx, d, lambda item=item: item))
        return SizeVariable(items)

    def unpack_var_sequence(self, tx):
        shape = self.example_value.shape
        if len(shape) == 0:
            raise ObservedException(TypeError, "iteration over a 0-d tensor")
        from torch._dynamo.variables.builder import wrap_fx_proxy

        return [
            wrap_fx_proxy(tx, tx.output.create_proxy("call_function", operator.getitem, (self, ConstantVariable(i)), {}))
            for i in range(shape[0])
        ]

    def var_getattr(self, tx, name):
        fake = self.example_value
        if name == "shape":
            return self.size_variable(tx)
        if name in _CONSTANT_ATTRS:
            return ConstantVariable(getattr(fake, name))
        if name in ("T", "mT", "H", "mH", "real", "imag", "data"):
            from torch._dynamo.variables.builder import wrap_fx_proxy

            return wrap_fx_proxy(tx, tx.output.create_proxy("call_function", getattr, (self, ConstantVariable(name)), {}))
        if name == "grad":
            unimplemented("reading .grad of a tensor inside a compiled frame")
        if name in _DATA_DEPENDENT:
            return BoundBuiltinMethod(self, name)
        if not hasattr(fake, name):
            raise ObservedException(AttributeError, f"'Tensor' object has no attribute '{name}'")
        if callable(getattr(type(fake), name, None)):
            return BoundBuiltinMethod(self, name)
        unimplemented(f"tensor attribute {name!r}")

    def call_method(self, tx, name, args, kwargs):
        from torch._dynamo.variables.builder import wrap_constant_like, wrap_fx_proxy

        fake = self.example_value
        if name == "item" and not args and not kwargs and torch._dynamo.config.capture_scalar_outputs:
            # An integer element becomes an unbacked SymInt (`item: "Sym(u0)" = sum_1.item()`);
            # a float one still needs the data (run_fake stops the graph there).
            return wrap_fx_proxy(tx, tx.output.create_proxy("call_method", "item", (self,), {}))
        if name in _DATA_DEPENDENT:
            unimplemented(f"Tensor.{name}() needs the tensor's data", gb_type="Unsupported Tensor.item() call")
        if name in ("size", "stride") or name in _CONSTANT_METHODS:
            const_args = [a.as_python_constant() for a in args]
            const_kwargs = {k: v.as_python_constant() for k, v in kwargs.items()}
            if name == "size" and not const_kwargs:
                if not const_args:
                    return self.size_variable(tx)
                if len(const_args) == 1 and isinstance(const_args[0], int):
                    return self.size_item(tx, const_args[0])
            if name in ("numel", "nelement") and fake._sym_shape is not None:
                return SymNodeVariable(tx.output.create_proxy("call_method", name, (self,), {},
                                                              example_value=fake.numel()), fake.numel())
            result = getattr(fake, name)(*const_args, **const_kwargs)
            if name == "stride":
                # Strides made of symbolic sizes are pinned to their values (under guards).
                result = tuple(int(d) for d in result) if isinstance(result, tuple) else int(result)
            return wrap_constant_like(tx, result)
        if name == "__len__":
            return ConstantVariable(len(fake))
        if not hasattr(fake, name):
            raise ObservedException(AttributeError, f"'Tensor' object has no attribute '{name}'")
        if name == "type" and not args and not kwargs:
            return ConstantVariable(fake.type())
        if name == "__setitem__" and len(args) == 2:
            return tx.store_subscr(self, args[0], args[1])
        return wrap_fx_proxy(tx, tx.output.create_proxy("call_method", name, (self, *args), kwargs))


class SymNodeVariable(VariableTracker):
    """A symbolic int (or bool) in the graph: a node whose value is a SymInt (`s77`,
    `s77 // 2`) or a SymBool. Asking its truth value (`if n > 4:`) is answered from the hints
    and becomes a shape guard; using it as a constant pins it (specialisation)."""

    def __init__(self, proxy, sym_num, source=None):
        super().__init__(source)
        self.proxy = proxy
        self.sym_num = sym_num
        self._is_name_set = proxy.op == "placeholder"

    def __repr__(self):
        return f"SymNodeVariable({self.proxy.name}, {self.sym_num})"

    def as_proxy(self):
        return self.proxy

    def example(self):
        return self.sym_num

    def python_type(self):
        return type(self.sym_num)

    def is_python_constant(self):
        return False

    def as_python_constant(self):
        # A caller that needs a plain value (a list length, a Python-level computation)
        # specialises the value under a guard, as PyTorch's guard_scalar does.
        return int(self.sym_num) if isinstance(self.sym_num, torch.SymInt) else bool(self.sym_num)

    def set_name_hint(self, name):
        pass  # symbolic values keep their op's name (`floordiv`), as in PyTorch

    def truth(self, tx):
        return bool(self.sym_num)

    def reconstruct(self, codegen):
        if self.source is not None and codegen.inputs_from_sources:
            return codegen.load_source(self.source)
        codegen.graph_output(self)

    def call_method(self, tx, name, args, kwargs):
        from torch._dynamo.variables.builtin import binary_op, unary_op

        op = getattr(operator, name.strip("_"), None) if name.startswith("__") else None
        if op is not None and len(args) == 1 and not kwargs:
            return binary_op(tx, op, self, args[0])
        if op is not None and not args and not kwargs:
            return unary_op(tx, op, self)
        return super().call_method(tx, name, args, kwargs)
