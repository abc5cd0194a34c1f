//! ONNX tensors → [`TensorData`].
//!
//! Every encoding of `TensorProto` data is read: `raw_data` (little-endian, length checked exactly
//! against the dims), the typed fields (`float_data`; `int32_data` for int32, int8, uint8, bool,
//! the bit patterns of float16 / bfloat16, and int4 / uint4 packed two per element; `int64_data`),
//! and external data files confined to the model's directory. Errors name the tensor
//! ([`OnnxError::Tensor`]); a tensor over [`Limits::max_tensor_bytes`] or [`Limits::max_rank`] is
//! refused with the limit named before anything is allocated or read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use edgecc_ir::{DType, TensorData};

use crate::decode::Limits;
use crate::error::OnnxError;
use crate::proto;
use crate::proto::tensor_proto::{DataLocation, DataType};

/// The ONNX name of a `TensorProto.DataType` code (`"FLOAT"`, `"DOUBLE"`, ...), or
/// `"data type N"` for a code the schema does not define.
pub fn onnx_type_name(data_type: i32) -> String {
    match DataType::try_from(data_type) {
        Ok(t) => t.as_str_name().to_string(),
        Err(_) => format!("data type {data_type}"),
    }
}

/// The IR dtype of an ONNX `TensorProto.DataType` code. Types the IR does not have are an error
/// naming the ONNX type.
pub fn onnx_dtype(data_type: i32) -> Result<DType, String> {
    let t = DataType::try_from(data_type).map_err(|_| format!("unknown ONNX data type {data_type}"))?;
    Ok(match t {
        DataType::Float => DType::F32,
        DataType::Float16 => DType::F16,
        DataType::Bfloat16 => DType::BF16,
        DataType::Int8 => DType::I8,
        DataType::Uint8 => DType::U8,
        DataType::Int32 => DType::I32,
        DataType::Int64 => DType::I64,
        DataType::Bool => DType::Bool,
        DataType::Int4 => DType::I4,
        DataType::Uint4 => DType::U4,
        DataType::Undefined => return Err("the data type is UNDEFINED (0)".to_string()),
        other => {
            return Err(format!(
                "{} is not supported by edgecc (supported: FLOAT, FLOAT16, BFLOAT16, INT8, UINT8, INT32, INT64, \
                 BOOL, INT4, UINT4)",
                other.as_str_name()
            ))
        }
    })
}

/// The ONNX `TensorProto.DataType` code of an IR dtype.
pub fn dtype_to_onnx(dtype: DType) -> i32 {
    let t = match dtype {
        DType::F32 => DataType::Float,
        DType::F16 => DataType::Float16,
        DType::BF16 => DataType::Bfloat16,
        DType::I8 => DataType::Int8,
        DType::U8 => DataType::Uint8,
        DType::I32 => DataType::Int32,
        DType::I64 => DataType::Int64,
        DType::Bool => DataType::Bool,
        DType::I4 => DataType::Int4,
        DType::U4 => DataType::Uint4,
    };
    t as i32
}

/// Bits per element of an ONNX data type as stored in `raw_data`, for every type with a fixed size
/// (supported or not); `None` for STRING, UNDEFINED and unknown codes.
pub fn onnx_elem_bits(data_type: i32) -> Option<u64> {
    let t = DataType::try_from(data_type).ok()?;
    Some(match t {
        DataType::Undefined | DataType::String => return None,
        DataType::Uint2 | DataType::Int2 => 2,
        DataType::Uint4 | DataType::Int4 | DataType::Float4e2m1 => 4,
        DataType::Float6e2m3 | DataType::Float6e3m2 => 6,
        DataType::Uint8
        | DataType::Int8
        | DataType::Bool
        | DataType::Float8e4m3fn
        | DataType::Float8e4m3fnuz
        | DataType::Float8e5m2
        | DataType::Float8e5m2fnuz
        | DataType::Float8e8m0 => 8,
        DataType::Uint16 | DataType::Int16 | DataType::Float16 | DataType::Bfloat16 => 16,
        DataType::Float | DataType::Int32 | DataType::Uint32 => 32,
        DataType::Int64 | DataType::Uint64 | DataType::Double | DataType::Complex64 => 64,
        DataType::Complex128 => 128,
    })
}

