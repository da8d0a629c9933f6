//! Running a compiled plan: kernels mapped executable, buffers allocated per call, GEMM
//! steps through the eager matmul, outer ranges split across threads, and a checked mode
//! that runs every kernel on guarded copies of its buffers.

use std::borrow::Cow;
use std::ops::Range;

use dynasmrt::mmap::MutableBuffer;
use dynasmrt::{AssemblyOffset, ExecutableBuffer};

use super::codegen;
use super::emit::{Code, Target};
use super::graph::{Graph, Layout};
use super::loop_ir::Kernel;
use super::schedule::{self, BufferKind, Plan, Step};
use crate::tensor::Tensor;
use crate::{Device, eager};

type Entry = unsafe extern "C" fn(*const *mut u8, usize, usize);

pub struct CompiledKernel {
    pub code: Code,
    exec: Option<ExecutableBuffer>,
    /// A symbolic kernel over short rows also runs as blocks of rows
    /// (`simplify::row_blocks`).
    blocks: Option<RowBlocks>,
}

/// The block form of a symbolic kernel: `rows` rows per outer point, run over the whole
/// blocks of a call; the row kernel runs the rows left over.
struct RowBlocks {
    rows: usize,
    kernel: Kernel,
    code: Code,
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

/// Compile a graph. A graph with symbolic-leading inputs (`Graph::sym_leading`) compiles
/// to one program for every size `s`, or fails with the reason when it cannot be expressed
/// that way (`sym.rs`): the caller may then compile it per size instead.
pub fn compile(g: &Graph, target: Target) -> Result<Program, String> {
    g.validate()?;
    let specialized = super::sym::specialize(g)?;
    let g = specialized.as_ref().unwrap_or(g);
    let plan = schedule::schedule(g)?;
    let native = target.runs_here();
    let mut kernels = vec![];
    for step in &plan.steps {
        kernels.push(match step {
            Step::Kernel(k) => {
                check_reach(k, &plan)?;
                let code = codegen::generate(k, target)?;
                let exec = if native {
                    Some(exec_buffer(&code.bytes)?)
                } else {
                    None
                };
                let blocks = match super::simplify::row_blocks(k) {
                    Some((kernel, rows)) => {
                        check_sym_reach(&kernel, &plan, rows)?;
                        let code = codegen::generate(&kernel, target)?;
                        let exec = if native {
                            Some(exec_buffer(&code.bytes)?)
                        } else {
                            None
                        };
                        Some(RowBlocks {
                            rows,
                            kernel,
                            code,
                            exec,
                        })
                    }
                    None => None,
                };
                Some(CompiledKernel { code, exec, blocks })
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
/// the loop IR, before any code runs. For a kernel over the symbolic size `s`, both an
/// address's range and its buffer's reach are affine in `s` (for `s >= 1`): inside at
/// `s = 1` and not losing ground from 1 to 2 means inside for every `s`.
fn check_reach(k: &Kernel, plan: &Plan) -> Result<(), String> {
    if !k.sym {
        let reach: Vec<(i64, i64)> = k.args.iter().map(|a| a.reach).collect();
        return accesses(k, &k.outer, &reach)
            .iter()
            .try_for_each(Access::inside);
    }
    check_sym_reach(k, plan, 1)
}

/// `check_reach` of a symbolic kernel each of whose outer points `o0` covers `rows` rows:
/// `o0 < q` runs in a call whose symbolic size is `q * rows` (or more).
fn check_sym_reach(k: &Kernel, plan: &Plan, rows: usize) -> Result<(), String> {
    // What the code generator relies on to be independent of `s` (`simplify.rs`).
    if k.outer.is_empty() || k.ragged.is_some() {
        return Err(format!(
            "{}: the symbolic size is not its first outer loop",
            k.name
        ));
    }
    let at = |q: usize| {
        let mut outer = k.outer.clone();
        outer[0] = q;
        accesses(k, &outer, &call_reach(k, plan, Some(q * rows)))
    };
    let (one, two) = (at(1), at(2));
    for (a, b) in one.iter().zip(&two) {
        a.inside()?;
        if b.lo - b.rlo < a.lo - a.rlo || b.rhi - b.hi < a.rhi - a.hi {
            return Err(format!(
                "{}: arg{} outgrows its buffer as the symbolic size grows",
                k.name, a.arg
            ));
        }
    }
    Ok(())
}

/// One load or store: the elements it reaches and those its argument may touch.
struct Access<'k> {
    kernel: &'k str,
    arg: usize,
    lo: i64,
    hi: i64,
    rlo: i64,
    rhi: i64,
}

impl Access<'_> {
    fn inside(&self) -> Result<(), String> {
        if self.lo < self.rlo || self.hi > self.rhi {
            return Err(format!(
                "{}: arg{} reaches [{}, {}] outside [{}, {}]",
                self.kernel, self.arg, self.lo, self.hi, self.rlo, self.rhi
            ));
        }
        Ok(())
    }
}

/// Each argument's reach for a call whose symbolic size is `lead` (None: as compiled).
fn call_reach(k: &Kernel, plan: &Plan, lead: Option<usize>) -> Vec<(i64, i64)> {
    k.args
        .iter()
        .map(|a| {
            let buf = &plan.buffers[a.buffer];
            match lead {
                Some(_) if buf.sym => buf.layout.reach_at(lead).unwrap_or((0, -1)),
                _ => a.reach,
            }
        })
        .collect()
}

/// Every load and store of `k` with outer extents `outer` and argument reach `reach`.
fn accesses<'k>(k: &'k Kernel, outer: &[usize], reach: &[(i64, i64)]) -> Vec<Access<'k>> {
    use super::loop_ir::{Effect, Expr};
    let mut out = vec![];
    for stage in &k.stages {
        let mut sizes: Vec<usize> = outer.to_vec();
        sizes.extend(&stage.inner);
        let mut check = |arg: usize, index: &super::loop_ir::Affine, sizes: &[usize]| {
            let (lo, hi) = index.range(sizes);
            let (rlo, rhi) = reach[arg];
            let hi = match k.ragged {
                // The last chunk is cut short: the far end is the loop's real length.
                Some(total) => {
                    let chunk = *stage.inner.last().unwrap_or(&1) as i64;
                    let step = index.c[outer.len() - 1] / chunk.max(1);
                    let over = (outer[outer.len() - 1] as i64 * chunk - total as i64) * step.abs();
                    hi - over.max(0)
                }
                None => hi,
            };
            out.push(Access {
                kernel: &k.name,
                arg,
                lo,
                hi,
                rlo,
                rhi,
            });
        };
        for (block, sizes) in [(&stage.body, &sizes[..]), (&stage.post, outer)] {
            for inst in &block.insts {
                if let Expr::Load { arg, index } = &inst.expr {
                    check(*arg, index, sizes);
                }
            }
            for e in &block.effects {
                if let Effect::Store { arg, index, .. } = e {
                    check(*arg, index, sizes);
                }
            }
        }
    }
    out
}

/// A buffer's layout in a call whose symbolic size is `lead` (None: as compiled).
fn bound(layout: &Layout, sym: bool, lead: Option<usize>) -> Cow<'_, Layout> {
    match lead {
        Some(s) if sym => Cow::Owned(layout.at(s)),
        _ => Cow::Borrowed(layout),
    }
}

/// A fresh buffer holding a value of `layout` (its reach, from the storage start).
fn allocate(layout: &Layout) -> Result<Tensor, String> {
    let len = layout.reach().map_or(0, |(_, hi)| hi as usize + 1);
    // Kernels and GEMM calls write every element of the values they produce.
    let flat = Tensor::uninit_on(&[len], layout.dtype, crate::Device::Cpu);
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
            let shape = if buf.sym {
                // The symbolic size, not the placeholder it was compiled with.
                let mut dims = vec!["s".to_string()];
                dims.extend(l.shape[1..].iter().map(|n| n.to_string()));
                format!("[{}]", dims.join(", "))
            } else {
                format!("{:?}", l.shape)
            };
            let _ = writeln!(
                out,
                "buf{b}: {}{shape} strides {:?} ({kind})",
                l.dtype.short_name(),
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
                        if let Some(b) = &ck.blocks {
                            // Its outer var counts blocks of rows, not rows.
                            let text = b.kernel.to_string();
                            let per = format!("o0 < s / {}", b.rows);
                            let _ = writeln!(
                                out,
                                "\n# whole blocks of {} rows first, the rows left by {}:",
                                b.rows, k.name
                            );
                            out.push_str(&text.replacen("o0 < s", &per, 1));
                            let _ = writeln!(
                                out,
                                "# {:?} machine code, {} bytes:",
                                self.target,
                                b.code.bytes.len()
                            );
                            out.push_str(&super::disasm::disassemble(&b.code, self.target));
                        }
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

    /// Whether `inputs` have the layouts the graph was compiled for (else which does not),
    /// and the symbolic size they bind (None for a static graph). Symbolic-leading inputs
    /// may have any leading size, the same for all; the rest of every layout must match.
    fn check_inputs(&self, inputs: &[Tensor]) -> Result<Option<usize>, String> {
        if inputs.len() != self.inputs {
            return Err(format!(
                "{} inputs for a graph of {}",
                inputs.len(),
                self.inputs
            ));
        }
        let mut lead: Option<usize> = None;
        for buf in &self.plan.buffers {
            if let BufferKind::Input(i) = buf.kind {
                let t = &inputs[i];
                let l = &buf.layout;
                let same = if buf.sym {
                    let n = t.shape().first().copied().unwrap_or(0);
                    if lead.is_some_and(|s| s != n) {
                        return Err(format!(
                            "input {i}'s leading size {n} is not the other inputs' {}",
                            lead.unwrap_or(0)
                        ));
                    }
                    lead = Some(n);
                    // With at most one row, the leading stride is never multiplied.
                    t.shape().len() == l.shape.len()
                        && t.shape()[1..] == l.shape[1..]
                        && t.strides()[1..] == l.strides[1..]
                        && (n <= 1 || t.strides()[0] == l.strides[0])
                } else {
                    t.shape() == l.shape && t.strides() == l.strides
                };
                if !same || t.dtype() != l.dtype || t.device() != Device::Cpu {
                    return Err(format!(
                        "input {i} does not have the layout the graph was compiled for"
                    ));
                }
            }
        }
        // Buffers computed for this size must stay addressable, as `Graph::validate` asks
        // of static layouts.
        if let Some(s) = lead {
            // Sizes 0 and 1 are what PyTorch specializes; 1 runs here, 0 is left to the
            // caller (buffer reuse is planned for sizes from 1 on, see `buffers.rs`).
            if s == 0 {
                return Err("a symbolic size of 0".into());
            }
            let limit = isize::MAX as i64 / 16;
            for buf in self.plan.buffers.iter().filter(|b| b.sym) {
                let l = &buf.layout;
                let rows = (s as i64).checked_mul(l.strides[0].unsigned_abs() as i64 + 1);
                if rows.is_none_or(|r| r > limit) {
                    return Err(format!("leading size {s} is too large"));
                }
            }
        }
        Ok(lead)
    }

    /// Run on real tensors: inputs must have the layouts the graph was compiled for (a
    /// symbolic leading size is bound to the inputs' leading size for this call).
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, RunError> {
        let lead = self.check_inputs(inputs).map_err(RunError::Inputs)?;
        self.execute(inputs, lead, None).map_err(RunError::Step)
    }

    /// Run with the single output written into `out` instead of a fresh allocation (an
    /// eager in-place op: `out` may be an input, read and written at the same elements by a
    /// one-node elementwise program). Declined unless the output is the program's only one,
    /// a whole buffer of its own, and `out` has exactly its layout.
    pub fn run_into(&self, inputs: &[Tensor], out: &Tensor) -> Result<(), RunError> {
        let lead = self.check_inputs(inputs).map_err(RunError::Inputs)?;
        let plan = &self.plan;
        let [o] = plan.outputs.as_slice() else {
            return Err(RunError::Inputs("run_into needs a single output".into()));
        };
        let buf = &plan.buffers[o.buffer];
        let l = bound(&buf.layout, buf.sym, lead);
        let fits = buf.kind == BufferKind::Output
            && buf.storage == o.buffer
            && l.offset == 0
            && o.layout.offset == 0
            && o.layout.shape.len() == l.shape.len()
            && o.layout.strides == buf.layout.strides
            && l.dtype == out.dtype()
            && out.shape() == l.shape
            && out.strides() == l.strides
            && out.device() == Device::Cpu;
        if !fits {
            return Err(RunError::Inputs(
                "the output does not have the program's layout".into(),
            ));
        }
        self.execute(inputs, lead, Some((o.buffer, out)))
            .map_err(RunError::Step)?;
        Ok(())
    }

    fn execute(
        &self,
        inputs: &[Tensor],
        lead: Option<usize>,
        seed: Option<(usize, &Tensor)>,
    ) -> Result<Vec<Tensor>, String> {
        let plan = &self.plan;
        let mut bufs: Vec<Option<Tensor>> = vec![None; plan.buffers.len()];
        for (b, buf) in plan.buffers.iter().enumerate() {
            if let BufferKind::Input(i) = buf.kind {
                bufs[b] = Some(inputs[i].clone());
            }
        }
        if let Some((b, out)) = seed {
            bufs[b] = Some(out.clone());
        }
        // A buffer's first writer brings it into being: a fresh allocation, or a view of the
        // storage the plan hands it (allocated by an earlier step of this call).
        let ensure = |bufs: &mut Vec<Option<Tensor>>, b: usize| -> Result<(), String> {
            if bufs[b].is_some() {
                return Ok(());
            }
            let buf = &plan.buffers[b];
            let l = bound(&buf.layout, buf.sym, lead);
            let t = if buf.storage == b {
                allocate(&l)?
            } else {
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
                    let total = k.outer_total_at(lead);
                    // Whole blocks of rows first, then the rows left over one by one (a
                    // kernel with blocks has one outer point per row).
                    let mut start = 0;
                    if let (Some(b), Some(n)) = (&ck.blocks, lead)
                        && n >= b.rows
                    {
                        let q = n / b.rows;
                        self.run_kernel(&b.kernel, &b.code, b.exec.as_ref(), 0..q, lead, &ptrs)?;
                        start = q * b.rows;
                    }
                    if start == 0 || start < total {
                        let exec = ck.exec.as_ref();
                        self.run_kernel(k, &ck.code, exec, start..total, lead, &ptrs)?;
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
                let l = bound(&o.layout, o.sym, lead);
                t.as_strided(&l.shape, &l.strides, off)
                    .map_err(|e| e.message)
            })
            .collect()
    }
}

impl Program {
    /// One kernel over the outer points `range` of a call whose symbolic size is `lead`.
    fn run_kernel(
        &self,
        k: &Kernel,
        code: &Code,
        exec: Option<&ExecutableBuffer>,
        range: Range<usize>,
        lead: Option<usize>,
        ptrs: &[*mut u8],
    ) -> Result<(), String> {
        match exec {
            None => {
                let reach = call_reach(k, &self.plan, lead);
                run_emulated(k, range, &reach, code, ptrs, self.target)
            }
            Some(exec) if self.checked => {
                let reach = call_reach(k, &self.plan, lead);
                run_checked(k, range, &reach, exec, ptrs)
            }
            Some(exec) => {
                // SAFETY: the kernel was generated for these argument layouts, every address
                // it forms was checked against their reach (check_reach; for any symbolic
                // size, with buffers allocated for this call's).
                unsafe { launch(k, range, exec, ptrs) };
                Ok(())
            }
        }
    }
}

/// A kernel for another instruction set: AArch64 code runs under qemu-aarch64 (tests on
/// x86-64 machines), on copies of the bytes each argument may touch.
fn run_emulated(
    k: &Kernel,
    range: Range<usize>,
    reach: &[(i64, i64)],
    code: &Code,
    ptrs: &[*mut u8],
    target: Target,
) -> Result<(), String> {
    if target != Target::Aarch64Neon {
        return Err(format!("{target:?} code cannot run on this machine"));
    }
    let mut copies: Vec<Vec<u8>> = vec![];
    for ((a, &p), &(lo, hi)) in k.args.iter().zip(ptrs).zip(reach) {
        let isz = a.dtype.itemsize();
        let len = ((hi - lo + 1).max(0) as usize) * isz;
        // SAFETY: the argument's buffer covers its reach (allocated or checked for it).
        let src = unsafe { std::slice::from_raw_parts(p.wrapping_add(lo as usize * isz), len) };
        copies.push(src.to_vec());
    }
    let mut args: Vec<super::qemu::Arg> = copies
        .iter_mut()
        .zip(k.args.iter().zip(reach))
        .map(|(c, (a, r))| super::qemu::Arg {
            bytes: c,
            lo: r.0 as usize * a.dtype.itemsize(),
        })
        .collect();
    super::qemu::run(&code.bytes, &mut args, range.start, range.end)?;
    for (((c, a), &p), r) in copies.iter().zip(&k.args).zip(ptrs).zip(reach) {
        if a.written {
            let isz = a.dtype.itemsize();
            // SAFETY: as above; the kernel wrote only inside the reach.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    c.as_ptr(),
                    p.wrapping_add(r.0 as usize * isz),
                    c.len(),
                )
            };
        }
    }
    Ok(())
}

/// Call a kernel over the outer points `range` (all of them but for a symbolic kernel
/// run in two parts: the symbolic size decides the count), split across threads when big.
///
/// # Safety
/// `ptrs` must point to buffers covering the kernel arguments' reach for this range.
unsafe fn launch(k: &Kernel, range: Range<usize>, exec: &ExecutableBuffer, ptrs: &[*mut u8]) {
    let total = range.len();
    // SAFETY: the buffer holds the kernel's code, which follows the C calling convention.
    let entry: Entry = unsafe { std::mem::transmute(exec.ptr(AssemblyOffset(0))) };
    let work = total.saturating_mul(k.work_per_outer());
    let threads = crate::threads::get();
    if total < 2 || work < PARALLEL_WORK || threads < 2 {
        unsafe { entry(ptrs.as_ptr(), range.start, range.end) };
        return;
    }
    // At most `threads` parts, so no more threads than asked for run this kernel.
    let args = crate::threads::SendPtr(ptrs.as_ptr() as *mut *mut u8);
    crate::threads::for_ranges(total, 1, |r| {
        // SAFETY: parts cover disjoint outer ranges; outer points write disjoint elements
        // (each output element belongs to one outer point).
        unsafe {
            entry(
                args.get() as *const *mut u8,
                range.start + r.start,
                range.start + r.end,
            )
        }
    });
}

/// Checked mode: each argument is copied into a fresh mapping whose reach ends right at an
/// inaccessible page (a read or write past the end faults) and starts after a canary (a
/// write before the start is reported); written arguments are copied back.
fn run_checked(
    k: &Kernel,
    range: Range<usize>,
    reach: &[(i64, i64)],
    exec: &ExecutableBuffer,
    ptrs: &[*mut u8],
) -> Result<(), String> {
    const PAGE: usize = 4096;
    const CANARY: u8 = 0xA5;
    let mut regions = vec![];
    let mut guarded = vec![];
    for ((a, &p), &(lo, hi)) in k.args.iter().zip(ptrs).zip(reach) {
        let isz = a.dtype.itemsize();
        let bytes = ((hi - lo + 1).max(0) as usize) * isz;
        let body = bytes.next_multiple_of(PAGE) + PAGE;
        let map_len = body + PAGE;
        // SAFETY: a fresh anonymous mapping; the last page is made inaccessible.
        let base = unsafe {
            let m = libc::mmap(
                std::ptr::null_mut(),
                map_len,
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
        regions.push((base, map_len, body - bytes, start, bytes));
        guarded.push(start.wrapping_offset(-(lo as isize) * isz as isize));
    }
    unsafe { launch(k, range, exec, &guarded) };
    let mut result = Ok(());
    for (((a, &p), &(base, map_len, pad, start, bytes)), r) in
        k.args.iter().zip(ptrs).zip(&regions).zip(reach)
    {
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
                std::ptr::copy_nonoverlapping(start, p.wrapping_offset(r.0 as isize * isz), bytes)
            };
        }
        unsafe { libc::munmap(base as *mut libc::c_void, map_len) };
    }
    result
}
