//! Compiled graphs against the eager kernels on the same inputs.

use smelt_backends::Tensor;
use smelt_backends::eager::{self, Operand};
use smelt_backends::jit::emit::Target;
use smelt_backends::jit::graph::{Graph, Layout, Node, NodeOp, View};
use smelt_backends::jit::runtime;
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

/// A graph and, value by value, what eager computes for it.
struct Case {
    g: Graph,
    vals: Vec<Tensor>,
}

fn random(shape: &[usize], seed: u64, dtype: DType) -> Tensor {
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
    fn new() -> Case {
        Case {
            g: Graph::default(),
            vals: vec![],
        }
    }

    fn input(&mut self, t: Tensor) -> usize {
        assert!(self.g.nodes.is_empty(), "inputs first");
        self.g.inputs.push(layout_of(&t));
        self.vals.push(t);
        self.vals.len() - 1
    }

    fn node(&mut self, op: NodeOp, args: Vec<usize>, value: Tensor) -> usize {
        self.g.nodes.push(Node {
            op,
            args,
            out: layout_of(&value),
        });
        self.vals.push(value);
        self.vals.len() - 1
    }

    fn unary(&mut self, op: UnaryOp, x: usize) -> usize {
        let v = eager::unary(op, &self.vals[x]).unwrap();
        self.node(NodeOp::Unary(op), vec![x], v)
    }

    fn binary(&mut self, op: BinaryOp, x: usize, y: usize) -> usize {
        let v = eager::binary(
            op,
            Operand::Tensor(&self.vals[x]),
            Operand::Tensor(&self.vals[y]),
        )
        .unwrap();
        self.node(NodeOp::Binary(op), vec![x, y], v)
    }

    fn scalar(&mut self, c: f64, dtype: DType) -> usize {
        let v = match dtype {
            DType::Float64 => Tensor::from_vec(vec![c], &[]),
            _ => Tensor::from_vec(vec![c as f32], &[]),
        };
        self.node(NodeOp::Scalar(c), vec![], v)
    }

    fn reduce(&mut self, op: ReduceOp, x: usize, dims: &[usize], keepdim: bool) -> usize {
        let d: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        let v = eager::reduce(op, &self.vals[x], Some(&d), keepdim).unwrap();
        self.node(
            NodeOp::Reduce {
                op,
                dims: dims.to_vec(),
            },
            vec![x],
            v,
        )
    }

    fn view(&mut self, view: View, x: usize, value: Tensor) -> usize {
        self.node(NodeOp::View(view), vec![x], value)
    }

    fn output(&mut self, v: usize) {
        self.g.outputs.push(v);
    }

    /// Compile for this machine's AVX2 and for its SSE2 fallback (checked mode) and for
    /// AArch64 (run under qemu-aarch64), run, compare every output with eager's. Returns the
    /// AVX2 program.
    fn check(&self, rtol: f64, atol: f64) -> runtime::Program {
        self.check_all(rtol, atol).remove(0)
    }

    /// `check`, returning the AVX2, SSE2 and AArch64 programs.
    fn check_all(&self, rtol: f64, atol: f64) -> Vec<runtime::Program> {
        let host = Target::host().expect("tests need an x86-64 machine");
        assert_eq!(host, Target::X64Avx2, "these tests run on x86-64 with AVX2");
        [host, Target::X64Sse2, Target::Aarch64Neon]
            .into_iter()
            .map(|t| self.check_on(t, rtol, atol))
            .collect()
    }

    fn check_on(&self, target: Target, rtol: f64, atol: f64) -> runtime::Program {
        let mut p = runtime::compile(&self.g, target)
            .unwrap_or_else(|e| panic!("compile for {target:?}: {e}"));
        p.checked = true;
        if target == Target::X64Sse2 {
            baseline_x86_64_only(&p);
        }
        let inputs = &self.vals[..self.g.inputs.len()];
        let outs = p
            .run(inputs)
            .unwrap_or_else(|e| panic!("run on {target:?}: {e}"));
        for (o, &v) in outs.iter().zip(&self.g.outputs) {
            let want = &self.vals[v];
            assert_eq!(o.shape(), want.shape());
            assert_eq!(o.strides(), want.strides(), "output strides");
            assert_eq!(o.dtype(), want.dtype());
            let (got, exp): (Vec<f64>, Vec<f64>) = match want.dtype() {
                DType::Float64 => (o.to_vec::<f64>(), want.to_vec::<f64>()),
                DType::Bool => (
                    o.to_vec::<bool>().iter().map(|&b| b as u8 as f64).collect(),
                    want.to_vec::<bool>()
                        .iter()
                        .map(|&b| b as u8 as f64)
                        .collect(),
                ),
                _ => (
                    o.to_vec::<f32>().iter().map(|&x| x as f64).collect(),
                    want.to_vec::<f32>().iter().map(|&x| x as f64).collect(),
                ),
            };
            for (i, (g, e)) in got.iter().zip(&exp).enumerate() {
                let ok =
                    (g.is_nan() && e.is_nan()) || g == e || (g - e).abs() <= atol + rtol * e.abs();
                assert!(ok, "{target:?} element {i}: got {g}, eager {e}");
            }
        }
        p
    }
}

