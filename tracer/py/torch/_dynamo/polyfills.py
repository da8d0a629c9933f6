"""Python versions of builtins, traced in place of the builtin when its arguments are traced
values: their local variable names become the graph's node names, as in PyTorch."""


def builtin_sum(iterable, start=0):
    value = start
    for element in iterable:
        value = value + element
    return value
