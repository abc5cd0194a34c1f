//! The op table: ONNX op type (default domain) → the function that maps it.

use super::ctx::Cx;
use super::{conv, elementwise as ew, nn, reduce, shape_ops as sh};
use crate::error::OnnxError;

/// Maps one ONNX node.
pub(crate) type Handler = fn(&mut Cx) -> Result<(), OnnxError>;

/// Every op type [`handler`] maps, sorted.
pub(crate) const SUPPORTED: &[&str] = &[
    "Abs",
    "Add",
    "And",
    "ArgMax",
    "ArgMin",
    "Attention",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "CastLike",
    "Ceil",
    "Celu",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "ConvTranspose",
    "Cos",
    "CumSum",
    "Div",
    "Dropout",
    "Elu",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "Flatten",
    "Floor",
    "Gather",
    "GatherElements",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Greater",
    "GreaterOrEqual",
    "GroupNormalization",
    "HardSigmoid",
    "HardSwish",
    "Identity",
    "InstanceNormalization",
    "IsNaN",
    "LayerNormalization",
    "LeakyRelu",
    "Less",
    "LessOrEqual",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool",
    "Mean",
    "Min",
    "Mish",
    "Mod",
    "Mul",
    "Neg",
    "Not",
    "Or",
    "PRelu",
    "Pad",
    "Pow",
    "RMSNormalization",
    "Range",
    "Reciprocal",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "ReduceSumSquare",
    "Relu",
    "Reshape",
    "Resize",
    "Round",
    "Selu",
    "Shape",
    "Sigmoid",
    "Sin",
    "Size",
    "Slice",
    "Softmax",
    "Softplus",
    "Softsign",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Sum",
    "Tanh",
    "ThresholdedRelu",
    "Tile",
    "TopK",
    "Transpose",
    "Trilu",
    "Unsqueeze",
    "Where",
    "Xor",
];

/// The function that maps `op_type`, if the importer supports it.
pub(crate) fn handler(op_type: &str) -> Option<Handler> {
    Some(match op_type {
        "Neg" | "Abs" | "Exp" | "Log" | "Sqrt" | "Reciprocal" | "Tanh" | "Sigmoid" | "Erf" | "Relu" | "Sin" | "Cos"
        | "Floor" | "Ceil" | "Round" | "Not" | "LeakyRelu" | "Gelu" => ew::unary,
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Mod" | "Equal" | "Less" | "LessOrEqual" | "Greater"
        | "GreaterOrEqual" | "And" | "Or" => ew::binary,
        "Sum" | "Mean" | "Max" | "Min" => ew::variadic,
        "Xor" => ew::xor,
        "IsNaN" => ew::is_nan,
        "Cast" | "CastLike" => ew::cast,
        "Where" => ew::where_,
        "Clip" => ew::clip,
        "HardSigmoid" | "HardSwish" | "Softplus" | "Softsign" | "Mish" | "Elu" | "Selu" | "Celu"
        | "ThresholdedRelu" | "PRelu" => ew::activation,
        "Identity" | "Dropout" => ew::identity,
        "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1" | "ReduceL2"
        | "ReduceLogSum" | "ReduceLogSumExp" | "ReduceSumSquare" => reduce::reduce,
        "ArgMax" | "ArgMin" => reduce::arg,
        "Softmax" | "LogSoftmax" => reduce::softmax,
        "CumSum" => reduce::cumsum,
        "TopK" => reduce::topk,
        "LayerNormalization" => nn::layer_norm,
        "RMSNormalization" => nn::rms_norm,
        "GroupNormalization" => nn::group_norm,
        "InstanceNormalization" => nn::instance_norm,
        "BatchNormalization" => nn::batch_norm,
        "MatMul" => nn::matmul,
        "Gemm" => nn::gemm,
        "Attention" => nn::attention,
        "Conv" => conv::conv,
        "ConvTranspose" => conv::conv_transpose,
        "MaxPool" | "AveragePool" => conv::pool,
        "GlobalAveragePool" | "GlobalMaxPool" => conv::global_pool,
        "Resize" => conv::resize,
        "Reshape" => sh::reshape,
        "Transpose" => sh::transpose,
        "Concat" => sh::concat,
        "Split" => sh::split,
        "Slice" => sh::slice,
        "Gather" | "GatherElements" => sh::gather,
        "Expand" => sh::expand,
        "Squeeze" | "Unsqueeze" => sh::squeeze,
        "Flatten" => sh::flatten,
        "Pad" => sh::pad,
        "Tile" => sh::tile,
        "Range" => sh::range,
        "Shape" => sh::shape,
        "Size" => sh::size,
        "ConstantOfShape" => sh::constant_of_shape,
        "Trilu" => sh::trilu,
        "Constant" => sh::constant,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_list_is_sorted_unique_and_complete() {
        for w in SUPPORTED.windows(2) {
            assert!(w[0] < w[1], "{} and {} are out of order", w[0], w[1]);
        }
        for op in SUPPORTED {
            assert!(handler(op).is_some(), "{op} is listed but has no handler");
        }
        assert!(handler("NonZero").is_none());
    }
}
