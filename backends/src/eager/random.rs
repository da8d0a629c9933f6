//! The default CPU generator: MT19937, drawn from in the same order and with the same
//! transformations as PyTorch's CPU generator, so `torch.manual_seed(s)` gives PyTorch's values.

use std::sync::Mutex;

use rand_mt::Mt;
use smelt_tracer::{DType, OpError, OpResult};

use super::box_muller;

use crate::element::Element;
use crate::tensor::Tensor;
use crate::with_element;

#[derive(Clone)]
pub struct Generator {
    engine: Mt,
    seed: u64,
    /// The second value of the last double-precision Box–Muller pair, kept for the next draw.
    spare_normal: Option<f64>,
}

/// PyTorch's default CPU seed.
const DEFAULT_SEED: u64 = 67280421310721;

static DEFAULT: Mutex<Option<Generator>> = Mutex::new(None);

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            engine: Mt::new(seed as u32),
            seed,
            spare_normal: None,
        }
    }

    fn random(&mut self) -> u32 {
        self.engine.next_u32()
    }

    fn random64(&mut self) -> u64 {
        let hi = self.random() as u64;
        let lo = self.random() as u64;
        (hi << 32) | lo
    }

    /// A uniform value in [0, 1) at the precision of `dtype` (24 random bits for float32 and
    /// narrower, 53 for float64).
    fn uniform01(&mut self, dtype: DType) -> f64 {
        if dtype == DType::Float64 {
            (self.random64() & ((1u64 << 53) - 1)) as f64 * (-53f64).exp2()
        } else {
            (self.random() & ((1u32 << 24) - 1)) as f64 * (-24f64).exp2()
        }
    }

    /// `uniform_real_distribution(from, to)`: the bounds are first cast to the dtype; float64
    /// computes in double, narrower dtypes compute the float32 value and round it, giving the
    /// lower bound where rounding reaches the upper one.
    fn uniform(&mut self, dtype: DType, from: f64, to: f64) -> f64 {
        let x = self.uniform01(dtype);
        if dtype == DType::Float64 {
            return x * (to - from) + from;
        }
        let (from32, to32) = (from as f32 as f64, to as f32 as f64);
        let v = round_to(dtype, (x * (to32 - from32) + from32) as f32 as f64);
        if v == round_to(dtype, to) && dtype != DType::Float32 {
            round_to(dtype, from)
        } else {
            v
        }
    }

    fn normal_scalar(&mut self, dtype: DType) -> f64 {
        if dtype == DType::Float64
            && let Some(v) = self.spare_normal.take()
        {
            return v;
        }
        let u1 = self.uniform01(dtype);
        let u2 = self.uniform01(dtype);
        let r = (-2.0 * (-u2).ln_1p()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u1;
        if dtype == DType::Float64 {
            self.spare_normal = Some(r * theta.sin());
        }
        r * theta.cos()
    }
}

fn with_default<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    let mut guard = DEFAULT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    f(guard.get_or_insert_with(|| Generator::new(DEFAULT_SEED)))
}

/// `torch.manual_seed(seed)`.
pub fn manual_seed(seed: u64) {
    with_default(|g| *g = Generator::new(seed));
}

/// A copy of the default generator's whole state (`torch.get_rng_state()`).
pub fn get_state() -> Generator {
    with_default(|g| g.clone())
}

/// Makes the default generator continue exactly as `state` would (`torch.set_rng_state`).
pub fn set_state(state: &Generator) {
    with_default(|g| *g = state.clone());
}

/// `torch.initial_seed()`.
pub fn initial_seed() -> u64 {
    with_default(|g| g.seed)
}

fn write_all<T: Element>(t: &Tensor, mut next: impl FnMut() -> f64) {
    // Draws go to elements in row-major order of the (contiguous) tensor.
    let p = t.data_ptr() as *mut T;
    for i in 0..t.numel() {
        // SAFETY: `t` is a fresh contiguous tensor.
        unsafe { *p.add(i) = T::from_f64(next()) };
    }
}

fn check_float(dtype: DType, what: &str) -> OpResult<()> {
    if !dtype.is_floating_point() {
        return Err(OpError::not_implemented(format!(
            "\"{what}\" not implemented for '{}'",
            dtype.scalar_type_name()
        )));
    }
    Ok(())
}

