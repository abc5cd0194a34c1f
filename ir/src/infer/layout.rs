//! Inference for data-movement ops: reshape, transpose, concat, split, slice, gather, expand,
//! squeeze/unsqueeze, flatten, pad, tile, and the shape-producing ops range, shape and
//! constant-of-shape.

use super::axis_of;
use super::broadcast::{broadcast_shapes, unify_dim, DimProduct};
use crate::dtype::DType;
use crate::graph::TensorType;
use crate::op::{Op, PadMode};
use crate::shape::{normalize_axis, Dim, Shape};

pub(super) fn infer(op: &Op, inputs: &[TensorType]) -> Result<Vec<TensorType>, String> {
    let x = inputs.first();
    let same = |s: Shape| -> Result<Vec<TensorType>, String> {
        let dt = inputs.first().map(|t| t.dtype).unwrap_or(DType::F32);
        Ok(vec![TensorType::new(dt, s)])
    };
    match op {
        Op::Reshape { shape, allowzero } => same(reshape(&x_of(x)?.shape, shape, *allowzero)?),
        Op::Transpose { perm } => {
            let x = x_of(x)?;
            let r = x.shape.rank();
            let mut seen = vec![false; r];
            for &p in perm {
                match seen.get_mut(p as usize) {
                    Some(s) if !*s => *s = true,
                    _ => return Err(format!("perm {perm:?} is not a permutation of 0..{r}")),
                }
            }
            if perm.len() != r {
                return Err(format!("perm {perm:?} is not a permutation of 0..{r}"));
            }
            same(Shape(perm.iter().map(|&p| x.shape.0[p as usize].clone()).collect()))
        }
        Op::Concat { axis } => concat(inputs, *axis).map(|t| vec![t]),
        Op::Split { axis, sizes } => {
            let x = x_of(x)?;
            let a = axis_of(*axis, x.shape.rank())?;
            if sizes.is_empty() {
                return Err("sizes must not be empty".into());
            }
            let total = sizes
                .iter()
                .try_fold(0u64, |acc, &s| acc.checked_add(s))
                .ok_or_else(|| format!("sizes {sizes:?} overflow"))?;
            let d = &x.shape.0[a];
            let ok = match d {
                Dim::Static(n) => *n == total,
                Dim::Sym { .. } => false,
            };
            if !ok {
                return Err(format!("sizes {sizes:?} sum to {total} but axis {axis} has extent {d}"));
            }
            Ok(sizes
                .iter()
                .map(|&s| {
                    let mut dims = x.shape.0.clone();
                    dims[a] = Dim::Static(s);
                    TensorType::new(x.dtype, Shape(dims))
                })
                .collect())
        }
        Op::Slice {
            starts,
            ends,
            axes,
            steps,
        } => same(slice(&x_of(x)?.shape, starts, ends, axes, steps)?),
        Op::Crop { shape } => same(crop(&x_of(x)?.shape, shape)?),
        Op::Gather { axis } => {
            let (x, idx) = (x_of(x)?, &inputs[1]);
            check_indices(idx)?;
            let a = axis_of(*axis, x.shape.rank())?;
            let mut dims = x.shape.0[..a].to_vec();
            dims.extend(idx.shape.0.iter().cloned());
            dims.extend(x.shape.0[a + 1..].iter().cloned());
            same(Shape(dims))
        }
        Op::GatherElements { axis } => {
            let (x, idx) = (x_of(x)?, &inputs[1]);
            check_indices(idx)?;
            if idx.shape.rank() != x.shape.rank() {
                return Err(format!("indices {} must have the rank of data {}", idx.shape, x.shape));
            }
            axis_of(*axis, x.shape.rank())?;
            same(idx.shape.clone())
        }
        Op::Expand { shape } => {
            let x = x_of(x)?;
            let target = dims_from_i64(shape, "shape")?;
            same(broadcast_shapes(&[&x.shape, &target])?)
        }
        Op::Squeeze { axes } => {
            let x = x_of(x)?;
            let r = x.shape.rank();
            let mut drop = vec![false; r];
            if axes.is_empty() {
                if let Some(d) = x.shape.0.iter().find(|d| d.as_static().is_none()) {
                    return Err(format!(
                        "squeezing all extent-1 axes depends on symbolic dim {d}; give the axes or specialize it"
                    ));
                }
                for (i, d) in x.shape.0.iter().enumerate() {
                    drop[i] = *d == Dim::Static(1);
                }
            }
            for &a in axes {
                let i = axis_of(a, r)?;
                if x.shape.0[i] != Dim::Static(1) {
                    return Err(format!("cannot squeeze axis {a} of extent {}", x.shape.0[i]));
                }
                drop[i] = true;
            }
            same(Shape(
                x.shape
                    .0
                    .iter()
                    .zip(&drop)
                    .filter(|(_, &d)| !d)
                    .map(|(d, _)| d.clone())
                    .collect(),
            ))
        }
        Op::Unsqueeze { axes } => {
            let x = x_of(x)?;
            let r = x.shape.rank() + axes.len();
            let mut ins = vec![false; r];
            for &a in axes {
                let i = axis_of(a, r)?;
                if ins[i] {
                    return Err(format!("axis {a} is given twice"));
                }
                ins[i] = true;
            }
            let mut src = x.shape.0.iter();
            let dims = ins
                .iter()
                .map(|&new| if new { Some(Dim::Static(1)) } else { src.next().cloned() })
                .collect::<Option<Vec<_>>>()
                .ok_or("axes do not fit the output rank")?;
            same(Shape(dims))
        }
        Op::Flatten { axis } => {
            let x = x_of(x)?;
            let r = x.shape.rank() as i64;
            let a = if *axis < 0 { axis + r } else { *axis };
            if !(0..=r).contains(&a) {
                return Err(format!("axis {axis} is out of range for rank {r}"));
            }
            let (outer, inner) = x.shape.0.split_at(a as usize);
            let d0 = product_dim(outer)?;
            let d1 = product_dim(inner)?;
            same(Shape(vec![d0, d1]))
        }
        Op::Pad { pads, mode, value } => {
            let x = x_of(x)?;
            if value.is_nan() && x.dtype.is_int() {
                return Err("pad value NaN is not an integer".into());
            }
            same(pad(&x.shape, pads, *mode)?)
        }
        Op::Tile { repeats } => {
            let x = x_of(x)?;
            if repeats.len() != x.shape.rank() {
                return Err(format!(
                    "repeats needs {} values, got {}",
                    x.shape.rank(),
                    repeats.len()
                ));
            }
            let dims = x
                .shape
                .0
                .iter()
                .zip(repeats)
                .map(|(d, &r)| match (d, r) {
                    (d, 1) => Ok(d.clone()),
                    (Dim::Static(n), r) => n.checked_mul(r).map(Dim::Static).ok_or("extent overflows".to_string()),
                    (d, _) => Err(format!("cannot tile symbolic dim {d}; specialize it with --shape")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            same(Shape(dims))
        }
        Op::Range {
            start,
            limit,
            delta,
            dtype,
        } => {
            if !(start.is_finite() && limit.is_finite() && delta.is_finite()) || *delta == 0.0 {
                return Err(format!(
                    "start {start}, limit {limit} must be finite and delta {delta} nonzero"
                ));
            }
            if !dtype.is_numeric() {
                return Err("dtype must be numeric".into());
            }
            let n = ((limit - start) / delta).ceil().max(0.0);
            if n > 1e12 {
                return Err(format!("range of {n} elements is too large"));
            }
            Ok(vec![TensorType::new(*dtype, Shape::of(&[n as usize]))])
        }
        Op::Shape { start, end } => {
            let r = x_of(x)?.shape.rank() as i64;
            let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) };
            let s = clamp(*start);
            let e = clamp(end.unwrap_or(r));
            Ok(vec![TensorType::new(DType::I64, Shape::of(&[(e - s).max(0) as usize]))])
        }
        Op::ConstantOfShape { shape, value, dtype } => {
            if value.is_nan() && !dtype.is_float() {
                return Err(format!("value NaN does not fit {dtype}"));
            }
            Ok(vec![TensorType::new(
                *dtype,
                Shape(shape.iter().map(|&d| Dim::Static(d)).collect()),
            )])
        }
        other => Err(format!("{} is not a layout op", other.name())),
    }
}

fn x_of(x: Option<&TensorType>) -> Result<&TensorType, String> {
    x.ok_or_else(|| "missing input 0".to_string())
}

fn check_indices(idx: &TensorType) -> Result<(), String> {
    match idx.dtype {
        DType::I32 | DType::I64 => Ok(()),
        d => Err(format!("indices must be i32 or i64, got {d}")),
    }
}

fn dims_from_i64(v: &[i64], what: &str) -> Result<Shape, String> {
    v.iter()
        .map(|&d| {
            u64::try_from(d)
                .map(Dim::Static)
                .map_err(|_| format!("{what} {v:?} has a negative extent"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Shape)
}

fn product_dim(dims: &[Dim]) -> Result<Dim, String> {
    DimProduct::of(dims)?.to_dim().ok_or_else(|| {
        format!(
            "the product of {} is not a single dim; specialize it with --shape",
            Shape(dims.to_vec())
        )
    })
}

fn reshape(input: &Shape, shape: &[i64], allowzero: bool) -> Result<Shape, String> {
    let mut infer_at = None;
    let mut dims: Vec<Option<Dim>> = Vec::with_capacity(shape.len());
    for (i, &s) in shape.iter().enumerate() {
        match s {
            -1 => {
                if infer_at.replace(i).is_some() {
                    return Err(format!("shape {shape:?} has more than one -1"));
                }
                dims.push(None);
            }
            0 if !allowzero => match input.0.get(i) {
                Some(d) => dims.push(Some(d.clone())),
                None => {
                    return Err(format!(
                        "shape {shape:?} copies dim {i} (0) but the input {input} has no such dim"
                    ))
                }
            },
            s if s >= 0 => dims.push(Some(Dim::Static(s as u64))),
            _ => return Err(format!("shape {shape:?} has an invalid extent {s}")),
        }
    }
    if allowzero && infer_at.is_some() && shape.contains(&0) {
        return Err("with allowzero, shape cannot contain both 0 and -1".into());
    }
    let total = DimProduct::of(&input.0)?;
    let known: Vec<Dim> = dims.iter().flatten().cloned().collect();
    let known_p = DimProduct::of(&known)?;
    if let Some(i) = infer_at {
        let d = if known_p.coeff == 0 {
            return Err(format!(
                "cannot infer the -1 in {shape:?}: the other extents multiply to 0"
            ));
        } else {
            total
                .div_to_dim(&known_p)
                .ok_or_else(|| format!("cannot reshape {input} into {shape:?}: element counts do not divide"))?
        };
        dims[i] = Some(d);
    } else if total != known_p {
        return Err(format!("cannot reshape {input} into {shape:?}: element counts differ"));
    }
    Ok(Shape(dims.into_iter().flatten().collect()))
}

/// `Crop`: the same rank, each dim at most the input's (a symbolic input dim only to itself).
fn crop(input: &Shape, shape: &[Dim]) -> Result<Shape, String> {
    if shape.len() != input.rank() {
        return Err(format!(
            "shape {} has {} dims but the input {input} has rank {}",
            Shape(shape.to_vec()),
            shape.len(),
            input.rank()
        ));
    }
    for (i, (d, x)) in shape.iter().zip(input.dims()).enumerate() {
        let fits = match x {
            Dim::Static(n) => d.upper_bound() <= *n,
            Dim::Sym { .. } => d == x,
        };
        if !fits {
            return Err(format!(
                "dim {i} of {} is larger than the input's {x}",
                Shape(shape.to_vec())
            ));
        }
    }
    Ok(Shape(shape.to_vec()))
}

fn concat(inputs: &[TensorType], axis: i64) -> Result<TensorType, String> {
    let first = &inputs[0];
    let r = first.shape.rank();
    let a = axis_of(axis, r)?;
    let mut dims = first.shape.0.clone();
    let mut total = DimProduct::of(&[])?;
    total.coeff = 0;
    let mut sym_axis: Option<Dim> = None;
    for (i, t) in inputs.iter().enumerate() {
        if t.dtype != first.dtype {
            return Err(format!(
                "input {i} has dtype {} but input 0 has {}",
                t.dtype, first.dtype
            ));
        }
        if t.shape.rank() != r {
            return Err(format!("input {i} has shape {} but input 0 has rank {r}", t.shape));
        }
        for (j, d) in t.shape.0.iter().enumerate() {
            if j == a {
                match d {
                    Dim::Static(n) => {
                        total.coeff = total
                            .coeff
                            .checked_add(*n)
                            .ok_or_else(|| "concatenated extent overflows".to_string())?
                    }
                    s if sym_axis.is_none() => sym_axis = Some(s.clone()),
                    _ => return Err("cannot concatenate several symbolic extents; specialize them".into()),
                }
            } else {
                dims[j] = unify_dim(&dims[j], d, &format!("input {i} dim {j}"))?;
            }
        }
    }
    dims[a] = match sym_axis {
        None => Dim::Static(total.coeff),
        Some(s) if total.coeff == 0 => s,
        Some(s) => {
            return Err(format!(
                "cannot add symbolic extent {s} to {}; specialize it",
                total.coeff
            ))
        }
    };
    Ok(TensorType::new(first.dtype, Shape(dims)))
}

/// The number of elements ONNX `Slice` selects from an axis of extent `dim`.
pub fn slice_len(dim: i64, start: i64, end: i64, step: i64) -> i64 {
    let (dim, start, end, step) = (dim as i128, start as i128, end as i128, step as i128);
    let s = if start < 0 { start + dim } else { start };
    let e = if end < 0 { end + dim } else { end };
    let n = if step > 0 {
        let s = s.clamp(0, dim);
        let e = e.clamp(0, dim);
        (e - s + step - 1).div_euclid(step)
    } else {
        // ONNX clamps the start to [0, dim - 1] and the end to [-1, dim - 1] for negative steps.
        if dim == 0 {
            return 0;
        }
        let s = s.clamp(0, dim - 1);
        let e = e.clamp(-1, dim - 1);
        (s - e + (-step) - 1).div_euclid(-step)
    };
    n.max(0) as i64
}

fn slice(input: &Shape, starts: &[i64], ends: &[i64], axes: &[i64], steps: &[i64]) -> Result<Shape, String> {
    let n = starts.len();
    if ends.len() != n || (!axes.is_empty() && axes.len() != n) || (!steps.is_empty() && steps.len() != n) {
        return Err(format!(
            "starts ({n}), ends ({}), axes ({}) and steps ({}) must have the same length",
            ends.len(),
            axes.len(),
            steps.len()
        ));
    }
    let r = input.rank();
    let mut dims = input.0.clone();
    let mut seen = vec![false; r];
    for i in 0..n {
        let a = match axes.get(i) {
            Some(&a) => axis_of(a, r)?,
            None => normalize_axis(i as i64, r).ok_or_else(|| format!("slice has {n} axes but rank is {r}"))?,
        };
        if std::mem::replace(&mut seen[a], true) {
            return Err(format!("axis {a} is sliced twice"));
        }
        let step = steps.get(i).copied().unwrap_or(1);
        if step == 0 {
            return Err("steps must be nonzero".into());
        }
        let (s, e) = (starts[i], ends[i]);
        dims[a] = match &input.0[a] {
            Dim::Static(d) => Dim::Static(slice_len(*d as i64, s, e, step) as u64),
            d if s == 0 && step == 1 && e >= d.upper_bound() as i64 => d.clone(),
            d => {
                return Err(format!(
                    "cannot slice symbolic dim {d} with start {s}, end {e}, step {step}; specialize it with --shape"
                ))
            }
        };
    }
    Ok(Shape(dims))
}

fn pad(input: &Shape, pads: &[i64], mode: PadMode) -> Result<Shape, String> {
    let r = input.rank();
    if pads.len() != 2 * r {
        return Err(format!(
            "pads needs {} values (begin and end per axis), got {}",
            2 * r,
            pads.len()
        ));
    }
    let mut dims = Vec::with_capacity(r);
    for (i, d) in input.0.iter().enumerate() {
        let (b, e) = (pads[i], pads[r + i]);
        dims.push(match d {
            d if b == 0 && e == 0 => d.clone(),
            Dim::Static(n) => {
                let n = *n as i128;
                if mode != PadMode::Constant && (b > 0 || e > 0) && n == 0 {
                    return Err(format!("{} padding of an empty axis {i}", mode.name()));
                }
                if mode == PadMode::Reflect && (b as i128 >= n || e as i128 >= n) {
                    return Err(format!("reflect pads on axis {i} must be smaller than its extent {n}"));
                }
                let out = n + b as i128 + e as i128;
                if out < 0 {
                    return Err(format!("pads crop axis {i} below zero"));
                }
                if out > super::MAX_EXTENT as i128 {
                    return Err(format!(
                        "pads make axis {i} larger than the limit {}",
                        super::MAX_EXTENT
                    ));
                }
                Dim::Static(out as u64)
            }
            d => return Err(format!("cannot pad symbolic dim {d}; specialize it with --shape")),
        });
    }
    Ok(Shape(dims))
}
