//! CLI tests of shapes from the inputs: `edgecc run model.onnx --input ...` binds every symbolic
//! dim (expression dims such as `past_seq_len + seq_len` included) from the `.npy` files, with no
//! `--shape`; disagreeing inputs are errors naming the input, the dim and the values; zero-sized
//! dims; realistic random inputs; output file names; no Mesa `XDG_RUNTIME_DIR` noise.

mod common;

use common::{edgecc, edgecc_env, encode_model, node, s, TempDir};
use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::attribute_proto::AttributeType;
use edgecc_onnx::proto::tensor_proto::DataType;
use edgecc_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use edgecc_onnx::proto::{type_proto, AttributeProto, GraphProto, TensorShapeProto, TypeProto, ValueInfoProto};
use edgecc_onnx::tensor::data_to_tensor;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Vocabulary size and width of the decoder's embedding.
const VOCAB: usize = 20;
const WIDTH: usize = 4;

fn input(name: &str, elem: DataType, dims: &[&str]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            denotation: None,
            value: Some(match d.parse::<i64>() {
                Ok(v) => dimension::Value::DimValue(v),
                Err(_) => dimension::Value::DimParam(d.to_string()),
            }),
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

fn output(name: &str) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.into()),
        ..Default::default()
    }
}

fn int_attr(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(v),
        ..Default::default()
    }
}

fn wte() -> Vec<f32> {
    (0..VOCAB * WIDTH).map(|i| (i as f32) * 0.125 - 3.0).collect()
}

/// A decoder step as GenAI exporters declare it:
/// `input_ids: i64[batch, seq_len]`, `attention_mask: i64[batch, past_seq_len + seq_len]`,
/// `past_key_values.0.key: f32[batch, 1, past_seq_len, 4]`;
/// `present.0.key = concat(past, unsqueeze(wte[input_ids], 1), axis 2)` and
/// `logits = reshape(present * mask, shape(present))` (a shape subgraph that folds only with
/// every dim known at import).
fn decoder() -> Vec<u8> {
    let w = TensorData::from_f32(DType::F32, vec![VOCAB, WIDTH], &wte()).expect("wte");
    let axes1 = TensorData::from_i64(DType::I64, vec![1], &[1]).expect("axes");
    let axes13 = TensorData::from_i64(DType::I64, vec![2], &[1, 3]).expect("axes");
    let mut cast = node("Cast", "cast", &["attention_mask"], &["mask_f"]);
    cast.attribute = vec![int_attr("to", DataType::Float as i64)];
    let mut concat = node("Concat", "concat", &["past_key_values.0.key", "k"], &["present.0.key"]);
    concat.attribute = vec![int_attr("axis", 2)];
    encode_model(GraphProto {
        name: Some("decoder".into()),
        node: vec![
            node("Gather", "embed", &["wte", "input_ids"], &["emb"]),
            node("Unsqueeze", "heads", &["emb", "axes1"], &["k"]),
            concat,
            cast,
            node("Unsqueeze", "mask4", &["mask_f", "axes13"], &["m4"]),
            node("Mul", "masked", &["present.0.key", "m4"], &["y"]),
            node("Shape", "shape", &["present.0.key"], &["s"]),
            node("Reshape", "reshape", &["y", "s"], &["logits"]),
        ],
        input: vec![
            input("input_ids", DataType::Int64, &["batch", "seq_len"]),
            input("attention_mask", DataType::Int64, &["batch", "past_seq_len + seq_len"]),
            input(
                "past_key_values.0.key",
                DataType::Float,
                &["batch", "1", "past_seq_len", "4"],
            ),
        ],
        output: vec![output("logits"), output("present.0.key")],
        initializer: vec![
            data_to_tensor("wte", &w),
            data_to_tensor("axes1", &axes1),
            data_to_tensor("axes13", &axes13),
        ],
        ..Default::default()
    })
}

/// What [`decoder`] computes: (present, logits), both `[batch, 1, past + seq, 4]`.
fn reference(ids: &[i64], mask: &[i64], past: &[f32], batch: usize, seq: usize) -> (Vec<f32>, Vec<f32>) {
    let p = past.len() / (batch * WIDTH);
    let t = p + seq;
    let w = wte();
    let mut present = Vec::new();
    for b in 0..batch {
        present.extend_from_slice(&past[b * p * WIDTH..(b + 1) * p * WIDTH]);
        for j in 0..seq {
            let id = ids[b * seq + j] as usize;
            present.extend_from_slice(&w[id * WIDTH..(id + 1) * WIDTH]);
        }
    }
    let logits = present
        .iter()
        .enumerate()
        .map(|(i, v)| v * mask[i / (t * WIDTH) * t + (i / WIDTH) % t] as f32)
        .collect();
    (present, logits)
}

