//! CLI tests of zero-sized dims: a text graph of a decoder step whose `past` is symbolic (its
//! `Concat` with the new keys infers only once `past` is given) runs with `--shape past=0`
//! (an empty past KV) and `--shape past=3` on the reference interpreter and on `lavapipe`
//! (Mesa's software Vulkan device), with the same outputs, and compiles to a binary that runs.

mod common;

use common::{edgecc, ok, s, TempDir};
use std::path::Path;

const DECODER: &str = "graph decoder_step {
  input %q: f32[1, 2, 4, 8]
  input %k: f32[1, 2, 4, 8]
  input %v: f32[1, 2, 4, 8]
  input %past_key: f32[1, 2, past<=16, 8]
  input %past_value: f32[1, 2, past<=16, 8]
  %present_key = Concat<axis=2>(%past_key, %k)
  %present_value = Concat<axis=2>(%past_value, %v)
  %a = Attention<causal=true>(%q, %present_key, %present_value)
  output %a
  output %present_key
  output %present_value
}
";

fn read_npy(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let t = edgecc::npy::decode_npy(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (t.shape().to_vec(), t.to_f64_vec())
}

#[test]
fn decoder_step_with_an_empty_past_runs_on_reference_and_lavapipe() {
    let dir = TempDir::new("zero-dims");
    let model = dir.write("decoder_step.eir", DECODER);
    for past in ["0", "3"] {
        let shape = format!("past={past}");
        let mut outs = Vec::new();
        for target in ["reference", "lavapipe"] {
            let out = dir.join(&format!("{target}-{past}"));
            let args = [
                "run",
                s(&model),
                "--shape",
                &shape,
                "--random-inputs",
                "--target",
                target,
            ];
            ok(&edgecc(&[&args[..], &["--output-dir", s(&out)]].concat()), "edgecc run");
            outs.push(out);
        }
        let total = 4 + past.parse::<usize>().unwrap();
        for (name, dims) in [
            ("a", [1, 2, 4, 8]),
            ("present_key", [1, 2, total, 8]),
            ("present_value", [1, 2, total, 8]),
        ] {
            let (rs, rv) = read_npy(&outs[0].join(format!("{name}.npy")));
            let (gs, gv) = read_npy(&outs[1].join(format!("{name}.npy")));
            assert_eq!(rs, dims, "{name} with past {past}");
            assert_eq!(gs, dims, "{name} with past {past}");
            for (g, r) in gv.iter().zip(&rv) {
                assert!(
                    (g - r).abs() <= 1e-5 + 1e-4 * r.abs(),
                    "{name} with past {past}: {g} vs {r}"
                );
            }
        }
    }
    // Compiled with the empty past, the binary runs (its inputs include 0-byte tensors).
    let bin = dir.join("decoder_step.edgebin");
    let compile = [
        "compile",
        s(&model),
        "--shape",
        "past=0",
        "--target",
        "lavapipe",
        "-o",
        s(&bin),
    ];
    ok(&edgecc(&compile), "edgecc compile");
    let out = ok(&edgecc(&["run", s(&bin), "--random-inputs"]), "edgecc run BINARY");
    assert!(out.contains("present_key: f32[1, 2, 4, 8]"), "{out}");
    // Without a value for `past`, the error says to specialize it.
    let err = edgecc(&["compile", s(&model), "--target", "lavapipe", "-o", s(&bin)]);
    assert!(!err.status.success());
    assert!(common::stderr(&err).contains("specialize"), "{}", common::stderr(&err));
}