/// The static shape of a tensor (no dims: a scalar). Negative dims are an error.
pub fn shape_of(t: &proto::TensorProto) -> Result<Vec<usize>, String> {
    t.dims
        .iter()
        .enumerate()
        .map(|(axis, &d)| {
            usize::try_from(d).map_err(|_| {
                if d < 0 {
                    format!("dims {:?} has the negative dim {d} at axis {axis}", t.dims)
                } else {
                    format!("dim {d} at axis {axis} is too large for this platform")
                }
            })
        })
        .collect()
}

/// The number of data bytes a tensor declares: dims × element size (sub-byte types packed, rounded
/// up), or the total length of `string_data` for STRING. Saturates at `u64::MAX` rather than
/// overflowing; 0 for a type whose size is unknown. Negative dims are an error. Allocates nothing.
pub fn declared_bytes(t: &proto::TensorProto) -> Result<u64, String> {
    let mut numel: u64 = 1;
    for (axis, &d) in t.dims.iter().enumerate() {
        let d = u64::try_from(d).map_err(|_| format!("dims {:?} has the negative dim {d} at axis {axis}", t.dims))?;
        numel = numel.saturating_mul(d);
    }
    let data_type = t.data_type.unwrap_or(0);
    if data_type == DataType::String as i32 {
        return Ok(t
            .string_data
            .iter()
            .fold(0u64, |acc, s| acc.saturating_add(s.len() as u64)));
    }
    let bits = onnx_elem_bits(data_type).unwrap_or(0);
    Ok(match numel.checked_mul(bits) {
        Some(b) => b.div_ceil(8),
        None => u64::MAX,
    })
}

/// Decodes an ONNX tensor's data, whatever its encoding, into [`TensorData`].
///
/// `base_dir` is the directory of the model file; external data is read from files inside it only
/// (no absolute paths, no `..`, no symbolic links leading out of it), and only the byte range the
/// tensor needs is read. Without a `base_dir`, a tensor with external data is an error.
pub fn tensor_to_data(
    t: &proto::TensorProto,
    base_dir: Option<&Path>,
    limits: &Limits,
) -> Result<TensorData, OnnxError> {
    let name = t.name.as_deref().unwrap_or("");
    let err = |msg: String| OnnxError::Tensor {
        name: name.to_string(),
        msg,
    };
    let data_type = t.data_type.unwrap_or(0);
    let dtype = onnx_dtype(data_type).map_err(err)?;
    let type_name = onnx_type_name(data_type);
    let shape = shape_of(t).map_err(err)?;
    if shape.len() > limits.max_rank {
        return Err(OnnxError::Limit {
            limit: "max_rank",
            msg: format!(
                "tensor `{name}` has rank {}, the limit is {}",
                shape.len(),
                limits.max_rank
            ),
        });
    }
    let declared = declared_bytes(t).map_err(err)?;
    if declared > limits.max_tensor_bytes {
        return Err(OnnxError::Limit {
            limit: "max_tensor_bytes",
            msg: format!(
                "tensor `{name}` has {declared} bytes of data, the limit is {} bytes",
                limits.max_tensor_bytes
            ),
        });
    }
    let too_large = || err(format!("{type_name} {shape:?} is too large for this platform"));
    let nbytes = usize::try_from(declared).map_err(|_| too_large())?;
    let numel = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_large)?;
    if t.segment.is_some() {
        return Err(err(
            "segmented tensors (TensorProto.segment) are not supported; re-save the model without segments".to_string(),
        ));
    }

    let external = match t.data_location {
        None => false,
        Some(l) if l == DataLocation::Default as i32 => false,
        Some(l) if l == DataLocation::External as i32 => true,
        Some(l) => {
            return Err(err(format!(
                "data_location {l} is neither DEFAULT (0) nor EXTERNAL (1)"
            )))
        }
    };
    let mut bytes = if external {
        read_external(t, base_dir, nbytes, &type_name, &shape).map_err(err)?
    } else {
        if !t.external_data.is_empty() {
            return Err(err(
                "external_data is set but data_location is not EXTERNAL; set data_location = EXTERNAL (1)".to_string(),
            ));
        }
        match &t.raw_data {
            Some(raw) => {
                if raw.len() != nbytes {
                    return Err(err(format!(
                        "raw_data has {} bytes, but {type_name} {shape:?} needs {nbytes}",
                        raw.len()
                    )));
                }
                raw.clone()
            }
            None => typed_bytes(t, dtype, numel, nbytes, &type_name, &shape).map_err(err)?,
        }
    };
    // Sub-byte types: an odd element count leaves the high nibble of the last byte unused; keep it 0
    // so equal tensors have equal bytes.
    if matches!(dtype, DType::I4 | DType::U4) && numel % 2 == 1 {
        if let Some(last) = bytes.last_mut() {
            *last &= 0x0F;
        }
    }
    TensorData::from_bytes(dtype, shape, bytes).map_err(|e| err(e.to_string()))
}

