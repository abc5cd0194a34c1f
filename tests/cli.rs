//! CLI integration tests: `edgecc inspect` and `edgecc run`, success and error paths.

mod common;

use common::{edgecc, edgecc_env, s, stderr, stdout, TempDir};
use std::path::Path;

#[test]
fn inspect_prints_graph_and_summary() {
    let o = edgecc(&["inspect", "examples/transformer_block.eir"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("graph "), "prints the graph first:\n{out}");
    assert!(out.contains("Attention"), "{out}");
    assert!(out.contains("nodes by op:"), "{out}");
    let matmuls = out
        .lines()
        .find(|l| l.trim_start().starts_with("MatMul "))
        .expect("a MatMul count line");
    assert_eq!(matmuls.split_whitespace().nth(1), Some("6"), "{matmuls}");
    assert!(out.contains("weights: "), "{out}");
}

#[test]
fn run_is_deterministic_and_seed_dependent() {
    let args = [
        "run",
        "examples/transformer_block.eir",
        "--target",
        "reference",
        "--random-inputs",
    ];
    let a = edgecc(&[&args[..], &["--seed", "1"]].concat());
    let b = edgecc(&[&args[..], &["--seed", "1"]].concat());
    let c = edgecc(&[&args[..], &["--seed", "2"]].concat());
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert_ne!(stdout(&a), stdout(&c));
    let line = stdout(&a);
    assert!(line.contains("f32[1, 8, 32]") && line.contains("checksum="), "{line}");
}

#[test]
fn run_specializes_symbolic_dims() {
    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--shape", "batch=3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("f32[3, 4]"), "{}", stdout(&o));
    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--shape", "batch=999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exceeds its bound"), "{}", stderr(&o));
    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--shape", "batch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad --shape"), "{}", stderr(&o));
    let o = edgecc(&[
        "run",
        "examples/mlp.eir",
        "--random-inputs",
        "--shape",
        "batch=1",
        "--shape",
        "batch=2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`batch` twice"), "{}", stderr(&o));
    let o = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--shape", "seq=3"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a symbolic dim"), "{}", stderr(&o));
}

#[test]
fn user_errors_exit_1_with_a_message() {
    let o = edgecc(&["inspect", "no/such/file.eir"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no/such/file.eir"), "{}", stderr(&o));

    let dir = TempDir::new("errors");
    let bad = dir.write(
        "bad.eir",
        "graph g {\n  input %x: f32[2]\n  %y: f32[2] = Frobnicate(%x)\n  output %y\n}\n",
    );
    let o = edgecc(&["inspect", s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("line 3") && e.contains("Frobnicate"), "{e}");

    let latin1 = dir.write("latin1.eir", b"graph g {\n  ; caf\xe9\n}\n");
    let o = edgecc(&["inspect", s(&latin1)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not UTF-8") && stderr(&o).contains("offset 17"),
        "{}",
        stderr(&o)
    );

    let o = edgecc(&["run", "examples/mlp.eir", "--target", "jetson", "--random-inputs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown target `jetson`"), "{}", stderr(&o));

    let o = edgecc(&["run", "examples/mlp.eir"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--random-inputs"), "{}", stderr(&o));

    let o = edgecc(&["inspect", "README.md"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown model format"), "{}", stderr(&o));

    let o = edgecc(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn help_lists_subcommands_with_examples() {
    let o = edgecc(&["--help"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for sub in [
        "compile", "run", "inspect", "verify", "bench", "targets", "sign", "keygen",
    ] {
        assert!(out.contains(&format!("  {sub} ")), "{sub} missing from --help: {out}");
        let o = edgecc(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help failed");
        assert!(
            stdout(&o).contains(&format!("Examples:\n  edgecc {sub}")),
            "{sub} --help has no examples: {}",
            stdout(&o)
        );
    }
    let o = edgecc(&["run", "--help"]);
    assert!(stdout(&o).contains("--random-inputs"));
    assert!(stdout(&o).contains("Examples:\n  edgecc run "), "{}", stdout(&o));
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mlp.eir").exists());
}

#[test]
fn tensors_over_the_memory_budget_are_refused_before_running() {
    let o = edgecc_env(
        &["run", "examples/mlp.eir", "--random-inputs"],
        &[("EDGECC_MAX_TENSOR_BYTES", "64")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("over the limit of 64") && e.contains("--shape"), "{e}");
}
