//! `MaxPool` (float and integer inputs), `AveragePool` (1-D and 2-D) and `GlobalAveragePool` (any
//! spatial rank).

use super::{floats, per_axis, spatial_shape, windows, Axis};
use crate::reference::movement::numel;
use crate::reference::tensor::{Data, Tensor};

/// Input positions of the window of output index `o` along `ax`: the taps that fall inside the
/// input, and how many taps fall inside the padded input `[-pad_begin, input + pad_end)`.
fn taps(ax: &Axis, o: usize) -> (Vec<usize>, usize) {
    let start = (o * ax.stride) as isize - ax.pad_begin as isize;
    let mut inside = Vec::with_capacity(ax.kernel);
    let mut padded = 0;
    for t in 0..ax.kernel {
        let i = start + (t * ax.dilation) as isize;
        if i >= 0 && i < ax.input as isize {
            inside.push(i as usize);
        }
        if i >= -(ax.pad_begin as isize) && i < (ax.input + ax.pad_end) as isize {
            padded += 1;
        }
    }
    (inside, padded)
}

/// Runs `reduce(values, padded_count)` over every window of the planes `xd` of `x [N, C, *sp]`
/// (1-D or 2-D); returns the output shape and values.
fn pool<T: Copy>(
    x: &Tensor,
    xd: &[T],
    geo: [Axis; 2],
    ceil_mode: bool,
    what: &str,
    reduce: impl Fn(&mut dyn Iterator<Item = T>, usize) -> Option<T>,
) -> Result<(Vec<usize>, Vec<T>), String> {
    let [ah, aw] = geo;
    let (oh, ow) = (ah.output(ceil_mode, what)?, aw.output(ceil_mode, what)?);
    let (n, c) = (x.shape[0], x.shape[1]);
    let shape = spatial_shape(x.shape.len(), n, c, oh, ow);
    let rows: Vec<_> = (0..oh).map(|o| taps(&ah, o)).collect();
    let cols: Vec<_> = (0..ow).map(|o| taps(&aw, o)).collect();
    let (ih, iw) = (ah.input, aw.input);
    let mut out = Vec::with_capacity(numel(&shape)?);
    for plane in 0..n * c {
        let src = xd
            .get(plane * ih * iw..(plane + 1) * ih * iw)
            .ok_or_else(|| format!("{what}: input shape {:?} does not match its data", x.shape))?;
        for (y, (rin, rpad)) in rows.iter().enumerate() {
            for (xo, (cin, cpad)) in cols.iter().enumerate() {
                let mut vals = rin.iter().flat_map(|&h| cin.iter().map(move |&w| src[h * iw + w]));
                let v = reduce(&mut vals, rpad * cpad).ok_or_else(|| {
                    format!(
                        "{what}: output window ({y}, {xo}) of input shape {:?} lies entirely in padding",
                        x.shape
                    )
                })?;
                out.push(v);
            }
        }
    }
    Ok((shape, out))
}

/// Kernel extents as `usize`, checked.
fn kernel_dims(kernel: &[u64], what: &str) -> Result<Vec<usize>, String> {
    per_axis(kernel, kernel.len(), 1, 1, &format!("{what}: kernel"))
}

/// `MaxPool`: the largest input element of each window; padding never wins.
pub(super) fn max_pool(
    x: &Tensor,
    kernel: &[u64],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    ceil_mode: bool,
) -> Result<Tensor, String> {
    let k = kernel_dims(kernel, "MaxPool")?;
    let geo = windows(&x.shape, &k, strides, pads, dilations, "MaxPool")?;
    match &x.data {
        Data::F(xd) if x.dtype.is_float() => {
            let (shape, out) = pool(x, xd, geo, ceil_mode, "MaxPool", |vals, _| vals.reduce(f32::max))?;
            Ok(Tensor::from_f32(x.dtype, shape, out))
        }
        Data::I(xd) if !x.dtype.is_float() => {
            let (shape, out) = pool(x, xd, geo, ceil_mode, "MaxPool", |vals, _| vals.max())?;
            Ok(Tensor::from_i64(x.dtype, shape, out))
        }
        _ => Err(format!(
            "MaxPool: input must be a float or integer tensor, got {}",
            x.dtype
        )),
    }
}

/// `AveragePool`: the mean of each window; padded positions count only with `count_include_pad`
/// (positions past the end padding, reached only in `ceil_mode`, never count).
pub(super) fn average_pool(
    x: &Tensor,
    kernel: &[u64],
    strides: &[u64],
    pads: &[u64],
    ceil_mode: bool,
    count_include_pad: bool,
) -> Result<Tensor, String> {
    let k = kernel_dims(kernel, "AveragePool")?;
    let geo = windows(&x.shape, &k, strides, pads, &[], "AveragePool")?;
    let xd = floats(x, "AveragePool: input")?;
    let (shape, out) = pool(x, xd, geo, ceil_mode, "AveragePool", |vals, padded| {
        let (sum, count) = vals.fold((0f64, 0usize), |(s, c), v| (s + v as f64, c + 1));
        let div = if count_include_pad { padded } else { count };
        (count > 0).then(|| (sum / div as f64) as f32)
    })?;
    Ok(Tensor::from_f32(x.dtype, shape, out))
}

/// `GlobalAveragePool`: `[N, C, *sp]` → `[N, C, 1, ..]`, the mean over the spatial axes.
pub(super) fn global_average_pool(x: &Tensor) -> Result<Tensor, String> {
    let xd = floats(x, "GlobalAveragePool: input")?;
    if x.shape.len() < 2 {
        return Err(format!(
            "GlobalAveragePool: input shape {:?} must be [N, C, *spatial]",
            x.shape
        ));
    }
    let sp: usize = x.shape[2..].iter().product();
    let planes = x.shape[0] * x.shape[1];
    let out: Vec<f32> = if sp == 0 {
        vec![f32::NAN; planes]
    } else {
        xd.chunks_exact(sp)
            .map(|p| (p.iter().map(|&v| v as f64).sum::<f64>() / sp as f64) as f32)
            .collect()
    };
    let mut shape = vec![1; x.shape.len()];
    shape[..2].copy_from_slice(&x.shape[..2]);
    Ok(Tensor::from_f32(x.dtype, shape, out))
}
