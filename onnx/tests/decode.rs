//! Decoding ONNX protobuf: round trips, malformed input reported at its byte offset, every limit,
//! and no panic on truncated, mutated or random bytes.

mod common;

use common::TempDir;

use std::sync::OnceLock;

use edgecc_ir::{DType, TensorData};
use edgecc_onnx::decode::{read_model_bytes, read_model_file, PROST_ERROR_PREFIX};
use edgecc_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use edgecc_onnx::proto::{
    attribute_proto::AttributeType, type_proto, AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use edgecc_onnx::tensor::data_to_tensor;
use edgecc_onnx::{decode_model, Limits, OnnxError};
use proptest::prelude::*;
use prost::Message;

const FLOAT: i32 = 1;

// ----------------------------------------------------------------------------------------------
// Model builders.
// ----------------------------------------------------------------------------------------------

fn dim_value(v: i64) -> Dimension {
    Dimension {
        value: Some(dimension::Value::DimValue(v)),
        ..Default::default()
    }
}

fn dim_param(p: &str) -> Dimension {
    Dimension {
        value: Some(dimension::Value::DimParam(p.to_string())),
        ..Default::default()
    }
}

fn tensor_type(elem_type: i32, dims: Vec<Dimension>) -> TypeProto {
    TypeProto {
        value: Some(type_proto::Value::TensorType(type_proto::Tensor {
            elem_type: Some(elem_type),
            shape: Some(TensorShapeProto { dim: dims }),
        })),
        ..Default::default()
    }
}

fn value_info(name: &str, ty: TypeProto) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(ty),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.to_string()),
        name: Some(name.to_string()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

fn graph_attr(name: &str, g: GraphProto) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_string()),
        r#type: Some(AttributeType::Graph as i32),
        g: Some(g),
        ..Default::default()
    }
}

fn f32_tensor(name: &str, shape: Vec<usize>, values: &[f32]) -> TensorProto {
    let d = TensorData::from_f32(DType::F32, shape, values).expect("valid test tensor");
    data_to_tensor(name, &d)
}

fn graph(nodes: Vec<NodeProto>, initializer: Vec<TensorProto>) -> GraphProto {
    GraphProto {
        name: Some("g".to_string()),
        node: nodes,
        initializer,
        ..Default::default()
    }
}

fn model(g: GraphProto) -> ModelProto {
    ModelProto {
        ir_version: Some(9),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        graph: Some(g),
        ..Default::default()
    }
}

/// A small model using most of the schema: typed inputs with symbolic dims, initializers, attributes
/// of every kind, a subgraph and a function.
fn sample_model() -> ModelProto {
    let then_branch = GraphProto {
        name: Some("then".to_string()),
        node: vec![node("Identity", "id0", &["y"], &["t"], vec![])],
        output: vec![value_info(
            "t",
            tensor_type(FLOAT, vec![dim_param("batch"), dim_value(4)]),
        )],
        ..Default::default()
    };
    let attrs = vec![
        AttributeProto {
            name: Some("alpha".to_string()),
            r#type: Some(AttributeType::Float as i32),
            f: Some(0.5),
            ..Default::default()
        },
        AttributeProto {
            name: Some("axes".to_string()),
            r#type: Some(AttributeType::Ints as i32),
            ints: vec![-1, 0, 300],
            ..Default::default()
        },
        AttributeProto {
            name: Some("scales".to_string()),
            r#type: Some(AttributeType::Floats as i32),
            floats: vec![1.0, 2.5],
            ..Default::default()
        },
        AttributeProto {
            name: Some("mode".to_string()),
            r#type: Some(AttributeType::String as i32),
            s: Some(b"nearest".to_vec()),
            ..Default::default()
        },
        AttributeProto {
            name: Some("value".to_string()),
            r#type: Some(AttributeType::Tensor as i32),
            t: Some(f32_tensor("c", vec![2], &[1.0, -2.0])),
            ..Default::default()
        },
    ];
    let mut g = graph(
        vec![
            node("Add", "add0", &["x", "w"], &["y"], attrs),
            node(
                "If",
                "if0",
                &["cond"],
                &["z"],
                vec![graph_attr("then_branch", then_branch)],
            ),
        ],
        vec![f32_tensor("w", vec![4], &[1.0, 2.0, 3.0, 4.0])],
    );
    g.input = vec![
        value_info("x", tensor_type(FLOAT, vec![dim_param("batch"), dim_value(4)])),
        value_info("cond", tensor_type(9, vec![])),
    ];
    g.output = vec![value_info(
        "z",
        tensor_type(FLOAT, vec![dim_param("batch"), dim_value(4)]),
    )];
    let mut m = model(g);
    m.producer_name = Some("edgecc-test".to_string());
    m.functions = vec![FunctionProto {
        name: Some("f".to_string()),
        domain: Some("custom".to_string()),
        input: vec!["a".to_string()],
        output: vec!["b".to_string()],
        node: vec![node("Relu", "r", &["a"], &["b"], vec![])],
        ..Default::default()
    }];
    m
}

