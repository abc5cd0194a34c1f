//! Small ONNX models built with prost for the `edgecc compile` tests: `relu(x @ W + b)` with a
//! symbolic `seq` dim, and the same graph with an op edgecc does not know (built on the shared
//! [`tiny_model`] of `tests/common`).

use crate::common::{node, tiny_model};

/// The weights of [`linear_relu`]: `W` is f32[4, 3], `b` is f32[3].
pub use crate::common::{B, W};

/// `y = relu(x @ W + b)`, x: f32[1, seq, 4] (the bound of `seq` comes from the importer's
/// default unless given with --shape).
pub fn linear_relu() -> Vec<u8> {
    crate::common::linear_relu("y")
}

/// [`linear_relu`] with its Relu replaced by an op no importer knows: `NotARealOp`.
pub fn unsupported_op() -> Vec<u8> {
    tiny_model(
        vec![
            node("MatMul", "mm", &["x", "W"], &["h"]),
            node("Add", "bias", &["h", "b"], &["hb"]),
            node("NotARealOp", "mystery", &["hb"], &["y"]),
        ],
        "y",
    )
}
