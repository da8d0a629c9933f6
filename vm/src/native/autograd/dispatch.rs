//! The eager fast path of a primitive (`FastPrim`) and of the Tensor methods that are one
//! primitive call (`PrimMethod`): no Python frame between the user's `a + b` and the kernel.

use rustpython_vm::builtins::PyBoundMethod;
use rustpython_vm::common::lock::PyRwLock;
use rustpython_vm::function::FuncArgs;
use rustpython_vm::object::{Traverse, TraverseFn};
use rustpython_vm::types::{Callable, Constructor, GetDescriptor};
use rustpython_vm::{Py, PyRef};
use rustpython_vm::{PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};

use super::{PyPrim, modes_active, needs_grad, own_attr, prims_dict, record_with, set_own_attr};
use crate::native::tensor::PyTensor;

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
                if requires && crate::native::GRAD_ENABLED.with(|g| g.get()) {
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
        crate::native::boundary::guarded(vm, "FastPrim", || zelf.run(args, vm))
    }
}

/// `callable` bound to `obj` as a method, as a function is; itself when read from the class.
fn bind(callable: PyObjectRef, obj: Option<PyObjectRef>, vm: &VirtualMachine) -> PyObjectRef {
    match obj {
        Some(obj) if !vm.is_none(&obj) => {
            PyBoundMethod::new(obj, callable).into_ref(&vm.ctx).into()
        }
        _ => callable,
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
        Ok(bind(zelf, obj, vm))
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

/// A Tensor method that is one primitive call with the op's name first: `Tensor.__add__` is
/// `PrimMethod(_prims.binary, "add")` (`binary("add", self, other)`), `__radd__` the reflected
/// form (`binary("add", other, self)`), `Tensor.exp` is `PrimMethod(_prims.unary, "exp")`.
#[pyclass(name = "PrimMethod", module = "torch._C", traverse = "manual")]
#[derive(PyPayload)]
pub struct PyPrimMethod {
    prim: PyObjectRef,
    op: PyObjectRef,
    reflected: bool,
}

impl std::fmt::Debug for PyPrimMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrimMethod")
    }
}

unsafe impl Traverse for PyPrimMethod {
    fn traverse(&self, f: &mut TraverseFn<'_>) {
        self.prim.traverse(f);
        self.op.traverse(f);
    }
}

impl Constructor for PyPrimMethod {
    type Args = (
        PyObjectRef,
        PyObjectRef,
        rustpython_vm::function::OptionalArg<bool>,
    );

    fn py_new(
        _cls: &Py<rustpython_vm::builtins::PyType>,
        (prim, op, reflected): Self::Args,
        _vm: &VirtualMachine,
    ) -> PyResult<Self> {
        Ok(PyPrimMethod {
            prim,
            op,
            reflected: reflected.unwrap_or(false),
        })
    }
}

impl Callable for PyPrimMethod {
    type Args = FuncArgs;

    fn call(zelf: &Py<Self>, mut args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        if zelf.reflected && args.args.len() == 2 {
            args.args.swap(0, 1);
        }
        args.prepend_arg(zelf.op.clone());
        match zelf.prim.downcast_ref::<PyFastPrim>() {
            Some(fast) => crate::native::boundary::guarded(vm, "PrimMethod", || fast.run(args, vm)),
            None => zelf.prim.call(args, vm),
        }
    }
}

impl GetDescriptor for PyPrimMethod {
    fn descr_get(
        zelf: PyObjectRef,
        obj: Option<PyObjectRef>,
        _cls: Option<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult {
        Ok(bind(zelf, obj, vm))
    }
}

#[pyclass(with(Constructor, Callable, GetDescriptor))]
impl PyPrimMethod {
    #[pygetset]
    fn __name__(&self) -> PyObjectRef {
        self.op.clone()
    }
}
