//! `edgecc run`: run a model on a target; print each output's shape and checksum, and optionally
//! write the outputs as `.npy` files; with `--repeat N`, time N more runs.

use anyhow::Context;
use edgecc::summary::{checksum, stats};
use edgecc::Error;
use edgecc_ir::{Dim, Graph, TensorData};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Run a model and print each output's shape and a checksum.
///
/// Inputs come from `.npy` files (`--input NAME=FILE.npy`, repeatable) or, for those not given,
/// from `--random-inputs --seed S`. With `--output-dir DIR`, each graph output is written to
/// `DIR/NAME.npy` (names that are not safe file names are %-escaped).
///
/// With `--repeat N`, the first run is a warm-up (its outputs are the ones printed); then the model
/// runs N more times on the same inputs, reusing the compiled program and the device session, and
/// `timing: N runs, mean X ms, min Y ms` is printed (wall-clock time per run: for a WGSL target
/// the input upload, every dispatch and the output readback; not the compilation).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc run examples/transformer_block.eir --target reference --random-inputs --seed 1
  edgecc run examples/transformer_block.eir --target lavapipe --random-inputs --repeat 20
  edgecc run model.onnx --input input_ids=ids.npy --shape seq=16 --output-dir out --json")]
pub struct Args {
    /// The model file (.onnx or .eir text graph).
    pub model: PathBuf,
    /// Where to run it: `reference` (the CPU interpreter), `lavapipe` (Mesa's software Vulkan
    /// device), `auto` or `wgsl` (the Vulkan adapter chosen by --adapter, EDGECC_ADAPTER, or the
    /// first GPU, then any adapter).
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// With a WGSL target: the adapter, as a substring of its name or its index in `edgecc targets`.
    #[arg(long)]
    pub adapter: Option<String>,
    /// With a WGSL target: `f32`, or `f16` (f16 storage and arithmetic, f32 accumulation; needs
    /// SHADER_F16).
    #[arg(long, default_value = "f32")]
    pub precision: String,
    /// With a WGSL target: print each dispatch's GPU time (timestamp queries) after the outputs
    /// (with --repeat, the mean over the timed runs). Each dispatch then runs in a compute pass of
    /// its own, which adds a little to the --repeat timing.
    #[arg(long)]
    pub profile: bool,
    /// After one warm-up run, run N more times with the same compiled program and session and
    /// print `timing: N runs, mean X ms, min Y ms` (0: no timing).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub repeat: u32,
    /// An input from a numpy file, as NAME=FILE.npy (repeatable).
    #[arg(long = "input", value_name = "NAME=FILE.npy")]
    pub inputs: Vec<String>,
    /// Fill every input not given with --input with seeded uniform random values in [-1, 1)
    /// (integers in [0, 10)).
    #[arg(long)]
    pub random_inputs: bool,
    /// Seed for --random-inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable).
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Write each output to DIR/NAME.npy (the directory is created if needed).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let wgsl = edgecc::device::is_wgsl_target(&args.target);
    if args.target != "reference" && !wgsl {
        return Err(Error::UnknownTarget(args.target).into());
    }
    let precision = edgecc::device::parse_precision(&args.precision)?;
    let shapes = edgecc::parse_shape_args(&args.shapes)?;
    let graph = edgecc::load_model(&args.model, &shapes)?;
    let given = read_inputs(&graph, &args.inputs)?;
    let graph = bind_symbols(&graph, &given, args.random_inputs)?;
    edgecc::budget::check_tensor_sizes(&graph, edgecc::budget::max_tensor_bytes())?;
    let inputs = gather_inputs(&graph, given, args.random_inputs, args.seed)?;
    let mut times = Vec::new();
    let (outputs, timing) = if wgsl {
        let runner = edgecc::device::WgslRunner::open(&args.target, args.adapter.as_deref())?;
        let (_, program) = edgecc::device::compile_wgsl(&graph, runner.caps(), precision)?;
        let mut session = runner.session(
            &program,
            edgecc::backends::wgsl::SessionOptions {
                poison: false,
                profile: args.profile,
            },
        )?;
        let outputs = session.run(&inputs)?;
        times = session.last_profile().map(<[_]>::to_vec).unwrap_or_default();
        let mut profile_sum = vec![0f64; times.len()];
        let timing = time_runs(args.repeat, || {
            session.run(&inputs)?;
            for (sum, t) in profile_sum.iter_mut().zip(session.last_profile().unwrap_or_default()) {
                *sum += t.ns;
            }
            Ok(())
        })?;
        if let Some(t) = &timing {
            for (kt, sum) in times.iter_mut().zip(&profile_sum) {
                kt.ns = sum / f64::from(t.runs);
            }
        }
        (outputs, timing)
    } else {
        let outputs = edgecc::run_reference(&graph, &inputs)?;
        let timing = time_runs(args.repeat, || edgecc::run_reference(&graph, &inputs).map(drop))?;
        (outputs, timing)
    };
    let mut files = Vec::new();
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (&o, t) in graph.outputs().iter().zip(&outputs) {
            let path = dir.join(format!("{}.npy", edgecc::fsutil::safe_file_stem(&graph.value(o).name)));
            edgecc::fsutil::write_atomic(&path, &edgecc::npy::encode_npy(t))
                .with_context(|| format!("writing {}", path.display()))?;
            files.push(Some(path));
        }
    }
    files.resize(outputs.len(), None);
    report(&graph, &outputs, &files, timing.as_ref(), args.json);
    if args.profile && !times.is_empty() {
        let total: f64 = times.iter().map(|t| t.ns).sum();
        let over = match &timing {
            Some(t) => format!(", mean of {} runs", t.runs),
            None => String::new(),
        };
        println!(
            "profile ({} dispatches, {:.3} ms GPU total{over}):",
            times.len(),
            total / 1e6
        );
        for t in &times {
            println!("  {:>10.3} us  {}", t.ns / 1e3, t.label);
        }
    }
    Ok(())
}

