//! What a node keeps for its backward: `SavedContext` (the arguments the formula reads, the
//! output, the versions they had) and `TensorMeta` (an argument's shape and dtype only).

use std::sync::atomic::{AtomicBool, Ordering};

use rustpython_vm::Py;
use rustpython_vm::builtins::PyTuple;
use rustpython_vm::common::lock::PyRwLock;
use rustpython_vm::object::{Traverse, TraverseFn};
use rustpython_vm::types::Constructor;
use rustpython_vm::{PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};

use super::{detach_outputs, dtype_obj, modes_list, registered, sizes};
use crate::native::tensor::PyTensor;

// --- TensorMeta -------------------------------------------------------------------------------

/// Shape and dtype of an argument whose values the backward does not read.
#[pyclass(
    name = "TensorMeta",
    module = "torch.autograd.graph",
    traverse = "manual"
)]
#[derive(PyPayload)]
pub struct PyTensorMeta {
    shape: PyObjectRef,
    dtype: PyObjectRef,
}

impl std::fmt::Debug for PyTensorMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TensorMeta")
    }
}

unsafe impl Traverse for PyTensorMeta {
    fn traverse(&self, f: &mut TraverseFn<'_>) {
        self.shape.traverse(f);
        self.dtype.traverse(f);
    }
}

impl PyTensorMeta {
    pub(super) fn of(obj: &PyObjectRef, t: &PyTensor, vm: &VirtualMachine) -> PyObjectRef {
        PyTensorMeta {
            shape: sizes(obj, t, vm),
            dtype: dtype_obj(t),
        }
        .into_ref(&vm.ctx)
        .into()
    }
}

impl Constructor for PyTensorMeta {
    type Args = PyObjectRef;

    fn py_new(
        _cls: &Py<rustpython_vm::builtins::PyType>,
        t: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<Self> {
        let tensor = t
            .downcast_ref::<PyTensor>()
            .ok_or_else(|| vm.new_type_error("TensorMeta expects a tensor"))?;
        Ok(PyTensorMeta {
            shape: sizes(&t, tensor, vm),
            dtype: dtype_obj(tensor),
        })
    }
}

#[pyclass(with(Constructor))]
impl PyTensorMeta {
    #[pygetset]
    fn _shape(&self) -> PyObjectRef {
        self.shape.clone()
    }

    /// `_shape` holds the symbolic sizes themselves.
    #[pygetset]
    fn _sym_shape(&self, vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx.none()
    }

    #[pygetset]
    fn dtype(&self) -> PyObjectRef {
        self.dtype.clone()
    }

    #[pymethod]
    fn dim(&self, vm: &VirtualMachine) -> PyResult<usize> {
        self.shape.length(vm)
    }
}

// --- SavedContext -----------------------------------------------------------------------------

/// A tensor the formula reads, its version when saved, and what made it (for the error).
pub(super) struct Saved {
    pub tensor: PyObjectRef,
    pub version: u64,
    pub which: PyObjectRef,
}

/// What a forward kept for its backward: the op's arguments (tensors the formula does not
/// read replaced by `TensorMeta`), its output, and the version of every kept tensor, checked
/// when the backward reads them.
#[pyclass(
    name = "SavedContext",
    module = "torch.autograd.graph",
    traverse = "manual"
)]
#[derive(PyPayload)]
pub struct PySavedContext {
    args: PyRwLock<Option<PyObjectRef>>,
    out: PyRwLock<Option<PyObjectRef>>,
    versions: PyRwLock<Vec<Saved>>,
    released: AtomicBool,
    node_name: PyObjectRef,
    /// needs[i]: whether the i-th differentiable input wants a gradient (set by the node
    /// before each backward, as PyTorch's task_should_compute_output); None before.
    needs: PyRwLock<Option<PyObjectRef>>,
    /// The differentiable output positions (a list), set by `record`.
    pub(super) differentiable: PyRwLock<Option<PyObjectRef>>,
}

impl std::fmt::Debug for PySavedContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SavedContext")
    }
}

unsafe impl Traverse for PySavedContext {
    fn traverse(&self, f: &mut TraverseFn<'_>) {
        self.args.traverse(f);
        self.out.traverse(f);
        if let Some(versions) = self.versions.try_read_recursive() {
            for s in versions.iter() {
                s.tensor.traverse(f);
                s.which.traverse(f);
            }
        }
        self.node_name.traverse(f);
        self.needs.traverse(f);
        self.differentiable.traverse(f);
    }
}

impl Constructor for PySavedContext {
    type Args = (PyObjectRef, PyObjectRef, Vec<PyObjectRef>, PyObjectRef);

