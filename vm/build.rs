// The frozen Python package under py/ is compiled into the binary by `py_freeze!`, which
// does not tell cargo which files it read; without this a .py edit would not rebuild smelt.
fn main() {
    println!("cargo:rerun-if-changed=py");
}
