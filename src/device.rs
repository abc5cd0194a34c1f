//! Running on a WGSL device from the facade: [`compile_wgsl`] optimizes a graph with the `wgsl`
//! pass pipeline, fuses it and generates a [`Program`]; [`WgslRunner`] opens the device named by
//! a target (`lavapipe`, `auto`, `wgsl`) and runs programs on it.
//!
//! Programs are compiled for concrete shapes: symbolic dims are bound from the inputs before
//! compiling (see `edgecc run`).

use crate::error::{Error, Result};
use crate::optimize::{optimize, Optimized};
use edgecc_autotune::DeviceCaps;
use edgecc_backends::wgsl::{
    compile::compile, compile::CompileOptions, Gpu, KernelTime, Precision, Program, Session, SessionOptions,
};
use edgecc_ir::{Graph, TensorData};
use edgecc_passes::RunOptions;
use std::sync::Arc;

/// The targets that run on a WGSL device.
pub const WGSL_TARGETS: [&str; 3] = ["lavapipe", "auto", "wgsl"];

/// Whether `target` names a WGSL device.
pub fn is_wgsl_target(target: &str) -> bool {
    WGSL_TARGETS.contains(&target)
}

/// Parses `--precision`.
pub fn parse_precision(s: &str) -> Result<Precision> {
    match s {
        "f32" => Ok(Precision::F32),
        "f16" => Ok(Precision::F16),
        other => Err(Error::BadPrecision(other.to_string())),
    }
}

/// Optimizes, fuses and generates WGSL for `graph` (static shapes) on a device with `caps`.
pub fn compile_wgsl(graph: &Graph, caps: &DeviceCaps, precision: Precision) -> Result<(Optimized, Program)> {
    let opt = optimize(graph, "wgsl", &RunOptions::default()).map_err(Error::Pass)?;
    let program = compile(&opt.kernels, caps, &CompileOptions { precision })?;
    Ok((opt, program))
}

/// An opened WGSL device.
pub struct WgslRunner {
    pub gpu: Arc<Gpu>,
}

impl WgslRunner {
    /// Opens the device for `target`: `lavapipe` insists on Mesa's software device, `auto` and
    /// `wgsl` take `adapter` (a name substring or index), `EDGECC_ADAPTER`, or the default.
    pub fn open(target: &str, adapter: Option<&str>) -> Result<WgslRunner> {
        let selector = match (target, adapter) {
            (_, Some(a)) => Some(a),
            ("lavapipe", None) => Some("llvmpipe"),
            _ => None,
        };
        let gpu = Gpu::open(selector)?;
        Ok(WgslRunner { gpu: Arc::new(gpu) })
    }

    pub fn caps(&self) -> &DeviceCaps {
        &self.gpu.caps
    }

    /// Loads `program` on this device: a [`Session`] that runs it again and again without
    /// re-creating buffers, pipelines or bind groups, nor re-uploading the weights (what
    /// `edgecc run --repeat` and the benches time).
    pub fn session(&self, program: &Program, opts: SessionOptions) -> Result<Session> {
        Ok(Session::new(self.gpu.clone(), program, opts)?)
    }

    /// Runs `program` once on `inputs` in a session of its own; with `profile`, also returns
    /// per-dispatch GPU times. To run a program more than once, keep a [`WgslRunner::session`].
    pub fn run(
        &self,
        program: &Program,
        inputs: &[TensorData],
        profile: bool,
    ) -> Result<(Vec<TensorData>, Vec<KernelTime>)> {
        let mut session = self.session(program, SessionOptions { poison: false, profile })?;
        let out = session.run(inputs)?;
        let times = session.last_profile().map(|t| t.to_vec()).unwrap_or_default();
        Ok((out, times))
    }
}

/// A shader format `--emit` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitFormat {
    Wgsl,
    Spirv,
    Msl,
}

impl EmitFormat {
    /// Parses `--emit`.
    pub fn parse(s: &str) -> Result<EmitFormat> {
        match s {
            "wgsl" => Ok(EmitFormat::Wgsl),
            "spirv" => Ok(EmitFormat::Spirv),
            "msl" => Ok(EmitFormat::Msl),
            other => Err(Error::BadEmit(other.to_string())),
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            EmitFormat::Wgsl => "wgsl",
            EmitFormat::Spirv => "spv",
            EmitFormat::Msl => "metal",
        }
    }
}

/// Each dispatch's shader in `format`, as (file name, bytes): `<label>.<ext>` (labels are
/// made file-name safe). SPIR-V and MSL come from naga's backends.
pub fn emit_shaders(program: &Program, caps: &DeviceCaps, format: EmitFormat) -> Result<Vec<(String, Vec<u8>)>> {
    use edgecc_backends::wgsl::validate::{to_msl, to_spirv};
    let mut out = Vec::with_capacity(program.dispatches.len());
    for d in &program.dispatches {
        let bytes = match format {
            EmitFormat::Wgsl => d.wgsl.as_bytes().to_vec(),
            EmitFormat::Spirv => to_spirv(&d.label, &d.wgsl, caps)?
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect(),
            EmitFormat::Msl => to_msl(&d.label, &d.wgsl, caps)?.into_bytes(),
        };
        let name = format!("{}.{}", crate::fsutil::safe_file_stem(&d.label), format.extension());
        out.push((name, bytes));
    }
    Ok(out)
}
