//! x86-64 with AVX2 + FMA: 256-bit vectors (8 f32 / 4 f64 lanes), ymm14/ymm15 scratch. The
//! SSE2 fallback (`sse2.rs`) shares everything here but the vector instructions.
//! dynasm 5.1 encodes the VEX forms `vcmpps/vcmppd/vshufps y, y, y, imm` with the two
//! sources swapped, `vbroadcastss ymm, m32` and `vpsrlq ymm` as their xmm forms, and
//! `vfmadd*pd` as `vfmadd*ps`; the calls below are written around that (some encoded by
//! hand), and the disassembly tests pin the bytes through iced-x86.

// dynasm's expansion converts every register operand with `.into()`.
#![allow(clippy::useless_conversion)]

use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynasmApi, DynasmLabelApi, VecAssembler, dynasm};
use smelt_tracer::DType;

use super::super::loop_ir::Ty;
use super::super::vir::{Cmp, Fold, Op, Round};
use super::{Access, Code, Emitter, Gpr, Label, Width};

mod sse2;

const RAX: u8 = 0;
const RCX: u8 = 1;
const RDX: u8 = 2;
const RSP: u8 = 4;
const R11: u8 = 11;
const R12: u8 = 12;
const R13: u8 = 13;
const R14: u8 = 14;
const R15: u8 = 15;
const STREAMS: [u8; 7] = [3, 5, 6, 7, 8, 9, 10];
const S0: u8 = 14;
const S1: u8 = 15;

pub struct X64 {
    ops: VecAssembler<X64Relocation>,
    consts: Vec<(u64, bool, Label)>,
    frame: i32,
    error: Option<String>,
    /// Emit the SSE2 fallback (128-bit, no VEX) instead of AVX2.
    sse2: bool,
}

impl X64 {
    pub fn new() -> X64 {
        X64 {
            ops: VecAssembler::new(0),
            consts: vec![],
            frame: 0,
            error: None,
            sse2: false,
        }
    }

    pub fn sse2() -> X64 {
        X64 {
            sse2: true,
            ..X64::new()
        }
    }

    fn fail(&mut self, msg: String) {
        self.error.get_or_insert(msg);
    }

    fn g(r: Gpr) -> u8 {
        match r {
            Gpr::Args => R14,
            Gpr::O => R12,
            Gpr::End => R13,
            Gpr::I => RCX,
            Gpr::N => R15,
            Gpr::T0 => RAX,
            Gpr::T1 => RDX,
            Gpr::T2 => R11,
            Gpr::Stream(n) => STREAMS[n as usize],
        }
    }

    fn const_label(&mut self, bits: u64, f64: bool) -> Label {
        if let Some(&(_, _, l)) = self.consts.iter().find(|c| c.0 == bits && c.1 == f64) {
            return l;
        }
        let l = self.ops.new_dynamic_label();
        self.consts.push((bits, f64, l));
        l
    }

    /// RDX = base + I * stride * itemsize, for accesses without an x86 scale.
    fn addr_rdx(&mut self, a: Access) {
        let b = X64::g(a.base);
        let step = a.stride * a.dtype.itemsize() as i64;
        if step == 0 {
            dynasm!(self.ops ; .arch x64 ; mov Rq(RDX), Rq(b));
            return;
        }
        match i32::try_from(step) {
            Ok(s) => dynasm!(self.ops ; .arch x64 ; imul Rq(RDX), Rq(RCX), s ; add Rq(RDX), Rq(b)),
            Err(_) => self.fail("stride too large for x86 addressing".into()),
        }
    }

