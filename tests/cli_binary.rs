//! CLI tests of the device-binary commands: `edgecc compile` (a model to an `.edgebin` for a
//! target profile, `--json`, `--emit`), `edgecc run FILE.edgebin` (bit-identical to running the
//! model on the same device, close to the reference interpreter, f16), binaries for devices this
//! machine lacks, `keygen`/`sign`/`run --verify-key`, corrupted and truncated binaries, the error
//! paths (exit 1 naming the problem, never 2, never a panic), `bench` on a binary, and atomic
//! writes.
//!
//! WGSL runs use Mesa's lavapipe Vulkan device (installed by `scripts/setup.sh`, present in CI):
//! these tests fail, not skip, when there is no adapter.

mod common;
#[path = "cli_binary/dynamic.rs"]
mod dynamic;
#[path = "cli_binary/layout.rs"]
mod layout;
#[path = "cli_binary/onnx.rs"]
mod onnx;

use common::{edgecc, edgecc_env, json, ok, s, stderr, stdout, TempDir};
use edgecc_ir::{DType, TensorData};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Asserts a user error: exit code 1, an `error: ` message, no panic and no internal error.
/// Returns stderr.
#[track_caller]
fn user_error(o: &Output, what: &str) -> String {
    let e = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}: expected exit 1 (user error)\nstderr:\n{e}\nstdout:\n{}",
        stdout(o)
    );
    assert!(
        !e.contains("panicked") && !e.contains("internal error") && !e.contains("RUST_BACKTRACE"),
        "{what}: a user error must not be reported as a panic or an internal error:\n{e}"
    );
    assert!(e.contains("error"), "{what}: no error message:\n{e}");
    e
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

/// Copies `examples/NAME` into `dir` and returns the copy's path.
fn copy_example(dir: &TempDir, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(example(name), &to).expect("copy the example");
    to
}

/// `edgecc compile MODEL --target TARGET -o OUT --json EXTRA...`: asserts success, returns the
/// JSON report.
#[track_caller]
fn compile(model: &Path, target: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["compile", s(model), "--target", target, "-o", s(out), "--json"];
    args.extend_from_slice(extra);
    let doc = json(
        &edgecc(&args),
        &format!("compile {} --target {target}", model.display()),
    );
    assert!(out.is_file(), "compile reported success but wrote no {}", out.display());
    doc
}

/// The file names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every `.npy` in `dir` by file name, as raw bytes.
fn npy_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".npy"))
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).expect("read .npy");
            (n, bytes)
        })
        .collect()
}

fn decode(name: &str, bytes: &[u8]) -> TensorData {
    edgecc::npy::decode_npy(bytes).unwrap_or_else(|e| panic!("{name}: not a valid .npy: {e}"))
}

/// Asserts that the `.npy` outputs in `got` and `want` have the same names and shapes and agree
/// within `tol` (absolute, plus `tol` relative).
#[track_caller]
fn assert_close(got: &Path, want: &Path, tol: f64, what: &str) {
    let (g, w) = (npy_files(got), npy_files(want));
    assert!(!w.is_empty(), "{what}: the reference wrote no outputs");
    assert_eq!(
        g.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>(),
        "{what}: output files"
    );
    for (name, wb) in &w {
        let (gt, wt) = (decode(name, &g[name]), decode(name, wb));
        assert_eq!(gt.shape(), wt.shape(), "{what}: {name} shape");
        let (gv, wv) = (gt.to_f64_vec(), wt.to_f64_vec());
        for (k, (a, b)) in gv.iter().zip(&wv).enumerate() {
            assert!(a.is_finite(), "{what}: {name}[{k}] = {a}");
            assert!(
                (a - b).abs() <= tol + tol * b.abs(),
                "{what}: {name}[{k}]: got {a}, reference {b}"
            );
        }
        assert!(gv.iter().any(|v| *v != 0.0), "{what}: {name} is all zeros");
    }
}

/// `edgecc run ARGS... --random-inputs --seed 3 --output-dir DIR`; asserts success.
#[track_caller]
fn run_to(dir: &Path, args: &[&str]) {
    let mut a = args.to_vec();
    a.extend_from_slice(&["--random-inputs", "--seed", "3", "--output-dir", s(dir)]);
    ok(&edgecc(&a), &a.join(" "));
}

/// The hex public key in a `.pub` file written by `edgecc keygen`.
fn public_hex(pub_file: &Path) -> String {
    let text = std::fs::read_to_string(pub_file).expect("read the public key");
    let mut words = text.split_whitespace();
    assert_eq!(words.next(), Some("edgecc-ed25519-public-key"), "{text}");
    let hex = words.next().expect("the key").to_string();
    assert_eq!(hex.len(), 64, "{text}");
    hex
}

/// Temporary files `write_atomic` would leave: `.NAME.*.tmp`.
fn stray_temp_files(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect()
}

fn write_npy(path: &Path, shape: Vec<usize>, values: &[f32]) {
    let t = TensorData::from_f32(DType::F32, shape, values).expect("tensor");
    std::fs::write(path, edgecc::npy::encode_npy(&t)).expect("write .npy");
}

// ---------------------------------------------------------------------------------------------
// 1. compile
// ---------------------------------------------------------------------------------------------

