//! The default backend (`torch.compile()` / "inductor" / "smelt"): smelt's native JIT, end to
//! end through the binary.

use crate::pytorch_scripts::check_with;

/// The extern steps `TORCH_LOGS=output_code` reports, as `op  # reason` lines.
fn extern_steps(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.split_once("[__output_code] ").map(|(_, rest)| rest))
        .filter(|l| l.starts_with("# step ") && !l.contains(": compiled "))
        .map(|l| l.split_once(": ").map_or(l, |(_, r)| r).to_string())
        .collect()
}

fn compiled_steps(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.contains("[__output_code] # step ") && l.contains(": compiled "))
        .count()
}

/// The ≥40-graph suite matches eager on this machine's code, every kernel run in checked
/// mode (guard pages after each buffer, canaries before), and everything but ops with integer
/// results is compiled.
#[test]
fn jit_suite_matches_eager_natively() {
    let run = check_with(
        "jit_suite",
        &[("TORCH_LOGS", "output_code"), ("SMELT_JIT_CHECKED", "1")],
    );
    let compiled = compiled_steps(&run.stderr);
    assert!(
        compiled >= 60,
        "only {compiled} compiled steps:\n{}",
        run.stderr
    );
    let externs = extern_steps(&run.stderr);
    for e in &externs {
        assert!(
            e.contains("aten.max.dim") || e.contains("getitem of a value computed outside"),
            "unexpected extern step: {e}"
        );
    }
    assert!(externs.len() <= 2, "{externs:#?}");
}

/// The same suite with every kernel emitted for AArch64 (NEON) and run under qemu-aarch64:
/// the same results as eager (and so as the x86-64 code).
#[test]
fn jit_suite_matches_eager_on_aarch64_under_qemu() {
    let run = check_with(
        "jit_suite",
        &[
            ("TORCH_LOGS", "output_code"),
            ("SMELT_JIT_TARGET", "aarch64-neon"),
        ],
    );
    let arm = run.stderr.matches("# Aarch64Neon machine code").count();
    assert!(arm >= 60, "only {arm} AArch64 kernels:\n{}", run.stderr);
    assert!(
        !run.stderr.contains("X64Avx2"),
        "x86-64 code in an AArch64 run"
    );
}

/// The same suite with every kernel emitted for the SSE2 fallback (what a CPU without AVX2 or
/// FMA gets), run natively in checked mode: the same results as eager.
#[test]
fn jit_suite_matches_eager_with_the_sse2_fallback() {
    let run = check_with(
        "jit_suite",
        &[
            ("TORCH_LOGS", "output_code"),
            ("SMELT_JIT_TARGET", "x86-64-sse2"),
            ("SMELT_JIT_CHECKED", "1"),
        ],
    );
    let sse2 = run.stderr.matches("# X64Sse2 machine code").count();
    assert!(sse2 >= 60, "only {sse2} SSE2 kernels:\n{}", run.stderr);
    assert!(!run.stderr.contains("X64Avx2"), "AVX2 code in an SSE2 run");
}
