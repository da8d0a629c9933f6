//! Pointwise ops of one tensor. Half-precision inputs compute in f32, as PyTorch's CPU
//! kernels do, and round once on the way out.

use smelt_tracer::ops::UnaryOp;
use smelt_tracer::{DType, OpResult};

use crate::element::Element;
use crate::strided::for_each_row;
use crate::tensor::Tensor;
use crate::with_element;

macro_rules! float_unary {
    ($name:ident, $t:ty, $erf:path) => {
        #[inline(always)]
        fn $name(op: UnaryOp, x: $t) -> $t {
            match op {
                UnaryOp::Neg => -x,
                UnaryOp::Abs => x.abs(),
                UnaryOp::Exp => x.exp(),
                UnaryOp::Log => x.ln(),
                UnaryOp::Log1p => x.ln_1p(),
                UnaryOp::Expm1 => x.exp_m1(),
                UnaryOp::Sqrt => x.sqrt(),
                UnaryOp::Rsqrt => 1.0 / x.sqrt(),
                UnaryOp::Sin => x.sin(),
                UnaryOp::Cos => x.cos(),
                UnaryOp::Tan => x.tan(),
                UnaryOp::Tanh => x.tanh(),
                UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
                // PyTorch's `x < 0 ? 0 : x`: NaN and -0.0 pass through unchanged.
                UnaryOp::Relu => {
                    if x < 0.0 {
                        0.0
                    } else {
                        x
                    }
                }
                UnaryOp::Gelu => 0.5 * x * (1.0 + $erf(x * std::f64::consts::FRAC_1_SQRT_2 as $t)),
                UnaryOp::GeluTanh => {
                    // sqrt(2 / pi)
                    let k = (2.0 / std::f64::consts::PI).sqrt() as $t;
                    0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh())
                }
                UnaryOp::Silu => x / (1.0 + (-x).exp()),
                UnaryOp::Erf => $erf(x),
                UnaryOp::Floor => x.floor(),
                UnaryOp::Ceil => x.ceil(),
                UnaryOp::Round => x.round_ties_even(),
                UnaryOp::Trunc => x.trunc(),
                UnaryOp::Sign => ((0.0 < x) as i8 - (x < 0.0) as i8) as $t,
                UnaryOp::Reciprocal => 1.0 / x,
                UnaryOp::LogicalNot => (x == 0.0) as u8 as $t,
                // Rejected by UnaryOp::result_dtype before any kernel runs.
                UnaryOp::BitwiseNot => x,
            }
        }
    };
}
float_unary!(apply_f32, f32, libm::erff);
float_unary!(apply_f64, f64, libm::erf);

/// Integer and bool inputs of ops whose output keeps the input dtype.
#[inline(always)]
fn apply_int(op: UnaryOp, x: i64, dtype: DType) -> i64 {
    match op {
        UnaryOp::Neg => x.wrapping_neg(),
        UnaryOp::Abs => x.wrapping_abs(),
        UnaryOp::Relu => x.max(0),
        UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc => x,
        UnaryOp::Sign => x.signum(),
        UnaryOp::LogicalNot => (x == 0) as i64,
        UnaryOp::BitwiseNot if dtype == DType::Bool => (x == 0) as i64,
        UnaryOp::BitwiseNot => !x,
        // Ops with a float result never reach the integer path (inputs are converted first).
        UnaryOp::Exp
        | UnaryOp::Log
        | UnaryOp::Log1p
        | UnaryOp::Expm1
        | UnaryOp::Sqrt
        | UnaryOp::Rsqrt
        | UnaryOp::Sin
        | UnaryOp::Cos
        | UnaryOp::Tan
        | UnaryOp::Tanh
        | UnaryOp::Sigmoid
        | UnaryOp::Gelu
        | UnaryOp::GeluTanh
        | UnaryOp::Silu
        | UnaryOp::Erf
        | UnaryOp::Reciprocal => x,
    }
}

fn run<I: Element, O: Element>(op: UnaryOp, input: &Tensor, out: &Tensor) {
    let src = input.data_ptr() as *const I;
    let dst = out.data_ptr() as *mut O;
    let in_dtype = I::DTYPE;
    for_each_row(
        out.shape(),
        [out.strides(), input.strides()],
        |[od, oi], [sd, si], n| {
            for i in 0..n as isize {
                // SAFETY: offsets from valid layouts over the same shape.
                unsafe {
                    let x = *src.offset(oi + i * si);
                    let y: O = match in_dtype {
                        DType::Float64 => O::from_f64(apply_f64(op, x.to_f64())),
                        DType::Float32 | DType::Float16 | DType::BFloat16 => {
                            O::from_f32(apply_f32(op, x.to_f32()))
                        }
                        _ => O::from_i64(apply_int(op, x.to_i64(), in_dtype)),
                    };
                    *dst.offset(od + i * sd) = y;
                }
            }
        },
    );
}

/// `torch.<op>(input)` into a new tensor.
pub fn unary(op: UnaryOp, input: &Tensor) -> OpResult<Tensor> {
    let out_dtype = op.result_dtype(input.dtype())?;
    if let Some(out) = super::jit_kernels::unary(op, input, out_dtype) {
        return Ok(out);
    }
    let out = Tensor::uninit_on(input.shape(), out_dtype, input.device());
    if out.is_meta() {
        return Ok(out);
    }
    // Integer inputs of float-valued ops compute on a float copy.
    let source = if out_dtype.is_floating_point() && !input.dtype().is_floating_point() {
        input.to_dtype(out_dtype)
    } else {
        input.clone()
    };
    with_element!(source.dtype(), I => with_element!(out_dtype, O => run::<I, O>(op, &source, &out)));
    Ok(out)
}