    /// Load 1 lane of storage dtype `dt` into xmm `d` (other lanes zeroed) from [RDX].
    fn load_one(&mut self, d: u8, dt: DType, ty: Ty) {
        match (dt, ty) {
            (DType::Float32, Ty::F32) => dynasm!(self.ops ; .arch x64 ; vmovss Rx(d), [Rq(RDX)]),
            (DType::Float64, Ty::F64) => dynasm!(self.ops ; .arch x64 ; vmovsd Rx(d), [Rq(RDX)]),
            (DType::Float32, Ty::F64) => dynasm!(self.ops ; .arch x64
                ; vmovss Rx(d), [Rq(RDX)] ; vcvtss2sd Rx(d), Rx(d), Rx(d)),
            (DType::Float64, Ty::F32) => dynasm!(self.ops ; .arch x64
                ; vmovsd Rx(d), [Rq(RDX)] ; vcvtsd2ss Rx(d), Rx(d), Rx(d)),
            (DType::Bool, _) => {
                dynasm!(self.ops ; .arch x64 ; movzx Rd(R11), BYTE [Rq(RDX)] ; vmovd Rx(d), Rd(R11));
                self.nonzero_mask(d, ty);
            }
            _ => self.fail(format!("load of {} into {ty:?}", dt.name())),
        }
    }

    /// Lanes holding 0/1 integers -> all-zeros/all-ones masks.
    fn nonzero_mask(&mut self, d: u8, ty: Ty) {
        if ty == Ty::F64 {
            dynasm!(self.ops ; .arch x64
                ; vpxor Ry(S1), Ry(S1), Ry(S1)
                ; vpcmpeqq Ry(d), Ry(d), Ry(S1)
                ; vpcmpeqq Ry(S1), Ry(S1), Ry(S1)
                ; vpxor Ry(d), Ry(d), Ry(S1));
        } else {
            dynasm!(self.ops ; .arch x64
                ; vpxor Ry(S1), Ry(S1), Ry(S1)
                ; vpcmpeqd Ry(d), Ry(d), Ry(S1)
                ; vpcmpeqd Ry(S1), Ry(S1), Ry(S1)
                ; vpxor Ry(d), Ry(d), Ry(S1));
        }
    }

    /// A three-byte-VEX register-only instruction: `map` 1 = 0F, 2 = 0F38; `pp` 0 = none,
    /// 1 = 66. For the forms dynasm 5.1 gets wrong.
    #[allow(clippy::too_many_arguments)]
    fn vex_rr(
        &mut self,
        map: u8,
        pp: u8,
        w: bool,
        ymm: bool,
        opcode: u8,
        reg: u8,
        vvvv: u8,
        rm: u8,
    ) {
        let r = if reg & 8 == 0 { 0x80 } else { 0 };
        let b = if rm & 8 == 0 { 0x20 } else { 0 };
        let byte1 = r | 0x40 | b | map;
        let byte2 =
            (if w { 0x80 } else { 0 }) | ((!vvvv & 0xF) << 3) | (if ymm { 0x04 } else { 0 }) | pp;
        let modrm = 0xC0 | ((reg & 7) << 3) | (rm & 7);
        self.ops.extend([0xC4, byte1, byte2, opcode, modrm]);
    }

    /// `vmovmskps/pd r32, xmm/ymm` (dynasm 5.1 rejects every operand size for it).
    fn vmovmsk(&mut self, dst: u8, src: u8, ymm: bool, pd: bool) {
        self.vex_rr(1, pd as u8, false, ymm, 0x50, dst, 0, src);
    }

    fn binop(&mut self, op: &Op, d: u8, a: u8, b: u8, f64: bool) {
        macro_rules! pick {
            ($ps:ident, $pd:ident) => {
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; $pd Ry(d), Ry(a), Ry(b))
                } else {
                    dynasm!(self.ops ; .arch x64 ; $ps Ry(d), Ry(a), Ry(b))
                }
            };
        }
        match op {
            Op::Add(..) => pick!(vaddps, vaddpd),
            Op::Sub(..) => pick!(vsubps, vsubpd),
            Op::Mul(..) => pick!(vmulps, vmulpd),
            Op::Div(..) => pick!(vdivps, vdivpd),
            Op::Min(..) => pick!(vminps, vminpd),
            Op::Max(..) => pick!(vmaxps, vmaxpd),
            Op::And(..) => pick!(vandps, vandpd),
            Op::Or(..) => pick!(vorps, vorpd),
            Op::Xor(..) => pick!(vxorps, vxorpd),
            Op::AndNot(..) => pick!(vandnps, vandnpd),
            Op::IAdd(..) => pick!(vpaddd, vpaddq),
            Op::ISub(..) => pick!(vpsubd, vpsubq),
            Op::IEq(..) => pick!(vpcmpeqd, vpcmpeqq),
            _ => unreachable!("not a binary lane op: {op:?}"),
        }
    }
}

