//! Data-movement and shape ops, and constants: `Reshape`, `Transpose`, `Concat`, `Split`, `Slice`,
//! `Gather`, `GatherElements`, `Expand`, `Squeeze`, `Unsqueeze`, `Flatten`, `Pad`, `Tile`, `Range`,
//! `Shape`, `Size`, `ConstantOfShape`, `Trilu`, `Constant`. Shape operands (ONNX inputs since
//! opsets 5–13) must be known at import time: they become the IR's static attributes, or, where a
//! dim is kept symbolic, shape values over it ([`super::shape_values`], read by
//! [`super::sym_shapes`]).

use super::ctx::Cx;
use super::shape_values::SymInt;
use super::sym_shapes as sv;
use crate::error::OnnxError;
use crate::tensor::tensor_to_data;
use edgecc_ir::{normalize_axis, DType, Dim, Op, PadMode, ReduceOp, TensorData};

type R = Result<(), OnnxError>;

pub(crate) fn reshape(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let target = cx
        .sym_ints(1, "the target `shape`")?
        .ok_or_else(|| cx.err("the required input 1 (shape) is missing"))?;
    let allowzero = cx.attr_i("allowzero", 0)? != 0;
    let shape = sv::reshape_target(cx, x, &target, allowzero)?;
    cx.finish(Op::Reshape { shape, allowzero }, &[x])?;
    sv::check_dims(cx, &target)
}

pub(crate) fn transpose(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let r = cx.rank(x);
    let perm = match cx.attr_is("perm")? {
        Some(p) if !p.is_empty() || r == 0 => p
            .iter()
            .map(|&a| u64::try_from(a).map_err(|_| cx.err(format!("perm {p:?} has a negative axis"))))
            .collect::<Result<Vec<_>, _>>()?,
        _ => (0..r as u64).rev().collect(),
    };
    cx.finish(Op::Transpose { perm }, &[x])
}

pub(crate) fn concat(cx: &mut Cx) -> R {
    let axis = cx.req_i("axis")?;
    let mut xs = Vec::new();
    for i in 0..cx.n_inputs() {
        if let Some(v) = cx.opt(i)? {
            xs.push(v);
        }
    }
    if xs.is_empty() {
        return Err(cx.err("needs at least one input"));
    }
    cx.finish(Op::Concat { axis }, &xs)
}

/// `Split`: sizes from the `split` attribute (before 13), the `split` input (13+), or equal parts
/// (the last one smaller, as opset 18's `num_outputs` defines).
pub(crate) fn split(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let axis = cx.attr_i("axis", 0)?;
    let given = if cx.opset() >= 13 {
        cx.const_ints(1, "the split sizes `split`")?
    } else {
        cx.attr_is("split")?
    }
    .filter(|v| !v.is_empty());
    let r = cx.rank(x);
    let a = normalize_axis(axis, r).ok_or_else(|| cx.err(format!("axis {axis} is out of range for rank {r}")))?;
    let sizes: Vec<u64> = match given {
        Some(s) => s
            .iter()
            .map(|&v| u64::try_from(v).map_err(|_| cx.err(format!("split {s:?} has a negative size"))))
            .collect::<Result<_, _>>()?,
        None => {
            let n = match cx.attrs.int("num_outputs") {
                Ok(Some(n)) => n,
                _ => cx.node.output.len() as i64,
            };
            let n = u64::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| cx.err("needs at least one output"))?;
            let ext = cx
                .dims(x)
                .get(a)
                .and_then(Dim::as_static)
                .ok_or_else(|| cx.err("splitting a symbolic axis into equal parts needs its extent; specialize it with `--shape NAME=VALUE`"))?;
            if cx.opset() < 18 && !ext.is_multiple_of(n) {
                return Err(cx.err(format!(
                    "without split sizes, an extent of {ext} does not split into {n} equal parts (opset {}; \
                     uneven parts need num_outputs at opset 18)",
                    cx.opset()
                )));
            }
            let chunk = ext.div_ceil(n);
            let mut left = ext;
            (0..n)
                .map(|_| {
                    let c = chunk.min(left);
                    left -= c;
                    c
                })
                .collect()
        }
    };
    if sizes.len() != cx.node.output.len() {
        return Err(cx.err(format!(
            "{} split sizes for {} outputs",
            sizes.len(),
            cx.node.output.len()
        )));
    }
    cx.finish(Op::Split { axis, sizes }, &[x])
}

