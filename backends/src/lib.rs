//! `edgecc-backends`: the backends that execute a graph: [`reference`], the CPU interpreter that
//! is the oracle for every other backend and every pass, and [`wgsl`] (feature `wgsl`, on by
//! default), WGSL codegen with the wgpu runtime.
//!
//! [`kir`] is the backend-neutral kernel IR that code generators render (with its verifier and
//! text form).

#![forbid(unsafe_code)]

pub mod kir;
pub mod lower;
pub mod precision;
pub mod reference;
pub mod timing;
#[cfg(feature = "wgsl")]
pub mod wgsl;

pub use precision::Precision;
pub use timing::KernelTime;
