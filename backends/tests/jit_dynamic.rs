//! A symbolic leading size: each graph is compiled once, with its batch dim marked symbolic,
//! and that one program runs at many batch sizes (not multiples of any vector width, and
//! large enough for threads) against the eager kernels, on AVX2, on SSE2 in checked mode
//! and on AArch64 under qemu-aarch64.

mod common;

use common::{Case, F32_TOL, random, targets};
use smelt_backends::Tensor;
use smelt_backends::eager::{self, Operand};
use smelt_backends::jit::emit::Target;
use smelt_backends::jit::graph::{NodeOp, View};
use smelt_backends::jit::runtime::{self, Program, RunError};
use smelt_backends::jit::schedule::Step;
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

/// The sizes every program runs at, after being compiled at `EXAMPLE`. 688 and 2048 are
/// whole numbers of row blocks for rows of 3 and of 1 element (`simplify::row_blocks`).
const SIZES: [usize; 12] = [1, 2, 3, 7, 8, 9, 31, 100, 688, 1000, 2048, 4097];
const EXAMPLE: usize = 5;

impl Case {
    /// An input whose leading size is the symbolic one.
    fn input_sym(&mut self, t: Tensor) -> usize {
        self.g.sym_leading.push(self.g.inputs.len());
        self.input(t)
    }
}

/// Compile `build(EXAMPLE)` once per target and run that program on `build(s)`'s inputs
/// for every size, comparing each output with eager's (layout and values). Returns the
/// programs (AVX2, SSE2, AArch64).
fn check_sizes(build: impl Fn(usize) -> Case, tol: (f64, f64)) -> Vec<Program> {
    check_sizes_from(EXAMPLE, build, tol)
}

/// `check_sizes`, compiled at size `example`.
fn check_sizes_from(
    example: usize,
    build: impl Fn(usize) -> Case,
    (rtol, atol): (f64, f64),
) -> Vec<Program> {
    let example = build(example);
    let cases: Vec<(usize, Case)> = SIZES.iter().map(|&s| (s, build(s))).collect();
    targets()
        .into_iter()
        .map(|target| {
            let mut p = runtime::compile(&example.g, target)
                .unwrap_or_else(|e| panic!("compile for {target:?}: {e}"));
            p.checked = true;
            for (s, c) in &cases {
                let outs = p
                    .run(c.inputs())
                    .unwrap_or_else(|e| panic!("run on {target:?} at s = {s}: {e}"));
                c.check_outputs(&outs, rtol, atol, &format!("{target:?}, s = {s}"));
            }
            p
        })
        .collect()
}

/// Every kernel of a program walks the symbolic size as its first outer loop.
fn all_kernels_symbolic(p: &Program) {
    let text = p.describe();
    for step in &p.plan.steps {
        if let Step::Kernel(k) = step {
            assert!(k.sym, "{text}");
            assert!(k.ragged.is_none(), "{text}");
        }
    }
    assert!(text.contains("for o0 < s"), "{text}");
}

#[test]
fn pointwise_chain_over_a_symbolic_batch() {
    let programs = check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 3], 1, DType::Float32));
            let y = c.input_sym(random(&[s, 3], 2, DType::Float32));
            let two = c.scalar(2.0, DType::Float32);
            let m = c.binary(BinaryOp::Mul, x, two);
            let a = c.binary(BinaryOp::Add, m, y);
            let e = c.unary(UnaryOp::Exp, a);
            c.output(e);
            c
        },
        F32_TOL,
    );
    for p in &programs {
        assert_eq!(p.plan.steps.len(), 1, "one fused kernel");
        all_kernels_symbolic(p);
    }
    let text = programs[0].describe();
    assert!(
        text.contains("buf0: f32[s, 3] strides [3, 1] (input 0)"),
        "{text}"
    );
    // Short rows run as blocks of 344 rows, one vector loop of 1032 elements each.
    assert!(text.contains("for o0 < s / 344 (parallel):"), "{text}");
    assert!(text.contains("for i0 < 1032:"), "{text}");
}

