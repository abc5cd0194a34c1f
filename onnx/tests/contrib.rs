//! The LLM-export ops, contrib domain handling and model-local functions: malformed forms give
//! errors naming the node; function inlining edge cases. (Numerical checks against onnxruntime
//! are in the workspace's `tests/onnx_ops.rs`.)

mod common;

use common::proto::*;
use edgecc_ir::{Op, UnaryOp};
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::{FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, ValueInfoProto};
use edgecc_onnx::{contrib_ops, domain_ops, import_bytes, ImportOptions, OnnxError};
use prost::Message;

fn opset(domain: &str, v: i64) -> OperatorSetIdProto {
    OperatorSetIdProto {
        domain: Some(domain.into()),
        version: Some(v),
    }
}

fn model(
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: &[&str],
    opsets: Vec<OperatorSetIdProto>,
    functions: Vec<FunctionProto>,
) -> Vec<u8> {
    ModelProto {
        ir_version: Some(10),
        opset_import: opsets,
        graph: Some(GraphProto {
            name: Some("g".into()),
            node: nodes,
            input: inputs,
            output: outputs.iter().map(|o| out(o)).collect(),
            ..Default::default()
        }),
        functions,
        ..Default::default()
    }
    .encode_to_vec()
}

fn import(bytes: &[u8]) -> Result<edgecc_ir::Graph, OnnxError> {
    import_bytes(bytes, None, &ImportOptions::default(), &RefFolder)
}

fn std_opsets() -> Vec<OperatorSetIdProto> {
    vec![opset("", 23), opset("com.microsoft", 1)]
}

/// The error of importing `bytes`, which must name `node`.
fn err_naming(bytes: &[u8], node: &str, needle: &str) -> String {
    let e = import(bytes).expect_err("the model must be refused").to_string();
    assert!(e.contains(node), "the error does not name node `{node}`: {e}");
    assert!(e.contains(needle), "the error does not say `{needle}`: {e}");
    e
}

fn gqa_inputs(hq_d: i64, kv_d: i64, past: i64, s: i64) -> Vec<ValueInfoProto> {
    vec![
        f32_in("q", &[1, s, hq_d]),
        f32_in("k", &[1, s, kv_d]),
        f32_in("v", &[1, s, kv_d]),
        f32_in("pk", &[1, 1, past, 16]),
        f32_in("pv", &[1, 1, past, 16]),
        vi_static("seqlens", DataType::Int32, &[1]),
        vi_static("total", DataType::Int32, &[]),
        f32_in("cos", &[4, 8]),
        f32_in("sin", &[4, 8]),
    ]
}

const GQA_IO: [&str; 9] = ["q", "k", "v", "pk", "pv", "seqlens", "total", "cos", "sin"];

#[test]
fn contrib_tables_are_listed() {
    assert!(contrib_ops().contains(&"GroupQueryAttention"));
    assert_eq!(domain_ops("com.microsoft"), Some(contrib_ops()));
    assert!(domain_ops("").is_some_and(|o| o.contains(&"RotaryEmbedding")));
    assert!(domain_ops("pkg.unknown").is_none());
}

#[test]
fn rotary_dim_larger_than_the_head_is_refused() {
    let n = node_in(
        "RotaryEmbedding",
        "",
        "rope0",
        &["x", "cos", "sin"],
        &["y"],
        vec![a_int("rotary_embedding_dim", 16), a_int("num_heads", 2)],
    );
    let inputs = vec![
        f32_in("x", &[1, 2, 3, 8]),
        f32_in("cos", &[1, 3, 8]),
        f32_in("sin", &[1, 3, 8]),
    ];
    err_naming(
        &model(vec![n], inputs, &["y"], std_opsets(), vec![]),
        "rope0",
        "larger than the head size",
    );
}

#[test]
fn cos_cache_too_short_is_refused() {
    // Standard form without position ids: the caches must cover [B, S].
    let n = node_in("RotaryEmbedding", "", "rope1", &["x", "cos", "sin"], &["y"], vec![]);
    let inputs = vec![
        f32_in("x", &[1, 2, 3, 8]),
        f32_in("cos", &[1, 2, 4]),
        f32_in("sin", &[1, 2, 4]),
    ];
    err_naming(
        &model(vec![n], inputs, &["y"], std_opsets(), vec![]),
        "rope1",
        "does not cover",
    );
    // GroupQueryAttention with rotary: 4 cached positions, 6 past + 1 new needed.
    let n = node_in(
        "GroupQueryAttention",
        "com.microsoft",
        "gqa_short",
        &GQA_IO,
        &["o", "pko", "pvo"],
        vec![a_int("num_heads", 2), a_int("kv_num_heads", 1), a_int("do_rotary", 1)],
    );
    err_naming(
        &model(vec![n], gqa_inputs(32, 16, 6, 1), &["o"], std_opsets(), vec![]),
        "gqa_short",
        "too short",
    );
}

