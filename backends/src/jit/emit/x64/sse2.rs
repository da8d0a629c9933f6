//! The x86-64 fallback for CPUs without AVX2 + FMA: SSE2 only, which every x86-64 CPU has.
//! 128-bit vectors (4 f32 / 2 f64 lanes), two-operand instructions (the destination is also
//! the first source), xmm12..xmm15 scratch. What SSE2 lacks is built from what it has:
//! rounding from the 2^23 / 2^52 addition trick, blends from and/andn/or, FMA as a multiply
//! then an add, 64-bit lane equality from 32-bit compares, and bool stores from a multiply
//! that spreads mask bits into bytes (no BMI2 `pdep`).

use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};
use smelt_tracer::DType;

use super::super::super::loop_ir::Ty;
use super::super::super::vir::{Cmp, Fold, Op, Round};
use super::super::{Access, Width};
use super::{R11, RCX, RDX, X64, lane_step};

/// Scratch xmm registers: the allocator hands out xmm0..xmm11.
const X0: u8 = 12;
const X1: u8 = 13;
const X2: u8 = 14;
const X3: u8 = 15;

// `pshufd` selectors (dynasm takes a signed imm8).
/// Dwords (1, 0, 3, 2): each 64-bit lane's halves swapped.
const SWAP_PAIRS: i8 = 0xB1u8 as i8;
/// Dwords (0, 0, 2, 2): each 64-bit lane filled with its low half.
const EVEN_DWORDS: i8 = 0xA0u8 as i8;
/// Dword 1 (2, 3) in every lane.
const LANE1: i8 = 0x55;
const LANE2: i8 = 0xAAu8 as i8;
const LANE3: i8 = 0xFFu8 as i8;

/// `cmpps`/`cmppd` predicates: 0 eq, 1 lt, 2 le, 3 unord, 4 neq.
fn predicate(c: Cmp) -> (bool, i8) {
    // (swap the operands, immediate): SSE has no gt/ge predicates.
    match c {
        Cmp::Eq => (false, 0),
        Cmp::Lt => (false, 1),
        Cmp::Le => (false, 2),
        Cmp::Unord => (false, 3),
        Cmp::Ne => (false, 4),
        Cmp::Gt => (true, 1),
        Cmp::Ge => (true, 2),
    }
}

impl X64 {
    pub(super) fn sse_vregs() -> Vec<u8> {
        (0..12).collect()
    }

    fn movaps(&mut self, d: u8, s: u8) {
        if d != s {
            dynasm!(self.ops ; .arch x64 ; movaps Rx(d), Rx(s));
        }
    }

    /// `d = x op y` for a two-operand instruction `op dst, src` (dst = dst op src); `commutes`
    /// when the operands may trade places.
    fn two(&mut self, d: u8, x: u8, y: u8, commutes: bool, op: impl Fn(&mut X64, u8, u8)) {
        if d == x {
            op(self, d, y);
        } else if d == y && commutes {
            op(self, d, x);
        } else if d == y {
            self.movaps(X3, x);
            op(self, X3, y);
            self.movaps(d, X3);
        } else {
            self.movaps(d, x);
            op(self, d, y);
        }
    }

    fn const_reg(&mut self, d: u8, bits: u64, f64: bool) {
        let l = self.const_label(bits, f64);
        dynasm!(self.ops ; .arch x64 ; movaps Rx(d), [=>l]);
    }

    fn sse_binop(&mut self, op: &Op, d: u8, a: u8, b: u8, f64: bool) {
        // Min/max return their second operand when either is NaN: they do not commute.
        let commutes = !matches!(
            op,
            Op::Sub(..) | Op::Div(..) | Op::Min(..) | Op::Max(..) | Op::AndNot(..) | Op::ISub(..)
        );
        macro_rules! pick {
            ($ps:ident, $pd:ident) => {
                self.two(d, a, b, commutes, |s, x, y| {
                    if f64 {
                        dynasm!(s.ops ; .arch x64 ; $pd Rx(x), Rx(y))
                    } else {
                        dynasm!(s.ops ; .arch x64 ; $ps Rx(x), Rx(y))
                    }
                })
            };
        }
        match op {
            Op::Add(..) => pick!(addps, addpd),
            Op::Sub(..) => pick!(subps, subpd),
            Op::Mul(..) => pick!(mulps, mulpd),
            Op::Div(..) => pick!(divps, divpd),
            Op::Min(..) => pick!(minps, minpd),
            Op::Max(..) => pick!(maxps, maxpd),
            Op::And(..) => pick!(andps, andpd),
            Op::Or(..) => pick!(orps, orpd),
            Op::Xor(..) => pick!(xorps, xorpd),
            Op::AndNot(..) => pick!(andnps, andnpd),
            Op::IAdd(..) => pick!(paddd, paddq),
            Op::ISub(..) => pick!(psubd, psubq),
            Op::IEq(..) if f64 => {
                // Both 32-bit halves equal: compare dwords, AND each with its neighbour.
                self.two(d, a, b, true, |s, x, y| {
                    dynasm!(s.ops ; .arch x64
                        ; pcmpeqd Rx(x), Rx(y)
                        ; pshufd Rx(X2), Rx(x), SWAP_PAIRS
                        ; pand Rx(x), Rx(X2))
                })
            }
            Op::IEq(..) => pick!(pcmpeqd, pcmpeqd),
            _ => unreachable!("not a binary lane op: {op:?}"),
        }
    }

