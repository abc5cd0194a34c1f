//! `Trilu` and `TopK`.

use super::reduce::{axis_of, split_at_axis};
use super::tensor::{Data, Tensor};
use edgecc_ir::DType;
use std::cmp::Ordering;

/// Keeps the upper (`j - i >= k`) or lower (`j - i <= k`) triangle of the last two axes.
pub fn trilu(x: &Tensor, upper: bool, k: i64) -> Result<Tensor, String> {
    let r = x.shape.len();
    if r < 2 {
        return Err(format!("Trilu needs rank >= 2, got shape {:?}", x.shape));
    }
    let (rows, cols) = (x.shape[r - 2], x.shape[r - 1]);
    let keep = |p: usize| {
        let (i, j) = (((p / cols) % rows) as i64, (p % cols) as i64);
        if upper {
            j - i >= k
        } else {
            j - i <= k
        }
    };
    let shape = x.shape.clone();
    Ok(match &x.data {
        Data::F(v) => Tensor::from_f32(
            x.dtype,
            shape,
            v.iter()
                .enumerate()
                .map(|(p, &e)| if keep(p) { e } else { 0.0 })
                .collect(),
        ),
        Data::I(v) => Tensor::from_i64(
            x.dtype,
            shape,
            v.iter()
                .enumerate()
                .map(|(p, &e)| if keep(p) { e } else { 0 })
                .collect(),
        ),
        Data::B(v) => Tensor::from_bool(shape, v.iter().enumerate().map(|(p, &e)| e && keep(p)).collect()),
    })
}

/// Total order for floats with NaN above everything (so NaN counts as the largest).
fn total_f32(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// For every slice along `axis`, the first `k` indices in sorted order (stable: ties keep the
/// lower index first).
fn top_indices(shape: &[usize], axis: usize, k: usize, cmp: impl Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let (outer, len, inner) = split_at_axis(shape, axis);
    let mut picked = vec![0usize; outer * k * inner];
    let mut idx: Vec<usize> = Vec::with_capacity(len);
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            idx.clear();
            idx.extend(0..len);
            idx.sort_by(|&p, &q| cmp(base + p * inner, base + q * inner));
            for (r, &j) in idx[..k].iter().enumerate() {
                picked[o * k * inner + r * inner + i] = j;
            }
        }
    }
    picked
}

/// `TopK`: the `k` largest (or smallest) values along `axis`, sorted, and their i64 indices.
pub fn topk(x: &Tensor, k: u64, axis: i64, largest: bool) -> Result<Vec<Tensor>, String> {
    let ax = axis_of(axis, x.shape.len())?;
    let len = x.shape[ax];
    if k > len as u64 {
        return Err(format!(
            "k = {k} is larger than the extent {len} of axis {axis} (shape {:?})",
            x.shape
        ));
    }
    let k = k as usize;
    let (outer, _, inner) = split_at_axis(&x.shape, ax);
    let mut out_shape = x.shape.clone();
    out_shape[ax] = k;
    let gather_pos = |j: usize, p: usize| {
        // Position p in the output → source element of index j along the axis.
        let (o, i) = (p / (k * inner), p % inner);
        o * len * inner + j * inner + i
    };
    let dir = |o: Ordering| if largest { o.reverse() } else { o };
    let (values, picked) = match &x.data {
        Data::F(v) => {
            let picked = top_indices(&x.shape, ax, k, |p, q| dir(total_f32(v[p], v[q])));
            let vals = picked.iter().enumerate().map(|(p, &j)| v[gather_pos(j, p)]).collect();
            (Tensor::from_f32(x.dtype, out_shape.clone(), vals), picked)
        }
        Data::I(v) => {
            let picked = top_indices(&x.shape, ax, k, |p, q| dir(v[p].cmp(&v[q])));
            let vals = picked.iter().enumerate().map(|(p, &j)| v[gather_pos(j, p)]).collect();
            (Tensor::from_i64(x.dtype, out_shape.clone(), vals), picked)
        }
        Data::B(_) => return Err("TopK is not defined for bool".into()),
    };
    debug_assert_eq!(picked.len(), outer * k * inner);
    let indices = Tensor::from_i64(DType::I64, out_shape, picked.into_iter().map(|j| j as i64).collect());
    Ok(vec![values, indices])
}
