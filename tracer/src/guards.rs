//! The guard checker's logic, behind every compiled-function call: the Python tracer
//! (`torch/_dynamo/guards.py`) describes what it assumed about a frame's inputs, and a
//! [`GuardTree`] checks those assumptions before a cached graph is reused.
//!
//! Inputs are reached through a tree of accessors (`L['self']` → `._modules` → `['fc1']` →
//! ...), so a prefix shared by several guards is read once per call. Each check names a tree
//! node (or none, for global state such as grad mode) and what must hold for its value.
//!
//! The tree knows nothing of Python objects: it is generic over the kinds of value it stores
//! ([`GuardValues`]), and how a value is read and compared comes from a [`GuardModel`] handed
//! in at each check — the VM's bindings (vm/src/native/guards.rs) supply the Python ones.

use std::fmt::Debug;

use std::sync::Arc;

use crate::DType;
use crate::symbolic::Rel;

/// The kinds of object a guard tree stores: the values it reaches and compares, attribute and
/// variable names, classes (compared by identity).
pub trait GuardValues {
    type Value: Clone + Debug;
    type Name: Debug;
    type Class: Debug;
}

/// How guards read and compare values of `V`. A read that fails (`None`: a missing local,
/// attribute or key) makes every check on that node fail.
pub trait GuardModel<V: GuardValues> {
    /// The frame a check runs against (its locals and globals).
    type Frame;

    fn local(&self, frame: &Self::Frame, name: &V::Name) -> Option<V::Value>;
    fn global(&self, frame: &Self::Frame, name: &V::Name) -> Option<V::Value>;
    fn attr(&self, base: &V::Value, name: &V::Name) -> Option<V::Value>;
    /// An attribute set on the object itself (its instance dict), without the class lookup
    /// or the exception a missing attribute costs: what the dimension-marking guards read.
    fn instance_attr(&self, base: &V::Value, name: &V::Name) -> Option<V::Value>;
    fn item(&self, base: &V::Value, key: &V::Value) -> Option<V::Value>;

    /// Whether `value`'s class is exactly `class` (no subclasses).
    fn has_class(&self, value: &V::Value, class: &V::Class) -> bool;
    /// Object identity.
    fn is(&self, value: &V::Value, other: &V::Value) -> bool;
    /// `value == other` is true; an error comparing counts as false.
    fn equals(&self, value: &V::Value, other: &V::Value) -> bool;
    fn len(&self, value: &V::Value) -> Option<usize>;
    /// The keys of a mapping in iteration order, or None when they can't be read.
    fn keys(&self, value: &V::Value) -> Option<Vec<V::Value>>;
    /// `read` applied to a tensor's metadata, or None when `value` is not a tensor. (A view
    /// handed to a closure, so that checking a tensor copies none of its shape.)
    fn read_tensor<R>(&self, value: &V::Value, read: impl FnOnce(TensorView<'_>) -> R)
    -> Option<R>;
    /// A Python `int`'s value (a symbolic integer input), or None for anything else.
    fn int_value(&self, value: &V::Value) -> Option<i128>;
    /// The bit patterns of a float (one) or complex (real, imaginary), or None for anything
    /// else: float constants are compared bit for bit, so -0.0 is not 0.0 and a NaN matches
    /// only the same NaN.
    fn float_bits(&self, value: &V::Value) -> Option<Vec<u64>>;
    fn grad_enabled(&self) -> bool;
    /// Runs a predicate the tracer keeps in Python (global state such as the default dtype);
    /// an error counts as false.
    fn predicate(&self, f: &V::Value) -> bool;
}

/// How a tree node's value is reached.
#[derive(Debug)]
pub enum Access<V: GuardValues> {
    /// A local of the frame, by name.
    Local(V::Name),
    /// A global of the frame, by name.
    Global(V::Name),
    /// A fixed object (the globals dict of another module).
    Const(V::Value),
    /// An attribute of node `.0`.
    Attr(usize, V::Name),
    /// An item of node `.0`.
    Item(usize, V::Value),
}

/// What a tensor guard compares: everything a compiled graph was specialised on. A size or
/// stride of `None` is symbolic: any value passes here, and the shape guards
/// ([`Check::Shape`]) say what must hold between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorMeta {
    pub dtype: DType,
    /// A fake tensor's storage (size only) rather than real memory.
    pub meta: bool,
    pub shape: Vec<Option<usize>>,
    pub strides: Vec<Option<isize>>,
    pub requires_grad: bool,
}

/// Where a shape guard's symbol takes its value: a size or stride of the tensor at a tree
/// node, or the node's value itself (a Python int).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymRead {
    Size(usize),
    Stride(usize),
    Int,
}

/// Shape guards: the symbols bound to inputs, and relations between them that must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeGuards {
    /// `(node, read, symbol)`.
    pub bindings: Vec<(usize, SymRead, Arc<str>)>,
    pub relations: Vec<Rel>,
}

