//! The reference interpreter's error type.
//!
//! Kernels report problems as plain `String`s (they do not know which node they run for);
//! [`crate::reference::run`] wraps them into [`RefError::Node`], naming the node and its op.

use edgecc_ir::DType;

/// Everything that can go wrong running a graph on the reference interpreter.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RefError {
    /// A node failed: bad input (shape, dtype, index out of range) or an inconsistency between
    /// what the kernel produced and the type the graph recorded for the node's output.
    #[error("node `{node}` ({op}): {msg}")]
    Node {
        node: String,
        op: &'static str,
        msg: String,
    },
    /// The interpreter disagrees with the graph it runs (an output's dtype or shape differs from
    /// what inference recorded): a bug in edgecc, not in the user's model.
    #[error("node `{node}` ({op}): internal error: {msg}; this is a bug in edgecc, please report it")]
    Internal {
        node: String,
        op: &'static str,
        msg: String,
    },
    /// The caller passed the wrong number of inputs.
    #[error("graph `{graph}` takes {expected} inputs, got {got}; pass one tensor per graph input, in order")]
    InputCount { graph: String, expected: usize, got: usize },
    /// An input's dtype differs from the graph input's declared dtype.
    #[error("input `{input}`: the graph declares dtype {expected}, got {got}")]
    InputDType { input: String, expected: DType, got: DType },
    /// An input's shape does not match the graph input's declared shape.
    #[error("input `{input}`: the graph declares shape {expected}, got {got:?}: {msg}")]
    InputShape {
        input: String,
        expected: String,
        got: Vec<usize>,
        msg: String,
    },
    /// A symbolic dim was bound to two different extents, or to one above its declared maximum.
    #[error("input `{input}`: symbolic dim `{name}`: {msg}")]
    SymbolicDim { input: String, name: String, msg: String },
    /// The graph itself is malformed (a value used before it is defined, a bad output id, ...);
    /// run the verifier on it.
    #[error("graph `{graph}`: {msg}")]
    Graph { graph: String, msg: String },
}
