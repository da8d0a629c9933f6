//! Printed graphs, checked as insta snapshots under `snapshots/`: what users read most. Each
//! script prints one kind of graph; a changed printout shows up as a snapshot diff to review.

use crate::common::python;

fn snapshot(name: &str, code: &str) {
    let out = python(code).stdout.clone();
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, out);
    });
}

#[test]
fn make_fx_mlp_forward_readable() {
    snapshot(
        "make_fx_mlp_forward_readable",
        r#"
import torch
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx

def mlp(x, w1, b1, w2, b2):
    h = F.gelu(F.linear(x, w1, b1))
    h = F.layer_norm(h, [8])
    return F.log_softmax(F.linear(h, w2, b2), -1).sum(0)

args = (torch.randn(4, 6), torch.randn(8, 6), torch.randn(8), torch.randn(3, 8), torch.randn(3))
gm = make_fx(mlp, tracing_mode="fake")(*args)
print(gm.print_readable(print_output=False, include_stride=True))
print(gm.graph)
"#,
    );
}

#[test]
fn symbolic_trace_module_readable() {
    snapshot(
        "symbolic_trace_module_readable",
        r#"
import torch
import torch.fx

class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.act = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(8, 4)
        self.scale = torch.nn.Parameter(torch.ones(4))

    def forward(self, x, y):
        h = self.fc2(self.act(self.fc1(x)))
        sum = h.sum(dim=-1, keepdim=True)
        return {"out": h * self.scale + y, "sum": sum, "first": x[0]}

gm = torch.fx.symbolic_trace(Block())
print(gm.code)
print(gm.graph)
for n in gm.graph.nodes:
    print(n.op, n.name, n.target, n.args, n.kwargs)
"#,
    );
}

#[test]
fn fake_propagated_graph_annotations() {
    snapshot(
        "fake_propagated_graph_annotations",
        r#"
import operator
import torch
import torch.fx
from torch.fx.passes.fake_tensor_prop import FakeTensorProp

aten = torch.ops.aten
g = torch.fx.Graph()
x = g.placeholder("x")
w = g.placeholder("w")
mm = g.call_function(aten.mm.default, (x, w))
mx = g.call_function(aten.max.dim, (mm, 1))
values = g.call_function(operator.getitem, (mx, 0))
idx = g.call_function(operator.getitem, (mx, 1))
half = g.call_function(aten._to_copy.default, (values,), {"dtype": torch.float16})
g.output((half, idx))
gm = torch.fx.GraphModule(torch.nn.Module(), g, "Annotated")
FakeTensorProp(gm).propagate(torch.randn(5, 3), torch.randn(3, 7))
print(gm.print_readable(print_output=False, include_stride=True, include_device=True))
"#,
    );
}

#[test]
fn dynamo_toy_model_graph() {
    snapshot(
        "dynamo_toy_model_graph",
        r#"
import torch
from torch._dynamo.testing import EagerAndRecordGraphs

class ToyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(10, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(x)) * 2

backend = EagerAndRecordGraphs()
model = ToyModel()
model.compile(backend=backend)
model(torch.randn(4, 10))
gm = backend.graphs[0]
print(gm.print_readable(print_output=False, include_stride=True))
print(gm.graph)
print(gm.code)
"#,
    );
}
