//! `torch.dtype` objects: one per dtype, so `x.dtype is torch.float32` holds.

use std::sync::OnceLock;

use rustpython_vm::class::PyClassImpl;
use rustpython_vm::{Context, PyPayload, PyRef, pyclass, types::Representable};
use smelt_tracer::DType;

#[pyclass(name = "dtype", module = "torch")]
#[derive(Debug, PyPayload)]
pub struct PyDType {
    pub dtype: DType,
}

static INSTANCES: OnceLock<Vec<PyRef<PyDType>>> = OnceLock::new();

impl PyDType {
    /// The one `torch.dtype` object for `dtype`.
    pub fn get(dtype: DType) -> PyRef<PyDType> {
        let all = INSTANCES.get_or_init(|| {
            let ctx = Context::genesis();
            // The class must exist before its first instance.
            PyDType::make_static_type();
            DType::ALL
                .iter()
                .map(|&d| PyDType { dtype: d }.into_ref(ctx))
                .collect()
        });
        let i = DType::ALL
            .iter()
            .position(|&d| d == dtype)
            .expect("every dtype is in DType::ALL");
        all[i].clone()
    }
}

#[pyclass(with(Representable))]
impl PyDType {
    #[pygetset]
    fn is_floating_point(&self) -> bool {
        self.dtype.is_floating_point()
    }

    #[pygetset]
    fn is_complex(&self) -> bool {
        false
    }

    #[pygetset]
    fn is_signed(&self) -> bool {
        self.dtype.is_signed()
    }

    #[pygetset]
    fn itemsize(&self) -> usize {
        self.dtype.itemsize()
    }

    /// The C++ ScalarType name PyTorch's error messages use ("Float", "Long").
    #[pygetset]
    fn _scalar_type_name(&self) -> String {
        self.dtype.scalar_type_name().to_owned()
    }

    #[pymethod]
    fn __reduce__(&self) -> String {
        // Pickles as the attribute name under `torch`, as PyTorch's dtypes do.
        self.dtype.name().to_owned()
    }
}

impl Representable for PyDType {
    // A slot, not a method: guarded here, as boundary.rs guards the methods.
    fn repr_str(
        zelf: &rustpython_vm::Py<Self>,
        vm: &rustpython_vm::VirtualMachine,
    ) -> rustpython_vm::PyResult<String> {
        super::boundary::guarded(vm, "dtype.__repr__", || Ok(zelf.dtype.to_string()))
    }
}
