//! Spatial ops (conv, conv-transpose, pooling, resize).
use super::tensor::Tensor;
use edgecc_ir::Op;

/// Evaluates a spatial op.
pub fn eval(op: &Op, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
    let _ = inputs;
    Err(format!("{} is not written yet", op.name()))
}
