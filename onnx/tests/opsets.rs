//! The default-domain opsets 7 to 24: ops whose signature or semantics changed across the range
//! are imported per version (attributes before the opset that made them inputs, old defaults and
//! outputs), checked against reference values (onnxruntime CPU's, where a value is spelled out);
//! `LRN`; ops used before they exist or after they were removed are refused naming the node and
//! the opsets; and `model_info` reads a model's opsets, producer and domains.

mod common;

use common::proto::*;
use edgecc_backends::reference::{self};
use edgecc_ir::{DType, Graph, TensorData};
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, ValueInfoProto,
};
use edgecc_onnx::{import_bytes, model_info, ImportOptions, Limits, OnnxError};
use prost::Message;

/// A one-graph model at a default-domain opset.
struct M {
    opset: i64,
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<&'static str>,
    inits: Vec<TensorProto>,
    producer: Option<(&'static str, &'static str)>,
    extra_opsets: Vec<(&'static str, i64)>,
}

impl M {
    fn new(opset: i64) -> M {
        M {
            opset,
            nodes: vec![],
            inputs: vec![],
            outputs: vec![],
            inits: vec![],
            producer: None,
            extra_opsets: vec![],
        }
    }

    /// One node `n` of `op` reading graph input `x` (of `dims`) and writing output `y`.
    fn one(opset: i64, op: &str, dims: &[i64], attrs: Vec<AttributeProto>) -> M {
        let mut m = M::new(opset);
        m.inputs = vec![f32_in("x", dims)];
        m.outputs = vec!["y"];
        m.nodes = vec![node(op, "n", &["x"], &["y"], attrs)];
        m
    }

    fn bytes(&self) -> Vec<u8> {
        let graph = GraphProto {
            name: Some("test".into()),
            node: self.nodes.clone(),
            input: self.inputs.clone(),
            output: self
                .outputs
                .iter()
                .map(|o| ValueInfoProto {
                    name: Some(o.to_string()),
                    ..Default::default()
                })
                .collect(),
            initializer: self.inits.clone(),
            ..Default::default()
        };
        let mut opset_import = vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(self.opset),
        }];
        for (d, v) in &self.extra_opsets {
            opset_import.push(OperatorSetIdProto {
                domain: Some(d.to_string()),
                version: Some(*v),
            });
        }
        ModelProto {
            ir_version: Some(if self.opset >= 13 { 7 } else { 4 }),
            opset_import,
            producer_name: self.producer.map(|p| p.0.to_string()),
            producer_version: self.producer.map(|p| p.1.to_string()),
            graph: Some(graph),
            ..Default::default()
        }
        .encode_to_vec()
    }

    fn import(&self) -> Result<Graph, OnnxError> {
        import_bytes(&self.bytes(), None, &ImportOptions::default(), &RefFolder)
    }

    /// Imports and runs on `x`; every output.
    fn run(&self, x: &[f32], shape: &[usize]) -> Vec<TensorData> {
        let g = self.import().unwrap_or_else(|e| panic!("import: {e}"));
        reference::run(&g, &[TensorData::from_f32(DType::F32, shape.to_vec(), x).unwrap()]).unwrap()
    }

    fn err(&self) -> String {
        self.import().expect_err("the import must fail").to_string()
    }
}

#[test]
fn opsets_7_to_24_are_accepted_and_the_others_refused() {
    for opset in [7, 8, 9, 10, 11, 12, 17, 23, 24] {
        let m = M::one(opset, "Relu", &[2], vec![]);
        let r = m.run(&[-1.0, 2.0], &[2]);
        assert_eq!(r[0].to_f32_vec(), vec![0.0, 2.0], "opset {opset}");
    }
    for opset in [6, 25] {
        let e = M::one(opset, "Relu", &[2], vec![]).err();
        assert!(
            e.contains(&format!("opset {opset}")) && e.contains("7 through 24"),
            "{e}"
        );
    }
}

