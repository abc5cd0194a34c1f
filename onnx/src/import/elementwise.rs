//! Elementwise ops: unary and binary arithmetic, comparisons, logic, variadic `Sum`/`Mean`/`Max`/
//! `Min`, `Cast`, `Where`, `Clip`, and the activations that decompose into them (`HardSigmoid`,
//! `HardSwish`, `Softplus`, `Softsign`, `Elu`, `Selu`, `Celu`, `ThresholdedRelu`, `PRelu`, `Mish`).

use super::ctx::{Cx, V};
use crate::error::OnnxError;
use crate::tensor::onnx_dtype;
use edgecc_ir::{BinaryOp, DType, Op, UnaryOp};

type R = Result<(), OnnxError>;

/// One-input ops that map to a [`UnaryOp`].
pub(crate) fn unary(cx: &mut Cx) -> R {
    let u = match cx.op_type() {
        "Neg" => UnaryOp::Neg,
        "Abs" => UnaryOp::Abs,
        "Exp" => UnaryOp::Exp,
        "Log" => UnaryOp::Log,
        "Sqrt" => UnaryOp::Sqrt,
        "Reciprocal" => UnaryOp::Reciprocal,
        "Tanh" => UnaryOp::Tanh,
        "Sigmoid" => UnaryOp::Sigmoid,
        "Erf" => UnaryOp::Erf,
        "Relu" => UnaryOp::Relu,
        "Sin" => UnaryOp::Sin,
        "Cos" => UnaryOp::Cos,
        "Floor" => UnaryOp::Floor,
        "Ceil" => UnaryOp::Ceil,
        "Round" => UnaryOp::Round,
        "Not" => UnaryOp::Not,
        "LeakyRelu" => UnaryOp::LeakyRelu {
            alpha: cx.attr_f("alpha", 0.01)?,
        },
        "Gelu" => {
            let tanh = match cx.attr_s("approximate", "none")?.as_str() {
                "none" => false,
                "tanh" => true,
                other => return Err(cx.err(format!("approximate must be `none` or `tanh`, got `{other}`"))),
            };
            UnaryOp::Gelu { tanh }
        }
        other => return Err(cx.err(format!("{other} is not a unary op"))),
    };
    let x = cx.x(0)?;
    cx.finish(Op::Unary(u), &[x])
}

fn binary_of(op: &str) -> Option<BinaryOp> {
    Some(match op {
        "Add" | "Sum" | "Mean" => BinaryOp::Add,
        "Sub" => BinaryOp::Sub,
        "Mul" => BinaryOp::Mul,
        "Div" => BinaryOp::Div,
        "Pow" => BinaryOp::Pow,
        "Max" => BinaryOp::Max,
        "Min" => BinaryOp::Min,
        "Equal" => BinaryOp::Equal,
        "Less" => BinaryOp::Less,
        "LessOrEqual" => BinaryOp::LessOrEqual,
        "Greater" => BinaryOp::Greater,
        "GreaterOrEqual" => BinaryOp::GreaterOrEqual,
        "And" => BinaryOp::And,
        "Or" => BinaryOp::Or,
        _ => return None,
    })
}

/// Two-input ops with numpy broadcasting. `Pow` casts its exponent to the base's dtype.
pub(crate) fn binary(cx: &mut Cx) -> R {
    let op = match cx.op_type() {
        "Mod" => {
            if cx.attr_i("fmod", 0)? != 0 {
                BinaryOp::Fmod
            } else {
                BinaryOp::Mod
            }
        }
        t => binary_of(t).ok_or_else(|| cx.err(format!("{t} is not a binary op")))?,
    };
    let a = cx.x(0)?;
    let mut b = cx.x(1)?;
    if op == BinaryOp::Pow && cx.dtype(b) != cx.dtype(a) {
        let (da, db) = (cx.dtype(a), cx.dtype(b));
        if !da.is_float() && db.is_float() {
            // An integer base with a float exponent: compute in the exponent's float type, then
            // cast back (ONNX's output has the base's type), so 4 ** 0.5 is 2, not 4 ** 0.
            let af = cx.emit(Op::Cast { to: db }, &[a])?;
            let p = cx.emit(Op::Binary(BinaryOp::Pow), &[af, b])?;
            return cx.finish(Op::Cast { to: da }, &[p]);
        }
        b = cx.emit(Op::Cast { to: da }, &[b])?;
    }
    cx.finish(Op::Binary(op), &[a, b])
}

