//! Importer tests: small ONNX models built with the prost types, imported with the reference
//! interpreter as the folder, and run with the reference interpreter.

mod common;

use common::proto::*;
use edgecc_backends::reference::{self};
use edgecc_ir::{DType, Dim, Graph, Op, Shape, TensorData};
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, ValueInfoProto,
};
use edgecc_onnx::tensor::data_to_tensor;
use edgecc_onnx::{import_bytes, supported_ops, ImportOptions, OnnxError};
use prost::Message;

struct M {
    opset: Option<i64>,
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<&'static str>,
    inits: Vec<TensorProto>,
}

impl M {
    fn new(opset: i64) -> M {
        M {
            opset: Some(opset),
            nodes: vec![],
            inputs: vec![],
            outputs: vec![],
            inits: vec![],
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let graph = GraphProto {
            name: Some("test".into()),
            node: self.nodes.clone(),
            input: self.inputs.clone(),
            output: self.outputs.iter().map(|o| out(o)).collect(),
            initializer: self.inits.clone(),
            ..Default::default()
        };
        let model = ModelProto {
            ir_version: Some(8),
            opset_import: self
                .opset
                .map(|v| OperatorSetIdProto {
                    domain: Some(String::new()),
                    version: Some(v),
                })
                .into_iter()
                .collect(),
            graph: Some(graph),
            ..Default::default()
        };
        model.encode_to_vec()
    }

    fn import_with(&self, opts: &ImportOptions) -> Result<Graph, OnnxError> {
        import_bytes(&self.bytes(), None, opts, &RefFolder)
    }

    fn import(&self) -> Result<Graph, OnnxError> {
        self.import_with(&ImportOptions::default())
    }
}

fn f32s(shape: &[usize], v: &[f32]) -> TensorData {
    TensorData::from_f32(DType::F32, shape.to_vec(), v).unwrap()
}

fn run(g: &Graph, inputs: &[TensorData]) -> Vec<TensorData> {
    reference::run(g, inputs).unwrap()
}

fn op_names(g: &Graph) -> Vec<&'static str> {
    g.nodes().iter().map(|n| n.op.name()).collect()
}

#[test]
fn shape_gather_unsqueeze_concat_reshape_folds() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[2, 3, 4])];
    m.inits = vec![
        t_i64("zero", &[], &[0]),
        t_i64("axes0", &[1], &[0]),
        t_i64("minus1", &[1], &[-1]),
    ];
    m.nodes = vec![
        node("Shape", "shape", &["x"], &["s"], vec![]),
        node("Gather", "gather", &["s", "zero"], &["b"], vec![a_int("axis", 0)]),
        node("Unsqueeze", "unsq", &["b", "axes0"], &["b1"], vec![]),
        node(
            "Concat",
            "concat",
            &["b1", "minus1"],
            &["target"],
            vec![a_int("axis", 0)],
        ),
        node("Reshape", "reshape", &["x", "target"], &["y"], vec![]),
    ];
    m.outputs = vec!["y"];
    let g = m.import().unwrap();
    assert_eq!(op_names(&g), vec!["Reshape"], "{g:?}");
    let y = g.outputs()[0];
    assert_eq!(g.value(y).name, "y");
    assert_eq!(g.ty(y).shape, Shape::of(&[2, 12]));
    assert!(
        g.consts().is_empty(),
        "folded shape constants must not stay in the graph"
    );
    let x = iota(24);
    let r = run(&g, &[f32s(&[2, 3, 4], &x)]);
    assert_eq!(r[0].shape(), &[2, 12]);
    assert_close(&r[0].to_f32_vec(), &x);
}

/// `Squeeze` and `Split` with attributes (opset 11) and with inputs (opset 13) agree.
#[test]
fn squeeze_and_split_opset11_vs_opset13() {
    let x: Vec<f32> = iota(6);
    let build = |opset: i64| {
        let mut m = M::new(opset);
        m.inputs = vec![f32_in("x", &[1, 3, 2])];
        m.outputs = vec!["a", "b"];
        if opset < 13 {
            m.nodes = vec![
                node("Squeeze", "sq", &["x"], &["s"], vec![a_ints("axes", &[0])]),
                node(
                    "Split",
                    "split",
                    &["s"],
                    &["a", "b"],
                    vec![a_int("axis", 0), a_ints("split", &[1, 2])],
                ),
            ];
        } else {
            m.inits = vec![t_i64("axes", &[1], &[0]), t_i64("sizes", &[2], &[1, 2])];
            m.nodes = vec![
                node("Squeeze", "sq", &["x", "axes"], &["s"], vec![]),
                node("Split", "split", &["s", "sizes"], &["a", "b"], vec![a_int("axis", 0)]),
            ];
        }
        m.import().unwrap()
    };
    for opset in [11, 13, 18] {
        let g = build(opset);
        let r = run(&g, &[f32s(&[1, 3, 2], &x)]);
        assert_eq!(r[0].shape(), &[1, 2], "opset {opset}");
        assert_eq!(r[1].shape(), &[2, 2], "opset {opset}");
        assert_close(&r[0].to_f32_vec(), &x[..2]);
        assert_close(&r[1].to_f32_vec(), &x[2..]);
    }
    // Without sizes, opset 18 splits into equal parts (the last one smaller).
    let mut m = M::new(18);
    m.inputs = vec![f32_in("x", &[5])];
    m.outputs = vec!["a", "b"];
    m.nodes = vec![node(
        "Split",
        "split",
        &["x"],
        &["a", "b"],
        vec![a_int("num_outputs", 2)],
    )];
    let g = m.import().unwrap();
    let r = run(&g, &[f32s(&[5], &iota(5))]);
    assert_eq!((r[0].shape(), r[1].shape()), (&[3][..], &[2][..]));
}

fn softmax_ref(x: &[f32], group: usize) -> Vec<f32> {
    x.chunks(group)
        .flat_map(|c| {
            let m = c.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = c.iter().map(|v| (v - m).exp()).sum();
            c.iter().map(move |v| (v - m).exp() / s).collect::<Vec<_>>()
        })
        .collect()
}

