//! Shape and dtype inference: expected output types, symbolic dims, and errors naming the node.

use edgecc_ir::*;

fn t(dtype: DType, dims: &[usize]) -> TensorType {
    TensorType::new(dtype, Shape::of(dims))
}

fn f32t(dims: &[usize]) -> TensorType {
    t(DType::F32, dims)
}

fn out(op: Op, inputs: &[TensorType]) -> Result<Vec<TensorType>, String> {
    infer(&op, inputs, &[])
}

fn shape1(op: Op, inputs: &[TensorType]) -> Shape {
    out(op, inputs).expect("infers")[0].shape.clone()
}

#[test]
fn binary_broadcasts_and_comparisons_give_bool() {
    let add = Op::Binary(BinaryOp::Add);
    assert_eq!(shape1(add.clone(), &[f32t(&[3, 1]), f32t(&[1, 4])]), Shape::of(&[3, 4]));
    assert_eq!(shape1(add.clone(), &[f32t(&[]), f32t(&[2, 5])]), Shape::of(&[2, 5]));
    assert_eq!(shape1(add.clone(), &[f32t(&[0, 3]), f32t(&[1, 3])]), Shape::of(&[0, 3]));
    let less = out(Op::Binary(BinaryOp::Less), &[f32t(&[2]), f32t(&[2])]).unwrap();
    assert_eq!(less[0].dtype, DType::Bool);
    let e = out(add.clone(), &[f32t(&[3]), f32t(&[4])]).unwrap_err();
    assert!(e.contains("do not broadcast"), "{e}");
    let e = out(add, &[f32t(&[3]), t(DType::I64, &[3])]).unwrap_err();
    assert!(e.contains("different dtypes"), "{e}");
}

#[test]
fn symbolic_dims_flow_through_elementwise_and_matmul() {
    let seq = Dim::sym("seq", 128);
    let x = TensorType::new(DType::F32, Shape(vec![Dim::Static(1), seq.clone(), Dim::Static(64)]));
    let w = f32t(&[64, 32]);
    let y = shape1(Op::MatMul, &[x.clone(), w]);
    assert_eq!(y, Shape(vec![Dim::Static(1), seq.clone(), Dim::Static(32)]));
    // Reshape [1, seq, 64] -> [-1, 64] keeps seq; -> [0, 0, 4, 16] splits heads.
    let r = shape1(
        Op::Reshape {
            shape: vec![-1, 64],
            allowzero: false,
        },
        std::slice::from_ref(&x),
    );
    assert_eq!(r, Shape(vec![seq.clone(), Dim::Static(64)]));
    let r = shape1(
        Op::Reshape {
            shape: vec![0, 0, 4, 16],
            allowzero: false,
        },
        std::slice::from_ref(&x),
    );
    assert_eq!(
        r,
        Shape(vec![Dim::Static(1), seq.clone(), Dim::Static(4), Dim::Static(16)])
    );
    // Specializing later resolves it.
    let mut g = Graph::new("g");
    let xi = g.add_input("x", DType::F32, x.shape.clone()).unwrap();
    let s = g.add_node(Op::Unary(UnaryOp::Relu), &[xi]).unwrap()[0];
    g.add_output(s).unwrap();
    let spec = g.specialize(&[("seq".to_string(), 16)].into_iter().collect()).unwrap();
    assert_eq!(spec.ty(s).shape, Shape::of(&[1, 16, 64]));
}

#[test]
fn matmul_rank1_promotion_and_batch_broadcast() {
    assert_eq!(shape1(Op::MatMul, &[f32t(&[4]), f32t(&[4, 5])]), Shape::of(&[5]));
    assert_eq!(shape1(Op::MatMul, &[f32t(&[2, 3, 4]), f32t(&[4])]), Shape::of(&[2, 3]));
    assert_eq!(
        shape1(Op::MatMul, &[f32t(&[2, 1, 3, 4]), f32t(&[5, 4, 6])]),
        Shape::of(&[2, 5, 3, 6])
    );
    let e = out(Op::MatMul, &[f32t(&[3, 4]), f32t(&[5, 6])]).unwrap_err();
    assert!(e.contains("inner dims"), "{e}");
}

