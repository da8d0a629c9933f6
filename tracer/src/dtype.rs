//! Tensor element types and PyTorch's type-promotion rules.

use std::fmt;

/// The element types smelt supports, in PyTorch's `ScalarType` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    UInt8,
    Int8,
    Int16,
    Int32,
    Int64,
    Float16,
    Float32,
    Float64,
    Bool,
    BFloat16,
}

/// Bool < integral < floating: the order in which categories win in promotion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Bool,
    Integral,
    Floating,
}

impl DType {
    pub const ALL: [DType; 10] = [
        DType::UInt8,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::Float16,
        DType::Float32,
        DType::Float64,
        DType::Bool,
        DType::BFloat16,
    ];

    /// The dtype of a tensor made from Python floats when none is given (`torch.get_default_dtype()`).
    pub const DEFAULT_FLOAT: DType = DType::Float32;

    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::UInt8 | DType::Int8 => 1,
            DType::Int16 | DType::Float16 | DType::BFloat16 => 2,
            DType::Int32 | DType::Float32 => 4,
            DType::Int64 | DType::Float64 => 8,
        }
    }

    pub fn category(self) -> Category {
        match self {
            DType::Bool => Category::Bool,
            DType::UInt8 | DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64 => {
                Category::Integral
            }
            DType::Float16 | DType::BFloat16 | DType::Float32 | DType::Float64 => {
                Category::Floating
            }
        }
    }

    pub fn is_floating_point(self) -> bool {
        self.category() == Category::Floating
    }

    pub fn is_signed(self) -> bool {
        !matches!(self, DType::Bool | DType::UInt8)
    }

    /// The name after `torch.` (`float32`), as `repr(torch.float32)` prints it.
    pub fn name(self) -> &'static str {
        match self {
            DType::UInt8 => "uint8",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Float16 => "float16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Bool => "bool",
            DType::BFloat16 => "bfloat16",
        }
    }

    /// Other names `torch` exports for the same dtype (`torch.float`, `torch.long`, ...).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            DType::Int16 => &["short"],
            DType::Int32 => &["int"],
            DType::Int64 => &["long"],
            DType::Float16 => &["half"],
            DType::Float32 => &["float"],
            DType::Float64 => &["double"],
            _ => &[],
        }
    }

    /// The C++ ScalarType name PyTorch uses in error messages ("Long", "Float").
    pub fn scalar_type_name(self) -> &'static str {
        match self {
            DType::UInt8 => "Byte",
            DType::Int8 => "Char",
            DType::Int16 => "Short",
            DType::Int32 => "Int",
            DType::Int64 => "Long",
            DType::Float16 => "Half",
            DType::Float32 => "Float",
            DType::Float64 => "Double",
            DType::Bool => "Bool",
            DType::BFloat16 => "BFloat16",
        }
    }

    /// The short form FX uses in graph annotations (`f32[3, 4]`).
    pub fn short_name(self) -> &'static str {
        match self {
            DType::UInt8 => "u8",
            DType::Int8 => "i8",
            DType::Int16 => "i16",
            DType::Int32 => "i32",
            DType::Int64 => "i64",
            DType::Float16 => "f16",
            DType::Float32 => "f32",
            DType::Float64 => "f64",
            DType::Bool => "b8",
            DType::BFloat16 => "bf16",
        }
    }

    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == name || d.aliases().contains(&name))
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "torch.{}", self.name())
    }
}

/// `torch.promote_types`: the smallest dtype both values fit in.
pub fn promote_types(a: DType, b: DType) -> DType {
    use DType::*;
    if a == b {
        return a;
    }
    match (a, b) {
        (Bool, other) | (other, Bool) => other,
        (Float16, BFloat16) | (BFloat16, Float16) => Float32,
        _ => match (a.category(), b.category()) {
            (Category::Floating, Category::Floating) => {
                if a.itemsize() >= b.itemsize() {
                    a
                } else {
                    b
                }
            }
            (Category::Floating, _) => a,
            (_, Category::Floating) => b,
            // Both integral. uint8 with a signed type needs a signed type wider than 8 bits.
            _ => match (a, b) {
                (UInt8, Int8) | (Int8, UInt8) => Int16,
                (UInt8, other) | (other, UInt8) => other,
                _ => {
                    if a.itemsize() >= b.itemsize() {
                        a
                    } else {
                        b
                    }
                }
            },
        },
    }
}

