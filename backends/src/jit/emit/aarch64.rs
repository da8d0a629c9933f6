//! AArch64 with NEON: 128-bit vectors (4 f32 / 2 f64 lanes), v30/v31 scratch.
//!
//! Kernels call nothing, so they use only caller-saved registers (x0-x17, v0-v7, v16-v31) and
//! save none: the arguments stay where the C calling convention puts them (x0 args, x1 start,
//! x2 end), x16/x17 hold addresses and large immediates.

// dynasm's expansion converts every register operand with `.into()`.
#![allow(clippy::useless_conversion)]

use dynasmrt::aarch64::Aarch64Relocation;
use dynasmrt::{DynasmApi, DynasmLabelApi, VecAssembler, dynasm};
use smelt_tracer::DType;

use super::super::loop_ir::Ty;
use super::super::vir::{Cmp, Fold, Op, Round};
use super::{Access, Code, Emitter, Gpr, Label, Width};

const STREAMS: [u8; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
/// Address and immediate scratch.
const XA: u8 = 16;
const XB: u8 = 17;
const S0: u8 = 30;
const S1: u8 = 31;

pub struct Aarch64 {
    ops: VecAssembler<Aarch64Relocation>,
    consts: Vec<(u64, bool, Label)>,
    frame: u32,
    error: Option<String>,
}

impl Default for Aarch64 {
    fn default() -> Self {
        Aarch64::new()
    }
}

impl Aarch64 {
    pub fn new() -> Aarch64 {
        Aarch64 {
            ops: VecAssembler::new(0),
            consts: vec![],
            frame: 0,
            error: None,
        }
    }

    fn fail(&mut self, msg: String) {
        self.error.get_or_insert(msg);
    }

    fn g(r: Gpr) -> u8 {
        match r {
            Gpr::Args => 0,
            Gpr::O => 1,
            Gpr::End => 2,
            Gpr::I => 3,
            Gpr::N => 4,
            Gpr::T0 => 5,
            Gpr::T1 => 6,
            Gpr::T2 => 7,
            Gpr::Stream(n) => STREAMS[n as usize],
        }
    }

    /// `x[d] = v`, in as few movz/movk as the value's 16-bit chunks need.
    fn imm(&mut self, d: u8, v: i64) {
        let u = v as u64;
        let c0 = (u & 0xffff) as u32;
        let c1 = ((u >> 16) & 0xffff) as u32;
        let c2 = ((u >> 32) & 0xffff) as u32;
        let c3 = ((u >> 48) & 0xffff) as u32;
        dynasm!(self.ops ; .arch aarch64 ; movz X(d), c0);
        if c1 != 0 {
            dynasm!(self.ops ; .arch aarch64 ; movk X(d), c1, lsl 16);
        }
        if c2 != 0 {
            dynasm!(self.ops ; .arch aarch64 ; movk X(d), c2, lsl 32);
        }
        if c3 != 0 {
            dynasm!(self.ops ; .arch aarch64 ; movk X(d), c3, lsl 48);
        }
    }

    /// `x[d] = x[s] + v` for any `v` (x16 may be used).
    fn add_to(&mut self, d: u8, s: u8, v: i64) {
        if (0..4096).contains(&v) {
            let v = v as u32;
            dynasm!(self.ops ; .arch aarch64 ; add XSP(d), XSP(s), v);
        } else if (-4095..0).contains(&v) {
            let v = (-v) as u32;
            dynasm!(self.ops ; .arch aarch64 ; sub XSP(d), XSP(s), v);
        } else {
            self.imm(XA, v);
            dynasm!(self.ops ; .arch aarch64 ; add X(d), X(s), X(XA));
        }
    }

    /// The register holding `base + I * stride * itemsize` (x16, or the base itself).
    fn addr(&mut self, a: Access) -> u8 {
        let b = Aarch64::g(a.base);
        let step = a.stride * a.dtype.itemsize() as i64;
        match step {
            0 => b,
            1 => {
                dynasm!(self.ops ; .arch aarch64 ; add X(XA), X(b), X(3));
                XA
            }
            2 => {
                dynasm!(self.ops ; .arch aarch64 ; add X(XA), X(b), X(3), lsl 1);
                XA
            }
            4 => {
                dynasm!(self.ops ; .arch aarch64 ; add X(XA), X(b), X(3), lsl 2);
                XA
            }
            8 => {
                dynasm!(self.ops ; .arch aarch64 ; add X(XA), X(b), X(3), lsl 3);
                XA
            }
            _ => {
                self.imm(XB, step);
                dynasm!(self.ops ; .arch aarch64 ; madd X(XA), X(3), X(XB), X(b));
                XA
            }
        }
    }

    /// Bytes between lanes, in x17.
    fn lane_step(&mut self, a: Access) {
        self.imm(XB, a.stride * a.dtype.itemsize() as i64);
    }

    /// `sp + off` as a register and offset a `ldr/str q` can take.
    fn sp_q(&mut self, off: usize) -> (u8, u32) {
        if off.is_multiple_of(16) && off <= 65520 {
            (31, off as u32)
        } else {
            self.imm(XA, off as i64);
            dynasm!(self.ops ; .arch aarch64 ; add XSP(XA), sp, X(XA));
            (XA, 0)
        }
    }

    /// Lane 0 of `d` from one element of storage dtype `dt` at `[x(r)]`, other lanes zeroed.
    fn load_one(&mut self, d: u8, r: u8, dt: DType, ty: Ty) {
        let f64 = ty == Ty::F64;
        match (dt, f64) {
            (DType::Float32, false) => dynasm!(self.ops ; .arch aarch64 ; ldr S(d), [X(r)]),
            (DType::Float64, true) => dynasm!(self.ops ; .arch aarch64 ; ldr D(d), [X(r)]),
            (DType::Float32, true) => {
                dynasm!(self.ops ; .arch aarch64 ; ldr S(d), [X(r)] ; fcvt D(d), S(d))
            }
            (DType::Float64, false) => {
                dynasm!(self.ops ; .arch aarch64 ; ldr D(d), [X(r)] ; fcvt S(d), D(d))
            }
            (DType::Bool, _) => {
                dynasm!(self.ops ; .arch aarch64
                    ; ldrb W(XB), [X(r)]
                    ; cmp WSP(XB), 0
                    ; csetm X(XB), ne);
                if f64 {
                    dynasm!(self.ops ; .arch aarch64 ; fmov D(d), X(XB));
                } else {
                    dynasm!(self.ops ; .arch aarch64 ; fmov S(d), W(XB));
                }
            }
            _ => self.fail(format!("load of {} into {ty:?}", dt.name())),
        }
    }

    fn mov_v(&mut self, d: u8, s: u8) {
        if d != s {
            dynasm!(self.ops ; .arch aarch64 ; mov V(d).B16, V(s).B16);
        }
    }

    fn binop(&mut self, op: &Op, d: u8, a: u8, b: u8, f64: bool) {
        macro_rules! float {
            ($ins:ident) => {
                if f64 {
                    dynasm!(self.ops ; .arch aarch64 ; $ins V(d).D2, V(a).D2, V(b).D2)
                } else {
                    dynasm!(self.ops ; .arch aarch64 ; $ins V(d).S4, V(a).S4, V(b).S4)
                }
            };
        }
        match op {
            Op::Add(..) => float!(fadd),
            Op::Sub(..) => float!(fsub),
            Op::Mul(..) => float!(fmul),
            Op::Div(..) => float!(fdiv),
            Op::Min(..) => float!(fmin),
            Op::Max(..) => float!(fmax),
            Op::IAdd(..) => float!(add),
            Op::ISub(..) => float!(sub),
            Op::IEq(..) => float!(cmeq),
            Op::And(..) => dynasm!(self.ops ; .arch aarch64 ; and V(d).B16, V(a).B16, V(b).B16),
            Op::Or(..) => dynasm!(self.ops ; .arch aarch64 ; orr V(d).B16, V(a).B16, V(b).B16),
            Op::Xor(..) => dynasm!(self.ops ; .arch aarch64 ; eor V(d).B16, V(a).B16, V(b).B16),
            // !a & b
            Op::AndNot(..) => dynasm!(self.ops ; .arch aarch64 ; bic V(d).B16, V(b).B16, V(a).B16),
            _ => unreachable!("not a binary lane op: {op:?}"),
        }
    }

    fn cmp(&mut self, c: Cmp, d: u8, a: u8, b: u8, f64: bool) {
        macro_rules! fc {
            ($ins:ident, $x:expr, $y:expr) => {{
                let (x, y) = ($x, $y);
                if f64 {
                    dynasm!(self.ops ; .arch aarch64 ; $ins V(d).D2, V(x).D2, V(y).D2)
                } else {
                    dynasm!(self.ops ; .arch aarch64 ; $ins V(d).S4, V(x).S4, V(y).S4)
                }
            }};
        }
        match c {
            Cmp::Eq => fc!(fcmeq, a, b),
            Cmp::Gt => fc!(fcmgt, a, b),
            Cmp::Ge => fc!(fcmge, a, b),
            Cmp::Lt => fc!(fcmgt, b, a),
            Cmp::Le => fc!(fcmge, b, a),
            // Not equal or unordered: the complement of ordered-equal.
            Cmp::Ne => {
                fc!(fcmeq, a, b);
                dynasm!(self.ops ; .arch aarch64 ; mvn V(d).B16, V(d).B16);
            }
            Cmp::Unord => {
                if f64 {
                    dynasm!(self.ops ; .arch aarch64
                        ; fcmeq V(S0).D2, V(a).D2, V(a).D2
                        ; fcmeq V(S1).D2, V(b).D2, V(b).D2);
                } else {
                    dynasm!(self.ops ; .arch aarch64
                        ; fcmeq V(S0).S4, V(a).S4, V(a).S4
                        ; fcmeq V(S1).S4, V(b).S4, V(b).S4);
                }
                dynasm!(self.ops ; .arch aarch64
                    ; and V(d).B16, V(S0).B16, V(S1).B16
                    ; mvn V(d).B16, V(d).B16);
            }
        }
    }
}

impl Emitter for Aarch64 {
    fn lanes(&self, ty: Ty) -> usize {
        if ty == Ty::F64 { 2 } else { 4 }
    }
    fn vregs(&self) -> Vec<u8> {
        (0..8).chain(16..30).collect()
    }
    fn stream_regs(&self) -> usize {
        STREAMS.len()
    }
    fn vbytes(&self) -> usize {
        16
    }

    fn new_label(&mut self) -> Label {
        self.ops.new_dynamic_label()
    }
    fn bind(&mut self, l: Label) {
        dynasm!(self.ops ; .arch aarch64 ; =>l);
    }

    fn prologue(&mut self, frame: usize) {
        let f = (frame as u32).next_multiple_of(16);
        self.frame = f;
        if f >= 1 << 24 {
            return self.fail("stack frame too large".into());
        }
        let (hi, lo) = (f >> 12, f & 0xfff);
        if hi != 0 {
            dynasm!(self.ops ; .arch aarch64 ; sub sp, sp, hi, lsl 12);
        }
        if lo != 0 {
            dynasm!(self.ops ; .arch aarch64 ; sub sp, sp, lo);
        }
    }
    fn epilogue(&mut self) {
        let f = self.frame;
        let (hi, lo) = (f >> 12, f & 0xfff);
        if hi != 0 {
            dynasm!(self.ops ; .arch aarch64 ; add sp, sp, hi, lsl 12);
        }
        if lo != 0 {
            dynasm!(self.ops ; .arch aarch64 ; add sp, sp, lo);
        }
        dynasm!(self.ops ; .arch aarch64 ; ret);
    }
    fn jump(&mut self, l: Label) {
        dynasm!(self.ops ; .arch aarch64 ; b =>l);
    }
    fn jump_ge(&mut self, a: Gpr, b: Gpr, l: Label) {
        let (a, b) = (Aarch64::g(a), Aarch64::g(b));
        dynasm!(self.ops ; .arch aarch64 ; cmp X(a), X(b) ; b.hs =>l);
    }
    fn jump_sum_gt(&mut self, a: Gpr, k: i64, b: Gpr, l: Label) {
        let (a, b) = (Aarch64::g(a), Aarch64::g(b));
        self.add_to(XB, a, k);
        dynasm!(self.ops ; .arch aarch64 ; cmp X(XB), X(b) ; b.hi =>l);
    }
    fn mov_imm(&mut self, d: Gpr, v: i64) {
        self.imm(Aarch64::g(d), v);
    }
    fn mov(&mut self, d: Gpr, s: Gpr) {
        let (d, s) = (Aarch64::g(d), Aarch64::g(s));
        dynasm!(self.ops ; .arch aarch64 ; mov X(d), X(s));
    }
    fn add_imm(&mut self, d: Gpr, v: i64) {
        let d = Aarch64::g(d);
        if v != 0 {
            self.add_to(d, d, v);
        }
    }
    fn madd_imm(&mut self, d: Gpr, s: Gpr, k: i64) {
        let (d, s) = (Aarch64::g(d), Aarch64::g(s));
        self.imm(XB, k);
        dynasm!(self.ops ; .arch aarch64 ; madd X(d), X(s), X(XB), X(d));
    }
    fn divmod_imm(&mut self, k: u64) {
        // T0 = x5 (quotient), T1 = x6 (remainder).
        self.imm(XA, k as i64);
        dynasm!(self.ops ; .arch aarch64
            ; udiv X(XB), X(5), X(XA)
            ; msub X(6), X(XB), X(XA), X(5)
            ; mov X(5), X(XB));
    }
    fn umin(&mut self, d: Gpr, s: Gpr) {
        let (d, s) = (Aarch64::g(d), Aarch64::g(s));
        dynasm!(self.ops ; .arch aarch64 ; cmp X(d), X(s) ; csel X(d), X(s), X(d), hi);
    }
    fn load_slot(&mut self, d: Gpr, off: usize) {
        let d = Aarch64::g(d);
        if off.is_multiple_of(8) && off <= 32760 {
            let off = off as u32;
            dynasm!(self.ops ; .arch aarch64 ; ldr X(d), [sp, off]);
        } else {
            self.imm(XA, off as i64);
            dynasm!(self.ops ; .arch aarch64 ; add XSP(XA), sp, X(XA) ; ldr X(d), [X(XA)]);
        }
    }
    fn store_slot(&mut self, off: usize, s: Gpr) {
        let s = Aarch64::g(s);
        if off.is_multiple_of(8) && off <= 32760 {
            let off = off as u32;
            dynasm!(self.ops ; .arch aarch64 ; str X(s), [sp, off]);
        } else {
            self.imm(XA, off as i64);
            dynasm!(self.ops ; .arch aarch64 ; add XSP(XA), sp, X(XA) ; str X(s), [X(XA)]);
        }
    }
    fn load_arg(&mut self, d: Gpr, index: usize) {
        let d = Aarch64::g(d);
        let off = index * 8;
        if off <= 32760 {
            let off = off as u32;
            dynasm!(self.ops ; .arch aarch64 ; ldr X(d), [X(0), off]);
        } else {
            self.imm(XA, off as i64);
            dynasm!(self.ops ; .arch aarch64 ; ldr X(d), [X(0), X(XA)]);
        }
    }

    fn vload(&mut self, d: u8, a: Access, ty: Ty, w: Width) {
        let f64 = ty == Ty::F64;
        if w == Width::One {
            let r = self.addr(a);
            return self.load_one(d, r, a.dtype, ty);
        }
        match (a.dtype, f64, a.stride) {
            (DType::Float32, false, 1) | (DType::Float64, true, 1) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64 ; ldr Q(d), [X(r)]);
            }
            (DType::Float32, true, 1) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64 ; ldr D(d), [X(r)] ; fcvtl V(d).D2, V(d).S2);
            }
            (DType::Float64, false, 1) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; ldp Q(d), Q(S1), [X(r)]
                    ; fcvtn V(d).S2, V(d).D2
                    ; fcvtn2 V(d).S4, V(S1).D2);
            }
            (DType::Bool, false, 1) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; ldr S(d), [X(r)]
                    ; uxtl V(d).H8, V(d).B8
                    ; uxtl V(d).S4, V(d).H4
                    ; cmtst V(d).S4, V(d).S4, V(d).S4);
            }
            (DType::Bool, true, 1) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; ldr H(d), [X(r)]
                    ; uxtl V(d).H8, V(d).B8
                    ; uxtl V(d).S4, V(d).H4
                    ; uxtl V(d).D2, V(d).S2
                    ; cmtst V(d).D2, V(d).D2, V(d).D2);
            }
            (DType::Bool, _, 0) => {
                let b = Aarch64::g(a.base);
                dynasm!(self.ops ; .arch aarch64
                    ; ldrb W(XB), [X(b)]
                    ; cmp WSP(XB), 0
                    ; csetm X(XB), ne
                    ; dup V(d).D2, X(XB));
            }
            (DType::Float32, false, 0) => {
                let b = Aarch64::g(a.base);
                dynasm!(self.ops ; .arch aarch64 ; ld1r {V(d).S4 * 1}, [X(b)]);
            }
            (DType::Float64, true, 0) => {
                let b = Aarch64::g(a.base);
                dynasm!(self.ops ; .arch aarch64 ; ld1r {V(d).D2 * 1}, [X(b)]);
            }
            (_, _, 0) => {
                let b = Aarch64::g(a.base);
                self.load_one(d, b, a.dtype, ty);
                self.splat(d, ty);
            }
            (DType::Float32, false, _) => {
                let r = self.addr(a);
                self.lane_step(a);
                dynasm!(self.ops ; .arch aarch64 ; mov X(XA), X(r)
                    ; ld1 {V(d).S * 1}[0], [X(XA)], X(XB)
                    ; ld1 {V(d).S * 1}[1], [X(XA)], X(XB)
                    ; ld1 {V(d).S * 1}[2], [X(XA)], X(XB)
                    ; ld1 {V(d).S * 1}[3], [X(XA)]);
            }
            (DType::Float64, true, _) => {
                let r = self.addr(a);
                self.lane_step(a);
                dynasm!(self.ops ; .arch aarch64 ; mov X(XA), X(r)
                    ; ld1 {V(d).D * 1}[0], [X(XA)], X(XB)
                    ; ld1 {V(d).D * 1}[1], [X(XA)]);
            }
            (dt, _, stride) => self.fail(format!(
                "{} loads with stride {stride} into {ty:?}",
                dt.name()
            )),
        }
    }

    fn vstore(&mut self, a: Access, s: u8, ty: Ty, w: Width) {
        let f64 = ty == Ty::F64;
        match (a.dtype, w, a.stride, f64) {
            (DType::Float32, Width::Full, 1, false) | (DType::Float64, Width::Full, 1, true) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64 ; str Q(s), [X(r)]);
            }
            (DType::Float32, Width::One, _, false) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64 ; str S(s), [X(r)]);
            }
            (DType::Float64, Width::One, _, true) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64 ; str D(s), [X(r)]);
            }
            // Masks narrowed to bytes; all-ones bytes shifted down to 1.
            (DType::Bool, Width::Full, 1, false) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; xtn V(S1).H4, V(s).S4
                    ; xtn V(S1).B8, V(S1).H8
                    ; ushr V(S1).B8, V(S1).B8, 7
                    ; str S(S1), [X(r)]);
            }
            (DType::Bool, Width::Full, 1, true) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; xtn V(S1).S2, V(s).D2
                    ; xtn V(S1).H4, V(S1).S4
                    ; xtn V(S1).B8, V(S1).H8
                    ; ushr V(S1).B8, V(S1).B8, 7
                    ; str H(S1), [X(r)]);
            }
            (DType::Bool, Width::One, _, _) => {
                let r = self.addr(a);
                dynasm!(self.ops ; .arch aarch64
                    ; umov W(XB), V(s).B[0]
                    ; and WSP(XB), W(XB), 1
                    ; strb W(XB), [X(r)]);
            }
            (DType::Float32, Width::Full, _, false) => {
                let r = self.addr(a);
                self.lane_step(a);
                dynasm!(self.ops ; .arch aarch64 ; mov X(XA), X(r)
                    ; st1 {V(s).S * 1}[0], [X(XA)], X(XB)
                    ; st1 {V(s).S * 1}[1], [X(XA)], X(XB)
                    ; st1 {V(s).S * 1}[2], [X(XA)], X(XB)
                    ; st1 {V(s).S * 1}[3], [X(XA)]);
            }
            (DType::Float64, Width::Full, _, true) => {
                let r = self.addr(a);
                self.lane_step(a);
                dynasm!(self.ops ; .arch aarch64 ; mov X(XA), X(r)
                    ; st1 {V(s).D * 1}[0], [X(XA)], X(XB)
                    ; st1 {V(s).D * 1}[1], [X(XA)]);
            }
            (dt, _, stride, _) => self.fail(format!(
                "store of {} lanes with stride {stride} from {ty:?}",
                dt.name()
            )),
        }
    }

    fn vconst(&mut self, d: u8, bits: u64, ty: Ty) {
        if bits == 0 {
            dynasm!(self.ops ; .arch aarch64 ; eor V(d).B16, V(d).B16, V(d).B16);
            return;
        }
        let f64 = ty == Ty::F64;
        let l = match self.consts.iter().find(|c| c.0 == bits && c.1 == f64) {
            Some(&(_, _, l)) => l,
            None => {
                let l = self.ops.new_dynamic_label();
                self.consts.push((bits, f64, l));
                l
            }
        };
        dynasm!(self.ops ; .arch aarch64 ; ldr Q(d), =>l);
    }

    fn vop(&mut self, op: &Op, d: u8, args: &[u8], ty: Ty) {
        let f64 = ty == Ty::F64;
        match *op {
            Op::Fma(..) => {
                // d = a*b + c; fmla accumulates into its destination.
                let (a, b, c) = (args[0], args[1], args[2]);
                let acc = if d == c || (d != a && d != b) { d } else { S0 };
                self.mov_v(acc, c);
                if f64 {
                    dynasm!(self.ops ; .arch aarch64 ; fmla V(acc).D2, V(a).D2, V(b).D2);
                } else {
                    dynasm!(self.ops ; .arch aarch64 ; fmla V(acc).S4, V(a).S4, V(b).S4);
                }
                self.mov_v(d, acc);
            }
            Op::Sqrt(_) => {
                let a = args[0];
                if f64 {
                    dynasm!(self.ops ; .arch aarch64 ; fsqrt V(d).D2, V(a).D2);
                } else {
                    dynasm!(self.ops ; .arch aarch64 ; fsqrt V(d).S4, V(a).S4);
                }
            }
            Op::Round(_, mode) => {
                let a = args[0];
                macro_rules! rnd {
                    ($ins:ident) => {
                        if f64 {
                            dynasm!(self.ops ; .arch aarch64 ; $ins V(d).D2, V(a).D2)
                        } else {
                            dynasm!(self.ops ; .arch aarch64 ; $ins V(d).S4, V(a).S4)
                        }
                    };
                }
                match mode {
                    Round::Nearest => rnd!(frintn),
                    Round::Floor => rnd!(frintm),
                    Round::Ceil => rnd!(frintp),
                    Round::Trunc => rnd!(frintz),
                }
            }
            Op::Cmp(c, _, _) => self.cmp(c, d, args[0], args[1], f64),
            Op::Select(..) => {
                // mask ? a : b
                let (m, a, b) = (args[0], args[1], args[2]);
                if d == a && d != m {
                    dynasm!(self.ops ; .arch aarch64 ; bif V(d).B16, V(b).B16, V(m).B16);
                } else if d == b && d != m {
                    dynasm!(self.ops ; .arch aarch64 ; bit V(d).B16, V(a).B16, V(m).B16);
                } else {
                    self.mov_v(d, m);
                    dynasm!(self.ops ; .arch aarch64 ; bsl V(d).B16, V(a).B16, V(b).B16);
                }
            }
            Op::Shl(_, k) | Op::Shr(_, k) => {
                let a = args[0];
                let k = k as u32;
                let left = matches!(op, Op::Shl(..));
                match (left, f64) {
                    (true, false) => dynasm!(self.ops ; .arch aarch64 ; shl V(d).S4, V(a).S4, k),
                    (true, true) => dynasm!(self.ops ; .arch aarch64 ; shl V(d).D2, V(a).D2, k),
                    (false, false) => {
                        dynasm!(self.ops ; .arch aarch64 ; ushr V(d).S4, V(a).S4, k)
                    }
                    (false, true) => {
                        dynasm!(self.ops ; .arch aarch64 ; ushr V(d).D2, V(a).D2, k)
                    }
                }
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
        self.binop(&f.op(), acc, acc, x, ty == Ty::F64);
    }

    fn vspill(&mut self, off: usize, r: u8) {
        let (b, o) = self.sp_q(off);
        if b == 31 {
            dynasm!(self.ops ; .arch aarch64 ; str Q(r), [sp, o]);
        } else {
            dynasm!(self.ops ; .arch aarch64 ; str Q(r), [X(b)]);
        }
    }
    fn vreload(&mut self, r: u8, off: usize) {
        let (b, o) = self.sp_q(off);
        if b == 31 {
            dynasm!(self.ops ; .arch aarch64 ; ldr Q(r), [sp, o]);
        } else {
            dynasm!(self.ops ; .arch aarch64 ; ldr Q(r), [X(b)]);
        }
    }

    fn hreduce(&mut self, f: Fold, r: u8, ty: Ty) {
        dynasm!(self.ops ; .arch aarch64 ; ext V(S0).B16, V(r).B16, V(r).B16, 8);
        self.vfold(f, r, S0, ty);
        if ty != Ty::F64 {
            dynasm!(self.ops ; .arch aarch64 ; ext V(S0).B16, V(r).B16, V(r).B16, 4);
            self.vfold(f, r, S0, ty);
        }
    }

    fn splat(&mut self, r: u8, ty: Ty) {
        if ty == Ty::F64 {
            dynasm!(self.ops ; .arch aarch64 ; dup V(r).D2, V(r).D[0]);
        } else {
            dynasm!(self.ops ; .arch aarch64 ; dup V(r).S4, V(r).S[0]);
        }
    }

    fn finish(mut self: Box<Self>) -> Result<Code, String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let text_len = self.ops.offset().0;
        let consts = std::mem::take(&mut self.consts);
        dynasm!(self.ops ; .arch aarch64 ; .align 16);
        for (bits, f64, l) in consts {
            dynasm!(self.ops ; .arch aarch64 ; =>l);
            self.ops.extend(super::splat_bytes(bits, f64, 16));
        }
        let bytes = self
            .ops
            .finalize()
            .map_err(|e| format!("AArch64 assembly: {e:?}"))?;
        Ok(Code { bytes, text_len })
    }
}
