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
