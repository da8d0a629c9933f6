//! Kernels that work lane by lane along one dim: cumulative sums, max/min with indices,
//! sorting, gathering and scattering by index, concatenation.

use smelt_tracer::shape::wrap_dim;
use smelt_tracer::{DType, OpError, OpResult};

use crate::element::Element;
use crate::strided::for_each_lane;
use crate::tensor::{Tensor, output_device};
use crate::with_element;

/// Reads lane element `i` of a typed pointer.
#[inline(always)]
unsafe fn at<T: Copy>(p: *const T, start: isize, step: isize, i: usize) -> T {
    // SAFETY: the caller passes a lane of a valid layout and i < its length.
    unsafe { *p.offset(start + i as isize * step) }
}

/// `torch.cumsum(input, dim)`: integer and bool inputs accumulate into int64.
pub fn cumsum(input: &Tensor, dim: i64) -> OpResult<Tensor> {
    let d = wrap_dim(dim, input.ndim())?;
    let out_dtype = if input.dtype().is_floating_point() {
        input.dtype()
    } else {
        DType::Int64
    };
    let src = input.to_dtype(out_dtype);
    let out = Tensor::empty_on(input.shape(), out_dtype, input.device());
    if input.ndim() == 0 || out.is_meta() {
        out.copy_(&src)?;
        return Ok(out);
    }
    with_element!(out_dtype, T => {
        let (ps, po) = (src.data_ptr() as *const T, out.data_ptr() as *mut T);
        for_each_lane(input.shape(), [src.strides(), out.strides()], d, |[os, oo], [ss, so], n| {
            let mut acc = 0.0f64;
            let mut iacc = 0i64;
            for i in 0..n {
                // SAFETY: lanes of the two tensors' layouts over the same shape.
                unsafe {
                    let x = at(ps, os, ss, i);
                    let y = if T::DTYPE.is_floating_point() {
                        acc += x.to_f64();
                        T::from_f64(acc)
                    } else {
                        iacc = iacc.wrapping_add(x.to_i64());
                        T::from_i64(iacc)
                    };
                    *po.offset(oo + i as isize * so) = y;
                }
            }
        });
    });
    Ok(out)
}

/// Which extreme `max_min` looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    Max,
    Min,
}

/// `torch.max(input, dim)` / `min`: values and the index of the first extreme (a NaN counts as
/// the extreme, as in PyTorch).
pub fn max_min(
    input: &Tensor,
    dim: i64,
    keepdim: bool,
    which: Extreme,
) -> OpResult<(Tensor, Tensor)> {
    let d = wrap_dim(dim, input.ndim())?;
    let name = if which == Extreme::Max { "max" } else { "min" };
    if input.ndim() > 0 && input.shape()[d] == 0 {
        return Err(OpError::index(format!(
            "{name}(): Expected reduction dim {d} to have non-zero size."
        )));
    }
    let src = if input.ndim() == 0 {
        input.reshape(&[1])?
    } else {
        input.clone()
    };
    let mut kept: Vec<usize> = src.shape().to_vec();
    kept[d] = 1;
    let values = Tensor::empty_on(&kept, src.dtype(), src.device());
    let indices = Tensor::empty_on(&kept, DType::Int64, src.device());
    if !src.is_meta() {
        with_element!(src.dtype(), T => {
            let (ps, pv, pi) = (src.data_ptr() as *const T, values.data_ptr() as *mut T, indices.data_ptr() as *mut i64);
            for_each_lane(src.shape(), [src.strides(), values.strides(), indices.strides()], d, |[os, ov, oi], [ss, _, _], n| {
                let mut best = 0usize;
                // SAFETY: lanes of valid layouts; the outputs have one slot per lane.
                unsafe {
                    let mut best_v = at(ps, os, ss, 0).to_f64();
                    for i in 1..n {
                        let v = at(ps, os, ss, i).to_f64();
                        if best_v.is_nan() {
                            break;
                        }
                        let better = v.is_nan() || if which == Extreme::Max { v > best_v } else { v < best_v };
                        if better {
                            best = i;
                            best_v = v;
                        }
                    }
                    *pv.offset(ov) = at(ps, os, ss, best);
                    *pi.offset(oi) = best as i64;
                }
            });
        });
    }
    if keepdim && input.ndim() > 0 {
        return Ok((values, indices));
    }
    let shape: Vec<i64> = input
        .shape()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != d || input.ndim() == 0)
        .map(|(_, s)| *s as i64)
        .collect();
    Ok((values.reshape(&shape)?, indices.reshape(&shape)?))
}

