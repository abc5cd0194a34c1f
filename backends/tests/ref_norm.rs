//! Normalizations of the reference interpreter, against hand-computed values (epsilon 0 where
//! the arithmetic should stay exact, a nonzero epsilon where its effect is checked).
// Expected values are written with the f64 digits of their reference (Python `math`).
#![allow(clippy::excessive_precision)]

mod common;

use common::*;
use edgecc_ir::{DType, Op};

const R32: f32 = 1.224_744_9; // 1 / sqrt(2/3)

#[test]
fn layer_norm_last_axis() {
    let x = f(&[2, 3], &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0]);
    let ones = f(&[3], &[1.0, 1.0, 1.0]);
    let op = Op::LayerNorm { axis: -1, epsilon: 0.0 };
    let y = eval1(op.clone(), &[&x, &ones]);
    assert_f(&y, DType::F32, &[2, 3], &[-R32, 0.0, R32, -R32, 0.0, R32], 1e-6);
    let scale = f(&[3], &[1.0, 2.0, 3.0]);
    let bias = f(&[3], &[0.5, 0.0, -0.5]);
    let y = eval1(op, &[&x, &scale, &bias]);
    let want = [-R32 + 0.5, 0.0, 3.0 * R32 - 0.5, -R32 + 0.5, 0.0, 3.0 * R32 - 0.5];
    assert_f(&y, DType::F32, &[2, 3], &want, 1e-6);
    // Epsilon: x = [1, -1] has variance 1; with epsilon 1 the divisor is sqrt 2.
    let y = eval1(
        Op::LayerNorm { axis: 0, epsilon: 1.0 },
        &[&f(&[2], &[1.0, -1.0]), &f(&[2], &[1.0, 1.0])],
    );
    assert_f32(
        &y,
        &[2],
        &[std::f32::consts::FRAC_1_SQRT_2, -std::f32::consts::FRAC_1_SQRT_2],
    );
}

