//! Malformed ONNX through the whole import path (decode, tensors, op mapping, folding, verify):
//! truncations and random mutations of valid models give an error or a valid graph, never a panic.

mod common;

use common::{encode_model, float_input, untyped_output};
use edgecc::ReferenceFolder;
use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::attribute_proto::AttributeType;
use edgecc_onnx::proto::{AttributeProto, GraphProto, NodeProto};
use edgecc_onnx::tensor::data_to_tensor;
use edgecc_onnx::{import_bytes, ImportOptions};
use proptest::prelude::*;
use std::sync::OnceLock;

fn node(op: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(format!("{op}_{}", outputs[0])),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Ints as i32),
        ints: v.to_vec(),
        ..Default::default()
    }
}

/// A small model in the shape PyTorch exports: a Shape→Gather→Unsqueeze→Concat→Reshape chain,
/// MatMul with an initializer, LayerNormalization, Softmax, attributes of several kinds.
fn sample() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let f = |name: &str, shape: Vec<usize>, n: usize| {
            let v: Vec<f32> = (0..n).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.1).collect();
            data_to_tensor(name, &TensorData::from_f32(DType::F32, shape, &v).expect("tensor"))
        };
        let i = |name: &str, v: &[i64]| {
            data_to_tensor(
                name,
                &TensorData::from_i64(DType::I64, vec![v.len()], v).expect("tensor"),
            )
        };
        let idx0 = data_to_tensor("idx0", &TensorData::from_i64(DType::I64, vec![], &[0]).expect("scalar"));
        let x = float_input("x", &[Ok(2), Err("seq"), Ok(8)]);
        let graph = GraphProto {
            name: Some("sample".into()),
            node: vec![
                node("Shape", &["x"], &["s"], vec![]),
                node("Gather", &["s", "idx0"], &["b"], vec![]),
                node("Unsqueeze", &["b", "axes0"], &["bu"], vec![]),
                node("Concat", &["bu", "tail"], &["newshape"], vec![]),
                node("MatMul", &["x", "W"], &["h"], vec![]),
                node("LayerNormalization", &["h", "g", "beta"], &["n"], vec![]),
                node("Reshape", &["n", "newshape"], &["r"], vec![]),
                node("Transpose", &["r"], &["t"], vec![ints("perm", &[0, 2, 1])]),
                node("Softmax", &["t"], &["y"], vec![]),
            ],
            input: vec![x],
            output: vec![untyped_output("y")],
            initializer: vec![
                f("W", vec![8, 8], 64),
                f("g", vec![8], 8),
                f("beta", vec![8], 8),
                idx0,
                i("axes0", &[0]),
                i("tail", &[-1, 4]),
            ],
            ..Default::default()
        };
        let mut concat_axis = graph;
        // Concat needs its axis attribute.
        concat_axis.node[3].attribute = vec![AttributeProto {
            name: Some("axis".into()),
            r#type: Some(AttributeType::Int as i32),
            i: Some(0),
            ..Default::default()
        }];
        encode_model(concat_axis)
    })
}

fn import(bytes: &[u8]) -> Result<edgecc_ir::Graph, edgecc_onnx::OnnxError> {
    let opts = ImportOptions {
        shapes: [("seq".to_string(), 4)].into_iter().collect(),
        ..Default::default()
    };
    import_bytes(bytes, None, &opts, &ReferenceFolder)
}

#[test]
fn the_sample_imports_and_runs() {
    let g = import(sample()).expect("the sample model imports");
    assert!(
        g.nodes().iter().all(|n| n.op.name() != "Shape"),
        "the shape chain folded"
    );
    let x = TensorData::from_f32(DType::F32, vec![2, 4, 8], &vec![0.25; 64]).expect("x");
    let y = edgecc::run_reference(&g, &[x]).expect("runs");
    assert_eq!(y[0].shape(), &[2, 4, 8]);
}

#[test]
fn every_truncation_is_an_error() {
    let b = sample();
    for cut in 0..b.len() {
        assert!(import(&b[..cut]).is_err() || cut == 0, "truncation at {cut} imported");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn random_mutations_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)
    ) {
        let mut b = sample().to_vec();
        for (pos, byte) in edits {
            let i = pos.index(b.len());
            b[i] = byte;
        }
        // Either outcome is fine; what matters is that it returns.
        if let Ok(g) = import(&b) {
            prop_assert!(edgecc_ir::verify(&g).is_ok());
        }
    }
}
