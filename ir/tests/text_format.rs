//! Hand-written examples of the text format: exact printed text for every op kind, node names,
//! constants, quoted names, comments, and parse errors with their exact line and column.

use edgecc_ir::{
    parse, verify, BinaryOp, CoordMode, DType, Dim, Graph, IrError, NearestMode, Op, PadMode, ReduceOp, ResizeMode,
    Shape, TensorData, UnaryOp,
};

const PREAMBLE: &str = "  input %x: f32[2, 3]
  input %v: f32[3]
  input %b: bool[2, 3]
  input %n: i64[2, 3]
  input %idx: i64[2]
  input %img: f32[1, 2, 4, 4]
  input %ch: f32[2]
  input %w: f32[2, 2, 3, 3]
  input %wt: f32[2, 2, 2, 2]
  input %k: f32[3, 4]
  input %q: f32[1, 2, 4, 8]
  input %mask: bool[4, 4]
";

/// Parses a graph made of the preamble, `line` and `output %y`; checks that it prints back
/// exactly, verifies, and that the last node's op is `op`.
#[track_caller]
fn check(line: &str, op: Op) {
    let src = format!("graph t {{\n{PREAMBLE}  {line}\n  output %y\n}}\n");
    let g = match parse(&src) {
        Ok(g) => g,
        Err(e) => panic!("{e}\n{src}"),
    };
    assert_eq!(g.to_string(), src);
    assert_eq!(verify(&g), Ok(()));
    assert_eq!(g.nodes().last().map(|n| &n.op), Some(&op), "{line}");
}

#[test]
fn unary_ops() {
    let cases: [(UnaryOp, &str); 21] = [
        (UnaryOp::Neg, "%y: f32[2, 3] = Neg(%x)"),
        (UnaryOp::Abs, "%y: f32[2, 3] = Abs(%x)"),
        (UnaryOp::Exp, "%y: f32[2, 3] = Exp(%x)"),
        (UnaryOp::Log, "%y: f32[2, 3] = Log(%x)"),
        (UnaryOp::Sqrt, "%y: f32[2, 3] = Sqrt(%x)"),
        (UnaryOp::Rsqrt, "%y: f32[2, 3] = Rsqrt(%x)"),
        (UnaryOp::Reciprocal, "%y: f32[2, 3] = Reciprocal(%x)"),
        (UnaryOp::Tanh, "%y: f32[2, 3] = Tanh(%x)"),
        (UnaryOp::Sigmoid, "%y: f32[2, 3] = Sigmoid(%x)"),
        (UnaryOp::Erf, "%y: f32[2, 3] = Erf(%x)"),
        (UnaryOp::Relu, "%y: f32[2, 3] = Relu(%x)"),
        (
            UnaryOp::LeakyRelu { alpha: 0.01 },
            "%y: f32[2, 3] = LeakyRelu<alpha=0.01>(%x)",
        ),
        (UnaryOp::Gelu { tanh: false }, "%y: f32[2, 3] = Gelu<tanh=false>(%x)"),
        (UnaryOp::Gelu { tanh: true }, "%y: f32[2, 3] = Gelu<tanh=true>(%x)"),
        (UnaryOp::Silu, "%y: f32[2, 3] = Silu(%x)"),
        (UnaryOp::Sin, "%y: f32[2, 3] = Sin(%x)"),
        (UnaryOp::Cos, "%y: f32[2, 3] = Cos(%x)"),
        (UnaryOp::Floor, "%y: f32[2, 3] = Floor(%x)"),
        (UnaryOp::Ceil, "%y: f32[2, 3] = Ceil(%x)"),
        (UnaryOp::Round, "%y: f32[2, 3] = Round(%x)"),
        (UnaryOp::Not, "%y: bool[2, 3] = Not(%b)"),
    ];
    for (u, line) in cases {
        check(line, Op::Unary(u));
    }
}

#[test]
fn binary_ops() {
    for b in BinaryOp::ALL {
        let line = if b.is_logical() {
            format!("%y: bool[2, 3] = {}(%b, %b)", b.name())
        } else if b.is_comparison() {
            format!("%y: bool[2, 3] = {}(%x, %v)", b.name())
        } else if b == BinaryOp::Mod {
            "%y: i64[2, 3] = Mod(%n, %n)".to_string()
        } else {
            format!("%y: f32[2, 3] = {}(%x, %v)", b.name())
        };
        check(&line, Op::Binary(b));
    }
}