fn sample_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| sample_model().encode_to_vec())
}

fn malformed_offset(r: Result<ModelProto, OnnxError>) -> (usize, String) {
    match r {
        Err(OnnxError::Malformed { offset, msg }) => (offset, msg),
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

fn limit_name(r: Result<ModelProto, OnnxError>) -> &'static str {
    match r {
        Err(OnnxError::Limit { limit, .. }) => limit,
        other => panic!("expected a Limit error, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------------------------
// Well-formed input.
// ----------------------------------------------------------------------------------------------

#[test]
fn round_trip() {
    let m = sample_model();
    let decoded = decode_model(&m.encode_to_vec(), &Limits::default()).expect("decodes");
    assert_eq!(decoded, m);
}

#[test]
fn empty_input_is_an_empty_model() {
    let m = decode_model(&[], &Limits::default()).expect("decodes");
    assert_eq!(m, ModelProto::default());
}

#[test]
fn unknown_fields_are_skipped() {
    let mut bytes = sample_bytes().to_vec();
    // field 99: varint, 64-bit, length-delimited and 32-bit values.
    let key = |wire: u64| {
        let mut k = Vec::new();
        prost::encoding::encode_varint((99 << 3) | wire, &mut k);
        k
    };
    bytes.extend(key(0));
    bytes.push(5);
    bytes.extend(key(1));
    bytes.extend([0u8; 8]);
    bytes.extend(key(2));
    bytes.extend([2u8, 0xff, 0xfe]);
    bytes.extend(key(5));
    bytes.extend([0u8; 4]);
    let decoded = decode_model(&bytes, &Limits::default()).expect("decodes");
    assert_eq!(decoded, sample_model());
}

#[test]
fn packed_and_unpacked_repeated_fields_both_decode() {
    // AttributeProto.ints (field 8) unpacked by prost; write it packed by hand.
    // Attribute: name "a" (0a 01 61), ints packed [1, 2, 300] (42 04 01 02 ac 02).
    let attr = [0x0a, 0x01, b'a', 0x42, 0x04, 0x01, 0x02, 0xac, 0x02];
    let mut node = vec![0x2a, attr.len() as u8];
    node.extend(attr);
    let mut g = vec![0x0a, node.len() as u8];
    g.extend(node);
    let mut bytes = vec![0x3a, g.len() as u8];
    bytes.extend(g);
    let m = decode_model(&bytes, &Limits::default()).expect("decodes");
    let ints = &m.graph.expect("graph").node[0].attribute[0].ints;
    assert_eq!(ints, &[1, 2, 300]);
}

#[test]
fn read_model_file_round_trip_and_missing_file() {
    let dir = TempDir::new("decode-file");
    let path = dir.path().join("m.onnx");
    std::fs::write(&path, sample_bytes()).expect("write");
    let m = read_model_file(&path, &Limits::default()).expect("reads");
    assert_eq!(m, sample_model());
    let bytes = read_model_bytes(&path, &Limits::default()).expect("reads");
    assert_eq!(bytes, sample_bytes());

    match read_model_file(&dir.path().join("missing.onnx"), &Limits::default()) {
        Err(OnnxError::Io { path, .. }) => assert!(path.ends_with("missing.onnx")),
        other => panic!("expected an Io error, got {other:?}"),
    }
    match read_model_file(dir.path(), &Limits::default()) {
        Err(OnnxError::Io { .. }) => {}
        other => panic!("a directory must be refused, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------------------------
// Malformed input, each problem at its exact offset.
// ----------------------------------------------------------------------------------------------

#[test]
fn overlong_varint_reports_its_offset() {
    // ir_version = 7, then model_version (field 5) with 11 continuation bytes, starting at offset 3.
    let mut bytes = vec![0x08, 0x07, 0x28];
    bytes.extend([0xff; 11]);
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 3, "{msg}");
    assert!(msg.contains("varint"), "{msg}");
    assert!(msg.contains("model_version"), "{msg}");
}

#[test]
fn varint_overflowing_64_bits_reports_its_offset() {
    // 10-byte varint whose last byte is 2: 2^64 overflows.
    let mut bytes = vec![0x08];
    bytes.extend([0x80; 9]);
    bytes.push(0x02);
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 1, "{msg}");
    // The same with a final byte of 1 is u64 with the top bit set: valid.
    let mut ok = vec![0x08];
    ok.extend([0x80; 9]);
    ok.push(0x01);
    let m = decode_model(&ok, &Limits::default()).expect("decodes");
    assert_eq!(m.ir_version, Some(i64::MIN));
}

#[test]
fn truncated_key_inside_a_nested_message_reports_the_absolute_offset() {
    // ir_version = 7; graph (field 7, 3 bytes): node (field 1, 1 byte): 0xff, a key cut short.
    let bytes = [0x08, 0x07, 0x3a, 0x03, 0x0a, 0x01, 0xff];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 6, "{msg}");
    assert!(msg.contains("NodeProto"), "{msg}");
}

#[test]
fn length_past_the_end_reports_the_length_offset() {
    // graph (field 7) claims 100 bytes, 2 remain.
    let bytes = [0x08, 0x07, 0x3a, 100, 0x0a, 0x00];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 3, "{msg}");
    assert!(msg.contains("ModelProto.graph"), "{msg}");
    // A sub-message's length may not run past its enclosing message either: the node claims 5
    // bytes inside a 2-byte graph followed by more model bytes.
    let bytes = [0x3a, 0x02, 0x0a, 0x05, 0x08, 0x07, 0x08, 0x07, 0x08];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 3, "{msg}");
    assert!(msg.contains("GraphProto.node"), "{msg}");
}

#[test]
fn truncated_fixed_width_values() {
    // AttributeProto.f (fixed32) with 2 of 4 bytes, inside node inside graph.
    let attr = [0x15, 0x00, 0x00];
    let bytes = [0x3a, 0x07, 0x0a, 0x05, 0x2a, 0x03, attr[0], attr[1], attr[2]];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 7, "{msg}");
    assert!(msg.contains("AttributeProto.f"), "{msg}");
    // An unknown 64-bit field with 3 bytes left.
    let bytes = [0x08, 0x01, 0xf9, 0x06, 1, 2, 3];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 4, "{msg}");
}

