//! The expression type and its constructors, which canonicalise as sympy's automatic
//! evaluation does for integer operands.

use std::sync::Arc;

use super::order::canonical_sort;
use super::{SymError, SymResult};

/// A canonical integer expression. Constructed only through `int`, `symbol`, `add`, `mul`,
/// `neg`, `sub` and `pow`, so structural equality is equality of canonical forms.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    Int(i128),
    Symbol(Arc<str>),
    /// Two or more terms: at most one `Int` (non-zero), no `Add`, no two terms equal up to
    /// their coefficient. Stored in canonical order.
    Add(Arc<[Expr]>),
    /// Two or more factors: an `Int` coefficient first when it is not 1, then bases (each at
    /// most once, none an `Int` or `Mul`), in canonical order.
    Mul(Arc<[Expr]>),
    /// A base (a symbol, a sum or a floor division) to an integer power of at least 2.
    Pow(Arc<Expr>, u32),
    /// `base // divisor` that does not evaluate further (floordiv.rs).
    FloorDiv(Arc<Expr>, Arc<Expr>),
}

fn overflow<T>(v: Option<T>) -> Result<T, SymError> {
    v.ok_or(SymError::Overflow)
}

impl Expr {
    pub fn int(n: i128) -> Expr {
        Expr::Int(n)
    }

    pub fn symbol(name: &str) -> Expr {
        Expr::Symbol(name.into())
    }