struct Step {
    ids: TensorData,
    mask: TensorData,
    past: TensorData,
}

fn step(batch: usize, past: usize, seq: usize, mask_len: usize) -> Step {
    let ids: Vec<i64> = (0..batch * seq).map(|i| (i * 7 % VOCAB) as i64).collect();
    let mask: Vec<i64> = (0..batch * mask_len).map(|i| (i % 5 != 3) as i64).collect();
    let pv: Vec<f32> = (0..batch * past * WIDTH).map(|i| i as f32 * 0.5 - 1.0).collect();
    Step {
        ids: TensorData::from_i64(DType::I64, vec![batch, seq], &ids).expect("ids"),
        mask: TensorData::from_i64(DType::I64, vec![batch, mask_len], &mask).expect("mask"),
        past: TensorData::from_f32(DType::F32, vec![batch, 1, past, WIDTH], &pv).expect("past"),
    }
}

/// Writes the step's inputs to `dir` and returns the `--input` arguments.
fn input_args(dir: &TempDir, tag: &str, st: &Step) -> Vec<String> {
    let mut args = Vec::new();
    for (name, t) in [
        ("input_ids", &st.ids),
        ("attention_mask", &st.mask),
        ("past_key_values.0.key", &st.past),
    ] {
        let f = dir.write(&format!("{tag}.{name}.npy"), edgecc::npy::encode_npy(t));
        args.push("--input".to_string());
        args.push(format!("{name}={}", s(&f)));
    }
    args
}

fn run(model: &Path, extra: &[String]) -> Output {
    let mut args: Vec<&str> = vec!["run", s(model)];
    args.extend(extra.iter().map(String::as_str));
    edgecc(&args)
}

fn read_npy(p: &Path) -> TensorData {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    edgecc::npy::decode_npy(&bytes).expect("valid npy")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_binds_every_dim_from_the_inputs_and_matches_the_reference() {
    let dir = TempDir::new("bind");
    let m = dir.write("decoder.onnx", decoder());
    // A decode step: batch 2, past 3, one new token; no --shape at all.
    let st = step(2, 3, 1, 4);
    let out: PathBuf = dir.join("out");
    let mut args = input_args(&dir, "decode", &st);
    args.extend(["--output-dir".into(), s(&out).into(), "--json".into()]);
    let o = run(&m, &args);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!err(&o).contains("XDG_RUNTIME_DIR"), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        doc["outputs"]["logits"]["shape"],
        serde_json::json!([2, 1, 4, 4]),
        "{doc}"
    );
    // Output names keep their dots.
    let present = read_npy(&out.join("present.0.key.npy"));
    let logits = read_npy(&out.join("logits.npy"));
    let (want_present, want_logits) =
        reference(&st.ids.to_i64_vec(), &st.mask.to_i64_vec(), &st.past.to_f32_vec(), 2, 1);
    assert_eq!(present.to_f32_vec(), want_present);
    assert_eq!(logits.to_f32_vec(), want_logits);
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 2, "no other files");
}

