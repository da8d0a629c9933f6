//! Running the built `smelt` binary and looking at what it did.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub const SMELT: &str = env!("CARGO_BIN_EXE_smelt");

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything the process printed when the status is not `expected`.
    pub fn expect_status(&self, expected: i32) -> &Self {
        assert_eq!(
            self.status, expected,
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs smelt with `args` in `cwd` (the test's own directory when None), feeding `stdin`.
pub fn smelt_in(cwd: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> Run {
    smelt_env(cwd, args, stdin, &[])
}

/// `smelt_in` with extra environment variables.
pub fn smelt_env(
    cwd: Option<&Path>,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Run {
    let mut cmd = Command::new(SMELT);
    cmd.envs(env.iter().copied());
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("PYTHONPATH");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().expect("spawn smelt");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().expect("wait for smelt");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn smelt(args: &[&str]) -> Run {
    smelt_in(None, args, None)
}

/// Runs `smelt -c CODE` and returns it after checking it exited 0.
pub fn python(code: &str) -> Run {
    let run = smelt(&["-c", code]);
    run.expect_status(0);
    run
}

/// A temporary directory holding the given files.
pub fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    dir
}
