//! The ways smelt runs code — a script file, `-c`, `-m`, a script on stdin, the REPL — each
//! set up the way CPython sets it up (`sys.argv`, `sys.path[0]`, `__main__`, exit status).

use std::io::Read;
use std::path::{Path, PathBuf};

use rustpython_vm::{AsObject, PyResult, VirtualMachine, compiler, scope::Scope};

use crate::interpreter::{self, Config};

#[derive(Debug)]
pub enum Mode {
    Script { file: PathBuf, args: Vec<String> },
    Command { code: String, args: Vec<String> },
    Module { module: String, args: Vec<String> },
    Stdin,
    Repl,
}

/// What runs once the interpreter is up; files are read before, so that an unreadable
/// script is a usage error (exit 2) and never reaches the VM.
enum Job {
    Source {
        bytes: Vec<u8>,
        filename: String,
        path0: String,
        main_file: Option<String>,
    },
    Command(String),
    Module(String),
    /// A directory or zip archive with a `__main__.py`, run through runpy as CPython does.
    MainPackage(String),
    Repl,
}

/// Runs `mode` to completion and returns the process exit status.
pub fn run(mode: Mode) -> u8 {
    let (argv, job) = match prepare(mode) {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("smelt: {message}");
            return 2;
        }
    };
    let interactive = matches!(job, Job::Repl);
    let interp = match interpreter::build(Config { argv, interactive }) {
        Ok(interp) => interp,
        Err(message) => {
            eprintln!("smelt: {message}");
            return 2;
        }
    };
    let status = interp.run(move |vm| {
        interpreter::startup_imports(vm);
        execute(vm, job)
    });
    // CPython truncates the status to a byte the same way (`sys.exit(256)` exits 0).
    (status & 0xff) as u8
}

fn prepare(mode: Mode) -> Result<(Vec<String>, Job), String> {
    Ok(match mode {
        Mode::Script { file, args } => {
            let argv = std::iter::once(file.to_string_lossy().into_owned())
                .chain(args)
                .collect();
            (argv, script_job(&file)?)
        }
        Mode::Command { code, args } => (with_argv0("-c", args), Job::Command(code)),
        Mode::Module { module, args } => (with_argv0("-m", args), Job::Module(module)),
        Mode::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|err| format!("can't read standard input: {}", os_error_text(&err)))?;
            let job = Job::Source {
                bytes,
                filename: "<stdin>".into(),
                path0: String::new(),
                main_file: Some("<stdin>".into()),
            };
            (vec![String::new()], job)
        }
        Mode::Repl => (vec![String::new()], Job::Repl),
    })
}

fn with_argv0(first: &str, args: Vec<String>) -> Vec<String> {
    std::iter::once(first.to_owned()).chain(args).collect()
}

fn script_job(file: &Path) -> Result<Job, String> {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let shown = absolute.to_string_lossy().into_owned();
    let cant_open =
        |err: &std::io::Error| format!("can't open file '{shown}': {}", os_error_text(err));
    let meta = std::fs::metadata(file).map_err(|err| cant_open(&err))?;
    if meta.is_dir() || is_zip(file) {
        return Ok(Job::MainPackage(shown));
    }
    let bytes = std::fs::read(file).map_err(|err| cant_open(&err))?;
    // sys.path[0] is the directory of the script with symlinks resolved, as in CPython.
    let real = std::fs::canonicalize(file).unwrap_or_else(|_| absolute.clone());
    let path0 = real
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Job::Source {
        bytes,
        filename: shown.clone(),
        path0,
        main_file: Some(shown),
    })
}

fn is_zip(file: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PK\x03\x04"
}

/// `[Errno 2] No such file or directory`, the way CPython words an OSError.
fn os_error_text(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => {
            let text = std::io::Error::from_raw_os_error(code).to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_owned();
            format!("[Errno {code}] {text}")
        }
        None => err.to_string(),
    }
}

fn execute(vm: &VirtualMachine, job: Job) -> PyResult<()> {
    let (scope, main) = interpreter::main_module(vm)?;
    if !matches!(job, Job::Repl) {
        // CPython defines the prompts only for interactive use; code tests for them to tell.
        for prompt in ["ps1", "ps2"] {
            vm.sys_module.as_object().del_attr(prompt, vm)?;
        }
    }
    match job {
        Job::Source {
            bytes,
            filename,
            path0,
            main_file,
        } => {
            vm.insert_sys_path(vm.new_pyobj(path0))?;
            if let Some(file) = &main_file {
                main.as_object()
                    .set_attr("__file__", vm.ctx.new_str(file.as_str()), vm)?;
                main.as_object().set_attr("__cached__", vm.ctx.none(), vm)?;
            }
            let source = crate::source::decode(vm, &bytes, &filename)?;
            exec_source(vm, scope, &source, filename)
        }
        Job::Command(code) => {
            vm.insert_sys_path(vm.new_pyobj(""))?;
            exec_source(vm, scope, &code, "<string>".into())
        }
        Job::Module(module) => {
            let cwd = std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            vm.insert_sys_path(vm.new_pyobj(cwd))?;
            vm.run_module(&module)
        }
        Job::MainPackage(path) => {
            vm.insert_sys_path(vm.new_pyobj(path))?;
            let runpy = vm.import("runpy", 0)?;
            let run_as_main = runpy.get_attr("_run_module_as_main", vm)?;
            run_as_main.call(("__main__", false), vm).map(drop)
        }
        Job::Repl => {
            vm.insert_sys_path(vm.new_pyobj(""))?;
            crate::repl::run(vm, scope)
        }
    }
}

/// Compiles and runs module-level source in `scope`; a compile failure is a SyntaxError.
pub fn exec_source(
    vm: &VirtualMachine,
    scope: Scope,
    source: &str,
    filename: String,
) -> PyResult<()> {
    let code = vm
        .compile(source, compiler::Mode::Exec, filename)
        .map_err(|err| vm.new_syntax_error(&err, Some(source)))?;
    vm.run_code_obj(code, scope).map(drop)
}
