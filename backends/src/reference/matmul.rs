//! `MatMul` (batched, broadcasting, rank-1 promotion) and `Gemm`.
//!
//! The f32 kernel is a cache-blocked i-k-j loop over contiguous rows (accumulating in f32): a
//! block of `B` (`KB` rows × `NB` columns) stays in cache while every row of `A` streams through
//! it, and the innermost loop is a contiguous `c_row += a_ik * b_row` that the compiler
//! vectorizes. f16/bf16 compute in f32 and round the result; integers wrap in i64.

use super::broadcast::{broadcast_shapes, broadcast_strides, expand, for_each_row};
use super::tensor::{Data, Tensor};
use std::ops::{AddAssign, Mul};

const KB: usize = 128;
const NB: usize = 256;

/// `c[m×n] += a[m×k] · b[k×n]`, all row-major and contiguous.
pub fn gemm_acc<T: Copy + AddAssign + Mul<Output = T>>(m: usize, k: usize, n: usize, a: &[T], b: &[T], c: &mut [T]) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    for j0 in (0..n).step_by(NB) {
        let j1 = (j0 + NB).min(n);
        for k0 in (0..k).step_by(KB) {
            let k1 = (k0 + KB).min(k);
            for i in 0..m {
                let crow = &mut c[i * n + j0..i * n + j1];
                let arow = &a[i * k + k0..i * k + k1];
                for (kk, &aik) in arow.iter().enumerate() {
                    let r = (k0 + kk) * n;
                    for (cv, &bv) in crow.iter_mut().zip(&b[r + j0..r + j1]) {
                        *cv += aik * bv;
                    }
                }
            }
        }
    }
}

/// Wrapping i64 `c += a · b` (integers are rare in matmuls; no blocking).
fn gemm_acc_i64(m: usize, k: usize, n: usize, a: &[i64], b: &[i64], c: &mut [i64]) {
    for i in 0..m {
        for kk in 0..k {
            let aik = a[i * k + kk];
            let crow = &mut c[i * n..(i + 1) * n];
            for (cv, &bv) in crow.iter_mut().zip(&b[kk * n..(kk + 1) * n]) {
                *cv = cv.wrapping_add(aik.wrapping_mul(bv));
            }
        }
    }
}

/// One `(a_offset, b_offset)` pair per batch element.
pub type BatchOffsets = Vec<(usize, usize)>;

/// Batch offsets (in elements) of two operands whose batch shapes broadcast together; returns
/// the broadcast batch shape and one `(a_offset, b_offset)` per batch element.
pub fn batch_offsets(
    a_batch: &[usize],
    a_mat: usize,
    b_batch: &[usize],
    b_mat: usize,
) -> Result<(Vec<usize>, BatchOffsets), String> {
    let batch = broadcast_shapes(a_batch, b_batch)?;
    let scale = |s: Vec<usize>, m: usize| -> Vec<usize> { s.into_iter().map(|e| e * m).chain([0]).collect() };
    let sa = scale(broadcast_strides(a_batch, &batch)?, a_mat);
    let sb = scale(broadcast_strides(b_batch, &batch)?, b_mat);
    let walk: Vec<usize> = batch.iter().copied().chain([1]).collect();
    let mut offs = Vec::new();
    for_each_row(&walk, [&sa, &sb], |[oa, ob]| offs.push((oa, ob)));
    Ok((batch, offs))
}

/// numpy `matmul`.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    if a.dtype != b.dtype {
        return Err(format!(
            "MatMul needs inputs of the same dtype, got {} and {}",
            a.dtype, b.dtype
        ));
    }
    if a.shape.is_empty() || b.shape.is_empty() {
        return Err(format!(
            "MatMul needs inputs of rank >= 1, got shapes {:?} and {:?}",
            a.shape, b.shape
        ));
    }
    let a_vec = a.shape.len() == 1;
    let b_vec = b.shape.len() == 1;
    let ash: Vec<usize> = if a_vec { vec![1, a.shape[0]] } else { a.shape.clone() };
    let bsh: Vec<usize> = if b_vec { vec![b.shape[0], 1] } else { b.shape.clone() };
    let (ar, br) = (ash.len(), bsh.len());
    let (m, k) = (ash[ar - 2], ash[ar - 1]);
    let (k2, n) = (bsh[br - 2], bsh[br - 1]);
    if k != k2 {
        return Err(format!(
            "MatMul: inner extents differ: {:?} · {:?} (K = {k} vs {k2})",
            a.shape, b.shape
        ));
    }
    let (batch, offs) = batch_offsets(&ash[..ar - 2], m * k, &bsh[..br - 2], k * n)?;
    let mut out_shape = batch.clone();
    if !a_vec {
        out_shape.push(m);
    }
    if !b_vec {
        out_shape.push(n);
    }
    let total = offs.len() * m * n;
    match (&a.data, &b.data) {
        (Data::F(av), Data::F(bv)) => {
            let mut out = vec![0f32; total];
            for (bi, &(oa, ob)) in offs.iter().enumerate() {
                let c = &mut out[bi * m * n..(bi + 1) * m * n];
                gemm_acc(m, k, n, &av[oa..oa + m * k], &bv[ob..ob + k * n], c);
            }
            Ok(Tensor::from_f32(a.dtype, out_shape, out))
        }
        (Data::I(av), Data::I(bv)) => {
            let mut out = vec![0i64; total];
            for (bi, &(oa, ob)) in offs.iter().enumerate() {
                let c = &mut out[bi * m * n..(bi + 1) * m * n];
                gemm_acc_i64(m, k, n, &av[oa..oa + m * k], &bv[ob..ob + k * n], c);
            }
            Ok(Tensor::from_i64(a.dtype, out_shape, out))
        }
        _ => Err(format!("MatMul is not defined for dtype {}", a.dtype)),
    }
}