#[test]
fn compile_writes_a_binary_next_to_the_model_and_reports_it_as_json() {
    let dir = TempDir::new("compile");
    // The f32 weights each model declares (its `const`s).
    for (name, weight_floats) in [("transformer_block.eir", 8544), ("mlp.eir", 8 * 16 + 16 + 16 * 4 + 4)] {
        let model = copy_example(&dir, name);
        let o = edgecc(&["compile", s(&model), "--target", "lavapipe", "--json"]);
        let doc = json(&o, &format!("compile {name}"));
        let out = model.with_extension("edgebin");
        assert_eq!(doc["output"], s(&out), "{name}: default output path: {doc}");
        let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        assert_eq!(&bytes[..8], b"EDGEBIN\0", "{name}: magic");
        assert_eq!(doc["bytes"].as_u64(), Some(bytes.len() as u64), "{name}: {doc}");
        assert_eq!(doc["target"], "lavapipe", "{doc}");
        assert_eq!(doc["precision"], "f32", "{doc}");
        let dispatches = doc["dispatches"].as_u64().expect("dispatches");
        let shaders = doc["shaders"].as_u64().expect("shaders");
        assert!(dispatches >= 2, "{name}: {doc}");
        assert!(shaders >= 1 && shaders <= dispatches, "{name}: {doc}");
        let weight_bytes = doc["weight_bytes"].as_u64().expect("weight_bytes");
        assert!(
            weight_bytes >= 4 * weight_floats as u64,
            "{name}: weight_bytes {weight_bytes} < the model's {weight_floats} f32 weights: {doc}"
        );
        assert!(
            weight_bytes < bytes.len() as u64,
            "{name}: the weights are in the file: {doc}"
        );
        assert!(doc["arena_bytes"].as_u64().is_some_and(|a| a > 0), "{name}: {doc}");
        assert!(doc["compile_ms"].as_f64().is_some_and(|t| t > 0.0), "{name}: {doc}");
        assert_eq!(doc["emitted"], serde_json::json!([]), "{doc}");
    }
    // Without --json: one line naming the file and the target.
    let model = dir.join("mlp.eir");
    let out = dir.join("named.edgebin");
    let o = edgecc(&["compile", s(&model), "--target", "lavapipe", "-o", s(&out)]);
    let text = ok(&o, "compile -o");
    assert!(
        text.starts_with(&format!("wrote {}", out.display())) && text.contains("target lavapipe"),
        "{text}"
    );
    // Compiling is deterministic: the same model gives the same bytes.
    assert_eq!(
        std::fs::read(&out).expect("named"),
        std::fs::read(dir.join("mlp.edgebin")).expect("default"),
        "two compiles of the same model differ"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. round trip through the CLI
// ---------------------------------------------------------------------------------------------

#[test]
fn a_binary_runs_bit_identical_to_the_model_on_the_device_and_close_to_the_reference() {
    let dir = TempDir::new("roundtrip");
    for name in ["transformer_block.eir", "mlp.eir"] {
        let model = example(name);
        let bin = dir.join(&format!("{name}.edgebin"));
        compile(&model, "lavapipe", &bin, &[]);
        let (a, b, c) = (
            dir.join(&format!("{name}-binary")),
            dir.join(&format!("{name}-model")),
            dir.join(&format!("{name}-reference")),
        );
        run_to(&a, &["run", s(&bin)]);
        run_to(&b, &["run", s(&model), "--target", "lavapipe"]);
        run_to(&c, &["run", s(&model), "--target", "reference"]);
        let (fa, fb) = (npy_files(&a), npy_files(&b));
        assert!(!fa.is_empty(), "{name}: the binary's run wrote no outputs");
        assert_eq!(
            fa.keys().collect::<Vec<_>>(),
            fb.keys().collect::<Vec<_>>(),
            "{name}: output files"
        );
        for (file, bytes) in &fa {
            assert!(
                bytes == &fb[file],
                "{name}: {file} from the binary differs from the model run on lavapipe"
            );
        }
        assert_close(&a, &c, 1e-4, &format!("{name}: binary vs reference"));
        assert!(stray_temp_files(&a).is_empty(), "{:?}", names_in(&a));
    }
}

#[test]
fn a_binary_takes_npy_inputs_of_its_compiled_shape() {
    let dir = TempDir::new("npy-inputs");
    let model = example("mlp.eir");
    let bin = dir.join("mlp.edgebin");
    // No --shape: the symbolic dim `batch` takes its bound, 4.
    compile(&model, "lavapipe", &bin, &[]);
    let x = dir.join("x.npy");
    let xs: Vec<f32> = (0..32).map(|i| (i as f32 - 15.5) / 8.0).collect();
    write_npy(&x, vec![4, 8], &xs);
    let input = format!("x={}", s(&x));
    let (a, c) = (dir.join("binary"), dir.join("reference"));
    let o = edgecc(&["run", s(&bin), "--input", &input, "--output-dir", s(&a), "--json"]);
    let doc = json(&o, "run the binary with --input");
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([4, 4]), "{doc}");
    assert_eq!(doc["target"], "lavapipe", "{doc}");
    assert!(doc["device"].is_string(), "{doc}");
    let o = edgecc(&["run", s(&model), "--input", &input, "--output-dir", s(&c)]);
    ok(&o, "run the model on the reference");
    assert_close(&a, &c, 1e-4, "mlp with a .npy input");

    // An input of another shape names the input and the shape it was compiled for.
    let wrong = dir.join("wrong.npy");
    write_npy(&wrong, vec![3, 8], &[0.5; 24]);
    let o = edgecc(&["run", s(&bin), "--input", &format!("x={}", s(&wrong))]);
    let e = user_error(&o, "run with an input of the wrong shape");
    assert!(
        e.contains("`x`") && e.contains("[4, 8]") && e.contains("batch=4"),
        "{e}"
    );
    // An input the binary does not have.
    let o = edgecc(&["run", s(&bin), "--input", &format!("y={}", s(&x))]);
    let e = user_error(&o, "run with an unknown input");
    assert!(e.contains("`y`") && e.contains("x"), "{e}");
    // A missing .npy file.
    let missing = dir.join("missing.npy");
    let o = edgecc(&["run", s(&bin), "--input", &format!("x={}", s(&missing))]);
    let e = user_error(&o, "run with a missing .npy");
    assert!(e.contains(s(&missing)), "{e}");
    // No input and no --random-inputs.
    let o = edgecc(&["run", s(&bin)]);
    let e = user_error(&o, "run a binary without its input");
    assert!(e.contains("input `x` is not given"), "{e}");
    // --shape and --precision were fixed at compile time: run refuses them for a binary.
    let o = edgecc(&["run", s(&bin), "--random-inputs", "--shape", "batch=2"]);
    let e = user_error(&o, "run a binary with --shape");
    assert!(e.contains("--shape") && e.contains(s(&bin)), "{e}");
    let o = edgecc(&["run", s(&bin), "--random-inputs", "--precision", "f16"]);
    let e = user_error(&o, "run a binary with --precision");
    assert!(e.contains("--precision"), "{e}");
}

#[test]
fn an_onnx_models_binary_matches_the_reference() {
    let dir = TempDir::new("onnx");
    let model = dir.join("tiny.onnx");
    std::fs::write(&model, onnx::linear_relu()).expect("write model");
    let bin = dir.join("tiny.edgebin");
    let doc = compile(&model, "lavapipe", &bin, &[]);
    assert_eq!(doc["dispatches"].as_u64().map(|d| d >= 1), Some(true), "{doc}");
    let (a, c) = (dir.join("binary"), dir.join("reference"));
    run_to(&a, &["run", s(&bin)]);
    run_to(&c, &["run", s(&model), "--target", "reference"]);
    assert_close(&a, &c, 1e-4, "tiny ONNX model: binary vs reference");
}

/// `compile --shape NAME=N` binds a symbolic dim: the binary runs on that shape, and an input of
/// another shape is refused naming the value it was compiled for.
#[test]
fn compile_with_shape_binds_symbolic_dims() {
    let dir = TempDir::new("compile-shape");
    // A .eir model: mlp's `batch<=4` at 2.
    let model = example("mlp.eir");
    let bin = dir.join("mlp.edgebin");
    compile(&model, "lavapipe", &bin, &["--shape", "batch=2"]);
    let x = dir.join("x.npy");
    let xs: Vec<f32> = (0..16).map(|i| (i as f32 - 7.5) / 8.0).collect();
    write_npy(&x, vec![2, 8], &xs);
    let input = format!("x={}", s(&x));
    let (a, c) = (dir.join("binary"), dir.join("reference"));
    let o = edgecc(&["run", s(&bin), "--input", &input, "--output-dir", s(&a), "--json"]);
    let doc = json(&o, "run the batch=2 binary");
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([2, 4]), "{doc}");
    ok(
        &edgecc(&["run", s(&model), "--input", &input, "--output-dir", s(&c)]),
        "run the model on the reference",
    );
    assert_close(&a, &c, 1e-4, "mlp batch=2");
    let wrong = dir.join("wrong.npy");
    write_npy(&wrong, vec![4, 8], &[0.5; 32]);
    let o = edgecc(&["run", s(&bin), "--input", &format!("x={}", s(&wrong))]);
    let e = user_error(&o, "run the batch=2 binary on batch 4");
    assert!(
        e.contains("`x`") && e.contains("[2, 8]") && e.contains("batch=2"),
        "{e}"
    );

    // An ONNX model: `seq` at 3.
    let model = dir.join("tiny.onnx");
    std::fs::write(&model, onnx::linear_relu()).expect("write model");
    let bin = dir.join("tiny.edgebin");
    compile(&model, "lavapipe", &bin, &["--shape", "seq=3"]);
    let x = dir.join("x3.npy");
    let xs: Vec<f32> = (0..12).map(|i| (i as f32 - 5.5) * 0.3).collect();
    write_npy(&x, vec![1, 3, 4], &xs);
    let out = dir.join("out");
    let o = edgecc(&[
        "run",
        s(&bin),
        "--input",
        &format!("x={}", s(&x)),
        "--output-dir",
        s(&out),
    ]);
    ok(&o, "run the ONNX model's seq=3 binary");
    let y = decode("y.npy", &std::fs::read(out.join("y.npy")).expect("y.npy written"));
    assert_eq!(y.shape(), &[1, 3, 3]);
    let got = y.to_f64_vec();
    for r in 0..3 {
        for c in 0..3 {
            let v: f32 = (0..4).map(|k| xs[r * 4 + k] * onnx::W[k * 3 + c]).sum::<f32>() + onnx::B[c];
            let want = f64::from(v.max(0.0));
            assert!((got[r * 3 + c] - want).abs() < 1e-5, "y[{r}][{c}]: {got:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. f16
// ---------------------------------------------------------------------------------------------

#[test]
fn an_f16_binary_runs_close_to_the_reference() {
    let dir = TempDir::new("f16");
    for name in ["transformer_block.eir", "mlp.eir"] {
        let model = example(name);
        let (b32, b16) = (
            dir.join(&format!("{name}.f32.edgebin")),
            dir.join(&format!("{name}.f16.edgebin")),
        );
        let d32 = compile(&model, "lavapipe", &b32, &[]);
        let d16 = compile(&model, "lavapipe", &b16, &["--precision", "f16"]);
        assert_eq!(d16["precision"], "f16", "{d16}");
        assert!(
            d16["weight_bytes"].as_u64() < d32["weight_bytes"].as_u64(),
            "f16 weights are smaller: {d16} vs {d32}"
        );
        let (a, c) = (dir.join(&format!("{name}-f16")), dir.join(&format!("{name}-reference")));
        run_to(&a, &["run", s(&b16)]);
        run_to(&c, &["run", s(&model)]);
        assert_close(&a, &c, 2e-2, &format!("{name}: f16 binary vs reference"));
    }
    let o = edgecc(&[
        "compile",
        s(&example("mlp.eir")),
        "--target",
        "lavapipe",
        "--precision",
        "f64",
        "-o",
        s(&dir.join("f64.edgebin")),
    ]);
    let e = user_error(&o, "compile --precision f64");
    assert!(e.contains("f64"), "{e}");
    assert!(!dir.join("f64.edgebin").exists());
}

// ---------------------------------------------------------------------------------------------
// 4. targets
// ---------------------------------------------------------------------------------------------

fn names_local_device(e: &str) -> bool {
    e.contains("lavapipe") || e.contains("llvmpipe")
}

#[test]
fn binaries_for_other_devices_compile_here_and_are_refused_at_run_time() {
    let dir = TempDir::new("targets");
    let model = example("mlp.eir");
    let mut sizes = Vec::new();
    for target in ["adreno-740", "mali-g715", "apple-m2"] {
        let bin = dir.join(&format!("{target}.edgebin"));
        let doc = compile(&model, target, &bin, &[]);
        assert_eq!(doc["target"], target, "{doc}");
        sizes.push(doc["bytes"].as_u64());
    }
    let adreno = dir.join("adreno-740.edgebin");
    let o = edgecc(&["run", s(&adreno), "--random-inputs"]);
    let e = user_error(&o, "run an adreno-740 binary on this machine");
    assert!(e.contains("adreno-740") && names_local_device(&e), "{e}");
    assert!(e.contains(s(&adreno)) || e.contains("binary"), "{e}");
    let o = edgecc(&["run", s(&adreno), "--random-inputs", "--target", "auto"]);
    let e = user_error(&o, "run an adreno-740 binary with --target auto");
    assert!(e.contains("adreno-740") && names_local_device(&e), "{e}");
    let o = edgecc(&["bench", s(&adreno), "--iterations", "1"]);
    let e = user_error(&o, "bench an adreno-740 binary");
    assert!(e.contains("adreno-740"), "{e}");

    // A lavapipe binary asked to run on another profile names both.
    let lavapipe = dir.join("lavapipe.edgebin");
    compile(&model, "lavapipe", &lavapipe, &[]);
    let o = edgecc(&["run", s(&lavapipe), "--random-inputs", "--target", "mali-g715"]);
    let e = user_error(&o, "run a lavapipe binary with --target mali-g715");
    assert!(e.contains("mali-g715") && e.contains("lavapipe"), "{e}");
    let o = edgecc(&["run", s(&lavapipe), "--random-inputs", "--target", "reference"]);
    let e = user_error(&o, "run a binary on the reference");
    assert!(e.contains("reference"), "{e}");
    let o = edgecc(&["run", s(&lavapipe), "--random-inputs", "--target", "orin-nano"]);
    let e = user_error(&o, "run a binary with --target orin-nano");
    assert!(e.to_lowercase().contains("cuda"), "{e}");

    // A CUDA profile, the reference interpreter and an unknown target do not compile.
    let out = dir.join("never.edgebin");
    let o = edgecc(&["compile", s(&model), "--target", "orin-nano", "-o", s(&out)]);
    let e = user_error(&o, "compile --target orin-nano");
    assert!(e.contains("orin-nano") && e.to_lowercase().contains("cuda"), "{e}");
    let o = edgecc(&["compile", s(&model), "--target", "reference", "-o", s(&out)]);
    let e = user_error(&o, "compile --target reference");
    assert!(e.contains("reference"), "{e}");
    let o = edgecc(&["compile", s(&model), "--target", "tpu-9000", "-o", s(&out)]);
    let e = user_error(&o, "compile --target tpu-9000");
    assert!(e.contains("unknown target `tpu-9000`"), "{e}");
    let o = edgecc(&["compile", s(&model), "-o", s(&out)]);
    let e = user_error(&o, "compile without --target");
    assert!(e.contains("--target"), "{e}");
    assert!(!out.exists(), "a failed compile wrote {}", out.display());

    // `auto` compiles for the local device, whose profile is lavapipe here.
    let auto = dir.join("auto.edgebin");
    let doc = compile(&model, "auto", &auto, &[]);
    assert!(names_local_device(doc["target"].as_str().unwrap_or("")), "{doc}");
    ok(&edgecc(&["run", s(&auto), "--random-inputs"]), "run the auto binary");
}

// ---------------------------------------------------------------------------------------------
// 5. signing
// ---------------------------------------------------------------------------------------------

#[test]
fn signed_binaries_run_only_with_their_publishers_key() {
    let dir = TempDir::new("signing");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    let unsigned = std::fs::read(&bin).expect("binary");

    // keygen writes both files and never overwrites an existing secret key.
    let key = dir.join("publisher.key");
    let key_pub = dir.join("publisher.key.pub");
    let text = ok(&edgecc(&["keygen", s(&key)]), "keygen");
    let secret = std::fs::read_to_string(&key).expect("secret key written");
    assert!(secret.starts_with("edgecc-ed25519-secret-key "), "{secret}");
    let hex = public_hex(&key_pub);
    assert!(text.contains(&hex[..16]), "keygen names the key id: {text}");
    let o = edgecc(&["keygen", s(&key)]);
    let e = user_error(&o, "keygen over an existing key");
    assert!(e.contains(s(&key)) && e.contains("overwritten"), "{e}");
    // `--force` does not overwrite it either (it is not an option, or it is refused).
    user_error(
        &edgecc(&["keygen", s(&key), "--force"]),
        "keygen --force over an existing key",
    );
    assert_eq!(
        std::fs::read_to_string(&key).expect("key"),
        secret,
        "keygen overwrote the secret key"
    );
    assert_eq!(public_hex(&key_pub), hex, "keygen overwrote the public key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret key is readable by others: {mode:o}");
    }
    let other = dir.join("other.key");
    ok(&edgecc(&["keygen", s(&other)]), "keygen other");
    let other_hex = public_hex(&dir.join("other.key.pub"));
    assert_ne!(hex, other_hex);

    // sign -o writes a signed copy; the original stays unsigned.
    let signed = dir.join("signed.edgebin");
    let text = ok(
        &edgecc(&["sign", s(&bin), "--key", s(&key), "-o", s(&signed)]),
        "sign -o",
    );
    assert!(text.contains(&hex[..16]), "sign names the key id: {text}");
    assert_eq!(
        std::fs::read(&bin).expect("binary"),
        unsigned,
        "sign -o changed its input"
    );
    assert_ne!(std::fs::read(&signed).expect("signed"), unsigned);
    ok(
        &edgecc(&["run", s(&signed), "--verify-key", s(&key_pub), "--random-inputs"]),
        "run a signed binary with its key",
    );
    ok(
        &edgecc(&["run", s(&signed), "--random-inputs"]),
        "run a signed binary without --verify-key",
    );
    // Signing again with another key replaces the signature, in place.
    let resigned = dir.join("resigned.edgebin");
    std::fs::copy(&signed, &resigned).expect("copy");
    ok(&edgecc(&["sign", s(&resigned), "--key", s(&other)]), "sign in place");
    ok(
        &edgecc(&[
            "run",
            s(&resigned),
            "--verify-key",
            s(&dir.join("other.key.pub")),
            "--random-inputs",
        ]),
        "run a re-signed binary with the new key",
    );

    // bench enforces the key too.
    ok(
        &edgecc(&["bench", s(&signed), "--verify-key", s(&key_pub), "--iterations", "1"]),
        "bench a signed binary with its key",
    );
    let o = edgecc(&["bench", s(&bin), "--verify-key", s(&key_pub), "--iterations", "1"]);
    let e = user_error(&o, "bench an unsigned binary with --verify-key");
    assert!(e.contains("not signed"), "{e}");

    // Another publisher's key.
    let o = edgecc(&[
        "run",
        s(&signed),
        "--verify-key",
        s(&dir.join("other.key.pub")),
        "--random-inputs",
    ]);
    let e = user_error(&o, "run with another publisher's key");
    assert!(e.contains("key") && e.contains(&hex) && e.contains(&other_hex), "{e}");
    // Unsigned.
    let o = edgecc(&["run", s(&bin), "--verify-key", s(&key_pub), "--random-inputs"]);
    let e = user_error(&o, "run an unsigned binary with --verify-key");
    assert!(e.contains("not signed") && e.contains(&hex), "{e}");
    // A model file.
    let o = edgecc(&[
        "run",
        s(&example("mlp.eir")),
        "--verify-key",
        s(&key_pub),
        "--random-inputs",
    ]);
    let e = user_error(&o, "run a model file with --verify-key");
    assert!(e.contains("--verify-key"), "{e}");
    // A secret key given as the public key, and a missing key file.
    let o = edgecc(&["run", s(&signed), "--verify-key", s(&key), "--random-inputs"]);
    let e = user_error(&o, "--verify-key with the secret key file");
    assert!(e.contains(s(&key)), "{e}");
    let missing = dir.join("missing.pub");
    let o = edgecc(&["run", s(&signed), "--verify-key", s(&missing), "--random-inputs"]);
    let e = user_error(&o, "--verify-key with a missing file");
    assert!(e.contains(s(&missing)), "{e}");

    // sign with a malformed key file, with the public key, and with a missing key file.
    let bad = dir.join("bad.key");
    std::fs::write(&bad, "edgecc-ed25519-secret-key not-hex-at-all\n").expect("write");
    for k in [&bad, &key_pub, &dir.join("no-such.key")] {
        let o = edgecc(&["sign", s(&bin), "--key", s(k), "-o", s(&dir.join("never.edgebin"))]);
        let e = user_error(&o, &format!("sign --key {}", k.display()));
        assert!(e.contains(s(k)), "{e}");
    }
    assert!(!dir.join("never.edgebin").exists());
    let garbage = dir.join("garbage.key");
    std::fs::write(&garbage, [0xffu8, 0, 1, 2, 3]).expect("write");
    let o = edgecc(&["sign", s(&bin), "--key", s(&garbage)]);
    let e = user_error(&o, "sign with a binary garbage key");
    assert!(e.contains(s(&garbage)), "{e}");
    assert_eq!(
        std::fs::read(&bin).expect("binary"),
        unsigned,
        "a failed sign changed the binary"
    );
    // sign on a model file.
    let o = edgecc(&[
        "sign",
        s(&example("mlp.eir")),
        "--key",
        s(&key),
        "-o",
        s(&dir.join("m.edgebin")),
    ]);
    let e = user_error(&o, "sign a model file");
    assert!(e.contains("not an edgecc device binary"), "{e}");
}

#[test]
fn a_signed_binary_changed_after_signing_is_refused() {
    let dir = TempDir::new("tamper");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    let key = dir.join("k");
    ok(&edgecc(&["keygen", s(&key)]), "keygen");
    ok(&edgecc(&["sign", s(&bin), "--key", s(&key)]), "sign");
    let mut bytes = std::fs::read(&bin).expect("signed");
    assert!(layout::sections(&bytes).iter().any(|e| e.kind == layout::SIGNATURE));
    // Change a weight and recompute every hash: only the signature can tell.
    let w = layout::section(&bytes, layout::WEIGHTS);
    bytes[w.offset + 5] ^= 0x40;
    layout::reseal(&mut bytes);
    let tampered = dir.join("tampered.edgebin");
    std::fs::write(&tampered, &bytes).expect("write");
    for extra in [&[][..], &["--verify-key", s(&dir.join("k.pub"))][..]] {
        let mut args = vec!["run", s(&tampered), "--random-inputs"];
        args.extend_from_slice(extra);
        let o = edgecc(&args);
        let e = user_error(&o, "run a binary changed after signing");
        assert!(e.contains(s(&tampered)) && e.contains("signature"), "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. corruption
// ---------------------------------------------------------------------------------------------

#[test]
fn corrupted_and_truncated_binaries_exit_1_naming_the_file() {
    let dir = TempDir::new("corrupt");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    let good = std::fs::read(&bin).expect("binary");
    let len = good.len();
    let mid = |kind| {
        let e = layout::section(&good, kind);
        e.offset + e.length / 2
    };
    let mut flips: Vec<(&str, usize)> = vec![
        ("magic", 3),
        ("format version", 8),
        ("section count", 12),
        ("section table kind", layout::HEADER_BYTES),
        ("section table offset", layout::HEADER_BYTES + layout::ENTRY_BYTES + 8),
        (
            "section table length",
            layout::HEADER_BYTES + 2 * layout::ENTRY_BYTES + 16,
        ),
        (
            "section table hash",
            layout::HEADER_BYTES + 3 * layout::ENTRY_BYTES + 30,
        ),
        ("meta", mid(layout::META)),
        ("manifest", mid(layout::MANIFEST)),
        ("shaders", mid(layout::SHADERS)),
        ("weights", mid(layout::WEIGHTS)),
        ("trailer", len - 1),
    ];
    let first = layout::sections(&good)[0].offset;
    if first > layout::HEADER_BYTES + 4 * layout::ENTRY_BYTES {
        flips.push(("padding after the table", first - 1));
    }
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for (what, at) in flips {
        let mut b = good.clone();
        b[at] ^= 0x10;
        cases.push((format!("flip {what} (byte {at})"), b));
    }
    for cut in [0, 4, 8, 16, 100, len / 2, len - 33, len - 32, len - 1] {
        cases.push((format!("truncate to {cut}"), good[..cut].to_vec()));
    }
    let mut longer = good.clone();
    longer.push(0);
    cases.push(("one byte appended".into(), longer));

    for (i, (what, bytes)) in cases.iter().enumerate() {
        let path = dir.join(&format!("case{i}.edgebin"));
        std::fs::write(&path, bytes).expect("write");
        let o = edgecc(&["run", s(&path), "--random-inputs"]);
        let e = user_error(&o, &format!("run: {what}"));
        assert!(e.contains(s(&path)), "run: {what}: the message names the file:\n{e}");
    }
    // The same through bench and sign, once each.
    let path = dir.join("case0.edgebin");
    let e = user_error(
        &edgecc(&["bench", s(&path), "--iterations", "1"]),
        "bench a corrupt binary",
    );
    assert!(e.contains(s(&path)), "{e}");
    let key = dir.join("k");
    ok(&edgecc(&["keygen", s(&key)]), "keygen");
    let e = user_error(&edgecc(&["sign", s(&path), "--key", s(&key)]), "sign a corrupt binary");
    assert!(e.contains(s(&path)), "{e}");
    // The untouched binary still runs (the cases above really were the corruption).
    ok(&edgecc(&["run", s(&bin), "--random-inputs"]), "run the good binary");
}

#[test]
fn a_file_that_is_not_a_device_binary_is_named_as_such() {
    let dir = TempDir::new("not-edgebin");
    let fake = dir.join("model.edgebin");
    std::fs::copy(example("mlp.eir"), &fake).expect("copy");
    let e = user_error(
        &edgecc(&["run", s(&fake), "--random-inputs"]),
        "run a text model named .edgebin",
    );
    assert!(e.contains("not an edgecc device binary") && e.contains(s(&fake)), "{e}");
    let npy = dir.join("x.edgebin");
    write_npy(&npy, vec![2], &[1.0, 2.0]);
    let e = user_error(&edgecc(&["bench", s(&npy)]), "bench an .npy named .edgebin");
    assert!(e.contains("not an edgecc device binary"), "{e}");
    let missing = dir.join("missing.edgebin");
    let e = user_error(
        &edgecc(&["run", s(&missing), "--random-inputs"]),
        "run a missing binary",
    );
    assert!(e.contains(s(&missing)), "{e}");
    // A directory named .edgebin.
    let d = dir.join("d.edgebin");
    std::fs::create_dir(&d).expect("mkdir");
    let e = user_error(&edgecc(&["run", s(&d), "--random-inputs"]), "run a directory");
    assert!(e.contains(s(&d)), "{e}");
}

// ---------------------------------------------------------------------------------------------
// 7. compile error paths and --emit
// ---------------------------------------------------------------------------------------------

#[test]
fn compile_errors_exit_1_naming_the_problem() {
    let dir = TempDir::new("compile-errors");
    let out = dir.join("out.edgebin");
    let mlp = example("mlp.eir");
    let compile_args = |model: &Path, extra: &[&str]| -> Output {
        let mut a = vec!["compile", s(model), "--target", "lavapipe", "-o", s(&out)];
        a.extend_from_slice(extra);
        edgecc(&a)
    };
    // A missing model file.
    let missing = dir.join("nope.onnx");
    let e = user_error(&compile_args(&missing, &[]), "compile a missing model");
    assert!(e.contains(s(&missing)), "{e}");
    // Malformed ONNX.
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage").expect("write");
    let e = user_error(&compile_args(&junk, &[]), "compile malformed ONNX");
    assert!(e.contains(s(&junk)), "{e}");
    let cut = dir.join("cut.onnx");
    let good = onnx::linear_relu();
    std::fs::write(&cut, &good[..good.len() / 2]).expect("write");
    let e = user_error(&compile_args(&cut, &[]), "compile truncated ONNX");
    assert!(e.contains(s(&cut)), "{e}");
    // An unsupported op.
    let unsupported = dir.join("unsupported.onnx");
    std::fs::write(&unsupported, onnx::unsupported_op()).expect("write");
    let e = user_error(&compile_args(&unsupported, &[]), "compile an unsupported op");
    assert!(e.contains("NotARealOp"), "{e}");
    // An unknown model format.
    let txt = dir.join("model.txt");
    std::fs::write(&txt, "hello").expect("write");
    let e = user_error(&compile_args(&txt, &[]), "compile a .txt");
    assert!(e.contains(s(&txt)), "{e}");
    // Bad --shape values.
    for (shape, needle) in [
        ("batch", "bad --shape `batch`"),
        ("batch=two", "bad --shape `batch=two`"),
        ("=2", "bad --shape `=2`"),
        ("nosuch=2", "`nosuch`"),
        ("batch=9", "bound 4"),
    ] {
        let e = user_error(&compile_args(&mlp, &["--shape", shape]), &format!("--shape {shape}"));
        assert!(e.contains(needle), "--shape {shape}: expected `{needle}` in:\n{e}");
    }
    let e = user_error(
        &compile_args(&mlp, &["--shape", "batch=2", "--shape", "batch=3"]),
        "--shape twice",
    );
    assert!(e.contains("batch"), "{e}");
    // --emit for the CUDA backend, and an unknown format.
    for f in ["ptx", "cubin"] {
        let e = user_error(&compile_args(&mlp, &["--emit", f]), &format!("--emit {f}"));
        assert!(e.contains("CUDA") && e.contains(f), "{e}");
    }
    let e = user_error(&compile_args(&mlp, &["--emit", "hlsl"]), "--emit hlsl");
    assert!(e.contains("hlsl"), "{e}");
    // -o naming a directory.
    let o = edgecc(&["compile", s(&mlp), "--target", "lavapipe", "-o", s(dir.path())]);
    let e = user_error(&o, "compile -o DIR");
    assert!(e.contains("directory"), "{e}");
    // None of these wrote anything besides the inputs.
    assert!(!out.exists(), "a failed compile wrote {}", out.display());
    assert_eq!(
        names_in(dir.path()),
        ["cut.onnx", "junk.onnx", "model.txt", "unsupported.onnx"],
        "stray files after failed compiles"
    );
}

#[test]
fn emit_writes_one_shader_per_dispatch() {
    let dir = TempDir::new("emit");
    let model = example("transformer_block.eir");
    // WGSL, into --emit-dir.
    let wgsl_dir = dir.join("wgsl");
    let doc = compile(
        &model,
        "lavapipe",
        &dir.join("block.edgebin"),
        &["--emit", "wgsl", "--emit-dir", s(&wgsl_dir)],
    );
    let dispatches = doc["dispatches"].as_u64().expect("dispatches") as usize;
    let files = names_in(&wgsl_dir);
    assert_eq!(files.len(), dispatches, "{files:?} vs {doc}");
    assert!(files.iter().all(|f| f.ends_with(".wgsl")), "{files:?}");
    assert_eq!(doc["emitted"].as_array().map(Vec::len), Some(dispatches), "{doc}");
    for f in &files {
        let text = std::fs::read_to_string(wgsl_dir.join(f)).expect("wgsl is text");
        assert!(text.contains("@compute"), "{f} is not a WGSL compute shader:\n{text}");
    }
    // SPIR-V, into the default directory (the output path with the extension .spirv).
    let out = dir.join("spv.edgebin");
    let doc = compile(&model, "lavapipe", &out, &["--emit", "spirv"]);
    let spirv_dir = dir.join("spv.spirv");
    let files = names_in(&spirv_dir);
    assert_eq!(files.len(), dispatches, "{files:?} vs {doc}");
    for f in &files {
        let bytes = std::fs::read(spirv_dir.join(f)).expect("spirv");
        assert!(
            bytes.len() > 20 && bytes.len().is_multiple_of(4),
            "{f}: {} bytes",
            bytes.len()
        );
        assert_eq!(&bytes[..4], &0x0723_0203u32.to_le_bytes(), "{f}: SPIR-V magic");
    }
    // MSL, for a profile that is not this machine's.
    let msl_dir = dir.join("msl");
    let doc = compile(
        &model,
        "apple-m2",
        &dir.join("m2.edgebin"),
        &["--emit", "msl", "--emit-dir", s(&msl_dir)],
    );
    let files = names_in(&msl_dir);
    assert_eq!(
        files.len(),
        doc["dispatches"].as_u64().expect("dispatches") as usize,
        "{files:?}"
    );
    for f in &files {
        let text = std::fs::read_to_string(msl_dir.join(f)).expect("msl is text");
        assert!(text.contains("metal"), "{f} is not Metal source:\n{text}");
    }
    for d in [&wgsl_dir, &spirv_dir, &msl_dir] {
        assert!(stray_temp_files(d).is_empty(), "{:?}", names_in(d));
    }
    // --emit-dir needs --emit.
    let o = edgecc(&[
        "compile",
        s(&model),
        "--target",
        "lavapipe",
        "-o",
        s(&dir.join("x.edgebin")),
        "--emit-dir",
        s(&dir.join("x")),
    ]);
    let e = user_error(&o, "--emit-dir without --emit");
    assert!(e.contains("--emit"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// 8. timing a binary
// ---------------------------------------------------------------------------------------------

#[test]
fn bench_and_run_iterations_time_a_binary() {
    let dir = TempDir::new("bench");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    let doc = json(
        &edgecc(&["bench", s(&bin), "--iterations", "3", "--warmup", "1", "--json"]),
        "bench --json",
    );
    let median = doc["median_ms"].as_f64().expect("median_ms");
    let min = doc["min_ms"].as_f64().expect("min_ms");
    assert!(min > 0.0 && median >= min, "{doc}");
    assert!(doc["compile_ms"].as_f64().is_some_and(|t| t >= 0.0), "{doc}");
    assert_eq!(doc["iterations"], 3, "{doc}");
    assert_eq!(doc["target"], "lavapipe", "{doc}");
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([4, 4]), "{doc}");
    assert_eq!(doc["outputs"]["softmax"]["dtype"], "f32", "{doc}");
    // Text: the session line replaces the compile line for a binary.
    let text = ok(&edgecc(&["bench", s(&bin), "--iterations", "2"]), "bench");
    assert!(text.contains("session") && text.contains("median"), "{text}");
    // --iterations 0 is refused.
    let e = user_error(
        &edgecc(&["bench", s(&bin), "--iterations", "0"]),
        "bench --iterations 0",
    );
    assert!(e.contains("--iterations"), "{e}");

    let doc = json(
        &edgecc(&["run", s(&bin), "--random-inputs", "--iterations", "3", "--json"]),
        "run --iterations 3 --json",
    );
    let median = doc["median_ms"].as_f64().expect("median_ms");
    let min = doc["min_ms"].as_f64().expect("min_ms");
    assert!(min > 0.0 && median >= min, "{doc}");
    assert_eq!(doc["iterations"], 3, "{doc}");
    assert_eq!(doc["outputs"]["softmax"]["shape"], serde_json::json!([4, 4]), "{doc}");
    // Its own target, named explicitly, is the same as the default.
    let doc_named = json(
        &edgecc(&["run", s(&bin), "--random-inputs", "--target", "lavapipe", "--json"]),
        "run --target lavapipe",
    );
    // Without --iterations, no timing.
    let doc = json(&edgecc(&["run", s(&bin), "--random-inputs", "--json"]), "run --json");
    assert!(doc["median_ms"].is_null(), "{doc}");
    assert_eq!(
        doc["outputs"]["softmax"]["checksum"], doc_named["outputs"]["softmax"]["checksum"],
        "{doc} vs {doc_named}"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. atomic writes
// ---------------------------------------------------------------------------------------------

#[test]
fn compile_writes_atomically_and_a_failed_compile_leaves_nothing() {
    let dir = TempDir::new("atomic");
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let out = out_dir.join("block.edgebin");
    compile(&example("transformer_block.eir"), "lavapipe", &out, &[]);
    assert_eq!(names_in(&out_dir), ["block.edgebin"]);
    let first = std::fs::read(&out).expect("binary");
    // Overwriting replaces the file and leaves no temporary file.
    compile(&example("mlp.eir"), "lavapipe", &out, &[]);
    assert_eq!(names_in(&out_dir), ["block.edgebin"]);
    let second = std::fs::read(&out).expect("binary");
    assert_ne!(first, second, "the second compile replaced the file");

    // A failing compile (an unsupported op) leaves the existing binary untouched and no
    // temporary file.
    let model = dir.join("unsupported.onnx");
    std::fs::write(&model, onnx::unsupported_op()).expect("write");
    let o = edgecc(&["compile", s(&model), "--target", "lavapipe", "-o", s(&out)]);
    user_error(&o, "compile an unsupported model");
    assert_eq!(names_in(&out_dir), ["block.edgebin"], "stray files");
    assert_eq!(
        std::fs::read(&out).expect("binary"),
        second,
        "a failed compile changed the output"
    );
    // ... and into an empty directory, writes nothing at all.
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let o = edgecc(&[
        "compile",
        s(&model),
        "--target",
        "lavapipe",
        "-o",
        s(&empty.join("x.edgebin")),
    ]);
    user_error(&o, "compile an unsupported model");
    assert!(names_in(&empty).is_empty(), "{:?}", names_in(&empty));
    // An output in a directory that does not exist is an error naming it, not a panic.
    let nowhere = dir.join("no-such-dir").join("x.edgebin");
    let o = edgecc(&[
        "compile",
        s(&example("mlp.eir")),
        "--target",
        "lavapipe",
        "-o",
        s(&nowhere),
    ]);
    let e = user_error(&o, "compile into a missing directory");
    assert!(e.contains(s(&nowhere)), "{e}");
    // sign -o is atomic too.
    let key = dir.join("k");
    ok(&edgecc(&["keygen", s(&key)]), "keygen");
    ok(&edgecc(&["sign", s(&out), "--key", s(&key)]), "sign in place");
    assert_eq!(names_in(&out_dir), ["block.edgebin"], "stray files after sign");
    assert!(stray_temp_files(dir.path()).is_empty(), "{:?}", names_in(dir.path()));
}

// ---------------------------------------------------------------------------------------------
// Regression tests for bugs found while writing these
// ---------------------------------------------------------------------------------------------

/// A compile that exits 1 leaves no output behind, also when it fails after the binary is done
/// (here: the --emit directory cannot be created because a file has its name).
#[test]
fn a_compile_that_fails_at_emit_writes_no_binary() {
    let dir = TempDir::new("emit-fails");
    let out = dir.join("x.edgebin");
    let blocker = dir.join("shaders");
    std::fs::write(&blocker, "a file where the emit directory would go").expect("write");
    let o = edgecc(&[
        "compile",
        s(&example("mlp.eir")),
        "--target",
        "lavapipe",
        "-o",
        s(&out),
        "--emit",
        "wgsl",
        "--emit-dir",
        s(&blocker),
    ]);
    let e = user_error(&o, "compile with an --emit-dir that is a file");
    assert!(e.contains(s(&blocker)), "{e}");
    assert!(!out.exists(), "compile exited 1 but wrote {}", out.display());
    assert!(stray_temp_files(dir.path()).is_empty(), "{:?}", names_in(dir.path()));
}

/// Each error message says its cause once.
#[test]
fn error_messages_say_their_cause_once() {
    let dir = TempDir::new("messages");
    let fake = dir.join("model.edgebin");
    std::fs::copy(example("mlp.eir"), &fake).expect("copy");
    let cut = dir.join("cut.edgebin");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    std::fs::write(&cut, &std::fs::read(&bin).expect("binary")[..100]).expect("write");
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"garbage").expect("write");
    let (none_bin, none_onnx) = (dir.join("none.edgebin"), dir.join("none.onnx"));
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["run", s(&fake), "--random-inputs"], "not an edgecc device binary"),
        (vec!["run", s(&cut), "--random-inputs"], "corrupt or truncated"),
        (vec!["run", s(&none_bin)], "No such file"),
        (vec!["compile", s(&none_onnx), "--target", "lavapipe"], "No such file"),
        (vec!["compile", s(&junk), "--target", "lavapipe"], "malformed ONNX"),
    ];
    for (args, needle) in cases {
        let e = user_error(&edgecc(&args), &args.join(" "));
        assert_eq!(e.matches(needle).count(), 1, "`{needle}` repeated:\n{e}");
    }
}

/// A binary whose inputs or outputs are over the per-tensor memory budget is refused when it is
/// read, before any input is made.
#[test]
fn a_binary_over_the_memory_budget_is_refused_before_anything_is_allocated() {
    let dir = TempDir::new("budget");
    let bin = dir.join("mlp.edgebin");
    compile(&example("mlp.eir"), "lavapipe", &bin, &[]);
    let o = edgecc_env(
        &["run", s(&bin), "--random-inputs"],
        &[("EDGECC_MAX_TENSOR_BYTES", "16")],
    );
    let e = user_error(&o, "run a binary over the budget");
    assert!(e.contains("over the limit of 16") && e.contains(s(&bin)), "{e}");
}
