//! Spatial ops: `Conv`, `ConvTranspose`, `MaxPool`, `AveragePool`, `GlobalAveragePool`,
//! `GlobalMaxPool`, `Resize`, `Upsample`, `LRN`. `auto_pad` (`SAME_UPPER`, `SAME_LOWER`, `VALID`) is resolved to
//! explicit pads from the static input extents.

use super::ctx::{Cx, V};
use crate::error::OnnxError;
use edgecc_ir::{BinaryOp, CoordMode, Dim, NearestMode, Op, ReduceOp, ResizeMode};

type R = Result<(), OnnxError>;

/// A window attribute with one value per spatial axis (default `fill`), as u64.
fn per_axis(cx: &Cx, name: &str, n: usize, fill: u64) -> Result<Vec<u64>, OnnxError> {
    match cx.attr_is(name)? {
        None => Ok(vec![fill; n]),
        Some(v) if v.is_empty() => Ok(vec![fill; n]),
        Some(v) => {
            if v.len() != n {
                return Err(cx.err(format!("{name} needs {n} values, got {v:?}")));
            }
            v.iter()
                .map(|&x| u64::try_from(x).map_err(|_| cx.err(format!("{name} {v:?} has a negative value"))))
                .collect()
        }
    }
}

/// The spatial window of a conv or pool: kernel, strides, dilations and explicit pads.
struct Window {
    kernel: Vec<u64>,
    strides: Vec<u64>,
    dilations: Vec<u64>,
    pads: Vec<u64>,
}

/// Reads the window attributes; `kernel` comes from the weight for convolutions.
fn window(cx: &Cx, x: V, kernel: Vec<u64>) -> Result<Window, OnnxError> {
    let s = kernel.len();
    let strides = per_axis(cx, "strides", s, 1)?;
    let dilations = per_axis(cx, "dilations", s, 1)?;
    let auto_pad = cx.attr_s("auto_pad", "NOTSET")?;
    let pads = match auto_pad.as_str() {
        "NOTSET" | "" => per_axis(cx, "pads", 2 * s, 0)?,
        "VALID" => vec![0; 2 * s],
        mode @ ("SAME_UPPER" | "SAME_LOWER") => {
            let dims = cx.static_dims(x, "auto_pad SAME")?;
            let mut pads = vec![0u64; 2 * s];
            for i in 0..s {
                let inp = dims.get(2 + i).copied().unwrap_or(0) as i128;
                let (k, st, d) = (kernel[i] as i128, strides[i].max(1) as i128, dilations[i] as i128);
                let out = (inp + st - 1) / st;
                let total = ((out - 1) * st + (k - 1) * d + 1 - inp).max(0);
                let small = total / 2;
                let (b, e) = if mode == "SAME_UPPER" {
                    (small, total - small)
                } else {
                    (total - small, small)
                };
                pads[i] = b as u64;
                pads[s + i] = e as u64;
            }
            pads
        }
        other => return Err(cx.err(format!("unknown auto_pad `{other}`"))),
    };
    Ok(Window {
        kernel,
        strides,
        dilations,
        pads,
    })
}

/// The kernel extents: the `kernel_shape` attribute, else the weight's trailing dims.
fn kernel_of(cx: &Cx, w: V) -> Result<Vec<u64>, OnnxError> {
    let wd = cx.dims(w);
    if wd.len() < 3 {
        return Err(cx.err(format!("the weight must be [M, C/group, k..], got {}", cx.ty(w).shape)));
    }
    let from_w = cx.static_dims(w, "the weight")?[2..].to_vec();
    match cx.attr_is("kernel_shape")? {
        Some(k) if !k.is_empty() => {
            let k: Vec<u64> = k.iter().map(|&x| x.max(0) as u64).collect();
            if k != from_w {
                return Err(cx.err(format!("kernel_shape {k:?} does not match the weight's {from_w:?}")));
            }
            Ok(k)
        }
        _ => Ok(from_w),
    }
}

fn group(cx: &Cx) -> Result<u32, OnnxError> {
    let g = cx.attr_i("group", 1)?;
    u32::try_from(g)
        .ok()
        .filter(|&g| g > 0)
        .ok_or_else(|| cx.err(format!("group must be >= 1, got {g}")))
}