#[test]
fn invalid_and_group_wire_types() {
    for wire in [3u8, 4, 6, 7] {
        // ir_version = 1, then field 2 with the given wire type at offset 2.
        let bytes = [0x08, 0x01, (2 << 3) | wire, 0x00];
        let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
        assert_eq!(offset, 2, "wire type {wire}: {msg}");
        assert!(msg.contains("wire type"), "{msg}");
        if wire == 3 || wire == 4 {
            assert!(msg.contains("group"), "{msg}");
        }
    }
    // Groups are refused in unknown fields too.
    // Key of field 99, wire type 3: (99 << 3) | 3 = 795 = varint 9b 06.
    let bytes = [0x08, 0x01, 0x9b, 0x06];
    assert!(matches!(
        decode_model(&bytes, &Limits::default()),
        Err(OnnxError::Malformed { offset: 2, .. })
    ));
}

#[test]
fn field_number_zero() {
    let bytes = [0x08, 0x01, 0x02, 0x00];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 2);
    assert!(msg.contains("field number 0"), "{msg}");
}

#[test]
fn key_over_32_bits() {
    // A key varint of 2^35 (field 2^32): valid varint, invalid key.
    let bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 0);
    assert!(msg.contains("32 bits"), "{msg}");
}

#[test]
fn wrong_wire_type_for_a_known_field() {
    // ModelProto.graph as a varint.
    let bytes = [0x08, 0x01, 0x38, 0x05];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 2);
    assert!(msg.contains("ModelProto.graph"), "{msg}");
    // ModelProto.ir_version (singular int64) packed.
    let bytes = [0x0a, 0x01, 0x05];
    let (offset, _) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 0);
}

