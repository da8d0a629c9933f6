"""Read-only list and dict used for `Node.args` / `Node.kwargs`: edits must go through the
`args`/`kwargs` setters so that the use/user bookkeeping stays right."""

__all__ = ["immutable_list", "immutable_dict"]

_MUTATION_HELP = (
    "If you are attempting to modify the kwargs or args of a torch.fx.Node object,\n"
    "instead create a new copy of it and assign the copy to the node:\n"
    "\n"
    "    new_args = ...  # copy and mutate args\n"
    "    node.args = new_args"
)


def _refuse(self, *args, **kwargs):
    raise TypeError(f"{type(self).__name__!r} object does not support mutation. {_MUTATION_HELP}")


class immutable_list(list):
    """A list that refuses in-place changes."""

    __delitem__ = _refuse
    __iadd__ = _refuse
    __imul__ = _refuse
    __setitem__ = _refuse
    append = _refuse
    clear = _refuse
    extend = _refuse
    insert = _refuse
    pop = _refuse
    remove = _refuse
    reverse = _refuse
    sort = _refuse

    def __hash__(self):
        return hash(tuple(self))

    def __reduce__(self):
        return (type(self), (tuple(self),))


class immutable_dict(dict):
    """A dict that refuses in-place changes."""

    __delitem__ = _refuse
    __ior__ = _refuse
    __setitem__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __hash__(self):
        return hash(frozenset(self.items()))

    def __reduce__(self):
        return (type(self), (dict(self),))


def _build_dict(pairs):
    # dict.__setitem__ bypasses the refusal while the dict is being built.
    d = immutable_dict()
    for k, v in pairs:
        dict.__setitem__(d, k, v)
    return d
