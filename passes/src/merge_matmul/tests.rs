use super::*;
use edgecc_backends::reference::run::run;
use edgecc_ir::{verify, Dim, Shape};

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn constant(g: &mut Graph, name: &str, shape: &[usize], seed: u64) -> ValueId {
    let n = shape.iter().product();
    g.add_const_value(
        name,
        TensorData::from_f32(DType::F32, shape.to_vec(), &values(n, seed)).unwrap(),
    )
    .unwrap()
}

/// x [2, seq, 8] through three linear layers of widths 8, 4 and 6 (`bias`: with bias Adds),
/// the results' consumers (a product of the first two, the third) the graph outputs.
fn projections(bias: bool) -> Graph {
    let mut g = Graph::new("qkv");
    let x = g
        .add_input(
            "x",
            DType::F32,
            Shape(vec![Dim::Static(2), Dim::sym("seq", 5), Dim::Static(8)]),
        )
        .unwrap();
    let mut outs = Vec::new();
    for (i, n) in [8usize, 4, 6].into_iter().enumerate() {
        let w = constant(&mut g, &format!("w{i}"), &[8, n], i as u64 + 1);
        let mut y = g.add_node(Op::MatMul, &[x, w]).unwrap()[0];
        if bias {
            let b = constant(&mut g, &format!("b{i}"), &[n], i as u64 + 10);
            // The ONNX exporters write the bias first as often as second.
            let ins = if i == 1 { [b, y] } else { [y, b] };
            y = g.add_node(Op::Binary(BinaryOp::Add), &ins).unwrap()[0];
        }
        outs.push(y);
    }
    let s = g.add_node(Op::Unary(edgecc_ir::UnaryOp::Relu), &[outs[0]]).unwrap()[0];
    g.add_output(s).unwrap();
    g.add_output(outs[1]).unwrap();
    g.add_output(outs[2]).unwrap();
    verify(&g).unwrap();
    g
}

fn count(g: &Graph, f: impl Fn(&Op) -> bool) -> usize {
    g.nodes().iter().filter(|n| f(&n.op)).count()
}

fn specialized_input(seq: usize) -> Vec<TensorData> {
    vec![TensorData::from_f32(DType::F32, vec![2, seq, 8], &values(2 * seq * 8, 99)).unwrap()]
}

fn check_same_outputs(before: &Graph, after: &Graph) {
    for seq in [1, 5] {
        // The reference interpreter takes the symbolic `seq` from the input's shape.
        let a = run(before, &specialized_input(seq)).unwrap();
        let b = run(after, &specialized_input(seq)).unwrap();
        assert_eq!(a.len(), b.len());
        for (p, q) in a.iter().zip(&b) {
            assert_eq!(p.shape(), q.shape());
            assert_eq!(p.to_f32_vec(), q.to_f32_vec(), "the same dot products, bit for bit");
        }
    }
}

#[test]
fn linear_layers_on_one_input_become_one_matmul_add_and_split() {
    let g = projections(true);
    let h = MergeMatMul.run(&g, &PassContext::default()).unwrap();
    verify(&h).unwrap();
    let h = crate::Dce.run(&h, &PassContext::default()).unwrap();
    assert_eq!(count(&h, |o| *o == Op::MatMul), 1);
    assert_eq!(count(&h, |o| matches!(o, Op::Binary(BinaryOp::Add))), 1, "one bias Add");
    assert_eq!(
        count(&h, |o| matches!(o, Op::Split { sizes, .. } if sizes == &[8, 4, 6])),
        1
    );
    let names: Vec<&str> = h.outputs().iter().map(|&v| h.value(v).name.as_str()).collect();
    let old: Vec<&str> = g.outputs().iter().map(|&v| g.value(v).name.as_str()).collect();
    assert_eq!(names, old, "outputs keep their names");
    check_same_outputs(&g, &h);
}

#[test]
fn without_biases_the_matmuls_merge_alone() {
    let g = projections(false);
    let h = crate::Dce
        .run(
            &MergeMatMul.run(&g, &PassContext::default()).unwrap(),
            &PassContext::default(),
        )
        .unwrap();
    assert_eq!(count(&h, |o| *o == Op::MatMul), 1);
    assert_eq!(count(&h, |o| matches!(o, Op::Binary(_))), 0);
    check_same_outputs(&g, &h);
}

#[test]
fn a_partial_set_of_biases_keeps_them_after_the_split() {
    // The third projection's result is also read by a Relu: its Add is not its only consumer.
    let mut g = projections(true);
    let third_mm = g
        .nodes()
        .iter()
        .filter(|n| n.op == Op::MatMul)
        .nth(2)
        .map(|n| n.outputs[0])
        .unwrap();
    let r = g.add_node(Op::Unary(edgecc_ir::UnaryOp::Relu), &[third_mm]).unwrap()[0];
    g.add_output(r).unwrap();
    let h = crate::Dce
        .run(
            &MergeMatMul.run(&g, &PassContext::default()).unwrap(),
            &PassContext::default(),
        )
        .unwrap();
    assert_eq!(count(&h, |o| *o == Op::MatMul), 1);
    assert_eq!(
        count(&h, |o| matches!(o, Op::Binary(BinaryOp::Add))),
        3,
        "the bias Adds stay"
    );
    check_same_outputs(&g, &h);
}

#[test]
fn what_does_not_merge_is_left_alone() {
    let mut g = Graph::new("t");
    let x = g.add_input("x", DType::F32, Shape::of(&[3, 8])).unwrap();
    let y = g.add_input("y", DType::F32, Shape::of(&[8, 4])).unwrap();
    // One constant-weight MatMul, one of two activations, one on another input: no group.
    let w = constant(&mut g, "w", &[8, 4], 1);
    let a = g.add_node(Op::MatMul, &[x, w]).unwrap()[0];
    let b = g.add_node(Op::MatMul, &[x, y]).unwrap()[0];
    let z = g.add_input("z", DType::F32, Shape::of(&[3, 8])).unwrap();
    let w2 = constant(&mut g, "w2", &[8, 4], 2);
    let c = g.add_node(Op::MatMul, &[z, w2]).unwrap()[0];
    for v in [a, b, c] {
        g.add_output(v).unwrap();
    }
    let h = MergeMatMul.run(&g, &PassContext::default()).unwrap();
    assert_eq!(h.nodes().len(), g.nodes().len());
    assert_eq!(count(&h, |o| matches!(o, Op::Split { .. })), 0);
}
