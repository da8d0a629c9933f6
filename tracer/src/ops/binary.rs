//! Pointwise ops of two operands, with broadcasting and type promotion.

use crate::dtype::{Category, DType};
use crate::error::{OpError, OpResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDivide,
    Remainder,
    Pow,
    Maximum,
    Minimum,
    Atan2,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
}

/// What dtype a binary op produces from the promoted dtype of its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryDType {
    /// The promoted dtype.
    Promote,
    /// The promoted dtype if floating, else the default float (true division).
    PromoteToFloat,
    /// Always bool; operands are compared in the promoted dtype.
    Bool,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 22] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::FloorDivide,
        BinaryOp::Remainder,
        BinaryOp::Pow,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
        BinaryOp::Atan2,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::LogicalAnd,
        BinaryOp::LogicalOr,
        BinaryOp::LogicalXor,
        BinaryOp::BitwiseAnd,
        BinaryOp::BitwiseOr,
        BinaryOp::BitwiseXor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::FloorDivide => "floor_divide",
            BinaryOp::Remainder => "remainder",
            BinaryOp::Pow => "pow",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::Atan2 => "atan2",
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::LogicalAnd => "logical_and",
            BinaryOp::LogicalOr => "logical_or",
            BinaryOp::LogicalXor => "logical_xor",
            BinaryOp::BitwiseAnd => "bitwise_and",
            BinaryOp::BitwiseOr => "bitwise_or",
            BinaryOp::BitwiseXor => "bitwise_xor",
        }
    }

    pub fn from_name(name: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn dtype_rule(self) -> BinaryDType {
        match self {
            BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::FloorDivide
            | BinaryOp::Remainder
            | BinaryOp::Pow
            | BinaryOp::Maximum
            | BinaryOp::Minimum
            | BinaryOp::BitwiseAnd
            | BinaryOp::BitwiseOr
            | BinaryOp::BitwiseXor => BinaryDType::Promote,
            BinaryOp::Div | BinaryOp::Atan2 => BinaryDType::PromoteToFloat,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::LogicalAnd
            | BinaryOp::LogicalOr
            | BinaryOp::LogicalXor => BinaryDType::Bool,
        }
    }

    /// What PyTorch refuses before promotion, from which operands are bool (tensors or Python
    /// bools): subtraction with one bool operand. Two bools are refused by `compute_dtype`, with
    /// PyTorch's other message.
    pub fn check_bool_operands(self, a_bool: bool, b_bool: bool) -> OpResult<()> {
        if self == BinaryOp::Sub && a_bool != b_bool {
            return Err(OpError::not_implemented(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
            ));
        }
        Ok(())
    }

    /// The dtype operands are converted to before computing, given their promoted dtype.
    pub fn compute_dtype(self, promoted: DType) -> OpResult<DType> {
        let kernel = match (self, promoted.category()) {
            (BinaryOp::Sub, Category::Bool) => {
                return Err(OpError::not_implemented(
                    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
                ));
            }
            (BinaryOp::BitwiseAnd, Category::Floating) => Some("bitwise_and_cpu"),
            (BinaryOp::BitwiseOr, Category::Floating) => Some("bitwise_or_cpu"),
            (BinaryOp::BitwiseXor, Category::Floating) => Some("bitwise_xor_cpu"),
            (BinaryOp::FloorDivide, Category::Bool) => Some("div_floor_cpu"),
            (BinaryOp::Remainder, Category::Bool) => Some("remainder_cpu"),
            (BinaryOp::Pow, Category::Bool) => Some("pow"),
            _ => None,
        };
        if let Some(kernel) = kernel {
            return Err(OpError::not_implemented(format!(
                "\"{kernel}\" not implemented for '{}'",
                promoted.scalar_type_name()
            )));
        }
        match (self, promoted.category()) {
            (BinaryOp::Div | BinaryOp::Atan2, Category::Bool | Category::Integral) => {
                Ok(DType::DEFAULT_FLOAT)
            }
            _ => Ok(promoted),
        }
    }

    /// The output dtype given the dtype the operands are computed in.
    pub fn result_dtype(self, compute: DType) -> DType {
        match self.dtype_rule() {
            BinaryDType::Promote | BinaryDType::PromoteToFloat => compute,
            BinaryDType::Bool => DType::Bool,
        }
    }
}