pub(crate) fn conv(cx: &mut Cx) -> R {
    let (x, w) = (cx.x(0)?, cx.x(1)?);
    let b = cx.opt(2)?;
    let kernel = kernel_of(cx, w)?;
    let win = window(cx, x, kernel)?;
    let op = Op::Conv {
        strides: win.strides,
        pads: win.pads,
        dilations: win.dilations,
        groups: group(cx)?,
    };
    let mut ins = vec![x, w];
    ins.extend(b);
    cx.finish(op, &ins)
}

/// `ConvTranspose`: `output_shape` (or `auto_pad` SAME) determines the pads, as the ONNX
/// reference does: `total = stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - out`.
pub(crate) fn conv_transpose(cx: &mut Cx) -> R {
    let (x, w) = (cx.x(0)?, cx.x(1)?);
    let b = cx.opt(2)?;
    let kernel = kernel_of(cx, w)?;
    let s = kernel.len();
    let strides = per_axis(cx, "strides", s, 1)?;
    let dilations = per_axis(cx, "dilations", s, 1)?;
    let mut output_padding = per_axis(cx, "output_padding", s, 0)?;
    let auto_pad = cx.attr_s("auto_pad", "NOTSET")?;
    let output_shape = cx.attr_is("output_shape")?.filter(|v| !v.is_empty());
    let same = matches!(auto_pad.as_str(), "SAME_UPPER" | "SAME_LOWER");
    let pads = if output_shape.is_some() || same {
        let dims = cx.static_dims(x, "ConvTranspose with output_shape or auto_pad SAME")?;
        let spatial = dims.get(2..).unwrap_or(&[]).to_vec();
        if spatial.len() != s {
            return Err(cx.err(format!("the input has {} spatial dims, the kernel {s}", spatial.len())));
        }
        let out: Vec<i128> = match &output_shape {
            // output_shape may list only the spatial dims, or all of them.
            Some(o) => o[o.len().saturating_sub(s)..].iter().map(|&v| v as i128).collect(),
            None => spatial
                .iter()
                .zip(&strides)
                .map(|(&i, &st)| i as i128 * st as i128)
                .collect(),
        };
        if out.len() != s {
            return Err(cx.err(format!("output_shape needs {s} spatial values")));
        }
        let mut pads = vec![0u64; 2 * s];
        for i in 0..s {
            let total = strides[i] as i128 * (spatial[i] as i128 - 1)
                + output_padding[i] as i128
                + (kernel[i] as i128 - 1) * dilations[i] as i128
                + 1
                - out[i];
            if total < 0 {
                output_padding[i] = (output_padding[i] as i128 - total) as u64;
                continue;
            }
            let half = total / 2;
            let (b, e) = if auto_pad == "SAME_UPPER" {
                (half, total - half)
            } else {
                (total - half, half)
            };
            pads[i] = b as u64;
            pads[s + i] = e as u64;
        }
        pads
    } else if auto_pad == "VALID" {
        vec![0; 2 * s]
    } else {
        per_axis(cx, "pads", 2 * s, 0)?
    };
    let op = Op::ConvTranspose {
        strides,
        pads,
        dilations,
        output_padding,
        groups: group(cx)?,
    };
    let mut ins = vec![x, w];
    ins.extend(b);
    cx.finish(op, &ins)
}

