//! Running a compiled plan: kernels mapped executable, buffers allocated per call, GEMM
//! steps through the eager matmul, outer ranges split across threads, and a checked mode
//! that runs every kernel on guarded copies of its buffers.

use dynasmrt::mmap::MutableBuffer;
use dynasmrt::{AssemblyOffset, ExecutableBuffer};

use super::codegen;
use super::emit::{Code, Target};
use super::graph::Graph;
use super::loop_ir::Kernel;
use super::schedule::{self, BufferKind, Plan, Step};
use crate::tensor::Tensor;
use crate::{Device, eager};

type Entry = unsafe extern "C" fn(*const *mut u8, usize, usize);

pub struct CompiledKernel {
    pub code: Code,
    exec: Option<ExecutableBuffer>,
}

/// A graph compiled to machine code, ready to run on real tensors.
pub struct Program {
    pub plan: Plan,
    pub target: Target,
    kernels: Vec<Option<CompiledKernel>>,
    /// Verify every kernel's memory accesses (see `run_checked`).
    pub checked: bool,
    /// How many inputs the graph takes.
    pub inputs: usize,
}

/// Why `Program::run` gave no outputs.
#[derive(Debug)]
pub enum RunError {
    /// The inputs do not have the layouts the graph was compiled for: the caller may run the
    /// graph some other way.
    Inputs(String),
    /// A step failed on inputs of the right layouts.
    Step(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Inputs(e) | RunError::Step(e) => f.write_str(e),
        }
    }
}

/// Below this many elements of work a kernel runs on the calling thread.
const PARALLEL_WORK: usize = 1 << 15;

fn exec_buffer(code: &[u8]) -> Result<ExecutableBuffer, String> {
    let mut buf = MutableBuffer::new(code.len().max(1)).map_err(|e| format!("mmap: {e}"))?;
    buf.set_len(code.len());
    buf[..].copy_from_slice(code);
    buf.make_exec().map_err(|e| format!("mprotect: {e}"))
}

pub fn compile(g: &Graph, target: Target) -> Result<Program, String> {
    g.validate()?;
    let plan = schedule::schedule(g)?;
    let native = target.runs_here();
    let mut kernels = vec![];
    for step in &plan.steps {
        kernels.push(match step {
            Step::Kernel(k) => {
                check_reach(k)?;
                let code = codegen::generate(k, target)?;
                let exec = if native {
                    Some(exec_buffer(&code.bytes)?)
                } else {
                    None
                };
                Some(CompiledKernel { code, exec })
            }
            Step::Matmul { .. } => None,
        });
    }
    Ok(Program {
        plan,
        target,
        kernels,
        checked: std::env::var_os("SMELT_JIT_CHECKED").is_some_and(|v| v != "0"),
        inputs: g.inputs.len(),
    })
}

/// Every address a kernel computes stays inside what its argument may touch: checked on
/// the loop IR, before any code runs.
fn check_reach(k: &Kernel) -> Result<(), String> {
    use super::loop_ir::{Effect, Expr};
    let outer = &k.outer;
    for stage in &k.stages {
        let mut sizes: Vec<usize> = outer.clone();
        sizes.extend(&stage.inner);
        let check =
            |arg: usize, index: &super::loop_ir::Affine, sizes: &[usize]| -> Result<(), String> {
                let (lo, hi) = index.range(sizes);
                let (rlo, rhi) = k.args[arg].reach;
                let hi = match k.ragged {
                    // The last chunk is cut short: the far end is the loop's real length.
                    Some(total) => {
                        let chunk = *stage.inner.last().unwrap_or(&1) as i64;
                        let step = index.c[outer.len() - 1] / chunk.max(1);
                        let over =
                            (outer[outer.len() - 1] as i64 * chunk - total as i64) * step.abs();
                        hi - over.max(0)
                    }
                    None => hi,
                };
                if lo < rlo || hi > rhi {
                    return Err(format!(
                        "{}: arg{arg} reaches [{lo}, {hi}] outside [{rlo}, {rhi}]",
                        k.name
                    ));
                }
                Ok(())
            };
        for (block, sizes) in [(&stage.body, &sizes[..]), (&stage.post, &outer[..])] {
            for inst in &block.insts {
                if let Expr::Load { arg, index } = &inst.expr {
                    check(*arg, index, sizes)?;
                }
            }
            for e in &block.effects {
                if let Effect::Store { arg, index, .. } = e {
                    check(*arg, index, sizes)?;
                }
            }
        }
    }
    Ok(())
}