#[test]
fn row_reduction_f32_and_f64() {
    for (dtype, tol) in [
        (DType::Float32, (1e-5, 1e-5)),
        (DType::Float64, (1e-12, 1e-12)),
    ] {
        let programs = check_sizes(
            |s| {
                let mut c = Case::new();
                let x = c.input_sym(random(&[s, 5], 3, dtype));
                let r = c.reduce(ReduceOp::Sum, x, &[1], false);
                let two = c.scalar(2.0, dtype);
                let y = c.binary(BinaryOp::Mul, r, two);
                c.output(y);
                c
            },
            tol,
        );
        for p in &programs {
            assert_eq!(p.plan.steps.len(), 1, "one fused kernel");
            all_kernels_symbolic(p);
        }
    }
}

#[test]
fn softmax_over_the_last_dim() {
    let programs = check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 7], 4, DType::Float32));
            let (y, m) = c.softmax(x);
            c.output(y);
            // A keepdim statistic as a second output: `[s, 1]`.
            c.output(m);
            c
        },
        F32_TOL,
    );
    for p in &programs {
        assert_eq!(p.plan.steps.len(), 1, "softmax fuses into one kernel");
        all_kernels_symbolic(p);
    }
}

/// Compiled at an example size equal to the static size: the scheduler must still keep
/// the two apart (the bias's `[7]` is static, the batch's 7 is `s`).
#[test]
fn static_bias_broadcast_against_the_batch() {
    let programs = check_sizes_from(
        7,
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 7], 5, DType::Float32));
            let b = c.input(random(&[7], 6, DType::Float32));
            let a = c.binary(BinaryOp::Add, x, b);
            let y = c.unary(UnaryOp::Tanh, a);
            c.output(y);
            // A static output of the same `[7]`-ish shape: its own, static, kernel.
            let three = c.scalar(3.0, DType::Float32);
            let b3 = c.binary(BinaryOp::Mul, b, three);
            c.output(b3);
            c
        },
        F32_TOL,
    );
    for p in &programs {
        let sym: Vec<bool> = p
            .plan
            .steps
            .iter()
            .filter_map(|st| match st {
                Step::Kernel(k) => Some(k.sym),
                _ => None,
            })
            .collect();
        assert_eq!(sym, [true, false], "{}", p.describe());
    }
}

/// Layer norm over the last dim with a static weight, its statistics as outputs, and a
/// mask input of the batch's shape selecting between the result and zero.
#[test]
fn layer_norm_and_a_mask_over_the_batch() {
    let programs = check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 33], 10, DType::Float32));
            let w = c.input(random(&[33], 11, DType::Float32));
            let keep = random(&[s, 33], 12, DType::Float32);
            let zero_t = Tensor::from_vec(vec![0.0f32], &[]);
            let keep = eager::binary(
                BinaryOp::Gt,
                Operand::Tensor(&keep),
                Operand::Tensor(&zero_t),
            )
            .unwrap();
            let keep = c.input_sym(keep);
            let (y, mean, rstd) = c.layer_norm(x, w);
            let zero = c.scalar(0.0, DType::Float32);
            let sel = eager::where_(&c.vals[keep], &c.vals[y], &c.vals[zero]).unwrap();
            let sel = c.node(NodeOp::Where, vec![keep, y, zero], sel);
            c.g.outputs.extend([sel, mean, rstd]);
            c
        },
        F32_TOL,
    );
    for p in &programs {
        assert_eq!(p.plan.steps.len(), 1, "layer norm fuses into one kernel");
        all_kernels_symbolic(p);
    }
}

/// A 1-D batch: `s` is the only loop, one element per outer point.
#[test]
fn one_dim_batch() {
    let programs = check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s], 8, DType::Float32));
            let y = c.input_sym(random(&[s], 9, DType::Float32));
            let m = c.binary(BinaryOp::Maximum, x, y);
            let r = c.unary(UnaryOp::Sigmoid, m);
            c.output(r);
            c
        },
        F32_TOL,
    );
    for p in &programs {
        all_kernels_symbolic(p);
        let text = p.describe();
        assert!(text.contains("for o0 < s / 1024 (parallel):"), "{text}");
    }
}

