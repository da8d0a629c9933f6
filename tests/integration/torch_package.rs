//! The frozen `torch` package and its native half are part of the binary.

use crate::common::{dir_with, python, smelt_in};

#[test]
fn import_torch_from_the_binary() {
    let run = python(
        "import torch, torch.version, sys\nprint(torch.__version__ == torch.version.__version__)\nprint(torch.__version__.startswith('2.'), '+smelt.' in torch.__version__)\nprint(torch._C._smelt_version == torch.__version__.split('+smelt.')[1])\nprint(sys.modules['_smelt'] is not None)",
    );
    assert_eq!(run.stdout, "True\nTrue True\nTrue\nTrue\n");
}

#[test]
fn frozen_torch_wins_over_a_torch_on_sys_path() {
    // A script directory holding a torch/ of its own must not shadow smelt's frozen package.
    let dir = dir_with(&[
        (
            "torch/__init__.py",
            b"raise ImportError('the on-disk torch was imported')\n",
        ),
        ("main.py", b"import torch\nprint(torch._C.__name__)\n"),
    ]);
    let run = smelt_in(Some(dir.path()), &["run", "main.py"], None);
    run.expect_status(0);
    assert_eq!(run.stdout, "torch._C\n");
}

/// What a compiled script prints: a graph break splits `f`, the default backend (the native
/// JIT) compiles both graphs, and the answer is eager's.
const COMPILED_SCRIPT: &str = r#"
import torch
from torch._dynamo.testing import CompileCounter

def f(x):
    y = torch.sin(x) * 2
    torch._dynamo.graph_break()
    return y + x.cos()

x = torch.linspace(-1, 1, 8)
counter = CompileCounter()
print(torch.allclose(torch.compile(f, backend=counter)(x), f(x)), counter.frame_count)
print(torch.allclose(torch.compile(f)(x), f(x)))
import _smelt, functorch.compile
print([t.rsplit("/", 2)[-2] for t in _smelt._python_source_trees()])
"#;

fn checkout() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("vm/ has a parent")
        .to_path_buf()
}

#[test]
fn compiled_script_runs_on_the_frozen_trees() {
    let run = crate::common::smelt_env(None, &["-c", COMPILED_SCRIPT], None, &[]);
    run.expect_status(0);
    assert_eq!(run.stdout, "True 2\nTrue\n[]\n");
}

#[test]
fn smelt_src_loads_all_three_trees_from_the_checkout() {
    let root = checkout();
    let root = root.to_str().unwrap();
    let run =
        crate::common::smelt_env(None, &["-c", COMPILED_SCRIPT], None, &[("SMELT_SRC", root)]);
    run.expect_status(0);
    assert_eq!(run.stdout, "True 2\nTrue\n['vm', 'tracer', 'backends']\n");
    // Each module comes from the tree of its layer, as a source file.
    let where_from = r#"
import torch.nn, torch._dynamo.eval_frame, torch.fx, torch._inductor.lowering, functorch
for m in (torch, torch.nn, torch._dynamo.eval_frame, torch.fx, torch._inductor.lowering, functorch):
    print(m.__name__, m.__file__.split("/py/")[0].rsplit("/", 1)[-1])
"#;
    let run = crate::common::smelt_env(None, &["-c", where_from], None, &[("SMELT_SRC", root)]);
    run.expect_status(0);
    assert_eq!(
        run.stdout,
        "torch vm\ntorch.nn vm\ntorch._dynamo.eval_frame tracer\ntorch.fx tracer\n\
         torch._inductor.lowering backends\nfunctorch tracer\n"
    );
}

#[test]
fn a_bad_source_setting_stops_before_running_frozen_code() {
    let empty = tempfile::tempdir().unwrap();
    let run = crate::common::smelt_env(
        None,
        &["-c", "print('ran')"],
        None,
        &[("SMELT_SRC", empty.path().to_str().unwrap())],
    );
    run.expect_status(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("smelt: SMELT_SRC=")
            && run.stderr.contains("is not a smelt checkout"),
        "{}",
        run.stderr
    );
    // The old setting names its successor instead of being ignored.
    let run = crate::common::smelt_env(
        None,
        &["-c", "print('ran')"],
        None,
        &[("SMELT_PY_DIR", "vm/py")],
    );
    run.expect_status(2);
    assert!(
        run.stderr
            .starts_with("smelt: SMELT_PY_DIR is no longer read: set SMELT_SRC"),
        "{}",
        run.stderr
    );
}
