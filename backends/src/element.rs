//! The Rust type behind each dtype, and the conversions kernels use between them.

pub use half;
use half::{bf16, f16};
use smelt_tracer::DType;

/// A tensor element. Conversions follow C++ casts as PyTorch does them: float to int
/// truncates toward zero, int to narrower int wraps, anything to bool is `!= 0`.
pub trait Element: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
    fn to_f32(self) -> f32 {
        self.to_f64() as f32
    }
    fn from_f32(v: f32) -> Self {
        Self::from_f64(v as f64)
    }
    fn to_bool(self) -> bool;
    fn from_bool(v: bool) -> Self {
        Self::from_i64(v as i64)
    }
    fn zero() -> Self {
        Self::from_i64(0)
    }
}

macro_rules! int_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                float_to_int(v, <$t>::BITS) as $t
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn to_bool(self) -> bool {
                self != 0
            }
        }
    };
}
/// A float cast to an integer of `bits` bits, as PyTorch's compiled C++ casts behave on this
/// CPU: truncation toward zero; types narrower than 32 bits convert to int32 and keep the low
/// bits. Out of range (and NaN), x86-64's conversion gives its "integer indefinite" value,
/// the type's minimum (so 0 in the low bits of a narrower type); AArch64's saturates (NaN 0).
fn float_to_int(v: f64, bits: u32) -> i64 {
    if bits == 64 {
        if cfg!(target_arch = "x86_64")
            && !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)
        {
            return i64::MIN;
        }
        return v as i64;
    }
    if cfg!(target_arch = "x86_64") && !(v > -2_147_483_649.0 && v < 2_147_483_648.0) {
        return i32::MIN as i64;
    }
    v as i32 as i64
}

int_element!(u8, UInt8);
int_element!(i8, Int8);
int_element!(i16, Int16);
int_element!(i32, Int32);
int_element!(i64, Int64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn to_bool(self) -> bool {
        self
    }
    fn from_bool(v: bool) -> Self {
        v
    }
}

impl Element for f32 {
    const DTYPE: DType = DType::Float32;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v as f32
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(v: f32) -> Self {
        v
    }
    fn to_bool(self) -> bool {
        self != 0.0
    }
}

impl Element for f64 {
    const DTYPE: DType = DType::Float64;
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v as f64
    }
    fn to_bool(self) -> bool {
        self != 0.0
    }
}

macro_rules! half_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            fn from_f64(v: f64) -> Self {
                // Through float32, as PyTorch converts (c10's half types are built from a
                // float): `half`'s own conversion drops the double's low bits before rounding.
                <$t>::from_f32(v as f32)
            }
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            fn from_i64(v: i64) -> Self {
                <$t>::from_f32(v as f32)
            }
            fn to_f32(self) -> f32 {
                self.to_f32()
            }
            fn from_f32(v: f32) -> Self {
                <$t>::from_f32(v)
            }
            fn to_bool(self) -> bool {
                self.to_f32() != 0.0
            }
        }
    };
}
half_element!(f16, Float16);
half_element!(bf16, BFloat16);

/// Runs `$body` with `$T` bound to the element type of `$dtype`.
#[macro_export]
macro_rules! with_element {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DType::UInt8 => {
                type $T = u8;
                $body
            }
            $crate::DType::Int8 => {
                type $T = i8;
                $body
            }
            $crate::DType::Int16 => {
                type $T = i16;
                $body
            }
            $crate::DType::Int32 => {
                type $T = i32;
                $body
            }
            $crate::DType::Int64 => {
                type $T = i64;
                $body
            }
            $crate::DType::Float16 => {
                type $T = $crate::element::half::f16;
                $body
            }
            $crate::DType::BFloat16 => {
                type $T = $crate::element::half::bf16;
                $body
            }
            $crate::DType::Float32 => {
                type $T = f32;
                $body
            }
            $crate::DType::Float64 => {
                type $T = f64;
                $body
            }
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
        }
    };
}

/// A Python number as an op operand or a tensor element read back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn read<T: Element>(v: T) -> Scalar {
        match T::DTYPE.category() {
            smelt_tracer::dtype::Category::Bool => Scalar::Bool(v.to_bool()),
            smelt_tracer::dtype::Category::Integral => Scalar::Int(v.to_i64()),
            smelt_tracer::dtype::Category::Floating => Scalar::Float(v.to_f64()),
        }
    }

    pub fn to_element<T: Element>(self) -> T {
        match self {
            Scalar::Bool(b) => T::from_bool(b),
            Scalar::Int(i) => T::from_i64(i),
            Scalar::Float(f) => T::from_f64(f),
        }
    }

    pub fn category(self) -> smelt_tracer::dtype::Category {
        use smelt_tracer::dtype::Category;
        match self {
            Scalar::Bool(_) => Category::Bool,
            Scalar::Int(_) => Category::Integral,
            Scalar::Float(_) => Category::Floating,
        }
    }
}
