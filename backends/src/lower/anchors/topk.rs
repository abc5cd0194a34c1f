//! Top-k anchors: the `k` largest (or smallest) of each row along one axis, values and indices.
//! `load_x(row, j)`, `store_v(row, r, v)` and `store_i(row, r, idx)` (the `r`-th of the row).
//! Dynamic dims may be on the kept axes (the row count is read at run time), not the top-k axis.

use super::{reduce_schedule, single, store_fn, AnchorCx, AnchorKernel, Callers, Result, Template};
use crate::kir::{Extent, Role, Scalar, Type};
use crate::lower::stages::Stage;
use crate::lower::value::{Ex, Walk};
use crate::lower::{Problem, TopKProblem};
use edgecc_ir::{normalize_axis, Dim as IrDim, Op};

const I32: Type = Type::I32;

/// A top-k template's sizes: `rows` rows of `len` elements, `k` kept of each.
#[derive(Clone, Debug)]
pub struct TopKShape {
    /// The row count at the bounds of its dynamic dims, and at run time where dynamic.
    pub rows: u64,
    pub rows_ext: Option<Extent>,
    pub len: u64,
    pub k: u64,
    pub largest: bool,
    /// The element type (the input's register type).
    pub elem: Type,
}

pub(super) fn topk(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let node = cx.g.node(stage.anchor).clone();
    let Op::TopK { k, axis, largest } = node.op else {
        return Err(cx.unsupported("not top-k"));
    };
    let mut c = Callers::new(cx, "topk");
    let x = node.inputs[0];
    let xty = c.w.reg(x);
    if xty.scalar() == Scalar::Bool {
        return Err(cx.unsupported(format!("TopK `{}` on booleans", node.name)));
    }
    // Extents at the bounds; dynamic dims only on kept axes (the row length is the template's).
    let xdims = cx.g.ty(x).shape.clone();
    let xsh = cx.bounds(x);
    let r = xsh.len();
    let a = normalize_axis(axis, r).ok_or_else(|| cx.unsupported("top-k axis out of range"))?;
    let kept: Vec<usize> = (0..r).filter(|&i| i != a).collect();
    if xdims.dims()[a].as_static().is_none() {
        return Err(cx.unsupported(format!(
            "TopK `{}` over {}: a dynamic dim on the top-k axis is not supported yet",
            node.name, xdims
        )));
    }
    let kept_dims: Vec<IrDim> = kept.iter().map(|&i| xdims.dims()[i].clone()).collect();
    let rows_extent = if kept_dims.iter().all(|d| d.as_static().is_some()) {
        None
    } else {
        Some(c.extent(cx, &kept_dims)?)
    };
    // The index of element `j` along the axis in row `row`.
    let idx_with = |w: &mut Walk, row: Ex, j: Ex| -> Result<Vec<Ex>> {
        let kd = w.extents(&edgecc_ir::Shape(kept_dims.clone()))?;
        let ki = w.delinearize_ex(row, &kd)?;
        let mut v = vec![j; r];
        for (p, &ax) in kept.iter().enumerate() {
            v[ax] = ki[p];
        }
        Ok(v)
    };
    let p = c.begin(&[("row", I32), ("j", I32)]);
    let idx = idx_with(&mut c.w, p[0], p[1])?;
    let vx = c.w.value_at(x, &idx)?;
    c.end("load_x", Role::OperandLoad, Some((vx, xty)))?;
    let (vals, inds) = (node.outputs[0], node.outputs[1]);
    for (name, value, held) in [("store_v", vals, ("v", xty)), ("store_i", inds, ("idx", I32))] {
        let p = c.begin(&[("row", I32), ("r", I32), held]);
        let oi = idx_with(&mut c.w, p[0], p[1])?;
        store_fn(&mut c, cx, stage, name, value, &oi, p[2], Some(&[value]))?;
    }
    let shape = TopKShape {
        rows: kept.iter().map(|&i| xsh[i]).product(),
        rows_ext: rows_extent,
        len: xsh[a],
        k,
        largest,
        elem: xty,
    };
    let problem = Problem::TopK(TopKProblem {
        rows: shape.rows,
        len: shape.len,
        k,
        largest,
        dtype: c.w.dtype(x),
    });
    let kernel = single(cx, c, Template::TopK(shape), problem)?;
    reduce_schedule(cx, &kernel.variants[0].chosen)?;
    Ok(kernel)
}
