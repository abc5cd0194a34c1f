//! Running whole graphs on the reference interpreter: outputs in order, symbolic dims bound per
//! run, values reused after other uses, and the errors for bad inputs and failing nodes.

mod common;

use common::*;
use edgecc_backends::reference::{run, run_tensors, RefError, Tensor};
use edgecc_ir::{BinaryOp, DType, Dim, Graph, Op, ReduceOp, Shape, TensorData, UnaryOp, ValueId};

/// x [seq<=8, 2] · w [2,3] → relu → (z, sum over the last axis, z + y).
fn tiny() -> (Graph, ValueId) {
    let mut g = Graph::new("tiny");
    let x = g
        .add_input("x", DType::F32, Shape(vec![Dim::sym("seq", 8), Dim::Static(2)]))
        .unwrap();
    let wd = TensorData::from_f64(DType::F32, vec![2, 3], &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]).unwrap();
    let w = g.add_const_value("w", wd).unwrap();
    let y = g.add_node_named("mm", Op::MatMul, &[x, w], &["y".into()]).unwrap()[0];
    let z = g.add_node(Op::Unary(UnaryOp::Relu), &[y]).unwrap()[0];
    let s = g
        .add_node(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes: vec![-1],
                keepdims: false,
            },
            &[z],
        )
        .unwrap()[0];
    // `y` is read again after Relu: it must not have been dropped.
    let zy = g.add_node(Op::Binary(BinaryOp::Add), &[z, y]).unwrap()[0];
    g.add_output(z).unwrap();
    g.add_output(s).unwrap();
    g.add_output(zy).unwrap();
    (g, y)
}

#[test]
fn runs_a_tiny_graph_with_a_symbolic_dim() {
    let (g, _) = tiny();
    // y = [[1,-2,-1],[3,4,7],[-5,1,-4]].
    let x = f(&[3, 2], &[1.0, -2.0, 3.0, 4.0, -5.0, 1.0]);
    let out = run_tensors(&g, vec![x]).unwrap();
    assert_eq!(out.len(), 3);
    assert_f32(&out[0], &[3, 3], &[1.0, 0.0, 0.0, 3.0, 4.0, 7.0, 0.0, 1.0, 0.0]);
    assert_f32(&out[1], &[3], &[1.0, 14.0, 1.0]);
    assert_f32(&out[2], &[3, 3], &[2.0, -2.0, -1.0, 6.0, 8.0, 14.0, -5.0, 2.0, -4.0]);
    // Another run binds seq differently.
    let out = run_tensors(&g, vec![f(&[1, 2], &[2.0, 3.0])]).unwrap();
    assert_f32(&out[0], &[1, 3], &[2.0, 3.0, 5.0]);
    assert_f32(&out[1], &[1], &[10.0]);
    // seq = 0 is a valid (empty) binding.
    let out = run_tensors(&g, vec![f(&[0, 2], &[])]).unwrap();
    assert_f32(&out[1], &[0], &[]);
}

#[test]
fn run_on_raw_tensor_data() {
    let (g, _) = tiny();
    let x = TensorData::from_f64(DType::F32, vec![2, 2], &[1.0, 1.0, -1.0, -1.0]).unwrap();
    let out = run(&g, &[x]).unwrap();
    assert_eq!(out[1].shape(), &[2]);
    // y = [[1,1,2],[-1,-1,-2]] → relu row sums [4, 0].
    assert_eq!(out[1].to_f64_vec(), vec![4.0, 0.0]);
}

#[test]
fn input_errors() {
    let (g, _) = tiny();
    let e = run_tensors(&g, vec![]).unwrap_err();
    assert!(
        matches!(
            e,
            RefError::InputCount {
                expected: 1,
                got: 0,
                ..
            }
        ),
        "{e}"
    );
    let e = run_tensors(&g, vec![fd(DType::F16, &[1, 2], &[1.0, 2.0])]).unwrap_err();
    assert!(
        matches!(&e, RefError::InputDType { input, expected: DType::F32, got: DType::F16 } if input == "x"),
        "{e}"
    );
    let e = run_tensors(&g, vec![f(&[2], &[1.0, 2.0])]).unwrap_err();
    assert!(matches!(&e, RefError::InputShape { input, .. } if input == "x"), "{e}");
    assert!(e.to_string().contains("rank"), "{e}");
    let e = run_tensors(&g, vec![f(&[1, 3], &[1.0, 2.0, 3.0])]).unwrap_err();
    assert!(e.to_string().contains("axis 1 has extent 3 instead of 2"), "{e}");
    let e = run_tensors(&g, vec![f(&[9, 2], &[0.0; 18])]).unwrap_err();
    assert!(matches!(&e, RefError::SymbolicDim { name, .. } if name == "seq"), "{e}");
    assert!(e.to_string().contains("maximum 8"), "{e}");
}

