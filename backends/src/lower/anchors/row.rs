//! Row anchors: reductions (Sum, Mean, Max, Min, Prod over any axes, with or without keepdims),
//! ArgMax/ArgMin, Softmax/LogSoftmax, LayerNorm/RMSNorm over the trailing axes, and
//! GroupNorm/InstanceNorm as a LayerNorm over each group's row. `load_x(row, j)`, and
//! `store_r(row, v)` (one value per row) or `store_y(row, j, v)` (one per element, the norms'
//! scale and bias applied there).
//!
//! Dynamic dims may be on kept axes (the row count is read at run time), on reduced axes (the
//! row length is), or a group norm's batch.

use super::{
    float_dtype, float_type, reduce_schedule, single, store_fn, AnchorCx, AnchorKernel, Callers, Result, Template,
};
use crate::kir::{BinaryOp, Extent, Role, Type};
use crate::lower::stages::Stage;
use crate::lower::value::{Ex, Walk};
use crate::lower::{Problem, RowProblem};
use edgecc_ir::{normalize_axis, Dim as IrDim, Op, ReduceOp, ValueId};

const I32: Type = Type::I32;
const F32: Type = Type::F32;

/// A row template's sizes: `rows` independent rows of `len` elements.
#[derive(Clone, Debug)]
pub struct RowShape {
    /// The row count and length at the bounds of their dynamic dims.
    pub rows: u64,
    pub len: u64,
    /// The run-time row count and length where dynamic.
    pub rows_ext: Option<Extent>,
    pub len_ext: Option<Extent>,
    pub op: RowOp,
    /// The float type the row loads as (f32 for integer inputs: exact up to 2^24).
    pub elem: Type,
}

/// What a row reduction computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowOp {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    /// Index of the maximum (NaN counts as the maximum; ties: first, or last with `select_last`).
    ArgMax {
        select_last: bool,
    },
    /// Index of the minimum (NaN counts as the minimum; ties: first, or last with `select_last`).
    ArgMin {
        select_last: bool,
    },
    Softmax,
    LogSoftmax,
    /// Stores `(x - mean) * rstd`, `rstd = 1 / sqrt(var + eps)` (population variance).
    LayerNorm {
        eps: f32,
    },
    /// Stores `x * rstd`, `rstd = 1 / sqrt(mean(x²) + eps)`.
    RmsNorm {
        eps: f32,
    },
}

impl RowOp {
    /// The op's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            RowOp::Sum => "Sum",
            RowOp::Mean => "Mean",
            RowOp::Max => "Max",
            RowOp::Min => "Min",
            RowOp::Prod => "Prod",
            RowOp::ArgMax { .. } => "ArgMax",
            RowOp::ArgMin { .. } => "ArgMin",
            RowOp::Softmax => "Softmax",
            RowOp::LogSoftmax => "LogSoftmax",
            RowOp::LayerNorm { .. } => "LayerNorm",
            RowOp::RmsNorm { .. } => "RmsNorm",
        }
    }

    /// The op's name in a problem key (lower case).
    pub fn key_name(self) -> &'static str {
        match self {
            RowOp::Sum => "sum",
            RowOp::Mean => "mean",
            RowOp::Max => "max",
            RowOp::Min => "min",
            RowOp::Prod => "prod",
            RowOp::ArgMax { .. } => "argmax",
            RowOp::ArgMin { .. } => "argmin",
            RowOp::Softmax => "softmax",
            RowOp::LogSoftmax => "logsoftmax",
            RowOp::LayerNorm { .. } => "layernorm",
            RowOp::RmsNorm { .. } => "rmsnorm",
        }
    }

    /// 4-byte workgroup-memory values per invocation the template's reductions take (value and
    /// index for the arg ops): the row problem's fit rule reads it.
    pub fn reduce_slots(self) -> u32 {
        if matches!(self, RowOp::ArgMax { .. } | RowOp::ArgMin { .. }) {
            2
        } else {
            1
        }
    }

    /// Whether the op stores one value per element (`store_y`) rather than one per row.
    pub fn per_element(self) -> bool {
        matches!(
            self,
            RowOp::Softmax | RowOp::LogSoftmax | RowOp::LayerNorm { .. } | RowOp::RmsNorm { .. }
        )
    }
}

