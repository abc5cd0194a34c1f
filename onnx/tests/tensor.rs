//! ONNX tensors → `TensorData`: every encoding, external data confined to the model's directory,
//! and errors that name the tensor.

mod common;

use common::TempDir;

use std::path::Path;

use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::{tensor_proto, StringStringEntryProto, TensorProto};
use edgecc_onnx::tensor::{data_to_tensor, declared_bytes, dtype_to_onnx, onnx_dtype, shape_of, tensor_to_data};
use edgecc_onnx::{Limits, OnnxError};

const FLOAT: i32 = 1;
const UINT8: i32 = 2;
const INT8: i32 = 3;
const INT32: i32 = 6;
const INT64: i32 = 7;
const BOOL: i32 = 9;
const FLOAT16: i32 = 10;
const DOUBLE: i32 = 11;
const BFLOAT16: i32 = 16;
const UINT4: i32 = 21;
const INT4: i32 = 22;
const EXTERNAL: i32 = 1;

fn tensor(name: &str, data_type: i32, dims: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        data_type: Some(data_type),
        dims: dims.to_vec(),
        ..Default::default()
    }
}

fn decode(t: &TensorProto) -> Result<TensorData, OnnxError> {
    tensor_to_data(t, None, &Limits::default())
}

/// The message of a Tensor error, after checking it names `name`.
fn tensor_error(r: Result<TensorData, OnnxError>, name: &str) -> String {
    match r {
        Err(OnnxError::Tensor { name: n, msg }) => {
            assert_eq!(n, name, "the error must name the tensor: {msg}");
            let shown = OnnxError::Tensor {
                name: n,
                msg: msg.clone(),
            }
            .to_string();
            assert!(shown.contains(name), "{shown}");
            msg
        }
        other => panic!("expected a Tensor error for `{name}`, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------------------------
// Data types.
// ----------------------------------------------------------------------------------------------

#[test]
fn supported_dtypes_map_both_ways() {
    let expected = [
        (FLOAT, DType::F32),
        (FLOAT16, DType::F16),
        (BFLOAT16, DType::BF16),
        (INT8, DType::I8),
        (UINT8, DType::U8),
        (INT32, DType::I32),
        (INT64, DType::I64),
        (BOOL, DType::Bool),
        (INT4, DType::I4),
        (UINT4, DType::U4),
    ];
    for (code, dtype) in expected {
        assert_eq!(onnx_dtype(code), Ok(dtype));
        assert_eq!(dtype_to_onnx(dtype), code);
    }
    for dtype in DType::ALL {
        assert_eq!(onnx_dtype(dtype_to_onnx(dtype)), Ok(dtype));
    }
}

#[test]
fn unsupported_dtypes_are_named() {
    for (code, name) in [
        (DOUBLE, "DOUBLE"),
        (8, "STRING"),
        (4, "UINT16"),
        (5, "INT16"),
        (12, "UINT32"),
        (13, "UINT64"),
        (14, "COMPLEX64"),
        (15, "COMPLEX128"),
        (17, "FLOAT8E4M3FN"),
        (19, "FLOAT8E5M2"),
        (23, "FLOAT4E2M1"),
    ] {
        let msg = onnx_dtype(code).expect_err(name);
        assert!(msg.contains(name), "{msg}");
        assert!(msg.contains("not supported by edgecc"), "{msg}");
    }
    assert!(onnx_dtype(0).expect_err("undefined").contains("UNDEFINED"));
    assert!(onnx_dtype(999).expect_err("unknown").contains("999"));
    assert!(onnx_dtype(-1).is_err());

    let msg = tensor_error(decode(&tensor("d", DOUBLE, &[1])), "d");
    assert!(msg.contains("DOUBLE"), "{msg}");
}

// ----------------------------------------------------------------------------------------------
// Inline encodings.
// ----------------------------------------------------------------------------------------------

#[test]
fn raw_data_round_trip_for_every_dtype() {
    for dtype in DType::ALL {
        let values: Vec<f64> = (0..5).map(|i| f64::from(i % 2)).collect();
        let d = TensorData::from_f64(dtype, vec![5], &values).expect("test tensor");
        let t = data_to_tensor("x", &d);
        assert_eq!(t.data_type, Some(dtype_to_onnx(dtype)));
        assert_eq!(t.dims, vec![5]);
        assert_eq!(decode(&t).expect("decodes"), d, "{dtype}");
    }
}

#[test]
fn raw_data_is_little_endian() {
    let mut t = tensor("le", INT32, &[2]);
    t.raw_data = Some(vec![0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff]);
    let d = decode(&t).expect("decodes");
    assert_eq!(d.to_i64_vec(), vec![0x0403_0201, -1]);
}

#[test]
fn raw_data_length_must_match_exactly() {
    for len in [0usize, 11, 13] {
        let mut t = tensor("w_len", FLOAT, &[3]);
        t.raw_data = Some(vec![0; len]);
        let msg = tensor_error(decode(&t), "w_len");
        assert!(msg.contains(&len.to_string()) && msg.contains("12"), "{msg}");
    }
    // int4 [3] needs 2 bytes.
    let mut t = tensor("q", INT4, &[3]);
    t.raw_data = Some(vec![0; 3]);
    tensor_error(decode(&t), "q");
}

#[test]
fn float_data() {
    let mut t = tensor("f", FLOAT, &[2, 2]);
    t.float_data = vec![1.0, -2.5, 0.0, 1e-3];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.shape(), &[2, 2]);
    assert_eq!(d.to_f32_vec(), vec![1.0, -2.5, 0.0, 1e-3]);

    t.float_data.pop();
    let msg = tensor_error(decode(&t), "f");
    assert!(
        msg.contains("float_data") && msg.contains('3') && msg.contains('4'),
        "{msg}"
    );
}

#[test]
fn int32_data_holds_float16_and_bfloat16_bits() {
    // 1.5 = 0x3E00 in f16, 0x3FC0 in bf16; -2.0 = 0xC000 in both.
    let mut t = tensor("h", FLOAT16, &[2]);
    t.int32_data = vec![0x3E00, 0xC000];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.dtype(), DType::F16);
    assert_eq!(d.to_f64_vec(), vec![1.5, -2.0]);
    assert_eq!(d.bytes(), &[0x00, 0x3E, 0x00, 0xC0]);

    let mut t = tensor("b", BFLOAT16, &[2]);
    t.int32_data = vec![0x3FC0, 0xC000];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.dtype(), DType::BF16);
    assert_eq!(d.to_f64_vec(), vec![1.5, -2.0]);

    // A sign-extended pattern means the same bits.
    let mut t = tensor("s", FLOAT16, &[1]);
    t.int32_data = vec![0xC000u16 as i16 as i32];
    assert_eq!(decode(&t).expect("decodes").to_f64_vec(), vec![-2.0]);

    let mut t = tensor("big", FLOAT16, &[1]);
    t.int32_data = vec![0x1_0000];
    let msg = tensor_error(decode(&t), "big");
    assert!(msg.contains("int32_data[0]"), "{msg}");
}

