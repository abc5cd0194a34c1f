//! Reductions of the reference interpreter: Reduce*, ArgMax/ArgMin, Softmax/LogSoftmax, CumSum.
// Expected values are written with the f64 digits of their reference (Python `math`).
#![allow(clippy::excessive_precision)]

mod common;

use common::*;
use edgecc_ir::{DType, Op, ReduceOp};

fn red(op: ReduceOp, axes: &[i64], keepdims: bool) -> Op {
    Op::Reduce {
        op,
        axes: axes.to_vec(),
        keepdims,
    }
}

fn x23() -> edgecc_backends::reference::Tensor {
    f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
}

#[test]
fn reduce_over_axes_with_keepdims() {
    let x = x23();
    assert_f32(&eval1(red(ReduceOp::Sum, &[1], true), &[&x]), &[2, 1], &[6.0, 15.0]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[-2], false), &[&x]), &[3], &[5.0, 7.0, 9.0]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[], true), &[&x]), &[1, 1], &[21.0]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[], false), &[&x]), &[], &[21.0]);
    assert_f32(&eval1(red(ReduceOp::Mean, &[0], false), &[&x]), &[3], &[2.5, 3.5, 4.5]);
    assert_f32(&eval1(red(ReduceOp::Max, &[-1], false), &[&x]), &[2], &[3.0, 6.0]);
    assert_f32(&eval1(red(ReduceOp::Min, &[0, 1], false), &[&x]), &[], &[1.0]);
    assert_f32(&eval1(red(ReduceOp::Prod, &[1], false), &[&x]), &[2], &[6.0, 120.0]);
    // Non-adjacent axes of a 3-D tensor: x[i][j][k] = 4i + 2j + k, sum over i and k.
    let y = f(&[2, 2, 2], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[0, -1], false), &[&y]), &[2], &[10.0, 18.0]);
    assert_f32(
        &eval1(red(ReduceOp::Max, &[2, 0], true), &[&y]),
        &[1, 2, 1],
        &[5.0, 7.0],
    );
}

#[test]
fn reduce_scalar_and_empty() {
    let s = f(&[], &[4.0]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[], false), &[&s]), &[], &[4.0]);
    let e = f(&[0, 3], &[]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[0], false), &[&e]), &[3], &[0.0; 3]);
    assert_f32(&eval1(red(ReduceOp::Prod, &[0], true), &[&e]), &[1, 3], &[1.0; 3]);
    assert_f32(
        &eval1(red(ReduceOp::Max, &[0], false), &[&e]),
        &[3],
        &[f32::NEG_INFINITY; 3],
    );
    assert_f32(
        &eval1(red(ReduceOp::Min, &[0], false), &[&e]),
        &[3],
        &[f32::INFINITY; 3],
    );
    // The empty mean is 0, as in onnxruntime (the ONNX spec leaves it undefined).
    assert_f32(&eval1(red(ReduceOp::Mean, &[0], false), &[&e]), &[3], &[0.0; 3]);
    // Reducing the non-empty axis of an empty tensor gives an empty result.
    assert_f32(&eval1(red(ReduceOp::Sum, &[1], false), &[&e]), &[0], &[]);
    let ei = i(DType::I32, &[0], &[]);
    assert_i(
        &eval1(red(ReduceOp::Max, &[], false), &[&ei]),
        DType::I32,
        &[],
        &[i32::MIN as i64],
    );
    assert_i(
        &eval1(red(ReduceOp::Min, &[], false), &[&ei]),
        DType::I32,
        &[],
        &[i32::MAX as i64],
    );
}

#[test]
fn reduce_accumulates_in_f64_and_integers_exactly() {
    // In f32, 1e8 + 1 - 1e8 is 0; the f64 accumulator keeps the 1.
    let x = f(&[3], &[1e8, 1.0, -1e8]);
    assert_f32(&eval1(red(ReduceOp::Sum, &[], false), &[&x]), &[], &[1.0]);
    let xi = i(DType::I32, &[2, 2], &[1, 2, -3, -4]);
    assert_i(
        &eval1(red(ReduceOp::Sum, &[1], false), &[&xi]),
        DType::I32,
        &[2],
        &[3, -7],
    );
    // Integer mean truncates toward zero.
    assert_i(
        &eval1(red(ReduceOp::Mean, &[1], false), &[&xi]),
        DType::I32,
        &[2],
        &[1, -3],
    );
    assert_i(
        &eval1(red(ReduceOp::Prod, &[0], false), &[&xi]),
        DType::I32,
        &[2],
        &[-3, -8],
    );
    assert_i(
        &eval1(red(ReduceOp::Max, &[0], true), &[&xi]),
        DType::I32,
        &[1, 2],
        &[1, 2],
    );
    // NaN propagates through Max.
    let n = f(&[3], &[1.0, f32::NAN, 3.0]);
    assert_f32(&eval1(red(ReduceOp::Max, &[0], false), &[&n]), &[], &[f32::NAN]);
    let bt = b(&[2, 2], &[true, false, false, false]);
    assert_b(&eval1(red(ReduceOp::Max, &[1], false), &[&bt]), &[2], &[true, false]);
}

#[test]
fn reduce_rejects_bad_axes() {
    let x = x23();
    assert!(eval_err(red(ReduceOp::Sum, &[2], false), &[&x]).contains("out of range"));
    assert!(eval_err(red(ReduceOp::Sum, &[-3], false), &[&x]).contains("out of range"));
    assert!(eval_err(red(ReduceOp::Sum, &[1, -1], false), &[&x]).contains("twice"));
}

