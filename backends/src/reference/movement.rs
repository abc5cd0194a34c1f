//! Data-movement ops (reshape, transpose, concat, slice, gather, pad, ...).
//!
//! Every op here only moves or replicates elements, so the kernels work on any element kind
//! (floats, integers, bools) and never round: most build a flat list of source indices for the
//! output (see [`compose`]) and then [`take`] those elements from the input.

mod gather;
mod layout;
mod pad;
mod shape;

use super::tensor::{Data, Tensor};
use edgecc_ir::Op;

/// Evaluates a data-movement op.
pub fn eval(op: &Op, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
    check_inputs(op, inputs)?;
    let x = || first(op, inputs);
    let one = |r: Result<Tensor, String>| r.map(|t| vec![t]);
    match op {
        Op::Reshape { shape, allowzero } => one(shape::reshape(x()?, shape, *allowzero)),
        Op::Transpose { perm } => one(layout::transpose(x()?, perm)),
        Op::Concat { axis } => one(layout::concat(inputs, *axis)),
        Op::Split { axis, sizes } => layout::split(x()?, *axis, sizes),
        Op::Slice {
            starts,
            ends,
            axes,
            steps,
        } => one(layout::slice(x()?, starts, ends, axes, steps)),
        Op::Crop { shape } => one(layout::crop(x()?, shape)),
        Op::Gather { axis } => one(gather::gather(x()?, second(op, inputs)?, *axis)),
        Op::GatherElements { axis } => one(gather::gather_elements(x()?, second(op, inputs)?, *axis)),
        Op::Expand { shape } => one(layout::expand(x()?, shape)),
        Op::Squeeze { axes } => one(shape::squeeze(x()?, axes)),
        Op::Unsqueeze { axes } => one(shape::unsqueeze(x()?, axes)),
        Op::Flatten { axis } => one(shape::flatten(x()?, *axis)),
        Op::Pad { pads, mode, value } => one(pad::pad(x()?, pads, *mode, *value)),
        Op::Tile { repeats } => one(layout::tile(x()?, repeats)),
        Op::Range {
            start,
            limit,
            delta,
            dtype,
        } => one(shape::range(*start, *limit, *delta, *dtype)),
        Op::Shape { start, end } => one(Ok(shape::shape_of(x()?, *start, *end))),
        Op::ConstantOfShape { shape, value, dtype } => one(shape::constant_of_shape(shape, *value, *dtype)),
        other => Err(format!("{} is not a data-movement op", other.name())),
    }
}

/// Checks the input count against the op's arity and every input's element count against its shape.
fn check_inputs(op: &Op, inputs: &[&Tensor]) -> Result<(), String> {
    let (min, max) = op.arity();
    if inputs.len() < min || max.is_some_and(|m| inputs.len() > m) {
        let want = match max {
            Some(m) if m == min => format!("{min}"),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        return Err(format!("{} takes {want} inputs, got {}", op.name(), inputs.len()));
    }
    for (i, t) in inputs.iter().enumerate() {
        let len = match &t.data {
            Data::F(v) => v.len(),
            Data::I(v) => v.len(),
            Data::B(v) => v.len(),
        };
        if numel(&t.shape)? != len {
            return Err(format!(
                "{} input {i}: shape {:?} does not match its {len} elements",
                op.name(),
                t.shape
            ));
        }
    }
    Ok(())
}

fn first<'a>(op: &Op, inputs: &[&'a Tensor]) -> Result<&'a Tensor, String> {
    inputs
        .first()
        .copied()
        .ok_or_else(|| format!("{} needs an input", op.name()))
}

fn second<'a>(op: &Op, inputs: &[&'a Tensor]) -> Result<&'a Tensor, String> {
    inputs
        .get(1)
        .copied()
        .ok_or_else(|| format!("{} needs a second input", op.name()))
}

