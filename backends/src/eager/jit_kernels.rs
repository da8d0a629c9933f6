//! Eager ops run as one-op JIT kernels: the kernel generator behind torch.compile also
//! writes eager's elementwise and reduction loops, so they are vectorized (exp, tanh, erf
//! as polynomials in vector registers) and split across threads as compiled code is.
//!
//! A kernel is compiled once per op, dtypes and layout class and cached: operands that are
//! contiguous with the output's shape (or a single element) run a flat kernel whose length
//! is symbolic, so one kernel serves every size; others (broadcasts, strided views,
//! reductions) get a kernel for their exact layouts. Small tensors stay on the plain loops,
//! whose set-up is cheaper, and an op the JIT does not compile falls back to them too.
//! `SMELT_EAGER_JIT=0` turns the path off (to compare, or to bisect a difference).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

use crate::jit::emit::Target;
use crate::jit::graph::{Graph, Layout, Node, NodeOp};
use crate::jit::runtime::{self, Program};
use crate::storage::Device;
use crate::tensor::Tensor;

/// Below this many output elements (input elements for a reduction) the plain loops win.
const MIN_ELEMENTS: usize = 2048;
/// Distinct kernels kept; past this the cache starts over (shapes that keep changing).
const MAX_KERNELS: usize = 4096;

/// The op of a cached kernel (a `NodeOp` that can be hashed).
#[derive(Clone, PartialEq, Eq, Hash)]
enum OpKey {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Reduce(ReduceOp, Vec<usize>),
}

