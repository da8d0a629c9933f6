//! `torch._C._jit_compile`: the native JIT behind `torch/_inductor`. Python lowers an aten
//! FX graph to the JIT's graph (flat tuples, below) and gets back a `JitProgram` to run on
//! real tensors. A graph the JIT cannot compile is a `RuntimeError` naming why, which the
//! Python side answers by running those nodes eagerly.

use rustpython_vm::builtins::{PyListRef, PyStrRef};
use rustpython_vm::{PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
use smelt_backends::jit::emit::Target;
use smelt_backends::jit::graph::{Graph, Layout, Node, NodeOp, View};
use smelt_backends::jit::runtime::{self, Program, RunError};
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

use super::dtype::PyDType;
use super::tensor::PyTensor;

#[pyclass(name = "JitProgram", module = "torch._C")]
#[derive(PyPayload)]
pub struct PyJitProgram {
    program: Program,
}

impl std::fmt::Debug for PyJitProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JitProgram({} steps)", self.program.plan.steps.len())
    }
}

#[pyclass]
impl PyJitProgram {
    /// Run on tensors laid out as the graph's inputs were; the outputs come back as a list.
    #[pymethod]
    fn run(&self, inputs: Vec<PyRef<PyTensor>>, vm: &VirtualMachine) -> PyResult<PyListRef> {
        let tensors: Vec<_> = inputs.iter().map(|t| t.get()).collect();
        // A layout other than the compiled one is the caller's to handle (it runs the
        // graph eagerly instead): a ValueError, unlike a failure inside the program.
        let outs = self.program.run(&tensors).map_err(|e| match e {
            RunError::Inputs(e) => vm.new_value_error(e),
            RunError::Step(e) => vm.new_runtime_error(format!("compiled kernel: {e}")),
        })?;
        let mut items = vec![];
        for t in outs {
            items.push(super::tensor::wrap(vm, t)?);
        }
        Ok(vm.ctx.new_list(items))
    }

    /// Buffers, loop IR and disassembly of every step, as `TORCH_LOGS=output_code` shows them.
    #[pymethod]
    fn describe(&self) -> String {
        self.program.describe()
    }
}