/// `Xor` of two bools: `a != b`.
pub(crate) fn xor(cx: &mut Cx) -> R {
    let (a, b) = (cx.x(0)?, cx.x(1)?);
    let eq = cx.emit(Op::Binary(BinaryOp::Equal), &[a, b])?;
    cx.finish(Op::Unary(UnaryOp::Not), &[eq])
}

/// `IsNaN`: `x != x`.
pub(crate) fn is_nan(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let eq = cx.emit(Op::Binary(BinaryOp::Equal), &[x, x])?;
    cx.finish(Op::Unary(UnaryOp::Not), &[eq])
}

/// Variadic `Sum`, `Mean`, `Max`, `Min`: a chain of binary ops (`Mean` divides by the count).
pub(crate) fn variadic(cx: &mut Cx) -> R {
    let t = cx.op_type().to_string();
    let op = binary_of(&t).ok_or_else(|| cx.err(format!("{t} is not variadic")))?;
    let mut xs = Vec::new();
    for i in 0..cx.n_inputs() {
        if let Some(v) = cx.opt(i)? {
            xs.push(v);
        }
    }
    let Some((&first, rest)) = xs.split_first() else {
        return Err(cx.err("needs at least one input"));
    };
    let n = xs.len();
    if n == 1 && t != "Mean" {
        return cx.bind(0, first);
    }
    let mut acc = first;
    for (i, &v) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        if last && t != "Mean" {
            return cx.finish(Op::Binary(op), &[acc, v]);
        }
        acc = cx.emit(Op::Binary(op), &[acc, v])?;
    }
    let c = cx.scalar(cx.dtype(acc), n as f64);
    cx.finish(Op::Binary(BinaryOp::Div), &[acc, c])
}

pub(crate) fn cast(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let to = match cx.op_type() {
        "CastLike" => {
            let t = cx.x(1)?;
            cx.dtype(t)
        }
        _ => {
            let t = cx.req_i("to")?;
            let t = i32::try_from(t).map_err(|_| cx.err(format!("`to` {t} is not an ONNX data type")))?;
            onnx_dtype(t)
                .map_err(|e| cx.err(format!("the target type at opset {} is not supported: {e}", cx.opset())))?
        }
    };
    // `round_mode` (opset 24) and `saturate` (19) only apply to float8 targets, which edgecc
    // refuses above; check their forms all the same.
    let mode = cx.attr_s("round_mode", "up")?;
    if !matches!(mode.as_str(), "up" | "down" | "nearest") {
        return Err(cx.err(format!(
            "round_mode `{mode}` at opset {} is not one of up, down, nearest",
            cx.opset()
        )));
    }
    cx.attr_i("saturate", 1)?;
    if cx.dtype(x) == to {
        return cx.bind(0, x);
    }
    cx.finish(Op::Cast { to }, &[x])
}

pub(crate) fn where_(cx: &mut Cx) -> R {
    let (c, a, b) = (cx.x(0)?, cx.x(1)?, cx.x(2)?);
    cx.finish(Op::Where, &[c, a, b])
}

