//! The interpreter's run-time tensor.
//!
//! Values are kept decoded by kind: floats (f32, f16, bf16) as `f32` — f16/bf16 results are
//! rounded to their dtype after every op, so the interpreter sees exactly what a device storing
//! that dtype would — integers (every width, i4/u4 included) as `i64`, bools as `bool`.
//! Layout is dense row-major.

use edgecc_ir::{DType, TensorData};
use half::{bf16, f16};

/// Decoded element storage.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F(Vec<f32>),
    I(Vec<i64>),
    B(Vec<bool>),
}

/// A dense row-major tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Tensor {
    /// A float tensor of `dtype` (values rounded to it).
    pub fn from_f32(dtype: DType, shape: Vec<usize>, v: Vec<f32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), v.len());
        let mut t = Tensor {
            dtype,
            shape,
            data: Data::F(v),
        };
        t.round_to_dtype();
        t
    }

    /// An integer tensor of `dtype` (values wrapped to it).
    pub fn from_i64(dtype: DType, shape: Vec<usize>, v: Vec<i64>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), v.len());
        let mut t = Tensor {
            dtype,
            shape,
            data: Data::I(v),
        };
        t.round_to_dtype();
        t
    }

    /// A bool tensor.
    pub fn from_bool(shape: Vec<usize>, v: Vec<bool>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), v.len());
        Tensor {
            dtype: DType::Bool,
            shape,
            data: Data::B(v),
        }
    }

    /// Decodes raw tensor data.
    pub fn from_data(t: &TensorData) -> Tensor {
        let shape = t.shape().to_vec();
        match t.dtype() {
            d if d.is_float() => Tensor {
                dtype: d,
                shape,
                data: Data::F(t.to_f32_vec()),
            },
            DType::Bool => Tensor {
                dtype: DType::Bool,
                shape,
                data: Data::B(t.to_i64_vec().into_iter().map(|v| v != 0).collect()),
            },
            d => Tensor {
                dtype: d,
                shape,
                data: Data::I(t.to_i64_vec()),
            },
        }
    }

    /// Encodes to raw tensor data.
    pub fn to_data(&self) -> TensorData {
        let shape = self.shape.clone();
        let r = match &self.data {
            Data::F(v) => TensorData::from_f32(self.dtype, shape, v),
            Data::I(v) => TensorData::from_i64(self.dtype, shape, v),
            Data::B(v) => TensorData::from_i64(self.dtype, shape, &v.iter().map(|&b| b as i64).collect::<Vec<_>>()),
        };
        // The element count always matches the shape (kept by every constructor).
        r.expect("tensor element count matches its shape")
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Rounds float data to f16/bf16 precision, wraps integers to their width.
    pub fn round_to_dtype(&mut self) {
        match (&mut self.data, self.dtype) {
            (Data::F(v), DType::F16) => v.iter_mut().for_each(|x| *x = f16::from_f32(*x).to_f32()),
            (Data::F(v), DType::BF16) => v.iter_mut().for_each(|x| *x = bf16::from_f32(*x).to_f32()),
            (Data::I(v), d) => {
                let wrap: fn(i64) -> i64 = match d {
                    DType::I8 => |x| x as i8 as i64,
                    DType::U8 => |x| x as u8 as i64,
                    DType::I32 => |x| x as i32 as i64,
                    DType::I4 => |x| (x << 60) >> 60,
                    DType::U4 => |x| x & 0xF,
                    _ => |x| x,
                };
                v.iter_mut().for_each(|x| *x = wrap(*x));
            }
            _ => {}
        }
    }

    /// Float data, if this is a float tensor.
    pub fn floats(&self) -> Option<&[f32]> {
        match &self.data {
            Data::F(v) => Some(v),
            _ => None,
        }
    }

    /// Integer data, if this is an integer tensor.
    pub fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            Data::I(v) => Some(v),
            _ => None,
        }
    }

    /// Bool data, if this is a bool tensor.
    pub fn bools(&self) -> Option<&[bool]> {
        match &self.data {
            Data::B(v) => Some(v),
            _ => None,
        }
    }

    /// Every element as `f64` (for index inputs and comparisons in tests).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        match &self.data {
            Data::F(v) => v.iter().map(|&x| x as f64).collect(),
            Data::I(v) => v.iter().map(|&x| x as f64).collect(),
            Data::B(v) => v.iter().map(|&x| x as u8 as f64).collect(),
        }
    }
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}
