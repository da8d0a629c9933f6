//! Copying between layouts and dtypes: `contiguous`, `clone`, `to(dtype)`, `copy_`.

use smelt_tracer::{DType, OpError, OpResult};

use crate::element::Element;
use crate::strided::for_each_row;
use crate::tensor::{Tensor, meta_has_no_data};
use crate::with_element;

/// Writes `src` (broadcast to `dst`'s shape) into `dst`, converting dtypes.
fn copy_into(dst: &Tensor, src: &Tensor) {
    if dst.is_meta() || src.is_meta() {
        return;
    }
    with_element!(dst.dtype(), D => with_element!(src.dtype(), S => copy_typed::<D, S>(dst, src)))
}

fn copy_typed<D: Element, S: Element>(dst: &Tensor, src: &Tensor) {
    let d = dst.data_ptr() as *mut D;
    let s = src.data_ptr() as *const S;
    let same = D::DTYPE == S::DTYPE;
    for_each_row(
        dst.shape(),
        [dst.strides(), src.strides()],
        |[od, os], [sd, ss], n| {
            // SAFETY: offsets come from valid layouts of both tensors over the same shape.
            unsafe {
                if same && sd == 1 && ss == 1 {
                    std::ptr::copy(s.offset(os) as *const D, d.offset(od), n);
                    return;
                }
                for i in 0..n as isize {
                    let v = *s.offset(os + i * ss);
                    *d.offset(od + i * sd) = convert::<S, D>(v);
                }
            }
        },
    );
}

/// Whether the elements exactly tile `numel` consecutive slots in some dim order (PyTorch's
/// "non-overlapping and dense").
fn is_dense(shape: &[usize], strides: &[isize]) -> bool {
    let mut dims: Vec<(isize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|&(&size, _)| size != 1)
        .map(|(&size, &stride)| (stride, size))
        .collect();
    dims.sort_unstable();
    let mut expected = 1isize;
    for (stride, size) in dims {
        if stride != expected {
            return false;
        }
        expected *= size as isize;
    }
    true
}

/// Element conversion with C++ cast semantics, going through the widest exact path.
#[inline(always)]
pub(crate) fn convert<S: Element, D: Element>(v: S) -> D {
    use smelt_tracer::dtype::Category::*;
    match (S::DTYPE.category(), D::DTYPE.category()) {
        (Floating, Floating) => D::from_f64(v.to_f64()),
        (Floating, Bool) | (Integral, Bool) => D::from_bool(v.to_bool()),
        (Floating, Integral) => D::from_f64(v.to_f64()),
        (_, Floating) => D::from_f64(v.to_f64()),
        _ => D::from_i64(v.to_i64()),
    }
}

impl Tensor {
    /// A contiguous copy, or `self` when already contiguous.
    pub fn contiguous(&self) -> Tensor {
        if self.is_contiguous() {
            self.clone()
        } else {
            let out = Tensor::uninit_on(self.shape(), self.dtype(), self.device());
            copy_into(&out, self);
            out
        }
    }

    /// `Tensor.clone()`: new storage, same values. A dense layout keeps its strides (a
    /// transposed matrix clones to a transposed matrix, as in PyTorch); any other layout
    /// becomes contiguous.
    pub fn clone_data(&self) -> Tensor {
        let out = if is_dense(self.shape(), self.strides()) {
            Tensor::empty_strided(self.shape(), self.strides(), self.dtype(), self.device())
        } else {
            Tensor::empty_on(self.shape(), self.dtype(), self.device())
        };
        copy_into(&out, self);
        out
    }

    /// `Tensor.to(dtype)`: `self` when the dtype already matches, else a converted copy.
    pub fn to_dtype(&self, dtype: DType) -> Tensor {
        if dtype == self.dtype() {
            return self.clone();
        }
        let out = Tensor::uninit_on(self.shape(), dtype, self.device());
        copy_into(&out, self);
        out
    }

    /// `Tensor.copy_(src)`: broadcasts and converts `src` into `self`'s elements.
    pub fn copy_(&self, src: &Tensor) -> OpResult<()> {
        if src.is_meta() && !self.is_meta() {
            return Err(meta_has_no_data());
        }
        self.storage().bump_version();
        let src = src.broadcast_to(self.shape()).map_err(|_| {
            OpError::runtime(format!(
                "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}",
                self.shape().last().copied().unwrap_or(1),
                src.shape().last().copied().unwrap_or(1),
                self.ndim().saturating_sub(1)
            ))
        })?;
        // Reading and writing the same storage in one pass could read already-written values.
        let src = if src.same_storage(self) {
            src.clone_data()
        } else {
            src
        };
        copy_into(self, &src);
        Ok(())
    }
}
