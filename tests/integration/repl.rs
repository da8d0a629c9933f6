//! The REPL, driven through a pseudo-terminal as a person would type at it.

use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

use crate::common::SMELT;

const PROMPT: &str = "smelt> ";
const MORE: &str = "   ... ";
/// Any run of ANSI colour escapes.
const ANSI: &str = r"(\x1b\[[0-9;]*m)*";

fn assert_exit_code(p: &PtySession, code: i32) {
    // rexpect hands back nix's WaitStatus, printed as `Exited(Pid(N), CODE)`.
    let status = format!("{:?}", p.process().wait().unwrap());
    assert!(
        status.starts_with("Exited(") && status.ends_with(&format!(", {code})")),
        "{status}"
    );
}

fn start(history: &std::path::Path) -> PtySession {
    let mut cmd = Command::new(SMELT);
    cmd.env("SMELT_HISTORY", history)
        .env("TERM", "xterm-256color")
        .env_remove("PYTHONPATH");
    let mut session = spawn_command(cmd, Some(20_000)).expect("spawn smelt on a pty");
    session.exp_string("smelt ").expect("banner");
    session.exp_string(PROMPT).expect("first prompt");
    session
}

#[test]
fn multi_line_def_expression_echo_underscore_and_ctrl_d() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut p = start(&history);

    p.send_line("def add(a, b):").unwrap();
    p.exp_string(MORE).unwrap();
    p.send_line("    total = a + b").unwrap();
    p.exp_string(MORE).unwrap();
    p.send_line("    return total").unwrap();
    p.exp_string(MORE).unwrap();
    p.send_line("").unwrap();
    p.exp_string(PROMPT).unwrap();

    p.send_line("add(20, 3)").unwrap();
    p.exp_string("23\r\n").unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line("_ * 2").unwrap();
    p.exp_string("46\r\n").unwrap();
    p.exp_string(PROMPT).unwrap();

    // An open bracket continues without needing a blank line.
    p.send_line("[add(1, 1),").unwrap();
    p.exp_string(MORE).unwrap();
    p.send_line(" 'x']").unwrap();
    p.exp_string("[2, 'x']\r\n").unwrap();
    p.exp_string(PROMPT).unwrap();

    // Errors are reported and the session goes on.
    p.send_line("1 / 0").unwrap();
    // Tracebacks are coloured on a terminal, as CPython 3.13+ colours them.
    p.exp_regex(&format!("ZeroDivisionError{ANSI}: {ANSI}division by zero"))
        .unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line("x = )").unwrap();
    p.exp_string("SyntaxError").unwrap();
    p.exp_string(PROMPT).unwrap();

    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    assert_exit_code(&p, 0);

    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("add(20, 3)"), "history file: {saved}");
}

#[test]
fn ctrl_c_interrupts_the_running_statement() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = start(&dir.path().join("history"));
    p.send_line("while True: pass").unwrap();
    p.exp_string(MORE).unwrap();
    p.send_line("").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    p.exp_string("KeyboardInterrupt").unwrap();
    p.exp_string(PROMPT).unwrap();
    // The interpreter is still alive and usable.
    p.send_line("print('still' + ' here')").unwrap();
    p.exp_string("still here").unwrap();
    p.send_line("import sys; sys.exit(4)").unwrap();
    p.exp_eof().unwrap();
    assert_exit_code(&p, 4);
}
