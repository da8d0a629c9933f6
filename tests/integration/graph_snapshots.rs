//! Printed graphs, checked as insta snapshots under `snapshots/`: what users read most. Each
//! script prints one kind of graph; a changed printout shows up as a snapshot diff to review.

use crate::common::python;

fn snapshot(name: &str, code: &str) {
    assert_text_snapshot(name, &python(code).stdout);
}

fn assert_text_snapshot(name: &str, out: &str) {
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

/// `smelt dump` of a script (run from a temporary directory, so paths are the script's name):
/// every compiled frame's bytecode, graphs, breaks and guards. Object ids and addresses vary
/// from run to run and are masked.
fn dump_snapshot(name: &str, script: &str) {
    let dir = crate::common::dir_with(&[("model.py", script.as_bytes())]);
    let run = crate::common::smelt_in(Some(dir.path()), &["dump", "model.py"], None);
    run.expect_status(0);
    let mut out = run.stdout.clone();
    for path in [dir.path().to_path_buf(), dir.path().canonicalize().unwrap()] {
        out = out.replace(path.to_str().unwrap(), "<dir>");
    }
    // Guard notes name the script as PyTorch shortens it (the path less what it shares with
    // the torch install, plus one character: `/tmp/x/model.py` is `mp/x/model.py`).
    for path in [dir.path().to_path_buf(), dir.path().canonicalize().unwrap()] {
        let full = path.to_str().unwrap();
        if let Some(short) = full.get(2..) {
            out = out.replace(short, "<short-dir>");
        }
    }
    assert_text_snapshot(name, &mask_ids(&out));
}

/// Replaces `0x…` addresses and runs of 8+ digits (object ids) with placeholders.
fn mask_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '0'
            && chars.get(i + 1) == Some(&'x')
            && chars.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
        {
            i += 2;
            while i < chars.len() && chars[i].is_ascii_hexdigit() {
                i += 1;
            }
            out.push_str("0x?");
            continue;
        }
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 8 {
                out.push_str("<id>");
            } else {
                out.extend(&chars[start..i]);
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[test]
fn dump_print_in_the_middle() {
    dump_snapshot(
        "dump_print_in_the_middle",
        r#"
import torch

@torch.compile(backend="eager")
def f(x, z):
    a = x + 1
    b = a * z
    print("middle", a.shape)
    return b - a

print(f(torch.ones(2), torch.ones(2)))
"#,
    );
}

#[test]
fn dump_branch_on_tensor_and_recompile() {
    dump_snapshot(
        "dump_branch_on_tensor_and_recompile",
        r#"
import torch

@torch.compile(backend="eager")
def f(x):
    y = x.cos()
    if y.sum() > 0:
        return y + 1
    return y - 1

print(f(torch.zeros(2)))
print(f(torch.full((2,), 3.0)))
print(f(torch.zeros(3)))
"#,
    );
}

#[test]
fn dump_break_in_nested_call_under_no_grad() {
    dump_snapshot(
        "dump_break_in_nested_call_under_no_grad",
        r#"
import torch

def inner(x):
    y = x * 2
    torch._dynamo.graph_break()
    return y + 1

@torch.compile(backend="eager")
def f(x):
    with torch.no_grad():
        a = inner(x)
    return a.sum(), a.requires_grad

print(f(torch.ones(2, requires_grad=True)))
"#,
    );
}