#[test]
fn reductions_axes_and_keepdims() {
    let r = |axes: Vec<i64>, keepdims| {
        shape1(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes,
                keepdims,
            },
            &[f32t(&[2, 3, 4])],
        )
    };
    assert_eq!(r(vec![-1], true), Shape::of(&[2, 3, 1]));
    assert_eq!(r(vec![0, 2], false), Shape::of(&[3]));
    assert_eq!(r(vec![], false), Shape::of(&[]));
    let e = out(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: vec![3],
            keepdims: true,
        },
        &[f32t(&[2, 3, 4])],
    )
    .unwrap_err();
    assert!(e.contains("out of range"), "{e}");
    let am = out(
        Op::ArgMax {
            axis: 1,
            keepdims: false,
            select_last_index: false,
        },
        &[f32t(&[2, 3])],
    )
    .unwrap();
    assert_eq!(am[0], t(DType::I64, &[2]));
}

#[test]
fn conv_pool_and_conv_transpose_extents() {
    let conv = Op::Conv {
        strides: vec![2, 2],
        pads: vec![1, 1, 1, 1],
        dilations: vec![1, 1],
        groups: 1,
    };
    assert_eq!(
        shape1(conv, &[f32t(&[1, 3, 32, 32]), f32t(&[8, 3, 3, 3])]),
        Shape::of(&[1, 8, 16, 16])
    );
    let dw = Op::Conv {
        strides: vec![1],
        pads: vec![0, 0],
        dilations: vec![2],
        groups: 4,
    };
    assert_eq!(
        shape1(dw, &[f32t(&[1, 4, 10]), f32t(&[4, 1, 3])]),
        Shape::of(&[1, 4, 6])
    );
    let ct = Op::ConvTranspose {
        strides: vec![2, 2],
        pads: vec![1, 1, 1, 1],
        dilations: vec![1, 1],
        output_padding: vec![1, 1],
        groups: 1,
    };
    assert_eq!(
        shape1(ct, &[f32t(&[1, 8, 4, 4]), f32t(&[8, 3, 3, 3])]),
        Shape::of(&[1, 3, 8, 8])
    );
    let pool = |ceil_mode| Op::MaxPool {
        kernel: vec![3, 3],
        strides: vec![2, 2],
        pads: vec![0, 0, 0, 0],
        dilations: vec![1, 1],
        ceil_mode,
    };
    assert_eq!(shape1(pool(false), &[f32t(&[1, 1, 6, 6])]), Shape::of(&[1, 1, 2, 2]));
    assert_eq!(shape1(pool(true), &[f32t(&[1, 1, 6, 6])]), Shape::of(&[1, 1, 3, 3]));
    let bad = Op::Conv {
        strides: vec![1, 1],
        pads: vec![0, 0, 0, 0],
        dilations: vec![1, 1],
        groups: 1,
    };
    let e = out(bad, &[f32t(&[1, 3, 8, 8]), f32t(&[8, 4, 3, 3])]).unwrap_err();
    assert!(e.contains("channels"), "{e}");
}

/// Pools take 1 or 2 spatial dims (3-D is refused with a message saying so); MaxPool takes any
/// numeric dtype, AveragePool floats only.
#[test]
fn pooling_rank_and_dtype() {
    let max = |k: usize| Op::MaxPool {
        kernel: vec![2; k],
        strides: vec![1; k],
        pads: vec![0; 2 * k],
        dilations: vec![1; k],
        ceil_mode: false,
    };
    let avg = |k: usize| Op::AveragePool {
        kernel: vec![2; k],
        strides: vec![1; k],
        pads: vec![0; 2 * k],
        ceil_mode: false,
        count_include_pad: false,
    };
    assert_eq!(shape1(max(1), &[f32t(&[1, 2, 5])]), Shape::of(&[1, 2, 4]));
    for op in [max(3), avg(3)] {
        let e = out(op, &[f32t(&[1, 1, 4, 4, 4])]).unwrap_err();
        assert!(e.contains("3-D pooling is not supported"), "{e}");
    }
    let u8t = TensorType::new(DType::U8, Shape::of(&[1, 1, 4, 4]));
    let y = out(max(2), std::slice::from_ref(&u8t)).unwrap();
    assert_eq!(y[0], TensorType::new(DType::U8, Shape::of(&[1, 1, 3, 3])));
    let e = out(avg(2), &[u8t]).unwrap_err();
    assert!(e.contains("float"), "{e}");
}

