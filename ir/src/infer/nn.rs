//! Inference for the neural-network ops: normalizations, matmul, conv, pooling, resize, attention.

use super::broadcast::{broadcast_shapes, unify_dim};
use super::{axis_of, require_float, require_numeric, require_rank};
use crate::dtype::DType;
use crate::graph::TensorType;
use crate::op::{Op, ResizeMode};
use crate::shape::{Dim, Shape};

pub(super) fn infer(op: &Op, inputs: &[TensorType]) -> Result<Vec<TensorType>, String> {
    let x = &inputs[0];
    let out = match op {
        Op::LayerNorm { axis, epsilon } | Op::RmsNorm { axis, epsilon } => {
            require_float(x, 0)?;
            check_epsilon(*epsilon)?;
            let a = axis_of(*axis, x.shape.rank())?;
            let normalized = Shape(x.shape.0[a..].to_vec());
            for (i, p) in inputs.iter().enumerate().skip(1) {
                same_dtype(x, p, i)?;
                let b = broadcast_shapes(&[&normalized, &p.shape]).ok();
                if b.as_ref() != Some(&normalized) {
                    return Err(format!(
                        "input {i} of shape {} does not broadcast to the normalized shape {normalized}",
                        p.shape
                    ));
                }
            }
            x.clone()
        }
        Op::GroupNorm { num_groups, epsilon } => {
            channel_params(inputs, 3, *epsilon)?;
            if *num_groups == 0 {
                return Err("num_groups must be at least 1".into());
            }
            if let Some(c) = x.shape.0[1].as_static() {
                if c % *num_groups as u64 != 0 {
                    return Err(format!("{c} channels do not split into {num_groups} groups"));
                }
            }
            x.clone()
        }
        Op::InstanceNorm { epsilon } => {
            channel_params(inputs, 3, *epsilon)?;
            x.clone()
        }
        Op::BatchNorm { epsilon } => {
            channel_params(inputs, 2, *epsilon)?;
            x.clone()
        }
        Op::MatMul => matmul(x, &inputs[1])?,
        Op::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        } => {
            require_numeric(x, 0)?;
            if !(alpha.is_finite() && beta.is_finite()) {
                return Err(format!("alpha {alpha} and beta {beta} must be finite"));
            }
            same_dtype(x, &inputs[1], 1)?;
            require_rank(x, 0, 2)?;
            require_rank(&inputs[1], 1, 2)?;
            let (m, ka) = if *trans_a { (1, 0) } else { (0, 1) };
            let (kb, n) = if *trans_b { (1, 0) } else { (0, 1) };
            let (a, b) = (&x.shape.0, &inputs[1].shape.0);
            unify_dim(&a[ka], &b[kb], "inner dims of A and B")?;
            let out = Shape(vec![a[m].clone(), b[n].clone()]);
            if let Some(c) = inputs.get(2) {
                same_dtype(x, c, 2)?;
                if c.shape.rank() > 2 || broadcast_shapes(&[&out, &c.shape]).ok().as_ref() != Some(&out) {
                    return Err(format!("C of shape {} does not broadcast to {out}", c.shape));
                }
            }
            TensorType::new(x.dtype, out)
        }
        Op::Conv {
            strides,
            pads,
            dilations,
            groups,
        } => conv(inputs, strides, pads, dilations, *groups, None)?,
        Op::ConvTranspose {
            strides,
            pads,
            dilations,
            output_padding,
            groups,
        } => conv(inputs, strides, pads, dilations, *groups, Some(output_padding))?,
        Op::MaxPool {
            kernel,
            strides,
            pads,
            dilations,
            ceil_mode,
        } => pool(x, kernel, strides, pads, dilations, *ceil_mode)?,
        Op::AveragePool {
            kernel,
            strides,
            pads,
            ceil_mode,
            ..
        } => {
            require_float(x, 0)?;
            let ones = vec![1; kernel.len()];
            pool(x, kernel, strides, pads, &ones, *ceil_mode)?
        }
        Op::GlobalAveragePool => {
            require_float(x, 0)?;
            if x.shape.rank() < 3 {
                return Err(format!("input must be [N, C, spatial..], got {}", x.shape));
            }
            let mut dims = x.shape.0[..2].to_vec();
            dims.extend(std::iter::repeat_n(Dim::Static(1), x.shape.rank() - 2));
            TensorType::new(x.dtype, Shape(dims))
        }
        Op::Resize {
            mode, scales, sizes, ..
        } => resize(x, *mode, scales, sizes.as_deref())?,
        Op::Attention { scale, .. } => attention(inputs, *scale)?,
        other => return Err(format!("{} is not a neural-network op", other.name())),
    };
    Ok(vec![out])
}

