//! Pointwise ops of two operands: PyTorch's type promotion picks the dtype both are
//! computed in, then they broadcast against each other.

use crate::threads::SendPtr;
use smelt_tracer::dtype::{Category, Operand as Promoted, result_type};
use smelt_tracer::ops::BinaryOp;
use smelt_tracer::shape::{broadcast_shapes, join_dims};
use smelt_tracer::{DType, OpError, OpResult};

use crate::element::{Element, Scalar};
use crate::strided::for_each_row;
use crate::tensor::{Tensor, meta_has_no_data, output_device};
use crate::with_element;

/// One side of a binary op: a tensor, or a Python number (which promotes more weakly).
#[derive(Clone, Copy)]
pub enum Operand<'a> {
    Tensor(&'a Tensor),
    Scalar(Scalar),
}

impl Operand<'_> {
    /// How this operand takes part in type promotion.
    pub fn promoted(&self) -> Promoted {
        match self {
            Operand::Tensor(t) => Promoted::Tensor {
                dtype: t.dtype(),
                zero_dim: t.ndim() == 0,
            },
            Operand::Scalar(s) => Promoted::Scalar(s.category()),
        }
    }

    /// The value of a one-element right operand, read in its own dtype and taken to float32:
    /// what PyTorch's float16/bfloat16 kernels for mul, div and floor division compute with
    /// (`original_scalar_value<opmath_t>`), instead of the operand rounded to the narrow dtype.
    fn opmath_value(&self) -> Option<f32> {
        match self {
            Operand::Scalar(Scalar::Float(f)) => Some(*f as f32),
            Operand::Scalar(Scalar::Int(i)) => Some(*i as f32),
            Operand::Scalar(Scalar::Bool(b)) => Some(*b as u8 as f32),
            Operand::Tensor(t) if t.numel() == 1 && !t.is_meta() => {
                Some(with_element!(t.dtype(), T => t.to_vec::<T>()[0].to_f32()))
            }
            Operand::Tensor(_) => None,
        }
    }

    fn is_bool(&self) -> bool {
        match self {
            Operand::Tensor(t) => t.dtype() == DType::Bool,
            Operand::Scalar(s) => matches!(s, Scalar::Bool(_)),
        }
    }

    /// The operand as a tensor of `dtype` (a Python number becomes a 0-dim tensor).
    pub fn as_tensor(&self, dtype: DType) -> Tensor {
        match self {
            Operand::Tensor(t) => t.to_dtype(dtype),
            Operand::Scalar(s) => Tensor::scalar(*s, dtype),
        }
    }
}

macro_rules! float_binary {
    ($name:ident, $t:ty) => {
        #[inline(always)]
        fn $name(op: BinaryOp, a: $t, b: $t) -> $t {
            let truth = |c: bool| c as u8 as $t;
            match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                BinaryOp::Div => a / b,
                // PyTorch's floor division works from the exact fmod, so it is floor(a / b)
                // of the exact quotient: 1.0 // 1e-3 is 999, where floor(1.0 / 1e-3) is 1000.
                BinaryOp::FloorDivide => {
                    if b == 0.0 {
                        return a / b;
                    }
                    let m = a % b;
                    let mut q = (a - m) / b;
                    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
                        q -= 1.0;
                    }
                    if q == 0.0 {
                        return (0.0 as $t).copysign(a / b);
                    }
                    let f = q.floor();
                    if q - f > 0.5 { f + 1.0 } else { f }
                }
                BinaryOp::Remainder => {
                    let r = a % b;
                    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                        r + b
                    } else {
                        r
                    }
                }
                BinaryOp::Pow => a.powf(b),
                BinaryOp::Maximum => {
                    if a.is_nan() || b.is_nan() {
                        <$t>::NAN
                    } else {
                        a.max(b)
                    }
                }
                BinaryOp::Minimum => {
                    if a.is_nan() || b.is_nan() {
                        <$t>::NAN
                    } else {
                        a.min(b)
                    }
                }
                BinaryOp::Atan2 => a.atan2(b),
                BinaryOp::Eq => truth(a == b),
                BinaryOp::Ne => truth(a != b),
                BinaryOp::Lt => truth(a < b),
                BinaryOp::Le => truth(a <= b),
                BinaryOp::Gt => truth(a > b),
                BinaryOp::Ge => truth(a >= b),
                BinaryOp::LogicalAnd => truth(a != 0.0 && b != 0.0),
                BinaryOp::LogicalOr => truth(a != 0.0 || b != 0.0),
                BinaryOp::LogicalXor => truth((a != 0.0) != (b != 0.0)),
                // Rejected by BinaryOp::compute_dtype for floating dtypes.
                BinaryOp::BitwiseAnd | BinaryOp::BitwiseOr | BinaryOp::BitwiseXor => 0.0,
            }
        }
    };
}
float_binary!(apply_f32, f32);
float_binary!(apply_f64, f64);

