//! The guard checker behind every compiled-function call: the tracer (Python,
//! `torch/_dynamo/guards.py`) describes what it assumed about the frame's inputs, and this
//! checks those assumptions in one native call before a cached graph is reused.
//!
//! Inputs are reached through a tree of accessors (`L['self']` → `._modules` → `['fc1']` → ...),
//! so a prefix shared by several guards is read once per call. Checks name a tree node and
//! what must hold for its value.

use rustpython_vm::builtins::{PyListRef, PyStrRef, PyTupleRef, PyTypeRef};
use rustpython_vm::{AsObject, PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};
use smelt_tracer::DType;

use super::GRAD_ENABLED;
use super::dtype::PyDType;
use super::tensor::PyTensor;

#[derive(Debug)]
enum Access {
    /// A local of the frame, by name.
    Local(PyStrRef),
    /// A global of the frame, by name.
    Global(PyStrRef),
    /// A fixed object (the globals dict of another module).
    Const(PyObjectRef),
    Attr(usize, PyStrRef),
    Item(usize, PyObjectRef),
}

#[derive(Debug)]
enum Check {
    Tensor {
        cls: PyTypeRef,
        dtype: DType,
        meta: bool,
        shape: Vec<usize>,
        strides: Vec<isize>,
        requires_grad: bool,
    },
    Type(PyTypeRef),
    Id(PyObjectRef),
    Equals(PyTypeRef, PyObjectRef),
    Length(PyTypeRef, usize),
    DictKeys(PyTypeRef, PyTupleRef),
    GradMode(bool),
    /// A Python predicate for global state smelt keeps in Python (the default dtype).
    Call(PyObjectRef),
}

#[pyclass(name = "GuardManager", module = "torch._C._dynamo.guards")]
#[derive(Debug, PyPayload)]
pub struct PyGuardManager {
    nodes: Vec<Access>,
    checks: Vec<(Option<usize>, Check)>,
}

fn index_arg(vm: &VirtualMachine, obj: &PyObjectRef, bound: usize) -> PyResult<usize> {
    let i: usize = obj.try_to_value(vm)?;
    if i >= bound {
        return Err(vm.new_value_error(format!("guard node {i} does not exist yet")));
    }
    Ok(i)
}

impl PyGuardManager {
    /// `nodes`: tuples `(kind, parent, arg)`; kinds "L", "G", "C" (roots: parent ignored) and
    /// "attr", "item". `checks`: tuples `(node or None, kind, *payload)`.
    pub fn build(vm: &VirtualMachine, nodes: PyListRef, checks: PyListRef) -> PyResult<Self> {
        let mut built = Vec::new();
        for spec in nodes.borrow_vec().iter() {
            let t: PyTupleRef = spec.clone().try_into_value(vm)?;
            if t.len() != 3 {
                return Err(vm.new_value_error("a guard node is (kind, parent, arg)"));
            }
            let kind: PyStrRef = t[0].clone().try_into_value(vm)?;
            let arg = t[2].clone();
            let access = match &*kind.to_string_lossy() {
                "L" => Access::Local(arg.try_into_value(vm)?),
                "G" => Access::Global(arg.try_into_value(vm)?),
                "C" => Access::Const(arg),
                "attr" => Access::Attr(index_arg(vm, &t[1], built.len())?, arg.try_into_value(vm)?),
                "item" => Access::Item(index_arg(vm, &t[1], built.len())?, arg),
                other => {
                    return Err(vm.new_value_error(format!("unknown guard node kind {other:?}")));
                }
            };
            built.push(access);
        }
        let mut parsed = Vec::new();
        for spec in checks.borrow_vec().iter() {
            let t: PyTupleRef = spec.clone().try_into_value(vm)?;
            if t.len() < 2 {
                return Err(vm.new_value_error("a guard check is (node, kind, ...)"));
            }
            let node = if vm.is_none(&t[0]) {
                None
            } else {
                Some(index_arg(vm, &t[0], built.len())?)
            };
            let kind: PyStrRef = t[1].clone().try_into_value(vm)?;
            let payload = &t[2..];
            let need = |n: usize| -> PyResult<()> {
                if payload.len() != n {
                    return Err(vm.new_value_error(format!(
                        "guard {} takes {n} values",
                        &*kind.to_string_lossy()
                    )));
                }
                Ok(())
            };
            let check = match &*kind.to_string_lossy() {
                "tensor" => {
                    need(6)?;
                    let dtype = payload[1]
                        .downcast_ref::<PyDType>()
                        .ok_or_else(|| vm.new_type_error("tensor guard: dtype expected"))?
                        .dtype;
                    Check::Tensor {
                        cls: payload[0].clone().try_into_value(vm)?,
                        dtype,
                        meta: payload[2].clone().try_to_bool(vm)?,
                        shape: payload[3].try_to_value(vm)?,
                        strides: payload[4].try_to_value(vm)?,
                        requires_grad: payload[5].clone().try_to_bool(vm)?,
                    }
                }
                "type" => {
                    need(1)?;
                    Check::Type(payload[0].clone().try_into_value(vm)?)
                }
                "id" => {
                    need(1)?;
                    Check::Id(payload[0].clone())
                }
                "equals" => {
                    need(1)?;
                    Check::Equals(payload[0].class().to_owned(), payload[0].clone())
                }
                "len" => {
                    need(2)?;
                    Check::Length(
                        payload[0].clone().try_into_value(vm)?,
                        payload[1].try_to_value(vm)?,
                    )
                }
                "keys" => {
                    need(2)?;
                    Check::DictKeys(
                        payload[0].clone().try_into_value(vm)?,
                        payload[1].clone().try_into_value(vm)?,
                    )
                }
                "grad_mode" => {
                    need(1)?;
                    Check::GradMode(payload[0].clone().try_to_bool(vm)?)
                }
                "call" => {
                    need(1)?;
                    Check::Call(payload[0].clone())
                }
                other => return Err(vm.new_value_error(format!("unknown guard kind {other:?}"))),
            };
            if node.is_none() && !matches!(check, Check::GradMode(_) | Check::Call(_)) {
                return Err(vm.new_value_error("only global-state guards have no input"));
            }
            parsed.push((node, check));
        }
        Ok(Self {
            nodes: built,
            checks: parsed,
        })
    }

