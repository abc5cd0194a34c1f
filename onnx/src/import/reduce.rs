//! Reductions and ops along an axis: `Reduce*` (axes an attribute before opset 13 for
//! `ReduceSum` and before 18 for the others, an input after), `ArgMax`/`ArgMin`,
//! `Softmax`/`LogSoftmax` (2-D coercion at `axis` before opset 13), `CumSum`, `TopK`.

use super::ctx::{Cx, V};
use crate::error::OnnxError;
use edgecc_ir::{normalize_axis, BinaryOp, DType, Dim, Op, ReduceOp, UnaryOp};

type R = Result<(), OnnxError>;

/// The opset from which an op's `axes` is an input rather than an attribute.
fn axes_input_since(op: &str) -> i64 {
    if op == "ReduceSum" {
        13
    } else {
        18
    }
}

/// The axes of a reduction: `None` means "no axes given".
fn reduce_axes(cx: &Cx) -> Result<Option<Vec<i64>>, OnnxError> {
    if cx.opset() >= axes_input_since(cx.op_type()) {
        cx.const_ints(1, "the reduction `axes`")
    } else {
        cx.attr_is("axes")
    }
}

/// `ReduceSum/Mean/Max/Min/Prod` and the composite `ReduceL1/L2/LogSum/LogSumExp/SumSquare`.
pub(crate) fn reduce(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let keepdims = cx.attr_i("keepdims", 1)? != 0;
    let noop = cx.attr_i("noop_with_empty_axes", 0)? != 0;
    let axes = reduce_axes(cx)?.unwrap_or_default();
    if axes.is_empty() && noop {
        return cx.bind(0, x);
    }
    let red = |op: ReduceOp, keep: bool| Op::Reduce {
        op,
        axes: axes.clone(),
        keepdims: keep,
    };
    if cx.dtype(x) == DType::Bool && matches!(cx.op_type(), "ReduceMax" | "ReduceMin") {
        // On bools Max is "any" and Min is "all": reduce them as u8 0/1.
        let op = if cx.op_type() == "ReduceMax" {
            ReduceOp::Max
        } else {
            ReduceOp::Min
        };
        let u = cx.emit(Op::Cast { to: DType::U8 }, &[x])?;
        let r = cx.emit(red(op, keepdims), &[u])?;
        return cx.finish(Op::Cast { to: DType::Bool }, &[r]);
    }
    match cx.op_type() {
        "ReduceSum" => cx.finish(red(ReduceOp::Sum, keepdims), &[x]),
        "ReduceMean" => cx.finish(red(ReduceOp::Mean, keepdims), &[x]),
        "ReduceMax" => cx.finish(red(ReduceOp::Max, keepdims), &[x]),
        "ReduceMin" => cx.finish(red(ReduceOp::Min, keepdims), &[x]),
        "ReduceProd" => cx.finish(red(ReduceOp::Prod, keepdims), &[x]),
        "ReduceL1" => {
            let a = cx.emit(Op::Unary(UnaryOp::Abs), &[x])?;
            cx.finish(red(ReduceOp::Sum, keepdims), &[a])
        }
        "ReduceSumSquare" | "ReduceL2" => {
            let sq = cx.emit(Op::Binary(BinaryOp::Mul), &[x, x])?;
            if cx.op_type() == "ReduceL2" {
                let s = cx.emit(red(ReduceOp::Sum, keepdims), &[sq])?;
                cx.finish(Op::Unary(UnaryOp::Sqrt), &[s])
            } else {
                cx.finish(red(ReduceOp::Sum, keepdims), &[sq])
            }
        }
        "ReduceLogSum" => {
            let s = cx.emit(red(ReduceOp::Sum, keepdims), &[x])?;
            cx.finish(Op::Unary(UnaryOp::Log), &[s])
        }
        "ReduceLogSumExp" => {
            // max + log(sum(exp(x - max))), stable.
            let m = cx.emit(red(ReduceOp::Max, true), &[x])?;
            let d = cx.emit(Op::Binary(BinaryOp::Sub), &[x, m])?;
            let e = cx.emit(Op::Unary(UnaryOp::Exp), &[d])?;
            let s = cx.emit(red(ReduceOp::Sum, keepdims), &[e])?;
            let l = cx.emit(Op::Unary(UnaryOp::Log), &[s])?;
            let m = if keepdims {
                m
            } else {
                cx.emit(red(ReduceOp::Max, false), &[x])?
            };
            cx.finish(Op::Binary(BinaryOp::Add), &[m, l])
        }
        other => Err(cx.err(format!("{other} is not a reduction"))),
    }
}

