//! Building the embedded interpreter: RustPython with its frozen standard library, the native
//! `_smelt` module and smelt's frozen `torch` package, all inside the binary.

use rustpython_vm::{
    Interpreter, InterpreterBuilder, PyRef, Settings, VirtualMachine, builtins::PyModule,
    common::rc::PyRc,
};

/// What `--version` prints: smelt's own version and the Python it embeds.
/// RustPython is pinned to exactly this version in the workspace manifest.
pub const VERSION_LINE: &str = concat!(env!("CARGO_PKG_VERSION"), " (RustPython 0.5.0)");

/// How the interpreter should look to the program it runs.
pub struct Config {
    /// `sys.argv`.
    pub argv: Vec<String>,
    /// Whether `sys.flags.interactive`-style behaviour (the REPL) is wanted.
    pub interactive: bool,
}

/// The trees smelt's Python is written in, relative to the checkout: the runtime API (`vm/`),
/// what records graphs (`tracer/`: `torch._dynamo`, `torch.fx`, AOT autograd ...) and what
/// compiles them (`backends/`: `torch._inductor`). Each tree holds modules at their PyTorch
/// paths, so together they are one `torch` package; `vm/py` comes first because it holds
/// `torch/__init__.py`.
pub const PYTHON_TREES: [&str; 3] = ["vm/py", "tracer/py", "backends/py"];

/// The development override: the checkout whose [`PYTHON_TREES`] are loaded from source
/// instead of the frozen copy, so editing a `.py` file needs no rebuild.
pub const SOURCE_VAR: &str = "SMELT_SRC";

/// The three trees of [`PYTHON_TREES`], compiled to bytecode at build time into one set of
/// frozen modules (`py_freeze!` takes paths relative to this file; vm/build.rs lists the same
/// trees so that a `.py` edit rebuilds the binary).
fn frozen_python() -> impl Iterator<Item = (&'static str, rustpython_vm::frozen::FrozenModule)> {
    let vm = rustpython_vm::py_freeze!(dir = "../py");
    let tracer = rustpython_vm::py_freeze!(dir = "../../tracer/py");
    let backends = rustpython_vm::py_freeze!(dir = "../../backends/py");
    vm.into_iter().chain(tracer).chain(backends)
}

/// The source trees to load smelt's Python from, when `SMELT_SRC` names a checkout; `None`
/// runs the frozen copy. A setting that does not name a checkout is an error rather than a
/// silent fall-back to the frozen code, which would hide that edits are not being run.
fn source_trees() -> Result<Option<Vec<String>>, String> {
    if std::env::var_os("SMELT_PY_DIR").is_some() {
        return Err(format!(
            "SMELT_PY_DIR is no longer read: set {SOURCE_VAR} to the checkout's root (it loads \
             {} from there)",
            PYTHON_TREES.join(", ")
        ));
    }
    let Some(root) = std::env::var_os(SOURCE_VAR) else {
        return Ok(None);
    };
    let root = std::path::absolute(std::path::Path::new(&root))
        .map_err(|err| format!("{SOURCE_VAR}: {err}"))?;
    let trees: Vec<_> = PYTHON_TREES.iter().map(|tree| root.join(tree)).collect();
    if !trees[0].join("torch/__init__.py").is_file() {
        return Err(format!(
            "{SOURCE_VAR}={} is not a smelt checkout (no {}/torch/__init__.py)",
            root.display(),
            PYTHON_TREES[0]
        ));
    }
    Ok(Some(
        trees
            .iter()
            .map(|tree| tree.to_string_lossy().into_owned())
            .collect(),
    ))
}

/// Where `torch` and its sub-packages were loaded from: the source trees under `SMELT_SRC`,
/// or empty for the frozen copy. Read by `torch/__init__.py` to make the package span them.
static SOURCE_TREES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

pub fn python_source_trees() -> &'static [String] {
    SOURCE_TREES.get().map_or(&[], Vec::as_slice)
}