/// Every instruction of the SSE2 fallback exists on every x86-64 CPU (no AVX, SSE3+, BMI).
fn baseline_x86_64_only(p: &runtime::Program) {
    use iced_x86::{CpuidFeature as F, Decoder, DecoderOptions};
    let baseline = [
        F::INTEL8086,
        F::INTEL186,
        F::INTEL286,
        F::INTEL386,
        F::INTEL486,
        F::X64,
        F::CMOV,
        F::SSE,
        F::SSE2,
    ];
    for s in 0..p.plan.steps.len() {
        let Some(code) = p.kernel_code(s) else {
            continue;
        };
        let text = &code.bytes[..code.text_len];
        for ins in Decoder::with_ip(64, text, 0, DecoderOptions::NONE) {
            assert!(!ins.is_invalid(), "undecodable bytes at {:#x}", ins.ip());
            for f in ins.cpuid_features() {
                assert!(
                    baseline.contains(f),
                    "{:?} at {:#x} needs {f:?}",
                    ins.code(),
                    ins.ip()
                );
            }
        }
    }
}

const F32_TOL: (f64, f64) = (1.3e-6, 1e-5);

#[test]
fn pointwise_chain_with_broadcast() {
    let mut c = Case::new();
    let x = c.input(random(&[37, 100], 1, DType::Float32));
    let b = c.input(random(&[100], 2, DType::Float32));
    let s = c.binary(BinaryOp::Add, x, b);
    let e = c.unary(UnaryOp::Sin, s);
    let two = c.scalar(2.0, DType::Float32);
    let m = c.binary(BinaryOp::Mul, e, two);
    let r = c.unary(UnaryOp::Relu, m);
    c.output(r);
    let p = c.check(F32_TOL.0, F32_TOL.1);
    assert_eq!(p.plan.steps.len(), 1, "one fused kernel");
}

#[test]
fn transcendentals_f32_and_f64() {
    for dtype in [DType::Float32, DType::Float64] {
        let (rtol, atol) = if dtype == DType::Float64 {
            (1e-7, 1e-7)
        } else {
            F32_TOL
        };
        for op in [
            UnaryOp::Exp,
            UnaryOp::Log,
            UnaryOp::Sin,
            UnaryOp::Cos,
            UnaryOp::Tanh,
            UnaryOp::Sigmoid,
            UnaryOp::Expm1,
            UnaryOp::Log1p,
            UnaryOp::Sqrt,
            UnaryOp::Rsqrt,
            UnaryOp::Abs,
            UnaryOp::Neg,
            UnaryOp::Floor,
            UnaryOp::Ceil,
            UnaryOp::Round,
            UnaryOp::Trunc,
            UnaryOp::Sign,
            UnaryOp::Silu,
            UnaryOp::GeluTanh,
            UnaryOp::Reciprocal,
        ] {
            let mut c = Case::new();
            let x = c.input(random(&[3, 1029], 7, dtype));
            // Scale inputs to reach the functions' wider ranges.
            let k = c.scalar(20.0, dtype);
            let xs = c.binary(BinaryOp::Mul, x, k);
            let y = c.unary(op, xs);
            c.output(y);
            let result = std::panic::catch_unwind(|| c.check(rtol, atol));
            assert!(result.is_ok(), "{op:?} on {dtype:?}");
        }
    }
}

