//! sympy's `str()` of an expression (its `StrPrinter`), which is how PyTorch prints sizes.

use super::Expr;
use super::order::ordered_terms;

// sympy.printing.precedence's levels.
const PREC_ADD: u32 = 40;
const PREC_MUL: u32 = 50;
const PREC_POW: u32 = 60;
const PREC_ATOM: u32 = 1000;
// PyTorch's FloorDiv binds looser than a sum, so a sum or product around it parenthesizes it.
const PREC_FLOORDIV: u32 = 35;

fn precedence(e: &Expr) -> u32 {
    match e {
        Expr::Int(n) if *n < 0 => PREC_ADD,
        Expr::Int(_) | Expr::Symbol(_) => PREC_ATOM,
        Expr::Add(_) => PREC_ADD,
        // A product that starts with a minus sign binds like a sum.
        Expr::Mul(_) if e.coeff_and_rest().0 < 0 => PREC_ADD,
        Expr::Mul(_) => PREC_MUL,
        Expr::Pow(..) => PREC_POW,
        Expr::FloorDiv(..) => PREC_FLOORDIV,
    }
}

/// sympy's `parenthesize`: `(s)` when `e` binds less tightly than `level`, or (not `strict`)
/// no more tightly.
fn parenthesize(e: &Expr, level: u32, strict: bool) -> String {
    let s = to_string(e);
    let p = precedence(e);
    if p < level || (!strict && p == level) {
        format!("({s})")
    } else {
        s
    }
}

pub(super) fn to_string(e: &Expr) -> String {
    match e {
        Expr::Int(n) => n.to_string(),
        Expr::Symbol(name) => name.to_string(),
        Expr::Add(_) => print_add(e),
        Expr::Mul(factors) => print_mul(e, factors),
        Expr::Pow(base, exp) => format!("{}**{}", parenthesize(base, PREC_POW, false), exp),
        // PyTorch parenthesizes both operands unless they are atoms (level Atom - 0.5).
        Expr::FloorDiv(b, d) => format!(
            "({}//{})",
            parenthesize(b, PREC_ATOM, true),
            parenthesize(d, PREC_ATOM, true)
        ),
    }
}

fn print_add(e: &Expr) -> String {
    let mut out = String::new();
    for (i, term) in ordered_terms(e).iter().enumerate() {
        let printed = to_string(term);
        let (sign, body) = match printed.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None => ("+", printed),
        };
        let body = if precedence(term) < PREC_ADD {
            format!("({body})")
        } else {
            body
        };
        match (i, sign) {
            (0, "-") => out.push('-'),
            (0, _) => {}
            (_, s) => {
                out.push(' ');
                out.push_str(s);
                out.push(' ');
            }
        }
        out.push_str(&body);
    }
    out
}

fn print_mul(e: &Expr, factors: &[Expr]) -> String {
    // The level is the whole product's: a negative product parenthesizes its factors as a sum
    // would (`-s27*(s77 - 4)**2`).
    let level = precedence(e);
    let sign = match factors[0] {
        Expr::Int(c) if c < 0 => "-",
        _ => "",
    };
    let mut parts: Vec<String> = Vec::new();
    for f in factors {
        match f {
            Expr::Int(c) => {
                let c = c.abs();
                if c != 1 {
                    parts.push(c.to_string());
                }
            }
            other => parts.push(parenthesize(other, level, false)),
        }
    }
    if parts.is_empty() {
        parts.push("1".into());
    }
    format!("{sign}{}", parts.join("*"))
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_string(self))
    }
}