    pub fn as_int(&self) -> Option<i128> {
        match self {
            Expr::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// sympy's `as_coeff_Mul`: the integer coefficient and the rest (`2*s77` is 2 and `s77`).
    pub fn coeff_and_rest(&self) -> (i128, Expr) {
        match self {
            Expr::Int(n) => (*n, Expr::Int(1)),
            Expr::Mul(args) => match args[0] {
                Expr::Int(c) => (c, rebuild_mul(args[1..].to_vec())),
                _ => (1, self.clone()),
            },
            _ => (1, self.clone()),
        }
    }

    /// The base and integer exponent (`s77**2` is `s77` and 2; anything else is itself to 1).
    pub fn base_exp(&self) -> (Expr, u32) {
        match self {
            Expr::Pow(b, e) => ((**b).clone(), *e),
            _ => (self.clone(), 1),
        }
    }

    pub fn add(&self, other: &Expr) -> SymResult {
        add_all(vec![self.clone(), other.clone()])
    }

    pub fn sub(&self, other: &Expr) -> SymResult {
        self.add(&other.neg()?)
    }

    pub fn neg(&self) -> SymResult {
        Expr::Int(-1).mul(self)
    }

    pub fn mul(&self, other: &Expr) -> SymResult {
        mul_pair(self, other)
    }

    /// `self ** exp` for a non-negative integer exponent.
    pub fn pow(&self, exp: u32) -> SymResult {
        match (self, exp) {
            (_, 0) => Ok(Expr::Int(1)),
            (_, 1) => Ok(self.clone()),
            (Expr::Int(n), _) => Ok(Expr::Int(overflow(n.checked_pow(exp))?)),
            (Expr::Pow(b, e), _) => b.pow(overflow(e.checked_mul(exp))?),
            // A product's power is the product of its factors' powers (sympy's
            // `Mul._eval_power` for an integer exponent).
            (Expr::Mul(args), _) => {
                let mut out = Expr::Int(1);
                for f in args.iter() {
                    out = out.mul(&f.pow(exp)?)?;
                }
                Ok(out)
            }
            _ => Ok(Expr::Pow(Arc::new(self.clone()), exp)),
        }
    }
}

impl Expr {
    /// sympy's `_keep_coeff`: a coefficient times canonical factors, without distributing the
    /// coefficient over a sum among them.
    pub(super) fn keep_coeff(c: i128, factors: Vec<Expr>) -> SymResult {
        match factors.len() {
            0 => Ok(Expr::Int(c)),
            1 => Expr::Int(c).mul(&factors[0]),
            _ if c == 0 => Ok(Expr::Int(0)),
            _ => Ok(with_coeff(c, factors)),
        }
    }
}

/// A non-zero coefficient times canonical factors (bases, no numbers), in canonical order.
fn with_coeff(c: i128, mut factors: Vec<Expr>) -> Expr {
    canonical_sort(&mut factors);
    if c != 1 {
        factors.insert(0, Expr::Int(c));
    }
    rebuild_mul(factors)
}

/// The number among two operands and the other operand, when one of them is a number.
pub(super) fn number_and_other<'a>(a: &'a Expr, b: &'a Expr) -> Option<(i128, &'a Expr)> {
    match (a, b) {
        (Expr::Int(n), o) | (o, Expr::Int(n)) => Some((*n, o)),
        _ => None,
    }
}

/// A product from canonical factors that need no further evaluation.
fn rebuild_mul(mut factors: Vec<Expr>) -> Expr {
    match factors.len() {
        0 => Expr::Int(1),
        1 => factors.pop().expect("one factor"),
        _ => Expr::Mul(factors.into()),
    }
}

/// sympy's `Add.flatten`: numbers summed, like terms (equal up to the coefficient) combined,
/// zero terms dropped.
pub(super) fn add_all(args: Vec<Expr>) -> SymResult {
    let mut constant: i128 = 0;
    let mut terms: Vec<(Expr, i128)> = Vec::new();
    let mut pending = args;
    while let Some(a) = pending.pop() {
        match a {
            Expr::Int(n) => constant = overflow(constant.checked_add(n))?,
            Expr::Add(inner) => pending.extend(inner.iter().cloned()),
            other => {
                let (c, rest) = other.coeff_and_rest();
                match terms.iter_mut().find(|(r, _)| *r == rest) {
                    Some((_, total)) => *total = overflow(total.checked_add(c))?,
                    None => terms.push((rest, c)),
                }
            }
        }
    }
    let mut out: Vec<Expr> = Vec::new();
    for (rest, c) in terms {
        match (c, rest) {
            (0, _) => {}
            (_, Expr::Mul(f)) => out.push(with_coeff(c, f.to_vec())),
            (_, other) => out.push(with_coeff(c, vec![other])),
        }
    }
    if constant != 0 {
        out.push(Expr::Int(constant));
    }
    Ok(match out.len() {
        0 => Expr::Int(0),
        1 => out.pop().expect("one term"),
        _ => {
            canonical_sort(&mut out);
            Expr::Add(out.into())
        }
    })
}

/// A product of two expressions. sympy distributes a number over a sum when the product has
/// exactly those two factors (`2*(s77 + 1)` is `2*s77 + 2`, `-(s77 + 1)` is `-s77 - 1`), but
/// not otherwise (`s17*(s77 + 1)` stays).
fn mul_pair(a: &Expr, b: &Expr) -> SymResult {
    if let Some((n, other @ Expr::Add(terms))) = number_and_other(a, b)
        && n != 0
    {
        if n == 1 {
            return Ok(other.clone());
        }
        let scaled: Result<Vec<Expr>, SymError> =
            terms.iter().map(|t| Expr::Int(n).mul(t)).collect();
        return add_all(scaled?);
    }
    mul_all(vec![a.clone(), b.clone()])
}

/// sympy's `Mul.flatten` for integer operands: numbers multiplied, equal bases' exponents
/// added, and a number alone with one sum distributed over it.
fn mul_all(args: Vec<Expr>) -> SymResult {
    let mut coeff: i128 = 1;
    let mut bases: Vec<(Expr, u32)> = Vec::new();
    let mut pending = args;
    while let Some(a) = pending.pop() {
        match a {
            Expr::Int(n) => coeff = overflow(coeff.checked_mul(n))?,
            Expr::Mul(inner) => pending.extend(inner.iter().cloned()),
            other => {
                let (base, e) = other.base_exp();
                match bases.iter_mut().find(|(b, _)| *b == base) {
                    Some((_, total)) => *total = overflow(total.checked_add(e))?,
                    None => bases.push((base, e)),
                }
            }
        }
    }
    if coeff == 0 {
        return Ok(Expr::Int(0));
    }
    let mut factors: Vec<Expr> = Vec::new();
    for (base, e) in bases {
        factors.push(base.pow(e)?);
    }
    if factors.len() == 1
        && coeff != 1
        && let Expr::Add(_) = factors[0]
    {
        return mul_pair(&Expr::Int(coeff), &factors[0]);
    }
    Ok(with_coeff(coeff, factors))
}
