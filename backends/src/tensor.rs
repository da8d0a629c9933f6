//! A tensor: a dtype, a strided layout (shape, strides, storage offset in elements) and a
//! shared storage. Views share the storage and differ only in layout.

use std::sync::Arc;

use smelt_tracer::shape::{self, Shape, Strides};
use smelt_tracer::{DType, OpError, OpResult};

use crate::element::{Element, Scalar};
use crate::storage::{Device, Storage};

#[derive(Clone)]
pub struct Tensor {
    storage: Arc<Storage>,
    dtype: DType,
    shape: Shape,
    strides: Strides,
    offset: usize,
}

impl Tensor {
    /// A new contiguous tensor of `shape` over storage made by `make(nbytes)`.
    fn fresh(shape: &[usize], dtype: DType, make: impl FnOnce(usize) -> Storage) -> Tensor {
        Tensor {
            storage: Arc::new(make(shape::numel(shape) * dtype.itemsize())),
            dtype,
            shape: shape.to_vec(),
            strides: shape::contiguous_strides(shape),
            offset: 0,
        }
    }

    /// A new contiguous CPU tensor filled with zeros.
    pub fn zeros(shape: &[usize], dtype: DType) -> Tensor {
        Tensor::fresh(shape, dtype, Storage::zeroed_host)
    }

    /// A new contiguous tensor on `device`: zeros on the CPU, no data on meta.
    pub fn empty_on(shape: &[usize], dtype: DType, device: Device) -> Tensor {
        match device {
            Device::Meta => Tensor::fresh(shape, dtype, Storage::meta),
            _ => Tensor::zeros(shape, dtype),
        }
    }

    /// A new contiguous tensor on `device` whose contents are unspecified: for kernel outputs
    /// that are written in full before anyone reads them (no zero fill).
    pub fn uninit_on(shape: &[usize], dtype: DType, device: Device) -> Tensor {
        match device {
            Device::Meta => Tensor::fresh(shape, dtype, Storage::meta),
            _ => Tensor::fresh(shape, dtype, Storage::uninit_host),
        }
    }

    /// A new tensor with the given (dense) strides over a storage of exactly numel elements.
    pub(crate) fn empty_strided(
        shape: &[usize],
        strides: &[isize],
        dtype: DType,
        device: Device,
    ) -> Tensor {
        let fresh = Tensor::empty_on(shape, dtype, device);
        Tensor {
            strides: strides.to_vec(),
            ..fresh
        }
    }

    /// The same layout over a meta storage of the same size.
    pub fn to_meta(&self) -> Tensor {
        Tensor {
            storage: Arc::new(Storage::meta(self.storage.nbytes())),
            dtype: self.dtype,
            shape: self.shape.clone(),
            strides: self.strides.clone(),
            offset: self.offset,
        }
    }

    /// A contiguous tensor holding `values`.
    pub fn from_vec<T: Element>(values: Vec<T>, shape: &[usize]) -> Tensor {
        assert_eq!(
            values.len(),
            shape::numel(shape),
            "from_vec: element count and shape disagree"
        );
        let t = Tensor::zeros(shape, T::DTYPE);
        // SAFETY: the new storage holds exactly numel elements of T, and nothing else sees it yet.
        unsafe {
            std::ptr::copy_nonoverlapping(values.as_ptr(), t.data_ptr() as *mut T, values.len())
        };
        t
    }

    pub fn scalar(value: Scalar, dtype: DType) -> Tensor {
        let t = Tensor::zeros(&[], dtype);
        crate::with_element!(dtype, T => unsafe { *(t.data_ptr() as *mut T) = value.to_element::<T>() });
        t
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }
    pub fn offset(&self) -> usize {
        self.offset
    }
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    pub fn numel(&self) -> usize {
        shape::numel(&self.shape)
    }
    pub fn device(&self) -> Device {
        self.storage.device()
    }
    pub fn is_meta(&self) -> bool {
        self.device() == Device::Meta
    }
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }
    pub fn is_contiguous(&self) -> bool {
        shape::is_contiguous(&self.shape, &self.strides)
    }

    /// Address of element [0, 0, ...] (the storage start plus the offset).
    pub fn data_ptr(&self) -> *mut u8 {
        // SAFETY: offsets of a valid layout stay inside the storage (checked when views are made).
        unsafe {
            self.storage
                .host_ptr()
                .add(self.offset * self.dtype.itemsize())
        }
    }

    /// Whether two tensors share a storage (they may or may not overlap within it).
    pub fn same_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }

    /// Same storage, new layout. The caller keeps every reachable element inside the storage.
    pub(crate) fn with_layout(&self, shape: Shape, strides: Strides, offset: usize) -> Tensor {
        debug_assert!(layout_fits(
            &shape,
            &strides,
            offset,
            self.storage.nbytes() / self.dtype.itemsize().max(1)
        ));
        Tensor {
            storage: self.storage.clone(),
            dtype: self.dtype,
            shape,
            strides,
            offset,
        }
    }

    /// Reads one element (by multi-index) as a Python number.
    pub fn get(&self, index: &[usize]) -> Scalar {
        let off: isize = index
            .iter()
            .zip(&self.strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        crate::with_element!(self.dtype, T => {
            // SAFETY: index is within shape, so the element is inside the storage.
            let v = unsafe { *(self.data_ptr() as *const T).offset(off) };
            Scalar::read(v)
        })
    }

    /// The single value of a one-element tensor (`Tensor.item()`).
    pub fn item(&self) -> OpResult<Scalar> {
        if self.is_meta() {
            return Err(OpError::not_implemented(
                "Tensor.item() cannot be called on meta tensors",
            ));
        }
        if self.numel() != 1 {
            return Err(OpError::runtime(format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            )));
        }
        Ok(self.get(&vec![0; self.ndim()]))
    }

    /// All elements in row-major order.
    pub fn to_vec<T: Element>(&self) -> Vec<T> {
        let src = self.to_dtype(T::DTYPE);
        let src = src.contiguous();
        let n = src.numel();
        let mut out = Vec::with_capacity(n);
        // SAFETY: a contiguous tensor of n elements of T.
        unsafe {
            std::ptr::copy_nonoverlapping(src.data_ptr() as *const T, out.as_mut_ptr(), n);
            out.set_len(n);
        }
        out
    }
}

pub(crate) fn layout_fits(
    shape: &[usize],
    strides: &[isize],
    offset: usize,
    storage_len: usize,
) -> bool {
    if shape::numel(shape) == 0 {
        return true;
    }
    let mut lo = offset as isize;
    let mut hi = offset as isize;
    for (&size, &stride) in shape.iter().zip(strides) {
        let span = (size as isize - 1) * stride;
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    lo >= 0 && (hi as usize) < storage_len
}

/// Where the output of an op over `inputs` lives: meta if any input is meta (an op over
/// fake values is itself fake), else the CPU.
pub fn output_device(inputs: &[&Tensor]) -> Device {
    if inputs.iter().any(|t| t.is_meta()) {
        Device::Meta
    } else {
        Device::Cpu
    }
}

/// PyTorch's error for copying values out of a meta tensor into real memory.
pub(crate) fn meta_has_no_data() -> OpError {
    OpError::not_implemented("Cannot copy out of meta tensor; no data!")
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tensor")
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("strides", &self.strides)
            .field("offset", &self.offset)
            .finish()
    }
}
