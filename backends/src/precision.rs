//! The float precision a program is compiled in: a compile option of every backend, and what a
//! device binary records (so it lives outside any one backend).

/// Float precision of a compiled program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precision {
    /// f32 storage and arithmetic.
    F32,
    /// f16 storage and arithmetic for float tensors, f32 accumulation in GEMMs and reductions.
    /// Needs f16 support on the device (`SHADER_F16` on WGSL).
    F16,
}

impl Precision {
    /// The float type's name, `f32` or `f16` (also its spelling in WGSL).
    pub fn float(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }

    pub fn name(self) -> &'static str {
        self.float()
    }
}

/// A finite value beyond f16's range as ±65504 (f16::MAX), anything else as it is. Float data
/// narrowed to f16 by the precision (not by a Cast in the graph) saturates, as ONNX float16
/// converters clip constants: a mask constant of -3.4e38 stays finite, so `0 * mask` is 0, not
/// NaN.
pub fn saturate_f16(v: f32) -> f32 {
    if v.is_finite() {
        v.clamp(-65504.0, 65504.0)
    } else {
        v
    }
}
