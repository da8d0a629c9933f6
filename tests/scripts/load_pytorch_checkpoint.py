# A checkpoint written by PyTorch itself (data/make_pytorch_checkpoint.py) loads: storages shared between views stay shared, strides and dtypes survive.
import os

import torch

ck = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pytorch_checkpoint.pt"))
print(sorted(ck.keys()))
print(list(ck["model"].keys()))
print(ck["model"]["0.weight"], ck["model"]["1.bias"])
print(ck["view"], ck["view"].stride(), ck["view"].storage_offset())
ck["base"][1, 0] = -1.0
print(ck["view"][0, 0].item())
print(type(ck["param"]).__name__, ck["param"].requires_grad)
print(ck["ints"], ck["ints"].stride(), ck["ints"].dtype)
print(ck["half"], ck["flags"], ck["epoch"], ck["names"])
model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
print(model.load_state_dict(ck["model"]))
print(model(torch.ones(1, 3)))