#[test]
fn invalid_utf8_in_a_string_field() {
    // producer_name (field 2) = "ab\xff".
    let bytes = [0x08, 0x01, 0x12, 0x03, b'a', b'b', 0xff];
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 6, "{msg}");
    assert!(msg.contains("UTF-8"), "{msg}");
    // The same bytes in a `bytes` field are fine: AttributeProto.s.
    let bytes = [0x3a, 0x09, 0x0a, 0x07, 0x2a, 0x05, 0x22, 0x03, b'a', b'b', 0xff];
    let m = decode_model(&bytes, &Limits::default()).expect("decodes");
    assert_eq!(
        m.graph.expect("graph").node[0].attribute[0].s.as_deref(),
        Some(&b"ab\xff"[..])
    );
}

#[test]
fn packed_arrays_are_checked() {
    // TensorProto.float_data packed with 6 bytes (not a multiple of 4), as graph.initializer.
    let tensor = [0x22, 0x06, 0, 0, 0x80, 0x3f, 0, 0];
    let mut g = vec![0x2a, tensor.len() as u8];
    g.extend(tensor);
    let mut bytes = vec![0x3a, g.len() as u8];
    bytes.extend(g);
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 5, "{msg}");
    assert!(msg.contains("float_data"), "{msg}");
    // TensorProto.dims packed with a truncated last varint.
    let tensor = [0x0a, 0x02, 0x03, 0x80];
    let mut g = vec![0x2a, tensor.len() as u8];
    g.extend(tensor);
    let mut bytes = vec![0x3a, g.len() as u8];
    bytes.extend(g);
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert_eq!(offset, 7, "{msg}");
    assert!(msg.contains("dims"), "{msg}");
}

#[test]
fn deeply_nested_messages_are_refused_without_overflowing_the_stack() {
    // TypeProto.sequence_type nests without bound in the schema; build 1,000 levels by hand.
    let depth = 1_000;
    // Innermost: an empty TypeProto. Each level wraps: TypeProto{sequence_type (4): Sequence{elem_type (1): inner}}.
    let mut inner: Vec<u8> = Vec::new();
    for _ in 0..depth {
        let mut seq = vec![0x0a];
        prost::encoding::encode_varint(inner.len() as u64, &mut seq);
        seq.extend(&inner);
        let mut ty = vec![0x22];
        prost::encoding::encode_varint(seq.len() as u64, &mut ty);
        ty.extend(seq);
        inner = ty;
    }
    let mut vi = vec![0x12];
    prost::encoding::encode_varint(inner.len() as u64, &mut vi);
    vi.extend(inner);
    let mut g = vec![0x5a];
    prost::encoding::encode_varint(vi.len() as u64, &mut g);
    g.extend(vi);
    let mut bytes = vec![0x3a];
    prost::encoding::encode_varint(g.len() as u64, &mut bytes);
    bytes.extend(g);
    let (offset, msg) = malformed_offset(decode_model(&bytes, &Limits::default()));
    assert!(offset < bytes.len());
    assert!(msg.contains("nested"), "{msg}");
}

#[test]
fn prost_fallback_is_never_needed_for_the_sample() {
    // Sanity check of the prefix used by the proptests below.
    assert!(!PROST_ERROR_PREFIX.is_empty());
    assert!(decode_model(sample_bytes(), &Limits::default()).is_ok());
}

// ----------------------------------------------------------------------------------------------
// Limits, each named in its error.
// ----------------------------------------------------------------------------------------------

#[test]
fn default_limits_are_documented_values() {
    let l = Limits::default();
    assert_eq!(l.max_file_bytes, 2 << 30);
    assert_eq!(l.max_nodes, 1_000_000);
    assert_eq!(l.max_initializers, 100_000);
    assert_eq!(l.max_tensor_bytes, 2 << 30);
    assert_eq!(l.max_total_weight_bytes, 8 << 30);
    assert_eq!(l.max_rank, 16);
    assert_eq!(l.max_graph_depth, 8);
}

