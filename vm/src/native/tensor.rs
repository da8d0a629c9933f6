//! `torch._C.TensorBase`: the native half of `torch.Tensor`. It owns a runtime tensor and
//! exposes its layout and a few primitives; `torch/_tensor.py` subclasses it as
//! `torch.Tensor` and adds the Python-level API, as PyTorch does.

use std::sync::atomic::{AtomicBool, Ordering};

use rustpython_vm::builtins::{PyBaseExceptionRef, PyTupleRef, PyTypeRef};
use rustpython_vm::class::PyClassImpl;
use rustpython_vm::common::lock::PyRwLock;
use rustpython_vm::{PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
use smelt_backends::{Scalar, Tensor};
use smelt_tracer::{ErrorKind, OpError};

use super::dtype::PyDType;

#[pyclass(name = "TensorBase", module = "torch._C")]
#[derive(PyPayload)]
pub struct PyTensor {
    tensor: PyRwLock<Tensor>,
    requires_grad: AtomicBool,
}

impl std::fmt::Debug for PyTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tensor.read().fmt(f)
    }
}

/// The class native results are made as: `torch.Tensor` once `torch` registered it.
static RESULT_CLASS: PyRwLock<Option<PyTypeRef>> = PyRwLock::new(None);

pub fn set_result_class(cls: PyTypeRef) {
    *RESULT_CLASS.write() = Some(cls);
}

/// Wraps a runtime tensor as a Python `torch.Tensor`.
pub fn wrap(vm: &VirtualMachine, tensor: Tensor) -> PyResult {
    let cls = RESULT_CLASS
        .read()
        .clone()
        .unwrap_or_else(PyTensor::make_static_type);
    let obj = PyTensor {
        tensor: PyRwLock::new(tensor),
        requires_grad: AtomicBool::new(false),
    };
    Ok(obj.into_ref_with_type(vm, cls)?.into())
}

/// A tensor of class `cls` (a `torch.Tensor` subclass such as `nn.Parameter`) sharing `data`'s
/// storage and layout.
pub fn make_subclass(vm: &VirtualMachine, cls: PyTypeRef, data: &PyTensor) -> PyResult {
    let obj = PyTensor {
        tensor: PyRwLock::new(data.get()),
        requires_grad: AtomicBool::new(false),
    };
    Ok(obj.into_ref_with_type(vm, cls)?.into())
}

/// The Python exception PyTorch raises for this op error.
pub fn to_py_err(vm: &VirtualMachine, err: OpError) -> PyBaseExceptionRef {
    let kind = match err.kind {
        ErrorKind::Runtime => vm.ctx.exceptions.runtime_error,
        ErrorKind::Index => vm.ctx.exceptions.index_error,
        ErrorKind::Type => vm.ctx.exceptions.type_error,
        ErrorKind::Value => vm.ctx.exceptions.value_error,
        ErrorKind::NotImplemented => vm.ctx.exceptions.not_implemented_error,
    };
    vm.new_exception_msg(kind.to_owned(), err.message.into())
}

pub fn scalar_to_py(vm: &VirtualMachine, s: Scalar) -> PyObjectRef {
    match s {
        Scalar::Bool(b) => vm.ctx.new_bool(b).into(),
        Scalar::Int(i) => vm.ctx.new_int(i).into(),
        Scalar::Float(f) => vm.ctx.new_float(f).into(),
    }
}

impl PyTensor {
    /// The shape as a tuple of ints (`_shape`).
    pub fn shape_tuple(&self, vm: &VirtualMachine) -> PyTupleRef {
        int_tuple(vm, self.tensor.read().shape().iter().map(|&s| s as i64))
    }

    pub fn shape_values(&self) -> Vec<i64> {
        self.tensor
            .read()
            .shape()
            .iter()
            .map(|&s| s as i64)
            .collect()
    }

    pub fn dtype_value(&self) -> smelt_tracer::DType {
        self.tensor.read().dtype()
    }

