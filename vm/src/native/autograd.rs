//! Autograd's recording half in native code: what runs for every op in grad mode. `record`
//! makes the node of one primitive application — the saved context (`SavedContext`), the
//! edges to the nodes that made its inputs (`edge_of`), the input and output metadata — and
//! ties the outputs to it. It was Python (`torch/autograd/_derivatives.py`), ~50 µs an op in
//! the interpreter against PyTorch's 2; the formulas and the node classes stay Python
//! (`torch/autograd/graph.py`), nodes are made here without running their `__init__`.
//!
//! The Python pieces this calls back into (the node classes, `AccumulateGrad`, the error text
//! of a saved tensor written in place, the dispatch-mode list) are registered once by the
//! modules that define them (`_autograd_register`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use rustpython_vm::builtins::{
    PyBoundMethod, PyDictRef, PyList, PyListRef, PyStr, PyTuple, PyTypeRef,
};
use rustpython_vm::common::lock::PyRwLock;
use rustpython_vm::function::{FuncArgs, OptionalArg};
use rustpython_vm::object::{Traverse, TraverseFn};
use rustpython_vm::types::{Callable, Constructor, GetDescriptor};
use rustpython_vm::{
    AsObject, Py, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass,
};

use super::tensor::PyTensor;

/// Node sequence numbers: creation order, which the engine runs ready nodes by (newest first).
static SEQUENCE: AtomicI64 = AtomicI64::new(0);

pub fn next_sequence_nr() -> i64 {
    SEQUENCE.fetch_add(1, Ordering::Relaxed)
}

/// The Python objects recording calls back into, registered by the modules defining them.
#[derive(Default)]
struct Registry {
    /// `graph.node_class(name)`: the class of nodes named `name` (`MulBackward0`).
    node_class: Option<PyObjectRef>,
    /// `graph.AccumulateGrad`.
    accumulate_grad: Option<PyObjectRef>,
    /// `graph._which(made_by)` and `graph.check_version(t, version, which)`: the in-place error.
    which: Option<PyObjectRef>,
    check_version: Option<PyObjectRef>,
    released_message: Option<PyObjectRef>,
    /// `_derivatives._detached(value)`: how a traced backward reads a saved output.
    detached: Option<PyObjectRef>,
    /// `_derivatives.PRIMS`: key -> `_Prim`.
    prims: Option<PyDictRef>,
    /// `_prims._modes` (the dispatch-mode stack) and `_prims._depth` (mode calls in progress).
    modes: Option<PyListRef>,
    depth: Option<PyListRef>,
    /// `torch.Size`: a tuple argument that is a shape, not a list of inputs.
    size_class: Option<PyObjectRef>,
    /// Node classes by name, filled from `node_class` on first use.
    classes: HashMap<String, PyTypeRef>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

fn registered(
    vm: &VirtualMachine,
    pick: fn(&Registry) -> &Option<PyObjectRef>,
    what: &str,
) -> PyResult {
    REGISTRY.with(|r| pick(&r.borrow()).clone()).ok_or_else(|| {
        vm.new_runtime_error(format!("smelt: autograd's {what} is not registered yet"))
    })
}

/// `_C._autograd_register(name, obj)`.
pub fn register(name: &str, obj: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        match name {
            "node_class" => r.node_class = Some(obj),
            "AccumulateGrad" => r.accumulate_grad = Some(obj),
            "which" => r.which = Some(obj),
            "check_version" => r.check_version = Some(obj),
            "released_message" => r.released_message = Some(obj),
            "detached" => r.detached = Some(obj),
            "PRIMS" => {
                r.prims = Some(
                    obj.downcast()
                        .map_err(|_| vm.new_type_error("PRIMS must be a dict"))?,
                )
            }
            "modes" => {
                r.modes = Some(
                    obj.downcast()
                        .map_err(|_| vm.new_type_error("modes must be a list"))?,
                )
            }
            "depth" => {
                r.depth = Some(
                    obj.downcast()
                        .map_err(|_| vm.new_type_error("depth must be a list"))?,
                )
            }
            "Size" => r.size_class = Some(obj),
            _ => return Err(vm.new_value_error(format!("unknown autograd hook {name}"))),
        }
        Ok(())
    })
}

