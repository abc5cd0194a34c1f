//! Elementwise kernels of the reference interpreter: unary ops, Cast, binary ops with numpy
//! broadcasting, Where, Clip, Identity, Constant — against hand-computed values.
// Expected values are written with the f64 digits of their reference (Python `math`).
#![allow(clippy::excessive_precision)]

mod common;

use common::*;
use edgecc_backends::reference::elementwise::erf;
use edgecc_backends::reference::eval::eval_op;
use edgecc_ir::{BinaryOp, ConstId, Constant, DType, Op, TensorData, UnaryOp};

fn un(op: UnaryOp, x: &[f32]) -> Vec<f32> {
    let t = eval1(Op::Unary(op), &[&f(&[x.len()], x)]);
    t.floats().unwrap().to_vec()
}

fn close(got: &[f32], want: &[f32]) {
    assert_f32(&f(&[got.len()], got), &[want.len()], want);
}

#[test]
fn erf_matches_known_values() {
    let cases = [
        (0.5, 0.5204998778130465),
        (1.0, 0.8427007929497149),
        (-2.5, -0.999593047982555),
        (3.5, 0.9999992569016276),
        (1e-3, 0.0011283787909692365),
        (1.99, 0.995111413199617),
        (2.0, 0.9953222650189527),
        (2.01, 0.9955248493552482),
        (4.0, 0.9999999845827421),
        (5.9, 0.9999999999999999),
        (0.0, 0.0),
        (7.0, 1.0),
    ];
    for (x, want) in cases {
        assert!((erf(x) - want).abs() < 1e-13, "erf({x}) = {}, want {want}", erf(x));
    }
}

#[test]
fn float_unary_ops() {
    close(&un(UnaryOp::Neg, &[1.0, -2.0]), &[-1.0, 2.0]);
    close(&un(UnaryOp::Abs, &[-1.5, 2.0]), &[1.5, 2.0]);
    close(&un(UnaryOp::Exp, &[0.0, 1.0]), &[1.0, std::f32::consts::E]);
    close(&un(UnaryOp::Log, &[1.0, std::f32::consts::E]), &[0.0, 1.0]);
    close(&un(UnaryOp::Sqrt, &[4.0, 2.0]), &[2.0, std::f32::consts::SQRT_2]);
    close(&un(UnaryOp::Rsqrt, &[4.0, 0.25]), &[0.5, 2.0]);
    close(&un(UnaryOp::Reciprocal, &[4.0, -0.5]), &[0.25, -2.0]);
    close(&un(UnaryOp::Tanh, &[0.0, 1.0]), &[0.0, 0.7615941559557649]);
    close(
        &un(UnaryOp::Sigmoid, &[0.0, 2.0, -2.0, -100.0]),
        &[0.5, 0.8807970779778823, 0.11920292202211755, 3.720076e-44],
    );
    close(
        &un(UnaryOp::Erf, &[0.5, -1.0]),
        &[0.5204998778130465, -0.8427007929497149],
    );
    close(&un(UnaryOp::Relu, &[-1.0, 0.0, 2.0]), &[0.0, 0.0, 2.0]);
    close(&un(UnaryOp::LeakyRelu { alpha: 0.1 }, &[-2.0, 3.0]), &[-0.2, 3.0]);
    close(
        &un(UnaryOp::Gelu { tanh: false }, &[1.0, -1.0, 0.0]),
        &[0.8413447460685429, -0.15865525393145707, 0.0],
    );
    close(
        &un(UnaryOp::Gelu { tanh: true }, &[1.0, -1.0]),
        &[0.8411919906082768, -0.15880800939172324],
    );
    close(
        &un(UnaryOp::Silu, &[1.0, -2.0]),
        &[0.7310585786300049, -0.2384058440442351],
    );
    close(&un(UnaryOp::Sin, &[0.0, 1.0]), &[0.0, 0.8414709848078965]);
    close(&un(UnaryOp::Cos, &[0.0, 1.0]), &[1.0, 0.5403023058681398]);
    close(&un(UnaryOp::Floor, &[-1.5, 1.5, 2.0]), &[-2.0, 1.0, 2.0]);
    close(&un(UnaryOp::Ceil, &[-1.5, 1.5, 2.0]), &[-1.0, 2.0, 2.0]);
    // Round: half to even.
    close(
        &un(UnaryOp::Round, &[0.5, 1.5, 2.5, -0.5, -1.5, 2.6, -2.4]),
        &[0.0, 2.0, 2.0, -0.0, -2.0, 3.0, -2.0],
    );
    // NaN passes through Relu and Exp.
    assert!(un(UnaryOp::Relu, &[f32::NAN])[0].is_nan());
    assert!(un(UnaryOp::Exp, &[f32::NAN])[0].is_nan());
    assert_eq!(un(UnaryOp::Log, &[0.0])[0], f32::NEG_INFINITY);
}

