//! WGSL helpers of the facade: [`compile_wgsl`] optimizes a graph with the `wgsl` pass pipeline,
//! fuses it and generates a [`Program`] (what [`crate::compile()`] wraps into a device binary);
//! [`emit_shaders`] writes a program's shaders as WGSL, SPIR-V or MSL. Programs run on a
//! [`crate::Device`].
//!
//! Programs are compiled for concrete shapes: symbolic dims are bound from the inputs before
//! compiling (see `edgecc run`).

use crate::error::{Error, Result};
use crate::optimize::{optimize, Optimized};
use edgecc_autotune::{DeviceCaps, ScheduleSource};
use edgecc_backends::wgsl::{compile::compile, compile::CompileOptions, Program};
use edgecc_backends::Precision;
use edgecc_ir::Graph;
use edgecc_passes::RunOptions;

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

/// Optimizes, fuses and generates WGSL for `graph` on a device with `caps`, every schedule the
/// default for its problem. Symbolic dims left in the graph become the program's dynamic dims
/// (see [`edgecc_backends::wgsl::compile::compile`]: pointwise kernels take them so far);
/// [`crate::compile`] binds them all first.
pub fn compile_wgsl(graph: &Graph, caps: &DeviceCaps, precision: Precision) -> Result<(Optimized, Program)> {
    compile_wgsl_with(
        graph,
        caps,
        &CompileOptions {
            precision,
            schedules: ScheduleSource::defaults(),
        },
    )
}

/// [`compile_wgsl`] with the code generator's options (precision and the schedule source).
pub fn compile_wgsl_with(graph: &Graph, caps: &DeviceCaps, options: &CompileOptions) -> Result<(Optimized, Program)> {
    let opt = optimize(graph, "wgsl", &RunOptions::default()).map_err(Error::Pass)?;
    let program = compile(&opt.kernels, caps, options)?;
    Ok((opt, program))
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
