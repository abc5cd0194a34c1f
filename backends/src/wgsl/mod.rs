//! The WGSL backend: fused kernels lowered to validated WGSL compute shaders and run through
//! wgpu on Vulkan devices (mobile GPUs, and Mesa's lavapipe on machines without one).
//!
//! - [`types`]: how IR dtypes live on the device (f32/f16/i32/u32; i64 narrowed with a range check).
//! - [`program`]: the compiled [`Program`] (device buffers, dispatches) and host<->device data.
//! - [`device`]: adapters, device creation, capabilities read off the adapter.
//! - [`validate`]: naga validation, SPIR-V and MSL output.
//! - [`render`]: the WGSL renderer for kir kernels (`render::render`).
//! - [`compile`]: the driver (buffers, the memory plan, one kernel after another); `anchors`
//!   takes each anchor stage as [`crate::lower::anchors`] lowers it (caller functions as kir, the
//!   template's sizes, each dispatch's schedule) and adds its template's main loop (`gemm`,
//!   `conv`, `rowreduce`, `attention`, `topk`) and the rendered functions (`callers`), the rest by `pointwise` (kir kernels from the value walk, rendered by `render`);
//!   `dispatch` holds the state both share and records each dispatch.
#![allow(clippy::too_many_arguments)]

mod anchors;
pub mod attention;
mod callers;
pub mod compile;
pub mod conv;
pub mod device;
mod dispatch;
pub mod error;
pub mod gemm;
pub mod helpers;
mod pointwise;
pub mod program;
pub mod render;
pub mod rowreduce;
pub mod runtime;
/// The stage planner, now backend-neutral in [`crate::lower::stages`].
pub use crate::lower::stages;
pub mod template;
pub mod topk;
pub mod types;
pub mod validate;

pub use device::{list_adapters, AdapterInfo, Gpu};
pub use error::WgslError;
/// The naga version shaders are validated with (its types appear in [`validate::validate`]'s result).
pub use naga;
pub use program::{Binding, DeviceBuffer, Dispatch, DynamicLaunch, LaunchRange, Placement, Program, ProgramDim, Role};
pub use runtime::{KernelTime, Session, SessionOptions};
pub use types::{Elem, Precision};