#[test]
fn int32_data_holds_small_integers_and_bools() {
    let mut t = tensor("i8", INT8, &[3]);
    t.int32_data = vec![-128, 0, 127];
    assert_eq!(decode(&t).expect("decodes").to_i64_vec(), vec![-128, 0, 127]);
    t.int32_data = vec![-128, 0, 128];
    let msg = tensor_error(decode(&t), "i8");
    assert!(msg.contains("int32_data[2] = 128"), "{msg}");

    let mut t = tensor("u8", UINT8, &[2]);
    t.int32_data = vec![0, 255];
    assert_eq!(decode(&t).expect("decodes").to_i64_vec(), vec![0, 255]);
    t.int32_data = vec![-1, 255];
    tensor_error(decode(&t), "u8");

    let mut t = tensor("mask", BOOL, &[3]);
    t.int32_data = vec![1, 0, 1];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.dtype(), DType::Bool);
    assert_eq!(d.bytes(), &[1, 0, 1]);
    t.int32_data = vec![1, 0, 2];
    tensor_error(decode(&t), "mask");

    let mut t = tensor("i32", INT32, &[2]);
    t.int32_data = vec![i32::MIN, i32::MAX];
    assert_eq!(
        decode(&t).expect("decodes").to_i64_vec(),
        vec![i64::from(i32::MIN), i64::from(i32::MAX)]
    );
}

