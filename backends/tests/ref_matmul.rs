//! MatMul and Gemm of the reference interpreter: hand-computed products, rank-1 promotion,
//! batch broadcasting, empty operands, and random shapes (crossing the kernel's cache blocks)
//! against a naive f64 triple loop.

mod common;

use common::*;
use edgecc_ir::{DType, Op};

fn naive(m: usize, k: usize, n: usize, a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut c = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0f64;
            for p in 0..k {
                s += a[i * k + p] as f64 * b[p * n + j] as f64;
            }
            c[i * n + j] = s as f32;
        }
    }
    c
}

fn a23() -> edgecc_backends::reference::Tensor {
    f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
}

fn b32() -> edgecc_backends::reference::Tensor {
    f(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0])
}

#[test]
fn matmul_2d_and_rank1_promotion() {
    assert_f32(
        &eval1(Op::MatMul, &[&a23(), &b32()]),
        &[2, 2],
        &[58.0, 64.0, 139.0, 154.0],
    );
    let v = f(&[3], &[1.0, 2.0, 3.0]);
    // [3] · [3,2] → [2]; [2,3] · [3] → [2]; [3] · [3] → scalar.
    assert_f32(&eval1(Op::MatMul, &[&v, &b32()]), &[2], &[58.0, 64.0]);
    assert_f32(&eval1(Op::MatMul, &[&a23(), &f(&[3], &[1.0; 3])]), &[2], &[6.0, 15.0]);
    assert_f32(&eval1(Op::MatMul, &[&v, &v]), &[], &[14.0]);
    // [3] · [2,3,2] → [2,2] (the vector broadcasts over the batch).
    let bb = f(
        &[2, 3, 2],
        &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    );
    assert_f32(&eval1(Op::MatMul, &[&v, &bb]), &[2, 2], &[58.0, 64.0, 1.0, 2.0]);
}

#[test]
fn matmul_batch_broadcast() {
    // a[i] = (i + 1) · I (shape [2,1,2,2]), b[j] = B_j (shape [3,2,2]) → out[i][j] = (i + 1) · B_j.
    let a = f(&[2, 1, 2, 2], &[1.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 2.0]);
    let bv: Vec<f32> = (0..12).map(|x| x as f32).collect();
    let b = f(&[3, 2, 2], &bv);
    let out = eval1(Op::MatMul, &[&a, &b]);
    let want: Vec<f32> = (1..=2).flat_map(|s| bv.iter().map(move |&x| s as f32 * x)).collect();
    assert_f32(&out, &[2, 3, 2, 2], &want);
    // Incompatible batch dims.
    let err = eval_err(Op::MatMul, &[&f(&[2, 2, 2], &[0.0; 8]), &f(&[3, 2, 2], &[0.0; 12])]);
    assert!(err.contains("broadcast"), "{err}");
}

#[test]
fn matmul_empty_and_errors() {
    // M = 0 → empty; K = 0 → zeros.
    let e = eval1(Op::MatMul, &[&f(&[0, 3], &[]), &f(&[3, 4], &[1.0; 12])]);
    assert_f32(&e, &[0, 4], &[]);
    let z = eval1(Op::MatMul, &[&f(&[2, 0], &[]), &f(&[0, 3], &[])]);
    assert_f32(&z, &[2, 3], &[0.0; 6]);
    let eb = eval1(Op::MatMul, &[&f(&[0, 2, 3], &[]), &b32()]);
    assert_f32(&eb, &[0, 2, 2], &[]);
    assert!(eval_err(Op::MatMul, &[&a23(), &a23()]).contains("K = 3 vs 2"));
    assert!(eval_err(Op::MatMul, &[&f(&[], &[1.0]), &a23()]).contains("rank"));
    assert!(eval_err(Op::MatMul, &[&a23(), &i(DType::I32, &[3], &[1; 3])]).contains("dtype"));
}

