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
fn parenthesize(e: &Expr, level: u32, strict: bool, names: Names) -> String {
    let s = print_with(e, names);
    let p = precedence(e);
    if p < level || (!strict && p == level) {
        format!("({s})")
    } else {
        s
    }
}

/// How a symbol is printed: its name, or (in guards) the source it stands for.
pub type Names<'a> = &'a dyn Fn(&str) -> String;

/// `str()` of `e` with each symbol printed by `names`; terms stay in the order of the symbols'
/// own names, as PyTorch's guard printer keeps sympy's order.
pub fn print_with(e: &Expr, names: Names) -> String {
    match e {
        Expr::Int(n) => n.to_string(),
        Expr::Symbol(name) => names(name),
        Expr::Add(_) => print_add(e, names),
        Expr::Mul(factors) => print_mul(e, factors, names),
        Expr::Pow(base, exp) => format!("{}**{}", parenthesize(base, PREC_POW, false, names), exp),
        // PyTorch parenthesizes both operands unless they are atoms (level Atom - 0.5).
        Expr::FloorDiv(b, d) => format!(
            "({}//{})",
            parenthesize(b, PREC_ATOM, true, names),
            parenthesize(d, PREC_ATOM, true, names)
        ),
    }
}

fn print_add(e: &Expr, names: Names) -> String {
    let mut out = String::new();
    for (i, term) in ordered_terms(e).iter().enumerate() {
        let printed = print_with(term, names);
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

fn print_mul(e: &Expr, factors: &[Expr], names: Names) -> String {
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
            other => parts.push(parenthesize(other, level, false, names)),
        }
    }
    if parts.is_empty() {
        parts.push("1".into());
    }
    format!("{sign}{}", parts.join("*"))
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print_with(self, &|name| name.to_string()))
    }
}
