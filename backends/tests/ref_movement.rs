//! Data-movement ops of the reference interpreter against hand-computed results.

use edgecc_backends::reference::movement::eval;
use edgecc_backends::reference::{Data, Tensor};
use edgecc_ir::{DType, Op, PadMode};

fn f(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(DType::F32, shape.to_vec(), v.to_vec())
}

fn i(dtype: DType, shape: &[usize], v: &[i64]) -> Tensor {
    Tensor::from_i64(dtype, shape.to_vec(), v.to_vec())
}

fn iota(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    f(shape, &(0..n).map(|x| x as f32).collect::<Vec<_>>())
}

fn run(op: Op, inputs: &[&Tensor]) -> Tensor {
    let mut out = eval(&op, inputs).unwrap_or_else(|e| panic!("{op:?} failed: {e}"));
    assert_eq!(out.len(), 1, "{op:?} should give one output");
    out.remove(0)
}

fn err(op: Op, inputs: &[&Tensor]) -> String {
    match eval(&op, inputs) {
        Ok(t) => panic!("{op:?} should fail, got {t:?}"),
        Err(e) => e,
    }
}

fn check(t: &Tensor, shape: &[usize], v: &[f32]) {
    assert_eq!(t.shape, shape, "shape");
    assert_eq!(t.floats().expect("float output"), v, "values");
}

fn check_i(t: &Tensor, dtype: DType, shape: &[usize], v: &[i64]) {
    assert_eq!((t.dtype, t.shape.as_slice()), (dtype, shape), "dtype and shape");
    assert_eq!(t.ints().expect("int output"), v, "values");
}

fn reshape(shape: &[i64], allowzero: bool) -> Op {
    Op::Reshape {
        shape: shape.to_vec(),
        allowzero,
    }
}

#[test]
fn reshape_infers_copies_and_rejects() {
    let x = iota(&[2, 3, 4]);
    let v: Vec<f32> = (0..24).map(|x| x as f32).collect();
    check(&run(reshape(&[0, -1], false), &[&x]), &[2, 12], &v);
    check(&run(reshape(&[-1, 0, 2], false), &[&x]), &[4, 3, 2], &v);
    check(&run(reshape(&[24], false), &[&x]), &[24], &v);
    // allowzero: a 0 is a real zero extent.
    let e = iota(&[0, 3]);
    check(&run(reshape(&[3, 0], true), &[&e]), &[3, 0], &[]);
    // Without allowzero the 0 copies extent 0 of the input (also 0 here).
    check(&run(reshape(&[3, -1], false), &[&iota(&[0, 3])]), &[3, 0], &[]);
    assert!(err(reshape(&[0, -1, 3], false), &[&iota(&[0, 3])]).contains("infer"));
    let s = f(&[], &[5.0]);
    check(&run(reshape(&[1, 1], false), &[&s]), &[1, 1], &[5.0]);
    check(&run(reshape(&[], false), &[&f(&[1], &[5.0])]), &[], &[5.0]);
    assert!(err(reshape(&[5, -1], false), &[&x]).contains("infer"));
    assert!(err(reshape(&[-1, -1], false), &[&x]).contains("more than one"));
    assert!(err(reshape(&[4, 4], false), &[&x]).contains("cannot be viewed"));
    assert!(err(reshape(&[0, 0, 0, 0], false), &[&x]).contains("rank"));
    assert!(err(reshape(&[0, -1], true), &[&x]).contains("allowzero"));
    assert!(err(reshape(&[-2, 12], false), &[&x]).contains("invalid"));
}

