//! Small ONNX models built with prost for the `edgecc compile` tests: `relu(x @ W + b)` with a
//! symbolic `seq` dim, and the same graph with an op edgecc does not know.

use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use edgecc_onnx::proto::{
    type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use edgecc_onnx::tensor::data_to_tensor;
use prost::Message;

/// The weights of [`linear_relu`]: `W` is f32[4, 3], `b` is f32[3].
pub const W: [f32; 12] = [0.5, -1.0, 0.25, 1.5, 0.0, -0.5, 2.0, 1.0, -0.75, -2.0, 0.5, 1.0];
pub const B: [f32; 3] = [0.1, -0.2, 0.3];

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

fn model(nodes: Vec<NodeProto>) -> Vec<u8> {
    let w = TensorData::from_f32(DType::F32, vec![4, 3], &W).expect("w");
    let b = TensorData::from_f32(DType::F32, vec![3], &B).expect("b");
    let graph = GraphProto {
        name: Some("tiny".into()),
        node: nodes,
        input: vec![input("x", &[Ok(1), Err("seq"), Ok(4)])],
        output: vec![ValueInfoProto {
            name: Some("y".into()),
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

/// `y = relu(x @ W + b)`, x: f32[1, seq, 4] (the bound of `seq` comes from the importer's
/// default unless given with --shape).
pub fn linear_relu() -> Vec<u8> {
    model(vec![
        node("MatMul", "mm", &["x", "W"], &["h"]),
        node("Add", "bias", &["h", "b"], &["hb"]),
        node("Relu", "act", &["hb"], &["y"]),
    ])
}

/// [`linear_relu`] with its Relu replaced by an op no importer knows: `NotARealOp`.
pub fn unsupported_op() -> Vec<u8> {
    model(vec![
        node("MatMul", "mm", &["x", "W"], &["h"]),
        node("Add", "bias", &["h", "b"], &["hb"]),
        node("NotARealOp", "mystery", &["hb"], &["y"]),
    ])
}
