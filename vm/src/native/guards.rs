//! Python bindings of the guard checker (`torch._C.GuardManager`): the tracer's description
//! (tuples from `torch/_dynamo/guards.py`) parsed into a `smelt_tracer::guards::GuardTree`,
//! and the [`GuardModel`] that lets the tree read and compare Python objects.

use rustpython_vm::builtins::{PyComplex, PyFloat, PyListRef, PyStrRef, PyTupleRef, PyTypeRef};
use rustpython_vm::{AsObject, PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};
use smelt_tracer::guards::{
    Access, Check, GuardModel, GuardTree, GuardValues, ShapeGuards, SymRead, TensorMeta, TensorView,
};
use smelt_tracer::symbolic::{Rel, RelOp};

use super::GRAD_ENABLED;
use super::dtype::PyDType;
use super::symbolic::PySymExpr;
use super::tensor::PyTensor;

/// What a guard tree over Python stores: objects, `str` names, classes.
#[derive(Debug)]
pub struct PyValues;

impl GuardValues for PyValues {
    type Value = PyObjectRef;
    type Name = PyStrRef;
    type Class = PyTypeRef;
}

/// Python objects read and compared through the running VM.
struct PyModel<'vm>(&'vm VirtualMachine);

/// A frame's locals and globals (mappings).
pub struct PyFrame {
    locals: PyObjectRef,
    globals: PyObjectRef,
}

impl GuardModel<PyValues> for PyModel<'_> {
    type Frame = PyFrame;

    fn local(&self, frame: &PyFrame, name: &PyStrRef) -> Option<PyObjectRef> {
        frame.locals.get_item(name.as_object(), self.0).ok()
    }

    fn global(&self, frame: &PyFrame, name: &PyStrRef) -> Option<PyObjectRef> {
        frame.globals.get_item(name.as_object(), self.0).ok()
    }

    fn attr(&self, base: &PyObjectRef, name: &PyStrRef) -> Option<PyObjectRef> {
        base.get_attr(name, self.0).ok()
    }

    fn instance_attr(&self, base: &PyObjectRef, name: &PyStrRef) -> Option<PyObjectRef> {
        base.dict()?
            .get_item_opt(name.as_object(), self.0)
            .ok()
            .flatten()
    }

    fn item(&self, base: &PyObjectRef, key: &PyObjectRef) -> Option<PyObjectRef> {
        base.get_item(key.as_object(), self.0).ok()
    }

    fn has_class(&self, value: &PyObjectRef, class: &PyTypeRef) -> bool {
        value.class().is(class)
    }

    fn is(&self, value: &PyObjectRef, other: &PyObjectRef) -> bool {
        value.is(other)
    }

    fn equals(&self, value: &PyObjectRef, other: &PyObjectRef) -> bool {
        self.0.bool_eq(value, other).unwrap_or(false)
    }

    fn len(&self, value: &PyObjectRef) -> Option<usize> {
        value.length(self.0).ok()
    }

    fn keys(&self, value: &PyObjectRef) -> Option<Vec<PyObjectRef>> {
        let iter = value.get_iter(self.0).ok()?;
        let mut keys = Vec::new();
        loop {
            match iter.next(self.0).ok()? {
                rustpython_vm::protocol::PyIterReturn::Return(key) => keys.push(key),
                rustpython_vm::protocol::PyIterReturn::StopIteration(_) => return Some(keys),
            }
        }
    }

    fn read_tensor<R>(
        &self,
        value: &PyObjectRef,
        read: impl FnOnce(TensorView<'_>) -> R,
    ) -> Option<R> {
        let t = value.downcast_ref::<PyTensor>()?;
        let inner = t.get();
        Some(read(TensorView {
            dtype: inner.dtype(),
            meta: inner.is_meta(),
            shape: inner.shape(),
            strides: inner.strides(),
            requires_grad: t.requires_grad(),
        }))
    }

    fn int_value(&self, value: &PyObjectRef) -> Option<i128> {
        // Exactly an int (a bool is not a size).
        if !value.class().is(self.0.ctx.types.int_type) {
            return None;
        }
        value.try_to_value::<i64>(self.0).ok().map(i128::from)
    }

    fn float_bits(&self, value: &PyObjectRef) -> Option<Vec<u64>> {
        if let Some(f) = value.downcast_ref::<PyFloat>() {
            return Some(vec![f.to_f64().to_bits()]);
        }
        let c = value.downcast_ref::<PyComplex>()?.to_complex();
        Some(vec![c.re.to_bits(), c.im.to_bits()])
    }

    fn grad_enabled(&self) -> bool {
        GRAD_ENABLED.with(|g| g.get())
    }

    fn predicate(&self, f: &PyObjectRef) -> bool {
        f.call((), self.0)
            .and_then(|r| r.try_to_bool(self.0))
            .unwrap_or(false)
    }
}

