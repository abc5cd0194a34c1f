//! `Resize` in nearest and linear modes over any number of axes.

use super::floats;
use crate::reference::movement::{compose, numel, take};
use crate::reference::tensor::{strides, Tensor};
use edgecc_ir::{CoordMode, NearestMode, ResizeMode};

/// Input coordinate of output index `o` along an axis of extent `input` resized by `scale` to the
/// unrounded output length `output`.
///
/// As the ONNX reference (`onnx/reference/ops/op_resize.py`), the modes that divide by the output
/// length use the *unrounded* length `input * scale`: with `sizes` that is the size itself, with
/// `scales` it may be fractional (e.g. align_corners `x * (in - 1) / (in * scale - 1)`).
pub(crate) fn source_coord(coord: CoordMode, o: usize, scale: f64, input: usize, output: f64) -> f64 {
    let o = o as f64;
    match coord {
        CoordMode::HalfPixel => (o + 0.5) / scale - 0.5,
        CoordMode::PytorchHalfPixel if output != 1.0 => (o + 0.5) / scale - 0.5,
        CoordMode::PytorchHalfPixel => -0.5,
        CoordMode::AlignCorners if output == 1.0 => 0.0,
        CoordMode::AlignCorners => o * (input as f64 - 1.0) / (output - 1.0),
        CoordMode::Asymmetric => o / scale,
    }
}

/// Rounds a fractional coordinate to an index in `0..input` as `mode` says.
pub(crate) fn round_nearest(x: f64, mode: NearestMode, input: usize) -> usize {
    let f = x.floor();
    let r = match mode {
        NearestMode::RoundPreferFloor if x - f == 0.5 => f,
        NearestMode::RoundPreferCeil if x - f == 0.5 => f + 1.0,
        NearestMode::RoundPreferFloor | NearestMode::RoundPreferCeil => x.round(),
        NearestMode::Floor => f,
        NearestMode::Ceil => x.ceil(),
    };
    r.clamp(0.0, input as f64 - 1.0) as usize
}

/// Output extents and, per axis, the scale and the unrounded output length that the coordinate
/// transform uses.
type Plan = (Vec<usize>, Vec<f64>, Vec<f64>);

fn plan(shape: &[usize], scales: &[f32], sizes: Option<&[u64]>) -> Result<Plan, String> {
    let rank = shape.len();
    if let Some(sizes) = sizes {
        if sizes.len() != rank {
            return Err(format!(
                "Resize: sizes {sizes:?} must have one extent per axis of shape {shape:?}"
            ));
        }
        let out = sizes
            .iter()
            .map(|&s| usize::try_from(s).map_err(|_| format!("Resize: size {s} is too large")))
            .collect::<Result<Vec<_>, _>>()?;
        let sc = out
            .iter()
            .zip(shape)
            .map(|(&o, &i)| if i == 0 { 1.0 } else { o as f64 / i as f64 })
            .collect();
        let len = out.iter().map(|&o| o as f64).collect();
        return Ok((out, sc, len));
    }
    if scales.len() != rank {
        return Err(format!(
            "Resize: scales {scales:?} must have one value per axis of shape {shape:?} (or give sizes)"
        ));
    }
    if let Some(s) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        return Err(format!("Resize: scale {s} in {scales:?} must be positive and finite"));
    }
    let sc: Vec<f64> = scales.iter().map(|&s| s as f64).collect();
    let out = shape
        .iter()
        .zip(&sc)
        .map(|(&i, &s)| {
            let o = (i as f64 * s).floor();
            if o < (1u64 << 40) as f64 {
                Ok(o as usize)
            } else {
                Err(format!("Resize: scale {s} of extent {i} is too large"))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let len = shape.iter().zip(&sc).map(|(&i, &s)| i as f64 * s).collect();
    Ok((out, sc, len))
}

/// `Resize`: nearest (any dtype) or linear (float) resampling of every axis.
pub(super) fn resize(
    x: &Tensor,
    mode: ResizeMode,
    coord: CoordMode,
    nearest: NearestMode,
    scales: &[f32],
    sizes: Option<&[u64]>,
) -> Result<Tensor, String> {
    let (out_shape, sc, len) = plan(&x.shape, scales, sizes)?;
    if let Some(a) = (0..x.shape.len()).find(|&a| x.shape[a] == 0 && out_shape[a] > 0) {
        return Err(format!(
            "Resize: axis {a} of input shape {:?} is empty and cannot be resized to {}",
            x.shape, out_shape[a]
        ));
    }
    numel(&out_shape)?;
    match mode {
        ResizeMode::Nearest => {
            let st = strides(&x.shape);
            let offs: Vec<Vec<usize>> = (0..x.shape.len())
                .map(|a| {
                    let (i, o) = (x.shape[a], out_shape[a]);
                    (0..o)
                        .map(|k| round_nearest(source_coord(coord, k, sc[a], i, len[a]), nearest, i) * st[a])
                        .collect()
                })
                .collect();
            Ok(take(x, out_shape, &compose(&offs)))
        }
        ResizeMode::Linear => {
            let mut buf: Vec<f64> = floats(x, "Resize (linear): input")?.iter().map(|&v| v as f64).collect();
            let mut shape = x.shape.clone();
            for a in 0..shape.len() {
                let (i, o) = (shape[a], out_shape[a]);
                // (lower index, upper index, upper weight) per output index, clamped at the edges.
                let taps: Vec<(usize, usize, f64)> = (0..o)
                    .map(|k| {
                        let c = source_coord(coord, k, sc[a], i, len[a]).clamp(0.0, i as f64 - 1.0);
                        let lo = c.floor();
                        ((lo as usize), (lo as usize + 1).min(i - 1), c - lo)
                    })
                    .collect();
                if o == i && taps.iter().enumerate().all(|(k, &(lo, _, w))| lo == k && w == 0.0) {
                    continue;
                }
                let outer: usize = shape[..a].iter().product();
                let inner: usize = shape[a + 1..].iter().product();
                let mut next = Vec::with_capacity(outer * o * inner);
                for b in 0..outer {
                    for &(lo, hi, w) in &taps {
                        let (r0, r1) = (
                            &buf[(b * i + lo) * inner..][..inner],
                            &buf[(b * i + hi) * inner..][..inner],
                        );
                        next.extend(
                            r0.iter()
                                .zip(r1)
                                .map(|(&v0, &v1)| if w == 0.0 { v0 } else { v0 * (1.0 - w) + v1 * w }),
                        );
                    }
                }
                buf = next;
                shape[a] = o;
            }
            Ok(Tensor::from_f32(
                x.dtype,
                shape,
                buf.into_iter().map(|v| v as f32).collect(),
            ))
        }
    }
}
