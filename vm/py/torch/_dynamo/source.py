"""Where a traced value came from in the frame: `L['x']`, `G['bias']`, `L['self'].fc.weight`.

A source names an input (graph placeholders are named after it: `L['self']._modules['fc1']
._parameters['weight']` becomes `L_self_modules_fc1_parameters_weight_`), reads the value back
from a frame (`get`), and is the path guards check.
"""

import re


class Source:
    def name(self):
        raise NotImplementedError

    def get(self, f_locals, f_globals):
        raise NotImplementedError

    def steps(self):
        """The access path for the native guard checker: a root ("L"/"G", name) and steps."""
        raise NotImplementedError

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

    def get(self, f_locals, f_globals):
        return f_locals[self.local_name]

    def steps(self):
        return ("L", self.local_name), ()


class GlobalSource(Source):
    def __init__(self, global_name):
        self.global_name = global_name

    def name(self):
        return f"G[{self.global_name!r}]"

    def get(self, f_locals, f_globals):
        return f_globals[self.global_name]

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

    def get(self, f_locals, f_globals):
        return getattr(self.base.get(f_locals, f_globals), self.member)

    def step(self):
        return ("attr", self.member)


class GetItemSource(ChainedSource):
    """`base[index]` for a constant index (list/tuple position, dict key, `__closure__[i]`)."""

    def __init__(self, base, index):
        super().__init__(base)
        self.index = index

    def name(self):
        return f"{self.base.name()}[{self.index!r}]"

    def get(self, f_locals, f_globals):
        return self.base.get(f_locals, f_globals)[self.index]

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

    def get(self, f_locals, f_globals):
        return getattr(self.base.get(f_locals, f_globals), self.kind)[self.key]

    def step(self):
        return ("moddict", self.kind, self.key)


class TypeSource(ChainedSource):
    def name(self):
        return f"type({self.base.name()})"

    def get(self, f_locals, f_globals):
        return type(self.base.get(f_locals, f_globals))

    def step(self):
        return ("type",)


def graph_input_name(source):
    """The placeholder name PyTorch gives an input: every run of non-identifier characters in
    the source's name becomes one underscore."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", source.name())
