# torch.save / torch.load: tensors, views sharing storage, parameters, state dicts, optimizer state, whole modules, and the weights_only check.
import io
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)


def roundtrip(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **kwargs)


t = torch.arange(12.0).reshape(3, 4)
out = roundtrip({"t": t, "col": t[:, 1], "i": torch.tensor([1, -2], dtype=torch.int8), "b": torch.tensor([True, False]),
                 "h": torch.tensor([0.5], dtype=torch.float16), "d": torch.tensor(3.25, dtype=torch.float64),
                 "meta": [1, "two", (3.0, None)], "size": torch.Size([2, 3]), "dtype": torch.bfloat16})
for k in ("t", "col", "i", "b", "h", "d"):
    v = out[k]
    print(k, v, v.dtype, tuple(v.shape), v.stride(), v.storage_offset())
print(out["meta"], out["size"], out["dtype"])
# Views saved together still share one storage after loading.
out["t"][0, 1] = 100.0
print(out["col"][0].item())

# A Parameter and a tensor that requires grad keep their kind.
p = nn.Parameter(torch.ones(2))
r = roundtrip([p, torch.zeros(2, requires_grad=True)])
print(type(r[0]).__name__, r[0].requires_grad, r[1].requires_grad, r[1].is_leaf)

# State dicts.
model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
model(torch.randn(5, 3))
sd = roundtrip(model.state_dict())
print(type(sd).__name__, list(sd.keys()))
fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
print(fresh.load_state_dict(sd))
x = torch.randn(2, 3)
model.eval()
fresh.eval()
print(torch.equal(model(x), fresh(x)), fresh[1].num_batches_tracked)

# Optimizer state.
opt = torch.optim.Adam(model.parameters(), lr=0.1)
model(torch.randn(4, 3)).sum().backward()
opt.step()
state = roundtrip(opt.state_dict())
print(state["state"][0]["step"], state["param_groups"][0]["lr"], torch.equal(state["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]))

# Whole modules need weights_only=False; the default refuses to run arbitrary globals.
try:
    roundtrip(model)
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0])
    print([line for line in str(e).splitlines() if "Unsupported global" in line][0].strip()[:80])
loaded = roundtrip(model, weights_only=False)
print(type(loaded).__name__, loaded[0], torch.equal(loaded(x), model(x)))

# Files on disk.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "ckpt.pt")
    torch.save({"epoch": 3, "model": model.state_dict()}, path)
    ck = torch.load(path)
    print(ck["epoch"], torch.equal(ck["model"]["3.bias"], model[3].bias))
