//! Every tracer op in a compiled kernel: whether it compiles, what its operands are
//! converted to, and its expansion into vector-IR ops. The matches are exhaustive, so a new
//! op in the tracer's enums stops the build here until the JIT knows what to do with it.

use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

use super::loop_ir::Ty;
use super::math;
use super::vir::{self, Builder, Cmp, Fold, Op};

/// The type a unary op's operand is converted to, given the op's result type.
pub fn unary_input(op: UnaryOp, out: Ty) -> Ty {
    match op {
        UnaryOp::LogicalNot | UnaryOp::BitwiseNot => Ty::Mask,
        _ => out,
    }
}

pub fn unary_supported(op: UnaryOp, input: Ty) -> bool {
    use UnaryOp::*;
    match op {
        LogicalNot | BitwiseNot => input == Ty::Mask,
        // Abramowitz-Stegun is only f32-accurate.
        Erf | Gelu => input == Ty::F32,
        Neg | Abs | Exp | Log | Log1p | Expm1 | Sqrt | Rsqrt | Sin | Cos | Tan | Tanh | Sigmoid
        | Relu | GeluTanh | Silu | Floor | Ceil | Round | Trunc | Sign | Reciprocal => {
            input != Ty::Mask
        }
    }
}

/// The type a binary op's operands are converted to in a kernel computing in `ty`.
pub fn binary_input(op: BinaryOp, ty: Ty) -> Ty {
    use BinaryOp::*;
    match op {
        LogicalAnd | LogicalOr | LogicalXor | BitwiseAnd | BitwiseOr | BitwiseXor => Ty::Mask,
        Add | Sub | Mul | Div | FloorDivide | Remainder | Pow | Atan2 | Maximum | Minimum | Eq
        | Ne | Lt | Le | Gt | Ge => ty,
    }
}

/// The type a binary op's expansion yields from operands of type `input`: comparisons and
/// logical ops give masks, arithmetic keeps its operands' type. A bool-valued arithmetic node
/// (`b + b`, `maximum(b, b)`) computes in the kernel's float type and is then that value != 0,
/// which is PyTorch's bool arithmetic (add and max are or, mul and min are and).
pub fn binary_output(op: BinaryOp, input: Ty) -> Ty {
    use BinaryOp::*;
    match op {
        Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor => Ty::Mask,
        BitwiseAnd | BitwiseOr | BitwiseXor | Add | Sub | Mul | Div | FloorDivide | Remainder
        | Pow | Atan2 | Maximum | Minimum => input,
    }
}

pub fn binary_supported(op: BinaryOp, _input: Ty) -> bool {
    // A general `pow` (negative bases, integer exponents) is left to eager; the Python
    // lowering turns constant exponents into multiplies and square roots first. Floor
    // division and remainder are PyTorch's exact-fmod forms, which floor(a / b) only
    // approximates: left to eager too.
    !matches!(
        op,
        BinaryOp::Pow | BinaryOp::Atan2 | BinaryOp::FloorDivide | BinaryOp::Remainder
    )
}

