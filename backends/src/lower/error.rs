//! Errors of the backend-neutral lowering.

/// What the lowering of a kernel can fail with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LowerError {
    /// The kernel uses something the lowering cannot express (an op on a dtype it does not
    /// have, a symbolic shape where a static one is needed).
    #[error("kernel `{kernel}`: {message}")]
    Unsupported {
        /// The kernel's name.
        kernel: String,
        /// What is not supported.
        message: String,
    },
    /// A broken invariant of the lowering (a bug in edgecc).
    #[error("internal error: kernel `{kernel}`: {message}")]
    Internal {
        /// The kernel's name.
        kernel: String,
        /// What went wrong.
        message: String,
    },
}
