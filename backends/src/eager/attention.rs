//! Scaled dot-product attention without a mask tensor (optionally causal), forward and
//! backward, as PyTorch's CPU flash-attention kernel computes it: per (batch, head) the scores
//! `scale * q @ k^T`, a row softmax kept as its log-sum-exp, then `p @ v`. The backward
//! recomputes the probabilities from the saved log-sum-exp. Heads run in parallel; each
//! product is one single-threaded GEMM, so no `[B, H, L, S]` tensor is ever materialized.

use std::ops::{Add, Div, Mul, Sub};

use smelt_tracer::{DType, OpError, OpResult};

use super::matmul::{MatPtr, gemm_st};
use crate::element::Element;
use crate::storage::Device;
use crate::tensor::Tensor;
use crate::threads::{self, SendPtr};

/// The float arithmetic the kernel needs beyond `Element`.
trait Real:
    Element
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
{
    const NEG_INF: Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            const NEG_INF: Self = <$t>::NEG_INFINITY;
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
        }
    };
}
real!(f32);
real!(f64);

/// A contiguous `rows × cols` scratch matrix.
fn scratch<T>(buf: &[T], cols: usize) -> MatPtr<T> {
    MatPtr {
        p: buf.as_ptr(),
        rs: cols as isize,
        cs: 1,
    }
}

/// How many leading columns of row `i` attention sees: all, or (causal, aligned top-left as
/// PyTorch's) columns `0..=i`.
fn visible(i: usize, cols: usize, causal: bool) -> usize {
    if causal { (i + 1).min(cols) } else { cols }
}

fn float_only(dtype: DType) -> OpError {
    OpError::runtime(format!(
        "sdpa kernel: {} is not a float32 or float64 dtype",
        dtype.scalar_type_name()
    ))
}

/// The shapes and checks both directions share: q `[B, H, L, E]`, k `[B, H, S, E]`,
/// v `[B, H, S, Ev]`, one float dtype, one device.
struct Dims {
    b: usize,
    h: usize,
    l: usize,
    s: usize,
    e: usize,
    ev: usize,
}

fn dims(q: &Tensor, k: &Tensor, v: &Tensor) -> OpResult<Dims> {
    let ok = q.ndim() == 4
        && k.ndim() == 4
        && v.ndim() == 4
        && q.shape()[..2] == k.shape()[..2]
        && q.shape()[..2] == v.shape()[..2]
        && q.shape()[3] == k.shape()[3]
        && k.shape()[2] == v.shape()[2];
    if !ok {
        return Err(OpError::runtime(format!(
            "sdpa kernel: q {:?}, k {:?}, v {:?} are not [B, H, L, E], [B, H, S, E], [B, H, S, Ev]",
            q.shape(),
            k.shape(),
            v.shape()
        )));
    }
    if q.dtype() != k.dtype() || q.dtype() != v.dtype() {
        return Err(OpError::runtime(
            "Expected query, key, and value to have the same dtype",
        ));
    }
    let (sh, vs) = (q.shape(), v.shape());
    Ok(Dims {
        b: sh[0],
        h: sh[1],
        l: sh[2],
        s: k.shape()[2],
        e: sh[3],
        ev: vs[3],
    })
}

fn head<T>(t: &Tensor, bh: usize, heads: usize) -> MatPtr<T> {
    let st = t.strides();
    let (b, h) = ((bh / heads) as isize, (bh % heads) as isize);
    // SAFETY: the offset stays inside the tensor (b < B, h < H).
    let p = unsafe { (t.data_ptr() as *const T).offset(b * st[0] + h * st[1]) };
    MatPtr {
        p,
        rs: st[2],
        cs: st[3],
    }
}

/// A fresh tensor of `shape` whose memory holds dims 1 and 2 swapped: the layout PyTorch's
/// kernel gives its logsumexp (`[B, L, H]` memory viewed as `[B, H, L]`) and its gradients
/// (`[B, L, H, E]` memory viewed as `[B, H, L, E]`).
fn heads_inner(shape: &[usize], dtype: DType, device: Device) -> Tensor {
    let mut swapped = shape.to_vec();
    swapped.swap(1, 2);
    Tensor::uninit_on(&swapped, dtype, device)
        .transpose(1, 2)
        .expect("dims 1 and 2 of a fresh tensor of rank 3 or more")
}

