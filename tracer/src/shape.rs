//! Shape arithmetic shared by fake tensors and real ones: broadcasting, contiguous strides,
//! dimension wrapping and the stride rule that decides whether `view` can alias.

use crate::error::{OpError, OpResult};

pub type Shape = Vec<usize>;
pub type Strides = Vec<isize>;

/// `2, 3, 4`: sizes as PyTorch lists them inside brackets in its messages.
pub fn join_dims<T: std::fmt::Display>(dims: &[T]) -> String {
    dims.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides for `shape` (a size-1 or size-0 dim still gets the product stride).
pub fn contiguous_strides(shape: &[usize]) -> Strides {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for (i, &size) in shape.iter().enumerate().rev() {
        strides[i] = acc;
        acc *= size.max(1) as isize;
    }
    strides
}

/// PyTorch's `is_contiguous`: size-1 dims may have any stride, and an empty tensor is contiguous.
pub fn is_contiguous(shape: &[usize], strides: &[isize]) -> bool {
    if numel(shape) == 0 {
        return true;
    }
    let mut expected = 1isize;
    for (&size, &stride) in shape.iter().zip(strides).rev() {
        if size != 1 {
            if stride != expected {
                return false;
            }
            expected *= size as isize;
        }
    }
    true
}

/// Wraps a possibly negative dimension index into `0..ndim`, as PyTorch's `maybe_wrap_dim`
/// (a 0-dim tensor accepts dims -1 and 0).
pub fn wrap_dim(dim: i64, ndim: usize) -> OpResult<usize> {
    let span = ndim.max(1) as i64;
    if dim < -span || dim >= span {
        return Err(OpError::index(format!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -span,
            span - 1
        )));
    }
    Ok(if dim < 0 {
        (dim + span) as usize
    } else {
        dim as usize
    })
}

/// The broadcast shape of two shapes, or PyTorch's error naming the mismatched sizes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> OpResult<Shape> {
    let ndim = a.len().max(b.len());
    let mut out = vec![0usize; ndim];
    for i in 0..ndim {
        let da = if i + a.len() >= ndim {
            a[i + a.len() - ndim]
        } else {
            1
        };
        let db = if i + b.len() >= ndim {
            b[i + b.len() - ndim]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(OpError::runtime(format!(
                "The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {i}"
            )));
        };
    }
    Ok(out)
}

/// Strides that read a tensor of `shape`/`strides` as if it had the (broadcast) shape `to`:
/// new leading dims and expanded size-1 dims get stride 0.
pub fn broadcast_strides(shape: &[usize], strides: &[isize], to: &[usize]) -> Strides {
    let offset = to.len() - shape.len();
    (0..to.len())
        .map(|i| {
            if i < offset || shape[i - offset] != to[i] {
                0
            } else {
                strides[i - offset]
            }
        })
        .collect()
}

/// Resolves one `-1` in a requested shape against `numel`, as `view`/`reshape` do.
pub fn infer_size(requested: &[i64], numel: usize) -> OpResult<Shape> {
    let mut infer_at = None;
    let mut known = 1usize;
    for (i, &size) in requested.iter().enumerate() {
        if size == -1 {
            if infer_at.replace(i).is_some() {
                return Err(OpError::runtime("only one dimension can be inferred"));
            }
        } else if size < 0 {
            return Err(OpError::runtime(format!("invalid shape dimension {size}")));
        } else {
            known *= size as usize;
        }
    }
    let shown = || format!("[{}]", join_dims(requested));
    let mut shape: Shape = requested.iter().map(|&s| s.max(0) as usize).collect();
    match infer_at {
        Some(i) => {
            if known == 0 || !numel.is_multiple_of(known) {
                return Err(OpError::runtime(format!(
                    "shape '{}' is invalid for input of size {numel}",
                    shown()
                )));
            }
            shape[i] = numel / known;
        }
        None if known != numel => {
            return Err(OpError::runtime(format!(
                "shape '{}' is invalid for input of size {numel}",
                shown()
            )));
        }
        None => {}
    }
    Ok(shape)
}

/// Strides for viewing (`old_shape`, `old_strides`) as `new_shape` without copying, if the
/// memory layout allows it (PyTorch's `computeStride`): each run of old dims that is
/// contiguous within itself can be split or merged freely.
pub fn view_strides(
    old_shape: &[usize],
    old_strides: &[isize],
    new_shape: &[usize],
) -> Option<Strides> {
    if old_shape.is_empty() {
        return Some(vec![1; new_shape.len()]);
    }
    if numel(old_shape) == 0 {
        return Some(contiguous_strides(new_shape));
    }
    let mut new_strides = vec![0isize; new_shape.len()];
    let mut view_d = new_shape.len() as isize - 1;
    let mut chunk_base_stride = *old_strides.last().unwrap();
    let mut tensor_numel = 1usize;
    let mut view_numel = 1usize;
    for tensor_d in (0..old_shape.len()).rev() {
        tensor_numel *= old_shape[tensor_d];
        let chunk_ends = tensor_d == 0
            || (old_shape[tensor_d - 1] != 1
                && old_strides[tensor_d - 1] != tensor_numel as isize * chunk_base_stride);
        if chunk_ends {
            while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1) {
                new_strides[view_d as usize] = view_numel as isize * chunk_base_stride;
                view_numel *= new_shape[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return None;
            }
            if tensor_d > 0 {
                chunk_base_stride = old_strides[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if view_d != -1 {
        return None;
    }
    Some(new_strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap(), vec![3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 2]).unwrap(), vec![2, 2]);
        assert_eq!(broadcast_shapes(&[0, 1], &[1, 5]).unwrap(), vec![0, 5]);
        let err = broadcast_shapes(&[2, 3], &[4]).unwrap_err();
        assert_eq!(
            err.message,
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
        );
        assert_eq!(
            broadcast_strides(&[3, 1], &[1, 1], &[2, 3, 4]),
            vec![0, 1, 0]
        );
    }

    #[test]
    fn strides_and_contiguity() {
        assert_eq!(contiguous_strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(contiguous_strides(&[2, 0, 4]), vec![4, 4, 1]);
        assert!(is_contiguous(&[2, 1, 3], &[3, 99, 1]));
        assert!(!is_contiguous(&[3, 2], &[1, 3]));
    }

    #[test]
    fn dims_and_sizes() {
        assert_eq!(wrap_dim(-1, 3).unwrap(), 2);
        assert_eq!(wrap_dim(0, 0).unwrap(), 0);
        assert_eq!(
            wrap_dim(3, 3).unwrap_err().message,
            "Dimension out of range (expected to be in range of [-3, 2], but got 3)"
        );
        assert_eq!(infer_size(&[-1, 4], 12).unwrap(), vec![3, 4]);
        assert_eq!(
            infer_size(&[5, -1], 12).unwrap_err().message,
            "shape '[5, -1]' is invalid for input of size 12"
        );
    }

    #[test]
    fn views_that_alias() {
        // Contiguous: any reshape works.
        assert_eq!(
            view_strides(&[2, 3, 4], &[12, 4, 1], &[6, 4]),
            Some(vec![4, 1])
        );
        // A transpose can't be flattened ...
        assert_eq!(view_strides(&[3, 2], &[1, 3], &[6]), None);
        // ... but its contiguous inner dim can be split.
        assert_eq!(
            view_strides(&[4, 6], &[1, 4], &[4, 2, 3]),
            Some(vec![1, 12, 4])
        );
        assert_eq!(
            view_strides(&[2, 3], &[3, 1], &[2, 1, 3]),
            Some(vec![3, 3, 1])
        );
    }
}