#[test]
fn int32_data_packs_int4_two_per_element() {
    // [1, -2, 3]: bytes 0xE1 (1 | 0xE << 4), 0x03.
    let mut t = tensor("q4", INT4, &[3]);
    t.int32_data = vec![0xE1, 0x03];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.to_i64_vec(), vec![1, -2, 3]);
    // The unused high nibble of an odd count is cleared.
    t.int32_data = vec![0xE1, 0xF3];
    let d2 = decode(&t).expect("decodes");
    assert_eq!(d2, d);
    // One value per element is the wrong count.
    t.int32_data = vec![1, -2, 3];
    let msg = tensor_error(decode(&t), "q4");
    assert!(msg.contains("needs 2"), "{msg}");

    let mut t = tensor("u4", UINT4, &[4]);
    t.int32_data = vec![0x21, 0xF0];
    assert_eq!(decode(&t).expect("decodes").to_i64_vec(), vec![1, 2, 0, 15]);
}

#[test]
fn int64_data() {
    let mut t = tensor("shape", INT64, &[3]);
    t.int64_data = vec![-1, i64::MAX, 0];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.dtype(), DType::I64);
    assert_eq!(d.to_i64_vec(), vec![-1, i64::MAX, 0]);

    // int64 values in int32_data are in the wrong field.
    let mut t = tensor("wrong", INT64, &[1]);
    t.int32_data = vec![1];
    let msg = tensor_error(decode(&t), "wrong");
    assert!(msg.contains("int32_data") && msg.contains("INT64"), "{msg}");
}

#[test]
fn raw_data_takes_precedence_over_typed_fields() {
    let mut t = tensor("both", FLOAT, &[1]);
    t.raw_data = Some(2.0f32.to_le_bytes().to_vec());
    t.float_data = vec![1.0];
    assert_eq!(decode(&t).expect("decodes").to_f32_vec(), vec![2.0]);
}

#[test]
fn scalars_and_empty_tensors() {
    let mut t = tensor("scalar", FLOAT, &[]);
    t.float_data = vec![3.5];
    let d = decode(&t).expect("decodes");
    assert_eq!(d.shape(), &[] as &[usize]);
    assert_eq!(d.to_f32_vec(), vec![3.5]);

    let t = tensor("empty", FLOAT, &[2, 0, 3]);
    let d = decode(&t).expect("decodes");
    assert_eq!(d.shape(), &[2, 0, 3]);
    assert!(d.bytes().is_empty());

    let mut t = tensor("empty_raw", INT64, &[0]);
    t.raw_data = Some(Vec::new());
    assert_eq!(decode(&t).expect("decodes").numel(), 0);

    // A scalar with no data at all is an error.
    let msg = tensor_error(decode(&tensor("nodata", FLOAT, &[])), "nodata");
    assert!(msg.contains("no data"), "{msg}");
}

#[test]
fn shapes() {
    assert_eq!(shape_of(&tensor("s", FLOAT, &[2, 3])), Ok(vec![2, 3]));
    assert_eq!(shape_of(&tensor("s", FLOAT, &[])), Ok(vec![]));
    let msg = shape_of(&tensor("s", FLOAT, &[2, -3])).expect_err("negative");
    assert!(msg.contains("-3") && msg.contains("axis 1"), "{msg}");
    tensor_error(decode(&tensor("neg", FLOAT, &[-1])), "neg");

    assert_eq!(declared_bytes(&tensor("s", FLOAT, &[2, 3])), Ok(24));
    assert_eq!(declared_bytes(&tensor("s", INT4, &[3])), Ok(2));
    assert_eq!(declared_bytes(&tensor("s", DOUBLE, &[3])), Ok(24));
    assert_eq!(declared_bytes(&tensor("s", FLOAT, &[i64::MAX, 4])), Ok(u64::MAX));
}

#[test]
fn invalid_layouts_are_refused() {
    let mut t = tensor("seg", FLOAT, &[1]);
    t.float_data = vec![1.0];
    t.segment = Some(tensor_proto::Segment {
        begin: Some(0),
        end: Some(1),
    });
    assert!(tensor_error(decode(&t), "seg").contains("segment"));

    let mut t = tensor("loc", FLOAT, &[1]);
    t.float_data = vec![1.0];
    t.data_location = Some(7);
    assert!(tensor_error(decode(&t), "loc").contains("data_location"));

    let mut t = tensor("ext_default", FLOAT, &[1]);
    t.float_data = vec![1.0];
    t.external_data = vec![entry("location", "w.bin")];
    assert!(tensor_error(decode(&t), "ext_default").contains("EXTERNAL"));

    let mut t = tensor("dbl", FLOAT, &[1]);
    t.double_data = vec![1.0];
    assert!(tensor_error(decode(&t), "dbl").contains("double_data"));
}

