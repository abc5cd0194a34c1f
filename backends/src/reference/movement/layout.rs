//! Ops that rearrange or replicate elements: transpose, concat, split, slice, tile, expand.

use super::{compose, norm_axes, norm_axis, numel, take};
use crate::reference::tensor::{strides, Data, Tensor};
use edgecc_ir::Dim;

/// `Transpose`: output axis `i` is input axis `perm[i]`; an empty `perm` reverses the axes (the
/// ONNX default).
pub(super) fn transpose(x: &Tensor, perm: &[u64]) -> Result<Tensor, String> {
    let rank = x.shape.len();
    let perm: Vec<usize> = if perm.is_empty() {
        (0..rank).rev().collect()
    } else {
        let mut seen = vec![false; rank];
        let p: Vec<usize> = perm.iter().map(|&p| p as usize).collect();
        if p.len() != rank || p.iter().any(|&a| a >= rank || std::mem::replace(&mut seen[a], true)) {
            return Err(format!(
                "Transpose: perm {perm:?} is not a permutation of the {rank} axes of shape {:?}",
                x.shape
            ));
        }
        p
    };
    let st = strides(&x.shape);
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let offsets: Vec<Vec<usize>> = perm
        .iter()
        .map(|&p| (0..x.shape[p]).map(|o| o * st[p]).collect())
        .collect();
    Ok(take(x, shape, &compose(&offsets)))
}

/// Copies `outer` rows made of one chunk from each source (of `chunks[i]` elements) in turn.
fn interleave<T: Copy>(srcs: &[&[T]], chunks: &[usize], outer: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(outer * chunks.iter().sum::<usize>());
    for o in 0..outer {
        for (s, &c) in srcs.iter().zip(chunks) {
            out.extend_from_slice(&s[o * c..(o + 1) * c]);
        }
    }
    out
}

/// `Concat`: joins inputs of equal rank and dtype along `axis`.
pub(super) fn concat(inputs: &[&Tensor], axis: i64) -> Result<Tensor, String> {
    let first = inputs.first().ok_or("Concat needs at least one input")?;
    let rank = first.shape.len();
    if rank == 0 {
        return Err("Concat: scalars cannot be concatenated (rank 0)".to_string());
    }
    let a = norm_axis(axis, rank, "Concat")?;
    let mut shape = first.shape.clone();
    shape[a] = 0;
    for (i, t) in inputs.iter().enumerate() {
        let same_other_dims = t.shape.len() == rank && (0..rank).all(|k| k == a || t.shape[k] == first.shape[k]);
        if !same_other_dims || t.dtype != first.dtype {
            return Err(format!(
                "Concat: input {i} ({} {:?}) does not match input 0 ({} {:?}) outside axis {a}",
                t.dtype, t.shape, first.dtype, first.shape
            ));
        }
        shape[a] += t.shape[a];
    }
    numel(&shape)?;
    let outer: usize = first.shape[..a].iter().product();
    let inner: usize = first.shape[a + 1..].iter().product();
    let chunks: Vec<usize> = inputs.iter().map(|t| t.shape[a] * inner).collect();
    let data = match &first.data {
        Data::F(_) => Data::F(interleave(
            &inputs.iter().filter_map(|t| t.floats()).collect::<Vec<_>>(),
            &chunks,
            outer,
        )),
        Data::I(_) => Data::I(interleave(
            &inputs.iter().filter_map(|t| t.ints()).collect::<Vec<_>>(),
            &chunks,
            outer,
        )),
        Data::B(_) => Data::B(interleave(
            &inputs.iter().filter_map(|t| t.bools()).collect::<Vec<_>>(),
            &chunks,
            outer,
        )),
    };
    // Equal dtypes imply equal element kinds, so no input was filtered out above.
    Ok(Tensor {
        dtype: first.dtype,
        shape,
        data,
    })
}

/// Per-axis source offsets selecting the whole of every axis except `axis`, where `sel` picks.
fn offsets_with(shape: &[usize], axis: usize, sel: impl Iterator<Item = usize>) -> Vec<Vec<usize>> {
    let st = strides(shape);
    let mut offs: Vec<Vec<usize>> = shape
        .iter()
        .zip(&st)
        .map(|(&d, &s)| (0..d).map(|o| o * s).collect())
        .collect();
    offs[axis] = sel.map(|i| i * st[axis]).collect();
    offs
}

/// `Split`: pieces of `sizes` along `axis`, one output each.
pub(super) fn split(x: &Tensor, axis: i64, sizes: &[u64]) -> Result<Vec<Tensor>, String> {
    let a = norm_axis(axis, x.shape.len(), "Split")?;
    let total = sizes.iter().try_fold(0u64, |acc, &s| acc.checked_add(s));
    if total != Some(x.shape[a] as u64) {
        return Err(format!(
            "Split: sizes {sizes:?} do not sum to extent {} of axis {a} of shape {:?}",
            x.shape[a], x.shape
        ));
    }
    let mut start = 0usize;
    let mut outs = Vec::with_capacity(sizes.len());
    for &s in sizes {
        let s = s as usize;
        let mut shape = x.shape.clone();
        shape[a] = s;
        outs.push(take(x, shape, &compose(&offsets_with(&x.shape, a, start..start + s))));
        start += s;
    }
    Ok(outs)
}