/// Whether a dispatch mode (fake tensors, make_fx's proxies) is active or a mode call is in
/// progress: then the Python path of a primitive runs, which hands it to the modes.
pub fn modes_active(vm: &VirtualMachine) -> bool {
    REGISTRY.with(|r| {
        let r = r.borrow();
        let modes = r.modes.as_ref().is_some_and(|m| !m.borrow_vec().is_empty());
        let depth = r.depth.as_ref().is_some_and(|d| {
            d.borrow_vec()
                .first()
                .is_some_and(|v| v.try_to_value::<i64>(vm).is_ok_and(|v| v != 0))
        });
        modes || depth
    })
}

fn modes_list() -> Vec<PyObjectRef> {
    REGISTRY.with(|r| {
        r.borrow()
            .modes
            .as_ref()
            .map(|m| m.borrow_vec().to_vec())
            .unwrap_or_default()
    })
}

/// An attribute a tensor keeps in its instance dict (`_grad_fn`, `_output_nr`, `_base` ...),
/// or None when it has none (the class default).
pub fn own_attr(obj: &PyObjectRef, name: &'static str, vm: &VirtualMachine) -> Option<PyObjectRef> {
    let dict = obj.dict()?;
    dict.get_item_opt(name, vm).ok().flatten()
}

pub fn set_own_attr(
    obj: &PyObjectRef,
    name: &'static str,
    value: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<()> {
    match obj.dict() {
        Some(dict) => dict.set_item(name, value, vm),
        None => obj.set_attr(name, value, vm),
    }
}

/// The sizes formulas compute with: a fake tensor's symbolic sizes (`_sym_shape`) when it has
/// them, else the concrete ones.
fn sizes(obj: &PyObjectRef, t: &PyTensor, vm: &VirtualMachine) -> PyObjectRef {
    match own_attr(obj, "_sym_shape", vm) {
        Some(s) if !vm.is_none(&s) => s,
        _ => t.shape_tuple(vm).into(),
    }
}

fn dtype_obj(t: &PyTensor) -> PyObjectRef {
    super::dtype::PyDType::get(t.dtype_value()).into()
}

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
    fn of(obj: &PyObjectRef, t: &PyTensor, vm: &VirtualMachine) -> PyObjectRef {
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

// --- Prim -------------------------------------------------------------------------------------

/// Which arguments (and whether the output) a formula reads.
#[derive(Default)]
struct SaveSet {
    positions: Vec<usize>,
    out: bool,
}

impl SaveSet {
    fn parse(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<SaveSet> {
        let mut set = SaveSet::default();
        for item in obj.try_to_value::<Vec<PyObjectRef>>(vm)? {
            if let Some(s) = item.downcast_ref::<PyStr>() {
                if s.expect_str() != "out" {
                    return Err(
                        vm.new_value_error(format!("unknown saved value {}", s.expect_str()))
                    );
                }
                set.out = true;
            } else {
                set.positions.push(item.try_to_value(vm)?);
            }
        }
        Ok(set)
    }
}

/// How one primitive takes part in autograd (`torch.autograd._derivatives.Prim`):
/// inputs:  positions of the arguments gradients flow to (a list argument counts per item)
/// name:    PyTorch's node name (`MulBackward0`), or a function of the arguments giving it
/// backward: the formula, `backward(ctx, grads)`
/// saves:   positions whose tensors the formula reads, "out" if it reads the output; or a
///          function of the arguments giving them
/// outputs: which outputs are differentiable (max/min/sort also return indices)
#[pyclass(
    name = "Prim",
    module = "torch.autograd._derivatives",
    traverse = "manual"
)]
#[derive(PyPayload)]
pub struct PyPrim {
    inputs: Vec<usize>,
    inputs_obj: PyObjectRef,
    name: PyObjectRef,
    backward: PyObjectRef,
    saves: Option<SaveSet>,
    saves_obj: PyObjectRef,
    outputs: Vec<usize>,
    outputs_obj: PyObjectRef,
}

impl std::fmt::Debug for PyPrim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prim")
    }
}

