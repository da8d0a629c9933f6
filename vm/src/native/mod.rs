//! `_smelt`: the native module under smelt's Python `torch` package (`torch._C` re-exports
//! it). Rust-backed types live here — `TensorBase` (the base of `torch.Tensor`) and
//! `dtype` — with the primitives the Python layer builds PyTorch's API from.

mod autograd;
pub mod boundary;
mod dtype;
mod engine;
mod guards;
mod jit;
mod ops;
mod rng_state;
mod symbolic;
mod tensor;

use rustpython_vm::{Context, builtins::PyModuleDef};

thread_local! {
    static GRAD_ENABLED: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// `_smelt` with every binding behind the native boundary (boundary.rs).
pub fn module_def(ctx: &Context) -> &'static PyModuleDef {
    boundary::guard_module(smelt_native::module_def(ctx))
}

#[rustpython_vm::pymodule(name = "_smelt")]
mod smelt_native {
    use rustpython_vm::builtins::{PyDictRef, PyStrRef, PyTupleRef, PyTypeRef};
    use rustpython_vm::class::{PyClassImpl, StaticType};
    use rustpython_vm::function::OptionalArg;
    use rustpython_vm::{PyObjectRef, PyRef, PyResult, VirtualMachine};
    use smelt_tracer::DType;

    use super::GRAD_ENABLED;
    use super::dtype::PyDType;
    use super::ops;
    use super::tensor::{self, PyTensor};

    /// smelt's version, the local part of `torch.__version__`.
    #[pyattr(name = "__version__")]
    const VERSION: &str = env!("CARGO_PKG_VERSION");

    /// The RustPython release the binary embeds.
    #[pyattr(name = "rustpython_version")]
    const RUSTPYTHON_VERSION: &str = "0.5.0";

    /// Makes the binding `name` (`_smelt._full`, `TensorBase._shape` ...) panic on its next
    /// call: tests prove with it that a panic in any binding family becomes a RuntimeError.
    #[pyfunction]
    fn _panic_in(name: PyStrRef) {
        super::boundary::arm_panic(&name.to_string_lossy());
    }

    /// The source trees smelt's Python was loaded from (`SMELT_SRC`), or `[]` when it runs the
    /// copy frozen into the binary; `torch/__init__.py` makes the package span them.
    #[pyfunction]
    fn _python_source_trees(vm: &VirtualMachine) -> rustpython_vm::builtins::PyListRef {
        let trees = crate::interpreter::python_source_trees();
        vm.ctx.new_list(
            trees
                .iter()
                .map(|t| vm.ctx.new_str(t.as_str()).into())
                .collect(),
        )
    }

    /// `torch.get_num_threads()`: the threads one op may use.
    #[pyfunction]
    fn get_num_threads() -> usize {
        smelt_backends::threads::get()
    }

    /// `torch.set_num_threads(n)`; n is checked as PyTorch does (an int, at least 1).
    #[pyfunction]
    fn set_num_threads(n: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        use rustpython_vm::{AsObject, builtins::PyInt};
        let is_bool = n.class().is(vm.ctx.types.bool_type);
        let Some(int) = n.downcast_ref::<PyInt>().filter(|_| !is_bool) else {
            return Err(vm.new_runtime_error(format!(
                "set_num_threads expects an int, but got {}",
                n.class().name()
            )));
        };
        let Ok(v) = int.try_to_primitive::<i64>(vm) else {
            return Err(vm.new_value_error("Overflow when unpacking long long"));
        };
        if v <= 0 {
            return Err(vm.new_runtime_error("set_num_threads expects a positive integer"));
        }
        smelt_backends::threads::set(v as usize);
        Ok(())
    }

    #[pyattr(name = "TensorBase")]
    fn tensor_base(_vm: &VirtualMachine) -> PyTypeRef {
        PyTensor::make_static_type()
    }