fn check_epsilon(e: f32) -> Result<(), String> {
    if e.is_finite() && e >= 0.0 {
        Ok(())
    } else {
        Err(format!("epsilon must be finite and >= 0, got {e}"))
    }
}

fn same_dtype(x: &TensorType, p: &TensorType, i: usize) -> Result<(), String> {
    if x.dtype == p.dtype {
        Ok(())
    } else {
        Err(format!("input {i} has dtype {} but input 0 has {}", p.dtype, x.dtype))
    }
}

/// Checks `x [N, C, ..]` (rank >= `min_rank`) and per-channel `[C]` parameters.
fn channel_params(inputs: &[TensorType], min_rank: usize, epsilon: f32) -> Result<(), String> {
    let x = &inputs[0];
    require_float(x, 0)?;
    check_epsilon(epsilon)?;
    if x.shape.rank() < min_rank {
        return Err(format!(
            "input must be [N, C, ..] of rank >= {min_rank}, got {}",
            x.shape
        ));
    }
    let c = &x.shape.0[1];
    for (i, p) in inputs.iter().enumerate().skip(1) {
        same_dtype(x, p, i)?;
        if p.shape.rank() != 1 {
            return Err(format!("input {i} must be [C] = [{c}], got {}", p.shape));
        }
        unify_dim(c, &p.shape.0[0], &format!("input {i} and the channel dim"))?;
    }
    Ok(())
}

fn matmul(a: &TensorType, b: &TensorType) -> Result<TensorType, String> {
    require_numeric(a, 0)?;
    same_dtype(a, b, 1)?;
    if a.shape.rank() == 0 || b.shape.rank() == 0 {
        return Err("matmul operands must have rank >= 1".into());
    }
    let mut ad = a.shape.0.clone();
    let mut bd = b.shape.0.clone();
    let a_vec = ad.len() == 1;
    let b_vec = bd.len() == 1;
    if a_vec {
        ad.insert(0, Dim::Static(1));
    }
    if b_vec {
        bd.push(Dim::Static(1));
    }
    let (ar, br) = (ad.len(), bd.len());
    unify_dim(&ad[ar - 1], &bd[br - 2], "inner dims")?;
    let batch = broadcast_shapes(&[&Shape(ad[..ar - 2].to_vec()), &Shape(bd[..br - 2].to_vec())])?;
    let mut dims = batch.0;
    if !a_vec {
        dims.push(ad[ar - 2].clone());
    }
    if !b_vec {
        dims.push(bd[br - 1].clone());
    }
    Ok(TensorType::new(a.dtype, Shape(dims)))
}

fn static_dim(d: &Dim, what: &str) -> Result<u64, String> {
    d.as_static()
        .ok_or_else(|| format!("{what} must be static, got {d}; specialize it with --shape"))
}

/// Checks the count of a window attribute and that its values are at most 2^32.
fn check_len(name: &str, v: &[u64], want: usize) -> Result<(), String> {
    if v.len() != want {
        return Err(format!("{name} needs {want} values, got {}", v.len()));
    }
    if v.iter().any(|&x| x > u32::MAX as u64) {
        return Err(format!("{name} {v:?} has a value above 2^32"));
    }
    Ok(())
}

