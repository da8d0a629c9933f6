use itertools::Itertools;
use std::{env, io::prelude::*, path::PathBuf, process::Command};

fn main() {
    let frozen_libs = if cfg!(feature = "freeze-stdlib") {
        "Lib/*/*.py"
    } else {
        "Lib/python_builtins/*.py"
    };
    for entry in glob::glob(frozen_libs).expect("Lib/ exists?").flatten() {
        let display = entry.display();
        println!("cargo:rerun-if-changed={display}");
    }
    // smelt: upstream also watched `../../Lib/importlib/_bootstrap.py` (absent here, so the
    // script reran on every build) and stamped the *enclosing* git repository's HEAD into the
    // crate (smelt's, so every commit rebuilt this crate). The release's own values instead:
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_HASH=a6c3352");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_TIMESTAMP=");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_TAG=v0.5.0");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_BRANCH=");
    println!("cargo:rustc-env=RUSTC_VERSION={}", rustc_version());

    println!(
        "cargo:rustc-env=RUSTPYTHON_TARGET_TRIPLE={}",
        env::var("TARGET").unwrap()
    );

    // smelt: upstream wrote every environment variable of the build into `env_vars.rs`; the
    // file is still written as upstream does, but only a rerun (build.rs changed) rewrites it.
    let mut env_path = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    env_path.push("env_vars.rs");
    let mut f = std::fs::File::create(env_path).unwrap();
    write!(
        f,
        "sysvars! {{ {} }}",
        std::env::vars_os().format_with(", ", |(k, v), f| f(&format_args!("{k:?} => {v:?}")))
    )
    .unwrap();
}

fn rustc_version() -> String {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    command(rustc, &["-V"])
}

fn command(cmd: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    match Command::new(cmd).args(args).output() {
        Ok(output) => match String::from_utf8(output.stdout) {
            Ok(s) => s,
            Err(err) => format!("(output error: {err})"),
        },
        Err(err) => format!("(command error: {err})"),
    }
}