#[test]
fn ops_used_before_they_exist_or_after_removal_are_refused() {
    let e = M::one(17, "Gelu", &[2], vec![]).err();
    assert!(
        e.contains("`n`") && e.contains("Gelu") && e.contains("opset 17") && e.contains("opset 20"),
        "{e}"
    );
    let e = M::one(8, "Erf", &[2], vec![]).err();
    assert!(e.contains("opset 8") && e.contains("opset 9"), "{e}");
    let mut m = M::one(10, "Upsample", &[1, 1, 2, 2], vec![]);
    m.inits = vec![t_f32("s", &[4], &[1.0, 1.0, 2.0, 2.0])];
    m.nodes[0].input.push("s".into());
    let e = m.err();
    assert!(
        e.contains("`n`") && e.contains("deprecated") && e.contains("opset 10"),
        "{e}"
    );
}

/// Softmax/LogSoftmax before 13: flatten to 2-D at `axis` (default 1), normalize the rows.
#[test]
fn softmax_opset7_coerces_to_2d() {
    let x = iota(24);
    let group = |g: usize| -> Vec<f32> {
        x.chunks(g)
            .flat_map(|c| {
                let m = c.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                let s: f32 = c.iter().map(|v| (v - m).exp()).sum();
                c.iter().map(move |v| (v - m).exp() / s).collect::<Vec<_>>()
            })
            .collect()
    };
    for (opset, attrs, g) in [(7, vec![], 12), (9, vec![a_int("axis", 2)], 4), (13, vec![], 4)] {
        let r = M::one(opset, "Softmax", &[2, 3, 4], attrs).run(&x, &[2, 3, 4]);
        assert_eq!(r[0].shape(), &[2, 3, 4]);
        assert_close(&r[0].to_f32_vec(), &group(g));
    }
    let r = M::one(7, "LogSoftmax", &[2, 3, 4], vec![]).run(&x, &[2, 3, 4]);
    let want: Vec<f32> = group(12).iter().map(|v| v.ln()).collect();
    assert_close(&r[0].to_f32_vec(), &want);
}

#[test]
fn clip_before_11_takes_attributes() {
    let x = [-3.0, -0.5, 0.5, 3.0];
    let m = M::one(6 + 1, "Clip", &[4], vec![a_float("min", -1.0), a_float("max", 1.0)]);
    assert_close(&m.run(&x, &[4])[0].to_f32_vec(), &[-1.0, -0.5, 0.5, 1.0]);
    let m = M::one(10, "Clip", &[4], vec![a_float("min", 0.0)]);
    assert_close(&m.run(&x, &[4])[0].to_f32_vec(), &[0.0, 0.0, 0.5, 3.0]);
    // Opset-11 inputs at opset 10 name the node and the opset.
    let mut m = M::one(10, "Clip", &[4], vec![]);
    m.inits = vec![t_f32("lo", &[], &[0.0])];
    m.nodes[0].input.push("lo".into());
    let e = m.err();
    assert!(e.contains("`n`") && e.contains("opset 10"), "{e}");
    let e = M::one(9, "Clip", &[4], vec![a_str("min", "zero")]).err();
    assert!(e.contains("`n`") && e.contains("min"), "{e}");
}

#[test]
fn slice_before_10_takes_attributes() {
    let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let m = M::one(
        9,
        "Slice",
        &[3, 4],
        vec![
            a_ints("starts", &[1, 0]),
            a_ints("ends", &[3, -1]),
            a_ints("axes", &[0, 1]),
        ],
    );
    let r = m.run(&x, &[3, 4]);
    assert_eq!(r[0].shape(), &[2, 3]);
    assert_close(&r[0].to_f32_vec(), &[4.0, 5.0, 6.0, 8.0, 9.0, 10.0]);
    // Without axes: the first len(starts) axes; ends past the extent clamp.
    let m = M::one(
        7,
        "Slice",
        &[3, 4],
        vec![a_ints("starts", &[2]), a_ints("ends", &[100])],
    );
    assert_close(&m.run(&x, &[3, 4])[0].to_f32_vec(), &x[8..]);
    let e = M::one(9, "Slice", &[3, 4], vec![a_ints("starts", &[0])]).err();
    assert!(e.contains("`n`") && e.contains("ends") && e.contains("opset 9"), "{e}");
    let e = M::one(
        9,
        "Slice",
        &[3, 4],
        vec![a_ints("starts", &[0, 1]), a_ints("ends", &[1])],
    )
    .err();
    assert!(e.contains("`n`") && e.contains("same length"), "{e}");
}

