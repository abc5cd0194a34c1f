//! The ONNX importer's error type. Messages name the file, byte offset, ONNX node or tensor at
//! fault and say what to do.

use std::path::PathBuf;

/// Everything that can go wrong importing an ONNX model.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid protobuf encoding of an ONNX model.
    #[error("malformed ONNX protobuf at byte offset {offset}: {msg}")]
    Malformed { offset: usize, msg: String },
    /// The model exceeds a configured limit.
    #[error("model exceeds the {limit} limit: {msg}")]
    Limit { limit: &'static str, msg: String },
    /// A tensor (initializer, Constant value, attribute) is invalid.
    #[error("tensor `{name}`: {msg}")]
    Tensor { name: String, msg: String },
    /// Every unsupported op type in the model, at once.
    #[error("unsupported ONNX ops: {}", .0.iter().map(|u| u.to_string()).collect::<Vec<_>>().join("; "))]
    Unsupported(Vec<UnsupportedOp>),
    /// A node could not be imported (bad attribute, non-constant shape input, type error).
    #[error("ONNX node `{node}` ({op_type}): {msg}")]
    Node { node: String, op_type: String, msg: String },
    /// A graph-level problem (missing opset, unknown value, bad input type).
    #[error("ONNX graph: {0}")]
    Graph(String),
    #[error(transparent)]
    Ir(#[from] edgecc_ir::IrError),
}

/// One unsupported op type: how many nodes use it and the first few node names.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsupportedOp {
    pub op_type: String,
    pub domain: String,
    pub count: usize,
    pub first_nodes: Vec<String>,
}

impl std::fmt::Display for UnsupportedOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dom = if self.domain.is_empty() || self.domain == "ai.onnx" {
            String::new()
        } else {
            format!("{}::", self.domain)
        };
        write!(
            f,
            "{dom}{} ({} node{}, e.g. {})",
            self.op_type,
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.first_nodes.join(", ")
        )
    }
}
