//! Trilu and TopK of the reference interpreter.

mod common;

use common::*;
use edgecc_ir::{DType, Op};

fn m34() -> edgecc_backends::reference::Tensor {
    f(&[3, 4], &(1..=12).map(|x| x as f32).collect::<Vec<_>>())
}

#[test]
fn trilu_upper_and_lower() {
    let x = m34();
    #[rustfmt::skip]
    let up0 = [1.0, 2.0, 3.0, 4.0,
               0.0, 6.0, 7.0, 8.0,
               0.0, 0.0, 11.0, 12.0];
    assert_f32(&eval1(Op::Trilu { upper: true, k: 0 }, &[&x]), &[3, 4], &up0);
    #[rustfmt::skip]
    let up1 = [0.0, 2.0, 3.0, 4.0,
               0.0, 0.0, 7.0, 8.0,
               0.0, 0.0, 0.0, 12.0];
    assert_f32(&eval1(Op::Trilu { upper: true, k: 1 }, &[&x]), &[3, 4], &up1);
    #[rustfmt::skip]
    let lo_m1 = [0.0, 0.0, 0.0, 0.0,
                 5.0, 0.0, 0.0, 0.0,
                 9.0, 10.0, 0.0, 0.0];
    assert_f32(&eval1(Op::Trilu { upper: false, k: -1 }, &[&x]), &[3, 4], &lo_m1);
    #[rustfmt::skip]
    let lo0 = [1.0, 0.0, 0.0, 0.0,
               5.0, 6.0, 0.0, 0.0,
               9.0, 10.0, 11.0, 0.0];
    assert_f32(&eval1(Op::Trilu { upper: false, k: 0 }, &[&x]), &[3, 4], &lo0);
    // k beyond the matrix keeps everything (lower) or nothing (upper).
    assert_f32(&eval1(Op::Trilu { upper: true, k: 10 }, &[&x]), &[3, 4], &[0.0; 12]);
}

#[test]
fn trilu_batched_ints_bools_empty() {
    let x = i(DType::I32, &[2, 2, 2], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_i(
        &eval1(Op::Trilu { upper: false, k: 0 }, &[&x]),
        DType::I32,
        &[2, 2, 2],
        &[1, 0, 3, 4, 5, 0, 7, 8],
    );
    let bt = b(&[2, 2], &[true; 4]);
    assert_b(
        &eval1(Op::Trilu { upper: true, k: 0 }, &[&bt]),
        &[2, 2],
        &[true, true, false, true],
    );
    assert_f32(
        &eval1(Op::Trilu { upper: true, k: 0 }, &[&f(&[0, 3], &[])]),
        &[0, 3],
        &[],
    );
    assert_f32(
        &eval1(Op::Trilu { upper: true, k: 0 }, &[&f(&[3, 0], &[])]),
        &[3, 0],
        &[],
    );
    assert!(eval_err(Op::Trilu { upper: true, k: 0 }, &[&f(&[3], &[0.0; 3])]).contains("rank"));
}

fn topk(k: u64, axis: i64, largest: bool) -> Op {
    Op::TopK { k, axis, largest }
}

#[test]
fn topk_values_and_indices() {
    let x = f(&[5], &[1.0, 3.0, 2.0, 3.0, 0.0]);
    let out = eval(topk(2, 0, true), &[&x]);
    assert_f32(&out[0], &[2], &[3.0, 3.0]);
    // Ties: lower index first.
    assert_i(&out[1], DType::I64, &[2], &[1, 3]);
    let out = eval(topk(3, -1, false), &[&x]);
    assert_f32(&out[0], &[3], &[0.0, 1.0, 2.0]);
    assert_i(&out[1], DType::I64, &[3], &[4, 0, 2]);
    // Along axis 0 (= -2) of a [3,2].
    let y = f(&[3, 2], &[1.0, 5.0, 4.0, 2.0, 3.0, 3.0]);
    let out = eval(topk(2, -2, true), &[&y]);
    assert_f32(&out[0], &[2, 2], &[4.0, 5.0, 3.0, 3.0]);
    assert_i(&out[1], DType::I64, &[2, 2], &[1, 0, 2, 2]);
    // NaN counts as the largest.
    let n = eval(topk(1, 0, true), &[&f(&[3], &[1.0, f32::NAN, 2.0])]);
    assert_f32(&n[0], &[1], &[f32::NAN]);
    assert_i(&n[1], DType::I64, &[1], &[1]);
    // Integers, smallest first.
    let xi = i(DType::I32, &[4], &[4, -1, 7, -1]);
    let out = eval(topk(3, 0, false), &[&xi]);
    assert_i(&out[0], DType::I32, &[3], &[-1, -1, 4]);
    assert_i(&out[1], DType::I64, &[3], &[1, 3, 0]);
}

#[test]
fn topk_empty_and_errors() {
    let x = f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let out = eval(topk(0, 1, true), &[&x]);
    assert_f32(&out[0], &[2, 0], &[]);
    assert_i(&out[1], DType::I64, &[2, 0], &[]);
    let out = eval(topk(2, 1, true), &[&f(&[0, 3], &[])]);
    assert_f32(&out[0], &[0, 2], &[]);
    assert!(eval_err(topk(4, 1, true), &[&x]).contains("larger"));
    assert!(eval_err(topk(1, 2, true), &[&x]).contains("out of range"));
}