#[test]
fn integer_and_bool_unary_ops() {
    let x = i(DType::I32, &[3], &[3, -4, 0]);
    assert_i(&eval1(Op::Unary(UnaryOp::Neg), &[&x]), DType::I32, &[3], &[-3, 4, 0]);
    assert_i(&eval1(Op::Unary(UnaryOp::Abs), &[&x]), DType::I32, &[3], &[3, 4, 0]);
    assert_i(&eval1(Op::Unary(UnaryOp::Relu), &[&x]), DType::I32, &[3], &[3, 0, 0]);
    // -(-128) wraps in i8.
    let y = i(DType::I8, &[1], &[-128]);
    assert_i(&eval1(Op::Unary(UnaryOp::Neg), &[&y]), DType::I8, &[1], &[-128]);
    let bt = b(&[2], &[true, false]);
    assert_b(&eval1(Op::Unary(UnaryOp::Not), &[&bt]), &[2], &[false, true]);
    assert!(eval_err(Op::Unary(UnaryOp::Exp), &[&x]).contains("Exp"));
    assert!(eval_err(Op::Unary(UnaryOp::Not), &[&f(&[1], &[1.0])]).contains("bool"));
    assert!(eval_err(Op::Unary(UnaryOp::Neg), &[&bt]).contains("Neg"));
}

#[test]
fn unary_on_scalar_and_empty() {
    let s = eval1(Op::Unary(UnaryOp::Sqrt), &[&f(&[], &[9.0])]);
    assert_f32(&s, &[], &[3.0]);
    let e = eval1(Op::Unary(UnaryOp::Exp), &[&f(&[0, 3], &[])]);
    assert_f32(&e, &[0, 3], &[]);
}

#[test]
fn f16_results_round_to_even() {
    // 1 + 2^-11 is halfway between f16 1.0 and 1 + 2^-10: ties to even → 1.0.
    let a = fd(DType::F16, &[2], &[1.0, 1.0]);
    let b = fd(DType::F16, &[2], &[0.00048828125, 0.00146484375]);
    let s = eval1(Op::Binary(BinaryOp::Add), &[&a, &b]);
    assert_f(&s, DType::F16, &[2], &[1.0, 1.001953125], 0.0);
    // exp(1) in f16 is 2.71875; in bf16 2.71875 too (8 bits of mantissa: 2.703125 / 2.71875).
    let e = eval1(Op::Unary(UnaryOp::Exp), &[&fd(DType::F16, &[1], &[1.0])]);
    assert_f(&e, DType::F16, &[1], &[2.71875], 0.0);
    let e = eval1(Op::Unary(UnaryOp::Exp), &[&fd(DType::BF16, &[1], &[1.0])]);
    assert_f(&e, DType::BF16, &[1], &[2.71875], 0.0);
}

#[test]
fn cast_semantics() {
    let x = f(&[6], &[1.7, -1.7, 0.0, f32::NAN, 300.0, -300.0]);
    // Float → int truncates toward zero and saturates; NaN → 0.
    assert_i(
        &eval1(Op::Cast { to: DType::I8 }, &[&x]),
        DType::I8,
        &[6],
        &[1, -1, 0, 0, 127, -128],
    );
    assert_i(
        &eval1(Op::Cast { to: DType::U8 }, &[&x]),
        DType::U8,
        &[6],
        &[1, 0, 0, 0, 255, 0],
    );
    assert_i(
        &eval1(Op::Cast { to: DType::I64 }, &[&x]),
        DType::I64,
        &[6],
        &[1, -1, 0, 0, 300, -300],
    );
    // To bool: x != 0 (NaN is nonzero).
    assert_b(
        &eval1(Op::Cast { to: DType::Bool }, &[&x]),
        &[6],
        &[true, true, false, true, true, true],
    );
    // Int → int wraps; int → f16 rounds (2049 → 2048, ties to even).
    let n = i(DType::I64, &[3], &[300, -1, 2049]);
    assert_i(
        &eval1(Op::Cast { to: DType::U8 }, &[&n]),
        DType::U8,
        &[3],
        &[44, 255, 1],
    );
    assert_f(
        &eval1(Op::Cast { to: DType::F16 }, &[&n]),
        DType::F16,
        &[3],
        &[300.0, -1.0, 2048.0],
        0.0,
    );
    // Bool → 0/1.
    let bt = b(&[2], &[true, false]);
    assert_f32(&eval1(Op::Cast { to: DType::F32 }, &[&bt]), &[2], &[1.0, 0.0]);
    assert_i(&eval1(Op::Cast { to: DType::I32 }, &[&bt]), DType::I32, &[2], &[1, 0]);
    // f32 → f16 rounds to the nearest f16.
    let c = eval1(Op::Cast { to: DType::F16 }, &[&f(&[], &[0.1])]);
    assert_f(&c, DType::F16, &[], &[0.0999755859375], 0.0);
    // Empty.
    let e = eval1(Op::Cast { to: DType::I32 }, &[&f(&[0], &[])]);
    assert_i(&e, DType::I32, &[0], &[]);
}

