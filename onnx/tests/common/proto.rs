//! ONNX protobuf builders shared by the importer tests (`import`, `opsets`, `contrib`): value
//! infos, nodes, attributes and tensors made with the prost types, the reference interpreter as
//! the import's [`Folder`], and small numeric helpers.

#![allow(dead_code)]

use edgecc_backends::reference::{eval_op, Tensor};
use edgecc_ir::{DType, Op, TensorData};
use edgecc_onnx::proto::attribute_proto::AttributeType;
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use edgecc_onnx::proto::{
    type_proto, AttributeProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use edgecc_onnx::tensor::data_to_tensor;
use edgecc_onnx::Folder;

/// Folds known values with the reference interpreter (what the `edgecc` facade passes).
pub struct RefFolder;

impl Folder for RefFolder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        let ts: Vec<Tensor> = inputs.iter().map(Tensor::from_data).collect();
        let refs: Vec<&Tensor> = ts.iter().collect();
        Ok(eval_op(op, &refs, &[])?.iter().map(Tensor::to_data).collect())
    }
}

/// A dim of a declared shape.
pub enum D {
    V(i64),
    P(&'static str),
    Unknown,
}

/// A tensor value info of `elem` with the declared `dims`.
pub fn vi(name: &str, elem: DataType, dims: &[D]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            denotation: None,
            value: match d {
                D::V(v) => Some(dimension::Value::DimValue(*v)),
                D::P(p) => Some(dimension::Value::DimParam(p.to_string())),
                D::Unknown => None,
            },
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            denotation: None,
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
        ..Default::default()
    }
}

/// [`vi`] with static dims.
pub fn vi_static(name: &str, elem: DataType, dims: &[i64]) -> ValueInfoProto {
    vi(name, elem, &dims.iter().map(|&d| D::V(d)).collect::<Vec<_>>())
}

/// A float graph input with static dims.
pub fn f32_in(name: &str, dims: &[i64]) -> ValueInfoProto {
    vi_static(name, DataType::Float, dims)
}

/// A graph output without a declared type.
pub fn out(name: &str) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.into()),
        ..Default::default()
    }
}

/// A default-domain node.
pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attrs,
        ..Default::default()
    }
}

/// A node of `domain`.
pub fn node_in(
    op: &str,
    domain: &str,
    name: &str,
    inputs: &[&str],
    outputs: &[&str],
    attrs: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        domain: Some(domain.into()),
        ..node(op, name, inputs, outputs, attrs)
    }
}

fn attr(name: &str, ty: AttributeType) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(ty as i32),
        ..Default::default()
    }
}

pub fn a_int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        i: Some(v),
        ..attr(name, AttributeType::Int)
    }
}

pub fn a_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        ints: v.to_vec(),
        ..attr(name, AttributeType::Ints)
    }
}

pub fn a_float(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        f: Some(v),
        ..attr(name, AttributeType::Float)
    }
}

pub fn a_floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        floats: v.to_vec(),
        ..attr(name, AttributeType::Floats)
    }
}

pub fn a_str(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        s: Some(v.as_bytes().to_vec()),
        ..attr(name, AttributeType::String)
    }
}

pub fn t_i64(name: &str, shape: &[usize], v: &[i64]) -> TensorProto {
    data_to_tensor(name, &TensorData::from_i64(DType::I64, shape.to_vec(), v).unwrap())
}

pub fn t_f32(name: &str, shape: &[usize], v: &[f32]) -> TensorProto {
    data_to_tensor(name, &TensorData::from_f32(DType::F32, shape.to_vec(), v).unwrap())
}

/// `n` distinct small values: -1, -0.75, ...
pub fn iota(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32 * 0.25 - 1.0).collect()
}

/// Elementwise within 1e-5 + 1e-4 * |want|.
#[track_caller]
pub fn assert_close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "length: got {got:?}, want {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 + 1e-4 * w.abs(),
            "element {i}: got {g}, want {w} (all: {got:?})"
        );
    }
}