/// Before opset 13, Softmax normalizes over all axes from `axis` (default 1) on.
#[test]
fn softmax_opset11_coerces_to_2d_at_axis() {
    let x = iota(24);
    for (opset, attrs, group) in [
        (11, vec![], 12),
        (11, vec![a_int("axis", 2)], 4),
        (11, vec![a_int("axis", 0)], 24),
        (13, vec![], 4),
    ] {
        let mut m = M::new(opset);
        m.inputs = vec![f32_in("x", &[2, 3, 4])];
        m.outputs = vec!["y"];
        m.nodes = vec![node("Softmax", "sm", &["x"], &["y"], attrs)];
        let g = m.import().unwrap();
        let r = run(&g, &[f32s(&[2, 3, 4], &x)]);
        assert_eq!(r[0].shape(), &[2, 3, 4]);
        assert_close(&r[0].to_f32_vec(), &softmax_ref(&x, group));
    }
    // With two symbolic dims the opset-11 form decomposes into reductions.
    let mut m = M::new(11);
    m.inputs = vec![vi("x", DataType::Float, &[D::P("n"), D::P("c"), D::V(4)])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("LogSoftmax", "sm", &["x"], &["y"], vec![])];
    let g = m.import().unwrap();
    let r = run(&g, &[f32s(&[2, 3, 4], &x)]);
    let want: Vec<f32> = softmax_ref(&x, 12).iter().map(|v| v.ln()).collect();
    assert_close(&r[0].to_f32_vec(), &want);
}

#[test]
fn conv_auto_pad_same_upper() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[1, 1, 5, 5])];
    m.inits = vec![t_f32("w", &[1, 1, 3, 3], &[1.0; 9])];
    m.outputs = vec!["y"];
    m.nodes = vec![node(
        "Conv",
        "conv",
        &["x", "w"],
        &["y"],
        vec![a_str("auto_pad", "SAME_UPPER"), a_ints("strides", &[2, 2])],
    )];
    let g = m.import().unwrap();
    let conv = g.nodes().iter().find(|n| n.name == "conv").unwrap();
    match &conv.op {
        Op::Conv { pads, strides, .. } => {
            assert_eq!(pads, &vec![1, 1, 1, 1]);
            assert_eq!(strides, &vec![2, 2]);
        }
        other => panic!("expected Conv, got {other:?}"),
    }
    let x = iota(25);
    let r = run(&g, &[f32s(&[1, 1, 5, 5], &x)]);
    assert_eq!(r[0].shape(), &[1, 1, 3, 3]);
    let mut want = vec![];
    for oy in 0..3i64 {
        for ox in 0..3i64 {
            let mut s = 0.0;
            for ky in 0..3 {
                for kx in 0..3 {
                    let (iy, ix) = (oy * 2 - 1 + ky, ox * 2 - 1 + kx);
                    if (0..5).contains(&iy) && (0..5).contains(&ix) {
                        s += x[(iy * 5 + ix) as usize];
                    }
                }
            }
            want.push(s);
        }
    }
    assert_close(&r[0].to_f32_vec(), &want);
}

/// Ops without their optional attributes take the spec's defaults.
#[test]
fn default_attributes() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("a", &[2, 3])];
    m.inits = vec![t_f32("b", &[3, 2], &iota(6))];
    m.outputs = vec!["t", "l", "f", "gm"];
    m.nodes = vec![
        node("Transpose", "tr", &["a"], &["t"], vec![]),
        node("LeakyRelu", "lr", &["a"], &["l"], vec![]),
        node("Flatten", "fl", &["a"], &["f"], vec![]),
        node("Gemm", "gemm", &["a", "b"], &["gm"], vec![]),
    ];
    let g = m.import().unwrap();
    let a = [1.0, -2.0, 3.0, -4.0, 5.0, -6.0];
    let r = run(&g, &[f32s(&[2, 3], &a)]);
    assert_eq!(r[0].shape(), &[3, 2]);
    assert_close(&r[0].to_f32_vec(), &[1.0, -4.0, -2.0, 5.0, 3.0, -6.0]);
    assert_close(&r[1].to_f32_vec(), &[1.0, -0.02, 3.0, -0.04, 5.0, -0.06]);
    assert_eq!(r[2].shape(), &[2, 3]);
    let b = iota(6);
    let mut want = vec![0.0; 4];
    for i in 0..2 {
        for j in 0..2 {
            want[i * 2 + j] = (0..3).map(|k| a[i * 3 + k] * b[k * 2 + j]).sum();
        }
    }
    assert_close(&r[3].to_f32_vec(), &want);
}

/// Empty input names mean "not given".
#[test]
fn optional_inputs() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[4])];
    m.inits = vec![t_f32("hi", &[], &[0.5]), t_i64("pads", &[2], &[1, 0])];
    m.outputs = vec!["c", "p"];
    m.nodes = vec![
        node("Clip", "clip", &["x", "", "hi"], &["c"], vec![]),
        node("Pad", "pad", &["x", "pads", ""], &["p"], vec![]),
    ];
    let g = m.import().unwrap();
    let clip = &g.nodes().iter().find(|n| n.name == "clip").unwrap().op;
    assert_eq!(
        clip,
        &Op::Clip {
            min: None,
            max: Some(0.5)
        }
    );
    let r = run(&g, &[f32s(&[4], &[-3.0, 0.25, 1.0, 2.0])]);
    assert_close(&r[0].to_f32_vec(), &[-3.0, 0.25, 0.5, 0.5]);
    assert_close(&r[1].to_f32_vec(), &[0.0, -3.0, 0.25, 1.0, 2.0]);
}

#[test]
fn initializer_that_is_also_a_graph_input_is_a_constant() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[2]), f32_in("w", &[2])];
    m.inits = vec![t_f32("w", &[2], &[10.0, 20.0])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Add", "add", &["x", "w"], &["y"], vec![])];
    let g = m.import().unwrap();
    assert_eq!(g.inputs().len(), 1);
    assert_eq!(g.value(g.inputs()[0]).name, "x");
    assert_eq!(g.consts().len(), 1);
    assert_eq!(g.consts()[0].name, "w");
    let r = run(&g, &[f32s(&[2], &[1.0, 2.0])]);
    assert_close(&r[0].to_f32_vec(), &[11.0, 22.0]);
}

