//! Reductions over a set of dims (all dims when none are given), with `keepdim`.

use smelt_tracer::ops::ReduceOp;
use smelt_tracer::shape::wrap_dim;
use smelt_tracer::{DType, OpError, OpResult};

use crate::element::Element;
use crate::strided::for_each_row;
use crate::tensor::Tensor;
use crate::with_element;

/// Accumulates in f64 (floating inputs) or i64 (integer and bool inputs).
trait Acc: Copy {
    fn start(op: ReduceOp) -> Self;
    fn step(self, op: ReduceOp, x: Self) -> Self;
}

impl Acc for f64 {
    fn start(op: ReduceOp) -> f64 {
        match op {
            ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Any => 0.0,
            ReduceOp::Prod | ReduceOp::All => 1.0,
            ReduceOp::Amax => f64::NEG_INFINITY,
            ReduceOp::Amin => f64::INFINITY,
        }
    }
    fn step(self, op: ReduceOp, x: f64) -> f64 {
        match op {
            ReduceOp::Sum | ReduceOp::Mean => self + x,
            ReduceOp::Prod => self * x,
            ReduceOp::Amax if x.is_nan() || self.is_nan() => f64::NAN,
            ReduceOp::Amax => self.max(x),
            ReduceOp::Amin if x.is_nan() || self.is_nan() => f64::NAN,
            ReduceOp::Amin => self.min(x),
            ReduceOp::All => (self != 0.0 && x != 0.0) as u8 as f64,
            ReduceOp::Any => (self != 0.0 || x != 0.0) as u8 as f64,
        }
    }
}

impl Acc for i64 {
    fn start(op: ReduceOp) -> i64 {
        match op {
            ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Any => 0,
            ReduceOp::Prod | ReduceOp::All => 1,
            ReduceOp::Amax => i64::MIN,
            ReduceOp::Amin => i64::MAX,
        }
    }
    fn step(self, op: ReduceOp, x: i64) -> i64 {
        match op {
            ReduceOp::Sum | ReduceOp::Mean => self.wrapping_add(x),
            ReduceOp::Prod => self.wrapping_mul(x),
            ReduceOp::Amax => self.max(x),
            ReduceOp::Amin => self.min(x),
            ReduceOp::All => (self != 0 && x != 0) as i64,
            ReduceOp::Any => (self != 0 || x != 0) as i64,
        }
    }
}

fn accumulate<T: Element, A: Acc>(
    op: ReduceOp,
    input: &Tensor,
    out_strides: &[isize],
    acc: &mut [A],
    read: impl Fn(T) -> A,
) {
    let p = input.data_ptr() as *const T;
    for_each_row(
        input.shape(),
        [input.strides(), out_strides],
        |[oi, oo], [si, so], n| {
            for i in 0..n as isize {
                // SAFETY: offsets of the input's layout; `oo` indexes the accumulator array built
                // with the output's contiguous strides.
                let x = unsafe { *p.offset(oi + i * si) };
                let slot = &mut acc[(oo + i * so) as usize];
                *slot = slot.step(op, read(x));
            }
        },
    );
}

