//! CLI: `edgecc targets`, and `edgecc run` on the local Vulkan device (lavapipe in CI): outputs
//! match the reference target, and bad device arguments are clear errors (exit 1).

mod common;

use common::{edgecc, s, stderr, stdout, TempDir};

#[test]
fn targets_lists_profiles_and_an_adapter() {
    let o = edgecc(&["targets"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("lavapipe") && out.contains("orin-nano"), "{out}");
    assert!(
        out.contains("0: "),
        "no Vulkan adapter listed (install mesa-vulkan-drivers):\n{out}"
    );
    let o = edgecc(&["targets", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(!v["adapters"].as_array().unwrap().is_empty());
}

/// `sum=` of each output line, in order.
fn sums(out: &str) -> Vec<f64> {
    out.lines()
        .filter_map(|l| l.split(" sum=").nth(1))
        .map(|s| s.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn run_on_the_local_device_matches_the_reference() {
    let reference = edgecc(&["run", "examples/mlp.eir", "--random-inputs", "--seed", "4"]);
    assert!(reference.status.success(), "{}", stderr(&reference));
    for target in ["lavapipe", "auto"] {
        let o = edgecc(&[
            "run",
            "examples/mlp.eir",
            "--target",
            target,
            "--random-inputs",
            "--seed",
            "4",
            "--profile",
        ]);
        assert!(o.status.success(), "{target}: {}", stderr(&o));
        let out = stdout(&o);
        let (a, b) = (sums(&stdout(&reference)), sums(&out));
        assert_eq!(a.len(), b.len(), "{out}");
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-4 * x.abs().max(1.0),
                "{target}: sum {y} vs reference {x}"
            );
        }
        assert!(
            out.contains("profile (") && out.contains(" us  k"),
            "{target}: no profile table:\n{out}"
        );
    }
}

#[test]
fn bad_device_arguments_are_errors() {
    let cases: [(&[&str], &str); 4] = [
        (&["--target", "lavapipe", "--precision", "f64"], "bad --precision `f64`"),
        (
            &["--target", "wgsl", "--adapter", "no-such-gpu"],
            "no adapter matches `no-such-gpu`",
        ),
        (&["--target", "metal"], "unknown target `metal`"),
        (&["--target", "lavapipe", "--shape", "batch=9"], "exceeds its bound"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["run", "examples/mlp.eir", "--random-inputs"];
        args.extend_from_slice(extra);
        let o = edgecc(&args);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
    }
}

#[test]
fn i64_input_outside_i32_is_a_range_error() {
    let dir = TempDir::new("ids");
    let model = dir.write(
        "ids.eir",
        "graph g {\n  input %ids: i64[3]\n  %y: i64[3] = Neg(%ids)\n  output %y\n}\n",
    );
    let ids = edgecc_ir::TensorData::from_i64(edgecc_ir::DType::I64, vec![3], &[1, 5_000_000_000, 2]).unwrap();
    let npy = dir.write("ids.npy", edgecc::npy::encode_npy(&ids));
    let input = format!("ids={}", npy.display());
    let o = edgecc(&["run", s(&model), "--target", "lavapipe", "--input", &input]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("element 1 is 5000000000") && err.contains("ids"), "{err}");
}
