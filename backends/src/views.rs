//! Ops that return a view: same storage, new layout, no data copied.

use smelt_tracer::shape::{self, wrap_dim};
use smelt_tracer::{DType, OpError, OpResult};

use crate::tensor::Tensor;

fn fmt_shape(shape: &[usize]) -> String {
    format!("[{}]", shape::join_dims(shape))
}

impl Tensor {
    /// `Tensor.view(*shape)`: fails where the layout can't be reinterpreted without a copy.
    pub fn view(&self, requested: &[i64]) -> OpResult<Tensor> {
        let new_shape = shape::infer_size(requested, self.numel())?;
        match shape::view_strides(self.shape(), self.strides(), &new_shape) {
            Some(strides) => Ok(self.with_layout(new_shape, strides, self.offset())),
            None => Err(OpError::runtime(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
            )),
        }
    }

    /// `Tensor.reshape(*shape)`: a view when possible, otherwise a contiguous copy.
    pub fn reshape(&self, requested: &[i64]) -> OpResult<Tensor> {
        let new_shape = shape::infer_size(requested, self.numel())?;
        match shape::view_strides(self.shape(), self.strides(), &new_shape) {
            Some(strides) => Ok(self.with_layout(new_shape, strides, self.offset())),
            None => {
                let copy = self.contiguous();
                let strides = shape::contiguous_strides(&new_shape);
                Ok(copy.with_layout(new_shape, strides, 0))
            }
        }
    }

    pub fn transpose(&self, dim0: i64, dim1: i64) -> OpResult<Tensor> {
        let (a, b) = (wrap_dim(dim0, self.ndim())?, wrap_dim(dim1, self.ndim())?);
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        if self.ndim() > 0 {
            shape.swap(a, b);
            strides.swap(a, b);
        }
        Ok(self.with_layout(shape, strides, self.offset()))
    }

    /// `Tensor.t()`: transpose of a tensor with at most two dims.
    pub fn t(&self) -> OpResult<Tensor> {
        if self.ndim() > 2 {
            return Err(OpError::runtime(format!(
                "t() expects a tensor with <= 2 dimensions, but self is {}D",
                self.ndim()
            )));
        }
        if self.ndim() < 2 {
            Ok(self.clone())
        } else {
            self.transpose(0, 1)
        }
    }

    pub fn permute(&self, dims: &[i64]) -> OpResult<Tensor> {
        if dims.len() != self.ndim() {
            return Err(OpError::runtime(format!(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
                self.ndim(),
                dims.len()
            )));
        }
        let mut seen = vec![false; self.ndim()];
        let mut shape = Vec::with_capacity(dims.len());
        let mut strides = Vec::with_capacity(dims.len());
        for &d in dims {
            let d = wrap_dim(d, self.ndim())?;
            if std::mem::replace(&mut seen[d], true) {
                return Err(OpError::runtime(
                    "permute(): duplicate dims are not allowed.",
                ));
            }
            shape.push(self.shape()[d]);
            strides.push(self.strides()[d]);
        }
        Ok(self.with_layout(shape, strides, self.offset()))
    }

    /// `Tensor.expand(*sizes)`: size-1 dims (and new leading dims) repeat with stride 0.
    pub fn expand(&self, sizes: &[i64]) -> OpResult<Tensor> {
        if sizes.len() < self.ndim() {
            return Err(OpError::runtime(format!(
                "expand(torch.{}Tensor{{{}}}, size=[{}]): the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                self.dtype().scalar_type_name(),
                fmt_shape(self.shape()),
                shape::join_dims(sizes),
                sizes.len(),
                self.ndim()
            )));
        }
        let lead = sizes.len() - self.ndim();
        let mut shape = Vec::with_capacity(sizes.len());
        let mut strides = Vec::with_capacity(sizes.len());
        for (i, &want) in sizes.iter().enumerate() {
            if i < lead {
                if want < 0 {
                    return Err(OpError::runtime(format!(
                        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                    )));
                }
                shape.push(want as usize);
                strides.push(0);
                continue;
            }
            let have = self.shape()[i - lead];
            let stride = self.strides()[i - lead];
            if want == -1 || want as usize == have {
                shape.push(have);
                strides.push(stride);
            } else if have == 1 {
                shape.push(want as usize);
                strides.push(0);
            } else {
                return Err(OpError::runtime(format!(
                    "The expanded size of the tensor ({want}) must match the existing size ({have}) at non-singleton dimension {i}.  Target sizes: [{}].  Tensor sizes: {}",
                    shape::join_dims(sizes),
                    fmt_shape(self.shape())
                )));
            }
        }
        Ok(self.with_layout(shape, strides, self.offset()))
    }

    /// Broadcasts to `shape` (which must be a valid broadcast target).
    pub fn broadcast_to(&self, shape: &[usize]) -> OpResult<Tensor> {
        let sizes: Vec<i64> = shape.iter().map(|&s| s as i64).collect();
        self.expand(&sizes)
    }

