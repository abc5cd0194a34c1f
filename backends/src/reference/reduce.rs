//! Reductions along axes: `Reduce*`, `ArgMax`/`ArgMin`, `Softmax`/`LogSoftmax`, `CumSum`.
//!
//! Float sums, means and softmax denominators accumulate in f64; integer sums and products wrap
//! in i64 (then to the dtype's width). The empty reduction gives Sum 0, Prod 1, Max -inf / Min
//! +inf for floats (the dtype's minimum / maximum for integers), Mean 0 (what onnxruntime
//! gives: the ONNX spec leaves it undefined).

use super::broadcast::for_each_row;
use super::tensor::{strides, Data, Tensor};
use edgecc_ir::{normalize_axis, DType, ReduceOp};

/// Normalizes one possibly negative axis against `rank`.
pub fn axis_of(axis: i64, rank: usize) -> Result<usize, String> {
    normalize_axis(axis, rank).ok_or_else(|| format!("axis {axis} is out of range for rank {rank}"))
}

/// `(outer, extent, inner)` element counts around `axis`.
pub fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Which axes a reduction covers (empty `axes`: all), as a mask; errors on out-of-range or
/// repeated axes.
fn reduced_mask(axes: &[i64], rank: usize) -> Result<Vec<bool>, String> {
    if axes.is_empty() {
        return Ok(vec![true; rank]);
    }
    let mut mask = vec![false; rank];
    for &a in axes {
        let n = axis_of(a, rank)?;
        if mask[n] {
            return Err(format!("axis {a} is listed twice in {axes:?}"));
        }
        mask[n] = true;
    }
    Ok(mask)
}

/// Walks every input element in order with the offset of the output element it reduces into.
fn for_each_reduced(shape: &[usize], mask: &[bool], mut f: impl FnMut(usize, usize)) {
    let kept: Vec<usize> = shape.iter().zip(mask).map(|(&d, &m)| if m { 1 } else { d }).collect();
    let mut ostr = strides(&kept);
    for (s, &m) in ostr.iter_mut().zip(mask) {
        if m {
            *s = 0;
        }
    }
    let len = shape.last().copied().unwrap_or(1);
    let is = ostr.last().copied().unwrap_or(0);
    let mut i = 0usize;
    for_each_row(shape, [&ostr], |[o]| {
        for j in 0..len {
            f(i, o + j * is);
            i += 1;
        }
    });
}

