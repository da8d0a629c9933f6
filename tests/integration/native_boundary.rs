//! A Rust panic inside any binding of the native module surfaces as a Python RuntimeError
//! naming the binding, never as Rust's panic text or an abort (vm/src/native/boundary.rs).
//! `_smelt._panic_in(NAME)` makes binding NAME panic on its next call.

use crate::common::python;

#[test]
fn a_panic_in_each_binding_family_is_a_runtime_error() {
    let run = python(
        r#"
import _smelt
import torch

t = torch.ones(2, 3)
compiled = torch.compile(lambda x: (x * 2).sin())
compiled(t)  # the JIT program exists from here on
calls = [
    ("_smelt._full", lambda: torch.ones(2)),                      # module function
    ("TensorBase.clone", lambda: t.clone()),                      # method
    ("TensorBase._shape", lambda: t.shape),                       # getter
    ("TensorBase.requires_grad", lambda: setattr(t, "requires_grad", False)),  # setter
    ("dtype.is_floating_point", lambda: torch.float32.is_floating_point),
    ("dtype.__repr__", lambda: repr(torch.float32)),              # slot
    ("GuardManager.check", lambda: _smelt._make_guard_manager([], []).check({}, {})),
    ("JitProgram.run", lambda: compiled(t)),
]
for name, call in calls:
    _smelt._panic_in(name)
    try:
        call()
        print(name, "no exception")
    except RuntimeError as e:
        print(name, str(e).startswith(f"smelt internal error in {name}: forced panic in {name}"))
print("still running:", torch.ones(2).sum().item(), torch.equal(compiled(t), (t * 2).sin()))
"#,
    );
    assert_eq!(
        run.stdout,
        "_smelt._full True\nTensorBase.clone True\nTensorBase._shape True\n\
         TensorBase.requires_grad True\ndtype.is_floating_point True\ndtype.__repr__ True\n\
         GuardManager.check True\nJitProgram.run True\nstill running: 2.0 True\n",
        "{}",
        run.stderr
    );
}

#[test]
fn every_binding_is_behind_the_boundary() {
    // Armed, a wrapped binding panics before it reads its arguments, so calling each with
    // none proves the wrapper is there; an unwrapped one would raise TypeError instead.
    let run = python(
        r#"
import _smelt

unguarded = []
def probe(name, call):
    _smelt._panic_in(name)
    try:
        call()
    except RuntimeError as e:
        if f"forced panic in {name}" in str(e):
            return
    except Exception:
        pass
    unguarded.append(name)

probed = 0
for attr in dir(_smelt):
    value = getattr(_smelt, attr)
    if attr.startswith("__"):
        continue
    if type(value).__name__ == "builtin_function_or_method" and attr != "_panic_in":
        probe(f"_smelt.{attr}", value)
        probed += 1
    elif isinstance(value, type):
        for name, member in vars(value).items():
            if type(member).__name__ == "method_descriptor":
                probe(f"{value.__name__}.{name}", member)
                probed += 1
_smelt._panic_in("")
print(probed > 60, unguarded)
"#,
    );
    assert_eq!(run.stdout, "True []\n", "{}", run.stderr);
}

#[test]
fn an_uncaught_internal_error_exits_1_with_a_python_traceback() {
    let run = crate::common::smelt_in(
        None,
        &[
            "-c",
            "import _smelt, torch\ndef f():\n    return torch.ones(2)\n_smelt._panic_in('_smelt._full')\nf()\n",
        ],
        None,
    );
    run.expect_status(1);
    assert!(
        run.stderr
            .starts_with("Traceback (most recent call last):\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 3, in f"), "{}", run.stderr);
    // The message names the binding, the panic's text and where in smelt it happened.
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "RuntimeError: smelt internal error in _smelt._full: forced panic in _smelt._full (a \
             test of the native boundary) (vm/src/native/boundary.rs:"
        ) && last.ends_with("). This is a bug in smelt, not in your program; please report it."),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
}