#[test]
fn reductions() {
    for r in ReduceOp::ALL {
        let line = format!("%y: f32[2] = {}<axes=[1], keepdims=false>(%x)", r.name());
        let op = Op::Reduce {
            op: r,
            axes: vec![1],
            keepdims: false,
        };
        check(&line, op);
    }
    check(
        "%y: f32[1, 1] = ReduceSum<axes=[], keepdims=true>(%x)",
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: vec![],
            keepdims: true,
        },
    );
    check(
        "%y: i64[2, 1] = ArgMax<axis=-1, keepdims=true, select_last_index=false>(%x)",
        Op::ArgMax {
            axis: -1,
            keepdims: true,
            select_last_index: false,
        },
    );
    check(
        "%y: i64[3] = ArgMin<axis=0, keepdims=false, select_last_index=true>(%x)",
        Op::ArgMin {
            axis: 0,
            keepdims: false,
            select_last_index: true,
        },
    );
}

#[test]
fn elementwise_with_attributes() {
    check("%y: f16[2, 3] = Cast<to=f16>(%x)", Op::Cast { to: DType::F16 });
    check("%y: u4[2, 3] = Cast<to=u4>(%x)", Op::Cast { to: DType::U4 });
    check("%y: f32[2, 3] = Where(%b, %x, %v)", Op::Where);
    check(
        "%y: f32[2, 3] = Clip<min=0.0, max=6.0>(%x)",
        Op::Clip {
            min: Some(0.0),
            max: Some(6.0),
        },
    );
    check(
        "%y: f32[2, 3] = Clip<max=6.5>(%x)",
        Op::Clip {
            min: None,
            max: Some(6.5),
        },
    );
    check("%y: f32[2, 3] = Clip(%x)", Op::Clip { min: None, max: None });
    check("%y: f32[2, 3] = Identity(%x)", Op::Identity);
    check("%y: f32[2, 3] = Softmax<axis=-1>(%x)", Op::Softmax { axis: -1 });
    check("%y: f32[2, 3] = LogSoftmax<axis=0>(%x)", Op::LogSoftmax { axis: 0 });
    check(
        "%y: f32[2, 3] = CumSum<axis=1, exclusive=false, reverse=true>(%x)",
        Op::CumSum {
            axis: 1,
            exclusive: false,
            reverse: true,
        },
    );
    check(
        "%y: f32[2, 3] = Trilu<upper=true, k=-1>(%x)",
        Op::Trilu { upper: true, k: -1 },
    );
    check(
        "%y: f32[2, 2], %yi: i64[2, 2] = TopK<k=2, axis=-1, largest=true>(%x)",
        Op::TopK {
            k: 2,
            axis: -1,
            largest: true,
        },
    );
}

#[test]
fn norms() {
    check(
        "%y: f32[2, 3] = LayerNorm<axis=-1, epsilon=1e-5>(%x, %v, %v)",
        Op::LayerNorm {
            axis: -1,
            epsilon: 1e-5,
        },
    );
    check(
        "%y: f32[2, 3] = RMSNorm<axis=1, epsilon=1e-6>(%x, %v)",
        Op::RmsNorm { axis: 1, epsilon: 1e-6 },
    );
    check(
        "%y: f32[1, 2, 4, 4] = GroupNorm<num_groups=2, epsilon=1e-5>(%img, %ch, %ch)",
        Op::GroupNorm {
            num_groups: 2,
            epsilon: 1e-5,
        },
    );
    check(
        "%y: f32[1, 2, 4, 4] = InstanceNorm<epsilon=0.001>(%img, %ch, %ch)",
        Op::InstanceNorm { epsilon: 0.001 },
    );
    check(
        "%y: f32[1, 2, 4, 4] = BatchNorm<epsilon=1e-5>(%img, %ch, %ch, %ch, %ch)",
        Op::BatchNorm { epsilon: 1e-5 },
    );
}