unsafe impl Traverse for PyPrim {
    fn traverse(&self, f: &mut TraverseFn<'_>) {
        self.inputs_obj.traverse(f);
        self.name.traverse(f);
        self.backward.traverse(f);
        self.saves_obj.traverse(f);
        self.outputs_obj.traverse(f);
    }
}

#[derive(rustpython_vm::FromArgs)]
pub struct PrimArgs {
    #[pyarg(any)]
    inputs: PyObjectRef,
    #[pyarg(any)]
    name: PyObjectRef,
    #[pyarg(any)]
    backward: PyObjectRef,
    #[pyarg(any, optional)]
    saves: OptionalArg<PyObjectRef>,
    #[pyarg(any, optional)]
    outputs: OptionalArg<PyObjectRef>,
}

impl Constructor for PyPrim {
    type Args = PrimArgs;

    fn py_new(
        _cls: &Py<rustpython_vm::builtins::PyType>,
        a: PrimArgs,
        vm: &VirtualMachine,
    ) -> PyResult<Self> {
        let saves_obj = a.saves.unwrap_or_else(|| vm.ctx.empty_tuple.clone().into());
        let outputs_obj = a
            .outputs
            .unwrap_or_else(|| vm.ctx.new_tuple(vec![vm.ctx.new_int(0).into()]).into());
        let saves = if saves_obj.is_callable() {
            None
        } else {
            Some(SaveSet::parse(&saves_obj, vm)?)
        };
        Ok(PyPrim {
            inputs: a.inputs.try_to_value(vm)?,
            inputs_obj: a.inputs,
            name: a.name,
            backward: a.backward,
            saves,
            saves_obj,
            outputs: outputs_obj.try_to_value(vm)?,
            outputs_obj,
        })
    }
}

impl PyPrim {
    fn saves_for(&self, args: &PyObjectRef, vm: &VirtualMachine) -> PyResult<SaveSet> {
        match &self.saves {
            Some(s) => Ok(SaveSet {
                positions: s.positions.clone(),
                out: s.out,
            }),
            None => SaveSet::parse(&self.saves_obj.call((args.clone(),), vm)?, vm),
        }
    }

    fn name_for(&self, args: &PyObjectRef, vm: &VirtualMachine) -> PyResult {
        if self.name.downcast_ref::<PyStr>().is_some() {
            Ok(self.name.clone())
        } else {
            self.name.call((args.clone(),), vm)
        }
    }
}

#[pyclass(with(Constructor))]
impl PyPrim {
    #[pygetset]
    fn inputs(&self) -> PyObjectRef {
        self.inputs_obj.clone()
    }

    #[pygetset]
    fn name(&self) -> PyObjectRef {
        self.name.clone()
    }

    #[pygetset]
    fn backward(&self) -> PyObjectRef {
        self.backward.clone()
    }

    #[pygetset]
    fn saves(&self) -> PyObjectRef {
        self.saves_obj.clone()
    }

    #[pygetset]
    fn outputs(&self) -> PyObjectRef {
        self.outputs_obj.clone()
    }

    #[pymethod(name = "saves_for")]
    fn py_saves_for(&self, args: PyObjectRef, vm: &VirtualMachine) -> PyResult {
        if self.saves.is_some() {
            return Ok(self.saves_obj.clone());
        }
        self.saves_obj.call((args,), vm)
    }

    #[pymethod(name = "name_for")]
    fn py_name_for(&self, args: PyObjectRef, vm: &VirtualMachine) -> PyResult {
        self.name_for(&args, vm)
    }
}

// --- SavedContext -----------------------------------------------------------------------------