/// `torch.sort(input, dim, descending, stable)`: values and their original indices; NaN sorts
/// above every number, as in PyTorch.
pub fn sort(input: &Tensor, dim: i64, descending: bool) -> OpResult<(Tensor, Tensor)> {
    let src = if input.ndim() == 0 {
        input.reshape(&[1])?
    } else {
        input.clone()
    };
    let d = wrap_dim(dim, src.ndim())?;
    let values = Tensor::empty_on(src.shape(), src.dtype(), src.device());
    let indices = Tensor::empty_on(src.shape(), DType::Int64, src.device());
    if src.is_meta() {
        return Ok((values, indices));
    }
    with_element!(src.dtype(), T => {
        let (ps, pv, pi) = (src.data_ptr() as *const T, values.data_ptr() as *mut T, indices.data_ptr() as *mut i64);
        let mut lane_buf: Vec<(f64, usize)> = Vec::new();
        for_each_lane(src.shape(), [src.strides(), values.strides(), indices.strides()], d, |[os, ov, oi], [ss, sv, si], n| {
            lane_buf.clear();
            // SAFETY: lanes of valid layouts over the same shape.
            unsafe {
                lane_buf.extend((0..n).map(|i| (at(ps, os, ss, i).to_f64(), i)));
                let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
                lane_buf.sort_by(|a, b| {
                    let ord = key(a.0).total_cmp(&key(b.0)).then((a.0.is_nan()).cmp(&b.0.is_nan()));
                    if descending { ord.reverse() } else { ord }
                });
                for (j, &(_, i)) in lane_buf.iter().enumerate() {
                    *pv.offset(ov + j as isize * sv) = at(ps, os, ss, i);
                    *pi.offset(oi + j as isize * si) = i as i64;
                }
            }
        });
    });
    if input.ndim() == 0 {
        return Ok((values.reshape(&[])?, indices.reshape(&[])?));
    }
    Ok((values, indices))
}

fn check_index(i: i64, size: usize, dim: usize) -> OpResult<usize> {
    let s = size as i64;
    if i < -s || i >= s {
        return Err(OpError::index(format!(
            "index {i} is out of bounds for dimension {dim} with size {size}"
        )));
    }
    Ok(if i < 0 { (i + s) as usize } else { i as usize })
}

fn check_index_dtype(index: &Tensor) -> OpResult<()> {
    if !matches!(index.dtype(), DType::Int64 | DType::Int32) {
        return Err(OpError::runtime(format!(
            "index_select(): Expected dtype int32/int64 for index but got: {}",
            index.dtype().scalar_type_name()
        )));
    }
    Ok(())
}

/// `torch.index_select(input, dim, index)`: a copy holding the slices `index` names.
pub fn index_select(input: &Tensor, dim: i64, index: &Tensor) -> OpResult<Tensor> {
    if index.ndim() > 1 {
        return Err(OpError::index(
            "index_select(): Index is supposed to be a vector",
        ));
    }
    let d = wrap_dim(dim, input.ndim())?;
    check_index_dtype(index)?;
    let src = if input.ndim() == 0 {
        input.reshape(&[1])?
    } else {
        input.clone()
    };
    let mut shape = src.shape().to_vec();
    shape[d] = index.numel();
    let out = Tensor::empty_on(&shape, input.dtype(), output_device(&[input, index]));
    if !out.is_meta() {
        for (j, i) in index.to_vec::<i64>().into_iter().enumerate() {
            let i = check_index(i, src.shape()[d], d)?;
            out.select(d as i64, j as i64)?
                .copy_(&src.select(d as i64, i as i64)?)?;
        }
    }
    if input.ndim() == 0 {
        return out.reshape(&[]);
    }
    Ok(out)
}

/// `torch.gather(input, dim, index)`: out[i][j] = input[index[i][j]][j] (for dim 0).
pub fn gather(input: &Tensor, dim: i64, index: &Tensor) -> OpResult<Tensor> {
    let d = wrap_dim(dim, input.ndim())?;
    if index.ndim() != input.ndim() {
        return Err(OpError::runtime(
            "Index tensor must have the same number of dimensions as input tensor",
        ));
    }
    let out = Tensor::empty_on(index.shape(), input.dtype(), output_device(&[input, index]));
    if out.is_meta() {
        return Ok(out);
    }
    with_element!(input.dtype(), T => {
        let (pin, po) = (input.data_ptr() as *const T, out.data_ptr() as *mut T);
        // SAFETY: walk_index hands out in-bounds offsets of `out` and `input`.
        walk_index("gather", index, d, input.shape()[d], out.strides(), input.strides(), |o, i| unsafe {
            *po.offset(o) = *pin.offset(i)
        })?;
    });
    Ok(out)
}

/// Walks `index` along dim `d`, calling `visit(plain, indexed)` for each element: `plain` is the
/// offset of that element's own position in a layout with strides `plain_strides`, `indexed`
/// the offset in `indexed_strides` with the `d` coordinate replaced by the index value. Fails
/// on a wrong index dtype or any value outside `0..size` (nothing is visited past it).
fn walk_index(
    op: &str,
    index: &Tensor,
    d: usize,
    size: usize,
    plain_strides: &[isize],
    indexed_strides: &[isize],
    mut visit: impl FnMut(isize, isize),
) -> OpResult<()> {
    if index.dtype() != DType::Int64 {
        return Err(OpError::runtime(format!(
            "{op}(): Expected dtype int64 for index"
        )));
    }
    let pidx = index.data_ptr() as *const i64;
    let mut bad = None;
    for_each_lane(
        index.shape(),
        [index.strides(), plain_strides, indexed_strides],
        d,
        |[oi, op_, ox], [si, sp, _], n| {
            for j in 0..n {
                // SAFETY: a lane of the index's own layout.
                let k = unsafe { at(pidx, oi, si, j) };
                if k < 0 || k as usize >= size {
                    bad.get_or_insert(k);
                    continue;
                }
                visit(op_ + j as isize * sp, ox + k as isize * indexed_strides[d]);
            }
        },
    );
    match bad {
        Some(k) => Err(OpError::runtime(format!(
            "index {k} is out of bounds for dimension {d} with size {size}"
        ))),
        None => Ok(()),
    }
}

