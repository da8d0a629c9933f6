//! The vector IR: a block of the loop IR expanded into the primitive lane operations both
//! code emitters implement. Transcendentals are expanded here (`math.rs`), once for both
//! instruction sets. Values are SSA (a value's number is its position).

use super::loop_ir::{Affine, Ty};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    Eq,
    /// Not equal, or unordered (PyTorch's `!=` is true for NaN).
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Either operand is NaN.
    Unord,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Round {
    Nearest,
    Floor,
    Ceil,
    Trunc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fold {
    Add,
    Mul,
    Max,
    Min,
    And,
    Or,
}

impl Fold {
    /// The lane op that folds one value into another.
    pub fn op(self) -> Op {
        match self {
            Fold::Add => Op::Add(0, 0),
            Fold::Mul => Op::Mul(0, 0),
            Fold::Max => Op::Max(0, 0),
            Fold::Min => Op::Min(0, 0),
            Fold::And => Op::And(0, 0),
            Fold::Or => Op::Or(0, 0),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// One lane per element along the innermost loop (or lane 0 only, in tails and post
    /// blocks), converted from the argument's dtype.
    Load {
        arg: usize,
        index: Affine,
    },
    Store {
        arg: usize,
        index: Affine,
        x: u32,
    },
    /// A constant's bit pattern in every lane (f32/f64 bits by the kernel's width).
    Const(u64),
    /// The finished value of an accumulator, in every lane.
    AccGet(usize),
    /// Fold a value into an accumulator's register.
    AccFold(usize, u32),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    /// `a * b + c`.
    Fma(u32, u32, u32),
    /// Min/max: when either operand is NaN the result is the second operand or NaN.
    Min(u32, u32),
    Max(u32, u32),
    Sqrt(u32),
    Round(u32, Round),
    /// All-ones / all-zeros lanes.
    Cmp(Cmp, u32, u32),
    And(u32, u32),
    Or(u32, u32),
    Xor(u32, u32),
    /// `!a & b`.
    AndNot(u32, u32),
    /// `mask ? a : b`.
    Select(u32, u32, u32),
    /// Integer lanes of the kernel's width.
    IAdd(u32, u32),
    ISub(u32, u32),
    Shl(u32, u8),
    /// Logical shift right.
    Shr(u32, u8),
    /// Integer lane equality, as a mask.
    IEq(u32, u32),
}

impl Op {
    pub fn args(&self) -> Vec<u32> {
        use Op::*;
        match *self {
            Load { .. } | Const(_) | AccGet(_) => vec![],
            Store { x, .. } | AccFold(_, x) => vec![x],
            Sqrt(a) | Round(a, _) | Shl(a, _) | Shr(a, _) => vec![a],
            Add(a, b)
            | Sub(a, b)
            | Mul(a, b)
            | Div(a, b)
            | Min(a, b)
            | Max(a, b)
            | Cmp(_, a, b)
            | And(a, b)
            | Or(a, b)
            | Xor(a, b)
            | AndNot(a, b)
            | IAdd(a, b)
            | ISub(a, b)
            | IEq(a, b) => {
                vec![a, b]
            }
            Fma(a, b, c) | Select(a, b, c) => vec![a, b, c],
        }
    }

    /// Whether the op writes memory or an accumulator (kept even when its value is unused).
    pub fn has_effect(&self) -> bool {
        matches!(self, Op::Store { .. } | Op::AccFold(..))
    }
}

/// A block under construction, with the kernel's float width for constants.
pub struct Builder {
    pub ops: Vec<Op>,
    pub ty: Ty,
    consts: Vec<(u64, u32)>,
}

impl Builder {
    pub fn new(ty: Ty) -> Builder {
        Builder {
            ops: vec![],
            ty,
            consts: vec![],
        }
    }

    pub fn push(&mut self, op: Op) -> u32 {
        self.ops.push(op);
        (self.ops.len() - 1) as u32
    }

    pub fn is_f64(&self) -> bool {
        self.ty == Ty::F64
    }

    /// A float constant in the kernel's width (deduplicated within the block).
    pub fn c(&mut self, v: f64) -> u32 {
        self.bits(lane_bits(v, self.ty))
    }

    pub fn bits(&mut self, bits: u64) -> u32 {
        if let Some(&(_, n)) = self.consts.iter().find(|(b, _)| *b == bits) {
            return n;
        }
        let n = self.push(Op::Const(bits));
        self.consts.push((bits, n));
        n
    }

    /// An integer-lane constant of the kernel's width.
    pub fn int(&mut self, v: i64) -> u32 {
        let bits = if self.is_f64() {
            v as u64
        } else {
            v as u32 as u64
        };
        self.bits(bits)
    }

    pub fn all_ones(&mut self) -> u32 {
        self.int(-1)
    }

    pub fn sign_mask(&mut self) -> u32 {
        if self.is_f64() {
            self.bits(1 << 63)
        } else {
            self.bits(1 << 31)
        }
    }

    pub fn add(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Add(a, b))
    }
    pub fn sub(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Sub(a, b))
    }
    pub fn mul(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Mul(a, b))
    }
    pub fn div(&mut self, a: u32, b: u32) -> u32 {
        self.push(Op::Div(a, b))
    }
    pub fn fma(&mut self, a: u32, b: u32, c: u32) -> u32 {
        self.push(Op::Fma(a, b, c))
    }
    pub fn select(&mut self, m: u32, a: u32, b: u32) -> u32 {
        self.push(Op::Select(m, a, b))
    }
    pub fn cmp(&mut self, c: Cmp, a: u32, b: u32) -> u32 {
        self.push(Op::Cmp(c, a, b))
    }
    pub fn neg(&mut self, a: u32) -> u32 {
        let s = self.sign_mask();
        self.push(Op::Xor(a, s))
    }
    pub fn abs(&mut self, a: u32) -> u32 {
        let s = self.sign_mask();
        self.push(Op::AndNot(s, a))
    }

    /// Horner: `coeffs[0] + x*(coeffs[1] + x*(...))`.
    pub fn poly(&mut self, x: u32, coeffs: &[f64]) -> u32 {
        let mut acc = self.c(coeffs[coeffs.len() - 1]);
        for &k in coeffs[..coeffs.len() - 1].iter().rev() {
            let kc = self.c(k);
            acc = self.fma(acc, x, kc);
        }
        acc
    }
}

/// The bits of `v` in one lane of a kernel computing in `ty`.
pub fn lane_bits(v: f64, ty: Ty) -> u64 {
    if ty == Ty::F64 {
        v.to_bits()
    } else {
        (v as f32).to_bits() as u64
    }
}