fn arg(max: bool, axis: i64, keepdims: bool, last: bool) -> Op {
    if max {
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index: last,
        }
    } else {
        Op::ArgMin {
            axis,
            keepdims,
            select_last_index: last,
        }
    }
}

#[test]
fn argmax_argmin() {
    let x = f(&[2, 3], &[1.0, 3.0, 3.0, 5.0, 2.0, 5.0]);
    assert_i(&eval1(arg(true, 1, false, false), &[&x]), DType::I64, &[2], &[1, 0]);
    assert_i(&eval1(arg(true, 1, false, true), &[&x]), DType::I64, &[2], &[2, 2]);
    assert_i(
        &eval1(arg(true, -2, true, false), &[&x]),
        DType::I64,
        &[1, 3],
        &[1, 0, 1],
    );
    assert_i(&eval1(arg(false, -1, true, false), &[&x]), DType::I64, &[2, 1], &[0, 1]);
    let t = f(&[4], &[2.0, 1.0, 1.0, 3.0]);
    assert_i(&eval1(arg(false, 0, false, false), &[&t]), DType::I64, &[], &[1]);
    assert_i(&eval1(arg(false, 0, false, true), &[&t]), DType::I64, &[], &[2]);
    // NaN counts as the extremum (numpy).
    let n = f(&[3], &[1.0, f32::NAN, 3.0]);
    assert_i(&eval1(arg(true, 0, false, false), &[&n]), DType::I64, &[], &[1]);
    assert_i(&eval1(arg(false, 0, false, false), &[&n]), DType::I64, &[], &[1]);
    let xi = i(DType::I32, &[3], &[-1, 7, 7]);
    assert_i(&eval1(arg(true, 0, true, false), &[&xi]), DType::I64, &[1], &[1]);
    // Empty outer extent is fine; an empty reduced axis is not.
    let e = f(&[0, 3], &[]);
    assert_i(&eval1(arg(true, 1, false, false), &[&e]), DType::I64, &[0], &[]);
    assert!(eval_err(arg(true, 0, false, false), &[&e]).contains("extent 0"));
    assert!(eval_err(arg(true, 2, false, false), &[&e]).contains("out of range"));
}

#[test]
fn softmax_and_log_softmax() {
    let x = f(&[3], &[1.0, 2.0, 3.0]);
    let s = eval1(Op::Softmax { axis: 0 }, &[&x]);
    assert_f32(
        &s,
        &[3],
        &[0.09003057317038046, 0.24472847105479764, 0.6652409557748219],
    );
    let l = eval1(Op::LogSoftmax { axis: -1 }, &[&x]);
    assert_f32(
        &l,
        &[3],
        &[-2.4076059644443806, -1.4076059644443806, -0.40760596444438063],
    );
    // Along a non-last axis (axis 0 == -2 of a [2,2]).
    let y = f(&[2, 2], &[1.0, 1.0, 2.0, 3.0]);
    let want = [
        0.2689414213699951,
        0.11920292202211755,
        0.7310585786300049,
        0.8807970779778823,
    ];
    assert_f32(&eval1(Op::Softmax { axis: -2 }, &[&y]), &[2, 2], &want);
    assert_f32(&eval1(Op::Softmax { axis: 0 }, &[&y]), &[2, 2], &want);
    // Stable for large inputs.
    let big = f(&[2], &[1000.0, 1001.0]);
    assert_f32(
        &eval1(Op::Softmax { axis: 0 }, &[&big]),
        &[2],
        &[0.2689414213699951, 0.7310585786300049],
    );
    let ls = eval1(Op::LogSoftmax { axis: 0 }, &[&f(&[2], &[1000.0, 1000.0])]);
    assert_f32(&ls, &[2], &[-std::f32::consts::LN_2, -std::f32::consts::LN_2]);
    let e = eval1(Op::Softmax { axis: 1 }, &[&f(&[0, 3], &[])]);
    assert_f32(&e, &[0, 3], &[]);
    assert!(eval_err(Op::Softmax { axis: 0 }, &[&i(DType::I32, &[1], &[1])]).contains("float"));
    assert!(eval_err(Op::Softmax { axis: 2 }, &[&y]).contains("out of range"));
}

fn cs(axis: i64, exclusive: bool, reverse: bool) -> Op {
    Op::CumSum {
        axis,
        exclusive,
        reverse,
    }
}

#[test]
fn cumsum_variants() {
    let x = f(&[4], &[1.0, 2.0, 3.0, 4.0]);
    assert_f32(&eval1(cs(0, false, false), &[&x]), &[4], &[1.0, 3.0, 6.0, 10.0]);
    assert_f32(&eval1(cs(0, true, false), &[&x]), &[4], &[0.0, 1.0, 3.0, 6.0]);
    assert_f32(&eval1(cs(0, false, true), &[&x]), &[4], &[10.0, 9.0, 7.0, 4.0]);
    assert_f32(&eval1(cs(-1, true, true), &[&x]), &[4], &[9.0, 7.0, 4.0, 0.0]);
    let m = i(DType::I32, &[2, 2], &[1, 2, 3, 4]);
    assert_i(&eval1(cs(-2, false, false), &[&m]), DType::I32, &[2, 2], &[1, 2, 4, 6]);
    assert_i(&eval1(cs(1, false, false), &[&m]), DType::I32, &[2, 2], &[1, 3, 3, 7]);
    assert_f32(&eval1(cs(0, false, false), &[&f(&[0], &[])]), &[0], &[]);
    assert!(eval_err(cs(1, false, false), &[&x]).contains("out of range"));
}
