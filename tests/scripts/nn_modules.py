# torch.nn.Module: printing, traversal, state dicts and their errors, hooks, modes and conversion, checked against PyTorch.
import torch
import torch.nn as nn
from collections import OrderedDict

torch.manual_seed(0)


def show_error(fn):
    try:
        fn()
    except Exception as e:
        print(f"{type(e).__name__}: {e}")


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.Linear(dim, dim, bias=False)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim), nn.Dropout(0.1))

    def forward(self, x):
        return x + self.mlp(self.norm(x) + self.attn(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(16, 8, padding_idx=0)
        self.blocks = nn.ModuleList([Block(8) for _ in range(3)] + [nn.Identity()])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "act": nn.ReLU(inplace=True)})
        self.conv = nn.Conv2d(3, 6, kernel_size=3, stride=2, padding=1, bias=False)
        self.conv_same = nn.Conv2d(6, 6, 5, padding="same", groups=2, dilation=2)
        self.conv1d = nn.Conv1d(2, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1)
        self.adapt = nn.AdaptiveAvgPool2d((1, 1))
        self.bn = nn.BatchNorm2d(6)
        self.flat = nn.Flatten()
        self.acts = nn.Sequential(OrderedDict([("silu", nn.SiLU()), ("sig", nn.Sigmoid()), ("tanh", nn.Tanh()),
                                               ("soft", nn.Softmax(dim=-1)), ("lsm", nn.LogSoftmax(dim=1)),
                                               ("leaky", nn.LeakyReLU(0.2)), ("elu", nn.ELU()), ("gelu", nn.GELU())]))
        self.losses = nn.ModuleList([nn.MSELoss(), nn.CrossEntropyLoss(label_smoothing=0.1), nn.NLLLoss(),
                                     nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.L1Loss()])
        self.empty = nn.ModuleList()
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.register_buffer("scratch", torch.ones(2), persistent=False)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, tokens):
        h = self.embed(tokens)
        for block in self.blocks:
            h = block(h)
        return self.heads["cls"](h)


net = Net()
print(net)
print(nn.Linear(3, 2), nn.ReLU(), nn.Dropout(), nn.Embedding(5, 2))
print("parameters:", sum(p.numel() for p in net.parameters()))
for name, p in net.named_parameters():
    if name.startswith("blocks.0") or "." not in name:
        print(name, tuple(p.shape), p.requires_grad, type(p).__name__)
print([name for name, _ in net.named_buffers()])
print([name for name, _ in net.named_children()])
print(len(list(net.modules())), [name for name, _ in net.named_modules()][:6])
sd = net.state_dict()
print(type(sd).__name__, len(sd), list(sd)[:6], "scratch" in sd, "steps" in sd)
print(sd["embed.weight"].requires_grad, sd["embed.weight"].grad_fn)

# Loading: success, then each kind of mismatch.
other = Net()
print(other.load_state_dict(sd))
print(torch.equal(other.blocks[1].attn.weight, net.blocks[1].attn.weight))
bad = dict(sd)
bad["heads.cls.weight"] = torch.zeros(4, 8)
del bad["scale"]
bad["extra.thing"] = torch.zeros(1)
show_error(lambda: other.load_state_dict(bad))
print(other.load_state_dict({k: v for k, v in sd.items() if k != "scale"}, strict=False))
show_error(lambda: nn.Linear(2, 2).load_state_dict([1, 2]))

# Attribute protocol.
lin = nn.Linear(4, 2)
show_error(lambda: lin.nonexistent)
show_error(lambda: setattr(lin, "weight", torch.zeros(2, 4)))
show_error(lambda: lin.register_buffer("weight", torch.zeros(1)))
show_error(lambda: lin.register_buffer("a.b", torch.zeros(1)))
show_error(lambda: lin.register_parameter("p", torch.zeros(1)))
show_error(lambda: nn.Module()(1))
lin.extra = nn.Parameter(torch.zeros(3))
print([n for n, _ in lin.named_parameters()])
del lin.extra
print([n for n, _ in lin.named_parameters()])
lin.bias = None
print(lin, lin.bias)

# Modes, conversion, zero_grad, apply.
net.eval()
print(net.training, net.blocks[0].mlp[3].training)
net.train()
print(net.training, net.blocks[2].norm.training)
small = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
small.double()
print(small[0].weight.dtype, type(small[0].weight).__name__, small[0].weight.requires_grad)
small.to(torch.float32)
print(small[2].bias.dtype)
show_error(lambda: small.to(torch.int64))
small(torch.ones(4, 2)).sum().backward()
print(small[0].weight.grad is not None)
small.zero_grad()
print(small[0].weight.grad)
visited = []
small.apply(lambda m: visited.append(type(m).__name__))
print(visited)

# Containers.
seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
print(seq[0], seq[-1], len(seq))
print(seq[1:])
seq.append(nn.Sigmoid())
print(len(seq), type(seq[3]).__name__)
ml = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()])
print(ml)
ml.append(nn.Tanh())
print(len(ml), type(ml[-1]).__name__, type(ml[1:3]).__name__)
md = nn.ModuleDict({"a": nn.ReLU()})
md["b"] = nn.Tanh()
print(list(md.keys()), "a" in md, len(md))

# Forward hooks.
calls = []
h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre"))
h2 = lin.register_forward_hook(lambda m, args, out: out * 0)
print(lin(torch.ones(4)), calls)
h1.remove()
h2.remove()
print(lin(torch.ones(4)).shape, calls)

# Parameters print as PyTorch prints them.
print(nn.Parameter(torch.tensor([1.0, 2.0])))
print(nn.Parameter(torch.tensor([1.0]), requires_grad=False))
print(isinstance(nn.Parameter(torch.zeros(1)), torch.Tensor))