#[test]
fn dim_params_become_symbolic_and_shapes_specialize_them() {
    let mut m = M::new(13);
    m.inputs = vec![vi("x", DataType::Float, &[D::P("batch"), D::V(4), D::Unknown])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Relu", "relu", &["x"], &["y"], vec![])];
    let opts = ImportOptions::default();
    let g = m.import_with(&opts).unwrap();
    let dims = &g.ty(g.inputs()[0]).shape.0;
    assert_eq!(dims[0], Dim::sym("batch", opts.default_sym_max));
    assert_eq!(dims[1], Dim::Static(4));
    assert!(matches!(&dims[2], Dim::Sym { name, .. } if !name.is_empty() && name != "batch"));
    let r = run(&g, &[f32s(&[3, 4, 1], &iota(12))]);
    assert_eq!(r[0].shape(), &[3, 4, 1]);

    let mut opts = ImportOptions::default();
    opts.shapes.insert("batch".into(), 3);
    let g = m.import_with(&opts).unwrap();
    assert_eq!(g.ty(g.inputs()[0]).shape.0[0], Dim::Static(3));
}

/// A Reshape whose shape depends on a symbolic dim keeps the dim (the shape value is followed
/// through Shape and Concat), and folds to constants once the dim is specialized.
#[test]
fn non_constant_reshape_shape_names_the_node() {
    let mut m = M::new(13);
    m.inputs = vec![vi("x", DataType::Float, &[D::P("n"), D::V(6)])];
    m.inits = vec![t_i64("tail", &[2], &[3, 2])];
    m.outputs = vec!["y"];
    m.nodes = vec![
        node("Shape", "shape", &["x"], &["s"], vec![a_int("end", 1)]),
        node("Concat", "concat", &["s", "tail"], &["target"], vec![a_int("axis", 0)]),
        node("Reshape", "the_reshape", &["x", "target"], &["y"], vec![]),
    ];
    let g = m.import().unwrap();
    let y = g.outputs()[0];
    assert_eq!(g.ty(y).shape.0.len(), 3);
    assert_eq!(&g.ty(y).shape.0[1..], &[Dim::Static(3), Dim::Static(2)]);
    assert!(g.ty(y).shape.0[0].as_static().is_none(), "{:?}", g.ty(y).shape);
    let mut opts = ImportOptions::default();
    opts.shapes.insert("n".into(), 2);
    let g = m.import_with(&opts).unwrap();
    assert_eq!(op_names(&g), vec!["Reshape"]);
    let r = run(&g, &[f32s(&[2, 6], &iota(12))]);
    assert_eq!(r[0].shape(), &[2, 3, 2]);

    // A shape computed from a graph input is never known.
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[6]), vi("shape", DataType::Int64, &[D::V(2)])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Reshape", "r", &["x", "shape"], &["y"], vec![])];
    assert!(matches!(m.import(), Err(OnnxError::Node { node, .. }) if node == "r"));
}