/// A norm's (scale, bias, per-channel) operands: applied by the store.
type NormParams = Option<(ValueId, Option<ValueId>, bool)>;

/// Where a row op's output element goes, relative to its input index.
#[derive(Clone, Copy, PartialEq)]
enum RowOut {
    /// One element per row, indexed by the kept axes (a reduction without keepdims).
    Kept,
    /// One element per row, the input index with the reduced axes at 0 (keepdims).
    KeepDims,
    /// One element per input element (norms, softmax).
    Full,
}

/// How a row op's rows and row elements map to its input axes.
enum RowIndex {
    /// Rows over the `kept` axes, elements over the `red` axes (both row-major).
    Axes {
        kept: Vec<usize>,
        red: Vec<usize>,
        out: RowOut,
    },
    /// GroupNorm / InstanceNorm of [N, C, spatial..]: row = n * groups + group, element =
    /// channel-in-group * spatial size + spatial offset.
    Groups {
        groups: u64,
        per_group: u64,
        spatial: Vec<u64>,
    },
}

impl RowIndex {
    /// (rows, elements per row) for input shape `xsh`.
    fn size(&self, xsh: &[u64]) -> (u64, u64) {
        match self {
            RowIndex::Axes { kept, red, .. } => (
                kept.iter().map(|&a| xsh[a]).product(),
                red.iter().map(|&a| xsh[a]).product(),
            ),
            RowIndex::Groups {
                groups,
                per_group,
                spatial,
            } => (xsh[0] * groups, per_group * spatial.iter().product::<u64>()),
        }
    }

    /// The input index of element `j` of row `row`, and the output index it goes to, for input
    /// extents `xs` (a dynamic dim only on kept axes).
    fn at(&self, w: &mut Walk, xs: &[Ex], row: Ex, j: Ex) -> Result<(Vec<Ex>, Vec<Ex>)> {
        match self {
            RowIndex::Axes { kept, red, out } => {
                let kd: Vec<Ex> = kept.iter().map(|&a| xs[a]).collect();
                let rd: Vec<Ex> = red.iter().map(|&a| xs[a]).collect();
                let ki = w.delinearize_ex(row, &kd)?;
                let ri = w.delinearize_ex(j, &rd)?;
                let zero = w.ci(0);
                let mut in_idx = vec![zero; xs.len()];
                for (p, &a) in kept.iter().enumerate() {
                    in_idx[a] = ki[p];
                }
                for (p, &a) in red.iter().enumerate() {
                    in_idx[a] = ri[p];
                }
                let out_idx = match out {
                    RowOut::Kept => ki,
                    RowOut::Full => in_idx.clone(),
                    RowOut::KeepDims => {
                        let mut o = in_idx.clone();
                        for &a in red {
                            o[a] = zero;
                        }
                        o
                    }
                };
                Ok((in_idx, out_idx))
            }
            RowIndex::Groups {
                groups,
                per_group,
                spatial,
            } => {
                let sn = spatial.iter().product::<u64>().max(1);
                let n = w.ix_div(row, *groups)?;
                let g = w.ix_rem(row, *groups)?;
                let cbase = w.ix_mul(g, *per_group as i64)?;
                let cj = w.ix_div(j, sn)?;
                let ch = w.ix_add(cbase, cj)?;
                let s = w.ix_rem(j, sn)?;
                let mut idx = vec![n, ch];
                idx.extend(w.delinearize(s, spatial)?);
                Ok((idx.clone(), idx))
            }
        }
    }
}