#[test]
fn limits_are_enforced_per_tensor() {
    let mut t = tensor("big", FLOAT, &[4]);
    t.float_data = vec![0.0; 4];
    let limits = Limits {
        max_tensor_bytes: 15,
        ..Limits::default()
    };
    match tensor_to_data(&t, None, &limits) {
        Err(OnnxError::Limit { limit, msg }) => {
            assert_eq!(limit, "max_tensor_bytes");
            assert!(msg.contains("big"), "{msg}");
        }
        other => panic!("expected a Limit error, got {other:?}"),
    }
    // Huge declared dims with no data: refused before allocating.
    let t = tensor("huge", FLOAT, &[1 << 40, 1 << 20]);
    assert!(matches!(
        decode(&t),
        Err(OnnxError::Limit {
            limit: "max_tensor_bytes",
            ..
        })
    ));

    let mut t = tensor("deep", FLOAT, &[1; 17]);
    t.float_data = vec![1.0];
    assert!(matches!(decode(&t), Err(OnnxError::Limit { limit: "max_rank", .. })));
}

// ----------------------------------------------------------------------------------------------
// External data.
// ----------------------------------------------------------------------------------------------

fn entry(key: &str, value: &str) -> StringStringEntryProto {
    StringStringEntryProto {
        key: Some(key.to_string()),
        value: Some(value.to_string()),
    }
}

fn external(name: &str, dims: &[i64], kv: &[(&str, &str)]) -> TensorProto {
    let mut t = tensor(name, FLOAT, dims);
    t.data_location = Some(EXTERNAL);
    t.external_data = kv.iter().map(|(k, v)| entry(k, v)).collect();
    t
}

/// Writes `prefix` junk bytes then the f32 values to `dir/file`.
fn write_weights(dir: &Path, file: &str, prefix: usize, values: &[f32]) {
    let mut bytes = vec![0xAB; prefix];
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write weights");
}

#[test]
fn external_data_at_an_offset() {
    let dir = TempDir::new("ext-offset");
    write_weights(dir.path(), "weights.bin", 100, &[1.0, 2.0, 3.0, 4.0, 5.0]);
    let limits = Limits::default();

    let t = external(
        "w",
        &[2, 2],
        &[("location", "weights.bin"), ("offset", "104"), ("length", "16")],
    );
    let d = tensor_to_data(&t, Some(dir.path()), &limits).expect("reads");
    assert_eq!(d.to_f32_vec(), vec![2.0, 3.0, 4.0, 5.0]);

    // No offset: from the start; no length: from the dims.
    let t = external("w0", &[1], &[("location", "weights.bin")]);
    let d = tensor_to_data(&t, Some(dir.path()), &limits).expect("reads");
    assert_eq!(d.bytes(), &[0xAB; 4]);

    // In a subdirectory, with a `./` component.
    write_weights(dir.path(), "sub/w.bin", 0, &[7.0]);
    let t = external("sub", &[1], &[("location", "./sub/w.bin"), ("checksum", "ignored")]);
    let d = tensor_to_data(&t, Some(dir.path()), &limits).expect("reads");
    assert_eq!(d.to_f32_vec(), vec![7.0]);
}

