//! Vectorized elementary functions as sequences of vector-IR ops, written once for both
//! instruction sets and both float widths. Each is a range reduction plus a polynomial
//! whose degree is chosen so the error stays far below PyTorch's comparison tolerances
//! (f32: ~1e-7 relative; f64: ~1e-15), with the special values (inf, NaN, 0) selected
//! explicitly.

use super::vir::{Builder, Cmp, Round};

const LN2_HI: f64 = 0.693_145_751_953_125;
const LN2_LO: f64 = 1.428_606_820_309_417_3e-6;

fn factorial_coeffs(n: usize) -> Vec<f64> {
    let mut c = vec![1.0];
    let mut f = 1.0;
    for k in 1..=n {
        f *= k as f64;
        c.push(1.0 / f);
    }
    c
}

/// `2^n` for a float lane holding an integer `n` in the exponent range, as `2^(n-1)` (so
/// the top exponent stays finite; the caller doubles).
fn pow2_minus1(b: &mut Builder, n: u32) -> u32 {
    let (magic, mbits, bias) = if b.is_f64() {
        (4_503_599_627_370_496.0, 52, 1023)
    } else {
        (8_388_608.0, 23, 127)
    };
    let m = b.c(magic + (bias - 1) as f64);
    let t = b.add(n, m);
    let magic_bits = if b.is_f64() {
        magic.to_bits() as i64
    } else {
        (magic as f32).to_bits() as i64
    };
    let mi = b.int(magic_bits);
    let e = b.push(super::vir::Op::ISub(t, mi));
    b.push(super::vir::Op::Shl(e, mbits))
}

pub fn exp(b: &mut Builder, x: u32) -> u32 {
    let (hi, lo, degree) = if b.is_f64() {
        (709.782_712_893_384, -708.396_418_532_264_1, 13)
    } else {
        (88.722_839_355_468_75, -87.336_544_750_553_1, 7)
    };
    let hic = b.c(hi);
    let loc = b.c(lo);
    // NaN stays in the second operand, so it survives the clamps.
    let xc = b.push(super::vir::Op::Min(hic, x));
    let xc = b.push(super::vir::Op::Max(loc, xc));
    let log2e = b.c(std::f64::consts::LOG2_E);
    let t = b.mul(xc, log2e);
    let n = b.push(super::vir::Op::Round(t, Round::Nearest));
    let nln2hi = b.c(-LN2_HI);
    let nln2lo = b.c(-LN2_LO);
    let r = b.fma(n, nln2hi, xc);
    let r = b.fma(n, nln2lo, r);
    let p = b.poly(r, &factorial_coeffs(degree));
    let s = pow2_minus1(b, n);
    let two = b.c(2.0);
    let y = b.mul(p, s);
    let y = b.mul(y, two);
    let over = b.cmp(Cmp::Gt, x, hic);
    let inf = b.c(f64::INFINITY);
    let y = b.select(over, inf, y);
    let under = b.cmp(Cmp::Lt, x, loc);
    let zero = b.c(0.0);
    b.select(under, zero, y)
}

/// `exp(x) - 1`, accurate near 0 (a Taylor series there, `exp` elsewhere).
pub fn expm1(b: &mut Builder, x: u32) -> u32 {
    let degree = if b.is_f64() { 18 } else { 9 };
    let mut coeffs = factorial_coeffs(degree);
    coeffs.remove(0);
    // x * (1 + x/2 + x^2/6 + ...)
    let p = b.poly(x, &coeffs);
    let small = b.mul(x, p);
    let e = exp(b, x);
    let one = b.c(1.0);
    let big = b.sub(e, one);
    let a = b.abs(x);
    let half = b.c(0.5);
    let is_small = b.cmp(Cmp::Lt, a, half);
    b.select(is_small, small, big)
}

