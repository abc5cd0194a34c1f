//! The model compiled and loaded for a target, ready to run again and again: what `run`,
//! `verify` and `bench` share ([`Executor`], and [`check_target`] for their `--target`).

use crate::timing::{ms_since, Timed};
use edgecc::backends::wgsl::SessionOptions;
use edgecc::backends::{KernelTime, Precision};
use edgecc::Error;
use edgecc::{Artifact, CompileOptions, Device, Runtime, Session};
use edgecc_ir::{Graph, TensorData};
use std::time::Instant;

/// Checks a `--target` for `run`, `verify` and `bench`: true for a WGSL device, false for the
/// reference interpreter.
pub fn check_target(target: &str) -> edgecc::Result<bool> {
    match target {
        "reference" => Ok(false),
        _ if edgecc::device::is_wgsl_target(target) => Ok(true),
        _ => edgecc::Target::profile(target).map(|_| true),
    }
}

/// A model compiled and loaded for a target, ready to run again and again.
pub enum Executor {
    /// The reference interpreter on the graph as loaded.
    Reference(Box<Graph>),
    /// A session on a WGSL device.
    Wgsl {
        session: Box<Session>,
        /// The adapter's name.
        device: String,
    },
}

impl Executor {
    /// Prepares `graph` (static shapes) for `target`: the reference interpreter needs nothing; a
    /// device target opens the device, compiles the graph for it and loads the binary in memory
    /// (profiling with `profile`). Returns the executor and the compile time in ms (optimize,
    /// codegen and session creation, not opening the device; 0 for the reference).
    pub fn open(
        target: &str,
        adapter: Option<&str>,
        precision: Precision,
        profile: bool,
        graph: &Graph,
    ) -> edgecc::Result<(Executor, f64)> {
        if !check_target(target)? {
            return Ok((Executor::Reference(Box::new(graph.clone())), 0.0));
        }
        let device = Device::for_target(target, adapter)?;
        let start = Instant::now();
        let options = CompileOptions {
            precision,
            ..CompileOptions::default()
        };
        let artifact = edgecc::compile(graph, &device.target(), &options)?;
        // What edgecc just compiled for this very device must fit it: a refusal is a bug.
        let exec = Executor::load(device, artifact, profile).map_err(|e| match e {
            Error::DoesNotFit { .. } => Error::Wgsl(edgecc::backends::wgsl::WgslError::Internal(e.to_string())),
            other => other,
        })?;
        Ok((exec, ms_since(start)))
    }

    /// Loads a device binary on the device of `target` (default: the binary's own target: its
    /// profile's local adapter, or for a binary compiled with `--target auto` on an adapter that
    /// matches no profile, that adapter). The runtime refuses a binary for another device, naming
    /// both. Returns the executor and the time it took to create the session in ms.
    pub fn open_binary(
        artifact: Artifact,
        target: Option<&str>,
        adapter: Option<&str>,
        profile: bool,
    ) -> edgecc::Result<(Executor, f64)> {
        let from_binary = target.is_none();
        let target = target.unwrap_or(&artifact.meta.target).to_string();
        let target = target.as_str();
        if target == "reference" {
            return Err(Error::BadInputs(
                "a device binary runs on a device, not on the reference interpreter; run the model \
                 file with --target reference, or give the binary's target"
                    .into(),
            ));
        }
        let is_profile = edgecc::device::is_wgsl_target(target) || edgecc_autotune::profile(target).is_ok();
        let device = if is_profile {
            Device::for_target(target, adapter)
        } else if from_binary {
            // Not a profile: the adapter name a binary compiled with `--target auto` carries (the
            // runtime then checks the opened adapter has exactly that name).
            Device::open(adapter.or(Some(target)))
        } else {
            Err(Error::UnknownTarget(target.to_string()))
        };
        let device = match device {
            Err(Error::NoDeviceFor { adapters, .. }) => {
                return Err(Error::BadInputs(format!(
                    "the binary was compiled for target `{}`, and no local adapter is a `{target}` device \
                     (adapters: {adapters}); compile the model for this machine's device (e.g. --target auto)",
                    artifact.meta.target
                )))
            }
            other => other?,
        };
        let start = Instant::now();
        Executor::load(device, artifact, profile).map(|e| (e, ms_since(start)))
    }

    fn load(device: Device, artifact: Artifact, profile: bool) -> edgecc::Result<Executor> {
        let name = device.adapter_name().to_string();
        let runtime = Runtime::new(device).with_options(SessionOptions { poison: false, profile });
        let session = runtime.load_owned(artifact)?;
        Ok(Executor::Wgsl {
            session: Box::new(session),
            device: name,
        })
    }

    /// The adapter's name for a WGSL target.
    pub fn device(&self) -> Option<&str> {
        match self {
            Executor::Reference(_) => None,
            Executor::Wgsl { device, .. } => Some(device),
        }
    }
}

impl Timed for Executor {
    /// Runs once on `inputs` (in graph-input order).
    fn run(&mut self, inputs: &[TensorData]) -> edgecc::Result<Vec<TensorData>> {
        match self {
            Executor::Reference(g) => edgecc::run_reference(g, inputs),
            Executor::Wgsl { session, .. } => session.run(inputs),
        }
    }

    /// Each dispatch's GPU time in the last run (profiling WGSL sessions only).
    fn profile(&self) -> Option<&[KernelTime]> {
        match self {
            Executor::Reference(_) => None,
            Executor::Wgsl { session, .. } => session.last_profile(),
        }
    }
}