#[pyclass(name = "GuardManager", module = "torch._C._dynamo.guards")]
#[derive(Debug, PyPayload)]
pub struct PyGuardManager {
    tree: GuardTree<PyValues>,
}

impl PyGuardManager {
    /// `nodes`: tuples `(kind, parent, arg)`; kinds "L", "G", "C" (roots: parent ignored) and
    /// "attr", "item". `checks`: tuples `(node or None, kind, *payload)`.
    pub fn build(vm: &VirtualMachine, nodes: PyListRef, checks: PyListRef) -> PyResult<Self> {
        let mut tree = GuardTree::default();
        let invalid = |err: smelt_tracer::guards::GuardError| vm.new_value_error(err.0);
        for spec in nodes.borrow_vec().iter() {
            let t: PyTupleRef = spec.clone().try_into_value(vm)?;
            if t.len() != 3 {
                return Err(vm.new_value_error("a guard node is (kind, parent, arg)"));
            }
            let kind: PyStrRef = t[0].clone().try_into_value(vm)?;
            let arg = t[2].clone();
            let parent = || t[1].try_to_value::<usize>(vm);
            let access = match &*kind.to_string_lossy() {
                "L" => Access::Local(arg.try_into_value(vm)?),
                "G" => Access::Global(arg.try_into_value(vm)?),
                "C" => Access::Const(arg),
                "attr" => Access::Attr(parent()?, arg.try_into_value(vm)?),
                "item" => Access::Item(parent()?, arg),
                other => {
                    return Err(vm.new_value_error(format!("unknown guard node kind {other:?}")));
                }
            };
            tree.push_node(access).map_err(invalid)?;
        }
        for spec in checks.borrow_vec().iter() {
            let t: PyTupleRef = spec.clone().try_into_value(vm)?;
            if t.len() < 2 {
                return Err(vm.new_value_error("a guard check is (node, kind, ...)"));
            }
            let node = if vm.is_none(&t[0]) {
                None
            } else {
                Some(t[0].try_to_value::<usize>(vm)?)
            };
            let kind: PyStrRef = t[1].clone().try_into_value(vm)?;
            tree.push_check(node, parse_check(vm, &kind, &t[2..])?)
                .map_err(invalid)?;
        }
        Ok(Self { tree })
    }

    fn first_failure(
        &self,
        vm: &VirtualMachine,
        locals: PyObjectRef,
        globals: PyObjectRef,
    ) -> Option<usize> {
        self.tree
            .first_failure(&PyModel(vm), &PyFrame { locals, globals })
    }
}

/// One check from its kind and payload, as `torch/_dynamo/guards.py` writes them.
fn parse_check(
    vm: &VirtualMachine,
    kind: &PyStrRef,
    payload: &[PyObjectRef],
) -> PyResult<Check<PyValues>> {
    let kind = kind.to_string_lossy();
    let need = |n: usize| -> PyResult<()> {
        if payload.len() != n {
            return Err(vm.new_value_error(format!("guard {kind} takes {n} values")));
        }
        Ok(())
    };
    Ok(match &*kind {
        "tensor" => {
            need(6)?;
            let dtype = payload[1]
                .downcast_ref::<PyDType>()
                .ok_or_else(|| vm.new_type_error("tensor guard: dtype expected"))?
                .dtype;
            Check::Tensor(
                payload[0].clone().try_into_value(vm)?,
                TensorMeta {
                    dtype,
                    meta: payload[2].clone().try_to_bool(vm)?,
                    shape: payload[3].try_to_value(vm)?,
                    strides: payload[4].try_to_value(vm)?,
                    requires_grad: payload[5].clone().try_to_bool(vm)?,
                },
            )
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
            let keys: PyTupleRef = payload[1].clone().try_into_value(vm)?;
            Check::DictKeys(payload[0].clone().try_into_value(vm)?, keys.to_vec())
        }
        "grad_mode" => {
            need(1)?;
            Check::GradMode(payload[0].clone().try_to_bool(vm)?)
        }
        "call" => {
            need(1)?;
            Check::Call(payload[0].clone())
        }
        "shape" => {
            need(2)?;
            Check::Shape(parse_shape_guards(vm, &payload[0], &payload[1])?)
        }
        "attr_subset" => {
            // (name, None | tuple of allowed items)
            need(2)?;
            let allowed = if vm.is_none(&payload[1]) {
                None
            } else {
                let items: PyTupleRef = payload[1].clone().try_into_value(vm)?;
                Some(items.to_vec())
            };
            Check::AttrSubset(payload[0].clone().try_into_value(vm)?, allowed)
        }
        "no_aliasing" => {
            need(1)?;
            Check::NoAliasing(payload[0].try_to_value(vm)?)
        }
        "float_bits" => {
            // (value): a float or complex compared bit for bit
            need(1)?;
            let bits = PyModel(vm).float_bits(&payload[0]).ok_or_else(|| {
                vm.new_type_error("float_bits guard: a float or complex expected")
            })?;
            Check::FloatBits(payload[0].class().to_owned(), bits)
        }
        "same_object" => {
            need(1)?;
            Check::SameObject(payload[0].try_to_value(vm)?)
        }
        other => return Err(vm.new_value_error(format!("unknown guard kind {other:?}"))),
    })
}