#[test]
fn binary_broadcasting_corner_cases() {
    // [3,1] + [1,4] → [3,4].
    let a = f(&[3, 1], &[1.0, 2.0, 3.0]);
    let b4 = f(&[1, 4], &[10.0, 20.0, 30.0, 40.0]);
    let s = eval1(Op::Binary(BinaryOp::Add), &[&a, &b4]);
    #[rustfmt::skip]
    let want = [11.0, 21.0, 31.0, 41.0, 12.0, 22.0, 32.0, 42.0, 13.0, 23.0, 33.0, 43.0];
    assert_f32(&s, &[3, 4], &want);
    // [1,4] - [3,1]: operand order is kept.
    let d = eval1(Op::Binary(BinaryOp::Sub), &[&b4, &a]);
    #[rustfmt::skip]
    let want = [9.0, 19.0, 29.0, 39.0, 8.0, 18.0, 28.0, 38.0, 7.0, 17.0, 27.0, 37.0];
    assert_f32(&d, &[3, 4], &want);
    // Rank 0 with rank 2, both orders.
    let sc = f(&[], &[10.0]);
    let m = f(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
    assert_f32(
        &eval1(Op::Binary(BinaryOp::Sub), &[&sc, &m]),
        &[2, 2],
        &[9.0, 8.0, 7.0, 6.0],
    );
    assert_f32(
        &eval1(Op::Binary(BinaryOp::Sub), &[&m, &sc]),
        &[2, 2],
        &[-9.0, -8.0, -7.0, -6.0],
    );
    // Rank 0 with rank 0.
    assert_f32(&eval1(Op::Binary(BinaryOp::Mul), &[&sc, &sc]), &[], &[100.0]);
    // [0,3] × [1,3] → empty [0,3].
    let e = eval1(
        Op::Binary(BinaryOp::Mul),
        &[&f(&[0, 3], &[]), &f(&[1, 3], &[1.0, 2.0, 3.0])],
    );
    assert_f32(&e, &[0, 3], &[]);
    // [2,1,3] + [4,1] → [2,4,3]: out[i][j][k] = (3i + k) + 10j.
    let x = f(&[2, 1, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let y = f(&[4, 1], &[0.0, 10.0, 20.0, 30.0]);
    let z = eval1(Op::Binary(BinaryOp::Add), &[&x, &y]);
    let want: Vec<f32> = (0..2)
        .flat_map(|i| (0..4).flat_map(move |j| (0..3).map(move |k| (3 * i + k + 10 * j) as f32)))
        .collect();
    assert_f32(&z, &[2, 4, 3], &want);
    // [2,3] with [3,1,1]... broadcast of size-1 leading dims: [1,1,3] * [2,1] → [1,2,3].
    let p = eval1(
        Op::Binary(BinaryOp::Mul),
        &[&f(&[1, 1, 3], &[1.0, 2.0, 3.0]), &f(&[2, 1], &[1.0, -1.0])],
    );
    assert_f32(&p, &[1, 2, 3], &[1.0, 2.0, 3.0, -1.0, -2.0, -3.0]);
    // Incompatible shapes, and a 0 against a 2.
    assert!(eval_err(
        Op::Binary(BinaryOp::Add),
        &[&f(&[2, 3], &[0.0; 6]), &f(&[3, 2], &[0.0; 6])]
    )
    .contains("broadcast"));
    assert!(eval_err(Op::Binary(BinaryOp::Add), &[&f(&[0], &[]), &f(&[2], &[0.0; 2])]).contains("broadcast"));
}

#[test]
fn float_arithmetic() {
    let a = f(&[4], &[5.5, -5.5, 1.0, 9.0]);
    let b = f(&[4], &[-2.0, 2.0, 0.0, 0.5]);
    let bin = |op| eval1(Op::Binary(op), &[&a, &b]);
    assert_f32(&bin(BinaryOp::Div), &[4], &[-2.75, -2.75, f32::INFINITY, 18.0]);
    // Mod takes the divisor's sign, Fmod the dividend's.
    let m = eval1(
        Op::Binary(BinaryOp::Mod),
        &[&f(&[2], &[5.5, -5.5]), &f(&[2], &[-2.0, 2.0])],
    );
    assert_f32(&m, &[2], &[-0.5, 0.5]);
    let fm = eval1(
        Op::Binary(BinaryOp::Fmod),
        &[&f(&[2], &[5.5, -5.5]), &f(&[2], &[-2.0, 2.0])],
    );
    assert_f32(&fm, &[2], &[1.5, -1.5]);
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[&f(&[3], &[2.0, 4.0, 9.0]), &f(&[3], &[3.0, 0.5, -0.5])],
    );
    assert_f32(&p, &[3], &[8.0, 2.0, 1.0 / 3.0]);
    // Float base, integer exponent (ONNX allows a differently typed exponent).
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[&f(&[2], &[2.0, -3.0]), &i(DType::I64, &[], &[3])],
    );
    assert_f32(&p, &[2], &[8.0, -27.0]);
    // f16 base with an f32 exponent gives f16: 2^0.1 = 1.0717735 → f16 1.0712890625.
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[&fd(DType::F16, &[1], &[2.0]), &f(&[1], &[0.1])],
    );
    assert_f(&p, DType::F16, &[1], &[1.0712890625], 0.0);
    // Integer base with an integer exponent of another width, and with a float exponent.
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[&i(DType::I32, &[2], &[3, -2]), &i(DType::I64, &[1], &[3])],
    );
    assert_i(&p, DType::I32, &[2], &[27, -8]);
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[&i(DType::I32, &[2], &[4, 10]), &f(&[1], &[0.5])],
    );
    assert_i(&p, DType::I32, &[2], &[2, 3]);
    assert!(eval_err(
        Op::Binary(BinaryOp::Pow),
        &[&f(&[1], &[2.0]), &common::b(&[1], &[true])]
    )
    .contains("Pow"));
    let mx = eval1(
        Op::Binary(BinaryOp::Max),
        &[&f(&[3], &[1.0, f32::NAN, -1.0]), &f(&[3], &[2.0, 0.0, -3.0])],
    );
    assert_f32(&mx, &[3], &[2.0, f32::NAN, -1.0]);
    let mn = eval1(
        Op::Binary(BinaryOp::Min),
        &[&f(&[3], &[1.0, f32::NAN, -1.0]), &f(&[3], &[2.0, 0.0, -3.0])],
    );
    assert_f32(&mn, &[3], &[1.0, f32::NAN, -3.0]);
    assert_f32(&bin(BinaryOp::Mul), &[4], &[-11.0, -11.0, 0.0, 4.5]);
}

