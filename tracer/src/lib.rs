//! smelt's recording side: what every op *is*, independent of how it runs. Today that is
//! dtypes and promotion, shape arithmetic and the op errors; the graph IR with FX printing,
//! the op registry, symbolic shapes, the bytecode tracer and AOT autograd grow here
//! (see ARCHITECTURE.md).

pub mod dtype;
pub mod error;
pub mod ops;
pub mod shape;

pub use dtype::DType;
pub use error::{ErrorKind, OpError, OpResult};