    fn py_new(
        _cls: &Py<rustpython_vm::builtins::PyType>,
        (args, out, versions, node_name): Self::Args,
        vm: &VirtualMachine,
    ) -> PyResult<Self> {
        let mut saved = Vec::new();
        for v in versions {
            let parts: Vec<PyObjectRef> = v.try_to_value(vm)?;
            let [tensor, version, which] = <[PyObjectRef; 3]>::try_from(parts)
                .map_err(|_| vm.new_type_error("a saved version is (tensor, version, which)"))?;
            saved.push(Saved {
                tensor,
                version: version.try_to_value(vm)?,
                which,
            });
        }
        let out = if vm.is_none(&out) { None } else { Some(out) };
        Ok(PySavedContext::new(args, out, saved, node_name))
    }
}

impl PySavedContext {
    pub(super) fn new(
        args: PyObjectRef,
        out: Option<PyObjectRef>,
        versions: Vec<Saved>,
        node_name: PyObjectRef,
    ) -> Self {
        PySavedContext {
            args: PyRwLock::new(Some(args)),
            out: PyRwLock::new(out),
            versions: PyRwLock::new(versions),
            released: AtomicBool::new(false),
            node_name,
            needs: PyRwLock::new(None),
            differentiable: PyRwLock::new(None),
        }
    }

    /// The error of a backward through a graph whose saved values were freed.
    pub fn check_released(&self, vm: &VirtualMachine) -> PyResult<()> {
        if self.released.load(Ordering::Relaxed) {
            let msg = registered(vm, "released_message")?;
            return Err(vm.new_exception(vm.ctx.exceptions.runtime_error.to_owned(), vec![msg]));
        }
        Ok(())
    }

    pub fn set_needs_list(&self, needs: PyObjectRef) {
        *self.needs.write() = Some(needs);
    }

    fn check(&self, vm: &VirtualMachine) -> PyResult<()> {
        self.check_released(vm)?;
        let stale: Vec<(PyObjectRef, u64, PyObjectRef)> = self
            .versions
            .read()
            .iter()
            .filter(|s| {
                s.tensor
                    .downcast_ref::<PyTensor>()
                    .is_some_and(|t| t.version() != s.version)
            })
            .map(|s| (s.tensor.clone(), s.version, s.which.clone()))
            .collect();
        if let Some((t, version, which)) = stale.into_iter().next() {
            let which_fn = registered(vm, "which")?;
            let check = registered(vm, "check_version")?;
            let which = which_fn.call((which,), vm)?;
            check.call((t, version, which), vm)?;
        }
        Ok(())
    }
}

#[pyclass(with(Constructor))]
impl PySavedContext {
    #[pygetset]
    fn args(&self, vm: &VirtualMachine) -> PyResult {
        self.check(vm)?;
        Ok(self.args.read().clone().unwrap_or_else(|| vm.ctx.none()))
    }

    #[pygetset]
    fn out(&self, vm: &VirtualMachine) -> PyResult {
        self.check(vm)?;
        let Some(out) = self.out.read().clone() else {
            return Ok(vm.ctx.none());
        };
        if modes_list().is_empty() {
            return Ok(out);
        }
        // Traced, a saved output is read through a detach, as a traced backward shows it;
        // outputs that are not differentiable (layer norm's mean and 1/std) are read as is.
        let detached = registered(vm, "detached")?;
        let keep = self.differentiable.read().clone();
        if let (Some(tuple), Some(keep)) = (out.downcast_ref::<PyTuple>(), keep) {
            let keep: Vec<usize> = keep.try_to_value(vm)?;
            return detach_outputs(tuple.as_slice(), &keep, vm);
        }
        detached.call((out,), vm)
    }

    #[pygetset]
    fn released(&self) -> bool {
        self.released.load(Ordering::Relaxed)
    }

    #[pygetset]
    fn _node_name(&self) -> PyObjectRef {
        self.node_name.clone()
    }

    #[pygetset]
    fn needs(&self, vm: &VirtualMachine) -> PyObjectRef {
        self.needs.read().clone().unwrap_or_else(|| vm.ctx.none())
    }

    #[pygetset(setter)]
    fn set_needs(&self, value: PyObjectRef, vm: &VirtualMachine) {
        *self.needs.write() = if vm.is_none(&value) {
            None
        } else {
            Some(value)
        };
    }

    #[pygetset]
    fn _differentiable(&self, vm: &VirtualMachine) -> PyObjectRef {
        self.differentiable
            .read()
            .clone()
            .unwrap_or_else(|| vm.ctx.none())
    }

    #[pygetset(setter)]
    fn set__differentiable(&self, value: PyObjectRef, vm: &VirtualMachine) {
        *self.differentiable.write() = if vm.is_none(&value) {
            None
        } else {
            Some(value)
        };
    }

    #[pymethod]
    fn _check(&self, vm: &VirtualMachine) -> PyResult<()> {
        self.check(vm)
    }

    /// Drops what the forward kept (after a backward without retain_graph).
    #[pymethod]
    fn release(&self) {
        let args = self.args.write().take();
        let out = self.out.write().take();
        let versions = std::mem::take(&mut *self.versions.write());
        self.released.store(true, Ordering::Relaxed);
        drop((args, out, versions));
    }
}