/// The data of a tensor stored in the typed fields, as little-endian IR bytes.
fn typed_bytes(
    t: &proto::TensorProto,
    dtype: DType,
    numel: usize,
    nbytes: usize,
    type_name: &str,
    shape: &[usize],
) -> Result<Vec<u8>, String> {
    let expected_field = match dtype {
        DType::F32 => "float_data",
        DType::I64 => "int64_data",
        _ => "int32_data",
    };
    let present = [
        ("float_data", t.float_data.len()),
        ("int32_data", t.int32_data.len()),
        ("int64_data", t.int64_data.len()),
        ("double_data", t.double_data.len()),
        ("uint64_data", t.uint64_data.len()),
        ("string_data", t.string_data.len()),
    ];
    for (field, len) in present {
        if len > 0 && field != expected_field {
            return Err(format!(
                "{field} is not valid for a {type_name} tensor (use {expected_field} or raw_data)"
            ));
        }
    }
    // Values expected in the typed field: one per element, except int4/uint4 (two per int32).
    let expected = if matches!(dtype, DType::I4 | DType::U4) {
        numel.div_ceil(2)
    } else {
        numel
    };
    let got = match dtype {
        DType::F32 => t.float_data.len(),
        DType::I64 => t.int64_data.len(),
        _ => t.int32_data.len(),
    };
    if got != expected {
        return Err(if got == 0 {
            format!(
                "has no data: {type_name} {shape:?} needs {expected} values in {expected_field} or {nbytes} bytes \
                 of raw_data"
            )
        } else {
            format!("{expected_field} has {got} values, but {type_name} {shape:?} needs {expected}")
        });
    }
    let mut out = Vec::with_capacity(nbytes);
    match dtype {
        DType::F32 => t
            .float_data
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        DType::I64 => t
            .int64_data
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        DType::I32 => t
            .int32_data
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        _ => {
            // (inclusive range accepted, what the value means)
            let (lo, hi, what) = match dtype {
                // Bit patterns of 16-bit floats: unsigned as the spec says; sign-extended accepted.
                DType::F16 | DType::BF16 => (i32::from(i16::MIN), i32::from(u16::MAX), "a 16-bit pattern"),
                DType::I8 => (i32::from(i8::MIN), i32::from(i8::MAX), "an int8 value"),
                DType::U8 => (0, i32::from(u8::MAX), "a uint8 value"),
                DType::Bool => (0, 1, "a bool (0 or 1)"),
                // Two packed 4-bit values per element; sign-extended bytes accepted.
                _ => (
                    i32::from(i8::MIN),
                    i32::from(u8::MAX),
                    "a byte of two packed 4-bit values",
                ),
            };
            for (i, &v) in t.int32_data.iter().enumerate() {
                if v < lo || v > hi {
                    return Err(format!("int32_data[{i}] = {v} is not {what} ({type_name})"));
                }
                let b = v.to_le_bytes();
                match dtype {
                    DType::F16 | DType::BF16 => out.extend_from_slice(&b[..2]),
                    _ => out.push(b[0]),
                }
            }
        }
    }
    Ok(out)
}

