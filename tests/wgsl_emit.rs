//! `edgecc::device::emit_shaders`: every dispatch of a compiled program comes out as WGSL, as
//! SPIR-V (a valid module header) and as MSL, and a bad format name is an error.

use edgecc::backends::wgsl::Precision;
use edgecc::device::{compile_wgsl, emit_shaders, EmitFormat};

#[test]
fn shaders_in_every_format() {
    let caps = edgecc_autotune::profile("lavapipe").unwrap();
    let g = edgecc::models::gpt2_block(&edgecc::models::TransformerConfig::tiny(), 1).unwrap();
    let g = edgecc::specialize(&g, &Default::default(), true).unwrap();
    let (_, program) = compile_wgsl(&g, &caps, Precision::F32).unwrap();
    assert!(program.dispatches.len() >= 4);
    for format in [EmitFormat::Wgsl, EmitFormat::Spirv, EmitFormat::Msl] {
        let files = emit_shaders(&program, &caps, format).unwrap();
        assert_eq!(files.len(), program.dispatches.len());
        for (name, bytes) in &files {
            assert!(name.ends_with(format.extension()), "{name}");
            match format {
                EmitFormat::Spirv => assert_eq!(&bytes[..4], &0x0723_0203u32.to_le_bytes(), "{name}: SPIR-V magic"),
                EmitFormat::Msl => assert!(String::from_utf8_lossy(bytes).contains("kernel void"), "{name}"),
                EmitFormat::Wgsl => assert!(String::from_utf8_lossy(bytes).contains("@compute"), "{name}"),
            }
        }
    }
    assert!(EmitFormat::parse("ptx")
        .unwrap_err()
        .to_string()
        .contains("bad --emit `ptx`"));
}
