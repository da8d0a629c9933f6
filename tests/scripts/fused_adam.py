# Adam and AdamW give the same values whether a parameter's update runs fused (contiguous
# float tensors: one native pass in smelt) or op by op (a transposed parameter): the fused
# update must round exactly as the separate ops do. Also Adam's other options.
import torch


def train(transposed, dtype=torch.float32, cls=torch.optim.AdamW, **options):
    torch.manual_seed(0)
    w = torch.randn(7, 300, dtype=dtype)
    p = torch.nn.Parameter(w.t().contiguous().t() if transposed else w.clone())
    opt = cls([p], lr=1e-2, **options)
    x = torch.randn(300, 3, dtype=dtype)
    for _ in range(6):
        loss = ((p @ x).tanh() ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return p.detach().contiguous()


cases = [
    ("adamw", {}),
    ("adamw wd=0.1", {"weight_decay": 0.1}),
    ("adamw maximize", {"weight_decay": 0.1, "maximize": True}),
    ("adamw amsgrad", {"amsgrad": True}),
    ("adam", {"cls": torch.optim.Adam}),
    ("adam wd=0.05", {"cls": torch.optim.Adam, "weight_decay": 0.05}),
    ("adamw betas", {"betas": (0.8, 0.95), "eps": 1e-6}),
]
for dtype in (torch.float32, torch.float64):
    for name, options in cases:
        a = train(False, dtype, **options)
        b = train(True, dtype, **options)
        print(f"{name} {dtype}: same={torch.equal(a, b)} sum={a.sum().item():.2f}")
