//! Index-driven gathers: `Gather` and `GatherElements`.

use super::{compose, norm_axis, numel, take};
use crate::reference::tensor::{strides, Tensor};

/// The integer values of an index tensor.
fn index_values<'a>(indices: &'a Tensor, what: &str) -> Result<&'a [i64], String> {
    if !indices.dtype.is_int() {
        return Err(format!(
            "{what}: indices must be integers (i32 or i64), got {}",
            indices.dtype
        ));
    }
    indices
        .ints()
        .ok_or_else(|| format!("{what}: indices of dtype {} do not hold integers", indices.dtype))
}

/// Resolves a possibly negative index into `0..dim`.
fn resolve(i: i64, dim: usize, axis: usize, what: &str) -> Result<usize, String> {
    let d = dim as i64;
    let r = if i < 0 { i + d } else { i };
    if (0..d).contains(&r) {
        Ok(r as usize)
    } else {
        Err(format!(
            "{what}: index {i} is out of range for axis {axis} of extent {dim}"
        ))
    }
}

/// `Gather`: slices of `data` along `axis` at `indices`; output shape
/// `data[..axis] ++ indices ++ data[axis+1..]`.
pub(super) fn gather(data: &Tensor, indices: &Tensor, axis: i64) -> Result<Tensor, String> {
    let a = norm_axis(axis, data.shape.len(), "Gather")?;
    let idx = index_values(indices, "Gather")?;
    let dim = data.shape[a];
    let resolved = idx
        .iter()
        .map(|&i| resolve(i, dim, a, "Gather"))
        .collect::<Result<Vec<_>, _>>()?;
    let outer: usize = data.shape[..a].iter().product();
    let inner: usize = data.shape[a + 1..].iter().product();
    let shape: Vec<usize> = data.shape[..a]
        .iter()
        .chain(&indices.shape)
        .chain(&data.shape[a + 1..])
        .copied()
        .collect();
    let total = numel(&shape)?;
    let mut src = Vec::with_capacity(total);
    for o in 0..outer {
        for &r in &resolved {
            let base = (o * dim + r) * inner;
            src.extend(base..base + inner);
        }
    }
    Ok(take(data, shape, &src))
}

/// `GatherElements`: `out[i..] = data[i.. with axis replaced by indices[i..]]`; the output has the
/// indices' shape.
pub(super) fn gather_elements(data: &Tensor, indices: &Tensor, axis: i64) -> Result<Tensor, String> {
    let rank = data.shape.len();
    let a = norm_axis(axis, rank, "GatherElements")?;
    let idx = index_values(indices, "GatherElements")?;
    if indices.shape.len() != rank || (0..rank).any(|k| k != a && indices.shape[k] > data.shape[k]) {
        return Err(format!(
            "GatherElements: indices shape {:?} must have the rank of data shape {:?} and no larger extent \
             outside axis {a}",
            indices.shape, data.shape
        ));
    }
    let st = strides(&data.shape);
    let offs: Vec<Vec<usize>> = indices
        .shape
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            if k == a {
                vec![0; d]
            } else {
                (0..d).map(|o| o * st[k]).collect()
            }
        })
        .collect();
    let base = compose(&offs);
    let src = base
        .iter()
        .zip(idx)
        .map(|(&b, &i)| resolve(i, data.shape[a], a, "GatherElements").map(|r| b + r * st[a]))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(take(data, indices.shape.clone(), &src))
}
