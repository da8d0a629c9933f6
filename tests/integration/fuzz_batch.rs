//! A fixed-seed batch of the differential fuzzer (tests/fuzz/fuzz.py): random programs run
//! eagerly and compiled with eager, aot_eager and inductor must agree, gradients included.
//! Long runs and their tallies: docs/RELIABILITY.md.

#[test]
fn fixed_seed_batch_agrees_with_eager() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests/fuzz/fuzz.py");
    let run = crate::common::smelt_in(
        Some(&root),
        &[
            "run",
            script.to_str().unwrap(),
            "--seed",
            "0",
            "--count",
            "60",
        ],
        None,
    );
    let tally = run
        .stdout
        .lines()
        .find(|l| l.starts_with("fuzz: 60 programs,"))
        .unwrap_or_default();
    assert_eq!(
        tally,
        "fuzz: 60 programs, 60 ok, 0 mismatch, 0 exception-type, 0 compiled-raises, 0 crash, 0 hang",
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout,
        run.stderr
    );
    run.expect_status(0);
}