/// Most elements one tensor may have (2^32): larger requests are errors, not allocation aborts.
pub(crate) const MAX_ELEMENTS: usize = 1 << 32;

/// Element count of a shape, or an error when it (or any one extent) exceeds [`MAX_ELEMENTS`].
pub(crate) fn numel(shape: &[usize]) -> Result<usize, String> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS && shape.iter().all(|&d| d <= MAX_ELEMENTS))
        .ok_or_else(|| format!("shape {shape:?} has too many elements (the limit is {MAX_ELEMENTS})"))
}

/// Normalizes a possibly negative axis against `rank` (valid: `-rank..rank`).
pub(crate) fn norm_axis(axis: i64, rank: usize, what: &str) -> Result<usize, String> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Ok(a as usize)
    } else {
        Err(format!("{what}: axis {axis} is out of range for rank {rank}"))
    }
}

/// Normalizes a list of axes against `rank`, rejecting duplicates.
pub(crate) fn norm_axes(axes: &[i64], rank: usize, what: &str) -> Result<Vec<usize>, String> {
    let mut seen = vec![false; rank];
    axes.iter()
        .map(|&a| {
            let n = norm_axis(a, rank, what)?;
            if std::mem::replace(&mut seen[n], true) {
                return Err(format!("{what}: axis {a} appears more than once in {axes:?}"));
            }
            Ok(n)
        })
        .collect()
}

/// Flat source offsets of a row-major output whose per-axis offsets are separable:
/// `src[o_0, .., o_k] = offsets[0][o_0] + .. + offsets[k][o_k]` (each already scaled by its stride).
pub(crate) fn compose(offsets: &[Vec<usize>]) -> Vec<usize> {
    let mut flat = vec![0usize];
    for axis in offsets {
        let mut next = Vec::with_capacity(flat.len() * axis.len());
        for &base in &flat {
            next.extend(axis.iter().map(|&o| base + o));
        }
        flat = next;
    }
    flat
}

/// Like [`compose`], where `None` on any axis marks a position with no source (padding).
pub(crate) fn compose_opt(offsets: &[Vec<Option<usize>>]) -> Vec<Option<usize>> {
    let mut flat = vec![Some(0usize)];
    for axis in offsets {
        let mut next = Vec::with_capacity(flat.len() * axis.len());
        for &base in &flat {
            next.extend(axis.iter().map(|&o| base.zip(o).map(|(b, o)| b + o)));
        }
        flat = next;
    }
    flat
}

/// The elements of `t` at flat indices `idx` (all in range), as a tensor of `shape`.
pub(crate) fn take(t: &Tensor, shape: Vec<usize>, idx: &[usize]) -> Tensor {
    let data = match &t.data {
        Data::F(v) => Data::F(idx.iter().map(|&i| v[i]).collect()),
        Data::I(v) => Data::I(idx.iter().map(|&i| v[i]).collect()),
        Data::B(v) => Data::B(idx.iter().map(|&i| v[i]).collect()),
    };
    Tensor {
        dtype: t.dtype,
        shape,
        data,
    }
}

/// Like [`take`], filling `None` positions with `fill` converted to the tensor's element kind
/// (floats rounded to the dtype, integers truncated and wrapped, bool is `fill != 0`).
pub(crate) fn take_or(t: &Tensor, shape: Vec<usize>, idx: &[Option<usize>], fill: f64) -> Tensor {
    let data = match &t.data {
        Data::F(v) => Data::F(idx.iter().map(|i| i.map_or(fill as f32, |i| v[i])).collect()),
        Data::I(v) => Data::I(idx.iter().map(|i| i.map_or(fill as i64, |i| v[i])).collect()),
        Data::B(v) => Data::B(idx.iter().map(|i| i.map_or(fill != 0.0, |i| v[i])).collect()),
    };
    let mut out = Tensor {
        dtype: t.dtype,
        shape,
        data,
    };
    out.round_to_dtype();
    out
}
