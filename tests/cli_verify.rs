//! `edgecc verify` on the `lavapipe` target (Mesa's software Vulkan device, installed by
//! `scripts/setup.sh`) against the reference interpreter: passing models at f32 and f16, the JSON
//! report, a failing comparison (exit 1), and the user-error paths of `verify`, `run` and `bench`
//! (missing or malformed model files, unsupported ops, bad flags, missing inputs, unknown targets).

mod common;

use common::{edgecc, encode_model, float_input, node, s, stderr, stdout, stdout_json, untyped_output, TempDir};
use edgecc_ir::{DType, TensorData};
use edgecc_onnx::proto::GraphProto;

const MODELS: [&str; 2] = ["examples/transformer_block.eir", "examples/mlp.eir"];

#[test]
fn examples_verify_on_lavapipe_at_f32_and_f16() {
    for model in MODELS {
        for (precision, atol) in [("f32", 1e-4), ("f16", 2e-2)] {
            let o = edgecc(&[
                "verify",
                model,
                "--target",
                "lavapipe",
                "--precision",
                precision,
                "--seed",
                "5",
                "--json",
            ]);
            assert!(
                o.status.success(),
                "verify {model} at {precision} failed (is a Vulkan driver installed? run `bash scripts/setup.sh`):\n{}\n{}",
                stdout(&o),
                stderr(&o)
            );
            let doc = stdout_json(&o);
            assert_eq!(doc["ok"], true, "{doc}");
            assert_eq!(doc["precision"], precision, "{doc}");
            let outputs = doc["outputs"].as_object().expect("outputs by name");
            assert!(!outputs.is_empty(), "{doc}");
            for (name, out) in outputs {
                assert_eq!(out["ok"], true, "{name}: {out}");
                assert_eq!(out["atol"].as_f64(), Some(atol), "{name}: {out}");
                assert_eq!(out["mismatches"], 0, "{name}: {out}");
                let abs = out["max_abs_err"].as_f64().expect("max_abs_err is a number");
                let rel = out["max_rel_err"].as_f64().expect("max_rel_err is a number");
                assert!((0.0..=atol * 10.0).contains(&abs), "{name}: {out}");
                assert!(rel >= 0.0 && rel.is_finite(), "{name}: {out}");
                let shape: Vec<u64> = out["shape"]
                    .as_array()
                    .expect("shape")
                    .iter()
                    .map(|d| d.as_u64().expect("dim"))
                    .collect();
                let index = out["worst_index"].as_array().expect("worst_index");
                assert_eq!(index.len(), shape.len(), "one coordinate per dim: {out}");
                let mut flat = 0;
                for (i, d) in index.iter().zip(&shape) {
                    let i = i.as_u64().expect("coordinate");
                    assert!(i < *d, "{out}");
                    flat = flat * d + i;
                }
                assert_eq!(out["worst_flat_index"].as_u64(), Some(flat), "{out}");
                let e = out["expected"].as_f64().expect("expected value");
                let a = out["actual"].as_f64().expect("actual value");
                assert!(
                    (a - e).abs() <= abs + 1e-12,
                    "the worst element's error is at most max_abs_err: {out}"
                );
            }
        }
    }
}