#[test]
fn unsupported_ops_are_all_listed_with_counts() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[2])];
    m.outputs = vec!["y"];
    let mut ms = node("FusedMatMul", "fm", &["x", "x"], &["f"], vec![]);
    ms.domain = Some("com.microsoft".into());
    m.nodes = vec![
        node("NonZero", "nz1", &["x"], &["a"], vec![]),
        node("Relu", "ok", &["x"], &["r"], vec![]),
        node("NonZero", "nz2", &["x"], &["b"], vec![]),
        node("Einsum", "ein", &["x"], &["c"], vec![]),
        ms,
        node("NonZero", "", &["x"], &["d"], vec![]),
        node("NonZero", "nz4", &["x"], &["e"], vec![]),
        node("Identity", "id", &["x"], &["y"], vec![]),
    ];
    match m.import() {
        Err(OnnxError::Unsupported(list)) => {
            assert_eq!(list.len(), 3, "{list:?}");
            let nz = list.iter().find(|u| u.op_type == "NonZero").unwrap();
            assert_eq!(nz.count, 4);
            assert_eq!(nz.first_nodes.len(), 3);
            assert_eq!(nz.first_nodes[..2], ["nz1".to_string(), "nz2".to_string()]);
            let e = list.iter().find(|u| u.op_type == "Einsum").unwrap();
            assert_eq!((e.count, e.first_nodes.clone()), (1, vec!["ein".to_string()]));
            let f = list.iter().find(|u| u.op_type == "FusedMatMul").unwrap();
            assert_eq!(f.domain, "com.microsoft");
            let msg = OnnxError::Unsupported(list.clone()).to_string();
            assert!(
                msg.contains("NonZero (4 nodes") && msg.contains("com.microsoft::FusedMatMul"),
                "{msg}"
            );
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn opset_outside_7_to_24_is_refused() {
    let mut m = M::new(6);
    m.inputs = vec![f32_in("x", &[2])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Relu", "r", &["x"], &["y"], vec![])];
    let e = m.import().unwrap_err().to_string();
    assert!(e.contains("opset 6"), "{e}");
    m.opset = Some(25);
    assert!(m.import().unwrap_err().to_string().contains("opset 25"));
    m.opset = None;
    assert!(m.import().unwrap_err().to_string().contains("opset_import"));
    for v in [7, 24] {
        m.opset = Some(v);
        assert!(m.import().is_ok(), "opset {v}");
    }
}

/// `LayerNormalization`'s `Mean` and `InvStdDev` outputs, built from IR ops: the mean and
/// `1 / sqrt(var + epsilon)` over the normalized axes, reduced axes kept.
#[test]
fn layer_norm_optional_outputs() {
    let mut m = M::new(17);
    m.inputs = vec![f32_in("x", &[2, 4])];
    m.inits = vec![t_f32("s", &[4], &[1.0, 2.0, 1.0, 1.0])];
    m.outputs = vec!["y"];
    let eps = 0.5f32;
    m.nodes = vec![node(
        "LayerNormalization",
        "ln",
        &["x", "s"],
        &["y", "mean", "inv"],
        vec![a_float("epsilon", eps)],
    )];
    let x = f32s(&[2, 4], &[1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 8.0]);
    // Unused optional outputs add no ops.
    let g = m.import().unwrap();
    assert_eq!(op_names(&g), ["Constant", "LayerNorm"]);
    let y_only = run(&g, std::slice::from_ref(&x));
    let (mu, var) = ([2.5f32, 2.0], [1.25f32, 12.0]);
    let inv: Vec<f32> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    assert_close(&y_only[0].to_f32_vec()[1..2], &[2.0 * (2.0 - mu[0]) * inv[0]]);

    m.outputs = vec!["y", "mean", "inv"];
    let g = m.import().unwrap();
    let r = run(&g, &[x]);
    assert_close(&r[0].to_f32_vec(), &y_only[0].to_f32_vec());
    assert_eq!(r[1].shape(), &[2, 1]);
    assert_close(&r[1].to_f32_vec(), &mu);
    assert_eq!(r[2].shape(), &[2, 1]);
    assert_close(&r[2].to_f32_vec(), &inv);

    // axis 0 reduces everything: [1, 1] statistics.
    m.nodes[0].attribute.push(a_int("axis", 0));
    let g = m.import().unwrap();
    let r = run(&g, &[f32s(&[2, 4], &[1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 8.0])]);
    assert_eq!(r[1].shape(), &[1, 1]);
    assert_close(&r[1].to_f32_vec(), &[2.25]);
}

/// A naive attention over `[H, S, D]` heads (batch 1) with an additive `[S, L]` bias, giving
/// `(y, scaled q kᵀ, softcapped, with bias, softmax)`.
#[allow(clippy::type_complexity)]
fn naive_attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    bias: &[f32],
    (h, s, l, d): (usize, usize, usize, usize),
    softcap: f32,
) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
    let scale = 1.0 / (d as f32).sqrt();
    let (mut y, mut qk, mut capped, mut biased, mut probs) = (vec![], vec![], vec![], vec![], vec![]);
    for hi in 0..h {
        for i in 0..s {
            let row: Vec<f32> = (0..l)
                .map(|j| {
                    (0..d)
                        .map(|c| q[(hi * s + i) * d + c] * k[(hi * l + j) * d + c])
                        .sum::<f32>()
                        * scale
                })
                .collect();
            let cap: Vec<f32> = if softcap > 0.0 {
                row.iter().map(|x| (x / softcap).tanh() * softcap).collect()
            } else {
                row.clone()
            };
            let b: Vec<f32> = cap.iter().enumerate().map(|(j, x)| x + bias[i * l + j]).collect();
            let mx = b.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f32> = b.iter().map(|x| (x - mx).exp()).collect();
            let sum: f32 = e.iter().sum();
            let p: Vec<f32> = e.iter().map(|x| x / sum).collect();
            for c in 0..d {
                y.push((0..l).map(|j| p[j] * v[(hi * l + j) * d + c]).sum());
            }
            qk.extend(row);
            capped.extend(cap);
            biased.extend(b);
            probs.extend(p);
        }
    }
    (y, qk, capped, biased, probs)
}

/// `Attention` output 3 (`qk_matmul_output`) in each `qk_matmul_output_mode`, with and without
/// `softcap`; an unknown mode is refused with a node error naming it.
#[test]
fn attention_qk_matmul_output_modes_and_softcap() {
    let (h, s, l, d) = (2usize, 2usize, 3usize, 2usize);
    let q: Vec<f32> = (0..h * s * d).map(|i| (i % 5) as f32 * 0.7 - 1.2).collect();
    let k: Vec<f32> = (0..h * l * d).map(|i| ((i * 3) % 7) as f32 * 0.6 - 1.5).collect();
    let v: Vec<f32> = (0..h * l * d).map(|i| ((i * 5) % 4) as f32 * 0.5).collect();
    let bias = [0.0f32, -1.0, 0.5, 0.25, 0.0, -2.0];
    let build = |attrs: Vec<AttributeProto>| {
        let mut m = M::new(23);
        m.inputs = vec![f32_in("q", &[1, h as i64, s as i64, d as i64])];
        m.inits = vec![
            t_f32("k", &[1, h, l, d], &k),
            t_f32("v", &[1, h, l, d], &v),
            t_f32("mask", &[s, l], &bias),
        ];
        m.outputs = vec!["y", "qk"];
        m.nodes = vec![node(
            "Attention",
            "att",
            &["q", "k", "v", "mask"],
            &["y", "", "", "qk"],
            attrs,
        )];
        m
    };
    let qd = f32s(&[1, h, s, d], &q);
    for softcap in [0.0f32, 1.5] {
        let (y, qk, capped, biased, probs) = naive_attention(&q, &k, &v, &bias, (h, s, l, d), softcap);
        for (mode, want) in [(0, &qk), (1, &capped), (2, &biased), (3, &probs)] {
            let m = build(vec![a_int("qk_matmul_output_mode", mode), a_float("softcap", softcap)]);
            let r = run(&m.import().unwrap(), std::slice::from_ref(&qd));
            assert_eq!(r[1].shape(), &[1, h, s, l], "mode {mode}");
            assert_close(&r[0].to_f32_vec(), &y);
            assert_close(&r[1].to_f32_vec(), want);
        }
        // Softcap without output 3.
        let mut m = build(vec![a_float("softcap", softcap)]);
        m.outputs = vec!["y"];
        m.nodes[0].output = vec!["y".into()];
        let r = run(&m.import().unwrap(), std::slice::from_ref(&qd));
        assert_close(&r[0].to_f32_vec(), &y);
    }
    match build(vec![a_int("qk_matmul_output_mode", 4)]).import() {
        Err(OnnxError::Node { node, msg, .. }) => {
            assert!(node == "att" && msg.contains("qk_matmul_output_mode 4"), "{msg}")
        }
        other => panic!("expected a node error, got {other:?}"),
    }
}

/// With `qk_matmul_output`, grouped-query heads, a bool mask with a fully masked row, and
/// `is_causal` build the same `Y` as the fused path, and the fully masked row's probabilities are 0.
#[test]
fn attention_explicit_path_matches_fused() {
    let (hq, hkv, s, d) = (4usize, 2usize, 3usize, 2usize);
    let q: Vec<f32> = (0..hq * s * d).map(|i| (i % 5) as f32 * 0.25 - 0.5).collect();
    let k: Vec<f32> = (0..hkv * s * d).map(|i| ((i * 7) % 5) as f32 * 0.3 - 0.5).collect();
    let v: Vec<f32> = (0..hkv * s * d).map(|i| ((i * 3) % 7) as f32 * 0.2 - 0.4).collect();
    let keep = [true, false, true, false, true, true, true, true, true];
    let build = |with_qk: bool, causal: bool| {
        let mut m = M::new(23);
        m.inputs = vec![f32_in("q", &[1, hq as i64, s as i64, d as i64])];
        let mask = TensorData::from_bytes(DType::Bool, vec![s, s], keep.iter().map(|&b| b as u8).collect()).unwrap();
        m.inits = vec![
            t_f32("k", &[1, hkv, s, d], &k),
            t_f32("v", &[1, hkv, s, d], &v),
            data_to_tensor("mask", &mask),
        ];
        let outs: &[&str] = if with_qk { &["y", "", "", "qk"] } else { &["y"] };
        m.outputs = if with_qk { vec!["y", "qk"] } else { vec!["y"] };
        m.nodes = vec![node(
            "Attention",
            "att",
            &["q", "k", "v", "mask"],
            outs,
            vec![a_int("qk_matmul_output_mode", 3), a_int("is_causal", causal as i64)],
        )];
        m.import().unwrap()
    };
    let qd = f32s(&[1, hq, s, d], &q);
    for causal in [false, true] {
        let fused = build(false, causal);
        assert!(op_names(&fused).contains(&"Attention"));
        let explicit = build(true, causal);
        assert!(!op_names(&explicit).contains(&"Attention"));
        let a = run(&fused, std::slice::from_ref(&qd));
        let b = run(&explicit, std::slice::from_ref(&qd));
        let probs = b[1].to_f32_vec();
        for row in probs.chunks(s) {
            let sum: f32 = row.iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "row {row:?}");
        }
        let yb = b[0].to_f32_vec();
        assert!(yb.iter().all(|x| x.is_finite()), "{yb:?}");
        assert_close(&yb, &a[0].to_f32_vec());
    }
    // Causal plus a mask whose first row keeps only key 1 (masked by causality): a fully masked row.
    let mut m = M::new(23);
    m.inputs = vec![f32_in("q", &[1, 1, 2, 1])];
    let mask = TensorData::from_bytes(DType::Bool, vec![2, 2], vec![0, 1, 1, 1]).unwrap();
    m.inits = vec![
        t_f32("k", &[1, 1, 2, 1], &[1.0, 2.0]),
        t_f32("v", &[1, 1, 2, 1], &[3.0, 5.0]),
        data_to_tensor("mask", &mask),
    ];
    m.outputs = vec!["y", "qk"];
    m.nodes = vec![node(
        "Attention",
        "att",
        &["q", "k", "v", "mask"],
        &["y", "", "", "qk"],
        vec![a_int("qk_matmul_output_mode", 3), a_int("is_causal", 1)],
    )];
    let r = run(&m.import().unwrap(), &[f32s(&[1, 1, 2, 1], &[1.0, 1.0])]);
    let (y, p) = (r[0].to_f32_vec(), r[1].to_f32_vec());
    assert_eq!(&p[..2], &[0.0, 0.0], "{p:?}");
    assert_eq!(y[0], 0.0, "{y:?}");
    assert!(y[1].is_finite() && (p[2] + p[3] - 1.0).abs() < 1e-6, "{y:?} {p:?}");
}

