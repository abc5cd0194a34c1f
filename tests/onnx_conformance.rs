//! The ONNX backend node test suite, through import → reference interpreter, and through
//! import → WGSL on the Vulkan device (lavapipe in CI).
//!
//! `bash scripts/setup.sh` writes the cases (by `scripts/gen_conformance.py`, from the pinned `onnx`
//! package) into `target/onnx-data/node/<case>/`: `model.onnx` and `test_data_set_<N>/` folders of
//! `input_<K>.pb` / `output_<K>.pb` tensors. Every case is imported with the reference interpreter
//! as constant folder, run on each data set, and its outputs compared with the expected ones:
//! same dtype and shape, integers and bools exactly, floats within `|a - b| <= atol + rtol * |b|`
//! (rtol 1e-3, atol 1e-7, as the ONNX backend tests use; NaN matches NaN, infinities must match).
//!
//! Each case ends as one of:
//! - **passed**;
//! - **expected failure**: listed in `tests/onnx/expected_failures.txt` (`case  reason` per line);
//!   a case-specific tolerance lives in `tests/onnx/tolerances.txt` (`case  rtol  atol  reason`), and
//!   an entry there that the default tolerance would satisfy is reported, like a listed case that
//!   passes;
//! - **skipped**: the case uses an element type edgecc does not have (DOUBLE, STRING, UINT16, …),
//!   found from the model's declared types, Cast targets, tensor attributes and test data. A skipped
//!   case must still be *refused* by the importer with an error: a model with such a type that
//!   imports anyway is a failure (it would mean a silent conversion). Likewise a case whose
//!   default-domain opset is outside `edgecc_onnx::import::OPSETS`.
//!
//! Inputs that must be known at compile time (shapes, axes, pads: `PARAMETER_INPUTS`) are bound as
//! constants from the data set when a case does not import as it is.
//!
//! The test fails on any failure not in the list, on a listed case that now passes or is not in the
//! suite (so the list stays honest), and when fewer than 90% of the non-skipped cases pass. It prints
//! `onnx conformance (reference): N passed, M expected failures, K skipped`.
//!
//! The WGSL run (`onnx_backend_node_tests_wgsl`) is the same harness with another runner: each data
//! set's graph is specialized to its shapes, compiled with `edgecc::device::compile_wgsl` (f32) for
//! the device opened once (`EDGECC_ADAPTER` or the default adapter; no adapter is a failure, never
//! a skip), and run in a session that poisons its buffers, so an element a kernel forgets to write
//! shows. It inherits the reference run's lists; failures beyond them are listed in
//! `tests/onnx/expected_failures_wgsl.txt` (a case in one list only), tolerances in
//! `tests/onnx/tolerances_wgsl.txt` (overriding `tolerances.txt`), kept honest the same way. It
//! prints `onnx conformance (wgsl): N passed, M expected failures, K skipped` and needs 90% of the
//! non-skipped cases to pass.
//!
//! Every case has [`CASE_TIME_LIMIT`]; `EDGECC_CONFORMANCE_TRACE=1` prints each case as it starts
//! and ends, with its outcome and time.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Graph, TensorData};
use edgecc::ReferenceFolder;
use edgecc_onnx::import::OPSETS;
use edgecc_onnx::proto::{self, tensor_proto::DataType};
use edgecc_onnx::{ImportOptions, Limits};

const RTOL: f64 = 1e-3;
const ATOL: f64 = 1e-7;
/// Share of the non-skipped cases that must pass (reference run).
const MIN_PASS_RATE: f64 = 0.90;
/// Share of the non-skipped cases that must pass (WGSL run).
const MIN_PASS_RATE_WGSL: f64 = 0.90;
/// The longest one case may run (the slowest take about 2 s through WGSL on lavapipe): past it
/// the test process ends with the case named, since a hung device would otherwise hang CI.
const CASE_TIME_LIMIT: Duration = Duration::from_secs(120);

