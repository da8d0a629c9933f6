//! Bad programs and bad input: CPython-style tracebacks and messages, never a Rust panic.

use crate::common::{dir_with, smelt, smelt_in};

fn no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked"),
        "Rust panic reached the user:\n{stderr}"
    );
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "Rust panic reached the user:\n{stderr}"
    );
}

#[test]
fn traceback_names_file_line_function_and_source() {
    let script = b"def inner(values):\n    return values[\"missing\"]\n\n\ndef outer():\n    data = {\"present\": 1}\n    return inner(data)\n\n\nouter()\n";
    let dir = dir_with(&[("boom.py", script)]);
    let path = dir.path().join("boom.py");
    let path = path.to_str().unwrap();
    let run = smelt(&["run", path]);
    run.expect_status(1);
    assert_eq!(run.stdout, "");
    let expected = format!(
        "Traceback (most recent call last):\n  \
File \"{path}\", line 10, in <module>\n    outer()\n    ~~~~~^^\n  \
File \"{path}\", line 7, in outer\n    return inner(data)\n  \
File \"{path}\", line 2, in inner\n    return values[\"missing\"]\n           ~~~~~~^^^^^^^^^^^\n\
KeyError: 'missing'\n"
    );
    assert_eq!(run.stderr, expected);
}

#[test]
fn syntax_error_shows_location_and_exits_one() {
    let dir = dir_with(&[("syn.py", b"x = 1\ndef f(:\n    pass\n")]);
    let path = dir.path().join("syn.py");
    let run = smelt(&["run", path.to_str().unwrap()]);
    run.expect_status(1);
    no_panic(&run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!("  File \"{}\", line 2", path.display()),
        "{}",
        run.stderr
    );
    assert_eq!(lines[1], "    def f(:");
    assert!(
        lines.last().unwrap().starts_with("SyntaxError: "),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_file_is_a_clear_message_and_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let run = smelt_in(Some(dir.path()), &["run", "nope.py"], None);
    run.expect_status(2);
    assert_eq!(
        run.stderr,
        format!(
            "smelt: can't open file '{}': [Errno 2] No such file or directory\n",
            dir.path().join("nope.py").display()
        )
    );
}

#[test]
fn path_through_a_file_is_not_a_directory() {
    let dir = dir_with(&[("plain.py", b"")]);
    let bad = dir.path().join("plain.py").join("inner.py");
    let run = smelt(&["run", bad.to_str().unwrap()]);
    run.expect_status(2);
    assert!(
        run.stderr.ends_with("[Errno 20] Not a directory\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn unreadable_file_is_a_clear_message() {
    // A unix socket can't be opened for reading by anyone, root included.
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("sock.py");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let run = smelt(&["run", sock.to_str().unwrap()]);
    run.expect_status(2);
    assert!(
        run.stderr.starts_with("smelt: can't open file '"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("[Errno 6] No such device or address"),
        "{}",
        run.stderr
    );

    // Without read permission, for users that permissions apply to.
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("locked.py");
    std::fs::write(&locked, "print('should not run')\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let run = smelt(&["run", locked.to_str().unwrap()]);
        run.expect_status(2);
        assert!(
            run.stderr.contains("[Errno 13] Permission denied"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn non_utf8_source_is_a_syntax_error() {
    let dir = dir_with(&[("bad.py", b"# comment\nname = '\xff'\n")]);
    let path = dir.path().join("bad.py");
    let run = smelt(&["run", path.to_str().unwrap()]);
    run.expect_status(1);
    no_panic(&run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "SyntaxError: Non-UTF-8 code starting with '\\xff' in file {} on line 2, but no encoding declared; see https://peps.python.org/pep-0263/ for details",
            path.display()
        )
    );
}

#[test]
fn coding_cookie_decodes_latin1_source() {
    let dir = dir_with(&[(
        "latin.py",
        b"# -*- coding: latin-1 -*-\nprint('caf\xe9', len('caf\xe9'))\n",
    )]);
    let run = smelt(&["run", dir.path().join("latin.py").to_str().unwrap()]);
    run.expect_status(0);
    assert_eq!(run.stdout, "caf\u{e9} 4\n");
}

#[test]
fn non_utf8_stdin_and_arguments_do_not_panic() {
    let run = smelt_in(None, &[], Some(b"x = '\xfe\xff'\n"));
    run.expect_status(1);
    no_panic(&run.stderr);
    assert!(
        run.stderr.contains("SyntaxError: Non-UTF-8 code"),
        "{}",
        run.stderr
    );

    use std::os::unix::ffi::OsStrExt;
    let out = std::process::Command::new(crate::common::SMELT)
        .arg("run")
        .arg(std::ffi::OsStr::from_bytes(b"/tmp/\xff\xfe-missing.py"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    no_panic(&String::from_utf8_lossy(&out.stderr));
}