#[test]
fn linear_algebra_and_attention() {
    check("%y: f32[2, 4] = MatMul(%x, %k)", Op::MatMul);
    check(
        "%y: f32[2, 2] = Gemm<alpha=1.0, beta=0.5, trans_a=false, trans_b=true>(%x, %x)",
        Op::Gemm {
            alpha: 1.0,
            beta: 0.5,
            trans_a: false,
            trans_b: true,
        },
    );
    check(
        "%y: f32[1, 2, 4, 8] = Attention<causal=true>(%q, %q, %q)",
        Op::Attention {
            scale: None,
            causal: true,
        },
    );
    check(
        "%y: f32[1, 2, 4, 8] = Attention<scale=0.125, causal=false>(%q, %q, %q, %mask)",
        Op::Attention {
            scale: Some(0.125),
            causal: false,
        },
    );
}

#[test]
fn convolutions_and_pools() {
    check(
        "%y: f32[1, 2, 4, 4] = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%img, %w, %ch)",
        Op::Conv {
            strides: vec![1, 1],
            pads: vec![1, 1, 1, 1],
            dilations: vec![1, 1],
            groups: 1,
        },
    );
    check(
        "%y: f32[1, 2, 8, 8] = ConvTranspose<strides=[2, 2], pads=[0, 0, 0, 0], dilations=[1, 1], \
         output_padding=[0, 0], groups=1>(%img, %wt)",
        Op::ConvTranspose {
            strides: vec![2, 2],
            pads: vec![0; 4],
            dilations: vec![1, 1],
            output_padding: vec![0, 0],
            groups: 1,
        },
    );
    check(
        "%y: f32[1, 2, 2, 2] = MaxPool<kernel=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0], dilations=[1, 1], \
         ceil_mode=false>(%img)",
        Op::MaxPool {
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![0; 4],
            dilations: vec![1, 1],
            ceil_mode: false,
        },
    );
    check(
        "%y: f32[1, 2, 4, 4] = AveragePool<kernel=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], ceil_mode=false, \
         count_include_pad=true>(%img)",
        Op::AveragePool {
            kernel: vec![3, 3],
            strides: vec![1, 1],
            pads: vec![1; 4],
            ceil_mode: false,
            count_include_pad: true,
        },
    );
    check("%y: f32[1, 2, 1, 1] = GlobalAveragePool(%img)", Op::GlobalAveragePool);
    check(
        "%y: f32[1, 2, 8, 8] = Resize<mode=linear, coord=half_pixel, nearest=round_prefer_floor, \
         scales=[1.0, 1.0, 2.0, 2.0]>(%img)",
        Op::Resize {
            mode: ResizeMode::Linear,
            coord: CoordMode::HalfPixel,
            nearest: NearestMode::RoundPreferFloor,
            scales: vec![1.0, 1.0, 2.0, 2.0],
            sizes: None,
        },
    );
    check(
        "%y: f32[1, 2, 2, 2] = Resize<mode=nearest, coord=asymmetric, nearest=floor, scales=[1.0, 1.0, 0.5, 0.5], \
         sizes=[1, 2, 2, 2]>(%img)",
        Op::Resize {
            mode: ResizeMode::Nearest,
            coord: CoordMode::Asymmetric,
            nearest: NearestMode::Floor,
            scales: vec![1.0, 1.0, 0.5, 0.5],
            sizes: Some(vec![1, 2, 2, 2]),
        },
    );
}

