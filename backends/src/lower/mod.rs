//! Backend-neutral lowering, compiled in every feature set: what every code generator (WGSL
//! today, CUDA next) shares.
//!
//! - [`anchors`]: anchor stages (GEMM, conv, rows, attention, top-k) as their templates' caller
//!   functions in kir, with the template's sizes and each dispatch's schedule.
//! - [`stages`]: the stage planner, how one fused kernel's body becomes dispatches (anchors with
//!   their epilogue regions and stores, and the pointwise rest).
//! - [`problem`]: the problem of each anchor dispatch (`GemmProblem`, `ConvProblem`,
//!   `RowProblem`, `AttentionProblem`, `TopKProblem`, `ElementwiseProblem`) with its canonical
//!   key, default schedule and fit rule.
//! - [`schedule`]: choosing a dispatch's schedule from the [`edgecc_autotune::ScheduleSource`]
//!   of the compile options, checked by the problem's fit rule.
//! - [`value`]: the value walk, kir computing one element of a body value at a multi-index
//!   (pointwise ops, movement as index arithmetic, windows as loops).
//! - [`pointwise`]: pointwise kernels (one invocation per element), static or over dynamic dims.
//! - [`error`]: what lowering fails with.

pub mod anchors;
pub mod error;
pub mod pointwise;
pub mod problem;
pub mod schedule;
pub mod stages;
pub mod value;

pub use error::LowerError;
pub use problem::{
    AttentionProblem, ConvProblem, ElementwiseProblem, GemmProblem, Layout, Problem, RowProblem, TopKProblem,
};
pub use schedule::{choose, Chosen};
