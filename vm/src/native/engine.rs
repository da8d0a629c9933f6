//! The autograd engine's loop in native code (`torch.autograd.engine.run_backward`): nodes run
//! once every node feeding them gradients has run; among ready nodes the most recently created
//! runs first (PyTorch's order, which hooks can observe). Formulas, hooks and the rarer steps
//! (accumulating into `.grad`, summing a gradient back over broadcast dims, zeros for a
//! gradient never produced, pruning to `inputs`) stay Python and are called from here; the
//! loop itself — graph discovery, dependency counts, gradient buffers, the ready queue —
//! costs no interpreter time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use rustpython_vm::builtins::{PyDict, PyList, PyTuple, PyTypeRef};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use super::autograd::{PySavedContext, own_attr, registered};
use super::dtype::PyDType;
use super::tensor::PyTensor;

fn id(obj: &PyObjectRef) -> usize {
    obj.get_id()
}

/// `fn.next_functions` as (node or None, input number) pairs.
fn next_functions(
    node: &PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<Vec<(Option<PyObjectRef>, PyObjectRef)>> {
    let edges = node.get_attr("next_functions", vm)?;
    let items: Vec<PyObjectRef> = edges.try_to_value(vm)?;
    items
        .into_iter()
        .map(|e| {
            let pair = e
                .downcast_ref::<PyTuple>()
                .filter(|t| t.len() == 2)
                .ok_or_else(|| vm.new_type_error("next_functions holds (node, input_nr) pairs"))?;
            let fn_ = pair.as_slice()[0].clone();
            Ok((
                if vm.is_none(&fn_) { None } else { Some(fn_) },
                pair.as_slice()[1].clone(),
            ))
        })
        .collect()
}

fn sequence_nr(node: &PyObjectRef, vm: &VirtualMachine) -> PyResult<i64> {
    node.get_attr("_sequence_nr", vm)?.try_to_value(vm)
}

/// The length of a node's `_outputs_meta` and its entries.
fn outputs_meta(node: &PyObjectRef, vm: &VirtualMachine) -> PyResult<Vec<PyObjectRef>> {
    node.get_attr("_outputs_meta", vm)?.try_to_value(vm)
}

/// A hook table of the node's own (`_pre_hooks` ...): None when it has none (the shared empty
/// default), so the common node costs one dict lookup per table.
fn hook_table(
    node: &PyObjectRef,
    name: &'static str,
    vm: &VirtualMachine,
) -> Option<Vec<(PyObjectRef, PyObjectRef)>> {
    let table = own_attr(node, name, vm)?;
    let dict = table.downcast_ref::<PyDict>()?;
    let items: Vec<_> = dict.into_iter().collect();
    (!items.is_empty()).then_some(items)
}

fn option_list(items: &[Option<PyObjectRef>], vm: &VirtualMachine) -> Vec<PyObjectRef> {
    items
        .iter()
        .map(|g| g.clone().unwrap_or_else(|| vm.ctx.none()))
        .collect()
}

fn from_list(obj: PyObjectRef, vm: &VirtualMachine) -> PyResult<Vec<Option<PyObjectRef>>> {
    let items: Vec<PyObjectRef> = obj.try_to_value(vm)?;
    Ok(items
        .into_iter()
        .map(|g| if vm.is_none(&g) { None } else { Some(g) })
        .collect())
}

/// `_fit(g, meta)` where it changes something: a gradient whose shape and dtype already are
/// the input's is passed through without a call.
fn fit(g: PyObjectRef, meta: &PyObjectRef, vm: &VirtualMachine) -> PyResult {
    if let (Some(t), Some(pair)) = (g.downcast_ref::<PyTensor>(), meta.downcast_ref::<PyTuple>())
        && pair.len() == 2
        && own_attr(&g, "_sym_shape", vm).is_none_or(|s| vm.is_none(&s))
        && pair.as_slice()[1]
            .downcast_ref::<PyDType>()
            .is_some_and(|d| d.dtype == t.dtype_value())
        && let Ok(shape) = pair.as_slice()[0].try_to_value::<Vec<i64>>(vm)
        && t.shape_values() == shape
    {
        return Ok(g);
    }
    registered(vm, "_fit")?.call((g, meta.clone()), vm)
}

struct Ready {
    heap: BinaryHeap<(i64, Reverse<usize>)>,
    queued: HashSet<usize>,
}

impl Ready {
    fn push(&mut self, node: &PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        if self.queued.insert(id(node)) {
            self.heap.push((sequence_nr(node, vm)?, Reverse(id(node))));
        }
        Ok(())
    }
}

/// Backpropagates `grad_roots` from `roots`. With `inputs`, returns the gradient reaching
/// each of them instead of (accumulate=False) or as well as accumulating into `.grad`.
#[allow(clippy::too_many_arguments)]
pub fn run_backward(
    roots: Vec<PyObjectRef>,
    grad_roots: Vec<PyObjectRef>,
    retain_graph: bool,
    create_graph: bool,
    inputs: Option<Vec<PyObjectRef>>,
    accumulate: bool,
    vm: &VirtualMachine,
) -> PyResult<Vec<PyObjectRef>> {
    let mut root_edges = Vec::new();
    for (t, g) in roots.iter().zip(grad_roots) {
        let (fn_, nr) = super::autograd::edge_of(t, vm)?;
        if vm.is_none(&fn_) {
            return Err(vm.new_runtime_error(
                "element 0 of tensors does not require grad and does not have a grad_fn",
            ));
        }
        root_edges.push((fn_, nr.try_to_value::<usize>(vm)?, g));
    }

    // Where gradients for `inputs` are captured: leaves at their AccumulateGrad, others at the
    // output of their grad_fn.
    let mut captures: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut capture_keys = Vec::new();
    let n_inputs = inputs.as_ref().map_or(0, |i| i.len());
    if let Some(inputs) = &inputs {
        for (i, t) in inputs.iter().enumerate() {
            let (fn_, nr) = super::autograd::edge_of(t, vm)?;
            if vm.is_none(&fn_) {
                capture_keys.push(vm.ctx.none());
                continue;
            }
            let nr: usize = nr.try_to_value(vm)?;
            captures.entry((id(&fn_), nr)).or_default().push(i);
            capture_keys.push(
                vm.ctx
                    .new_tuple(vec![
                        vm.ctx.new_int(id(&fn_)).into(),
                        vm.ctx.new_int(nr).into(),
                    ])
                    .into(),
            );
        }
    }
    let mut captured: Vec<Option<PyObjectRef>> = vec![None; n_inputs];

    // Dependency counts over the reachable graph. A node reached from two roots is walked
    // once, or its inputs' counts would be counted twice.
    let mut deps: HashMap<usize, usize> = HashMap::new();
    let mut nodes: HashMap<usize, PyObjectRef> = HashMap::new();
    let mut edges_of: HashMap<usize, Vec<(Option<PyObjectRef>, PyObjectRef)>> = HashMap::new();
    let mut stack = Vec::new();
    for (fn_, _, _) in &root_edges {
        if nodes.insert(id(fn_), fn_.clone()).is_none() {
            stack.push(fn_.clone());
        }
    }
    while let Some(fn_) = stack.pop() {
        let edges = next_functions(&fn_, vm)?;
        for (nxt, _) in &edges {
            let Some(nxt) = nxt else { continue };
            *deps.entry(id(nxt)).or_insert(0) += 1;
            if let std::collections::hash_map::Entry::Vacant(e) = nodes.entry(id(nxt)) {
                e.insert(nxt.clone());
                stack.push(nxt.clone());
            }
        }
        edges_of.insert(id(&fn_), edges);
    }

    // With `inputs`, only nodes on a path to one of them run (PyTorch prunes the same way).
    let runs: Option<HashSet<usize>> = match &inputs {
        None => None,
        Some(_) => {
            let nodes_dict = vm.ctx.new_dict();
            for (k, v) in &nodes {
                nodes_dict.set_item(vm.ctx.new_int(*k).as_object(), v.clone(), vm)?;
            }
            let captures_dict = vm.ctx.new_dict();
            for key in capture_keys {
                captures_dict.set_item(&*key, vm.ctx.none(), vm)?;
            }
            let leading =
                registered(vm, "_nodes_leading_to")?.call((nodes_dict, captures_dict), vm)?;
            let ids = <Vec<usize> as rustpython_vm::convert::TryFromObject>::try_from_object(
                vm, leading,
            )?;
            Some(ids.into_iter().collect())
        }
    };

    let mut buffers: HashMap<usize, Vec<Option<PyObjectRef>>> = HashMap::new();
    let mut ready = Ready {
        heap: BinaryHeap::new(),
        queued: HashSet::new(),
    };
    let add_grad = |buffers: &mut HashMap<usize, Vec<Option<PyObjectRef>>>,
                    fn_: &PyObjectRef,
                    nr: usize,
                    g: PyObjectRef|
     -> PyResult<()> {
        let slots = match buffers.get_mut(&id(fn_)) {
            Some(s) => s,
            None => {
                let n = outputs_meta(fn_, vm)?.len().max(nr + 1);
                buffers.entry(id(fn_)).or_insert_with(|| vec![None; n])
            }
        };
        if slots.len() <= nr {
            slots.resize(nr + 1, None);
        }
        slots[nr] = Some(match slots[nr].take() {
            None => g,
            Some(prev) => vm._add(&prev, &g)?,
        });
        Ok(())
    };
    for (fn_, nr, g) in &root_edges {
        add_grad(&mut buffers, fn_, *nr, g.clone())?;
    }
    for (fn_, _, _) in &root_edges {
        if deps.get(&id(fn_)).copied().unwrap_or(0) == 0 {
            ready.push(fn_, vm)?;
        }
    }

    let accumulate_grad: PyTypeRef = registered(vm, "AccumulateGrad")?
        .downcast()
        .map_err(|_| vm.new_type_error("AccumulateGrad must be a class"))?;
    let formula_apply = registered(vm, "formula_apply")?;
    let running = registered(vm, "running")?;
    let running = running
        .downcast_ref::<PyList>()
        .ok_or_else(|| vm.new_type_error("running must be a list"))?
        .to_owned();
    let outer_node = running
        .borrow_vec()
        .first()
        .cloned()
        .unwrap_or_else(|| vm.ctx.none());
    let prev_mode = super::GRAD_ENABLED.with(|g| g.replace(create_graph));
    let mut executed: Vec<PyObjectRef> = Vec::new();

    let mut body = || -> PyResult<()> {
        while let Some((_, Reverse(key))) = ready.heap.pop() {
            let fn_ = nodes[&key].clone();
            running.borrow_vec_mut()[0] = fn_.clone();
            let mut grads = match buffers.remove(&key) {
                Some(g) => g,
                None => vec![None; outputs_meta(&fn_, vm)?.len()],
            };
            // Hooks of the non-leaf tensors this node produced, then retain_grad.
            if let Some(table) = hook_table(&fn_, "_tensor_pre_hooks", vm) {
                let run_hooks = registered(vm, "_run_tensor_hooks")?;
                for (nr, hooks) in table {
                    let nr: usize = nr.try_to_value(vm)?;
                    if let Some(Some(g)) = grads.get(nr)
                        && hooks.length(vm)? > 0
                    {
                        grads[nr] = Some(run_hooks.call((hooks, g.clone()), vm)?);
                    }
                }
            }
            if let Some(table) = hook_table(&fn_, "_retained", vm) {
                for (nr, t) in table {
                    let nr: usize = nr.try_to_value(vm)?;
                    if let Some(Some(g)) = grads.get(nr) {
                        let value = if create_graph {
                            g.clone()
                        } else {
                            vm.call_method(g, "detach", ())?
                        };
                        t.set_attr("grad", value, vm)?;
                    }
                }
            }
            for (nr, g) in grads.iter().enumerate() {
                if let (Some(where_), Some(g)) = (captures.get(&(key, nr)), g) {
                    for &i in where_ {
                        captured[i] = Some(g.clone());
                    }
                }
            }
            let edges = &edges_of[&key];
            if let Some(runs) = &runs
                && !runs.contains(&key)
            {
                for (nxt, _) in edges {
                    let Some(nxt) = nxt else { continue };
                    let d = deps.get_mut(&id(nxt)).expect("counted");
                    *d -= 1;
                    if *d == 0 {
                        ready.push(nxt, vm)?;
                    }
                }
                continue;
            }
            if let Some(hooks) = hook_table(&fn_, "_pre_hooks", vm) {
                for (_, hook) in hooks {
                    let result = hook.call((vm.ctx.new_tuple(option_list(&grads, vm)),), vm)?;
                    if !vm.is_none(&result) {
                        grads = from_list(result, vm)?;
                    }
                }
            }
            if fn_.class().fast_issubclass(&accumulate_grad) {
                if let Some(Some(g)) = grads.first() {
                    let mut g = g.clone();
                    let var = fn_.get_attr("variable", vm)?;
                    let leaf_hooks = var.get_attr("_leaf_hooks", vm)?;
                    if leaf_hooks.clone().try_to_bool(vm)? {
                        g = registered(vm, "_run_tensor_hooks")?.call((leaf_hooks, g), vm)?;
                    }
                    if let Some(hooks) = hook_table(&fn_, "_post_hooks", vm) {
                        for (_, hook) in hooks {
                            hook.call(
                                (
                                    vm.ctx.empty_tuple.clone(),
                                    vm.ctx.new_tuple(vec![g.clone()]),
                                ),
                                vm,
                            )?;
                        }
                    }
                    if accumulate {
                        registered(vm, "_accumulate")?
                            .call((var, g, vm.ctx.new_bool(create_graph)), vm)?;
                    }
                }
                executed.push(fn_);
                continue;
            }
            // Gradients never produced for an output are zeros to the formula.
            if grads.iter().any(Option::is_none) {
                let metas = outputs_meta(&fn_, vm)?;
                for (nr, g) in grads.iter_mut().enumerate() {
                    if g.is_none()
                        && let Some(meta) = metas.get(nr).filter(|m| !vm.is_none(m))
                    {
                        let (shape, dtype): (PyObjectRef, PyObjectRef) = {
                            let pair: Vec<PyObjectRef> = meta.try_to_value(vm)?;
                            (pair[0].clone(), pair[1].clone())
                        };
                        *g = Some(registered(vm, "_zeros")?.call((shape, dtype), vm)?);
                    }
                }
            }
            let grad_values = option_list(&grads, vm);
            let result = apply(&fn_, edges, grad_values.clone(), &formula_apply, vm)?;
            let mut in_grads = from_list(result, vm)?;
            let inputs_meta: Vec<PyObjectRef> =
                fn_.get_attr("_inputs_meta", vm)?.try_to_value(vm)?;
            for (i, g) in in_grads.iter_mut().enumerate().take(edges.len()) {
                if let (Some(value), Some(meta)) = (g.take(), inputs_meta.get(i)) {
                    *g = Some(if vm.is_none(meta) {
                        value
                    } else {
                        fit(value, meta, vm)?
                    });
                }
            }
            if let Some(hooks) = hook_table(&fn_, "_post_hooks", vm) {
                for (_, hook) in hooks {
                    let result = hook.call(
                        (
                            vm.ctx.new_tuple(option_list(&in_grads, vm)),
                            vm.ctx.new_tuple(grad_values.clone()),
                        ),
                        vm,
                    )?;
                    if !vm.is_none(&result) {
                        in_grads = from_list(result, vm)?;
                    }
                }
            }
            executed.push(fn_.clone());
            for (i, (nxt, nr)) in edges.iter().enumerate() {
                let Some(nxt) = nxt else { continue };
                if i >= in_grads.len() {
                    break;
                }
                if let Some(g) = in_grads[i].take() {
                    add_grad(&mut buffers, nxt, nr.try_to_value(vm)?, g)?;
                }
                let d = deps.get_mut(&id(nxt)).expect("counted");
                *d -= 1;
                if *d == 0 {
                    ready.push(nxt, vm)?;
                }
            }
        }
        Ok(())
    };
    let result = body();
    running.borrow_vec_mut()[0] = outer_node;
    super::GRAD_ENABLED.with(|g| g.set(prev_mode));
    if !retain_graph {
        for fn_ in &executed {
            vm.call_method(fn_, "_release", ())?;
        }
    }
    result?;
    Ok(option_list(&captured, vm))
}

/// `fn.apply(*grads)`; a formula node's (`FormulaNode.apply`) runs here: the saved context is
/// checked, told which inputs want a gradient, and handed to the formula.
fn apply(
    fn_: &PyObjectRef,
    edges: &[(Option<PyObjectRef>, PyObjectRef)],
    grads: Vec<PyObjectRef>,
    formula_apply: &PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    let is_formula_node = fn_
        .class()
        .get_attr(vm.ctx.intern_str("apply"))
        .is_some_and(|a| a.is(formula_apply));
    if is_formula_node
        && let (Some(ctx), Some(formula)) =
            (own_attr(fn_, "_ctx", vm), own_attr(fn_, "_formula", vm))
        && let Some(saved) = ctx.downcast_ref::<PySavedContext>()
    {
        saved.check_released(vm)?;
        let needs = edges
            .iter()
            .map(|(n, _)| vm.ctx.new_bool(n.is_some()).into())
            .collect();
        saved.set_needs_list(vm.ctx.new_list(needs).into());
        return formula.call((ctx.clone(), vm.ctx.new_tuple(grads)), vm);
    }
    vm.call_method(fn_, "apply", FuncArgs::from(grads))
}
