"""Reference cycles are freed: by `gc.collect()` whatever objects the cycle passes through, and
by the automatic collector alone (no explicit call) once cycles that outlived the young
collections die. Both once failed in smelt's VM: recompiles and eager training steps grew
without bound (bench/memory.py measures that).
"""
import collections
import functools
import gc
import weakref


class Big:
    pass


def through_closure(b):
    def f():
        return b
    b.f = f


def through_lambda(b):
    b.f = lambda: b


def through_bound_builtin(b):
    lst = [b]
    b.m = lst.append


def through_method_wrapper(b):
    b.m = b.__repr__


def through_partial(b):
    b.p = functools.partial(print, b)


def through_generator(b):
    def gen():
        yield b
    b.g = gen()
    next(b.g)


def through_class(b):
    class C:
        x = b
    b.c = C


KINDS = [through_closure, through_lambda, through_bound_builtin, through_method_wrapper,
         through_partial, through_generator, through_class]

for make in KINDS:
    refs = []
    for _ in range(50):
        b = Big()
        make(b)
        refs.append(weakref.ref(b))
        del b
    gc.collect()
    print(f"{make.__name__}: {sum(r() is not None for r in refs)} of 50 alive after gc.collect()")


# The automatic collector on its own, no gc.collect(): cycles that live long enough to be
# promoted to the oldest generation and then die are freed once that generation has grown
# enough (CPython's rule), so a long run's memory stays bounded.
gc.collect()
window = collections.deque(maxlen=3000)
refs = []
for i in range(120_000):
    b = Big()
    through_closure(b)
    window.append(b)  # each cycle stays alive for the next 3,000 iterations
    if i < 300:
        refs.append(weakref.ref(b))
del b
print("long-lived cycles freed by the automatic collector:", all(r() is None for r in refs))