fn conv(
    inputs: &[TensorType],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    groups: u32,
    output_padding: Option<&Vec<u64>>,
) -> Result<TensorType, String> {
    let (x, w) = (&inputs[0], &inputs[1]);
    require_float(x, 0)?;
    same_dtype(x, w, 1)?;
    let r = x.shape.rank();
    if !(3..=4).contains(&r) {
        return Err(format!("input must be [N, C, L] or [N, C, H, W], got {}", x.shape));
    }
    require_rank(w, 1, r)?;
    let s = r - 2;
    check_len("strides", strides, s)?;
    check_len("pads", pads, 2 * s)?;
    check_len("dilations", dilations, s)?;
    if strides.contains(&0) || dilations.contains(&0) {
        return Err("strides and dilations must be >= 1".into());
    }
    if groups == 0 {
        return Err("groups must be >= 1".into());
    }
    let g = groups as u64;
    let c = static_dim(&x.shape.0[1], "the channel dim")?;
    let w0 = static_dim(&w.shape.0[0], "weight dim 0")?;
    let w1 = static_dim(&w.shape.0[1], "weight dim 1")?;
    let m = match output_padding {
        None => {
            if w1 as u128 * g as u128 != c as u128 {
                return Err(format!(
                    "input has {c} channels but weight expects {w1} x {groups} groups"
                ));
            }
            if w0 % g != 0 {
                return Err(format!("{w0} output channels do not split into {groups} groups"));
            }
            w0
        }
        Some(_) => {
            if w0 != c {
                return Err(format!("input has {c} channels but weight dim 0 is {w0}"));
            }
            if c % g != 0 {
                return Err(format!("{c} input channels do not split into {groups} groups"));
            }
            w1.checked_mul(g).ok_or("output channels overflow")?
        }
    };
    if let Some(op) = output_padding {
        check_len("output_padding", op, s)?;
    }
    if let Some(b) = inputs.get(2) {
        same_dtype(x, b, 2)?;
        if b.shape != Shape::of(&[m as usize]) {
            return Err(format!("bias must be [{m}], got {}", b.shape));
        }
    }
    let mut dims = vec![x.shape.0[0].clone(), Dim::Static(m)];
    for i in 0..s {
        let inp = static_dim(&x.shape.0[2 + i], "spatial dims")? as i128;
        let k = static_dim(&w.shape.0[2 + i], "kernel dims")? as i128;
        let (st, d) = (strides[i] as i128, dilations[i] as i128);
        let (pb, pe) = (pads[i] as i128, pads[s + i] as i128);
        let out = match output_padding {
            None => {
                let span = inp + pb + pe - d * (k - 1) - 1;
                if span < 0 {
                    return Err(format!(
                        "kernel extent {} exceeds padded input extent {} on spatial axis {i}",
                        d * (k - 1) + 1,
                        inp + pb + pe
                    ));
                }
                span / st + 1
            }
            Some(_) if inp == 0 => 0,
            Some(op) => st * (inp - 1) + op[i] as i128 + (k - 1) * d + 1 - pb - pe,
        };
        if out < 0 {
            return Err(format!("output extent on spatial axis {i} would be {out}"));
        }
        dims.push(Dim::Static(out as u64));
    }
    Ok(TensorType::new(x.dtype, Shape(dims)))
}

fn pool(
    x: &TensorType,
    kernel: &[u64],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    ceil_mode: bool,
) -> Result<TensorType, String> {
    require_numeric(x, 0)?;
    let r = x.shape.rank();
    if !(3..=4).contains(&r) {
        return Err(format!(
            "input must be [N, C, W] or [N, C, H, W] (1 or 2 spatial dims; 3-D pooling is not supported), got {}",
            x.shape
        ));
    }
    let s = r - 2;
    check_len("kernel", kernel, s)?;
    check_len("strides", strides, s)?;
    check_len("pads", pads, 2 * s)?;
    check_len("dilations", dilations, s)?;
    if kernel.contains(&0) || strides.contains(&0) || dilations.contains(&0) {
        return Err("kernel, strides and dilations must be >= 1".into());
    }
    let mut dims = x.shape.0[..2].to_vec();
    for i in 0..s {
        let inp = static_dim(&x.shape.0[2 + i], "spatial dims")? as i128;
        let (k, st, d) = (kernel[i] as i128, strides[i] as i128, dilations[i] as i128);
        let (pb, pe) = (pads[i] as i128, pads[s + i] as i128);
        if pb >= k * d || pe >= k * d {
            return Err(format!(
                "pads on spatial axis {i} must be smaller than the kernel extent"
            ));
        }
        let span = inp + pb + pe - d * (k - 1) - 1;
        if span < 0 {
            return Err(format!("window exceeds padded input on spatial axis {i}"));
        }
        let mut out = if ceil_mode {
            (span + st - 1) / st + 1
        } else {
            span / st + 1
        };
        if ceil_mode && (out - 1) * st >= inp + pb {
            out -= 1;
        }
        dims.push(Dim::Static(out as u64));
    }
    Ok(TensorType::new(x.dtype, Shape(dims)))
}