#[test]
fn slice_gather_pad_and_friends() {
    let slice = Op::Slice {
        starts: vec![-1, 0],
        ends: vec![i64::MIN, i64::MAX],
        axes: vec![0, -1],
        steps: vec![-2, 3],
    };
    assert_eq!(shape1(slice, &[f32t(&[5, 7])]), Shape::of(&[3, 3]));
    assert_eq!(slice_len(10, 2, 8, 3), 2);
    assert_eq!(slice_len(10, 100, 200, 1), 0);
    // Negative steps clamp the start to [0, dim - 1] (ONNX), so x[-2::-1] on one element keeps it.
    assert_eq!(slice_len(1, -2, i64::MIN, -1), 1);
    assert_eq!(slice_len(0, -1, i64::MIN, -1), 0);
    assert_eq!(slice_len(5, 10, i64::MIN, -2), 3);
    let g = Op::Gather { axis: 1 };
    assert_eq!(
        shape1(g, &[f32t(&[2, 5, 3]), t(DType::I64, &[4, 2])]),
        Shape::of(&[2, 4, 2, 3])
    );
    let g0 = Op::Gather { axis: 0 };
    assert_eq!(shape1(g0, &[f32t(&[5, 3]), t(DType::I64, &[])]), Shape::of(&[3]));
    let pad = Op::Pad {
        pads: vec![1, -1, 2, 0],
        mode: PadMode::Constant,
        value: 0.0,
    };
    assert_eq!(shape1(pad, &[f32t(&[3, 4])]), Shape::of(&[6, 3]));
    let refl = Op::Pad {
        pads: vec![3, 0],
        mode: PadMode::Reflect,
        value: 0.0,
    };
    assert!(out(refl, &[f32t(&[3])]).is_err());
    let uns = Op::Unsqueeze { axes: vec![0, -1] };
    assert_eq!(shape1(uns, &[f32t(&[3, 4])]), Shape::of(&[1, 3, 4, 1]));
    let sq = Op::Squeeze { axes: vec![] };
    assert_eq!(shape1(sq, &[f32t(&[1, 3, 1])]), Shape::of(&[3]));
    assert_eq!(shape1(Op::Flatten { axis: 0 }, &[f32t(&[2, 3])]), Shape::of(&[1, 6]));
    assert_eq!(
        shape1(Op::Flatten { axis: -1 }, &[f32t(&[2, 3, 4])]),
        Shape::of(&[6, 4])
    );
    let split = out(
        Op::Split {
            axis: -1,
            sizes: vec![1, 3],
        },
        &[f32t(&[2, 4])],
    )
    .unwrap();
    assert_eq!(split, vec![f32t(&[2, 1]), f32t(&[2, 3])]);
    let range = out(
        Op::Range {
            start: 0.0,
            limit: 10.0,
            delta: 3.0,
            dtype: DType::I64,
        },
        &[],
    )
    .unwrap();
    assert_eq!(range[0], t(DType::I64, &[4]));
    let shp = out(Op::Shape { start: -2, end: None }, &[f32t(&[2, 3, 4])]).unwrap();
    assert_eq!(shp[0], t(DType::I64, &[2]));
    let ex = Op::Expand { shape: vec![3, 1, 4] };
    assert_eq!(shape1(ex, &[f32t(&[2, 1])]), Shape::of(&[3, 2, 4]));
    let tk = out(
        Op::TopK {
            k: 2,
            axis: -1,
            largest: true,
        },
        &[f32t(&[3, 5])],
    )
    .unwrap();
    assert_eq!(tk, vec![f32t(&[3, 2]), t(DType::I64, &[3, 2])]);
}

#[test]
fn attention_and_norm_types() {
    let q = f32t(&[2, 4, 8, 16]);
    let kv = f32t(&[2, 1, 10, 16]);
    let mask = t(DType::Bool, &[8, 10]);
    let o = out(
        Op::Attention {
            scale: None,
            causal: true,
        },
        &[q, kv.clone(), kv, mask],
    )
    .unwrap();
    assert_eq!(o[0], f32t(&[2, 4, 8, 16]));
    let ln = out(
        Op::LayerNorm {
            axis: -1,
            epsilon: 1e-5,
        },
        &[f32t(&[2, 3, 8]), f32t(&[8]), f32t(&[8])],
    )
    .unwrap();
    assert_eq!(ln[0], f32t(&[2, 3, 8]));
    let e = out(
        Op::LayerNorm {
            axis: -1,
            epsilon: 1e-5,
        },
        &[f32t(&[2, 3, 8]), f32t(&[7])],
    )
    .unwrap_err();
    assert!(e.contains("normalized shape"), "{e}");
    let e = out(
        Op::GroupNorm {
            num_groups: 3,
            epsilon: 1e-5,
        },
        &[f32t(&[1, 8, 4, 4]), f32t(&[8]), f32t(&[8])],
    )
    .unwrap_err();
    assert!(e.contains("groups"), "{e}");
}

