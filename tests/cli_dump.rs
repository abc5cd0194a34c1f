//! `edgecc inspect MODEL --target T --dump kir|wgsl`: every distinct dispatch's kernel IR (which
//! parses back, verifies and prints to the same text) or shader; `--json`; the error paths.

mod common;

use common::{edgecc, json, ok, stderr};

const MODEL: &str = "examples/transformer_block.eir";

/// The `kernel NAME { .. }` blocks of a dump (a block ends at the first `}` in column 0).
fn kernels(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("kernel ") {
            assert!(cur.is_none(), "a kernel inside a kernel: {line}");
            cur = Some(String::new());
        }
        if let Some(c) = cur.as_mut() {
            c.push_str(line);
            c.push('\n');
            if line == "}" {
                out.push(cur.take().unwrap());
            }
        }
    }
    assert!(cur.is_none(), "an unterminated kernel");
    out
}

#[test]
fn kir_dump_parses_verifies_and_prints_back() {
    let o = edgecc(&["inspect", MODEL, "--target", "lavapipe", "--dump", "kir"]);
    let text = ok(&o, "inspect --dump kir");
    let ks = kernels(&text);
    let names: Vec<String> = ks
        .iter()
        .map(|k| {
            let kernel = edgecc::backends::kir::parse(k).unwrap_or_else(|e| panic!("{e}\n{k}"));
            kernel.verify().unwrap_or_else(|e| panic!("{e}\n{k}"));
            assert_eq!(&edgecc::backends::kir::print(&kernel), k, "printed back the same");
            kernel.name
        })
        .collect();
    // The block's GEMMs, attention, norms and pointwise kernels; each template's caller
    // functions by role.
    for want in ["gemm", "attention", "row"] {
        assert!(names.iter().any(|n| n == want), "a `{want}` kernel in {names:?}");
    }
    for f in [
        "fn load_a(b: i32, m: i32, k: i32) -> f32 role operand_load",
        "fn store_c(",
        "fn load_q(",
        "fn store_o(",
    ] {
        assert!(text.contains(f), "`{f}` in the dump");
    }
    assert!(text.contains("role store"));
    // Identical dispatches print once, with every label that shares them.
    let last = text.lines().last().unwrap_or_default();
    assert!(last.contains(&format!("{} distinct kernels", ks.len())), "{last}");
    assert!(text
        .lines()
        .any(|l| l.starts_with("# dispatches: ") && l.contains(", ")));
}

#[test]
fn wgsl_dump_and_json() {
    let o = edgecc(&["inspect", MODEL, "--target", "lavapipe", "--dump", "wgsl"]);
    let text = ok(&o, "inspect --dump wgsl");
    assert!(text.contains("@compute @workgroup_size("));
    assert!(text.contains("fn load_a(b: i32, m: i32, k: i32) -> f32 {"));
    let o = edgecc(&["inspect", MODEL, "--target", "lavapipe", "--dump", "kir", "--json"]);
    let doc = json(&o, "inspect --dump kir --json");
    assert_eq!(doc["format"], "kir");
    let ks = doc["kernels"].as_array().expect("kernels");
    assert!(!ks.is_empty());
    let mut labels = 0;
    for k in ks {
        let code = k["code"].as_str().expect("code");
        edgecc::backends::kir::parse(code).unwrap_or_else(|e| panic!("{e}\n{code}"));
        assert!(k["problem"].as_str().is_some_and(|p| !p.is_empty()));
        labels += k["dispatches"].as_array().map_or(0, |d| d.len());
    }
    let o = edgecc(&["inspect", MODEL, "--target", "lavapipe", "--json"]);
    let stats = json(&o, "inspect --json");
    assert_eq!(
        labels as u64,
        stats["optimized"]["launches"].as_u64().expect("launches"),
        "every dispatch is listed once"
    );
}

#[test]
fn dump_errors_name_the_problem() {
    let o = edgecc(&["inspect", MODEL, "--target", "reference", "--dump", "kir"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("device target"), "{}", stderr(&o));
    let o = edgecc(&["inspect", MODEL, "--target", "lavapipe", "--dump", "ptx"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`kir`"), "{}", stderr(&o));
    let o = edgecc(&["inspect", MODEL, "--dump", "kir"]);
    assert_ne!(o.status.code(), Some(0), "--dump needs --target");
}
