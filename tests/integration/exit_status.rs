//! Exit statuses as CPython gives them: 0, 1 on an uncaught exception, `sys.exit(n)`, 2 on misuse.

use crate::common::smelt;

fn status_of(code: &str) -> (i32, String) {
    let run = smelt(&["-c", code]);
    (run.status, run.stderr)
}

#[test]
fn sys_exit_codes() {
    assert_eq!(status_of("pass").0, 0);
    assert_eq!(status_of("import sys; sys.exit()").0, 0);
    assert_eq!(status_of("import sys; sys.exit(None)").0, 0);
    assert_eq!(status_of("import sys; sys.exit(0)").0, 0);
    assert_eq!(status_of("import sys; sys.exit(3)").0, 3);
    assert_eq!(status_of("raise SystemExit(42)").0, 42);
    assert_eq!(status_of("import sys; sys.exit(256 + 7)").0, 7);
    assert_eq!(status_of("import sys; sys.exit(-1)").0, 255);
    let (status, stderr) = status_of("import sys; sys.exit('fatal: bad config')");
    assert_eq!((status, stderr.as_str()), (1, "fatal: bad config\n"));
}

#[test]
fn uncaught_exception_exits_one() {
    let (status, stderr) = status_of("raise ValueError('nope')");
    assert_eq!(status, 1);
    assert!(stderr.ends_with("ValueError: nope\n"), "{stderr}");
    assert!(
        stderr.starts_with("Traceback (most recent call last):\n"),
        "{stderr}"
    );
}

#[test]
fn exit_inside_finally_and_atexit_still_run() {
    let run = smelt(&[
        "-c",
        "import atexit, sys\natexit.register(lambda: print('atexit ran'))\ntry:\n    sys.exit(5)\nfinally:\n    print('finally ran')\n",
    ]);
    run.expect_status(5);
    assert_eq!(run.stdout, "finally ran\natexit ran\n");
}

#[test]
fn usage_errors_exit_two() {
    let run = smelt(&["--no-such-flag"]);
    run.expect_status(2);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
    let run = smelt(&["run"]);
    run.expect_status(2);
    assert!(run.stderr.contains("<FILE>"), "{}", run.stderr);
    let run = smelt(&["-c"]);
    run.expect_status(2);
}
