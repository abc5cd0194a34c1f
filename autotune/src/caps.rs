//! The device-capability struct: everything tiling and code generation may ask about a device.

use serde::Deserialize;

/// Which code generator a device is reached through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Wgsl,
    Cuda,
}

/// A tensor-core (warp-level MMA) tile shape, `m x n x k`, for one input dtype.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct MmaShape {
    pub dtype: String,
    pub m: u32,
    pub n: u32,
    pub k: u32,
}

/// What a device can do. Profiles (`profiles/*.toml`) give the published figures; a runtime
/// overrides the limits with what the actual adapter reports.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCaps {
    /// Profile name (`lavapipe`, `orin-nano`, ...).
    pub name: String,
    pub backend: Backend,
    /// Substrings of adapter names this profile matches (lowercase), for `--target auto`.
    #[serde(default)]
    pub adapter_match: Vec<String>,
    /// CUDA architecture (`sm_87`); empty for WGSL devices.
    #[serde(default)]
    pub arch: String,
    /// Streaming multiprocessors / compute units.
    pub compute_units: u32,
    /// Most invocations (threads) in one workgroup (block).
    pub max_workgroup_invocations: u32,
    /// Most invocations along x (and y) of a workgroup.
    pub max_workgroup_size_x: u32,
    /// Most workgroups along one dispatch dimension.
    pub max_workgroups_per_dim: u32,
    /// Workgroup (shared) memory per workgroup, in bytes.
    pub shared_memory_bytes: u32,
    /// Subgroup (warp) size; 0 when the device has no subgroup operations.
    #[serde(default)]
    pub subgroup_size: u32,
    /// f16 storage and arithmetic in shaders.
    #[serde(default)]
    pub shader_f16: bool,
    /// bf16 arithmetic (CUDA).
    #[serde(default)]
    pub bf16: bool,
    /// int8 dot products (dp4a / IMMA).
    #[serde(default)]
    pub int8_dot: bool,
    /// GPU timestamp queries.
    #[serde(default)]
    pub timestamps: bool,
    /// Largest storage buffer binding, in bytes.
    pub max_storage_binding_bytes: u64,
    /// Most storage buffers one shader stage may bind.
    pub max_storage_buffers_per_stage: u32,
    /// Alignment of storage-buffer binding offsets, in bytes.
    pub storage_offset_alignment: u32,
    /// The register block (accumulators per invocation along M and N) the default GEMM schedule
    /// starts from: 4 suits GPUs; CPU-backed devices (lavapipe) run fastest with 16, since
    /// fewer, longer invocations amortize their scalarized memory accesses.
    #[serde(default = "default_register_block")]
    pub gemm_register_block: u32,
    /// Tensor-core MMA shapes (empty when none).
    #[serde(default)]
    pub mma: Vec<MmaShape>,
    /// 2:4 structured-sparse MMA.
    #[serde(default)]
    pub sparse_mma: bool,
    /// Peak dense throughput, FLOP/s, f32 and f16 (0 when unknown).
    #[serde(default)]
    pub peak_flops_f32: f64,
    #[serde(default)]
    pub peak_flops_f16: f64,
    /// DRAM bandwidth, bytes/s (0 when unknown).
    #[serde(default)]
    pub memory_bandwidth: f64,
    /// L2 cache, bytes (0 when unknown).
    #[serde(default)]
    pub l2_bytes: u64,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
}

fn default_register_block() -> u32 {
    4
}

impl DeviceCaps {
    /// Whether subgroup operations may be used.
    pub fn has_subgroups(&self) -> bool {
        self.subgroup_size > 0
    }
}
