//! `edgecc-backends`: the backends that execute a graph: [`reference`], the CPU interpreter that
//! is the oracle for every other backend and every pass, and [`wgsl`] (feature `wgsl`, on by
//! default), WGSL codegen with the wgpu runtime.

#![forbid(unsafe_code)]

pub mod reference;
#[cfg(feature = "wgsl")]
pub mod wgsl;
