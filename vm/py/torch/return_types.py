"""Named tuples returned by ops with several results (`torch.return_types.max`, ...)."""

from collections import namedtuple


def _make(name, fields):
    cls = namedtuple(name, fields)
    cls.__module__ = "torch.return_types"

    def __repr__(self):
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    return cls


max = _make("max", ["values", "indices"])
min = _make("min", ["values", "indices"])
sort = _make("sort", ["values", "indices"])
topk = _make("topk", ["values", "indices"])
# What the out= forms return: the caller's tensors, under the op's name with `_out`.
max_out = _make("max_out", ["values", "indices"])
min_out = _make("min_out", ["values", "indices"])
sort_out = _make("sort_out", ["values", "indices"])
topk_out = _make("topk_out", ["values", "indices"])
