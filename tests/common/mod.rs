//! Helpers shared by the CLI integration tests (each includes this file with `mod common;` and
//! uses a subset): running the `edgecc` binary and reading its output, temporary directories that
//! remove themselves, and small ONNX models built with prost.

#![allow(dead_code)]

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

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// Runs `edgecc ARGS...` in the package root (so `examples/...` paths resolve) and waits for it.
pub fn edgecc(args: &[&str]) -> Output {
    edgecc_env(args, &[])
}

/// [`edgecc`] with extra environment variables set.
pub fn edgecc_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgecc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().copied())
        .output()
        .expect("edgecc runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr without Mesa's harmless `XDG_RUNTIME_DIR` line.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| !l.contains("XDG_RUNTIME_DIR"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: exit {:?} (is a Vulkan driver installed? run `bash scripts/setup.sh`)\nstderr:\n{}\nstdout:\n{}",
        o.status.code(),
        stderr(o),
        stdout(o)
    );
    stdout(o)
}

/// Asserts success and parses stdout as one JSON document.
#[track_caller]
pub fn json(o: &Output, what: &str) -> serde_json::Value {
    let out = ok(o, what);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{what}: stdout is not one JSON document ({e}):\n{out}"))
}

/// Parses stdout as one JSON document, whatever the exit status.
#[track_caller]
pub fn stdout_json(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim()).unwrap_or_else(|e| panic!("one JSON document ({e}):\n{}", stdout(o)))
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// A temporary directory, removed on drop. Its name holds the test crate's name, the process id
/// and `tag`, so tags need only be unique within one test file.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!(
            "edgecc-{}-{}-{tag}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        TempDir(d)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `contents` to `name` in this directory and returns the file's path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `p` as a `&str`, for an argument list.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

// ---------------------------------------------------------------------------------------------
// ONNX models
// ---------------------------------------------------------------------------------------------

/// An f32 graph input; each dim is a value (`Ok`) or a symbolic `dim_param` (`Err`).
pub fn float_input(name: &str, dims: &[Result<i64, &str>]) -> ValueInfoProto {
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

/// A graph output named `name`, its type left to shape inference.
pub fn untyped_output(name: &str) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.into()),
        ..Default::default()
    }
}

pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// `graph` as an encoded ONNX model: IR version 8, default-domain opset 17.
pub fn encode_model(graph: GraphProto) -> Vec<u8> {
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

/// The weights of [`tiny_model`]: `W` is f32[4, 3], `b` is f32[3].
pub const W: [f32; 12] = [0.5, -1.0, 0.25, 1.5, 0.0, -0.5, 2.0, 1.0, -0.75, -2.0, 0.5, 1.0];
pub const B: [f32; 3] = [0.1, -0.2, 0.3];

/// The graph `tiny` of `nodes`: input x: f32[1, seq, 4], initializers `W` ([`W`]) and `b`
/// ([`B`]), and one output named `output`.
pub fn tiny_model(nodes: Vec<NodeProto>, output: &str) -> Vec<u8> {
    let w = TensorData::from_f32(DType::F32, vec![4, 3], &W).expect("w");
    let b = TensorData::from_f32(DType::F32, vec![3], &B).expect("b");
    encode_model(GraphProto {
        name: Some("tiny".into()),
        node: nodes,
        input: vec![float_input("x", &[Ok(1), Err("seq"), Ok(4)])],
        output: vec![untyped_output(output)],
        initializer: vec![data_to_tensor("W", &w), data_to_tensor("b", &b)],
        ..Default::default()
    })
}

/// `OUTPUT = relu(x @ W + b)` as a [`tiny_model`] (the bound of `seq` comes from the importer's
/// default unless given with --shape).
pub fn linear_relu(output: &str) -> Vec<u8> {
    tiny_model(
        vec![
            node("MatMul", "mm", &["x", "W"], &["h"]),
            node("Add", "bias", &["h", "b"], &["hb"]),
            node("Relu", "act", &["hb"], &[output]),
        ],
        output,
    )
}
