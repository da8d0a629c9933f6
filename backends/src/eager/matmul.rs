//! Matrix products: `matmul` (with 1-D promotion and batch broadcasting), `mm`, `bmm`.
//! Float32/64 and float16 go to the `gemm` crate; bfloat16 and integers use a plain
//! triple loop (bf16 accumulating in f32, integers in i64).

use smelt_tracer::shape::broadcast_shapes;
use smelt_tracer::{DType, OpError, OpResult};

use crate::Device;
use crate::element::Element;
use crate::strided::for_each_row;
use crate::tensor::{Tensor, output_device};

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::Float32 => "float",
        DType::Float64 => "double",
        DType::Float16 => "c10::Half",
        DType::BFloat16 => "c10::BFloat16",
        DType::Int64 => "long int",
        DType::Int32 => "int",
        DType::Int16 => "short int",
        DType::Int8 => "signed char",
        DType::UInt8 => "unsigned char",
        DType::Bool => "bool",
    }
}

fn same_dtype(a: &Tensor, b: &Tensor) -> OpResult<()> {
    if a.dtype() != b.dtype() {
        return Err(OpError::runtime(format!(
            "expected m1 and m2 to have the same dtype, but got: {} != {}",
            dtype_name(a.dtype()),
            dtype_name(b.dtype())
        )));
    }
    if a.dtype() == DType::Bool {
        return Err(OpError::not_implemented(
            "\"addmm_impl_cpu_\" not implemented for 'Bool'",
        ));
    }
    Ok(())
}

/// One `[n, k] x [k, m]` product into `out[n, m]`, each operand with its own strides.
/// Offsets and strides are in elements.
struct Mat {
    offset: isize,
    row_stride: isize,
    col_stride: isize,
}

/// A matrix in memory: its first element and its row and column strides, in elements.
/// Shared by parallel parts that each write their own block of it.
#[derive(Clone, Copy)]
pub(crate) struct MatPtr<T> {
    pub p: *const T,
    pub rs: isize,
    pub cs: isize,
}

// SAFETY: a plain address; the code sharing one hands each thread a disjoint block to write.
unsafe impl<T> Send for MatPtr<T> {}
unsafe impl<T> Sync for MatPtr<T> {}

