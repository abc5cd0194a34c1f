//! The reference interpreter: executes an `ir::Graph` on the CPU, op by op.
//!
//! It is the oracle every backend and every pass is tested against, so clarity beats speed — but
//! matmul and conv loops are blocked so that real models run in well under a second.
//!
//! - [`run()`] / [`run::run_tensors`]: a whole graph, inputs checked against the graph's types;
//! - [`eval::eval_op`]: one op on decoded [`Tensor`]s, dispatching to the kernel modules;
//! - [`broadcast`]: numpy broadcasting helpers shared by the kernels;
//! - [`kernels`]: a fused `KernelGraph` (from `edgecc_passes::fuse`), kernel by kernel, optionally
//!   through its memory plan's arena.

pub mod attention;
pub mod broadcast;
pub mod elementwise;
pub mod error;
pub mod eval;
pub mod kernels;
pub mod matmul;
pub mod misc;
pub mod movement;
pub mod norm;
pub mod reduce;
pub mod run;
pub mod spatial;
pub mod tensor;

pub use error::RefError;
pub use eval::eval_op;
pub use kernels::{run_kernels, run_planned};
pub use run::{run, run_tensors};
pub use tensor::{Data, Tensor};