pub(crate) fn arg(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let axis = cx.attr_i("axis", 0)?;
    let keepdims = cx.attr_i("keepdims", 1)? != 0;
    let select_last_index = cx.attr_i("select_last_index", 0)? != 0;
    let op = if cx.op_type() == "ArgMax" {
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index,
        }
    } else {
        Op::ArgMin {
            axis,
            keepdims,
            select_last_index,
        }
    };
    cx.finish(op, &[x])
}

/// `Softmax`/`LogSoftmax`. From opset 13 along `axis` (default -1); before, over all axes from
/// `axis` (default 1) on, as the 2-D coercion defines it.
pub(crate) fn softmax(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let log = cx.op_type() == "LogSoftmax";
    let mk = |axis: i64| {
        if log {
            Op::LogSoftmax { axis }
        } else {
            Op::Softmax { axis }
        }
    };
    if cx.opset() >= 13 {
        let axis = cx.attr_i("axis", -1)?;
        return cx.finish(mk(axis), &[x]);
    }
    let axis = cx.attr_i("axis", 1)?;
    let r = cx.rank(x);
    let a =
        normalize_axis(axis, r.max(1)).ok_or_else(|| cx.err(format!("axis {axis} is out of range for rank {r}")))?;
    if r == 0 || a + 1 == r {
        return cx.finish(mk(-1), &[x]);
    }
    let dims = cx.dims(x);
    let syms = dims.iter().filter(|d| matches!(d, Dim::Sym { .. })).count();
    if syms <= 1 {
        // Flatten to [outer, inner], normalize the rows, reshape back.
        let f = cx.emit(Op::Flatten { axis: a as i64 }, &[x])?;
        let s = cx.emit(mk(1), &[f])?;
        let shape: Vec<i64> = dims
            .iter()
            .map(|d| d.as_static().map(|n| n as i64).unwrap_or(-1))
            .collect();
        if shape.contains(&0) && shape.contains(&-1) {
            return softmax_reduce(cx, x, a, log);
        }
        return cx.finish(Op::Reshape { shape, allowzero: true }, &[s]);
    }
    softmax_reduce(cx, x, a, log)
}

/// Softmax over axes `a..rank` with reductions (for inputs with several symbolic dims).
fn softmax_reduce(cx: &mut Cx, x: V, a: usize, log: bool) -> R {
    let axes: Vec<i64> = (a as i64..cx.rank(x) as i64).collect();
    let red = |op| Op::Reduce {
        op,
        axes: axes.clone(),
        keepdims: true,
    };
    let m = cx.emit(red(ReduceOp::Max), &[x])?;
    let d = cx.emit(Op::Binary(BinaryOp::Sub), &[x, m])?;
    let e = cx.emit(Op::Unary(UnaryOp::Exp), &[d])?;
    let s = cx.emit(red(ReduceOp::Sum), &[e])?;
    if log {
        let l = cx.emit(Op::Unary(UnaryOp::Log), &[s])?;
        cx.finish(Op::Binary(BinaryOp::Sub), &[d, l])
    } else {
        cx.finish(Op::Binary(BinaryOp::Div), &[e, s])
    }
}

pub(crate) fn cumsum(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let axis = cx
        .const_scalar(1, "the `axis`")?
        .ok_or_else(|| cx.err("the required input 1 (axis) is missing"))? as i64;
    let exclusive = cx.attr_i("exclusive", 0)? != 0;
    let reverse = cx.attr_i("reverse", 0)? != 0;
    cx.finish(
        Op::CumSum {
            axis,
            exclusive,
            reverse,
        },
        &[x],
    )
}

/// `TopK`: `k` is an attribute before opset 10, an input from 10 (it must be known); `largest`
/// and `sorted` exist from 11 (before: largest, sorted). `sorted=0` allows any order, so sorted
/// output is valid.
pub(crate) fn topk(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let k = if cx.opset() < 10 {
        if cx.n_inputs() > 1 {
            return Err(cx.err(format!(
                "takes one input at opset {} (k is an attribute before opset 10), got {}",
                cx.opset(),
                cx.n_inputs()
            )));
        }
        cx.req_i("k")? as f64
    } else {
        cx.const_scalar(1, "`k`")?
            .ok_or_else(|| cx.err("the required input 1 (k) is missing"))?
    };
    if !(k >= 0.0 && k.is_finite()) {
        return Err(cx.err(format!("k must be >= 0, got {k}")));
    }
    let axis = cx.attr_i("axis", -1)?;
    let largest = cx.attr_i("largest", 1)? != 0;
    cx.finish(
        Op::TopK {
            k: k as u64,
            axis,
            largest,
        },
        &[x],
    )
}
