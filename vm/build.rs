// The Python trees frozen into the binary by `py_freeze!` (interpreter.rs, PYTHON_TREES):
// the macro does not tell cargo which files it read, so without this a .py edit in any of the
// three trees would not rebuild smelt.
fn main() {
    for tree in ["py", "../tracer/py", "../backends/py"] {
        println!("cargo:rerun-if-changed={tree}");
    }
}