/// A 3-D batch: a kept mean over the last dim stored as a temporary (the next kernel reads
/// it through a permute of the static dims), the centred values' exponentials, and their
/// sum over both static dims, whose buffer takes over the dead temporary's storage: buffer
/// reuse must hold for every `s`, not just the example.
#[test]
fn three_d_batch_with_a_reused_temporary() {
    let programs = check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 4, 6], 7, DType::Float64));
            let m = c.reduce(ReduceOp::Mean, x, &[2], true);
            let d = c.binary(BinaryOp::Sub, x, m);
            let t = c.vals[d].permute(&[0, 2, 1]).unwrap();
            let p = c.view(View::Permute(vec![0, 2, 1]), d, t);
            let e = c.unary(UnaryOp::Exp, p);
            let total = c.reduce(ReduceOp::Sum, e, &[1, 2], false);
            c.output(total);
            c.output(e);
            c
        },
        (1e-12, 1e-12),
    );
    for p in &programs {
        all_kernels_symbolic(p);
        let text = p.describe();
        assert!(
            text.contains("buf1: f64[s, 4, 1] strides [4, 1, 1] (temporary)"),
            "{text}"
        );
        assert!(
            text.contains("f64[s] strides [1] (output, in buf1's storage)"),
            "{text}"
        );
    }
}

/// Views that keep `s` leading (a reshape of the static dims, a strided slice and a select
/// of inner dims, a size-1 inner dim expanded), and a reduction over a middle dim, whose
/// kernel walks `s` and the last dim as outer loops.
#[test]
fn inner_views_and_a_middle_reduction() {
    check_sizes(
        |s| {
            let mut c = Case::new();
            let x = c.input_sym(random(&[s, 12], 13, DType::Float32));
            let m = c.input_sym(random(&[s, 1], 14, DType::Float32));
            let r = c.vals[x].reshape(&[s as i64, 2, 6]).unwrap();
            let r = c.view(View::Reshape, x, r);
            let sl = c.vals[r].slice(2, 1, 6, 2).unwrap();
            let sl = c.view(
                View::Slice {
                    dim: 2,
                    start: 1,
                    step: 2,
                },
                r,
                sl,
            );
            let sel = c.vals[sl].select(1, 1).unwrap();
            let sel = c.view(View::Select { dim: 1, index: 1 }, sl, sel);
            let me = c.vals[m].expand(&[s as i64, 3]).unwrap();
            let me = c.view(View::Expand, m, me);
            let y = c.binary(BinaryOp::Mul, sel, me);
            c.output(y);
            let e = c.unary(UnaryOp::Exp, r);
            let mid = c.reduce(ReduceOp::Amax, e, &[1], false);
            c.output(mid);
            c
        },
        F32_TOL,
    );
}

