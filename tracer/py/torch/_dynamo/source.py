"""Where a traced value came from in the frame: `L['x']`, `G['bias']`, `L['self'].fc.weight`.

A source names an input (graph placeholders are named after it: `L['self']._modules['fc1']
._parameters['weight']` becomes `L_self_modules_fc1_parameters_weight_`), reads the value back
from a frame (`get`), and is the path guards check (`steps`).
"""

import enum
import re


class Source:
    @property
    def name(self):
        raise NotImplementedError

    def steps(self):
        """The access path: a root — ("L", local name), ("G", global name) or ("C", a fixed
        object) — and steps ("attr", name), ("item", key), ("moddict", "_parameters", key).
        Guards (native), the code run on a cache hit and `get` all walk it."""
        raise NotImplementedError

    def get(self, f_locals, f_globals):
        (root, arg), steps = self.steps()
        value = f_locals[arg] if root == "L" else f_globals[arg] if root == "G" else arg
        for step in steps:
            if step[0] == "attr":
                value = getattr(value, step[1])
            elif step[0] == "item":
                value = value[step[1]]
            elif step[0] == "size":
                value = value.size()[step[1]]
            elif step[0] == "stride":
                value = value.stride()[step[1]]
            else:
                value = getattr(value, step[1])[step[2]]
        return value

    def get_value(self, globals, locals, cache, *, on_error=None):
        """The value this source names in a scope (`locals` maps "L" to a frame's locals), as
        PyTorch's sources resolve one: each value read once per `cache`; when this source's own
        step raises, `on_error(self, base_value, error)` is told before the error propagates."""
        if self not in cache:
            cache[self] = self._reported(on_error, None, lambda: eval(self.name, globals, locals))
        return cache[self]

    def _reported(self, on_error, operand, step, errors=Exception):
        """`step()`, telling `on_error` of an error of the `errors` kinds it raises."""
        try:
            return step()
        except errors as error:
            if on_error is not None:
                on_error(self, operand, error)
            raise

    def __repr__(self):
        return self.name

    def __eq__(self, other):
        return isinstance(other, Source) and self.name == other.name

    def __hash__(self):
        return hash(self.name)


class LocalSource(Source):
    def __init__(self, local_name):
        self.local_name = local_name

    @property
    def name(self):
        return f"L[{self.local_name!r}]"


    def steps(self):
        return ("L", self.local_name), ()


class GlobalSource(Source):
    def __init__(self, global_name):
        self.global_name = global_name

    @property
    def name(self):
        return f"G[{self.global_name!r}]"


    def steps(self):
        return ("G", self.global_name), ()


class ChainedSource(Source):
    def __init__(self, base):
        self.base = base

    def steps(self):
        root, steps = self.base.steps()
        return root, steps + (self.step(),)

    def get_value(self, globals, locals, cache, *, on_error=None):
        if self not in cache:
            base_value = self.base.get_value(globals, locals, cache, on_error=on_error)
            cache[self] = self.resolve(base_value, globals, locals, cache, on_error)
        return cache[self]

    def resolve(self, base_value, globals, locals, cache, on_error):
        """This source's value from its base's (the base already read)."""
        return self._reported(on_error, base_value, lambda: self.apply(base_value, globals, locals, cache, on_error))

    def apply(self, base_value, globals, locals, cache, on_error):
        """This source's own step applied to its base's value."""
        step = self.step()
        if step[0] == "attr":
            return getattr(base_value, step[1])
        if step[0] == "item":
            return base_value[step[1]]
        if step[0] in ("size", "stride"):
            return getattr(base_value, step[0])()[step[1]]
        return getattr(base_value, step[1])[step[2]]


class AttrSource(ChainedSource):
    def __init__(self, base, member):
        super().__init__(base)
        self.member = member

    @property
    def name(self):
        return f"{self.base.name}.{self.member}"


    def step(self):
        return ("attr", self.member)


class GetItemSource(ChainedSource):
    """`base[index]` for a constant index (list/tuple position, dict key, `__closure__[i]`)."""

    def __init__(self, base, index):
        super().__init__(base)
        self.index = index

    @property
    def name(self):
        return f"{self.base.name}[{self.index!r}]"


    def step(self):
        return ("item", self.index)


class DictGetItemSource(GetItemSource):
    """`base[key]`; the key is a constant or a source (`ConstDictKeySource`: the dict's i-th key)."""

    def step(self):
        if isinstance(self.index, ConstDictKeySource):
            return ("item", self.index.key)
        return ("item", self.index)

    def name_of_index(self):
        return self.index.name if isinstance(self.index, Source) else repr(self.index)

    @property
    def name(self):
        return f"{self.base.name}[{self.name_of_index()}]"

    def _key(self, globals, locals, cache, on_error):
        if isinstance(self.index, Source):
            return self.index.get_value(globals, locals, cache, on_error=on_error)
        return self.index

    def resolve(self, base_value, globals, locals, cache, on_error):
        # The key after the base, each from the cache when seen before.
        key = self._key(globals, locals, cache, on_error)
        return self._reported(on_error, base_value, lambda: self._lookup(base_value, key))

    def _lookup(self, base_value, key):
        return base_value[key]