#[test]
fn layout_ops() {
    check(
        "%y: f32[3, 2] = Reshape<shape=[3, -1], allowzero=false>(%x)",
        Op::Reshape {
            shape: vec![3, -1],
            allowzero: false,
        },
    );
    check(
        "%y: f32[3, 2] = Transpose<perm=[1, 0]>(%x)",
        Op::Transpose { perm: vec![1, 0] },
    );
    check("%y: f32[4, 3] = Concat<axis=0>(%x, %x)", Op::Concat { axis: 0 });
    check(
        "%y: f32[2, 1], %z: f32[2, 2] = Split<axis=1, sizes=[1, 2]>(%x)",
        Op::Split {
            axis: 1,
            sizes: vec![1, 2],
        },
    );
    check(
        "%y: f32[2, 2] = Slice<starts=[1], ends=[9223372036854775807], axes=[-1], steps=[1]>(%x)",
        Op::Slice {
            starts: vec![1],
            ends: vec![i64::MAX],
            axes: vec![-1],
            steps: vec![1],
        },
    );
    check("%y: f32[2, 3] = Gather<axis=0>(%x, %idx)", Op::Gather { axis: 0 });
    check(
        "%y: f32[2, 3] = GatherElements<axis=1>(%x, %n)",
        Op::GatherElements { axis: 1 },
    );
    check(
        "%y: f32[4, 2, 3] = Expand<shape=[4, 1, 1]>(%x)",
        Op::Expand { shape: vec![4, 1, 1] },
    );
    check(
        "%y: f32[2, 4, 4] = Squeeze<axes=[0]>(%img)",
        Op::Squeeze { axes: vec![0] },
    );
    check(
        "%y: f32[2, 1, 3] = Unsqueeze<axes=[1]>(%x)",
        Op::Unsqueeze { axes: vec![1] },
    );
    check("%y: f32[1, 32] = Flatten<axis=1>(%img)", Op::Flatten { axis: 1 });
    check(
        "%y: f32[4, 3] = Pad<pads=[1, 0, 1, 0], mode=reflect, value=0.0>(%x)",
        Op::Pad {
            pads: vec![1, 0, 1, 0],
            mode: PadMode::Reflect,
            value: 0.0,
        },
    );
    check(
        "%y: f32[2, 6] = Tile<repeats=[1, 2]>(%x)",
        Op::Tile { repeats: vec![1, 2] },
    );
    check(
        "%y: i64[5] = Range<start=0.0, limit=10.0, delta=2.0, dtype=i64>()",
        Op::Range {
            start: 0.0,
            limit: 10.0,
            delta: 2.0,
            dtype: DType::I64,
        },
    );
    check("%y: i64[2] = Shape<start=0>(%x)", Op::Shape { start: 0, end: None });
    check(
        "%y: i64[1] = Shape<start=1, end=2>(%x)",
        Op::Shape { start: 1, end: Some(2) },
    );
    check(
        "%y: f16[2, 2] = ConstantOfShape<shape=[2, 2], value=1.5, dtype=f16>()",
        Op::ConstantOfShape {
            shape: vec![2, 2],
            value: 1.5,
            dtype: DType::F16,
        },
    );
}

#[test]
fn graph_built_through_the_api_prints_exactly() {
    let mut g = Graph::new("mlp");
    let x = g
        .add_input("x", DType::F32, Shape(vec![Dim::sym("batch", 64), Dim::Static(2)]))
        .unwrap();
    let data = TensorData::from_f32(DType::F32, vec![2, 2], &[1.0, 0.0, 0.0, 1.0]).unwrap();
    let w = g.add_const_value("w1", data).unwrap();
    let h = g.add_node(Op::MatMul, &[x, w]).unwrap()[0];
    let y = g
        .add_node_named("/softmax/Softmax", Op::Softmax { axis: -1 }, &[h], &["y".to_string()])
        .unwrap()[0];
    g.add_output(y).unwrap();
    let expected = "\
graph mlp {
  input %x: f32[batch<=64, 2]
  const @w1: f32[2, 2] = hex\"0000803f00000000000000000000803f\"
  %w1: f32[2, 2] = Constant(@w1)
  %matmul: f32[batch<=64, 2] = MatMul(%x, %w1)
  %y: f32[batch<=64, 2] = Softmax<axis=-1>(%matmul) #\"/softmax/Softmax\"
  output %y
}
";
    assert_eq!(g.to_string(), expected);
    let parsed = parse(expected).unwrap();
    assert_eq!(parsed, g);
    assert_eq!(parsed.node(edgecc_ir::NodeId(0)).name, "w1_const");
    assert_eq!(parsed.node(edgecc_ir::NodeId(1)).name, "matmul");
}