#[test]
fn transpose_permutes() {
    let x = iota(&[2, 3]);
    check(
        &run(Op::Transpose { perm: vec![1, 0] }, &[&x]),
        &[3, 2],
        &[0., 3., 1., 4., 2., 5.],
    );
    // Empty perm reverses (ONNX default).
    check(
        &run(Op::Transpose { perm: vec![] }, &[&x]),
        &[3, 2],
        &[0., 3., 1., 4., 2., 5.],
    );
    // out[a][b][c] = in[c][a][b] for perm [1, 2, 0] of [2, 3, 4].
    let x = iota(&[2, 3, 4]);
    let t = run(Op::Transpose { perm: vec![1, 2, 0] }, &[&x]);
    assert_eq!(t.shape, [3, 4, 2]);
    let v = t.floats().unwrap();
    for a in 0..3 {
        for b in 0..4 {
            for c in 0..2 {
                assert_eq!(v[(a * 4 + b) * 2 + c], (c * 12 + a * 4 + b) as f32);
            }
        }
    }
    let b = Tensor::from_bool(vec![2, 2], vec![true, false, false, false]);
    let t = run(Op::Transpose { perm: vec![1, 0] }, &[&b]);
    assert_eq!(t.data, Data::B(vec![true, false, false, false]));
    let t = run(Op::Transpose { perm: vec![0, 2, 1] }, &[&iota(&[2, 0, 3])]);
    check(&t, &[2, 3, 0], &[]);
    assert!(err(Op::Transpose { perm: vec![0, 0] }, &[&iota(&[2, 3])]).contains("permutation"));
    assert!(err(Op::Transpose { perm: vec![0, 2] }, &[&iota(&[2, 3])]).contains("permutation"));
    assert!(err(Op::Transpose { perm: vec![0] }, &[&iota(&[2, 3])]).contains("permutation"));
}

#[test]
fn concat_joins_any_number_of_inputs() {
    let a = f(&[2, 1], &[1., 4.]);
    let b = f(&[2, 2], &[2., 3., 5., 6.]);
    check(
        &run(Op::Concat { axis: -1 }, &[&a, &b]),
        &[2, 3],
        &[1., 2., 3., 4., 5., 6.],
    );
    let c = f(&[1, 2], &[7., 8.]);
    let e = iota(&[0, 2]);
    check(
        &run(Op::Concat { axis: 0 }, &[&b, &e, &c, &c]),
        &[4, 2],
        &[2., 3., 5., 6., 7., 8., 7., 8.],
    );
    check(&run(Op::Concat { axis: 0 }, &[&c]), &[1, 2], &[7., 8.]);
    let x = i(DType::I32, &[2], &[1, 2]);
    let y = i(DType::I32, &[1], &[-3]);
    check_i(&run(Op::Concat { axis: 0 }, &[&x, &y]), DType::I32, &[3], &[1, 2, -3]);
    assert!(err(Op::Concat { axis: 0 }, &[&a, &b]).contains("does not match"));
    assert!(err(Op::Concat { axis: 0 }, &[&x, &f(&[1], &[1.0])]).contains("does not match"));
    assert!(err(Op::Concat { axis: 2 }, &[&a, &a]).contains("out of range"));
    assert!(err(Op::Concat { axis: 0 }, &[&f(&[], &[1.0])]).contains("scalar"));
}

#[test]
fn split_gives_one_output_per_size() {
    let x = iota(&[5]);
    let outs = eval(
        &Op::Split {
            axis: 0,
            sizes: vec![2, 0, 3],
        },
        &[&x],
    )
    .unwrap();
    assert_eq!(outs.len(), 3);
    check(&outs[0], &[2], &[0., 1.]);
    check(&outs[1], &[0], &[]);
    check(&outs[2], &[3], &[2., 3., 4.]);
    let outs = eval(
        &Op::Split {
            axis: -1,
            sizes: vec![1, 2],
        },
        &[&iota(&[2, 3])],
    )
    .unwrap();
    check(&outs[0], &[2, 1], &[0., 3.]);
    check(&outs[1], &[2, 2], &[1., 2., 4., 5.]);
    let e = eval(
        &Op::Split {
            axis: 0,
            sizes: vec![2, 2],
        },
        &[&x],
    )
    .unwrap_err();
    assert!(e.contains("do not sum"), "{e}");
}

