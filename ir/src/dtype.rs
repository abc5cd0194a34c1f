//! Element types of tensors.
//!
//! `DType` is the closed set of element types the IR knows. Sub-byte types (`I4`, `U4`) are packed
//! two per byte, low nibble first; everything else is stored little-endian at its natural size.

use std::fmt;
use std::str::FromStr;

/// An element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    F32,
    F16,
    BF16,
    I8,
    U8,
    I32,
    I64,
    Bool,
    /// Signed 4-bit integer, two per byte (low nibble first). Used for packed weights.
    I4,
    /// Unsigned 4-bit integer, two per byte (low nibble first). Used for packed weights.
    U4,
}

impl DType {
    /// Every dtype, in a fixed order (used by tests and by the text format).
    pub const ALL: [DType; 10] = [
        DType::F32,
        DType::F16,
        DType::BF16,
        DType::I8,
        DType::U8,
        DType::I32,
        DType::I64,
        DType::Bool,
        DType::I4,
        DType::U4,
    ];

    /// Size of one element in bits.
    pub fn bits(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 32,
            DType::F16 | DType::BF16 => 16,
            DType::I8 | DType::U8 | DType::Bool => 8,
            DType::I64 => 64,
            DType::I4 | DType::U4 => 4,
        }
    }

    /// Bytes needed to store `n` elements of this type (sub-byte types round up). Saturates at
    /// `usize::MAX` instead of overflowing, so an absurd declared size can only fail a length check.
    pub fn storage_bytes(self, n: usize) -> usize {
        n.saturating_mul(self.bits()).div_ceil(8)
    }

    /// True for f32, f16 and bf16.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F16 | DType::BF16)
    }

    /// True for the integer types (not bool).
    pub fn is_int(self) -> bool {
        matches!(
            self,
            DType::I8 | DType::U8 | DType::I32 | DType::I64 | DType::I4 | DType::U4
        )
    }

    /// True for types that carry a sign (floats and signed integers).
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            DType::F32 | DType::F16 | DType::BF16 | DType::I8 | DType::I32 | DType::I64 | DType::I4
        )
    }

    /// True for the numeric types (everything but bool).
    pub fn is_numeric(self) -> bool {
        self != DType::Bool
    }

    /// The lowercase name used by the text format.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::Bool => "bool",
            DType::I4 => "i4",
            DType::U4 => "u4",
        }
    }

    /// Inclusive value range of an integer type, `None` for floats and bool.
    pub fn int_range(self) -> Option<(i64, i64)> {
        match self {
            DType::I8 => Some((i8::MIN as i64, i8::MAX as i64)),
            DType::U8 => Some((0, u8::MAX as i64)),
            DType::I32 => Some((i32::MIN as i64, i32::MAX as i64)),
            DType::I64 => Some((i64::MIN, i64::MAX)),
            DType::I4 => Some((-8, 7)),
            DType::U4 => Some((0, 15)),
            _ => None,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DType::ALL.iter().copied().find(|d| d.name() == s).ok_or_else(|| {
            format!("unknown dtype `{s}` (expected one of f32, f16, bf16, i8, u8, i32, i64, bool, i4, u4)")
        })
    }
}
