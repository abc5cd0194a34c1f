//! Constant folding for the ONNX importer, backed by the reference interpreter.

use edgecc_backends::reference::{eval_op, Tensor};
use edgecc_ir::{Op, TensorData};

/// A [`edgecc_onnx::Folder`] that evaluates ops with the reference interpreter, so folded
/// constants are exactly what the interpreter would compute at run time.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReferenceFolder;

impl edgecc_onnx::Folder for ReferenceFolder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        let tensors: Vec<Tensor> = inputs.iter().map(Tensor::from_data).collect();
        let refs: Vec<&Tensor> = tensors.iter().collect();
        let out = eval_op(op, &refs, &[])?;
        Ok(out.iter().map(Tensor::to_data).collect())
    }
}
