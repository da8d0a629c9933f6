//! Advanced indexing with PyTorch's `aten.index.Tensor` / `aten.index_put_` semantics: a list
//! of optional integer index tensors (one per leading dim; `None` keeps the dim whole) that
//! broadcast together. Bool masks arrive already turned into integer indices (`nonzero`).

use smelt_tracer::dtype::Category;
use smelt_tracer::shape::{broadcast_shapes, contiguous_strides, numel};
use smelt_tracer::{DType, OpError, OpResult};

use crate::element::Element;
use crate::storage::Device;
use crate::tensor::Tensor;
use crate::with_element;

/// Where each element picked by an advanced index lives in `input`'s storage, in the order of
/// the result, plus the result's shape.
struct Picks {
    shape: Vec<usize>,
    offsets: Vec<isize>,
}

fn picks(input: &Tensor, indices: &[Option<Tensor>]) -> OpResult<Picks> {
    let ndim = input.ndim();
    if indices.len() > ndim {
        return Err(OpError::index(format!(
            "too many indices for tensor of dimension {ndim} (got {})",
            indices.len()
        )));
    }
    let mut index_shape: Vec<usize> = Vec::new();
    let mut indexed: Vec<usize> = Vec::new();
    for (d, index) in indices.iter().enumerate() {
        if let Some(index) = index {
            if index.dtype().category() != Category::Integral {
                return Err(OpError::index(
                    "tensors used as indices must be long, int, byte or bool tensors",
                ));
            }
            index_shape = broadcast_shapes(&index_shape, index.shape()).map_err(|_| {
                OpError::index("shape mismatch: indexing tensors could not be broadcast together")
            })?;
            indexed.push(d);
        }
    }
    if indexed.is_empty() {
        return Err(OpError::runtime(
            "an advanced index needs at least one index tensor",
        ));
    }
    // Each index tensor, broadcast and bounds-checked, as offsets into input's storage. Meta
    // tensors have no values to check: only the shape is worked out.
    let meta = input.is_meta() || indices.iter().flatten().any(|t| t.is_meta());
    let count = if meta { 0 } else { numel(&index_shape) };
    // Relative to `data_ptr()`, which already points at the first element.
    let mut base = vec![0isize; count];
    for &d in indexed.iter().filter(|_| !meta) {
        let index = indices[d].as_ref().expect("indexed dims hold a tensor");
        let values = index.broadcast_to(&index_shape)?.to_vec::<i64>();
        let size = input.shape()[d] as i64;
        for (b, &i) in base.iter_mut().zip(&values) {
            if i < -size || i >= size {
                return Err(OpError::index(format!(
                    "index {i} is out of bounds for dimension {d} with size {size}"
                )));
            }
            let i = if i < 0 { i + size } else { i };
            *b += i as isize * input.strides()[d];
        }
    }
    // PyTorch keeps the broadcast index dims in place when the indexed dims are adjacent and
    // moves them to the front otherwise.
    let adjacent = indexed.windows(2).all(|w| w[1] == w[0] + 1);
    let rest: Vec<usize> = (0..ndim).filter(|d| !indexed.contains(d)).collect();
    let (before, after): (Vec<usize>, Vec<usize>) = if adjacent {
        rest.iter().partition(|&&d| d < indexed[0])
    } else {
        (Vec::new(), rest.clone())
    };
    let dims_shape = |dims: &[usize]| dims.iter().map(|&d| input.shape()[d]).collect::<Vec<_>>();
    let mut shape = dims_shape(&before);
    shape.extend_from_slice(&index_shape);
    shape.extend(dims_shape(&after));

    let mut offsets = Vec::with_capacity(numel(&shape));
    if meta {
        return Ok(Picks { shape, offsets });
    }
    let before_offsets = dim_offsets(input, &before);
    let after_offsets = dim_offsets(input, &after);
    for &o1 in &before_offsets {
        for &b in &base {
            for &o2 in &after_offsets {
                offsets.push(o1 + b + o2);
            }
        }
    }
    Ok(Picks { shape, offsets })
}

