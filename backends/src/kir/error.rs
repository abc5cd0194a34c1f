//! [`KirError`]: everything that can go wrong building, checking, parsing or evaluating kir.
//!
//! Verifier errors start with where they are (`at`: the kernel, the function or `entry`, and the
//! statement as the printer writes its first line) and name the value at fault, so a message
//! reads on its own: "kernel `k`, entry, `let y: f32 = t`: `t` is used before ...".

use super::types::Type;

/// An error from the kernel IR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KirError {
    /// The text form does not parse.
    #[error("line {line}:{col}: {message}")]
    Parse {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        col: usize,
        /// What was expected or found.
        message: String,
    },
    /// A local is read where it is not defined: before its definition, or after the `if`/`for`
    /// body that defines it.
    #[error("{at}: `{name}` is used before its definition or outside the block that defines it")]
    UseBeforeDef {
        /// Where.
        at: String,
        /// The local.
        name: String,
    },
    /// A store to a binding declared `read`.
    #[error("{at}: stores to `{binding}`, a read-only binding (declare it `read_write`)")]
    ReadOnlyStore {
        /// Where.
        at: String,
        /// The binding.
        binding: String,
    },
    /// An extent or expression uses a dim the kernel does not declare.
    #[error("{at}: uses unknown dim `{dim}` (declare it: `dim {dim} <= BOUND @param SLOT`)")]
    UnknownDim {
        /// Where.
        at: String,
        /// The dim's name (or `#index` for a handle out of range).
        dim: String,
    },
    /// A call to a function that is not defined before the caller (functions are defined before
    /// they are called, so there is no recursion).
    #[error("{at}: calls unknown function `{function}` (define it before the function that calls it)")]
    UnknownFunction {
        /// Where.
        at: String,
        /// The callee's name (or `#index` for a handle out of range).
        function: String,
    },
    /// A call with the wrong number of arguments.
    #[error("{at}: `{function}` takes {expected} argument(s), the call passes {found}")]
    ArgCount {
        /// Where.
        at: String,
        /// The callee.
        function: String,
        /// Its parameter count.
        expected: usize,
        /// The call's argument count.
        found: usize,
    },
    /// A value of the wrong type.
    #[error("{at}: {what} has type {found}, expected {expected}")]
    TypeMismatch {
        /// Where.
        at: String,
        /// Which value (an operand, a stored value, ...).
        what: String,
        /// The type it must have (or the kind of type: "a float").
        expected: String,
        /// The type it has.
        found: String,
    },
    /// An assignment to a `let`, an argument or a loop variable.
    #[error("{at}: assigns to `{name}`, which is {kind} (immutable; declare it with `var`)")]
    AssignImmutable {
        /// Where.
        at: String,
        /// The local.
        name: String,
        /// "a let", "an argument" or "a loop variable".
        kind: String,
    },
    /// Any other malformed kernel: a duplicate name, a handle out of range, a barrier in
    /// non-uniform control flow, a function that does not return, ...
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: String,
        /// What is wrong, and what to do.
        message: String,
    },
    /// Evaluating an extent failed: a division by zero or an overflow.
    #[error("extent `{extent}`: {message}")]
    Eval {
        /// The extent, printed.
        extent: String,
        /// What failed.
        message: String,
    },
    /// A run-time dim has no value, or one over its bound.
    #[error("dim `{dim}`: {message}")]
    DimValue {
        /// The dim.
        dim: String,
        /// What is wrong with its value.
        message: String,
    },
}

impl KirError {
    /// A [`KirError::Invalid`] at `at`.
    pub fn invalid(at: impl Into<String>, message: impl Into<String>) -> KirError {
        KirError::Invalid {
            at: at.into(),
            message: message.into(),
        }
    }

    /// A [`KirError::TypeMismatch`] at `at`: `what` should be `expected` and is `found`.
    pub(super) fn mismatch(at: &str, what: impl Into<String>, expected: impl ToString, found: Type) -> KirError {
        KirError::TypeMismatch {
            at: at.to_string(),
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}