class DictSubclassGetItemSource(DictGetItemSource):
    """An item of a dict subclass: by a recorded key, read with dict's own lookup (a subclass's
    __getitem__ is not run); by a constant, with the subclass's."""

    def _lookup(self, base_value, key):
        if isinstance(self.index, ConstDictKeySource):
            return dict.__getitem__(base_value, key)
        return base_value[key]


class ListGetItemSource(GetItemSource):
    """`list.__getitem__(base, index)`: an item of a list read without running a subclass's
    __getitem__."""

    @property
    def name(self):
        return f"list.__getitem__({self.base.name}, {self.index!r})"

    def apply(self, base_value, globals, locals, cache, on_error):
        return list.__getitem__(base_value, self.index)


class ConstDictKeySource(ChainedSource):
    """The `index`-th key of a dict, in insertion order. `key` (when known) is the key object
    itself: the native guard tree reads `base[key]` with it, the key being pinned by the
    dict-keys guard."""

    def __init__(self, base, index, key=None):
        super().__init__(base)
        self.index = index
        self.key = key

    @property
    def name(self):
        return f"list(dict.keys({self.base.name}))[{self.index!r}]"

    def step(self):
        raise NotImplementedError("a dict key is read in Python, not by the native guard tree")

    def apply(self, base_value, globals, locals, cache, on_error):
        return list(dict.keys(base_value))[self.index]


class DefaultsSource(ChainedSource):
    """A function's default argument: `base.__defaults__[i]` or `base.__kwdefaults__['k']`."""

    def __init__(self, base, idx_key, is_kw=False):
        super().__init__(base)
        self.idx_key = idx_key
        self.is_kw = is_kw
        self.field = "__kwdefaults__" if is_kw else "__defaults__"

    @property
    def name(self):
        key = f"'{self.idx_key}'" if self.is_kw else str(self.idx_key)
        return f"{self.base.name}.{self.field}[{key}]"

    def step(self):
        return ("moddict", self.field, self.idx_key)

    def resolve(self, base_value, globals, locals, cache, on_error):
        # Two steps, each reporting its own error: the defaults attribute, then the entry.
        defaults = self._reported(on_error, base_value, lambda: getattr(base_value, self.field), AttributeError)
        return self._reported(on_error, defaults, lambda: defaults[self.idx_key])


class CallFunctionNoArgsSource(ChainedSource):
    """What calling `base` with no arguments returns."""

    @property
    def name(self):
        return f"{self.base.name}()"

    def step(self):
        raise NotImplementedError("a call is not a native guard step")

    def apply(self, base_value, globals, locals, cache, on_error):
        return base_value()


class ConstantSource(Source):
    """A value named by an expression evaluated in the guard's globals."""

    def __init__(self, source_name):
        self.source_name = source_name

    @property
    def name(self):
        return self.source_name

    def steps(self):
        raise NotImplementedError("a constant source is not read by the native guard tree")


class NNModuleSource(ChainedSource):
    """A module's own parameter/buffer/submodule dict entry: `base._modules['fc']` etc."""

    def __init__(self, base, kind, key):
        super().__init__(base)
        self.kind = kind  # "_modules" | "_parameters" | "_buffers"
        self.key = key

    @property
    def name(self):
        return f"{self.base.name}.{self.kind}[{self.key!r}]"


    def step(self):
        return ("moddict", self.kind, self.key)


class TensorProperty(enum.Enum):
    SIZE = 0
    STRIDE = 1
    STORAGE_OFFSET = 2

    def method_name(self):
        return ("size", "stride", "storage_offset")[self.value]


class TensorPropertySource(ChainedSource):
    """A size or stride of a tensor input, `L['x'].size()[0]`: what a symbol stands for."""

    def __init__(self, base, prop, idx=None):
        super().__init__(base)
        self.prop = prop
        self.idx = idx

    @property
    def name(self):
        if self.prop is TensorProperty.STORAGE_OFFSET:
            return f"{self.base.name}.storage_offset()"
        return f"{self.base.name}.{self.prop.method_name()}()[{self.idx}]"

    def step(self):
        return (self.prop.method_name(), self.idx)


class ModuleGlobalsSource(Source):
    """The globals dict of another module (an inlined function's): a fixed object, read as is."""

    def __init__(self, f_globals):
        self.f_globals = f_globals

    @property
    def name(self):
        module = str(self.f_globals.get("__name__", "?")).replace(".", "_")
        return f"G['__globals_{module}']"


    def steps(self):
        return ("C", self.f_globals), ()


def graph_input_name(source):
    """The placeholder name PyTorch gives an input: every run of non-identifier characters in
    the source's name becomes one underscore."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", source.name)
