//! Module-level primitives of `_smelt`: making tensors from Python data and running ops by
//! name. `torch`'s Python layer parses PyTorch's signatures and calls these.

use rustpython_vm::builtins::{PyFloat, PyInt, PyList, PyTuple};
use rustpython_vm::{AsObject, PyObjectRef, PyRef, PyResult, VirtualMachine};
use smelt_backends::eager::{self, Operand};
use smelt_backends::{Device, Scalar, Tensor};
use smelt_tracer::DType;
use smelt_tracer::dtype::{Category, default_for};
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

use super::dtype::PyDType;
use super::tensor::{PyTensor, lift, wrap};

/// A Python bool, int or float as a Scalar; None for anything else.
pub fn py_scalar(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<Option<Scalar>> {
    if obj.class().is(vm.ctx.types.bool_type) {
        return Ok(Some(Scalar::Bool(obj.is(&vm.ctx.true_value))));
    }
    if let Some(i) = obj.downcast_ref::<PyInt>() {
        return Ok(Some(Scalar::Int(i.try_to_primitive::<i64>(vm)?)));
    }
    if let Some(f) = obj.downcast_ref::<PyFloat>() {
        return Ok(Some(Scalar::Float(f.to_f64())));
    }
    Ok(None)
}

fn operand(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<Result<Tensor, Scalar>> {
    if let Some(t) = obj.downcast_ref::<PyTensor>() {
        return Ok(Ok(t.get()));
    }
    match py_scalar(obj, vm)? {
        Some(s) => Ok(Err(s)),
        None => Err(vm.new_type_error(format!(
            "unsupported operand type: expected Tensor or Number, got {}",
            obj.class().name()
        ))),
    }
}

fn type_name(obj: &PyObjectRef) -> String {
    obj.class().name().to_string()
}

/// Walks nested sequences, collecting the shape and the values in row-major order.
fn collect(
    obj: &PyObjectRef,
    depth: usize,
    shape: &mut Vec<usize>,
    values: &mut Vec<Scalar>,
    vm: &VirtualMachine,
) -> PyResult<()> {
    let items: Option<Vec<PyObjectRef>> = if let Some(list) = obj.downcast_ref::<PyList>() {
        Some(list.borrow_vec().to_vec())
    } else {
        obj.downcast_ref::<PyTuple>().map(|t| t.as_slice().to_vec())
    };
    let Some(items) = items else {
        if let Some(t) = obj.downcast_ref::<PyTensor>() {
            let t = t.get();
            if t.ndim() == 0 {
                values.push(lift(vm, t.item())?);
                return check_leaf(depth, shape, vm);
            }
            return Err(
                vm.new_value_error("only one element tensors can be converted to Python scalars")
            );
        }
        return match py_scalar(obj, vm)? {
            Some(s) => {
                values.push(s);
                check_leaf(depth, shape, vm)
            }
            None => {
                Err(vm.new_type_error(format!("new(): invalid data type '{}'", type_name(obj))))
            }
        };
    };
    if depth == shape.len() {
        if !values.is_empty() {
            return Err(vm.new_value_error(format!(
                "expected sequence of length 0 at dim {depth} (got {})",
                items.len()
            )));
        }
        shape.push(items.len());
    } else if shape[depth] != items.len() {
        return Err(vm.new_value_error(format!(
            "expected sequence of length {} at dim {depth} (got {})",
            shape[depth],
            items.len()
        )));
    }
    for item in &items {
        collect(item, depth + 1, shape, values, vm)?;
    }
    Ok(())
}

fn check_leaf(depth: usize, shape: &[usize], vm: &VirtualMachine) -> PyResult<()> {
    if depth != shape.len() {
        return Err(vm.new_value_error(format!(
            "expected sequence of length {} at dim {depth} (got 0)",
            shape[depth]
        )));
    }
    Ok(())
}

/// `torch.tensor(data, dtype=None)`.
pub fn tensor(data: PyObjectRef, dtype: Option<PyRef<PyDType>>, vm: &VirtualMachine) -> PyResult {
    let mut shape = Vec::new();
    let mut values = Vec::new();
    collect(&data, 0, &mut shape, &mut values, vm)?;
    let dtype = match dtype {
        Some(d) => d.dtype,
        None => infer_dtype(&values),
    };
    let t = Tensor::zeros(&shape, dtype);
    smelt_backends::with_element!(dtype, T => {
        let p = t.data_ptr() as *mut T;
        for (i, v) in values.iter().enumerate() {
            // SAFETY: a fresh contiguous tensor with one slot per collected value.
            unsafe { *p.add(i) = v.to_element::<T>() };
        }
    });
    wrap(vm, t)
}

fn infer_dtype(values: &[Scalar]) -> DType {
    let top = values
        .iter()
        .map(|v| v.category())
        .max()
        .unwrap_or(Category::Floating);
    default_for(top)
}

pub fn full(
    shape: Vec<usize>,
    value: PyObjectRef,
    dtype: Option<PyRef<PyDType>>,
    meta: bool,
    vm: &VirtualMachine,
) -> PyResult {
    let value = py_scalar(&value, vm)?
        .ok_or_else(|| vm.new_type_error("full(): fill_value must be a number"))?;
    let dtype = dtype.map_or_else(|| default_for(value.category()), |d| d.dtype);
    let device = if meta { Device::Meta } else { Device::Cpu };
    let t = Tensor::empty_on(&shape, dtype, device);
    eager::fill_(&t, value);
    wrap(vm, t)
}

pub fn arange(
    start: PyObjectRef,
    end: PyObjectRef,
    step: PyObjectRef,
    dtype: Option<PyRef<PyDType>>,
    vm: &VirtualMachine,
) -> PyResult {
    let number = |o: &PyObjectRef| -> PyResult<Scalar> {
        py_scalar(o, vm)?.ok_or_else(|| {
            vm.new_type_error(format!(
                "arange(): argument must be a number, not {}",
                type_name(o)
            ))
        })
    };
    let (start, end, step) = (number(&start)?, number(&end)?, number(&step)?);
    let dtype = dtype.map_or_else(
        || {
            default_for(
                [start, end, step]
                    .iter()
                    .map(|s| s.category())
                    .max()
                    .unwrap_or(Category::Integral),
            )
        },
        |d| d.dtype,
    );
    let t = lift(vm, eager::arange(start, end, step, dtype))?;
    wrap(vm, t)
}

pub fn unary(name: &str, input: PyRef<PyTensor>, vm: &VirtualMachine) -> PyResult {
    let op = UnaryOp::from_name(name)
        .ok_or_else(|| vm.new_value_error(format!("unknown unary op '{name}'")))?;
    let r = lift(vm, eager::unary(op, &input.get()))?;
    wrap(vm, r)
}

fn binary_op(name: &str, vm: &VirtualMachine) -> PyResult<BinaryOp> {
    BinaryOp::from_name(name)
        .ok_or_else(|| vm.new_value_error(format!("unknown binary op '{name}'")))
}

pub fn binary(name: &str, a: PyObjectRef, b: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    let op = binary_op(name, vm)?;
    let (a, b) = (operand(&a, vm)?, operand(&b, vm)?);
    if a.is_err() && b.is_err() {
        return Err(vm.new_type_error(format!("{name}(): at least one argument must be a Tensor")));
    }
    let r = lift(vm, eager::binary(op, as_operand(&a), as_operand(&b)))?;
    wrap(vm, r)
}

fn as_operand(x: &Result<Tensor, Scalar>) -> Operand<'_> {
    match x {
        Ok(t) => Operand::Tensor(t),
        Err(s) => Operand::Scalar(*s),
    }
}

/// In place: writes `a <op> b` into `a` and returns `a` itself.
pub fn binary_(
    name: &str,
    a: PyRef<PyTensor>,
    b: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyTensor>> {
    let op = binary_op(name, vm)?;
    let target = a.get();
    let r = match operand(&b, vm)? {
        Ok(t) => eager::binary_(op, &target, Operand::Tensor(&t)),
        Err(s) => eager::binary_(op, &target, Operand::Scalar(s)),
    };
    lift(vm, r)?;
    Ok(a)
}

pub fn reduce(
    name: &str,
    input: PyRef<PyTensor>,
    dims: Option<Vec<i64>>,
    keepdim: bool,
    vm: &VirtualMachine,
) -> PyResult {
    let op = ReduceOp::from_name(name)
        .ok_or_else(|| vm.new_value_error(format!("unknown reduction '{name}'")))?;
    let r = lift(
        vm,
        eager::reduce(op, &input.get(), dims.as_deref(), keepdim),
    )?;
    wrap(vm, r)
}

pub fn fill_(
    t: PyRef<PyTensor>,
    value: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyTensor>> {
    let value = py_scalar(&value, vm)?
        .ok_or_else(|| vm.new_type_error("fill_(): value must be a number"))?;
    eager::fill_(&t.get(), value);
    Ok(t)
}

pub fn copy_(
    dst: PyRef<PyTensor>,
    src: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyTensor>> {
    let src = match operand(&src, vm)? {
        Ok(t) => t,
        Err(s) => Tensor::scalar(s, dst.get().dtype()),
    };
    lift(vm, dst.get().copy_(&src))?;
    Ok(dst)
}

fn tensors(list: Vec<PyRef<PyTensor>>) -> Vec<Tensor> {
    list.iter().map(|t| t.get()).collect()
}

pub fn matmul(kind: &str, a: PyRef<PyTensor>, b: PyRef<PyTensor>, vm: &VirtualMachine) -> PyResult {
    let (a, b) = (a.get(), b.get());
    let r = match kind {
        "mm" => eager::mm(&a, &b),
        "bmm" => eager::bmm(&a, &b),
        _ => eager::matmul(&a, &b),
    };
    wrap(vm, lift(vm, r)?)
}

pub fn cat(list: Vec<PyRef<PyTensor>>, dim: i64, vm: &VirtualMachine) -> PyResult {
    wrap(vm, lift(vm, eager::cat(&tensors(list), dim))?)
}

pub fn cumsum(t: PyRef<PyTensor>, dim: i64, vm: &VirtualMachine) -> PyResult {
    wrap(vm, lift(vm, eager::cumsum(&t.get(), dim))?)
}

pub fn max_min(
    t: PyRef<PyTensor>,
    dim: i64,
    keepdim: bool,
    max: bool,
    vm: &VirtualMachine,
) -> PyResult {
    let which = if max {
        eager::Extreme::Max
    } else {
        eager::Extreme::Min
    };
    let (values, indices) = lift(vm, eager::max_min(&t.get(), dim, keepdim, which))?;
    Ok(vm
        .ctx
        .new_tuple(vec![wrap(vm, values)?, wrap(vm, indices)?])
        .into())
}

pub fn sort(t: PyRef<PyTensor>, dim: i64, descending: bool, vm: &VirtualMachine) -> PyResult {
    let (values, indices) = lift(vm, eager::sort(&t.get(), dim, descending))?;
    Ok(vm
        .ctx
        .new_tuple(vec![wrap(vm, values)?, wrap(vm, indices)?])
        .into())
}

pub fn index_select(
    t: PyRef<PyTensor>,
    dim: i64,
    index: PyRef<PyTensor>,
    vm: &VirtualMachine,
) -> PyResult {
    wrap(
        vm,
        lift(vm, eager::index_select(&t.get(), dim, &index.get()))?,
    )
}

pub fn gather(
    t: PyRef<PyTensor>,
    dim: i64,
    index: PyRef<PyTensor>,
    vm: &VirtualMachine,
) -> PyResult {
    wrap(vm, lift(vm, eager::gather(&t.get(), dim, &index.get()))?)
}

pub fn scatter_(
    t: PyRef<PyTensor>,
    dim: i64,
    index: PyRef<PyTensor>,
    src: PyRef<PyTensor>,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyTensor>> {
    lift(vm, eager::scatter_(&t.get(), dim, &index.get(), &src.get()))?;
    Ok(t)
}

fn index_list(indices: &[Option<PyRef<PyTensor>>]) -> Vec<Option<Tensor>> {
    indices
        .iter()
        .map(|i| i.as_ref().map(|t| t.get()))
        .collect()
}

pub fn index(
    t: PyRef<PyTensor>,
    indices: Vec<Option<PyRef<PyTensor>>>,
    vm: &VirtualMachine,
) -> PyResult {
    wrap(vm, lift(vm, eager::index(&t.get(), &index_list(&indices)))?)
}

pub fn index_put_(
    t: PyRef<PyTensor>,
    indices: Vec<Option<PyRef<PyTensor>>>,
    values: PyRef<PyTensor>,
    accumulate: bool,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyTensor>> {
    lift(
        vm,
        eager::index_put_(&t.get(), &index_list(&indices), &values.get(), accumulate),
    )?;
    Ok(t)
}

pub fn where_(
    cond: PyRef<PyTensor>,
    a: PyObjectRef,
    b: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    let (a, b) = (operand(&a, vm)?, operand(&b, vm)?);
    let (a, b) = (as_operand(&a), as_operand(&b));
    let dtype = smelt_tracer::dtype::result_type(&[a.promoted(), b.promoted()]);
    let (a, b) = (a.as_tensor(dtype), b.as_tensor(dtype));
    wrap(vm, lift(vm, eager::where_(&cond.get(), &a, &b))?)
}

pub fn random(
    kind: &str,
    shape: Vec<usize>,
    a: f64,
    b: f64,
    dtype: Option<PyRef<PyDType>>,
    vm: &VirtualMachine,
) -> PyResult {
    use smelt_backends::eager::random;
    let r = match kind {
        "uniform" => random::uniform(
            &shape,
            a,
            b,
            dtype.map_or(DType::DEFAULT_FLOAT, |d| d.dtype),
        ),
        "normal" => random::normal(
            &shape,
            a,
            b,
            dtype.map_or(DType::DEFAULT_FLOAT, |d| d.dtype),
        ),
        _ => return Err(vm.new_value_error(format!("unknown distribution {kind}"))),
    };
    wrap(vm, lift(vm, r)?)
}

/// `(out, logsumexp)` of mask-free scaled dot-product attention (see eager/attention.rs).
pub fn sdpa(
    q: PyRef<PyTensor>,
    k: PyRef<PyTensor>,
    v: PyRef<PyTensor>,
    causal: bool,
    scale: f64,
    vm: &VirtualMachine,
) -> PyResult {
    let (out, lse) = lift(vm, eager::sdpa(&q.get(), &k.get(), &v.get(), causal, scale))?;
    Ok(vm
        .ctx
        .new_tuple(vec![wrap(vm, out)?, wrap(vm, lse)?])
        .into())
}

/// `(dq, dk, dv)` of `sdpa` from `[grad, q, k, v, out, logsumexp]`.
pub fn sdpa_backward(
    tensors: Vec<PyRef<PyTensor>>,
    causal: bool,
    scale: f64,
    vm: &VirtualMachine,
) -> PyResult {
    let [grad, q, k, v, out, lse] = &tensors[..] else {
        return Err(vm.new_type_error("sdpa backward takes grad, q, k, v, out and logsumexp"));
    };
    let grads = eager::sdpa_backward(
        &grad.get(),
        &q.get(),
        &k.get(),
        &v.get(),
        &out.get(),
        &lse.get(),
        causal,
        scale,
    );
    let (dq, dk, dv) = lift(vm, grads)?;
    Ok(vm
        .ctx
        .new_tuple(vec![wrap(vm, dq)?, wrap(vm, dk)?, wrap(vm, dv)?])
        .into())
}
