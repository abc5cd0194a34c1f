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