/// Wall-clock times of the `--repeat` runs.
struct Timing {
    runs: u32,
    mean_ms: f64,
    min_ms: f64,
}

/// Runs `once` `runs` times and times each call; `None` for 0 runs.
fn time_runs(runs: u32, mut once: impl FnMut() -> edgecc::Result<()>) -> edgecc::Result<Option<Timing>> {
    if runs == 0 {
        return Ok(None);
    }
    let mut total = 0f64;
    let mut min = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        once()?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        total += ms;
        min = min.min(ms);
    }
    Ok(Some(Timing {
        runs,
        mean_ms: total / f64::from(runs),
        min_ms: min,
    }))
}

/// Reads the `--input NAME=FILE.npy` files, keyed by input name.
fn read_inputs(g: &Graph, args: &[String]) -> edgecc::Result<BTreeMap<String, TensorData>> {
    let mut out = BTreeMap::new();
    for a in args {
        let (name, file) = a.split_once('=').ok_or_else(|| Error::BadInputArg(a.clone()))?;
        if !g.inputs().iter().any(|&i| g.value(i).name == name) {
            let known = g
                .inputs()
                .iter()
                .map(|&i| g.value(i).name.clone())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::UnknownInput {
                name: name.to_string(),
                known,
            });
        }
        let path = Path::new(file);
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let t = edgecc::npy::decode_npy(&bytes).map_err(|e| Error::Npy {
            path: path.to_path_buf(),
            msg: e.0,
        })?;
        if out.insert(name.to_string(), t).is_some() {
            return Err(Error::Repeated {
                flag: "--input",
                name: name.to_string(),
            });
        }
    }
    Ok(out)
}

/// Specializes symbolic input dims from the given inputs' shapes; with `fill`, the remaining
/// symbolic dims take their upper bound (for random inputs).
fn bind_symbols(g: &Graph, given: &BTreeMap<String, TensorData>, fill: bool) -> edgecc::Result<Graph> {
    let mut values = BTreeMap::new();
    for &i in g.inputs() {
        let v = g.value(i);
        let Some(t) = given.get(&v.name) else { continue };
        if t.shape().len() != v.ty.shape.rank() {
            continue; // the interpreter reports the rank mismatch, naming the input
        }
        for (d, &n) in v.ty.shape.dims().iter().zip(t.shape()) {
            if let Dim::Sym { name, .. } = d {
                values.entry(name.clone()).or_insert(n as u64);
            }
        }
    }
    edgecc::specialize(g, &values, fill)
}

fn gather_inputs(
    g: &Graph,
    mut given: BTreeMap<String, TensorData>,
    random: bool,
    seed: u64,
) -> edgecc::Result<Vec<TensorData>> {
    let mut random_values = if random {
        edgecc::models::random_inputs(g, seed, &edgecc::models::sym_at_max)?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; g.inputs().len()]
    };
    g.inputs()
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let name = &g.value(i).name;
            given
                .remove(name)
                .or_else(|| random_values[k].take())
                .ok_or_else(|| Error::MissingInput { name: name.clone() })
        })
        .collect()
}

fn report(g: &Graph, outputs: &[TensorData], files: &[Option<PathBuf>], timing: Option<&Timing>, json: bool) {
    if json {
        let mut map = serde_json::Map::new();
        for ((&o, t), file) in g.outputs().iter().zip(outputs).zip(files) {
            let (sum, mean_abs) = stats(t);
            map.insert(
                g.value(o).name.clone(),
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
        let mut doc = serde_json::json!({ "outputs": map });
        if let Some(t) = timing {
            doc["timing"] = serde_json::json!({ "runs": t.runs, "mean_ms": t.mean_ms, "min_ms": t.min_ms });
        }
        println!("{doc}");
        return;
    }
    for ((&o, t), file) in g.outputs().iter().zip(outputs).zip(files) {
        let (sum, mean_abs) = stats(t);
        let written = file
            .as_ref()
            .map(|p| format!(" -> {}", p.display()))
            .unwrap_or_default();
        println!(
            "{}: {}{:?} checksum={:016x} sum={sum:.6e} mean_abs={mean_abs:.6e}{written}",
            g.value(o).name,
            t.dtype(),
            t.shape(),
            checksum(t)
        );
    }
    if let Some(t) = timing {
        println!(
            "timing: {} runs, mean {:.3} ms, min {:.3} ms",
            t.runs, t.mean_ms, t.min_ms
        );
    }
}
