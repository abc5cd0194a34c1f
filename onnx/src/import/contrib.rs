//! onnxruntime's contrib ops (domain `com.microsoft`, opset version 1) that LLM exporters write,
//! mapped to IR ops, and the op table of that domain.
//!
//! | op | IR |
//! |---|---|
//! | `SkipLayerNormalization` | `input + skip (+ bias)` → `LayerNorm` (last axis); optional `mean`, `inv_std_var` (kept `[.., 1]`), `input_skip_bias_sum` |
//! | `SkipSimplifiedLayerNormalization` | the same with `RMSNorm` |
//! | `SimplifiedLayerNormalization` (also in the default domain) | `RMSNorm`; optional `inv_std_var` |
//! | `FastGelu` | `x (+ bias)` → tanh `Gelu` |
//! | `BiasGelu` | `a + b` → erf `Gelu` |
//! | `QuickGelu` | `x * sigmoid(alpha x)` (`Silu` when `alpha = 1`) |
//! | `RotaryEmbedding` | [`rotary::contrib`] |
//! | `GroupQueryAttention` | [`gqa::gqa`] |

use super::ctx::{Cx, V};
use super::ops::Handler;
use super::{gqa, rotary};
use crate::error::OnnxError;
use edgecc_ir::{normalize_axis, BinaryOp, Op, ReduceOp, UnaryOp};

type R = Result<(), OnnxError>;

/// The onnxruntime contrib domain.
pub(crate) const MS_DOMAIN: &str = "com.microsoft";

/// Every `com.microsoft` op type [`handler`] maps, sorted.
pub(crate) const SUPPORTED: &[&str] = &[
    "BiasGelu",
    "FastGelu",
    "GroupQueryAttention",
    "QuickGelu",
    "RotaryEmbedding",
    "SimplifiedLayerNormalization",
    "SkipLayerNormalization",
    "SkipSimplifiedLayerNormalization",
];

/// The function that maps the `com.microsoft` op `op_type`.
pub(crate) fn handler(op_type: &str) -> Option<Handler> {
    Some(match op_type {
        "BiasGelu" => bias_gelu,
        "FastGelu" => fast_gelu,
        "GroupQueryAttention" => gqa::gqa,
        "QuickGelu" => quick_gelu,
        "RotaryEmbedding" => rotary::contrib,
        "SimplifiedLayerNormalization" => simplified_layer_norm,
        "SkipLayerNormalization" => skip_layer_norm,
        "SkipSimplifiedLayerNormalization" => skip_layer_norm,
        _ => return None,
    })
}

/// `inv_std_var = 1 / sqrt(mean(x^2 over axis..) + epsilon)` (`rms`) or of the centered `x`,
/// with the reduced axes kept, in f32 (the kernels' precision).
fn inv_std(cx: &mut Cx, x: V, axis: i64, epsilon: f32, rms: bool) -> Result<(V, V), OnnxError> {
    let r = cx.rank(x);
    let a = normalize_axis(axis, r).ok_or_else(|| cx.err(format!("axis {axis} is out of range for rank {r}")))?;
    let axes: Vec<i64> = (a as i64..r as i64).collect();
    let mean_op = || Op::Reduce {
        op: ReduceOp::Mean,
        axes: axes.clone(),
        keepdims: true,
    };
    let f32 = edgecc_ir::DType::F32;
    let xs = if cx.dtype(x) == f32 {
        x
    } else {
        cx.emit(Op::Cast { to: f32 }, &[x])?
    };
    let mean = cx.emit(mean_op(), &[xs])?;
    let c = if rms {
        xs
    } else {
        cx.emit(Op::Binary(BinaryOp::Sub), &[xs, mean])?
    };
    let c2 = cx.emit(Op::Binary(BinaryOp::Mul), &[c, c])?;
    let var = cx.emit(mean_op(), &[c2])?;
    let eps = cx.scalar(f32, f64::from(epsilon));
    let ve = cx.emit(Op::Binary(BinaryOp::Add), &[var, eps])?;
    let inv = cx.emit(Op::Unary(UnaryOp::Rsqrt), &[ve])?;
    Ok((mean, inv))
}