impl OpKey {
    fn node(&self) -> NodeOp {
        match self {
            OpKey::Unary(op) => NodeOp::Unary(*op),
            OpKey::Binary(op) => NodeOp::Binary(*op),
            OpKey::Reduce(op, dims) => NodeOp::Reduce {
                op: *op,
                dims: dims.clone(),
            },
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    op: OpKey,
    out_dtype: DType,
    /// (dtype, shape, strides) of each input; a flat kernel's symbolic length reads as 0.
    inputs: Vec<(DType, Vec<usize>, Vec<isize>)>,
}

type Cache = HashMap<Key, Option<Arc<Program>>>;

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

fn enabled() -> Option<Target> {
    static ON: OnceLock<Option<Target>> = OnceLock::new();
    *ON.get_or_init(|| {
        if std::env::var("SMELT_EAGER_JIT").is_ok_and(|v| v == "0") {
            return None;
        }
        Target::host()
    })
}

/// Float dtypes the JIT computes in natively.
fn jit_float(d: DType) -> bool {
    matches!(d, DType::Float32 | DType::Float64)
}

/// The compiled program for `key` (building `graph` on a miss); None when the JIT refuses it.
fn program(key: Key, graph: impl FnOnce() -> Graph) -> Option<Arc<Program>> {
    let target = enabled()?;
    {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.as_ref().and_then(|c| c.get(&key)) {
            return hit.clone();
        }
    }
    let g = graph();
    let compiled = g
        .validate()
        .ok()
        .and_then(|()| runtime::compile(&g, target).ok())
        .map(Arc::new);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let c = cache.get_or_insert_with(HashMap::new);
    if c.len() >= MAX_KERNELS {
        c.clear();
    }
    c.insert(key, compiled.clone());
    compiled
}

/// Runs `p` on `inputs`; None (the caller's plain loop runs instead) if it declines them.
fn run(p: &Program, inputs: &[Tensor]) -> Option<Tensor> {
    p.run(inputs).ok()?.into_iter().next()
}

fn layout_of(t: &Tensor) -> Layout {
    Layout {
        dtype: t.dtype(),
        shape: t.shape().to_vec(),
        strides: t.strides().to_vec(),
        offset: 0,
    }
}

/// How the operands of an elementwise op reach the kernel: flat (each a run of `n`
/// contiguous elements, or one element read as a 0-dim value) or as their own layouts.
fn elementwise_inputs(operands: &[&Tensor], shape: &[usize]) -> (Vec<Tensor>, Vec<Layout>, bool) {
    let n: usize = shape.iter().product();
    let flat = operands
        .iter()
        .all(|t| t.numel() == 1 || (t.is_contiguous() && t.shape() == shape));
    if flat {
        let tensors = operands
            .iter()
            .map(|t| {
                // (n >= MIN_ELEMENTS, so a one-element operand is never the whole output.)
                let s: &[usize] = if t.numel() == 1 { &[] } else { &[n] };
                let st: Vec<isize> = s.iter().map(|_| 1).collect();
                t.as_strided(s, &st, t.offset())
                    .expect("a contiguous run of the same elements")
            })
            .collect::<Vec<_>>();
        let layouts = tensors.iter().map(layout_of).collect();
        return (tensors, layouts, true);
    }
    let tensors: Vec<Tensor> = operands.iter().map(|t| (*t).clone()).collect();
    let layouts = tensors.iter().map(layout_of).collect();
    (tensors, layouts, false)
}

fn key_inputs(layouts: &[Layout], flat: bool) -> Vec<(DType, Vec<usize>, Vec<isize>)> {
    layouts
        .iter()
        .map(|l| {
            let shape = if flat {
                vec![0; l.shape.len()]
            } else {
                l.shape.clone()
            };
            (l.dtype, shape, l.strides.clone())
        })
        .collect()
}

/// The cached one-node program of `op` over operands of these layouts (flat: as runs of the
/// output's length, which is then symbolic).
fn elementwise_program(
    op: OpKey,
    layouts: Vec<Layout>,
    flat: bool,
    shape: &[usize],
    out_dtype: DType,
) -> Option<std::sync::Arc<Program>> {
    let n: usize = shape.iter().product();
    let node = op.node();
    let key = Key {
        op,
        out_dtype,
        inputs: key_inputs(&layouts, flat),
    };
    let out_shape: Vec<usize> = if flat { vec![n] } else { shape.to_vec() };
    program(key, || Graph {
        sym_leading: if flat {
            (0..layouts.len())
                .filter(|&i| !layouts[i].shape.is_empty())
                .collect()
        } else {
            vec![]
        },
        nodes: vec![Node {
            op: node,
            args: (0..layouts.len()).collect(),
            out: Layout::contiguous(out_dtype, &out_shape),
        }],
        outputs: vec![layouts.len()],
        inputs: layouts,
    })
}

/// One elementwise node over `operands`, producing `out_dtype` of `shape` (contiguous).
fn elementwise(
    op: OpKey,
    operands: &[&Tensor],
    shape: &[usize],
    out_dtype: DType,
) -> Option<Tensor> {
    let n: usize = shape.iter().product();
    if n < MIN_ELEMENTS || operands.iter().any(|t| t.device() != Device::Cpu) {
        return None;
    }
    let (tensors, layouts, flat) = elementwise_inputs(operands, shape);
    let p = elementwise_program(op, layouts, flat, shape, out_dtype)?;
    let out = run(&p, &tensors)?;
    if flat {
        let strides = smelt_tracer::shape::contiguous_strides(shape);
        return out.as_strided(shape, &strides, out.offset()).ok();
    }
    Some(out)
}

/// `op(a, b)` written into `target`, which holds the same elements as `a` (an in-place
/// op: `a` is the target's own view), `b` already in `a`'s float dtype and broadcast to its
/// shape; false (nothing written) where the JIT declines.
pub fn binary_into(op: BinaryOp, target: &Tensor, a: &Tensor, b: &Tensor) -> bool {
    let same_elements = target.same_storage(a)
        && target.offset() == a.offset()
        && target.shape() == a.shape()
        && target.strides() == a.strides();
    if !same_elements || !jit_float(a.dtype()) || a.dtype() != b.dtype() || !a.is_contiguous() {
        return false;
    }
    let shape = a.shape().to_vec();
    let n: usize = shape.iter().product();
    if n < MIN_ELEMENTS || a.device() != Device::Cpu || b.device() != Device::Cpu {
        return false;
    }
    let (tensors, layouts, flat) = elementwise_inputs(&[a, b], &shape);
    let Some(p) = elementwise_program(OpKey::Binary(op), layouts, flat, &shape, a.dtype()) else {
        return false;
    };
    // The output written over `a` itself, viewed as the flat run the kernel computes.
    let target = if flat {
        match target.as_strided(&[n], &[1], target.offset()) {
            Ok(t) => t,
            Err(_) => return false,
        }
    } else {
        target.clone()
    };
    p.run_into(&tensors, &target).is_ok()
}

/// `op(input)` for a float input computed in its own dtype.
pub fn unary(op: UnaryOp, input: &Tensor, out_dtype: DType) -> Option<Tensor> {
    if !jit_float(input.dtype()) || out_dtype != input.dtype() {
        return None;
    }
    elementwise(OpKey::Unary(op), &[input], input.shape(), out_dtype)
}

/// `op(a, b)` with both operands already in the float compute dtype and broadcast to `shape`.
pub fn binary(
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    shape: &[usize],
    out_dtype: DType,
) -> Option<Tensor> {
    if !jit_float(a.dtype()) || a.dtype() != b.dtype() {
        return None;
    }
    elementwise(OpKey::Binary(op), &[a, b], shape, out_dtype)
}

/// `op` over the dims marked in `reduced`, the result with those dims kept as size 1.
pub fn reduce(
    op: ReduceOp,
    input: &Tensor,
    reduced: &[bool],
    kept_shape: &[usize],
    out_dtype: DType,
) -> Option<Tensor> {
    // Sums over leading dims with the last kept (bias gradients) are the plain loop's: the
    // JIT reduces each output column with strided scalar loads.
    let inner_reduced = reduced.last().copied().unwrap_or(true);
    let supported = inner_reduced
        && matches!(
            op,
            ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Amax | ReduceOp::Amin
        );
    if !supported
        || !jit_float(input.dtype())
        || out_dtype != input.dtype()
        || input.numel() < MIN_ELEMENTS
        || input.device() != Device::Cpu
    {
        return None;
    }
    let dims: Vec<usize> = (0..reduced.len()).filter(|&d| reduced[d]).collect();
    let layout = layout_of(input);
    let op = OpKey::Reduce(op, dims);
    let node = op.node();
    let key = Key {
        op,
        out_dtype,
        inputs: key_inputs(std::slice::from_ref(&layout), false),
    };
    let p = program(key, || Graph {
        sym_leading: vec![],
        nodes: vec![Node {
            op: node,
            args: vec![0],
            out: Layout::contiguous(out_dtype, kept_shape),
        }],
        outputs: vec![1],
        inputs: vec![layout],
    })?;
    run(&p, std::slice::from_ref(input))
}