/// Integer and bool operands, computed in i64 and wrapped back to the dtype on store.
/// Division by zero and negative powers are checked before the kernel runs.
#[inline(always)]
fn apply_int(op: BinaryOp, a: i64, b: i64) -> i64 {
    match op {
        BinaryOp::Add => a.wrapping_add(b),
        BinaryOp::Sub => a.wrapping_sub(b),
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::FloorDivide => {
            let q = a.wrapping_div(b);
            if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
                q - 1
            } else {
                q
            }
        }
        BinaryOp::Remainder => {
            let r = a.wrapping_rem(b);
            if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            }
        }
        BinaryOp::Pow if b < 0 => match a {
            1 => 1,
            -1 if b % 2 != 0 => -1,
            -1 => 1,
            _ => 0,
        },
        BinaryOp::Pow => a.wrapping_pow(b as u32),
        BinaryOp::Maximum => a.max(b),
        BinaryOp::Minimum => a.min(b),
        BinaryOp::Eq => (a == b) as i64,
        BinaryOp::Ne => (a != b) as i64,
        BinaryOp::Lt => (a < b) as i64,
        BinaryOp::Le => (a <= b) as i64,
        BinaryOp::Gt => (a > b) as i64,
        BinaryOp::Ge => (a >= b) as i64,
        BinaryOp::LogicalAnd => (a != 0 && b != 0) as i64,
        BinaryOp::LogicalOr => (a != 0 || b != 0) as i64,
        BinaryOp::LogicalXor => ((a != 0) != (b != 0)) as i64,
        BinaryOp::BitwiseAnd => a & b,
        BinaryOp::BitwiseOr => a | b,
        BinaryOp::BitwiseXor => a ^ b,
        // Computed in a floating dtype (BinaryOp::compute_dtype).
        BinaryOp::Div | BinaryOp::Atan2 => 0,
    }
}

#[inline(always)]
fn compute<C: Element, O: Element>(op: BinaryOp, x: C, y: C) -> O {
    match C::DTYPE {
        DType::Float64 => O::from_f64(apply_f64(op, x.to_f64(), y.to_f64())),
        DType::Float32 | DType::Float16 | DType::BFloat16 => {
            O::from_f32(apply_f32(op, x.to_f32(), y.to_f32()))
        }
        _ => O::from_i64(apply_int(op, x.to_i64(), y.to_i64())),
    }
}

/// Elementwise work below this many elements stays on the calling thread: splitting costs
/// more than it saves (PyTorch's grain size is 32768).
const PARALLEL_MIN: usize = 1 << 16;
const PARALLEL_CHUNK: usize = 1 << 15;

