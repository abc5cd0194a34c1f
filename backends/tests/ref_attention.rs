//! Attention of the reference interpreter against an explicit f64 computation written out here
//! (per-batch index arithmetic, no shared helpers), with and without masks and causality, plus a
//! hand-computed case.
// Expected values are written with the f64 digits of their reference (Python `math`).
#![allow(clippy::excessive_precision)]

mod common;

use common::*;
use edgecc_backends::reference::Tensor;
use edgecc_ir::{DType, Op};

enum Mask<'a> {
    Add(&'a Tensor),
    Keep(&'a Tensor),
}

/// Offset into a row-major tensor of `shape` for the right-aligned multi-index `idx`,
/// treating extent-1 axes as broadcast.
fn offset(shape: &[usize], idx: &[usize]) -> usize {
    let off = idx.len() - shape.len();
    let mut o = 0;
    for (a, &d) in shape.iter().enumerate() {
        let i = if d == 1 { 0 } else { idx[off + a] };
        o = o * d + i;
    }
    o
}

/// softmax(q kᵀ scale + mask) v in f64; fully masked rows give zeros.
fn reference(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<Mask>,
    scale: Option<f64>,
    causal: bool,
) -> (Vec<usize>, Vec<f32>) {
    let (qr, kr, vr) = (q.shape.len(), k.shape.len(), v.shape.len());
    let (sq, d) = (q.shape[qr - 2], q.shape[qr - 1]);
    let sk = k.shape[kr - 2];
    let dv = v.shape[vr - 1];
    let nb = (qr - 2).max(kr - 2).max(vr - 2);
    let mut batch = vec![1usize; nb];
    for s in [&q.shape[..qr - 2], &k.shape[..kr - 2], &v.shape[..vr - 2]] {
        for (a, &e) in s.iter().enumerate() {
            let o = &mut batch[nb - s.len() + a];
            *o = (*o).max(e);
        }
    }
    let scale = scale.unwrap_or(1.0 / (d as f64).sqrt());
    let (qv, kv, vv) = (q.floats().unwrap(), k.floats().unwrap(), v.floats().unwrap());
    let nbatch: usize = batch.iter().product();
    let mut out = Vec::new();
    for bi in 0..nbatch {
        let mut idx = vec![0usize; nb];
        let mut r = bi;
        for a in (0..nb).rev() {
            idx[a] = r % batch[a];
            r /= batch[a];
        }
        let qo = offset(&q.shape[..qr - 2], &idx) * sq * d;
        let ko = offset(&k.shape[..kr - 2], &idx) * sk * d;
        let vo = offset(&v.shape[..vr - 2], &idx) * sk * dv;
        for i in 0..sq {
            let mut s: Vec<Option<f64>> = Vec::new();
            for j in 0..sk {
                let mut full = idx.clone();
                full.extend([i, j]);
                let mut x: f64 = (0..d)
                    .map(|t| qv[qo + i * d + t] as f64 * kv[ko + j * d + t] as f64)
                    .sum();
                x *= scale;
                let mut keep = !(causal && j as i64 > i as i64 + sk as i64 - sq as i64);
                match &mask {
                    Some(Mask::Add(m)) => x += m.floats().unwrap()[offset(&m.shape, &full)] as f64,
                    Some(Mask::Keep(m)) => keep &= m.bools().unwrap()[offset(&m.shape, &full)],
                    None => {}
                }
                s.push(if keep && x != f64::NEG_INFINITY { Some(x) } else { None });
            }
            let max = s.iter().flatten().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let z: f64 = s.iter().flatten().map(|&x| (x - max).exp()).sum();
            for c in 0..dv {
                let o: f64 = s
                    .iter()
                    .enumerate()
                    .filter_map(|(j, x)| x.map(|x| (x - max).exp() / z * vv[vo + j * dv + c] as f64))
                    .sum();
                out.push(if z == 0.0 { 0.0 } else { o as f32 });
            }
        }
    }
    batch.extend([sq, dv]);
    (batch, out)
}

fn check(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<Mask>, scale: Option<f32>, causal: bool) {
    let m = match &mask {
        Some(Mask::Add(t)) | Some(Mask::Keep(t)) => Some(*t),
        None => None,
    };
    let mut ins = vec![q, k, v];
    ins.extend(m);
    let got = eval1(Op::Attention { scale, causal }, &ins);
    let (shape, want) = reference(q, k, v, mask, scale.map(|s| s as f64), causal);
    assert_f(&got, DType::F32, &shape, &want, 1e-5);
}

fn rt(shape: &[usize], seed: u64) -> Tensor {
    f(shape, &rand_vec(shape.iter().product(), seed))
}

#[test]
fn hand_computed_two_keys() {
    // Scores [1, 0] → weights [e/(1+e), 1/(1+e)] = [0.7310586, 0.2689414].
    let q = f(&[1, 2], &[1.0, 0.0]);
    let k = f(&[2, 2], &[1.0, 0.0, 0.0, 1.0]);
    let v = f(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let y = eval1(
        Op::Attention {
            scale: Some(1.0),
            causal: false,
        },
        &[&q, &k, &v],
    );
    let p = 0.7310585786300049f32;
    assert_f32(&y, &[1, 2], &[p + 3.0 * (1.0 - p), 2.0 * p + 4.0 * (1.0 - p)]);
}

#[test]
fn unmasked_matches_f64() {
    let (q, k, v) = (rt(&[1, 2, 3, 4], 1), rt(&[1, 2, 5, 4], 2), rt(&[1, 2, 5, 6], 3));
    check(&q, &k, &v, None, None, false);
    check(&q, &k, &v, None, Some(0.3), false);
}

#[test]
fn additive_and_bool_masks_match_f64() {
    let (q, k, v) = (rt(&[2, 3, 4], 4), rt(&[2, 5, 4], 5), rt(&[2, 5, 3], 6));
    // A [3,5] additive mask broadcast over the batch, with a -inf entry.
    let mut mv = rand_vec(15, 7);
    mv[4] = f32::NEG_INFINITY;
    let add = f(&[3, 5], &mv);
    check(&q, &k, &v, Some(Mask::Add(&add)), None, false);
    // A per-batch key-padding keep-mask [2,1,5].
    let keep = b(
        &[2, 1, 5],
        &[true, true, true, false, false, true, false, true, true, true],
    );
    check(&q, &k, &v, Some(Mask::Keep(&keep)), None, false);
    // Combined with causality.
    check(&q, &k, &v, Some(Mask::Keep(&keep)), Some(0.7), true);
}

#[test]
fn causal_matches_f64() {
    // Sq < Sk: key j is masked when j > i + 2.
    let (q, k, v) = (rt(&[2, 3, 4], 8), rt(&[2, 5, 4], 9), rt(&[2, 5, 2], 10));
    check(&q, &k, &v, None, None, true);
    // Square, explicit scale.
    let (q, k, v) = (rt(&[1, 4, 8], 11), rt(&[1, 4, 8], 12), rt(&[1, 4, 8], 13));
    check(&q, &k, &v, None, Some(0.5), true);
    // The first query row sees only key 0, so its output is v[0].
    let y = eval1(
        Op::Attention {
            scale: None,
            causal: true,
        },
        &[&q, &k, &v],
    );
    assert_f32(&f(&[8], &y.floats().unwrap()[..8]), &[8], &v.floats().unwrap()[..8]);
}

#[test]
fn batch_dims_broadcast() {
    // q [2,1,3,4] with k, v [1,2,5,4] → [2,2,3,4].
    let (q, k, v) = (rt(&[2, 1, 3, 4], 14), rt(&[1, 2, 5, 4], 15), rt(&[1, 2, 5, 4], 16));
    check(&q, &k, &v, None, None, false);
    let mask = f(&[2, 1, 1, 5], &rand_vec(10, 17));
    check(&q, &k, &v, Some(Mask::Add(&mask)), None, true);
}

#[test]
fn fully_masked_rows_are_zero() {
    let (q, k, v) = (rt(&[2, 4], 18), rt(&[3, 4], 19), rt(&[3, 2], 20));
    let keep = b(&[2, 3], &[false, false, false, true, false, true]);
    let y = eval1(
        Op::Attention {
            scale: None,
            causal: false,
        },
        &[&q, &k, &v, &keep],
    );
    let fl = y.floats().unwrap();
    assert_eq!(&fl[..2], &[0.0, 0.0]);
    assert!(fl.iter().all(|x| x.is_finite()));
    check(&q, &k, &v, Some(Mask::Keep(&keep)), None, false);
    let add = f(&[3], &[f32::NEG_INFINITY; 3]);
    let y = eval1(
        Op::Attention {
            scale: None,
            causal: false,
        },
        &[&q, &k, &v, &add],
    );
    assert_f32(&y, &[2, 2], &[0.0; 4]);
    // Sk = 0: nothing to attend to.
    let y = eval1(
        Op::Attention {
            scale: None,
            causal: false,
        },
        &[&q, &f(&[0, 4], &[]), &f(&[0, 2], &[])],
    );
    assert_f32(&y, &[2, 2], &[0.0; 4]);
}

#[test]
fn attention_errors_and_empty() {
    let (q, k, v) = (rt(&[2, 4], 21), rt(&[3, 4], 22), rt(&[3, 2], 23));
    let op = Op::Attention {
        scale: None,
        causal: false,
    };
    assert!(eval_err(op.clone(), &[&q, &rt(&[3, 5], 1), &v]).contains("head size"));
    assert!(eval_err(op.clone(), &[&q, &k, &rt(&[4, 2], 1)]).contains("keys"));
    assert!(eval_err(op.clone(), &[&q, &k, &v, &i(DType::I32, &[3], &[0; 3])]).contains("float or bool"));
    assert!(eval_err(op.clone(), &[&q, &k, &v, &f(&[4], &[0.0; 4])]).contains("broadcast"));
    assert!(eval_err(op.clone(), &[&f(&[4], &[0.0; 4]), &k, &v]).contains("rank"));
    let y = eval1(op, &[&f(&[0, 2, 4], &[]), &k, &v]);
    assert_f32(&y, &[0, 2, 2], &[]);
}