    /// Lanes holding 0/1 integers (in the low dword of each lane) -> all-zeros/all-ones.
    fn sse_nonzero_mask(&mut self, d: u8, ty: Ty) {
        dynasm!(self.ops ; .arch x64 ; pxor Rx(X2), Rx(X2) ; pcmpeqd Rx(d), Rx(X2));
        if ty == Ty::F64 {
            // The low dword's verdict for the whole 64-bit lane.
            dynasm!(self.ops ; .arch x64 ; pshufd Rx(d), Rx(d), EVEN_DWORDS);
        }
        dynasm!(self.ops ; .arch x64 ; pcmpeqd Rx(X2), Rx(X2) ; pxor Rx(d), Rx(X2));
    }

    /// Load 1 lane of storage dtype `dt` from [RDX] into xmm `d`.
    fn sse_load_one(&mut self, d: u8, dt: DType, ty: Ty) {
        match (dt, ty) {
            (DType::Float32, Ty::F32) => dynasm!(self.ops ; .arch x64 ; movss Rx(d), [Rq(RDX)]),
            (DType::Float64, Ty::F64) => dynasm!(self.ops ; .arch x64 ; movsd Rx(d), [Rq(RDX)]),
            (DType::Float32, Ty::F64) => dynasm!(self.ops ; .arch x64
                ; movss Rx(d), [Rq(RDX)] ; cvtss2sd Rx(d), Rx(d)),
            (DType::Float64, Ty::F32) => dynasm!(self.ops ; .arch x64
                ; movsd Rx(d), [Rq(RDX)] ; cvtsd2ss Rx(d), Rx(d)),
            (DType::Bool, _) => {
                dynasm!(self.ops ; .arch x64 ; movzx Rd(R11), BYTE [Rq(RDX)] ; movd Rx(d), Rd(R11));
                self.sse_nonzero_mask(d, ty);
            }
            _ => self.fail(format!("load of {} into {ty:?}", dt.name())),
        }
    }