#[test]
fn limit_max_file_bytes() {
    let bytes = sample_bytes();
    let limits = Limits {
        max_file_bytes: bytes.len() as u64 - 1,
        ..Limits::default()
    };
    assert_eq!(limit_name(decode_model(bytes, &limits)), "max_file_bytes");
    let exact = Limits {
        max_file_bytes: bytes.len() as u64,
        ..Limits::default()
    };
    assert!(decode_model(bytes, &exact).is_ok());

    let dir = TempDir::new("decode-limit");
    let path = dir.path().join("m.onnx");
    std::fs::write(&path, bytes).expect("write");
    assert_eq!(limit_name(read_model_file(&path, &limits)), "max_file_bytes");
    match read_model_bytes(&path, &limits) {
        Err(OnnxError::Limit { limit, msg }) => {
            assert_eq!(limit, "max_file_bytes");
            assert!(msg.contains("m.onnx"), "{msg}");
        }
        other => panic!("expected a Limit error, got {other:?}"),
    }
}

#[test]
fn limit_max_nodes_counts_subgraphs_and_functions() {
    let three = model(graph(
        vec![
            node("Relu", "a", &["x"], &["y"], vec![]),
            node("Relu", "b", &["y"], &["z"], vec![]),
            node("Relu", "c", &["z"], &["w"], vec![]),
        ],
        vec![],
    ));
    let limits = Limits {
        max_nodes: 2,
        ..Limits::default()
    };
    assert_eq!(limit_name(decode_model(&three.encode_to_vec(), &limits)), "max_nodes");
    let three_ok = Limits {
        max_nodes: 3,
        ..Limits::default()
    };
    assert!(decode_model(&three.encode_to_vec(), &three_ok).is_ok());

    // One node in the main graph, two in its subgraph.
    let sub = graph(
        vec![
            node("Relu", "s1", &["x"], &["y"], vec![]),
            node("Relu", "s2", &["y"], &["z"], vec![]),
        ],
        vec![],
    );
    let nested = model(graph(
        vec![node("If", "if", &["c"], &["o"], vec![graph_attr("then_branch", sub)])],
        vec![],
    ));
    assert_eq!(limit_name(decode_model(&nested.encode_to_vec(), &limits)), "max_nodes");

    // The sample has 3 graph nodes and 1 function node.
    assert_eq!(limit_name(decode_model(sample_bytes(), &three_ok)), "max_nodes");
}

#[test]
fn limit_max_initializers() {
    let inits: Vec<TensorProto> = (0..3).map(|i| f32_tensor(&format!("w{i}"), vec![1], &[1.0])).collect();
    let m = model(graph(vec![], inits));
    let limits = Limits {
        max_initializers: 2,
        ..Limits::default()
    };
    assert_eq!(
        limit_name(decode_model(&m.encode_to_vec(), &limits)),
        "max_initializers"
    );
}

#[test]
fn limit_max_tensor_bytes_from_dims_without_data() {
    // 2^20 × 2^20 f32 = 4 TiB declared, no data: refused from the dims alone.
    let t = TensorProto {
        name: Some("huge".to_string()),
        dims: vec![1 << 20, 1 << 20],
        data_type: Some(FLOAT),
        ..Default::default()
    };
    let m = model(graph(vec![], vec![t]));
    match decode_model(&m.encode_to_vec(), &Limits::default()) {
        Err(OnnxError::Limit { limit, msg }) => {
            assert_eq!(limit, "max_tensor_bytes");
            assert!(msg.contains("huge"), "{msg}");
        }
        other => panic!("expected a Limit error, got {other:?}"),
    }
    // dims whose product overflows 64 bits.
    let t = TensorProto {
        name: Some("overflow".to_string()),
        dims: vec![i64::MAX, i64::MAX, i64::MAX],
        data_type: Some(FLOAT),
        ..Default::default()
    };
    let m = model(graph(vec![], vec![t]));
    assert_eq!(
        limit_name(decode_model(&m.encode_to_vec(), &Limits::default())),
        "max_tensor_bytes"
    );
    // A tensor in a Constant node's attribute counts too.
    let attr = AttributeProto {
        name: Some("value".to_string()),
        r#type: Some(AttributeType::Tensor as i32),
        t: Some(f32_tensor("c", vec![4], &[0.0; 4])),
        ..Default::default()
    };
    let m = model(graph(vec![node("Constant", "k", &[], &["c"], vec![attr])], vec![]));
    let limits = Limits {
        max_tensor_bytes: 15,
        ..Limits::default()
    };
    assert_eq!(
        limit_name(decode_model(&m.encode_to_vec(), &limits)),
        "max_tensor_bytes"
    );
}