fn slice(starts: &[i64], ends: &[i64], axes: &[i64], steps: &[i64]) -> Op {
    Op::Slice {
        starts: starts.to_vec(),
        ends: ends.to_vec(),
        axes: axes.to_vec(),
        steps: steps.to_vec(),
    }
}

#[test]
fn slice_clamps_like_onnx() {
    let x = iota(&[10]);
    let s = |starts: &[i64], ends: &[i64], steps: &[i64]| run(slice(starts, ends, &[], steps), &[&x]);
    check(&s(&[2], &[i64::MAX], &[]), &[8], &[2., 3., 4., 5., 6., 7., 8., 9.]);
    check(&s(&[-100], &[100], &[4]), &[3], &[0., 4., 8.]);
    check(&s(&[-3], &[-1], &[1]), &[2], &[7., 8.]);
    check(&s(&[20], &[30], &[1]), &[0], &[]);
    check(&s(&[5], &[2], &[1]), &[0], &[]);
    // Negative steps: start clamps to the last element, end may reach "before the first".
    check(&s(&[8], &[i64::MIN], &[-3]), &[3], &[8., 5., 2.]);
    check(
        &s(&[-1], &[i64::MIN], &[-1]),
        &[10],
        &[9., 8., 7., 6., 5., 4., 3., 2., 1., 0.],
    );
    check(&s(&[100], &[-100], &[-2]), &[5], &[9., 7., 5., 3., 1.]);
    check(&s(&[i64::MAX], &[6], &[-1]), &[3], &[9., 8., 7.]);
    check(&s(&[2], &[5], &[-1]), &[0], &[]);
    check(&s(&[-1], &[-1], &[-1]), &[0], &[]);

    let m = iota(&[3, 4]);
    check(
        &run(slice(&[1], &[3], &[-1], &[]), &[&m]),
        &[3, 2],
        &[1., 2., 5., 6., 9., 10.],
    );
    check(
        &run(slice(&[2, -1], &[0, 0], &[0, 1], &[-1, -2]), &[&m]),
        &[2, 2],
        &[11., 9., 7., 5.],
    );
    check(&run(slice(&[1], &[2], &[], &[]), &[&m]), &[1, 4], &[4., 5., 6., 7.]);
    // An empty axis stays empty in both directions.
    let e = iota(&[0, 2]);
    check(&run(slice(&[0], &[5], &[0], &[1]), &[&e]), &[0, 2], &[]);
    check(&run(slice(&[-1], &[i64::MIN], &[0], &[-1]), &[&e]), &[0, 2], &[]);

    assert!(err(slice(&[0], &[1], &[0], &[0]), &[&m]).contains("step"));
    assert!(err(slice(&[0, 0], &[1], &[], &[]), &[&m]).contains("equal lengths"));
    assert!(err(slice(&[0], &[1], &[2], &[]), &[&m]).contains("out of range"));
    assert!(err(slice(&[0, 0], &[1, 1], &[1, -1], &[]), &[&m]).contains("more than once"));
}