/// `Clip`: `min`/`max` are attributes before opset 11 (absent: no bound), inputs from 11 (they
/// must be known).
pub(crate) fn clip(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let (min, max) = if cx.opset() < 11 {
        if cx.n_inputs() > 1 {
            return Err(cx.err(format!(
                "takes one input at opset {} (min and max are attributes before opset 11), got {}",
                cx.opset(),
                cx.n_inputs()
            )));
        }
        let min = cx.at(cx.attrs.float("min"))?.map(f64::from);
        let max = cx.at(cx.attrs.float("max"))?.map(f64::from);
        (min, max)
    } else {
        (
            cx.const_scalar(1, "the lower bound `min`")?,
            cx.const_scalar(2, "the upper bound `max`")?,
        )
    };
    cx.finish(Op::Clip { min, max }, &[x])
}

/// Adds `a op b` as an intermediate.
fn bin(cx: &mut Cx, op: BinaryOp, a: V, b: V) -> Result<V, OnnxError> {
    cx.emit(Op::Binary(op), &[a, b])
}

/// `alpha * (exp(x) - 1)`.
fn expm1_scaled(cx: &mut Cx, x: V, alpha: f64) -> Result<V, OnnxError> {
    let dt = cx.dtype(x);
    let e = cx.emit(Op::Unary(UnaryOp::Exp), &[x])?;
    let one = cx.scalar(dt, 1.0);
    let em1 = bin(cx, BinaryOp::Sub, e, one)?;
    let a = cx.scalar(dt, alpha);
    bin(cx, BinaryOp::Mul, em1, a)
}

/// Activations that decompose into elementwise IR ops.
pub(crate) fn activation(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let dt = cx.dtype(x);
    match cx.op_type() {
        "HardSigmoid" | "HardSwish" => {
            let (alpha, beta) = if cx.op_type() == "HardSwish" {
                (1.0 / 6.0, 0.5)
            } else {
                (cx.attr_f("alpha", 0.2)? as f64, cx.attr_f("beta", 0.5)? as f64)
            };
            let a = cx.scalar(dt, alpha);
            let b = cx.scalar(dt, beta);
            let ax = bin(cx, BinaryOp::Mul, x, a)?;
            let axb = bin(cx, BinaryOp::Add, ax, b)?;
            let clip = Op::Clip {
                min: Some(0.0),
                max: Some(1.0),
            };
            if cx.op_type() == "HardSwish" {
                let h = cx.emit(clip, &[axb])?;
                cx.finish(Op::Binary(BinaryOp::Mul), &[x, h])
            } else {
                cx.finish(clip, &[axb])
            }
        }
        "Softplus" => {
            // Stable form: max(x, 0) + log(1 + exp(-|x|)); log(exp(x) + 1) overflows past x ~ 88.
            let a = cx.emit(Op::Unary(UnaryOp::Abs), &[x])?;
            let na = cx.emit(Op::Unary(UnaryOp::Neg), &[a])?;
            let e = cx.emit(Op::Unary(UnaryOp::Exp), &[na])?;
            let one = cx.scalar(dt, 1.0);
            let s = bin(cx, BinaryOp::Add, e, one)?;
            let l = cx.emit(Op::Unary(UnaryOp::Log), &[s])?;
            let zero = cx.scalar(dt, 0.0);
            let r = bin(cx, BinaryOp::Max, x, zero)?;
            cx.finish(Op::Binary(BinaryOp::Add), &[r, l])
        }
        "Softsign" => {
            let a = cx.emit(Op::Unary(UnaryOp::Abs), &[x])?;
            let one = cx.scalar(dt, 1.0);
            let d = bin(cx, BinaryOp::Add, a, one)?;
            cx.finish(Op::Binary(BinaryOp::Div), &[x, d])
        }
        "Mish" => {
            let e = cx.emit(Op::Unary(UnaryOp::Exp), &[x])?;
            let one = cx.scalar(dt, 1.0);
            let s = bin(cx, BinaryOp::Add, e, one)?;
            let sp = cx.emit(Op::Unary(UnaryOp::Log), &[s])?;
            let t = cx.emit(Op::Unary(UnaryOp::Tanh), &[sp])?;
            cx.finish(Op::Binary(BinaryOp::Mul), &[x, t])
        }
        "Elu" | "Selu" => {
            let selu = cx.op_type() == "Selu";
            let alpha = if selu {
                cx.attr_f("alpha", 1.673_263_2)?
            } else {
                cx.attr_f("alpha", 1.0)?
            } as f64;
            let zero = cx.scalar(dt, 0.0);
            let neg = if selu {
                bin(cx, BinaryOp::LessOrEqual, x, zero)?
            } else {
                bin(cx, BinaryOp::Less, x, zero)?
            };
            let e = expm1_scaled(cx, x, alpha)?;
            if selu {
                let gamma = cx.attr_f("gamma", 1.050_701)? as f64;
                let w = cx.emit(Op::Where, &[neg, e, x])?;
                let g = cx.scalar(dt, gamma);
                cx.finish(Op::Binary(BinaryOp::Mul), &[w, g])
            } else {
                cx.finish(Op::Where, &[neg, e, x])
            }
        }
        "Celu" => {
            // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
            let alpha = cx.attr_f("alpha", 1.0)? as f64;
            if alpha == 0.0 {
                return Err(cx.err("alpha must be nonzero"));
            }
            let a = cx.scalar(dt, alpha);
            let xa = bin(cx, BinaryOp::Div, x, a)?;
            let e = expm1_scaled(cx, xa, alpha)?;
            let zero = cx.scalar(dt, 0.0);
            let neg = bin(cx, BinaryOp::Min, e, zero)?;
            let pos = bin(cx, BinaryOp::Max, x, zero)?;
            cx.finish(Op::Binary(BinaryOp::Add), &[pos, neg])
        }
        "ThresholdedRelu" => {
            let alpha = cx.attr_f("alpha", 1.0)? as f64;
            let a = cx.scalar(dt, alpha);
            let gt = bin(cx, BinaryOp::Greater, x, a)?;
            let zero = cx.scalar(dt, 0.0);
            cx.finish(Op::Where, &[gt, x, zero])
        }
        "PRelu" => {
            let slope = cx.x(1)?;
            let zero = cx.scalar(dt, 0.0);
            let neg = bin(cx, BinaryOp::Less, x, zero)?;
            let sx = bin(cx, BinaryOp::Mul, x, slope)?;
            cx.finish(Op::Where, &[neg, sx, x])
        }
        other => Err(cx.err(format!("{other} is not an activation"))),
    }
}