#[test]
fn limit_max_total_weight_bytes() {
    let inits: Vec<TensorProto> = (0..3)
        .map(|i| f32_tensor(&format!("w{i}"), vec![4], &[1.0; 4]))
        .collect();
    let m = model(graph(vec![], inits));
    let limits = Limits {
        max_tensor_bytes: 16,
        max_total_weight_bytes: 40,
        ..Limits::default()
    };
    assert_eq!(
        limit_name(decode_model(&m.encode_to_vec(), &limits)),
        "max_total_weight_bytes"
    );
    let enough = Limits {
        max_tensor_bytes: 16,
        max_total_weight_bytes: 48,
        ..Limits::default()
    };
    assert!(decode_model(&m.encode_to_vec(), &enough).is_ok());
}

#[test]
fn limit_max_rank_on_declared_shapes_and_tensors() {
    let limits = Limits {
        max_rank: 3,
        ..Limits::default()
    };
    let mut g = graph(vec![], vec![]);
    g.input = vec![value_info(
        "x",
        tensor_type(FLOAT, (0..4).map(|_| dim_value(1)).collect()),
    )];
    let m = model(g);
    assert_eq!(limit_name(decode_model(&m.encode_to_vec(), &limits)), "max_rank");

    let t = f32_tensor("w", vec![1, 1, 1, 1], &[1.0]);
    let m = model(graph(vec![], vec![t]));
    assert_eq!(limit_name(decode_model(&m.encode_to_vec(), &limits)), "max_rank");

    let ok = model(graph(vec![], vec![f32_tensor("w", vec![1, 1, 1], &[1.0])]));
    assert!(decode_model(&ok.encode_to_vec(), &limits).is_ok());
}

#[test]
fn limit_max_graph_depth() {
    // Main graph (depth 0) → If body (1) → If body (2) → If body (3).
    let mut g = graph(vec![node("Relu", "leaf", &["x"], &["y"], vec![])], vec![]);
    for level in 0..3 {
        g = graph(
            vec![node(
                "If",
                &format!("if{level}"),
                &["c"],
                &["o"],
                vec![graph_attr("then_branch", g)],
            )],
            vec![],
        );
    }
    let m = model(g);
    let bytes = m.encode_to_vec();
    let two = Limits {
        max_graph_depth: 2,
        ..Limits::default()
    };
    assert_eq!(limit_name(decode_model(&bytes, &two)), "max_graph_depth");
    let three = Limits {
        max_graph_depth: 3,
        ..Limits::default()
    };
    assert_eq!(decode_model(&bytes, &three).expect("decodes"), m);
}