/// Offsets (in elements) of every position of `dims`, row-major.
fn dim_offsets(input: &Tensor, dims: &[usize]) -> Vec<isize> {
    let mut out = vec![0isize];
    for &d in dims {
        let (size, stride) = (input.shape()[d], input.strides()[d]);
        out = out
            .iter()
            .flat_map(|&o| (0..size).map(move |i| o + i as isize * stride))
            .collect();
    }
    out
}

/// `x[indices]` with tensor indices: always a copy.
pub fn index(input: &Tensor, indices: &[Option<Tensor>]) -> OpResult<Tensor> {
    let Picks { shape, offsets } = picks(input, indices)?;
    let meta = input.is_meta() || indices.iter().flatten().any(|t| t.is_meta());
    let out = Tensor::empty_on(&shape, input.dtype(), input.device());
    if meta {
        return Ok(Tensor::empty_on(&shape, input.dtype(), Device::Meta));
    }
    with_element!(input.dtype(), T => {
        let (src, dst) = (input.data_ptr() as *const T, out.data_ptr() as *mut T);
        for (i, &o) in offsets.iter().enumerate() {
            // SAFETY: offsets were built from in-bounds indices over input's own layout, and
            // `out` is contiguous with one element per offset.
            unsafe { *dst.add(i) = *src.offset(o) };
        }
    });
    Ok(out)
}

/// `x[indices] = values` (or `+=` with `accumulate`, which sums repeated positions the way
/// autograd needs for the gradient of an index). Writes through `target`'s own layout, so a
/// non-contiguous view is updated in place.
pub fn index_put_(
    target: &Tensor,
    indices: &[Option<Tensor>],
    values: &Tensor,
    accumulate: bool,
) -> OpResult<()> {
    let Picks { shape, offsets } = picks(target, indices)?;
    target.storage().bump_version();
    let values = values
        .to_dtype(target.dtype())
        .broadcast_to(&shape)
        .map_err(|_| {
            OpError::runtime(format!(
                "shape mismatch: value tensor of shape {:?} cannot be broadcast to indexing result of shape {:?}",
                values.shape(),
                shape
            ))
        })?
        .contiguous();
    if target.is_meta() || values.is_meta() || indices.iter().flatten().any(|t| t.is_meta()) {
        return Ok(());
    }
    let is_float = target.dtype().is_floating_point();
    with_element!(target.dtype(), T => {
        let (src, dst) = (values.data_ptr() as *const T, target.data_ptr() as *mut T);
        for (i, &o) in offsets.iter().enumerate() {
            // SAFETY: as in `index`; `values` is contiguous over the picked shape.
            unsafe {
                let v = *src.add(i);
                let slot = dst.offset(o);
                *slot = if !accumulate {
                    v
                } else if is_float {
                    T::from_f64((*slot).to_f64() + v.to_f64())
                } else if T::DTYPE == DType::Bool {
                    T::from_bool((*slot).to_bool() || v.to_bool())
                } else {
                    T::from_i64((*slot).to_i64().wrapping_add(v.to_i64()))
                };
            }
        }
    });
    Ok(())
}

/// `torch.nonzero`: the coordinates of every non-zero element, one row each (int64, n × ndim).
pub fn nonzero(input: &Tensor) -> OpResult<Tensor> {
    if input.is_meta() {
        return Err(OpError::not_implemented(
            "aten::nonzero: its output shape depends on the data, which a meta tensor does not have",
        ));
    }
    let flags = input.to_vec::<bool>();
    let ndim = input.ndim();
    let strides = contiguous_strides(input.shape());
    let mut coords: Vec<i64> = Vec::new();
    let mut rows = 0;
    for (flat, _) in flags.iter().enumerate().filter(|(_, f)| **f) {
        rows += 1;
        let mut rem = flat as isize;
        for &s in &strides {
            coords.push((rem / s.max(1)) as i64);
            rem %= s.max(1);
        }
    }
    Ok(Tensor::from_vec(coords, &[rows, ndim]))
}