#[test]
fn integer_division_semantics() {
    let a = i(DType::I32, &[4], &[7, -7, 7, -7]);
    let b = i(DType::I32, &[4], &[2, 2, -2, -2]);
    let bin = |op| eval1(Op::Binary(op), &[&a, &b]);
    // Div truncates toward zero.
    assert_i(&bin(BinaryOp::Div), DType::I32, &[4], &[3, -3, -3, 3]);
    // Mod: sign of the divisor (Python %).
    assert_i(&bin(BinaryOp::Mod), DType::I32, &[4], &[1, 1, -1, -1]);
    // Fmod: sign of the dividend (C %).
    assert_i(&bin(BinaryOp::Fmod), DType::I32, &[4], &[1, -1, 1, -1]);
    // Exact multiples give 0 for both.
    let z = eval1(
        Op::Binary(BinaryOp::Mod),
        &[&i(DType::I64, &[2], &[-6, 6]), &i(DType::I64, &[], &[3])],
    );
    assert_i(&z, DType::I64, &[2], &[0, 0]);
    // Division by zero is an error, not a panic.
    let zero = i(DType::I32, &[1], &[0]);
    assert!(eval_err(Op::Binary(BinaryOp::Div), &[&a, &zero]).contains("by zero"));
    assert!(eval_err(Op::Binary(BinaryOp::Mod), &[&a, &zero]).contains("by zero"));
    // ... unless nothing is divided.
    let e = eval1(Op::Binary(BinaryOp::Div), &[&i(DType::I32, &[0], &[]), &zero]);
    assert_i(&e, DType::I32, &[0], &[]);
}