fn layout(
    dtype: &PyObjectRef,
    shape: &PyObjectRef,
    strides: &PyObjectRef,
    offset: &PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<Layout> {
    let dtype = dtype
        .downcast_ref::<PyDType>()
        .ok_or_else(|| vm.new_type_error("layout dtype must be a torch.dtype"))?
        .dtype;
    let shape: Vec<usize> = shape.clone().try_into_value(vm)?;
    let strides: Vec<isize> = strides.clone().try_into_value(vm)?;
    let offset: usize = offset.clone().try_into_value(vm)?;
    if strides.len() != shape.len() {
        return Err(vm.new_value_error("layout: shape and strides differ in length"));
    }
    Ok(Layout {
        dtype,
        shape,
        strides,
        offset,
    })
}

fn fields(
    obj: &PyObjectRef,
    n: usize,
    what: &str,
    vm: &VirtualMachine,
) -> PyResult<Vec<PyObjectRef>> {
    let items: Vec<PyObjectRef> = obj.clone().try_into_value(vm)?;
    if items.len() != n {
        return Err(vm.new_value_error(format!("{what}: expected {n} fields, got {}", items.len())));
    }
    Ok(items)
}

/// A node's op from its kind, name and integer parameters.
fn node_op(
    kind: &str,
    name: &str,
    ints: &[i64],
    value: f64,
    vm: &VirtualMachine,
) -> PyResult<NodeOp> {
    let bad = || vm.new_value_error(format!("jit graph: unknown op {kind}/{name}"));
    let int = |i: usize| -> PyResult<usize> {
        ints.get(i)
            .and_then(|&v| usize::try_from(v).ok())
            .ok_or_else(|| vm.new_value_error(format!("jit graph: {kind}/{name} parameter {i}")))
    };
    Ok(match kind {
        "unary" => NodeOp::Unary(UnaryOp::from_name(name).ok_or_else(bad)?),
        "binary" => NodeOp::Binary(BinaryOp::from_name(name).ok_or_else(bad)?),
        "where" => NodeOp::Where,
        "cast" => NodeOp::Cast,
        "scalar" => NodeOp::Scalar(value),
        "matmul" => NodeOp::Matmul,
        "reduce" => NodeOp::Reduce {
            op: ReduceOp::from_name(name).ok_or_else(bad)?,
            dims: (0..ints.len()).map(int).collect::<PyResult<_>>()?,
        },
        "view" => NodeOp::View(match name {
            "alias" => View::Alias,
            "expand" => View::Expand,
            "reshape" => View::Reshape,
            "as_strided" => View::AsStrided,
            "permute" => View::Permute((0..ints.len()).map(int).collect::<PyResult<_>>()?),
            "select" => View::Select {
                dim: int(0)?,
                index: int(1)?,
            },
            "slice" => View::Slice {
                dim: int(0)?,
                start: int(1)?,
                step: int(2)?,
            },
            _ => return Err(bad()),
        }),
        _ => return Err(bad()),
    })
}

/// `inputs`: `(dtype, shape, strides, offset)` each. `nodes`: `(kind, name, ints, value,
/// args, dtype, shape, strides, offset)` each, values numbered inputs first. `outputs`: value
/// numbers. `target`: "host" (the machine's own code) or a target name (compile only).
/// `sym_leading`: the inputs whose leading size is the graph's one symbolic size (their
/// `shape[0]` the example); the program then runs for any size there.
pub fn compile(
    inputs: PyListRef,
    nodes: PyListRef,
    outputs: Vec<usize>,
    target: PyStrRef,
    sym_leading: Vec<usize>,
    vm: &VirtualMachine,
) -> PyResult<PyJitProgram> {
    let mut g = Graph {
        sym_leading,
        ..Graph::default()
    };
    for item in inputs.borrow_vec().iter() {
        let f = fields(item, 4, "jit input", vm)?;
        g.inputs.push(layout(&f[0], &f[1], &f[2], &f[3], vm)?);
    }
    for item in nodes.borrow_vec().iter() {
        let f = fields(item, 9, "jit node", vm)?;
        let kind: String = f[0].clone().try_into_value(vm)?;
        let name: String = f[1].clone().try_into_value(vm)?;
        let ints: Vec<i64> = f[2].clone().try_into_value(vm)?;
        let value: f64 = f[3].clone().try_into_value(vm)?;
        let args: Vec<usize> = f[4].clone().try_into_value(vm)?;
        let here = g.num_values();
        if let Some(&a) = args.iter().find(|&&a| a >= here) {
            return Err(
                vm.new_value_error(format!("jit graph: value {here} reads later value {a}"))
            );
        }
        g.nodes.push(Node {
            op: node_op(&kind, &name, &ints, value, vm)?,
            args,
            out: layout(&f[5], &f[6], &f[7], &f[8], vm)?,
        });
    }
    if let Some(&o) = outputs.iter().find(|&&o| o >= g.num_values()) {
        return Err(vm.new_value_error(format!("jit graph: output {o} is not a value")));
    }
    g.outputs = outputs;
    if let Err(e) = g.validate() {
        return Err(vm.new_value_error(format!("jit graph: {e}")));
    }
    let target = match target.expect_str() {
        "host" => Target::host().ok_or_else(|| {
            vm.new_runtime_error(
                "the JIT has no code generator for this CPU (it emits x86-64 and AArch64)",
            )
        })?,
        name => Target::from_name(name)
            .ok_or_else(|| vm.new_value_error(format!("unknown JIT target {name:?}")))?,
    };
    let program = runtime::compile(&g, target).map_err(|e| vm.new_runtime_error(e))?;
    Ok(PyJitProgram { program })
}