/// A tensor's metadata as the model reads it.
#[derive(Clone, Copy, Debug)]
pub struct TensorView<'a> {
    pub dtype: DType,
    pub meta: bool,
    pub shape: &'a [usize],
    pub strides: &'a [isize],
    pub requires_grad: bool,
}

impl TensorMeta {
    pub fn matches(&self, t: TensorView<'_>) -> bool {
        self.dtype == t.dtype
            && self.meta == t.meta
            && self.requires_grad == t.requires_grad
            && fits(&self.shape, t.shape)
            && fits(&self.strides, t.strides)
    }
}

fn fits<T: PartialEq + Copy>(want: &[Option<T>], got: &[T]) -> bool {
    want.len() == got.len() && want.iter().zip(got).all(|(w, g)| w.is_none_or(|w| w == *g))
}

/// What must hold for a node's value (or, for the global-state checks, for the process).
#[derive(Debug)]
pub enum Check<V: GuardValues> {
    /// A tensor of exactly this class with exactly this metadata.
    Tensor(V::Class, TensorMeta),
    Type(V::Class),
    Id(V::Value),
    /// Of this class and equal to the value.
    Equals(V::Class, V::Value),
    /// Of this class with this length.
    Length(V::Class, usize),
    /// A mapping of this class whose keys are these, in this order.
    DictKeys(V::Class, Vec<V::Value>),
    GradMode(bool),
    /// A predicate over global state smelt keeps in Python.
    Call(V::Value),
    /// Relations between symbolic sizes read from several inputs.
    Shape(ShapeGuards),
    /// Instance attribute `.0` is absent, or (with `.1`) holds only items among `.1`: the dims
    /// a user marked dynamic or static on a tensor (`_dynamo_dynamic_indices`, set on the
    /// tensor object itself).
    AttrSubset(V::Name, Option<Vec<V::Value>>),
    /// The values at these nodes are pairwise distinct objects (tensors a graph took as
    /// separate inputs); a node that can't be read fails it.
    NoAliasing(Vec<usize>),
    /// The values at these nodes are one object (a tensor the graph took once though the
    /// frame reached it by several paths).
    SameObject(Vec<usize>),
    /// Of this class with these float bit patterns (see [`GuardModel::float_bits`]).
    FloatBits(V::Class, Vec<u64>),
}

impl<V: GuardValues> Check<V> {
    /// Global-state checks read no input, so they name no tree node.
    pub fn is_global(&self) -> bool {
        matches!(
            self,
            Check::GradMode(_)
                | Check::Call(_)
                | Check::Shape(_)
                | Check::NoAliasing(_)
                | Check::SameObject(_)
        )
    }

    fn holds<M: GuardModel<V>>(&self, model: &M, value: Option<&V::Value>) -> bool {
        let value = match self {
            Check::GradMode(want) => return model.grad_enabled() == *want,
            Check::Call(f) => return model.predicate(f),
            _ => match value {
                Some(v) => v,
                None => return false,
            },
        };
        match self {
            Check::Tensor(class, want) => {
                model.has_class(value, class)
                    && model.read_tensor(value, |t| want.matches(t)) == Some(true)
            }
            Check::Type(class) => model.has_class(value, class),
            Check::Id(obj) => model.is(value, obj),
            Check::Equals(class, obj) => {
                model.has_class(value, class) && (model.is(value, obj) || model.equals(value, obj))
            }
            Check::Length(class, n) => {
                model.has_class(value, class) && model.len(value) == Some(*n)
            }
            Check::DictKeys(class, want) => {
                // The length first: a mapping of another size is refused without reading keys.
                model.has_class(value, class)
                    && model.len(value) == Some(want.len())
                    && model.keys(value).is_some_and(|got| {
                        got.len() == want.len()
                            && got
                                .iter()
                                .zip(want)
                                .all(|(g, w)| model.is(g, w) || model.equals(g, w))
                    })
            }
            Check::FloatBits(class, bits) => {
                model.has_class(value, class) && model.float_bits(value).as_ref() == Some(bits)
            }
            Check::AttrSubset(name, allowed) => match (model.instance_attr(value, name), allowed) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(items), Some(allowed)) => model.keys(&items).is_some_and(|got| {
                    got.iter()
                        .all(|g| allowed.iter().any(|a| model.is(g, a) || model.equals(g, a)))
                }),
            },
            Check::GradMode(_)
            | Check::Call(_)
            | Check::Shape(_)
            | Check::NoAliasing(_)
            | Check::SameObject(_) => unreachable!("global checks are checked before"),
        }
    }
}

/// A description that does not form a tree: a node or check naming a node not built yet, or a
/// check on an input without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardError(pub String);

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuardError {}

/// The accessor tree and the checks over it, in the order the tracer recorded them (the first
/// failing one is the recompile reason).
#[derive(Debug)]
pub struct GuardTree<V: GuardValues> {
    nodes: Vec<Access<V>>,
    checks: Vec<(Option<usize>, Check<V>)>,
}

