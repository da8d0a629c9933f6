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
use std::sync::atomic::{AtomicI64, Ordering};

use rustpython_vm::builtins::{PyDictRef, PyList, PyListRef, PyStr, PyTuple, PyTypeRef};
use rustpython_vm::{AsObject, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine};

use super::tensor::PyTensor;

mod dispatch;
mod prim;
mod saved;

pub use dispatch::{PyFastPrim, PyPrimMethod};
pub use prim::PyPrim;
use saved::Saved;
pub use saved::{PySavedContext, PyTensorMeta};

/// Node sequence numbers: creation order, which the engine runs ready nodes by (newest first).
static SEQUENCE: AtomicI64 = AtomicI64::new(0);

pub fn next_sequence_nr() -> i64 {
    SEQUENCE.fetch_add(1, Ordering::Relaxed)
}

/// The Python objects recording calls back into, registered by the modules defining them.
#[derive(Default)]
struct Registry {
    /// Everything registered, by the name it was registered under: `node_class` (the class
    /// of nodes named `MulBackward0` ...), `AccumulateGrad`, `which` and `check_version` (the
    /// in-place error), `released_message`, `detached` (how a traced backward reads a saved
    /// output), `Size` (a tuple argument that is a shape, not a list of inputs), and the
    /// engine's helpers (engine.rs).
    by_name: HashMap<String, PyObjectRef>,
    /// `_derivatives.PRIMS`: key -> `Prim`.
    prims: Option<PyDictRef>,
    /// `_prims._modes` (the dispatch-mode stack) and `_prims._depth` (mode calls in progress).
    modes: Option<PyListRef>,
    depth: Option<PyListRef>,
    /// Node classes by name, filled from `node_class` on first use.
    classes: HashMap<String, PyTypeRef>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// A registered object by name.
pub fn registered(vm: &VirtualMachine, name: &str) -> PyResult {
    REGISTRY
        .with(|r| r.borrow().by_name.get(name).cloned())
        .ok_or_else(|| {
            vm.new_runtime_error(format!("smelt: autograd's {name} is not registered yet"))
        })
}

/// `_C._autograd_register(name, obj)`.
pub fn register(name: &str, obj: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.by_name.insert(name.to_owned(), obj.clone());
        match name {
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
            _ => {}
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
            let cls = registered(vm, "AccumulateGrad")?;
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
    let make = registered(vm, "node_class")?;
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
    let size_class = REGISTRY.with(|r| r.borrow().by_name.get("Size").cloned());
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

/// A tuple of outputs with the differentiable ones (positions `keep`) read through a detach,
/// as a traced backward reads saved outputs.
pub(super) fn detach_outputs(
    outs: &[PyObjectRef],
    keep: &[usize],
    vm: &VirtualMachine,
) -> PyResult {
    let detached = registered(vm, "detached")?;
    let items = outs
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
    Ok(vm.ctx.new_tuple(items).into())
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
    let (name, saves) = spec.name_and_saves(&args_obj, &args, vm)?;
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
            let detached = registered(vm, "detached")?;
            if single {
                detached.call((out.clone(),), vm)?
            } else {
                detach_outputs(&outs, &differentiable, vm)?
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