#[test]
fn kv_heads_not_dividing_query_heads_are_refused() {
    let n = node_in(
        "GroupQueryAttention",
        "com.microsoft",
        "gqa_heads",
        &GQA_IO[..7],
        &["o", "pko", "pvo"],
        vec![a_int("num_heads", 4), a_int("kv_num_heads", 3)],
    );
    err_naming(
        &model(vec![n], gqa_inputs(64, 48, 2, 1), &["o"], std_opsets(), vec![]),
        "gqa_heads",
        "does not divide",
    );
}

#[test]
fn seqlens_k_not_one_per_batch_is_refused() {
    // [B, 1] is read as B values (onnxruntime, mobius); [1, 2] holds two for one batch.
    let n = node_in(
        "GroupQueryAttention",
        "com.microsoft",
        "gqa_seqlens",
        &GQA_IO[..7],
        &["o", "pko", "pvo"],
        vec![a_int("num_heads", 2), a_int("kv_num_heads", 1)],
    );
    let mut inputs = gqa_inputs(32, 16, 2, 1);
    inputs[5] = vi_static("seqlens", DataType::Int32, &[1, 2]);
    err_naming(
        &model(vec![n], inputs, &["o"], std_opsets(), vec![]),
        "gqa_seqlens",
        "seqlens_k must be [batch]",
    );
}

#[test]
fn missing_required_attribute_is_refused() {
    let n = node_in(
        "GroupQueryAttention",
        "com.microsoft",
        "gqa_attr",
        &GQA_IO[..7],
        &["o", "pko", "pvo"],
        vec![a_int("num_heads", 2)],
    );
    err_naming(
        &model(vec![n], gqa_inputs(32, 16, 2, 1), &["o"], std_opsets(), vec![]),
        "gqa_attr",
        "kv_num_heads",
    );
}

#[test]
fn contrib_domain_version_other_than_1_is_refused() {
    let n = node_in("FastGelu", "com.microsoft", "fg", &["x"], &["y"], vec![]);
    let e = import(&model(
        vec![n],
        vec![f32_in("x", &[2, 3])],
        &["y"],
        vec![opset("", 23), opset("com.microsoft", 2)],
        vec![],
    ))
    .expect_err("version 2 must be refused")
    .to_string();
    assert!(e.contains("com.microsoft") && e.contains("version 2"), "{e}");
}

fn function(domain: &str, name: &str, body: Vec<NodeProto>) -> FunctionProto {
    FunctionProto {
        name: Some(name.into()),
        domain: Some(domain.into()),
        input: vec!["x".into()],
        output: vec!["y".into()],
        node: body,
        opset_import: vec![opset("", 18), opset(domain, 1)],
        ..Default::default()
    }
}

#[test]
fn recursive_functions_are_refused_naming_the_node() {
    let f = function(
        "pkg.rec",
        "Loop",
        vec![node_in("Loop", "pkg.rec", "inner", &["x"], &["y"], vec![])],
    );
    let n = node_in("Loop", "pkg.rec", "call0", &["x"], &["y"], vec![]);
    let e = err_naming(
        &model(
            vec![n],
            vec![f32_in("x", &[2])],
            &["y"],
            vec![opset("", 18), opset("pkg.rec", 1)],
            vec![f],
        ),
        "call0",
        "calls itself",
    );
    assert!(e.contains("pkg.rec::Loop"), "{e}");
}

#[test]
fn a_supported_contrib_op_wins_over_a_model_function_of_its_name() {
    // A FastGelu body of Relu: the builtin mapping (tanh Gelu) is used, not the body.
    let f = function(
        "com.microsoft",
        "FastGelu",
        vec![node_in("Relu", "", "r", &["x"], &["y"], vec![])],
    );
    let n = node_in("FastGelu", "com.microsoft", "fg", &["x"], &["y"], vec![]);
    let g = import(&model(
        vec![n],
        vec![f32_in("x", &[2, 3])],
        &["y"],
        std_opsets(),
        vec![f],
    ))
    .expect("imports");
    let ops: Vec<&Op> = g.nodes().iter().map(|n| &n.op).collect();
    assert!(ops.contains(&&Op::Unary(UnaryOp::Gelu { tanh: true })), "{ops:?}");
    assert!(!ops.contains(&&Op::Unary(UnaryOp::Relu)), "{ops:?}");
}

#[test]
fn an_unknown_domain_op_without_a_function_is_listed_as_unsupported() {
    let n = node_in("Mystery", "pkg.none", "m0", &["x"], &["y"], vec![]);
    let e = import(&model(
        vec![n],
        vec![f32_in("x", &[2])],
        &["y"],
        vec![opset("", 18), opset("pkg.none", 1)],
        vec![],
    ))
    .expect_err("unsupported");
    assert!(matches!(e, OnnxError::Unsupported(_)), "{e}");
    assert!(e.to_string().contains("Mystery"), "{e}");
}