/// A new tensor of uniform values in [low, high).
pub fn uniform(shape: &[usize], low: f64, high: f64, dtype: DType) -> OpResult<Tensor> {
    check_float(dtype, "check_uniform_bounds")?;
    let t = Tensor::zeros(shape, dtype);
    with_default(|g| with_element!(dtype, T => write_all::<T>(&t, || g.uniform(dtype, low, high))));
    Ok(t)
}

/// A new tensor of normal values: PyTorch fills 16 at a time by Box–Muller over uniforms when
/// there are at least 16 elements, and draws one by one otherwise.
pub fn normal(shape: &[usize], mean: f64, std: f64, dtype: DType) -> OpResult<Tensor> {
    check_float(dtype, "normal_kernel_cpu")?;
    let t = Tensor::zeros(shape, dtype);
    let n = t.numel();
    let values: Vec<f64> = with_default(|g| {
        if n < 16 {
            // Small tensors draw each value from the double-precision distribution; a narrower
            // dtype takes it through float32, as C++'s casts do.
            return (0..n)
                .map(|_| g.normal_scalar(DType::Float64).mul_add(std, mean))
                .map(|v| {
                    if dtype == DType::Float64 {
                        v
                    } else {
                        v as f32 as f64
                    }
                })
                .collect();
        }
        if dtype == DType::Float64 {
            let mut data: Vec<f64> = (0..n).map(|_| g.uniform01(dtype)).collect();
            fill_normal(
                &mut data,
                || g.uniform01(dtype),
                |c| box_muller::fill16_f64(c, mean, std),
            );
            return data;
        }
        let (mean, std) = (mean as f32, std as f32);
        if dtype == DType::Float32 {
            let mut data: Vec<f32> = (0..n).map(|_| g.uniform01(dtype) as f32).collect();
            fill_normal(
                &mut data,
                || g.uniform01(dtype) as f32,
                |c| box_muller::fill16_f32(c, mean, std),
            );
            return data.into_iter().map(f64::from).collect();
        }
        // float16 and bfloat16 (measured against PyTorch 2.15): float32 normals over whole
        // blocks of 16 uniforms, n rounded up; the tensor takes the first n - 16 and the last 16.
        let padded = n.div_ceil(16) * 16;
        let mut data: Vec<f32> = (0..padded).map(|_| g.uniform01(dtype) as f32).collect();
        for chunk in data.chunks_exact_mut(16) {
            box_muller::fill16_f32(chunk, mean, std);
        }
        data.drain(n - 16..padded - 16);
        data.into_iter().map(f64::from).collect()
    });
    let mut it = values.into_iter();
    with_element!(dtype, T => write_all::<T>(&t, || it.next().unwrap_or(0.0)));
    Ok(t)
}

/// Uniforms in `data` to normals 16 at a time; a tail shorter than 16 is redone, over the last
/// 16 elements, from fresh uniforms.
fn fill_normal<F>(data: &mut [F], mut draw: impl FnMut() -> F, fill16: impl Fn(&mut [F])) {
    let n = data.len();
    for start in (0..n - 15).step_by(16) {
        fill16(&mut data[start..start + 16]);
    }
    if !n.is_multiple_of(16) {
        for v in &mut data[n - 16..] {
            *v = draw();
        }
        fill16(&mut data[n - 16..]);
    }
}

/// Values stored in a tensor of `dtype` and read back, as the in-place fill does.
fn round_to(dtype: DType, v: f64) -> f64 {
    with_element!(dtype, T => <T as Element>::from_f64(v).to_f64())
}

/// A new integer tensor with values in [low, high).
pub fn randint(shape: &[usize], low: i64, high: i64, dtype: DType) -> OpResult<Tensor> {
    if high <= low {
        return Err(OpError::runtime(format!(
            "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )));
    }
    let range = (high as i128 - low as i128) as u128;
    let t = Tensor::zeros(shape, dtype);
    with_default(|g| {
        with_element!(dtype, T => {
            // Written as integers: int64 values beyond 2^53 must not pass through f64.
            let p = t.data_ptr() as *mut T;
            for i in 0..t.numel() {
                let r = if range >= 1u128 << 32 { g.random64() as u128 % range } else { g.random() as u128 % range };
                // SAFETY: `t` is a fresh contiguous tensor.
                unsafe { *p.add(i) = T::from_i64((low as i128 + r as i128) as i64) };
            }
        })
    });
    Ok(t)
}
