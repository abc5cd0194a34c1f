//! Unit tests of the kir WGSL renderer: every `; test: print` kir filetest renders to WGSL that
//! naga validates, and the conventions (params struct, built-ins, loops, names, shared arrays,
//! literals, errors) on small kernels.

use super::render;
use crate::kir::{parse, Kernel};
use crate::wgsl::validate::validate;
use edgecc_autotune::DeviceCaps;
use std::path::Path;

fn caps(f16: bool) -> DeviceCaps {
    let mut caps = edgecc_autotune::profile("lavapipe").expect("the lavapipe profile");
    caps.shader_f16 = f16;
    caps
}

/// Renders `k` and validates the result with naga; the WGSL.
fn rendered(k: &Kernel) -> String {
    let wgsl = render(k).unwrap_or_else(|e| panic!("{e}"));
    let f16 = wgsl.contains("enable f16;");
    if let Err(e) = validate(&k.name, &wgsl, &caps(f16)) {
        panic!("{e}\n--- WGSL ---\n{wgsl}");
    }
    wgsl
}

fn kernel(text: &str) -> Kernel {
    parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn every_print_filetest_renders_valid_wgsl() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/filetests/kir");
    let mut n = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the kir filetests")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kir"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("a filetest");
        if !text.lines().any(|l| l.trim() == "; test: print") {
            continue;
        }
        let k = kernel(&text);
        let wgsl = rendered(&k);
        assert!(wgsl.contains("fn main("), "{}: {wgsl}", p.display());
        n += 1;
    }
    assert!(n >= 5, "only {n} print filetests found in {}", dir.display());
}

#[test]
fn params_builtins_and_f16() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/filetests/kir/gemm_tiled.kir"
    ))
    .expect("gemm_tiled.kir");
    let wgsl = rendered(&kernel(&text));
    assert!(
        wgsl.contains("struct Params {\n  m: u32,\n  n: u32,\n  k: u32,\n}"),
        "{wgsl}"
    );
    assert!(
        wgsl.contains("@group(0) @binding(4) var<uniform> params: Params;"),
        "{wgsl}"
    );
    assert!(
        wgsl.contains("@group(0) @binding(0) var<storage, read> a: array<f32>;"),
        "{wgsl}"
    );
    assert!(
        wgsl.contains("@group(0) @binding(3) var<storage, read_write> c: array<f32>;"),
        "{wgsl}"
    );
    assert!(wgsl.contains("var<workgroup> a_tile: array<f32, 256>;"), "{wgsl}");
    assert!(
        wgsl.contains("fn main(@builtin(local_invocation_id) local_id: vec3<u32>, @builtin(workgroup_id) workgroup_id: vec3<u32>)"),
        "{wgsl}"
    );
    assert!(
        wgsl.contains("for (var k0: u32 = 0u; k0 < params.k; k0 += 16u) {"),
        "{wgsl}"
    );
    assert!(wgsl.contains("workgroupBarrier();"), "{wgsl}");
    assert!(!wgsl.contains("enable f16"), "{wgsl}");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/filetests/kir/vec4_f16_mask.kir"
    ))
    .expect("vec4_f16_mask.kir");
    let wgsl = rendered(&kernel(&text));
    assert!(wgsl.contains("enable f16;"), "{wgsl}");
    // select(c, a, b) is WGSL's select(b, a, c).
    assert!(wgsl.contains("select(vec4<f32>((-0.0f)), t, on)"), "{wgsl}");
    assert!(wgsl.contains("bitcast<f32>(0xff800000u)"), "{wgsl}");
}

#[test]
fn slot_gaps_names_loops_and_shared_bounds() {
    let k = kernel(
        "kernel loop {
  dim n <= 100 @param 2
  binding 0 fma: array<f32> read_write
  binding 1 main: uniform
  shared Params: array<u32, min(n, 64) + 1>
  workgroup_size 64 1 1
  launch n, 1, 1
  fn k_x(v: f32) -> f32 role epilogue {
    return v * 2.0
  }
  entry {
    let lid: u32 = local_index
    var limit: u32 = n
    for i: u32 in lid .. limit step 64 {
      limit = limit - 1
      store Params[i % 64] = i
    }
    barrier
    for j: i32 in -2i .. 3i step 1i {
      store fma[lid] = k_x(cast<f32>(j) + inf + -inf + cast<f32>(nan) + cast<f32>(2.0h))
    }
    store fma[0] = cast<f32>(Params[lid]) + cast<f32>(cast<f16>(inf) + infh + -infh + nanh)
  }
}
",
    );
    let wgsl = rendered(&k);
    for want in [
        "struct Params {\n  k_slot0: u32,\n  k_slot1: u32,\n  n: u32,\n}",
        "@group(0) @binding(1) var<uniform> k_main: Params;",
        "var<storage, read_write> k_fma: array<f32>;",
        "// `Params` is `min(n, 64) + 1` long at run time: sized at its bound.",
        "var<workgroup> k_Params: array<u32, 65>;",
        "fn k_k_x(v: f32) -> f32 {",
        "fn main(@builtin(local_invocation_index) local_index: u32) {",
        "let k_end0: u32 = limit;",
        "for (var i: u32 = k_start0; i < k_end0; i += k_step0) {",
        "for (var j: i32 = (-2i); j < 3i; j += 1i) {",
        "k_main.n",
    ] {
        assert!(wgsl.contains(want), "missing `{want}` in\n{wgsl}");
    }
}

#[test]
fn dims_without_a_uniform_binding_are_an_error() {
    let k = kernel(
        "kernel no_params {
  dim n <= 8 @param 0
  binding 0 y: array<u32> read_write
  workgroup_size 1 1 1
  launch n, 1, 1
  entry {
    store y[0] = n
  }
}
",
    );
    let e = render(&k).unwrap_err();
    assert_eq!(e.kernel, "no_params");
    assert!(
        e.to_string().contains("kir kernel `no_params`") && e.message.contains("uniform"),
        "{e}"
    );
}

#[test]
fn a_kernel_without_dims_or_builtins() {
    let k = kernel(
        "kernel fill {
  binding 0 y: array<vec4<u32>> read_write
  workgroup_size 1 1 1
  launch 1, 1, 1
  entry {
    let t: bool = not(1 == 2) && true
    store y[0] = select(vec4<bool>(t), vec4<u32>(not(0), 1 << 3, 7 % 2, 9 / 2), vec4<u32>(0))
  }
}
",
    );
    let wgsl = rendered(&k);
    assert!(wgsl.contains("fn main() {"), "{wgsl}");
    assert!(!wgsl.contains("struct Params"), "{wgsl}");
    assert!(wgsl.contains("((!(1u == 2u)) && true)"), "{wgsl}");
    assert!(wgsl.contains("(~0u)"), "{wgsl}");
}
