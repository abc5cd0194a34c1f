//! Helpers shared by the reference-interpreter tests: tensor constructors, one-op evaluation and
//! tolerance checks.
#![allow(dead_code)]

use edgecc_backends::reference::eval::eval_op;
use edgecc_backends::reference::Tensor;
use edgecc_ir::{DType, Op};

pub fn f(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(DType::F32, shape.to_vec(), v.to_vec())
}

pub fn fd(dtype: DType, shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(dtype, shape.to_vec(), v.to_vec())
}

pub fn i(dtype: DType, shape: &[usize], v: &[i64]) -> Tensor {
    Tensor::from_i64(dtype, shape.to_vec(), v.to_vec())
}

pub fn b(shape: &[usize], v: &[bool]) -> Tensor {
    Tensor::from_bool(shape.to_vec(), v.to_vec())
}

/// Evaluates `op` on `inputs`, panicking with the error (tests only).
pub fn eval(op: Op, inputs: &[&Tensor]) -> Vec<Tensor> {
    eval_op(&op, inputs, &[]).unwrap_or_else(|e| panic!("{} failed: {e}", op.name()))
}

/// Evaluates a single-output op.
pub fn eval1(op: Op, inputs: &[&Tensor]) -> Tensor {
    let mut out = eval(op, inputs);
    assert_eq!(out.len(), 1);
    out.remove(0)
}

/// The error message of an op that must fail.
pub fn eval_err(op: Op, inputs: &[&Tensor]) -> String {
    match eval_op(&op, inputs, &[]) {
        Ok(t) => panic!("{} should fail, got {t:?}", op.name()),
        Err(e) => e,
    }
}

/// Asserts a float tensor's dtype, shape and values (absolute + relative tolerance; NaN matches NaN).
pub fn assert_f(t: &Tensor, dtype: DType, shape: &[usize], want: &[f32], tol: f32) {
    assert_eq!(t.dtype, dtype, "dtype");
    assert_eq!(t.shape, shape, "shape");
    let got = t.floats().unwrap_or_else(|| panic!("not a float tensor: {t:?}"));
    assert_eq!(got.len(), want.len(), "element count");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * (1.0 + w.abs());
        assert!(ok, "element {k}: got {g}, want {w} (all: {got:?})");
    }
}

/// Asserts an f32 tensor's shape and values.
pub fn assert_f32(t: &Tensor, shape: &[usize], want: &[f32]) {
    assert_f(t, DType::F32, shape, want, 1e-6);
}

pub fn assert_i(t: &Tensor, dtype: DType, shape: &[usize], want: &[i64]) {
    assert_eq!(t.dtype, dtype, "dtype");
    assert_eq!(t.shape, shape, "shape");
    assert_eq!(t.ints().unwrap_or_else(|| panic!("not an int tensor: {t:?}")), want);
}

pub fn assert_b(t: &Tensor, shape: &[usize], want: &[bool]) {
    assert_eq!(t.dtype, DType::Bool, "dtype");
    assert_eq!(t.shape, shape, "shape");
    assert_eq!(t.bools().unwrap_or_else(|| panic!("not a bool tensor: {t:?}")), want);
}

/// Deterministic pseudo-random floats in [-1, 1) (64-bit LCG).
pub fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}
