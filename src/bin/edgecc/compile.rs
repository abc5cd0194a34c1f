//! `edgecc compile`: compile a model into a device binary (`.edgebin`) for a target profile.

use anyhow::Context;
use edgecc::device::EmitFormat;
use edgecc::{Artifact, CompileOptions, Error, Target};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Compile a model into a self-contained device binary (.edgebin) for a target.
///
/// The binary holds the model's inputs and outputs, every kernel's shader, the arena plan and the
/// weights in their device layout, with a SHA-256 of every section. `edgecc run FILE.edgebin`
/// loads it on a device of its target profile; no model file or compiler is needed there.
/// Compiling needs no device: a binary for `adreno-740` compiles on any machine. Tile sizes come
/// from the target's device profile, or from `--schedule` per problem key (a tuning database
/// comes with the autotuner).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc compile examples/transformer_block.eir --target lavapipe -o block.edgebin
  edgecc compile model.onnx --target adreno-740 --precision f16 --shape seq=128
  edgecc compile model.onnx --target lavapipe --dynamic seq --shape seq<=512
  edgecc compile model.onnx --target auto --emit spirv --emit-dir kernels/
  edgecc compile examples/mlp.eir --target lavapipe --json")]
pub struct Args {
    /// The model file (.onnx or .eir text graph).
    pub model: PathBuf,
    /// The device profile to compile for (`edgecc targets` lists them), or `auto`: the local
    /// adapter (chosen by --adapter, EDGECC_ADAPTER, or the first GPU).
    #[arg(long)]
    pub target: String,
    /// With `--target auto`: the adapter, as a substring of its name or its index.
    #[arg(long)]
    pub adapter: Option<String>,
    /// Where to write the binary (default: the model's path with the extension .edgebin).
    #[arg(short = 'o', long = "output", value_name = "OUT.edgebin")]
    pub output: Option<PathBuf>,
    /// `f32`, or `f16` (f16 storage and arithmetic, f32 accumulation; the target needs f16).
    #[arg(long, default_value = "f32")]
    pub precision: String,
    /// Give a symbolic dim (ONNX dim_param) the value to compile for, e.g. `--shape seq=128`
    /// (repeatable); the others take their upper bound. The binary runs on exactly these shapes,
    /// but for `--dynamic` dims, whose bound this sets (`--shape seq<=512`).
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Keep a symbolic dim dynamic (repeatable), e.g. `--dynamic seq --shape seq<=512`: the
    /// binary runs at any size of it up to its bound (its `--shape` value, else its bound in the
    /// model), reading the sizes off the inputs at each run; buffers are sized at the bound.
    #[arg(long = "dynamic", value_name = "NAME")]
    pub dynamic: Vec<String>,
    /// Fix one kernel's schedule instead of the target's default, as
    /// `PROBLEM_KEY=SCHEDULE` (repeatable), e.g.
    /// `--schedule 'gemm.f32.b1.m64.n64.k64.a=mk.b=kn=gemm tile=32x32x16 reg=4x4 vec=4 stages=1'`.
    /// `edgecc inspect OUT.edgebin` lists every dispatch's problem key and schedule. A schedule
    /// that does not fit the target is an error naming the kernel.
    #[arg(long = "schedule", value_name = "KEY=SCHEDULE")]
    pub schedules: Vec<String>,
    /// Also write every kernel's shader in this format: `wgsl`, `spirv` or `msl` (`ptx` and
    /// `cubin` come with the CUDA backend), one file per dispatch.
    #[arg(long, value_name = "FORMAT")]
    pub emit: Option<String>,
    /// The directory --emit writes to (default: the output's path without its extension, plus
    /// `.FORMAT`, e.g. `block.spirv/`).
    #[arg(long, value_name = "DIR", requires = "emit")]
    pub emit_dir: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    if args.target == "reference" {
        anyhow::bail!(
            "target `reference` is the CPU interpreter and has no device binary; compile for a device \
             profile (`edgecc targets`), or run the model with `edgecc run MODEL --target reference`"
        );
    }
    let emit = match args.emit.as_deref() {
        Some("ptx" | "cubin") => anyhow::bail!(
            "--emit {} needs the CUDA backend, which is not built yet; WGSL targets emit wgsl, spirv or msl",
            args.emit.as_deref().unwrap_or_default()
        ),
        Some(f) => Some(EmitFormat::parse(f)?),
        None => None,
    };
    let precision = edgecc::device::parse_precision(&args.precision)?;
    let dynamic: std::collections::BTreeSet<String> = args.dynamic.iter().map(|d| d.trim().to_string()).collect();
    if dynamic.len() != args.dynamic.len() || dynamic.iter().any(String::is_empty) {
        anyhow::bail!("--dynamic: each dim is named once, and not empty");
    }
    // `NAME<=N` bounds a dynamic dim; `NAME=N` fixes any other (or bounds a dynamic one).
    let mut shape_args = Vec::with_capacity(args.shapes.len());
    for a in &args.shapes {
        match a.split_once("<=") {
            Some((name, n)) if dynamic.contains(name.trim()) => {
                if n.trim().parse::<u64>().is_err() {
                    anyhow::bail!("bad --shape `{a}`: expected NAME<=N with N a non-negative integer");
                }
                shape_args.push(format!("{name}={n}"))
            }
            Some((name, _)) => anyhow::bail!(
                "--shape {a}: `<=` bounds a dynamic dim; add `--dynamic {}`, or fix the dim with `--shape {}=N`",
                name.trim(),
                name.trim()
            ),
            None => shape_args.push(a.clone()),
        }
    }
    let shapes = edgecc::parse_shape_args(&shape_args)?;
    // The bounds of the dynamic dims, and the values of the others.
    let (bounds, fixed): (
        std::collections::BTreeMap<String, u64>,
        std::collections::BTreeMap<String, u64>,
    ) = shapes.into_iter().partition(|(n, _)| dynamic.contains(n));
    let mut schedules = edgecc_autotune::ScheduleSource::defaults();
    for text in &args.schedules {
        let before = schedules.iter().count();
        schedules
            .fix_text(text)
            .map_err(|e| anyhow::anyhow!("--schedule {text:?}: {e}"))?;
        if schedules.iter().count() == before {
            anyhow::bail!("--schedule {text:?}: its problem key is given a schedule twice");
        }
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.model.with_extension("edgebin"));
    if output.is_dir() {
        anyhow::bail!("-o {}: is a directory; give a file name", output.display());
    }

