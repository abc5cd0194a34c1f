//! `edgecc bench` and `edgecc run --iterations` on the `lavapipe` target (Mesa's software Vulkan
//! device, installed by `scripts/setup.sh`) and on the reference interpreter: the JSON fields
//! (`median_ms`, `min_ms`, `compile_ms`, `outputs`, ...), the readable block, and bad flags.

mod common;

use common::{edgecc, json, stderr, stdout};

fn num(doc: &serde_json::Value, key: &str) -> f64 {
    doc[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is a number: {doc}"))
}

/// The timing fields every timed JSON report has, checked for sanity.
fn check_timing(doc: &serde_json::Value, iterations: u64) {
    assert_eq!(doc["iterations"].as_u64(), Some(iterations), "{doc}");
    let (median, min, mean) = (num(doc, "median_ms"), num(doc, "min_ms"), num(doc, "mean_ms"));
    assert!(min > 0.0 && median >= min && mean >= min, "{doc}");
    assert!(median < 60_000.0, "a minute per inference is not plausible: {doc}");
    assert!(num(doc, "load_ms") >= 0.0, "{doc}");
}

#[test]
fn bench_json_on_lavapipe_with_profile() {
    let o = edgecc(&[
        "bench",
        "examples/transformer_block.eir",
        "--target",
        "lavapipe",
        "--iterations",
        "5",
        "--warmup",
        "1",
        "--profile",
        "--json",
    ]);
    let doc = json(&o, "bench --target lavapipe --profile --json");
    check_timing(&doc, 5);
    assert_eq!(doc["warmup"], 1, "{doc}");
    assert!(num(&doc, "compile_ms") > 0.0, "WGSL compiles: {doc}");
    assert!(doc["device"].as_str().is_some_and(|d| !d.is_empty()), "{doc}");
    assert_eq!(doc["precision"], "f32", "{doc}");
    let gpu = num(&doc, "gpu_ms");
    assert!(gpu > 0.0, "{doc}");
    let profile = doc["profile"].as_array().expect("profile per dispatch");
    assert!(!profile.is_empty(), "{doc}");
    let sum_us: f64 = profile.iter().map(|p| p["us"].as_f64().expect("us")).sum();
    assert!(
        (sum_us / 1e3 - gpu).abs() <= 1e-6 * gpu.max(1.0),
        "gpu_ms is the sum of the dispatches: {doc}"
    );
    let out = &doc["outputs"]["add_83"];
    assert_eq!(out["shape"], serde_json::json!([1, 8, 32]), "{doc}");
    assert_eq!(out["dtype"], "f32", "{doc}");
}

#[test]
fn bench_json_on_the_reference_reports_no_compile_time() {
    let o = edgecc(&["bench", "examples/mlp.eir", "--target", "reference", "--json"]);
    let doc = json(&o, "bench --target reference --json");
    check_timing(&doc, 20);
    assert_eq!(doc["warmup"], 3, "{doc}");
    assert_eq!(doc["compile_ms"].as_f64(), Some(0.0), "{doc}");
    assert!(doc["gpu_ms"].is_null() && doc["device"].is_null(), "{doc}");
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([4, 4]), "{doc}");
}

#[test]
fn bench_prints_a_readable_block() {
    let o = edgecc(&[
        "bench",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--iterations",
        "4",
        "--profile",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("bench `mlp` (examples/mlp.eir) on lavapipe ("), "{out}");
    let value = |label: &str| -> f64 {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("a `{label}` line:\n{out}"));
        line.split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("`{label} VALUE ...`: {line}"))
    };
    assert!(value("compile") > 0.0, "{out}");
    assert_eq!(value("iterations"), 4.0, "{out}");
    assert!(out.contains("(after 3 warm-up)"), "{out}");
    let (median, min) = (value("median"), value("min"));
    assert!(min > 0.0 && median >= min, "{out}");
    assert!(
        value("gpu") > 0.0 && out.contains("dispatches, mean of 4 runs"),
        "{out}"
    );
    assert!(out.contains("ms / inference"), "{out}");

    let o = edgecc(&[
        "bench",
        "examples/mlp.eir",
        "--target",
        "reference",
        "--iterations",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("the interpreter runs the graph as loaded") && !out.contains("gpu"),
        "{out}"
    );
}

#[test]
fn bench_rejects_bad_iterations() {
    for bad in ["0", "many", "1.5"] {
        let o = edgecc(&[
            "bench",
            "examples/mlp.eir",
            "--target",
            "reference",
            "--iterations",
            bad,
        ]);
        assert_eq!(o.status.code(), Some(1), "--iterations {bad}: {}", stdout(&o));
        assert!(stderr(&o).contains("--iterations"), "{}", stderr(&o));
    }
}

#[test]
fn run_iterations_json_on_lavapipe() {
    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--random-inputs",
        "--iterations",
        "3",
        "--profile",
        "--json",
    ]);
    let doc = json(&o, "run --target lavapipe --iterations 3 --json");
    check_timing(&doc, 3);
    assert_eq!(doc["warmup"], 1, "the first run is the warm-up: {doc}");
    assert!(num(&doc, "compile_ms") > 0.0, "{doc}");
    assert!(
        num(&doc, "gpu_ms") > 0.0 && doc["profile"].as_array().is_some_and(|p| !p.is_empty()),
        "{doc}"
    );
    let out = &doc["outputs"]["softmax"];
    assert_eq!(out["shape"], serde_json::json!([4, 4]), "{doc}");
    assert_eq!(out["dtype"], "f32", "{doc}");
    assert!(out["checksum"].as_str().is_some_and(|c| c.len() == 16), "{doc}");
    assert!((num(out, "sum") - 4.0).abs() < 1e-4, "softmax rows sum to 1: {doc}");

    // Without --iterations the timing fields are there, and null.
    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--json"]);
    let doc = json(&o, "run --json");
    assert!(doc["median_ms"].is_null() && doc["min_ms"].is_null(), "{doc}");
    assert_eq!(doc["iterations"], 0, "{doc}");
    assert_eq!(doc["compile_ms"].as_f64(), Some(0.0), "{doc}");
}