#[test]
fn text_report_names_outputs_errors_and_the_worst_element() {
    let o = edgecc(&["verify", "examples/mlp.eir", "--target", "lavapipe"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("softmax: f32[4, 4]  ok"), "{out}");
    assert!(out.contains("max_abs_err ") && out.contains("max_rel_err "), "{out}");
    assert!(out.contains("tolerance atol 0.0001, rtol 0.0001"), "{out}");
    assert!(out.contains("worst element [") && out.contains("(flat "), "{out}");
    assert!(out.contains("expected ") && out.contains("actual "), "{out}");
    assert!(out.contains("ok: 1 output(s) of `mlp` on lavapipe"), "{out}");
}

#[test]
fn out_of_tolerance_exits_1_naming_the_output_and_worst_element() {
    let args = [
        "verify",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--precision",
        "f16",
        "--atol",
        "0",
        "--rtol",
        "0",
    ];
    let o = edgecc(&args);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("output `softmax` is out of tolerance"), "{e}");
    assert!(
        e.contains("worst element [") && e.contains("expected ") && e.contains("actual "),
        "{e}"
    );
    assert!(stdout(&o).contains("FAIL"), "{}", stdout(&o));

    let o = edgecc(&[&args[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc = stdout_json(&o);
    assert_eq!(doc["ok"], false, "{doc}");
    let out = &doc["outputs"]["softmax"];
    assert_eq!(out["ok"], false, "{doc}");
    assert!(out["mismatches"].as_u64().expect("mismatches") > 0, "{doc}");
    assert!(out["max_abs_err"].as_f64().expect("max_abs_err") > 0.0, "{doc}");
    assert_ne!(out["expected"], out["actual"], "{doc}");
}

#[test]
fn verify_reads_npy_inputs_and_binds_symbolic_dims() {
    let dir = TempDir::new("npy");
    let xs: Vec<f32> = (0..16).map(|i| (i as f32 - 7.5) * 0.2).collect();
    let x = TensorData::from_f32(DType::F32, vec![2, 8], &xs).expect("x");
    let file = dir.write("x.npy", edgecc::npy::encode_npy(&x));
    let input = format!("x={}", file.display());
    let o = edgecc(&[
        "verify",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--input",
        &input,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = stdout_json(&o);
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([2, 4]), "{doc}");
    // --shape alone (random inputs of that size).
    let o = edgecc(&[
        "verify",
        "examples/mlp.eir",
        "--target",
        "lavapipe",
        "--shape",
        "batch=3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout_json(&o)["outputs"]["softmax"]["shape"],
        serde_json::json!([3, 4])
    );
}

/// A well-formed ONNX model whose only node is an op the importer refuses.
fn unsupported_model() -> Vec<u8> {
    encode_model(GraphProto {
        name: Some("unsupported".into()),
        node: vec![node("NonZero", "nz", &["x"], &["y"])],
        input: vec![float_input("x", &[Ok(2), Ok(3)])],
        output: vec![untyped_output("y")],
        ..Default::default()
    })
}

/// Runs `args` and checks exit status 1 with every one of `needles` in stderr.
#[track_caller]
fn user_error(args: &[&str], needles: &[&str]) {
    let o = edgecc(args);
    let e = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?} should be a user error:\n{}\n{e}",
        stdout(&o)
    );
    for n in needles {
        assert!(e.contains(n), "{args:?}: stderr should name `{n}`:\n{e}");
    }
}

#[test]
fn user_errors_exit_1_naming_the_file_input_or_flag() {
    let dir = TempDir::new("errors");
    let garbage = dir.write(
        "garbage.onnx",
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01not a model",
    );
    let garbage = s(&garbage);
    let unsupported = dir.write("unsupported.onnx", unsupported_model());
    let unsupported = s(&unsupported);
    let mlp = "examples/mlp.eir";
    let lava = ["--target", "lavapipe"];

    for cmd in ["verify", "bench", "run"] {
        let with = |extra: &[&str]| -> Vec<String> {
            let mut v = vec![cmd.to_string()];
            v.extend(extra.iter().map(|s| s.to_string()));
            if cmd == "run" {
                v.push("--random-inputs".into());
            }
            v
        };
        let check = |extra: &[&str], needles: &[&str]| {
            let args = with(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            user_error(&args, needles);
        };
        check(
            &["/no/such/model.onnx", "--target", "lavapipe"],
            &["/no/such/model.onnx"],
        );
        check(&[garbage, "--target", "lavapipe"], &[garbage]);
        check(&[unsupported, "--target", "lavapipe"], &[unsupported, "NonZero"]);
        check(
            &[mlp, "--target", "lavapipe", "--shape", "batch=zero"],
            &["bad --shape", "batch=zero"],
        );
        check(&[mlp, "--target", "lavapipe", "--shape", "seq=2"], &["--shape", "seq"]);
        check(&[mlp, "--target", "metal"], &["unknown target `metal`"]);
        check(
            &[mlp, "--target", "lavapipe", "--input", "y=/no/such.npy"],
            &["`y`", "not a graph input"],
        );
        check(
            &[mlp, "--target", "lavapipe", "--input", "x=/no/such.npy"],
            &["/no/such.npy"],
        );
        check(
            &[mlp, "--target", "lavapipe", "--precision", "f8"],
            &["--precision", "f8"],
        );
    }
    // verify needs a device target, and a --target at all.
    user_error(
        &["verify", mlp, "--target", "reference"],
        &["verify compares a device target against the reference"],
    );
    user_error(&["verify", mlp], &["--target"]);
    user_error(&["bench", mlp], &["--target"]);
    user_error(
        &[&["verify", mlp][..], &lava[..], &["--atol", "-1"]].concat(),
        &["--atol"],
    );
    user_error(
        &[&["verify", mlp][..], &lava[..], &["--rtol", "nan"]].concat(),
        &["--rtol"],
    );
    // run without --random-inputs names the missing input and the flag.
    user_error(
        &["run", mlp, "--target", "lavapipe"],
        &["input `x` is not given", "--random-inputs"],
    );
}

#[test]
fn help_has_examples() {
    for cmd in ["verify", "bench"] {
        let o = edgecc(&[cmd, "--help"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(&format!("Examples:\n  edgecc {cmd} ")), "{out}");
    }
    let o = edgecc(&["--help"]);
    let out = stdout(&o);
    assert!(out.contains("verify") && out.contains("bench"), "{out}");
    let o = edgecc(&["run", "--help"]);
    let out = stdout(&o);
    assert!(out.contains("--iterations") && !out.contains("--repeat"), "{out}");
}