pub(super) fn row(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let node = cx.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, "row");
    let x = node.inputs[0];
    // Integers are loaded as f32 (exact up to 2^24), not in the precision's float: f16 would
    // round them from 2048 on.
    let fty = if c.w.dtype(x).is_float() {
        float_type(cx.prec)
    } else {
        F32
    };
    // The input's extents at the bounds of its dynamic dims (which only kept axes may have).
    let xdims = cx.g.ty(x).shape.clone();
    let xsh: Vec<u64> = xdims.dims().iter().map(|d| d.upper_bound()).collect();
    let r = xsh.len();
    let axis_of =
        |a: i64| normalize_axis(a, r).ok_or_else(|| cx.unsupported(format!("axis {a} out of range for rank {r}")));
    let all_but = |a: usize| -> Vec<usize> { (0..r).filter(|&i| i != a).collect() };
    let (op, map, extra): (RowOp, RowIndex, NormParams) = match &node.op {
        Op::Reduce { op, axes, keepdims } => {
            let mut red: Vec<usize> = Vec::new();
            for &a in axes {
                red.push(axis_of(a)?);
            }
            if axes.is_empty() {
                red = (0..r).collect();
            }
            red.sort_unstable();
            red.dedup();
            let kept: Vec<usize> = (0..r).filter(|a| !red.contains(a)).collect();
            let out = if *keepdims { RowOut::KeepDims } else { RowOut::Kept };
            let op = match op {
                ReduceOp::Sum => RowOp::Sum,
                ReduceOp::Mean => RowOp::Mean,
                ReduceOp::Max => RowOp::Max,
                ReduceOp::Min => RowOp::Min,
                ReduceOp::Prod => RowOp::Prod,
            };
            (op, RowIndex::Axes { kept, red, out }, None)
        }
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index,
        }
        | Op::ArgMin {
            axis,
            keepdims,
            select_last_index,
        } => {
            let a = axis_of(*axis)?;
            let out = if *keepdims { RowOut::KeepDims } else { RowOut::Kept };
            let op = if matches!(node.op, Op::ArgMax { .. }) {
                RowOp::ArgMax {
                    select_last: *select_last_index,
                }
            } else {
                RowOp::ArgMin {
                    select_last: *select_last_index,
                }
            };
            let map = RowIndex::Axes {
                kept: all_but(a),
                red: vec![a],
                out,
            };
            (op, map, None)
        }
        Op::Softmax { axis } | Op::LogSoftmax { axis } => {
            let a = axis_of(*axis)?;
            let op = if matches!(node.op, Op::Softmax { .. }) {
                RowOp::Softmax
            } else {
                RowOp::LogSoftmax
            };
            let map = RowIndex::Axes {
                kept: all_but(a),
                red: vec![a],
                out: RowOut::Full,
            };
            (op, map, None)
        }
        Op::LayerNorm { axis, epsilon } | Op::RmsNorm { axis, epsilon } => {
            let a = axis_of(*axis)?;
            let map = RowIndex::Axes {
                kept: (0..a).collect(),
                red: (a..r).collect(),
                out: RowOut::Full,
            };
            let op = if matches!(node.op, Op::LayerNorm { .. }) {
                RowOp::LayerNorm { eps: *epsilon }
            } else {
                RowOp::RmsNorm { eps: *epsilon }
            };
            (op, map, Some((node.inputs[1], node.inputs.get(2).copied(), false)))
        }
        Op::GroupNorm { epsilon, .. } | Op::InstanceNorm { epsilon } => {
            if r < 2 {
                return Err(cx.unsupported(format!("{} `{}` needs [N, C, ...]", node.op.name(), node.name)));
            }
            let ch = xsh[1];
            let g = match &node.op {
                Op::GroupNorm { num_groups, .. } => (*num_groups as u64).max(1),
                _ => ch.max(1),
            };
            let map = RowIndex::Groups {
                groups: g,
                per_group: ch / g,
                spatial: xsh[2..].to_vec(),
            };
            (
                RowOp::LayerNorm { eps: *epsilon },
                map,
                Some((node.inputs[1], Some(node.inputs[2]), true)),
            )
        }
        _ => return Err(cx.unsupported("not a row op")),
    };
    let (rows, len) = map.size(&xsh);
    // Dynamic dims: on kept axes (the row count is sized at run time), reduced axes (the row
    // length is read at run time), or the batch of a group norm.
    let dynamic: Vec<usize> = (0..r).filter(|&a| xdims.dims()[a].as_static().is_none()).collect();
    let over = |c: &mut Callers, axes: &[usize]| -> Result<Option<Extent>> {
        if axes.iter().all(|a| !dynamic.contains(a)) {
            return Ok(None);
        }
        let dims: Vec<IrDim> = axes.iter().map(|&a| xdims.dims()[a].clone()).collect();
        c.extent(cx, &dims).map(Some)
    };
    let (rows_extent, len_extent) = match (&map, dynamic.is_empty()) {
        (_, true) => (None, None),
        // Rows over the kept axes, the row length over the reduced ones, either at run time.
        (RowIndex::Axes { kept, red, .. }, false) => (over(&mut c, kept)?, over(&mut c, red)?),
        // A group norm's rows are the batch's groups: the batch may be dynamic.
        (RowIndex::Groups { groups, .. }, false) if dynamic == [0] => {
            let batch = c.extent(cx, &xdims.dims()[..1])?;
            (Some((batch * *groups).simplify()), None)
        }
        _ => {
            return Err(cx.unsupported(format!(
                "{} `{}` over {}: a dynamic dim on a group norm's channels or spatial axes is not supported yet",
                node.op.name(),
                node.name,
                xdims
            )))
        }
    };
    // load_x(row, j)
    let p = c.begin(&[("row", I32), ("j", I32)]);
    let xs = c.w.extents(&xdims)?;
    let (in_idx, _) = map.at(&mut c.w, &xs, p[0], p[1])?;
    let vx = c.w.value_at(x, &in_idx)?;
    c.end("load_x", Role::OperandLoad, Some((vx, fty)))?;
    let oreg = c.w.reg(out);
    match op {
        RowOp::Sum | RowOp::Mean | RowOp::Max | RowOp::Min | RowOp::Prod => {
            // store_r(row, v). An empty integer Max/Min row is the identity ±inf: clamped to
            // the dtype's range, as the reference (an empty ReduceMax of u8 is 0, which a bool
            // ReduceMax casts to false).
            let p = c.begin(&[("row", I32), ("v", F32)]);
            let zero = c.w.ci(0);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], zero)?;
            let mut v = p[1];
            if let (Some((lo, hi)), true) = (c.w.dtype(out).int_range(), oreg == I32) {
                let lo = lo.max(i32::MIN as i64) as f64;
                let hi = (hi.min(i32::MAX as i64) as f64).min(2147483520.0);
                let (lo, hi) = (c.w.lit(F32, lo), c.w.lit(F32, hi));
                v = c.w.bin(BinaryOp::Max, v, lo)?;
                v = c.w.bin(BinaryOp::Min, v, hi)?;
            }
            store_fn(&mut c, cx, stage, "store_r", out, &out_idx, v, None)?;
        }
        RowOp::ArgMax { .. } | RowOp::ArgMin { .. } => {
            // store_r(row, v): the index found.
            let p = c.begin(&[("row", I32), ("v", I32)]);
            let zero = c.w.ci(0);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], zero)?;
            store_fn(&mut c, cx, stage, "store_r", out, &out_idx, p[1], None)?;
        }
        _ => {
            // store_y(row, j, v): v (* scale + bias).
            let p = c.begin(&[("row", I32), ("j", I32), ("v", F32)]);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], p[1])?;
            let mut e = p[2];
            if let Some((scale, bias, per_channel)) = extra {
                let param = |c: &mut Callers, pv: ValueId| -> Result<Ex> {
                    let idx = if per_channel {
                        vec![out_idx[1]]
                    } else {
                        let s = c.w.sizes(pv)?;
                        c.w.broadcast_ex(&out_idx, &s)
                    };
                    let val = c.w.value_at(pv, &idx)?;
                    c.w.convert(val, F32)
                };
                let sv = param(&mut c, scale)?;
                e = c.w.bin(BinaryOp::Mul, e, sv)?;
                if let Some(bias) = bias {
                    let bv = param(&mut c, bias)?;
                    e = c.w.bin(BinaryOp::Add, e, bv)?;
                }
            }
            store_fn(&mut c, cx, stage, "store_y", out, &out_idx, e, None)?;
        }
    }
    let shape = RowShape {
        rows,
        rows_ext: rows_extent,
        len,
        len_ext: len_extent,
        op,
        elem: fty,
    };
    let problem = Problem::Row(RowProblem {
        op: op.key_name().into(),
        rows,
        len,
        dtype: float_dtype(fty),
        slots: op.reduce_slots(),
    });
    let k = single(cx, c, Template::Row(shape), problem)?;
    reduce_schedule(cx, &k.variants[0].chosen)?;
    Ok(k)
}
