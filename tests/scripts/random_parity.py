# torch.manual_seed(s) then a random fill gives PyTorch's values bit for bit. Each case prints
# values spread over the tensor at full precision and, for float32 and narrower, the float64
# sum of all values (exact for these values in any order, so one changed bit shows).
import torch


def show(name, t):
    d = t.detach().double().reshape(-1)
    step = max(d.numel() // 12, 1)
    total = "" if t.dtype == torch.float64 else f" sum {d.sum().item()!r}"
    print(f"{name}:{total} {d[::step].tolist()} {d[-2:].tolist()}")


cases = [
    ("randn 20000", lambda: torch.randn(20000)),
    ("randn 37", lambda: torch.randn(37)),
    ("randn 3x17", lambda: torch.randn(3, 17)),
    ("randn 5", lambda: torch.randn(5)),
    ("randn float64 1001", lambda: torch.randn(1001, dtype=torch.float64)),
    ("randn float16 1000", lambda: torch.randn(1000, dtype=torch.float16)),
    ("randn float16 17", lambda: torch.randn(17, dtype=torch.float16)),
    ("randn float16 7", lambda: torch.randn(7, dtype=torch.float16)),
    ("randn bfloat16 1003", lambda: torch.randn(1003, dtype=torch.bfloat16)),
    ("normal_ 1000", lambda: torch.empty(1000).normal_(0.5, 0.02)),
    ("normal_ float64 1000", lambda: torch.empty(1000, dtype=torch.float64).normal_(0.5, 0.02)),
    ("normal_ float16 999", lambda: torch.empty(999, dtype=torch.float16).normal_(-1.0, 3.0)),
    ("rand 1000", lambda: torch.rand(1000)),
    ("rand float16 4000", lambda: torch.rand(4000, dtype=torch.float16)),
    ("rand bfloat16 4000", lambda: torch.rand(4000, dtype=torch.bfloat16)),
    ("uniform_ 1000", lambda: torch.empty(1000).uniform_(-0.0883883476, 0.0883883476)),
    ("uniform_ float64 1000", lambda: torch.empty(1000, dtype=torch.float64).uniform_(-0.3, 0.7)),
    ("uniform_ bfloat16 1000", lambda: torch.empty(1000, dtype=torch.bfloat16).uniform_(-0.3, 0.7)),
    ("Linear(128, 64)", lambda: torch.nn.Linear(128, 64).weight),
]
for seed in (0, 1234):
    for name, make in cases:
        torch.manual_seed(seed)
        show(f"seed {seed} {name}", make())
# The stream goes on from where each fill left it.
torch.manual_seed(7)
show("then float16", torch.randn(1000, dtype=torch.float16))
show("then rand", torch.rand(3))
show("then float32 tail", torch.randn(1000))
show("then rand", torch.rand(3))
