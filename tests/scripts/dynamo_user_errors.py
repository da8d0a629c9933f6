# A mistake inside a compiled function raises the exception eager raises (not an internal
# error); fullgraph=True with something untraceable raises Unsupported; side effects run once.
import warnings

import torch

warnings.simplefilter("ignore")


def expect(exc_type, fn, *args):
    try:
        fn(*args)
    except exc_type as e:
        print(f"{exc_type.__name__}: {e}")
    else:
        print("no exception")


@torch.compile(backend="eager")
def call_max(x):
    return x.max()


expect(AttributeError, call_max, None)


@torch.compile(backend="eager")
def undefined_name(x):
    x = x + 1
    does_not_exist()  # noqa: F821
    return x


expect(NameError, undefined_name, torch.randn(3))


@torch.compile(backend="eager")
def missing_method(x):
    y = torch.tensor(x)
    return y.doesnotexist()


expect(AttributeError, missing_method, torch.randn(2, 2))


@torch.compile(backend="eager")
def bad_index(x, i):
    return [x][i]


expect(IndexError, bad_index, torch.randn(10), 99)


@torch.compile(backend="eager")
def bad_key(d):
    return d["missing"] + 1


expect(KeyError, bad_key, {"present": torch.ones(1)})


@torch.compile(backend="eager")
def bad_unpack(x):
    a, b = x.shape
    return a + b


expect(ValueError, bad_unpack, torch.ones(2, 3, 4))


class Mod(torch.nn.Module):
    def forward(self, x):
        return x + self.doesnotexist


expect(AttributeError, torch.compile(Mod(), backend="eager"), torch.randn(1, 1))


@torch.compile(backend="eager")
def wrong_arity(x):
    return x


expect(TypeError, wrong_arity, 1, 2)


@torch.compile(backend="eager", fullgraph=True)
def prints(x):
    print("hi")
    return x + 1


try:
    prints(torch.ones(2))
except torch._dynamo.exc.Unsupported:
    print("Unsupported under fullgraph=True")


@torch.compile(backend="eager")
def broadcast_mismatch(x):
    return x + torch.ones(3)


try:
    broadcast_mismatch(torch.ones(2))
except RuntimeError as e:
    print(type(e).__name__, isinstance(e, torch._dynamo.exc.TorchDynamoException))

log = []


@torch.compile(backend="eager")
def side_effect(x):
    log.append("called")
    return x * 2


side_effect(torch.ones(2))
side_effect(torch.ones(2))
print("side effects:", log)
