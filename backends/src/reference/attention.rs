//! Scaled dot-product `Attention`: `softmax(q kᵀ * scale + mask) v`.
//!
//! Scores, softmax and the weighted sum of `v` are computed in f64 and rounded to `q`'s dtype.
//! A position is masked out when a bool mask is `false` there, when the additive float mask makes
//! its score `-inf`, or (with `causal`) when key `j > i + (Sk - Sq)`. Masked positions get weight
//! exactly 0. A query row whose every key is masked (or with `Sk = 0`) outputs zeros: the row
//! has no keys to attend to, and this kernel never divides by an empty sum.

use super::broadcast::{broadcast_all, broadcast_strides, for_each_row};
use super::tensor::{Data, Tensor};

enum Mask<'a> {
    None,
    Additive(&'a [f32]),
    Keep(&'a [bool]),
}

/// Evaluates `Attention` on `(q, k, v[, mask])`.
pub fn attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    scale: Option<f32>,
    causal: bool,
) -> Result<Tensor, String> {
    for (t, name) in [(q, "q"), (k, "k"), (v, "v")] {
        if t.shape.len() < 2 {
            return Err(format!(
                "Attention's {name} needs rank >= 2 ([.., S, D]), got shape {:?}",
                t.shape
            ));
        }
        if t.dtype != q.dtype || !t.dtype.is_float() {
            return Err(format!(
                "Attention needs q, k, v of one float dtype, got {}, {}, {}",
                q.dtype, k.dtype, v.dtype
            ));
        }
    }
    let (qv, kv, vv) = match (&q.data, &k.data, &v.data) {
        (Data::F(a), Data::F(b), Data::F(c)) => (a, b, c),
        _ => return Err("Attention: q, k, v data are not float".into()),
    };
    let (qr, kr, vr) = (q.shape.len(), k.shape.len(), v.shape.len());
    let (sq, d) = (q.shape[qr - 2], q.shape[qr - 1]);
    let (sk, dk) = (k.shape[kr - 2], k.shape[kr - 1]);
    let (sv, dv) = (v.shape[vr - 2], v.shape[vr - 1]);
    if dk != d {
        return Err(format!(
            "Attention: q has head size {d} but k has {dk} (shapes {:?}, {:?})",
            q.shape, k.shape
        ));
    }
    if sv != sk {
        return Err(format!(
            "Attention: k has {sk} keys but v has {sv} (shapes {:?}, {:?})",
            k.shape, v.shape
        ));
    }
    let batch = broadcast_all(&[&q.shape[..qr - 2], &k.shape[..kr - 2], &v.shape[..vr - 2]])?;
    let nb = batch.len();
    let mut score_shape = batch.clone();
    score_shape.extend([sq, sk]);
    let (mask, ms) = match mask {
        None => (Mask::None, vec![0; nb + 2]),
        Some(m) => {
            let st = broadcast_strides(&m.shape, &score_shape)
                .map_err(|e| format!("Attention's mask must broadcast to the scores [.., Sq, Sk]: {e}"))?;
            match &m.data {
                Data::F(f) => (Mask::Additive(f), st),
                Data::B(b) => (Mask::Keep(b), st),
                Data::I(_) => return Err(format!("Attention's mask must be float or bool, got {}", m.dtype)),
            }
        }
    };
    let scale = scale.map(|s| s as f64).unwrap_or(1.0 / (d as f64).sqrt());
    let scaled = |s: Result<Vec<usize>, String>, m: usize| -> Result<Vec<usize>, String> {
        Ok(s?.into_iter().map(|e| e * m).chain([0]).collect())
    };
    let sq_st = scaled(broadcast_strides(&q.shape[..qr - 2], &batch), sq * d)?;
    let sk_st = scaled(broadcast_strides(&k.shape[..kr - 2], &batch), sk * d)?;
    let sv_st = scaled(broadcast_strides(&v.shape[..vr - 2], &batch), sk * dv)?;
    let sm_st: Vec<usize> = ms[..nb].iter().copied().chain([0]).collect();
    let (mi, mj) = (ms[nb], ms[nb + 1]);
    let walk: Vec<usize> = batch.iter().copied().chain([1]).collect();

    let mut out: Vec<f32> = Vec::with_capacity(batch.iter().product::<usize>() * sq * dv);
    let mut scores = vec![0f64; sk];
    let mut acc = vec![0f64; dv];
    let shift = sk as i64 - sq as i64;
    for_each_row(&walk, [&sq_st, &sk_st, &sv_st, &sm_st], |[oq, ok, ov, om]| {
        for i in 0..sq {
            let qrow = &qv[oq + i * d..oq + (i + 1) * d];
            let mut max = f64::NEG_INFINITY;
            for (j, s) in scores.iter_mut().enumerate() {
                let keep = match &mask {
                    Mask::Keep(b) => b[om + i * mi + j * mj],
                    _ => true,
                } && !(causal && j as i64 > i as i64 + shift);
                *s = if keep {
                    let krow = &kv[ok + j * d..ok + (j + 1) * d];
                    let dot: f64 = qrow.iter().zip(krow).map(|(&a, &b)| a as f64 * b as f64).sum();
                    let add = match &mask {
                        Mask::Additive(f) => f[om + i * mi + j * mj] as f64,
                        _ => 0.0,
                    };
                    dot * scale + add
                } else {
                    f64::NEG_INFINITY
                };
                if *s > max || s.is_nan() {
                    max = *s;
                }
            }
            acc.iter_mut().for_each(|a| *a = 0.0);
            if max == f64::NEG_INFINITY {
                // Every key is masked: the row attends to nothing and outputs zeros.
                out.extend(acc.iter().map(|_| 0f32));
                continue;
            }
            let mut sum = 0f64;
            for (j, &s) in scores.iter().enumerate() {
                if s == f64::NEG_INFINITY {
                    continue;
                }
                let p = (s - max).exp();
                sum += p;
                let vrow = &vv[ov + j * dv..ov + (j + 1) * dv];
                acc.iter_mut().zip(vrow).for_each(|(a, &x)| *a += p * x as f64);
            }
            out.extend(acc.iter().map(|&a| (a / sum) as f32));
        }
    });
    let mut out_shape = batch;
    out_shape.extend([sq, dv]);
    Ok(Tensor::from_f32(q.dtype, out_shape, out))
}
