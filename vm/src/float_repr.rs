//! `repr(float)` as CPython writes it. RustPython takes Rust's shortest round-trip digits,
//! which break an exact tie upwards where CPython rounds to even: the float32 value
//! 0.188587188720703125 prints as 0.18858718872070313 instead of CPython's ...312. About one
//! float32 value in a hundred printed at double precision (`t.item()`, `tolist()`) is such a tie,
//! so smelt installs this as float's repr (and so str and f-strings without a format spec).

use rustpython_vm::builtins::{PyFloat, PyStr};
use rustpython_vm::{PyObject, PyRef, PyResult, VirtualMachine};

/// Makes `repr`, `str`, `print` and `f"{x}"` of floats use [`repr`].
pub fn install(vm: &VirtualMachine) {
    vm.ctx.types.float_type.slots.repr.store(Some(float_repr));
}

fn float_repr(obj: &PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let value = obj
        .downcast_ref::<PyFloat>()
        .ok_or_else(|| vm.new_type_error("descriptor '__repr__' requires a 'float' object"))?
        .to_f64();
    Ok(vm.ctx.new_str(repr(value)))
}

/// The shortest decimal that reads back as `v`; among shortest ones, the nearest to `v`, an
/// exact tie going to the even digit. Written as CPython does: positional for decimal
/// exponents from -4 to 15 (with ".0" on whole numbers), else `d.ddde±XX`.
pub fn repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // How many digits the shortest form needs, then those digits correctly rounded.
    let (shortest, _) = split(&format!("{:e}", v.abs()));
    let (digits, exp) = split(&format!("{:.*e}", shortest.len() - 1, v.abs()));
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if v < 0.0 { "-" } else { "" };
    let n = digits.len() as i32;
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = (exp + 1) as usize;
            if n <= exp + 1 {
                format!("{digits}{}.0", "0".repeat(int_len - n as usize))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let mantissa = if n > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.to_string()
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// "d.ddde-x" as Rust writes it: the significant digits and the decimal exponent.
fn split(s: &str) -> (String, i32) {
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::repr;

    #[test]
    fn matches_cpython() {
        // Expected strings are CPython 3's repr of the same values.
        let cases: &[(f64, &str)] = &[
            // 49437 / 2^18 = 0.188587188720703125 exactly: a tie at the 17th digit.
            (49437.0 / 262144.0, "0.18858718872070312"),
            (0.1, "0.1"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (123456789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.2345e-7, "1.2345e-07"),
            (1e300, "1e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (1.0 / 3.0, "0.3333333333333333"),
            (-0.0, "-0.0"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
            (1e23, "1e+23"),
        ];
        for (v, want) in cases {
            assert_eq!(repr(*v), *want, "repr of {v:e}");
        }
    }
}
