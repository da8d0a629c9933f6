//! smelt's running side: tensor storage and strided views, and the eager kernels that are
//! the reference every compiled graph is checked against. The graph interpreter, the JIT
//! and the CUDA path grow here (see ARCHITECTURE.md).

pub mod eager;
pub mod element;
pub mod host_pool;
pub mod jit;
pub mod storage;
pub mod strided;
pub mod tensor;
pub mod threads;
mod views;

pub use element::{Element, Scalar};
pub use smelt_tracer::DType;
pub use storage::Device;
pub use tensor::Tensor;
