//! Box–Muller in the arithmetic PyTorch's CPU kernels use, so that `randn` after
//! `torch.manual_seed(s)` equals PyTorch's bit for bit, not only to a few decimals.
//!
//! PyTorch turns a buffer of uniforms into normals 16 at a time: pairs (j, j + 8) give
//! `radius * cos(theta)` and `radius * sin(theta)`. Which arithmetic it uses depends on the
//! dtype and the CPU, and each choice changes the last bits:
//! - float32 on x86-64 CPUs with AVX2 and FMA (AVX512 CPUs too: PyTorch registers no AVX512
//!   normal kernel) runs a vectorised kernel whose log, sin and cos are Cephes-style float32
//!   polynomials, compiled with multiply-adds fused. `log_cephes` and `sincos_cephes` compute
//!   the same values one lane at a time (checked against PyTorch 2.15 bit for bit).
//! - float32 elsewhere, and float64, use the C library's log/sin/cos in the dtype's precision,
//!   the mean and std applied with a fused multiply-add.
//! - float16 and bfloat16 are the float32 values rounded.

/// The 16 normals for 16 uniforms in `chunk`, in place, in float32.
pub fn fill16_f32(chunk: &mut [f32], mean: f32, std: f32) {
    let vector_kernel = vector_kernel();
    for j in 0..8 {
        let u1 = 1.0 - chunk[j];
        let u2 = chunk[j + 8];
        let (radius, sin, cos) = if vector_kernel {
            // 2π is rounded to float32 before the product, as a float32 vector constant.
            let theta = (2.0 * std::f64::consts::PI) as f32 * u2;
            let (sin, cos) = sincos_cephes(theta);
            ((-2.0 * log_cephes(u1)).sqrt(), sin, cos)
        } else {
            // The portable kernel: theta computed in double from 2π, then stored as float.
            let theta = (2.0 * std::f64::consts::PI * u2 as f64) as f32;
            ((-2.0 * u1.ln()).sqrt(), theta.sin(), theta.cos())
        };
        chunk[j] = (radius * cos).mul_add(std, mean);
        chunk[j + 8] = (radius * sin).mul_add(std, mean);
    }
}

/// The same in float64: always the portable kernel.
pub fn fill16_f64(chunk: &mut [f64], mean: f64, std: f64) {
    for j in 0..8 {
        let u1 = 1.0 - chunk[j];
        let u2 = chunk[j + 8];
        let radius = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        chunk[j] = (radius * theta.cos()).mul_add(std, mean);
        chunk[j + 8] = (radius * theta.sin()).mul_add(std, mean);
    }
}

/// Whether PyTorch would run its AVX2 normal kernel on this CPU (asked once per process).
fn vector_kernel() -> bool {
    static DETECTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DETECTED.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// Natural log for x in (0, 1]: x = m · 2^e with m in [√½, √2), ln x = e·ln 2 + P(m - 1), the
/// ln 2 split in two parts (q1 + q2) for precision. The fused steps are where the compiled
/// kernel fuses a multiply into the next add.
// The constants are Cephes' published values, written as published.
#[allow(clippy::excessive_precision)]
fn log_cephes(x: f32) -> f32 {
    const P: [f32; 9] = [
        7.0376836292E-2,
        -1.1514610310E-1,
        1.1676998740E-1,
        -1.2420140846E-1,
        1.4249322787E-1,
        -1.6668057665E-1,
        2.0000714765E-1,
        -2.4999993993E-1,
        3.3333331174E-1,
    ];
    const Q1: f32 = -2.12194440e-4;
    const Q2: f32 = 0.693359375;
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 0x7f) as f32 + 1.0;
    let mut m = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let below = m < SQRT_HALF;
    let extra = if below { m } else { 0.0 };
    m -= 1.0;
    if below {
        e -= 1.0;
    }
    m += extra;
    let z = m * m;
    let mut y = P[0];
    for p in &P[1..] {
        y = y.mul_add(m, *p);
    }
    y *= m;
    y = y.mul_add(z, e * Q1);
    y = (-z).mul_add(0.5, y);
    e.mul_add(Q2, m + y)
}

/// sin and cos together: reduce by multiples of π/4 (the multiple's bits pick the polynomial
/// and the signs), with π/4 split in three parts for an exact-enough reduction.
#[allow(clippy::excessive_precision)]
fn sincos_cephes(x: f32) -> (f32, f32) {
    const FOUR_OVER_PI: f32 = 1.27323954473516;
    const DP: [f32; 3] = [
        -0.78515625,
        -2.4187564849853515625e-4,
        -3.77489497744594108e-8,
    ];
    const COS: [f32; 3] = [
        2.443315711809948E-005,
        -1.388731625493765E-003,
        4.166664568298827E-002,
    ];
    const SIN: [f32; 3] = [-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1];
    let mut sin_negative = x.is_sign_negative();
    let mut x = x.abs();
    let j = (((x * FOUR_OVER_PI) as i32) + 1) & !1;
    let y = j as f32;
    sin_negative ^= j & 4 != 0;
    let cos_negative = !(j - 2) & 4 != 0;
    let sin_poly_is_sin = j & 2 == 0;
    for d in DP {
        x = y.mul_add(d, x);
    }
    let z = x * x;
    let mut c = COS[0].mul_add(z, COS[1]);
    c = c.mul_add(z, COS[2]);
    c *= z;
    c = c.mul_add(z, -(z * 0.5));
    c += 1.0;
    let mut s = SIN[0].mul_add(z, SIN[1]);
    s = s.mul_add(z, SIN[2]);
    s *= z;
    s = s.mul_add(x, x);
    let (sin, cos) = if sin_poly_is_sin { (s, c) } else { (c, s) };
    (
        if sin_negative { -sin } else { sin },
        if cos_negative { -cos } else { cos },
    )
}
