//! The whole optimizing pipeline preserves semantics: a target's pass pipeline, fusion into
//! kernels and memory planning, run by the reference interpreter kernel by kernel
//! (`run_kernels`) and through the planned arena (`run_planned`), give the interpreter's outputs
//! on the original graph (tolerances per dtype) — over 500 random graphs, the imported ONNX
//! models (with their recorded inputs) and the builder transformers.
//!
//! The ONNX models come from `bash scripts/setup.sh` (`target/onnx-data/models`); the test fails
//! with that instruction when they are missing.

#[path = "../passes/tests/common/mod.rs"]
mod common;

use common::{compare, random_inputs};
use edgecc::backends::reference::{run, run_kernels, run_planned};
use edgecc::ir::random::{random_graph, RandomGraphOptions};
use edgecc::ir::{Graph, TensorData};
use edgecc::models::{bert_encoder, gpt2_block, TransformerConfig};
use edgecc::passes::RunOptions;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Optimizes `g` for every target and compares both kernel runs with the original's outputs.
fn check(g: &Graph, inputs: &[TensorData], what: &str) -> Result<(), String> {
    let Ok(want) = run(g, inputs) else {
        // The original fails on these inputs (e.g. an index out of range): nothing to compare.
        return Ok(());
    };
    let opts = RunOptions {
        verify: true,
        ..Default::default()
    };
    for target in edgecc::passes::KNOWN_TARGETS {
        let o = edgecc::optimize(g, target, &opts).map_err(|e| format!("{what}: {target}: {e}\n{g}"))?;
        let got = run_kernels(&o.kernels, inputs).map_err(|e| {
            format!(
                "{what}: {target}: the kernels fail where the graph runs: {e}\n{}",
                o.kernels
            )
        })?;
        compare(&want, &got).map_err(|e| format!("{what}: {target}: run_kernels: {e}\n{}", o.kernels))?;
        let got = run_planned(&o.kernels, &o.plan, inputs)
            .map_err(|e| format!("{what}: {target}: the planned run fails: {e}\n{}", o.kernels))?;
        compare(&want, &got).map_err(|e| format!("{what}: {target}: run_planned: {e}\n{}", o.kernels))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_keep_their_semantics(seed in any::<u64>(), big in any::<bool>()) {
        let opts = RandomGraphOptions {
            max_nodes: if big { 24 } else { 12 },
            ..Default::default()
        };
        let g = random_graph(seed, &opts);
        let inputs = random_inputs(&g, seed ^ 0x5eed);
        if let Err(e) = check(&g, &inputs, &format!("random graph {seed}")) {
            prop_assert!(false, "{}", e);
        }
    }
}

#[test]
fn builder_transformers_keep_their_semantics() {
    let cfg = TransformerConfig::tiny();
    let models = [
        gpt2_block(&cfg, 1).expect("gpt2 block builds"),
        bert_encoder(&cfg, 2, 2).expect("bert encoder builds"),
    ];
    for g in &models {
        let inputs = edgecc::models::random_inputs(g, 5, &edgecc::models::sym_at_max).expect("inputs");
        check(g, &inputs, g.name()).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/onnx-data/models")
}

/// The model in `dir`, specialized with its `meta.json` shapes, and its recorded inputs.
fn load(dir: &Path) -> Result<(Graph, Vec<TensorData>), String> {
    let meta_path = dir.join("meta.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let mut shapes = BTreeMap::new();
    for (name, v) in meta["shapes"].as_object().into_iter().flatten() {
        shapes.insert(name.clone(), v.as_u64().ok_or("meta.json: a shape is not an integer")?);
    }
    let g = edgecc::load_model(&dir.join("model.onnx"), &shapes).map_err(|e| format!("import: {e}"))?;
    let mut files = BTreeMap::new();
    for e in meta["inputs"].as_array().into_iter().flatten() {
        if let (Some(n), Some(f)) = (e["name"].as_str(), e["file"].as_str()) {
            files.insert(n.to_string(), f.to_string());
        }
    }
    let mut inputs = Vec::new();
    for &v in g.inputs() {
        let name = &g.value(v).name;
        let file = files
            .get(name)
            .ok_or_else(|| format!("meta.json lists no file for input `{name}`"))?;
        let bytes = std::fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        inputs.push(edgecc::npy::decode_npy(&bytes).map_err(|e| format!("{file}: {e}"))?);
    }
    Ok((g, inputs))
}

#[test]
fn imported_onnx_models_keep_their_semantics() {
    let dir = models_dir();
    assert!(
        dir.is_dir(),
        "{} is missing: run `bash scripts/setup.sh` to generate the ONNX models",
        dir.display()
    );
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.onnx").is_file())
        .collect();
    names.sort();
    assert!(
        names.len() >= 6,
        "{} holds {} models, expected the 6 that scripts/gen_models.py writes: run `bash scripts/setup.sh`",
        dir.display(),
        names.len()
    );
    let mut failures = Vec::new();
    for m in &names {
        let what = m
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let r = load(m).and_then(|(g, inputs)| {
            // The original must run on the recorded inputs: the comparison is not vacuous.
            run(&g, &inputs).map_err(|e| format!("the original model does not run: {e}"))?;
            check(&g, &inputs, &what)
        });
        if let Err(e) = r {
            failures.push(format!("{what}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
