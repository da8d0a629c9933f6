//! The one interface both instruction sets implement. The code generator (`codegen.rs`)
//! decides loops, addresses and registers; an emitter turns each request into machine
//! instructions. General registers are named by role; vector registers are numbered by the
//! allocator from `Emitter::vregs`.

use smelt_tracer::DType;

use super::loop_ir::Ty;
use super::vir::{Fold, Op};

pub mod aarch64;
pub mod x64;

pub use dynasmrt::DynamicLabel as Label;

/// General registers by role. `T0`..`T2` are scratch: the emitter may clobber all three
/// inside any vector request, and `T2` inside any request at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gpr {
    /// The kernel's argument-pointer array.
    Args,
    /// The flat outer index.
    O,
    /// End of this call's outer range.
    End,
    /// Innermost loop counter (elements).
    I,
    /// Innermost loop length.
    N,
    T0,
    T1,
    T2,
    /// Base address of an access stream for the current innermost run.
    Stream(u8),
}

/// A vector access: `base + I * stride * itemsize` per lane step.
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub base: Gpr,
    /// Elements between lanes: 0 broadcasts one element, 1 is contiguous.
    pub stride: i64,
    pub dtype: DType,
}

/// How many lanes a request covers: all, or lane 0 only (tails and post blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Full,
    One,
}

pub trait Emitter {
    fn lanes(&self, ty: Ty) -> usize;
    /// Vector registers the allocator may use.
    fn vregs(&self) -> Vec<u8>;
    /// How many `Gpr::Stream` registers exist.
    fn stream_regs(&self) -> usize;
    /// Bytes of one vector register (spill slot size).
    fn vbytes(&self) -> usize;

    fn new_label(&mut self) -> Label;
    fn bind(&mut self, l: Label);
    /// Entry: `(args, start, end)` from the C calling convention into `Args`, `O`, `End`,
    /// callee-saved registers saved, `frame` bytes of stack reserved.
    fn prologue(&mut self, frame: usize);
    fn epilogue(&mut self);
    fn jump(&mut self, l: Label);
    /// Jump when `a >= b` (unsigned).
    fn jump_ge(&mut self, a: Gpr, b: Gpr, l: Label);
    /// Jump when `a + k > b` (unsigned).
    fn jump_sum_gt(&mut self, a: Gpr, k: i64, b: Gpr, l: Label);
    fn mov_imm(&mut self, d: Gpr, v: i64);
    fn mov(&mut self, d: Gpr, s: Gpr);
    fn add_imm(&mut self, d: Gpr, v: i64);
    /// `d += s * k`.
    fn madd_imm(&mut self, d: Gpr, s: Gpr, k: i64);
    /// `q, r = q / k, q % k` (`q` is `T0`, `r` is `T1`).
    fn divmod_imm(&mut self, k: u64);
    /// `d = min(d, s)` (unsigned).
    fn umin(&mut self, d: Gpr, s: Gpr);
    fn load_slot(&mut self, d: Gpr, off: usize);
    fn store_slot(&mut self, off: usize, s: Gpr);
    /// `d = args[index]`.
    fn load_arg(&mut self, d: Gpr, index: usize);

    fn vload(&mut self, d: u8, a: Access, ty: Ty, w: Width);
    fn vstore(&mut self, a: Access, s: u8, ty: Ty, w: Width);
    fn vconst(&mut self, d: u8, bits: u64, ty: Ty);
    /// A lane op (not Load/Store/Const/AccGet/AccFold) with registers for its operands.
    fn vop(&mut self, op: &Op, d: u8, args: &[u8], ty: Ty);
    fn vfold(&mut self, f: Fold, acc: u8, x: u8, ty: Ty);
    fn vspill(&mut self, off: usize, r: u8);
    fn vreload(&mut self, r: u8, off: usize);
    /// Fold all lanes of `r` into lane 0.
    fn hreduce(&mut self, f: Fold, r: u8, ty: Ty);
    /// Copy lane 0 to every lane.
    fn splat(&mut self, r: u8, ty: Ty);

    fn finish(self: Box<Self>) -> Result<Code, String>;
}

/// A constant-pool entry: `bits` (an f64, or an f32 in the low half) in every lane of a
/// `vbytes`-byte vector.
pub fn splat_bytes(bits: u64, f64: bool, vbytes: usize) -> Vec<u8> {
    let lane: Vec<u8> = if f64 {
        bits.to_le_bytes().to_vec()
    } else {
        (bits as u32).to_le_bytes().to_vec()
    };
    lane.iter().copied().cycle().take(vbytes).collect()
}

/// Machine code: instructions, then (from `text_len`) the constant pool.
#[derive(Clone, Debug)]
pub struct Code {
    pub bytes: Vec<u8>,
    pub text_len: usize,
}

/// Which instruction set a kernel is emitted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// x86-64 with AVX2 and FMA (256-bit vectors).
    X64Avx2,
    /// Any x86-64 CPU: SSE2 (128-bit vectors), the fallback where AVX2 or FMA is missing.
    X64Sse2,
    /// AArch64 with NEON (128-bit vectors): native on an AArch64 host, else run under
    /// qemu-aarch64 (`qemu.rs`).
    Aarch64Neon,
}

impl Target {
    /// The best target for the machine this process runs on, if it can run JIT code.
    pub fn host() -> Option<Target> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("bmi2")
            {
                return Some(Target::X64Avx2);
            }
            Some(Target::X64Sse2)
        }
        #[cfg(target_arch = "aarch64")]
        {
            Some(Target::Aarch64Neon)
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            None
        }
    }

    /// Whether this process can call code for the target directly (else it runs emulated).
    pub fn runs_here(self) -> bool {
        match self {
            Target::X64Avx2 => Target::host() == Some(Target::X64Avx2),
            Target::X64Sse2 => cfg!(target_arch = "x86_64"),
            Target::Aarch64Neon => cfg!(target_arch = "aarch64"),
        }
    }

    /// The name targets go by in `SMELT_JIT_TARGET` and `torch._C._jit_compile`.
    pub fn name(self) -> &'static str {
        match self {
            Target::X64Avx2 => "x86-64-avx2",
            Target::X64Sse2 => "x86-64-sse2",
            Target::Aarch64Neon => "aarch64-neon",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        [Target::X64Avx2, Target::X64Sse2, Target::Aarch64Neon]
            .into_iter()
            .find(|t| t.name() == name)
    }

    pub fn emitter(self) -> Box<dyn Emitter> {
        match self {
            Target::X64Avx2 => Box::new(x64::X64::new()),
            Target::X64Sse2 => Box::new(x64::X64::sse2()),
            Target::Aarch64Neon => Box::new(aarch64::Aarch64::new()),
        }
    }
}