/// Prints a line that shows even when the test harness captures output (libtest captures only the
/// `print!` macros, not writes to the stdout handle), so CI logs always carry it.
fn report(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A closed stdout must not fail the test; the assertions below carry the verdict.
    let _ = writeln!(out, "{line}");
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How one case ended.
#[derive(Debug)]
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// ONNX element types with an edgecc dtype.
fn edgecc_has(dt: i32) -> bool {
    matches!(
        DataType::try_from(dt),
        Ok(DataType::Float
            | DataType::Float16
            | DataType::Bfloat16
            | DataType::Int8
            | DataType::Uint8
            | DataType::Int32
            | DataType::Int64
            | DataType::Bool
            | DataType::Int4
            | DataType::Uint4)
    )
}

fn dtype_name(dt: i32) -> String {
    DataType::try_from(dt)
        .map(|d| d.as_str_name().to_string())
        .unwrap_or_else(|_| format!("data type {dt}"))
}

/// Every element type a model names: declared value types, initializers, tensor attributes
/// (Constant, ConstantOfShape values), and `to` of Cast nodes, recursing into subgraphs.
fn model_dtypes(graph: &proto::GraphProto, out: &mut BTreeSet<i32>) {
    for vi in graph.input.iter().chain(&graph.output).chain(&graph.value_info) {
        if let Some(proto::type_proto::Value::TensorType(t)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref()) {
            out.insert(t.elem_type.unwrap_or(0));
        }
    }
    for t in &graph.initializer {
        out.insert(t.data_type.unwrap_or(0));
    }
    for node in &graph.node {
        for a in &node.attribute {
            if let Some(t) = &a.t {
                out.insert(t.data_type.unwrap_or(0));
            }
            if node.op_type.as_deref() == Some("Cast") && a.name.as_deref() == Some("to") {
                out.insert(a.i.unwrap_or(0) as i32);
            }
            if let Some(g) = &a.g {
                model_dtypes(g, out);
            }
            for g in &a.graphs {
                model_dtypes(g, out);
            }
        }
    }
}

/// One test data set: the bytes of its `input_<K>.pb` / `output_<K>.pb` tensors and their element
/// types.
struct DataSet {
    name: String,
    /// The `input_<K>.pb` bytes (decoded with `edgecc_onnx::decode_tensor`, and bound as they are
    /// for parameter inputs).
    inputs: Vec<Vec<u8>>,
    outputs: Vec<Vec<u8>>,
    /// The ONNX element types of the inputs and outputs.
    dtypes: Vec<i32>,
}

/// `<prefix>_0.pb`, `<prefix>_1.pb`, … of a data set folder: their bytes, and each tensor's element
/// type (from `edgecc_onnx::decode_tensor_proto`, which checks the wire format as model decoding
/// does, so a type edgecc lacks is known before the data is converted).
fn read_pb_series(dir: &Path, prefix: &str, dtypes: &mut Vec<i32>) -> Result<Vec<Vec<u8>>, String> {
    let mut raw = Vec::new();
    loop {
        let path = dir.join(format!("{prefix}_{}.pb", raw.len()));
        if !path.exists() {
            return Ok(raw);
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let t = edgecc_onnx::decode_tensor_proto(&bytes, &Limits::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        dtypes.push(t.data_type.unwrap_or(0));
        raw.push(bytes);
    }
}

fn read_data_sets(case_dir: &Path) -> Result<Vec<DataSet>, String> {
    let mut sets = Vec::new();
    loop {
        let name = format!("test_data_set_{}", sets.len());
        let dir = case_dir.join(&name);
        if !dir.is_dir() {
            break;
        }
        let mut dtypes = Vec::new();
        let inputs = read_pb_series(&dir, "input", &mut dtypes)?;
        let outputs = read_pb_series(&dir, "output", &mut dtypes)?;
        sets.push(DataSet {
            name,
            inputs,
            outputs,
            dtypes,
        });
    }
    if sets.is_empty() {
        return Err(format!("{}: no test_data_set_0 folder", case_dir.display()));
    }
    Ok(sets)
}

/// Compares one output; `Err` says what differs.
fn compare(got: &TensorData, want: &TensorData, rtol: f64, atol: f64) -> Result<(), String> {
    if got.dtype() != want.dtype() {
        return Err(format!("dtype {} (expected {})", got.dtype(), want.dtype()));
    }
    if got.shape() != want.shape() {
        return Err(format!("shape {:?} (expected {:?})", got.shape(), want.shape()));
    }
    let mut bad = Vec::new();
    let mut n_bad = 0usize;
    if want.dtype().is_float() {
        let (g, w) = (got.to_f64_vec(), want.to_f64_vec());
        let mut max_err = 0f64;
        for (i, (&a, &b)) in g.iter().zip(&w).enumerate() {
            let ok = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= atol + rtol * b.abs();
            if !ok {
                n_bad += 1;
                let e = (a - b).abs();
                if e.is_nan() || e > max_err {
                    max_err = if e.is_nan() { f64::INFINITY } else { e };
                }
                if bad.len() < 3 {
                    bad.push(format!("[{i}] {a} vs {b}"));
                }
            }
        }
        if n_bad > 0 {
            return Err(format!(
                "{n_bad} of {} values differ (max abs error {max_err:.3e}; rtol {rtol}, atol {atol}), e.g. {}",
                w.len(),
                bad.join(", ")
            ));
        }
    } else {
        let (g, w) = (got.to_i64_vec(), want.to_i64_vec());
        for (i, (&a, &b)) in g.iter().zip(&w).enumerate() {
            if a != b {
                n_bad += 1;
                if bad.len() < 3 {
                    bad.push(format!("[{i}] {a} vs {b}"));
                }
            }
        }
        if n_bad > 0 {
            return Err(format!(
                "{n_bad} of {} values differ (exact comparison), e.g. {}",
                w.len(),
                bad.join(", ")
            ));
        }
    }
    Ok(())
}

/// Orders the data set's inputs as the imported graph's inputs: by name when the importer kept the
/// ONNX names (inputs bound as constants are then left out), else by position.
fn order_inputs(graph: &Graph, onnx_inputs: &[(String, TensorData)]) -> Result<Vec<TensorData>, String> {
    let ir_names: Vec<&str> = graph.inputs().iter().map(|&v| graph.value(v).name.as_str()).collect();
    let by_name: BTreeMap<&str, &TensorData> = onnx_inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    if ir_names.iter().all(|n| by_name.contains_key(n)) {
        return Ok(ir_names.iter().map(|n| by_name[n].clone()).collect());
    }
    if ir_names.len() == onnx_inputs.len() {
        return Ok(onnx_inputs.iter().map(|(_, t)| t.clone()).collect());
    }
    Err(format!(
        "the imported graph's inputs ({}) do not match the test data's ({})",
        ir_names.join(", "),
        onnx_inputs
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Inputs that fix an output's shape or a static attribute in edgecc's IR (op type → input
/// indices): an ahead-of-time compiler needs their values at import time. The backend tests feed
/// them as graph inputs; when a case does not import as it is, the harness binds those graph inputs
/// to the data set's values (as initializers) and imports again — what onnx-mlir's backend test
/// list does with its `CONSTANT_INPUT` entries. Data inputs are never bound.
const PARAMETER_INPUTS: &[(&str, &[usize])] = &[
    ("Clip", &[1, 2]),
    ("ConstantOfShape", &[0]),
    ("CumSum", &[1]),
    ("Dropout", &[1, 2]),
    ("Expand", &[1]),
    ("Pad", &[1, 2, 3]),
    ("Range", &[0, 1, 2]),
    ("ReduceLogSum", &[1]),
    ("ReduceLogSumExp", &[1]),
    ("ReduceMax", &[1]),
    ("ReduceMean", &[1]),
    ("ReduceMin", &[1]),
    ("ReduceProd", &[1]),
    ("ReduceSum", &[1]),
    ("ReduceSumSquare", &[1]),
    ("Reshape", &[1]),
    ("Resize", &[1, 2, 3]),
    ("Slice", &[1, 2, 3, 4]),
    ("Split", &[1]),
    ("Squeeze", &[1]),
    ("Tile", &[1]),
    ("TopK", &[1]),
    ("Trilu", &[1]),
    ("Unsqueeze", &[1]),
    ("Upsample", &[1]),
];

/// The graph inputs (by index) that feed a parameter slot of [`PARAMETER_INPUTS`].
fn parameter_inputs(graph: &proto::GraphProto) -> Vec<usize> {
    let mut out = BTreeSet::new();
    for node in &graph.node {
        let op = node.op_type.as_deref().unwrap_or_default();
        let Some((_, slots)) = PARAMETER_INPUTS.iter().find(|(o, _)| *o == op) else {
            continue;
        };
        for &slot in *slots {
            let Some(name) = node.input.get(slot).filter(|n| !n.is_empty()) else {
                continue;
            };
            if let Some(k) = graph
                .input
                .iter()
                .position(|vi| vi.name.as_deref() == Some(name.as_str()))
            {
                out.insert(k);
            }
        }
    }
    out.into_iter().collect()
}

/// A length-delimited protobuf field (`tag` is `field << 3 | 2`).
fn pb_field(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let mut n = body.len() as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(body);
    out
}

/// `model` with the given tensors appended as initializers of its graph, named after the graph
/// inputs they bind. Protobuf merges a repeated occurrence of the `graph` field into the first and
/// appends repeated `initializer`s; a repeated `name` (TensorProto field 8) replaces the earlier one.
/// The importer treats an input that has an initializer as a constant.
fn bind_inputs(model: &[u8], tensors: &[(&str, &[u8])]) -> Vec<u8> {
    let mut graph = Vec::new();
    for (name, bytes) in tensors {
        let mut t = bytes.to_vec();
        t.extend(pb_field(8 << 3 | 2, name.as_bytes()));
        graph.extend(pb_field(5 << 3 | 2, &t));
    }
    let mut out = model.to_vec();
    out.extend(pb_field(7 << 3 | 2, &graph));
    out
}

/// The model's default-domain opset.
fn default_opset(model: &proto::ModelProto) -> Option<i64> {
    model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .map(|o| o.version.unwrap_or(0))
}

/// What else is known about a case's run.
#[derive(Debug, Default, Clone, Copy)]
struct Notes {
    /// Parameter inputs had to be bound as constants.
    bound: bool,
    /// Every output was also within the fallback tolerance (so a case-specific one is not needed).
    fallback_tol_ok: bool,
}

/// Runs an imported graph on its inputs (graph-input order): the backend under test.
type Runner<'a> = dyn Fn(&Graph, &[TensorData]) -> Result<Vec<TensorData>, String> + Sync + 'a;

/// The tolerances of one case: the one it is compared with, and the one that applies when its
/// case-specific entry is removed (to report entries that are not needed).
#[derive(Debug, Clone, Copy)]
struct Tol {
    rtol: f64,
    atol: f64,
    fallback: (f64, f64),
}

/// Runs one case through `runner`, comparing with `tol`.
fn run_case(case_dir: &Path, tol: Tol, runner: &Runner) -> (Outcome, Notes) {
    let model_path = case_dir.join("model.onnx");
    let bytes = match std::fs::read(&model_path) {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Fail(format!("{}: {e}", model_path.display())),
                Notes::default(),
            )
        }
    };
    let model = match edgecc_onnx::decode_model(&bytes, &Limits::default()) {
        Ok(m) => m,
        Err(e) => return (Outcome::Fail(format!("decode: {e}")), Notes::default()),
    };
    let sets = match read_data_sets(case_dir) {
        Ok(s) => s,
        Err(e) => return (Outcome::Fail(format!("test data: {e}")), Notes::default()),
    };
    let empty = proto::GraphProto::default();
    let onnx_graph = model.graph.as_ref().unwrap_or(&empty);

    let mut dtypes = BTreeSet::new();
    model_dtypes(onnx_graph, &mut dtypes);
    for set in &sets {
        dtypes.extend(set.dtypes.iter().copied());
    }
    // 0 is UNDEFINED: not a type a case uses, so left for the importer to report.
    let missing: Vec<String> = dtypes
        .iter()
        .filter(|&&d| d != 0 && !edgecc_has(d))
        .map(|&d| dtype_name(d))
        .collect();

    let opts = ImportOptions::default();
    let plain = edgecc_onnx::import_file(&model_path, &opts, &ReferenceFolder);
    // Cases outside the scope of the importer must be refused by it, never imported silently.
    let mut out_of_scope = Vec::new();
    if !missing.is_empty() {
        out_of_scope.push(format!("uses {}, which edgecc does not have", missing.join(", ")));
    }
    match default_opset(&model) {
        Some(v) if OPSETS.contains(&v) => {}
        v => out_of_scope.push(format!(
            "default-domain opset {} is outside the opsets edgecc maps ({}..={})",
            v.map_or("(none)".to_string(), |v| v.to_string()),
            OPSETS.start(),
            OPSETS.end()
        )),
    }
    if !out_of_scope.is_empty() {
        let why = out_of_scope.join("; ");
        return match plain {
            Err(_) => (Outcome::Skip(why), Notes::default()),
            Ok(_) => (
                Outcome::Fail(format!("the case {why}, yet it imported without an error")),
                Notes::default(),
            ),
        };
    }

    let params = parameter_inputs(onnx_graph);
    let onnx_input_names: Vec<String> = onnx_graph
        .input
        .iter()
        .map(|vi| vi.name.clone().unwrap_or_default())
        .collect();
    let limits = Limits::default();
    let mut notes = Notes {
        bound: false,
        fallback_tol_ok: true,
    };
    for set in &sets {
        let graph = match &plain {
            Ok(g) => g.clone(),
            Err(e) if params.is_empty() => return (Outcome::Fail(format!("import: {e}")), notes),
            Err(_) => {
                let tensors: Vec<(&str, &[u8])> = params
                    .iter()
                    .filter_map(|&k| Some((onnx_input_names.get(k)?.as_str(), set.inputs.get(k)?.as_slice())))
                    .collect();
                let names: Vec<&str> = tensors.iter().map(|t| t.0).collect();
                let bytes = bind_inputs(&bytes, &tensors);
                match edgecc_onnx::import_bytes(&bytes, Some(case_dir), &opts, &ReferenceFolder) {
                    Ok(g) => {
                        notes.bound = true;
                        g
                    }
                    Err(e) => {
                        let msg = format!("import (parameter inputs {} bound as constants): {e}", names.join(", "));
                        return (Outcome::Fail(msg), notes);
                    }
                }
            }
        };
        let mut inputs = Vec::new();
        for (k, t) in set.inputs.iter().enumerate() {
            let name = onnx_input_names.get(k).cloned().unwrap_or_default();
            match edgecc_onnx::decode_tensor(t, &limits) {
                Ok(d) => inputs.push((name, d)),
                Err(e) => return (Outcome::Fail(format!("{}/input_{k}.pb: {e}", set.name)), notes),
            }
        }
        let inputs = match order_inputs(&graph, &inputs) {
            Ok(i) => i,
            Err(e) => return (Outcome::Fail(e), notes),
        };
        let outputs = match runner(&graph, &inputs) {
            Ok(o) => o,
            Err(e) => return (Outcome::Fail(format!("{}: {e}", set.name)), notes),
        };
        if outputs.len() != set.outputs.len() {
            let msg = format!(
                "{}: {} outputs, expected {}",
                set.name,
                outputs.len(),
                set.outputs.len()
            );
            return (Outcome::Fail(msg), notes);
        }
        for (k, (got, want)) in outputs.iter().zip(&set.outputs).enumerate() {
            let want = match edgecc_onnx::decode_tensor(want, &limits) {
                Ok(d) => d,
                Err(e) => return (Outcome::Fail(format!("{}/output_{k}.pb: {e}", set.name)), notes),
            };
            notes.fallback_tol_ok &= compare(got, &want, tol.fallback.0, tol.fallback.1).is_ok();
            if let Err(e) = compare(got, &want, tol.rtol, tol.atol) {
                let name = want_name(&model, k);
                return (Outcome::Fail(format!("{}: output {k} `{name}`: {e}", set.name)), notes);
            }
        }
    }
    (Outcome::Pass, notes)
}

fn want_name(model: &proto::ModelProto, k: usize) -> String {
    model
        .graph
        .as_ref()
        .and_then(|g| g.output.get(k))
        .and_then(|vi| vi.name.clone())
        .unwrap_or_default()
}

/// Runs a case, turning a panic into a failure.
fn run_case_guarded(case_dir: &Path, tol: Tol, runner: &Runner) -> (Outcome, Notes) {
    match catch_unwind(AssertUnwindSafe(|| run_case(case_dir, tol, runner))) {
        Ok(o) => o,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(non-string payload)".into());
            (Outcome::Fail(format!("PANICKED: {msg}")), Notes::default())
        }
    }
}

/// `tests/onnx/expected_failures.txt`: `case  reason` per line, `#` comments.
fn read_expected_failures(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (case, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let reason = reason.trim();
        assert!(
            !reason.is_empty(),
            "{}:{}: `{case}` has no reason; write `case  reason`",
            path.display(),
            i + 1
        );
        assert!(
            out.insert(case.to_string(), reason.to_string()).is_none(),
            "{}:{}: `{case}` is listed twice",
            path.display(),
            i + 1
        );
    }
    out
}

/// `tests/onnx/tolerances.txt`: `case  rtol  atol  reason` per line, `#` comments.
fn read_tolerances(path: &Path) -> BTreeMap<String, (f64, f64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().take(3).collect();
        let rest: String = line.split_whitespace().skip(3).collect::<Vec<_>>().join(" ");
        let where_ = format!("{}:{}", path.display(), i + 1);
        assert!(
            fields.len() == 3 && !rest.is_empty(),
            "{where_}: expected `case  rtol  atol  reason`"
        );
        let num = |s: &str| -> f64 {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .unwrap_or_else(|| panic!("{where_}: `{s}` is not a tolerance"))
        };
        let entry = (num(fields[1]), num(fields[2]), rest);
        assert!(
            out.insert(fields[0].to_string(), entry).is_none(),
            "{where_}: `{}` is listed twice",
            fields[0]
        );
    }
    out
}

/// `MANIFEST.tsv`: case → op type.
fn read_manifest(node_dir: &Path) -> BTreeMap<String, String> {
    let path = node_dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `bash scripts/setup.sh` to regenerate", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let case = cols.next().unwrap_or_default().to_string();
            let op = cols.next().unwrap_or_default().to_string();
            (case, op)
        })
        .collect()
}

/// An expected-failure or tolerance list of a [`Suite`].
struct List {
    /// Relative to the repository root.
    path: &'static str,
    /// Whether this suite keeps the list honest (reports entries that are not needed or not in
    /// the suite). A list it only inherits is kept honest by the suite that owns it.
    owned: bool,
}

/// One run of the conformance cases through one backend.
struct Suite<'a> {
    /// The summary line's name: `onnx conformance (<name>): ...`.
    name: &'static str,
    /// Expected failures; a case may be in one of them only.
    expected: &'a [List],
    /// Case-specific tolerances; a later list overrides an earlier one for the same case.
    tolerances: &'a [List],
    /// Share of the non-skipped cases that must pass.
    min_pass_rate: f64,
    /// Cases run at once.
    workers: usize,
    runner: &'a Runner<'a>,
    /// Prints what else the runner saw, before the summary line.
    after: &'a (dyn Fn() + Sync),
}

