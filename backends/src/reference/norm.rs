//! Normalizations: `LayerNorm`, `RMSNorm`, `GroupNorm`, `InstanceNorm`, `BatchNorm`.
//!
//! Means and variances (population variance, two passes) accumulate in f64; the result is rounded
//! to the input's dtype.

use super::broadcast::expand;
use super::reduce::axis_of;
use super::tensor::Tensor;

fn floats<'a>(t: &'a Tensor, what: &str) -> Result<&'a [f32], String> {
    t.floats()
        .ok_or_else(|| format!("{what} must be a float tensor, got {}", t.dtype))
}

/// Mean and `1 / sqrt(var + eps)` of `v`, in f64 (NaN for an empty set).
fn moments(v: impl Iterator<Item = f32> + Clone, eps: f32) -> (f64, f64) {
    let (mut s, mut n) = (0f64, 0usize);
    for e in v.clone() {
        s += e as f64;
        n += 1;
    }
    let mean = s / n as f64;
    let var = v.map(|e| (e as f64 - mean).powi(2)).sum::<f64>() / n as f64;
    (mean, 1.0 / (var + eps as f64).sqrt())
}

/// A per-normalized-element parameter (`scale`/`bias`), broadcast to `shape`.
fn param(t: &Tensor, shape: &[usize], what: &str) -> Result<Vec<f32>, String> {
    let v = floats(t, what)?;
    expand(v, &t.shape, shape).map_err(|e| format!("{what}: {e}"))
}

