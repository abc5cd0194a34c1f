//! `edgecc compile --dynamic NAME`: one binary runs at any size of the dim up to its bound,
//! each size close to the reference interpreter; a size over the bound is an error naming the
//! input and the dim; `--shape NAME<=N` sets the bound; `inspect` shows the dim as dynamic.

use super::{assert_close, compile, example, json, user_error, write_npy};
use crate::common::{edgecc, ok, s, stdout, TempDir};

#[test]
fn a_dynamic_binary_runs_at_every_size_up_to_its_bound() {
    let dir = TempDir::new("dynamic");
    let model = example("mlp.eir");
    let bin = dir.join("mlp.edgebin");
    // mlp's `batch<=4` stays dynamic, bounded at 3.
    compile(&model, "lavapipe", &bin, &["--dynamic", "batch", "--shape", "batch<=3"]);
    for batch in [1usize, 2, 3] {
        let x = dir.join(&format!("x{batch}.npy"));
        let xs: Vec<f32> = (0..batch * 8).map(|i| ((i * 7 % 19) as f32 - 9.0) / 5.0).collect();
        write_npy(&x, vec![batch, 8], &xs);
        let input = format!("x={}", s(&x));
        let (a, c) = (
            dir.join(&format!("binary{batch}")),
            dir.join(&format!("reference{batch}")),
        );
        let o = edgecc(&["run", s(&bin), "--input", &input, "--output-dir", s(&a), "--json"]);
        let doc = json(&o, &format!("run the dynamic binary at batch {batch}"));
        assert_eq!(
            doc["outputs"]["softmax"]["shape"],
            serde_json::json!([batch, 4]),
            "{doc}"
        );
        ok(
            &edgecc(&["run", s(&model), "--input", &input, "--output-dir", s(&c)]),
            "run the model on the reference",
        );
        assert_close(&a, &c, 1e-4, &format!("mlp, dynamic batch at {batch}"));
    }
    // Over the bound: the input and the dim are named.
    let x = dir.join("x4.npy");
    write_npy(&x, vec![4, 8], &[0.25; 32]);
    let o = edgecc(&["run", s(&bin), "--input", &format!("x={}", s(&x))]);
    let e = user_error(&o, "run the dynamic binary over its bound");
    assert!(e.contains("`x`") && e.contains("batch") && e.contains('3'), "{e}");
    // `inspect` shows the dim as dynamic with its bound.
    let o = edgecc(&["inspect", s(&bin)]);
    let text = ok(&o, "inspect the dynamic binary");
    assert!(text.contains("batch (dynamic, <= 3)"), "{}", stdout(&o));
}

/// `run --shape NAME=VALUE` on a dynamic binary sizes its random inputs (any size up to the
/// bound); a static dim, an unknown dim or a size over the bound is an error naming it.
#[test]
fn shape_sizes_the_random_inputs_of_a_dynamic_binary() {
    let dir = TempDir::new("dynamic-shape");
    let model = example("mlp.eir");
    let (bin, fixed) = (dir.join("mlp.edgebin"), dir.join("mlp-static.edgebin"));
    compile(&model, "lavapipe", &bin, &["--dynamic", "batch", "--shape", "batch<=3"]);
    for batch in [1usize, 2] {
        let shape = format!("batch={batch}");
        let o = edgecc(&["run", s(&bin), "--random-inputs", "--shape", &shape, "--json"]);
        let doc = json(&o, &format!("run the dynamic binary with --shape {shape}"));
        assert_eq!(
            doc["outputs"]["softmax"]["shape"],
            serde_json::json!([batch, 4]),
            "{doc}"
        );
    }
    let e = user_error(
        &edgecc(&["run", s(&bin), "--random-inputs", "--shape", "batch=4"]),
        "--shape over the bound",
    );
    assert!(e.contains("batch=4") && e.contains("bound 3"), "{e}");
    let e = user_error(
        &edgecc(&["run", s(&bin), "--random-inputs", "--shape", "seq=2"]),
        "--shape of a dim the binary lacks",
    );
    assert!(e.contains("`seq`") && e.contains("batch<=3"), "{e}");
    compile(&model, "lavapipe", &fixed, &[]);
    let e = user_error(
        &edgecc(&["run", s(&fixed), "--random-inputs", "--shape", "batch=1"]),
        "--shape on a static binary",
    );
    assert!(e.contains("`batch`") && e.contains("it has none"), "{e}");
}

#[test]
fn dynamic_flags_that_do_not_fit_the_model_are_errors_naming_them() {
    let dir = TempDir::new("dynamic-errors");
    let model = example("mlp.eir");
    let bin = dir.join("mlp.edgebin");
    let run = |extra: &[&str]| {
        let mut args = vec!["compile", s(&model), "--target", "lavapipe", "-o", s(&bin)];
        args.extend_from_slice(extra);
        edgecc(&args)
    };
    let e = user_error(&run(&["--dynamic", "seq"]), "--dynamic of a dim the model lacks");
    assert!(e.contains("`seq`") && e.contains("batch"), "{e}");
    let e = user_error(&run(&["--shape", "batch<=2"]), "a bound without --dynamic");
    assert!(e.contains("--dynamic batch"), "{e}");
    let e = user_error(
        &run(&["--dynamic", "batch", "--shape", "batch<=9"]),
        "a bound over the model's",
    );
    assert!(e.contains("batch") && e.contains('9') && e.contains('4'), "{e}");
    assert!(!bin.exists(), "a failed compile writes no binary");
}

/// An ONNX model's `dim_param` kept dynamic, with a bound over the importer's default (4096):
/// one binary runs at several sizes, each close to the reference.
#[test]
fn an_onnx_dim_param_stays_dynamic_with_its_given_bound() {
    let dir = TempDir::new("dynamic-onnx");
    let model = dir.join("tiny.onnx");
    std::fs::write(&model, super::onnx::linear_relu()).expect("write model");
    let bin = dir.join("tiny.edgebin");
    compile(&model, "lavapipe", &bin, &["--dynamic", "seq", "--shape", "seq<=5000"]);
    let o = edgecc(&["inspect", s(&bin)]);
    let text = ok(&o, "inspect the dynamic ONNX binary");
    assert!(text.contains("seq (dynamic, <= 5000)"), "{text}");
    // Its GEMM over M = seq is one variant per range of M, each with its schedule.
    for range in [
        "runs at seq in 0..=16",
        "runs at seq in 17..=32",
        "runs at seq in 33..=5000",
    ] {
        assert!(text.contains(range), "{text}");
    }
    for seq in [1usize, 3, 4097] {
        let x = dir.join(&format!("x{seq}.npy"));
        let xs: Vec<f32> = (0..seq * 4).map(|i| ((i * 5 % 11) as f32 - 5.0) / 3.0).collect();
        write_npy(&x, vec![1, seq, 4], &xs);
        let input = format!("x={}", s(&x));
        let (a, c) = (dir.join(&format!("binary{seq}")), dir.join(&format!("reference{seq}")));
        ok(
            &edgecc(&["run", s(&bin), "--input", &input, "--output-dir", s(&a)]),
            &format!("run the dynamic ONNX binary at seq {seq}"),
        );
        ok(
            &edgecc(&[
                "run",
                s(&model),
                "--target",
                "reference",
                "--input",
                &input,
                "--output-dir",
                s(&c),
            ]),
            "run the model on the reference",
        );
        assert_close(&a, &c, 1e-4, &format!("tiny ONNX model, dynamic seq at {seq}"));
    }
}
