//! Ops that change only the shape (reshape, squeeze, unsqueeze, flatten) or produce a tensor from
//! attributes alone (shape, range, constant-of-shape).

use super::{norm_axes, norm_axis, numel, MAX_ELEMENTS};
use crate::reference::tensor::{Data, Tensor};
use edgecc_ir::DType;

/// The same elements under a new shape.
fn with_shape(x: &Tensor, shape: Vec<usize>) -> Tensor {
    Tensor {
        dtype: x.dtype,
        shape,
        data: x.data.clone(),
    }
}

/// `Reshape`: `0` copies the input extent at that position (unless `allowzero`), `-1` infers.
pub(super) fn reshape(x: &Tensor, target: &[i64], allowzero: bool) -> Result<Tensor, String> {
    let mut infer = None;
    let mut dims = Vec::with_capacity(target.len());
    for (i, &d) in target.iter().enumerate() {
        let dim = match d {
            -1 => {
                if infer.replace(i).is_some() {
                    return Err(format!("Reshape: target shape {target:?} has more than one -1"));
                }
                1
            }
            0 if !allowzero => *x.shape.get(i).ok_or_else(|| {
                format!(
                    "Reshape: target shape {target:?} copies extent {i} (a 0) but the input {:?} has rank {}",
                    x.shape,
                    x.shape.len()
                )
            })?,
            d if d < 0 => return Err(format!("Reshape: target shape {target:?} has invalid extent {d}")),
            d => usize::try_from(d).map_err(|_| format!("Reshape: extent {d} is too large"))?,
        };
        dims.push(dim);
    }
    let n = x.numel();
    let known = numel(&dims)?;
    if let Some(i) = infer {
        if allowzero && target.contains(&0) {
            return Err(format!(
                "Reshape: target shape {target:?} has both 0 and -1 with allowzero, which ONNX forbids"
            ));
        }
        if known == 0 || !n.is_multiple_of(known) {
            return Err(format!(
                "Reshape: cannot infer the -1 extent of {target:?} for input shape {:?} ({n} elements)",
                x.shape
            ));
        }
        dims[i] = n / known;
    } else if known != n {
        return Err(format!(
            "Reshape: input shape {:?} ({n} elements) cannot be viewed as {dims:?} ({known} elements)",
            x.shape
        ));
    }
    Ok(with_shape(x, dims))
}

/// `Squeeze`: removes the given extent-1 axes, or every extent-1 axis when `axes` is empty.
pub(super) fn squeeze(x: &Tensor, axes: &[i64]) -> Result<Tensor, String> {
    let rank = x.shape.len();
    let remove: Vec<bool> = if axes.is_empty() {
        x.shape.iter().map(|&d| d == 1).collect()
    } else {
        let mut r = vec![false; rank];
        for a in norm_axes(axes, rank, "Squeeze")? {
            if x.shape[a] != 1 {
                return Err(format!(
                    "Squeeze: axis {a} of input shape {:?} has extent {}, not 1",
                    x.shape, x.shape[a]
                ));
            }
            r[a] = true;
        }
        r
    };
    let shape = x
        .shape
        .iter()
        .zip(&remove)
        .filter(|(_, &r)| !r)
        .map(|(&d, _)| d)
        .collect();
    Ok(with_shape(x, shape))
}

/// `Unsqueeze`: inserts extent-1 axes at the given positions of the output.
pub(super) fn unsqueeze(x: &Tensor, axes: &[i64]) -> Result<Tensor, String> {
    let out_rank = x.shape.len() + axes.len();
    let mut inserted = vec![false; out_rank];
    for a in norm_axes(axes, out_rank, "Unsqueeze")? {
        inserted[a] = true;
    }
    let mut src = x.shape.iter();
    let shape = inserted
        .iter()
        .map(|&ins| if ins { 1 } else { src.next().copied().unwrap_or(1) })
        .collect();
    Ok(with_shape(x, shape))
}

/// `Flatten`: `[prod(dims[..axis]), prod(dims[axis..])]`; `axis` may be `-rank..=rank`.
pub(super) fn flatten(x: &Tensor, axis: i64) -> Result<Tensor, String> {
    let rank = x.shape.len();
    let a = if axis == rank as i64 {
        rank
    } else {
        norm_axis(axis, rank, "Flatten").map_err(|e| format!("{e} (Flatten also accepts {rank})"))?
    };
    let outer = x.shape[..a].iter().product();
    let inner = x.shape[a..].iter().product();
    Ok(with_shape(x, vec![outer, inner]))
}

/// `Shape`: the input's shape as i64, sliced to `start..end` with ONNX clamping.
pub(super) fn shape_of(x: &Tensor, start: i64, end: Option<i64>) -> Tensor {
    let r = x.shape.len() as i64;
    let clamp = |v: i64| (if v < 0 { v.saturating_add(r) } else { v }).clamp(0, r) as usize;
    let s = clamp(start);
    let e = clamp(end.unwrap_or(r)).max(s);
    let v: Vec<i64> = x.shape[s..e].iter().map(|&d| d as i64).collect();
    Tensor::from_i64(DType::I64, vec![v.len()], v)
}

/// A rank-1 or shaped tensor of `dtype` from f64 values.
fn from_f64(dtype: DType, shape: Vec<usize>, v: impl Iterator<Item = f64>) -> Result<Tensor, String> {
    Ok(match dtype {
        d if d.is_float() => Tensor::from_f32(d, shape, v.map(|x| x as f32).collect()),
        DType::Bool => Tensor {
            dtype,
            shape,
            data: Data::B(v.map(|x| x != 0.0).collect()),
        },
        d => Tensor::from_i64(d, shape, v.map(|x| x as i64).collect()),
    })
}

/// `Range`: `start, start+delta, ..` before `limit`; length `max(ceil((limit-start)/delta), 0)`.
pub(super) fn range(start: f64, limit: f64, delta: f64, dtype: DType) -> Result<Tensor, String> {
    if delta == 0.0 || !start.is_finite() || !limit.is_finite() || !delta.is_finite() {
        return Err(format!(
            "Range: start {start}, limit {limit}, delta {delta} must be finite with a nonzero delta"
        ));
    }
    if dtype == DType::Bool {
        return Err("Range: dtype bool is not numeric".to_string());
    }
    let len = ((limit - start) / delta).ceil().max(0.0);
    if len > MAX_ELEMENTS as f64 {
        return Err(format!("Range: {len} elements is too many"));
    }
    let n = len as usize;
    if dtype.is_int() {
        // ONNX computes integer ranges in the integer type: start + i * delta.
        let (s, d) = (start as i64, delta as i64);
        let v = (0..n as i64).map(|i| s.wrapping_add(i.wrapping_mul(d))).collect();
        return Ok(Tensor::from_i64(dtype, vec![n], v));
    }
    from_f64(dtype, vec![n], (0..n).map(|i| start + i as f64 * delta))
}

/// `ConstantOfShape`: `shape` filled with `value` in `dtype`.
pub(super) fn constant_of_shape(shape: &[u64], value: f64, dtype: DType) -> Result<Tensor, String> {
    let dims = shape
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("ConstantOfShape: extent {d} is too large")))
        .collect::<Result<Vec<_>, _>>()?;
    let n = numel(&dims).map_err(|e| format!("ConstantOfShape: {e}"))?;
    from_f64(dtype, dims, vec![value; n].into_iter())
}