/// Evaluates `Reduce{op}` over `axes` (empty: all).
pub fn reduce(op: ReduceOp, x: &Tensor, axes: &[i64], keepdims: bool) -> Result<Tensor, String> {
    let rank = x.shape.len();
    let mask = reduced_mask(axes, rank)?;
    let kept_shape: Vec<usize> = x
        .shape
        .iter()
        .zip(&mask)
        .map(|(&d, &m)| if m { 1 } else { d })
        .collect();
    let out_shape: Vec<usize> = if keepdims {
        kept_shape.clone()
    } else {
        x.shape
            .iter()
            .zip(&mask)
            .filter(|(_, &m)| !m)
            .map(|(&d, _)| d)
            .collect()
    };
    let n_out: usize = kept_shape.iter().product();
    let count: usize = x.shape.iter().zip(&mask).filter(|(_, &m)| m).map(|(&d, _)| d).product();
    match &x.data {
        Data::F(v) => {
            let init = match op {
                ReduceOp::Sum | ReduceOp::Mean => 0.0,
                ReduceOp::Prod => 1.0,
                ReduceOp::Max => f64::NEG_INFINITY,
                ReduceOp::Min => f64::INFINITY,
            };
            let mut acc = vec![init; n_out];
            match op {
                ReduceOp::Sum | ReduceOp::Mean => for_each_reduced(&x.shape, &mask, |i, o| acc[o] += v[i] as f64),
                ReduceOp::Prod => for_each_reduced(&x.shape, &mask, |i, o| acc[o] *= v[i] as f64),
                ReduceOp::Max => for_each_reduced(&x.shape, &mask, |i, o| {
                    let e = v[i] as f64;
                    if e > acc[o] || e.is_nan() {
                        acc[o] = e;
                    }
                }),
                ReduceOp::Min => for_each_reduced(&x.shape, &mask, |i, o| {
                    let e = v[i] as f64;
                    if e < acc[o] || e.is_nan() {
                        acc[o] = e;
                    }
                }),
            }
            // The empty mean is 0, as in onnxruntime (the sum's identity, not 0 / 0).
            if op == ReduceOp::Mean && count > 0 {
                acc.iter_mut().for_each(|a| *a /= count as f64);
            }
            Ok(Tensor::from_f32(
                x.dtype,
                out_shape,
                acc.into_iter().map(|a| a as f32).collect(),
            ))
        }
        Data::I(v) => Ok(Tensor::from_i64(
            x.dtype,
            out_shape,
            reduce_ints(op, v, x, &mask, n_out, count),
        )),
        Data::B(v) => {
            if !matches!(op, ReduceOp::Max | ReduceOp::Min) {
                return Err(format!("{} is not defined for bool", op.name()));
            }
            let as_int = Tensor::from_i64(DType::U8, x.shape.clone(), v.iter().map(|&b| b as i64).collect());
            let r = reduce_ints(op, as_int.ints().unwrap_or(&[]), &as_int, &mask, n_out, count);
            Ok(Tensor::from_bool(out_shape, r.into_iter().map(|e| e != 0).collect()))
        }
    }
}

fn reduce_ints(op: ReduceOp, v: &[i64], x: &Tensor, mask: &[bool], n_out: usize, count: usize) -> Vec<i64> {
    let (lo, hi) = x.dtype.int_range().unwrap_or((i64::MIN, i64::MAX));
    match op {
        ReduceOp::Mean => {
            let mut acc = vec![0i128; n_out];
            for_each_reduced(&x.shape, mask, |i, o| acc[o] += v[i] as i128);
            // The empty mean is 0, as for floats.
            acc.into_iter()
                .map(|s| if count == 0 { 0 } else { (s / count as i128) as i64 })
                .collect()
        }
        _ => {
            let init = match op {
                ReduceOp::Prod => 1,
                ReduceOp::Max => lo,
                ReduceOp::Min => hi,
                _ => 0,
            };
            let mut acc = vec![init; n_out];
            match op {
                ReduceOp::Prod => for_each_reduced(&x.shape, mask, |i, o| acc[o] = acc[o].wrapping_mul(v[i])),
                ReduceOp::Max => for_each_reduced(&x.shape, mask, |i, o| acc[o] = acc[o].max(v[i])),
                ReduceOp::Min => for_each_reduced(&x.shape, mask, |i, o| acc[o] = acc[o].min(v[i])),
                _ => for_each_reduced(&x.shape, mask, |i, o| acc[o] = acc[o].wrapping_add(v[i])),
            }
            acc
        }
    }
}

fn arg_shape(shape: &[usize], axis: usize, keepdims: bool) -> Vec<usize> {
    let mut s = shape.to_vec();
    if keepdims {
        s[axis] = 1;
    } else {
        s.remove(axis);
    }
    s
}

fn arg_search<T: Copy + PartialOrd>(
    v: &[T],
    shape: &[usize],
    axis: usize,
    is_nan: fn(T) -> bool,
    max: bool,
    last: bool,
) -> Result<Vec<i64>, String> {
    let (outer, len, inner) = split_at_axis(shape, axis);
    if len == 0 && outer * inner > 0 {
        return Err(format!("cannot take an arg-extremum along axis {axis} of extent 0"));
    }
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            let mut best = v[base];
            let mut bi = 0usize;
            for k in 1..len {
                let e = v[base + k * inner];
                let take = if is_nan(best) {
                    last && is_nan(e)
                } else if is_nan(e) {
                    true
                } else if max {
                    if last {
                        e >= best
                    } else {
                        e > best
                    }
                } else if last {
                    e <= best
                } else {
                    e < best
                };
                if take {
                    best = e;
                    bi = k;
                }
            }
            out.push(bi as i64);
        }
    }
    Ok(out)
}