/// `MaxPool`/`AveragePool` (the `Indices` output of `MaxPool` is not supported).
pub(crate) fn pool(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let kernel: Vec<u64> = match cx.attr_is("kernel_shape")? {
        Some(k) if !k.is_empty() => k
            .iter()
            .map(|&v| u64::try_from(v).map_err(|_| cx.err(format!("kernel_shape {k:?} has a negative value"))))
            .collect::<Result<_, _>>()?,
        _ => return Err(cx.err("the required attribute `kernel_shape` is missing")),
    };
    let ceil_mode = cx.attr_i("ceil_mode", 0)? != 0;
    let win = window(cx, x, kernel)?;
    let op = if cx.op_type() == "MaxPool" {
        cx.attr_i("storage_order", 0)?;
        if cx.output_used(1) {
            return Err(cx.err(format!(
                "the Indices output (opset 8 and later; the model uses opset {}) is used, but edgecc \
                 computes only Y",
                cx.opset()
            )));
        }
        Op::MaxPool {
            kernel: win.kernel,
            strides: win.strides,
            pads: win.pads,
            dilations: win.dilations,
            ceil_mode,
        }
    } else {
        if win.dilations.iter().any(|&d| d != 1) {
            return Err(cx.err("AveragePool with dilations other than 1 is not supported"));
        }
        Op::AveragePool {
            kernel: win.kernel,
            strides: win.strides,
            pads: win.pads,
            ceil_mode,
            count_include_pad: cx.attr_i("count_include_pad", 0)? != 0,
        }
    };
    cx.finish(op, &[x])
}

pub(crate) fn global_pool(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    if cx.op_type() == "GlobalAveragePool" {
        return cx.finish(Op::GlobalAveragePool, &[x]);
    }
    let r = cx.rank(x);
    if r < 3 {
        return Err(cx.err(format!("input must be [N, C, spatial..], got {}", cx.ty(x).shape)));
    }
    cx.finish(
        Op::Reduce {
            op: ReduceOp::Max,
            axes: (2..r as i64).collect(),
            keepdims: true,
        },
        &[x],
    )
}

/// `Upsample` (opsets 7 to 9; deprecated at 10) and `Resize-10`: `scales` an attribute
/// (`Upsample-7`) or an input (known), modes nearest and linear, with the asymmetric coordinate
/// transform `x / scale` and, in nearest mode, the index truncated (floor) when upsampling and
/// rounded up when downsampling, as onnxruntime's opset-10 kernels do. Output extents are
/// `floor(in * scale)`.
pub(crate) fn upsample(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let r = cx.rank(x);
    let opset = cx.opset();
    let mode = match cx.attr_s("mode", "nearest")?.as_str() {
        "nearest" => ResizeMode::Nearest,
        "linear" => ResizeMode::Linear,
        other => {
            return Err(cx.err(format!(
                "mode `{other}` at opset {opset} is not supported (nearest and linear are)"
            )))
        }
    };
    let scales: Vec<f64> = if cx.op_type() == "Upsample" && opset < 9 {
        if cx.n_inputs() > 1 {
            return Err(cx.err(format!(
                "takes one input at opset {opset} (scales is an attribute before opset 9), got {}",
                cx.n_inputs()
            )));
        }
        cx.at(cx.attrs.floats("scales"))?
            .ok_or_else(|| cx.err(format!("the required attribute `scales` is missing (opset {opset})")))?
            .into_iter()
            .map(f64::from)
            .collect()
    } else {
        cx.const_floats(1, "`scales`")?
            .ok_or_else(|| cx.err("the required input 1 (scales) is missing"))?
    };
    if scales.len() != r {
        return Err(cx.err(format!("scales needs {r} values (one per axis), got {scales:?}")));
    }
    if let Some(s) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        return Err(cx.err(format!("scales must be positive, got {s} in {scales:?}")));
    }
    if cx.op_type() == "Upsample" {
        if let Some(s) = scales.iter().find(|s| **s < 1.0) {
            return Err(cx.err(format!("Upsample scales must be >= 1, got {s} in {scales:?}")));
        }
    }
    let up = scales.iter().any(|&s| s > 1.0);
    let down = scales.iter().any(|&s| s < 1.0);
    let nearest = match (up, down) {
        (true, true) if mode == ResizeMode::Nearest => {
            return Err(cx.err(format!(
                "nearest mode at opset {opset} with scales {scales:?} that grow some axes and shrink others \
                 is not supported"
            )))
        }
        (false, true) => NearestMode::Ceil,
        _ => NearestMode::Floor,
    };
    cx.finish(
        Op::Resize {
            mode,
            coord: CoordMode::Asymmetric,
            nearest,
            scales: scales.iter().map(|&s| s as f32).collect(),
            sizes: None,
        },
        &[x],
    )
}