pub fn lower_unary(b: &mut Builder, op: UnaryOp, x: u32) -> u32 {
    use UnaryOp::*;
    match op {
        Neg => b.neg(x),
        Abs => b.abs(x),
        Exp => math::exp(b, x),
        Log => math::log(b, x),
        Log1p => math::log1p(b, x),
        Expm1 => math::expm1(b, x),
        Sqrt => b.push(Op::Sqrt(x)),
        Rsqrt => {
            let s = b.push(Op::Sqrt(x));
            let one = b.c(1.0);
            b.div(one, s)
        }
        Sin => math::sin(b, x),
        Cos => math::cos(b, x),
        Tan => math::tan(b, x),
        Tanh => math::tanh(b, x),
        Sigmoid => math::sigmoid(b, x),
        // max(0, x) keeps a NaN x (second operand).
        Relu => {
            let zero = b.c(0.0);
            b.push(Op::Max(zero, x))
        }
        Gelu => {
            let k = b.c(std::f64::consts::FRAC_1_SQRT_2);
            let t = b.mul(x, k);
            let e = math::erf(b, t);
            half_x_one_plus(b, x, e)
        }
        GeluTanh => {
            let k = b.c((2.0 / std::f64::consts::PI).sqrt());
            let c = b.c(0.044715);
            let x2 = b.mul(x, x);
            let x3 = b.mul(x2, x);
            let inner = b.fma(x3, c, x);
            let inner = b.mul(inner, k);
            let t = math::tanh(b, inner);
            half_x_one_plus(b, x, t)
        }
        Silu => {
            let s = math::sigmoid(b, x);
            b.mul(x, s)
        }
        Erf => math::erf(b, x),
        Floor => b.push(Op::Round(x, vir::Round::Floor)),
        Ceil => b.push(Op::Round(x, vir::Round::Ceil)),
        Round => b.push(Op::Round(x, vir::Round::Nearest)),
        Trunc => b.push(Op::Round(x, vir::Round::Trunc)),
        // PyTorch's (0 < x) - (x < 0): +0 for both zeros and for NaN.
        Sign => {
            let zero = b.c(0.0);
            let one = b.c(1.0);
            let mone = b.c(-1.0);
            let pos = b.cmp(Cmp::Gt, x, zero);
            let neg = b.cmp(Cmp::Lt, x, zero);
            let r = b.select(neg, mone, zero);
            b.select(pos, one, r)
        }
        Reciprocal => {
            let one = b.c(1.0);
            b.div(one, x)
        }
        LogicalNot | BitwiseNot => {
            let ones = b.all_ones();
            b.push(Op::Xor(x, ones))
        }
    }
}

/// GELU's outer form, `0.5 x (1 + t)`.
fn half_x_one_plus(b: &mut Builder, x: u32, t: u32) -> u32 {
    let one = b.c(1.0);
    let half = b.c(0.5);
    let s = b.add(one, t);
    let hx = b.mul(x, half);
    b.mul(hx, s)
}

pub fn lower_binary(b: &mut Builder, op: BinaryOp, x: u32, y: u32) -> u32 {
    use BinaryOp::*;
    match op {
        Add => b.add(x, y),
        Sub => b.sub(x, y),
        Mul => b.mul(x, y),
        Div => b.div(x, y),
        Pow | Atan2 | FloorDivide | Remainder => {
            unreachable!("not compiled (binary_supported)")
        }
        Maximum | Minimum => {
            let m = if op == Maximum {
                b.push(Op::Max(x, y))
            } else {
                b.push(Op::Min(x, y))
            };
            let nan = b.cmp(Cmp::Unord, x, y);
            let s = b.add(x, y);
            b.select(nan, s, m)
        }
        Eq => b.cmp(Cmp::Eq, x, y),
        Ne => b.cmp(Cmp::Ne, x, y),
        Lt => b.cmp(Cmp::Lt, x, y),
        Le => b.cmp(Cmp::Le, x, y),
        Gt => b.cmp(Cmp::Gt, x, y),
        Ge => b.cmp(Cmp::Ge, x, y),
        LogicalAnd | BitwiseAnd => b.push(Op::And(x, y)),
        LogicalOr | BitwiseOr => b.push(Op::Or(x, y)),
        LogicalXor | BitwiseXor => b.push(Op::Xor(x, y)),
    }
}

/// How a reduction folds lanes, and its accumulator's starting lane bits in a kernel
/// computing in `ty` (masks are lanes of that width).
pub fn reduce_fold(op: ReduceOp, ty: Ty) -> (Fold, u64) {
    let ones = if ty == Ty::F64 {
        u64::MAX
    } else {
        u32::MAX as u64
    };
    match op {
        ReduceOp::Sum | ReduceOp::Mean => (Fold::Add, vir::lane_bits(0.0, ty)),
        ReduceOp::Prod => (Fold::Mul, vir::lane_bits(1.0, ty)),
        ReduceOp::Amax => (Fold::Max, vir::lane_bits(f64::NEG_INFINITY, ty)),
        ReduceOp::Amin => (Fold::Min, vir::lane_bits(f64::INFINITY, ty)),
        ReduceOp::All => (Fold::And, ones),
        ReduceOp::Any => (Fold::Or, 0),
    }
}

/// Whether a reduction needs a second accumulator remembering NaNs (x86's min/max drop
/// a NaN held in the accumulator; PyTorch's amax/amin propagate it).
pub fn reduce_tracks_nan(op: ReduceOp) -> bool {
    match op {
        ReduceOp::Amax | ReduceOp::Amin => true,
        ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Prod | ReduceOp::All | ReduceOp::Any => false,
    }
}