/// The case folders under `target/onnx-data/node` (checked against its MANIFEST.tsv and
/// `tests/onnx/supported_ops.txt`), and the manifest (case → op type).
fn load_cases(root: &Path) -> (PathBuf, Vec<String>, BTreeMap<String, String>) {
    let node_dir = root.join("target/onnx-data/node");
    assert!(
        node_dir.is_dir(),
        "{} is missing: the ONNX conformance cases are generated by the setup step. Run \
         `bash scripts/setup.sh` (or the whole suite with `bash scripts/test.sh`).",
        node_dir.display()
    );
    let manifest = read_manifest(&node_dir);
    let mut cases: Vec<String> = std::fs::read_dir(&node_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", node_dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    let on_disk: BTreeSet<&str> = cases.iter().map(String::as_str).collect();
    let listed: BTreeSet<&str> = manifest.keys().map(String::as_str).collect();
    assert_eq!(
        on_disk,
        listed,
        "the case folders of {} and its MANIFEST.tsv disagree; run `bash scripts/setup.sh`",
        node_dir.display()
    );
    assert!(!cases.is_empty(), "{} holds no cases", node_dir.display());

    let supported_path = root.join("tests/onnx/supported_ops.txt");
    let supported: BTreeSet<String> = std::fs::read_to_string(&supported_path)
        .unwrap_or_else(|e| panic!("{}: {e}", supported_path.display()))
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    for (case, op) in &manifest {
        assert!(
            supported.contains(op),
            "{case} tests {op}, which is not in {}; run `bash scripts/setup.sh`",
            supported_path.display()
        );
    }
    (node_dir, cases, manifest)
}

/// Runs every case through `suite.runner`, prints the report and the summary line, and fails on
/// any problem (see the module docs) or a pass rate under the suite's floor.
fn run_suite(suite: &Suite) {
    let root = repo_root();
    let (node_dir, cases, manifest) = load_cases(&root);

    // case → (reason, list path).
    let mut expected: BTreeMap<String, (String, &'static str)> = BTreeMap::new();
    let mut problems = Vec::new();
    for list in suite.expected {
        for (case, reason) in read_expected_failures(&root.join(list.path)) {
            if let Some((_, other)) = expected.get(&case) {
                problems.push(format!(
                    "{case} is listed in both {other} and {}: keep it in one",
                    list.path
                ));
                continue;
            }
            if list.owned && !manifest.contains_key(&case) {
                problems.push(format!(
                    "{case} is listed in {} but is not in the suite: remove it",
                    list.path
                ));
            }
            expected.insert(case, (reason, list.path));
        }
    }
    // case → (tolerance, the list it comes from, whether that list is owned).
    let mut tolerances: BTreeMap<String, (Tol, &'static str, bool)> = BTreeMap::new();
    for list in suite.tolerances {
        for (case, (rtol, atol, _)) in read_tolerances(&root.join(list.path)) {
            if list.owned && !manifest.contains_key(&case) {
                problems.push(format!(
                    "{case} is listed in {} but is not in the suite: remove it",
                    list.path
                ));
            }
            let fallback = tolerances.get(&case).map_or((RTOL, ATOL), |t| (t.0.rtol, t.0.atol));
            tolerances.insert(case, (Tol { rtol, atol, fallback }, list.path, list.owned));
        }
    }
    let default_tol = Tol {
        rtol: RTOL,
        atol: ATOL,
        fallback: (RTOL, ATOL),
    };

    let name = suite.name;
    let trace = std::env::var_os("EDGECC_CONFORMANCE_TRACE").is_some();
    // Workers take the next case index until none is left; a watchdog ends the process when a
    // case runs past CASE_TIME_LIMIT (a hung device must fail CI, not hang it).
    let next = AtomicUsize::new(0);
    let workers = suite.workers.max(1);
    let running: Vec<Mutex<Option<(usize, Instant)>>> = (0..workers).map(|_| Mutex::new(None)).collect();
    let finished = AtomicUsize::new(0);
    let started = Instant::now();
    let mut results: Vec<(usize, (Outcome, Notes), Duration)> = std::thread::scope(|s| {
        let (next, running, finished, cases, tolerances, node_dir) =
            (&next, &running, &finished, &cases, &tolerances, &node_dir);
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        let t = Instant::now();
                        *running[w].lock().unwrap_or_else(|e| e.into_inner()) = Some((i, t));
                        if trace {
                            eprintln!("[{name}] {case} ...");
                        }
                        let tol = tolerances.get(case).map_or(default_tol, |t| t.0);
                        let outcome = run_case_guarded(&node_dir.join(case), tol, suite.runner);
                        if trace {
                            eprintln!("[{name}] {case}: {:?} in {:.1?}", outcome.0, t.elapsed());
                        }
                        mine.push((i, outcome, t.elapsed()));
                    }
                    *running[w].lock().unwrap_or_else(|e| e.into_inner()) = None;
                    finished.fetch_add(1, Ordering::SeqCst);
                    mine
                })
            })
            .collect();
        s.spawn(move || {
            while finished.load(Ordering::SeqCst) < workers {
                for slot in running {
                    if let Some((i, t)) = *slot.lock().unwrap_or_else(|e| e.into_inner()) {
                        if t.elapsed() > CASE_TIME_LIMIT {
                            report(&format!(
                                "onnx conformance ({name}): {} has run for {:.0?}, over the {CASE_TIME_LIMIT:?} \
                                 a case may take: ending the test process",
                                cases[i],
                                t.elapsed()
                            ));
                            std::process::exit(101);
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        });
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked outside a case"))
            .collect()
    });
    results.sort_by_key(|r| r.0);
    let elapsed = started.elapsed();

    let (mut passed, mut xfail, mut skipped) = (0usize, 0usize, 0usize);
    let mut xfail_lines = Vec::new();
    let mut skip_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut fail_by_op: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bound_passes = Vec::new();
    for (i, (outcome, notes), _) in &results {
        let case = &cases[*i];
        let op = manifest[case].as_str();
        if let (Outcome::Pass, Some((t, path, true))) = (outcome, tolerances.get(case)) {
            if notes.fallback_tol_ok {
                problems.push(format!(
                    "{case} ({op}) passes with rtol {}, atol {}; remove its entry (rtol {}, atol {}) from {path}",
                    t.fallback.0, t.fallback.1, t.rtol, t.atol
                ));
            }
        }
        match (outcome, expected.get(case)) {
            (Outcome::Pass, None) => {
                passed += 1;
                if notes.bound {
                    bound_passes.push(case.as_str());
                }
            }
            (Outcome::Pass, Some((reason, path))) => problems.push(format!(
                "{case} ({op}) PASSES but is listed in {path} ({reason}): remove it from the list"
            )),
            (Outcome::Skip(why), None) => {
                skipped += 1;
                *skip_reasons.entry(why.clone()).or_default() += 1;
            }
            (Outcome::Skip(why), Some((_, path))) => problems.push(format!(
                "{case} ({op}) is skipped ({why}) but listed in {path}: remove it from the list"
            )),
            (Outcome::Fail(msg), Some((reason, _))) => {
                xfail += 1;
                xfail_lines.push(format!("{case} ({op}): {reason}\n      observed: {msg}"));
            }
            (Outcome::Fail(msg), None) => {
                *fail_by_op.entry(op).or_default() += 1;
                problems.push(format!("{case} ({op}) FAILED: {msg}"));
            }
        }
    }

    println!(
        "onnx conformance ({name}): {} cases in {:.1?} on {workers} threads",
        cases.len(),
        elapsed
    );
    let mut slow: Vec<_> = results.iter().filter(|r| r.2 > Duration::from_millis(500)).collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.2));
    for (i, _, t) in slow.iter().take(5) {
        println!("  slow case: {} took {t:.1?}", cases[*i]);
    }
    if !bound_passes.is_empty() {
        println!(
            "  {} passing cases needed their parameter inputs bound as constants (see PARAMETER_INPUTS): {}",
            bound_passes.len(),
            bound_passes.join(" ")
        );
    }
    for (why, n) in &skip_reasons {
        println!("  skipped {n}: {why}");
    }
    for line in &xfail_lines {
        println!("  expected failure: {line}");
    }
    for p in &problems {
        println!("  {p}");
    }
    if !fail_by_op.is_empty() {
        println!("  unexpected failures by op: {fail_by_op:?}");
    }
    (suite.after)();
    let failed = fail_by_op.values().sum::<usize>();
    let run = passed + xfail + failed;
    let rate = if run == 0 { 0.0 } else { passed as f64 / run as f64 };
    println!(
        "  pass rate: {passed} of {run} non-skipped cases ({:.1}%), target {:.0}%",
        100.0 * rate,
        100.0 * suite.min_pass_rate
    );
    report(&format!(
        "onnx conformance ({name}): {passed} passed, {xfail} expected failures, {skipped} skipped"
    ));

    assert!(
        problems.is_empty(),
        "{} problem(s) in the ONNX conformance suite ({name}; details above):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        rate >= suite.min_pass_rate,
        "only {passed} of {run} non-skipped cases pass ({name}, {:.1}%); the target is {:.0}%",
        100.0 * rate,
        100.0 * suite.min_pass_rate
    );
}

