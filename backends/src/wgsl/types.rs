//! How IR dtypes live on a WGSL device. WGSL has f32, f16 (with `enable f16;`), i32, u32 and
//! bool (not storable); so:
//!
//! | IR dtype | device element | notes |
//! |---|---|---|
//! | f32, bf16 | `f32` | or `f16` in f16 precision (f16 storage and arithmetic) |
//! | f16 | `f32` | or `f16` in f16 precision |
//! | i32, i64, i8, u8, i4, u4 | `i32` | i64 narrowed at the boundaries with a range check |
//! | bool | `u32` | 0 or 1 in storage, `bool` in registers |
//!
//! Every storage element is 4 bytes, or 2 bytes for `f16`. Inside a shader a value has a
//! register type: [`Elem::reg`] (float tensors compute in the precision's float type, integers in
//! `i32`, booleans in `bool`).

use edgecc_ir::DType;

pub use crate::precision::{saturate_f16, Precision};

/// A storage element type on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Elem {
    F32,
    F16,
    I32,
    /// Booleans, stored as 0/1.
    U32,
}

impl Elem {
    /// The device element for an IR dtype in a precision.
    pub fn of(dtype: DType, precision: Precision) -> Elem {
        if dtype.is_float() {
            match precision {
                Precision::F32 => Elem::F32,
                Precision::F16 => Elem::F16,
            }
        } else if dtype == DType::Bool {
            Elem::U32
        } else {
            Elem::I32
        }
    }

    /// The WGSL type of one storage element.
    pub fn wgsl(self) -> &'static str {
        match self {
            Elem::F32 => "f32",
            Elem::F16 => "f16",
            Elem::I32 => "i32",
            Elem::U32 => "u32",
        }
    }

    /// The WGSL type of a value of this element in registers (`bool` for booleans).
    pub fn reg(self) -> &'static str {
        match self {
            Elem::U32 => "bool",
            other => other.wgsl(),
        }
    }

    /// Bytes per storage element.
    pub fn bytes(self) -> u64 {
        match self {
            Elem::F16 => 2,
            _ => 4,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Elem::F32 | Elem::F16)
    }
}

/// A WGSL literal of register type `reg` (`f32`, `f16`, `i32`, `bool`) for `value`. Non-finite
/// floats become bit casts (WGSL has no inf/nan literals). Finite f16 literals saturate to
/// ±65504, as f16 weights do (see [`saturate_f16`]).
pub fn literal(reg: &str, value: f64) -> String {
    let value = if reg == "f16" {
        saturate_f16(value as f32) as f64
    } else {
        value
    };
    match reg {
        "bool" => (if value != 0.0 { "true" } else { "false" }).to_string(),
        "i32" => {
            let v = value.clamp(i32::MIN as f64, i32::MAX as f64) as i64;
            if v == i32::MIN as i64 {
                "i32(-2147483648)".to_string()
            } else {
                format!("i32({v})")
            }
        }
        "u32" => format!("{}u", value.clamp(0.0, u32::MAX as f64) as u64),
        _ => {
            let f = value as f32;
            let body = if f.is_finite() {
                format!("bitcast<f32>({}u)", f.to_bits())
            } else if f.is_nan() {
                "bitcast<f32>(0x7fc00000u)".to_string()
            } else if f > 0.0 {
                "bitcast<f32>(0x7f800000u)".to_string()
            } else {
                "bitcast<f32>(0xff800000u)".to_string()
            };
            // Exact decimal where it round-trips (readable golden WGSL), bits otherwise.
            let text = if f.is_finite() && format!("{f:?}").parse::<f32>() == Ok(f) && !format!("{f:?}").contains('e') {
                format!("{f:?}")
            } else {
                body
            };
            if reg == "f16" {
                format!("f16({text})")
            } else if text.starts_with("bitcast") {
                text
            } else {
                format!("f32({text})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(literal("f32", 1.5), "f32(1.5)");
        assert_eq!(literal("f32", f64::INFINITY), "bitcast<f32>(0x7f800000u)");
        assert_eq!(literal("f32", 1e-30), format!("bitcast<f32>({}u)", 1e-30f32.to_bits()));
        assert_eq!(literal("f16", -2.0), "f16(-2.0)");
        assert_eq!(literal("f16", -3.4e38), "f16(-65504.0)");
        assert_eq!(literal("f16", f64::NEG_INFINITY), "f16(bitcast<f32>(0xff800000u))");
        assert_eq!(literal("i32", -3.0), "i32(-3)");
        assert_eq!(literal("i32", -2147483648.0), "i32(-2147483648)");
        assert_eq!(literal("bool", 1.0), "true");
    }

    #[test]
    fn elements() {
        assert_eq!(Elem::of(DType::I64, Precision::F32), Elem::I32);
        assert_eq!(Elem::of(DType::BF16, Precision::F16), Elem::F16);
        assert_eq!(Elem::of(DType::Bool, Precision::F16).reg(), "bool");
    }
}