/// Bytes between lanes, when all 8 lanes' displacements fit an x86 disp32.
fn lane_step(a: Access) -> Option<i32> {
    let step = a.stride * a.dtype.itemsize() as i64;
    i32::try_from(step * 7).ok().map(|_| step as i32)
}

impl Default for X64 {
    fn default() -> Self {
        X64::new()
    }
}

impl Emitter for X64 {
    fn lanes(&self, ty: Ty) -> usize {
        let lanes = if ty == Ty::F64 { 4 } else { 8 };
        if self.sse2 { lanes / 2 } else { lanes }
    }
    fn vregs(&self) -> Vec<u8> {
        if self.sse2 {
            return X64::sse_vregs();
        }
        (0..14).collect()
    }
    fn stream_regs(&self) -> usize {
        STREAMS.len()
    }
    fn vbytes(&self) -> usize {
        if self.sse2 { 16 } else { 32 }
    }

    fn new_label(&mut self) -> Label {
        self.ops.new_dynamic_label()
    }
    fn bind(&mut self, l: Label) {
        dynasm!(self.ops ; .arch x64 ; =>l);
    }

    fn prologue(&mut self, frame: usize) {
        self.frame = frame as i32;
        let f = self.frame;
        dynasm!(self.ops ; .arch x64
            ; push rbx ; push rbp ; push r12 ; push r13 ; push r14 ; push r15
            ; sub rsp, f
            ; mov r14, rdi ; mov r12, rsi ; mov r13, rdx);
    }
    fn epilogue(&mut self) {
        let f = self.frame;
        dynasm!(self.ops ; .arch x64
            ; add rsp, f
            ; pop r15 ; pop r14 ; pop r13 ; pop r12 ; pop rbp ; pop rbx);
        if !self.sse2 {
            dynasm!(self.ops ; .arch x64 ; vzeroupper);
        }
        dynasm!(self.ops ; .arch x64 ; ret);
    }
    fn jump(&mut self, l: Label) {
        dynasm!(self.ops ; .arch x64 ; jmp =>l);
    }
    fn jump_ge(&mut self, a: Gpr, b: Gpr, l: Label) {
        let (a, b) = (X64::g(a), X64::g(b));
        dynasm!(self.ops ; .arch x64 ; cmp Rq(a), Rq(b) ; jae =>l);
    }
    fn jump_sum_gt(&mut self, a: Gpr, k: i64, b: Gpr, l: Label) {
        let (a, b) = (X64::g(a), X64::g(b));
        let k = k as i32;
        dynasm!(self.ops ; .arch x64 ; lea Rq(R11), [Rq(a) + k] ; cmp Rq(R11), Rq(b) ; ja =>l);
    }
    fn mov_imm(&mut self, d: Gpr, v: i64) {
        let d = X64::g(d);
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD v);
    }
    fn mov(&mut self, d: Gpr, s: Gpr) {
        let (d, s) = (X64::g(d), X64::g(s));
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), Rq(s));
    }
    fn add_imm(&mut self, d: Gpr, v: i64) {
        let d = X64::g(d);
        match i32::try_from(v) {
            Ok(0) => {}
            Ok(v) => dynasm!(self.ops ; .arch x64 ; add Rq(d), v),
            Err(_) => dynasm!(self.ops ; .arch x64 ; mov Rq(R11), QWORD v ; add Rq(d), Rq(R11)),
        }
    }
    fn madd_imm(&mut self, d: Gpr, s: Gpr, k: i64) {
        let (d, s) = (X64::g(d), X64::g(s));
        match i32::try_from(k) {
            Ok(k) => dynasm!(self.ops ; .arch x64 ; imul Rq(R11), Rq(s), k ; add Rq(d), Rq(R11)),
            Err(_) => dynasm!(self.ops ; .arch x64
                ; mov Rq(R11), QWORD k ; imul Rq(R11), Rq(s) ; add Rq(d), Rq(R11)),
        }
    }
    fn divmod_imm(&mut self, k: u64) {
        let k = k as i64;
        dynasm!(self.ops ; .arch x64 ; xor edx, edx ; mov r11, QWORD k ; div r11);
    }
    fn umin(&mut self, d: Gpr, s: Gpr) {
        let (d, s) = (X64::g(d), X64::g(s));
        dynasm!(self.ops ; .arch x64 ; cmp Rq(d), Rq(s) ; cmova Rq(d), Rq(s));
    }
    fn load_slot(&mut self, d: Gpr, off: usize) {
        let (d, off) = (X64::g(d), off as i32);
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), [Rq(RSP) + off]);
    }
    fn store_slot(&mut self, off: usize, s: Gpr) {
        let (s, off) = (X64::g(s), off as i32);
        dynasm!(self.ops ; .arch x64 ; mov [Rq(RSP) + off], Rq(s));
    }
    fn load_arg(&mut self, d: Gpr, index: usize) {
        let (d, off) = (X64::g(d), (index * 8) as i32);
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), [Rq(R14) + off]);
    }

    fn vload(&mut self, d: u8, a: Access, ty: Ty, w: Width) {
        if self.sse2 {
            return self.sse_vload(d, a, ty, w);
        }
        let b = X64::g(a.base);
        if w == Width::One {
            self.addr_rdx(a);
            self.load_one(d, a.dtype, ty);
            return;
        }
        match (a.dtype, ty, a.stride) {
            (DType::Float32, Ty::F32, 1) => {
                dynasm!(self.ops ; .arch x64 ; vmovups Ry(d), [Rq(b) + Rq(RCX) * 4])
            }
            (DType::Float64, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64 ; vmovupd Ry(d), [Rq(b) + Rq(RCX) * 8])
            }
            (DType::Float32, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64 ; vcvtps2pd Ry(d), [Rq(b) + Rq(RCX) * 4])
            }
            (DType::Float64, Ty::F32, 1) => dynasm!(self.ops ; .arch x64
                ; lea Rq(RDX), [Rq(b) + Rq(RCX) * 8]
                ; vcvtpd2ps Rx(d), YWORD [Rq(RDX)]
                ; vcvtpd2ps Rx(S1), YWORD [Rq(RDX) + 32]
                ; vinsertf128 Ry(d), Ry(d), Rx(S1), 1),
            (DType::Bool, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64 ; vmovd Rx(d), [Rq(b) + Rq(RCX)] ; vpmovzxbq Ry(d), Rx(d));
                self.nonzero_mask(d, ty);
            }
            (DType::Bool, _, 1) => {
                dynasm!(self.ops ; .arch x64 ; vmovq Rx(d), [Rq(b) + Rq(RCX)] ; vpmovzxbd Ry(d), Rx(d));
                self.nonzero_mask(d, ty);
            }
            (DType::Bool, _, 0) => dynasm!(self.ops ; .arch x64
                ; movzx Rd(R11), BYTE [Rq(b)]
                ; neg Rq(R11)
                ; vmovq Rx(d), Rq(R11)
                ; vpbroadcastq Ry(d), Rx(d)),
            (_, _, 0) => {
                self.addr_rdx(a);
                self.load_one(d, a.dtype, ty);
                if ty == Ty::F64 {
                    dynasm!(self.ops ; .arch x64 ; vbroadcastsd Ry(d), Rx(d));
                } else {
                    dynasm!(self.ops ; .arch x64 ; vbroadcastss Ry(d), Rx(d));
                }
            }
            (DType::Bool, _, _) => self.fail("strided bool loads".into()),
            (dt, t, _)
                if (dt == DType::Float32 && t == Ty::F32)
                    || (dt == DType::Float64 && t == Ty::F64) =>
            {
                // Gather: lane by lane into the low and high 128-bit halves.
                let Some(step) = lane_step(a) else {
                    return self.fail("stride too large for x86 addressing".into());
                };
                self.addr_rdx(a);
                if t == Ty::F64 {
                    dynasm!(self.ops ; .arch x64
                        ; vmovsd Rx(d), [Rq(RDX)]
                        ; vmovhpd Rx(d), Rx(d), [Rq(RDX) + step]
                        ; vmovsd Rx(S1), [Rq(RDX) + 2 * step]
                        ; vmovhpd Rx(S1), Rx(S1), [Rq(RDX) + 3 * step]
                        ; vinsertf128 Ry(d), Ry(d), Rx(S1), 1);
                } else {
                    dynasm!(self.ops ; .arch x64
                        ; vmovss Rx(d), [Rq(RDX)]
                        ; vinsertps Rx(d), Rx(d), [Rq(RDX) + step], 0x10
                        ; vinsertps Rx(d), Rx(d), [Rq(RDX) + 2 * step], 0x20
                        ; vinsertps Rx(d), Rx(d), [Rq(RDX) + 3 * step], 0x30
                        ; vmovss Rx(S1), [Rq(RDX) + 4 * step]
                        ; vinsertps Rx(S1), Rx(S1), [Rq(RDX) + 5 * step], 0x10
                        ; vinsertps Rx(S1), Rx(S1), [Rq(RDX) + 6 * step], 0x20
                        ; vinsertps Rx(S1), Rx(S1), [Rq(RDX) + 7 * step], 0x30
                        ; vinsertf128 Ry(d), Ry(d), Rx(S1), 1);
                }
            }
            (dt, _, stride) => self.fail(format!(
                "{} loads with stride {stride} into {ty:?}",
                dt.name()
            )),
        }
    }

    fn vstore(&mut self, a: Access, s: u8, ty: Ty, w: Width) {
        if self.sse2 {
            return self.sse_vstore(a, s, ty, w);
        }
        let b = X64::g(a.base);
        match (a.dtype, w, a.stride) {
            (DType::Float32, Width::Full, 1) if ty == Ty::F32 => {
                dynasm!(self.ops ; .arch x64 ; vmovups [Rq(b) + Rq(RCX) * 4], Ry(s))
            }
            (DType::Float64, Width::Full, 1) if ty == Ty::F64 => {
                dynasm!(self.ops ; .arch x64 ; vmovupd [Rq(b) + Rq(RCX) * 8], Ry(s))
            }
            (DType::Float32, Width::One, _) if ty == Ty::F32 => {
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64 ; vmovss [Rq(RDX)], Rx(s));
            }
            (DType::Float64, Width::One, _) if ty == Ty::F64 => {
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64 ; vmovsd [Rq(RDX)], Rx(s));
            }
            (DType::Bool, Width::Full, 1) => {
                if ty == Ty::F64 {
                    self.vmovmsk(R11, s, true, true);
                    dynasm!(self.ops ; .arch x64
                        ; mov Rd(RDX), 0x0101_0101
                        ; pdep Rd(R11), Rd(R11), Rd(RDX)
                        ; mov [Rq(b) + Rq(RCX)], Rd(R11));
                } else {
                    self.vmovmsk(R11, s, true, false);
                    dynasm!(self.ops ; .arch x64
                        ; mov Rq(RDX), QWORD 0x0101_0101_0101_0101
                        ; pdep Rq(R11), Rq(R11), Rq(RDX)
                        ; mov [Rq(b) + Rq(RCX)], Rq(R11));
                }
            }
            (DType::Bool, Width::One, _) => {
                self.addr_rdx(a);
                self.vmovmsk(R11, s, false, false);
                dynasm!(self.ops ; .arch x64
                    ; and Rd(R11), 1
                    ; mov [Rq(RDX)], Rb(R11));
            }
            (DType::Float32, Width::Full, _) if ty == Ty::F32 => {
                let Some(step) = lane_step(a) else {
                    return self.fail("stride too large for x86 addressing".into());
                };
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64
                    ; vmovss [Rq(RDX)], Rx(s)
                    ; vextractps [Rq(RDX) + step], Rx(s), 1
                    ; vextractps [Rq(RDX) + 2 * step], Rx(s), 2
                    ; vextractps [Rq(RDX) + 3 * step], Rx(s), 3
                    ; vextractf128 Rx(S1), Ry(s), 1
                    ; vmovss [Rq(RDX) + 4 * step], Rx(S1)
                    ; vextractps [Rq(RDX) + 5 * step], Rx(S1), 1
                    ; vextractps [Rq(RDX) + 6 * step], Rx(S1), 2
                    ; vextractps [Rq(RDX) + 7 * step], Rx(S1), 3);
            }
            (DType::Float64, Width::Full, _) if ty == Ty::F64 => {
                let Some(step) = lane_step(a) else {
                    return self.fail("stride too large for x86 addressing".into());
                };
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64
                    ; vmovsd [Rq(RDX)], Rx(s)
                    ; vmovhpd [Rq(RDX) + step], Rx(s)
                    ; vextractf128 Rx(S1), Ry(s), 1
                    ; vmovsd [Rq(RDX) + 2 * step], Rx(S1)
                    ; vmovhpd [Rq(RDX) + 3 * step], Rx(S1));
            }
            (dt, _, _) => self.fail(format!(
                "store of {} lanes with stride {}",
                dt.name(),
                a.stride
            )),
        }
    }

    fn vconst(&mut self, d: u8, bits: u64, ty: Ty) {
        if self.sse2 {
            return self.sse_vconst(d, bits, ty);
        }
        if bits == 0 {
            dynasm!(self.ops ; .arch x64 ; vxorps Ry(d), Ry(d), Ry(d));
            return;
        }
        let f64 = ty == Ty::F64;
        let l = self.const_label(bits, f64);
        dynasm!(self.ops ; .arch x64 ; vmovups Ry(d), [=>l]);
    }

    fn vop(&mut self, op: &Op, d: u8, args: &[u8], ty: Ty) {
        if self.sse2 {
            return self.sse_vop(op, d, args, ty);
        }
        let f64 = ty == Ty::F64;
        match *op {
            Op::Fma(..) => {
                let (a, b, c) = (args[0], args[1], args[2]);
                // d = a*b + c. 231: d += x*y; 213: d = d*x + y. VEX.256.66.0F38.W(pd) B8/A8,
                // encoded by hand because dynasm 5.1 drops W1 (emits the ps forms for pd).
                let (form231, x, y) = if d == c {
                    (true, a, b)
                } else if d == a {
                    (false, b, c)
                } else if d == b {
                    (false, a, c)
                } else {
                    dynasm!(self.ops ; .arch x64 ; vmovaps Ry(d), Ry(c));
                    (true, a, b)
                };
                let opcode = if form231 { 0xB8 } else { 0xA8 };
                self.vex_rr(2, 1, f64, true, opcode, d, x, y);
            }
            Op::Sqrt(_) => {
                let a = args[0];
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; vsqrtpd Ry(d), Ry(a));
                } else {
                    dynasm!(self.ops ; .arch x64 ; vsqrtps Ry(d), Ry(a));
                }
            }
            Op::Round(_, mode) => {
                let a = args[0];
                let imm: i8 = 8 | match mode {
                    Round::Nearest => 0,
                    Round::Floor => 1,
                    Round::Ceil => 2,
                    Round::Trunc => 3,
                };
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; vroundpd Ry(d), Ry(a), imm);
                } else {
                    dynasm!(self.ops ; .arch x64 ; vroundps Ry(d), Ry(a), imm);
                }
            }
            Op::Cmp(c, _, _) => {
                let (a, b) = (args[0], args[1]);
                let imm: i8 = match c {
                    Cmp::Eq => 0x00,
                    Cmp::Lt => 0x01,
                    Cmp::Le => 0x02,
                    Cmp::Unord => 0x03,
                    Cmp::Ne => 0x04,
                    Cmp::Ge => 0x0D,
                    Cmp::Gt => 0x0E,
                };
                // Sources written swapped: dynasm swaps them back (see the module doc).
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; vcmppd Ry(d), Ry(b), Ry(a), imm);
                } else {
                    dynasm!(self.ops ; .arch x64 ; vcmpps Ry(d), Ry(b), Ry(a), imm);
                }
            }
            Op::Select(..) => {
                let (m, a, b) = (args[0], args[1], args[2]);
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; vblendvpd Ry(d), Ry(b), Ry(a), Ry(m));
                } else {
                    dynasm!(self.ops ; .arch x64 ; vblendvps Ry(d), Ry(b), Ry(a), Ry(m));
                }
            }
            // Lane shifts by an immediate, VEX.256.66.0F 72 (dwords) / 73 (qwords) with the
            // operation in the reg field (/6 left, /2 right); by hand because dynasm 5.1
            // encodes `vpsrlq ymm` as its xmm form.
            Op::Shl(_, k) | Op::Shr(_, k) => {
                let ext = if matches!(op, Op::Shl(..)) { 6 } else { 2 };
                let opcode = if f64 { 0x73 } else { 0x72 };
                self.vex_rr(1, 1, false, true, opcode, ext, d, args[0]);
                self.ops.push(k);
            }
            Op::Add(..)
            | Op::Sub(..)
            | Op::Mul(..)
            | Op::Div(..)
            | Op::Min(..)
            | Op::Max(..)
            | Op::And(..)
            | Op::Or(..)
            | Op::Xor(..)
            | Op::AndNot(..)
            | Op::IAdd(..)
            | Op::ISub(..)
            | Op::IEq(..) => self.binop(op, d, args[0], args[1], f64),
            Op::Load { .. } | Op::Store { .. } | Op::Const(_) | Op::AccGet(_) | Op::AccFold(..) => {
                unreachable!("memory ops go through their own emitter calls")
            }
        }
    }

    fn vfold(&mut self, f: Fold, acc: u8, x: u8, ty: Ty) {
        if self.sse2 {
            return self.sse_vfold(f, acc, x, ty);
        }
        self.binop(&f.op(), acc, acc, x, ty == Ty::F64);
    }

    fn vspill(&mut self, off: usize, r: u8) {
        let off = off as i32;
        if self.sse2 {
            dynasm!(self.ops ; .arch x64 ; movups [Rq(RSP) + off], Rx(r));
        } else {
            dynasm!(self.ops ; .arch x64 ; vmovups [Rq(RSP) + off], Ry(r));
        }
    }
    fn vreload(&mut self, r: u8, off: usize) {
        let off = off as i32;
        if self.sse2 {
            dynasm!(self.ops ; .arch x64 ; movups Rx(r), [Rq(RSP) + off]);
        } else {
            dynasm!(self.ops ; .arch x64 ; vmovups Ry(r), [Rq(RSP) + off]);
        }
    }

    fn hreduce(&mut self, f: Fold, r: u8, ty: Ty) {
        if self.sse2 {
            return self.sse_hreduce(f, r, ty);
        }
        let fold = |s: &mut X64| s.vfold(f, r, S0, ty);
        dynasm!(self.ops ; .arch x64 ; vextractf128 Rx(S0), Ry(r), 1);
        fold(self);
        if ty == Ty::F64 {
            dynasm!(self.ops ; .arch x64 ; vpermilpd Rx(S0), Rx(r), 1);
            fold(self);
        } else {
            dynasm!(self.ops ; .arch x64 ; vpermilps Rx(S0), Rx(r), 0x4E);
            fold(self);
            dynasm!(self.ops ; .arch x64 ; vpermilps Rx(S0), Rx(r), 0x31);
            fold(self);
        }
    }

    fn splat(&mut self, r: u8, ty: Ty) {
        if self.sse2 {
            return self.sse_splat(r, ty);
        }
        if ty == Ty::F64 {
            dynasm!(self.ops ; .arch x64 ; vbroadcastsd Ry(r), Rx(r));
        } else {
            dynasm!(self.ops ; .arch x64 ; vbroadcastss Ry(r), Rx(r));
        }
    }

    fn finish(mut self: Box<Self>) -> Result<Code, String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let text_len = self.ops.offset().0;
        let consts = std::mem::take(&mut self.consts);
        dynasm!(self.ops ; .arch x64 ; .align 32);
        for (bits, f64, l) in consts {
            dynasm!(self.ops ; .arch x64 ; =>l);
            self.ops
                .extend(super::splat_bytes(bits, f64, self.vbytes()));
        }
        let bytes = self
            .ops
            .finalize()
            .map_err(|e| format!("x86-64 assembly: {e:?}"))?;
        Ok(Code { bytes, text_len })
    }
}