/// The interpreter, or the reason it cannot be set up (a bad `SMELT_SRC`), said before any
/// Python runs.
pub fn build(config: Config) -> Result<Interpreter, String> {
    let mut settings = Settings::default();
    settings.argv = config.argv;
    settings.interactive = config.interactive;
    // UTF-8 mode whatever the locale, as CPython does under the C locale (PEP 540) and by
    // default from 3.15 (PEP 686): scripts print non-ASCII text in minimal containers too.
    settings.utf8_mode = 1;
    // PYTHONPATH entries come before the standard library, as in CPython.
    if let Some(paths) = std::env::var_os("PYTHONPATH") {
        settings.path_list.extend(
            std::env::split_paths(&paths)
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| p.to_string_lossy().into_owned()),
        );
    }
    // From source, the trees go first on sys.path (top-level packages such as `functorch`
    // live in any of them); `torch` itself is found in vm/py and spans the others.
    let trees = source_trees()?;
    if let Some(trees) = &trees {
        settings.path_list.splice(0..0, trees.iter().cloned());
        let _ = SOURCE_TREES.set(trees.clone());
    }
    let builder = InterpreterBuilder::new().settings(settings);
    let stdlib = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
    let native = crate::native::module_def(&builder.ctx);
    let builder = builder
        .add_native_modules(&stdlib)
        .add_native_module(native)
        .add_frozen_modules(rustpython_pylib::FROZEN_STDLIB);
    let builder = if trees.is_none() {
        builder.add_frozen_modules(frozen_python())
    } else {
        builder
    };
    Ok(builder
        .init_hook(point_stdlib_dir_at_frozen_lib)
        .init_hook(|vm| crate::float_repr::install(vm))
        .build())
}

fn point_stdlib_dir_at_frozen_lib(vm: &mut VirtualMachine) {
    // Only the first reference exists while init hooks run, so the state is still mutable.
    if let Some(state) = PyRc::get_mut(&mut vm.state) {
        state.config.paths.stdlib_dir = Some(rustpython_pylib::LIB_PATH.to_owned());
    }
}

/// Runs the start-up imports CPython runs before user code (`warnings`, then `site`, which
/// also installs `exit`/`quit`/`help` for the REPL). A failure is reported, not fatal.
pub fn startup_imports(vm: &VirtualMachine) {
    for name in ["warnings", "site"] {
        if let Err(exc) = vm.import(name, 0) {
            eprintln!("smelt: start-up import of '{name}' failed:");
            vm.print_exception(exc);
        }
    }
}

/// The `__main__` module's namespace, registered in `sys.modules`.
pub fn main_module(
    vm: &VirtualMachine,
) -> rustpython_vm::PyResult<(rustpython_vm::scope::Scope, PyRef<PyModule>)> {
    let scope = vm.new_scope_with_main()?;
    let module = vm
        .sys_module
        .get_attr("modules", vm)?
        .get_item("__main__", vm)?
        .downcast::<PyModule>()
        .map_err(|_| vm.new_runtime_error("sys.modules['__main__'] is not a module"))?;
    Ok((scope, module))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    /// Each module is written in exactly one tree: a name frozen twice would make one file
    /// silently shadow the other.
    #[test]
    fn no_module_is_frozen_from_two_trees() {
        let mut seen = HashSet::new();
        let dups: Vec<_> = super::frozen_python()
            .map(|(name, _)| name)
            .filter(|name| !seen.insert(*name))
            .collect();
        assert!(dups.is_empty(), "frozen from two trees: {dups:?}");
        // The trees' own packages are all there, under their PyTorch names.
        for name in [
            "torch",
            "torch._dynamo.eval_frame",
            "torch.fx.graph",
            "torch._functorch.aot_autograd",
            "functorch.compile",
            "torch._inductor.lowering",
        ] {
            assert!(seen.contains(name), "{name} is not frozen");
        }
    }
}