#[test]
fn a_prefill_with_an_empty_past_binds_zero() {
    let dir = TempDir::new("prefill");
    let m = dir.write("decoder.onnx", decoder());
    let st = step(1, 0, 5, 5);
    let out = dir.join("out");
    let mut args = input_args(&dir, "prefill", &st);
    args.extend(["--output-dir".into(), s(&out).into()]);
    let o = run(&m, &args);
    assert!(o.status.success(), "{}", err(&o));
    let (want_present, want_logits) = reference(&st.ids.to_i64_vec(), &st.mask.to_i64_vec(), &[], 1, 5);
    assert_eq!(read_npy(&out.join("present.0.key.npy")).to_f32_vec(), want_present);
    assert_eq!(read_npy(&out.join("logits.npy")).to_f32_vec(), want_logits);
    // --shape accepts 0, and the expression dim follows.
    let o = edgecc(&[
        "run",
        s(&m),
        "--shape",
        "past_seq_len=0",
        "--shape",
        "seq_len=3",
        "--shape",
        "batch=1",
        "--random-inputs",
        "--json",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        doc["outputs"]["present.0.key"]["shape"],
        serde_json::json!([1, 1, 3, 4]),
        "{doc}"
    );
}

#[test]
fn disagreeing_inputs_are_errors_naming_the_input_dim_and_values() {
    let dir = TempDir::new("disagree");
    let m = dir.write("decoder.onnx", decoder());
    // The mask is one longer than past + seq.
    let st = step(1, 8, 1, 10);
    let o = run(&m, &input_args(&dir, "long", &st));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains(
            "input `attention_mask` dim 1 (`past_seq_len + seq_len`) is 10, but `past_seq_len`=8 and \
             `seq_len`=1 from inputs `past_key_values.0.key` and `input_ids` give 9"
        ),
        "{}",
        err(&o)
    );
    // A static dim that disagrees.
    let mut st = step(1, 2, 1, 3);
    st.past = TensorData::from_f32(DType::F32, vec![1, 1, 2, 3], &[0.0; 6]).expect("past");
    let o = run(&m, &input_args(&dir, "narrow", &st));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("input `past_key_values.0.key` dim 3 is 3, but the model declares 4"),
        "{}",
        err(&o)
    );
    // Batch sizes that disagree.
    let mut st = step(1, 2, 1, 3);
    st.ids = TensorData::from_i64(DType::I64, vec![2, 1], &[1, 2]).expect("ids");
    let o = run(&m, &input_args(&dir, "batch", &st));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("(`batch`) is 1, but `batch`=2 from input `input_ids`"),
        "{e}"
    );
    // A --shape that disagrees with an input, and one that names no dim.
    let mut args = input_args(&dir, "shape", &step(1, 2, 1, 3));
    args.extend(["--shape".into(), "seq_len=2".into()]);
    let o = run(&m, &args);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("is 1, but `seq_len`=2 from --shape"), "{}", err(&o));
    let o = edgecc(&["run", s(&m), "--random-inputs", "--shape", "sequence=2"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("`sequence`"), "{}", err(&o));
}

#[test]
fn random_inputs_index_the_embedding_and_count_positions() {
    let dir = TempDir::new("random");
    // Token ids below the vocabulary, a 0/1 mask.
    let m = dir.write("decoder.onnx", decoder());
    let out = dir.join("out");
    let o = edgecc(&[
        "run",
        s(&m),
        "--random-inputs",
        "--seed",
        "5",
        "--shape",
        "batch=1",
        "--shape",
        "past_seq_len=2",
        "--shape",
        "seq_len=64",
        "--output-dir",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    // present = [past; wte[ids]]: the ids are recovered from the embedding rows.
    let present = read_npy(&out.join("present.0.key.npy")).to_f32_vec();
    let w = wte();
    assert_eq!(present.len(), 66 * WIDTH);
    for row in present[2 * WIDTH..].chunks(WIDTH) {
        assert!(
            (0..VOCAB).any(|v| w[v * WIDTH..(v + 1) * WIDTH] == *row),
            "every token row is an embedding row: {row:?}"
        );
    }
    let distinct: std::collections::BTreeSet<u32> = present[2 * WIDTH..].iter().map(|v| v.to_bits()).collect();
    assert!(distinct.len() > 40, "token ids spread over the vocabulary");
    // Mask of one row is all ones: logits equal present.
    let logits = read_npy(&out.join("logits.npy")).to_f32_vec();
    assert_eq!(logits, present, "the first mask row is all ones");
}

#[test]
fn eir_models_still_bind_from_inputs() {
    let dir = TempDir::new("eir");
    let x = TensorData::from_f32(DType::F32, vec![3, 8], &[0.25; 24]).expect("x");
    let xf = dir.write("x.npy", edgecc::npy::encode_npy(&x));
    let o = edgecc(&["run", "examples/mlp.eir", "--input", &format!("x={}", s(&xf)), "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let (_, out) = doc["outputs"]
        .as_object()
        .expect("outputs")
        .iter()
        .next()
        .expect("one output");
    assert_eq!(out["shape"], serde_json::json!([3, 4]), "{doc}");
    // An empty batch: an empty output, checksum of no bytes, sum 0.
    let x = TensorData::from_f32(DType::F32, vec![0, 8], &[]).expect("x");
    let xf = dir.write("x0.npy", edgecc::npy::encode_npy(&x));
    let out_dir = dir.join("out");
    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--input",
        &format!("x={}", s(&xf)),
        "--output-dir",
        s(&out_dir),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(text.contains("[0, 4]") && text.contains("sum=0.000000e0 "), "{text}");
    let y = read_npy(&out_dir.join("softmax.npy"));
    assert_eq!(y.shape(), &[0, 4]);
}

#[test]
fn no_xdg_runtime_dir_noise_on_the_software_vulkan_device() {
    let o = edgecc_env(
        &["run", "examples/mlp.eir", "--target", "lavapipe", "--random-inputs"],
        &[("XDG_RUNTIME_DIR", "")],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(!err(&o).contains("XDG_RUNTIME_DIR"), "{}", err(&o));
}