/// Ties, signed zeros, values past the mantissa, infinities and NaN through every rounding
/// mode (the SSE2 fallback builds rounding from additions); `1 / r` tells -0.0 from 0.0.
#[test]
fn rounding_edge_cases() {
    let edge = [
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        -2.5,
        -0.0,
        0.0,
        0.49999997,
        -0.49999997,
        1e-30,
        -1e-30,
        3.7,
        -3.7,
        8388607.5,
        -8388607.5,
        8388609.0,
        16777217.0,
        1e30,
        -1e30,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        4503599627370495.5,
        -4503599627370497.0,
        1e300,
    ];
    for dtype in [DType::Float32, DType::Float64] {
        let t = match dtype {
            DType::Float64 => Tensor::from_vec(edge.to_vec(), &[edge.len()]),
            _ => Tensor::from_vec(
                edge.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
                &[edge.len()],
            ),
        };
        for op in [
            UnaryOp::Floor,
            UnaryOp::Ceil,
            UnaryOp::Round,
            UnaryOp::Trunc,
        ] {
            let mut c = Case::new();
            let x = c.input(t.clone());
            let r = c.unary(op, x);
            c.output(r);
            let inv = c.unary(UnaryOp::Reciprocal, r);
            c.output(inv);
            let result = std::panic::catch_unwind(|| c.check(0.0, 0.0));
            assert!(result.is_ok(), "{op:?} on {dtype:?}");
        }
    }
}

#[test]
fn row_and_column_reductions() {
    for (dims, keepdim) in [
        (vec![1], true),
        (vec![1], false),
        (vec![0], false),
        (vec![0, 1], false),
        (vec![0, 2], true),
    ] {
        for op in [
            ReduceOp::Sum,
            ReduceOp::Mean,
            ReduceOp::Amax,
            ReduceOp::Amin,
        ] {
            let mut c = Case::new();
            let x = c.input(random(&[13, 70, 3], 3, DType::Float32));
            let e = c.unary(UnaryOp::Exp, x);
            let r = c.reduce(op, e, &dims, keepdim);
            c.output(r);
            c.check(1e-5, 1e-5);
        }
    }
}

#[test]
fn softmax_is_one_kernel() {
    let mut c = Case::new();
    let x = c.input(random(&[64, 300], 4, DType::Float32));
    let m = c.reduce(ReduceOp::Amax, x, &[1], true);
    let d = c.binary(BinaryOp::Sub, x, m);
    let e = c.unary(UnaryOp::Exp, d);
    let s = c.reduce(ReduceOp::Sum, e, &[1], true);
    let y = c.binary(BinaryOp::Div, e, s);
    c.output(y);
    let programs = c.check_all(F32_TOL.0, F32_TOL.1);
    let [p, sse2, arm] = &programs[..] else {
        unreachable!()
    };
    assert_eq!(p.plan.steps.len(), 1, "softmax fuses into one kernel");
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("jit_softmax_output_code", p.describe());
        insta::assert_snapshot!("jit_softmax_output_code_sse2", sse2.describe());
        insta::assert_snapshot!("jit_softmax_output_code_aarch64", arm.describe());
    });
}

#[test]
fn layernorm_with_saved_statistics() {
    let mut c = Case::new();
    let x = c.input(random(&[32, 257], 5, DType::Float32));
    let w = c.input(random(&[257], 6, DType::Float32));
    let mean = c.reduce(ReduceOp::Mean, x, &[1], true);
    let xc = c.binary(BinaryOp::Sub, x, mean);
    let sq = c.binary(BinaryOp::Mul, xc, xc);
    let var = c.reduce(ReduceOp::Mean, sq, &[1], true);
    let eps = c.scalar(1e-5, DType::Float32);
    let ve = c.binary(BinaryOp::Add, var, eps);
    let rstd = c.unary(UnaryOp::Rsqrt, ve);
    let n = c.binary(BinaryOp::Mul, xc, rstd);
    let y = c.binary(BinaryOp::Mul, n, w);
    c.output(y);
    c.output(mean);
    c.output(rstd);
    let p = c.check(F32_TOL.0, F32_TOL.1);
    assert_eq!(p.plan.steps.len(), 1, "layer norm fuses into one kernel");
}