    /// The value at node `i`, reading (and remembering) its parents first. Any error reading
    /// it (a missing key, a missing attribute) means the guard fails.
    fn value(
        &self,
        vm: &VirtualMachine,
        i: usize,
        memo: &mut Vec<Option<PyObjectRef>>,
        f_locals: &PyObjectRef,
        f_globals: &PyObjectRef,
    ) -> Option<PyObjectRef> {
        if let Some(v) = &memo[i] {
            return Some(v.clone());
        }
        let v = match &self.nodes[i] {
            Access::Local(name) => f_locals.get_item(name.as_object(), vm).ok()?,
            Access::Global(name) => f_globals.get_item(name.as_object(), vm).ok()?,
            Access::Const(obj) => obj.clone(),
            Access::Attr(parent, name) => {
                let base = self.value(vm, *parent, memo, f_locals, f_globals)?;
                base.get_attr(name, vm).ok()?
            }
            Access::Item(parent, key) => {
                let base = self.value(vm, *parent, memo, f_locals, f_globals)?;
                base.get_item(key.as_object(), vm).ok()?
            }
        };
        memo[i] = Some(v.clone());
        Some(v)
    }

    fn holds(vm: &VirtualMachine, check: &Check, value: Option<&PyObjectRef>) -> bool {
        match check {
            Check::GradMode(want) => GRAD_ENABLED.with(|g| g.get()) == *want,
            Check::Call(f) => f
                .call((), vm)
                .and_then(|r| r.try_to_bool(vm))
                .unwrap_or(false),
            _ => {
                let Some(v) = value else { return false };
                match check {
                    Check::Tensor {
                        cls,
                        dtype,
                        meta,
                        shape,
                        strides,
                        requires_grad,
                    } => {
                        if !v.class().is(cls) {
                            return false;
                        }
                        let Some(t) = v.downcast_ref::<PyTensor>() else {
                            return false;
                        };
                        if t.requires_grad() != *requires_grad {
                            return false;
                        }
                        let inner = t.get();
                        inner.dtype() == *dtype
                            && inner.is_meta() == *meta
                            && inner.shape() == shape.as_slice()
                            && inner.strides() == strides.as_slice()
                    }
                    Check::Type(cls) => v.class().is(cls),
                    Check::Id(obj) => v.is(obj),
                    Check::Equals(cls, obj) => {
                        v.class().is(cls) && (v.is(obj) || vm.bool_eq(v, obj).unwrap_or(false))
                    }
                    Check::Length(cls, n) => {
                        v.class().is(cls) && v.length(vm).map(|l| l == *n).unwrap_or(false)
                    }
                    Check::DictKeys(cls, keys) => {
                        if !v.class().is(cls)
                            || v.length(vm).map(|l| l != keys.len()).unwrap_or(true)
                        {
                            return false;
                        }
                        let Ok(iter) = v.get_iter(vm) else {
                            return false;
                        };
                        for want in keys.iter() {
                            match iter.next(vm) {
                                Ok(rustpython_vm::protocol::PyIterReturn::Return(got)) => {
                                    if !(got.is(want) || vm.bool_eq(&got, want).unwrap_or(false)) {
                                        return false;
                                    }
                                }
                                _ => return false,
                            }
                        }
                        true
                    }
                    Check::GradMode(_) | Check::Call(_) => unreachable!("handled above"),
                }
            }
        }
    }

    /// The index of the first check that fails, or None when all hold.
    fn first_failure(
        &self,
        vm: &VirtualMachine,
        f_locals: &PyObjectRef,
        f_globals: &PyObjectRef,
    ) -> Option<usize> {
        let mut memo = vec![None; self.nodes.len()];
        for (i, (node, check)) in self.checks.iter().enumerate() {
            let value = node.and_then(|n| self.value(vm, n, &mut memo, f_locals, f_globals));
            if !Self::holds(vm, check, value.as_ref()) {
                return Some(i);
            }
        }
        None
    }
}

#[pyclass]
impl PyGuardManager {
    /// Whether every guard holds for this frame's locals and globals.
    #[pymethod]
    fn check(&self, f_locals: PyObjectRef, f_globals: PyObjectRef, vm: &VirtualMachine) -> bool {
        self.first_failure(vm, &f_locals, &f_globals).is_none()
    }

    /// The index of the first failing check (for recompile reasons), or None.
    #[pymethod]
    fn first_failing(
        &self,
        f_locals: PyObjectRef,
        f_globals: PyObjectRef,
        vm: &VirtualMachine,
    ) -> Option<usize> {
        self.first_failure(vm, &f_locals, &f_globals)
    }

    #[pygetset]
    fn num_checks(&self) -> usize {
        self.checks.len()
    }
}