/// `Identity`, and `Dropout` in inference mode: the output is the input. The optional mask
/// output (1) is, from opset 12, an all-true bool tensor of the input's shape (every element
/// kept, as the ONNX reference computes it); before 12 the spec leaves it undefined in inference
/// and onnxruntime writes zeros (false at opsets 10 and 11, 0 of the input's type at 7 to 9,
/// where the mask has the data type), which edgecc matches. Before opset 12 `ratio` is an
/// attribute and the node has one input (opsets 7 to 9 have no `is_test`: inference is the
/// identity).
pub(crate) fn identity(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    if cx.op_type() == "Dropout" {
        if cx.opset() < 12 {
            if cx.n_inputs() > 1 {
                return Err(cx.err(format!(
                    "takes one input at opset {} (ratio is an attribute before opset 12), got {}",
                    cx.opset(),
                    cx.n_inputs()
                )));
            }
            cx.attr_f("ratio", 0.5)?; // inference ignores it; only its form is checked
        } else if let Some(t) = cx.const_scalar(2, "`training_mode`")? {
            if t != 0.0 {
                return Err(cx.err("training_mode is true; edgecc imports models for inference only"));
            }
        }
        if cx.output_used(1) {
            let shape = cx.static_dims(x, "the mask output of Dropout")?;
            let dtype = if cx.opset() < 10 { cx.dtype(x) } else { DType::Bool };
            let value = if cx.opset() < 12 { 0.0 } else { 1.0 };
            let mask = cx.emit(Op::ConstantOfShape { shape, value, dtype }, &[])?;
            cx.bind(1, mask)?;
        }
    }
    cx.bind(0, x)
}
