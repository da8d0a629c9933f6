//! smelt's recording side, in Rust: what every op *is*, independent of how it runs (dtypes and
//! promotion, shape arithmetic, the op registry and errors) and the guard checker's logic.
//! The bytecode tracer, FX, fake tensors and AOT autograd are Python, under `tracer/py/torch/`
//! at their PyTorch module paths (see ARCHITECTURE.md).

pub mod dtype;
pub mod error;
pub mod guards;
pub mod ops;
pub mod shape;
pub mod symbolic;

pub use dtype::DType;
pub use error::{ErrorKind, OpError, OpResult};