#[test]
fn matmul_integers_and_f16() {
    let a = i(DType::I32, &[2, 2], &[1, 2, 3, 4]);
    let b = i(DType::I32, &[2, 2], &[5, 6, 7, 8]);
    assert_i(&eval1(Op::MatMul, &[&a, &b]), DType::I32, &[2, 2], &[19, 22, 43, 50]);
    // 1 + 2^-11 rounds (ties to even) to 1.0 in f16; 1 + 3·2^-11 to 1 + 2^-9.
    let h = fd(DType::F16, &[2, 2], &[1.0, 1.0 / 2048.0, 1.0, 3.0 / 2048.0]);
    let ones = fd(DType::F16, &[2, 1], &[1.0, 1.0]);
    assert_f(
        &eval1(Op::MatMul, &[&h, &ones]),
        DType::F16,
        &[2, 1],
        &[1.0, 1.0 + 1.0 / 512.0],
        0.0,
    );
}

#[test]
fn matmul_random_37x53x29_matches_naive() {
    let (m, k, n) = (37, 53, 29);
    let a = rand_vec(m * k, 1);
    let b = rand_vec(k * n, 2);
    let out = eval1(Op::MatMul, &[&f(&[m, k], &a), &f(&[k, n], &b)]);
    assert_f(&out, DType::F32, &[m, n], &naive(m, k, n, &a, &b), 1e-5);
}

#[test]
fn matmul_random_across_cache_blocks_batched() {
    // K and N larger than the kernel's blocks (128 × 256), with a broadcast batch.
    let (m, k, n) = (5, 300, 520);
    let a = rand_vec(2 * m * k, 3);
    let b = rand_vec(k * n, 4);
    let out = eval1(Op::MatMul, &[&f(&[2, m, k], &a), &f(&[1, k, n], &b)]);
    let mut want = naive(m, k, n, &a[..m * k], &b);
    want.extend(naive(m, k, n, &a[m * k..], &b));
    assert_f(&out, DType::F32, &[2, m, n], &want, 1e-5);
}

fn gemm(alpha: f32, beta: f32, trans_a: bool, trans_b: bool) -> Op {
    Op::Gemm {
        alpha,
        beta,
        trans_a,
        trans_b,
    }
}

#[test]
fn gemm_alpha_beta_transposes() {
    let a = f(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let b = f(&[2, 2], &[5.0, 6.0, 7.0, 8.0]);
    // A·B = [[19,22],[43,50]]; 2·AB + 0.5·[1,2] (a row broadcast over M).
    let c = f(&[2], &[1.0, 2.0]);
    let y = eval1(gemm(2.0, 0.5, false, false), &[&a, &b, &c]);
    assert_f32(&y, &[2, 2], &[38.5, 45.0, 86.5, 101.0]);
    // Transposed storage gives the same product.
    let at = f(&[2, 2], &[1.0, 3.0, 2.0, 4.0]);
    let bt = f(&[2, 2], &[5.0, 7.0, 6.0, 8.0]);
    let y = eval1(gemm(1.0, 1.0, true, true), &[&at, &bt]);
    assert_f32(&y, &[2, 2], &[19.0, 22.0, 43.0, 50.0]);
    // Non-square with trans_b: [2,3] · [2,3]ᵀ and a scalar C.
    let y = eval1(gemm(1.0, 1.0, false, true), &[&a23(), &a23(), &f(&[], &[-1.0])]);
    assert_f32(&y, &[2, 2], &[13.0, 31.0, 31.0, 76.0]);
    // A column C [2,1].
    let y = eval1(gemm(1.0, 2.0, false, false), &[&a, &b, &f(&[2, 1], &[1.0, -1.0])]);
    assert_f32(&y, &[2, 2], &[21.0, 24.0, 41.0, 48.0]);
    let yi = eval1(
        gemm(1.0, 1.0, false, false),
        &[
            &i(DType::I64, &[1, 2], &[1, 2]),
            &i(DType::I64, &[2, 1], &[3, 4]),
            &i(DType::I64, &[1], &[5]),
        ],
    );
    assert_i(&yi, DType::I64, &[1, 1], &[16]);
    assert!(eval_err(gemm(1.0, 1.0, false, false), &[&a, &b, &f(&[3], &[0.0; 3])]).contains("C"));
    assert!(eval_err(gemm(1.0, 1.0, false, false), &[&a23(), &a23()]).contains("K = 3 vs 2"));
    assert!(eval_err(gemm(1.0, 1.0, false, false), &[&f(&[2], &[0.0; 2]), &a]).contains("2-D"));
}