/// `Slice`: before opset 10 `starts`, `ends` (required) and `axes` are attributes and there are
/// no steps; from 10 they are inputs (known at import time), with `steps`.
pub(crate) fn slice(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    if cx.opset() < 10 {
        if cx.n_inputs() > 1 {
            return Err(cx.err(format!(
                "takes one input at opset {} (starts, ends and axes are attributes before opset 10), got {}",
                cx.opset(),
                cx.n_inputs()
            )));
        }
        let req = |cx: &Cx, n: &str| {
            cx.attr_is(n)?.ok_or_else(|| {
                cx.err(format!(
                    "the required attribute `{n}` is missing (opset {})",
                    cx.opset()
                ))
            })
        };
        let starts = req(cx, "starts")?;
        let ends = req(cx, "ends")?;
        let axes = cx.attr_is("axes")?.unwrap_or_default();
        if starts.len() != ends.len() || (!axes.is_empty() && axes.len() != starts.len()) {
            return Err(cx.err(format!(
                "starts {starts:?}, ends {ends:?} and axes {axes:?} must have the same length"
            )));
        }
        return cx.finish(
            Op::Slice {
                starts,
                ends,
                axes,
                steps: vec![],
            },
            &[x],
        );
    }
    let starts = cx
        .sym_ints(1, "`starts`")?
        .ok_or_else(|| cx.err("the required input 1 (starts) is missing"))?;
    let ends = cx
        .sym_ints(2, "`ends`")?
        .ok_or_else(|| cx.err("the required input 2 (ends) is missing"))?;
    let axes = cx.const_ints(3, "`axes`")?.unwrap_or_default();
    let steps = cx.const_ints(4, "`steps`")?.unwrap_or_default();
    let ints = |v: &[SymInt]| v.iter().map(SymInt::as_int).collect::<Option<Vec<i64>>>();
    let (Some(starts), Some(ends)) = (ints(&starts), ints(&ends)) else {
        return sv::slice_to_dims(cx, x, &starts, &ends, &axes, &steps);
    };
    cx.finish(
        Op::Slice {
            starts,
            ends,
            axes,
            steps,
        },
        &[x],
    )
}

pub(crate) fn gather(cx: &mut Cx) -> R {
    let (x, i) = (cx.x(0)?, cx.x(1)?);
    let axis = cx.attr_i("axis", 0)?;
    let op = if cx.op_type() == "GatherElements" {
        Op::GatherElements { axis }
    } else {
        Op::Gather { axis }
    };
    cx.finish(op, &[x, i])
}

pub(crate) fn expand(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let target = cx
        .sym_ints(1, "the target `shape`")?
        .ok_or_else(|| cx.err("the required input 1 (shape) is missing"))?;
    let shape = sv::expand_target(cx, x, &target)?;
    cx.finish(Op::Expand { shape }, &[x])
}

/// `Squeeze`/`Unsqueeze`: `axes` an attribute before opset 13, an input after.
pub(crate) fn squeeze(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let axes = if cx.opset() >= 13 {
        cx.const_ints(1, "the `axes`")?
    } else {
        cx.attr_is("axes")?
    }
    .unwrap_or_default();
    if cx.op_type() == "Unsqueeze" {
        if axes.is_empty() {
            return Err(cx.err("Unsqueeze needs `axes`"));
        }
        cx.finish(Op::Unsqueeze { axes }, &[x])
    } else {
        cx.finish(Op::Squeeze { axes }, &[x])
    }
}

pub(crate) fn flatten(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let axis = cx.attr_i("axis", 1)?;
    cx.finish(Op::Flatten { axis }, &[x])
}

