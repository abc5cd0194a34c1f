//! `edgecc-passes`: the pass manager and the optimization passes, one pass per file.
//!
//! Every pass takes an `edgecc_ir::Graph` by reference and returns a new one ([`Pass`]); a
//! [`Pipeline`] is a plain list of passes, one explicit list per target ([`pipeline_for`]), and
//! verifies the graph after every pass in debug and test builds, naming the pass that broke it.
//! Passes build their result with [`rebuild::Rebuilder`], which keeps input and output names.
//!
//! Cleanup passes:
//! - [`Dce`] (`dce`): removes nodes no output depends on and constants nothing reads;
//! - [`Cse`] (`cse`): merges nodes with the same op and inputs, and constants with identical data;
//! - [`ConstFold`] (`const_fold`): evaluates nodes whose inputs are all constants (through an
//!   [`Evaluator`], bounded in size) and `Shape` of statically shaped values;
//! - [`ChainFold`] (`chain_fold`): composes reshape, transpose and exact cast chains and removes
//!   no-op ops (Identity, same-shape Reshape/Expand, identity Transpose, cancelling
//!   Squeeze/Unsqueeze, ...).
//!
//! [`Simplify`] (`simplify`, module [`egraph`]) rewrites with egg: arithmetic identities, layout
//! chains, and recognition of LayerNorm/RMSNorm, GELU/SiLU and attention.
//!
//! Device targets add [`MergeMatMul`] (`merge_matmul`): MatMuls (and their bias Adds) that read
//! one input with constant weights become one MatMul and a Split.
//!
//! After the pipeline, [`fuse()`] groups the ops into the kernels of a [`KernelGraph`]
//! ([`kernel`]), [`plan()`] places its buffers in one activation arena ([`plan`]), and [`stats`]
//! compares the result with the unfused baseline.

#![forbid(unsafe_code)]

pub mod chain_fold;
pub mod const_fold;
pub mod cse;
pub mod dce;
pub mod egraph;
pub mod error;
pub mod fuse;
pub mod kernel;
pub mod manager;
pub mod merge_matmul;
pub mod plan;
pub mod rebuild;
pub mod stats;

pub use chain_fold::ChainFold;
pub use const_fold::ConstFold;
pub use cse::Cse;
pub use dce::Dce;
pub use egraph::Simplify;
pub use error::PassError;
pub use fuse::fuse;
pub use kernel::{
    AttentionMatch, Buffer, BufferId, BufferKind, FusionRecord, Kernel, KernelGraph, KernelKind, WeightData,
};
pub use manager::{
    check_interface, pass_by_name, pipeline_for, Dump, Evaluator, Pass, PassContext, PassTiming, Pipeline, PipelineRun,
    RunOptions, DEFAULT_CONST_FOLD_MAX_ELEMENTS, KNOWN_PASSES, KNOWN_TARGETS,
};
pub use merge_matmul::MergeMatMul;
pub use plan::{plan, plan_with, plan_with_sizes, MemoryPlan, Placement, PlanOptions, DEFAULT_ALIGNMENT};
pub use rebuild::Rebuilder;
pub use stats::{Stats, StatsReport};
