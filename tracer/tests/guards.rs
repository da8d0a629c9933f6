//! The guard tree over a toy object model: reads are shared and counted, the first failing
//! check is the one reported, and malformed descriptions are refused.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use smelt_tracer::DType;
use smelt_tracer::guards::{
    Access, Check, GuardModel, GuardTree, GuardValues, ShapeGuards, SymRead, TensorMeta, TensorView,
};
use smelt_tracer::symbolic::{Expr, Rel, RelOp};

#[derive(Debug, PartialEq)]
enum Obj {
    Int(i64),
    Dict(Vec<(Val, Val)>),
    Module(HashMap<String, Val>),
    /// A float32 tensor: sizes and strides.
    Tensor(Vec<usize>, Vec<isize>),
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
        Obj::Tensor(..) => "Tensor",
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
    fn instance_attr(&self, base: &Val, name: &String) -> Option<Val> {
        self.attr(base, name)
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
            Obj::Tensor(shape, strides) => Some(read(TensorView {
                dtype: DType::Float32,
                meta: false,
                shape,
                strides,
                requires_grad: false,
            })),
            _ => None,
        }
    }
    fn int_value(&self, value: &Val) -> Option<i128> {
        match &**value {
            Obj::Int(n) => Some(i128::from(*n)),
            _ => None,
        }
    }
    fn float_bits(&self, _value: &Val) -> Option<Vec<u64>> {
        None
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

/// A float32 tensor of these sizes and strides, as an input.
fn tensor(shape: &[usize], strides: &[isize]) -> (Vec<usize>, Vec<isize>) {
    (shape.to_vec(), strides.to_vec())
}

/// A guard on a float32 tensor with these sizes and strides (`None`: symbolic).
fn spec(shape: &[Option<usize>], strides: &[Option<isize>]) -> TensorMeta {
    TensorMeta {
        dtype: DType::Float32,
        meta: false,
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        requires_grad: false,
    }
}

fn meta(shape: &[usize], strides: &[isize]) -> TensorMeta {
    spec(
        &shape.iter().map(|&n| Some(n)).collect::<Vec<_>>(),
        &strides.iter().map(|&n| Some(n)).collect::<Vec<_>>(),
    )
}

/// `L['m']` is a module with a tensor `w` and a dict `d = {1: 10, 2: 20}`.
fn frame(w: (Vec<usize>, Vec<isize>), d: Vec<(Val, Val)>) -> Frame {
    let m = Obj::Module(HashMap::from([
        ("w".to_string(), Rc::new(Obj::Tensor(w.0, w.1))),
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
    let f = frame(tensor(&[2, 3], &[3, 1]), entries());
    let t = tree(&f);
    let m = model(true);
    assert_eq!(t.first_failure(&m, &f), None);
    // L['m'] once, .w, .d, .d[2]: four reads for three checks on inputs.
    assert_eq!(m.reads.get(), 4);
}

#[test]
fn first_failing_check_is_reported() {
    let f = frame(tensor(&[2, 3], &[3, 1]), entries());
    let t = tree(&f);
    assert_eq!(t.first_failure(&model(false), &f), Some(0));

    // Same shape, other strides (a transposed view) fails the tensor check.
    let f = frame(tensor(&[2, 3], &[1, 2]), entries());
    assert_eq!(t.first_failure(&model(true), &f), Some(1));

    // The keys in another order fail; the checks before it hold.
    let f2 = frame(
        tensor(&[2, 3], &[3, 1]),
        entries().into_iter().rev().collect(),
    );
    let t2 = tree(&f);
    assert_eq!(t2.first_failure(&model(true), &f2), Some(2));
}

#[test]
fn a_failed_read_fails_its_checks_only() {
    let f = frame(tensor(&[2, 3], &[3, 1]), entries());
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

/// Locals `x` (a tensor) and `n` (an int).
fn sym_frame(x: (Vec<usize>, Vec<isize>), n: i64) -> Frame {
    Frame {
        locals: HashMap::from([
            ("x".to_string(), Rc::new(Obj::Tensor(x.0, x.1))),
            ("n".to_string(), int(n)),
        ]),
    }
}

#[test]
fn symbolic_sizes_and_shape_guards() {
    // x: [s0, 3] contiguous (stride [3, 1]); n: s1; guards 2 <= s0, s0 // 2 < s1.
    let mut t: GuardTree<Toy> = GuardTree::default();
    let x = t.push_node(Access::Local("x".into())).unwrap();
    let n = t.push_node(Access::Local("n".into())).unwrap();
    t.push_check(
        Some(x),
        Check::Tensor("Tensor", spec(&[None, Some(3)], &[Some(3), Some(1)])),
    )
    .unwrap();
    let (s0, s1) = (Expr::symbol("s0"), Expr::symbol("s1"));
    let half = s0.floordiv(&Expr::int(2)).unwrap().unwrap();
    t.push_check(
        None,
        Check::Shape(ShapeGuards {
            bindings: vec![
                (x, SymRead::Size(0), "s0".into()),
                (n, SymRead::Int, "s1".into()),
            ],
            relations: vec![
                Rel {
                    op: RelOp::Le,
                    lhs: Expr::int(2),
                    rhs: s0,
                },
                Rel {
                    op: RelOp::Lt,
                    lhs: half,
                    rhs: s1,
                },
            ],
        }),
    )
    .unwrap();
    let m = model(true);
    assert_eq!(
        t.first_failure(&m, &sym_frame(tensor(&[6, 3], &[3, 1]), 4)),
        None
    );
    assert_eq!(
        t.first_failure(&m, &sym_frame(tensor(&[9, 3], &[3, 1]), 5)),
        None
    );
    // Another fixed size fails the tensor check; the relations fail the shape check.
    assert_eq!(
        t.first_failure(&m, &sym_frame(tensor(&[6, 4], &[4, 1]), 4)),
        Some(0)
    );
    assert_eq!(
        t.first_failure(&m, &sym_frame(tensor(&[1, 3], &[3, 1]), 4)),
        Some(1)
    );
    assert_eq!(
        t.first_failure(&m, &sym_frame(tensor(&[8, 3], &[3, 1]), 4)),
        Some(1)
    );
    // A binding that cannot be read (n not an int) fails too.
    let mut f = sym_frame(tensor(&[6, 3], &[3, 1]), 4);
    f.locals
        .insert("n".into(), Rc::new(Obj::Tensor(vec![], vec![])));
    assert_eq!(t.first_failure(&m, &f), Some(1));
}
