//! `_smelt`: the native module under smelt's Python `torch` package. `torch._C` re-exports it,
//! and the Rust-backed types (`torch.Tensor`, dtypes, the compile entry points) are added here.

use rustpython_vm::{Context, builtins::PyModuleDef};

pub fn module_def(ctx: &Context) -> &'static PyModuleDef {
    smelt_native::module_def(ctx)
}

#[rustpython_vm::pymodule(name = "_smelt")]
mod smelt_native {
    /// smelt's version, shown as `torch.__version__`'s local part.
    #[pyattr(name = "__version__")]
    const VERSION: &str = env!("CARGO_PKG_VERSION");

    /// The RustPython release the binary embeds.
    #[pyattr(name = "rustpython_version")]
    const RUSTPYTHON_VERSION: &str = "0.5.0";
}
