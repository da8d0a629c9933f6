//! The guard tree over a toy object model: reads are shared and counted, the first failing
//! check is the one reported, and malformed descriptions are refused.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use smelt_tracer::DType;
use smelt_tracer::guards::{
    Access, Check, GuardModel, GuardTree, GuardValues, TensorMeta, TensorView,
};

#[derive(Debug, PartialEq)]
enum Obj {
    Int(i64),
    Dict(Vec<(Val, Val)>),
    Module(HashMap<String, Val>),
    Tensor(TensorMeta),
}
type Val = Rc<Obj>;

#[derive(Debug)]
struct Toy;

impl GuardValues for Toy {
    type Value = Val;
    type Name = String;
    type Class = &'static str;
}

struct Model {
    reads: Cell<usize>,
    grad: bool,
}

struct Frame {
    locals: HashMap<String, Val>,
}

fn class_of(v: &Obj) -> &'static str {
    match v {
        Obj::Int(_) => "int",
        Obj::Dict(_) => "dict",
        Obj::Module(_) => "module",
        Obj::Tensor(_) => "Tensor",
    }
}

impl GuardModel<Toy> for Model {
    type Frame = Frame;

    fn local(&self, frame: &Frame, name: &String) -> Option<Val> {
        self.reads.set(self.reads.get() + 1);
        frame.locals.get(name).cloned()
    }
    fn global(&self, _frame: &Frame, _name: &String) -> Option<Val> {
        None
    }
    fn attr(&self, base: &Val, name: &String) -> Option<Val> {
        self.reads.set(self.reads.get() + 1);
        match &**base {
            Obj::Module(attrs) => attrs.get(name).cloned(),
            _ => None,
        }
    }
    fn item(&self, base: &Val, key: &Val) -> Option<Val> {
        self.reads.set(self.reads.get() + 1);
        match &**base {
            Obj::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }
    fn has_class(&self, value: &Val, class: &&'static str) -> bool {
        class_of(value) == *class
    }
    fn is(&self, value: &Val, other: &Val) -> bool {
        Rc::ptr_eq(value, other)
    }
    fn equals(&self, value: &Val, other: &Val) -> bool {
        value == other
    }
    fn len(&self, value: &Val) -> Option<usize> {
        match &**value {
            Obj::Dict(entries) => Some(entries.len()),
            _ => None,
        }
    }
    fn keys(&self, value: &Val) -> Option<Vec<Val>> {
        match &**value {
            Obj::Dict(entries) => Some(entries.iter().map(|(k, _)| k.clone()).collect()),
            _ => None,
        }
    }
    fn read_tensor<R>(&self, value: &Val, read: impl FnOnce(TensorView<'_>) -> R) -> Option<R> {
        match &**value {
            Obj::Tensor(m) => Some(read(TensorView {
                dtype: m.dtype,
                meta: m.meta,
                shape: &m.shape,
                strides: &m.strides,
                requires_grad: m.requires_grad,
            })),
            _ => None,
        }
    }
    fn grad_enabled(&self) -> bool {
        self.grad
    }
    fn predicate(&self, f: &Val) -> bool {
        **f == Obj::Int(1)
    }
}

fn int(v: i64) -> Val {
    Rc::new(Obj::Int(v))
}

fn meta(shape: &[usize], strides: &[isize]) -> TensorMeta {
    TensorMeta {
        dtype: DType::Float32,
        meta: false,
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        requires_grad: false,
    }
}

/// `L['m']` is a module with a tensor `w` and a dict `d = {1: 10, 2: 20}`.
fn frame(w: TensorMeta, d: Vec<(Val, Val)>) -> Frame {
    let m = Obj::Module(HashMap::from([
        ("w".to_string(), Rc::new(Obj::Tensor(w))),
        ("d".to_string(), Rc::new(Obj::Dict(d))),
    ]));
    Frame {
        locals: HashMap::from([("m".to_string(), Rc::new(m))]),
    }
}

fn entries() -> Vec<(Val, Val)> {
    vec![(int(1), int(10)), (int(2), int(20))]
}

/// Guards: grad mode on; m.w a 2x3 contiguous f32 tensor; m.d keyed (1, 2); m.d[2] == 20.
fn tree(keys: &Frame) -> GuardTree<Toy> {
    let mut t = GuardTree::default();
    let m = t.push_node(Access::Local("m".into())).unwrap();
    let w = t.push_node(Access::Attr(m, "w".into())).unwrap();
    let d = t.push_node(Access::Attr(m, "d".into())).unwrap();
    let Obj::Module(attrs) = &*keys.locals["m"] else {
        unreachable!()
    };
    let Obj::Dict(dict) = &*attrs["d"] else {
        unreachable!()
    };
    let d2 = t.push_node(Access::Item(d, dict[1].0.clone())).unwrap();
    t.push_check(None, Check::GradMode(true)).unwrap();
    t.push_check(Some(w), Check::Tensor("Tensor", meta(&[2, 3], &[3, 1])))
        .unwrap();
    t.push_check(
        Some(d),
        Check::DictKeys("dict", dict.iter().map(|(k, _)| k.clone()).collect()),
    )
    .unwrap();
    t.push_check(Some(d2), Check::Equals("int", int(20)))
        .unwrap();
    t
}

fn model(grad: bool) -> Model {
    Model {
        reads: Cell::new(0),
        grad,
    }
}

#[test]
fn all_hold_and_shared_prefix_is_read_once() {
    let f = frame(meta(&[2, 3], &[3, 1]), entries());
    let t = tree(&f);
    let m = model(true);
    assert_eq!(t.first_failure(&m, &f), None);
    // L['m'] once, .w, .d, .d[2]: four reads for three checks on inputs.
    assert_eq!(m.reads.get(), 4);
}

#[test]
fn first_failing_check_is_reported() {
    let f = frame(meta(&[2, 3], &[3, 1]), entries());
    let t = tree(&f);
    assert_eq!(t.first_failure(&model(false), &f), Some(0));

    // Same shape, other strides (a transposed view) fails the tensor check.
    let f = frame(meta(&[2, 3], &[1, 2]), entries());
    assert_eq!(t.first_failure(&model(true), &f), Some(1));

    // The keys in another order fail; the checks before it hold.
    let f2 = frame(
        meta(&[2, 3], &[3, 1]),
        entries().into_iter().rev().collect(),
    );
    let t2 = tree(&f);
    assert_eq!(t2.first_failure(&model(true), &f2), Some(2));
}

#[test]
fn a_failed_read_fails_its_checks_only() {
    let f = frame(meta(&[2, 3], &[3, 1]), entries());
    let t = tree(&f);
    let empty = Frame {
        locals: HashMap::new(),
    };
    // Grad mode is checked without reading anything; the tensor check needs L['m'].
    let m = model(true);
    assert_eq!(t.first_failure(&m, &empty), Some(1));
    assert_eq!(m.reads.get(), 1);
}

#[test]
fn global_predicates_run() {
    let mut t: GuardTree<Toy> = GuardTree::default();
    t.push_check(None, Check::Call(int(1))).unwrap();
    let f = Frame {
        locals: HashMap::new(),
    };
    assert_eq!(t.first_failure(&model(true), &f), None);
    t.push_check(None, Check::Call(int(0))).unwrap();
    assert_eq!(t.first_failure(&model(true), &f), Some(1));
    assert_eq!(t.num_checks(), 2);
}

#[test]
fn malformed_descriptions_are_refused() {
    let mut t: GuardTree<Toy> = GuardTree::default();
    assert_eq!(
        t.push_node(Access::Attr(0, "x".into())).unwrap_err().0,
        "guard node 0 does not exist yet"
    );
    let root = t.push_node(Access::Local("x".into())).unwrap();
    assert!(t.push_check(Some(root + 1), Check::Type("int")).is_err());
    assert_eq!(
        t.push_check(None, Check::Type("int")).unwrap_err().0,
        "only global-state guards have no input"
    );
    assert_eq!(t.num_checks(), 0);
}