#[test]
fn pad_before_11_takes_attributes() {
    let x = [1.0, 2.0, 3.0];
    let m = M::one(
        7,
        "Pad",
        &[1, 3],
        vec![a_ints("pads", &[0, 1, 0, 2]), a_float("value", 9.0)],
    );
    let r = m.run(&x, &[1, 3]);
    assert_eq!(r[0].shape(), &[1, 6]);
    assert_close(&r[0].to_f32_vec(), &[9.0, 1.0, 2.0, 3.0, 9.0, 9.0]);
    let m = M::one(
        10,
        "Pad",
        &[1, 3],
        vec![a_ints("pads", &[0, 2, 0, 1]), a_str("mode", "reflect")],
    );
    assert_close(&m.run(&x, &[1, 3])[0].to_f32_vec(), &[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
    let e = M::one(10, "Pad", &[1, 3], vec![a_ints("pads", &[0, 1])]).err();
    assert!(e.contains("`n`") && e.contains("pads needs 4"), "{e}");
    let e = M::one(10, "Pad", &[1, 3], vec![]).err();
    assert!(e.contains("`n`") && e.contains("pads") && e.contains("opset 10"), "{e}");
    let e = M::one(
        10,
        "Pad",
        &[1, 3],
        vec![a_ints("pads", &[0, 1, 0, 1]), a_str("mode", "wrap")],
    )
    .err();
    assert!(e.contains("`n`") && e.contains("wrap") && e.contains("opset 10"), "{e}");
}

#[test]
fn topk_before_10_takes_k_as_attribute() {
    let m = M::one(9, "TopK", &[5], vec![a_int("k", 2)]);
    let mut m = m;
    m.nodes[0].output = vec!["y".into(), "i".into()];
    m.outputs = vec!["y", "i"];
    let r = m.run(&[3.0, 1.0, 5.0, 4.0, 2.0], &[5]);
    assert_close(&r[0].to_f32_vec(), &[5.0, 4.0]);
    assert_eq!(r[1].to_i64_vec(), vec![2, 3]);
    let e = M::one(9, "TopK", &[5], vec![]).err();
    assert!(e.contains("`n`") && e.contains("`k`"), "{e}");
}

#[test]
fn reduce_squeeze_unsqueeze_split_with_attributes() {
    let x: Vec<f32> = (0..6).map(|v| v as f32).collect();
    let m = M::one(
        11,
        "ReduceMean",
        &[2, 3],
        vec![a_ints("axes", &[1]), a_int("keepdims", 0)],
    );
    assert_close(&m.run(&x, &[2, 3])[0].to_f32_vec(), &[1.0, 4.0]);
    let m = M::one(7, "ReduceSum", &[2, 3], vec![a_ints("axes", &[0])]);
    let r = m.run(&x, &[2, 3]);
    assert_eq!(r[0].shape(), &[1, 3]);
    assert_close(&r[0].to_f32_vec(), &[3.0, 5.0, 7.0]);
    let m = M::one(7, "Unsqueeze", &[2, 3], vec![a_ints("axes", &[0, 3])]);
    assert_eq!(m.run(&x, &[2, 3])[0].shape(), &[1, 2, 3, 1]);
    let m = M::one(7, "Squeeze", &[1, 6], vec![]);
    assert_eq!(m.run(&x, &[1, 6])[0].shape(), &[6]);
    // Split before 18 without sizes: equal parts that must divide the extent.
    let mut m = M::one(7, "Split", &[6], vec![]);
    m.nodes[0].output = vec!["a".into(), "b".into(), "c".into()];
    m.outputs = vec!["a", "b", "c"];
    let r = m.run(&x, &[6]);
    assert_eq!(
        r.iter().map(|t| t.shape().to_vec()).collect::<Vec<_>>(),
        vec![vec![2]; 3]
    );
    let mut m = M::one(11, "Split", &[5], vec![]);
    m.nodes[0].output = vec!["a".into(), "b".into()];
    m.outputs = vec!["a", "b"];
    let e = m.err();
    assert!(
        e.contains("`n`") && e.contains("equal parts") && e.contains("opset 11"),
        "{e}"
    );
}

/// Upsample-7 (scales attribute), Upsample-9 and Resize-10 (scales input): asymmetric
/// coordinates; nearest truncates upsampling and rounds up downsampling (onnxruntime's values).
#[test]
fn upsample_and_resize10() {
    let x3 = [0.0, 1.0, 2.0];
    let m = M::one(
        7,
        "Upsample",
        &[1, 1, 1, 3],
        vec![a_floats("scales", &[1.0, 1.0, 1.0, 2.5])],
    );
    let r = m.run(&x3, &[1, 1, 1, 3]);
    assert_eq!(r[0].shape(), &[1, 1, 1, 7]);
    assert_close(&r[0].to_f32_vec(), &[0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);

    let with_scales = |op: &str, opset: i64, dims: &[i64], s: &[f32], mode: &str| {
        let mut m = M::one(opset, op, dims, vec![a_str("mode", mode)]);
        m.inits = vec![t_f32("s", &[s.len()], s)];
        m.nodes[0].input.push("s".into());
        m
    };
    let m = with_scales("Upsample", 9, &[1, 1, 1, 3], &[1.0, 1.0, 1.0, 2.0], "linear");
    assert_close(
        &m.run(&x3, &[1, 1, 1, 3])[0].to_f32_vec(),
        &[0.0, 0.5, 1.0, 1.5, 2.0, 2.0],
    );
    let m = with_scales("Upsample", 9, &[1, 1, 2, 2], &[1.0, 1.0, 2.0, 2.0], "linear");
    let want = [
        0.0, 0.5, 1.0, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0, 2.5, 3.0, 3.0, 2.0, 2.5, 3.0, 3.0,
    ];
    assert_close(&m.run(&[0.0, 1.0, 2.0, 3.0], &[1, 1, 2, 2])[0].to_f32_vec(), &want);
    let x5 = [0.0, 1.0, 2.0, 3.0, 4.0];
    let m = with_scales("Resize", 10, &[1, 1, 1, 5], &[1.0, 1.0, 1.0, 0.6], "nearest");
    let r = m.run(&x5, &[1, 1, 1, 5]);
    assert_eq!(r[0].shape(), &[1, 1, 1, 3]);
    assert_close(&r[0].to_f32_vec(), &[0.0, 2.0, 4.0]);
    let m = with_scales("Resize", 10, &[1, 1, 1, 5], &[1.0, 1.0, 1.0, 0.6], "linear");
    assert_close(
        &m.run(&x5, &[1, 1, 1, 5])[0].to_f32_vec(),
        &[0.0, 1.666_666_6, 3.333_333_3],
    );

    let e = with_scales("Resize", 10, &[1, 1, 1, 5], &[1.0, 1.0, 1.0, 2.0], "cubic").err();
    assert!(
        e.contains("`n`") && e.contains("cubic") && e.contains("opset 10"),
        "{e}"
    );
    let e = with_scales("Upsample", 9, &[1, 1, 1, 5], &[1.0, 1.0, 2.0], "nearest").err();
    assert!(e.contains("`n`") && e.contains("scales needs 4"), "{e}");
    let e = with_scales("Upsample", 9, &[1, 1, 1, 5], &[1.0, 1.0, 1.0, 0.5], "nearest").err();
    assert!(e.contains("`n`") && e.contains(">= 1"), "{e}");
    let e = M::one(8, "Upsample", &[1, 1, 1, 5], vec![]).err();
    assert!(
        e.contains("`n`") && e.contains("scales") && e.contains("opset 8"),
        "{e}"
    );
}

#[test]
fn dropout_before_12_has_a_ratio_attribute_and_old_masks() {
    let x = [1.0, -2.0];
    // The mask before 12 is what onnxruntime writes (zeros); from 12 all true.
    for (opset, mask_dtype, kept) in [(7, DType::F32, 0.0), (10, DType::Bool, 0.0), (12, DType::Bool, 1.0)] {
        let mut m = M::one(
            opset,
            "Dropout",
            &[2],
            if opset < 12 {
                vec![a_float("ratio", 0.3)]
            } else {
                vec![]
            },
        );
        m.nodes[0].output = vec!["y".into(), "mask".into()];
        m.outputs = vec!["y", "mask"];
        let r = m.run(&x, &[2]);
        assert_close(&r[0].to_f32_vec(), &x);
        assert_eq!(r[1].dtype(), mask_dtype, "opset {opset}");
        assert_eq!(r[1].to_f64_vec(), vec![kept, kept], "opset {opset}");
    }
    let mut m = M::one(10, "Dropout", &[2], vec![]);
    m.inits = vec![t_f32("r", &[], &[0.5])];
    m.nodes[0].input.push("r".into());
    let e = m.err();
    assert!(e.contains("`n`") && e.contains("opset 10"), "{e}");
}

#[test]
fn batch_norm_opset7_spatial_and_training_outputs() {
    // spatial=0: per-activation parameters [C, W].
    let mut m = M::one(
        7,
        "BatchNormalization",
        &[2, 2, 2],
        vec![a_int("spatial", 0), a_float("epsilon", 0.0)],
    );
    m.inits = vec![
        t_f32("s", &[2, 2], &[1.0, 2.0, 3.0, 4.0]),
        t_f32("b", &[2, 2], &[0.5, 0.0, 0.0, -1.0]),
        t_f32("mu", &[2, 2], &[1.0, 1.0, 0.0, 0.0]),
        t_f32("var", &[2, 2], &[4.0, 1.0, 1.0, 16.0]),
    ];
    m.nodes[0].input.extend(["s", "b", "mu", "var"].map(String::from));
    let x: Vec<f32> = (0..8).map(|v| v as f32).collect();
    let r = m.run(&x, &[2, 2, 2]);
    let p = |i: usize, v: f32| {
        let (s, b, mu, var) = (
            [1.0, 2.0, 3.0, 4.0][i],
            [0.5, 0.0, 0.0, -1.0][i],
            [1.0, 1.0, 0.0, 0.0][i],
            [4.0f32, 1.0, 1.0, 16.0][i],
        );
        (v - mu) / var.sqrt() * s + b
    };
    let want: Vec<f32> = x.iter().enumerate().map(|(k, &v)| p(k % 4, v)).collect();
    assert_close(&r[0].to_f32_vec(), &want);
    // spatial=1 (the default) at opset 7 is the usual per-channel form.
    let mut m = M::one(7, "BatchNormalization", &[1, 2, 1], vec![a_float("epsilon", 0.0)]);
    m.inits = vec![
        t_f32("s", &[2], &[2.0, 1.0]),
        t_f32("b", &[2], &[1.0, 0.0]),
        t_f32("mu", &[2], &[1.0, 0.0]),
        t_f32("var", &[2], &[1.0, 4.0]),
    ];
    m.nodes[0].input.extend(["s", "b", "mu", "var"].map(String::from));
    assert_close(&m.run(&[3.0, 4.0], &[1, 2, 1])[0].to_f32_vec(), &[5.0, 2.0]);
    // A used training output (saved_mean, opset 7) is refused naming the node.
    m.nodes[0].output = vec!["y".into(), "".into(), "".into(), "sm".into()];
    m.outputs = vec!["y", "sm"];
    let e = m.err();
    assert!(
        e.contains("`n`") && e.contains("output 3") && e.contains("opset 7"),
        "{e}"
    );
}

#[test]
fn maxpool_indices_and_cast_targets_are_refused_naming_the_opset() {
    let mut m = M::one(8, "MaxPool", &[1, 1, 2, 2], vec![a_ints("kernel_shape", &[2, 2])]);
    m.nodes[0].output = vec!["y".into(), "idx".into()];
    m.outputs = vec!["y", "idx"];
    let e = m.err();
    assert!(
        e.contains("`n`") && e.contains("Indices") && e.contains("opset 8"),
        "{e}"
    );
    // Without the Indices output, storage_order is accepted.
    let m = M::one(
        8,
        "MaxPool",
        &[1, 1, 2, 2],
        vec![a_ints("kernel_shape", &[2, 2]), a_int("storage_order", 1)],
    );
    assert_close(&m.run(&[1.0, 4.0, 3.0, 2.0], &[1, 1, 2, 2])[0].to_f32_vec(), &[4.0]);
    let e = M::one(24, "Cast", &[2], vec![a_int("to", DataType::Double as i64)]).err();
    assert!(e.contains("`n`") && e.contains("Cast") && e.contains("opset 24"), "{e}");
    let e = M::one(
        24,
        "Cast",
        &[2],
        vec![a_int("to", DataType::Float8e4m3fn as i64), a_int("saturate", 0)],
    )
    .err();
    assert!(e.contains("`n`") && e.contains("opset 24"), "{e}");
    let e = M::one(
        24,
        "Cast",
        &[2],
        vec![a_int("to", DataType::Int32 as i64), a_str("round_mode", "sideways")],
    )
    .err();
    assert!(e.contains("`n`") && e.contains("round_mode"), "{e}");
    let m = M::one(24, "Cast", &[2], vec![a_int("to", DataType::Int32 as i64)]);
    assert_eq!(m.run(&[1.0, 2.0], &[2])[0].to_i64_vec(), vec![1, 2]);
}

/// The ONNX formula: `square_sum[c] = sum x[c']^2` over `c' in [c - floor((size-1)/2), c +
/// ceil((size-1)/2)]`, `y = x / (bias + alpha / size * square_sum) ^ beta`.
/// `dims` is `(N, C, prod(spatial))`, `p` is `(size, alpha, beta, bias)`.
fn lrn_ref(x: &[f32], dims: (usize, usize, usize), p: (usize, f32, f32, f32)) -> Vec<f32> {
    let ((n, c, hw), (size, alpha, beta, bias)) = (dims, p);
    let mut y = vec![0f32; x.len()];
    let (lo, hi) = ((size - 1) / 2, size / 2);
    for b in 0..n {
        for ch in 0..c {
            for p in 0..hw {
                let mut s = 0f32;
                for k in ch.saturating_sub(lo)..=(ch + hi).min(c - 1) {
                    let v = x[(b * c + k) * hw + p];
                    s += v * v;
                }
                let i = (b * c + ch) * hw + p;
                y[i] = x[i] / (bias + alpha / size as f32 * s).powf(beta);
            }
        }
    }
    y
}

#[test]
fn lrn_matches_the_formula() {
    let (n, c, h, w) = (2usize, 5usize, 3usize, 2usize);
    let x: Vec<f32> = (0..n * c * h * w).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.7).collect();
    for (opset, size, alpha, beta, bias) in [(7, 3, 1e-4, 0.75, 1.0), (13, 4, 0.02, 0.5, 2.0), (24, 1, 0.5, 1.0, 1.0)] {
        let attrs = vec![
            a_int("size", size),
            a_float("alpha", alpha),
            a_float("beta", beta),
            a_float("bias", bias),
        ];
        let m = M::one(opset, "LRN", &[n as i64, c as i64, h as i64, w as i64], attrs);
        let r = m.run(&x, &[n, c, h, w]);
        assert_eq!(r[0].shape(), &[n, c, h, w]);
        assert_close(
            &r[0].to_f32_vec(),
            &lrn_ref(&x, (n, c, h * w), (size as usize, alpha, beta, bias)),
        );
    }
    // Defaults (alpha 1e-4, beta 0.75, bias 1), a 2-D input.
    let m = M::one(13, "LRN", &[2, 5], vec![a_int("size", 5)]);
    let x2 = &x[..10];
    assert_close(
        &m.run(x2, &[2, 5])[0].to_f32_vec(),
        &lrn_ref(x2, (2, 5, 1), (5, 1e-4, 0.75, 1.0)),
    );
    let e = M::one(13, "LRN", &[1, 2, 2], vec![]).err();
    assert!(e.contains("`n`") && e.contains("size"), "{e}");
    let e = M::one(13, "LRN", &[1, 2, 2], vec![a_int("size", 0)]).err();
    assert!(e.contains("`n`") && e.contains("size must be >= 1"), "{e}");
}

#[test]
fn model_info_reads_opsets_producer_and_domains() {
    let mut m = M::one(9, "Relu", &[2], vec![]);
    m.producer = Some(("pytorch", "2.1.0"));
    m.extra_opsets = vec![("com.microsoft", 1)];
    m.nodes.push(NodeProto {
        domain: Some("com.microsoft".into()),
        ..node("FastGelu", "g", &["y"], &["z"], vec![])
    });
    m.inits = vec![t_i64("unused", &[1], &[0])];
    let info = model_info(&m.bytes(), &Limits::default()).unwrap();
    assert_eq!(
        info.opsets,
        vec![("ai.onnx".to_string(), 9), ("com.microsoft".to_string(), 1)]
    );
    assert_eq!(info.default_opset(), Some(9));
    assert_eq!(
        (info.producer_name.as_str(), info.producer_version.as_str()),
        ("pytorch", "2.1.0")
    );
    assert_eq!(
        info.node_domains,
        vec!["ai.onnx".to_string(), "com.microsoft".to_string()]
    );
    assert_eq!(info.ir_version, 4);
    assert!(model_info(b"\xff\xff", &Limits::default()).is_err());
}