/// Reads the `nbytes` bytes of an external-data tensor from its file inside `base_dir`.
fn read_external(
    t: &proto::TensorProto,
    base_dir: Option<&Path>,
    nbytes: usize,
    type_name: &str,
    shape: &[usize],
) -> Result<Vec<u8>, String> {
    let mut location: Option<&str> = None;
    let mut offset: Option<u64> = None;
    let mut length: Option<u64> = None;
    for entry in &t.external_data {
        let key = entry.key.as_deref().unwrap_or("");
        let value = entry.value.as_deref().unwrap_or("");
        let parse = |v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("external_data {key} `{v}` is not a non-negative integer"))
        };
        let duplicate = match key {
            "location" => location.replace(value).is_some(),
            "offset" => offset.replace(parse(value)?).is_some(),
            "length" => length.replace(parse(value)?).is_some(),
            // "checksum" and keys of future versions carry nothing edgecc needs.
            _ => false,
        };
        if duplicate {
            return Err(format!("external_data has the key `{key}` twice"));
        }
    }
    let location = location.ok_or("data_location is EXTERNAL but external_data has no `location`")?;
    let offset = offset.unwrap_or(0);
    if let Some(len) = length {
        if len != nbytes as u64 {
            return Err(format!(
                "external_data length {len} does not match the {nbytes} bytes that {type_name} {shape:?} needs"
            ));
        }
    }
    let Some(base_dir) = base_dir else {
        return Err(format!(
            "its data is in the external file `{location}`, which needs the model's directory: import the model \
             from a file"
        ));
    };
    check_relative_location(location)?;
    let base = base_dir
        .canonicalize()
        .map_err(|e| format!("model directory {}: {e}", base_dir.display()))?;
    let joined = base.join(location);
    let path = joined
        .canonicalize()
        .map_err(|e| format!("external data file {}: {e}", joined.display()))?;
    if !path.starts_with(&base) {
        return Err(format!(
            "external data location `{location}` resolves to {}, outside the model's directory {} (through a \
             symbolic link); external data must stay inside the model's directory",
            path.display(),
            base.display()
        ));
    }
    let io = |e: std::io::Error| format!("external data file {}: {e}", path.display());
    let mut file = File::open(&path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(format!("external data file {} is not a regular file", path.display()));
    }
    let end = offset
        .checked_add(nbytes as u64)
        .ok_or_else(|| format!("external_data offset {offset} is too large"))?;
    if end > meta.len() {
        return Err(format!(
            "external data file {} has {} bytes, but the tensor needs bytes {offset}..{end}",
            path.display(),
            meta.len()
        ));
    }
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut bytes = vec![0u8; nbytes];
    file.read_exact(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Refuses external-data locations that are empty, absolute, or climb out with `..` (on any
/// platform's separators), before the path touches the file system.
fn check_relative_location(location: &str) -> Result<(), String> {
    if location.is_empty() {
        return Err("external_data location is empty".to_string());
    }
    if location.contains('\0') {
        return Err("external_data location contains a NUL byte".to_string());
    }
    let bytes = location.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if location.starts_with(['/', '\\']) || drive || Path::new(location).is_absolute() {
        return Err(format!(
            "external_data location `{location}` is an absolute path; it must be relative to the model's directory"
        ));
    }
    if location.split(['/', '\\']).any(|c| c == "..") {
        return Err(format!(
            "external_data location `{location}` contains `..`; it must stay inside the model's directory"
        ));
    }
    Ok(())
}

/// Decodes one serialized `TensorProto` (an ONNX test-data `.pb` file, say) into [`TensorData`]:
/// the bytes are checked as [`crate::decode_model`] checks a model (malformed input reported with
/// its byte offset, [`Limits`] enforced), then read as [`tensor_to_data`] reads an initializer.
/// There is no model directory, so a tensor with external data is refused.
pub fn decode_tensor(bytes: &[u8], limits: &Limits) -> Result<TensorData, OnnxError> {
    let t = crate::decode::decode_tensor_proto(bytes, limits)?;
    tensor_to_data(&t, None, limits)
}

/// The `TensorProto` of `d` (data in `raw_data`), named `name`. The inverse of [`tensor_to_data`]
/// for tensors stored inline.
pub fn data_to_tensor(name: &str, d: &TensorData) -> proto::TensorProto {
    proto::TensorProto {
        name: Some(name.to_string()),
        dims: d.shape().iter().map(|&x| x as i64).collect(),
        data_type: Some(dtype_to_onnx(d.dtype())),
        raw_data: Some(d.bytes().to_vec()),
        ..Default::default()
    }
}
