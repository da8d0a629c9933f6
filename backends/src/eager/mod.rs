//! Eager CPU kernels: the reference semantics of every op. Each kernel family matches on its
//! op enum from `smelt_tracer::ops` exhaustively.

mod binary;
mod copy;
mod create;
mod reduce;
mod unary;

pub use binary::{Operand, binary, binary_};
pub use create::{arange, fill_};
pub use reduce::reduce;
pub use unary::unary;
