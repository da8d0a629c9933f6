//! `torch.get_rng_state()`'s value: an opaque snapshot of the default generator that
//! `torch.set_rng_state` restores (PyTorch hands out a byte tensor; its layout is not part of
//! what scripts rely on, only the round trip).

use rustpython_vm::{PyPayload, pyclass};
use smelt_backends::eager::random::Generator;

#[pyclass(name = "RngState", module = "torch._C")]
#[derive(PyPayload)]
pub struct PyRngState(pub Generator);

impl std::fmt::Debug for PyRngState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RngState")
    }
}

#[pyclass]
impl PyRngState {}
