//! Reductions over some or all dimensions.

use crate::dtype::{Category, DType};
use crate::error::{OpError, OpResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Mean,
    Prod,
    Amax,
    Amin,
    All,
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceDType {
    /// Bool and integer inputs accumulate in int64; floats keep their dtype.
    IntToLong,
    /// Floating point only.
    FloatOnly,
    Same,
    Bool,
}

impl ReduceOp {
    pub const ALL: [ReduceOp; 7] = [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Prod,
        ReduceOp::Amax,
        ReduceOp::Amin,
        ReduceOp::All,
        ReduceOp::Any,
    ];

    pub fn from_name(name: &str) -> Option<ReduceOp> {
        ReduceOp::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Mean => "mean",
            ReduceOp::Prod => "prod",
            ReduceOp::Amax => "amax",
            ReduceOp::Amin => "amin",
            ReduceOp::All => "all",
            ReduceOp::Any => "any",
        }
    }

    pub fn dtype_rule(self) -> ReduceDType {
        match self {
            ReduceOp::Sum | ReduceOp::Prod => ReduceDType::IntToLong,
            ReduceOp::Mean => ReduceDType::FloatOnly,
            ReduceOp::Amax | ReduceOp::Amin => ReduceDType::Same,
            ReduceOp::All | ReduceOp::Any => ReduceDType::Bool,
        }
    }

    pub fn result_dtype(self, input: DType) -> OpResult<DType> {
        Ok(match self.dtype_rule() {
            ReduceDType::IntToLong if input.is_floating_point() => input,
            ReduceDType::IntToLong => DType::Int64,
            ReduceDType::FloatOnly if input.category() == Category::Floating => input,
            ReduceDType::FloatOnly => {
                return Err(OpError::not_implemented(format!(
                    "{}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
                    self.name(),
                    input.scalar_type_name()
                )));
            }
            ReduceDType::Same => input,
            // uint8 stays uint8 for all/any, a leftover of masks stored as bytes.
            ReduceDType::Bool if input == DType::UInt8 => DType::UInt8,
            ReduceDType::Bool => DType::Bool,
        })
    }
}
