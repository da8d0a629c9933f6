//! Errors an op reports to Python, with the exception type PyTorch raises for them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `RuntimeError`: shape mismatches, unsupported dtypes, invalid views.
    Runtime,
    /// `IndexError`: an index or dimension out of range.
    Index,
    /// `TypeError`: an argument of the wrong type.
    Type,
    /// `ValueError`.
    Value,
    /// `NotImplementedError`: a dtype/device/op combination smelt does not have yet.
    NotImplemented,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpError {
    pub kind: ErrorKind,
    pub message: String,
}

impl OpError {
    pub fn runtime(message: impl Into<String>) -> Self {
        OpError {
            kind: ErrorKind::Runtime,
            message: message.into(),
        }
    }
    pub fn index(message: impl Into<String>) -> Self {
        OpError {
            kind: ErrorKind::Index,
            message: message.into(),
        }
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        OpError {
            kind: ErrorKind::Type,
            message: message.into(),
        }
    }
    pub fn value(message: impl Into<String>) -> Self {
        OpError {
            kind: ErrorKind::Value,
            message: message.into(),
        }
    }
    pub fn not_implemented(message: impl Into<String>) -> Self {
        OpError {
            kind: ErrorKind::NotImplemented,
            message: message.into(),
        }
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OpError {}

pub type OpResult<T> = Result<T, OpError>;