#[test]
fn external_data_errors_name_the_tensor() {
    let dir = TempDir::new("ext-errors");
    write_weights(dir.path(), "weights.bin", 0, &[1.0, 2.0]);
    let base = Some(dir.path());
    let limits = Limits::default();

    // File too short for offset + size.
    let t = external("short", &[2], &[("location", "weights.bin"), ("offset", "4")]);
    let msg = tensor_error(tensor_to_data(&t, base, &limits), "short");
    assert!(msg.contains("8 bytes") && msg.contains("4..12"), "{msg}");

    // length disagreeing with the dims.
    let t = external("len", &[2], &[("location", "weights.bin"), ("length", "4")]);
    let msg = tensor_error(tensor_to_data(&t, base, &limits), "len");
    assert!(msg.contains("length 4"), "{msg}");

    // Missing file, missing location, bad numbers, duplicate keys.
    let t = external("missing", &[1], &[("location", "nope.bin")]);
    assert!(tensor_error(tensor_to_data(&t, base, &limits), "missing").contains("nope.bin"));
    let t = external("noloc", &[1], &[("offset", "0")]);
    assert!(tensor_error(tensor_to_data(&t, base, &limits), "noloc").contains("location"));
    let t = external("badoff", &[1], &[("location", "weights.bin"), ("offset", "-4")]);
    assert!(tensor_error(tensor_to_data(&t, base, &limits), "badoff").contains("-4"));
    let t = external("dup", &[1], &[("location", "weights.bin"), ("location", "other.bin")]);
    assert!(tensor_error(tensor_to_data(&t, base, &limits), "dup").contains("twice"));
    let t = external(
        "hugeoff",
        &[1],
        &[("location", "weights.bin"), ("offset", &u64::MAX.to_string())],
    );
    tensor_error(tensor_to_data(&t, base, &limits), "hugeoff");

    // A directory is not a data file.
    std::fs::create_dir_all(dir.path().join("adir")).expect("mkdir");
    let t = external("dir", &[1], &[("location", "adir")]);
    tensor_error(tensor_to_data(&t, base, &limits), "dir");

    // Without the model's directory (model imported from bytes).
    let t = external("nobase", &[1], &[("location", "weights.bin")]);
    assert!(tensor_error(tensor_to_data(&t, None, &limits), "nobase").contains("directory"));
}

