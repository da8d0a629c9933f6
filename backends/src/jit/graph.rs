//! The graph the JIT compiles: an aten-level graph reduced to the handful of op kinds the
//! loop IR can express. The Python side (`torch/_inductor/lowering.py`) builds it from a
//! finished FX graph; ops are the tracer's enums, so what an op *is* stays defined once.

use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};
use smelt_tracer::shape;

/// A value's memory layout, in elements. For a node, the layout eager would give it (read
/// from the FX node's fake value), so compiled outputs have eager's strides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
    pub offset: usize,
}

impl Layout {
    pub fn contiguous(dtype: DType, shape: &[usize]) -> Layout {
        Layout {
            dtype,
            shape: shape.to_vec(),
            strides: shape::contiguous_strides(shape),
            offset: 0,
        }
    }

    pub fn numel(&self) -> usize {
        shape::numel(&self.shape)
    }

    /// Lowest and highest element reached, relative to the storage start (empty: None).
    pub fn reach(&self) -> Option<(i64, i64)> {
        self.reach_at(None)
    }

    /// The layout with its leading size replaced by `lead`: a symbolic-leading layout bound
    /// to one call's size (strides and offset do not depend on it; see `sym.rs`).
    pub fn at(&self, lead: usize) -> Layout {
        let mut l = self.clone();
        l.shape[0] = lead;
        l
    }

    /// `reach` of `at(lead)` (of the layout itself for None), without building it.
    pub fn reach_at(&self, lead: Option<usize>) -> Option<(i64, i64)> {
        let size = |d: usize| match lead {
            Some(n) if d == 0 => n,
            _ => self.shape[d],
        };
        if (0..self.shape.len()).any(|d| size(d) == 0) {
            return None;
        }
        let (mut lo, mut hi) = (self.offset as i64, self.offset as i64);
        for (d, &s) in self.strides.iter().enumerate().take(self.shape.len()) {
            let span = (size(d) as i64 - 1) * s as i64;
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        Some((lo, hi))
    }
}

/// How a view's elements sit in its base's, when the base is computed inline rather than
/// stored (a stored base is read through the view's own strides instead).
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// Same elements, same shape (`alias`, `detach`, a same-shape `view`).
    Alias,
    Permute(Vec<usize>),
    /// Broadcast size-1 dims (and new leading dims) to the output shape.
    Expand,
    /// `view`/`reshape`/`_unsafe_view`/`squeeze`/`unsqueeze`: the same elements in row-major
    /// order under another shape.
    Reshape,
    Select {
        dim: usize,
        index: usize,
    },
    Slice {
        dim: usize,
        start: usize,
        step: usize,
    },
    /// Only expressible through strides: needs a stored base.
    AsStrided,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeOp {
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// `where(cond, a, b)`.
    Where,
    /// Convert to the node's dtype.
    Cast,
    /// A 0-dim constant of the node's dtype (Python scalars in aten calls).
    Scalar(f64),
    /// Reduce the argument over `dims`; the node's shape says whether dims were kept.
    Reduce {
        op: ReduceOp,
        dims: Vec<usize>,
    },
    View(View),
    /// `mm`/`bmm` (2-D or batched 3-D): an extern GEMM call.
    Matmul,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub op: NodeOp,
    pub args: Vec<usize>,
    pub out: Layout,
}

/// Values are numbered inputs first, then nodes: value `inputs.len() + k` is node `k`.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub inputs: Vec<Layout>,
    pub nodes: Vec<Node>,
    pub outputs: Vec<usize>,
    /// Inputs whose leading (dim-0) size is one symbolic size `s` (the batch dim), shared by
    /// all of them; their `shape[0]` holds the example size (at least 2) the graph's layouts
    /// were computed for. Which node values have `s` as their leading size follows from the
    /// ops (`sym.rs`); every other dim of every value is static. Empty: a static graph.
    pub sym_leading: Vec<usize>,
}

impl Graph {
    pub fn layout(&self, value: usize) -> &Layout {
        if value < self.inputs.len() {
            &self.inputs[value]
        } else {
            &self.nodes[value - self.inputs.len()].out
        }
    }

    pub fn node(&self, value: usize) -> Option<&Node> {
        value.checked_sub(self.inputs.len()).map(|k| &self.nodes[k])
    }

    pub fn num_values(&self) -> usize {
        self.inputs.len() + self.nodes.len()
    }
}

/// `from` broadcasts to `to` (numpy rules).
fn broadcasts(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len()
        && from
            .iter()
            .rev()
            .zip(to.iter().rev())
            .all(|(&f, &t)| f == t || f == 1)
}