/// `Resize` (opsets 11, 13, 18, 19): nearest or linear; `scales` or `sizes` (known), with the
/// opset-18 `axes` and `keep_aspect_ratio_policy`. `Resize-10` is [`upsample`].
pub(crate) fn resize(cx: &mut Cx) -> R {
    if cx.opset() < 11 {
        return upsample(cx);
    }
    let x = cx.x(0)?;
    let r = cx.rank(x);
    let opset = cx.opset();
    let mode = match cx.attr_s("mode", "nearest")?.as_str() {
        "nearest" => ResizeMode::Nearest,
        "linear" => ResizeMode::Linear,
        other => {
            return Err(cx.err(format!(
                "mode `{other}` at opset {opset} is not supported (nearest and linear are)"
            )))
        }
    };
    let coord = match cx.attr_s("coordinate_transformation_mode", "half_pixel")?.as_str() {
        "half_pixel" => CoordMode::HalfPixel,
        "pytorch_half_pixel" => CoordMode::PytorchHalfPixel,
        "align_corners" => CoordMode::AlignCorners,
        "asymmetric" => CoordMode::Asymmetric,
        other => {
            return Err(cx.err(format!(
                "coordinate_transformation_mode `{other}` at opset {opset} is not supported (half_pixel, \
                 pytorch_half_pixel, align_corners and asymmetric are)"
            )))
        }
    };
    let nearest = match cx.attr_s("nearest_mode", "round_prefer_floor")?.as_str() {
        "round_prefer_floor" => NearestMode::RoundPreferFloor,
        "round_prefer_ceil" => NearestMode::RoundPreferCeil,
        "floor" => NearestMode::Floor,
        "ceil" => NearestMode::Ceil,
        other => return Err(cx.err(format!("nearest_mode `{other}` is not supported"))),
    };
    let axes: Vec<usize> = match cx.attr_is("axes")? {
        Some(a) if !a.is_empty() => a
            .iter()
            .map(|&a| edgecc_ir::normalize_axis(a, r).ok_or_else(|| cx.err(format!("axis {a} is out of range"))))
            .collect::<Result<_, _>>()?,
        _ => (0..r).collect(),
    };
    // Inputs: X, roi, scales, sizes (roi only matters for tf_crop_and_resize).
    let scales_in = cx.const_floats(2, "`scales`")?.filter(|v| !v.is_empty());
    let sizes_in = cx.const_ints(3, "`sizes`")?.filter(|v| !v.is_empty());
    let mut scales = vec![1f32; r];
    let mut sizes: Option<Vec<u64>> = None;
    match (scales_in, sizes_in) {
        (Some(s), None) => {
            if s.len() != axes.len() {
                return Err(cx.err(format!("scales needs {} values, got {}", axes.len(), s.len())));
            }
            for (&a, &v) in axes.iter().zip(&s) {
                scales[a] = v as f32;
            }
        }
        (None, Some(sz)) => {
            if sz.len() != axes.len() {
                return Err(cx.err(format!("sizes needs {} values, got {}", axes.len(), sz.len())));
            }
            let ind = cx.static_dims(x, "Resize with `sizes`")?;
            let mut out: Vec<u64> = ind.clone();
            let policy = cx.attr_s("keep_aspect_ratio_policy", "stretch")?;
            let ratio = |i: usize, a: usize| sz[i] as f64 / ind[a].max(1) as f64;
            match policy.as_str() {
                "stretch" => {
                    for (i, &a) in axes.iter().enumerate() {
                        out[a] = u64::try_from(sz[i]).map_err(|_| cx.err(format!("sizes {sz:?} is negative")))?;
                        scales[a] = ratio(i, a) as f32;
                    }
                }
                p @ ("not_larger" | "not_smaller") => {
                    let rs = axes.iter().enumerate().map(|(i, &a)| ratio(i, a));
                    let s = if p == "not_larger" {
                        rs.fold(f64::INFINITY, f64::min)
                    } else {
                        rs.fold(0.0, f64::max)
                    };
                    for &a in &axes {
                        out[a] = (ind[a] as f64 * s + 0.5).floor() as u64;
                        scales[a] = s as f32;
                    }
                }
                other => return Err(cx.err(format!("keep_aspect_ratio_policy `{other}` is unknown"))),
            }
            sizes = Some(out);
        }
        (Some(_), Some(_)) => return Err(cx.err("only one of scales and sizes may be given")),
        (None, None) => return Err(cx.err("one of scales and sizes must be given")),
    }
    if cx.attr_i("antialias", 0)? != 0 && scales.iter().any(|&s| s < 1.0) {
        return Err(cx.err("antialias when downscaling is not supported"));
    }
    cx.finish(
        Op::Resize {
            mode,
            coord,
            nearest,
            scales,
            sizes,
        },
        &[x],
    )
}