/// `bindings`: `(node, "size" | "stride" | "int", dim, symbol)`; `relations`: `(op, lhs, rhs)`
/// with `SymExpr` sides and op one of `==`, `!=`, `<`, `<=`, `>`, `>=`.
fn parse_shape_guards(
    vm: &VirtualMachine,
    bindings: &PyObjectRef,
    relations: &PyObjectRef,
) -> PyResult<ShapeGuards> {
    let mut out = ShapeGuards {
        bindings: Vec::new(),
        relations: Vec::new(),
    };
    let bindings: PyListRef = bindings.clone().try_into_value(vm)?;
    for b in bindings.borrow_vec().iter() {
        let t: PyTupleRef = b.clone().try_into_value(vm)?;
        if t.len() != 4 {
            return Err(vm.new_value_error("a symbol binding is (node, read, dim, symbol)"));
        }
        let read: PyStrRef = t[1].clone().try_into_value(vm)?;
        let dim = || t[2].try_to_value::<usize>(vm);
        let read = match &*read.to_string_lossy() {
            "size" => SymRead::Size(dim()?),
            "stride" => SymRead::Stride(dim()?),
            "int" => SymRead::Int,
            other => return Err(vm.new_value_error(format!("unknown symbol read {other:?}"))),
        };
        let name: PyStrRef = t[3].clone().try_into_value(vm)?;
        out.bindings.push((
            t[0].try_to_value::<usize>(vm)?,
            read,
            name.to_string_lossy().into(),
        ));
    }
    let relations: PyListRef = relations.clone().try_into_value(vm)?;
    for r in relations.borrow_vec().iter() {
        let t: PyTupleRef = r.clone().try_into_value(vm)?;
        if t.len() != 3 {
            return Err(vm.new_value_error("a shape relation is (op, lhs, rhs)"));
        }
        let op: PyStrRef = t[0].clone().try_into_value(vm)?;
        let op = RelOp::parse(&op.to_string_lossy())
            .ok_or_else(|| vm.new_value_error("unknown comparison in a shape guard"))?;
        let side = |o: &PyObjectRef| {
            o.downcast_ref::<PySymExpr>()
                .map(|e| e.expr.clone())
                .ok_or_else(|| vm.new_type_error("a shape relation compares SymExprs"))
        };
        out.relations.push(Rel {
            op,
            lhs: side(&t[1])?,
            rhs: side(&t[2])?,
        });
    }
    Ok(out)
}

#[pyclass]
impl PyGuardManager {
    /// Whether every guard holds for this frame's locals and globals.
    #[pymethod]
    fn check(&self, f_locals: PyObjectRef, f_globals: PyObjectRef, vm: &VirtualMachine) -> bool {
        self.first_failure(vm, f_locals, f_globals).is_none()
    }

    /// The index of the first failing check (for recompile reasons), or None.
    #[pymethod]
    fn first_failing(
        &self,
        f_locals: PyObjectRef,
        f_globals: PyObjectRef,
        vm: &VirtualMachine,
    ) -> Option<usize> {
        self.first_failure(vm, f_locals, f_globals)
    }

    #[pygetset]
    fn num_checks(&self) -> usize {
        self.tree.num_checks()
    }
}
