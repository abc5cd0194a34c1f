//! Running device binaries: a [`Runtime`] on a local [`Device`] loads an [`Artifact`] into a
//! [`Session`], which runs it again and again.
//!
//! [`Runtime::load`] refuses, before creating anything on the device, a binary compiled for
//! another target (naming both), one signed by another publisher when the runtime requires a key,
//! and one whose requirements the device does not meet (f16, subgroups, limits: naming the
//! dispatch and the limit). [`Session::run`] checks the inputs against the binary's specs.

use crate::artifact::{Artifact, TensorSpec};
use crate::error::{Error, Result};
use crate::target::Device;
use edgecc_backends::wgsl::{SessionOptions, WgslError};
use edgecc_backends::KernelTime;
use edgecc_ir::TensorData;

/// Loads binaries on one device.
#[derive(Clone, Debug)]
pub struct Runtime {
    device: Device,
    options: SessionOptions,
    verify_key: Option<ed25519_dalek::VerifyingKey>,
}

impl Runtime {
    /// A runtime on `device`.
    pub fn new(device: Device) -> Runtime {
        Runtime {
            device,
            options: SessionOptions::default(),
            verify_key: None,
        }
    }

    /// Sessions this runtime loads run with `options` (poisoned outputs for tests, per-dispatch
    /// GPU timing).
    pub fn with_options(mut self, options: SessionOptions) -> Runtime {
        self.options = options;
        self
    }

    /// From now on, load only binaries signed with the secret key of `key`.
    pub fn require_signature(mut self, key: ed25519_dalek::VerifyingKey) -> Runtime {
        self.verify_key = Some(key);
        self
    }

    /// The device this runtime runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Checks `artifact` (target, signature) and loads it on the device: buffers, weights
    /// (uploaded once), pipelines and bind groups.
    pub fn load(&self, artifact: &Artifact) -> Result<Session> {
        self.check(artifact)?;
        let inner = edgecc_backends::wgsl::Session::new(self.device.gpu().clone(), &artifact.program, self.options)
            .map_err(|e| self.refused(e))?;
        Ok(Session {
            inner,
            inputs: artifact.meta.inputs.clone(),
            outputs: artifact.meta.outputs.clone(),
        })
    }

    /// [`Runtime::load`] taking the artifact by value: its program (weights included) moves into
    /// the session instead of being copied, which halves the host memory a large model needs
    /// while it loads.
    pub fn load_owned(&self, artifact: Artifact) -> Result<Session> {
        self.check(&artifact)?;
        let Artifact { meta, program, .. } = artifact;
        let inner = edgecc_backends::wgsl::Session::from_program(self.device.gpu().clone(), program, self.options)
            .map_err(|e| self.refused(e))?;
        Ok(Session {
            inner,
            inputs: meta.inputs,
            outputs: meta.outputs,
        })
    }

    /// A shader the device refuses when its pipeline is created (a workgroup or memory limit the
    /// loader's checks could not know) means the binary does not fit this device.
    fn refused(&self, e: WgslError) -> Error {
        match e {
            WgslError::InvalidShader { kernel, message } => Error::DoesNotFit {
                device: self.device.adapter_name().to_string(),
                dispatch: kernel,
                message,
            },
            other => other.into(),
        }
    }

    /// The checks before loading: the target, then the signature when one is required.
    fn check(&self, artifact: &Artifact) -> Result<()> {
        artifact.check_target(self.device.profile())?;
        if let Some((limit, need, have)) = artifact.meta.limits.unmet_by(self.device.caps()) {
            return Err(Error::BelowLimits {
                device: self.device.adapter_name().to_string(),
                limit,
                need,
                have,
            });
        }
        if let Some(key) = &self.verify_key {
            artifact.verify_signature(key)?;
        }
        Ok(())
    }
}

/// A binary loaded on a device, ready to run.
#[derive(Debug)]
pub struct Session {
    inner: edgecc_backends::wgsl::Session,
    inputs: Vec<TensorSpec>,
    outputs: Vec<TensorSpec>,
}

impl Session {
    /// The inputs `run` takes, in order.
    pub fn inputs(&self) -> &[TensorSpec] {
        &self.inputs
    }

    /// The outputs `run` returns, in order.
    pub fn outputs(&self) -> &[TensorSpec] {
        &self.outputs
    }

    /// Runs once on `inputs` (in [`Session::inputs`] order, each of the dtype and the shape the
    /// binary was compiled for) and returns the outputs.
    pub fn run(&mut self, inputs: &[TensorData]) -> Result<Vec<TensorData>> {
        check_inputs(&self.inputs, inputs)?;
        Ok(self.inner.run(inputs)?)
    }

    /// Each dispatch's GPU time in the last run, when the runtime's options asked for a profile.
    pub fn last_profile(&self) -> Option<&[KernelTime]> {
        self.inner.last_profile()
    }
}

/// Checks `given` against `specs`: count, dtype, shape; a shape that differs in a symbolic dim
/// says how to compile for it.
fn check_inputs(specs: &[TensorSpec], given: &[TensorData]) -> Result<()> {
    if specs.len() != given.len() {
        return Err(Error::BadInputs(format!(
            "the binary takes {} inputs ({}), {} given",
            specs.len(),
            specs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
            given.len()
        )));
    }
    for (s, t) in specs.iter().zip(given) {
        if t.dtype() != s.dtype {
            return Err(Error::BadInputs(format!(
                "input `{}` is {}, the binary takes {}",
                s.name,
                t.dtype(),
                s.dtype
            )));
        }
        let want = s.static_shape();
        // A dynamic dim takes any size up to its bound.
        if t.shape().len() == want.len() {
            for (d, &n) in s.shape.iter().zip(t.shape()) {
                if let crate::artifact::DimSpec::Dynamic { name, max } = d {
                    if n as u64 > *max {
                        return Err(Error::BadInputs(format!(
                            "input `{}` has {name} = {n}, over its bound {max} (shape {:?}); compile with \
                             --dynamic {name} --shape '{name}<={n}' (or more) for larger sizes",
                            s.name,
                            t.shape()
                        )));
                    }
                }
            }
        }
        let fits = t.shape().len() == want.len()
            && s.shape.iter().zip(t.shape()).all(|(d, &n)| match d {
                crate::artifact::DimSpec::Dynamic { max, .. } => n as u64 <= *max,
                d => n as u64 == d.value(),
            });
        if !fits {
            let syms: Vec<String> = s
                .shape
                .iter()
                .filter_map(|d| match d {
                    crate::artifact::DimSpec::Sym { name, value, max } => {
                        Some(format!("{name}={value} (at most {max})"))
                    }
                    crate::artifact::DimSpec::Dynamic { name, max } => Some(format!("{name} (dynamic, at most {max})")),
                    crate::artifact::DimSpec::Static(_) => None,
                })
                .collect();
            let hint = if syms.is_empty() {
                String::new()
            } else {
                format!(
                    "; it was compiled for {}: compile again with --shape NAME=VALUE for other sizes, or with --dynamic NAME for any size up to its bound",
                    syms.join(", ")
                )
            };
            return Err(Error::BadInputs(format!(
                "input `{}` has shape {:?}, the binary takes {:?}{hint}",
                s.name,
                t.shape(),
                want
            )));
        }
    }
    Ok(())
}