/// `(out, logsumexp)` of `softmax(scale * q @ k^T [+ causal mask]) @ v`.
pub fn sdpa(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    causal: bool,
    scale: f64,
) -> OpResult<(Tensor, Tensor)> {
    let d = dims(q, k, v)?;
    let device = crate::tensor::output_device(&[q, k, v]);
    let out = Tensor::uninit_on(&[d.b, d.h, d.l, d.ev], q.dtype(), device);
    let lse = heads_inner(&[d.b, d.h, d.l], q.dtype(), device);
    if device == Device::Meta || out.numel() == 0 {
        return Ok((out, lse));
    }
    match q.dtype() {
        DType::Float32 => forward::<f32>(&d, q, k, v, &out, &lse, causal, scale),
        DType::Float64 => forward::<f64>(&d, q, k, v, &out, &lse, causal, scale),
        other => return Err(float_only(other)),
    }
    Ok((out, lse))
}

/// Softmax of each row of `p` (`rows × cols`, contiguous) in place, masked causally when
/// asked; returns each row's log-sum-exp through `lse(row, value)`.
fn softmax_rows<T: Real>(
    p: &mut [T],
    rows: usize,
    cols: usize,
    causal: bool,
    mut lse: impl FnMut(usize, T),
) {
    for i in 0..rows {
        let row = &mut p[i * cols..(i + 1) * cols];
        let seen = visible(i, cols, causal);
        row[seen..].fill(T::zero());
        let mut max = T::NEG_INF;
        for &x in &row[..seen] {
            if x > max {
                max = x;
            }
        }
        let mut sum = T::zero();
        for x in &mut row[..seen] {
            *x = (*x - max).exp();
            sum = sum + *x;
        }
        for x in &mut row[..seen] {
            *x = *x / sum;
        }
        lse(i, max + sum.ln());
    }
}

#[allow(clippy::too_many_arguments)]
fn forward<T: Real>(
    d: &Dims,
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    out: &Tensor,
    lse: &Tensor,
    causal: bool,
    scale: f64,
) {
    let (l, s, e, ev) = (d.l, d.s, d.e, d.ev);
    let scale = T::from_f64(scale);
    let lse_p = SendPtr(lse.data_ptr() as *mut T);
    let lse_st = lse.strides().to_vec();
    threads::for_ranges(d.b * d.h, 1, |heads| {
        let mut p = vec![T::zero(); l * s];
        for bh in heads {
            let (qh, kh, vh, oh) = (
                head::<T>(q, bh, d.h),
                head::<T>(k, bh, d.h),
                head::<T>(v, bh, d.h),
                head::<T>(out, bh, d.h),
            );
            // SAFETY: each head's matrices lie inside their tensors; `p` is this part's own.
            unsafe { gemm_st(l, s, e, scratch(&p, s), qh, kh.t(), scale) };
            let (b, h) = ((bh / d.h) as isize, (bh % d.h) as isize);
            softmax_rows(&mut p, l, s, causal, |i, x| {
                // SAFETY: (b, h, i) is inside the lse tensor; heads write disjoint entries.
                unsafe {
                    *lse_p
                        .get()
                        .offset(b * lse_st[0] + h * lse_st[1] + i as isize * lse_st[2]) = x
                };
            });
            // SAFETY: as above; each head writes its own slice of `out`.
            unsafe { gemm_st(l, ev, s, oh, scratch(&p, s), vh, T::from_f64(1.0)) };
        }
    });
}

