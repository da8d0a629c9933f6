//! sympy's orderings: `sort_key` (how factors, generators and arguments are ordered) and the
//! term order of a printed sum (`as_ordered_terms`: lexicographic in the generators, highest
//! powers first). Keys are compared as sympy compares its nested tuples.

use std::cmp::Ordering;
use std::sync::Arc;

use super::Expr;
use super::expr::number_and_other;

/// A sympy sort key: nested tuples of integers and strings, compared lexicographically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Int(i128),
    Str(Arc<str>),
    Tuple(Vec<Key>),
}

fn class_key(a: i128, b: i128, name: &str) -> Key {
    Key::Tuple(vec![Key::Int(a), Key::Int(b), Key::Str(name.into())])
}

fn number_key(n: i128) -> Key {
    Key::Tuple(vec![
        class_key(1, 0, "Number"),
        Key::Tuple(vec![Key::Int(0), Key::Tuple(vec![])]),
        Key::Tuple(vec![]),
        Key::Int(n),
    ])
}

/// `expr.sort_key()`: class, arguments, exponent, coefficient (a coefficient and a power are
/// looked through: `2*s77**3` sorts as `s77` with exponent 3 and coefficient 2).
pub(super) fn sort_key(e: &Expr) -> Key {
    if let Expr::Int(n) = e {
        return number_key(*n);
    }
    let (coeff, rest) = e.coeff_and_rest();
    let (base, exp) = rest.base_exp();
    let (class, args) = match &base {
        // Neither occurs (numbers returned above, powers looked through); keyed sensibly.
        Expr::Int(n) => return number_key(*n),
        Expr::Symbol(name) => (class_key(2, 0, "Symbol"), vec![Key::Str(name.clone())]),
        Expr::Add(_) => (
            class_key(3, 1, "Add"),
            ordered_terms(&base).iter().map(sort_key).collect(),
        ),
        Expr::Mul(factors) => (
            class_key(3, 0, "Mul"),
            factors.iter().map(sort_key).collect(),
        ),
        Expr::Pow(b, _) => return sort_key(b),
        Expr::FloorDiv(b, d) => (
            class_key(4, 10000, "FloorDiv"),
            vec![sort_key(b), sort_key(d)],
        ),
    };
    Key::Tuple(vec![
        class,
        Key::Tuple(vec![Key::Int(args.len() as i128), Key::Tuple(args)]),
        number_key(exp as i128),
        Key::Int(coeff),
    ])
}

/// Sorts arguments by `sort_key`: the canonical order of a product's factors (numbers first).
pub(super) fn canonical_sort(args: &mut [Expr]) {
    args.sort_by_cached_key(sort_key);
}

/// A sum's terms in the order sympy prints them.
pub(super) fn ordered_terms(e: &Expr) -> Vec<Expr> {
    let Expr::Add(terms) = e else {
        return vec![e.clone()];
    };
    // sympy's special case: a positive number plus a negative multiple of one factor prints
    // the number first (`4 - s77`, `3 - 2*s77`).
    if let [a, b] = &terms[..]
        && let Some((n, other @ Expr::Mul(f))) = number_and_other(a, b)
        && n > 0
        && f.len() == 2
        && matches!(f[0], Expr::Int(c) if c < 0)
    {
        return vec![Expr::Int(n), other.clone()];
    }
    // Generators: every base of every term, sorted by sort_key; each term is a monomial in
    // them, and terms go in decreasing lexicographic order of their exponents, then by
    // increasing coefficient.
    let mut gens: Vec<Expr> = Vec::new();
    let split: Vec<(i128, Vec<(Expr, u32)>)> = terms
        .iter()
        .map(|t| {
            let (c, rest) = t.coeff_and_rest();
            let factors: Vec<Expr> = match rest {
                Expr::Int(_) => vec![],
                Expr::Mul(f) => f.to_vec(),
                other => vec![other],
            };
            let powers: Vec<(Expr, u32)> = factors.iter().map(Expr::base_exp).collect();
            for (b, _) in &powers {
                if !gens.contains(b) {
                    gens.push(b.clone());
                }
            }
            (c, powers)
        })
        .collect();
    canonical_sort(&mut gens);
    let mut keyed: Vec<(Vec<u32>, i128, &Expr)> = split
        .into_iter()
        .zip(terms.iter())
        .map(|((c, powers), t)| {
            let mut monom = vec![0u32; gens.len()];
            for (b, e) in powers {
                let i = gens
                    .iter()
                    .position(|g| *g == b)
                    .expect("generator collected");
                monom[i] = e;
            }
            (monom, c, t)
        })
        .collect();
    keyed.sort_by(|(ma, ca, _), (mb, cb, _)| match mb.cmp(ma) {
        Ordering::Equal => ca.cmp(cb),
        other => other,
    });
    keyed.into_iter().map(|(_, _, t)| t.clone()).collect()
}