    pub(super) fn sse_vload(&mut self, d: u8, a: Access, ty: Ty, w: Width) {
        let b = X64::g(a.base);
        if w == Width::One {
            self.addr_rdx(a);
            self.sse_load_one(d, a.dtype, ty);
            return;
        }
        match (a.dtype, ty, a.stride) {
            (DType::Float32, Ty::F32, 1) => {
                dynasm!(self.ops ; .arch x64 ; movups Rx(d), [Rq(b) + Rq(RCX) * 4])
            }
            (DType::Float64, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64 ; movupd Rx(d), [Rq(b) + Rq(RCX) * 8])
            }
            (DType::Float32, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64 ; cvtps2pd Rx(d), QWORD [Rq(b) + Rq(RCX) * 4])
            }
            // Legacy-SSE memory operands of 16 bytes must be aligned: load, then convert.
            (DType::Float64, Ty::F32, 1) => dynasm!(self.ops ; .arch x64
                ; lea Rq(RDX), [Rq(b) + Rq(RCX) * 8]
                ; movupd Rx(d), [Rq(RDX)]
                ; cvtpd2ps Rx(d), Rx(d)
                ; movupd Rx(X0), [Rq(RDX) + 16]
                ; cvtpd2ps Rx(X0), Rx(X0)
                ; movlhps Rx(d), Rx(X0)),
            (DType::Bool, Ty::F64, 1) => {
                dynasm!(self.ops ; .arch x64
                    ; movzx Rd(R11), WORD [Rq(b) + Rq(RCX)]
                    ; movd Rx(d), Rd(R11)
                    ; pxor Rx(X0), Rx(X0)
                    ; punpcklbw Rx(d), Rx(X0)
                    ; punpcklwd Rx(d), Rx(X0)
                    ; punpckldq Rx(d), Rx(X0));
                self.sse_nonzero_mask(d, ty);
            }
            (DType::Bool, _, 1) => {
                dynasm!(self.ops ; .arch x64
                    ; movd Rx(d), DWORD [Rq(b) + Rq(RCX)]
                    ; pxor Rx(X0), Rx(X0)
                    ; punpcklbw Rx(d), Rx(X0)
                    ; punpcklwd Rx(d), Rx(X0));
                self.sse_nonzero_mask(d, ty);
            }
            (DType::Bool, _, 0) => dynasm!(self.ops ; .arch x64
                ; movzx Rd(R11), BYTE [Rq(b)]
                ; neg Rq(R11)
                ; movq Rx(d), Rq(R11)
                ; punpcklqdq Rx(d), Rx(d)),
            (_, _, 0) => {
                self.addr_rdx(a);
                self.sse_load_one(d, a.dtype, ty);
                self.sse_splat(d, ty);
            }
            (DType::Bool, _, _) => self.fail("strided bool loads".into()),
            (dt, t, _)
                if (dt == DType::Float32 && t == Ty::F32)
                    || (dt == DType::Float64 && t == Ty::F64) =>
            {
                let Some(step) = lane_step(a) else {
                    return self.fail("stride too large for x86 addressing".into());
                };
                self.addr_rdx(a);
                if t == Ty::F64 {
                    dynasm!(self.ops ; .arch x64
                        ; movsd Rx(d), [Rq(RDX)]
                        ; movhpd Rx(d), [Rq(RDX) + step]);
                } else {
                    dynasm!(self.ops ; .arch x64
                        ; movss Rx(d), [Rq(RDX)]
                        ; movss Rx(X0), [Rq(RDX) + step]
                        ; unpcklps Rx(d), Rx(X0)
                        ; movss Rx(X0), [Rq(RDX) + 2 * step]
                        ; movss Rx(X1), [Rq(RDX) + 3 * step]
                        ; unpcklps Rx(X0), Rx(X1)
                        ; movlhps Rx(d), Rx(X0));
                }
            }
            (dt, _, stride) => self.fail(format!(
                "{} loads with stride {stride} into {ty:?}",
                dt.name()
            )),
        }
    }

    pub(super) fn sse_vstore(&mut self, a: Access, s: u8, ty: Ty, w: Width) {
        let b = X64::g(a.base);
        match (a.dtype, w, a.stride) {
            (DType::Float32, Width::Full, 1) if ty == Ty::F32 => {
                dynasm!(self.ops ; .arch x64 ; movups [Rq(b) + Rq(RCX) * 4], Rx(s))
            }
            (DType::Float64, Width::Full, 1) if ty == Ty::F64 => {
                dynasm!(self.ops ; .arch x64 ; movupd [Rq(b) + Rq(RCX) * 8], Rx(s))
            }
            (DType::Float32, Width::One, _) if ty == Ty::F32 => {
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64 ; movss [Rq(RDX)], Rx(s));
            }
            (DType::Float64, Width::One, _) if ty == Ty::F64 => {
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64 ; movsd [Rq(RDX)], Rx(s));
            }
            // Mask bit k -> byte k: multiplying by Σ 2^(7k) moves bit k to bit 8k, and the
            // partial products never meet at a multiple of 8, so nothing carries into them.
            (DType::Bool, Width::Full, 1) => {
                if ty == Ty::F64 {
                    self.movmsk(R11, s, true);
                    dynasm!(self.ops ; .arch x64
                        ; imul Rd(R11), Rd(R11), 0x81
                        ; and Rd(R11), 0x0101
                        ; mov [Rq(b) + Rq(RCX)], Rw(R11));
                } else {
                    self.movmsk(R11, s, false);
                    dynasm!(self.ops ; .arch x64
                        ; imul Rd(R11), Rd(R11), 0x0020_4081
                        ; and Rd(R11), 0x0101_0101
                        ; mov [Rq(b) + Rq(RCX)], Rd(R11));
                }
            }
            (DType::Bool, Width::One, _) => {
                self.addr_rdx(a);
                self.movmsk(R11, s, false);
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
                    ; movss [Rq(RDX)], Rx(s)
                    ; pshufd Rx(X0), Rx(s), LANE1
                    ; movss [Rq(RDX) + step], Rx(X0)
                    ; pshufd Rx(X0), Rx(s), LANE2
                    ; movss [Rq(RDX) + 2 * step], Rx(X0)
                    ; pshufd Rx(X0), Rx(s), LANE3
                    ; movss [Rq(RDX) + 3 * step], Rx(X0));
            }
            (DType::Float64, Width::Full, _) if ty == Ty::F64 => {
                let Some(step) = lane_step(a) else {
                    return self.fail("stride too large for x86 addressing".into());
                };
                self.addr_rdx(a);
                dynasm!(self.ops ; .arch x64
                    ; movsd [Rq(RDX)], Rx(s)
                    ; movhpd [Rq(RDX) + step], Rx(s));
            }
            (dt, _, _) => self.fail(format!(
                "store of {} lanes with stride {}",
                dt.name(),
                a.stride
            )),
        }
    }

    /// `movmskps/pd r32, xmm` (0F 50 /r, 66 for pd), encoded by hand: dynasm 5.1 rejects it.
    fn movmsk(&mut self, dst: u8, src: u8, pd: bool) {
        if pd {
            self.ops.push(0x66);
        }
        let rex = 0x40 | if dst & 8 != 0 { 4 } else { 0 } | if src & 8 != 0 { 1 } else { 0 };
        if rex != 0x40 {
            self.ops.push(rex);
        }
        self.ops
            .extend([0x0F, 0x50, 0xC0 | ((dst & 7) << 3) | (src & 7)]);
    }

    pub(super) fn sse_vconst(&mut self, d: u8, bits: u64, ty: Ty) {
        if bits == 0 {
            dynasm!(self.ops ; .arch x64 ; xorps Rx(d), Rx(d));
        } else {
            self.const_reg(d, bits, ty == Ty::F64);
        }
    }

    pub(super) fn sse_vop(&mut self, op: &Op, d: u8, args: &[u8], ty: Ty) {
        let f64 = ty == Ty::F64;
        match *op {
            Op::Fma(..) => {
                // Unfused: x86-64 baseline has no FMA (one extra rounding of the product).
                let (a, b, c) = (args[0], args[1], args[2]);
                let t = if d == b || d == c { X0 } else { d };
                self.movaps(t, a);
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; mulpd Rx(t), Rx(b) ; addpd Rx(t), Rx(c));
                } else {
                    dynasm!(self.ops ; .arch x64 ; mulps Rx(t), Rx(b) ; addps Rx(t), Rx(c));
                }
                self.movaps(d, t);
            }
            Op::Sqrt(_) => {
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; sqrtpd Rx(d), Rx(args[0]));
                } else {
                    dynasm!(self.ops ; .arch x64 ; sqrtps Rx(d), Rx(args[0]));
                }
            }
            Op::Round(_, mode) => self.sse_round(d, args[0], mode, f64),
            Op::Cmp(c, _, _) => {
                let (swap, imm) = predicate(c);
                let (x, y) = if swap {
                    (args[1], args[0])
                } else {
                    (args[0], args[1])
                };
                self.two(d, x, y, false, |s, x, y| {
                    if f64 {
                        dynasm!(s.ops ; .arch x64 ; cmppd Rx(x), Rx(y), imm);
                    } else {
                        dynasm!(s.ops ; .arch x64 ; cmpps Rx(x), Rx(y), imm);
                    }
                });
            }
            Op::Select(..) => {
                // (a & m) | (b & !m)
                let (m, a, b) = (args[0], args[1], args[2]);
                dynasm!(self.ops ; .arch x64
                    ; movaps Rx(X0), Rx(m)
                    ; andps Rx(X0), Rx(a)
                    ; movaps Rx(X1), Rx(m)
                    ; andnps Rx(X1), Rx(b)
                    ; orps Rx(X0), Rx(X1));
                self.movaps(d, X0);
            }
            Op::Shl(_, k) | Op::Shr(_, k) => {
                self.movaps(d, args[0]);
                let k = k as i8;
                match (matches!(op, Op::Shl(..)), f64) {
                    (true, true) => dynasm!(self.ops ; .arch x64 ; psllq Rx(d), k),
                    (true, false) => dynasm!(self.ops ; .arch x64 ; pslld Rx(d), k),
                    (false, true) => dynasm!(self.ops ; .arch x64 ; psrlq Rx(d), k),
                    (false, false) => dynasm!(self.ops ; .arch x64 ; psrld Rx(d), k),
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
            | Op::IEq(..) => self.sse_binop(op, d, args[0], args[1], f64),
            Op::Load { .. } | Op::Store { .. } | Op::Const(_) | Op::AccGet(_) | Op::AccFold(..) => {
                unreachable!("memory ops go through their own emitter calls")
            }
        }
    }

    /// Round without SSE4.1's `roundps`: `(|a| + 2^m) - 2^m` rounds |a| to nearest-even while
    /// |a| < 2^m (m the mantissa bits; larger values, infinities and NaN are already whole),
    /// then the sign goes back on (keeping -0.0) and floor/ceil/trunc step by one where the
    /// nearest integer overshot.
    fn sse_round(&mut self, d: u8, a: u8, mode: Round, f64: bool) {
        let (abs, sign, big, one) = if f64 {
            (
                0x7FFF_FFFF_FFFF_FFFF,
                0x8000_0000_0000_0000,
                0x4330_0000_0000_0000u64,
                0x3FF0_0000_0000_0000u64,
            )
        } else {
            (0x7FFF_FFFF, 0x8000_0000, 0x4B00_0000, 0x3F80_0000)
        };
        let big = self.const_label(big, f64);
        let one = self.const_label(one, f64);
        macro_rules! op {
            ($ps:ident, $pd:ident, $x:expr, $y:expr) => {
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; $pd Rx($x), Rx($y))
                } else {
                    dynasm!(self.ops ; .arch x64 ; $ps Rx($x), Rx($y))
                }
            };
            ($ps:ident, $pd:ident, $x:expr, label $l:expr) => {
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; $pd Rx($x), [=>$l])
                } else {
                    dynasm!(self.ops ; .arch x64 ; $ps Rx($x), [=>$l])
                }
            };
        }
        macro_rules! lt {
            ($x:expr, $y:expr) => {
                if f64 {
                    dynasm!(self.ops ; .arch x64 ; cmppd Rx($x), Rx($y), 1)
                } else {
                    dynasm!(self.ops ; .arch x64 ; cmpps Rx($x), Rx($y), 1)
                }
            };
        }
        // X0 = |a|; X1 = nearest(|a|)
        self.const_reg(X0, abs, f64);
        op!(andps, andpd, X0, a);
        self.movaps(X1, X0);
        op!(addps, addpd, X1, label big);
        op!(subps, subpd, X1, label big);
        if mode == Round::Trunc {
            // X1 -= (|a| < X1) ? 1 : 0
            self.movaps(X2, X0);
            lt!(X2, X1);
            op!(andps, andpd, X2, label one);
            op!(subps, subpd, X1, X2);
        }
        // Keep |a| itself where it is not below 2^m.
        self.movaps(X3, X0);
        if f64 {
            dynasm!(self.ops ; .arch x64 ; cmppd Rx(X3), [=>big], 1);
        } else {
            dynasm!(self.ops ; .arch x64 ; cmpps Rx(X3), [=>big], 1);
        }
        op!(andps, andpd, X1, X3);
        op!(andnps, andnpd, X3, X0);
        op!(orps, orpd, X1, X3);
        // The sign of a, on before the floor/ceil step (it compares signed values) and again
        // after it (adding 0 or 1 can turn -0.0 into 0.0).
        self.const_reg(X0, sign, f64);
        op!(andps, andpd, X0, a);
        op!(orps, orpd, X1, X0);
        match mode {
            Round::Floor => {
                self.movaps(X2, a);
                lt!(X2, X1);
                op!(andps, andpd, X2, label one);
                op!(subps, subpd, X1, X2);
            }
            Round::Ceil => {
                self.movaps(X2, X1);
                lt!(X2, a);
                op!(andps, andpd, X2, label one);
                op!(addps, addpd, X1, X2);
            }
            Round::Nearest | Round::Trunc => {}
        }
        if matches!(mode, Round::Floor | Round::Ceil) {
            op!(orps, orpd, X1, X0);
        }
        self.movaps(d, X1);
    }

    pub(super) fn sse_vfold(&mut self, f: Fold, acc: u8, x: u8, ty: Ty) {
        self.sse_binop(&f.op(), acc, acc, x, ty == Ty::F64);
    }

    pub(super) fn sse_hreduce(&mut self, f: Fold, r: u8, ty: Ty) {
        dynasm!(self.ops ; .arch x64 ; movhlps Rx(X0), Rx(r));
        self.sse_vfold(f, r, X0, ty);
        if ty != Ty::F64 {
            dynasm!(self.ops ; .arch x64 ; pshufd Rx(X0), Rx(r), LANE1);
            self.sse_vfold(f, r, X0, ty);
        }
    }

    pub(super) fn sse_splat(&mut self, r: u8, ty: Ty) {
        if ty == Ty::F64 {
            dynasm!(self.ops ; .arch x64 ; movlhps Rx(r), Rx(r));
        } else {
            dynasm!(self.ops ; .arch x64 ; shufps Rx(r), Rx(r), 0);
        }
    }
}