    /// The storage's version counter (`_version`).
    pub fn version(&self) -> u64 {
        self.tensor.read().storage().version()
    }

    pub fn set_requires_grad_flag(&self, value: bool) {
        self.requires_grad.store(value, Ordering::Relaxed);
    }

    /// A snapshot of the runtime tensor (cheap: storage is shared).
    pub fn get(&self) -> Tensor {
        self.tensor.read().clone()
    }

    /// A new `torch.Tensor` computed from this one (a view, usually).
    fn derive(&self, vm: &VirtualMachine, f: impl FnOnce(&Tensor) -> Res<Tensor>) -> PyResult {
        let r = f(&self.tensor.read());
        wrap(vm, lift(vm, r)?)
    }
}

type Res<T> = Result<T, OpError>;

fn int_tuple(vm: &VirtualMachine, values: impl Iterator<Item = i64>) -> PyTupleRef {
    vm.ctx
        .new_tuple(values.map(|v| vm.ctx.new_int(v).into()).collect())
}

/// An op's result as a Python result, its error as the exception PyTorch raises.
pub fn lift<T>(vm: &VirtualMachine, r: Res<T>) -> PyResult<T> {
    r.map_err(|e| to_py_err(vm, e))
}

#[pyclass(flags(BASETYPE, HAS_DICT))]
impl PyTensor {
    #[pygetset]
    fn _shape(&self, vm: &VirtualMachine) -> PyTupleRef {
        int_tuple(vm, self.tensor.read().shape().iter().map(|&s| s as i64))
    }

    #[pygetset]
    fn dtype(&self) -> PyRef<PyDType> {
        PyDType::get(self.tensor.read().dtype())
    }

    #[pygetset]
    fn ndim(&self) -> usize {
        self.tensor.read().ndim()
    }

    #[pymethod]
    fn dim(&self) -> usize {
        self.tensor.read().ndim()
    }

    #[pymethod]
    fn numel(&self) -> usize {
        self.tensor.read().numel()
    }

    #[pymethod]
    fn _strides(&self, vm: &VirtualMachine) -> PyTupleRef {
        int_tuple(vm, self.tensor.read().strides().iter().map(|&s| s as i64))
    }

    #[pymethod]
    fn is_contiguous(&self) -> bool {
        self.tensor.read().is_contiguous()
    }

    #[pymethod]
    fn data_ptr(&self) -> usize {
        let t = self.tensor.read();
        // PyTorch's meta tensors report address 0.
        if t.is_meta() {
            0
        } else {
            t.data_ptr() as usize
        }
    }

    /// A meta tensor with this tensor's layout (shape, strides, offset, storage size) and no
    /// data: how a real tensor becomes a fake one.
    #[pymethod]
    fn _to_meta(&self, vm: &VirtualMachine) -> PyResult {
        wrap(vm, self.tensor.read().to_meta())
    }

    #[pymethod]
    fn storage_offset(&self) -> usize {
        self.tensor.read().offset()
    }

    #[pymethod]
    fn element_size(&self) -> usize {
        self.tensor.read().dtype().itemsize()
    }

    #[pygetset]
    fn _device(&self) -> String {
        self.tensor.read().device().to_string()
    }

    /// Shared by every view of the same storage; bumped by in-place writes.
    #[pygetset]
    fn _version(&self) -> u64 {
        self.tensor.read().storage().version()
    }

    #[pygetset]
    pub fn requires_grad(&self) -> bool {
        self.requires_grad.load(Ordering::Relaxed)
    }

    #[pygetset(setter)]
    fn set_requires_grad(&self, value: bool) {
        self.requires_grad.store(value, Ordering::Relaxed);
    }

    #[pymethod]
    fn item(&self, vm: &VirtualMachine) -> PyResult {
        let s = lift(vm, self.tensor.read().item())?;
        Ok(scalar_to_py(vm, s))
    }

