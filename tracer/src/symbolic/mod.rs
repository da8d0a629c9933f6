//! Symbolic sizes: integer expressions over size symbols (`s77`, `s17`), kept in the canonical
//! form sympy gives them and printed as sympy's `str()` prints them, since PyTorch's graphs,
//! guards and recompile reasons show sizes through sympy (`s27*s77`, `s77 + 1`, `4 - s77`).
//!
//! This is the arithmetic core (issue 22's first step): integers, symbols, sums, products,
//! integer powers and floor division. Construction follows sympy's automatic evaluation (`Add.flatten`,
//! `Mul.flatten`, `Pow.__new__`) for integer operands, so the same sequence of operations gives
//! the same printed form; `tests/symbolic/sympy_corpus.txt` (made by sympy) checks that.

mod eval;
mod expr;
mod floordiv;
mod order;
mod print;
mod shape_env;
#[cfg(test)]
mod tests;

pub use eval::{Bounds, Rel, RelOp, Values};
pub use expr::Expr;
pub use print::{Names, print_with};
pub use shape_env::ShapeEnv;

/// Why an operation has no result: a constant outside what the engine represents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymError {
    Overflow,
}

impl std::fmt::Display for SymError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SymError::Overflow => write!(f, "symbolic size arithmetic overflowed"),
        }
    }
}

pub type SymResult = Result<Expr, SymError>;