#[test]
fn integer_arithmetic_and_pow() {
    let p = eval1(
        Op::Binary(BinaryOp::Pow),
        &[
            &i(DType::I64, &[5], &[2, -3, 5, 2, -1]),
            &i(DType::I64, &[5], &[10, 3, 0, -1, -3]),
        ],
    );
    assert_i(&p, DType::I64, &[5], &[1024, -27, 1, 0, -1]);
    assert!(eval_err(
        Op::Binary(BinaryOp::Pow),
        &[&i(DType::I64, &[1], &[0]), &i(DType::I64, &[1], &[-1])]
    )
    .contains("negative"));
    // i8 wraps.
    let s = eval1(
        Op::Binary(BinaryOp::Add),
        &[&i(DType::I8, &[1], &[100]), &i(DType::I8, &[1], &[100])],
    );
    assert_i(&s, DType::I8, &[1], &[-56]);
    let a = i(DType::I32, &[2, 1], &[1, 5]);
    let b = i(DType::I32, &[3], &[2, 3, 4]);
    let mx = eval1(Op::Binary(BinaryOp::Max), &[&a, &b]);
    assert_i(&mx, DType::I32, &[2, 3], &[2, 3, 4, 5, 5, 5]);
    let mn = eval1(Op::Binary(BinaryOp::Min), &[&a, &b]);
    assert_i(&mn, DType::I32, &[2, 3], &[1, 1, 1, 2, 3, 4]);
    let sub = eval1(Op::Binary(BinaryOp::Sub), &[&a, &b]);
    assert_i(&sub, DType::I32, &[2, 3], &[-1, -2, -3, 3, 2, 1]);
    let mul = eval1(Op::Binary(BinaryOp::Mul), &[&a, &b]);
    assert_i(&mul, DType::I32, &[2, 3], &[2, 3, 4, 10, 15, 20]);
}

#[test]
fn comparisons_and_logic() {
    let a = f(&[3], &[1.0, 2.0, 3.0]);
    let two = f(&[], &[2.0]);
    let cmp = |op| eval1(Op::Binary(op), &[&a, &two]);
    assert_b(&cmp(BinaryOp::Equal), &[3], &[false, true, false]);
    assert_b(&cmp(BinaryOp::Less), &[3], &[true, false, false]);
    assert_b(&cmp(BinaryOp::LessOrEqual), &[3], &[true, true, false]);
    assert_b(&cmp(BinaryOp::Greater), &[3], &[false, false, true]);
    assert_b(&cmp(BinaryOp::GreaterOrEqual), &[3], &[false, true, true]);
    let nan = eval1(
        Op::Binary(BinaryOp::Equal),
        &[&f(&[1], &[f32::NAN]), &f(&[1], &[f32::NAN])],
    );
    assert_b(&nan, &[1], &[false]);
    let ia = i(DType::I64, &[2, 1], &[1, 3]);
    let ib = i(DType::I64, &[2], &[1, 2]);
    assert_b(
        &eval1(Op::Binary(BinaryOp::Less), &[&ia, &ib]),
        &[2, 2],
        &[false, true, false, false],
    );
    let p = b(&[2, 1], &[true, false]);
    let q = b(&[2], &[true, false]);
    assert_b(
        &eval1(Op::Binary(BinaryOp::And), &[&p, &q]),
        &[2, 2],
        &[true, false, false, false],
    );
    assert_b(
        &eval1(Op::Binary(BinaryOp::Or), &[&p, &q]),
        &[2, 2],
        &[true, true, true, false],
    );
    assert_b(
        &eval1(Op::Binary(BinaryOp::Equal), &[&p, &q]),
        &[2, 2],
        &[true, false, false, true],
    );
    assert!(eval_err(Op::Binary(BinaryOp::And), &[&a, &a]).contains("bool"));
    assert!(eval_err(Op::Binary(BinaryOp::Add), &[&p, &p]).contains("bool"));
    assert!(eval_err(Op::Binary(BinaryOp::Add), &[&a, &ib]).contains("same dtype"));
    let e = eval1(
        Op::Binary(BinaryOp::Less),
        &[&f(&[0, 3], &[]), &f(&[1, 3], &[1.0, 2.0, 3.0])],
    );
    assert_b(&e, &[0, 3], &[]);
}

