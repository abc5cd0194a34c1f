//! Constant folding backed by the reference interpreter: for the ONNX importer
//! ([`edgecc_onnx::Folder`]) and for the pass pipeline's `const_fold` ([`edgecc_passes::Evaluator`]).

use edgecc_backends::reference::{eval_op, Tensor};
use edgecc_ir::{Op, TensorData};

/// Evaluates ops with the reference interpreter, so folded constants are exactly what the
/// interpreter would compute at run time. Implements both [`edgecc_onnx::Folder`] and
/// [`edgecc_passes::Evaluator`].
#[derive(Debug, Default, Clone, Copy)]
pub struct ReferenceFolder;

impl ReferenceFolder {
    fn eval_ref(op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        let tensors: Vec<Tensor> = inputs.iter().map(Tensor::from_data).collect();
        let refs: Vec<&Tensor> = tensors.iter().collect();
        let out = eval_op(op, &refs, &[])?;
        Ok(out.iter().map(Tensor::to_data).collect())
    }
}

impl edgecc_onnx::Folder for ReferenceFolder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        Self::eval_ref(op, inputs)
    }
}

impl edgecc_passes::Evaluator for ReferenceFolder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        Self::eval_ref(op, inputs)
    }
}
