# Writes pytorch_checkpoint.pt with real PyTorch (run once: python data/make_pytorch_checkpoint.py);
# load_pytorch_checkpoint.py reads it under smelt.
import os

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
base = torch.arange(12.0).reshape(3, 4)
torch.save(
    {
        "model": model.state_dict(),
        "view": base[1:, ::2],
        "base": base,
        "param": model[0].weight,
        "ints": torch.tensor([[1, 2], [3, 4]], dtype=torch.int32).t(),
        "half": torch.tensor([0.25, -1.5], dtype=torch.float16),
        "flags": torch.tensor([True, False, True]),
        "epoch": 7,
        "names": ["a", "b"],
    },
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch_checkpoint.pt"),
)
