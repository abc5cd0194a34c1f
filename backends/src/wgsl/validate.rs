//! naga validation of every emitted shader, and translation to SPIR-V and MSL for the device
//! binary (`--emit wgsl|spirv|msl`).

use super::error::{Result, WgslError};
use edgecc_autotune::DeviceCaps;

/// Parses and validates `wgsl` with the capabilities the device has (f16, subgroups). An
/// invalid shader is an internal error naming `kernel`.
pub fn validate(kernel: &str, wgsl: &str, caps: &DeviceCaps) -> Result<naga::Module> {
    Ok(validate_info(kernel, wgsl, caps)?.0)
}

fn validate_info(kernel: &str, wgsl: &str, caps: &DeviceCaps) -> Result<(naga::Module, naga::valid::ModuleInfo)> {
    let invalid = |message: String| WgslError::InvalidShader {
        kernel: kernel.to_string(),
        message,
    };
    let module = naga::front::wgsl::parse_str(wgsl).map_err(|e| invalid(e.emit_to_string(wgsl)))?;
    let mut flags = naga::valid::Capabilities::empty();
    if caps.shader_f16 {
        flags |= naga::valid::Capabilities::SHADER_FLOAT16;
    }
    if caps.has_subgroups() {
        flags |= naga::valid::Capabilities::SUBGROUP;
    }
    let mut v = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), flags);
    if caps.has_subgroups() {
        v.subgroup_stages(naga::valid::ShaderStages::COMPUTE);
        v.subgroup_operations(naga::valid::SubgroupOperationSet::all());
    }
    let info = v.validate(&module).map_err(|e| invalid(e.emit_to_string(wgsl)))?;
    Ok((module, info))
}

/// SPIR-V words for a validated shader.
pub fn to_spirv(kernel: &str, wgsl: &str, caps: &DeviceCaps) -> Result<Vec<u32>> {
    let (module, info) = validate_info(kernel, wgsl, caps)?;
    let opts = naga::back::spv::Options::default();
    naga::back::spv::write_vec(&module, &info, &opts, None).map_err(|e| WgslError::InvalidShader {
        kernel: kernel.to_string(),
        message: format!("SPIR-V output: {e}"),
    })
}

/// Metal Shading Language source for a validated shader.
pub fn to_msl(kernel: &str, wgsl: &str, caps: &DeviceCaps) -> Result<String> {
    let (module, info) = validate_info(kernel, wgsl, caps)?;
    let opts = naga::back::msl::Options {
        lang_version: (2, 4),
        ..Default::default()
    };
    let pipeline = naga::back::msl::PipelineOptions::default();
    naga::back::msl::write_string(&module, &info, &opts, &pipeline)
        .map(|(s, _)| s)
        .map_err(|e| WgslError::InvalidShader {
            kernel: kernel.to_string(),
            message: format!("MSL output: {e}"),
        })
}
