//! Whole exported-style ONNX models, imported and run by the reference interpreter, against
//! onnxruntime's outputs.
//!
//! `bash scripts/setup.sh` writes the models (by `scripts/gen_models.py`) into
//! `target/onnx-data/models/<name>/`: `model.onnx`, one `<input name>.npy` per graph input,
//! `out_<k>.npy` (onnxruntime CPU's output k) and `meta.json` (the symbolic dim values the inputs
//! use, and which file is which input/output). Each model is loaded with `edgecc::load_model` (so
//! the symbolic `batch`/`sequence` dims are specialized the way `--shape` does), run, and every
//! output must match in dtype and shape and within 1e-4 max abs error (f32).
//!
//! The same models also run through WGSL on the Vulkan device (lavapipe in CI): compiled in f32,
//! within 1e-4 max abs error, and in f16 precision (f16 storage and arithmetic), within 2e-2. The
//! max abs error of every model, backend and precision is printed.

mod model_data;

use edgecc::backends::wgsl::Precision;
use model_data::{data_dir, folder_names, reference, report, run_models, wgsl};

/// Max abs error against onnxruntime in f32 (the reference interpreter, WGSL f32).
const MAX_ABS_ERR: f64 = 1e-4;
/// Max abs error against onnxruntime of WGSL in f16 precision.
const MAX_ABS_ERR_F16: f64 = 2e-2;

/// The models `scripts/gen_models.py` writes; each must be present.
const EXPECTED_MODELS: [&str; 6] = [
    "bert_layer_opset13",
    "bert_layer_opset17",
    "gpt2_block_opset13",
    "gpt2_block_opset17",
    "unet_resblock_opset13_instancenorm",
    "unet_resblock_opset21_groupnorm",
];

/// The model folders, each of [`EXPECTED_MODELS`] among them.
fn model_names() -> Vec<String> {
    let dir = data_dir("models");
    let names = folder_names(&dir, "whole-model tests' models");
    for m in EXPECTED_MODELS {
        assert!(
            names.iter().any(|n| n == m),
            "{} has no model `{m}`; run `bash scripts/setup.sh`",
            dir.display()
        );
    }
    names
}

#[test]
fn exported_models_match_onnxruntime() {
    let failures = run_models(
        &data_dir("models"),
        &model_names(),
        "onnx model",
        "reference",
        MAX_ABS_ERR,
        &reference,
    );
    assert!(
        failures.is_empty(),
        "{} models do not match onnxruntime:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same models through WGSL (the Vulkan adapter `EDGECC_ADAPTER` or the default picks;
/// lavapipe in CI), specialized to the inputs' shapes, in f32 (within [`MAX_ABS_ERR`]) and f16
/// (`Precision::F16`: f16 storage and arithmetic, within [`MAX_ABS_ERR_F16`]). No Vulkan adapter
/// is a failure, never a skip.
#[test]
fn exported_models_match_onnxruntime_wgsl() {
    let device = edgecc::Device::open(None)
        .unwrap_or_else(|e| panic!("the WGSL model tests need a Vulkan adapter (lavapipe in CI): {e}"));
    report(&format!("onnx models (wgsl): adapter `{}`", device.adapter_name()));
    let mut failures = Vec::new();
    for (precision, max_err) in [(Precision::F32, MAX_ABS_ERR), (Precision::F16, MAX_ABS_ERR_F16)] {
        failures.extend(run_models(
            &data_dir("models"),
            &model_names(),
            "onnx model",
            &format!("wgsl {}", precision.name()),
            max_err,
            &wgsl(&device, precision),
        ));
    }
    assert!(
        failures.is_empty(),
        "{} model runs do not match onnxruntime:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