/// The strided loop with the op already chosen, so each op gets its own inner loop that the
/// compiler can vectorise.
fn run_with<C: Element, O: Element>(
    f: impl Fn(C, C) -> O + Sync,
    a: &Tensor,
    b: &Tensor,
    out: &Tensor,
) {
    let (pa, pb) = (a.data_ptr() as *const C, b.data_ptr() as *const C);
    let po = out.data_ptr() as *mut O;
    let n = out.numel();
    let flat = |t: &Tensor| t.numel() == 1 || (t.is_contiguous() && t.shape() == out.shape());
    if n >= PARALLEL_MIN && out.is_contiguous() && flat(a) && flat(b) {
        // A one-element operand is read as a constant; the others are contiguous over n.
        // SAFETY: `out` holds n elements; `out` is a distinct allocation or exactly `a`
        // (in-place), and each chunk reads only the positions it writes.
        let (outs, xs, ys) = (SendPtr(po), SendPtr(pa as *mut C), SendPtr(pb as *mut C));
        let (xn, yn) = (a.numel(), b.numel());
        crate::threads::for_ranges(n, PARALLEL_CHUNK, |r| {
            let len = r.len();
            // SAFETY: the ranges are disjoint and inside the n elements of each full operand.
            let chunk = unsafe { std::slice::from_raw_parts_mut(outs.get().add(r.start), len) };
            let part = |p: &SendPtr<C>, count: usize| unsafe {
                if count == 1 {
                    std::slice::from_raw_parts(p.get() as *const C, 1)
                } else {
                    std::slice::from_raw_parts(p.get().add(r.start) as *const C, len)
                }
            };
            let (xs, ys) = (part(&xs, xn), part(&ys, yn));
            match (xn == 1, yn == 1) {
                (false, false) => {
                    for ((slot, &x), &y) in chunk.iter_mut().zip(xs).zip(ys) {
                        *slot = f(x, y);
                    }
                }
                (false, true) => {
                    let y = ys[0];
                    for (slot, &x) in chunk.iter_mut().zip(xs) {
                        *slot = f(x, y);
                    }
                }
                (true, false) => {
                    let x = xs[0];
                    for (slot, &y) in chunk.iter_mut().zip(ys) {
                        *slot = f(x, y);
                    }
                }
                (true, true) => chunk.fill(f(xs[0], ys[0])),
            }
        });
        return;
    }
    let sa = smelt_tracer::shape::broadcast_strides(a.shape(), a.strides(), out.shape());
    let sb = smelt_tracer::shape::broadcast_strides(b.shape(), b.strides(), out.shape());
    for_each_row(
        out.shape(),
        [out.strides(), &sa, &sb],
        |[oo, oa, ob], [so, s_a, s_b], n| {
            // SAFETY: offsets from valid (broadcast) layouts over the output shape.
            unsafe {
                if so == 1 && s_a == 1 && s_b == 1 {
                    let xs = std::slice::from_raw_parts(pa.offset(oa), n);
                    let ys = std::slice::from_raw_parts(pb.offset(ob), n);
                    let outs = std::slice::from_raw_parts_mut(po.offset(oo), n);
                    for ((slot, &x), &y) in outs.iter_mut().zip(xs).zip(ys) {
                        *slot = f(x, y);
                    }
                } else {
                    for i in 0..n as isize {
                        *po.offset(oo + i * so) =
                            f(*pa.offset(oa + i * s_a), *pb.offset(ob + i * s_b));
                    }
                }
            }
        },
    );
}

fn run<C: Element, O: Element>(op: BinaryOp, a: &Tensor, b: &Tensor, out: &Tensor) {
    macro_rules! each_op {
        ($($name:ident),*) => {
            match op {
                $(BinaryOp::$name => run_with(|x: C, y: C| compute::<C, O>(BinaryOp::$name, x, y), a, b, out),)*
            }
        };
    }
    each_op!(
        Add,
        Sub,
        Mul,
        Div,
        FloorDivide,
        Remainder,
        Pow,
        Maximum,
        Minimum,
        Atan2,
        Eq,
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
        LogicalAnd,
        LogicalOr,
        LogicalXor,
        BitwiseAnd,
        BitwiseOr,
        BitwiseXor
    )
}

/// A negative exponent is an error only when it is a Python number (PyTorch's rule); tensor
/// exponents follow C++ integer pow (`apply_int`).
fn check_integer_operands(
    op: BinaryOp,
    compute: DType,
    rhs: &Tensor,
    rhs_is_scalar: bool,
) -> OpResult<()> {
    // A fake (meta) divisor has no values to check: the check is data-dependent, skipped
    // when tracing as PyTorch's fake tensors skip it.
    if compute.category() != Category::Integral || rhs.is_meta() {
        return Ok(());
    }
    match op {
        BinaryOp::FloorDivide | BinaryOp::Remainder if rhs.to_vec::<i64>().contains(&0) => {
            Err(OpError::runtime("ZeroDivisionError"))
        }
        BinaryOp::Pow if rhs_is_scalar && rhs.to_vec::<i64>().iter().any(|&e| e < 0) => Err(
            OpError::runtime("Integers to negative integer powers are not allowed."),
        ),
        _ => Ok(()),
    }
}