pub fn log(b: &mut Builder, x: u32) -> u32 {
    use super::vir::Op;
    let (mbits, mant_mask, one_bits, magic, bias, terms) = if b.is_f64() {
        (
            52u8,
            (1i64 << 52) - 1,
            1f64.to_bits() as i64,
            4_503_599_627_370_496.0f64,
            1023,
            11,
        )
    } else {
        (
            23u8,
            (1i64 << 23) - 1,
            1f32.to_bits() as i64,
            8_388_608.0f64,
            127,
            5,
        )
    };
    let e_bits = b.push(Op::Shr(x, mbits));
    let magic_bits = if b.is_f64() {
        magic.to_bits() as i64
    } else {
        (magic as f32).to_bits() as i64
    };
    let mb = b.int(magic_bits);
    let ef = b.push(Op::IAdd(e_bits, mb));
    let mbias = b.c(magic + bias as f64);
    let e = b.sub(ef, mbias);
    let mm = b.int(mant_mask);
    let ob = b.int(one_bits);
    let m = b.push(Op::And(x, mm));
    let m = b.push(Op::Or(m, ob));
    let sqrt2 = b.c(std::f64::consts::SQRT_2);
    let big = b.cmp(Cmp::Gt, m, sqrt2);
    let half = b.c(0.5);
    let one = b.c(1.0);
    let zero = b.c(0.0);
    let mh = b.mul(m, half);
    let m = b.select(big, mh, m);
    let inc = b.select(big, one, zero);
    let e = b.add(e, inc);
    // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
    let num = b.sub(m, one);
    let den = b.add(m, one);
    let s = b.div(num, den);
    let z = b.mul(s, s);
    let coeffs: Vec<f64> = (0..terms).map(|k| 1.0 / (2 * k + 1) as f64).collect();
    let p = b.poly(z, &coeffs);
    let two = b.c(2.0);
    let s2 = b.mul(s, two);
    let lm = b.mul(s2, p);
    let lo = b.c(LN2_LO);
    let hi = b.c(LN2_HI);
    let r = b.fma(e, lo, lm);
    let r = b.fma(e, hi, r);
    let neg = b.cmp(Cmp::Lt, x, zero);
    let nan = b.c(f64::NAN);
    let r = b.select(neg, nan, r);
    let is_zero = b.cmp(Cmp::Eq, x, zero);
    let ninf = b.c(f64::NEG_INFINITY);
    let r = b.select(is_zero, ninf, r);
    let inf = b.c(f64::INFINITY);
    let is_inf = b.cmp(Cmp::Eq, x, inf);
    let r = b.select(is_inf, inf, r);
    let is_nan = b.cmp(Cmp::Unord, x, x);
    b.select(is_nan, x, r)
}

/// `log(1 + x)`, accurate near 0: `log(u) * x / (u - 1)` with `u = 1 + x`.
pub fn log1p(b: &mut Builder, x: u32) -> u32 {
    let one = b.c(1.0);
    let u = b.add(one, x);
    let l = log(b, u);
    let d = b.sub(u, one);
    let q = b.div(x, d);
    let r = b.mul(l, q);
    let exact = b.cmp(Cmp::Eq, u, one);
    let r = b.select(exact, x, r);
    let inf = b.c(f64::INFINITY);
    let is_inf = b.cmp(Cmp::Eq, x, inf);
    b.select(is_inf, inf, r)
}

fn sin_cos(b: &mut Builder, x: u32, cos: bool) -> u32 {
    use super::vir::Op;
    // pi/2 in three parts whose leading ones have trailing zero bits, so n * part is exact.
    let (p1, p2, p3, sin_terms, cos_terms, magic, sign_shift) = if b.is_f64() {
        (
            1.570_796_251_296_997,
            7.549_789_415_861_596e-8,
            5.390_302_858_158_119e-15,
            8,
            9,
            6_755_399_441_055_744.0,
            62u8,
        )
    } else {
        (
            1.570_312_5,
            4.837_512_969_970_703e-4,
            7.549_789_954_891_882e-8,
            4,
            5,
            12_582_912.0,
            30u8,
        )
    };
    let two_over_pi = b.c(std::f64::consts::FRAC_2_PI);
    let t = b.mul(x, two_over_pi);
    let n = b.push(Op::Round(t, Round::Nearest));
    let (c1, c2, c3) = (b.c(-p1), b.c(-p2), b.c(-p3));
    let r = b.fma(n, c1, x);
    let r = b.fma(n, c2, r);
    let r = b.fma(n, c3, r);
    let z = b.mul(r, r);
    // sin r = r + r z (-1/3! + z/5! - ...); cos r = 1 - z/2 + z^2 (1/4! - z/6! + ...)
    let mut fact = factorial_coeffs(2 * cos_terms + 2);
    for (k, f) in fact.iter_mut().enumerate() {
        if (k / 2) % 2 == 1 {
            *f = -*f;
        }
    }
    let sin_c: Vec<f64> = (1..=sin_terms).map(|k| fact[2 * k + 1]).collect();
    let cos_c: Vec<f64> = (2..=cos_terms).map(|k| fact[2 * k]).collect();
    let ps = b.poly(z, &sin_c);
    let rz = b.mul(r, z);
    let s = b.fma(rz, ps, r);
    let pc = b.poly(z, &cos_c);
    let zz = b.mul(z, z);
    let mhalf = b.c(-0.5);
    let one = b.c(1.0);
    let cz = b.fma(z, mhalf, one);
    let c = b.fma(zz, pc, cz);
    // Quadrant: n + 1.5 * 2^mantissa keeps one exponent for either sign of n, so the
    // integer sits in the low bits.
    let mg = b.c(magic);
    let q = b.add(n, mg);
    let q = if cos {
        let one_i = b.int(1);
        b.push(Op::IAdd(q, one_i))
    } else {
        q
    };
    let one_i = b.int(1);
    let two_i = b.int(2);
    let odd = b.push(Op::And(q, one_i));
    let odd = b.push(Op::IEq(odd, one_i));
    let v = b.select(odd, c, s);
    let flip = b.push(Op::And(q, two_i));
    let flip = b.push(Op::Shl(flip, sign_shift));
    b.push(Op::Xor(v, flip))
}

