//! `edgecc-autotune`: what tiling and code generation read about a device, and the schedules they
//! produce.
//!
//! - [`DeviceCaps`] (caps.rs): the device-capability struct — workgroup limits, shared memory,
//!   subgroup size, f16, tensor-core MMA shapes, 2:4 sparse MMA, peak figures. Code generators read
//!   this, never a backend's or a device's name.
//! - [`profile`]: device profiles as data (`profiles/*.toml`, embedded at build time), looked up
//!   by name or matched against an adapter's name (`--target auto`).
//! - [`Schedule`] (schedule.rs): tile sizes, workgroup size, vector width, pipeline stages and MMA
//!   shape for one kernel, with defaults derived from the capabilities until the autotuner (next
//!   wave: search space, cost model, on-device measurement, tuning database) supplies them, and
//!   one fit rule per schedule kind.
//! - [`ProblemKey`] (key.rs): the canonical key of a kernel's problem; [`ScheduleSource`]
//!   (source.rs): schedules fixed per key over the defaults, what code generation asks.

#![forbid(unsafe_code)]

mod caps;
mod key;
pub mod profile;
mod schedule;
mod source;

pub use caps::{Backend, DeviceCaps, MmaShape};
pub use key::ProblemKey;
pub use profile::{match_adapter, profile, profile_names, ProfileError};
pub use schedule::{
    attention_check, attention_default, attention_row_threads, attention_shared_bytes, AttentionExtents, GemmSchedule,
    ReduceSchedule, Schedule, ATTENTION_MAX_ACCUMULATORS,
};
pub use source::{check_kind, schedule_kind_for, KindError, ScheduleOrigin, ScheduleSource};