#[test]
fn external_paths_cannot_leave_the_model_directory() {
    let outer = TempDir::new("ext-escape");
    let model_dir = outer.path().join("model");
    std::fs::create_dir_all(&model_dir).expect("mkdir");
    write_weights(outer.path(), "secret.bin", 0, &[42.0]);
    write_weights(&model_dir, "ok.bin", 0, &[1.0]);
    let limits = Limits::default();
    let base = Some(model_dir.as_path());

    for (name, location) in [
        ("dotdot", "../secret.bin"),
        ("dotdot_inner", "sub/../../secret.bin"),
        ("dotdot_backslash", "..\\secret.bin"),
        ("empty", ""),
    ] {
        let t = external(name, &[1], &[("location", location)]);
        tensor_error(tensor_to_data(&t, base, &limits), name);
    }
    let secret = outer.path().join("secret.bin");
    let absolute = secret.to_str().expect("utf-8 temp path");
    for (name, location) in [("absolute", absolute), ("root", "/etc/passwd"), ("drive", "C:\\w.bin")] {
        let t = external(name, &[1], &[("location", location)]);
        let msg = tensor_error(tensor_to_data(&t, base, &limits), name);
        assert!(msg.contains("absolute"), "{msg}");
    }
    // The legitimate file next to them still reads.
    let t = external("ok", &[1], &[("location", "ok.bin")]);
    assert_eq!(
        tensor_to_data(&t, base, &limits).expect("reads").to_f32_vec(),
        vec![1.0]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_model_directory_are_refused() {
    use std::os::unix::fs::symlink;
    let outer = TempDir::new("ext-symlink");
    let model_dir = outer.path().join("model");
    std::fs::create_dir_all(&model_dir).expect("mkdir");
    write_weights(outer.path(), "secret.bin", 0, &[42.0]);
    write_weights(&model_dir, "real.bin", 0, &[3.0]);
    symlink(outer.path().join("secret.bin"), model_dir.join("link.bin")).expect("symlink");
    symlink(outer.path(), model_dir.join("linkdir")).expect("symlink");
    symlink(model_dir.join("real.bin"), model_dir.join("inside.bin")).expect("symlink");
    let limits = Limits::default();
    let base = Some(model_dir.as_path());

    let t = external("link", &[1], &[("location", "link.bin")]);
    let msg = tensor_error(tensor_to_data(&t, base, &limits), "link");
    assert!(msg.contains("outside"), "{msg}");
    let t = external("linkdir", &[1], &[("location", "linkdir/secret.bin")]);
    let msg = tensor_error(tensor_to_data(&t, base, &limits), "linkdir");
    assert!(msg.contains("outside"), "{msg}");

    // A link that stays inside the directory is fine.
    let t = external("inside", &[1], &[("location", "inside.bin")]);
    assert_eq!(
        tensor_to_data(&t, base, &limits).expect("reads").to_f32_vec(),
        vec![3.0]
    );

    // The model directory itself may be reached through a link.
    let link_to_model = outer.path().join("model_link");
    symlink(&model_dir, &link_to_model).expect("symlink");
    let t = external("via", &[1], &[("location", "real.bin")]);
    assert_eq!(
        tensor_to_data(&t, Some(link_to_model.as_path()), &limits)
            .expect("reads")
            .to_f32_vec(),
        vec![3.0]
    );
}

#[test]
fn external_data_respects_the_tensor_byte_limit() {
    let dir = TempDir::new("ext-limit");
    write_weights(dir.path(), "w.bin", 0, &[0.0; 8]);
    let t = external("w", &[8], &[("location", "w.bin")]);
    let limits = Limits {
        max_tensor_bytes: 16,
        ..Limits::default()
    };
    assert!(matches!(
        tensor_to_data(&t, Some(dir.path()), &limits),
        Err(OnnxError::Limit {
            limit: "max_tensor_bytes",
            ..
        })
    ));
}

/// `decode_tensor`: one serialized `TensorProto` (a test-data `.pb` file) → `TensorData`, with the
/// model decoder's wire-format checks (byte offsets) and limits.
#[test]
fn decode_tensor_from_bytes() {
    use edgecc_onnx::{decode_tensor, decode_tensor_proto};
    use prost::Message;
    let d = TensorData::from_f32(DType::F32, vec![2, 3], &[1.0, -2.0, 3.5, 0.0, 7.0, -0.25]).unwrap();
    let bytes = data_to_tensor("x", &d).encode_to_vec();
    assert_eq!(decode_tensor(&bytes, &Limits::default()).unwrap(), d);
    let mut typed = tensor("i", INT64, &[3]);
    typed.int64_data = vec![5, -6, 7];
    let got = decode_tensor(&typed.encode_to_vec(), &Limits::default()).unwrap();
    assert_eq!((got.dtype(), got.to_i64_vec()), (DType::I64, vec![5, -6, 7]));
    // An empty message has no data type.
    assert!(decode_tensor(&[], &Limits::default()).is_err());

    // A length that runs past the end: malformed, at the offset of the field's length.
    let mut cut = bytes.clone();
    cut.truncate(bytes.len() - 3);
    match decode_tensor(&cut, &Limits::default()) {
        Err(OnnxError::Malformed { offset, msg }) => {
            assert!(offset > 0 && offset < cut.len(), "{offset}: {msg}");
            assert!(msg.contains("TensorProto"), "{msg}");
        }
        other => panic!("expected a malformed-input error, got {other:?}"),
    }
    // A wrong wire type for `dims` (field 1, a varint) at byte 0.
    match decode_tensor_proto(&[0x0d, 0, 0, 0, 0], &Limits::default()) {
        Err(OnnxError::Malformed { offset, .. }) => assert_eq!(offset, 0),
        other => panic!("expected a malformed-input error, got {other:?}"),
    }
    // Limits: rank and bytes, named.
    let small = Limits {
        max_rank: 1,
        ..Limits::default()
    };
    match decode_tensor(&bytes, &small) {
        Err(OnnxError::Limit { limit, .. }) => assert_eq!(limit, "max_rank"),
        other => panic!("expected a limit error, got {other:?}"),
    }
    let small = Limits {
        max_tensor_bytes: 8,
        ..Limits::default()
    };
    match decode_tensor(&bytes, &small) {
        Err(OnnxError::Limit { limit, .. }) => assert_eq!(limit, "max_tensor_bytes"),
        other => panic!("expected a limit error, got {other:?}"),
    }
    // A type edgecc lacks: the proto decodes (its type is readable), the data does not.
    let mut dbl = tensor("d", DOUBLE, &[1]);
    dbl.double_data = vec![1.0];
    let b = dbl.encode_to_vec();
    assert_eq!(
        decode_tensor_proto(&b, &Limits::default()).unwrap().data_type,
        Some(DOUBLE)
    );
    assert!(tensor_error(decode_tensor(&b, &Limits::default()), "d").contains("DOUBLE"));
}