/// `LayerNorm` over axes `axis..rank`, then `* scale (+ bias)`.
pub fn layer_norm(x: &Tensor, scale: &Tensor, bias: Option<&Tensor>, axis: i64, eps: f32) -> Result<Tensor, String> {
    let v = floats(x, "LayerNorm's input")?;
    let ax = axis_of(axis, x.shape.len())?;
    let norm_shape = &x.shape[ax..];
    let inner: usize = norm_shape.iter().product();
    let s = param(scale, norm_shape, "LayerNorm's scale")?;
    let b = match bias {
        Some(b) => param(b, norm_shape, "LayerNorm's bias")?,
        None => vec![0.0; inner],
    };
    let mut out = Vec::with_capacity(v.len());
    if inner > 0 {
        for row in v.chunks_exact(inner) {
            let (mean, inv) = moments(row.iter().copied(), eps);
            out.extend(
                row.iter()
                    .zip(&s)
                    .zip(&b)
                    .map(|((&e, &sc), &bi)| ((e as f64 - mean) * inv * sc as f64 + bi as f64) as f32),
            );
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}

/// `RMSNorm` over axes `axis..rank`, then `* scale`.
pub fn rms_norm(x: &Tensor, scale: &Tensor, axis: i64, eps: f32) -> Result<Tensor, String> {
    let v = floats(x, "RMSNorm's input")?;
    let ax = axis_of(axis, x.shape.len())?;
    let norm_shape = &x.shape[ax..];
    let inner: usize = norm_shape.iter().product();
    let s = param(scale, norm_shape, "RMSNorm's scale")?;
    let mut out = Vec::with_capacity(v.len());
    if inner > 0 {
        for row in v.chunks_exact(inner) {
            let ms = row.iter().map(|&e| (e as f64) * (e as f64)).sum::<f64>() / inner as f64;
            let inv = 1.0 / (ms + eps as f64).sqrt();
            out.extend(row.iter().zip(&s).map(|(&e, &sc)| (e as f64 * inv * sc as f64) as f32));
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}

/// `(N, C, spatial element count)` of an `[N, C, ...]` input.
fn nc_spatial(x: &Tensor, op: &str) -> Result<(usize, usize, usize), String> {
    if x.shape.len() < 2 {
        return Err(format!(
            "{op} needs an input of rank >= 2 ([N, C, ...]), got shape {:?}",
            x.shape
        ));
    }
    Ok((x.shape[0], x.shape[1], x.shape[2..].iter().product()))
}

/// A per-channel parameter: exactly `c` float values.
fn channel_param<'a>(t: &'a Tensor, c: usize, what: &str) -> Result<&'a [f32], String> {
    let v = floats(t, what)?;
    if v.len() != c || t.shape.len() > 1 {
        return Err(format!(
            "{what} must have shape [{c}] (one per channel), got {:?}",
            t.shape
        ));
    }
    Ok(v)
}

/// `GroupNorm`: normalize each group of `C / num_groups` channels (with their spatial positions).
pub fn group_norm(x: &Tensor, scale: &Tensor, bias: &Tensor, num_groups: u32, eps: f32) -> Result<Tensor, String> {
    let v = floats(x, "GroupNorm's input")?;
    let (n, c, sp) = nc_spatial(x, "GroupNorm")?;
    let g = num_groups as usize;
    if g == 0 || c % g != 0 {
        return Err(format!(
            "num_groups {g} must be positive and divide the channel count {c}"
        ));
    }
    let s = channel_param(scale, c, "GroupNorm's scale")?;
    let b = channel_param(bias, c, "GroupNorm's bias")?;
    let cg = c / g;
    let mut out = vec![0f32; v.len()];
    for ni in 0..n {
        for gi in 0..g {
            let start = (ni * c + gi * cg) * sp;
            let block = &v[start..start + cg * sp];
            let (mean, inv) = moments(block.iter().copied(), eps);
            for ch in 0..cg {
                let cc = gi * cg + ch;
                for k in 0..sp {
                    let p = start + ch * sp + k;
                    out[p] = ((v[p] as f64 - mean) * inv * s[cc] as f64 + b[cc] as f64) as f32;
                }
            }
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}

/// `InstanceNorm`: normalize each `(n, c)` over its spatial positions.
pub fn instance_norm(x: &Tensor, scale: &Tensor, bias: &Tensor, eps: f32) -> Result<Tensor, String> {
    let v = floats(x, "InstanceNorm's input")?;
    let (_, c, sp) = nc_spatial(x, "InstanceNorm")?;
    let s = channel_param(scale, c, "InstanceNorm's scale")?;
    let b = channel_param(bias, c, "InstanceNorm's bias")?;
    let mut out = Vec::with_capacity(v.len());
    if sp > 0 && c > 0 {
        for (i, blk) in v.chunks_exact(sp).enumerate() {
            let cc = i % c;
            let (mean, inv) = moments(blk.iter().copied(), eps);
            out.extend(
                blk.iter()
                    .map(|&e| ((e as f64 - mean) * inv * s[cc] as f64 + b[cc] as f64) as f32),
            );
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}

/// Inference `BatchNorm` with per-channel `scale, bias, mean, var`.
pub fn batch_norm(x: &Tensor, params: [&Tensor; 4], eps: f32) -> Result<Tensor, String> {
    let v = floats(x, "BatchNorm's input")?;
    let (_, c, sp) = nc_spatial(x, "BatchNorm")?;
    let s = channel_param(params[0], c, "BatchNorm's scale")?;
    let b = channel_param(params[1], c, "BatchNorm's bias")?;
    let m = channel_param(params[2], c, "BatchNorm's mean")?;
    let var = channel_param(params[3], c, "BatchNorm's var")?;
    let mut out = Vec::with_capacity(v.len());
    if sp > 0 && c > 0 {
        for (i, blk) in v.chunks_exact(sp).enumerate() {
            let cc = i % c;
            let inv = 1.0 / (var[cc] as f64 + eps as f64).sqrt();
            let (mean, sc, bi) = (m[cc] as f64, s[cc] as f64, b[cc] as f64);
            out.extend(blk.iter().map(|&e| ((e as f64 - mean) * inv * sc + bi) as f32));
        }
    }
    Ok(Tensor::from_f32(x.dtype, x.shape.clone(), out))
}
