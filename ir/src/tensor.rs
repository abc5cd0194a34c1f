//! Raw tensor data: constants (weights) and run-time inputs/outputs.
//!
//! A [`TensorData`] holds little-endian bytes with their dtype and a static shape. Conversions to
//! and from `f32`/`f64`/`i64` values exist for tests and for the reference interpreter; storage stays
//! in the dtype's own encoding (never a `Vec<f32>` copy per dtype).

use crate::dtype::DType;
use half::{bf16, f16};
use std::sync::Arc;

/// Errors building tensor data.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TensorError {
    #[error("tensor of dtype {dtype} and shape {shape:?} needs {expected} bytes, got {got}")]
    ByteLength {
        dtype: DType,
        shape: Vec<usize>,
        expected: usize,
        got: usize,
    },
    #[error("shape {shape:?} has {expected} elements, got {got} values")]
    ValueCount {
        shape: Vec<usize>,
        expected: usize,
        got: usize,
    },
    #[error("shape {0:?} has too many elements")]
    Overflow(Vec<usize>),
}

/// A dense tensor: dtype, static shape and raw little-endian bytes. The bytes are shared
/// (reference-counted), so cloning a tensor — as every pass does when it rebuilds a graph with its
/// weights — costs nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorData {
    dtype: DType,
    shape: Vec<usize>,
    bytes: Arc<Vec<u8>>,
}

fn numel_checked(shape: &[usize]) -> Result<usize, TensorError> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| TensorError::Overflow(shape.to_vec()))
}

impl TensorData {
    /// Wraps raw bytes, checking their length against dtype and shape.
    pub fn from_bytes(dtype: DType, shape: Vec<usize>, bytes: Vec<u8>) -> Result<Self, TensorError> {
        let n = numel_checked(&shape)?;
        let expected = dtype.storage_bytes(n);
        if bytes.len() != expected {
            return Err(TensorError::ByteLength {
                dtype,
                shape,
                expected,
                got: bytes.len(),
            });
        }
        Ok(TensorData {
            dtype,
            shape,
            bytes: Arc::new(bytes),
        })
    }

    /// Encodes `values` into `dtype` (floats rounded to the dtype, integers truncated toward zero
    /// and wrapped like a C cast, bool is `v != 0`).
    pub fn from_f64(dtype: DType, shape: Vec<usize>, values: &[f64]) -> Result<Self, TensorError> {
        let n = numel_checked(&shape)?;
        if values.len() != n {
            return Err(TensorError::ValueCount {
                shape,
                expected: n,
                got: values.len(),
            });
        }
        let mut bytes = Vec::with_capacity(dtype.storage_bytes(n));
        match dtype {
            DType::F32 => values
                .iter()
                .for_each(|&v| bytes.extend_from_slice(&(v as f32).to_le_bytes())),
            DType::F16 => values
                .iter()
                .for_each(|&v| bytes.extend_from_slice(&f16::from_f64(v).to_le_bytes())),
            DType::BF16 => values
                .iter()
                .for_each(|&v| bytes.extend_from_slice(&bf16::from_f64(v).to_le_bytes())),
            _ => {
                let ints: Vec<i64> = values.iter().map(|&v| float_to_int(v)).collect();
                return Self::from_i64(dtype, shape, &ints);
            }
        }
        Ok(TensorData {
            dtype,
            shape,
            bytes: Arc::new(bytes),
        })
    }

    /// Encodes `f32` values (see [`TensorData::from_f64`]).
    pub fn from_f32(dtype: DType, shape: Vec<usize>, values: &[f32]) -> Result<Self, TensorError> {
        let v: Vec<f64> = values.iter().map(|&x| x as f64).collect();
        Self::from_f64(dtype, shape, &v)
    }

