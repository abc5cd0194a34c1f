//! The numpy `.npy` format (versions 1.0, 2.0 and 3.0), read and written as [`TensorData`].
//!
//! Supported element types: `f4`, `f2`, `i1`, `u1`, `i4`, `i8`, `b1` in either byte order, and
//! `f8`, which is narrowed to f32 on reading (numpy's default float type is f8; say so rather
//! than refuse). On writing, bf16 is widened to `<f4` and i4/u4 to `|i1`/`|u1` (numpy has no such
//! types). Fortran-ordered arrays are refused with a hint.

use edgecc_ir::{DType, TensorData};

/// What can be wrong with an `.npy` file: the message says what and where.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct NpyError(pub String);

const MAGIC: &[u8] = b"\x93NUMPY";

fn err<T>(msg: impl Into<String>) -> Result<T, NpyError> {
    Err(NpyError(msg.into()))
}

/// Decodes `.npy` bytes.
pub fn decode_npy(bytes: &[u8]) -> Result<TensorData, NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return err("not an .npy file (the magic string \\x93NUMPY is missing at offset 0)");
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            if bytes.len() < 12 {
                return err("truncated .npy header at offset 8");
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return err(format!("unsupported .npy version {v}.{} at offset 6", bytes[7])),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            NpyError(format!(
                "header of {header_len} bytes at offset {start} runs past the end of the file"
            ))
        })?;
    let header = std::str::from_utf8(&bytes[start..end])
        .map_err(|_| NpyError(format!("header at offset {start} is not text")))?;
    let descr = dict_value(header, "descr").ok_or_else(|| NpyError("header has no 'descr'".into()))?;
    let fortran =
        dict_value(header, "fortran_order").ok_or_else(|| NpyError("header has no 'fortran_order'".into()))?;
    let shape_src = dict_value(header, "shape").ok_or_else(|| NpyError("header has no 'shape'".into()))?;
    if fortran.trim() != "False" {
        return err("Fortran-ordered arrays are not supported; save np.ascontiguousarray(a) instead");
    }
    let descr = descr.trim().trim_matches(|c| c == '\'' || c == '"');
    let shape = parse_shape(shape_src)?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| NpyError(format!("shape {shape:?} is too large")))?;
    let (order, code) = match (descr.get(..1), descr.get(1..)) {
        (Some(o), Some(c)) => (o, c),
        _ => return err(format!("unsupported dtype descr '{descr}'")),
    };
    let big = match order {
        "<" | "|" | "=" => false,
        ">" => true,
        _ => return err(format!("unsupported dtype descr '{descr}'")),
    };
    let (dtype, width) = match code {
        "f4" => (DType::F32, 4),
        "f2" => (DType::F16, 2),
        "f8" => (DType::F32, 8),
        "i1" => (DType::I8, 1),
        "u1" => (DType::U8, 1),
        "i4" => (DType::I32, 4),
        "i8" => (DType::I64, 8),
        "b1" => (DType::Bool, 1),
        _ => {
            return err(format!(
                "unsupported dtype descr '{descr}' (supported: f4 f2 f8 i1 u1 i4 i8 b1)"
            ))
        }
    };
    let data = &bytes[end..];
    let need = n
        .checked_mul(width)
        .ok_or_else(|| NpyError("data size overflows".into()))?;
    if data.len() != need {
        return err(format!(
            "shape {shape:?} of {descr} needs {need} data bytes after the header (offset {end}), found {}",
            data.len()
        ));
    }
    let mut le: Vec<u8> = data.to_vec();
    if big && width > 1 {
        le.chunks_exact_mut(width).for_each(|c| c.reverse());
    }
    if code == "f8" {
        let v: Vec<f64> = le
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        return TensorData::from_f64(DType::F32, shape, &v).map_err(|e| NpyError(e.to_string()));
    }
    if code == "b1" {
        le.iter_mut().for_each(|b| *b = (*b != 0) as u8);
    }
    TensorData::from_bytes(dtype, shape, le).map_err(|e| NpyError(e.to_string()))
}