#[test]
fn layer_norm_over_two_axes_with_broadcast_scale() {
    // Normalize [1,2,3,4] (mean 2.5, variance 1.25) over axes 1..3 of a [1,2,2].
    let x = f(&[1, 2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let k = 1.0 / 1.25f32.sqrt();
    let base = [-1.5 * k, -0.5 * k, 0.5 * k, 1.5 * k];
    let y = eval1(Op::LayerNorm { axis: 1, epsilon: 0.0 }, &[&x, &f(&[2, 2], &[1.0; 4])]);
    assert_f(&y, DType::F32, &[1, 2, 2], &base, 1e-6);
    // A [2] scale broadcasts over the normalized [2, 2].
    let y = eval1(Op::LayerNorm { axis: -2, epsilon: 0.0 }, &[&x, &f(&[2], &[1.0, 2.0])]);
    let want = [base[0], 2.0 * base[1], base[2], 2.0 * base[3]];
    assert_f(&y, DType::F32, &[1, 2, 2], &want, 1e-6);
    // Scale that does not broadcast, bad axis, empty input.
    assert!(eval_err(Op::LayerNorm { axis: 1, epsilon: 0.0 }, &[&x, &f(&[3], &[1.0; 3])]).contains("scale"));
    assert!(eval_err(Op::LayerNorm { axis: 3, epsilon: 0.0 }, &[&x, &f(&[1], &[1.0])]).contains("out of range"));
    let e = eval1(
        Op::LayerNorm {
            axis: -1,
            epsilon: 1e-5,
        },
        &[&f(&[0, 3], &[]), &f(&[3], &[1.0; 3])],
    );
    assert_f32(&e, &[0, 3], &[]);
}

#[test]
fn rms_norm() {
    // [3, 4]: mean of squares 12.5.
    let x = f(&[1, 2], &[3.0, 4.0]);
    let r = 12.5f32.sqrt();
    let y = eval1(Op::RmsNorm { axis: -1, epsilon: 0.0 }, &[&x, &f(&[2], &[1.0, 0.5])]);
    assert_f(&y, DType::F32, &[1, 2], &[3.0 / r, 0.5 * 4.0 / r], 1e-6);
    // Epsilon 3.5 makes the divisor exactly 4.
    let y = eval1(Op::RmsNorm { axis: 1, epsilon: 3.5 }, &[&x, &f(&[2], &[1.0, 1.0])]);
    assert_f32(&y, &[1, 2], &[0.75, 1.0]);
    // f16 output is rounded: 3/sqrt(12.5) = 0.848528... → f16 0.8486328125.
    let xh = fd(DType::F16, &[2], &[3.0, 4.0]);
    let y = eval1(
        Op::RmsNorm { axis: 0, epsilon: 0.0 },
        &[&xh, &fd(DType::F16, &[2], &[1.0, 1.0])],
    );
    assert_f(&y, DType::F16, &[2], &[0.8486328125, 1.1318359375], 0.0);
}

#[test]
fn group_norm() {
    // Two groups of two channels, one spatial position each: [1,2] and [3,5] → [-1,1] each.
    let x = f(&[1, 4, 1], &[1.0, 2.0, 3.0, 5.0]);
    let scale = f(&[4], &[1.0, 1.0, 2.0, 2.0]);
    let bias = f(&[4], &[0.0, 0.0, 1.0, 1.0]);
    let op = Op::GroupNorm {
        num_groups: 2,
        epsilon: 0.0,
    };
    assert_f32(
        &eval1(op.clone(), &[&x, &scale, &bias]),
        &[1, 4, 1],
        &[-1.0, 1.0, -1.0, 3.0],
    );
    // One group over everything, rank 2 input (no spatial axes): mean 2.75, variance 2.1875.
    let one = Op::GroupNorm {
        num_groups: 1,
        epsilon: 0.0,
    };
    let y = eval1(
        one,
        &[
            &f(&[1, 4], &[1.0, 2.0, 3.0, 5.0]),
            &f(&[4], &[1.0; 4]),
            &f(&[4], &[0.0; 4]),
        ],
    );
    let sd = 2.1875f32.sqrt();
    let want: Vec<f32> = [1.0f32, 2.0, 3.0, 5.0].iter().map(|v| (v - 2.75) / sd).collect();
    assert_f(&y, DType::F32, &[1, 4], &want, 1e-6);
    let bad = Op::GroupNorm {
        num_groups: 3,
        epsilon: 0.0,
    };
    assert!(eval_err(bad, &[&x, &scale, &bias]).contains("divide"));
    assert!(eval_err(op, &[&x, &f(&[2], &[1.0; 2]), &bias]).contains("scale"));
}

#[test]
fn instance_norm() {
    // Channel 0: [1, 3] → ±1/sqrt(2) with epsilon 1 (variance 1); channel 1 constant → 0.
    let x = f(&[1, 2, 2], &[1.0, 3.0, 2.0, 2.0]);
    let y = eval1(
        Op::InstanceNorm { epsilon: 1.0 },
        &[&x, &f(&[2], &[2.0, 1.0]), &f(&[2], &[0.0, 5.0])],
    );
    let s = std::f32::consts::SQRT_2;
    assert_f32(&y, &[1, 2, 2], &[-s, s, 5.0, 5.0]);
    // Two batch items are normalized separately.
    let x2 = f(&[2, 1, 2], &[0.0, 2.0, 10.0, 30.0]);
    let y2 = eval1(
        Op::InstanceNorm { epsilon: 0.0 },
        &[&x2, &f(&[1], &[1.0]), &f(&[1], &[0.0])],
    );
    assert_f32(&y2, &[2, 1, 2], &[-1.0, 1.0, -1.0, 1.0]);
    assert!(eval_err(Op::InstanceNorm { epsilon: 0.0 }, &[&f(&[3], &[1.0; 3]), &x, &x]).contains("rank"));
}

#[test]
fn batch_norm() {
    let x = f(&[1, 2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let p = |v: [f32; 2]| f(&[2], &v);
    let (scale, bias, mean, var) = (p([1.0, 2.0]), p([0.0, 1.0]), p([1.0, 3.0]), p([4.0, 0.25]));
    let y = eval1(Op::BatchNorm { epsilon: 0.0 }, &[&x, &scale, &bias, &mean, &var]);
    assert_f32(&y, &[1, 2, 2], &[0.0, 0.5, 1.0, 5.0]);
    // Empty batch.
    let e = eval1(
        Op::BatchNorm { epsilon: 1e-5 },
        &[&f(&[0, 2, 2], &[]), &scale, &bias, &mean, &var],
    );
    assert_f32(&e, &[0, 2, 2], &[]);
    assert!(eval_err(Op::BatchNorm { epsilon: 0.0 }, &[&x, &scale, &bias, &mean]).contains("inputs"));
}
