//! Compilation targets and local devices.
//!
//! A [`Target`] is what code is generated for: a device profile (`lavapipe`, `adreno-740`,
//! `mali-g715`, `apple-m2`, ... from `autotune/profiles/`), known ahead of time, so a binary for a
//! phone can be compiled on a laptop; or the local device (`auto`), whose limits are read off the
//! adapter. A [`Device`] is an opened local GPU (a Vulkan adapter through wgpu) that a
//! [`crate::Runtime`] runs binaries on.

use crate::error::{Error, Result};
use edgecc_autotune::{Backend, DeviceCaps};
use edgecc_backends::wgsl::{Gpu, Program, Session, SessionOptions};
use std::sync::Arc;

/// What code is generated for: a device's capabilities, named by its profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    caps: DeviceCaps,
}

impl Target {
    /// The device profile `name` (see `edgecc targets`). A CUDA profile is refused until the CUDA
    /// backend exists.
    pub fn profile(name: &str) -> Result<Target> {
        let caps = edgecc_autotune::profile(name).map_err(|_| unknown_target(name))?;
        if caps.backend != Backend::Wgsl {
            return Err(Error::BackendNotBuilt {
                target: name.to_string(),
                backend: "cuda".into(),
            });
        }
        Ok(Target { caps })
    }

    /// A target from its name: `auto` or `wgsl` (the local adapter chosen by `adapter`,
    /// `EDGECC_ADAPTER` or the default preference: this opens it to read its limits), or a device
    /// profile name.
    pub fn parse(name: &str, adapter: Option<&str>) -> Result<Target> {
        match name {
            "auto" | "wgsl" => Ok(Device::open(adapter)?.target()),
            _ => Target::profile(name),
        }
    }

    /// A target for explicit capabilities (a runtime that knows its device better than any
    /// profile). Only WGSL devices are supported today.
    pub fn from_caps(caps: DeviceCaps) -> Result<Target> {
        if caps.backend != Backend::Wgsl {
            return Err(Error::BackendNotBuilt {
                target: caps.name.clone(),
                backend: "cuda".into(),
            });
        }
        Ok(Target { caps })
    }

    /// The profile name binaries for this target carry.
    pub fn name(&self) -> &str {
        &self.caps.name
    }

    /// The capabilities code generation reads.
    pub fn caps(&self) -> &DeviceCaps {
        &self.caps
    }
}

fn unknown_target(name: &str) -> Error {
    Error::UnknownTarget(name.to_string())
}

/// An opened local GPU.
#[derive(Clone, Debug)]
pub struct Device {
    gpu: Arc<Gpu>,
}

impl Device {
    /// Opens the adapter chosen by `adapter` (a substring of its name or its index in
    /// `edgecc targets`), or by `EDGECC_ADAPTER`, or the first GPU, else any adapter.
    pub fn open(adapter: Option<&str>) -> Result<Device> {
        Ok(Device {
            gpu: Arc::new(Gpu::open(adapter)?),
        })
    }

    /// Opens the local device for `target`: `auto`/`wgsl` as [`Device::open`]; a profile name
    /// opens the adapter that profile matches (`lavapipe`: Mesa's software device), unless
    /// `adapter` names one; an adapter of another profile is then refused by the runtime.
    pub fn for_target(target: &str, adapter: Option<&str>) -> Result<Device> {
        if adapter.is_some() || matches!(target, "auto" | "wgsl") {
            return Device::open(adapter);
        }
        let profile = Target::profile(target)?;
        let want = profile
            .caps
            .adapter_match
            .first()
            .cloned()
            .ok_or_else(|| Error::NoDeviceFor {
                target: target.to_string(),
                adapters: adapter_list(),
            })?;
        match Gpu::open(Some(&want)) {
            Ok(gpu) => Ok(Device { gpu: Arc::new(gpu) }),
            Err(_) => Err(Error::NoDeviceFor {
                target: target.to_string(),
                adapters: adapter_list(),
            }),
        }
    }

    /// Wraps an opened [`Gpu`].
    pub fn from_gpu(gpu: Arc<Gpu>) -> Device {
        Device { gpu }
    }

    /// The profile this device matches (or its adapter name when it matches none).
    pub fn profile(&self) -> &str {
        &self.gpu.caps.name
    }

    /// The adapter's name as the driver reports it.
    pub fn adapter_name(&self) -> &str {
        &self.gpu.adapter.name
    }

    /// This device as a compilation target: its profile's figures with the limits the adapter
    /// reports.
    pub fn target(&self) -> Target {
        Target {
            caps: self.gpu.caps.clone(),
        }
    }

    /// The opened device.
    pub fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// The capabilities code generation reads for this device (its profile's figures with the
    /// adapter's limits).
    pub fn caps(&self) -> &DeviceCaps {
        &self.gpu.caps
    }

    /// Loads a compiled program (not a device binary: no target or signature check) in a
    /// session of its own: what tests and benches of the WGSL backend use.
    pub fn session(&self, program: &Program, options: SessionOptions) -> Result<Session> {
        Ok(Session::new(self.gpu.clone(), program, options)?)
    }
}

fn adapter_list() -> String {
    let list = edgecc_backends::wgsl::list_adapters();
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|a| format!("{}: {}", a.index, a.name))
        .collect::<Vec<_>>()
        .join(", ")
}