/// Promotion and broadcasting: (compute dtype, output dtype, output shape, operands converted).
fn prepare(
    op: BinaryOp,
    a: Operand,
    b: Operand,
) -> OpResult<(DType, DType, Vec<usize>, Tensor, Tensor)> {
    op.check_bool_operands(a.is_bool(), b.is_bool())?;
    let promoted = result_type(&[a.promoted(), b.promoted()]);
    let compute = op.compute_dtype(promoted)?;
    let out_dtype = op.result_dtype(compute);
    let (ta, tb) = (a.as_tensor(compute), b.as_tensor(compute));
    check_integer_operands(op, compute, &tb, matches!(b, Operand::Scalar(_)))?;
    let shape = broadcast_shapes(ta.shape(), tb.shape())?;
    Ok((compute, out_dtype, shape, ta, tb))
}

/// `torch.<op>(a, b)` into a new tensor.
pub fn binary(op: BinaryOp, a: Operand, b: Operand) -> OpResult<Tensor> {
    let (compute, out_dtype, shape, ta, tb) = prepare(op, a, b)?;
    if opmath_rhs(op, compute, &b).is_none()
        && let Some(out) = super::jit_kernels::binary(op, &ta, &tb, &shape, out_dtype)
    {
        return Ok(out);
    }
    let out = Tensor::uninit_on(&shape, out_dtype, output_device(&[&ta, &tb]));
    if out.is_meta() {
        return Ok(out);
    }
    run_op(
        op,
        compute,
        out_dtype,
        &ta,
        &tb,
        opmath_rhs(op, compute, &b),
        &out,
    );
    Ok(out)
}

/// The float32 right operand PyTorch's half-precision kernels use, where they use one.
fn opmath_rhs(op: BinaryOp, compute: DType, b: &Operand) -> Option<f32> {
    let half = matches!(compute, DType::Float16 | DType::BFloat16);
    let scalar_kernel = matches!(op, BinaryOp::Mul | BinaryOp::Div | BinaryOp::FloorDivide);
    if half && scalar_kernel {
        b.opmath_value()
    } else {
        None
    }
}

fn run_op(
    op: BinaryOp,
    compute: DType,
    out_dtype: DType,
    ta: &Tensor,
    tb: &Tensor,
    rhs: Option<f32>,
    out: &Tensor,
) {
    match rhs {
        Some(y) => with_element!(compute, C => with_element!(out_dtype, O => {
            run_with(|x: C, _: C| O::from_f32(apply_f32(op, x.to_f32(), y)), ta, tb, out)
        })),
        None => {
            with_element!(compute, C => with_element!(out_dtype, O => run::<C, O>(op, ta, tb, out)))
        }
    }
}

/// `a.<op>_(b)`: computes in the promoted dtype and writes into `a`, which must be able to
/// hold the result (its dtype and its shape, without broadcasting `a` itself).
pub fn binary_(op: BinaryOp, a: &Tensor, b: Operand) -> OpResult<()> {
    a.storage().bump_version();
    let (compute, out_dtype, shape, ta, tb) = prepare(op, Operand::Tensor(a), b)?;
    let rhs = opmath_rhs(op, compute, &b);
    if shape != a.shape() {
        return Err(OpError::runtime(format!(
            "output with shape [{}] doesn't match the broadcast shape [{}]",
            join_dims(a.shape()),
            join_dims(&shape)
        )));
    }
    if !can_cast(out_dtype, a.dtype()) {
        return Err(OpError::runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            out_dtype.scalar_type_name(),
            a.dtype().scalar_type_name()
        )));
    }
    if a.is_meta() {
        return Ok(());
    }
    if tb.is_meta() {
        return Err(meta_has_no_data());
    }
    // Computing straight into `a` is safe only when nothing read later aliases what is written.
    let direct = out_dtype == a.dtype()
        && !tb.same_storage(a)
        && ta.same_storage(a)
        && ta.strides() == a.strides();
    if direct && rhs.is_none() && super::jit_kernels::binary_into(op, a, &ta, &tb) {
        return Ok(());
    }
    if direct {
        run_op(op, compute, out_dtype, &ta, &tb, rhs, a);
    } else {
        let result = Tensor::zeros(&shape, out_dtype);
        run_op(op, compute, out_dtype, &ta, &tb, rhs, &result);
        a.copy_(&result)?;
    }
    Ok(())
}

/// PyTorch's `canCast`: no float to integral, no non-bool to bool.
fn can_cast(from: DType, to: DType) -> bool {
    let float_to_integral = from.is_floating_point() && !to.is_floating_point();
    let to_bool = from != DType::Bool && to == DType::Bool;
    !float_to_integral && !to_bool
}
