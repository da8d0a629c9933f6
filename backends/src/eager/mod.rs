//! Eager CPU kernels: the reference semantics of every op. Each kernel family matches on its
//! op enum from `smelt_tracer::ops` exhaustively.

mod along_dim;
mod attention;
mod binary;
mod box_muller;
mod copy;
mod create;
mod index;
mod jit_kernels;
mod matmul;
mod optim;
pub mod random;
mod reduce;
mod unary;

pub use along_dim::{Extreme, cat, cumsum, gather, index_select, max_min, scatter_, sort, where_};
pub use attention::{sdpa, sdpa_backward};
pub use binary::{Operand, binary, binary_};
pub use create::{arange, fill_};
pub use index::{index, index_put_, nonzero};
pub use matmul::{bmm, matmul, matmul_into, mm};
pub use optim::{AdamStep, adam_update};
pub use reduce::reduce;
pub use unary::unary;
