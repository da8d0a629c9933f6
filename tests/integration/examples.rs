//! The examples a newcomer runs first print what PyTorch prints for them.
//! `tests/examples/NAME.expected` was recorded with CPython + PyTorch 2.15:
//! `cd examples && python NAME.py | sed "s#$PWD/#<examples>/#g"` (graphs name their source file
//! by absolute path).

use std::path::Path;

#[test]
fn hello_compiles_a_model_and_shows_its_graphs_and_the_break() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let examples = root.join("examples").canonicalize().unwrap();
    let expected = std::fs::read_to_string(root.join("tests/examples/hello.expected")).unwrap();
    let run = crate::common::smelt_in(Some(&examples), &["run", "hello.py"], None);
    run.expect_status(0);
    let shown = run
        .stdout
        .replace(&format!("{}/", examples.display()), "<examples>/");
    assert_eq!(shown, expected, "--- stderr\n{}", run.stderr);
}
