//! CLI tests on ONNX models: `.npy` inputs and outputs, `--shape`, `--output-dir` with escaped
//! names, `--json`, and the error paths (malformed protobuf, unsupported ops, missing input).

use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use edgecc_onnx::proto::{
    type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use edgecc_onnx::tensor::data_to_tensor;
use prost::Message;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn edgecc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgecc"))
        .args(args)
        .output()
        .expect("edgecc runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgecc-cli-onnx-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn input(name: &str, dims: &[Result<i64, &str>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            denotation: None,
            value: Some(match d {
                Ok(v) => dimension::Value::DimValue(*v),
                Err(p) => dimension::Value::DimParam(p.to_string()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            denotation: None,
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

const W: [f32; 12] = [0.5, -1.0, 0.25, 1.5, 0.0, -0.5, 2.0, 1.0, -0.75, -2.0, 0.5, 1.0];
const B: [f32; 3] = [0.1, -0.2, 0.3];

/// `relu(x @ W + b)` with x: f32[1, seq, 4]; the output has a name that is not a safe file name.
fn model(nodes: Vec<NodeProto>) -> Vec<u8> {
    let w = TensorData::from_f32(DType::F32, vec![4, 3], &W).expect("w");
    let b = TensorData::from_f32(DType::F32, vec![3], &B).expect("b");
    let graph = GraphProto {
        name: Some("tiny".into()),
        node: nodes,
        input: vec![input("x", &[Ok(1), Err("seq"), Ok(4)])],
        output: vec![ValueInfoProto {
            name: Some("/out/relu:0".into()),
            ..Default::default()
        }],
        initializer: vec![data_to_tensor("W", &w), data_to_tensor("b", &b)],
        ..Default::default()
    };
    ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}

fn good_model() -> Vec<u8> {
    model(vec![
        node("MatMul", "mm", &["x", "W"], &["h"]),
        node("Add", "bias", &["h", "b"], &["hb"]),
        node("Relu", "act", &["hb"], &["/out/relu:0"]),
    ])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.to_str().expect("utf-8 path").to_string()
}

#[test]
fn runs_onnx_with_npy_inputs_and_writes_npy_outputs() {
    let dir = temp_dir("run");
    let m = write(&dir, "tiny.onnx", &good_model());
    let xs: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) * 0.3).collect();
    let x = TensorData::from_f32(DType::F32, vec![1, 2, 4], &xs).expect("x");
    let xf = write(&dir, "x.npy", &edgecc::npy::encode_npy(&x));
    let out = dir.join("out");
    let o = edgecc(&[
        "run",
        &m,
        "--input",
        &format!("x={xf}"),
        "--output-dir",
        out.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["outputs"]["/out/relu:0"]["shape"], serde_json::json!([1, 2, 3]));
    assert_eq!(json["outputs"]["/out/relu:0"]["dtype"], "f32");
    // The file name is escaped and stays inside the output directory.
    let file = out.join("%2Fout%2Frelu%3A0.npy");
    let y = edgecc::npy::decode_npy(&std::fs::read(&file).expect("output written")).expect("valid npy");
    let mut want = Vec::new();
    for r in 0..2 {
        for c in 0..3 {
            let v: f32 = (0..4).map(|k| xs[r * 4 + k] * W[k * 3 + c]).sum::<f32>() + B[c];
            want.push(v.max(0.0));
        }
    }
    let got = y.to_f32_vec();
    assert_eq!(y.shape(), &[1, 2, 3]);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 1, "no temp files left");
}

#[test]
fn inspect_onnx_with_shape_specializes_dim_params() {
    let dir = temp_dir("inspect");
    let m = write(&dir, "tiny.onnx", &good_model());
    let o = edgecc(&["inspect", &m, "--summary-only"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("input  x: f32[1, seq<="),
        "{}",
        text(&o.stdout)
    );
    let o = edgecc(&["inspect", &m, "--shape", "seq=5", "--summary-only"]);
    assert!(
        text(&o.stdout).contains("input  x: f32[1, 5, 4]"),
        "{}",
        text(&o.stdout)
    );
    assert!(text(&o.stdout).contains("MatMul"), "{}", text(&o.stdout));
}

#[test]
fn onnx_error_paths_exit_1_naming_the_problem() {
    let dir = temp_dir("errors");
    // Malformed protobuf: a truncated model names a byte offset.
    let good = good_model();
    let cut = write(&dir, "cut.onnx", &good[..good.len() / 2]);
    let o = edgecc(&["inspect", &cut]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("byte offset"), "{}", text(&o.stderr));
    // Random bytes.
    let junk = write(
        &dir,
        "junk.onnx",
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage",
    );
    let o = edgecc(&["run", &junk, "--random-inputs"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // Unsupported ops are all listed.
    let unsupported = model(vec![
        node("NonZero", "nz1", &["x"], &["a"]),
        node("NonZero", "nz2", &["x"], &["b"]),
        node("Einsum", "es", &["x"], &["/out/relu:0"]),
    ]);
    let u = write(&dir, "unsupported.onnx", &unsupported);
    let o = edgecc(&["inspect", &u]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("NonZero (2 nodes") && e.contains("Einsum (1 node"), "{e}");
    // A missing input is named; an unknown one too.
    let m = write(&dir, "tiny.onnx", &good_model());
    let o = edgecc(&["run", &m, "--shape", "seq=2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("input `x` is not given"),
        "{}",
        text(&o.stderr)
    );
    let o = edgecc(&["run", &m, "--input", "y=nothing.npy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("not a graph input"), "{}", text(&o.stderr));
    // A missing .npy file and a malformed one.
    let o = edgecc(&["run", &m, "--input", "x=/no/such.npy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/no/such.npy"), "{}", text(&o.stderr));
    let bad = write(&dir, "bad.npy", b"\x93NUMPY\x01\x00\x05\x00{'de");
    let o = edgecc(&["run", &m, "--input", &format!("x={bad}")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("bad.npy"), "{}", text(&o.stderr));
    // A bad --shape.
    let o = edgecc(&["run", &m, "--random-inputs", "--shape", "seq=zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("bad --shape"), "{}", text(&o.stderr));
    // A missing model file.
    let o = edgecc(&["run", "/no/such/model.onnx", "--random-inputs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/no/such/model.onnx"), "{}", text(&o.stderr));
}
