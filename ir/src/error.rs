//! The IR crate's error type.

use crate::tensor::TensorError;

/// Everything that can go wrong building, verifying or parsing a graph.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IrError {
    /// A node is ill-formed: wrong input count, inconsistent types, attribute out of range.
    #[error("node `{node}` ({op}): {msg}")]
    Node {
        node: String,
        op: &'static str,
        msg: String,
    },
    /// A value is misused (undefined, defined twice, used before its definition, ...).
    #[error("value `{value}`: {msg}")]
    Value { value: String, msg: String },
    /// A graph-level problem (no outputs, duplicate names, bad ids).
    #[error("graph `{graph}`: {msg}")]
    Graph { graph: String, msg: String },
    /// A text-format parse error at a 1-based line and column.
    #[error("parse error at line {line}, column {col}: {msg}")]
    Parse { line: usize, col: usize, msg: String },
    #[error(transparent)]
    Tensor(#[from] TensorError),
}

/// Result alias for the IR crate.
pub type Result<T, E = IrError> = std::result::Result<T, E>;