impl Graph {
    /// Every node's arguments and shapes are what its op needs: the scheduler and code
    /// generator rely on it, and graphs come from Python, so a bad one is an error here.
    pub fn validate(&self) -> Result<(), String> {
        for (v, l) in self
            .inputs
            .iter()
            .chain(self.nodes.iter().map(|n| &n.out))
            .enumerate()
        {
            if l.strides.len() != l.shape.len() {
                return Err(format!(
                    "value {v}: {} strides for {} dims",
                    l.strides.len(),
                    l.shape.len()
                ));
            }
            let big = l
                .shape
                .iter()
                .try_fold(1usize, |acc, &n| acc.checked_mul(n));
            if big.is_none_or(|n| n > isize::MAX as usize / 16) {
                return Err(format!("value {v}: too many elements"));
            }
            if let Some((lo, hi)) = l.reach()
                && (lo < 0 || hi > isize::MAX as i64 / 16)
            {
                return Err(format!("value {v}: layout reaches outside its storage"));
            }
        }
        let n_in = self.inputs.len();
        for (k, node) in self.nodes.iter().enumerate() {
            let v = n_in + k;
            let err = |why: &str| Err(format!("value {v} ({:?}): {why}", node.op));
            if node.args.iter().any(|&a| a >= v) {
                return err("reads a value not yet computed");
            }
            let arity = match &node.op {
                NodeOp::Scalar(_) => 0,
                NodeOp::Unary(_) | NodeOp::Cast | NodeOp::Reduce { .. } | NodeOp::View(_) => 1,
                NodeOp::Binary(_) | NodeOp::Matmul => 2,
                NodeOp::Where => 3,
            };
            if node.args.len() != arity {
                return err(&format!("{} arguments, wants {arity}", node.args.len()));
            }
            let out = &node.out.shape;
            let arg = |i: usize| &self.layout(node.args[i]).shape;
            match &node.op {
                NodeOp::Scalar(_) if !out.is_empty() => return err("a scalar has shape []"),
                NodeOp::Unary(_) | NodeOp::Cast | NodeOp::Binary(_) | NodeOp::Where => {
                    if let Some(i) = (0..arity).find(|&i| !broadcasts(arg(i), out)) {
                        return err(&format!("argument {i} does not broadcast to the output"));
                    }
                }
                NodeOp::Reduce { dims, .. } => {
                    let a = arg(0);
                    let mut seen = vec![false; a.len()];
                    for &d in dims {
                        if d >= a.len() || std::mem::replace(&mut seen[d], true) {
                            return err("bad reduction dims");
                        }
                    }
                    let kept: Vec<usize> = (0..a.len())
                        .map(|d| if seen[d] { 1 } else { a[d] })
                        .collect();
                    let dropped: Vec<usize> =
                        (0..a.len()).filter(|&d| !seen[d]).map(|d| a[d]).collect();
                    if *out != kept && *out != dropped {
                        return err("output shape is not the reduced shape");
                    }
                }
                NodeOp::Matmul => {
                    let (a, b) = (arg(0), arg(1));
                    let ok = match (a.len(), b.len()) {
                        (2, 2) => a[1] == b[0] && *out == [a[0], b[1]],
                        (3, 3) => a[0] == b[0] && a[2] == b[1] && *out == [a[0], a[1], b[2]],
                        _ => false,
                    };
                    if !ok {
                        return err("operand shapes do not multiply to the output");
                    }
                }
                NodeOp::View(view) => {
                    let a = arg(0);
                    let ok = match view {
                        View::Alias => a == out,
                        View::Expand => broadcasts(a, out),
                        View::Reshape | View::AsStrided => {
                            shape::numel(a) == shape::numel(out) || matches!(view, View::AsStrided)
                        }
                        View::Permute(p) => {
                            let mut seen = vec![false; a.len()];
                            p.len() == a.len()
                                && p.iter()
                                    .all(|&d| d < a.len() && !std::mem::replace(&mut seen[d], true))
                                && p.iter().map(|&d| a[d]).eq(out.iter().copied())
                        }
                        View::Select { dim, index } => {
                            *dim < a.len()
                                && *index < a[*dim]
                                && out.len() + 1 == a.len()
                                && (0..a.len())
                                    .filter(|d| d != dim)
                                    .map(|d| a[d])
                                    .eq(out.iter().copied())
                        }
                        View::Slice { dim, start, step } => {
                            *dim < a.len()
                                && *step >= 1
                                && out.len() == a.len()
                                && (0..a.len()).all(|d| d == *dim || a[d] == out[d])
                                && (out[*dim] == 0
                                    || start.saturating_add((out[*dim] - 1).saturating_mul(*step))
                                        < a[*dim])
                        }
                    };
                    if !ok {
                        return err("view parameters do not fit the argument's shape");
                    }
                }
                NodeOp::Scalar(_) => {}
            }
        }
        if let Some(&o) = self.outputs.iter().find(|&&o| o >= self.num_values()) {
            return Err(format!("output {o} is not a value"));
        }
        Ok(())
    }
}
