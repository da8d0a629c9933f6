//! Fused optimizer updates: what `torch.optim.Adam(W)`'s single-tensor loop does to one
//! parameter in five in-place ops (decay, `lerp_`, `mul_`+`addcmul_`, the denominator,
//! `addcdiv_`) in one pass over its memory. Each element goes through the same float
//! operations in the same order, rounded to the tensor's dtype after each as the separate ops
//! round, so the fused update gives the separate ops' results bit for bit.

use smelt_tracer::DType;

use crate::Tensor;

/// The scalars of one Adam step, as the separate ops receive them (each is rounded to the
/// tensor's dtype, as a Python number operand of a tensor op is).
#[derive(Clone, Copy, Debug)]
pub struct AdamStep {
    /// `1 - lr * weight_decay` (AdamW's decoupled decay), or none.
    pub decay: Option<f64>,
    /// `1 - beta1`: the weight of `exp_avg.lerp_(grad, ·)`.
    pub lerp_weight: f64,
    pub beta2: f64,
    /// `1 - beta2`: the value of `exp_avg_sq.addcmul_(grad, grad, value=·)`.
    pub sq_weight: f64,
    /// `sqrt(1 - beta2 ** step)`.
    pub root2: f64,
    pub eps: f64,
    /// `-lr / (1 - beta1 ** step)`: the value of `param.addcdiv_(exp_avg, denom, value=·)`.
    pub neg_step_size: f64,
    /// `maximize=True`: the gradient's negation is used.
    pub maximize: bool,
}

trait Real:
    Copy
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    fn of(v: f64) -> Self;
    fn sqrt(self) -> Self;
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

fn update<T: Real>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], s: &AdamStep) {
    let decay = s.decay.map(T::of);
    let (w, b2, c2, r2, eps, step) = (
        T::of(s.lerp_weight),
        T::of(s.beta2),
        T::of(s.sq_weight),
        T::of(s.root2),
        T::of(s.eps),
        T::of(s.neg_step_size),
    );
    // `addcmul_`/`addcdiv_` skip their multiply when value is 1, so the fused form does too.
    let scale_sq = s.sq_weight != 1.0;
    let scale_step = s.neg_step_size != 1.0;
    for i in 0..p.len() {
        let gi = if s.maximize { -g[i] } else { g[i] };
        let mut pi = p[i];
        if let Some(d) = decay {
            pi = pi * d;
        }
        let mi = m[i] + (gi - m[i]) * w;
        let sq = gi * gi;
        let vi = v[i] * b2 + if scale_sq { sq * c2 } else { sq };
        let ratio = mi / (vi.sqrt() / r2 + eps);
        p[i] = pi + if scale_step { ratio * step } else { ratio };
        m[i] = mi;
        v[i] = vi;
    }
}

/// One Adam step on `param` with gradient `grad` and moments `exp_avg`, `exp_avg_sq`, in
/// place. Returns false, touching nothing, for what the fused form does not take (other
/// dtypes, non-contiguous or shared memory, sizes that differ, meta tensors): the caller then
/// runs the separate ops.
pub fn adam_update(
    param: &Tensor,
    grad: &Tensor,
    exp_avg: &Tensor,
    exp_avg_sq: &Tensor,
    s: &AdamStep,
) -> bool {
    let all = [param, grad, exp_avg, exp_avg_sq];
    let dtype = param.dtype();
    let n = param.numel();
    let fits = matches!(dtype, DType::Float32 | DType::Float64)
        && all
            .iter()
            .all(|t| t.dtype() == dtype && t.numel() == n && t.is_contiguous() && !t.is_meta())
        && (0..4).all(|i| (i + 1..4).all(|j| !all[i].same_storage(all[j])));
    if !fits {
        return false;
    }
    for t in [param, exp_avg, exp_avg_sq] {
        t.storage().bump_version();
    }
    if n == 0 {
        return true;
    }
    macro_rules! run {
        ($t:ty) => {{
            // SAFETY: four contiguous tensors of n elements of this dtype, in distinct storages
            // (checked above), so the slices are valid and do not overlap.
            let (p, g, m, v) = unsafe {
                (
                    std::slice::from_raw_parts_mut(param.data_ptr() as *mut $t, n),
                    std::slice::from_raw_parts(grad.data_ptr() as *const $t, n),
                    std::slice::from_raw_parts_mut(exp_avg.data_ptr() as *mut $t, n),
                    std::slice::from_raw_parts_mut(exp_avg_sq.data_ptr() as *mut $t, n),
                )
            };
            update::<$t>(p, g, m, v, s)
        }};
    }
    match dtype {
        DType::Float32 => run!(f32),
        _ => run!(f64),
    }
    true
}