pub fn sin(b: &mut Builder, x: u32) -> u32 {
    let v = sin_cos(b, x, false);
    // sin(-0) is -0 (the reduction's `n * -p + x` turns it into +0): 1 / sin(x) and tan's
    // sign depend on it.
    let zero = b.c(0.0);
    let is_zero = b.cmp(Cmp::Eq, x, zero);
    b.select(is_zero, x, v)
}

pub fn cos(b: &mut Builder, x: u32) -> u32 {
    sin_cos(b, x, true)
}

pub fn tan(b: &mut Builder, x: u32) -> u32 {
    let s = sin(b, x);
    let c = cos(b, x);
    b.div(s, c)
}

/// `tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|))` with x's sign.
pub fn tanh(b: &mut Builder, x: u32) -> u32 {
    let a = b.abs(x);
    let m2 = b.c(-2.0);
    let t = b.mul(a, m2);
    let u = expm1(b, t);
    let two = b.c(2.0);
    let d = b.add(two, u);
    let nu = b.neg(u);
    let r = b.div(nu, d);
    odd_from_magnitude(b, r, x)
}

/// An odd function's value from its value `r` at `|x|`: x's sign put back, NaN kept.
fn odd_from_magnitude(b: &mut Builder, r: u32, x: u32) -> u32 {
    let sign = b.sign_mask();
    let xs = b.push(super::vir::Op::And(x, sign));
    let r = b.push(super::vir::Op::Or(r, xs));
    let is_nan = b.cmp(Cmp::Unord, x, x);
    b.select(is_nan, x, r)
}

pub fn sigmoid(b: &mut Builder, x: u32) -> u32 {
    let nx = b.neg(x);
    let e = exp(b, nx);
    let one = b.c(1.0);
    let d = b.add(one, e);
    b.div(one, d)
}

/// Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): f32 only.
pub fn erf(b: &mut Builder, x: u32) -> u32 {
    let a = b.abs(x);
    let p = b.c(0.327_591_1);
    let one = b.c(1.0);
    let d = b.fma(a, p, one);
    let t = b.div(one, d);
    let poly = b.poly(
        t,
        &[
            0.0,
            0.254_829_592,
            -0.284_496_736,
            1.421_413_741,
            -1.453_152_027,
            1.061_405_429,
        ],
    );
    let a2 = b.mul(a, a);
    let na2 = b.neg(a2);
    let e = exp(b, na2);
    let pe = b.mul(poly, e);
    let r = b.sub(one, pe);
    // Near 0 the formula's absolute error is the whole value (erf(1e-30) would be 0): there
    // the Taylor series 2/sqrt(pi) (a - a^3/3 + a^5/10 - a^7/42 + a^9/216) is used.
    let small = b.c(0.25);
    let near_zero = b.cmp(Cmp::Lt, a, small);
    let k = std::f64::consts::FRAC_2_SQRT_PI;
    let series = b.poly(a2, &[k, -k / 3.0, k / 10.0, -k / 42.0, k / 216.0]);
    let taylor = b.mul(a, series);
    let r = b.select(near_zero, taylor, r);
    odd_from_magnitude(b, r, x)
}