/// `ArgMax` (`max: true`) or `ArgMin` along `axis`; NaN counts as the extremum (as numpy).
pub fn arg_extremum(x: &Tensor, axis: i64, keepdims: bool, last: bool, max: bool) -> Result<Tensor, String> {
    let ax = axis_of(axis, x.shape.len())?;
    let idx = match &x.data {
        Data::F(v) => arg_search(v, &x.shape, ax, |e: f32| e.is_nan(), max, last)?,
        Data::I(v) => arg_search(v, &x.shape, ax, |_: i64| false, max, last)?,
        Data::B(v) => arg_search(v, &x.shape, ax, |_: bool| false, max, last)?,
    };
    Ok(Tensor::from_i64(DType::I64, arg_shape(&x.shape, ax, keepdims), idx))
}

/// `Softmax` (or `LogSoftmax` with `log`) along `axis`, subtracting the maximum, in f64.
pub fn softmax(x: &Tensor, axis: i64, log: bool) -> Result<Tensor, String> {
    let v = x.floats().ok_or_else(|| {
        format!(
            "{} needs a float input, got {}",
            if log { "LogSoftmax" } else { "Softmax" },
            x.dtype
        )
    })?;
    let ax = axis_of(axis, x.shape.len())?;
    let (outer, len, inner) = split_at_axis(&x.shape, ax);
    let mut out = vec![0f32; v.len()];
    let mut row = vec![0f64; len];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            let mut m = f64::NEG_INFINITY;
            for (k, r) in row.iter_mut().enumerate() {
                *r = v[base + k * inner] as f64;
                if *r > m {
                    m = *r;
                }
            }
            let sum: f64 = row.iter().map(|&r| (r - m).exp()).sum();
            let lse = sum.ln();
            for (k, &r) in row.iter().enumerate() {
                out[base + k * inner] = if log {
                    (r - m - lse) as f32
                } else {
                    ((r - m).exp() / sum) as f32
                };
            }
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}

/// Cumulative sum along `axis` (floats accumulate in f64, integers wrap).
pub fn cumsum(x: &Tensor, axis: i64, exclusive: bool, reverse: bool) -> Result<Tensor, String> {
    let ax = axis_of(axis, x.shape.len())?;
    let (outer, len, inner) = split_at_axis(&x.shape, ax);
    let order = |k: usize| if reverse { len - 1 - k } else { k };
    match &x.data {
        Data::F(v) => {
            let mut out = vec![0f32; v.len()];
            for o in 0..outer {
                for i in 0..inner {
                    let base = o * len * inner + i;
                    let mut acc = 0f64;
                    for k in 0..len {
                        let p = base + order(k) * inner;
                        if exclusive {
                            out[p] = acc as f32;
                            acc += v[p] as f64;
                        } else {
                            acc += v[p] as f64;
                            out[p] = acc as f32;
                        }
                    }
                }
            }
            Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
        }
        Data::I(v) => {
            let mut out = vec![0i64; v.len()];
            for o in 0..outer {
                for i in 0..inner {
                    let base = o * len * inner + i;
                    let mut acc = 0i64;
                    for k in 0..len {
                        let p = base + order(k) * inner;
                        if exclusive {
                            out[p] = acc;
                            acc = acc.wrapping_add(v[p]);
                        } else {
                            acc = acc.wrapping_add(v[p]);
                            out[p] = acc;
                        }
                    }
                }
            }
            Ok(Tensor::from_i64(x.dtype, x.shape.clone(), out))
        }
        Data::B(_) => Err("CumSum is not defined for bool".into()),
    }
}