    #[pyattr(name = "TensorMeta")]
    fn tensor_meta_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::autograd::PyTensorMeta::make_static_type()
    }

    #[pyattr(name = "SavedContext")]
    fn saved_context_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::autograd::PySavedContext::make_static_type()
    }

    #[pyattr(name = "Prim")]
    fn prim_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::autograd::PyPrim::make_static_type()
    }

    #[pyattr(name = "PrimMethod")]
    fn prim_method_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::autograd::PyPrimMethod::make_static_type()
    }

    #[pyattr(name = "FastPrim")]
    fn fast_prim_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::autograd::PyFastPrim::make_static_type()
    }

    /// Registers a Python object native autograd calls back into (autograd/).
    #[pyfunction]
    fn _autograd_register(name: PyStrRef, obj: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        super::autograd::register(name.expect_str(), obj, vm)
    }

    #[derive(rustpython_vm::FromArgs)]
    struct RecordArgs {
        #[pyarg(any)]
        key: PyObjectRef,
        #[pyarg(any)]
        args: PyObjectRef,
        #[pyarg(any)]
        out: PyObjectRef,
        #[pyarg(any, optional)]
        old_self: OptionalArg<PyObjectRef>,
    }

    /// `torch.autograd._derivatives.record(key, args, out, old_self=None)`: the node of one
    /// primitive application (autograd/).
    #[pyfunction]
    fn _record(a: RecordArgs, vm: &VirtualMachine) -> PyResult {
        let old_self = a.old_self.into_option().filter(|o| !vm.is_none(o));
        super::autograd::record(&a.key, a.args, a.out, old_self, vm)
    }

    /// `torch.autograd.graph.edge_of(t)`.
    #[pyfunction]
    fn _edge_of(t: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyTupleRef> {
        let (fn_, nr) = super::autograd::edge_of(&t, vm)?;
        Ok(vm.ctx.new_tuple(vec![fn_, nr]))
    }

    /// `torch.autograd.engine.run_backward` (engine.rs).
    #[pyfunction]
    fn _run_backward(
        roots: Vec<PyObjectRef>,
        grad_roots: Vec<PyObjectRef>,
        retain_graph: bool,
        create_graph: bool,
        inputs: Option<Vec<PyObjectRef>>,
        accumulate: bool,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<PyObjectRef>> {
        super::engine::run_backward(
            roots,
            grad_roots,
            retain_graph,
            create_graph,
            inputs,
            accumulate,
            vm,
        )
    }

    #[pyfunction]
    fn _next_sequence_nr() -> i64 {
        super::autograd::next_sequence_nr()
    }

    #[pyattr(name = "GuardManager")]
    fn guard_manager_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::guards::PyGuardManager::make_static_type()
    }

    #[pyattr(name = "SymExpr")]
    fn sym_expr_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::symbolic::PySymExpr::make_static_type()
    }

    #[pyattr(name = "SymbolAllocator")]
    fn symbol_allocator_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::symbolic::PySymbolAllocator::make_static_type()
    }

    /// A constant symbolic expression.
    #[pyfunction]
    fn _sym_int(n: i64, vm: &VirtualMachine) -> PyRef<super::symbolic::PySymExpr> {
        super::symbolic::new_int(n, vm)
    }

    /// A symbol by name (`s77`, `u0`).
    #[pyfunction]
    fn _sym_symbol(name: PyStrRef, vm: &VirtualMachine) -> PyRef<super::symbolic::PySymExpr> {
        super::symbolic::new_symbol(&name.to_string_lossy(), vm)
    }

    /// A fresh ShapeEnv symbol allocator.
    #[pyfunction]
    fn _symbol_allocator(vm: &VirtualMachine) -> PyRef<super::symbolic::PySymbolAllocator> {
        use rustpython_vm::PyPayload;
        super::symbolic::PySymbolAllocator::new().into_ref(&vm.ctx)
    }

    /// Builds the native guard checker from the tracer's description (see guards.rs).
    #[pyfunction]
    fn _make_guard_manager(
        nodes: rustpython_vm::builtins::PyListRef,
        checks: rustpython_vm::builtins::PyListRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<super::guards::PyGuardManager>> {
        use rustpython_vm::PyPayload;
        Ok(super::guards::PyGuardManager::build(vm, nodes, checks)?.into_ref(&vm.ctx))
    }

    /// A copy of a code object whose per-code-unit source locations (what tracebacks read) are
    /// `locations`: flat `line, column, end_line, end_column` per unit, columns counted from 0.
    /// `code.replace` keeps the original's locations and slot kinds, which a longer body or more
    /// locals would overrun: both are made anew here.
    #[pyfunction]
    fn _code_with_locations(
        code: PyRef<rustpython_vm::builtins::PyCode>,
        locations: rustpython_vm::builtins::PyListRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<rustpython_vm::builtins::PyCode>> {
        use rustpython_compiler_core::{OneIndexed, SourceLocation};
        use rustpython_vm::PyPayload;

        let mut new = code.code.clone();
        let mut items = Vec::new();
        for item in locations.borrow_vec().iter() {
            items.push(item.clone().try_into_value::<usize>(vm)?);
        }
        if items.len() != 4 * new.instructions.len() {
            return Err(vm.new_value_error(format!(
                "{} location fields for {} code units",
                items.len(),
                new.instructions.len()
            )));
        }
        let at = |line: usize, col: usize| SourceLocation {
            line: OneIndexed::new(line.max(1)).unwrap_or(OneIndexed::MIN),
            character_offset: OneIndexed::new(col + 1).unwrap_or(OneIndexed::MIN),
        };
        let locs: Vec<_> = items
            .chunks_exact(4)
            .map(|f| (at(f[0], f[1]), at(f[2], f[3])))
            .collect();
        new.locations = locs.into_boxed_slice();
        new.localspluskinds = slot_kinds(&new);
        Ok(rustpython_vm::builtins::PyCode::new(new).into_ref(&vm.ctx))
    }

    /// The kind of every frame slot: locals, then cells (a cell that is also an argument shares
    /// the argument's slot), then free variables.
    fn slot_kinds<C: rustpython_vm::bytecode::Constant>(
        code: &rustpython_vm::bytecode::CodeObject<C>,
    ) -> Box<[u8]> {
        use rustpython_vm::bytecode::{CO_FAST_CELL, CO_FAST_FREE, CO_FAST_LOCAL};

        let nlocals = code.varnames.len();
        let mut kinds = vec![CO_FAST_LOCAL; nlocals];
        for cell in code.cellvars.iter() {
            match code
                .varnames
                .iter()
                .position(|v| v.as_ref() == cell.as_ref())
            {
                Some(slot) => kinds[slot] |= CO_FAST_CELL,
                None => kinds.push(CO_FAST_CELL),
            }
        }
        kinds.extend(std::iter::repeat_n(CO_FAST_FREE, code.freevars.len()));
        kinds.into_boxed_slice()
    }

    #[pyattr(name = "JitProgram")]
    fn jit_program_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::jit::PyJitProgram::make_static_type()
    }

    /// Compiles a graph with the native JIT (see jit.rs for the tuple format).
    #[pyfunction]
    fn _jit_compile(
        inputs: rustpython_vm::builtins::PyListRef,
        nodes: rustpython_vm::builtins::PyListRef,
        outputs: Vec<usize>,
        target: PyStrRef,
        sym_leading: rustpython_vm::function::OptionalArg<Vec<usize>>,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<super::jit::PyJitProgram>> {
        use rustpython_vm::PyPayload;
        let sym_leading = sym_leading.unwrap_or_default();
        Ok(super::jit::compile(inputs, nodes, outputs, target, sym_leading, vm)?.into_ref(&vm.ctx))
    }

    /// The JIT target this machine runs natively ("x86-64-avx2"), or None.
    #[pyfunction]
    fn _jit_host_target() -> Option<&'static str> {
        smelt_backends::jit::emit::Target::host().map(|t| t.name())
    }

    #[pyattr(name = "RngState")]
    fn rng_state_class(_vm: &VirtualMachine) -> PyTypeRef {
        super::rng_state::PyRngState::make_static_type()
    }

    #[pyattr(name = "dtype")]
    fn dtype_class(_vm: &VirtualMachine) -> PyTypeRef {
        PyDType::make_static_type()
    }

    /// Every dtype by its names (`float32`, `float`, ...), for `torch` to export.
    #[pyfunction]
    fn _dtypes(vm: &VirtualMachine) -> PyResult<PyDictRef> {
        let dict = vm.ctx.new_dict();
        for d in DType::ALL {
            let obj = PyDType::get(d);
            dict.set_item(d.name(), obj.clone().into(), vm)?;
            for alias in d.aliases() {
                dict.set_item(*alias, obj.clone().into(), vm)?;
            }
        }
        Ok(dict)
    }

    /// Registers `torch.Tensor`, the class native results are created as.
    #[pyfunction]
    fn _set_tensor_class(cls: PyTypeRef, vm: &VirtualMachine) -> PyResult<()> {
        if !cls.fast_issubclass(PyTensor::static_type()) {
            return Err(vm.new_type_error("tensor class must subclass TensorBase"));
        }
        tensor::set_result_class(cls);
        Ok(())
    }

    #[pyfunction]
    fn promote_types(a: PyRef<PyDType>, b: PyRef<PyDType>) -> PyRef<PyDType> {
        PyDType::get(smelt_tracer::dtype::promote_types(a.dtype, b.dtype))
    }

    #[pyfunction]
    fn _tensor(data: PyObjectRef, dtype: Option<PyRef<PyDType>>, vm: &VirtualMachine) -> PyResult {
        ops::tensor(data, dtype, vm)
    }

    #[pyfunction]
    fn _full(
        shape: Vec<usize>,
        value: PyObjectRef,
        dtype: Option<PyRef<PyDType>>,
        meta: rustpython_vm::function::OptionalArg<bool>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::full(shape, value, dtype, meta.unwrap_or(false), vm)
    }

    #[pyfunction]
    fn _arange(
        start: PyObjectRef,
        end: PyObjectRef,
        step: PyObjectRef,
        dtype: Option<PyRef<PyDType>>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::arange(start, end, step, dtype, vm)
    }

    #[pyfunction]
    fn _unary(name: PyStrRef, input: PyRef<PyTensor>, vm: &VirtualMachine) -> PyResult {
        ops::unary(name.expect_str(), input, vm)
    }

    #[pyfunction]
    fn _binary(name: PyStrRef, a: PyObjectRef, b: PyObjectRef, vm: &VirtualMachine) -> PyResult {
        ops::binary(name.expect_str(), a, b, vm)
    }

    #[pyfunction]
    fn _binary_(
        name: PyStrRef,
        a: PyRef<PyTensor>,
        b: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyTensor>> {
        ops::binary_(name.expect_str(), a, b, vm)
    }

    #[pyfunction]
    fn _reduce(
        name: PyStrRef,
        input: PyRef<PyTensor>,
        dims: Option<Vec<i64>>,
        keepdim: OptionalArg<bool>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::reduce(name.expect_str(), input, dims, keepdim.unwrap_or(false), vm)
    }

    #[pyfunction]
    fn _fill_(
        t: PyRef<PyTensor>,
        value: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyTensor>> {
        ops::fill_(t, value, vm)
    }

    #[pyfunction]
    fn _copy_(
        dst: PyRef<PyTensor>,
        src: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyTensor>> {
        ops::copy_(dst, src, vm)
    }

    #[pyfunction]
    fn _matmul(
        kind: PyStrRef,
        a: PyRef<PyTensor>,
        b: PyRef<PyTensor>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::matmul(kind.expect_str(), a, b, vm)
    }

    #[pyfunction]
    fn _cat(tensors: Vec<PyRef<PyTensor>>, dim: i64, vm: &VirtualMachine) -> PyResult {
        ops::cat(tensors, dim, vm)
    }

    #[pyfunction]
    fn _cumsum(t: PyRef<PyTensor>, dim: i64, vm: &VirtualMachine) -> PyResult {
        ops::cumsum(t, dim, vm)
    }

    #[pyfunction]
    fn _max_min(
        t: PyRef<PyTensor>,
        dim: i64,
        keepdim: bool,
        max: bool,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::max_min(t, dim, keepdim, max, vm)
    }

    #[pyfunction]
    fn _sdpa(
        q: PyRef<PyTensor>,
        k: PyRef<PyTensor>,
        v: PyRef<PyTensor>,
        causal: bool,
        scale: f64,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::sdpa(q, k, v, causal, scale, vm)
    }

    #[pyfunction]
    fn _sdpa_backward(
        tensors: Vec<PyRef<PyTensor>>,
        causal: bool,
        scale: f64,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::sdpa_backward(tensors, causal, scale, vm)
    }

    #[pyfunction]
    fn _sort(t: PyRef<PyTensor>, dim: i64, descending: bool, vm: &VirtualMachine) -> PyResult {
        ops::sort(t, dim, descending, vm)
    }

    #[pyfunction]
    fn _index_select(
        t: PyRef<PyTensor>,
        dim: i64,
        index: PyRef<PyTensor>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::index_select(t, dim, index, vm)
    }

    #[pyfunction]
    fn _gather(
        t: PyRef<PyTensor>,
        dim: i64,
        index: PyRef<PyTensor>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::gather(t, dim, index, vm)
    }

    #[pyfunction]
    fn _scatter_(
        t: PyRef<PyTensor>,
        dim: i64,
        index: PyRef<PyTensor>,
        src: PyRef<PyTensor>,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyTensor>> {
        ops::scatter_(t, dim, index, src, vm)
    }

    /// `indices` holds one entry per leading dim: an integer tensor or None.
    #[pyfunction]
    fn _index(
        t: PyRef<PyTensor>,
        indices: Vec<Option<PyRef<PyTensor>>>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::index(t, indices, vm)
    }

    #[pyfunction]
    fn _index_put_(
        t: PyRef<PyTensor>,
        indices: Vec<Option<PyRef<PyTensor>>>,
        values: PyRef<PyTensor>,
        accumulate: bool,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyTensor>> {
        ops::index_put_(t, indices, values, accumulate, vm)
    }

    #[pyfunction]
    fn _nonzero(t: PyRef<PyTensor>, vm: &VirtualMachine) -> PyResult {
        let out = super::tensor::lift(vm, smelt_backends::eager::nonzero(&t.get()))?;
        super::tensor::wrap(vm, out)
    }

    #[pyfunction]
    fn _where(
        cond: PyRef<PyTensor>,
        a: PyObjectRef,
        b: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::where_(cond, a, b, vm)
    }

    #[pyfunction]
    fn _make_subclass(
        cls: rustpython_vm::builtins::PyTypeRef,
        data: PyRef<super::tensor::PyTensor>,
        vm: &VirtualMachine,
    ) -> PyResult {
        if !cls.fast_issubclass(
            <super::tensor::PyTensor as rustpython_vm::class::StaticType>::static_type(),
        ) {
            return Err(vm.new_type_error(format!(
                "_make_subclass: {} is not a subclass of torch.Tensor",
                cls.name()
            )));
        }
        super::tensor::make_subclass(vm, cls, &data)
    }

    /// A tensor whose elements are `data` (native-endian bytes) read as `dtype`.
    #[pyfunction]
    fn _from_bytes(
        data: rustpython_vm::builtins::PyBytesRef,
        shape: Vec<usize>,
        dtype: PyRef<PyDType>,
        vm: &VirtualMachine,
    ) -> PyResult {
        let t = smelt_backends::Tensor::from_bytes(data.as_bytes(), &shape, dtype.dtype);
        super::tensor::wrap(vm, super::tensor::lift(vm, t)?)
    }

    #[pyfunction]
    fn _randint(
        shape: Vec<usize>,
        low: i64,
        high: i64,
        dtype: Option<PyRef<PyDType>>,
        vm: &VirtualMachine,
    ) -> PyResult {
        let dtype = dtype.map_or(smelt_tracer::DType::Int64, |d| d.dtype);
        let t = smelt_backends::eager::random::randint(&shape, low, high, dtype);
        super::tensor::wrap(vm, super::tensor::lift(vm, t)?)
    }

    /// `kind` is "uniform" (low, high) or "normal" (mean, std).
    #[pyfunction]
    fn _random(
        kind: PyStrRef,
        shape: Vec<usize>,
        a: f64,
        b: f64,
        dtype: Option<PyRef<PyDType>>,
        vm: &VirtualMachine,
    ) -> PyResult {
        ops::random(kind.expect_str(), shape, a, b, dtype, vm)
    }

    /// One fused Adam step on a parameter (backends' `eager::adam_update`); False when the
    /// tensors are not ones it takes, and nothing was written. `scalars` is (lerp weight,
    /// beta2, squared-gradient weight, root of the second bias correction, eps, -step size).
    #[pyfunction]
    fn _adam_update(
        tensors: Vec<PyRef<PyTensor>>,
        decay: Option<f64>,
        scalars: Vec<f64>,
        maximize: bool,
        vm: &VirtualMachine,
    ) -> PyResult<bool> {
        let (Ok([p, g, m, v]), Ok([lerp_weight, beta2, sq_weight, root2, eps, neg_step_size])) =
            (<[_; 4]>::try_from(tensors), <[f64; 6]>::try_from(scalars))
        else {
            return Err(vm.new_type_error("_adam_update takes 4 tensors and 6 scalars"));
        };
        let step = smelt_backends::eager::AdamStep {
            decay,
            lerp_weight,
            beta2,
            sq_weight,
            root2,
            eps,
            neg_step_size,
            maximize,
        };
        Ok(smelt_backends::eager::adam_update(
            &p.get(),
            &g.get(),
            &m.get(),
            &v.get(),
            &step,
        ))
    }

    /// Grad mode is per thread, as in PyTorch.
    #[pyfunction]
    fn is_grad_enabled() -> bool {
        GRAD_ENABLED.with(|g| g.get())
    }

    /// Whether an op on `args` must be recorded: grad mode is on and one of the arguments at
    /// `positions` (a tensor, or a list of tensors) requires grad. One native call, because
    /// this runs for every op.
    #[pyfunction]
    fn _needs_grad(args: PyTupleRef, positions: Vec<usize>) -> bool {
        super::autograd::needs_grad(args.as_slice(), &positions)
    }

    #[pyfunction]
    fn _set_grad_enabled(enabled: bool) {
        GRAD_ENABLED.with(|g| g.set(enabled));
    }

    #[pyfunction]
    fn manual_seed(seed: i64) {
        smelt_backends::eager::random::manual_seed(seed as u64);
    }

    #[pyfunction]
    fn _get_rng_state() -> super::rng_state::PyRngState {
        super::rng_state::PyRngState(smelt_backends::eager::random::get_state())
    }

    #[pyfunction]
    fn _set_rng_state(state: PyRef<super::rng_state::PyRngState>) {
        smelt_backends::eager::random::set_state(&state.0);
    }

    #[pyfunction]
    fn initial_seed() -> u64 {
        smelt_backends::eager::random::initial_seed()
    }
}