/// `ReduceMax`/`ReduceMin` on bools are "any"/"all".
#[test]
fn reduce_max_min_on_bool() {
    let mut m = M::new(18);
    m.inputs = vec![vi("x", DataType::Bool, &[D::V(2), D::V(3)])];
    m.inits = vec![t_i64("axes", &[1], &[1])];
    m.outputs = vec!["any", "all"];
    m.nodes = vec![
        node(
            "ReduceMax",
            "rmax",
            &["x", "axes"],
            &["any"],
            vec![a_int("keepdims", 0)],
        ),
        node(
            "ReduceMin",
            "rmin",
            &["x", "axes"],
            &["all"],
            vec![a_int("keepdims", 0)],
        ),
    ];
    let g = m.import().unwrap();
    assert_eq!(g.ty(g.outputs()[0]).dtype, DType::Bool);
    let x = TensorData::from_bytes(DType::Bool, vec![2, 3], vec![1, 0, 1, 1, 1, 1]).unwrap();
    let r = run(&g, &[x]);
    assert_eq!(r[0].dtype(), DType::Bool);
    assert_eq!(r[0].to_i64_vec(), [1, 1]);
    assert_eq!(r[1].to_i64_vec(), [0, 1]);
}

/// `Dropout` in inference: the output is the input and the mask output keeps everything.
#[test]
fn dropout_mask_output_is_all_true() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[2, 3])];
    m.outputs = vec!["y", "mask"];
    m.nodes = vec![node("Dropout", "drop", &["x"], &["y", "mask"], vec![])];
    let g = m.import().unwrap();
    let x: Vec<f32> = iota(6);
    let r = run(&g, &[f32s(&[2, 3], &x)]);
    assert_close(&r[0].to_f32_vec(), &x);
    assert_eq!(r[1].dtype(), DType::Bool);
    assert_eq!(r[1].shape(), &[2, 3]);
    assert_eq!(r[1].to_i64_vec(), [1; 6]);
    // A symbolic input shape has no static mask shape: a node error, not a panic.
    m.inputs = vec![vi("x", DataType::Float, &[D::P("n"), D::V(3)])];
    match m.import() {
        Err(OnnxError::Node { node, msg, .. }) => assert!(node == "drop" && msg.contains("static"), "{msg}"),
        other => panic!("expected a node error, got {other:?}"),
    }
}

