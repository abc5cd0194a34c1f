//! `edgecc inspect --target T --dot FILE`: Graphviz DOT of the fused kernel graph, checked for
//! structure (one node per kernel, inputs/weights/outputs as nodes of their own shapes, edges
//! between declared nodes, kernel-to-kernel edges labelled with their buffer) against the kernels
//! `inspect --json` reports; `--dot -`; the error paths; and `inspect --json` in every mode.

mod common;

use common::{edgecc, s, stderr, stdout, TempDir};
use std::collections::BTreeSet;
use std::process::Command;

const MODEL: &str = "examples/transformer_block.eir";

/// A statement of the DOT subset edgecc writes.
#[derive(Debug)]
enum Stmt {
    Node { id: String, attrs: String },
    Edge { from: String, to: String, attrs: String },
}

/// Parses `digraph "name" { ... }` with one statement per line (`id [attrs];`,
/// `a -> b [attrs];`, `node [...]`, `edge [...]`, `rankdir=...;`), checking quotes balance in
/// every attribute list.
fn parse_dot(text: &str) -> Vec<Stmt> {
    let mut lines = text.lines();
    let head = lines.next().expect("a first line");
    assert!(
        head.starts_with("digraph \"") && head.ends_with(" {"),
        "`digraph \"NAME\" {{`: {head}"
    );
    let mut stmts = Vec::new();
    let mut closed = false;
    for line in lines {
        let l = line.trim();
        assert!(!closed, "nothing after the closing brace: {l}");
        if l == "}" {
            closed = true;
            continue;
        }
        let l = l
            .strip_suffix(';')
            .unwrap_or_else(|| panic!("statements end with `;`: {l}"));
        let (head, attrs) = match l.split_once(" [") {
            Some((h, a)) => (h, a.strip_suffix(']').unwrap_or_else(|| panic!("`[...]`: {l}"))),
            None => (l, ""),
        };
        assert_eq!(
            attrs.replace("\\\"", "").matches('"').count() % 2,
            0,
            "quotes balance: {l}"
        );
        if head == "node" || head == "edge" || head.starts_with("rankdir=") {
            continue;
        }
        let ident = |s: &str| {
            assert!(
                !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "a plain node id: `{s}` in {l}"
            );
            s.to_string()
        };
        match head.split_once(" -> ") {
            Some((a, b)) => stmts.push(Stmt::Edge {
                from: ident(a),
                to: ident(b),
                attrs: attrs.to_string(),
            }),
            None => stmts.push(Stmt::Node {
                id: ident(head),
                attrs: attrs.to_string(),
            }),
        }
    }
    assert!(closed, "the graph is closed with `}}`");
    stmts
}