#[test]
fn constants_of_every_dtype_scalars_and_empty_dims() {
    let src = "\
graph consts {
  const @a: f32[] = hex\"0000c03f\"
  const @b: f16[2] = hex\"003c00c0\"
  const @c: bf16[1] = hex\"803f\"
  const @d: i8[3] = hex\"ff0102\"
  const @e: u8[2] = hex\"00ff\"
  const @f: i32[1] = hex\"ffffffff\"
  const @g: i64[1] = hex\"0100000000000000\"
  const @h: bool[2] = hex\"0100\"
  const @i: i4[3] = hex\"f107\"
  const @j: u4[1] = hex\"0f\"
  const @k: f32[0, 3] = hex\"\"
  const @k: i8[1] = hex\"07\"
  %a: f32[] = Constant(@a)
  %i: i4[3] = Constant(@i)
  %k: f32[0, 3] = Constant(@10)
  %k2: i8[1] = Constant(@11)
  output %a
  output %i
  output %k
  output %k2
}
";
    let g = parse(src).unwrap();
    assert_eq!(g.to_string(), src);
    assert_eq!(verify(&g), Ok(()));
    assert_eq!(g.consts().len(), 12);
    assert_eq!(g.consts()[8].data.to_i64_vec(), vec![1, -1, 7]);
    // Node names: the default for a constant node is `<out>_const`.
    assert_eq!(g.nodes()[3].name, "k2_const");
}

#[test]
fn quoted_names_round_trip() {
    let mut g = Graph::new("model/v1 \"x\"");
    let x = g
        .add_input("/layer.0/attn/Add_output_0", DType::F32, Shape::of(&[2]))
        .unwrap();
    let s = g
        .add_input("0", DType::F32, Shape(vec![Dim::sym("my dim", 4)]))
        .unwrap();
    let names = ["onnx::MatMul_12".to_string()];
    let y = g
        .add_node_named("Add\\node", Op::Binary(BinaryOp::Add), &[x, x], &names)
        .unwrap()[0];
    let z = g
        .add_node_named("tab\tnode", Op::Unary(UnaryOp::Relu), &[s], &["ünï\"\n".to_string()])
        .unwrap()[0];
    g.add_output(y).unwrap();
    g.add_output(z).unwrap();
    let expected = r#"graph "model/v1 \"x\"" {
  input %"/layer.0/attn/Add_output_0": f32[2]
  input %"0": f32["my dim"<=4]
  %"onnx::MatMul_12": f32[2] = Add(%"/layer.0/attn/Add_output_0", %"/layer.0/attn/Add_output_0") #"Add\\node"
  %"ünï\"\n": f32["my dim"<=4] = Relu(%"0") #"tab\tnode"
  output %"onnx::MatMul_12"
  output %"ünï\"\n"
}
"#;
    assert_eq!(g.to_string(), expected);
    assert_eq!(parse(expected).unwrap(), g);
    // Hand-written: `\u{..}` escapes and plain digit names after `%`.
    let src = "graph g { input %0: f32[] %\"a\\u{41}\": f32[] = Neg(%0) output %\"aA\" }";
    let g2 = parse(src).unwrap();
    assert!(g2.find_value("aA").is_some());
    assert!(g2.find_value("0").is_some());
}

#[test]
fn comments_and_layout_are_free() {
    let src = "; a filetest header\n; check: %y\ngraph   g{;c\ninput %x ;c\n: f32[ 2 ,3 ]\n%y: f32[2, 3] = Relu ( %x ) ; check: Relu\noutput %y ; end\n} ; trailing\n";
    let g = parse(src).unwrap();
    let expected = "graph g {\n  input %x: f32[2, 3]\n  %y: f32[2, 3] = Relu(%x)\n  output %y\n}\n";
    assert_eq!(g.to_string(), expected);
}

#[test]
fn declared_types_are_optional_when_parsing() {
    let g = parse("graph g {\n  input %x: f32[2]\n  %y = Exp(%x)\n  output %y\n}\n").unwrap();
    assert_eq!(
        g.to_string(),
        "graph g {\n  input %x: f32[2]\n  %y: f32[2] = Exp(%x)\n  output %y\n}\n"
    );
}

#[test]
fn node_names() {
    let src = "\
graph g {
  input %x: f32[2]
  %a_out0: f32[2] = Exp(%x)
  %b: f32[2] = Exp(%a_out0) #custom
  output %b
}
";
    let g = parse(src).unwrap();
    assert_eq!(g.nodes()[0].name, "a");
    assert_eq!(g.nodes()[1].name, "custom");
    assert_eq!(g.to_string(), src);
    // A default name that is already taken is made unique (and then printed).
    let g = parse("graph g { input %x: f32[2] %a_out0 = Exp(%x) %a = Exp(%x) output %a }").unwrap();
    assert_eq!(g.nodes()[0].name, "a");
    assert_ne!(g.nodes()[1].name, "a");
    let printed = g.to_string();
    assert!(
        printed.contains(&format!("= Exp(%x) #{}", g.nodes()[1].name)),
        "{printed}"
    );
    assert_eq!(parse(&printed).unwrap(), g);
}

