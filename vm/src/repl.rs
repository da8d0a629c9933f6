//! The interactive prompt: rustyline editing and history, CPython's rules for when a block
//! of input is complete, `_` for the last value, Ctrl-C to interrupt, Ctrl-D to leave.

use std::path::PathBuf;

use rustpython_vm::compiler::{
    CompileError, ParseError,
    parser::{InterpolatedStringErrorType, LexicalErrorType, ParseErrorType},
};
use rustpython_vm::{
    AsObject, PyRef, PyResult, VirtualMachine, builtins::PyCode, compiler, scope::Scope,
};
use rustyline::{DefaultEditor, error::ReadlineError};

const PS1: &str = "smelt> ";
const PS2: &str = "   ... ";

/// What the lines typed so far amount to.
enum Input {
    Complete(PyRef<PyCode>),
    /// More lines could still make it valid: keep reading with the continuation prompt.
    Incomplete,
    Invalid(CompileError),
}

/// CPython's test for a finished entry: it compiles; or its error stays put when another
/// newline is added (a real mistake), as opposed to one at end of input that more text
/// could fix (an open bracket, a block header, a triple-quoted string).
fn classify(vm: &VirtualMachine, source: &str) -> Input {
    let err = match vm.compile(source, compiler::Mode::Single, "<stdin>".to_owned()) {
        Ok(code) => return Input::Complete(code),
        Err(err) => err,
    };
    if waits_for_more(&err, source) {
        return Input::Incomplete;
    }
    let longer = format!("{source}\n");
    match vm.compile(&longer, compiler::Mode::Single, "<stdin>".to_owned()) {
        Err(again) if error_offset(&again) != error_offset(&err) => Input::Incomplete,
        _ => Input::Invalid(err),
    }
}

fn waits_for_more(err: &CompileError, source: &str) -> bool {
    let CompileError::Parse(ParseError {
        error,
        raw_location,
        is_unclosed_bracket,
        ..
    }) = err
    else {
        return false;
    };
    match error {
        _ if *is_unclosed_bracket => true,
        // A block header on the last line typed: its body comes next.
        ParseErrorType::OtherError(msg) if msg.starts_with("Expected an indented block") => {
            let header_end = raw_location.end().to_usize().min(source.len());
            source[header_end..].trim().is_empty()
        }
        ParseErrorType::Lexical(LexicalErrorType::Eof) => true,
        ParseErrorType::Lexical(LexicalErrorType::FStringError(
            InterpolatedStringErrorType::UnterminatedTripleQuotedString,
        )) => true,
        ParseErrorType::Lexical(LexicalErrorType::UnclosedStringError) => {
            let start = raw_location.start().to_usize();
            let rest = source.get(start..).unwrap_or("");
            rest.starts_with("\"\"\"") || rest.starts_with("'''")
        }
        _ => false,
    }
}

fn error_offset(err: &CompileError) -> Option<usize> {
    match err {
        CompileError::Parse(parse) => Some(parse.raw_location.start().to_usize()),
        CompileError::Codegen(_) => None,
    }
}

/// Whether the entry starts a compound statement, which CPython ends only at a blank line.
fn opens_block(first_line: &str) -> bool {
    let line = first_line.trim_start();
    let word: String = line
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    line.starts_with('@')
        || matches!(
            word.as_str(),
            "def" | "class" | "if" | "for" | "while" | "with" | "try" | "async"
        )
        || (word == "match" && line.trim_end().ends_with(':'))
}

fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SMELT_HISTORY") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".smelt_history"))
}

fn prompt(vm: &VirtualMachine, name: &'static str, default: &str) -> String {
    vm.sys_module
        .get_attr(name, vm)
        .and_then(|p| p.str(vm))
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|_| default.to_owned())
}

/// rustyline's editor claims SIGINT for as long as it lives; hand it back to the VM so that
/// Ctrl-C while a statement runs raises KeyboardInterrupt. At the prompt the terminal is in
/// raw mode, where Ctrl-C arrives as a key rather than a signal.
fn give_sigint_back(vm: &VirtualMachine) -> PyResult<()> {
    let signal = vm.import("signal", 0)?;
    let sigint = signal.get_attr("SIGINT", vm)?;
    let handler = vm.call_method(&signal, "getsignal", (sigint.clone(),))?;
    vm.call_method(&signal, "signal", (sigint, handler))
        .map(drop)
}

fn banner() -> String {
    use rustpython_vm::version::{MAJOR, MICRO, MINOR};
    format!(
        "smelt {} (RustPython 0.5.0, Python {MAJOR}.{MINOR}.{MICRO}) - torch.compile in one binary\n\
         Type \"help\", \"copyright\", \"credits\" or \"license\" for more information.",
        env!("CARGO_PKG_VERSION")
    )
}

/// Runs the REPL in `scope` until Ctrl-D; a `SystemExit` ends it with that status.
pub fn run(vm: &VirtualMachine, scope: Scope) -> PyResult<()> {
    let sys = vm.sys_module.as_object();
    sys.set_attr("ps1", vm.ctx.new_str(PS1), vm)?;
    sys.set_attr("ps2", vm.ctx.new_str(PS2), vm)?;
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(err) => {
            eprintln!("smelt: cannot start line editing: {err}");
            return Ok(());
        }
    };
    if let Err(exc) = give_sigint_back(vm) {
        vm.print_exception(exc);
    }
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }
    eprintln!("{}", banner());

    let mut buffer = String::new();
    let result = loop {
        let continuing = !buffer.is_empty();
        let prompt_text = if continuing {
            prompt(vm, "ps2", PS2)
        } else {
            prompt(vm, "ps1", PS1)
        };
        let line = match editor.readline(&prompt_text) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                eprintln!("KeyboardInterrupt");
                continue;
            }
            Err(ReadlineError::Eof) => {
                println!();
                break Ok(());
            }
            Err(err) => {
                eprintln!("smelt: reading input failed: {err}");
                break Ok(());
            }
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
        }
        let blank = line.trim().is_empty();
        if !continuing && blank {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');

        let block = opens_block(buffer.lines().next().unwrap_or(""));
        let outcome = match classify(vm, &buffer) {
            Input::Complete(_) if block && !blank => continue,
            Input::Complete(code) => vm.run_code_obj(code, scope.clone()).map(drop),
            Input::Incomplete if !(block && blank) => continue,
            Input::Incomplete => {
                match vm.compile(&buffer, compiler::Mode::Single, "<stdin>".to_owned()) {
                    Ok(code) => vm.run_code_obj(code, scope.clone()).map(drop),
                    Err(err) => Err(vm.new_syntax_error(&err, Some(&buffer))),
                }
            }
            Input::Invalid(err) => Err(vm.new_syntax_error(&err, Some(&buffer))),
        };
        buffer.clear();
        if let Err(exc) = outcome {
            if exc.fast_isinstance(vm.ctx.exceptions.system_exit) {
                break Err(exc);
            }
            vm.print_exception(exc);
        }
    };
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::opens_block;

    #[test]
    fn block_headers() {
        assert!(opens_block("def f(x):"));
        assert!(opens_block("@decorator"));
        assert!(opens_block("  for i in range(3):"));
        assert!(opens_block("match command:"));
        assert!(!opens_block("match = 3"));
        assert!(!opens_block("definition = 1"));
        assert!(!opens_block("x = [1,"));
    }
}