#[test]
fn gather_takes_slices_with_negative_and_scalar_indices() {
    let d = iota(&[3, 2]);
    let idx = i(DType::I64, &[2], &[-1, 0]);
    check(&run(Op::Gather { axis: 0 }, &[&d, &idx]), &[2, 2], &[4., 5., 0., 1.]);
    // i32 indices of rank 2 along the last axis: shape [3] ++ [2, 2].
    let idx = i(DType::I32, &[2, 2], &[1, 0, -2, 1]);
    check(
        &run(Op::Gather { axis: -1 }, &[&d, &idx]),
        &[3, 2, 2],
        &[1., 0., 0., 1., 3., 2., 2., 3., 5., 4., 4., 5.],
    );
    // A scalar index removes the axis.
    let s = i(DType::I64, &[], &[1]);
    check(&run(Op::Gather { axis: 1 }, &[&d, &s]), &[3], &[1., 3., 5.]);
    check(&run(Op::Gather { axis: 0 }, &[&d, &s]), &[2], &[2., 3.]);
    // No indices: an empty output.
    let none = i(DType::I64, &[0], &[]);
    check(&run(Op::Gather { axis: 0 }, &[&d, &none]), &[0, 2], &[]);
    let ints = i(DType::I8, &[4], &[10, 20, 30, 40]);
    check_i(
        &run(Op::Gather { axis: 0 }, &[&ints, &i(DType::I64, &[3], &[3, -4, 1])]),
        DType::I8,
        &[3],
        &[40, 10, 20],
    );
    assert!(err(Op::Gather { axis: 0 }, &[&d, &i(DType::I64, &[1], &[3])]).contains("out of range"));
    assert!(err(Op::Gather { axis: 0 }, &[&d, &i(DType::I64, &[1], &[-4])]).contains("out of range"));
    assert!(err(Op::Gather { axis: 2 }, &[&d, &s]).contains("axis"));
    assert!(err(Op::Gather { axis: 0 }, &[&d, &f(&[1], &[0.0])]).contains("integers"));
}

#[test]
fn gather_elements_matches_onnx_examples() {
    let d = f(&[2, 2], &[1., 2., 3., 4.]);
    let idx = i(DType::I64, &[2, 2], &[0, 0, 1, 0]);
    check(
        &run(Op::GatherElements { axis: 1 }, &[&d, &idx]),
        &[2, 2],
        &[1., 1., 4., 3.],
    );
    let d = f(&[3, 3], &[1., 2., 3., 4., 5., 6., 7., 8., 9.]);
    let idx = i(DType::I32, &[2, 3], &[1, 2, 0, 2, 0, 0]);
    check(
        &run(Op::GatherElements { axis: 0 }, &[&d, &idx]),
        &[2, 3],
        &[4., 8., 3., 7., 2., 3.],
    );
    let idx = i(DType::I64, &[2, 3], &[-1, -2, 0, 2, 0, -3]);
    check(
        &run(Op::GatherElements { axis: 0 }, &[&d, &idx]),
        &[2, 3],
        &[7., 5., 3., 7., 2., 3.],
    );
    let idx = i(DType::I64, &[1, 2], &[2, -1]);
    check(&run(Op::GatherElements { axis: -1 }, &[&d, &idx]), &[1, 2], &[3., 3.]);
    assert!(err(Op::GatherElements { axis: 0 }, &[&d, &i(DType::I64, &[1, 1], &[3])]).contains("out of range"));
    assert!(err(Op::GatherElements { axis: 0 }, &[&d, &i(DType::I64, &[3], &[0, 0, 0])]).contains("rank"));
}

#[test]
fn expand_broadcasts_both_ways() {
    let x = f(&[3, 1], &[1., 2., 3.]);
    let t = run(Op::Expand { shape: vec![2, 1, 4] }, &[&x]);
    assert_eq!(t.shape, [2, 3, 4]);
    let want: Vec<f32> = (0..24).map(|k| ((k / 4) % 3 + 1) as f32).collect();
    assert_eq!(t.floats().unwrap(), want);
    // Bidirectional: a target of 1 keeps the input extent.
    check(
        &run(Op::Expand { shape: vec![1] }, &[&f(&[3], &[1., 2., 3.])]),
        &[3],
        &[1., 2., 3.],
    );
    check(
        &run(Op::Expand { shape: vec![2, 2] }, &[&f(&[], &[7.])]),
        &[2, 2],
        &[7.; 4],
    );
    check(
        &run(Op::Expand { shape: vec![1, 3] }, &[&x]),
        &[3, 3],
        &[1., 1., 1., 2., 2., 2., 3., 3., 3.],
    );
    check(
        &run(Op::Expand { shape: vec![2, 0] }, &[&f(&[1, 1], &[1.])]),
        &[2, 0],
        &[],
    );
    assert!(err(Op::Expand { shape: vec![2] }, &[&f(&[3], &[1., 2., 3.])]).contains("broadcast"));
    assert!(err(Op::Expand { shape: vec![-1] }, &[&x]).contains("negative"));
    assert!(err(
        Op::Expand {
            shape: vec![1 << 40, 1 << 40, 1, 1]
        },
        &[&x]
    )
    .contains("too many"));
    assert!(err(
        Op::Expand {
            shape: vec![1 << 62, 0, 3, 1]
        },
        &[&x]
    )
    .contains("too many"));
}

