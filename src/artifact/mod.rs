//! The device binary (`.edgebin`): a compiled model that a [`crate::Runtime`] loads and runs with
//! no compiler, no ONNX file and no network.
//!
//! An [`Artifact`] is what [`crate::compile()`] returns: the [`Meta`] (edgecc version, target
//! profile, precision, device requirements, the model's inputs and outputs with their symbolic
//! dims) and the compiled WGSL [`Program`] (buffers, arena plan, dispatches with their shaders,
//! weights in their packed device layout), plus an optional ed25519 [`Signature`].
//!
//! The byte format and its checks: [`container`] (layout, hashes), [`manifest`] (the JSON
//! sections), [`validate`] (a loaded program is executable), [`signing`] (ed25519, key files).

pub mod container;
mod format;
pub mod manifest;
pub mod signing;
pub mod validate;

pub use container::FORMAT_VERSION;
pub use signing::{read_signing_key, read_verifying_key, try_generate_key, write_key_pair};

use edgecc_backends::wgsl::Program;
use edgecc_backends::Precision;
use edgecc_ir::DType;

/// One dim of an input or output: fixed, a symbolic dim (ONNX `dim_param`) that was bound to
/// `value` when the model was compiled, or a dynamic dim: the binary takes any size of it up to
/// `max` (its buffers are sized at `max`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimSpec {
    Static(u64),
    Sym { name: String, value: u64, max: u64 },
    Dynamic { name: String, max: u64 },
}

impl DimSpec {
    /// The extent the program was compiled for (a dynamic dim's bound).
    pub fn value(&self) -> u64 {
        match self {
            DimSpec::Static(n) => *n,
            DimSpec::Sym { value, .. } => *value,
            DimSpec::Dynamic { max, .. } => *max,
        }
    }
}

/// A graph input or output as the binary records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<DimSpec>,
}

impl TensorSpec {
    /// The concrete shape the program was compiled for.
    pub fn static_shape(&self) -> Vec<usize> {
        self.shape.iter().map(|d| d.value() as usize).collect()
    }
}

/// What a device must have to run the binary (checked again by the runtime against the real
/// adapter's limits before anything is created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirements {
    pub shader_f16: bool,
    pub subgroups: bool,
    /// Most storage bindings any dispatch uses.
    pub max_bindings: u32,
    /// Largest binding, in bytes.
    pub max_binding_bytes: u64,
    /// Most workgroups along one dimension of any dispatch.
    pub max_workgroups_per_dim: u32,
    /// The storage-offset alignment the arena plan was made with.
    pub storage_offset_alignment: u32,
}

/// The device limits a binary's code was generated for: the target profile's, or the local
/// adapter's for `--target auto`. Schedules were chosen to fit them; a runtime refuses a device
/// with less of any. Stored in META as it is (its JSON form is part of the format: fields in this
/// order, unknown ones refused).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_workgroup_invocations: u32,
    pub max_workgroup_size_x: u32,
    pub max_workgroups_per_dim: u32,
    pub shared_memory_bytes: u32,
    pub max_storage_binding_bytes: u64,
    pub max_storage_buffers_per_stage: u32,
    pub storage_offset_alignment: u32,
    /// The device's subgroup size (0: none); the code uses subgroup operations only when the
    /// requirements say so.
    pub subgroup_size: u32,
}

impl Limits {
    /// The limits of a device with `caps`.
    pub fn of(caps: &edgecc_autotune::DeviceCaps) -> Limits {
        Limits {
            max_workgroup_invocations: caps.max_workgroup_invocations,
            max_workgroup_size_x: caps.max_workgroup_size_x,
            max_workgroups_per_dim: caps.max_workgroups_per_dim,
            shared_memory_bytes: caps.shared_memory_bytes,
            max_storage_binding_bytes: caps.max_storage_binding_bytes,
            max_storage_buffers_per_stage: caps.max_storage_buffers_per_stage,
            storage_offset_alignment: caps.storage_offset_alignment,
            subgroup_size: caps.subgroup_size,
        }
    }

    /// The first limit of `self` that a device with `caps` does not meet: (name, this binary's
    /// value, the device's). The storage-offset alignment is met when the device's divides it.
    pub fn unmet_by(&self, caps: &edgecc_autotune::DeviceCaps) -> Option<(&'static str, u64, u64)> {
        let pairs: [(&'static str, u64, u64); 6] = [
            (
                "max_workgroup_invocations",
                self.max_workgroup_invocations.into(),
                caps.max_workgroup_invocations.into(),
            ),
            (
                "max_workgroup_size_x",
                self.max_workgroup_size_x.into(),
                caps.max_workgroup_size_x.into(),
            ),
            (
                "max_workgroups_per_dim",
                self.max_workgroups_per_dim.into(),
                caps.max_workgroups_per_dim.into(),
            ),
            (
                "shared_memory_bytes",
                self.shared_memory_bytes.into(),
                caps.shared_memory_bytes.into(),
            ),
            (
                "max_storage_binding_bytes",
                self.max_storage_binding_bytes,
                caps.max_storage_binding_bytes,
            ),
            (
                "max_storage_buffers_per_stage",
                self.max_storage_buffers_per_stage.into(),
                caps.max_storage_buffers_per_stage.into(),
            ),
        ];
        if let Some(p) = pairs.into_iter().find(|(_, need, have)| have < need) {
            return Some(p);
        }
        let (need, have) = (
            self.storage_offset_alignment.max(1),
            caps.storage_offset_alignment.max(1),
        );
        if need % have != 0 {
            return Some(("storage_offset_alignment", need.into(), have.into()));
        }
        None
    }
}

/// Everything about a binary besides its program.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    /// The edgecc version that wrote it (`CARGO_PKG_VERSION`).
    pub edgecc_version: String,
    /// The device profile it was compiled for (`lavapipe`, `adreno-740`, ...): a runtime on any
    /// other device refuses it.
    pub target: String,
    /// The backend (`wgsl`).
    pub backend: String,
    pub precision: Precision,
    pub requirements: Requirements,
    /// The device limits the code was generated for.
    pub limits: Limits,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
}

/// An ed25519 signature over the binary's content digest, with the public key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// A compiled model: what `edgecc compile` writes and `edgecc run` loads.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    pub meta: Meta,
    pub program: Program,
    pub signature: Option<Signature>,
}
