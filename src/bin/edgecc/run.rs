//! `edgecc run`: run a model on a target; print each output's shape and checksum, and optionally
//! write the outputs as `.npy` files; with `--iterations N`, time N more runs.
//!
//! Also home of what `verify` and `bench` share with it: [`load`] (reading the model file) and
//! [`prepare`] (a model or binary loaded for a target, with its inputs; see `executor`).

use crate::executor::{check_target, Executor};
use crate::inputs;
use crate::timing::{measure, ms_since, print_profile, profile_json, Timed, Timing};
use anyhow::Context;
use edgecc::backends::KernelTime;
use edgecc::summary::{checksum, stats};
use edgecc::Artifact;
use edgecc_ir::TensorData;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Run a model or a device binary and print each output's shape and a checksum.
///
/// MODEL is an `.onnx` model or `.eir` text graph (compiled for the target first), or a device
/// binary from `edgecc compile` (`.edgebin`), which runs on a device of the profile it was
/// compiled for (its precision and static shapes are fixed; --shape sizes only the dims it was
/// compiled with as dynamic, up to their bounds, for the random inputs).
/// With `--verify-key PUB`, a binary runs only if it is signed with that publisher's key.
///
/// Inputs come from `.npy` files (`--input NAME=FILE.npy`, repeatable) or, for those not given,
/// from `--random-inputs --seed S`. With `--output-dir DIR`, each graph output is written to
/// `DIR/NAME.npy`: `present.0.key` → `present.0.key.npy`; what a file name cannot hold (`/`, `\`,
/// `%`, control and Windows-reserved characters, a leading `.`) is %-escaped, so `/logits` →
/// `%2Flogits.npy`, and a name never leaves DIR.
///
/// With `--iterations N`, the first run is a warm-up (its outputs are the ones printed); then the
/// model runs N more times on the same inputs, reusing the compiled program and the device
/// session, and `timing: N runs, median X ms, min Y ms, compile Z ms` is printed (wall-clock time
/// per run: for a WGSL target the input upload, every dispatch and the output readback). The
/// compile time is what optimizing, generating the code and creating the device session took
/// (not opening the device); it is 0 for `--target reference`, which interprets the graph as
/// loaded (`load_ms` in the JSON is the time to read, import and verify the model).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc run examples/transformer_block.eir --target reference --random-inputs --seed 1
  edgecc run examples/transformer_block.eir --target lavapipe --random-inputs --iterations 20
  edgecc run examples/mlp.eir --target lavapipe --random-inputs --iterations 10 --profile --json
  edgecc run model.onnx --input input_ids=ids.npy --input attention_mask=mask.npy --output-dir out --json
  edgecc run model.onnx --random-inputs --shape batch=1 --shape seq_len=8 --shape past_seq_len=0
  edgecc run block.edgebin --random-inputs --iterations 20
  edgecc run dynamic.edgebin --random-inputs --shape seq=17
  edgecc run block.edgebin --verify-key publisher.key.pub --input x=x.npy")]
