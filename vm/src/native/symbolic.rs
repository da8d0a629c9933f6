//! Python bindings of the symbolic size engine (`smelt_tracer::symbolic`): `torch._C.SymExpr`,
//! an immutable canonical integer expression, and `torch._C.SymbolAllocator`, the ShapeEnv's
//! naming of symbols. `torch/fx/experimental/symbolic_shapes.py` builds the ShapeEnv,
//! `SymInt` and the guards on these.

use std::sync::Mutex;

use rustpython_vm::builtins::{PyDictRef, PyListRef, PyStrRef};
use rustpython_vm::types::Representable;
use rustpython_vm::{Py, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
use smelt_tracer::symbolic::{Expr, ShapeEnv, SymError, SymResult};

#[pyclass(name = "SymExpr", module = "torch._C")]
#[derive(Debug, PyPayload)]
pub struct PySymExpr {
    pub expr: Expr,
}

fn wrap(vm: &VirtualMachine, r: SymResult) -> PyResult<PyRef<PySymExpr>> {
    match r {
        Ok(expr) => Ok(PySymExpr { expr }.into_ref(&vm.ctx)),
        Err(SymError::Overflow) => {
            Err(vm.new_overflow_error("symbolic size arithmetic overflowed"))
        }
    }
}

/// An operand: a SymExpr or a Python int.
fn operand(vm: &VirtualMachine, o: &PyObjectRef) -> PyResult<Expr> {
    if let Some(e) = o.downcast_ref::<PySymExpr>() {
        return Ok(e.expr.clone());
    }
    let n: i64 = o.try_to_value(vm)?;
    Ok(Expr::int(i128::from(n)))
}

/// A symbol-keyed mapping read as `name -> T`.
fn by_name<T>(
    vm: &VirtualMachine,
    d: &PyDictRef,
    mut conv: impl FnMut(PyObjectRef) -> PyResult<T>,
) -> PyResult<Vec<(String, T)>> {
    let mut out = Vec::new();
    for (k, v) in d {
        let k: PyStrRef = k.try_into_value(vm)?;
        out.push((k.to_string_lossy().into_owned(), conv(v)?));
    }
    Ok(out)
}

#[pyclass(with(Representable))]
impl PySymExpr {
    #[pymethod]
    fn add(&self, o: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        wrap(vm, self.expr.add(&operand(vm, &o)?))
    }

    #[pymethod]
    fn sub(&self, o: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        wrap(vm, self.expr.sub(&operand(vm, &o)?))
    }

    #[pymethod]
    fn mul(&self, o: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        wrap(vm, self.expr.mul(&operand(vm, &o)?))
    }

    #[pymethod]
    fn neg(&self, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        wrap(vm, self.expr.neg())
    }

    #[pymethod]
    fn pow(&self, exp: u32, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        wrap(vm, self.expr.pow(exp))
    }

    /// `self // o`; ZeroDivisionError for a zero divisor, as Python's.
    #[pymethod]
    fn floordiv(&self, o: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        match self.expr.floordiv(&operand(vm, &o)?) {
            Some(r) => wrap(vm, r),
            None => Err(vm.new_zero_division_error("integer division or modulo by zero")),
        }
    }

    /// The value when the expression is a constant, else None.
    #[pymethod]
    fn as_int(&self) -> Option<i64> {
        self.expr.as_int().and_then(|n| i64::try_from(n).ok())
    }

    /// The symbols mentioned, sorted by name.
    #[pymethod]
    fn free_symbols(&self, vm: &VirtualMachine) -> PyListRef {
        vm.ctx.new_list(
            self.expr
                .free_symbols()
                .iter()
                .map(|s| vm.ctx.new_str(&**s).into())
                .collect(),
        )
    }

    /// The value for `values` (symbol name -> int); None when a symbol has no value or a
    /// division is by zero.
    #[pymethod]
    fn eval(&self, values: PyDictRef, vm: &VirtualMachine) -> PyResult<Option<i64>> {
        let values = by_name(vm, &values, |v| v.try_to_value::<i64>(vm))?;
        let lookup = |name: &str| {
            values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| i128::from(*v))
        };
        Ok(self.expr.eval(&lookup).and_then(|n| i64::try_from(n).ok()))
    }

    /// The expression with symbols replaced (symbol name -> SymExpr or int).
    #[pymethod]
    fn subs(&self, with_: PyDictRef, vm: &VirtualMachine) -> PyResult<PyRef<PySymExpr>> {
        let with_ = by_name(vm, &with_, |v| operand(vm, &v))?;
        let lookup = |name: &str| {
            with_
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, e)| e.clone())
        };
        wrap(vm, self.expr.subs(&lookup))
    }

    /// sympy's `str()` with symbols printed as `names` says (symbol name -> text); symbols it
    /// does not name print as themselves.
    #[pymethod]
    fn print_with(&self, names: PyDictRef, vm: &VirtualMachine) -> PyResult<String> {
        let names = by_name(vm, &names, |v| {
            v.try_into_value::<PyStrRef>(vm)
                .map(|s| s.to_string_lossy().into_owned())
        })?;
        let lookup = |name: &str| {
            names
                .iter()
                .find(|(n, _)| n == name)
                .map_or_else(|| name.to_string(), |(_, s)| s.clone())
        };
        Ok(smelt_tracer::symbolic::print_with(&self.expr, &lookup))
    }

    /// An interval holding every value when each symbol lies in `ranges` (symbol name ->
    /// `(lo, hi)`, None for unbounded; a symbol not named is unbounded): `(lo, hi)`.
    #[pymethod]
    fn bounds(
        &self,
        ranges: PyDictRef,
        vm: &VirtualMachine,
    ) -> PyResult<(Option<i64>, Option<i64>)> {
        let end = |o: &PyObjectRef| -> PyResult<Option<i64>> {
            if vm.is_none(o) {
                Ok(None)
            } else {
                o.try_to_value::<i64>(vm).map(Some)
            }
        };
        let ranges = by_name(vm, &ranges, |v| {
            let t: rustpython_vm::builtins::PyTupleRef = v.try_into_value(vm)?;
            if t.len() != 2 {
                return Err(vm.new_value_error("a range is (lo, hi)"));
            }
            Ok((end(&t[0])?, end(&t[1])?))
        })?;
        let lookup = |name: &str| {
            ranges
                .iter()
                .find(|(n, _)| n == name)
                .map_or((None, None), |(_, (lo, hi))| {
                    (lo.map(i128::from), hi.map(i128::from))
                })
        };
        let (lo, hi) = self.expr.bounds(&lookup);
        let narrow = |v: Option<i128>| v.and_then(|v| i64::try_from(v).ok());
        Ok((narrow(lo), narrow(hi)))
    }

    /// `(c, symbol, k)` when the expression is `c*symbol + k`, else None.
    #[pymethod]
    fn as_linear(&self) -> Option<(i64, String, i64)> {
        let (c, s, k) = self.expr.as_linear()?;
        Some((
            i64::try_from(c).ok()?,
            s.to_string(),
            i64::try_from(k).ok()?,
        ))
    }

    /// The expression's top-level structure, for rebuilding it as graph nodes: `("int", n)`,
    /// `("symbol", name)`, `("add", terms)`, `("mul", factors)` (terms and factors in sympy's
    /// argument order, a coefficient first), `("pow", base, exp)`, `("floordiv", base,
    /// divisor)`.
    #[pymethod]
    fn parts(&self, vm: &VirtualMachine) -> PyObjectRef {
        let sub =
            |e: &Expr| -> PyObjectRef { PySymExpr { expr: e.clone() }.into_ref(&vm.ctx).into() };
        let items: Vec<PyObjectRef> = match &self.expr {
            Expr::Int(n) => vec![vm.ctx.new_str("int").into(), vm.ctx.new_int(*n).into()],
            Expr::Symbol(name) => vec![
                vm.ctx.new_str("symbol").into(),
                vm.ctx.new_str(&**name).into(),
            ],
            Expr::Add(args) | Expr::Mul(args) => {
                let kind = if matches!(self.expr, Expr::Add(_)) {
                    "add"
                } else {
                    "mul"
                };
                vec![
                    vm.ctx.new_str(kind).into(),
                    vm.ctx.new_list(args.iter().map(sub).collect()).into(),
                ]
            }
            Expr::Pow(base, exp) => vec![
                vm.ctx.new_str("pow").into(),
                sub(base),
                vm.ctx.new_int(*exp).into(),
            ],
            Expr::FloorDiv(b, d) => vec![vm.ctx.new_str("floordiv").into(), sub(b), sub(d)],
        };
        vm.ctx.new_tuple(items).into()
    }

    #[pymethod]
    fn __str__(&self) -> String {
        self.expr.to_string()
    }
}

