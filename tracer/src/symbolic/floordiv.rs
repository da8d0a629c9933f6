//! `FloorDiv(base, divisor)`: Python's `//` on sizes, evaluated as PyTorch's
//! `torch.utils._sympy.functions.FloorDiv.eval` does (its printed form is `(base//divisor)`).

use std::sync::Arc;

use super::expr::add_all;
use super::{Expr, SymError, SymResult};

/// Python's floor division of integers (rounds toward negative infinity).
fn floor_div(a: i128, b: i128) -> Result<i128, SymError> {
    let q = a.checked_div(b).ok_or(SymError::Overflow)?;
    Ok(if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as i128
}

/// A sum's terms (`Add.make_args`).
fn terms(e: &Expr) -> Vec<Expr> {
    match e {
        Expr::Add(t) => t.to_vec(),
        other => vec![other.clone()],
    }
}

/// A product's factors, numbers included (`Mul.make_args`).
fn factors(e: &Expr) -> Vec<Expr> {
    match e {
        Expr::Mul(f) => f.to_vec(),
        other => vec![other.clone()],
    }
}

/// The product of the absolute values of a term's integer factors.
fn integer_coefficient(term: &Expr) -> i128 {
    factors(term)
        .iter()
        .filter_map(Expr::as_int)
        .map(i128::abs)
        .product()
}

/// The gcd of a sum's terms' integer coefficients.
fn integer_factor(e: &Expr) -> i128 {
    terms(e).iter().map(integer_coefficient).fold(0, gcd)
}

/// `e` divided exactly by the integer `n` and by each of `common` (factors every term has).
/// As sympy's `p / n` does, each term keeps its factors and only its coefficient changes
/// (`36*(s27 + 1)*s5 / 4` is `9*(s27 + 1)*s5`, not distributed).
fn divide(e: &Expr, n: i128, common: &[Expr]) -> SymResult {
    let mut out = Vec::new();
    for term in terms(e) {
        let (c, rest) = term.coeff_and_rest();
        let mut fs = factors(&rest);
        for x in common {
            if let Some(i) = fs.iter().position(|f| f == x) {
                fs.remove(i);
            }
        }
        fs.retain(|f| f.as_int().is_none());
        out.push(Expr::keep_coeff(c / n, fs)?);
    }
    add_all(out)
}

impl Expr {
    /// `self // divisor`. A zero divisor is PyTorch's ZeroDivisionError, reported as `None`.
    pub fn floordiv(&self, divisor: &Expr) -> Option<SymResult> {
        if divisor.as_int() == Some(0) {
            return None;
        }
        Some(floordiv_eval(self, divisor))
    }
}

fn floordiv_eval(base: &Expr, divisor: &Expr) -> SymResult {
    match (base.as_int(), divisor.as_int()) {
        (Some(0), _) => return Ok(Expr::int(0)),
        (_, Some(1)) => return Ok(base.clone()),
        (_, Some(-1)) => return base.neg(),
        (Some(a), Some(b)) => return Ok(Expr::int(floor_div(a, b)?)),
        _ => {}
    }
    if base == divisor {
        return Ok(Expr::int(1));
    }
    if let Expr::FloorDiv(inner, d) = base {
        return floordiv_eval(inner, &d.mul(divisor)?);
    }
    // Terms that the divisor divides leave the floor: (4*s77 + 3)//2 is (3//2) + 2*s77.
    if let Some(d) = divisor.as_int() {
        let all = terms(base);
        let mut kept = Vec::new();
        let mut quotients = Expr::int(0);
        for term in &all {
            let (c, rest) = term.coeff_and_rest();
            if c % d == 0 {
                quotients = quotients.add(&Expr::int(c / d).mul(&rest)?)?;
            } else {
                kept.push(term.clone());
            }
        }
        if kept.len() < all.len() {
            return floordiv_eval(&add_all(kept)?, divisor)?.add(&quotients);
        }
    }
    // Common factors cancel: an integer gcd of every coefficient, then any factor of the
    // divisor that every term of the base has (PyTorch's `simple_floordiv_gcd`).
    let n = gcd(integer_factor(base), integer_factor(divisor));
    let (b1, d1) = if n > 1 {
        (divide(base, n, &[])?, divide(divisor, n, &[])?)
    } else {
        (base.clone(), divisor.clone())
    };
    let base_splits: Vec<Vec<Expr>> = terms(&b1).iter().map(factors).collect();
    let common: Vec<Expr> = factors(&d1)
        .into_iter()
        .filter(|x| base_splits.iter().all(|split| split.contains(x)))
        .collect();
    if n > 1 || !common.is_empty() {
        let common_symbolic: Vec<Expr> = common
            .iter()
            .filter(|x| x.as_int().is_none())
            .cloned()
            .collect();
        let int_common: i128 = common.iter().filter_map(Expr::as_int).product();
        let (b2, d2) = (
            divide(&b1, int_common, &common_symbolic)?,
            divide(&d1, int_common, &common_symbolic)?,
        );
        return floordiv_eval(&b2, &d2);
    }
    Ok(Expr::FloorDiv(
        Arc::new(base.clone()),
        Arc::new(divisor.clone()),
    ))
}