/// The `(first index, count)` an ONNX slice `start..end` by `step` selects from an axis of extent `dim`.
fn slice_range(start: i64, end: i64, step: i64, dim: usize) -> (i64, usize) {
    let d = dim as i64;
    let wrap = |v: i64| if v < 0 { v.saturating_add(d) } else { v };
    let (s, e) = (wrap(start), wrap(end));
    let (s, e) = if step > 0 {
        (s.clamp(0, d), e.clamp(0, d))
    } else {
        // Negative steps may start at the last element and stop before the first (end -1).
        (s.max(0).min(d - 1), e.max(-1).min(d - 1))
    };
    let span = if step > 0 { e - s } else { s - e };
    let mag = step.unsigned_abs() as i128;
    let count = if span <= 0 { 0 } else { (span as i128 + mag - 1) / mag };
    (s, count as usize)
}

/// `Crop`: the leading `shape[i]` elements of each axis; every dim must be static (a graph over
/// symbolic dims runs specialized) and at most the input's extent.
pub(super) fn crop(x: &Tensor, shape: &[Dim]) -> Result<Tensor, String> {
    if shape.len() != x.shape.len() {
        return Err(format!(
            "Crop: shape of {} dims for an input of shape {:?}",
            shape.len(),
            x.shape
        ));
    }
    let mut ends = Vec::with_capacity(shape.len());
    for (a, (d, &n)) in shape.iter().zip(&x.shape).enumerate() {
        match d.as_static() {
            Some(e) if e <= n as u64 => ends.push(e as i64),
            Some(e) => return Err(format!("Crop: extent {e} of axis {a} is over the input's {n}")),
            None => {
                return Err(format!(
                    "Crop: dim {d} of axis {a} is symbolic; specialize the graph first"
                ))
            }
        }
    }
    let starts = vec![0; shape.len()];
    slice(x, &starts, &ends, &[], &[])
}

/// `Slice` with ONNX clamping; empty `axes` means `0..starts.len()`, empty `steps` all 1.
pub(super) fn slice(x: &Tensor, starts: &[i64], ends: &[i64], axes: &[i64], steps: &[i64]) -> Result<Tensor, String> {
    let rank = x.shape.len();
    let n = starts.len();
    if ends.len() != n || (!axes.is_empty() && axes.len() != n) || (!steps.is_empty() && steps.len() != n) {
        return Err(format!(
            "Slice: starts {starts:?}, ends {ends:?}, axes {axes:?} and steps {steps:?} must have equal lengths"
        ));
    }
    let axes = if axes.is_empty() {
        if n > rank {
            return Err(format!("Slice: {n} starts for an input of rank {rank}"));
        }
        (0..n).collect()
    } else {
        norm_axes(axes, rank, "Slice")?
    };
    let st = strides(&x.shape);
    let mut shape = x.shape.clone();
    let mut offs: Vec<Vec<usize>> = x
        .shape
        .iter()
        .zip(&st)
        .map(|(&d, &s)| (0..d).map(|o| o * s).collect())
        .collect();
    for (i, &a) in axes.iter().enumerate() {
        let step = steps.get(i).copied().unwrap_or(1);
        if step == 0 {
            return Err(format!("Slice: step of axis {a} is 0"));
        }
        let (s, count) = slice_range(starts[i], ends[i], step, x.shape[a]);
        shape[a] = count;
        offs[a] = (0..count as i64).map(|k| (s + k * step) as usize * st[a]).collect();
    }
    Ok(take(x, shape, &compose(&offs)))
}

/// `Tile`: repeats the input `repeats[i]` times along axis `i`.
pub(super) fn tile(x: &Tensor, repeats: &[u64]) -> Result<Tensor, String> {
    if repeats.len() != x.shape.len() {
        return Err(format!(
            "Tile: {} repeats for an input of rank {} (shape {:?})",
            repeats.len(),
            x.shape.len(),
            x.shape
        ));
    }
    let shape = x
        .shape
        .iter()
        .zip(repeats)
        .map(|(&d, &r)| usize::try_from(r).ok().and_then(|r| d.checked_mul(r)))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| format!("Tile: repeats {repeats:?} of shape {:?} overflow", x.shape))?;
    numel(&shape)?;
    let st = strides(&x.shape);
    let offs: Vec<Vec<usize>> = shape
        .iter()
        .zip(&x.shape)
        .zip(&st)
        .map(|((&o, &d), &s)| (0..o).map(|i| (i % d) * s).collect())
        .collect();
    Ok(take(x, shape, &compose(&offs)))
}

/// `Expand`: numpy broadcast of the input shape with `target`, in both directions.
pub(super) fn expand(x: &Tensor, target: &[i64]) -> Result<Tensor, String> {
    let rank = x.shape.len().max(target.len());
    let in_pad = rank - x.shape.len();
    let t_pad = rank - target.len();
    let st = strides(&x.shape);
    let mut shape = Vec::with_capacity(rank);
    let mut offs = Vec::with_capacity(rank);
    for k in 0..rank {
        let a = if k >= in_pad { x.shape[k - in_pad] } else { 1 };
        let b = if k >= t_pad { target[k - t_pad] } else { 1 };
        let b = usize::try_from(b).map_err(|_| format!("Expand: target shape {target:?} has a negative extent"))?;
        let d = match (a, b) {
            _ if a == b => a,
            (1, b) => b,
            (a, 1) => a,
            _ => {
                return Err(format!(
                    "Expand: input shape {:?} does not broadcast with {target:?} (extents {a} and {b})",
                    x.shape
                ))
            }
        };
        shape.push(d);
    }
    numel(&shape)?;
    for (k, &d) in shape.iter().enumerate() {
        offs.push(if k < in_pad || x.shape[k - in_pad] == 1 {
            vec![0; d]
        } else {
            (0..d).map(|o| o * st[k - in_pad]).collect()
        });
    }
    Ok(take(x, shape, &compose(&offs)))
}
