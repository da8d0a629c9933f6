//! Pointwise ops of one tensor.

use crate::dtype::{Category, DType};
use crate::error::{OpError, OpResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Abs,
    Exp,
    Log,
    Log1p,
    Expm1,
    Sqrt,
    Rsqrt,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sigmoid,
    Relu,
    Gelu,
    /// `gelu(x, approximate='tanh')`.
    GeluTanh,
    Silu,
    Erf,
    Floor,
    Ceil,
    Round,
    Trunc,
    Sign,
    Reciprocal,
    LogicalNot,
    BitwiseNot,
}

/// What dtype a unary op produces from its input's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryDType {
    /// Same as the input.
    Same,
    /// Floating inputs keep their dtype; bool and integer inputs become the default float.
    IntToFloat,
    /// Always bool.
    Bool,
}

impl UnaryOp {
    pub const ALL: [UnaryOp; 26] = [
        UnaryOp::Neg,
        UnaryOp::Abs,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Log1p,
        UnaryOp::Expm1,
        UnaryOp::Sqrt,
        UnaryOp::Rsqrt,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Tan,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Relu,
        UnaryOp::Gelu,
        UnaryOp::GeluTanh,
        UnaryOp::Silu,
        UnaryOp::Erf,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
        UnaryOp::Trunc,
        UnaryOp::Sign,
        UnaryOp::Reciprocal,
        UnaryOp::LogicalNot,
        UnaryOp::BitwiseNot,
    ];

    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Abs => "abs",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Log1p => "log1p",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Rsqrt => "rsqrt",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tan => "tan",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Relu => "relu",
            UnaryOp::Gelu => "gelu",
            UnaryOp::GeluTanh => "gelu_tanh",
            UnaryOp::Silu => "silu",
            UnaryOp::Erf => "erf",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Round => "round",
            UnaryOp::Trunc => "trunc",
            UnaryOp::Sign => "sign",
            UnaryOp::Reciprocal => "reciprocal",
            UnaryOp::LogicalNot => "logical_not",
            UnaryOp::BitwiseNot => "bitwise_not",
        }
    }

    pub fn from_name(name: &str) -> Option<UnaryOp> {
        UnaryOp::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn dtype_rule(self) -> UnaryDType {
        match self {
            UnaryOp::Neg
            | UnaryOp::Abs
            | UnaryOp::Relu
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Round
            | UnaryOp::Trunc
            | UnaryOp::Sign
            | UnaryOp::BitwiseNot => UnaryDType::Same,
            UnaryOp::Exp
            | UnaryOp::Log
            | UnaryOp::Log1p
            | UnaryOp::Expm1
            | UnaryOp::Sqrt
            | UnaryOp::Rsqrt
            | UnaryOp::Sin
            | UnaryOp::Cos
            | UnaryOp::Tan
            | UnaryOp::Tanh
            | UnaryOp::Sigmoid
            | UnaryOp::Gelu
            | UnaryOp::GeluTanh
            | UnaryOp::Silu
            | UnaryOp::Erf
            | UnaryOp::Reciprocal => UnaryDType::IntToFloat,
            UnaryOp::LogicalNot => UnaryDType::Bool,
        }
    }

    /// The output dtype for an input of `input`, or PyTorch's error for unsupported ones
    /// (NotImplementedError, as PyTorch's dtype dispatch raises it).
    pub fn result_dtype(self, input: DType) -> OpResult<DType> {
        let kernel = match (self, input.category()) {
            (UnaryOp::Neg, Category::Bool) => {
                return Err(OpError::not_implemented(
                    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
                ));
            }
            (UnaryOp::Relu, Category::Bool) => {
                return Err(OpError::not_implemented(
                    "Boolean inputs not supported for relu",
                ));
            }
            (UnaryOp::BitwiseNot, Category::Floating) => Some("bitwise_not_cpu"),
            (UnaryOp::Gelu | UnaryOp::GeluTanh, Category::Bool | Category::Integral) => {
                Some("GeluKernelImpl")
            }
            (UnaryOp::Silu, Category::Bool | Category::Integral) => Some("silu_cpu"),
            (UnaryOp::Abs, Category::Bool) => Some("abs_cpu"),
            (UnaryOp::Floor, Category::Bool) => Some("floor_vml_cpu"),
            (UnaryOp::Ceil, Category::Bool) => Some("ceil_vml_cpu"),
            (UnaryOp::Round, Category::Bool) => Some("round_vml_cpu"),
            (UnaryOp::Trunc, Category::Bool) => Some("trunc_vml_cpu"),
            _ => None,
        };
        if let Some(kernel) = kernel {
            return Err(OpError::not_implemented(format!(
                "\"{kernel}\" not implemented for '{}'",
                input.scalar_type_name()
            )));
        }
        Ok(match self.dtype_rule() {
            UnaryDType::Same => input,
            UnaryDType::IntToFloat if input.is_floating_point() => input,
            UnaryDType::IntToFloat => DType::DEFAULT_FLOAT,
            UnaryDType::Bool => DType::Bool,
        })
    }
}