#[test]
fn negative_dims_are_a_tensor_error() {
    let t = TensorProto {
        name: Some("neg".to_string()),
        dims: vec![2, -1],
        data_type: Some(FLOAT),
        ..Default::default()
    };
    match decode_model(&model(graph(vec![], vec![t])).encode_to_vec(), &Limits::default()) {
        Err(OnnxError::Tensor { name, msg }) => {
            assert_eq!(name, "neg");
            assert!(msg.contains("-1"), "{msg}");
        }
        other => panic!("expected a Tensor error, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------------------------
// Never a panic: truncation, mutation, random bytes.
// ----------------------------------------------------------------------------------------------

/// Checks one decode result of arbitrary bytes: an Ok model re-encodes to bytes that decode to the
/// same encoding; a Malformed error points inside the input (or at its end) and was found by the wire
/// walker, not by prost's fallback.
fn check_result(bytes: &[u8], r: Result<ModelProto, OnnxError>) -> Result<(), String> {
    match r {
        Ok(m) => {
            let again = m.encode_to_vec();
            let m2 = decode_model(&again, &Limits::default()).map_err(|e| format!("re-decoding failed: {e}"))?;
            if m2.encode_to_vec() != again {
                return Err("re-encoding is not stable".to_string());
            }
            Ok(())
        }
        Err(OnnxError::Malformed { offset, msg }) => {
            // A value cut off by the end of the input is reported at the end: offset == len.
            if offset > bytes.len() {
                return Err(format!("offset {offset} outside {} bytes: {msg}", bytes.len()));
            }
            if msg.starts_with(PROST_ERROR_PREFIX) {
                return Err(format!("the wire walker missed an error prost found: {msg}"));
            }
            Ok(())
        }
        Err(OnnxError::Limit { .. }) | Err(OnnxError::Tensor { .. }) => Ok(()),
        Err(e) => Err(format!("unexpected error kind: {e:?}")),
    }
}

#[test]
fn truncation_at_every_byte() {
    let full = sample_model();
    let bytes = sample_bytes();
    // prost writes fields in tag order: ir_version (1), producer_name (2), graph (7),
    // opset_import (8), functions (25). A prefix decodes only when it ends between two of them.
    let mut boundaries = vec![0usize];
    let mut partial = ModelProto {
        ir_version: full.ir_version,
        ..Default::default()
    };
    boundaries.push(partial.encoded_len());
    partial.producer_name = full.producer_name.clone();
    boundaries.push(partial.encoded_len());
    partial.graph = full.graph.clone();
    boundaries.push(partial.encoded_len());
    partial.opset_import = full.opset_import.clone();
    boundaries.push(partial.encoded_len());
    partial.functions = full.functions.clone();
    boundaries.push(partial.encoded_len());
    assert_eq!(*boundaries.last().unwrap_or(&0), bytes.len());

    for n in 0..=bytes.len() {
        let prefix = &bytes[..n];
        let r = decode_model(prefix, &Limits::default());
        if boundaries.contains(&n) {
            assert!(r.is_ok(), "prefix of {n} bytes ends on a field boundary: {r:?}");
        } else {
            let (offset, msg) = malformed_offset(r);
            assert!(offset <= n, "prefix of {n} bytes: offset {offset}: {msg}");
            assert!(!msg.starts_with(PROST_ERROR_PREFIX), "{msg}");
        }
    }
}

#[test]
fn every_single_byte_value_at_every_position() {
    // Exhaustive over a short model: 256 values at each position.
    let small = model(graph(
        vec![node("Relu", "r", &["x"], &["y"], vec![])],
        vec![f32_tensor("w", vec![2], &[1.0, 2.0])],
    ))
    .encode_to_vec();
    for pos in 0..small.len() {
        for b in 0..=255u8 {
            let mut m = small.clone();
            m[pos] = b;
            let r = decode_model(&m, &Limits::default());
            if let Err(e) = check_result(&m, r) {
                panic!("byte {pos} set to {b:#04x}: {e}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn single_byte_mutations_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = sample_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        let r = decode_model(&bytes, &Limits::default());
        if let Err(e) = check_result(&bytes, r) {
            prop_assert!(false, "byte {} set to {:#04x}: {}", i, byte, e);
        }
    }

    #[test]
    fn multi_byte_mutations_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = sample_bytes().to_vec();
        for (pos, byte) in &edits {
            let i = pos.index(bytes.len());
            bytes[i] = *byte;
        }
        let r = decode_model(&bytes, &Limits::default());
        if let Err(e) = check_result(&bytes, r) {
            prop_assert!(false, "{:?}: {}", edits, e);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let r = decode_model(&bytes, &Limits::default());
        if let Err(e) = check_result(&bytes, r) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn inserted_or_deleted_bytes_never_panic(
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        insert in any::<bool>(),
    ) {
        let mut bytes = sample_bytes().to_vec();
        let i = pos.index(bytes.len());
        if insert {
            bytes.insert(i, byte);
        } else {
            bytes.remove(i);
        }
        let r = decode_model(&bytes, &Limits::default());
        if let Err(e) = check_result(&bytes, r) {
            prop_assert!(false, "{}", e);
        }
    }
}