#[test]
fn float_attributes_round_trip_bit_exactly() {
    let vals = [
        0.01f32,
        1e-5,
        -0.0,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::MAX,
        1.0 / 3.0,
        f32::EPSILON,
    ];
    for alpha in vals {
        let mut g = Graph::new("g");
        let x = g.add_input("x", DType::F32, Shape::of(&[2])).unwrap();
        let op = Op::Gemm {
            alpha,
            beta: -alpha,
            trans_a: false,
            trans_b: false,
        };
        let x2 = g.add_input("m", DType::F32, Shape::of(&[2, 2])).unwrap();
        let _ = x;
        let y = g.add_node(op, &[x2, x2]).unwrap()[0];
        g.add_output(y).unwrap();
        let p = parse(&g.to_string()).unwrap();
        match &p.nodes()[0].op {
            Op::Gemm { alpha: a, beta: b, .. } => {
                assert_eq!(a.to_bits(), alpha.to_bits());
                assert_eq!(b.to_bits(), (-alpha).to_bits());
            }
            other => panic!("{other:?}"),
        }
    }
    // Infinite bounds round-trip too.
    let mut g = Graph::new("g");
    let x = g.add_input("x", DType::F32, Shape::of(&[2])).unwrap();
    let op = Op::Clip {
        min: Some(f64::NEG_INFINITY),
        max: Some(f64::INFINITY),
    };
    let y = g.add_node(op.clone(), &[x]).unwrap()[0];
    g.add_output(y).unwrap();
    assert_eq!(parse(&g.to_string()).unwrap().nodes()[0].op, op);
    // A non-canonical NaN is printed as its bits.
    let mut g = Graph::new("g");
    let x = g.add_input("x", DType::F32, Shape::of(&[2])).unwrap();
    let value = f64::from_bits(0x7ff8_0000_0000_0001);
    let op = Op::Pad {
        pads: vec![1, 1],
        mode: PadMode::Constant,
        value,
    };
    let y = g.add_node(op, &[x]).unwrap()[0];
    g.add_output(y).unwrap();
    let text = g.to_string();
    assert!(text.contains("value=0x7ff8000000000001"), "{text}");
    match &parse(&text).unwrap().nodes()[0].op {
        Op::Pad { value: v, .. } => assert_eq!(v.to_bits(), value.to_bits()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_node_graph_and_input_as_output() {
    let src = "graph g {\n  input %x: i64[n<=4, 0]\n  output %x\n  output %x\n}\n";
    let g = parse(src).unwrap();
    assert_eq!(g.to_string(), src);
}

/// The (line, column, message) of a parse error.
#[track_caller]
fn err(src: &str) -> (usize, usize, String) {
    match parse(src) {
        Err(IrError::Parse { line, col, msg }) => (line, col, msg),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[track_caller]
fn assert_err(src: &str, line: usize, col: usize, needle: &str) {
    let (l, c, msg) = err(src);
    assert_eq!((l, c), (line, col), "{msg}");
    assert!(msg.contains(needle), "message `{msg}` does not contain `{needle}`");
}

const HEAD: &str = "graph g {\n  input %x: f32[2, 3]\n";

#[test]
fn parse_errors_have_exact_positions() {
    let e = |body: &str| format!("{HEAD}{body}\n  output %x\n}}\n");
    assert_err(&e("  %y: f32[2, 3] = Foo(%x)"), 3, 19, "unknown op `Foo`");
    assert_err(
        &e("  %y: f32[2, 3] = Softmax<axs=1>(%x)"),
        3,
        27,
        "unknown attribute `axs`",
    );
    assert_err(&e("  %y: f32[2, 3] = Softmax<axs=1>(%x)"), 3, 27, "Softmax takes axis");
    assert_err(&e("  %y: f32[2, 3] = Softmax(%x)"), 3, 19, "missing attribute `axis`");
    assert_err(
        &e("  %y: f32[2, 3] = Softmax<axis=true>(%x)"),
        3,
        32,
        "expected an integer",
    );
    assert_err(
        &e("  %y: f32[2, 3] = Softmax<axis=1, axis=1>(%x)"),
        3,
        35,
        "given twice",
    );
    assert_err(&e("  %y: f32[2, 3] = Cast<to=f33>(%x)"), 3, 27, "unknown dtype `f33`");
    assert_err(
        &e("  %y: f32[2, 3] = Pad<pads=[1], mode=wrap, value=0.0>(%x)"),
        3,
        38,
        "expected one of constant",
    );
    assert_err("graph g {\n  input %x: f33[2]\n}\n", 2, 13, "unknown dtype `f33`");
    assert_err(
        &e("  %y: f32[3, 2] = Relu(%x)"),
        3,
        7,
        "value `%y`: declared type f32[3, 2] but inference gives f32[2, 3]",
    );
    assert_err(&e("  %y: f32[2, 3] = Relu(%z)"), 3, 24, "undefined value `%z`");
    assert_err(&e("  %y: f32[2, 3] = Relu(%y)"), 3, 24, "undefined value `%y`");
    assert_err(&e("  %x: f32[2, 3] = Relu(%x)"), 3, 3, "value `%x` is defined twice");
    assert_err(
        "graph g {\n  input %x: f32[2]\n  input %x: f32[2]\n}",
        3,
        9,
        "defined twice",
    );
    assert_err(
        &e("  %y: f32[2, 3] = Relu(%x) #n\n  %z: f32[2, 3] = Relu(%x) #n"),
        4,
        29,
        "node name `n` is used twice",
    );
    assert_err(&e("  %y: f32[2, 3] = MatMul(%x, %x)"), 3, 19, "MatMul");
    assert_err(
        &e("  %y: f32[2, 1] = Split<axis=1, sizes=[1, 2]>(%x)"),
        3,
        19,
        "produces 2 output(s) but 1 are declared",
    );
    assert_err(&e("  %y: f32[2, 3] = Relu(%x"), 4, 3, "expected `,`, found `output`");
    assert_err(&e("  %y: f32[2, 3] = Relu(%x) $"), 3, 28, "unexpected character `$`");
    assert_err(
        "graph g {\n  input %x: f32[2]\n  output %x\n}\nextra",
        5,
        1,
        "after the graph's closing `}`",
    );
    assert_err(
        "graph g {\n  input %x: f32[2]\n  output %x\n",
        4,
        1,
        "found end of input",
    );
    assert_err("graph \"g {\n}\n", 1, 7, "unterminated string");
    assert_err("graph \"a\\q\" {}", 1, 9, "unknown escape");
    assert_err("grph g {}", 1, 1, "expected `graph`");
    assert_err(
        "graph g {\n  const @c: f32[2] = hex\"00\"\n}",
        2,
        25,
        "needs 8 bytes, got 1",
    );
    assert_err("graph g {\n  const @c: f32[2] = hex\"0g\"\n}", 2, 25, "hex digits");
    assert_err("graph g {\n  const @c: f32[n<=2] = hex\"\"\n}", 2, 13, "must be static");
    assert_err(
        "graph g {\n  %c: f32[] = Constant(@c)\n}",
        2,
        24,
        "undefined constant `@c`",
    );
    assert_err(
        "graph g {\n  %c: f32[] = Constant(@3)\n}",
        2,
        24,
        "no constant with index 3",
    );
    let dup = "graph g {\n  const @c: i8[] = hex\"01\"\n  const @c: i8[] = hex\"02\"\n  %c: i8[] = Constant(@c)\n}";
    assert_err(dup, 4, 23, "ambiguous");
    assert_err(&e("  %y: f32[2, 3] = Relu(@c)"), 3, 24, "undefined constant");
    assert_err(
        &e("  %y: f32[2] = ReduceSum<axes=1, keepdims=false>(%x)"),
        3,
        31,
        "expected a list",
    );
    assert_err(
        &e("  %y: f32[2] = ReduceSum<axes=[1, x], keepdims=false>(%x)"),
        3,
        35,
        "expected integers",
    );
    assert_err("graph g {\n  input %x: f32[batch<=]\n}", 2, 24, "upper bound");
    assert_err("graph g {\n  input %x: f32[-1]\n}", 2, 17, "expected a dimension");
}