/// Gradients `(dq, dk, dv)` of `sdpa` given the output's gradient, the forward's output and
/// its log-sum-exp.
#[allow(clippy::too_many_arguments)]
pub fn sdpa_backward(
    grad: &Tensor,
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    out: &Tensor,
    lse: &Tensor,
    causal: bool,
    scale: f64,
) -> OpResult<(Tensor, Tensor, Tensor)> {
    let d = dims(q, k, v)?;
    let shape_ok = grad.shape() == [d.b, d.h, d.l, d.ev]
        && out.shape() == grad.shape()
        && lse.shape() == [d.b, d.h, d.l]
        && [grad, out, lse].iter().all(|t| t.dtype() == q.dtype());
    if !shape_ok {
        return Err(OpError::runtime(
            "sdpa backward kernel: grad, out or logsumexp do not match the inputs",
        ));
    }
    let device = crate::tensor::output_device(&[grad, q, k, v, out, lse]);
    let dq = heads_inner(q.shape(), q.dtype(), device);
    let dk = heads_inner(k.shape(), q.dtype(), device);
    let dv = heads_inner(v.shape(), q.dtype(), device);
    if device == Device::Meta {
        return Ok((dq, dk, dv));
    }
    if d.l == 0 || d.s == 0 {
        // No score at all: every gradient is zero.
        for t in [&dq, &dk, &dv] {
            crate::eager::fill_(t, crate::Scalar::Int(0));
        }
        return Ok((dq, dk, dv));
    }
    let args = (grad, q, k, v, out, lse);
    match q.dtype() {
        DType::Float32 => backward::<f32>(&d, args, (&dq, &dk, &dv), causal, scale),
        DType::Float64 => backward::<f64>(&d, args, (&dq, &dk, &dv), causal, scale),
        other => return Err(float_only(other)),
    }
    Ok((dq, dk, dv))
}

type Inputs<'a> = (
    &'a Tensor,
    &'a Tensor,
    &'a Tensor,
    &'a Tensor,
    &'a Tensor,
    &'a Tensor,
);

fn backward<T: Real>(
    d: &Dims,
    (grad, q, k, v, out, lse): Inputs,
    (dq, dk, dv): (&Tensor, &Tensor, &Tensor),
    causal: bool,
    scale: f64,
) {
    let (l, s, e, ev) = (d.l, d.s, d.e, d.ev);
    let scale = T::from_f64(scale);
    let one = T::from_f64(1.0);
    threads::for_ranges(d.b * d.h, 1, |heads| {
        let mut p = vec![T::zero(); l * s];
        let mut dp = vec![T::zero(); l * s];
        for bh in heads {
            let (qh, kh, vh) = (
                head::<T>(q, bh, d.h),
                head::<T>(k, bh, d.h),
                head::<T>(v, bh, d.h),
            );
            let (gh, oh) = (head::<T>(grad, bh, d.h), head::<T>(out, bh, d.h));
            let (dqh, dkh, dvh) = (
                head::<T>(dq, bh, d.h),
                head::<T>(dk, bh, d.h),
                head::<T>(dv, bh, d.h),
            );
            let (pm, dpm) = (scratch(&p, s), scratch(&dp, s));
            let (b, h) = ((bh / d.h) as isize, (bh % d.h) as isize);
            let lst = lse.strides();
            // SAFETY (this block): every matrix lies inside its tensor or this part's
            // buffers; each head writes only its own slices of dq, dk, dv.
            unsafe {
                // p = exp(scale * q @ k^T - lse), zero where masked.
                gemm_st(l, s, e, pm, qh, kh.t(), scale);
                let lp = lse.data_ptr() as *const T;
                for i in 0..l {
                    let m = *lp.offset(b * lst[0] + h * lst[1] + i as isize * lst[2]);
                    let seen = visible(i, s, causal);
                    let row = &mut p[i * s..(i + 1) * s];
                    for x in &mut row[..seen] {
                        *x = (*x - m).exp();
                    }
                    row[seen..].fill(T::zero());
                }
                // dv = p^T @ grad
                gemm_st(s, ev, l, dvh, pm.t(), gh, one);
                // dp = grad @ v^T
                gemm_st(l, s, ev, dpm, gh, vh.t(), one);
                // ds = p * (dp - rowsum(grad * out)), kept in dp
                for i in 0..l {
                    let mut dot = T::zero();
                    for c in 0..ev as isize {
                        let g = *gh.p.offset(i as isize * gh.rs + c * gh.cs);
                        let o = *oh.p.offset(i as isize * oh.rs + c * oh.cs);
                        dot = dot + g * o;
                    }
                    for j in 0..s {
                        dp[i * s + j] = p[i * s + j] * (dp[i * s + j] - dot);
                    }
                }
                // dq = scale * ds @ k; dk = scale * ds^T @ q
                gemm_st(l, e, s, dqh, dpm, kh, scale);
                gemm_st(s, e, l, dkh, dpm.t(), qh, scale);
            }
        }
    });
}
