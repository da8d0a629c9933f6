//! Turning the bytes of a source file into text the way CPython's tokenizer does (PEP 263):
//! a UTF-8 BOM is dropped, a `coding:` cookie on line 1 or 2 names the encoding, and
//! anything else must be UTF-8.

use rustpython_vm::{AsObject, PyResult, VirtualMachine, builtins::PyStr};

/// The encoding named by a PEP 263 cookie in the first two lines, if any.
pub fn coding_cookie(bytes: &[u8]) -> Option<String> {
    for (index, line) in bytes.split(|&b| b == b'\n').take(2).enumerate() {
        let text = String::from_utf8_lossy(line);
        let trimmed = text.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            // A cookie on line 2 only counts when line 1 is a comment or blank.
            if index == 0 && !trimmed.trim().is_empty() {
                return None;
            }
            continue;
        }
        if let Some(found) = find_cookie(trimmed) {
            return Some(found);
        }
    }
    None
}

fn find_cookie(comment: &str) -> Option<String> {
    let at = comment.find("coding")?;
    let rest = &comment[at + "coding".len()..];
    let rest = rest.strip_prefix([':', '='])?;
    let name: String = rest
        .trim_start_matches([' ', '\t'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!name.is_empty()).then_some(name)
}

fn is_utf8_name(name: &str) -> bool {
    let normal = name.to_ascii_lowercase().replace('_', "-");
    normal == "utf-8" || normal.starts_with("utf-8-")
}

/// Decodes a script's bytes, raising SyntaxError as CPython does for undecodable source.
pub fn decode(vm: &VirtualMachine, bytes: &[u8], filename: &str) -> PyResult<String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match coding_cookie(bytes) {
        Some(name) if !is_utf8_name(&name) => {
            let codecs = vm.import("codecs", 0)?;
            let decoded =
                vm.call_method(&codecs, "decode", (vm.ctx.new_bytes(bytes.to_vec()), name))?;
            let text = decoded
                .downcast::<PyStr>()
                .map_err(|_| vm.new_type_error("source decoder did not return str"))?;
            Ok(text.to_string_lossy().into_owned())
        }
        cookie => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(err) => {
                let bad = bytes[err.valid_up_to()];
                let line = bytes[..err.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                let msg = if cookie.is_some() {
                    format!(
                        "(unicode error) 'utf-8' codec can't decode byte 0x{bad:02x} in position {}: invalid start byte",
                        err.valid_up_to()
                    )
                } else {
                    format!(
                        "Non-UTF-8 code starting with '\\x{bad:02x}' in file {filename} on line {line}, \
                         but no encoding declared; see https://peps.python.org/pep-0263/ for details"
                    )
                };
                Err(syntax_error(vm, &msg, filename, line))
            }
        },
    }
}

/// A SyntaxError carrying a file and line, so the traceback printer shows where it is.
pub fn syntax_error(
    vm: &VirtualMachine,
    msg: &str,
    filename: &str,
    line: usize,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    let exc = vm.new_exception_msg(
        vm.ctx.exceptions.syntax_error.to_owned(),
        msg.to_owned().into(),
    );
    let obj = exc.as_object();
    // Setting attributes on a fresh SyntaxError cannot fail; a failure would only lose the location.
    let _ = obj.set_attr("filename", vm.ctx.new_str(filename), vm);
    let _ = obj.set_attr("lineno", vm.ctx.new_int(line), vm);
    exc
}

#[cfg(test)]
mod tests {
    use super::coding_cookie;

    #[test]
    fn cookie_on_first_or_second_line() {
        assert_eq!(
            coding_cookie(b"# -*- coding: latin-1 -*-\nx = 1\n").as_deref(),
            Some("latin-1")
        );
        assert_eq!(
            coding_cookie(b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n").as_deref(),
            Some("cp1252")
        );
        assert_eq!(coding_cookie(b"x = 1\n# coding: latin-1\n"), None);
        assert_eq!(coding_cookie(b"x = 1\n"), None);
        assert_eq!(coding_cookie(b"\n\n# coding: latin-1\n"), None);
    }
}
