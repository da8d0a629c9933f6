//! Expressions meeting values: evaluation for given symbol values (the guard checker binds the
//! symbols to an input's sizes on every call), substitution (a symbol replaced once a fact is
//! learned, `s17 -> s77`), the symbols an expression mentions, and relations (`5 <= s77`,
//! `Eq(s17, s77)`), the shape guards' atoms.

use std::sync::Arc;

use super::expr::add_all;
use super::{Expr, SymResult};

/// A symbol's value, or None when it has none (the expression cannot be evaluated).
pub type Values<'a> = &'a dyn Fn(&str) -> Option<i128>;

impl Expr {
    /// The expression's value for these symbol values, in Python's integer arithmetic (floor
    /// division rounds toward negative infinity). None when a symbol has no value, a division
    /// is by zero or the value overflows.
    pub fn eval(&self, values: Values) -> Option<i128> {
        match self {
            Expr::Int(n) => Some(*n),
            Expr::Symbol(name) => values(name),
            Expr::Add(terms) => terms
                .iter()
                .try_fold(0i128, |acc, t| acc.checked_add(t.eval(values)?)),
            Expr::Mul(factors) => factors
                .iter()
                .try_fold(1i128, |acc, f| acc.checked_mul(f.eval(values)?)),
            Expr::Pow(base, exp) => base.eval(values)?.checked_pow(*exp),
            Expr::FloorDiv(base, divisor) => {
                let (a, b) = (base.eval(values)?, divisor.eval(values)?);
                if b == 0 {
                    return None;
                }
                let q = a.checked_div(b)?;
                Some(if a % b != 0 && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                })
            }
        }
    }

    /// The symbols the expression mentions, each once, sorted by name.
    pub fn free_symbols(&self) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        self.collect_symbols(&mut out);
        out.sort();
        out.dedup();
        out
    }

    fn collect_symbols(&self, out: &mut Vec<Arc<str>>) {
        match self {
            Expr::Int(_) => {}
            Expr::Symbol(name) => out.push(name.clone()),
            Expr::Add(args) | Expr::Mul(args) => {
                args.iter().for_each(|a| a.collect_symbols(out));
            }
            Expr::Pow(base, _) => base.collect_symbols(out),
            Expr::FloorDiv(b, d) => {
                b.collect_symbols(out);
                d.collect_symbols(out);
            }
        }
    }

    /// The expression with symbols replaced (`with_` gives a symbol's replacement, or None to
    /// keep it), rebuilt through the constructors so the result is canonical again.
    pub fn subs(&self, with_: &dyn Fn(&str) -> Option<Expr>) -> SymResult {
        Ok(match self {
            Expr::Int(_) => self.clone(),
            Expr::Symbol(name) => with_(name).unwrap_or_else(|| self.clone()),
            Expr::Add(terms) => add_all(
                terms
                    .iter()
                    .map(|t| t.subs(with_))
                    .collect::<Result<_, _>>()?,
            )?,
            Expr::Mul(factors) => {
                let mut out = Expr::int(1);
                for f in factors.iter() {
                    out = out.mul(&f.subs(with_)?)?;
                }
                out
            }
            Expr::Pow(base, exp) => base.subs(with_)?.pow(*exp)?,
            Expr::FloorDiv(b, d) => b
                .subs(with_)?
                .floordiv(&d.subs(with_)?)
                // A divisor that becomes zero: the floor division stays as it was.
                .unwrap_or_else(|| Ok(self.clone()))?,
        })
    }
}

/// A comparison of two integer expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl RelOp {
    pub fn parse(s: &str) -> Option<RelOp> {
        Some(match s {
            "==" => RelOp::Eq,
            "!=" => RelOp::Ne,
            "<" => RelOp::Lt,
            "<=" => RelOp::Le,
            ">" => RelOp::Gt,
            ">=" => RelOp::Ge,
            _ => return None,
        })
    }

    pub fn holds(self, a: i128, b: i128) -> bool {
        match self {
            RelOp::Eq => a == b,
            RelOp::Ne => a != b,
            RelOp::Lt => a < b,
            RelOp::Le => a <= b,
            RelOp::Gt => a > b,
            RelOp::Ge => a >= b,
        }
    }
}

