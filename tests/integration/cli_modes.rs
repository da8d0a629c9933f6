//! The ways of running code: `run FILE ARGS`, `-c`, `-m`, a script on stdin.

use crate::common::{dir_with, python, smelt, smelt_in};

#[test]
fn dash_c_runs_code_and_passes_arguments() {
    let run = python(
        "import sys; print(1 + 1); print(sys.argv); print(repr(sys.path[0])); print(hasattr(sys, 'ps1'))",
    );
    assert_eq!(run.stdout, "2\n['-c']\n''\nFalse\n");
    let run = smelt(&["-c", "import sys; print(sys.argv)", "a", "-v", "--flag"]);
    run.expect_status(0);
    assert_eq!(run.stdout, "['-c', 'a', '-v', '--flag']\n");
}

#[test]
fn run_file_sets_argv_main_path_and_file() {
    let script = br#"import sys, os
print(sys.argv)
print(__name__)
print(os.path.basename(__file__), os.path.isabs(__file__))
print(sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
import helper
print(helper.VALUE)
if __name__ == '__main__':
    print('main block ran')
"#;
    let dir = dir_with(&[
        ("prog.py", script),
        (
            "helper.py",
            b"VALUE = 'imported from the script directory'\n",
        ),
    ]);
    let path = dir.path().join("prog.py");
    let path = path.to_str().unwrap();
    let run = smelt(&["run", path, "x", "-v", "--help"]);
    run.expect_status(0);
    assert_eq!(
        run.stdout,
        format!(
            "['{path}', 'x', '-v', '--help']\n__main__\nprog.py True\nTrue\nimported from the script directory\nmain block ran\n"
        )
    );
}

#[test]
fn relative_script_path_keeps_argv0_as_given() {
    let dir = dir_with(&[(
        "rel.py",
        b"import sys\nprint(sys.argv[0])\nprint(__file__)\n",
    )]);
    let run = smelt_in(Some(dir.path()), &["run", "rel.py"], None);
    run.expect_status(0);
    let real = dir.path().join("rel.py");
    assert_eq!(run.stdout, format!("rel.py\n{}\n", real.display()));
}

#[test]
fn stdin_script_runs_when_stdin_is_not_a_terminal() {
    let run = smelt_in(
        None,
        &[],
        Some(b"import sys\nfor i in range(3):\n    print('line', i)\nprint(sys.argv, __file__)\n"),
    );
    run.expect_status(0);
    assert_eq!(run.stdout, "line 0\nline 1\nline 2\n[''] <stdin>\n");
}

#[test]
fn dash_m_runs_a_module_as_main() {
    let dir = dir_with(&[
        (
            "hello.py",
            b"import sys\nprint(__name__, sys.argv[1:])\nprint(sys.argv[0].endswith('hello.py'))\n",
        ),
        ("pkg/__init__.py", b""),
        ("pkg/__main__.py", b"print('package main')\n"),
    ]);
    let run = smelt_in(Some(dir.path()), &["-m", "hello", "a", "-b"], None);
    run.expect_status(0);
    assert_eq!(run.stdout, "__main__ ['a', '-b']\nTrue\n");
    let run = smelt_in(Some(dir.path()), &["-m", "pkg"], None);
    run.expect_status(0);
    assert_eq!(run.stdout, "package main\n");
}

#[test]
fn dash_m_reports_a_missing_module() {
    let run = smelt(&["-m", "no_such_module_anywhere"]);
    run.expect_status(1);
    assert!(
        run.stderr
            .contains("No module named no_such_module_anywhere"),
        "{}",
        run.stderr
    );
}

#[test]
fn directory_with_main_runs_as_script() {
    let dir = dir_with(&[("app/__main__.py", b"print('app main', __name__)\n")]);
    let run = smelt(&["run", dir.path().join("app").to_str().unwrap()]);
    run.expect_status(0);
    assert_eq!(run.stdout, "app main __main__\n");
}

#[test]
fn unittest_main_runs_and_sets_the_status() {
    let passing = br#"import unittest

class T(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_raises(self):
        with self.assertRaises(ZeroDivisionError):
            1 / 0

if __name__ == "__main__":
    unittest.main()
"#;
    let failing = br#"import unittest

class T(unittest.TestCase):
    def test_wrong(self):
        self.assertEqual(1, 2)

if __name__ == "__main__":
    unittest.main()
"#;
    let dir = dir_with(&[("ok_test.py", passing), ("bad_test.py", failing)]);
    let run = smelt(&["run", dir.path().join("ok_test.py").to_str().unwrap(), "-v"]);
    run.expect_status(0);
    assert!(
        run.stderr.contains("test_add (__main__.T"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Ran 2 tests"), "{}", run.stderr);
    assert!(run.stderr.trim_end().ends_with("OK"), "{}", run.stderr);
    let run = smelt(&["run", dir.path().join("bad_test.py").to_str().unwrap()]);
    run.expect_status(1);
    assert!(
        run.stderr.contains("AssertionError: 1 != 2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("FAILED (failures=1)"), "{}", run.stderr);
}

#[test]
fn help_and_version() {
    let run = smelt(&["--version"]);
    run.expect_status(0);
    assert_eq!(
        run.stdout,
        format!("smelt {} (RustPython 0.5.0)\n", env!("CARGO_PKG_VERSION"))
    );
    let run = smelt(&["--help"]);
    run.expect_status(0);
    for needle in ["run", "-c <CODE>", "-m <MODULE>", "standard input"] {
        assert!(
            run.stdout.contains(needle),
            "--help lacks {needle:?}:\n{}",
            run.stdout
        );
    }
}