/// `Pad`: before opset 11 `pads` (required) and `value` (default 0) are attributes; from 11
/// `pads`, `constant_value` and (18+) `axes` are inputs and must be known.
pub(crate) fn pad(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let mode = match cx.attr_s("mode", "constant")?.as_str() {
        "constant" => PadMode::Constant,
        "reflect" => PadMode::Reflect,
        "edge" => PadMode::Edge,
        other => {
            return Err(cx.err(format!(
                "mode `{other}` at opset {} is not supported (constant, reflect, edge are)",
                cx.opset()
            )))
        }
    };
    if cx.opset() < 11 {
        if cx.n_inputs() > 1 {
            return Err(cx.err(format!(
                "takes one input at opset {} (pads and value are attributes before opset 11), got {}",
                cx.opset(),
                cx.n_inputs()
            )));
        }
        let pads = cx.attr_is("pads")?.ok_or_else(|| {
            cx.err(format!(
                "the required attribute `pads` is missing (opset {})",
                cx.opset()
            ))
        })?;
        let r = cx.rank(x);
        if pads.len() != 2 * r {
            return Err(cx.err(format!("pads needs {} values for rank {r}, got {pads:?}", 2 * r)));
        }
        let value = f64::from(cx.attr_f("value", 0.0)?);
        return cx.finish(Op::Pad { pads, mode, value }, &[x]);
    }
    let pads = cx
        .const_ints(1, "the `pads`")?
        .ok_or_else(|| cx.err("the required input 1 (pads) is missing"))?;
    let value = cx.const_scalar(2, "the `constant_value`")?.unwrap_or(0.0);
    let r = cx.rank(x);
    let pads = match cx.const_ints(3, "the `axes`")? {
        Some(axes) if !axes.is_empty() => {
            if pads.len() != 2 * axes.len() {
                return Err(cx.err(format!("pads needs {} values for axes {axes:?}", 2 * axes.len())));
            }
            let mut full = vec![0i64; 2 * r];
            for (i, &a) in axes.iter().enumerate() {
                let a = normalize_axis(a, r).ok_or_else(|| cx.err(format!("axis {a} is out of range")))?;
                full[a] = pads[i];
                full[r + a] = pads[axes.len() + i];
            }
            full
        }
        _ => pads,
    };
    cx.finish(Op::Pad { pads, mode, value }, &[x])
}

pub(crate) fn tile(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let reps = cx
        .const_ints(1, "the `repeats`")?
        .ok_or_else(|| cx.err("the required input 1 (repeats) is missing"))?;
    let repeats = reps
        .iter()
        .map(|&v| u64::try_from(v).map_err(|_| cx.err(format!("repeats {reps:?} has a negative value"))))
        .collect::<Result<Vec<_>, _>>()?;
    cx.finish(Op::Tile { repeats }, &[x])
}

pub(crate) fn range(cx: &mut Cx) -> R {
    let dtype = cx.dtype(cx.x(0)?);
    let get = |cx: &Cx, i: usize, what: &str| -> Result<f64, OnnxError> {
        cx.const_scalar(i, what)?
            .ok_or_else(|| cx.err(format!("the required input {i} ({what}) is missing")))
    };
    let start = get(cx, 0, "`start`")?;
    let delta = get(cx, 2, "`delta`")?;
    // `Range(0, seq, 1)` over a symbolic `seq`: the range to its bound, cropped to it.
    if let Some([SymInt::Sym(d)]) = cx.sym_ints(1, "`limit`")?.as_deref() {
        if start != 0.0 || delta != 1.0 {
            return Err(cx.err(format!(
                "a range up to the symbolic dim {d} must start at 0 with step 1, got start {start} and \
                 delta {delta}; specialize it with `--shape NAME=VALUE`"
            )));
        }
        let d = d.clone();
        let r = cx.emit(
            Op::Range {
                start,
                limit: d.upper_bound() as f64,
                delta,
                dtype,
            },
            &[],
        )?;
        return cx.finish(Op::Crop { shape: vec![d] }, &[r]);
    }
    let limit = get(cx, 1, "`limit`")?;
    cx.finish(
        Op::Range {
            start,
            limit,
            delta,
            dtype,
        },
        &[],
    )
}