#[test]
fn errors_name_the_node_and_leave_the_graph_unchanged() {
    let mut g = Graph::new("g");
    let x = g.add_input("x", DType::F32, Shape::of(&[2, 3])).unwrap();
    let y = g.add_input("y", DType::F32, Shape::of(&[4, 5])).unwrap();
    let before = g.clone();
    let e = g
        .add_node_named("proj", Op::MatMul, &[x, y], &["z".to_string()])
        .unwrap_err();
    assert_eq!(e.to_string(), "node `proj` (MatMul): inner dims: 3 and 4 differ");
    assert_eq!(g, before);
    let e = g.add_node(Op::Unary(UnaryOp::Exp), &[]).unwrap_err();
    assert!(e.to_string().contains("takes 1 inputs, got 0"), "{e}");
    let e = g.add_node(Op::Unary(UnaryOp::Not), &[x]).unwrap_err();
    assert!(e.to_string().contains("must be bool"), "{e}");
}

#[test]
fn verifier_catches_edits() {
    let mut b = Builder::new("g");
    let x = b.input("x", DType::F32, Shape::of(&[2, 3])).unwrap();
    let y = b.relu(x).unwrap();
    let z = b.exp(y).unwrap();
    b.output(z).unwrap();
    let g = b.finish().unwrap();
    verify(&g).unwrap();

    let mut bad = g.clone();
    bad.value_mut(z).ty = f32t(&[3, 2]);
    let e = verify(&bad).unwrap_err().to_string();
    assert!(e.contains("recorded as f32[3, 2]"), "{e}");

    let mut bad = g.clone();
    let n0 = NodeId(0);
    bad.node_mut(n0).inputs = vec![z];
    let e = verify(&bad).unwrap_err().to_string();
    assert!(e.contains("used before it is defined"), "{e}");

    let mut bad = g.clone();
    bad.node_mut(NodeId(1)).op = Op::Softmax { axis: 5 };
    let e = verify(&bad).unwrap_err().to_string();
    assert!(e.contains("axis 5 is out of range"), "{e}");

    let mut bad = g;
    bad.value_mut(y).name = "x".into();
    assert!(verify(&bad).is_err());
}

#[test]
fn absurd_sizes_and_ambiguous_shapes_are_errors() {
    // A tensor declaring 2^59 elements (each dim within the per-dim limit) is refused, in text too.
    let src = "graph g {\n  const @c: f32[1099511627776, 524288] = hex\"\"\n  %c = Constant(@c)\n  output %c\n}\n";
    assert!(parse(src).is_err());
    // An empty input does not license an absurd output.
    let e = out(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: vec![0],
            keepdims: false,
        },
        &[f32t(&[0, 1 << 32, 1 << 32])],
    )
    .unwrap_err();
    assert!(e.contains("elements"), "{e}");
    // Squeeze without axes cannot know whether a symbolic dim is 1.
    let x = TensorType::new(DType::F32, Shape(vec![Dim::sym("batch", 8), Dim::Static(3)]));
    let e = out(Op::Squeeze { axes: vec![] }, &[x]).unwrap_err();
    assert!(e.contains("symbolic"), "{e}");
    // Reshape [0, -1] of an empty tensor: the -1 is ambiguous (numpy refuses it too).
    let e = out(
        Op::Reshape {
            shape: vec![0, -1],
            allowzero: false,
        },
        &[f32t(&[0, 3])],
    )
    .unwrap_err();
    assert!(e.contains("-1"), "{e}");
    // ConvTranspose of an empty spatial extent is empty, as the interpreter computes.
    let ct = Op::ConvTranspose {
        strides: vec![1, 1],
        pads: vec![0, 0, 0, 0],
        dilations: vec![1, 1],
        output_padding: vec![0, 0],
        groups: 1,
    };
    assert_eq!(
        shape1(ct, &[f32t(&[1, 2, 0, 4]), f32t(&[2, 3, 3, 3])]),
        Shape::of(&[1, 3, 0, 6])
    );
}
