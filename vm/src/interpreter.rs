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

/// smelt's `torch` package (and anything else under vm/py), compiled to bytecode at build time.
fn frozen_python() -> impl IntoIterator<Item = (&'static str, rustpython_vm::frozen::FrozenModule)>
{
    rustpython_vm::py_freeze!(dir = "../py")
}

pub fn build(config: Config) -> Interpreter {
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
    // SMELT_PY_DIR=vm/py makes the `torch` package load from source instead of the frozen copy,
    // so editing it needs no rebuild while developing.
    let py_dir = std::env::var_os("SMELT_PY_DIR");
    if let Some(dir) = &py_dir {
        settings
            .path_list
            .insert(0, dir.to_string_lossy().into_owned());
    }
    let builder = InterpreterBuilder::new().settings(settings);
    let stdlib = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
    let native = crate::native::module_def(&builder.ctx);
    let builder = builder
        .add_native_modules(&stdlib)
        .add_native_module(native)
        .add_frozen_modules(rustpython_pylib::FROZEN_STDLIB);
    let builder = if py_dir.is_none() {
        builder.add_frozen_modules(frozen_python())
    } else {
        builder
    };
    builder.init_hook(point_stdlib_dir_at_frozen_lib).build()
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