#[test]
fn transposed_input_and_view_of_an_intermediate() {
    let mut c = Case::new();
    let x = c.input(random(&[40, 30], 8, DType::Float32));
    let xt = x;
    let t = c.vals[xt].transpose(0, 1).unwrap();
    let v = c.view(View::Permute(vec![1, 0]), xt, t);
    let e = c.unary(UnaryOp::Exp, v);
    let r = c.vals[e].reshape(&[30, 4, 10]).unwrap();
    let rv = c.view(View::Reshape, e, r);
    let s = c.reduce(ReduceOp::Sum, rv, &[2], false);
    c.output(s);
    c.check(1e-5, 1e-5);
}

#[test]
fn comparisons_masks_and_where() {
    let mut c = Case::new();
    let x = c.input(random(&[5, 77], 9, DType::Float32));
    let m = c.input(random(&[5, 77], 10, DType::Bool));
    let zero = c.scalar(0.0, DType::Float32);
    let gt = c.binary(BinaryOp::Gt, x, zero);
    let both = c.binary(BinaryOp::LogicalAnd, gt, m);
    c.output(both);
    let w = eager::where_(&c.vals[both], &c.vals[x], &c.vals[zero]).unwrap();
    let sel = c.node(NodeOp::Where, vec![both, x, zero], w);
    c.output(sel);
    let programs = c.check_all(0.0, 0.0);
    let [avx2, sse2, arm] = &programs[..] else {
        unreachable!()
    };
    // Bool loads widened to lane masks and masks packed back to bytes, per instruction set.
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("jit_masks_where_output_code", avx2.describe());
        insta::assert_snapshot!("jit_masks_where_output_code_sse2", sse2.describe());
        insta::assert_snapshot!("jit_masks_where_output_code_aarch64", arm.describe());
    });
}

#[test]
fn f64_reduction_and_long_pointwise_loop() {
    let mut c = Case::new();
    let x = c.input(random(&[50_001], 11, DType::Float64));
    let e = c.unary(UnaryOp::Tanh, x);
    c.output(e);
    let s = c.reduce(ReduceOp::Sum, e, &[0], false);
    c.output(s);
    c.check(1e-9, 1e-9);
}

/// A chain of three `relu(x @ w)` layers needs two allocations: a relu may write over the
/// product it reads (same elements), and later values take over storage nothing reads any
/// more. Results match eager on every target.
#[test]
fn dead_buffers_are_reused_and_pointwise_outputs_written_in_place() {
    let mut c = Case::new();
    let x = c.input(random(&[48, 32], 12, DType::Float32));
    let w: Vec<usize> = (0..3)
        .map(|k| c.input(random(&[32, 32], 13 + k, DType::Float32)))
        .collect();
    let mut h = x;
    let mut products = vec![];
    for &wk in &w {
        let p = eager::mm(&c.vals[h], &c.vals[wk]).unwrap();
        let p = c.node(NodeOp::Matmul, vec![h, wk], p);
        products.push(p);
        h = c.unary(UnaryOp::Relu, p);
    }
    c.output(h);
    let p = c.check(F32_TOL.0, F32_TOL.1);
    // Buffers: 4 inputs, then the stored values in graph order: p0, r0, p1, r1, p2, out.
    // r0 overwrites p0 (nothing is free yet); r1 takes r0's storage, dead after p1; p2 takes
    // p1's (dead after r1); the output takes r1's, dead after p2.
    let storage: Vec<usize> = p.plan.buffers.iter().map(|b| b.storage).collect();
    assert_eq!(
        storage,
        vec![0, 1, 2, 3, 4, 4, 6, 4, 6, 4],
        "{}",
        p.describe()
    );
    let text = p.describe();
    assert!(text.contains("(temporary, in buf4's storage)"), "{text}");
    assert!(text.contains("(output, in buf4's storage)"), "{text}");
}
