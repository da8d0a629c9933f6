//! Filling and ranges.

use smelt_tracer::{DType, OpError, OpResult};

use crate::element::{Element, Scalar};
use crate::strided::for_each_row;
use crate::tensor::Tensor;
use crate::with_element;

fn fill_typed<T: Element>(t: &Tensor, v: T) {
    let p = t.data_ptr() as *mut T;
    for_each_row(t.shape(), [t.strides()], |[o], [s], n| {
        for i in 0..n as isize {
            // SAFETY: offsets of t's own layout.
            unsafe { *p.offset(o + i * s) = v };
        }
    });
}

/// `Tensor.fill_(value)`.
pub fn fill_(t: &Tensor, value: Scalar) {
    t.storage().bump_version();
    if t.is_meta() {
        return;
    }
    with_element!(t.dtype(), T => fill_typed::<T>(t, value.to_element::<T>()))
}

/// `torch.arange(start, end, step)`: element i is `start + i * step`, computed in the output
/// dtype's arithmetic; the length is `ceil((end - start) / step)` as PyTorch computes it.
pub fn arange(start: Scalar, end: Scalar, step: Scalar, dtype: DType) -> OpResult<Tensor> {
    let as_f64 = |s: Scalar| match s {
        Scalar::Bool(b) => b as u8 as f64,
        Scalar::Int(i) => i as f64,
        Scalar::Float(f) => f,
    };
    let (a, b, st) = (as_f64(start), as_f64(end), as_f64(step));
    if st == 0.0 {
        return Err(OpError::runtime("step must be nonzero"));
    }
    if !a.is_finite() || !b.is_finite() {
        return Err(OpError::runtime(format!("unsupported range: {a} -> {b}")));
    }
    if (st > 0.0 && b < a) || (st < 0.0 && b > a) {
        return Err(OpError::runtime(
            "upper bound and larger bound inconsistent with step sign",
        ));
    }
    let len = ((b - a) / st).ceil().max(0.0) as usize;
    let all_int = [start, end, step]
        .iter()
        .all(|s| !matches!(s, Scalar::Float(_)));
    let out = Tensor::zeros(&[len], dtype);
    with_element!(dtype, T => {
        let p = out.data_ptr() as *mut T;
        for i in 0..len {
            let v = if all_int {
                T::from_i64(a as i64 + i as i64 * st as i64)
            } else {
                <T as Element>::from_f64(a + i as f64 * st)
            };
            // SAFETY: i < len elements of a fresh contiguous tensor.
            unsafe { *p.add(i) = v };
        }
    });
    Ok(out)
}
