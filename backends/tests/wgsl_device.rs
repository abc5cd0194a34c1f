//! The WGSL device layer: an adapter is found (never skipped), a shader runs, invalid shaders
//! are errors naming the kernel.
#![cfg(feature = "wgsl")]

use edgecc_backends::wgsl::{list_adapters, Gpu, WgslError};

#[test]
fn an_adapter_is_found_and_runs_a_shader() {
    assert!(
        !list_adapters().is_empty(),
        "no Vulkan adapter: install mesa-vulkan-drivers"
    );
    let gpu = Gpu::open(None).unwrap();
    assert!(gpu.caps.max_workgroup_invocations >= 256);
    let src = "@group(0) @binding(0) var<storage, read_write> a: array<f32>;\n\
               @group(0) @binding(1) var<storage, read_write> b: array<f32>;\n\
               @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
                 if (g.x < arrayLength(&a)) { b[g.x] = a[g.x] * 2.0 + 1.0; }\n}\n";
    let a: Vec<f32> = (0..100).map(|i| i as f32 * 0.5 - 7.0).collect();
    let mut bufs = vec![bytemuck_bytes(&a), vec![0xffu8; 400]];
    gpu.run_shader("double", src, &mut bufs, [2, 1, 1]).unwrap();
    let b: Vec<f32> = bufs[1]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(*y, x * 2.0 + 1.0);
    }
}

#[test]
fn invalid_shader_is_an_error_naming_the_kernel() {
    let gpu = Gpu::open(None).unwrap();
    let e = gpu
        .run_shader("k7_matmul", "fn main( {", &mut [], [1, 1, 1])
        .unwrap_err();
    assert!(matches!(e, WgslError::InvalidShader { .. }), "{e}");
    assert!(e.to_string().contains("k7_matmul"), "{e}");
}

#[test]
fn unknown_adapter_is_an_error_listing_the_adapters() {
    let e = Gpu::open(Some("no-such-gpu")).unwrap_err().to_string();
    assert!(e.contains("no adapter matches `no-such-gpu`"), "{e}");
}

fn bytemuck_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