impl<V: GuardValues> Default for GuardTree<V> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            checks: Vec::new(),
        }
    }
}

impl<V: GuardValues> GuardTree<V> {
    /// `Ok(i)` when node `i` exists already: parents are built before their children.
    pub fn node_index(&self, i: usize) -> Result<usize, GuardError> {
        if i < self.nodes.len() {
            Ok(i)
        } else {
            Err(GuardError(format!("guard node {i} does not exist yet")))
        }
    }

    /// Adds a node and returns its index.
    pub fn push_node(&mut self, access: Access<V>) -> Result<usize, GuardError> {
        if let Access::Attr(parent, _) | Access::Item(parent, _) = &access {
            self.node_index(*parent)?;
        }
        self.nodes.push(access);
        Ok(self.nodes.len() - 1)
    }

    pub fn push_check(&mut self, node: Option<usize>, check: Check<V>) -> Result<(), GuardError> {
        match node {
            Some(i) => {
                self.node_index(i)?;
            }
            None if !check.is_global() => {
                return Err(GuardError("only global-state guards have no input".into()));
            }
            None => {}
        }
        if let Check::NoAliasing(nodes) | Check::SameObject(nodes) = &check {
            for &i in nodes {
                self.node_index(i)?;
            }
        }
        self.checks.push((node, check));
        Ok(())
    }

    pub fn num_checks(&self) -> usize {
        self.checks.len()
    }

    /// The index of the first check that fails for `frame`, or None when all hold. Each node
    /// is read at most once, the first time a check needs it.
    pub fn first_failure<M: GuardModel<V>>(&self, model: &M, frame: &M::Frame) -> Option<usize> {
        let mut memo = vec![None; self.nodes.len()];
        self.checks.iter().position(|(node, check)| {
            match check {
                Check::Shape(guards) => {
                    return !self.shape_guards_hold(model, frame, guards, &mut memo);
                }
                Check::NoAliasing(nodes) => {
                    let mut seen: Vec<V::Value> = Vec::with_capacity(nodes.len());
                    for &n in nodes {
                        match self.value(model, frame, n, &mut memo) {
                            Some(v) if !seen.iter().any(|s| model.is(s, &v)) => seen.push(v),
                            _ => return true,
                        }
                    }
                    return false;
                }
                Check::SameObject(nodes) => {
                    let mut first: Option<V::Value> = None;
                    for &n in nodes {
                        match (self.value(model, frame, n, &mut memo), &first) {
                            (Some(v), None) => first = Some(v),
                            (Some(v), Some(f)) if model.is(f, &v) => {}
                            _ => return true,
                        }
                    }
                    return false;
                }
                _ => {}
            }
            let value = node.and_then(|n| self.value(model, frame, n, &mut memo));
            !check.holds(model, value.as_ref())
        })
    }

    /// Binds each symbol to the input it is read from, then checks every relation. A read
    /// that fails (not a tensor, a dim out of range) fails the guard.
    fn shape_guards_hold<M: GuardModel<V>>(
        &self,
        model: &M,
        frame: &M::Frame,
        guards: &ShapeGuards,
        memo: &mut Vec<Option<Option<V::Value>>>,
    ) -> bool {
        let mut values: Vec<(&str, i128)> = Vec::with_capacity(guards.bindings.len());
        for (node, read, name) in &guards.bindings {
            let Some(value) = self.value(model, frame, *node, memo) else {
                return false;
            };
            let got = match read {
                SymRead::Int => model.int_value(&value),
                SymRead::Size(d) => model
                    .read_tensor(&value, |t| t.shape.get(*d).map(|&n| n as i128))
                    .flatten(),
                SymRead::Stride(d) => model
                    .read_tensor(&value, |t| t.strides.get(*d).map(|&n| n as i128))
                    .flatten(),
            };
            match got {
                Some(v) => values.push((name, v)),
                None => return false,
            }
        }
        let lookup = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        guards
            .relations
            .iter()
            .all(|rel| rel.holds(&lookup) == Some(true))
    }

    /// The value at node `i`, reading (and remembering) its parents first. `memo[i]` is
    /// `Some(None)` once a read of node `i` has failed, so it is not retried.
    fn value<M: GuardModel<V>>(
        &self,
        model: &M,
        frame: &M::Frame,
        i: usize,
        memo: &mut Vec<Option<Option<V::Value>>>,
    ) -> Option<V::Value> {
        if let Some(known) = &memo[i] {
            return known.clone();
        }
        let v = match &self.nodes[i] {
            Access::Local(name) => model.local(frame, name),
            Access::Global(name) => model.global(frame, name),
            Access::Const(obj) => Some(obj.clone()),
            Access::Attr(parent, name) => self
                .value(model, frame, *parent, memo)
                .and_then(|base| model.attr(&base, name)),
            Access::Item(parent, key) => self
                .value(model, frame, *parent, memo)
                .and_then(|base| model.item(&base, key)),
        };
        memo[i] = Some(v.clone());
        v
    }
}