fn transpose2<T: Copy>(v: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    for j in 0..cols {
        out.extend((0..rows).map(|i| v[i * cols + j]));
    }
    out
}

/// `alpha * op(a) · op(b) + beta * c` for 2-D `a`, `b`; `c` broadcasts to `[M, N]`.
pub fn gemm(
    a: &Tensor,
    b: &Tensor,
    c: Option<&Tensor>,
    alpha: f32,
    beta: f32,
    ta: bool,
    tb: bool,
) -> Result<Tensor, String> {
    if a.shape.len() != 2 || b.shape.len() != 2 {
        return Err(format!(
            "Gemm needs 2-D inputs, got shapes {:?} and {:?}",
            a.shape, b.shape
        ));
    }
    if a.dtype != b.dtype || c.is_some_and(|c| c.dtype != a.dtype) {
        return Err(format!(
            "Gemm needs inputs of one dtype, got {} and {}",
            a.dtype, b.dtype
        ));
    }
    let (m, k) = if ta {
        (a.shape[1], a.shape[0])
    } else {
        (a.shape[0], a.shape[1])
    };
    let (k2, n) = if tb {
        (b.shape[1], b.shape[0])
    } else {
        (b.shape[0], b.shape[1])
    };
    if k != k2 {
        return Err(format!(
            "Gemm: inner extents differ (K = {k} vs {k2}) for shapes {:?}{} and {:?}{}",
            a.shape,
            if ta { "ᵀ" } else { "" },
            b.shape,
            if tb { "ᵀ" } else { "" }
        ));
    }
    let out_shape = vec![m, n];
    match (&a.data, &b.data) {
        (Data::F(av), Data::F(bv)) => {
            let at = if ta {
                transpose2(av, a.shape[0], a.shape[1])
            } else {
                av.clone()
            };
            let bt = if tb {
                transpose2(bv, b.shape[0], b.shape[1])
            } else {
                bv.clone()
            };
            let mut out = vec![0f32; m * n];
            gemm_acc(m, k, n, &at, &bt, &mut out);
            if alpha != 1.0 {
                out.iter_mut().for_each(|e| *e *= alpha);
            }
            if let Some(c) = c {
                let cv =
                    expand(c.floats().unwrap_or(&[]), &c.shape, &out_shape).map_err(|e| format!("Gemm's C: {e}"))?;
                out.iter_mut().zip(&cv).for_each(|(o, &ce)| *o += beta * ce);
            }
            Ok(Tensor::from_f32(a.dtype, out_shape, out))
        }
        (Data::I(av), Data::I(bv)) => {
            let at = if ta {
                transpose2(av, a.shape[0], a.shape[1])
            } else {
                av.clone()
            };
            let bt = if tb {
                transpose2(bv, b.shape[0], b.shape[1])
            } else {
                bv.clone()
            };
            let mut out = vec![0i64; m * n];
            gemm_acc_i64(m, k, n, &at, &bt, &mut out);
            let cv = match c {
                Some(c) => {
                    expand(c.ints().unwrap_or(&[]), &c.shape, &out_shape).map_err(|e| format!("Gemm's C: {e}"))?
                }
                None => vec![0; m * n],
            };
            let (al, be) = (alpha as f64, beta as f64);
            let out = out
                .iter()
                .zip(&cv)
                .map(|(&o, &ce)| {
                    if alpha == 1.0 && beta == 1.0 {
                        o.wrapping_add(ce)
                    } else {
                        (al * o as f64 + be * ce as f64) as i64
                    }
                })
                .collect();
            Ok(Tensor::from_i64(a.dtype, out_shape, out))
        }
        _ => Err(format!("Gemm is not defined for dtype {}", a.dtype)),
    }
}