/// What the scheme cannot express is an error from `compile`, never a panic.
#[test]
fn unsupported_symbolic_graphs_are_refused() {
    let refused = |c: &Case, why: &str| {
        let e = runtime::compile(&c.g, Target::X64Avx2)
            .err()
            .unwrap_or_else(|| panic!("compiled a graph with {why}"));
        assert!(!e.is_empty(), "{why}");
    };
    // A reduction over the symbolic dim.
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 5], 1, DType::Float32));
    let r = c.reduce(ReduceOp::Sum, x, &[0], false);
    c.output(r);
    refused(&c, "a reduction over dim 0");
    // A static size-1 leading dim broadcast against `s`.
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 7], 1, DType::Float32));
    let b = c.input(random(&[1, 7], 2, DType::Float32));
    let y = c.binary(BinaryOp::Add, x, b);
    c.output(y);
    refused(&c, "a size-1 dim broadcast against s");
    // A reshape merging `s` with the dim after it.
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 3], 1, DType::Float32));
    let flat = c.vals[x].reshape(&[(EXAMPLE * 3) as i64]).unwrap();
    let v = c.view(View::Reshape, x, flat);
    let y = c.unary(UnaryOp::Exp, v);
    c.output(y);
    refused(&c, "a reshape merging s");
    // A transpose moving `s` inward.
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 3], 1, DType::Float32));
    let t = c.vals[x].permute(&[1, 0]).unwrap();
    let v = c.view(View::Permute(vec![1, 0]), x, t);
    let y = c.unary(UnaryOp::Exp, v);
    c.output(y);
    refused(&c, "a transpose of s");
    // A matmul with a symbolic operand.
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 4], 1, DType::Float32));
    let w = c.input(random(&[4, 3], 2, DType::Float32));
    let p = eager::mm(&c.vals[x], &c.vals[w]).unwrap();
    let y = c.node(NodeOp::Matmul, vec![x, w], p);
    c.output(y);
    refused(&c, "a matmul over s");
    // Rows of no elements (the JIT compiles no zero-size values, static ones neither).
    let mut c = Case::new();
    let x = c.input_sym(random(&[EXAMPLE, 0], 1, DType::Float32));
    let y = c.unary(UnaryOp::Exp, x);
    c.output(y);
    refused(&c, "empty rows");
    // An example size of 1: `s` and a size-1 dim could not be told apart.
    let mut c = Case::new();
    let x = c.input_sym(random(&[1, 3], 1, DType::Float32));
    let y = c.unary(UnaryOp::Exp, x);
    c.output(y);
    refused(&c, "an example size of 1");
}

/// `run` binds `s` from the inputs, and refuses inputs that do not fit the program.
#[test]
fn mismatched_inputs_are_refused_by_run() {
    let build = |s: usize, inner: usize| {
        let mut c = Case::new();
        let x = c.input_sym(random(&[s, inner], 1, DType::Float32));
        let y = c.input_sym(random(&[s, inner], 2, DType::Float32));
        let b = c.input(random(&[inner], 3, DType::Float32));
        let a = c.binary(BinaryOp::Add, x, y);
        let z = c.binary(BinaryOp::Mul, a, b);
        c.output(z);
        c
    };
    let p = runtime::compile(&build(EXAMPLE, 3).g, Target::X64Avx2).unwrap();
    let inputs = |c: Case| c.vals[..3].to_vec();
    let refused = |ins: &[Tensor], why: &str| match p.run(ins) {
        Err(RunError::Inputs(_)) => {}
        other => panic!("{why}: {:?}", other.map(|o| o.len())),
    };
    // Another inner size.
    refused(&inputs(build(9, 4)), "a different inner size");
    // The two symbolic inputs disagree on `s`.
    let (a, b) = (inputs(build(9, 3)), inputs(build(10, 3)));
    refused(
        &[a[0].clone(), b[1].clone(), a[2].clone()],
        "disagreeing sizes",
    );
    // The static input with another size.
    let mut bad = inputs(build(9, 3));
    bad[2] = random(&[4], 3, DType::Float32);
    refused(&bad, "a static input of another shape");
    // Another dtype, and a size of 0 (left to the caller).
    let mut bad = inputs(build(9, 3));
    bad[0] = random(&[9, 3], 1, DType::Float64);
    refused(&bad, "another dtype");
    refused(&inputs(build(0, 3)), "s = 0");
    // A non-contiguous input: other strides than compiled.
    let wide = random(&[9, 6], 1, DType::Float32);
    let mut bad = inputs(build(9, 3));
    bad[0] = wide.as_strided(&[9, 3], &[6, 1], 0).unwrap();
    refused(&bad, "other strides");
    // And the right inputs at a new size run.
    let c = build(9, 3);
    assert_eq!(p.run(c.inputs()).unwrap()[0].shape(), &[9, 3]);
}
