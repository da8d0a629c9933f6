//! The op registry: every primitive smelt knows, each defined once — its name, its
//! dtype rule and (as later issues add them) its shape rule, derivative and lowering class.
//! Backends `match` on these enums exhaustively, so a new op makes the compiler list every
//! place that must handle it.

mod binary;
mod reduce;
mod unary;

pub use binary::{BinaryDType, BinaryOp};
pub use reduce::{ReduceDType, ReduceOp};
pub use unary::{UnaryDType, UnaryOp};

/// Every primitive op, grouped by how it computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Reduce(ReduceOp),
}

impl Op {
    /// The aten name (`add`, `sin`, `sum`), which is also the `torch.<name>` function.
    pub fn name(self) -> &'static str {
        match self {
            Op::Unary(op) => op.name(),
            Op::Binary(op) => op.name(),
            Op::Reduce(op) => op.name(),
        }
    }
}
