# A module whose forward was compiled in place (Module.compile sets _compiled_call_impl) still
# saves, pickles and deep-copies: the compiled forward is left out, and the copy runs uncompiled.
import copy
import inspect
import io
import pickle

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
print(nn.Module._compiled_call_impl, model._compiled_call_impl)
print(inspect.signature(nn.Module.compile))

calls = []


def compiled_call(*args, **kwargs):  # stands in for what torch.compile returns
    calls.append(1)
    return model._call_impl(*args, **kwargs)


model._compiled_call_impl = compiled_call
x = torch.ones(1, 3)
expected = model(x)
print(len(calls), "_compiled_call_impl" in model.__dict__, "_compiled_call_impl" in model.__getstate__())

buffer = io.BytesIO()
torch.save(model, buffer)
buffer.seek(0)
loaded = torch.load(buffer, weights_only=False)
print(type(loaded).__name__, loaded._compiled_call_impl, "_compiled_call_impl" in loaded.__dict__)
print(torch.equal(loaded(x), expected), len(calls))

copied = copy.deepcopy(model)
print(copied._compiled_call_impl, torch.equal(copied(x), expected), len(calls))
unpickled = pickle.loads(pickle.dumps(model[0]))
print(unpickled, unpickled._compiled_call_impl)
print(model._compiled_call_impl is compiled_call)
