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
        if self.numel() == 0 {
            return None;
        }
        let (mut lo, mut hi) = (self.offset as i64, self.offset as i64);
        for (&n, &s) in self.shape.iter().zip(&self.strides) {
            let span = (n as i64 - 1) * s as i64;
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
