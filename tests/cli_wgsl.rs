//! CLI tests of `edgecc run --iterations N` (alias `--repeat`) on the `lavapipe` target (Mesa's
//! software Vulkan device, installed by `scripts/setup.sh`) and on the reference interpreter: the
//! timing line's format, and outputs that match the reference target's.

mod common;

use common::{edgecc, s, stderr, stdout, TempDir};
use std::path::Path;

/// Parses `timing: N runs, median X ms, min Y ms, compile Z ms` (the one line that starts with
/// `timing:`) into (N, X, Y); panics naming the output when it is missing or malformed.
fn timing_line(out: &str) -> (u32, f64, f64) {
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("timing:")).collect();
    assert_eq!(lines.len(), 1, "one timing line:\n{out}");
    let words: Vec<&str> = lines[0].split_whitespace().collect();
    let ok = words.len() == 12
        && words[2] == "runs,"
        && words[3] == "median"
        && words[5] == "ms,"
        && words[6] == "min"
        && words[8] == "ms,"
        && words[9] == "compile"
        && words[11] == "ms";
    assert!(
        ok,
        "`timing: N runs, median X ms, min Y ms, compile Z ms`, got `{}`",
        lines[0]
    );
    let n = words[1].parse().expect("N is an integer");
    let median: f64 = words[4].parse().expect("X is a number");
    let min: f64 = words[7].parse().expect("Y is a number");
    let compile: f64 = words[10].parse().expect("Z is a number");
    assert!(
        min >= 0.0 && median >= min && compile >= 0.0,
        "median {median} ms, min {min} ms: {}",
        lines[0]
    );
    (n, median, min)
}

fn read_npy(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let t = edgecc::npy::decode_npy(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    t.to_f64_vec()
}

#[test]
fn repeat_on_lavapipe_times_runs_and_matches_the_reference() {
    let model = "examples/transformer_block.eir";
    let out_gpu = TempDir::new("lavapipe");
    let out_ref = TempDir::new("reference");
    let common = ["run", model, "--random-inputs", "--seed", "3", "--output-dir"];
    let gpu = edgecc(
        &[
            &common[..],
            &[s(out_gpu.path()), "--target", "lavapipe", "--iterations", "3"],
        ]
        .concat(),
    );
    assert!(
        gpu.status.success(),
        "edgecc run --target lavapipe failed (is a Vulkan driver installed? run `bash scripts/setup.sh`):\n{}",
        stderr(&gpu)
    );
    let (n, _, _) = timing_line(&stdout(&gpu));
    assert_eq!(n, 3);

    let reference = edgecc(&[&common[..], &[s(out_ref.path()), "--target", "reference"]].concat());
    assert!(reference.status.success(), "{}", stderr(&reference));
    assert!(
        !stdout(&reference).contains("timing:"),
        "no timing without --iterations:\n{}",
        stdout(&reference)
    );

    let mut compared = 0;
    for entry in std::fs::read_dir(out_ref.path()).expect("reference outputs") {
        let path = entry.expect("dir entry").path();
        let want = read_npy(&path);
        let got = read_npy(&out_gpu.path().join(path.file_name().expect("a file name")));
        assert_eq!(got.len(), want.len(), "{}", path.display());
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
                "{} element {k}: lavapipe {g}, reference {w}",
                path.display()
            );
        }
        compared += 1;
    }
    assert!(compared > 0, "the reference run wrote no outputs");
}

#[test]
fn repeat_with_profile_averages_dispatch_times() {
    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--random-inputs",
        "--iterations",
        "2",
        "--profile",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(timing_line(&out).0, 2);
    assert!(out.contains("GPU total, mean of 2 runs):"), "{out}");
}

#[test]
fn repeat_on_the_reference_target() {
    // `--repeat` is the hidden alias of `--iterations`.
    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--target",
        "reference",
        "--random-inputs",
        "--repeat",
        "4",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(timing_line(&stdout(&o)).0, 4);

    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--random-inputs",
        "--iterations",
        "2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON document");
    assert_eq!(doc["iterations"], 2, "{doc}");
    let median = doc["median_ms"].as_f64().expect("median_ms");
    let min = doc["min_ms"].as_f64().expect("min_ms");
    assert!(min > 0.0 && median >= min, "{doc}");
    assert_eq!(
        doc["compile_ms"].as_f64(),
        Some(0.0),
        "the reference compiles nothing: {doc}"
    );

    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--iterations", "many"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("--iterations"), "{}", stderr(&o));
}