/// 3-D pooling is refused at import with a message that says so (the IR pools 1-D and 2-D).
#[test]
fn pooling_3d_is_refused_at_import() {
    for op in ["MaxPool", "AveragePool"] {
        let mut m = M::new(13);
        m.inputs = vec![f32_in("x", &[1, 1, 4, 4, 4])];
        m.outputs = vec!["y"];
        m.nodes = vec![node(
            op,
            "pool",
            &["x"],
            &["y"],
            vec![a_ints("kernel_shape", &[2, 2, 2])],
        )];
        match m.import() {
            Err(OnnxError::Node { node, msg, .. }) => {
                assert!(
                    node == "pool" && msg.contains("3-D pooling is not supported"),
                    "{op}: {msg}"
                )
            }
            other => panic!("{op}: expected a node error, got {other:?}"),
        }
    }
}

/// Constants, `Identity` aliases and outputs that are known at import time.
#[test]
fn constant_nodes_and_aliased_outputs() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[3])];
    m.outputs = vec!["k", "y", "x_alias"];
    m.nodes = vec![
        node("Constant", "c", &[], &["k"], vec![a_ints("value_ints", &[1, 2, 3])]),
        node(
            "Cast",
            "cast",
            &["k"],
            &["kf"],
            vec![a_int("to", DataType::Float as i64)],
        ),
        node("Mul", "mul", &["x", "kf"], &["y"], vec![]),
        node("Identity", "id", &["x"], &["x_alias"], vec![]),
    ];
    let g = m.import().unwrap();
    let names: Vec<&str> = g.outputs().iter().map(|&o| g.value(o).name.as_str()).collect();
    assert_eq!(names, ["k", "y", "x_alias"]);
    assert_eq!(g.ty(g.outputs()[0]).dtype, DType::I64);
    let r = run(&g, &[f32s(&[3], &[1.0, 1.0, 2.0])]);
    assert_eq!(r[0].to_i64_vec(), [1, 2, 3]);
    assert_close(&r[1].to_f32_vec(), &[1.0, 2.0, 6.0]);
    assert_close(&r[2].to_f32_vec(), &[1.0, 1.0, 2.0]);
}

/// Grouped-query attention equals attention with the key/value heads repeated.
#[test]
fn attention_gqa_matches_repeated_heads() {
    let (b, hq, hkv, s, d) = (1usize, 4usize, 2usize, 3usize, 2usize);
    let k: Vec<f32> = (0..b * hkv * s * d).map(|i| ((i * 7) % 5) as f32 * 0.3 - 0.5).collect();
    let v: Vec<f32> = (0..b * hkv * s * d).map(|i| ((i * 3) % 7) as f32 * 0.2 - 0.4).collect();
    let repeat = |t: &[f32]| -> Vec<f32> {
        let per = s * d;
        (0..hq)
            .flat_map(|h| t[(h / (hq / hkv)) * per..][..per].to_vec())
            .collect()
    };
    let build = |kv_heads: usize, kd: &[f32], vd: &[f32]| {
        let mut m = M::new(23);
        m.inputs = vec![f32_in("q", &[b as i64, hq as i64, s as i64, d as i64])];
        let kshape = [b, kv_heads, s, d];
        m.inits = vec![t_f32("k", &kshape, kd), t_f32("v", &kshape, vd)];
        m.outputs = vec!["y"];
        m.nodes = vec![node(
            "Attention",
            "att",
            &["q", "k", "v"],
            &["y"],
            vec![a_int("is_causal", 1)],
        )];
        m.import().unwrap()
    };
    let q: Vec<f32> = (0..b * hq * s * d).map(|i| (i % 5) as f32 * 0.25 - 0.5).collect();
    let qd = f32s(&[b, hq, s, d], &q);
    let gqa = run(&build(hkv, &k, &v), std::slice::from_ref(&qd));
    let full = run(&build(hq, &repeat(&k), &repeat(&v)), &[qd]);
    assert_eq!(gqa[0].shape(), &[b, hq, s, d]);
    assert_close(&gqa[0].to_f32_vec(), &full[0].to_f32_vec());
}

#[test]
fn supported_ops_are_sorted_and_cover_the_common_set() {
    let ops = supported_ops();
    assert!(ops.windows(2).all(|w| w[0] < w[1]));
    for op in [
        "Conv",
        "LayerNormalization",
        "Attention",
        "Resize",
        "Reshape",
        "Gelu",
        "TopK",
    ] {
        assert!(ops.contains(&op), "{op}");
    }
}

/// The 3-D form (`[B, S, H*D]` with head counts) equals the 4-D form on transposed inputs.
#[test]
fn attention_3d_matches_4d() {
    let (s, h, d) = (3usize, 2usize, 2usize);
    let q: Vec<f32> = (0..s * h * d).map(|i| (i % 5) as f32 * 0.3 - 0.6).collect();
    let k: Vec<f32> = (0..s * h * d).map(|i| ((i * 3) % 7) as f32 * 0.2 - 0.5).collect();
    let v: Vec<f32> = (0..s * h * d).map(|i| ((i * 5) % 4) as f32 * 0.5).collect();
    // [S, H, D] → [H, S, D]
    let to4 = |t: &[f32]| -> Vec<f32> {
        let mut o = vec![0.0; t.len()];
        for si in 0..s {
            for hi in 0..h {
                for di in 0..d {
                    o[(hi * s + si) * d + di] = t[(si * h + hi) * d + di];
                }
            }
        }
        o
    };
    let mut m3 = M::new(23);
    m3.inputs = vec![f32_in("q", &[1, s as i64, (h * d) as i64])];
    m3.inits = vec![t_f32("k", &[1, s, h * d], &k), t_f32("v", &[1, s, h * d], &v)];
    m3.outputs = vec!["y"];
    m3.nodes = vec![node(
        "Attention",
        "att",
        &["q", "k", "v"],
        &["y"],
        vec![a_int("q_num_heads", h as i64), a_int("kv_num_heads", h as i64)],
    )];
    let y3 = run(&m3.import().unwrap(), &[f32s(&[1, s, h * d], &q)]);
    assert_eq!(y3[0].shape(), &[1, s, h * d]);
    let mut m4 = M::new(23);
    m4.inputs = vec![f32_in("q", &[1, h as i64, s as i64, d as i64])];
    m4.inits = vec![t_f32("k", &[1, h, s, d], &to4(&k)), t_f32("v", &[1, h, s, d], &to4(&v))];
    m4.outputs = vec!["y"];
    m4.nodes = vec![node("Attention", "att", &["q", "k", "v"], &["y"], vec![])];
    let y4 = run(&m4.import().unwrap(), &[f32s(&[1, h, s, d], &to4(&q))]);
    assert_close(&to4(&y3[0].to_f32_vec()), &y4[0].to_f32_vec());
}