/// Encodes a tensor as `.npy` (version 1.0, header padded to 64 bytes).
pub fn encode_npy(t: &TensorData) -> Vec<u8> {
    let (descr, body): (&str, Vec<u8>) = match t.dtype() {
        DType::F32 => ("<f4", t.bytes().to_vec()),
        DType::F16 => ("<f2", t.bytes().to_vec()),
        DType::BF16 => ("<f4", t.to_f32_vec().iter().flat_map(|v| v.to_le_bytes()).collect()),
        DType::I8 => ("|i1", t.bytes().to_vec()),
        DType::U8 => ("|u1", t.bytes().to_vec()),
        DType::I32 => ("<i4", t.bytes().to_vec()),
        DType::I64 => ("<i8", t.bytes().to_vec()),
        DType::Bool => ("|b1", t.bytes().to_vec()),
        DType::I4 => ("|i1", t.to_i64_vec().iter().map(|&v| v as i8 as u8).collect()),
        DType::U4 => ("|u1", t.to_i64_vec().iter().map(|&v| v as u8).collect()),
    };
    let shape = match t.shape() {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        ds => format!("({})", ds.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&body);
    out
}

/// The text of `key`'s value in a Python dict literal (up to the next top-level comma).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pos = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[pos + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(&rest[..i]),
            _ => {}
        }
    }
    None
}

fn parse_shape(src: &str) -> Result<Vec<usize>, NpyError> {
    let inner = src
        .trim()
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| NpyError(format!("shape {src} is not a tuple")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| NpyError(format!("bad dim `{s}` in shape {src}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_dtype_and_rank() {
        for dtype in [
            DType::F32,
            DType::F16,
            DType::I8,
            DType::U8,
            DType::I32,
            DType::I64,
            DType::Bool,
        ] {
            for shape in [vec![], vec![0], vec![3], vec![2, 3], vec![1, 2, 2]] {
                let n: usize = shape.iter().product();
                let v: Vec<f64> = (0..n).map(|i| (i as f64) - 1.0).collect();
                let t = TensorData::from_f64(dtype, shape.clone(), &v).unwrap();
                let bytes = encode_npy(&t);
                assert_eq!((bytes.len() - t.bytes().len()) % 64, 0, "header is 64-byte aligned");
                assert_eq!(decode_npy(&bytes).unwrap(), t, "{dtype} {shape:?}");
            }
        }
    }

    #[test]
    fn reads_numpy_written_headers() {
        // What numpy 1.x writes for np.array([[1, 2], [3, 4]], dtype='>i4') (big-endian) and f8.
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        let h = "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }          \n";
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        for v in [1i32, 2, 3, 4] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        let t = decode_npy(&b).unwrap();
        assert_eq!(t.dtype(), DType::I32);
        assert_eq!(t.to_i64_vec(), vec![1, 2, 3, 4]);

        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        let h = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n";
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        for v in [0.5f64, -1.25, 3.0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let t = decode_npy(&b).unwrap();
        assert_eq!((t.dtype(), t.to_f32_vec()), (DType::F32, vec![0.5, -1.25, 3.0]));
    }

    /// `bytes` with the first occurrence of `from` replaced by `to` (same length).
    fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .expect("pattern present");
        let mut out = bytes.to_vec();
        out[at..at + to.len()].copy_from_slice(to);
        out
    }

    #[test]
    fn malformed_files_are_errors_naming_the_problem() {
        let good = encode_npy(&TensorData::from_f32(DType::F32, vec![2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap());
        for cut in 0..good.len() {
            assert!(decode_npy(&good[..cut]).is_err(), "truncated at {cut}");
        }
        let e = decode_npy(b"hello world, not numpy").unwrap_err();
        assert!(e.0.contains("magic"), "{e}");
        let fortran = replace(&good, b"'fortran_order': False", b"'fortran_order': True ");
        let e = decode_npy(&fortran).unwrap_err();
        assert!(e.0.contains("Fortran"), "{e}");
        let c8 = replace(&good, b"<f4", b"<c8");
        assert!(decode_npy(&c8).unwrap_err().0.contains("unsupported dtype"));
        // A descr starting with a multi-byte character is an error, not a char-boundary panic.
        let e8 = replace(&good, b"<f4", "\u{e9}4".as_bytes());
        assert!(decode_npy(&e8).unwrap_err().0.contains("unsupported dtype"));
        // Every single-byte change gives a value or an error, never a panic.
        for i in 0..good.len() {
            for b in [0u8, 0x27, 0x28, 0x29, 0x2c, 0xff] {
                let mut m = good.clone();
                m[i] = b;
                let _ = decode_npy(&m);
            }
        }
    }
}