impl<T> MatPtr<T> {
    /// The transposed matrix (the same memory).
    pub fn t(self) -> MatPtr<T> {
        MatPtr {
            p: self.p,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// The matrix starting `rows` rows and `cols` columns further in.
    pub fn at(self, rows: isize, cols: isize) -> MatPtr<T> {
        MatPtr {
            p: self.p.wrapping_offset(rows * self.rs + cols * self.cs),
            ..self
        }
    }
}

/// `dst[m, n] = beta * lhs[m, k] @ rhs[k, n]`, by the `gemm` crate on the calling thread.
///
/// # Safety
/// Every matrix must lie in live memory of its stated extent; `dst` must not overlap the
/// operands.
pub(crate) unsafe fn gemm_st<T: Element>(
    m: usize,
    n: usize,
    k: usize,
    dst: MatPtr<T>,
    lhs: MatPtr<T>,
    rhs: MatPtr<T>,
    beta: T,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.p as *mut T,
            dst.cs,
            dst.rs,
            false,
            lhs.p,
            lhs.cs,
            lhs.rs,
            rhs.p,
            rhs.cs,
            rhs.rs,
            T::zero(),
            beta,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

fn gemm_one<T: Element>(
    n: usize,
    k: usize,
    m: usize,
    a: (*const T, Mat),
    b: (*const T, Mat),
    out: (*mut T, Mat),
) {
    let (pa, ma) = a;
    let (pb, mb) = b;
    let (po, mo) = out;
    // SAFETY: each Mat describes a valid n×k, k×m, n×m view of its tensor's storage.
    unsafe {
        let (pa, pb, po) = (
            pa.offset(ma.offset),
            pb.offset(mb.offset),
            po.offset(mo.offset),
        );
        if matches!(T::DTYPE, DType::Float32 | DType::Float64 | DType::Float16) {
            let mat = |p: *const T, m: &Mat| MatPtr {
                p,
                rs: m.row_stride,
                cs: m.col_stride,
            };
            let (a, b, o) = (mat(pa, &ma), mat(pb, &mb), mat(po, &mo));
            let one = T::from_i64(1);
            // Threads pay off only once there is real work to split. The larger output dim is
            // cut into blocks, one single-threaded product each, claimed across threads by
            // `threads::for_ranges` (the caller computes too, no thread hand-off to wait on).
            let threads = crate::threads::get();
            let (by_rows, len) = if n >= m { (true, n) } else { (false, m) };
            let blocks = threads.min(len / 16).max(1);
            if n * m * k < 64 * 64 * 64 || blocks < 2 {
                gemm_st(n, m, k, o, a, b, one);
                return;
            }
            crate::threads::for_ranges(blocks, 1, |parts| {
                for p in parts {
                    let (lo, hi) = (len * p / blocks, len * (p + 1) / blocks);
                    let lo = lo as isize;
                    let rows = hi - lo as usize;
                    // SAFETY: each block is a disjoint part of the output, inside the operands.
                    if by_rows {
                        gemm_st(rows, m, k, o.at(lo, 0), a.at(lo, 0), b, one);
                    } else {
                        gemm_st(n, rows, k, o.at(0, lo), a, b.at(0, lo), one);
                    }
                }
            });
            return;
        }
        for i in 0..n as isize {
            for j in 0..m as isize {
                let at = |r: isize, c: isize| *pa.offset(r * ma.row_stride + c * ma.col_stride);
                let bt = |r: isize, c: isize| *pb.offset(r * mb.row_stride + c * mb.col_stride);
                let v: T = if T::DTYPE.is_floating_point() {
                    let mut acc = 0.0f32;
                    for p in 0..k as isize {
                        acc += at(i, p).to_f32() * bt(p, j).to_f32();
                    }
                    T::from_f32(acc)
                } else {
                    let mut acc = 0i64;
                    for p in 0..k as isize {
                        acc = acc.wrapping_add(at(i, p).to_i64().wrapping_mul(bt(p, j).to_i64()));
                    }
                    T::from_i64(acc)
                };
                *po.offset(i * mo.row_stride + j * mo.col_stride) = v;
            }
        }
    }
}

/// `a[..., n, k] @ b[..., k, m]` with batch dims already equal (they may be stride-0 expanded).
fn batched(a: &Tensor, b: &Tensor) -> Tensor {
    let nd = a.ndim();
    let (n, m) = (a.shape()[nd - 2], b.shape()[nd - 1]);
    let mut shape = a.shape()[..nd - 2].to_vec();
    shape.extend([n, m]);
    // Every element is written unless the contraction is empty (then zeros are the result).
    let k = a.shape()[nd - 1];
    let out = if k > 0 {
        Tensor::uninit_on(&shape, a.dtype(), output_device(&[a, b]))
    } else {
        Tensor::empty_on(&shape, a.dtype(), output_device(&[a, b]))
    };
    if out.numel() == 0 || out.is_meta() {
        return out;
    }
    batched_into(a, b, &out);
    out
}

/// `batched`, into `out[..., n, m]` of any strides (no overlap with `a` or `b`).
fn batched_into(a: &Tensor, b: &Tensor, out: &Tensor) {
    let nd = a.ndim();
    let (n, k, m) = (a.shape()[nd - 2], a.shape()[nd - 1], b.shape()[nd - 1]);
    let batch = &a.shape()[..nd - 2];
    let mat = |t: &Tensor, offset: isize| Mat {
        offset,
        row_stride: t.strides()[nd - 2],
        col_stride: t.strides()[nd - 1],
    };
    let batch_strides = [
        &a.strides()[..nd - 2],
        &b.strides()[..nd - 2],
        &out.strides()[..nd - 2],
    ];
    crate::with_element!(a.dtype(), T => {
        let (pa, pb, po) = (a.data_ptr() as *const T, b.data_ptr() as *const T, out.data_ptr() as *mut T);
        for_each_row(batch, batch_strides, |[oa, ob, oo], [sa, sb, so], len| {
            for i in 0..len as isize {
                gemm_one::<T>(n, k, m, (pa, mat(a, oa + i * sa)), (pb, mat(b, ob + i * sb)), (po, mat(out, oo + i * so)));
            }
        });
    });
}

/// `mm` (2-D) or `bmm` (3-D) written into `out`, a buffer of any strides that does not
/// overlap the operands: compiled graphs multiply straight into the buffers they planned.
pub fn matmul_into(a: &Tensor, b: &Tensor, out: &Tensor) -> OpResult<()> {
    let nd = a.ndim();
    let shapes_agree = (nd == 2 || nd == 3)
        && b.ndim() == nd
        && out.ndim() == nd
        && a.shape()[..nd - 2] == b.shape()[..nd - 2]
        && a.shape()[..nd - 2] == out.shape()[..nd - 2]
        && a.shape()[nd - 1] == b.shape()[nd - 2]
        && out.shape()[nd - 2] == a.shape()[nd - 2]
        && out.shape()[nd - 1] == b.shape()[nd - 1];
    if !shapes_agree {
        return Err(OpError::runtime(format!(
            "matmul_into: {:?} @ {:?} does not give {:?}",
            a.shape(),
            b.shape(),
            out.shape()
        )));
    }
    same_dtype(a, b)?;
    if out.dtype() != a.dtype() || out.device() != Device::Cpu || a.device() != Device::Cpu {
        return Err(OpError::runtime(
            "matmul_into: out must be a CPU tensor of the operands' dtype",
        ));
    }
    if out.numel() > 0 {
        batched_into(a, b, out);
    }
    Ok(())
}

/// `torch.mm`: two matrices.
pub fn mm(a: &Tensor, b: &Tensor) -> OpResult<Tensor> {
    if a.ndim() != 2 {
        return Err(OpError::runtime("self must be a matrix"));
    }
    if b.ndim() != 2 {
        return Err(OpError::runtime("mat2 must be a matrix"));
    }
    if a.shape()[1] != b.shape()[0] {
        return Err(matmul_mismatch(a, b, 2, 2));
    }
    same_dtype(a, b)?;
    Ok(batched(a, b))
}

/// `torch.bmm`: two batches of matrices with the same batch size.
pub fn bmm(a: &Tensor, b: &Tensor) -> OpResult<Tensor> {
    if a.ndim() != 3 {
        return Err(OpError::runtime("batch1 must be a 3D tensor"));
    }
    if b.ndim() != 3 {
        return Err(OpError::runtime("batch2 must be a 3D tensor"));
    }
    if b.shape()[0] != a.shape()[0] || b.shape()[1] != a.shape()[2] {
        return Err(OpError::runtime(format!(
            "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
            a.shape()[0],
            a.shape()[2],
            b.shape()[0],
            b.shape()[1]
        )));
    }
    same_dtype(a, b)?;
    Ok(batched(a, b))
}

/// `torch.matmul` / `@`: 1-D operands gain a dim for the product and lose it after; batch
/// dims broadcast.
pub fn matmul(a: &Tensor, b: &Tensor) -> OpResult<Tensor> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(OpError::runtime(format!(
            "both arguments to matmul need to be at least 1D, but they are {}D and {}D",
            a.ndim(),
            b.ndim()
        )));
    }
    if a.ndim() == 1 && b.ndim() == 1 && a.shape()[0] != b.shape()[0] {
        return Err(OpError::runtime(format!(
            "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
            a.shape()[0],
            b.shape()[0],
            a.shape()[0],
            b.shape()[0]
        )));
    }
    let a2 = if a.ndim() == 1 {
        a.unsqueeze(0)?
    } else {
        a.clone()
    };
    let b2 = if b.ndim() == 1 {
        b.unsqueeze(-1)?
    } else {
        b.clone()
    };
    let (na, nb) = (a2.ndim(), b2.ndim());
    if a2.shape()[na - 1] != b2.shape()[nb - 2] {
        return Err(matmul_mismatch(&a2, &b2, a.ndim(), b.ndim()));
    }
    same_dtype(a, b)?;
    let batch = broadcast_shapes(&a2.shape()[..na - 2], &b2.shape()[..nb - 2])?;
    let expand = |t: &Tensor, tail: [usize; 2]| -> OpResult<Tensor> {
        let mut shape: Vec<i64> = batch.iter().map(|&s| s as i64).collect();
        shape.extend(tail.map(|s| s as i64));
        t.expand(&shape)
    };
    let a3 = expand(&a2, [a2.shape()[na - 2], a2.shape()[na - 1]])?;
    let b3 = expand(&b2, [b2.shape()[nb - 2], b2.shape()[nb - 1]])?;
    let mut out = batched(&a3, &b3);
    if a.ndim() == 1 {
        out = out.squeeze(Some(-2))?;
    }
    if b.ndim() == 1 {
        out = out.squeeze(Some(-1))?;
    }
    Ok(out)
}

/// PyTorch's message for a matmul whose inner sizes differ names the kernel the operands were
/// folded into: mv for a vector on the right, mm when the right side is a matrix (the left
/// side's leading dims folded into rows), bmm otherwise.
fn matmul_mismatch(a2: &Tensor, b2: &Tensor, a_ndim: usize, b_ndim: usize) -> OpError {
    let (na, nb) = (a2.ndim(), b2.ndim());
    let k = a2.shape()[na - 1];
    let rows: usize = a2.shape()[..na - 1].iter().product();
    if b_ndim == 1 && a_ndim >= 2 {
        return OpError::runtime(format!(
            "size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({})",
            b2.shape()[0]
        ));
    }
    if nb == 2 {
        return OpError::runtime(format!(
            "mm: mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {}x{})",
            b2.shape()[0],
            b2.shape()[1]
        ));
    }
    let batch = broadcast_shapes(&a2.shape()[..na - 2], &b2.shape()[..nb - 2])
        .map(|s| s.iter().product::<usize>())
        .unwrap_or(0);
    OpError::runtime(format!(
        "Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but got: [{batch}, {}].",
        b2.shape()[nb - 2]
    ))
}
