//! `Prim`: how one primitive takes part in autograd, read by `record` for every op.

use std::collections::HashMap;

use rustpython_vm::Py;
use rustpython_vm::builtins::PyStr;
use rustpython_vm::common::lock::PyRwLock;
use rustpython_vm::function::OptionalArg;
use rustpython_vm::object::{Traverse, TraverseFn};
use rustpython_vm::types::Constructor;
use rustpython_vm::{PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};

use crate::native::tensor::PyTensor;

// --- Prim -------------------------------------------------------------------------------------

/// Which arguments (and whether the output) a formula reads.
#[derive(Default, Clone)]
pub(super) struct SaveSet {
    pub positions: Vec<usize>,
    pub out: bool,
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

/// Node name and saves by (op name, bit mask of the arguments that are tensors).
type Memo = HashMap<(String, u64), (PyObjectRef, SaveSet)>;

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
    pub(super) inputs: Vec<usize>,
    pub(super) inputs_obj: PyObjectRef,
    pub(super) name: PyObjectRef,
    pub(super) backward: PyObjectRef,
    pub(super) saves: Option<SaveSet>,
    pub(super) saves_obj: PyObjectRef,
    pub(super) outputs: Vec<usize>,
    pub(super) outputs_obj: PyObjectRef,
    /// `memo=True`: the name and saves functions depend only on the first argument (the op's
    /// name, a str) and on which arguments are tensors, so their results are kept per such
    /// key instead of calling them for every op.
    pub(super) memo: Option<PyRwLock<Memo>>,
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
        if let Some(memo) = &self.memo
            && let Some(memo) = memo.try_read_recursive()
        {
            for (name, _) in memo.values() {
                name.traverse(f);
            }
        }
    }
}

#[derive(rustpython_vm::FromArgs)]
pub struct PrimArgs {
    #[pyarg(any)]
    pub(super) inputs: PyObjectRef,
    #[pyarg(any)]
    pub(super) name: PyObjectRef,
    #[pyarg(any)]
    pub(super) backward: PyObjectRef,
    #[pyarg(any, optional)]
    pub(super) saves: OptionalArg<PyObjectRef>,
    #[pyarg(any, optional)]
    pub(super) outputs: OptionalArg<PyObjectRef>,
    #[pyarg(named, default = false)]
    pub(super) memo: bool,
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
            memo: a.memo.then(|| PyRwLock::new(HashMap::new())),
        })
    }
}

impl PyPrim {
    /// The node name and what the formula reads, for these arguments.
    pub(super) fn name_and_saves(
        &self,
        args: &PyObjectRef,
        items: &[PyObjectRef],
        vm: &VirtualMachine,
    ) -> PyResult<(PyObjectRef, SaveSet)> {
        let key = self.memo.as_ref().and_then(|_| {
            let op = items
                .first()?
                .downcast_ref::<PyStr>()?
                .expect_str()
                .to_owned();
            let tensors = items
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, a)| a.downcast_ref::<PyTensor>().is_some())
                .fold(0u64, |m, (i, _)| m | (1 << i));
            Some((op, tensors))
        });
        if let (Some(memo), Some(key)) = (&self.memo, &key)
            && let Some(hit) = memo.read().get(key)
        {
            return Ok(hit.clone());
        }
        let found = (self.name_for(args, vm)?, self.saves_for(args, vm)?);
        if let (Some(memo), Some(key)) = (&self.memo, key) {
            memo.write().insert(key, found.clone());
        }
        Ok(found)
    }

    pub(super) fn saves_for(&self, args: &PyObjectRef, vm: &VirtualMachine) -> PyResult<SaveSet> {
        match &self.saves {
            Some(s) => Ok(SaveSet {
                positions: s.positions.clone(),
                out: s.out,
            }),
            None => SaveSet::parse(&self.saves_obj.call((args.clone(),), vm)?, vm),
        }
    }

    pub(super) fn name_for(&self, args: &PyObjectRef, vm: &VirtualMachine) -> PyResult {
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
