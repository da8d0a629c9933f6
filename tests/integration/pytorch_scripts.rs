//! Scripts under `tests/scripts/` run unchanged under smelt and under CPython + PyTorch; each
//! `NAME.expected` is what PyTorch printed (`tests/scripts/regenerate` rewrites them from a
//! PyTorch install). smelt must print the same bytes.

use std::path::Path;

fn check(name: &str) {
    check_with(name, &[]);
}

/// Runs `tests/scripts/NAME.py` with extra environment variables; its stdout must be what
/// PyTorch printed. Returns the run for further checks of stderr.
pub fn check_with(name: &str, env: &[(&str, &str)]) -> crate::common::Run {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts");
    let expected = std::fs::read_to_string(dir.join(format!("{name}.expected")))
        .expect("expected output recorded from PyTorch");
    let run = crate::common::smelt_env(Some(&dir), &["run", &format!("{name}.py")], None, env);
    run.expect_status(0);
    if run.stdout != expected {
        let first = run
            .stdout
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| run.stdout.lines().count().min(expected.lines().count()));
        let show = |text: &str| {
            text.lines()
                .skip(first.saturating_sub(2))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{name}: output differs from PyTorch's at line {}\n--- PyTorch\n{}\n--- smelt\n{}",
            first + 1,
            show(&expected),
            show(&run.stdout)
        );
    }
    run
}

macro_rules! scripts {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

scripts!(
    autograd_basics,
    autograd_gradcheck,
    eager_basics,
    eager_sweep,
    printing,
    matrix_products,
    reductions_with_indices_and_normalisation,
    seeded_generator_gives_pytorchs_values,
    sorting_joining_and_selecting,
    nn_modules,
    nn_functional,
    training,
    save_load,
    load_pytorch_checkpoint,
    testing_and_checkpoint,
    autograd_inplace_views,
    fx_graph,
    fx_trace,
    fx_readable,
    fx_aten_targets,
    make_fx_aten,
    fake_propagation,
    dynamo_config,
    dynamo_callbacks_and_compile_ids,
    testing_common_utils,
    torch_compiler_api,
    nn_module_pickle_drops_compiled_forward,
    dynamo_test_case,
    dynamo_graphs,
    dynamo_recompiles,
    dynamo_user_errors,
    dynamo_constructs,
    dynamo_decorators,
    dynamo_graph_breaks,
    dynamo_graph_break_suite,
    accelerator_absent,
    aot_eager_graphs,
    aot_autograd_gradients,
    aot_mlp_training,
    fuzz_regressions,
    random_parity,
    float_repr,
    gc_cycles,
    dynamic_shapes,
    matmul_graphs,
    aot_backward_graphs,
    make_fx_symbolic,
    threads_and_fast_kernels,
    fused_adam,
);