    #[pymethod]
    fn tolist(&self, vm: &VirtualMachine) -> PyResult {
        let t = self.get();
        if t.is_meta() {
            return Err(
                vm.new_not_implemented_error("Tensor.tolist() cannot be called on meta tensors")
            );
        }
        fn build(vm: &VirtualMachine, t: &Tensor, index: &mut Vec<usize>) -> PyObjectRef {
            let d = index.len();
            if d == t.ndim() {
                return scalar_to_py(vm, t.get(index));
            }
            let items = (0..t.shape()[d])
                .map(|i| {
                    index.push(i);
                    let v = build(vm, t, index);
                    index.pop();
                    v
                })
                .collect();
            vm.ctx.new_list(items).into()
        }
        Ok(build(vm, &t, &mut Vec::new()))
    }

    #[pymethod]
    fn _view(&self, shape: Vec<i64>, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.view(&shape))
    }

    #[pymethod]
    fn _reshape(&self, shape: Vec<i64>, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.reshape(&shape))
    }

    #[pymethod]
    fn transpose(&self, dim0: i64, dim1: i64, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.transpose(dim0, dim1))
    }

    #[pymethod]
    fn t(&self, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.t())
    }

    #[pymethod]
    fn _permute(&self, dims: Vec<i64>, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.permute(&dims))
    }

    #[pymethod]
    fn _expand(&self, sizes: Vec<i64>, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.expand(&sizes))
    }

    #[pymethod]
    fn _squeeze(&self, dim: Option<i64>, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.squeeze(dim))
    }

    #[pymethod]
    fn unsqueeze(&self, dim: i64, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.unsqueeze(dim))
    }

    #[pymethod]
    fn narrow(&self, dim: i64, start: i64, length: i64, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.narrow(dim, start, length))
    }

    #[pymethod]
    fn select(&self, dim: i64, index: i64, vm: &VirtualMachine) -> PyResult {
        self.derive(vm, |t| t.select(dim, index))
    }

    /// Basic slicing along one dim with Python's slice semantics (bounds clamp).
    #[pymethod]
    fn _slice(
        &self,
        dim: i64,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
        vm: &VirtualMachine,
    ) -> PyResult {
        let t = self.get();
        let d = lift(vm, smelt_tracer::shape::wrap_dim(dim, t.ndim()))?;
        if step <= 0 {
            return Err(vm.new_value_error("step must be greater than zero"));
        }
        let size = t.shape()[d] as i64;
        let clamp = |v: Option<i64>, default: i64| {
            let v = v.unwrap_or(default);
            let v = if v < 0 { v + size } else { v };
            v.clamp(0, size) as usize
        };
        let (start, stop) = (clamp(start, 0), clamp(stop, size));
        wrap(
            vm,
            lift(vm, t.slice(d, start, stop.max(start), step as usize))?,
        )
    }

    #[pymethod]
    fn contiguous(&self, vm: &VirtualMachine) -> PyResult {
        wrap(vm, self.tensor.read().contiguous())
    }

    #[pymethod]
    fn clone(&self, vm: &VirtualMachine) -> PyResult {
        wrap(vm, self.tensor.read().clone_data())
    }

    #[pymethod]
    fn _to_dtype(&self, dtype: PyRef<PyDType>, vm: &VirtualMachine) -> PyResult {
        wrap(vm, self.tensor.read().to_dtype(dtype.dtype))
    }

    #[pymethod]
    fn _as_strided(
        &self,
        size: Vec<usize>,
        stride: Vec<isize>,
        offset: usize,
        vm: &VirtualMachine,
    ) -> PyResult {
        self.derive(vm, |t| t.as_strided(&size, &stride, offset))
    }

    /// The elements in row-major order as native-endian bytes (what `torch.save` writes).
    #[pymethod]
    fn _to_bytes(&self, vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx.new_bytes(self.tensor.read().to_bytes()).into()
    }

    /// Size of the underlying storage in elements.
    #[pymethod]
    fn _storage_numel(&self) -> usize {
        let t = self.tensor.read();
        t.storage().nbytes() / t.dtype().itemsize().max(1)
    }
}