#[test]
fn squeeze_unsqueeze_flatten() {
    let x = iota(&[1, 3, 1]);
    let v = [0., 1., 2.];
    check(&run(Op::Squeeze { axes: vec![] }, &[&x]), &[3], &v);
    check(&run(Op::Squeeze { axes: vec![-1] }, &[&x]), &[1, 3], &v);
    check(&run(Op::Squeeze { axes: vec![0, 2] }, &[&x]), &[3], &v);
    check(&run(Op::Squeeze { axes: vec![] }, &[&f(&[1, 1], &[4.])]), &[], &[4.]);
    assert!(err(Op::Squeeze { axes: vec![1] }, &[&x]).contains("not 1"));
    assert!(err(Op::Squeeze { axes: vec![3] }, &[&x]).contains("out of range"));

    check(
        &run(Op::Unsqueeze { axes: vec![0, -1] }, &[&iota(&[3])]),
        &[1, 3, 1],
        &v,
    );
    check(&run(Op::Unsqueeze { axes: vec![1] }, &[&iota(&[3])]), &[3, 1], &v);
    check(&run(Op::Unsqueeze { axes: vec![0] }, &[&f(&[], &[4.])]), &[1], &[4.]);
    assert!(err(Op::Unsqueeze { axes: vec![0, 0] }, &[&iota(&[3])]).contains("more than once"));
    assert!(err(Op::Unsqueeze { axes: vec![2] }, &[&iota(&[3])]).contains("out of range"));

    let x = iota(&[2, 3, 4]);
    for (axis, shape) in [(-1, [6, 4]), (3, [24, 1]), (0, [1, 24]), (1, [2, 12]), (-3, [1, 24])] {
        let t = run(Op::Flatten { axis }, &[&x]);
        assert_eq!(t.shape, shape, "axis {axis}");
        assert_eq!(t.floats().unwrap(), x.floats().unwrap());
    }
    check(&run(Op::Flatten { axis: 0 }, &[&f(&[], &[4.])]), &[1, 1], &[4.]);
    check(&run(Op::Flatten { axis: 1 }, &[&iota(&[2, 0, 3])]), &[2, 0], &[]);
    assert!(err(Op::Flatten { axis: 4 }, &[&x]).contains("out of range"));
    assert!(err(Op::Flatten { axis: -4 }, &[&x]).contains("out of range"));
}

fn pad(pads: &[i64], mode: PadMode, value: f64) -> Op {
    Op::Pad {
        pads: pads.to_vec(),
        mode,
        value,
    }
}