/// A tensor the formula reads, its version when saved, and what made it (for the error).
struct Saved {
    tensor: PyObjectRef,
    version: u64,
    which: PyObjectRef,
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
    differentiable: PyRwLock<Option<PyObjectRef>>,
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
    fn new(
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

    fn check(&self, vm: &VirtualMachine) -> PyResult<()> {
        if self.released.load(Ordering::Relaxed) {
            let msg = registered(vm, |r| &r.released_message, "released message")?;
            return Err(vm.new_exception(vm.ctx.exceptions.runtime_error.to_owned(), vec![msg]));
        }
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
            let which_fn = registered(vm, |r| &r.which, "_which")?;
            let check = registered(vm, |r| &r.check_version, "check_version")?;
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
        let detached = registered(vm, |r| &r.detached, "_detached")?;
        let keep = self.differentiable.read().clone();
        if let (Some(tuple), Some(keep)) = (out.downcast_ref::<PyTuple>(), keep) {
            let keep: Vec<usize> = keep.try_to_value(vm)?;
            let items = tuple
                .as_slice()
                .iter()
                .enumerate()
                .map(|(nr, o)| {
                    if keep.contains(&nr) {
                        detached.call((o.clone(),), vm)
                    } else {
                        Ok(o.clone())
                    }
                })
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(vm.ctx.new_tuple(items).into());
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

// --- edges and recording ----------------------------------------------------------------------

/// Where gradient for `obj` goes: its grad_fn (and which output of it `obj` is), the leaf's
/// AccumulateGrad (made on first use), or nowhere: `(None, 0)`.
pub fn edge_of(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<(PyObjectRef, PyObjectRef)> {
    let requires = match obj.downcast_ref::<PyTensor>() {
        Some(t) => t.requires_grad(),
        None => vm
            .get_attribute_opt(obj.clone(), "requires_grad")?
            .is_some_and(|v| v.try_to_bool(vm).unwrap_or(false)),
    };
    if !requires {
        return Ok((vm.ctx.none(), vm.ctx.new_int(0).into()));
    }
    if let Some(fn_) = own_attr(obj, "_grad_fn", vm).filter(|f| !vm.is_none(f)) {
        let nr = own_attr(obj, "_output_nr", vm).unwrap_or_else(|| vm.ctx.new_int(0).into());
        return Ok((fn_, nr));
    }
    let acc = match own_attr(obj, "_accumulator", vm).filter(|a| !vm.is_none(a)) {
        Some(acc) => acc,
        None => {
            let cls = registered(vm, |r| &r.accumulate_grad, "AccumulateGrad")?;
            let acc = cls.call((obj.clone(),), vm)?;
            set_own_attr(obj, "_accumulator", acc.clone(), vm)?;
            acc
        }
    };
    Ok((acc, vm.ctx.new_int(0).into()))
}

fn node_class(name: &str, vm: &VirtualMachine) -> PyResult<PyTypeRef> {
    if let Some(cls) = REGISTRY.with(|r| r.borrow().classes.get(name).cloned()) {
        return Ok(cls);
    }
    let make = registered(vm, |r| &r.node_class, "node_class")?;
    let cls: PyTypeRef = make
        .call((vm.ctx.new_str(name),), vm)?
        .downcast()
        .map_err(|_| vm.new_type_error("node_class must return a class"))?;
    REGISTRY.with(|r| r.borrow_mut().classes.insert(name.to_owned(), cls.clone()));
    Ok(cls)
}

fn as_items(obj: &PyObjectRef) -> Option<Vec<PyObjectRef>> {
    if let Some(list) = obj.downcast_ref::<PyList>() {
        return Some(list.borrow_vec().to_vec());
    }
    obj.downcast_ref::<PyTuple>().map(|t| t.as_slice().to_vec())
}

/// The arguments gradients flow to, a list or tuple argument (not a `torch.Size`) counting
/// per item.
fn flat_inputs(spec: &PyPrim, args: &[PyObjectRef], vm: &VirtualMachine) -> Vec<PyObjectRef> {
    let size_class = REGISTRY.with(|r| r.borrow().size_class.clone());
    let mut out = Vec::new();
    for &pos in &spec.inputs {
        let Some(a) = args.get(pos) else { continue };
        let is_size = size_class.as_ref().is_some_and(|s| a.class().is(s));
        match as_items(a).filter(|_| !is_size) {
            Some(items) => out.extend(items),
            None => out.push(a.clone()),
        }
    }
    let _ = vm;
    out
}

/// Whether the op on `args` must be recorded: grad mode is on and an input at one of
/// `positions` (a tensor, or a list or tuple of them) requires grad.
pub fn needs_grad(args: &[PyObjectRef], positions: &[usize]) -> bool {
    if !super::GRAD_ENABLED.with(|g| g.get()) {
        return false;
    }
    let requires = |obj: &PyObjectRef| {
        obj.downcast_ref::<PyTensor>()
            .is_some_and(|t| t.requires_grad())
    };
    positions.iter().filter_map(|&p| args.get(p)).any(|arg| {
        requires(arg)
            || arg
                .downcast_ref::<PyList>()
                .is_some_and(|l| l.borrow_vec().iter().any(requires))
            || arg
                .downcast_ref::<PyTuple>()
                .is_some_and(|t| t.as_slice().iter().any(requires))
    })
}

/// A kept argument: tensors the formula does not read become `TensorMeta`, lists recursively.
fn keep(a: &PyObjectRef, keep_tensor: bool, vm: &VirtualMachine) -> PyObjectRef {
    if let Some(t) = a.downcast_ref::<PyTensor>() {
        return if keep_tensor {
            a.clone()
        } else {
            PyTensorMeta::of(a, t, vm)
        };
    }
    if let Some(list) = a.downcast_ref::<PyList>() {
        let items = list
            .borrow_vec()
            .iter()
            .map(|x| keep(x, keep_tensor, vm))
            .collect();
        return vm.ctx.new_list(items).into();
    }
    a.clone()
}

fn made_by(t: &PyObjectRef, vm: &VirtualMachine) -> PyObjectRef {
    let fn_ = own_attr(t, "_grad_fn", vm).unwrap_or_else(|| vm.ctx.none());
    let nr = own_attr(t, "_output_nr", vm).unwrap_or_else(|| vm.ctx.new_int(0).into());
    vm.ctx.new_tuple(vec![fn_, nr]).into()
}

fn is_floating(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
    if let Some(t) = obj.downcast_ref::<PyTensor>() {
        return Ok(t.dtype_value().is_floating_point());
    }
    vm.get_attribute_opt(obj.clone(), "dtype")?
        .map(|d| d.get_attr("is_floating_point", vm)?.try_to_bool(vm))
        .unwrap_or(Ok(false))
}

fn meta_of(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    let (shape, dtype) = match obj.downcast_ref::<PyTensor>() {
        Some(t) => (sizes(obj, t, vm), dtype_obj(t)),
        None => (obj.get_attr("_shape", vm)?, obj.get_attr("dtype", vm)?),
    };
    Ok(vm.ctx.new_tuple(vec![shape, dtype]).into())
}

/// `_derivatives.PRIMS`, importing the module on first use (it imports all of torch, so the
/// primitives bind it lazily).
fn prims_dict(vm: &VirtualMachine) -> PyResult<PyDictRef> {
    if let Some(p) = REGISTRY.with(|r| r.borrow().prims.clone()) {
        return Ok(p);
    }
    vm.import("torch.autograd._derivatives", 0)?;
    REGISTRY
        .with(|r| r.borrow().prims.clone())
        .ok_or_else(|| vm.new_runtime_error("smelt: autograd's PRIMS is not registered"))
}

/// Makes `out` (a tensor, or a tuple whose differentiable outputs are tensors) the result of
/// a new node for primitive `key` applied to `args`; `old_self` is the value an in-place op's
/// first input had before the op, for formulas that read it. Returns the node.
pub fn record(
    key: &PyObjectRef,
    args_obj: PyObjectRef,
    out: PyObjectRef,
    old_self: Option<PyObjectRef>,
    vm: &VirtualMachine,
) -> PyResult {
    let spec: PyRef<PyPrim> = prims_dict(vm)?
        .get_item(&**key, vm)?
        .downcast()
        .map_err(|_| vm.new_type_error("PRIMS entries must be Prim"))?;
    record_with(&spec, args_obj, out, old_self, vm)
}

pub fn record_with(
    spec: &PyPrim,
    args_obj: PyObjectRef,
    out: PyObjectRef,
    old_self: Option<PyObjectRef>,
    vm: &VirtualMachine,
) -> PyResult {
    let mut args = as_items(&args_obj)
        .ok_or_else(|| vm.new_type_error("record: args must be a tuple or list"))?;
    let inputs = flat_inputs(spec, &args, vm);
    let single = out.downcast_ref::<PyTuple>().is_none();
    let outs: Vec<PyObjectRef> = if single {
        vec![out.clone()]
    } else {
        out.downcast_ref::<PyTuple>()
            .map(|t| t.as_slice().to_vec())
            .unwrap_or_default()
    };
    let name = spec.name_for(&args_obj, vm)?;
    let saves = spec.saves_for(&args_obj, vm)?;
    if let Some(old) = old_self
        && let Some(&first) = spec.inputs.first()
        && first < args.len()
    {
        args[first] = old;
    }

    let mut kept = Vec::with_capacity(args.len());
    let mut versions = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let saved = saves.positions.contains(&i);
        if let Some(t) = a.downcast_ref::<PyTensor>() {
            if saved {
                kept.push(a.clone());
                // Which op made the tensor is read now (an in-place op may change it later);
                // the message is only built if the check fails.
                versions.push(Saved {
                    tensor: a.clone(),
                    version: t.version(),
                    which: made_by(a, vm),
                });
            } else {
                kept.push(PyTensorMeta::of(a, t, vm));
            }
        } else if let Some(list) = a
            .downcast_ref::<PyList>()
            .filter(|_| a.class().is(vm.ctx.types.list_type))
        {
            kept.push(keep(a, saved, vm));
            if saved {
                for x in list.borrow_vec().iter() {
                    if let Some(t) = x.downcast_ref::<PyTensor>() {
                        versions.push(Saved {
                            tensor: x.clone(),
                            version: t.version(),
                            which: made_by(x, vm),
                        });
                    }
                }
            }
        } else {
            kept.push(a.clone());
        }
    }

    let mut differentiable = Vec::new();
    for &nr in &spec.outputs {
        if let Some(o) = outs.get(nr)
            && !vm.is_none(o)
            && is_floating(o, vm)?
        {
            differentiable.push(nr);
        }
    }
    let modes = modes_list();
    let mut saved_out = None;
    if saves.out {
        for &nr in &differentiable {
            let o = &outs[nr];
            if let Some(t) = o.downcast_ref::<PyTensor>() {
                let which = vm
                    .ctx
                    .new_tuple(vec![name.clone(), vm.ctx.new_int(nr).into()])
                    .into();
                versions.push(Saved {
                    tensor: o.clone(),
                    version: t.version(),
                    which,
                });
            }
        }
        // Traced, a saved differentiable output is read through a detach (as PyTorch's saved
        // variables are), which AOT autograd's graphs show; the others are saved as they are.
        saved_out = Some(if modes.is_empty() {
            out.clone()
        } else {
            let detached = registered(vm, |r| &r.detached, "_detached")?;
            if single {
                detached.call((out.clone(),), vm)?
            } else {
                let items = outs
                    .iter()
                    .enumerate()
                    .map(|(nr, o)| {
                        if differentiable.contains(&nr) {
                            detached.call((o.clone(),), vm)
                        } else {
                            Ok(o.clone())
                        }
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                vm.ctx.new_tuple(items).into()
            }
        });
    }
    let differentiable_obj: PyObjectRef = vm
        .ctx
        .new_list(
            differentiable
                .iter()
                .map(|&nr| vm.ctx.new_int(nr).into())
                .collect(),
        )
        .into();
    let ctx = PySavedContext::new(
        vm.ctx.new_tuple(kept).into(),
        saved_out,
        versions,
        name.clone(),
    );
    *ctx.differentiable.write() = Some(differentiable_obj);
    let ctx = ctx.into_ref(&vm.ctx);

    let mut edges = Vec::with_capacity(inputs.len());
    let mut meta = Vec::with_capacity(inputs.len());
    for t in &inputs {
        if t.downcast_ref::<PyTensor>().is_some() {
            let (fn_, nr) = edge_of(t, vm)?;
            edges.push(vm.ctx.new_tuple(vec![fn_, nr]).into());
            meta.push(meta_of(t, vm)?);
        } else {
            edges.push(
                vm.ctx
                    .new_tuple(vec![vm.ctx.none(), vm.ctx.new_int(0).into()])
                    .into(),
            );
            meta.push(vm.ctx.none());
        }
    }
    // Outputs that are not differentiable get no gradient (not even zeros) in backward.
    let out_meta = outs
        .iter()
        .enumerate()
        .map(|(nr, o)| {
            if differentiable.contains(&nr) {
                meta_of(o, vm)
            } else {
                Ok(vm.ctx.none())
            }
        })
        .collect::<PyResult<Vec<_>>>()?;

    let name_str = name
        .downcast_ref::<PyStr>()
        .ok_or_else(|| vm.new_type_error("a node name must be a str"))?
        .expect_str()
        .to_owned();
    let cls = node_class(&name_str, vm)?;
    let dict = vm.ctx.new_dict();
    dict.set_item("_name", name.clone(), vm)?;
    dict.set_item("next_functions", vm.ctx.new_tuple(edges).into(), vm)?;
    dict.set_item("_inputs_meta", vm.ctx.new_list(meta).into(), vm)?;
    dict.set_item("_outputs_meta", vm.ctx.new_list(out_meta).into(), vm)?;
    dict.set_item(
        "_sequence_nr",
        vm.ctx.new_int(next_sequence_nr()).into(),
        vm,
    )?;
    dict.set_item("_formula", spec.backward.clone(), vm)?;
    dict.set_item("_ctx", ctx.into(), vm)?;
    let node = vm.ctx.new_base_object(cls, Some(dict));

    for &nr in &differentiable {
        let o = &outs[nr];
        match o.downcast_ref::<PyTensor>() {
            Some(t) => t.set_requires_grad_flag(true),
            None => o.set_attr("requires_grad", vm.ctx.new_bool(true), vm)?,
        }
        set_own_attr(o, "_grad_fn", node.clone(), vm)?;
        set_own_attr(o, "_output_nr", vm.ctx.new_int(nr).into(), vm)?;
    }
    if !modes.is_empty() {
        let outs_tuple: PyObjectRef = vm.ctx.new_tuple(outs).into();
        for mode in modes {
            if let Some(seen) = vm.get_attribute_opt(mode, "autograd_node_recorded")?
                && !vm.is_none(&seen)
            {
                seen.call((node.clone(), outs_tuple.clone()), vm)?;
            }
        }
    }
    Ok(node)
}

// --- the eager fast path of a primitive ---------------------------------------------------------

/// What kind of primitive a `FastPrim` runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PrimKind {
    /// A new result, recorded when an input requires grad.
    Functional,
    /// A view of its first argument: the result also remembers its base.
    View,
}

/// A primitive as Tensor code calls it (`torch._prims.binary` ...): with no dispatch mode
/// active it runs the kernel and, in grad mode with an input that requires grad, records the
/// node — all without a Python frame. Under a mode it calls `slow`, the Python form of the
/// same primitive, which hands the call to the modes.
#[pyclass(name = "FastPrim", module = "torch._C", traverse = "manual")]
#[derive(PyPayload)]
pub struct PyFastPrim {
    key: PyObjectRef,
    kernel: PyObjectRef,
    slow: PyObjectRef,
    kind: PrimKind,
    spec: PyRwLock<Option<PyRef<PyPrim>>>,
}

impl std::fmt::Debug for PyFastPrim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FastPrim")
    }
}

unsafe impl Traverse for PyFastPrim {
    fn traverse(&self, f: &mut TraverseFn<'_>) {
        self.key.traverse(f);
        self.kernel.traverse(f);
        self.slow.traverse(f);
        self.spec.traverse(f);
    }
}

impl Constructor for PyFastPrim {
    type Args = (
        PyObjectRef,
        PyObjectRef,
        PyObjectRef,
        rustpython_vm::builtins::PyStrRef,
    );

    fn py_new(
        _cls: &Py<rustpython_vm::builtins::PyType>,
        (key, kernel, slow, kind): Self::Args,
        vm: &VirtualMachine,
    ) -> PyResult<Self> {
        let kind = match kind.expect_str() {
            "functional" => PrimKind::Functional,
            "view" => PrimKind::View,
            other => return Err(vm.new_value_error(format!("unknown primitive kind {other}"))),
        };
        Ok(PyFastPrim {
            key,
            kernel,
            slow,
            kind,
            spec: PyRwLock::new(None),
        })
    }
}

impl PyFastPrim {
    fn spec(&self, vm: &VirtualMachine) -> PyResult<PyRef<PyPrim>> {
        if let Some(spec) = self.spec.read().clone() {
            return Ok(spec);
        }
        let spec: PyRef<PyPrim> = prims_dict(vm)?
            .get_item(&*self.key, vm)?
            .downcast()
            .map_err(|_| vm.new_type_error("PRIMS entries must be Prim"))?;
        *self.spec.write() = Some(spec.clone());
        Ok(spec)
    }

    fn run(&self, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        if !args.kwargs.is_empty() || modes_active(vm) {
            return self.slow.call(args, vm);
        }
        let positional = args.args.clone();
        let out = self.kernel.call(args, vm)?;
        match self.kind {
            PrimKind::Functional => {
                let spec = self.spec(vm)?;
                if needs_grad(&positional, &spec.inputs) {
                    record_with(
                        &spec,
                        vm.ctx.new_tuple(positional).into(),
                        out.clone(),
                        None,
                        vm,
                    )?;
                }
            }
            PrimKind::View => {
                let Some(this) = positional.first() else {
                    return Ok(out);
                };
                let base = own_attr(this, "_base", vm)
                    .filter(|b| !vm.is_none(b))
                    .unwrap_or_else(|| this.clone());
                set_own_attr(&out, "_base", base, vm)?;
                let requires = this
                    .downcast_ref::<PyTensor>()
                    .is_some_and(|t| t.requires_grad());
                if requires && super::GRAD_ENABLED.with(|g| g.get()) {
                    let spec = self.spec(vm)?;
                    record_with(
                        &spec,
                        vm.ctx.new_tuple(positional).into(),
                        out.clone(),
                        None,
                        vm,
                    )?;
                }
            }
        }
        Ok(out)
    }
}

impl Callable for PyFastPrim {
    type Args = FuncArgs;

    fn call(zelf: &Py<Self>, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        super::boundary::guarded(vm, "FastPrim", || zelf.run(args, vm))
    }
}

/// Bound like a function: `Tensor.transpose = _prims.transpose` is a method.
impl GetDescriptor for PyFastPrim {
    fn descr_get(
        zelf: PyObjectRef,
        obj: Option<PyObjectRef>,
        _cls: Option<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult {
        Ok(match obj {
            Some(obj) if !vm.is_none(&obj) => {
                PyBoundMethod::new(obj, zelf).into_ref(&vm.ctx).into()
            }
            _ => zelf,
        })
    }
}

#[pyclass(with(Constructor, Callable, GetDescriptor))]
impl PyFastPrim {
    #[pygetset]
    fn __name__(&self) -> PyObjectRef {
        self.key.clone()
    }

    /// The Python form (what runs under dispatch modes).
    #[pygetset]
    fn _slow(&self) -> PyObjectRef {
        self.slow.clone()
    }
}