    /// Encodes integer values into `dtype` (wrapping like a C cast for narrower integer types).
    pub fn from_i64(dtype: DType, shape: Vec<usize>, values: &[i64]) -> Result<Self, TensorError> {
        let n = numel_checked(&shape)?;
        if values.len() != n {
            return Err(TensorError::ValueCount {
                shape,
                expected: n,
                got: values.len(),
            });
        }
        let mut bytes = Vec::with_capacity(dtype.storage_bytes(n));
        match dtype {
            DType::F32 | DType::F16 | DType::BF16 => {
                let f: Vec<f64> = values.iter().map(|&v| v as f64).collect();
                return Self::from_f64(dtype, shape, &f);
            }
            DType::I8 => values.iter().for_each(|&v| bytes.push(v as i8 as u8)),
            DType::U8 => values.iter().for_each(|&v| bytes.push(v as u8)),
            DType::Bool => values.iter().for_each(|&v| bytes.push((v != 0) as u8)),
            DType::I32 => values
                .iter()
                .for_each(|&v| bytes.extend_from_slice(&(v as i32).to_le_bytes())),
            DType::I64 => values.iter().for_each(|&v| bytes.extend_from_slice(&v.to_le_bytes())),
            DType::I4 | DType::U4 => {
                for pair in values.chunks(2) {
                    let lo = (pair[0] as u8) & 0xF;
                    let hi = pair.get(1).map(|&v| (v as u8) & 0xF).unwrap_or(0);
                    bytes.push(lo | (hi << 4));
                }
            }
        }
        Ok(TensorData {
            dtype,
            shape,
            bytes: Arc::new(bytes),
        })
    }

    /// A scalar (rank-0) tensor.
    pub fn scalar(dtype: DType, value: f64) -> Self {
        // A scalar always has exactly one value, so this cannot fail.
        Self::from_f64(dtype, Vec::new(), &[value]).unwrap_or_else(|_| TensorData {
            dtype,
            shape: Vec::new(),
            bytes: Arc::new(vec![0; dtype.storage_bytes(1)]),
        })
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        Arc::try_unwrap(self.bytes).unwrap_or_else(|shared| shared.as_ref().clone())
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Decodes every element to `f64` (integers exactly up to 2^53, bool as 0/1).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        let b = &self.bytes;
        match self.dtype {
            DType::F32 => b
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
                .collect(),
            DType::F16 => b
                .chunks_exact(2)
                .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f64())
                .collect(),
            DType::BF16 => b
                .chunks_exact(2)
                .map(|c| bf16::from_le_bytes([c[0], c[1]]).to_f64())
                .collect(),
            _ => self.to_i64_vec().into_iter().map(|v| v as f64).collect(),
        }
    }

    /// Decodes every element to `f32`.
    pub fn to_f32_vec(&self) -> Vec<f32> {
        match self.dtype {
            DType::F32 => self
                .bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            _ => self.to_f64_vec().into_iter().map(|v| v as f32).collect(),
        }
    }

    /// Decodes every element to `i64` (floats truncated toward zero, saturating).
    pub fn to_i64_vec(&self) -> Vec<i64> {
        let b = &self.bytes;
        let n = self.numel();
        match self.dtype {
            DType::F32 | DType::F16 | DType::BF16 => self.to_f64_vec().into_iter().map(float_to_int).collect(),
            DType::I8 => b.iter().map(|&x| x as i8 as i64).collect(),
            DType::U8 => b.iter().map(|&x| x as i64).collect(),
            DType::Bool => b.iter().map(|&x| (x != 0) as i64).collect(),
            DType::I32 => b
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
                .collect(),
            DType::I64 => b
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
            DType::I4 | DType::U4 => (0..n)
                .map(|i| {
                    let nib = (b[i / 2] >> ((i % 2) * 4)) & 0xF;
                    if self.dtype == DType::I4 && nib >= 8 {
                        nib as i64 - 16
                    } else {
                        nib as i64
                    }
                })
                .collect(),
        }
    }
}

/// Float to integer like a saturating C cast (NaN becomes 0).
fn float_to_int(v: f64) -> i64 {
    v as i64
}
