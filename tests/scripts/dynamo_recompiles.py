# The compile cache: hits, recompiles on guard failures (compile ids 0/0, 0/1 ...), the
# recompile limit, and reset(). Frame and op counts as PyTorch's CompileCounter counts them.
import torch
from torch._dynamo.testing import CompileCounter

ids = []


def run(title, fn, calls, reset=True):
    if reset:
        torch._dynamo.reset()
        torch._dynamo.on_compile_start(lambda args: ids.append(args.compile_id))
    ids.clear()
    cnt = CompileCounter()
    compiled = torch.compile(fn, backend=cnt, dynamic=False)
    for args in calls:
        out = compiled(*args)
        ref = fn(*args)
        assert torch.equal(out, ref), title
    print(f"{title}: frames={cnt.frame_count} ops={cnt.op_count} compile ids={ids}")
    return compiled, cnt


def pointwise(x):
    return (x.sin() + x.cos()).sum()


torch._dynamo.reset()
compiled, cnt = run("same shape twice, then a new shape", pointwise,
                    [(torch.randn(3),), (torch.randn(3),), (torch.randn(4),), (torch.randn(3),)])
compiled(torch.randn(4))
print("both shapes cached:", cnt.frame_count)


def scaled(x, n):
    return x * n


torch._dynamo.reset()
run("int argument is a constant of the graph", scaled,
    [(torch.ones(2), 2), (torch.ones(2), 2), (torch.ones(2), 3)])
torch._dynamo.reset()
run("dtype and requires_grad are guarded", pointwise,
    [(torch.randn(3),), (torch.randn(3, dtype=torch.float64),), (torch.randn(3, requires_grad=True),)])
torch._dynamo.reset()
run("non-contiguous input", lambda x: x * 2,
    [(torch.randn(3, 4),), (torch.randn(4, 3).t(),), (torch.randn(3, 4),)])
torch._dynamo.reset()
run("grad mode is guarded", pointwise, [(torch.randn(3),)])
with torch.no_grad():
    run("  ... and under no_grad", pointwise, [(torch.randn(3),)], reset=False)

torch._dynamo.reset()
torch._dynamo.config.recompile_limit = 2
compiled, cnt = run("recompile limit 2", pointwise, [(torch.randn(1),), (torch.randn(2),), (torch.randn(3),)])
print("over the limit runs eagerly:", compiled(torch.randn(5)).shape, cnt.frame_count)
torch._dynamo.config.recompile_limit = 8


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(torch.relu(self.fc(x)))


torch._dynamo.reset()
net = Net().eval()
cnt = CompileCounter()
opt = torch.compile(net, backend=cnt, dynamic=False)
x = torch.randn(2, 4)
opt(x)
opt(x)
print("module called twice:", cnt.frame_count)
other = torch.compile(Net().eval(), backend=cnt, dynamic=False)
other(x)
print("a second instance of the class:", cnt.frame_count)
net.train()
out = opt(x)
print("train() changes the graph:", cnt.frame_count, out.shape)

g_scale = torch.ones(3)


def uses_global(x):
    return x * g_scale


torch._dynamo.reset()
cnt = CompileCounter()
compiled = torch.compile(uses_global, backend=cnt, dynamic=False)
compiled(torch.ones(3))
g_scale = torch.ones(1)
print("global rebound to another shape:", compiled(torch.ones(3)).shape, cnt.frame_count)

torch._dynamo.reset()
ids.clear()
torch._dynamo.on_compile_start(lambda args: ids.append(args.compile_id))
compiled = torch.compile(pointwise, backend=cnt, dynamic=False)
compiled(torch.randn(3))
print("after reset the ids start again:", ids)


class Greeter:
    def add_one(self, x):
        return x + 1


bound_method = Greeter().add_one


def calls_global_method(x):
    return bound_method(x)


torch._dynamo.reset()
cnt = CompileCounter()
compiled = torch.compile(calls_global_method, backend=cnt, dynamic=False)
for _ in range(3):
    compiled(torch.ones(2))
print("a bound method held in a global is guarded by its function and object:", cnt.frame_count)