/// GroupNormalization-18 takes per-group scale and bias; opset 21 per-channel ones.
#[test]
fn group_norm_opset18_per_group_parameters() {
    let x: Vec<f32> = (0..8).map(|i| (i * i % 5) as f32).collect();
    let build = |opset: i64, scale: &[f32], bias: &[f32]| {
        let mut m = M::new(opset);
        m.inputs = vec![f32_in("x", &[1, 4, 2])];
        let n = scale.len();
        m.inits = vec![t_f32("s", &[n], scale), t_f32("b", &[n], bias)];
        m.outputs = vec!["y"];
        m.nodes = vec![node(
            "GroupNormalization",
            "gn",
            &["x", "s", "b"],
            &["y"],
            vec![a_int("num_groups", 2)],
        )];
        run(&m.import().unwrap(), &[f32s(&[1, 4, 2], &x)])
    };
    let g18 = build(18, &[1.0, 2.0], &[0.0, 1.0]);
    let g21 = build(21, &[1.0, 1.0, 2.0, 2.0], &[0.0, 0.0, 1.0, 1.0]);
    assert_close(&g18[0].to_f32_vec(), &g21[0].to_f32_vec());
}

/// Range and ConstantOfShape fold; TopK, Resize, and Pow with an integer exponent import and run.
#[test]
fn folding_and_misc_ops() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[1, 1, 2, 2])];
    m.inits = vec![
        t_f32("start", &[], &[0.0]),
        t_f32("limit", &[], &[4.0]),
        t_f32("delta", &[], &[1.0]),
        t_i64("k", &[1], &[2]),
        t_f32("scales", &[4], &[1.0, 1.0, 2.0, 2.0]),
        t_i64("e", &[], &[2]),
        t_i64("cshape", &[1], &[4]),
    ];
    m.outputs = vec!["sum", "top", "up", "sq"];
    m.nodes = vec![
        node("Range", "range", &["start", "limit", "delta"], &["r"], vec![]),
        node("ConstantOfShape", "cos", &["cshape"], &["ones"], vec![]),
        node("Add", "add", &["r", "ones"], &["rr"], vec![]),
        node("Reshape", "flat", &["x", "cshape"], &["xf"], vec![]),
        node("Add", "sum", &["xf", "rr"], &["sum"], vec![]),
        node("TopK", "topk", &["xf", "k"], &["top", "idx"], vec![]),
        node(
            "Resize",
            "resize",
            &["x", "", "scales"],
            &["up"],
            vec![
                a_str("coordinate_transformation_mode", "asymmetric"),
                a_str("nearest_mode", "floor"),
            ],
        ),
        node("Pow", "pow", &["x", "e"], &["sq"], vec![]),
    ];
    let g = m.import().unwrap();
    let ops = op_names(&g);
    assert!(!ops.contains(&"Range") && !ops.contains(&"ConstantOfShape"), "{ops:?}");
    let r = run(&g, &[f32s(&[1, 1, 2, 2], &[1.0, 4.0, 3.0, 2.0])]);
    assert_close(&r[0].to_f32_vec(), &[1.0, 5.0, 5.0, 5.0]);
    assert_close(&r[1].to_f32_vec(), &[4.0, 3.0]);
    assert_eq!(r[2].shape(), &[1, 1, 4, 4]);
    assert_close(
        &r[2].to_f32_vec(),
        &[
            1.0, 1.0, 4.0, 4.0, 1.0, 1.0, 4.0, 4.0, 3.0, 3.0, 2.0, 2.0, 3.0, 3.0, 2.0, 2.0,
        ],
    );
    assert_close(&r[3].to_f32_vec(), &[1.0, 16.0, 9.0, 4.0]);
}

/// ConvTranspose with `output_shape` computes its pads as the ONNX reference does.
#[test]
fn conv_transpose_output_shape() {
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[1, 1, 3])];
    m.inits = vec![t_f32("w", &[1, 1, 3], &[1.0, 1.0, 1.0])];
    m.outputs = vec!["y"];
    m.nodes = vec![node(
        "ConvTranspose",
        "ct",
        &["x", "w"],
        &["y"],
        vec![a_ints("strides", &[2]), a_ints("output_shape", &[6])],
    )];
    let g = m.import().unwrap();
    let r = run(&g, &[f32s(&[1, 1, 3], &[1.0, 2.0, 3.0])]);
    assert_eq!(r[0].shape(), &[1, 1, 6]);
    // Full output (length 7): [1, 1, 3, 2, 5, 3, 3]; total padding 1 goes to the begin.
    assert_close(&r[0].to_f32_vec(), &[1.0, 3.0, 2.0, 5.0, 3.0, 3.0]);
}