    let progress = Progress::new();
    progress.stage("resolving the target");
    let target = Target::parse(&args.target, args.adapter.as_deref())?;
    progress.stage("importing the model");
    // An ONNX model takes the --shape values at import (they let its shape subgraphs fold); a
    // text graph keeps its symbolic dims until `compile` binds them, so the binary records them.
    // The dynamic dims stay symbolic through import; `compile` bounds them.
    let (graph, options) = if args.model.extension().and_then(|e| e.to_str()) == Some("onnx") {
        let graph = edgecc::load_model_with_bounds(&args.model, &fixed, &bounds)?;
        (
            graph,
            CompileOptions {
                precision,
                shapes: bounds,
                dynamic,
                schedules,
            },
        )
    } else {
        let all: std::collections::BTreeMap<String, u64> =
            fixed.iter().chain(&bounds).map(|(n, v)| (n.clone(), *v)).collect();
        match edgecc::load_model(&args.model, &Default::default()) {
            Ok(graph) => (
                graph,
                CompileOptions {
                    precision,
                    shapes: all,
                    dynamic,
                    schedules,
                },
            ),
            // A graph whose shapes infer only with its dims given (a `Concat` of a symbolic
            // `past` and a static extent) is loaded with them: its binary has static shapes.
            Err(_) if !fixed.is_empty() => (
                edgecc::load_model(&args.model, &fixed)?,
                CompileOptions {
                    precision,
                    shapes: bounds,
                    dynamic,
                    schedules,
                },
            ),
            Err(e) => return Err(e.into()),
        }
    };
    progress.stage("optimizing, fusing, generating and validating kernels");
    let artifact = edgecc::compile(&graph, &target, &options)?;
    // A fixed key no kernel has is a mistake (a typo, another shape): say so rather than
    // compile with the defaults. (The library takes any key: a tuning database holds many.)
    for (key, _) in options.schedules.iter() {
        if !artifact.program.dispatches.iter().any(|d| d.problem == *key) {
            anyhow::bail!(
                "--schedule: no kernel of the model has problem `{key}`; `edgecc inspect` on a binary \
                 compiled without --schedule lists every dispatch's problem key"
            );
        }
    }
    // The shaders to emit are made (and their directory created) before the binary is written,
    // so a failing --emit leaves no binary behind.
    let to_emit = match emit {
        Some(format) => {
            let dir = args
                .emit_dir
                .clone()
                .unwrap_or_else(|| output.with_extension(format_dir(format)));
            let files = edgecc::device::emit_shaders(&artifact.program, target.caps(), format)?;
            std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            Some((dir, files))
        }
        None => None,
    };
    progress.stage("writing the binary");
    artifact.write(&output)?;
    let mut emitted = Vec::new();
    if let Some((dir, files)) = to_emit {
        emitted = write_shaders(&dir, files)?;
    }
    progress.finish();
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    report(&artifact, &output, bytes, compile_ms, &emitted, args.json);
    Ok(())
}