    pub fn squeeze(&self, dim: Option<i64>) -> OpResult<Tensor> {
        let keep: Vec<bool> = match dim {
            None => self.shape().iter().map(|&s| s != 1).collect(),
            Some(d) => {
                let d = wrap_dim(d, self.ndim())?;
                (0..self.ndim())
                    .map(|i| i != d || self.shape()[i] != 1)
                    .collect()
            }
        };
        let shape = self
            .shape()
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(s, _)| *s)
            .collect();
        let strides = self
            .strides()
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(s, _)| *s)
            .collect();
        Ok(self.with_layout(shape, strides, self.offset()))
    }

    pub fn unsqueeze(&self, dim: i64) -> OpResult<Tensor> {
        let d = wrap_dim(dim, self.ndim() + 1)?;
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        let stride = if d < self.ndim() {
            strides[d] * shape[d] as isize
        } else {
            1
        };
        shape.insert(d, 1);
        strides.insert(d, stride);
        Ok(self.with_layout(shape, strides, self.offset()))
    }

    /// `Tensor.narrow(dim, start, length)`.
    pub fn narrow(&self, dim: i64, start: i64, length: i64) -> OpResult<Tensor> {
        if self.ndim() == 0 {
            return Err(OpError::runtime(
                "narrow() cannot be applied to a 0-dim tensor.",
            ));
        }
        let d = wrap_dim(dim, self.ndim())?;
        let size = self.shape()[d] as i64;
        let start = if start < 0 { start + size } else { start };
        if start < 0 || start > size || length < 0 || start + length > size {
            return Err(OpError::runtime(format!(
                "start ({start}) + length ({length}) exceeds dimension size ({size})."
            )));
        }
        self.slice(d, start as usize, (start + length) as usize, 1)
    }

    /// Elements `start..end` step `step` along `dim` (already clamped by the caller).
    pub fn slice(&self, dim: usize, start: usize, end: usize, step: usize) -> OpResult<Tensor> {
        if step == 0 {
            return Err(OpError::value("slice step cannot be zero"));
        }
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        let len = if end > start {
            (end - start).div_ceil(step)
        } else {
            0
        };
        let offset = if len == 0 {
            self.offset()
        } else {
            (self.offset() as isize + start as isize * strides[dim]) as usize
        };
        shape[dim] = len;
        strides[dim] *= step as isize;
        Ok(self.with_layout(shape, strides, offset))
    }

    /// `Tensor.select(dim, index)`: removes `dim`, keeping slice `index`.
    pub fn select(&self, dim: i64, index: i64) -> OpResult<Tensor> {
        if self.ndim() == 0 {
            return Err(OpError::index(
                "select() cannot be applied to a 0-dim tensor.",
            ));
        }
        let d = wrap_dim(dim, self.ndim())?;
        let size = self.shape()[d] as i64;
        if index < -size || index >= size {
            return Err(OpError::index(format!(
                "index {index} is out of bounds for dimension {d} with size {size}"
            )));
        }
        let index = if index < 0 { index + size } else { index };
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        let offset = (self.offset() as isize + index as isize * strides[d]) as usize;
        shape.remove(d);
        strides.remove(d);
        Ok(self.with_layout(shape, strides, offset))
    }

    /// `Tensor.as_strided(size, stride, storage_offset)`: any layout over the same storage, as
    /// long as every element it reaches lies inside the storage.
    pub fn as_strided(&self, size: &[usize], stride: &[isize], offset: usize) -> OpResult<Tensor> {
        if size.len() != stride.len() {
            return Err(OpError::runtime(format!(
                "mismatch in length of strides and shape: {} vs {}",
                stride.len(),
                size.len()
            )));
        }
        if stride.iter().any(|&s| s < 0) {
            return Err(OpError::runtime(
                "as_strided: Negative strides are not supported at the moment, got strides: "
                    .to_string()
                    + &format!("{stride:?}"),
            ));
        }
        let storage_len = self.storage().nbytes() / self.dtype().itemsize().max(1);
        if !crate::tensor::layout_fits(size, stride, offset, storage_len) {
            let needed = size
                .iter()
                .zip(stride)
                .map(|(&n, &s)| (n as isize - 1).max(0) * s)
                .sum::<isize>() as usize
                + offset
                + 1;
            return Err(OpError::runtime(format!(
                "setStorage: sizes {}, strides {}, storage offset {offset}, and itemsize {} requiring a storage size of {} are out of bounds for storage of size {}",
                fmt_shape(size),
                format_args!(
                    "[{}]",
                    stride
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                self.dtype().itemsize(),
                needed * self.dtype().itemsize(),
                storage_len * self.dtype().itemsize()
            )));
        }
        Ok(self.with_layout(size.to_vec(), stride.to_vec(), offset))
    }

    /// The elements in row-major order as raw native-endian bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.is_meta() {
            return Vec::new();
        }
        let src = self.contiguous();
        let n = src.numel() * src.dtype().itemsize();
        // SAFETY: a contiguous tensor spans exactly n bytes from its data pointer.
        unsafe { std::slice::from_raw_parts(src.data_ptr() as *const u8, n).to_vec() }
    }

    /// A contiguous tensor whose elements are `bytes` read as `dtype`.
    pub fn from_bytes(bytes: &[u8], shape: &[usize], dtype: DType) -> OpResult<Tensor> {
        let n = shape::numel(shape) * dtype.itemsize();
        if bytes.len() != n {
            return Err(OpError::runtime(format!(
                "expected {n} bytes for a {dtype:?} tensor of shape {}, got {}",
                fmt_shape(shape),
                bytes.len()
            )));
        }
        let t = Tensor::zeros(shape, dtype);
        // SAFETY: the new storage holds exactly n bytes and nothing else sees it yet.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), t.data_ptr(), n) };
        Ok(t)
    }
}
