"""A first smelt script: torch.compile captures a small model as FX graphs.

    cargo run --release -- run examples/hello.py

The model's forward prints in the middle. A print cannot go into a graph, so torch.compile
breaks the frame there: it captures the ops before the print as one graph, runs the print
eagerly, and captures the rest as a second graph (a resume function). The script prints both
graphs as the backend receives them, says where and why the frame broke, then runs the model
under the default backend (smelt's native JIT) and checks it against eager.

The same script runs under CPython + PyTorch and prints the same. To see more of what
torch.compile did (bytecode, guards, the JIT's loop IR and machine code):

    smelt dump examples/hello.py
    TORCH_LOGS=output_code smelt run examples/hello.py
"""
import os

import torch
from torch import nn


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        print("  (forward prints here: graph break)")
        return self.fc2(h).softmax(dim=-1)


def show_graph(gm, example_inputs):
    """A torch.compile backend that prints each captured graph, then runs it as it is."""
    print(gm.print_readable(print_output=False))
    return gm.forward


torch.manual_seed(0)
model = TinyNet()
x = torch.randn(3, 4)

print("== torch.compile(model, backend=show_graph)(x)")
out = torch.compile(model, backend=show_graph)(x)
print("matches eager:", torch.allclose(out, model(x)))

print("== where the frame broke")
explanation = torch._dynamo.explain(model)(x)
print(f"graphs: {explanation.graph_count}, graph breaks: {explanation.graph_break_count}")
for reason in explanation.break_reasons:
    what, why = reason.reason.splitlines()[:2]  # the rest of the reason: hints
    frame = reason.user_stack[-1]
    print(f"{what}\n{why}\n  at {os.path.basename(frame.filename)}:{frame.lineno}: {frame.line}")

print("== torch.compile(model)(x): the default backend")
torch._dynamo.reset()
out = torch.compile(model)(x)
print("matches eager:", torch.allclose(out, model(x)))
print(out)