impl Representable for PySymExpr {
    fn repr_str(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        Ok(zelf.expr.to_string())
    }
}

/// A constant or a symbol as a SymExpr.
pub fn new_int(n: i64, vm: &VirtualMachine) -> PyRef<PySymExpr> {
    PySymExpr {
        expr: Expr::int(i128::from(n)),
    }
    .into_ref(&vm.ctx)
}

pub fn new_symbol(name: &str, vm: &VirtualMachine) -> PyRef<PySymExpr> {
    PySymExpr {
        expr: Expr::symbol(name),
    }
    .into_ref(&vm.ctx)
}

/// The ShapeEnv's symbol allocation: PyTorch's names, duck sizing, 0/1 specialisation.
#[pyclass(name = "SymbolAllocator", module = "torch._C")]
#[derive(Debug, PyPayload)]
pub struct PySymbolAllocator {
    env: Mutex<ShapeEnv>,
}

impl PySymbolAllocator {
    pub fn new() -> Self {
        Self {
            env: Mutex::new(ShapeEnv::new()),
        }
    }
}

#[pyclass]
impl PySymbolAllocator {
    /// The expression for size `val` read from `source` (`L['x'].size()[0]`).
    #[pymethod]
    fn create_symbol(
        &self,
        source: PyStrRef,
        val: i64,
        duck: bool,
        specialize_zero_one: bool,
        vm: &VirtualMachine,
    ) -> PyRef<PySymExpr> {
        let mut env = self.env.lock().unwrap_or_else(|e| e.into_inner());
        let expr = env.create_symbol(
            &source.to_string_lossy(),
            i128::from(val),
            duck,
            specialize_zero_one,
        );
        PySymExpr { expr }.into_ref(&vm.ctx)
    }
}
