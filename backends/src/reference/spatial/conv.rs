//! `Conv` (im2col + blocked matmul) and `ConvTranspose` (matmul + col2im), 1-D and 2-D.

use super::{floats, per_axis, spatial_shape, windows, Axis};
use crate::reference::matmul::gemm_acc;
use crate::reference::movement::numel;
use crate::reference::tensor::Tensor;

/// Signed input coordinate of output position `o` and kernel tap `t` along `ax`.
fn coord(ax: &Axis, o: usize, t: usize) -> isize {
    (o * ax.stride + t * ax.dilation) as isize - ax.pad_begin as isize
}

/// Writes the `[cg·kh·kw, oh·ow]` im2col matrix of `xs` (`cg` channels of `h×w`) into `col`.
fn im2col(xs: &[f32], cg: usize, [ah, aw]: [Axis; 2], oh: usize, ow: usize, col: &mut [f32]) {
    let (ih, iw) = (ah.input, aw.input);
    let p = oh * ow;
    for c in 0..cg {
        let src = &xs[c * ih * iw..(c + 1) * ih * iw];
        for ki in 0..ah.kernel {
            for kj in 0..aw.kernel {
                let row = (c * ah.kernel + ki) * aw.kernel + kj;
                let dst = &mut col[row * p..(row + 1) * p];
                for (y, d) in dst.chunks_exact_mut(ow).enumerate() {
                    let h = coord(&ah, y, ki);
                    if h < 0 || h >= ih as isize {
                        d.fill(0.0);
                        continue;
                    }
                    let srow = &src[h as usize * iw..(h as usize + 1) * iw];
                    for (xo, v) in d.iter_mut().enumerate() {
                        let w = coord(&aw, xo, kj);
                        *v = if w >= 0 && w < iw as isize {
                            srow[w as usize]
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
}

/// Checks an optional bias input `[m]` and returns its values.
fn bias<'a>(inputs: &[&'a Tensor], m: usize, dtype: edgecc_ir::DType, what: &str) -> Result<Option<&'a [f32]>, String> {
    let Some(b) = inputs.get(2) else { return Ok(None) };
    let bd = floats(b, &format!("{what}: bias"))?;
    if b.shape != [m] || b.dtype != dtype {
        return Err(format!(
            "{what}: bias must be {dtype} [{m}] (one per output channel), got {} {:?}",
            b.dtype, b.shape
        ));
    }
    Ok(Some(bd))
}

/// Input, weight, and the number of groups, checked for a float conv of matching dtypes and ranks.
fn operands<'a>(inputs: &[&'a Tensor], groups: u32, what: &str) -> Result<(&'a Tensor, &'a Tensor, usize), String> {
    let (x, w) = match inputs {
        [x, w, ..] => (*x, *w),
        _ => return Err(format!("{what} needs an input and a weight")),
    };
    floats(x, &format!("{what}: input"))?;
    floats(w, &format!("{what}: weight"))?;
    if x.dtype != w.dtype || w.shape.len() != x.shape.len() {
        return Err(format!(
            "{what}: weight {} {:?} must have the dtype and rank of input {} {:?}",
            w.dtype, w.shape, x.dtype, x.shape
        ));
    }
    if groups == 0 {
        return Err(format!("{what}: groups must be at least 1"));
    }
    Ok((x, w, groups as usize))
}

/// `Conv`: `x [N, C, *sp]`, `w [M, C/groups, *k]`, optional `b [M]`.
pub(super) fn conv(
    inputs: &[&Tensor],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    groups: u32,
) -> Result<Tensor, String> {
    let (x, w, g) = operands(inputs, groups, "Conv")?;
    let (xd, wd) = (floats(x, "Conv: input")?, floats(w, "Conv: weight")?);
    let geo = windows(
        &x.shape,
        &w.shape[2.min(w.shape.len())..],
        strides,
        pads,
        dilations,
        "Conv",
    )?;
    let (n, c, m, cg) = (x.shape[0], x.shape[1], w.shape[0], w.shape[1]);
    if cg * g != c || !m.is_multiple_of(g) {
        return Err(format!(
            "Conv: weight {:?} with {g} groups does not fit input {:?} (need C = {c} = groups × weight dim 1 and \
             groups to divide M = {m})",
            w.shape, x.shape
        ));
    }
    let b = bias(inputs, m, x.dtype, "Conv")?;
    let [ah, aw] = geo;
    let (oh, ow) = (ah.output(false, "Conv")?, aw.output(false, "Conv")?);
    let shape = spatial_shape(x.shape.len(), n, m, oh, ow);
    let (hw, p, mg) = (ah.input * aw.input, oh * ow, m / g);
    let k = cg * ah.kernel * aw.kernel;
    let mut out = vec![0f32; numel(&shape)?];
    let direct =
        ah.kernel == 1 && aw.kernel == 1 && [ah, aw].iter().all(|a| a.stride == 1 && a.pad_begin + a.pad_end == 0);
    let mut col = if direct {
        Vec::new()
    } else {
        vec![0f32; numel(&[k, p])?]
    };
    for bi in 0..n {
        for gi in 0..g {
            let xs = &xd[(bi * c + gi * cg) * hw..(bi * c + (gi + 1) * cg) * hw];
            let cols: &[f32] = if direct {
                xs
            } else {
                im2col(xs, cg, geo, oh, ow, &mut col);
                &col
            };
            let os = &mut out[(bi * m + gi * mg) * p..(bi * m + (gi + 1) * mg) * p];
            gemm_acc(mg, k, p, &wd[gi * mg * k..(gi + 1) * mg * k], cols, os);
        }
    }
    if let Some(bd) = b {
        for (i, plane) in out.chunks_exact_mut(p.max(1)).enumerate() {
            plane.iter_mut().for_each(|v| *v += bd[i % m]);
        }
    }
    Ok(Tensor::from_f32(x.dtype, shape, out))
}

/// `ConvTranspose`: `x [N, C, *sp]`, `w [C, M/groups, *k]`, optional `b [M]`.
pub(super) fn conv_transpose(
    inputs: &[&Tensor],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    output_padding: &[u64],
    groups: u32,
) -> Result<Tensor, String> {
    let (x, w, g) = operands(inputs, groups, "ConvTranspose")?;
    let (xd, wd) = (floats(x, "ConvTranspose: input")?, floats(w, "ConvTranspose: weight")?);
    let geo = windows(
        &x.shape,
        &w.shape[2.min(w.shape.len())..],
        strides,
        pads,
        dilations,
        "ConvTranspose",
    )?;
    let (n, c, mg) = (x.shape[0], x.shape[1], w.shape[1]);
    if w.shape[0] != c || !c.is_multiple_of(g) {
        return Err(format!(
            "ConvTranspose: weight {:?} with {g} groups does not fit input {:?} (need weight dim 0 = C = {c}, \
             divisible by groups)",
            w.shape, x.shape
        ));
    }
    let (cg, m) = (c / g, mg * g);
    let b = bias(inputs, m, x.dtype, "ConvTranspose")?;
    let ns = x.shape.len() - 2;
    let op = per_axis(output_padding, ns, 0, 0, "ConvTranspose: output_padding")?;
    let op = if ns == 1 { [0, op[0]] } else { [op[0], op[1]] };
    let [ah, aw] = geo;
    let extent = |a: &Axis, op: usize| {
        let full = a.stride * (a.input.max(1) - 1) + op + a.span();
        let full = if a.input == 0 { 0 } else { full };
        full.checked_sub(a.pad_begin + a.pad_end).ok_or_else(|| {
            format!(
                "ConvTranspose: pads {} + {} exceed the full output extent {full} (input {}, kernel {}, stride {})",
                a.pad_begin, a.pad_end, a.input, a.kernel, a.stride
            )
        })
    };
    let (oh, ow) = (extent(&ah, op[0])?, extent(&aw, op[1])?);
    let shape = spatial_shape(x.shape.len(), n, m, oh, ow);
    let mut out = vec![0f32; numel(&shape)?];
    let (hw, ohw, kk) = (ah.input * aw.input, oh * ow, ah.kernel * aw.kernel);
    let rows = mg * kk;
    let mut wt = vec![0f32; rows * cg];
    let mut col = vec![0f32; numel(&[rows, hw])?];
    for gi in 0..g {
        // wt[(m, ki, kj), c] = w[gi·cg + c, m, ki, kj]: the group's weight, transposed.
        let wg = &wd[gi * cg * rows..(gi + 1) * cg * rows];
        for ci in 0..cg {
            for r in 0..rows {
                wt[r * cg + ci] = wg[ci * rows + r];
            }
        }
        for bi in 0..n {
            let xs = &xd[(bi * c + gi * cg) * hw..(bi * c + (gi + 1) * cg) * hw];
            col.fill(0.0);
            gemm_acc(rows, cg, hw, &wt, xs, &mut col);
            for mi in 0..mg {
                let plane = &mut out[(bi * m + gi * mg + mi) * ohw..(bi * m + gi * mg + mi + 1) * ohw];
                for ki in 0..ah.kernel {
                    for kj in 0..aw.kernel {
                        let crow = &col[((mi * ah.kernel + ki) * aw.kernel + kj) * hw..][..hw];
                        for y in 0..ah.input {
                            let oy = coord(&ah, y, ki);
                            if oy < 0 || oy >= oh as isize {
                                continue;
                            }
                            let orow = &mut plane[oy as usize * ow..(oy as usize + 1) * ow];
                            for (xx, &v) in crow[y * aw.input..(y + 1) * aw.input].iter().enumerate() {
                                let ox = coord(&aw, xx, kj);
                                if ox >= 0 && ox < ow as isize {
                                    orow[ox as usize] += v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(bd) = b {
        for (i, plane) in out.chunks_exact_mut(ohw.max(1)).enumerate() {
            plane.iter_mut().for_each(|v| *v += bd[i % m]);
        }
    }
    Ok(Tensor::from_f32(x.dtype, shape, out))
}
