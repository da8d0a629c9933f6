# A small MLP learns a toy problem with SGD (momentum, weight decay), Adam and AdamW under a StepLR schedule; the losses fall and match PyTorch's step by step.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(64, 4)
labels = ((x[:, 0] + x[:, 1] * x[:, 2]) > 0).long()
targets = x[:, :2].sum(1, keepdim=True).tanh()


def make():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))


def train(name, opt_fn, loss_fn, steps=30, sched=None):
    torch.manual_seed(1)
    model = make()
    opt = opt_fn(model.parameters())
    scheduler = sched(opt) if sched else None
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x))
        loss.backward()
        opt.step()
        if scheduler:
            scheduler.step()
        losses.append(loss.item())
    print(name, " ".join(f"{v:.4f}" for v in losses[::5]), f"last={losses[-1]:.4f}", "falls" if losses[-1] < losses[0] * 0.8 else "STUCK")
    return model, opt, scheduler


ce = lambda out: F.cross_entropy(out, labels)
mse = lambda out: F.mse_loss(out[:, :1], targets)
bce = lambda out: F.binary_cross_entropy_with_logits(out[:, 0], labels.float())

train("sgd", lambda p: torch.optim.SGD(p, lr=0.1), ce)
train("sgd-momentum", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3), mse)
train("sgd-nesterov", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), bce)
train("adam", lambda p: torch.optim.Adam(p, lr=0.01), ce)
train("adam-amsgrad", lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-2), mse)
model, opt, sched = train("adamw-steplr", lambda p: torch.optim.AdamW(p, lr=0.02), ce,
                          sched=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5))
print(sched.get_last_lr(), opt.param_groups[0]["lr"], sched.last_epoch)
print(opt)
state = opt.state_dict()
print(sorted(state["state"].keys()), state["param_groups"][0]["params"])
print(state["state"][0]["step"], tuple(state["state"][0]["exp_avg"].shape))

# Resuming from a state dict continues exactly where the original would have gone.
torch.manual_seed(2)
a = make()
b = make()
b.load_state_dict(a.state_dict())
opt_a = torch.optim.Adam(a.parameters(), lr=0.01)
for _ in range(3):
    opt_a.zero_grad()
    ce(a(x)).backward()
    opt_a.step()
b.load_state_dict(a.state_dict())
opt_b = torch.optim.Adam(b.parameters(), lr=0.01)
opt_b.load_state_dict(opt_a.state_dict())
for o, m in ((opt_a, a), (opt_b, b)):
    o.zero_grad()
    ce(m(x)).backward()
    o.step()
print(all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters())))

# Errors.
for make_opt in (lambda: torch.optim.SGD([], lr=0.1), lambda: torch.optim.Adam(make().parameters(), lr=-1),
                 lambda: torch.optim.SGD([torch.ones(2, requires_grad=True) * 2], lr=0.1)):
    try:
        make_opt()
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
