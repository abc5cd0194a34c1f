//! The reference interpreter: executes an `ir::Graph` on the CPU, op by op.
//!
//! It is the oracle every backend and every pass is tested against, so clarity beats speed — but
//! matmul and conv loops are blocked so that real models run in well under a second.

pub mod tensor;

pub use tensor::{Data, Tensor};
pub mod movement;
pub mod spatial;
