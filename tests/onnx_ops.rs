//! One-node (or small) models of the ops LLM exporters write — the standard `RotaryEmbedding`,
//! Attention-24's `nonpad_kv_seqlen`, onnxruntime's contrib ops (`GroupQueryAttention`,
//! `RotaryEmbedding`, `SkipLayerNormalization`, `SkipSimplifiedLayerNormalization`,
//! `SimplifiedLayerNormalization`, `FastGelu`, `BiasGelu`, `QuickGelu`) and model-local
//! functions — imported and run on the reference interpreter and through WGSL, against
//! onnxruntime CPU (the ONNX reference implementation for opset 24).
//!
//! `bash scripts/setup.sh` writes the cases (by `scripts/gen_ops.py`) into
//! `target/onnx-data/ops/<name>/`, in the layout of `tests/onnx_models.rs`. Every output must
//! match in dtype and shape, within 1e-4 max abs error on the reference interpreter and WGSL f32.
//! The max abs error of every case and backend is printed.

mod model_data;

use edgecc::backends::wgsl::Precision;
use model_data::{data_dir, folder_names, reference, run_models, wgsl};

/// Max abs error against onnxruntime in f32 (the reference interpreter, WGSL f32).
const MAX_ABS_ERR: f64 = 1e-4;

/// Case-name prefixes `scripts/gen_ops.py` writes; each must have at least one case.
const EXPECTED_PREFIXES: [&str; 10] = [
    "rope_std_",
    "rope_ms_",
    "gqa_",
    "skip_ln_",
    "skip_sln_",
    "simplified_ln",
    "fast_gelu",
    "bias_gelu",
    "quick_gelu",
    "function_",
];

fn case_names() -> Vec<String> {
    let dir = data_dir("ops");
    let names = folder_names(&dir, "op tests' models");
    for p in EXPECTED_PREFIXES {
        assert!(
            names.iter().any(|n| n.starts_with(p)),
            "{} has no case `{p}*`; run `bash scripts/setup.sh`",
            dir.display()
        );
    }
    names
}

fn run_cases(label: &str, runner: &model_data::Runner) -> Vec<String> {
    run_models(
        &data_dir("ops"),
        &case_names(),
        "onnx op case",
        label,
        MAX_ABS_ERR,
        runner,
    )
}

#[test]
fn llm_ops_match_onnxruntime() {
    let failures = run_cases("reference", &reference);
    assert!(
        failures.is_empty(),
        "{} cases do not match:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same cases through WGSL in f32 on the Vulkan device (lavapipe in CI); no adapter is a
/// failure, never a skip.
#[test]
fn llm_ops_match_onnxruntime_wgsl() {
    let device = edgecc::Device::open(None)
        .unwrap_or_else(|e| panic!("the WGSL op tests need a Vulkan adapter (lavapipe in CI): {e}"));
    let failures = run_cases("wgsl f32", &wgsl(&device, Precision::F32));
    assert!(
        failures.is_empty(),
        "{} cases do not match:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