#[test]
fn dot_file_has_one_node_per_kernel_and_edges_between_declared_nodes() {
    let dir = TempDir::new("file");
    let file = dir.join("kernels.dot");
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--dot", s(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("wrote "), "{}", stdout(&o));
    let text = std::fs::read_to_string(&file).expect("the DOT file is written");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temp files left"
    );

    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let kernels = doc["kernels"].as_array().expect("kernels");
    assert!(kernels.len() > 1, "{doc}");

    let stmts = parse_dot(&text);
    let nodes: Vec<(&str, &str)> = stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Node { id, attrs } => Some((id.as_str(), attrs.as_str())),
            _ => None,
        })
        .collect();
    let ids: BTreeSet<&str> = nodes.iter().map(|n| n.0).collect();
    assert_eq!(ids.len(), nodes.len(), "node ids are unique");
    let kernel_nodes: Vec<&(&str, &str)> = nodes.iter().filter(|n| n.1.starts_with("shape=box")).collect();
    assert_eq!(kernel_nodes.len(), kernels.len(), "one node per kernel:\n{text}");
    for (k, node) in kernels.iter().zip(&kernel_nodes) {
        let name = k["name"].as_str().expect("kernel name");
        let kind = k["kind"].as_str().expect("kernel kind");
        assert!(node.1.contains(name) && node.1.contains(kind), "{node:?} for {k}");
        for op in k["ops"].as_array().expect("ops") {
            assert!(node.1.contains(op.as_str().expect("op")), "{node:?} lists {op}");
        }
    }
    let count = |shape: &str| {
        nodes
            .iter()
            .filter(|n| n.1.starts_with(&format!("shape={shape},")))
            .count()
    };
    assert_eq!(count("invhouse"), 1, "one graph input:\n{text}");
    assert_eq!(count("house"), 1, "one graph output:\n{text}");
    assert!(count("cylinder") > 0, "weights:\n{text}");

    let edges: Vec<(&str, &str, &str)> = stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Edge { from, to, attrs } => Some((from.as_str(), to.as_str(), attrs.as_str())),
            _ => None,
        })
        .collect();
    for (a, b, _) in &edges {
        assert!(
            ids.contains(a) && ids.contains(b),
            "edge {a} -> {b} between declared nodes"
        );
    }
    for (id, _) in &kernel_nodes {
        assert!(edges.iter().any(|e| e.1 == *id), "kernel {id} has an incoming edge");
    }
    let between: Vec<_> = edges
        .iter()
        .filter(|e| e.0.starts_with('k') && e.1.starts_with('k'))
        .collect();
    assert!(between.len() >= kernels.len() - 1, "kernels are chained:\n{text}");
    for (_, _, attrs) in between {
        assert!(attrs.starts_with("label=\"") && attrs.contains("f32["), "{attrs}");
    }
    assert!(edges.iter().any(|e| e.1.starts_with("out")), "the output has an edge");

    // `--dot -` prints the same text, alone.
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--dot", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), text);

    // Graphviz itself, where it is installed.
    if let Ok(out) = Command::new("dot").args(["-Tsvg", s(&file)]).output() {
        assert!(
            out.status.success(),
            "dot -Tsvg: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn dot_error_paths() {
    let o = edgecc(&["inspect", MODEL, "--dot", "x.dot"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--target"), "{}", stderr(&o));
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--dot", "-", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--dot -") && stderr(&o).contains("--json"),
        "{}",
        stderr(&o)
    );
    let o = edgecc(&["inspect", MODEL, "--target", "wgsl", "--dot", "/no/such/dir/k.dot"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such/dir/k.dot"), "{}", stderr(&o));
}

#[test]
fn inspect_json_in_every_mode() {
    // Without a target: the graph summary.
    let o = edgecc(&["inspect", "examples/mlp.eir", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(doc["model"], "mlp", "{doc}");
    assert_eq!(doc["ops"]["MatMul"], 2, "{doc}");
    assert_eq!(doc["inputs"][0]["name"], "x", "{doc}");
    assert_eq!(doc["outputs"][0]["type"], "f32[batch<=4, 4]", "{doc}");
    assert!(doc["weights"]["bytes"].as_u64().is_some_and(|b| b > 0), "{doc}");

    // With a target, pass timings, dumps and a DOT file: one document with all of them.
    let dir = TempDir::new("json");
    let file = dir.join("k.dot");
    let o = edgecc(&[
        "inspect",
        "examples/mlp.eir",
        "--target",
        "reference",
        "--time-passes",
        "--dump-after",
        "dce",
        "--stats",
        "--dot",
        s(&file),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(doc["target"], "reference", "{doc}");
    assert!(doc["optimized"]["launches"].as_u64().is_some(), "{doc}");
    let kernels = doc["kernels"].as_array().expect("kernels");
    assert_eq!(
        kernels.len() as u64,
        doc["optimized"]["launches"].as_u64().unwrap_or(0),
        "{doc}"
    );
    assert!(doc["memory"]["arena_bytes"].as_u64().is_some(), "{doc}");
    let passes = doc["passes"].as_array().expect("passes");
    assert!(
        passes.iter().any(|p| p["pass"] == "dce") && passes.iter().any(|p| p["pass"] == "fuse"),
        "{doc}"
    );
    let dumps = doc["dumps"].as_array().expect("dumps");
    assert!(!dumps.is_empty() && dumps.iter().all(|d| d["pass"] == "dce"), "{doc}");
    assert!(
        dumps[0]["ir"].as_str().is_some_and(|ir| ir.starts_with("graph ")),
        "{doc}"
    );
    assert!(std::fs::read_to_string(&file).is_ok_and(|t| t.starts_with("digraph ")));
}