#[test]
fn pad_in_all_modes() {
    let x = f(&[3], &[1., 2., 3.]);
    check(
        &run(pad(&[2, 2], PadMode::Constant, 9.0), &[&x]),
        &[7],
        &[9., 9., 1., 2., 3., 9., 9.],
    );
    check(
        &run(pad(&[2, 2], PadMode::Reflect, 0.0), &[&x]),
        &[7],
        &[3., 2., 1., 2., 3., 2., 1.],
    );
    check(
        &run(pad(&[2, 2], PadMode::Edge, 0.0), &[&x]),
        &[7],
        &[1., 1., 1., 2., 3., 3., 3.],
    );
    // Reflect past one period mirrors again (numpy `reflect`).
    check(
        &run(pad(&[5, 0], PadMode::Reflect, 0.0), &[&x]),
        &[8],
        &[2., 1., 2., 3., 2., 1., 2., 3.],
    );

    // ONNX spec examples, pads [0, 2, 0, 0] on a [3, 2] input.
    let m = f(&[3, 2], &[1.0, 1.2, 2.3, 3.4, 4.5, 5.7]);
    let p = [0, 2, 0, 0];
    check(
        &run(pad(&p, PadMode::Constant, 0.0), &[&m]),
        &[3, 4],
        &[0.0, 0.0, 1.0, 1.2, 0.0, 0.0, 2.3, 3.4, 0.0, 0.0, 4.5, 5.7],
    );
    check(
        &run(pad(&p, PadMode::Reflect, 0.0), &[&m]),
        &[3, 4],
        &[1.0, 1.2, 1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7],
    );
    check(
        &run(pad(&p, PadMode::Edge, 0.0), &[&m]),
        &[3, 4],
        &[1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7],
    );
    // Both axes, begin and end.
    check(
        &run(
            pad(&[1, 0, 0, 1], PadMode::Edge, 0.0),
            &[&f(&[2, 2], &[1., 2., 3., 4.])],
        ),
        &[3, 3],
        &[1., 2., 2., 1., 2., 2., 3., 4., 4.],
    );

    // Negative pads crop, and may mix with growth.
    let x5 = f(&[5], &[1., 2., 3., 4., 5.]);
    check(
        &run(pad(&[-1, 1], PadMode::Constant, 0.0), &[&x5]),
        &[5],
        &[2., 3., 4., 5., 0.],
    );
    check(&run(pad(&[-2, -3], PadMode::Reflect, 0.0), &[&x5]), &[0], &[]);
    check(&run(pad(&[1, -3], PadMode::Reflect, 0.0), &[&x5]), &[3], &[2., 1., 2.]);

    // Integer and bool fills; an empty input padded with a constant.
    let xi = i(DType::I32, &[2], &[5, 6]);
    check_i(
        &run(pad(&[1, 1], PadMode::Constant, -7.0), &[&xi]),
        DType::I32,
        &[4],
        &[-7, 5, 6, -7],
    );
    let b = Tensor::from_bool(vec![1], vec![false]);
    assert_eq!(
        run(pad(&[0, 1], PadMode::Constant, 1.0), &[&b]).data,
        Data::B(vec![false, true])
    );
    check(
        &run(pad(&[1, 1], PadMode::Constant, 2.0), &[&iota(&[0])]),
        &[2],
        &[2., 2.],
    );
    check(
        &run(pad(&[1, 1], PadMode::Reflect, 0.0), &[&f(&[1], &[4.])]),
        &[3],
        &[4., 4., 4.],
    );

    assert!(err(pad(&[1], PadMode::Constant, 0.0), &[&x]).contains("2 × rank"));
    assert!(err(pad(&[-2, -2], PadMode::Constant, 0.0), &[&x]).contains("negative extent"));
    assert!(err(pad(&[1, 0], PadMode::Edge, 0.0), &[&iota(&[0])]).contains("extent 0"));
    assert!(err(pad(&[i64::MAX, 1], PadMode::Constant, 0.0), &[&x]).contains("negative extent"));
    assert!(err(pad(&[1 << 50, 0], PadMode::Constant, 0.0), &[&x]).contains("too many"));
}

#[test]
fn tile_repeats() {
    let x = f(&[2, 2], &[1., 2., 3., 4.]);
    check(
        &run(Op::Tile { repeats: vec![1, 2] }, &[&x]),
        &[2, 4],
        &[1., 2., 1., 2., 3., 4., 3., 4.],
    );
    check(
        &run(Op::Tile { repeats: vec![2, 1] }, &[&x]),
        &[4, 2],
        &[1., 2., 3., 4., 1., 2., 3., 4.],
    );
    check(&run(Op::Tile { repeats: vec![0, 3] }, &[&x]), &[0, 6], &[]);
    check(&run(Op::Tile { repeats: vec![] }, &[&f(&[], &[3.])]), &[], &[3.]);
    assert!(err(Op::Tile { repeats: vec![2] }, &[&x]).contains("repeats"));
}