pub struct Args {
    /// The model file (.onnx or .eir text graph) or a device binary (.edgebin).
    pub model: PathBuf,
    /// Where to run it: `reference` (the CPU interpreter; the default for a model file), a
    /// device profile such as `lavapipe` (Mesa's software Vulkan device; see `edgecc targets`),
    /// or `auto` or `wgsl` (the Vulkan adapter chosen by --adapter, EDGECC_ADAPTER, or the first
    /// GPU, then any adapter). A binary runs on the local device of its own target profile by
    /// default; another target is refused naming both.
    #[arg(long)]
    pub target: Option<String>,
    /// Run a device binary only if it is signed with the secret key of this public key file
    /// (from `edgecc keygen`).
    #[arg(long, value_name = "PUB")]
    pub verify_key: Option<PathBuf>,
    /// With a WGSL target: the adapter, as a substring of its name or its index in `edgecc targets`.
    #[arg(long)]
    pub adapter: Option<String>,
    /// With a WGSL target: `f32`, or `f16` (f16 storage and arithmetic, f32 accumulation; needs
    /// SHADER_F16).
    #[arg(long, default_value = "f32")]
    pub precision: String,
    /// With a WGSL target: print each dispatch's GPU time (timestamp queries) after the outputs
    /// (with --iterations, the mean over the timed runs). Each dispatch then runs in a compute
    /// pass of its own, which adds a little to the --iterations timing.
    #[arg(long)]
    pub profile: bool,
    /// After one warm-up run, run N more times with the same compiled program and session and
    /// print the median and minimum time per inference (0: no timing).
    #[arg(long, value_name = "N", default_value_t = 0, alias = "repeat")]
    pub iterations: u32,
    /// An input from a numpy file, as NAME=FILE.npy (repeatable).
    #[arg(long = "input", value_name = "NAME=FILE.npy")]
    pub inputs: Vec<String>,
    /// Fill every input not given with --input with seeded random values drawn as the model reads
    /// them: token ids below their embedding's size, 0/1 masks, counting position ids; other
    /// floats in [-1, 1), integers in [0, 10) (README: Inputs).
    #[arg(long)]
    pub random_inputs: bool,
    /// Seed for --random-inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` or
    /// `--shape past_sequence_len=0` (repeatable). Not needed for dims the --input files fix:
    /// every dim, expressions such as `past_seq_len + seq_len` included, is bound from their
    /// shapes, and inputs that disagree are an error naming the input and the dim.
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Write each output to DIR/NAME.npy (the directory is created if needed). Names keep their
    /// letters, digits, `.`, `_`, `-`; `/`, `\`, `%`, control and Windows-reserved characters
    /// and a leading `.` are %-escaped (`/logits` → `%2Flogits.npy`).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Print the result as JSON: `outputs` (name → shape, dtype, checksum, sum, mean_abs, file),
    /// `load_ms`, `compile_ms`, and with --iterations `iterations`, `median_ms`, `min_ms`,
    /// `mean_ms` (null without), and with --profile `profile` and `gpu_ms`.
    #[arg(long)]
    pub json: bool,
}

/// Whether `path` names a device binary (`.edgebin`).
pub fn is_binary(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("edgebin")
}

/// A model or binary loaded and prepared for a target, with its inputs.
pub struct Prepared {
    pub exec: Executor,
    pub inputs: Vec<TensorData>,
    /// The output names, in order.
    pub outputs: Vec<String>,
    /// The model's (or binary's program's) name.
    pub name: String,
    /// The target it runs on.
    pub target: String,
    /// `f32` or `f16` (what a binary was compiled with).
    pub precision: String,
    pub load_ms: f64,
    pub compile_ms: f64,
}

/// What [`prepare`] needs from the command line.
pub struct PrepareArgs<'a> {
    pub model: &'a Path,
    pub target: Option<&'a str>,
    pub adapter: Option<&'a str>,
    pub precision: &'a str,
    pub shapes: &'a [String],
    pub inputs: &'a [String],
    pub random: bool,
    pub seed: u64,
    pub profile: bool,
    pub verify_key: Option<&'a Path>,
}