/// `LRN` (opsets 1 and 13): `y = x / (bias + alpha / size * square_sum) ^ beta`, where
/// `square_sum` at channel `c` sums `x^2` over the channels `c - floor((size - 1) / 2)` to
/// `c + ceil((size - 1) / 2)` (clipped to the tensor). Built from IR ops: `x^2` reshaped to
/// `[N, 1, C, prod(spatial)]`, an `AveragePool` with kernel `(size, 1)` that pads the channel axis
/// by that window and counts the padding (so it is `square_sum / size`), reshaped back, then
/// `x / (bias + alpha * avg) ^ beta`.
pub(crate) fn lrn(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let size = cx.req_i("size")?;
    let size = u64::try_from(size)
        .ok()
        .filter(|&s| s >= 1)
        .ok_or_else(|| cx.err(format!("size must be >= 1, got {size}")))?;
    let alpha = f64::from(cx.attr_f("alpha", 1e-4)?);
    let beta = f64::from(cx.attr_f("beta", 0.75)?);
    let bias = f64::from(cx.attr_f("bias", 1.0)?);
    let dims = cx.dims(x);
    let dt = cx.dtype(x);
    if dims.len() < 2 || !dt.is_float() {
        return Err(cx.err(format!(
            "the input must be a float tensor [N, C, D1, ..], got {dt}{}",
            cx.ty(x).shape
        )));
    }
    let c = dims[1]
        .as_static()
        .ok_or_else(|| cx.err("the channel dim must be static; specialize it with `--shape NAME=VALUE`"))?;
    let spatial = &dims[2..];
    if c == 0 || spatial.contains(&Dim::Static(0)) {
        return cx.bind(0, x); // an empty tensor normalizes to itself
    }
    let syms = spatial.iter().filter(|d| d.as_static().is_none()).count();
    if syms > 1 {
        return Err(cx.err(format!(
            "at most one symbolic spatial dim is supported, got {}; specialize them with `--shape NAME=VALUE`",
            cx.ty(x).shape
        )));
    }
    let p: i64 = if syms == 0 {
        spatial.iter().filter_map(Dim::as_static).product::<u64>() as i64
    } else {
        -1
    };
    let sq = cx.emit(Op::Binary(BinaryOp::Mul), &[x, x])?;
    let r = cx.emit(
        Op::Reshape {
            shape: vec![0, 1, c as i64, p],
            allowzero: false,
        },
        &[sq],
    )?;
    let (before, after) = ((size - 1) / 2, size / 2);
    let avg = cx.emit(
        Op::AveragePool {
            kernel: vec![size, 1],
            strides: vec![1, 1],
            pads: vec![before, 0, after, 0],
            ceil_mode: false,
            count_include_pad: true,
        },
        &[r],
    )?;
    let back: Vec<i64> = std::iter::once(0)
        .chain(std::iter::once(c as i64))
        .chain(spatial.iter().map(|d| d.as_static().map_or(-1, |n| n as i64)))
        .collect();
    let avg = cx.emit(
        Op::Reshape {
            shape: back,
            allowzero: false,
        },
        &[avg],
    )?;
    let a = cx.scalar(dt, alpha);
    let scaled = cx.emit(Op::Binary(BinaryOp::Mul), &[avg, a])?;
    let b = cx.scalar(dt, bias);
    let base = cx.emit(Op::Binary(BinaryOp::Add), &[scaled, b])?;
    let e = cx.scalar(dt, beta);
    let den = cx.emit(Op::Binary(BinaryOp::Pow), &[base, e])?;
    cx.finish(Op::Binary(BinaryOp::Div), &[x, den])
}