/// The default --emit directory suffix.
fn format_dir(format: EmitFormat) -> &'static str {
    match format {
        EmitFormat::Wgsl => "wgsl",
        EmitFormat::Spirv => "spirv",
        EmitFormat::Msl => "msl",
    }
}

/// Writes the emitted shaders into `dir`, each atomically.
fn write_shaders(dir: &Path, files: Vec<(String, Vec<u8>)>) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        edgecc::fsutil::write_atomic(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn report(a: &Artifact, output: &Path, bytes: u64, compile_ms: f64, emitted: &[PathBuf], json: bool) {
    let p = &a.program;
    let mut shaders: Vec<&str> = p.dispatches.iter().map(|d| &*d.wgsl).collect();
    shaders.sort_unstable();
    shaders.dedup();
    let weight_bytes: u64 = p.weights.iter().map(|(_, w)| w.len() as u64).sum();
    if json {
        let doc = serde_json::json!({
            "output": output.display().to_string(),
            "bytes": bytes,
            "target": a.meta.target,
            "precision": a.meta.precision.name(),
            "dispatches": p.dispatches.len(),
            "shaders": shaders.len(),
            "weight_bytes": weight_bytes,
            "arena_bytes": p.arena_bytes,
            "compile_ms": compile_ms,
            "emitted": emitted.iter().map(|e| e.display().to_string()).collect::<Vec<_>>(),
        });
        println!("{doc}");
        return;
    }
    println!(
        "wrote {} ({bytes} bytes): target {}, {} precision, {} dispatches ({} distinct shaders), \
         weights {weight_bytes} bytes, arena {} bytes, compiled in {compile_ms:.0} ms",
        output.display(),
        a.meta.target,
        a.meta.precision.name(),
        p.dispatches.len(),
        shaders.len(),
        p.arena_bytes,
    );
    if let Some(dir) = emitted.first().and_then(|e| e.parent()) {
        println!("emitted {} shaders into {}", emitted.len(), dir.display());
    }
}

/// A spinner on stderr naming the current stage; hidden when stderr is not a terminal.
struct Progress(ProgressBar);

impl Progress {
    fn new() -> Progress {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(bar)
    }

    fn stage(&self, what: &str) {
        self.0.set_message(what.to_string());
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
