//! Schedules: how one kernel is laid out on a device. A code generator reads only these and the
//! [`DeviceCaps`]; the defaults here are derived from the capabilities until the autotuner's
//! tuning database supplies measured ones. The same structs serve the WGSL backend and the CUDA
//! backend (which adds pipeline stages and a tensor-core MMA shape).

use crate::caps::{DeviceCaps, MmaShape};

/// A tiled matrix multiply (MatMul, Gemm, Conv as implicit GEMM): each workgroup computes a
/// `tile_m x tile_n` block of the output, stepping through K in `tile_k` slices staged in shared
/// memory; each invocation holds a `reg_m x reg_n` block of accumulators in registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemmSchedule {
    pub tile_m: u32,
    pub tile_n: u32,
    pub tile_k: u32,
    pub reg_m: u32,
    pub reg_n: u32,
    /// Elements per global load (1 or 4) when the operand is contiguous and aligned.
    pub vector_width: u32,
    /// Shared-memory pipeline depth (CUDA `cp.async` stages; 1 on WGSL).
    pub stages: u32,
    /// Tensor-core shape, when the device has one and the dtype allows it (CUDA).
    pub mma: Option<MmaShape>,
}

impl GemmSchedule {
    /// Invocations per workgroup.
    pub fn threads(&self) -> u32 {
        (self.tile_m / self.reg_m) * (self.tile_n / self.reg_n)
    }

    /// Shared memory the tiles take, for elements of `elem_bytes` bytes.
    pub fn shared_bytes(&self, elem_bytes: u32) -> u32 {
        (self.tile_m + self.tile_n) * self.tile_k * elem_bytes * self.stages
    }

    /// Whether this schedule fits the device.
    pub fn fits(&self, caps: &DeviceCaps, elem_bytes: u32) -> bool {
        self.reg_m > 0
            && self.reg_n > 0
            && self.tile_m.is_multiple_of(self.reg_m)
            && self.tile_n.is_multiple_of(self.reg_n)
            && self.threads() >= 1
            && self.threads() <= caps.max_workgroup_invocations
            && self.shared_bytes(elem_bytes) <= caps.shared_memory_bytes
    }

    /// The default for an `m x n x k` problem: tiles of 16, 32 or 64 (128 along N for large
    /// register blocks) fitted to the problem, register blocks of `caps.gemm_register_block`
    /// (shrunk to fit the tiles), halved until the schedule fits the device.
    pub fn default_for(caps: &DeviceCaps, m: u64, n: u64, _k: u64) -> GemmSchedule {
        let pick = |extent: u64| {
            if extent <= 16 {
                16
            } else if extent <= 32 {
                32
            } else {
                64
            }
        };
        let reg = caps.gemm_register_block.clamp(1, 16);
        let tile_n = if reg >= 8 && n >= 128 { 128 } else { pick(n) };
        let tile_m = pick(m);
        let mut s = GemmSchedule {
            tile_m,
            tile_n,
            tile_k: if reg >= 8 { 32 } else { 16 },
            // At least 4 invocations along each axis: one invocation per tile serializes the
            // whole tile (and unrolls a huge shader).
            reg_m: reg.min(tile_m / 4).max(1),
            reg_n: reg.min(tile_n / 4).max(1),
            vector_width: 4,
            stages: 1,
            mma: None,
        };
        while !s.fits(caps, 4) && (s.tile_m > 16 || s.tile_n > 16) {
            if s.tile_m >= s.tile_n {
                s.tile_m /= 2;
                s.reg_m = s.reg_m.min(s.tile_m / 4).max(1);
            } else {
                s.tile_n /= 2;
                s.reg_n = s.reg_n.min(s.tile_n / 4).max(1);
            }
        }
        while !s.fits(caps, 4) && s.tile_k > 4 {
            s.tile_k /= 2;
        }
        s
    }
}

/// A row reduction (softmax, norms, Reduce): one workgroup per row, `threads` invocations
/// striding over the row, combined with subgroup operations when `subgroups` is set and through
/// shared memory otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReduceSchedule {
    pub threads: u32,
    pub subgroups: bool,
    /// The subgroup size the code may assume as a lower bound (0 when `subgroups` is off).
    pub subgroup_size: u32,
}

impl ReduceSchedule {
    /// The default: up to 256 invocations (a power of two no larger than the row needs), subgroup
    /// operations when the device has them.
    pub fn default_for(caps: &DeviceCaps, row_len: u64) -> ReduceSchedule {
        let cap = caps.max_workgroup_invocations.clamp(1, 256);
        let mut threads = 32u32.min(cap);
        while (threads as u64) < row_len && threads * 2 <= cap {
            threads *= 2;
        }
        let subgroups = caps.has_subgroups() && caps.subgroup_size <= threads;
        ReduceSchedule {
            threads,
            subgroups,
            subgroup_size: if subgroups { caps.subgroup_size } else { 0 },
        }
    }
}

/// The schedule of one kernel of any kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// One invocation per output element, `workgroup` invocations per workgroup.
    Elementwise {
        workgroup: u32,
    },
    Gemm(GemmSchedule),
    Reduce(ReduceSchedule),
    /// Attention: `block_q` query rows per workgroup, keys in blocks of `block_k`.
    Attention {
        block_q: u32,
        block_k: u32,
        threads: u32,
    },
}

impl Schedule {
    /// The default one-invocation-per-element schedule.
    pub fn elementwise(caps: &DeviceCaps) -> Schedule {
        Schedule::Elementwise {
            workgroup: caps.max_workgroup_invocations.clamp(1, 256),
        }
    }
}