fn range(start: f64, limit: f64, delta: f64, dtype: DType) -> Op {
    Op::Range {
        start,
        limit,
        delta,
        dtype,
    }
}

#[test]
fn range_lengths_and_values() {
    check_i(&run(range(1., 10., 3., DType::I64), &[]), DType::I64, &[3], &[1, 4, 7]);
    check_i(&run(range(10., 4., -3., DType::I32), &[]), DType::I32, &[2], &[10, 7]);
    check_i(&run(range(5., 1., 1., DType::I64), &[]), DType::I64, &[0], &[]);
    check(&run(range(0., 1., 0.25, DType::F32), &[]), &[4], &[0., 0.25, 0.5, 0.75]);
    check(&run(range(1., 0., -0.5, DType::F32), &[]), &[2], &[1., 0.5]);
    // ceil((1 - 0) / 0.3) = 4 elements.
    let t = run(range(0., 1., 0.3, DType::F16), &[]);
    assert_eq!((t.dtype, t.shape.as_slice()), (DType::F16, &[4usize][..]));
    assert!(err(range(0., 1., 0., DType::F32), &[]).contains("nonzero"));
    assert!(err(range(0., f64::INFINITY, 1., DType::F32), &[]).contains("finite"));
    assert!(err(range(0., 1e300, 1e-300, DType::F32), &[]).contains("too many"));
    let huge = Op::ConstantOfShape {
        shape: vec![1 << 40, 1 << 40],
        value: 0.0,
        dtype: DType::F32,
    };
    assert!(err(huge, &[]).contains("too many"));
}

#[test]
fn shape_slices_with_clamping() {
    let x = iota(&[2, 3, 4]);
    let sh = |start, end| run(Op::Shape { start, end }, &[&x]);
    check_i(&sh(0, None), DType::I64, &[3], &[2, 3, 4]);
    check_i(&sh(1, None), DType::I64, &[2], &[3, 4]);
    check_i(&sh(-1, None), DType::I64, &[1], &[4]);
    check_i(&sh(0, Some(-1)), DType::I64, &[2], &[2, 3]);
    check_i(&sh(-10, Some(10)), DType::I64, &[3], &[2, 3, 4]);
    check_i(&sh(10, None), DType::I64, &[0], &[]);
    check_i(&sh(2, Some(1)), DType::I64, &[0], &[]);
    check_i(
        &run(Op::Shape { start: 0, end: None }, &[&f(&[], &[1.])]),
        DType::I64,
        &[0],
        &[],
    );
}

#[test]
fn constant_of_shape_fills() {
    let c = |shape: &[u64], value, dtype| {
        run(
            Op::ConstantOfShape {
                shape: shape.to_vec(),
                value,
                dtype,
            },
            &[],
        )
    };
    check_i(&c(&[2, 3], 7.0, DType::I32), DType::I32, &[2, 3], &[7; 6]);
    check(&c(&[], 1.5, DType::F32), &[], &[1.5]);
    check(&c(&[0, 4], 1.5, DType::F32), &[0, 4], &[]);
    let h = c(&[2], 0.1, DType::F16);
    assert_eq!(h.floats().unwrap(), [half::f16::from_f64(0.1).to_f32(); 2]);
    assert_eq!(c(&[2], 1.0, DType::Bool).data, Data::B(vec![true, true]));
}

#[test]
fn malformed_calls_are_errors() {
    let x = iota(&[2]);
    assert!(err(Op::Gather { axis: 0 }, &[&x]).contains("inputs"));
    assert!(err(Op::MatMul, &[&x, &x]).contains("not a data-movement op"));
    let bad = Tensor {
        dtype: DType::F32,
        shape: vec![3],
        data: Data::F(vec![1.0]),
    };
    assert!(err(Op::Identity, &[&bad]).contains("does not match"));
}