/// `lhs op rhs`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rel {
    pub op: RelOp,
    pub lhs: Expr,
    pub rhs: Expr,
}

impl Rel {
    /// Whether the relation holds for these values; None when either side has no value.
    pub fn holds(&self, values: Values) -> Option<bool> {
        Some(
            self.op
                .holds(self.lhs.eval(values)?, self.rhs.eval(values)?),
        )
    }
}

/// A closed integer interval; `None` ends are unbounded.
pub type Bounds = (Option<i128>, Option<i128>);

fn add_bound(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    a?.checked_add(b?)
}

impl Expr {
    /// An interval holding every value of the expression when each symbol lies in the
    /// interval `range` gives it (interval arithmetic: sound, not always tight).
    pub fn bounds(&self, range: &dyn Fn(&str) -> Bounds) -> Bounds {
        match self {
            Expr::Int(n) => (Some(*n), Some(*n)),
            Expr::Symbol(name) => range(name),
            Expr::Add(terms) => terms.iter().fold((Some(0), Some(0)), |acc, t| {
                let b = t.bounds(range);
                (add_bound(acc.0, b.0), add_bound(acc.1, b.1))
            }),
            Expr::Mul(factors) => factors.iter().fold((Some(1), Some(1)), |acc, f| {
                mul_bounds(acc, f.bounds(range))
            }),
            Expr::Pow(base, exp) => {
                let b = base.bounds(range);
                (1..*exp).fold(b, |acc, _| mul_bounds(acc, b))
            }
            Expr::FloorDiv(base, divisor) => match divisor.as_int() {
                Some(d) if d > 0 => {
                    let b = base.bounds(range);
                    let fd = |v: i128| v.div_euclid(d);
                    (b.0.map(fd), b.1.map(fd))
                }
                _ => (None, None),
            },
        }
    }

    /// `c*s + k` for one symbol `s` with a non-zero `c`, as `(c, s, k)`.
    pub fn as_linear(&self) -> Option<(i128, Arc<str>, i128)> {
        let (term, k) = match self {
            Expr::Add(terms) if terms.len() == 2 => match (&terms[0], &terms[1]) {
                (Expr::Int(k), t) | (t, Expr::Int(k)) => (t, *k),
                _ => return None,
            },
            _ => (self, 0),
        };
        let (c, rest) = term.coeff_and_rest();
        match rest {
            Expr::Symbol(name) if c != 0 => Some((c, name, k)),
            _ => None,
        }
    }
}

/// The product of two intervals; an unbounded end stays unbounded unless the other interval
/// is exactly zero or the signs pin it.
fn mul_bounds(a: Bounds, b: Bounds) -> Bounds {
    // Intervals of non-negative values (sizes) are the common case and multiply end by end.
    let nonneg = |x: Bounds| x.0.is_some_and(|v| v >= 0);
    if nonneg(a) && nonneg(b) {
        let hi = match (a.1, b.1) {
            (Some(x), Some(y)) => x.checked_mul(y),
            _ if a.1 == Some(0) || b.1 == Some(0) => Some(0),
            _ => None,
        };
        return (a.0.and_then(|x| x.checked_mul(b.0?)), hi);
    }
    match (a, b) {
        ((Some(a0), Some(a1)), (Some(b0), Some(b1))) => {
            let products = [
                a0.checked_mul(b0),
                a0.checked_mul(b1),
                a1.checked_mul(b0),
                a1.checked_mul(b1),
            ];
            if products.iter().any(Option::is_none) {
                return (None, None);
            }
            let p: Vec<i128> = products.iter().flatten().copied().collect();
            (p.iter().min().copied(), p.iter().max().copied())
        }
        ((Some(c), Some(d)), other) | (other, (Some(c), Some(d))) if c == d => {
            // A constant factor scales (and for a negative one flips) the other interval.
            let s = |v: Option<i128>| v.and_then(|v| v.checked_mul(c));
            if c >= 0 {
                (s(other.0), s(other.1))
            } else {
                (s(other.1), s(other.0))
            }
        }
        _ => (None, None),
    }
}
