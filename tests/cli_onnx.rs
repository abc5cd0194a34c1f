//! CLI tests on ONNX models: `.npy` inputs and outputs, `--shape`, `--output-dir` with escaped
//! names, `--json`, and the error paths (malformed protobuf, unsupported ops, missing input).

mod common;

use common::{edgecc, linear_relu, node, s, stderr, stdout, tiny_model, TempDir, B, W};
use edgecc_ir::{DType, TensorData};

/// The name of the models' output: not a safe file name.
const OUT: &str = "/out/relu:0";

/// `relu(x @ W + b)` with x: f32[1, seq, 4].
fn good_model() -> Vec<u8> {
    linear_relu(OUT)
}

#[test]
fn runs_onnx_with_npy_inputs_and_writes_npy_outputs() {
    let dir = TempDir::new("run");
    let m = dir.write("tiny.onnx", good_model());
    let xs: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) * 0.3).collect();
    let x = TensorData::from_f32(DType::F32, vec![1, 2, 4], &xs).expect("x");
    let xf = dir.write("x.npy", edgecc::npy::encode_npy(&x));
    let out = dir.join("out");
    let o = edgecc(&[
        "run",
        s(&m),
        "--input",
        &format!("x={}", s(&xf)),
        "--output-dir",
        s(&out),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
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
    let dir = TempDir::new("inspect");
    let m = dir.write("tiny.onnx", good_model());
    let o = edgecc(&["inspect", s(&m), "--summary-only"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("input  x: f32[1, seq<="), "{}", stdout(&o));
    let o = edgecc(&["inspect", s(&m), "--shape", "seq=5", "--summary-only"]);
    assert!(stdout(&o).contains("input  x: f32[1, 5, 4]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("MatMul"), "{}", stdout(&o));
}

#[test]
fn onnx_error_paths_exit_1_naming_the_problem() {
    let dir = TempDir::new("errors");
    // Malformed protobuf: a truncated model names a byte offset.
    let good = good_model();
    let cut = dir.write("cut.onnx", &good[..good.len() / 2]);
    let o = edgecc(&["inspect", s(&cut)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("byte offset"), "{}", stderr(&o));
    // Random bytes.
    let junk = dir.write("junk.onnx", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage");
    let o = edgecc(&["run", s(&junk), "--random-inputs"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Unsupported ops are all listed.
    let unsupported = tiny_model(
        vec![
            node("NonZero", "nz1", &["x"], &["a"]),
            node("NonZero", "nz2", &["x"], &["b"]),
            node("Einsum", "es", &["x"], &[OUT]),
        ],
        OUT,
    );
    let u = dir.write("unsupported.onnx", unsupported);
    let o = edgecc(&["inspect", s(&u)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("NonZero (2 nodes") && e.contains("Einsum (1 node"), "{e}");
    // A missing input is named; an unknown one too.
    let m = dir.write("tiny.onnx", good_model());
    let o = edgecc(&["run", s(&m), "--shape", "seq=2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("input `x` is not given"), "{}", stderr(&o));
    let o = edgecc(&["run", s(&m), "--input", "y=nothing.npy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a graph input"), "{}", stderr(&o));
    // A missing .npy file and a malformed one.
    let o = edgecc(&["run", s(&m), "--input", "x=/no/such.npy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such.npy"), "{}", stderr(&o));
    let bad = dir.write("bad.npy", b"\x93NUMPY\x01\x00\x05\x00{'de");
    let o = edgecc(&["run", s(&m), "--input", &format!("x={}", s(&bad))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.npy"), "{}", stderr(&o));
    // A bad --shape.
    let o = edgecc(&["run", s(&m), "--random-inputs", "--shape", "seq=zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad --shape"), "{}", stderr(&o));
    // A missing model file.
    let o = edgecc(&["run", "/no/such/model.onnx", "--random-inputs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such/model.onnx"), "{}", stderr(&o));
}

/// `inspect` on an .onnx file prints the model's opset imports, producer and node domains (also
/// when the import then fails), and puts them under `onnx` in `--json`.
#[test]
fn inspect_onnx_prints_opsets_producer_and_domains() {
    use edgecc_onnx::proto::{ModelProto, OperatorSetIdProto};
    use prost::Message;
    let dir = TempDir::new("inspect-info");
    let mut model = ModelProto::decode(good_model().as_slice()).expect("decode");
    model.producer_name = Some("onnxruntime-genai".into());
    model.producer_version = Some("0.9.0".into());
    model.opset_import.push(OperatorSetIdProto {
        domain: Some("com.microsoft".into()),
        version: Some(1),
    });
    let m = dir.write("meta.onnx", model.encode_to_vec());
    let o = edgecc(&["inspect", s(&m), "--summary-only"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("producer onnxruntime-genai 0.9.0"), "{out}");
    assert!(out.contains("opset imports: ai.onnx 17, com.microsoft 1"), "{out}");
    assert!(out.contains("node domains: ai.onnx"), "{out}");
    let o = edgecc(&["inspect", s(&m), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["onnx"]["opset_imports"]["ai.onnx"], 17);
    assert_eq!(json["onnx"]["opset_imports"]["com.microsoft"], 1);
    assert_eq!(json["onnx"]["producer_name"], "onnxruntime-genai");
    assert_eq!(json["onnx"]["node_domains"], serde_json::json!(["ai.onnx"]));
    // An opset edgecc does not map: the metadata still prints, then the import error.
    model.opset_import[0].version = Some(6);
    let old = dir.write("old.onnx", model.encode_to_vec());
    let o = edgecc(&["inspect", s(&old)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("opset imports: ai.onnx 6"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("opset 6") && stderr(&o).contains("7 through 24"),
        "{}",
        stderr(&o)
    );
}
