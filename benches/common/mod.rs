//! What the WGSL benches share: opening the local device, GPU times from timestamp queries, and
//! the models `scripts/setup.sh` writes into `target/onnx-data/models`.
#![allow(dead_code)] // each bench uses a part

use edgecc::backends::wgsl::{Program, SessionOptions};
use edgecc::ir::{Dim, Graph, TensorData};
use edgecc::Device;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Opens the device `auto` picks (`--adapter`'s `EDGECC_ADAPTER`, else the first GPU, else any
/// adapter such as lavapipe) and prints which it is.
pub fn open_device() -> Device {
    let runner = Device::open(None).unwrap_or_else(|e| {
        panic!("no WGSL device: {e} (install a Vulkan driver, e.g. `bash scripts/setup.sh` installs lavapipe)")
    });
    let a = &runner.gpu().adapter;
    println!(
        "device: {} ({}, {}, driver {})",
        a.name, a.backend, a.device_type, a.driver
    );
    runner
}

/// GPU time of one run of a program, from timestamp queries around every dispatch.
pub struct GpuTime {
    /// Median over the profiled runs of the sum of all dispatches' times, in nanoseconds.
    pub median_ns: f64,
    /// The fastest profiled run's sum, in nanoseconds.
    pub min_ns: f64,
    /// Per-dispatch median times of the profiled runs: (label, ns), in dispatch order.
    pub dispatches: Vec<(String, f64)>,
}

/// Runs `program` `runs` times (after one warm-up run) in a profiling session and collects the
/// GPU times; `None` (with the reason printed) when the device has no timestamp queries.
pub fn gpu_time(runner: &Device, program: &Program, inputs: &[TensorData], runs: usize) -> Option<GpuTime> {
    let opts = SessionOptions {
        poison: false,
        profile: true,
    };
    let mut session = match runner.session(program, opts) {
        Ok(s) => s,
        Err(e) => {
            println!("  (no GPU timestamps: {e})");
            return None;
        }
    };
    session.run(inputs).expect("the profiled warm-up run");
    let mut totals = Vec::with_capacity(runs);
    let mut per: Vec<Vec<f64>> = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..runs.max(1) {
        session.run(inputs).expect("a profiled run");
        let times = session.last_profile().unwrap_or_default();
        if per.is_empty() {
            per = vec![Vec::with_capacity(runs); times.len()];
            labels = times.iter().map(|t| t.label.clone()).collect();
        }
        for (p, t) in per.iter_mut().zip(times) {
            p.push(t.ns);
        }
        totals.push(times.iter().map(|t| t.ns).sum::<f64>());
    }
    let min_ns = totals.iter().copied().fold(f64::INFINITY, f64::min);
    Some(GpuTime {
        median_ns: median(&mut totals),
        min_ns,
        dispatches: labels.into_iter().zip(per.iter_mut().map(|p| median(p))).collect(),
    })
}

/// Creates a pipeline for every distinct shader of `program` (naga validation, then the
/// driver's compile) and times each: (label of its first dispatch, milliseconds), slowest first.
/// Drivers cache compiled shaders (Mesa: `~/.cache/mesa_shader_cache`, off with
/// `MESA_SHADER_CACHE_DISABLE=true`), so only a first run, or one without the cache, is cold.
pub fn pipeline_times(runner: &Device, program: &Program) -> Vec<(String, f64)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for d in &program.dispatches {
        if !seen.insert((&*d.wgsl, d.bindings.len())) {
            continue;
        }
        let start = std::time::Instant::now();
        runner
            .gpu()
            .pipeline(&d.label, &d.wgsl, d.bindings.len())
            .expect("the pipeline is created");
        out.push((d.label.clone(), start.elapsed().as_secs_f64() * 1e3));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The median of `v` (sorted in place); 0 for an empty slice.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `target/onnx-data/models`, where `scripts/setup.sh` writes the whole-model test data.
pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/onnx-data/models")
}

/// One model of [`models_dir`]: its graph (symbolic dims specialized as `meta.json` and the
/// inputs say) and its inputs in graph-input order.
pub struct OnnxModel {
    pub name: String,
    pub graph: Graph,
    pub inputs: Vec<TensorData>,
}

/// Every model directory under [`models_dir`], sorted by name; panics with what to do when the
/// directory is missing.
pub fn onnx_model_dirs() -> Vec<PathBuf> {
    let dir = models_dir();
    assert!(
        dir.is_dir(),
        "{} is missing: the ONNX models are written by `bash scripts/setup.sh`",
        dir.display()
    );
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.onnx").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Loads a model directory (`model.onnx`, `meta.json`, one `.npy` per input) the way
/// `tests/onnx_models.rs` does.
pub fn load_onnx_model(dir: &Path) -> Result<OnnxModel, String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta_path = dir.join("meta.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let mut shapes = BTreeMap::new();
    if let Some(obj) = meta["shapes"].as_object() {
        for (k, v) in obj {
            let v = v
                .as_u64()
                .ok_or_else(|| format!("{}: shape `{k}` is not a positive integer", meta_path.display()))?;
            shapes.insert(k.clone(), v);
        }
    }
    let mut files = BTreeMap::new();
    for e in meta["inputs"].as_array().map(Vec::as_slice).unwrap_or_default() {
        match (e["name"].as_str(), e["file"].as_str()) {
            (Some(n), Some(f)) => files.insert(n.to_string(), f.to_string()),
            _ => return Err(format!("{}: bad `inputs` entry {e}", meta_path.display())),
        };
    }
    let graph = edgecc::load_model(&dir.join("model.onnx"), &shapes).map_err(|e| format!("import: {e}"))?;
    let mut inputs = Vec::new();
    for &v in graph.inputs() {
        let input = &graph.value(v).name;
        let file = files
            .get(input)
            .ok_or_else(|| format!("meta.json names no file for input `{input}`"))?;
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        inputs.push(edgecc::npy::decode_npy(&bytes).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    // Symbolic dims that meta.json does not name take their extents from the inputs.
    let mut values = BTreeMap::new();
    for (&v, t) in graph.inputs().iter().zip(&inputs) {
        for (d, &n) in graph.ty(v).shape.dims().iter().zip(t.shape()) {
            if let Dim::Sym { name, .. } = d {
                values.entry(name.clone()).or_insert(n as u64);
            }
        }
    }
    let graph = if values.is_empty() {
        graph
    } else {
        edgecc::specialize(&graph, &values, false).map_err(|e| format!("specialize: {e}"))?
    };
    Ok(OnnxModel { name, graph, inputs })
}