/// All cores, at most 16.
fn all_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(16)
}

#[test]
fn onnx_backend_node_tests() {
    let runner =
        |g: &Graph, inputs: &[TensorData]| edgecc_backends::reference::run(g, inputs).map_err(|e| format!("run: {e}"));
    run_suite(&Suite {
        name: "reference",
        expected: &[List {
            path: "tests/onnx/expected_failures.txt",
            owned: true,
        }],
        tolerances: &[List {
            path: "tests/onnx/tolerances.txt",
            owned: true,
        }],
        min_pass_rate: MIN_PASS_RATE,
        workers: all_cores(),
        runner: &runner,
        after: &|| {},
    });
}

/// The cases through WGSL: each data set's graph specialized to its shapes, compiled for the
/// device (f32), and run in a session that poisons its buffers (so an element a kernel forgets to
/// write shows). Failures beyond the reference run's are listed in
/// `tests/onnx/expected_failures_wgsl.txt`; `tests/onnx/tolerances_wgsl.txt` overrides
/// `tests/onnx/tolerances.txt`. No Vulkan adapter is a failure, never a skip.
#[test]
fn onnx_backend_node_tests_wgsl() {
    let device = edgecc::Device::open(None)
        .unwrap_or_else(|e| panic!("the WGSL conformance run needs a Vulkan adapter (lavapipe in CI): {e}"));
    println!("onnx conformance (wgsl): adapter `{}`", device.adapter_name());
    // Programs run, and those without a dispatch (every output folded to a constant at import).
    let (programs, no_dispatch) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let runner = |g: &Graph, inputs: &[TensorData]| -> Result<Vec<TensorData>, String> {
        let g =
            edgecc::specialize(g, &edgecc::symbol_values(g, inputs), false).map_err(|e| format!("specialize: {e}"))?;
        let (_, program) =
            edgecc::device::compile_wgsl(&g, device.caps(), Precision::F32).map_err(|e| format!("compile: {e}"))?;
        programs.fetch_add(1, Ordering::Relaxed);
        if program.dispatches.is_empty() {
            no_dispatch.fetch_add(1, Ordering::Relaxed);
        }
        let opts = SessionOptions {
            poison: true,
            profile: false,
        };
        let mut session = device.session(&program, opts).map_err(|e| format!("session: {e}"))?;
        session.run(inputs).map_err(|e| format!("run: {e}"))
    };
    run_suite(&Suite {
        name: "wgsl",
        expected: &[
            List {
                path: "tests/onnx/expected_failures.txt",
                owned: false,
            },
            List {
                path: "tests/onnx/expected_failures_wgsl.txt",
                owned: true,
            },
        ],
        tolerances: &[
            List {
                path: "tests/onnx/tolerances.txt",
                owned: false,
            },
            List {
                path: "tests/onnx/tolerances_wgsl.txt",
                owned: true,
            },
        ],
        min_pass_rate: MIN_PASS_RATE_WGSL,
        workers: all_cores(),
        runner: &runner,
        after: &|| {
            println!(
                "  {} programs compiled and run, {} of them without a dispatch (outputs constant after import)",
                programs.load(Ordering::Relaxed),
                no_dispatch.load(Ordering::Relaxed)
            )
        },
    });
}
