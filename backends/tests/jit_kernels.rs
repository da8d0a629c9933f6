//! Compiled graphs against the eager kernels on the same inputs.

mod common;

use common::{Case, F32_TOL, random, targets};
use smelt_backends::Tensor;
use smelt_backends::eager;
use smelt_backends::jit::emit::Target;
use smelt_backends::jit::graph::{NodeOp, View};
use smelt_backends::jit::runtime;
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

impl Case {
    /// Compile for this machine's AVX2 and for its SSE2 fallback (checked mode) and for
    /// AArch64 (run under qemu-aarch64), run, compare every output with eager's. Returns the
    /// AVX2 program.
    fn check(&self, rtol: f64, atol: f64) -> runtime::Program {
        self.check_all(rtol, atol).remove(0)
    }

    /// `check`, returning the AVX2, SSE2 and AArch64 programs.
    fn check_all(&self, rtol: f64, atol: f64) -> Vec<runtime::Program> {
        targets()
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
        let outs = p
            .run(self.inputs())
            .unwrap_or_else(|e| panic!("run on {target:?}: {e}"));
        self.check_outputs(&outs, rtol, atol, &format!("{target:?}"));
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

/// `op(t)` and `1 / op(t)` (which tells -0.0 from 0.0) compiled against eager.
fn check_with_reciprocal(op: UnaryOp, t: &Tensor, dtype: DType, rtol: f64, atol: f64) {
    let mut c = Case::new();
    let x = c.input(t.clone());
    let r = c.unary(op, x);
    c.output(r);
    let inv = c.unary(UnaryOp::Reciprocal, r);
    c.output(inv);
    let result = std::panic::catch_unwind(|| c.check(rtol, atol));
    assert!(result.is_ok(), "{op:?} on {dtype:?}");
}

/// `values` as a 1-D tensor of `dtype` (float32 or float64).
fn edge_values(values: &[f64], dtype: DType) -> Tensor {
    match dtype {
        DType::Float64 => Tensor::from_vec(values.to_vec(), &[values.len()]),
        _ => Tensor::from_vec(
            values.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            &[values.len()],
        ),
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
        let t = edge_values(&edge, dtype);
        for op in [
            UnaryOp::Floor,
            UnaryOp::Ceil,
            UnaryOp::Round,
            UnaryOp::Trunc,
        ] {
            check_with_reciprocal(op, &t, dtype, 0.0, 0.0);
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
    let (y, _) = c.softmax(x);
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
    let (y, mean, rstd) = c.layer_norm(x, w);
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

/// Odd functions keep a zero's sign and stay accurate for tiny inputs: `1 / f(x)` tells -0.0
/// from 0.0, and a tiny x whose value came out 0 would give an infinity (the fuzzer found
/// `1 / tan(x % x)` and `1 / erf(1e-30)` under inductor; eager is exact there).
#[test]
fn odd_functions_near_zero() {
    let edge = [
        -0.0, 0.0, 1e-30, -1e-30, 1e-20, -1e-10, 1e-3, -0.1, 0.2, -0.3,
    ];
    for dtype in [DType::Float32, DType::Float64] {
        let t = edge_values(&edge, dtype);
        let mut ops = vec![
            UnaryOp::Sin,
            UnaryOp::Tan,
            UnaryOp::Tanh,
            UnaryOp::Expm1,
            UnaryOp::Log1p,
        ];
        if dtype == DType::Float32 {
            ops.push(UnaryOp::Erf); // the JIT's erf is single precision
        }
        for op in ops {
            check_with_reciprocal(op, &t, dtype, 2e-6, 0.0);
        }
    }
}