#[test]
fn symbolic_dims_bind_consistently_across_inputs() {
    let mut g = Graph::new("two");
    let seq = Dim::sym("seq", 4);
    let a = g
        .add_input("a", DType::F32, Shape(vec![seq.clone(), seq.clone()]))
        .unwrap();
    let b = g.add_input("b", DType::F32, Shape(vec![seq])).unwrap();
    let c = g.add_node(Op::Binary(BinaryOp::Add), &[a, b]).unwrap()[0];
    g.add_output(c).unwrap();
    let out = run_tensors(&g, vec![f(&[2, 2], &[1.0, 2.0, 3.0, 4.0]), f(&[2], &[10.0, 20.0])]).unwrap();
    assert_f32(&out[0], &[2, 2], &[11.0, 22.0, 13.0, 24.0]);
    // Bound twice within one input.
    let e = run_tensors(&g, vec![f(&[2, 3], &[0.0; 6]), f(&[2], &[0.0; 2])]).unwrap_err();
    assert!(matches!(&e, RefError::SymbolicDim { input, .. } if input == "a"), "{e}");
    // Bound to 2 by `a`, then 3 by `b`.
    let e = run_tensors(&g, vec![f(&[2, 2], &[0.0; 4]), f(&[3], &[0.0; 3])]).unwrap_err();
    assert!(
        matches!(&e, RefError::SymbolicDim { input, name, .. } if input == "b" && name == "seq"),
        "{e}"
    );
    assert!(e.to_string().contains("already bound to 2"), "{e}");
}

#[test]
fn node_errors_name_the_node() {
    let mut g = Graph::new("div");
    let a = g.add_input("a", DType::I32, Shape::of(&[2])).unwrap();
    let b = g.add_input("b", DType::I32, Shape::of(&[2])).unwrap();
    let q = g
        .add_node_named("divide", Op::Binary(BinaryOp::Div), &[a, b], &["q".into()])
        .unwrap()[0];
    g.add_output(q).unwrap();
    let ok = run_tensors(&g, vec![i(DType::I32, &[2], &[7, -7]), i(DType::I32, &[2], &[2, 2])]).unwrap();
    assert_i(&ok[0], DType::I32, &[2], &[3, -3]);
    let e = run_tensors(&g, vec![i(DType::I32, &[2], &[7, -7]), i(DType::I32, &[2], &[2, 0])]).unwrap_err();
    assert!(
        matches!(&e, RefError::Node { node, op: "Div", .. } if node == "divide"),
        "{e}"
    );
    assert!(e.to_string().starts_with("node `divide` (Div): "), "{e}");
}

#[test]
fn output_type_mismatch_is_an_internal_error_naming_the_node() {
    let (mut g, y) = tiny();
    g.value_mut(y).ty.dtype = DType::F16;
    let e = run_tensors(&g, vec![f(&[1, 2], &[1.0, 2.0])]).unwrap_err();
    assert!(matches!(&e, RefError::Internal { node, .. } if node == "mm"), "{e}");
    assert!(
        e.to_string().contains("records f16") && e.to_string().contains("bug in edgecc"),
        "{e}"
    );
    let (mut g, y) = tiny();
    g.value_mut(y).ty.shape = Shape(vec![Dim::sym("seq", 8), Dim::Static(4)]);
    let e = run_tensors(&g, vec![f(&[1, 2], &[1.0, 2.0])]).unwrap_err();
    assert!(matches!(&e, RefError::Internal { node, .. } if node == "mm"), "{e}");
}

#[test]
fn graph_input_can_be_an_output() {
    let mut g = Graph::new("pass");
    let x = g.add_input("x", DType::Bool, Shape::of(&[])).unwrap();
    let n = g.add_node(Op::Unary(UnaryOp::Not), &[x]).unwrap()[0];
    g.add_output(x).unwrap();
    g.add_output(n).unwrap();
    let out = run_tensors(&g, vec![b(&[], &[true])]).unwrap();
    assert_eq!(
        out,
        vec![
            Tensor::from_bool(vec![], vec![true]),
            Tensor::from_bool(vec![], vec![false])
        ]
    );
}