/// Malformed graphs give errors, never panics.
#[test]
fn malformed_graphs_are_errors() {
    // Input used before it is defined.
    let mut m = M::new(13);
    m.inputs = vec![f32_in("x", &[2])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Relu", "r", &["nowhere"], &["y"], vec![])];
    assert!(matches!(m.import(), Err(OnnxError::Node { node, .. }) if node == "r"));
    // Output never computed.
    m.nodes = vec![node("Relu", "r", &["x"], &["z"], vec![])];
    assert!(matches!(m.import(), Err(OnnxError::Graph(_))));
    // Wrong attribute type and missing required attribute.
    m.nodes = vec![node("Concat", "c", &["x"], &["y"], vec![a_str("axis", "zero")])];
    assert!(matches!(m.import(), Err(OnnxError::Node { node, .. }) if node == "c"));
    m.nodes = vec![node("Concat", "c", &["x"], &["y"], vec![])];
    assert!(matches!(m.import(), Err(OnnxError::Node { .. })));
    // Attention with K of the wrong rank.
    m.nodes = vec![node("Attention", "a", &["x", "x", "x"], &["y"], vec![])];
    assert!(m.import().is_err());
    // Random bytes.
    assert!(import_bytes(&[0xff, 0x13, 0x00, 0x42], None, &ImportOptions::default(), &RefFolder).is_err());
}

#[test]
fn softplus_is_stable_and_pow_keeps_a_float_exponent() {
    let mut m = M::new(17);
    m.inputs = vec![f32_in("x", &[4])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Softplus", "sp", &["x"], &["y"], vec![])];
    let g = m.import().unwrap();
    let r = run(&g, &[f32s(&[4], &[100.0, -100.0, 0.0, 1.0])]);
    let want = [100.0, (-100f64).exp() as f32, 2f32.ln(), (1.0 + 1f64.exp()).ln() as f32];
    assert_close(&r[0].to_f32_vec(), &want);

    // Pow(int64 base, float exponent) computes in float: 4 ** 0.5 = 2, 9 ** 0.5 = 3.
    let mut m = M::new(17);
    m.inputs = vec![vi("b", DataType::Int64, &[D::V(2)])];
    m.inits = vec![t_f32("e", &[], &[0.5])];
    m.outputs = vec!["y"];
    m.nodes = vec![node("Pow", "pow", &["b", "e"], &["y"], vec![])];
    let g = m.import().unwrap();
    let b = TensorData::from_i64(DType::I64, vec![2], &[4, 9]).unwrap();
    let r = run(&g, &[b]);
    assert_eq!((r[0].dtype(), r[0].to_i64_vec()), (DType::I64, vec![2, 3]));
}

/// Exporters' patterns over a dim kept symbolic: `Slice(table, 0, seq)`, `Range(0, seq, 1)` and
/// `ConstantOfShape([seq, seq])`, with `seq` taken from `Shape(x)`, import at the bound and are
/// cropped to `seq`; specialized, they compute what ONNX does. A range from 1 is an error naming
/// the node.
#[test]
fn shape_values_over_a_symbolic_dim_crop_to_it() {
    let mut m = M::new(13);
    m.inputs = vec![vi("x", DataType::Float, &[D::P("seq"), D::V(2)])];
    let table: Vec<f32> = (0..16).map(|i| i as f32 * 0.5 - 3.0).collect();
    m.inits = vec![
        t_f32("table", &[8, 2], &table),
        t_i64("one", &[], &[1]),
        t_i64("i0", &[], &[0]),
        t_i64("zeros", &[1], &[0]),
        t_i64("axes0", &[1], &[0]),
    ];
    m.outputs = vec!["y", "pos", "mask"];
    m.nodes = vec![
        node("Shape", "shape", &["x"], &["s"], vec![]),
        node("Gather", "seq", &["s", "i0"], &["n"], vec![a_int("axis", 0)]),
        node("Unsqueeze", "unsq", &["n", "axes0"], &["n1"], vec![]),
        node("Slice", "slice", &["table", "zeros", "n1", "axes0"], &["rows"], vec![]),
        node("Add", "add", &["x", "rows"], &["y"], vec![]),
        node("Range", "range", &["i0", "n", "one"], &["pos"], vec![]),
        node("Concat", "concat", &["n1", "n1"], &["ss"], vec![a_int("axis", 0)]),
        node("ConstantOfShape", "mask", &["ss"], &["mask"], vec![]),
    ];
    let mut opts = ImportOptions::default();
    opts.sym_max.insert("seq".into(), 8);
    let g = m.import_with(&opts).unwrap();
    let seq = Dim::Sym {
        name: "seq".into(),
        max: 8,
    };
    let shapes: Vec<Shape> = g.outputs().iter().map(|&v| g.ty(v).shape.clone()).collect();
    assert_eq!(
        shapes,
        vec![
            Shape(vec![seq.clone(), Dim::Static(2)]),
            Shape(vec![seq.clone()]),
            Shape(vec![seq.clone(), seq])
        ]
    );
    assert!(op_names(&g).contains(&"Crop"), "{:?}", op_names(&g));
    // Specialized to seq = 3: the first 3 table rows, 0..3, a 3x3 mask.
    let g3 = g.with_input_shapes(&[(g.inputs()[0], Shape::of(&[3, 2]))]).unwrap();
    let x: Vec<f32> = (0..6).map(|i| 1.0 + i as f32 * 0.25).collect();
    let r = run(&g3, &[f32s(&[3, 2], &x)]);
    let want: Vec<f32> = x.iter().zip(&table).map(|(a, b)| a + b).collect();
    assert_eq!(r[0].shape(), &[3, 2]);
    assert_close(&r[0].to_f32_vec(), &want);
    assert_eq!(r[1].to_i64_vec(), vec![0, 1, 2]);
    assert_eq!(r[2].shape(), &[3, 3]);

    // A range that does not start at 0 cannot be cropped: the node and the fix are named.
    m.inits.push(t_i64("start1", &[], &[1]));
    m.nodes[5] = node("Range", "range_from_1", &["start1", "n", "one"], &["pos"], vec![]);
    match m.import_with(&opts) {
        Err(OnnxError::Node { node, msg, .. }) => {
            assert_eq!(node, "range_from_1");
            assert!(msg.contains("--shape") && msg.contains("seq"), "{msg}");
        }
        other => panic!("expected a node error, got {other:?}"),
    }
}
