//! Errors of the WGSL backend: codegen, validation, device selection and execution.

/// Everything that can go wrong compiling for or running on a WGSL device.
#[derive(Debug, thiserror::Error)]
pub enum WgslError {
    /// The kernel uses something this backend cannot express (an op, a dtype, a shape that does
    /// not fit the device).
    #[error("kernel `{kernel}`: {message}")]
    Unsupported { kernel: String, message: String },
    /// A generated shader that naga rejects: a bug in the code generator.
    #[error("internal error: the WGSL generated for kernel `{kernel}` is invalid: {message}")]
    InvalidShader { kernel: String, message: String },
    /// Any other broken invariant of the code generator or runtime.
    #[error("internal error in the WGSL backend: {0}")]
    Internal(String),
    /// A tensor value does not fit the device's representation (an i64 outside the i32 range).
    #[error("{0}")]
    Range(String),
    /// No adapter, or none matching the request.
    #[error("{0}")]
    Adapter(String),
    /// The device reported an error while running.
    #[error("WGSL device error: {0}")]
    Device(String),
    /// Inputs that do not match the program's interface.
    #[error("{0}")]
    Input(String),
}

impl WgslError {
    /// Whether this is a bug in edgecc rather than a problem with the input or the device.
    pub fn is_internal(&self) -> bool {
        matches!(self, WgslError::InvalidShader { .. } | WgslError::Internal(_))
    }
}

pub type Result<T, E = WgslError> = std::result::Result<T, E>;

impl From<crate::lower::LowerError> for WgslError {
    fn from(e: crate::lower::LowerError) -> Self {
        match e {
            crate::lower::LowerError::Unsupported { kernel, message } => WgslError::Unsupported { kernel, message },
            crate::lower::LowerError::Internal { kernel, message } => {
                WgslError::Internal(format!("kernel `{kernel}`: {message}"))
            }
        }
    }
}
