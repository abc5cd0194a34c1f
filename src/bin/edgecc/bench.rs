//! `edgecc bench`: time a model on a target: compile time, then the median and minimum wall time
//! per inference over timed runs after warm-up runs.

use crate::run::{prepare, PrepareArgs, Prepared};
use crate::timing::{measure, profile_json};
use std::path::PathBuf;

/// Time a model on a target: compile time, median and minimum time per inference.
///
/// Loads the model, compiles it for the target (`compile`: optimizing, generating the code and
/// creating the device session, not opening the device; 0 for `--target reference`, which
/// interprets the graph as loaded, whose cost is in `load`: reading, importing and verifying the
/// model), runs it --warmup times untimed and --iterations times timed on the same inputs (seeded
/// random values for those not given with --input), and prints the median and minimum
/// wall-clock time per inference (for a WGSL target: input upload, every dispatch, output
/// readback). With --profile, also the GPU time per inference from timestamp queries (the sum of
/// the dispatches, averaged over the timed runs).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc bench examples/transformer_block.eir --target lavapipe
  edgecc bench examples/transformer_block.eir --target lavapipe --iterations 50 --warmup 5 --profile
  edgecc bench examples/mlp.eir --target reference --json
  edgecc bench model.onnx --target auto --shape seq=128 --precision f16 --json
  edgecc bench block.edgebin --iterations 50")]
pub struct Args {
    /// The model file (.onnx or .eir text graph) or a device binary (.edgebin).
    pub model: PathBuf,
    /// Where to run it: `reference` (the CPU interpreter), a device profile such as `lavapipe`
    /// (Mesa's software Vulkan device; see `edgecc targets`), or `auto` or `wgsl` (the Vulkan
    /// adapter chosen by --adapter, EDGECC_ADAPTER, or the first GPU, then any adapter). Required
    /// for a model file; a binary runs on the device of its own target profile by default.
    #[arg(long)]
    pub target: Option<String>,
    /// With a WGSL target: the adapter, as a substring of its name or its index in `edgecc targets`.
    #[arg(long)]
    pub adapter: Option<String>,
    /// With a WGSL target: `f32`, or `f16` (f16 storage and arithmetic, f32 accumulation; needs
    /// SHADER_F16).
    #[arg(long, default_value = "f32")]
    pub precision: String,
    /// Timed runs (at least 1).
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: u32,
    /// Untimed runs before the timed ones.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub warmup: u32,
    /// With a WGSL target: also report the GPU time per inference (timestamp queries). Each
    /// dispatch then runs in a compute pass of its own, which adds a little to the wall time.
    #[arg(long)]
    pub profile: bool,
    /// An input from a numpy file, as NAME=FILE.npy (repeatable); the others get seeded random
    /// values.
    #[arg(long = "input", value_name = "NAME=FILE.npy")]
    pub inputs: Vec<String>,
    /// Run a device binary only if it is signed with the secret key of this public key file
    /// (from `edgecc keygen`); the signature is checked before the binary is decoded.
    #[arg(long, value_name = "PUB")]
    pub verify_key: Option<PathBuf>,
    /// Seed of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable; 0
    /// allowed). Dims the --input files fix are bound from their shapes (expressions such as
    /// `past_seq_len + seq_len` included); the others take their bound.
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Print the result as JSON: `median_ms`, `min_ms`, `mean_ms`, `compile_ms`, `load_ms`,
    /// `iterations`, `warmup`, `gpu_ms` (null without --profile), `outputs` (name → shape, dtype)
    /// and with --profile `profile` (per dispatch).
    #[arg(long)]
    pub json: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    if args.target.is_none() && !crate::run::is_binary(&args.model) {
        anyhow::bail!("--target is required for a model file (a device binary runs on its own target)");
    }
    let Prepared {
        mut exec,
        inputs,
        outputs: names,
        name,
        target,
        precision,
        load_ms,
        compile_ms,
    } = prepare(&PrepareArgs {
        model: &args.model,
        target: args.target.as_deref(),
        adapter: args.adapter.as_deref(),
        precision: &args.precision,
        shapes: &args.shapes,
        inputs: &args.inputs,
        random: true,
        seed: args.seed,
        profile: args.profile,
        verify_key: args.verify_key.as_deref(),
    })?;
    let wgsl = exec.device().is_some();
    let m = measure(&mut exec, &inputs, args.warmup, args.iterations)?;
    let t = &m.timing;
    let gpu_ms = (!m.profile.is_empty()).then(|| m.profile.iter().map(|k| k.ns).sum::<f64>() / 1e6);
    let device = exec.device().map(str::to_string);
    if args.json {
        let outputs: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .zip(&m.outputs)
            .map(|(n, t)| {
                (
                    n.clone(),
                    serde_json::json!({ "shape": t.shape(), "dtype": t.dtype().name() }),
                )
            })
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("model".into(), args.model.display().to_string().into());
        doc.insert("graph".into(), name.clone().into());
        doc.insert("target".into(), target.clone().into());
        doc.insert("device".into(), device.into());
        doc.insert("precision".into(), wgsl.then_some(precision.as_str()).into());
        doc.insert("load_ms".into(), load_ms.into());
        doc.insert("compile_ms".into(), compile_ms.into());
        t.json_fields(&mut doc);
        doc.insert("gpu_ms".into(), gpu_ms.into());
        if args.profile && wgsl {
            doc.insert("profile".into(), profile_json(&m.profile));
        }
        doc.insert("outputs".into(), outputs.into());
        println!("{}", serde_json::Value::Object(doc));
        return Ok(());
    }
    let on = match &device {
        Some(d) => format!("{target} ({d}, {precision})"),
        None => target.clone(),
    };
    println!("bench `{name}` ({}) on {on}", args.model.display());
    let binary = crate::run::is_binary(&args.model);
    if binary {
        println!("  load        {load_ms:>10.3} ms  (read, check hashes, validate)");
        println!("  session     {compile_ms:>10.3} ms  (buffers, weight upload, pipelines)");
    } else {
        println!("  load        {load_ms:>10.3} ms  (read, import, verify)");
    }
    if binary {
        // The session line above is the binary's whole preparation.
    } else if wgsl {
        println!("  compile     {compile_ms:>10.3} ms  (optimize, codegen, session)");
    } else {
        println!("  compile     {compile_ms:>10.3} ms  (none: the interpreter runs the graph as loaded)");
    }
    println!("  iterations  {:>10}     (after {} warm-up)", t.runs, t.warmup);
    println!("  median      {:>10.3} ms / inference", t.median_ms);
    println!("  min         {:>10.3} ms / inference", t.min_ms);
    if let Some(g) = gpu_ms {
        println!(
            "  gpu         {g:>10.3} ms / inference  ({} dispatches, mean of {} runs)",
            m.profile.len(),
            t.runs
        );
    }
    Ok(())
}
