"""Where a traced value came from in the frame: `L['x']`, `G['bias']`, `L['self'].fc.weight`.

A source names an input (graph placeholders are named after it: `L['self']._modules['fc1']
._parameters['weight']` becomes `L_self_modules_fc1_parameters_weight_`), reads the value back
from a frame (`get`), and is the path guards check (`steps`).
"""

import enum
import re


class Source:
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

    def __repr__(self):
        return self.name()

    def __eq__(self, other):
        return isinstance(other, Source) and self.name() == other.name()

    def __hash__(self):
        return hash(self.name())


class LocalSource(Source):
    def __init__(self, local_name):
        self.local_name = local_name

    def name(self):
        return f"L[{self.local_name!r}]"


    def steps(self):
        return ("L", self.local_name), ()


class GlobalSource(Source):
    def __init__(self, global_name):
        self.global_name = global_name

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


class AttrSource(ChainedSource):
    def __init__(self, base, member):
        super().__init__(base)
        self.member = member

    def name(self):
        return f"{self.base.name()}.{self.member}"


    def step(self):
        return ("attr", self.member)


class GetItemSource(ChainedSource):
    """`base[index]` for a constant index (list/tuple position, dict key, `__closure__[i]`)."""

    def __init__(self, base, index):
        super().__init__(base)
        self.index = index

    def name(self):
        return f"{self.base.name()}[{self.index!r}]"


    def step(self):
        return ("item", self.index)


class DictGetItemSource(GetItemSource):
    pass


class NNModuleSource(ChainedSource):
    """A module's own parameter/buffer/submodule dict entry: `base._modules['fc']` etc."""

    def __init__(self, base, kind, key):
        super().__init__(base)
        self.kind = kind  # "_modules" | "_parameters" | "_buffers"
        self.key = key

    def name(self):
        return f"{self.base.name()}.{self.kind}[{self.key!r}]"


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

    def name(self):
        if self.prop is TensorProperty.STORAGE_OFFSET:
            return f"{self.base.name()}.storage_offset()"
        return f"{self.base.name()}.{self.prop.method_name()}()[{self.idx}]"

    def step(self):
        return (self.prop.method_name(), self.idx)


class ModuleGlobalsSource(Source):
    """The globals dict of another module (an inlined function's): a fixed object, read as is."""

    def __init__(self, f_globals):
        self.f_globals = f_globals

    def name(self):
        module = str(self.f_globals.get("__name__", "?")).replace(".", "_")
        return f"G['__globals_{module}']"


    def steps(self):
        return ("C", self.f_globals), ()


def graph_input_name(source):
    """The placeholder name PyTorch gives an input: every run of non-identifier characters in
    the source's name becomes one underscore."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", source.name())