/// A fresh buffer holding a value of `layout` (its reach, from the storage start).
fn allocate(layout: &super::graph::Layout) -> Result<Tensor, String> {
    let len = layout.reach().map_or(0, |(_, hi)| hi as usize + 1);
    let flat = Tensor::zeros(&[len], layout.dtype);
    flat.as_strided(&layout.shape, &layout.strides, layout.offset)
        .map_err(|e| e.message)
}

impl Program {
    pub fn kernel_code(&self, step: usize) -> Option<&Code> {
        self.kernels[step].as_ref().map(|k| &k.code)
    }

    /// What was compiled, as `TORCH_LOGS=output_code` prints it: buffers, then each step
    /// (a kernel's loop IR and its disassembly, or an extern call).
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (b, buf) in self.plan.buffers.iter().enumerate() {
            let l = &buf.layout;
            let kind = match buf.kind {
                BufferKind::Input(i) => format!("input {i}"),
                BufferKind::Output => "output".into(),
                BufferKind::Temp => "temporary".into(),
            };
            let kind = if buf.storage == b {
                kind
            } else {
                format!("{kind}, in buf{}'s storage", buf.storage)
            };
            let _ = writeln!(
                out,
                "buf{b}: {}{:?} strides {:?} ({kind})",
                l.dtype.short_name(),
                l.shape,
                l.strides
            );
        }
        for (s, step) in self.plan.steps.iter().enumerate() {
            out.push('\n');
            match step {
                Step::Kernel(k) => {
                    let _ = write!(out, "{k}");
                    if let Some(ck) = &self.kernels[s] {
                        let _ = writeln!(
                            out,
                            "# {:?} machine code, {} bytes:",
                            self.target,
                            ck.code.bytes.len()
                        );
                        out.push_str(&super::disasm::disassemble(&ck.code, self.target));
                    }
                }
                Step::Matmul { a, b, out: o } => {
                    let _ = writeln!(
                        out,
                        "buf{} = extern gemm(buf{}, buf{})",
                        o.buffer, a.buffer, b.buffer
                    );
                }
            }
        }
        out
    }

    /// Whether `inputs` have the layouts the graph was compiled for (else which does not).
    fn check_inputs(&self, inputs: &[Tensor]) -> Result<(), String> {
        if inputs.len() != self.inputs {
            return Err(format!(
                "{} inputs for a graph of {}",
                inputs.len(),
                self.inputs
            ));
        }
        for buf in &self.plan.buffers {
            if let BufferKind::Input(i) = buf.kind {
                let t = &inputs[i];
                if t.dtype() != buf.layout.dtype
                    || t.shape() != buf.layout.shape
                    || t.strides() != buf.layout.strides
                    || t.device() != Device::Cpu
                {
                    return Err(format!(
                        "input {i} does not have the layout the graph was compiled for"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Run on real tensors: inputs must have the layouts the graph was compiled for.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, RunError> {
        self.check_inputs(inputs).map_err(RunError::Inputs)?;
        self.execute(inputs).map_err(RunError::Step)
    }

    fn execute(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, String> {
        let plan = &self.plan;
        let mut bufs: Vec<Option<Tensor>> = vec![None; plan.buffers.len()];
        for (b, buf) in plan.buffers.iter().enumerate() {
            if let BufferKind::Input(i) = buf.kind {
                bufs[b] = Some(inputs[i].clone());
            }
        }
        // A buffer's first writer brings it into being: a fresh allocation, or a view of the
        // storage the plan hands it (allocated by an earlier step of this call).
        let ensure = |bufs: &mut Vec<Option<Tensor>>, b: usize| -> Result<(), String> {
            if bufs[b].is_some() {
                return Ok(());
            }
            let buf = &plan.buffers[b];
            let t = if buf.storage == b {
                allocate(&buf.layout)?
            } else {
                let l = &buf.layout;
                bufs[buf.storage]
                    .as_ref()
                    .ok_or("storage of a reused buffer was never allocated")?
                    .as_strided(&l.shape, &l.strides, l.offset)
                    .map_err(|e| e.message)?
            };
            bufs[b] = Some(t);
            Ok(())
        };
        for (s, step) in plan.steps.iter().enumerate() {
            match step {
                Step::Kernel(k) => {
                    for a in &k.args {
                        ensure(&mut bufs, a.buffer)?;
                    }
                    let ptrs: Vec<*mut u8> = k
                        .args
                        .iter()
                        .map(|a| {
                            let t = bufs[a.buffer].as_ref().unwrap();
                            let lay = &plan.buffers[a.buffer].layout;
                            t.data_ptr().wrapping_sub(lay.offset * lay.dtype.itemsize())
                        })
                        .collect();
                    let ck = self.kernels[s].as_ref().unwrap();
                    match &ck.exec {
                        None => run_emulated(k, &ck.code, &ptrs, self.target)?,
                        Some(exec) if self.checked => run_checked(k, exec, &ptrs)?,
                        // SAFETY: the kernel was generated for these argument layouts, every
                        // address it forms was checked against their reach (check_reach).
                        Some(exec) => unsafe { launch(k, exec, &ptrs) },
                    }
                    for a in &k.args {
                        if a.written {
                            bufs[a.buffer].as_ref().unwrap().storage().bump_version();
                        }
                    }
                }
                Step::Matmul { a, b, out } => {
                    ensure(&mut bufs, out.buffer)?;
                    let view = |o: &schedule::Operand| -> Result<Tensor, String> {
                        let t = bufs[o.buffer]
                            .as_ref()
                            .ok_or("matmul operand not computed")?;
                        let root = &plan.buffers[o.buffer].layout;
                        let off = (t.offset() + o.layout.offset) - root.offset;
                        t.as_strided(&o.layout.shape, &o.layout.strides, off)
                            .map_err(|e| e.message)
                    };
                    let (ta, tb, dst) = (view(a)?, view(b)?, view(out)?);
                    eager::matmul_into(&ta, &tb, &dst).map_err(|e| e.message)?;
                    dst.storage().bump_version();
                }
            }
        }
        plan.outputs
            .iter()
            .map(|o| {
                let t = bufs[o.buffer].as_ref().ok_or("output not computed")?;
                let root = &plan.buffers[o.buffer].layout;
                let off = (t.offset() + o.layout.offset) - root.offset;
                t.as_strided(&o.layout.shape, &o.layout.strides, off)
                    .map_err(|e| e.message)
            })
            .collect()
    }
}

/// A kernel for another instruction set: AArch64 code runs under qemu-aarch64 (tests on
/// x86-64 machines), on copies of the bytes each argument may touch.
fn run_emulated(k: &Kernel, code: &Code, ptrs: &[*mut u8], target: Target) -> Result<(), String> {
    if target != Target::Aarch64Neon {
        return Err(format!("{target:?} code cannot run on this machine"));
    }
    let mut copies: Vec<Vec<u8>> = vec![];
    for (a, &p) in k.args.iter().zip(ptrs) {
        let isz = a.dtype.itemsize();
        let (lo, hi) = a.reach;
        let len = ((hi - lo + 1).max(0) as usize) * isz;
        // SAFETY: the argument's buffer covers its reach (allocated or checked for it).
        let src = unsafe { std::slice::from_raw_parts(p.wrapping_add(lo as usize * isz), len) };
        copies.push(src.to_vec());
    }
    let mut args: Vec<super::qemu::Arg> = copies
        .iter_mut()
        .zip(&k.args)
        .map(|(c, a)| super::qemu::Arg {
            bytes: c,
            lo: a.reach.0 as usize * a.dtype.itemsize(),
        })
        .collect();
    super::qemu::run(&code.bytes, &mut args, 0, k.outer_total())?;
    for ((c, a), &p) in copies.iter().zip(&k.args).zip(ptrs) {
        if a.written {
            let isz = a.dtype.itemsize();
            // SAFETY: as above; the kernel wrote only inside the reach.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    c.as_ptr(),
                    p.wrapping_add(a.reach.0 as usize * isz),
                    c.len(),
                )
            };
        }
    }
    Ok(())
}

/// Call a kernel over its whole outer range, split across threads when it is big.
///
/// # Safety
/// `ptrs` must point to buffers covering the kernel arguments' reach.
unsafe fn launch(k: &Kernel, exec: &ExecutableBuffer, ptrs: &[*mut u8]) {
    let total = k.outer_total();
    // SAFETY: the buffer holds the kernel's code, which follows the C calling convention.
    let entry: Entry = unsafe { std::mem::transmute(exec.ptr(AssemblyOffset(0))) };
    let work = total.saturating_mul(k.work_per_outer());
    let threads = rayon::current_num_threads();
    if total < 2 || work < PARALLEL_WORK || threads < 2 {
        unsafe { entry(ptrs.as_ptr(), 0, total) };
        return;
    }
    let chunks = total.min(threads * 4);
    let args = ptrs.as_ptr() as usize;
    rayon::scope(|s| {
        for c in 0..chunks {
            let (lo, hi) = (total * c / chunks, total * (c + 1) / chunks);
            s.spawn(move |_| {
                // SAFETY: chunks cover disjoint outer ranges; outer points write disjoint
                // elements (each output element belongs to one outer point).
                unsafe { entry(args as *const *mut u8, lo, hi) }
            });
        }
    });
}

/// Checked mode: each argument is copied into a fresh mapping whose reach ends right at an
/// inaccessible page (a read or write past the end faults) and starts after a canary (a
/// write before the start is reported); written arguments are copied back.
fn run_checked(k: &Kernel, exec: &ExecutableBuffer, ptrs: &[*mut u8]) -> Result<(), String> {
    const PAGE: usize = 4096;
    const CANARY: u8 = 0xA5;
    let mut regions = vec![];
    let mut guarded = vec![];
    for (a, &p) in k.args.iter().zip(ptrs) {
        let isz = a.dtype.itemsize();
        let (lo, hi) = a.reach;
        let bytes = ((hi - lo + 1).max(0) as usize) * isz;
        let body = bytes.next_multiple_of(PAGE) + PAGE;
        let total = body + PAGE;
        // SAFETY: a fresh anonymous mapping; the last page is made inaccessible.
        let base = unsafe {
            let m = libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if m == libc::MAP_FAILED {
                return Err("mmap failed".into());
            }
            libc::mprotect(
                (m as *mut u8).add(body) as *mut libc::c_void,
                PAGE,
                libc::PROT_NONE,
            );
            m as *mut u8
        };
        let start = unsafe { base.add(body - bytes) };
        unsafe {
            std::ptr::write_bytes(base, CANARY, body - bytes);
            std::ptr::copy_nonoverlapping(
                p.wrapping_offset(lo as isize * isz as isize),
                start,
                bytes,
            );
        }
        regions.push((base, total, body - bytes, start, bytes));
        guarded.push(start.wrapping_offset(-(lo as isize) * isz as isize));
    }
    unsafe { launch(k, exec, &guarded) };
    let mut result = Ok(());
    for ((a, &p), &(base, total, pad, start, bytes)) in k.args.iter().zip(ptrs).zip(&regions) {
        let canary = unsafe { std::slice::from_raw_parts(base, pad) };
        if canary.iter().any(|&b| b != CANARY) && result.is_ok() {
            result = Err(format!(
                "{}: a write before arg buffer {}",
                k.name, a.buffer
            ));
        }
        if a.written {
            let isz = a.dtype.itemsize() as isize;
            unsafe {
                std::ptr::copy_nonoverlapping(
                    start,
                    p.wrapping_offset(a.reach.0 as isize * isz),
                    bytes,
                )
            };
        }
        unsafe { libc::munmap(base as *mut libc::c_void, total) };
    }
    result
}