/// Loads a model file or a device binary, its inputs, and an executor on the target (a model
/// file's default target is `reference`): what `run` and `bench` share.
pub fn prepare(a: &PrepareArgs) -> anyhow::Result<Prepared> {
    if is_binary(a.model) {
        if a.precision != "f32" {
            anyhow::bail!(
                "{}: --precision does not apply to a device binary, which keeps the precision it was compiled \
                 with (`edgecc inspect` shows it); compile again with --precision",
                a.model.display()
            );
        }
        // A device that runs only its publisher's binaries checks the signature before it
        // decodes anything else of the file.
        let key = a
            .verify_key
            .map(edgecc::artifact::signing::read_verifying_key)
            .transpose()?;
        let start = Instant::now();
        let artifact = match &key {
            Some(k) => Artifact::read_signed_by(a.model, k)?,
            None => Artifact::read(a.model)?,
        };
        let load_ms = ms_since(start);
        let specs = artifact.meta.inputs.clone();
        let sizes = dynamic_sizes(a.model, &specs, a.shapes)?;
        let outputs = artifact.meta.outputs.iter().map(|o| o.name.clone()).collect();
        let name = artifact.program.name.clone();
        let target = a.target.unwrap_or(&artifact.meta.target).to_string();
        let precision = artifact.meta.precision.name().to_string();
        // Input errors (a missing or malformed file) come before the device is opened.
        let inputs = inputs::prepare_binary(&specs, &sizes, a.inputs, a.random, a.seed)?;
        let (exec, compile_ms) = Executor::open_binary(artifact, a.target, a.adapter, a.profile)?;
        return Ok(Prepared {
            exec,
            inputs,
            outputs,
            name,
            target,
            precision,
            load_ms,
            compile_ms,
        });
    }
    if a.verify_key.is_some() {
        anyhow::bail!("--verify-key applies to device binaries (.edgebin), not to model files");
    }
    let target = a.target.unwrap_or("reference");
    check_target(target)?;
    let precision = edgecc::device::parse_precision(a.precision)?;
    let (graph, inputs, load_ms) = inputs::prepare_model(a.model, a.shapes, a.inputs, a.random, a.seed)?;
    let (exec, compile_ms) = Executor::open(target, a.adapter, precision, a.profile, &graph)?;
    Ok(Prepared {
        exec,
        inputs,
        outputs: graph.outputs().iter().map(|&o| graph.value(o).name.clone()).collect(),
        name: graph.name().to_string(),
        target: target.to_string(),
        precision: a.precision.to_string(),
        load_ms,
        compile_ms,
    })
}