fn resize(x: &TensorType, mode: ResizeMode, scales: &[f32], sizes: Option<&[u64]>) -> Result<TensorType, String> {
    let r = x.shape.rank();
    if mode == ResizeMode::Linear {
        require_float(x, 0)?;
    }
    if scales.len() != r {
        return Err(format!("scales needs {r} values (one per axis), got {}", scales.len()));
    }
    if scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(format!("scales must be finite and > 0, got {scales:?}"));
    }
    let mut dims = Vec::with_capacity(r);
    for (i, d) in x.shape.0.iter().enumerate() {
        let out = match sizes {
            Some(sz) => {
                if sz.len() != r {
                    return Err(format!("sizes needs {r} values, got {}", sz.len()));
                }
                Dim::Static(sz[i])
            }
            None if scales[i] == 1.0 => d.clone(),
            None => {
                let n = static_dim(d, "resized dims")?;
                let out = (n as f64 * scales[i] as f64).floor();
                if out > super::MAX_EXTENT as f64 {
                    return Err(format!(
                        "scale {} makes axis {i} larger than the limit {}",
                        scales[i],
                        super::MAX_EXTENT
                    ));
                }
                Dim::Static(out as u64)
            }
        };
        dims.push(out);
    }
    Ok(TensorType::new(x.dtype, Shape(dims)))
}

fn attention(inputs: &[TensorType], scale: Option<f32>) -> Result<TensorType, String> {
    let (q, k, v) = (&inputs[0], &inputs[1], &inputs[2]);
    require_float(q, 0)?;
    same_dtype(q, k, 1)?;
    same_dtype(q, v, 2)?;
    if let Some(s) = scale {
        if !s.is_finite() {
            return Err(format!("scale must be finite, got {s}"));
        }
    }
    let r = q.shape.rank();
    if r < 2 || k.shape.rank() != r || v.shape.rank() != r {
        return Err(format!(
            "q, k, v must share a rank >= 2, got {}, {}, {}",
            q.shape, k.shape, v.shape
        ));
    }
    let (qd, kd, vd) = (&q.shape.0, &k.shape.0, &v.shape.0);
    unify_dim(&qd[r - 1], &kd[r - 1], "head dims of q and k")?;
    let sk = unify_dim(&kd[r - 2], &vd[r - 2], "sequence dims of k and v")?;
    let batch = broadcast_shapes(&[
        &Shape(qd[..r - 2].to_vec()),
        &Shape(kd[..r - 2].to_vec()),
        &Shape(vd[..r - 2].to_vec()),
    ])?;
    if let Some(m) = inputs.get(3) {
        if m.dtype != DType::Bool && m.dtype != q.dtype {
            return Err(format!("mask must be bool or {}, got {}", q.dtype, m.dtype));
        }
        let mut scores = batch.0.clone();
        scores.push(qd[r - 2].clone());
        scores.push(sk);
        let scores = Shape(scores);
        if broadcast_shapes(&[&scores, &m.shape]).ok().as_ref() != Some(&scores) {
            return Err(format!(
                "mask of shape {} does not broadcast to the scores {scores}",
                m.shape
            ));
        }
    }
    let mut dims = batch.0;
    dims.push(qd[r - 2].clone());
    dims.push(vd[r - 1].clone());
    Ok(TensorType::new(q.dtype, Shape(dims)))
}