/// `Shape` (with the opset-15 `start`/`end`): known when the input's shape is static.
pub(crate) fn shape(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let start = cx.attr_i("start", 0)?;
    let end = cx.at(cx.attrs.int("end"))?;
    cx.finish(Op::Shape { start, end }, &[x])
}

/// `Size`: the element count, known when the shape is static.
pub(crate) fn size(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    if let Some(n) = cx.ty(x).shape.numel() {
        let d = TensorData::from_i64(DType::I64, vec![], &[n as i64]).map_err(|e| cx.err(e.to_string()))?;
        let v = cx.data("size", d);
        return cx.bind(0, v);
    }
    let s = cx.emit(Op::Shape { start: 0, end: None }, &[x])?;
    cx.finish(
        Op::Reduce {
            op: ReduceOp::Prod,
            axes: vec![],
            keepdims: false,
        },
        &[s],
    )
}

/// `ConstantOfShape`: over symbolic dims, the constant at their bounds cropped to them.
pub(crate) fn constant_of_shape(cx: &mut Cx) -> R {
    let vals = cx
        .sym_ints(0, "the output `shape`")?
        .ok_or_else(|| cx.err("the required input 0 (shape) is missing"))?;
    let dims =
        sv::as_dims(&vals).ok_or_else(|| cx.err(format!("shape {} has a negative extent", sv::describe(&vals))))?;
    let shape: Vec<u64> = dims.iter().map(Dim::upper_bound).collect();
    let (value, dtype) = match cx.at(cx.attrs.tensor("value"))? {
        None => (0.0, DType::F32),
        Some(t) => {
            let d = tensor_to_data(t, cx.imp.base_dir, &cx.imp.opts.limits)?;
            let v = d.to_f64_vec();
            if v.len() != 1 {
                return Err(cx.err(format!("value must hold one element, got {}", v.len())));
            }
            (v[0], d.dtype())
        }
    };
    let op = Op::ConstantOfShape { shape, value, dtype };
    if dims.iter().all(|d| d.as_static().is_some()) {
        return cx.finish(op, &[]);
    }
    let c = cx.emit(op, &[])?;
    cx.finish(Op::Crop { shape: dims }, &[c])
}

pub(crate) fn trilu(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let upper = cx.attr_i("upper", 1)? != 0;
    let k = cx.const_scalar(1, "the diagonal offset `k`")?.unwrap_or(0.0) as i64;
    cx.finish(Op::Trilu { upper, k }, &[x])
}

/// `Constant`: `value` (a tensor), `value_float(s)`, `value_int(s)`.
pub(crate) fn constant(cx: &mut Cx) -> R {
    let a = &cx.attrs;
    let data = if let Some(t) = cx.at(a.tensor("value"))? {
        tensor_to_data(t, cx.imp.base_dir, &cx.imp.opts.limits)?
    } else if let Some(f) = cx.at(a.float("value_float"))? {
        TensorData::from_f32(DType::F32, vec![], &[f]).map_err(|e| cx.err(e.to_string()))?
    } else if let Some(fs) = cx.at(a.floats("value_floats"))? {
        TensorData::from_f32(DType::F32, vec![fs.len()], &fs).map_err(|e| cx.err(e.to_string()))?
    } else if let Some(i) = cx.at(a.int("value_int"))? {
        TensorData::from_i64(DType::I64, vec![], &[i]).map_err(|e| cx.err(e.to_string()))?
    } else if let Some(is) = cx.at(a.ints("value_ints"))? {
        TensorData::from_i64(DType::I64, vec![is.len()], &is).map_err(|e| cx.err(e.to_string()))?
    } else {
        return Err(cx.err(
            "needs a `value`, `value_float(s)` or `value_int(s)` attribute (strings and sparse tensors are \
             not supported)",
        ));
    };
    let name = match cx.node.output.first().filter(|o| !o.is_empty()) {
        Some(o) => o.clone(),
        None => return Ok(()),
    };
    let v = cx.imp.new_data(name, data);
    cx.bind(0, v)
}