/// `torch.<op>(input, dim, keepdim)`.
pub fn reduce(
    op: ReduceOp,
    input: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
) -> OpResult<Tensor> {
    let out_dtype = op.result_dtype(input.dtype())?;
    let ndim = input.ndim();
    let mut reduced = vec![false; ndim];
    match dims {
        None | Some([]) => reduced.iter_mut().for_each(|r| *r = true),
        Some(list) => {
            // A 0-dim tensor takes dim 0 or -1 (wrap_dim treats it as 1-d) and reduces
            // nothing; its one slot only catches a repeated dim.
            let mut scalar_dim = [false];
            for &d in list {
                let d = wrap_dim(d, ndim)?;
                let slot = if ndim == 0 {
                    &mut scalar_dim[0]
                } else {
                    &mut reduced[d]
                };
                if std::mem::replace(slot, true) {
                    return Err(OpError::runtime(format!(
                        "dim {d} appears multiple times in the list of dims"
                    )));
                }
            }
        }
    }
    if matches!(op, ReduceOp::Amax | ReduceOp::Amin) {
        if let Some(d) = (0..ndim).find(|&d| reduced[d] && input.shape()[d] == 0) {
            return Err(OpError::index(format!(
                "{}(): Expected reduction dim {d} to have non-zero size.",
                op.name()
            )));
        }
        if ndim == 0 && input.numel() == 0 {
            return Err(OpError::runtime(format!(
                "{}(): Expected reduction dim to be specified for input.numel() == 0.",
                op.name()
            )));
        }
    }
    let kept_shape: Vec<usize> = (0..ndim)
        .map(|d| if reduced[d] { 1 } else { input.shape()[d] })
        .collect();
    let out = match super::jit_kernels::reduce(op, input, &reduced, &kept_shape, out_dtype) {
        Some(out) => out,
        None => reduce_loop(op, input, &reduced, &kept_shape, out_dtype),
    };
    if keepdim {
        return Ok(out);
    }
    let shape: Vec<i64> = (0..ndim)
        .filter(|&d| !reduced[d])
        .map(|d| input.shape()[d] as i64)
        .collect();
    out.view(&shape)
}

/// The reduction by the typed loops, accumulating in f64 or i64; the result with the reduced
/// dims kept as size 1.
fn reduce_loop(
    op: ReduceOp,
    input: &Tensor,
    reduced: &[bool],
    kept_shape: &[usize],
    out_dtype: DType,
) -> Tensor {
    let ndim = reduced.len();
    let count = (0..ndim)
        .filter(|&d| reduced[d])
        .map(|d| input.shape()[d])
        .product::<usize>();
    let kept_strides = smelt_tracer::shape::contiguous_strides(kept_shape);
    let out_strides: Vec<isize> = (0..ndim)
        .map(|d| if reduced[d] { 0 } else { kept_strides[d] })
        .collect();
    let out_numel: usize = kept_shape.iter().product();
    let out = Tensor::empty_on(kept_shape, out_dtype, input.device());
    if out.is_meta() {
        // Shape and dtype only.
    } else if input.dtype().is_floating_point() {
        let mut acc = vec![f64::start(op); out_numel];
        let prefix = (0..ndim).take_while(|&d| reduced[d]).count();
        let leading_only = (prefix..ndim).all(|d| !reduced[d]);
        if leading_only && matches!(op, ReduceOp::Sum | ReduceOp::Mean) && input.is_contiguous() {
            with_element!(input.dtype(), T => sum_rows::<T>(input, &mut acc));
        } else {
            with_element!(input.dtype(), T => accumulate::<T, f64>(op, input, &out_strides, &mut acc, |x| x.to_f64()));
        }
        if op == ReduceOp::Mean {
            acc.iter_mut().for_each(|a| *a /= count as f64);
        }
        with_element!(out_dtype, O => write(&out, acc.into_iter().map(O::from_f64)));
    } else {
        let mut acc = vec![i64::start(op); out_numel];
        with_element!(input.dtype(), T => accumulate::<T, i64>(op, input, &out_strides, &mut acc, |x| x.to_i64()));
        with_element!(out_dtype, O => write(&out, acc.into_iter().map(O::from_i64)));
    }
    out
}

/// A sum over the leading dims of a contiguous tensor (a bias gradient: `[B, T, C]` summed
/// over B and T): whole rows added into the accumulators, a loop the compiler vectorizes.
/// The order of additions per output is the general loop's, so the result is the same.
fn sum_rows<T: Element>(input: &Tensor, acc: &mut [f64]) {
    let inner = acc.len();
    if inner == 0 {
        return;
    }
    let rows = input.numel() / inner;
    // SAFETY: a contiguous tensor of rows * inner elements.
    let xs = unsafe { std::slice::from_raw_parts(input.data_ptr() as *const T, rows * inner) };
    for row in xs.chunks_exact(inner) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += x.to_f64();
        }
    }
}

fn write<T: Element>(out: &Tensor, values: impl Iterator<Item = T>) {
    let p = out.data_ptr() as *mut T;
    for (i, v) in values.enumerate() {
        // SAFETY: `out` is a fresh contiguous tensor with one slot per value.
        unsafe { *p.add(i) = v };
    }
}
