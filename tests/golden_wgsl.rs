//! Golden WGSL: the shaders generated for a handful of representative kernels, checked in under
//! `tests/golden/wgsl/<case>.wgsl`, so code-generation changes show up in review. Compiled for the
//! `lavapipe` device profile (data, not the local adapter), so the text does not depend on the
//! machine. `EDGECC_BLESS=1 cargo test --test golden_wgsl` rewrites the files.

use edgecc::backends::wgsl::{Precision, Program};
use std::path::PathBuf;

const CASES: &[(&str, &str)] = &[
    (
        "matmul_bias_gelu",
        r#"graph g {
  input %x: f32[8, 32]
  input %w: f32[32, 16]
  input %b: f32[16]
  %mm: f32[8, 16] = MatMul(%x, %w)
  %add: f32[8, 16] = Add(%mm, %b)
  %y: f32[8, 16] = Gelu<tanh=false>(%add)
  output %y
}"#,
    ),
    (
        "residual_layernorm",
        r#"graph g {
  input %x: f32[4, 64]
  input %r: f32[4, 64]
  input %s: f32[64]
  input %b: f32[64]
  %add: f32[4, 64] = Add(%x, %r)
  %y: f32[4, 64] = LayerNorm<axis=-1, epsilon=0.00001>(%add, %s, %b)
  output %y
}"#,
    ),
    (
        "softmax",
        r#"graph g {
  input %x: f32[2, 3, 50]
  %y: f32[2, 3, 50] = Softmax<axis=-1>(%x)
  output %y
}"#,
    ),
    (
        "attention_causal",
        r#"graph g {
  input %q: f32[1, 2, 16, 32]
  input %k: f32[1, 2, 16, 32]
  input %v: f32[1, 2, 16, 32]
  %o: f32[1, 2, 16, 32] = Attention<causal=true>(%q, %k, %v)
  output %o
}"#,
    ),
    (
        "conv_bias_relu",
        r#"graph g {
  input %x: f32[1, 4, 10, 10]
  input %w: f32[8, 4, 3, 3]
  input %b: f32[8]
  %c: f32[1, 8, 10, 10] = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%x, %w, %b)
  %y: f32[1, 8, 10, 10] = Relu(%c)
  output %y
}"#,
    ),
    (
        "elementwise_layout",
        r#"graph g {
  input %x: f32[2, 3, 4]
  input %m: bool[3, 4]
  const @z: f32[] = hex"00000000"
  %t: f32[4, 3, 2] = Transpose<perm=[2, 1, 0]>(%x)
  %e: f32[4, 3, 2] = Exp(%t)
  %r: f32[3, 4, 2] = Transpose<perm=[1, 0, 2]>(%e)
  %s: f32[3, 4] = ReduceSum<axes=[2], keepdims=false>(%r)
  %z: f32[] = Constant(@z)
  %y: f32[3, 4] = Where(%m, %s, %z)
  output %y
}"#,
    ),
];

fn render(p: &Program) -> String {
    let mut out = String::new();
    for d in &p.dispatches {
        out.push_str(&format!(
            "// ---- dispatch {} (kernel {}), workgroups {:?}, bindings {:?}\n",
            d.label,
            d.kernel,
            d.workgroups,
            d.bindings
                .iter()
                .map(|b| format!("{}{}", p.buffers[b.buffer].name, if b.writes { " (w)" } else { "" }))
                .collect::<Vec<_>>()
        ));
        out.push_str(&d.wgsl);
        out.push('\n');
    }
    out
}

#[test]
fn golden_wgsl() {
    let caps = edgecc_autotune::profile("lavapipe").unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/wgsl");
    let bless = std::env::var("EDGECC_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, text) in CASES {
        let g = edgecc_ir::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (_, program) =
            edgecc::device::compile_wgsl(&g, &caps, Precision::F32).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = render(&program);
        let path = dir.join(format!("{name}.wgsl"));
        if bless {
            edgecc::fsutil::write_atomic(&path, got.as_bytes()).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != got {
            stale.push(name.to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated WGSL differs from tests/golden/wgsl for {stale:?}: review the change, then rewrite with \
         EDGECC_BLESS=1 cargo test --test golden_wgsl"
    );
}
