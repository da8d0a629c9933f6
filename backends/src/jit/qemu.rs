//! AArch64 kernels on an x86-64 machine: run under qemu-aarch64 by a small C harness
//! (`qemu_harness.c`, built once per process with aarch64-linux-gnu-gcc), one persistent
//! process fed over pipes. For tests: it is how the AArch64 code generator is checked
//! against eager and the x86-64 code on machines without an AArch64 CPU.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

const HARNESS_SOURCE: &str = include_str!("qemu_harness.c");

struct Harness {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

static HARNESS_BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
static RUNNING: Mutex<Option<Harness>> = Mutex::new(None);

fn build_harness() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("smelt-qemu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let src = dir.join("harness.c");
    let bin = dir.join("harness");
    std::fs::write(&src, HARNESS_SOURCE).map_err(|e| format!("{}: {e}", src.display()))?;
    let cc = std::env::var("SMELT_AARCH64_CC").unwrap_or_else(|_| "aarch64-linux-gnu-gcc".into());
    let out = Command::new(&cc)
        .args(["-static", "-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .map_err(|e| format!("running {cc} (install gcc-aarch64-linux-gnu): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cc} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

fn spawn() -> Result<Harness, String> {
    let bin = HARNESS_BINARY.get_or_init(build_harness).clone()?;
    let qemu = std::env::var("SMELT_QEMU").unwrap_or_else(|_| "qemu-aarch64".into());
    let mut child = Command::new(&qemu)
        .arg(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("running {qemu} (install qemu-user): {e}"))?;
    let stdin = child.stdin.take().ok_or("qemu stdin")?;
    let stdout = child.stdout.take().ok_or("qemu stdout")?;
    Ok(Harness {
        child,
        stdin,
        stdout,
    })
}

/// One argument: the bytes a kernel may touch, and where its pointer sits relative to them
/// (the pointer is `bytes - lo` bytes).
pub struct Arg<'a> {
    pub bytes: &'a mut [u8],
    pub lo: usize,
}

/// Runs `code` over the outer range `start..end`; written arguments come back in `args`.
pub fn run(code: &[u8], args: &mut [Arg], start: usize, end: usize) -> Result<(), String> {
    let mut slot = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        *slot = Some(spawn()?);
    }
    let h = slot.as_mut().unwrap();
    let result = exchange(h, code, args, start, end);
    if result.is_err() {
        // A crashed kernel takes the process with it: start afresh next time.
        if let Some(mut h) = slot.take() {
            let _ = h.child.kill();
            let _ = h.child.wait();
        }
    }
    result
}

fn exchange(
    h: &mut Harness,
    code: &[u8],
    args: &mut [Arg],
    start: usize,
    end: usize,
) -> Result<(), String> {
    let mut msg = Vec::with_capacity(code.len() + 64);
    let u64 = |m: &mut Vec<u8>, v: usize| m.extend((v as u64).to_le_bytes());
    u64(&mut msg, code.len());
    msg.extend(code);
    u64(&mut msg, args.len());
    for a in args.iter() {
        u64(&mut msg, a.bytes.len());
        u64(&mut msg, a.lo);
        msg.extend(&*a.bytes);
    }
    u64(&mut msg, start);
    u64(&mut msg, end);
    let io = |e: std::io::Error| format!("qemu-aarch64 harness: {e} (the kernel crashed?)");
    h.stdin.write_all(&msg).map_err(io)?;
    h.stdin.flush().map_err(io)?;
    for a in args.iter_mut() {
        h.stdout.read_exact(a.bytes).map_err(io)?;
    }
    let mut status = [0u8; 8];
    h.stdout.read_exact(&mut status).map_err(io)?;
    if status != [0; 8] {
        return Err("qemu-aarch64 harness: bad reply".into());
    }
    Ok(())
}