/// How an operand takes part in `torch.result_type`: tensors with dimensions outrank
/// zero-dimensional tensors, which outrank Python numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Tensor {
        dtype: DType,
        zero_dim: bool,
    },
    /// A Python bool, int or float: its dtype is the default for its category.
    Scalar(Category),
}

/// PyTorch's `result_type`: promote within each priority group, then let a lower group
/// change the result only when it brings a higher category.
pub fn result_type(operands: &[Operand]) -> DType {
    let mut dim: Option<DType> = None;
    let mut zero: Option<DType> = None;
    let mut wrapped: Option<DType> = None;
    for operand in operands {
        let (slot, dtype) = match *operand {
            Operand::Tensor {
                dtype,
                zero_dim: false,
            } => (&mut dim, dtype),
            Operand::Tensor {
                dtype,
                zero_dim: true,
            } => (&mut zero, dtype),
            Operand::Scalar(category) => (&mut wrapped, default_for(category)),
        };
        *slot = Some(slot.map_or(dtype, |seen| promote_types(seen, dtype)));
    }
    let combined = combine(dim, zero);
    combine(combined, wrapped).unwrap_or(DType::DEFAULT_FLOAT)
}

/// The dtype a Python number of this category becomes.
pub fn default_for(category: Category) -> DType {
    match category {
        Category::Bool => DType::Bool,
        Category::Integral => DType::Int64,
        Category::Floating => DType::DEFAULT_FLOAT,
    }
}

fn combine(higher: Option<DType>, lower: Option<DType>) -> Option<DType> {
    match (higher, lower) {
        (None, lower) => lower,
        (higher, None) => higher,
        (Some(h), Some(l)) => Some(
            if h.category() >= l.category() && h.category() != Category::Bool {
                h
            } else {
                promote_types(h, l)
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{Category, DType::*, Operand, promote_types, result_type};

    fn t(dtype: super::DType) -> Operand {
        Operand::Tensor {
            dtype,
            zero_dim: false,
        }
    }
    fn z(dtype: super::DType) -> Operand {
        Operand::Tensor {
            dtype,
            zero_dim: true,
        }
    }

    #[test]
    fn promotion_lattice() {
        assert_eq!(promote_types(UInt8, Int8), Int16);
        assert_eq!(promote_types(UInt8, Int32), Int32);
        assert_eq!(promote_types(Bool, UInt8), UInt8);
        assert_eq!(promote_types(Int64, Float16), Float16);
        assert_eq!(promote_types(Float16, BFloat16), Float32);
        assert_eq!(promote_types(BFloat16, Float64), Float64);
        assert_eq!(promote_types(Int32, Int64), Int64);
        for a in super::DType::ALL {
            for b in super::DType::ALL {
                assert_eq!(promote_types(a, b), promote_types(b, a), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn result_type_priorities() {
        // A Python float turns an integer tensor into the default float dtype.
        assert_eq!(
            result_type(&[t(Int32), Operand::Scalar(Category::Floating)]),
            Float32
        );
        // A Python int does not widen an integer tensor.
        assert_eq!(
            result_type(&[t(Int8), Operand::Scalar(Category::Integral)]),
            Int8
        );
        assert_eq!(
            result_type(&[t(Float16), Operand::Scalar(Category::Floating)]),
            Float16
        );
        // A zero-dim tensor of the same category does not widen a dimensioned one.
        assert_eq!(result_type(&[t(Float16), z(Float64)]), Float16);
        assert_eq!(result_type(&[t(UInt8), z(Int64)]), UInt8);
        // ... but a higher category does.
        assert_eq!(result_type(&[t(Int64), z(Float64)]), Float64);
        assert_eq!(
            result_type(&[t(Bool), Operand::Scalar(Category::Integral)]),
            Int64
        );
        assert_eq!(
            result_type(&[t(Bool), Operand::Scalar(Category::Bool)]),
            Bool
        );
        assert_eq!(result_type(&[z(Int32), z(Float64)]), Float64);
        assert_eq!(result_type(&[t(Int32), t(Float16)]), Float16);
    }
}
