//! `edgecc inspect --target`: the optimized kernels, `--stats` (text and JSON), `--dump-after`
//! and `--time-passes`, and their error paths.

mod common;

use common::{edgecc, stderr, stdout};

const MODEL: &str = "examples/transformer_block.eir";

#[test]
fn target_prints_kernels_and_the_arena() {
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("kernels ") && out.contains("matmul_epilogue"), "{out}");
    assert!(
        out.contains("kernels by kind:") && out.contains("activation arena:"),
        "{out}"
    );
}

#[test]
fn stats_as_text_and_json() {
    let o = edgecc(&["inspect", MODEL, "--target", "reference", "--stats"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for row in [
        "kernel launches / inference",
        "global-memory bytes / inference",
        "peak activation bytes",
    ] {
        assert!(out.contains(row), "{out}");
    }
    assert!(out.contains("unfused baseline") && out.contains('%'), "{out}");

    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("--json prints JSON");
    assert_eq!(v["target"], "wgsl");
    let base = v["baseline"]["launches"].as_u64().expect("baseline launches");
    let opt = v["optimized"]["launches"].as_u64().expect("optimized launches");
    assert!(opt >= 1 && opt < base, "{v}");
    let pct = v["change_percent"]["launches"].as_f64().expect("a change");
    assert!(
        (pct - (opt as f64 - base as f64) / base as f64 * 100.0).abs() < 0.01,
        "{v}"
    );
}

#[test]
fn dump_after_and_time_passes() {
    let o = edgecc(&[
        "inspect",
        MODEL,
        "--target",
        "reference",
        "--dump-after",
        "dce",
        "--time-passes",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("; after pass `dce`") && out.contains("graph "), "{out}");
    assert!(
        out.contains("total") && out.contains("fuse") && out.contains("plan"),
        "{out}"
    );
}

#[test]
fn bad_arguments_are_user_errors() {
    let o = edgecc(&["inspect", MODEL, "--target", "metal"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown target `metal`"), "{}", stderr(&o));
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--dump-after", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    let o = edgecc(&["inspect", MODEL, "--stats"]);
    assert_eq!(o.status.code(), Some(1), "--stats needs --target");
}
