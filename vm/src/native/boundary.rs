//! The native boundary. A Rust panic is a bug in smelt, never the user's; inside a binding of
//! `_smelt` it must not take the interpreter down, so every binding runs through [`guarded`],
//! which turns a panic into a Python `RuntimeError` naming the binding and the failure. The
//! Python traceback then shows which call of the user's program reached it.
//!
//! Bindings are wrapped where the module is built rather than one by one: [`guard_module`]
//! hands RustPython a copy of the generated module definition whose functions are wrapped, and
//! whose exec step replaces every method descriptor and getset of the module's classes with a
//! wrapped one. A binding added later is covered without anyone remembering to wrap it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use rustpython_vm::builtins::{PyGetSet, PyModule, PyModuleDef, PyType, PyTypeRef};
use rustpython_vm::function::{PyMethodDef, PySetterValue};
use rustpython_vm::{Py, PyObjectRef, PyPayload, PyResult, VirtualMachine};

/// Guarded calls in progress on any thread: kernels run on rayon's threads, whose panics are
/// re-raised in the calling thread, so "inside" is process-wide.
static INSIDE: AtomicUsize = AtomicUsize::new(0);
/// What the panic hook saw of the last panic inside a guarded call (message and place).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);
/// A test hook: the binding named here panics on its next call (`_smelt._panic_in`).
static ARMED: AtomicBool = AtomicBool::new(false);
static ARMED_NAME: Mutex<Option<String>> = Mutex::new(None);

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into())
}

/// Runs a binding's body; a panic in it becomes a `RuntimeError`.
pub fn guarded<T>(
    vm: &VirtualMachine,
    name: &str,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    INSIDE.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| {
        if ARMED.load(Ordering::Relaxed) {
            let mut armed = ARMED_NAME.lock().unwrap_or_else(|e| e.into_inner());
            if armed.as_deref() == Some(name) {
                *armed = None;
                ARMED.store(false, Ordering::Relaxed);
                drop(armed);
                panic!("forced panic in {name} (a test of the native boundary)");
            }
        }
        body()
    }));
    INSIDE.fetch_sub(1, Ordering::SeqCst);
    result.unwrap_or_else(|payload| {
        let seen = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
        let what = seen.unwrap_or_else(|| payload_text(&*payload));
        Err(vm.new_runtime_error(format!(
            "smelt internal error in {name}: {what}. This is a bug in smelt, not in your \
             program; please report it."
        )))
    })
}

/// Makes the binding called `name` (`_smelt._full`, `TensorBase._shape` ...) panic on its next
/// call, so tests can prove the boundary stands on every binding family.
pub fn arm_panic(name: &str) {
    *ARMED_NAME.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_string());
    ARMED.store(true, Ordering::Relaxed);
}

/// The process's panic hook: inside a guarded call the panic is remembered for the exception
/// and nothing is printed; anywhere else (a panic outside every binding) it is reported in one
/// paragraph instead of Rust's panic text and backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = payload_text(info.payload());
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        if INSIDE.load(Ordering::SeqCst) > 0 {
            *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(format!("{message}{place}"));
            return;
        }
        eprintln!(
            "smelt: internal error: {message}{place}\nThis is a bug in smelt, not in your program; please report it."
        );
    }));
}

/// A function's or method's definition with its body guarded; `label` names it in errors.
fn guard_method(def: &'static PyMethodDef, label: String) -> PyMethodDef {
    let inner = def.func;
    let label: &'static str = Box::leak(label.into_boxed_str());
    PyMethodDef {
        name: def.name,
        func: Box::leak(Box::new(move |vm: &VirtualMachine, args| {
            guarded(vm, label, || inner(vm, args))
        })),
        flags: def.flags,
        doc: def.doc,
    }
}

type ModuleExec = fn(&VirtualMachine, &Py<PyModule>) -> PyResult<()>;

static MODULE_EXEC: OnceLock<ModuleExec> = OnceLock::new();

/// `def` with every function guarded, and an exec step that guards its classes' methods.
pub fn guard_module(def: &'static PyModuleDef) -> &'static PyModuleDef {
    let methods: Vec<PyMethodDef> = def
        .methods
        .iter()
        .map(|m| guard_method(m, format!("_smelt.{}", m.name)))
        .collect();
    if let Some(exec) = def.slots.exec {
        let _ = MODULE_EXEC.set(exec);
    }
    Box::leak(Box::new(PyModuleDef {
        name: def.name,
        doc: def.doc,
        methods: Box::leak(methods.into_boxed_slice()),
        slots: rustpython_vm::builtins::PyModuleSlots {
            create: def.slots.create,
            exec: Some(exec_guarded),
        },
    }))
}

fn exec_guarded(vm: &VirtualMachine, module: &Py<PyModule>) -> PyResult<()> {
    if let Some(exec) = MODULE_EXEC.get() {
        exec(vm, module)?;
    }
    for (key, value) in module.dict() {
        // The module's own classes; dunder entries (`__loader__`) are the import system's.
        let own = key
            .downcast_ref::<rustpython_vm::builtins::PyStr>()
            .is_some_and(|k| !k.to_string_lossy().starts_with("__"));
        if let (true, Ok(class)) = (own, value.downcast::<PyType>()) {
            guard_class(vm, class);
        }
    }
    Ok(())
}

/// Replaces the methods and getsets of `class` with guarded ones. Run once per class: a class
/// already guarded (a second interpreter in one process) is recognised by its marker.
fn guard_class(vm: &VirtualMachine, class: PyTypeRef) {
    let marker = vm.ctx.intern_str("__smelt_guarded__");
    if class.get_direct_attr(marker).is_some() {
        return;
    }
    // The module's classes are static types, alive as long as the process; methods and
    // getsets name their class for that long.
    let class: &'static Py<PyType> = Box::leak(Box::new(class));
    let cname = class.name().to_string();
    let methods: Vec<PyMethodDef> = class
        .slots
        .methods
        .iter()
        .map(|m| guard_method(m, format!("{cname}.{}", m.name)))
        .collect();
    class.extend_methods(Box::leak(methods.into_boxed_slice()), &vm.ctx);
    let getsets: Vec<(&'static str, PyObjectRef)> = class
        .attributes
        .read()
        .iter()
        .filter(|(_, v)| v.downcast_ref::<PyGetSet>().is_some())
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    for (attr, original) in getsets {
        let label = format!("{cname}.{attr}");
        let guarded = guard_getset(vm, class, attr, label, original);
        class.set_attr(vm.ctx.intern_str(attr), guarded);
    }
    class.set_attr(marker, vm.ctx.true_value.clone().into());
}

/// A getset that calls the original one inside [`guarded`].
fn guard_getset(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    attr: &str,
    label: String,
    original: PyObjectRef,
) -> PyObjectRef {
    let label: &'static str = Box::leak(label.into_boxed_str());
    let getter = original.clone();
    let setter = original;
    PyGetSet::new(attr.to_string(), class)
        .with_get(move |obj: PyObjectRef, vm: &VirtualMachine| {
            guarded(vm, label, || {
                vm.call_get_descriptor(&getter, obj)
                    .unwrap_or_else(|| Err(vm.new_attribute_error("not a descriptor")))
            })
        })
        .with_set(
            move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| {
                guarded(vm, label, || match value {
                    PySetterValue::Assign(v) => {
                        vm.call_method(&setter, "__set__", (obj, v)).map(drop)
                    }
                    PySetterValue::Delete => {
                        vm.call_method(&setter, "__delete__", (obj,)).map(drop)
                    }
                })
            },
        )
        .into_ref(&vm.ctx)
        .into()
}
