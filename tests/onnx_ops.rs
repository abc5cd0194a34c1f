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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Graph, TensorData};

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

fn report(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

fn ops_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/onnx-data/ops")
}

fn read_npy(path: &Path) -> Result<TensorData, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    edgecc::npy::decode_npy(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// `meta.json`'s `inputs`/`outputs`: (name, file) pairs in graph order.
fn io_list(meta: &serde_json::Value, key: &str) -> Result<Vec<(String, String)>, String> {
    let list = meta[key]
        .as_array()
        .ok_or_else(|| format!("meta.json: `{key}` is not a list"))?;
    list.iter()
        .map(|e| match (e["name"].as_str(), e["file"].as_str()) {
            (Some(n), Some(f)) => Ok((n.to_string(), f.to_string())),
            _ => Err(format!("meta.json: bad `{key}` entry {e}")),
        })
        .collect()
}

/// A model with its inputs (in graph-input order) and onnxruntime's outputs.
struct Loaded {
    graph: Graph,
    inputs: Vec<TensorData>,
    /// (output name, onnxruntime's output).
    expected: Vec<(String, TensorData)>,
}

fn load(dir: &Path) -> Result<Loaded, String> {
    let meta_path = dir.join("meta.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let mut shapes = BTreeMap::new();
    if let Some(obj) = meta["shapes"].as_object() {
        for (name, v) in obj {
            let v = v
                .as_u64()
                .ok_or_else(|| format!("meta.json: shape `{name}` is not a positive integer"))?;
            shapes.insert(name.clone(), v);
        }
    }

    let graph = edgecc::load_model(&dir.join("model.onnx"), &shapes).map_err(|e| format!("import: {e}"))?;

    let files: BTreeMap<String, String> = io_list(&meta, "inputs")?.into_iter().collect();
    let mut inputs = Vec::new();
    for &v in graph.inputs() {
        let name = &graph.value(v).name;
        let file = files.get(name).ok_or_else(|| {
            format!(
                "the imported graph has an input `{name}` that the model's inputs ({}) do not have",
                files.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        inputs.push(read_npy(&dir.join(file))?);
    }
    if inputs.len() != files.len() {
        return Err(format!(
            "the imported graph has {} inputs, the model {}",
            inputs.len(),
            files.len()
        ));
    }
    let mut expected = Vec::new();
    for (name, file) in io_list(&meta, "outputs")? {
        expected.push((name, read_npy(&dir.join(file))?));
    }
    Ok(Loaded {
        graph,
        inputs,
        expected,
    })
}

/// Runs a graph on its inputs: the backend under test.
type Runner<'a> = dyn Fn(&Graph, &[TensorData]) -> Result<Vec<TensorData>, String> + 'a;

/// Runs one model through `runner`; returns the max abs error of each output.
fn check_model(dir: &Path, runner: &Runner) -> Result<Vec<(String, f64)>, String> {
    let m = load(dir)?;
    let outputs = runner(&m.graph, &m.inputs)?;
    if outputs.len() != m.expected.len() {
        return Err(format!(
            "{} outputs, onnxruntime gave {}",
            outputs.len(),
            m.expected.len()
        ));
    }
    let mut errs = Vec::new();
    for (got, (name, want)) in outputs.iter().zip(&m.expected) {
        if got.dtype() != want.dtype() || got.shape() != want.shape() {
            return Err(format!(
                "output `{name}`: {} {:?}, onnxruntime gave {} {:?}",
                got.dtype(),
                got.shape(),
                want.dtype(),
                want.shape()
            ));
        }
        let max_err = got
            .to_f64_vec()
            .iter()
            .zip(want.to_f64_vec())
            .map(|(a, b)| {
                if a.is_nan() || b.is_nan() {
                    f64::INFINITY
                } else {
                    (a - b).abs()
                }
            })
            .fold(0f64, f64::max);
        errs.push((name.clone(), max_err));
    }
    Ok(errs)
}

fn case_names() -> Vec<String> {
    let dir = ops_dir();
    assert!(
        dir.is_dir(),
        "{} is missing: the op tests' models are generated by the setup step. Run `bash scripts/setup.sh`.",
        dir.display()
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for p in EXPECTED_PREFIXES {
        assert!(
            names.iter().any(|n| n.starts_with(p)),
            "{} has no case `{p}*`; run `bash scripts/setup.sh`",
            dir.display()
        );
    }
    names
}

fn run_cases(label: &str, runner: &Runner) -> Vec<String> {
    let dir = ops_dir();
    let mut failures = Vec::new();
    for name in &case_names() {
        match check_model(&dir.join(name), runner) {
            Ok(errs) => {
                let worst = errs.iter().map(|e| e.1).fold(0f64, f64::max);
                let detail: Vec<String> = errs.iter().map(|(o, e)| format!("{o} {e:.2e}")).collect();
                report(&format!(
                    "onnx op case {name} ({label}): max abs error {worst:.2e} ({})",
                    detail.join(", ")
                ));
                if worst > MAX_ABS_ERR {
                    failures.push(format!(
                        "{name} ({label}): max abs error {worst:.3e} exceeds {MAX_ABS_ERR:e} ({})",
                        detail.join(", ")
                    ));
                }
            }
            Err(e) => {
                report(&format!("onnx op case {name} ({label}): FAILED: {e}"));
                failures.push(format!("{name} ({label}): {e}"));
            }
        }
    }
    failures
}

#[test]
fn llm_ops_match_onnxruntime() {
    let runner = |g: &Graph, inputs: &[TensorData]| edgecc::run_reference(g, inputs).map_err(|e| format!("run: {e}"));
    let failures = run_cases("reference", &runner);
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
    let runner = |g: &Graph, inputs: &[TensorData]| -> Result<Vec<TensorData>, String> {
        let g =
            edgecc::specialize(g, &edgecc::symbol_values(g, inputs), false).map_err(|e| format!("specialize: {e}"))?;
        let (_, program) =
            edgecc::device::compile_wgsl(&g, device.caps(), Precision::F32).map_err(|e| format!("compile: {e}"))?;
        let opts = SessionOptions {
            poison: true,
            profile: false,
        };
        let mut session = device.session(&program, opts).map_err(|e| format!("session: {e}"))?;
        session.run(inputs).map_err(|e| format!("run: {e}"))
    };
    let failures = run_cases("wgsl f32", &runner);
    assert!(
        failures.is_empty(),
        "{} cases do not match:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