/// `SkipLayerNormalization` / `SkipSimplifiedLayerNormalization`: `(input, skip, gamma[, beta],
/// bias)` (the RMS form has no `beta`: its input 3 is `bias`).
fn skip_layer_norm(cx: &mut Cx) -> R {
    let rms = cx.op_type() == "SkipSimplifiedLayerNormalization";
    let (x, skip, gamma) = (cx.x(0)?, cx.x(1)?, cx.x(2)?);
    let (beta, bias) = if rms {
        (None, cx.opt(3)?)
    } else {
        (cx.opt(3)?, cx.opt(4)?)
    };
    let epsilon = cx.attr_f("epsilon", 1e-12)?;
    if cx.rank(x) < 2 || cx.rank(x) > 3 {
        return Err(cx.err(format!("input must be 2-D or 3-D, got {}", cx.ty(x).shape)));
    }
    let mut sum = cx.emit(Op::Binary(BinaryOp::Add), &[x, skip])?;
    if cx.ty(sum).shape != cx.ty(x).shape {
        return Err(cx.err(format!(
            "skip {} does not broadcast to the input {}",
            cx.ty(skip).shape,
            cx.ty(x).shape
        )));
    }
    if let Some(b) = bias {
        sum = cx.emit(Op::Binary(BinaryOp::Add), &[sum, b])?;
    }
    let op = if rms {
        Op::RmsNorm { axis: -1, epsilon }
    } else {
        Op::LayerNorm { axis: -1, epsilon }
    };
    let mut ins = vec![sum, gamma];
    ins.extend(beta);
    cx.finish(op, &ins)?;
    if cx.output_used(1) || cx.output_used(2) {
        let (mean, inv) = inv_std(cx, sum, -1, epsilon, rms)?;
        cx.bind(1, mean)?;
        cx.bind(2, inv)?;
    }
    if cx.node.output.len() > 3 {
        cx.bind(3, sum)?;
    }
    Ok(())
}

/// `SimplifiedLayerNormalization` (RMS norm; onnxruntime registers it in the default domain):
/// `(X, scale)`, attributes `axis` (-1), `epsilon` (1e-5), `stash_type`; optional `inv_std_var`.
pub(crate) fn simplified_layer_norm(cx: &mut Cx) -> R {
    let (x, scale) = (cx.x(0)?, cx.x(1)?);
    let axis = cx.attr_i("axis", -1)?;
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    cx.finish(Op::RmsNorm { axis, epsilon }, &[x, scale])?;
    if cx.output_used(1) {
        let (_, inv) = inv_std(cx, x, axis, epsilon, true)?;
        cx.bind(1, inv)?;
    }
    Ok(())
}

fn fast_gelu(cx: &mut Cx) -> R {
    let mut x = cx.x(0)?;
    if let Some(b) = cx.opt(1)? {
        x = cx.emit(Op::Binary(BinaryOp::Add), &[x, b])?;
    }
    cx.finish(Op::Unary(UnaryOp::Gelu { tanh: true }), &[x])
}

fn bias_gelu(cx: &mut Cx) -> R {
    let (a, b) = (cx.x(0)?, cx.x(1)?);
    let x = cx.emit(Op::Binary(BinaryOp::Add), &[a, b])?;
    cx.finish(Op::Unary(UnaryOp::Gelu { tanh: false }), &[x])
}

fn quick_gelu(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let alpha = cx.attr_f("alpha", 1.702)?;
    if alpha == 1.0 {
        return cx.finish(Op::Unary(UnaryOp::Silu), &[x]);
    }
    let a = cx.scalar(cx.dtype(x), f64::from(alpha));
    let ax = cx.emit(Op::Binary(BinaryOp::Mul), &[x, a])?;
    let s = cx.emit(Op::Unary(UnaryOp::Sigmoid), &[ax])?;
    cx.finish(Op::Binary(BinaryOp::Mul), &[x, s])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrib_list_is_sorted_unique_and_complete() {
        for w in SUPPORTED.windows(2) {
            assert!(w[0] < w[1], "{} and {} are out of order", w[0], w[1]);
        }
        for op in SUPPORTED {
            assert!(handler(op).is_some(), "{op} is listed but has no handler");
        }
        assert!(handler("Attention").is_none());
    }
}