/// `Tensor.scatter_(dim, index, src)`: self[index[i][j]][j] = src[i][j] (for dim 0).
pub fn scatter_(target: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> OpResult<()> {
    target.storage().bump_version();
    let d = wrap_dim(dim, target.ndim())?;
    let src = src.to_dtype(target.dtype());
    if target.is_meta() || src.is_meta() || index.is_meta() {
        return Ok(());
    }
    with_element!(target.dtype(), T => {
        let (pt, ps) = (target.data_ptr() as *mut T, src.data_ptr() as *const T);
        // SAFETY: walk_index hands out in-bounds offsets of `src` and `target`.
        walk_index("scatter", index, d, target.shape()[d], src.strides(), target.strides(), |s, t| unsafe {
            *pt.offset(t) = *ps.offset(s)
        })?;
    });
    Ok(())
}

/// `torch.cat(tensors, dim)`: dtypes promote; every other dim must match.
pub fn cat(tensors: &[Tensor], dim: i64) -> OpResult<Tensor> {
    let Some(first) = tensors.iter().find(|t| !(t.ndim() == 1 && t.numel() == 0)) else {
        return Ok(tensors
            .first()
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(&[0], DType::Float32)));
    };
    if first.ndim() == 0 {
        return Err(OpError::runtime(
            "zero-dimensional tensor (at position 0) cannot be concatenated",
        ));
    }
    let d = wrap_dim(dim, first.ndim())?;
    let dtype = tensors
        .iter()
        .map(|t| t.dtype())
        .reduce(smelt_tracer::dtype::promote_types)
        .unwrap_or(first.dtype());
    let mut shape = first.shape().to_vec();
    shape[d] = 0;
    for (i, t) in tensors.iter().enumerate() {
        if t.ndim() == 1 && t.numel() == 0 {
            continue;
        }
        if t.ndim() != first.ndim() {
            return Err(OpError::runtime(format!(
                "Tensors must have same number of dimensions: got {} and {}",
                first.ndim(),
                t.ndim()
            )));
        }
        for k in 0..t.ndim() {
            if k != d && t.shape()[k] != first.shape()[k] {
                return Err(OpError::runtime(format!(
                    "Sizes of tensors must match except in dimension {d}. Expected size {} but got size {} for tensor number {i} in the list.",
                    first.shape()[k],
                    t.shape()[k]
                )));
            }
        }
        shape[d] += t.shape()[d];
    }
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let out = Tensor::empty_on(&shape, dtype, output_device(&refs));
    let mut at_row = 0usize;
    for t in tensors {
        if t.ndim() == 1 && t.numel() == 0 {
            continue;
        }
        let len = t.shape()[d];
        out.slice(d, at_row, at_row + len, 1)?.copy_(t)?;
        at_row += len;
    }
    Ok(out)
}

/// `torch.where(condition, a, b)` with a and b already converted to their common dtype.
pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> OpResult<Tensor> {
    if cond.dtype() != DType::Bool {
        return Err(OpError::runtime(format!(
            "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
            cond.dtype().scalar_type_name()
        )));
    }
    let shape = smelt_tracer::shape::broadcast_shapes(cond.shape(), a.shape())?;
    let shape = smelt_tracer::shape::broadcast_shapes(&shape, b.shape())?;
    let (c, x, y) = (
        cond.broadcast_to(&shape)?,
        a.broadcast_to(&shape)?,
        b.broadcast_to(&shape)?,
    );
    let out = Tensor::empty_on(&shape, a.dtype(), output_device(&[cond, a, b]));
    if out.is_meta() {
        return Ok(out);
    }
    with_element!(a.dtype(), T => {
        let (pc, px, py, po) = (c.data_ptr() as *const bool, x.data_ptr() as *const T, y.data_ptr() as *const T, out.data_ptr() as *mut T);
        crate::strided::for_each_row(&shape, [c.strides(), x.strides(), y.strides(), out.strides()], |[oc, ox, oy, oo], [sc, sx, sy, so], n| {
            for i in 0..n {
                // SAFETY: rows of four layouts over the same (broadcast) shape.
                unsafe {
                    let v = if at(pc, oc, sc, i) { at(px, ox, sx, i) } else { at(py, oy, sy, i) };
                    *po.offset(oo + i as isize * so) = v;
                }
            }
        });
    });
    Ok(out)
}