/// The sizes `--shape NAME=VALUE` gives a device binary's dynamic dims (they size the random
/// inputs): a binary's other dims were fixed by `edgecc compile`, and a size past a dim's bound
/// is an error naming the dim.
fn dynamic_sizes(
    model: &Path,
    specs: &[edgecc::artifact::TensorSpec],
    shapes: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, usize>> {
    let mut dims: Vec<(&str, u64)> = Vec::new();
    for d in specs.iter().flat_map(|s| &s.shape) {
        if let edgecc::artifact::DimSpec::Dynamic { name, max } = d {
            if !dims.iter().any(|(n, _)| n == name) {
                dims.push((name, *max));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for a in shapes {
        let parsed = a
            .split_once('=')
            .and_then(|(n, v)| Some((n.trim(), v.trim().parse::<u64>().ok()?)));
        let Some((name, value)) = parsed else {
            anyhow::bail!(
                "{}: --shape `{a}` is not NAME=VALUE with a whole number",
                model.display()
            );
        };
        let Some(&(_, max)) = dims.iter().find(|(n, _)| *n == name) else {
            let known = if dims.is_empty() {
                "it has none".to_string()
            } else {
                let list: Vec<String> = dims.iter().map(|(n, m)| format!("{n}<={m}")).collect();
                format!("its dynamic dims: {}", list.join(", "))
            };
            anyhow::bail!(
                "{}: --shape `{name}` names no dynamic dim of this device binary ({known}); its other shapes \
                 were fixed by `edgecc compile` (compile again with --shape or --dynamic)",
                model.display()
            );
        };
        if value > max {
            anyhow::bail!(
                "{}: --shape {name}={value} is over the dim's bound {max} in this device binary (compile again \
                 with a larger `--shape {name}<=N`)",
                model.display()
            );
        }
        out.insert(name.to_string(), value as usize);
    }
    Ok(out)
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let Prepared {
        mut exec,
        inputs,
        outputs: names,
        target,
        load_ms,
        compile_ms,
        ..
    } = prepare(&PrepareArgs {
        model: &args.model,
        target: args.target.as_deref(),
        adapter: args.adapter.as_deref(),
        precision: &args.precision,
        shapes: &args.shapes,
        inputs: &args.inputs,
        random: args.random_inputs,
        seed: args.seed,
        profile: args.profile,
        verify_key: args.verify_key.as_deref(),
    })?;
    let outputs = exec.run(&inputs)?;
    let mut profile = exec.profile().map(<[_]>::to_vec).unwrap_or_default();
    let timing = if args.iterations > 0 {
        let m = measure(&mut exec, &inputs, 0, args.iterations)?;
        if !m.profile.is_empty() {
            profile = m.profile;
        }
        Some(Timing { warmup: 1, ..m.timing })
    } else {
        None
    };
    let mut files = Vec::new();
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, t) in names.iter().zip(&outputs) {
            let path = dir.join(format!("{}.npy", edgecc::fsutil::safe_file_stem(name)));
            edgecc::fsutil::write_atomic(&path, &edgecc::npy::encode_npy(t))
                .with_context(|| format!("writing {}", path.display()))?;
            files.push(Some(path));
        }
    }
    files.resize(outputs.len(), None);
    let report = Report {
        names: &names,
        outputs: &outputs,
        files: &files,
        timing: timing.as_ref(),
        load_ms,
        compile_ms,
        profile: &profile,
    };
    if args.json {
        report.json(&target, exec.device());
    } else {
        report.text();
    }
    Ok(())
}

/// What `run` prints.
struct Report<'a> {
    /// The output names, in order.
    names: &'a [String],
    outputs: &'a [TensorData],
    files: &'a [Option<PathBuf>],
    timing: Option<&'a Timing>,
    load_ms: f64,
    compile_ms: f64,
    profile: &'a [KernelTime],
}

impl Report<'_> {
    fn json(&self, target: &str, device: Option<&str>) {
        let mut map = serde_json::Map::new();
        for ((name, t), file) in self.names.iter().zip(self.outputs).zip(self.files) {
            let (sum, mean_abs) = stats(t);
            map.insert(
                name.clone(),
                serde_json::json!({
                    "shape": t.shape(),
                    "dtype": t.dtype().name(),
                    "checksum": format!("{:016x}", checksum(t)),
                    "sum": sum,
                    "mean_abs": mean_abs,
                    "file": file.as_ref().map(|p| p.display().to_string()),
                }),
            );
        }
        let mut doc = serde_json::Map::new();
        doc.insert("target".into(), target.into());
        doc.insert("device".into(), device.into());
        doc.insert("outputs".into(), map.into());
        doc.insert("load_ms".into(), self.load_ms.into());
        doc.insert("compile_ms".into(), self.compile_ms.into());
        match self.timing {
            Some(t) => t.json_fields(&mut doc),
            None => {
                for k in ["median_ms", "min_ms", "mean_ms"] {
                    doc.insert(k.into(), serde_json::Value::Null);
                }
                doc.insert("iterations".into(), 0.into());
            }
        }
        if !self.profile.is_empty() {
            doc.insert("profile".into(), profile_json(self.profile));
            let gpu_ns: f64 = self.profile.iter().map(|t| t.ns).sum();
            doc.insert("gpu_ms".into(), (gpu_ns / 1e6).into());
        }
        println!("{}", serde_json::Value::Object(doc));
    }

    fn text(&self) {
        for ((name, t), file) in self.names.iter().zip(self.outputs).zip(self.files) {
            let (sum, mean_abs) = stats(t);
            let written = file
                .as_ref()
                .map(|p| format!(" -> {}", p.display()))
                .unwrap_or_default();
            println!(
                "{}: {}{:?} checksum={:016x} sum={sum:.6e} mean_abs={mean_abs:.6e}{written}",
                name,
                t.dtype(),
                t.shape(),
                checksum(t)
            );
        }
        if let Some(t) = self.timing {
            println!(
                "timing: {} runs, median {:.3} ms, min {:.3} ms, compile {:.3} ms",
                t.runs, t.median_ms, t.min_ms, self.compile_ms
            );
        }
        if !self.profile.is_empty() {
            let over = match self.timing {
                Some(t) => format!(", mean of {} runs", t.runs),
                None => String::new(),
            };
            print_profile(self.profile, &over);
        }
    }
}
