//! What the JIT tests share: a graph built op by op next to what eager computes for each of
//! its values, seeded inputs, the targets every graph compiles for, and the comparison of a
//! program's outputs with eager's.

use smelt_backends::Tensor;
use smelt_backends::eager::{self, Operand};
use smelt_backends::jit::emit::Target;
use smelt_backends::jit::graph::{Graph, Layout, Node, NodeOp, View};
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

pub const F32_TOL: (f64, f64) = (1.3e-6, 1e-5);

/// A graph and, value by value, what eager computes for it.
pub struct Case {
    pub g: Graph,
    pub vals: Vec<Tensor>,
}

/// Values in [-2, 2) from `seed`, as `dtype` (f64, bool: positive, else f32).
pub fn random(shape: &[usize], seed: u64, dtype: DType) -> Tensor {
    let n: usize = shape.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let v: Vec<f64> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 4.0 - 2.0
        })
        .collect();
    match dtype {
        DType::Float64 => Tensor::from_vec(v, shape),
        DType::Bool => Tensor::from_vec(v.iter().map(|x| *x > 0.0).collect::<Vec<bool>>(), shape),
        _ => Tensor::from_vec(v.iter().map(|&x| x as f32).collect::<Vec<f32>>(), shape),
    }
}

fn layout_of(t: &Tensor) -> Layout {
    Layout {
        dtype: t.dtype(),
        shape: t.shape().to_vec(),
        strides: t.strides().to_vec(),
        offset: t.offset(),
    }
}

impl Case {
    pub fn new() -> Case {
        Case {
            g: Graph::default(),
            vals: vec![],
        }
    }

    pub fn input(&mut self, t: Tensor) -> usize {
        assert!(self.g.nodes.is_empty(), "inputs first");
        self.g.inputs.push(layout_of(&t));
        self.vals.push(t);
        self.vals.len() - 1
    }

    pub fn node(&mut self, op: NodeOp, args: Vec<usize>, value: Tensor) -> usize {
        self.g.nodes.push(Node {
            op,
            args,
            out: layout_of(&value),
        });
        self.vals.push(value);
        self.vals.len() - 1
    }

    pub fn unary(&mut self, op: UnaryOp, x: usize) -> usize {
        let v = eager::unary(op, &self.vals[x]).unwrap();
        self.node(NodeOp::Unary(op), vec![x], v)
    }

    pub fn binary(&mut self, op: BinaryOp, x: usize, y: usize) -> usize {
        let v = eager::binary(
            op,
            Operand::Tensor(&self.vals[x]),
            Operand::Tensor(&self.vals[y]),
        )
        .unwrap();
        self.node(NodeOp::Binary(op), vec![x, y], v)
    }

    pub fn scalar(&mut self, c: f64, dtype: DType) -> usize {
        let v = match dtype {
            DType::Float64 => Tensor::from_vec(vec![c], &[]),
            _ => Tensor::from_vec(vec![c as f32], &[]),
        };
        self.node(NodeOp::Scalar(c), vec![], v)
    }

    pub fn reduce(&mut self, op: ReduceOp, x: usize, dims: &[usize], keepdim: bool) -> usize {
        let d: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        let v = eager::reduce(op, &self.vals[x], Some(&d), keepdim).unwrap();
        let op = NodeOp::Reduce {
            op,
            dims: dims.to_vec(),
        };
        self.node(op, vec![x], v)
    }

    pub fn view(&mut self, view: View, x: usize, value: Tensor) -> usize {
        self.node(NodeOp::View(view), vec![x], value)
    }

    pub fn output(&mut self, v: usize) {
        self.g.outputs.push(v);
    }

    /// Softmax of `x` over dim 1, as max, subtract, exp, sum, divide. Returns the result
    /// and the kept max.
    pub fn softmax(&mut self, x: usize) -> (usize, usize) {
        let m = self.reduce(ReduceOp::Amax, x, &[1], true);
        let d = self.binary(BinaryOp::Sub, x, m);
        let e = self.unary(UnaryOp::Exp, d);
        let sum = self.reduce(ReduceOp::Sum, e, &[1], true);
        let y = self.binary(BinaryOp::Div, e, sum);
        (y, m)
    }

    /// Layer norm of `x` over dim 1 (eps 1e-5, f32) scaled by `w`. Returns the result and
    /// the kept mean and reciprocal standard deviation.
    pub fn layer_norm(&mut self, x: usize, w: usize) -> (usize, usize, usize) {
        let mean = self.reduce(ReduceOp::Mean, x, &[1], true);
        let xc = self.binary(BinaryOp::Sub, x, mean);
        let sq = self.binary(BinaryOp::Mul, xc, xc);
        let var = self.reduce(ReduceOp::Mean, sq, &[1], true);
        let eps = self.scalar(1e-5, DType::Float32);
        let ve = self.binary(BinaryOp::Add, var, eps);
        let rstd = self.unary(UnaryOp::Rsqrt, ve);
        let n = self.binary(BinaryOp::Mul, xc, rstd);
        let y = self.binary(BinaryOp::Mul, n, w);
        (y, mean, rstd)
    }

    /// Eager's values of the graph's inputs.
    pub fn inputs(&self) -> &[Tensor] {
        &self.vals[..self.g.inputs.len()]
    }

    /// A program's outputs against eager's: layout, dtype and values (NaN where eager has
    /// NaN, else within `atol + rtol * |eager|`). `at` names the run in failure messages.
    pub fn check_outputs(&self, outs: &[Tensor], rtol: f64, atol: f64, at: &str) {
        assert_eq!(outs.len(), self.g.outputs.len(), "{at}: output count");
        for (o, &v) in outs.iter().zip(&self.g.outputs) {
            let want = &self.vals[v];
            assert_eq!(o.shape(), want.shape(), "{at}: shape");
            assert_eq!(o.strides(), want.strides(), "{at}: strides");
            assert_eq!(o.dtype(), want.dtype(), "{at}: dtype");
            for (i, (g, e)) in values(o).iter().zip(&values(want)).enumerate() {
                let ok =
                    (g.is_nan() && e.is_nan()) || g == e || (g - e).abs() <= atol + rtol * e.abs();
                assert!(ok, "{at}, element {i}: got {g}, eager {e}");
            }
        }
    }
}

/// A tensor's elements as f64 (a bool as 0 or 1).
fn values(t: &Tensor) -> Vec<f64> {
    match t.dtype() {
        DType::Float64 => t.to_vec::<f64>(),
        DType::Bool => t.to_vec::<bool>().iter().map(|&b| b as u8 as f64).collect(),
        _ => t.to_vec::<f32>().iter().map(|&x| x as f64).collect(),
    }
}

/// What every graph compiles for: this machine's AVX2, its SSE2 fallback and AArch64 (run
/// under qemu-aarch64), in that order.
pub fn targets() -> [Target; 3] {
    let host = Target::host().expect("tests need an x86-64 machine");
    assert_eq!(host, Target::X64Avx2, "these tests run on x86-64 with AVX2");
    [host, Target::X64Sse2, Target::Aarch64Neon]
}