#[test]
fn where_broadcasts_three_ways() {
    let c = b(&[2, 1], &[true, false]);
    let x = f(&[3], &[1.0, 2.0, 3.0]);
    let y = f(&[], &[0.0]);
    let w = eval1(Op::Where, &[&c, &x, &y]);
    assert_f32(&w, &[2, 3], &[1.0, 2.0, 3.0, 0.0, 0.0, 0.0]);
    let xi = i(DType::I32, &[2, 1], &[7, 8]);
    let yi = i(DType::I32, &[1, 2], &[-1, -2]);
    let cb = b(&[2], &[false, true]);
    assert_i(
        &eval1(Op::Where, &[&cb, &xi, &yi]),
        DType::I32,
        &[2, 2],
        &[-1, 7, -1, 8],
    );
    let e = eval1(Op::Where, &[&b(&[0, 1], &[]), &x, &y]);
    assert_f32(&e, &[0, 3], &[]);
    assert!(eval_err(Op::Where, &[&x, &x, &y]).contains("bool"));
    assert!(eval_err(Op::Where, &[&c, &x, &xi]).contains("same dtype"));
}

#[test]
fn clip_bounds() {
    let x = f(&[4], &[-2.0, 0.5, 3.0, f32::NAN]);
    let both = eval1(
        Op::Clip {
            min: Some(0.0),
            max: Some(1.0),
        },
        &[&x],
    );
    assert_f32(&both, &[4], &[0.0, 0.5, 1.0, f32::NAN]);
    let hi = eval1(
        Op::Clip {
            min: None,
            max: Some(1.0),
        },
        &[&x],
    );
    assert_f32(&hi, &[4], &[-2.0, 0.5, 1.0, f32::NAN]);
    let none = eval1(Op::Clip { min: None, max: None }, &[&x]);
    assert_f32(&none, &[4], &[-2.0, 0.5, 3.0, f32::NAN]);
    let xi = i(DType::I32, &[3], &[-5, 1, 9]);
    let ci = eval1(
        Op::Clip {
            min: Some(0.5),
            max: Some(4.0),
        },
        &[&xi],
    );
    assert_i(&ci, DType::I32, &[3], &[1, 1, 4]);
    let s = eval1(
        Op::Clip {
            min: Some(0.0),
            max: None,
        },
        &[&f(&[], &[-1.0])],
    );
    assert_f32(&s, &[], &[0.0]);
}

#[test]
fn identity_and_constant() {
    let x = i(DType::I64, &[], &[42]);
    assert_eq!(eval1(Op::Identity, &[&x]), x);
    let consts = vec![Constant {
        name: "w".into(),
        data: TensorData::from_f64(DType::F16, vec![2], &[0.5, 0.1]).unwrap(),
    }];
    let out = eval_op(&Op::Constant(ConstId(0)), &[], &consts).unwrap();
    assert_f(&out[0], DType::F16, &[2], &[0.5, 0.0999755859375], 0.0);
    assert!(eval_op(&Op::Constant(ConstId(1)), &[], &consts)
        .unwrap_err()
        .contains("does not exist"));
}

#[test]
fn wrong_input_count_and_inconsistent_tensor() {
    let x = f(&[1], &[1.0]);
    assert!(eval_err(Op::Binary(BinaryOp::Add), &[&x]).contains("takes 2 inputs, got 1"));
    assert!(eval_err(Op::Unary(UnaryOp::Exp), &[&x, &x]).contains("takes 1 inputs, got 2"));
    let mut bad = x.clone();
    bad.shape = vec![2];
    assert!(eval_err(Op::Unary(UnaryOp::Exp), &[&bad]).contains("elements"));
    let mut bad = x.clone();
    bad.dtype = DType::I32;
    assert!(eval_err(Op::Unary(UnaryOp::Neg), &[&bad]).contains("dtype"));
}

#[test]
fn int_to_bf16_cast_rounds_once() {
    use edgecc_backends::reference::{eval_op, Tensor};
    use edgecc_ir::{DType, Op};
    // 16842753 = 2^24 + 2^16 + 1: nearest bf16 is 16908288 (2^24 + 2^17); via f32 it would be 2^24.
    let x = Tensor::from_i64(DType::I64, vec![1], vec![16_842_753]);
    let y = eval_op(&Op::Cast { to: DType::BF16 }, &[&x], &[]).unwrap();
    assert_eq!(y[0].floats().unwrap(), &[16_908_288.0]);
}
