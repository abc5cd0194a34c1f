//! `edgecc inspect`: print the verified graph and a summary; with `--target`, optimize it (the
//! target's pass pipeline, fusion, memory planning) and print the kernels, statistics, the IR
//! after a pass or each pass's time, or write the fused kernel graph as Graphviz DOT; with
//! `--dump kir|wgsl`, compile it and print each dispatch's code (`dump.rs`).

use anyhow::Context;
use edgecc::passes::{fuse, pipeline_for, plan, KernelGraph, MemoryPlan, PipelineRun, RunOptions};
use edgecc::summary::{human_bytes, ops_histogram};
use edgecc_ir::Graph;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Print a model's graph and summary, its fused kernels for a target, or a binary's manifest.
///
/// Without --target: the verified graph and a summary (nodes by op, weights size). With
/// --target: the model optimized for that target, with its fused kernels and memory plan. A
/// device binary (.edgebin): its target, inputs, outputs, requirements and dispatches.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc inspect examples/mlp.eir
  edgecc inspect model.onnx --shape seq=16 --summary-only
  edgecc inspect examples/transformer_block.eir --target reference --stats
  edgecc inspect model.onnx --target wgsl --stats --json
  edgecc inspect examples/mlp.eir --target reference --dump-after const_fold --time-passes
  edgecc inspect block.edgebin --json
  edgecc inspect examples/transformer_block.eir --target lavapipe --dump kir
  edgecc inspect examples/transformer_block.eir --target wgsl --dot kernels.dot
  edgecc inspect examples/transformer_block.eir --target wgsl --dot - | dot -Tsvg -o kernels.svg")]
pub struct Args {
    /// The model file (.onnx or .eir text graph), or a device binary (.edgebin: prints its
    /// manifest).
    pub model: PathBuf,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable).
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Print only the summary, not the graph (or, with --target, not the kernels).
    #[arg(long)]
    pub summary_only: bool,
    /// Optimize for this target (`reference`, or `wgsl`, `auto` or a WGSL device profile such as
    /// `lavapipe`, which all use the WGSL pipeline): its pass pipeline, fusion into kernels and
    /// memory planning; prints the kernels and the plan unless --stats, --dump-after,
    /// --time-passes or --dot say what to print.
    #[arg(long, value_name = "T")]
    pub target: Option<String>,
    /// Print statistics (nodes, kernels, launches, global-memory bytes, peak activation memory,
    /// weights) for the optimized pipeline against the unfused baseline, with percent changes.
    #[arg(long, requires = "target")]
    pub stats: bool,
    /// Print one JSON document instead of text: without --target the graph summary (inputs,
    /// outputs, nodes by op, weights); with --target the statistics (`baseline`, `optimized`,
    /// `change_percent`), the `kernels` and the `memory` plan, and `passes` (--time-passes) and
    /// `dumps` (--dump-after) when asked.
    #[arg(long)]
    pub json: bool,
    /// Print the IR after every run of this pass (repeatable).
    #[arg(long, value_name = "PASS", requires = "target")]
    pub dump_after: Vec<String>,
    /// Print each pass's wall time (fusion and planning included).
    #[arg(long, requires = "target")]
    pub time_passes: bool,
    /// Write the fused kernel graph as Graphviz DOT to FILE (`-`: print it): one box per kernel
    /// with its kind and fused ops, inputs, weights and outputs as nodes of their own, and the
    /// buffers between kernels as labelled edges. Render with `dot -Tsvg FILE -o kernels.svg`.
    #[arg(long, value_name = "FILE", requires = "target")]
    pub dot: Option<PathBuf>,
    /// Compile for the device target and print every distinct dispatch's code: `kir` (the
    /// kernel IR: a pointwise kernel whole, a template kernel's caller functions, its main loop
    /// being the template's) or `wgsl` (the shader). Symbolic dims not given by --shape take
    /// their upper bound.
    #[arg(long, value_name = "kir|wgsl", requires = "target")]
    pub dump: Option<String>,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    if args.json && args.dot.as_deref() == Some(Path::new("-")) {
        anyhow::bail!("--dot - and --json both print to stdout: give --dot a file name");
    }
    if crate::run::is_binary(&args.model) {
        return inspect_binary(&args);
    }
    let shapes = edgecc::parse_shape_args(&args.shapes)?;
    let is_onnx = args.model.extension().and_then(|e| e.to_str()) == Some("onnx");
    // The ONNX model's own metadata, read without importing it (printed first, so that it shows
    // also when the import fails, e.g. on an opset edgecc does not map).
    let info = if is_onnx && args.target.is_none() {
        let limits = edgecc_onnx::Limits::default();
        // A file that does not decode is reported by the import below, as for every command.
        let info = edgecc_onnx::model_info_file(&args.model, &limits).ok();
        if let (Some(info), false) = (&info, args.json) {
            print_model_info(info);
        }
        info
    } else {
        None
    };
    let g = edgecc::load_model(&args.model, &shapes)?;
    match &args.target {
        None if args.json => {
            let mut v = graph_summary_json(&g);
            if let (Some(info), Some(obj)) = (&info, v.as_object_mut()) {
                obj.insert("onnx".into(), model_info_json(info));
            }
            println!("{v}");
            Ok(())
        }
        None => {
            print_graph_summary(&g, args.summary_only);
            Ok(())
        }
        Some(t) => match &args.dump {
            Some(what) => crate::dump::main(&g, t, crate::dump::What::parse(what)?, args.json),
            None => optimize(&g, t, &args),
        },
    }
}

/// `onnx model: ir_version 8, producer pytorch 2.1`, then the opset imports and node domains.
fn print_model_info(info: &edgecc_onnx::ModelInfo) {
    let producer = match (info.producer_name.as_str(), info.producer_version.as_str()) {
        ("", "") => "(not recorded)".to_string(),
        (n, "") => n.to_string(),
        ("", v) => format!("(unnamed) {v}"),
        (n, v) => format!("{n} {v}"),
    };
    println!("onnx model: ir_version {}, producer {producer}", info.ir_version);
    let opsets: Vec<String> = info.opsets.iter().map(|(d, v)| format!("{d} {v}")).collect();
    println!(
        "  opset imports: {}",
        if opsets.is_empty() {
            "(none)".to_string()
        } else {
            opsets.join(", ")
        }
    );
    println!(
        "  node domains: {}",
        if info.node_domains.is_empty() {
            "(none)".to_string()
        } else {
            info.node_domains.join(", ")
        }
    );
    if !info.functions.is_empty() {
        println!("  model-local functions: {}", info.functions.join(", "));
    }
}

fn model_info_json(info: &edgecc_onnx::ModelInfo) -> serde_json::Value {
    let opsets: serde_json::Map<String, serde_json::Value> = info
        .opsets
        .iter()
        .map(|(d, v)| (d.clone(), serde_json::json!(v)))
        .collect();
    serde_json::json!({
        "ir_version": info.ir_version,
        "producer_name": info.producer_name,
        "producer_version": info.producer_version,
        "opset_imports": opsets,
        "node_domains": info.node_domains,
        "functions": info.functions,
    })
}

/// A device binary: its header and manifest (`--json`: all of it, as stored), after the loader's
/// checks. Graph options do not apply.
fn inspect_binary(args: &Args) -> anyhow::Result<()> {
    if args.target.is_some() || !args.shapes.is_empty() || args.dot.is_some() {
        anyhow::bail!(
            "{}: a device binary is already compiled; --target, --shape and --dot apply to model files",
            args.model.display()
        );
    }
    let a = edgecc::Artifact::read(&args.model)?;
    if args.json {
        println!("{}", a.manifest_json());
        return Ok(());
    }
    let m = &a.meta;
    let p = &a.program;
    println!(
        "device binary `{}`: target {}, backend {}, {} precision, written by edgecc {}",
        p.name,
        m.target,
        m.backend,
        m.precision.name(),
        m.edgecc_version
    );
    let spec = |t: &edgecc::artifact::TensorSpec| -> String {
        let dims: Vec<String> = t
            .shape
            .iter()
            .map(|d| match d {
                edgecc::artifact::DimSpec::Static(n) => n.to_string(),
                edgecc::artifact::DimSpec::Sym { name, value, max } => format!("{name}={value} (<= {max})"),
                edgecc::artifact::DimSpec::Dynamic { name, max } => format!("{name} (dynamic, <= {max})"),
            })
            .collect();
        format!("{} {}[{}]", t.name, t.dtype, dims.join(", "))
    };
    for t in &m.inputs {
        println!("  input  {}", spec(t));
    }
    for t in &m.outputs {
        println!("  output {}", spec(t));
    }
    let l = &m.limits;
    println!(
        "generated for: {} invocations per workgroup ({} along x), {} bytes of workgroup memory, \
         {} workgroups per dim, {} bytes per storage binding, {} storage buffers per stage",
        l.max_workgroup_invocations,
        l.max_workgroup_size_x,
        l.shared_memory_bytes,
        l.max_workgroups_per_dim,
        l.max_storage_binding_bytes,
        l.max_storage_buffers_per_stage
    );
    let r = &m.requirements;
    println!(
        "requires: f16 {}, subgroups {}, {} bindings per dispatch, {} bytes per binding, {} workgroups per dim, \
         {}-byte offset alignment",
        r.shader_f16,
        r.subgroups,
        r.max_bindings,
        r.max_binding_bytes,
        r.max_workgroups_per_dim,
        r.storage_offset_alignment
    );
    let weight_bytes: u64 = p.weights.iter().map(|(_, w)| w.len() as u64).sum();
    println!(
        "arena {} ({} bytes); weights {} ({weight_bytes} bytes, {} tensors)",
        human_bytes(p.arena_bytes as usize),
        p.arena_bytes,
        human_bytes(weight_bytes as usize),
        p.weights.len()
    );
    println!("dispatches ({}):", p.dispatches.len());
    for d in &p.dispatches {
        // A variant of a dispatch over a dynamic dim runs at the sizes of its range only.
        let when = d
            .launch
            .as_ref()
            .and_then(|l| l.when.map(|r| (l, r)))
            .map(|(l, r)| {
                let dim = l
                    .program_dims
                    .get(r.dim)
                    .and_then(|&j| p.dims.get(j))
                    .map_or("?", |d| d.name.as_str());
                format!(", runs at {dim} in {}..={}", r.min, r.max)
            })
            .unwrap_or_default();
        println!(
            "  {:<28} workgroups {:?}, {} bindings, problem {}, schedule {}{when}",
            d.label,
            d.workgroups,
            d.bindings.len(),
            d.problem,
            d.schedule
        );
    }
    match &a.signature {
        Some(s) => println!("signed by key {}", edgecc::artifact::signing::hex(&s.public_key)),
        None => println!("not signed"),
    }
    Ok(())
}

fn graph_summary_json(g: &Graph) -> serde_json::Value {
    let values = |ids: &[edgecc_ir::ValueId]| -> Vec<serde_json::Value> {
        ids.iter()
            .map(|&i| {
                let v = g.value(i);
                serde_json::json!({ "name": v.name, "type": v.ty.to_string() })
            })
            .collect()
    };
    serde_json::json!({
        "model": g.name(),
        "nodes": g.nodes().len(),
        "values": g.values().len(),
        "inputs": values(g.inputs()),
        "outputs": values(g.outputs()),
        "ops": ops_histogram(g),
        "weights": { "constants": g.consts().len(), "bytes": g.weights_bytes() },
    })
}

fn print_graph_summary(g: &Graph, summary_only: bool) {
    if !summary_only {
        print!("{g}");
        println!();
    }
    println!(
        "graph `{}`: {} nodes, {} values",
        g.name(),
        g.nodes().len(),
        g.values().len()
    );
    for &i in g.inputs() {
        let v = g.value(i);
        println!("  input  {}: {}", v.name, v.ty);
    }
    for &o in g.outputs() {
        let v = g.value(o);
        println!("  output {}: {}", v.name, v.ty);
    }
    println!("nodes by op:");
    for (op, n) in ops_histogram(g) {
        println!("  {op:<18} {n}");
    }
    let wb = g.weights_bytes();
    println!(
        "weights: {} constants, {} ({wb} bytes)",
        g.consts().len(),
        human_bytes(wb)
    );
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

fn optimize(g: &Graph, target: &str, args: &Args) -> anyhow::Result<()> {
    // A device target (a profile, `auto`) optimizes with its backend's pipeline.
    let pipeline_name = match target {
        "reference" | "wgsl" => target,
        _ if crate::executor::check_target(target)? => "wgsl",
        _ => target,
    };
    let pipeline = pipeline_for(pipeline_name)?;
    let opts = RunOptions {
        verify: false,
        time_passes: args.time_passes,
        dump_after: args.dump_after.clone(),
    };
    let run = pipeline.run_with(g, &edgecc::optimize::pass_context(), &opts)?;
    let t = Instant::now();
    let kernels = fuse(&run.graph)?;
    let fuse_ms = ms(t);
    let t = Instant::now();
    let memory = plan(&kernels)?;
    let plan_ms = ms(t);

    let optimized = edgecc::optimize::Optimized {
        target: target.to_string(),
        run,
        kernels,
        plan: memory,
    };
    let stats = optimized.stats(g);
    let (run, kernels, memory) = (&optimized.run, &optimized.kernels, &optimized.plan);
    let dot = args.dot.as_ref().map(|_| edgecc::dot::kernel_graph_dot(kernels));
    if let (Some(path), Some(text)) = (&args.dot, &dot) {
        if path != Path::new("-") {
            edgecc::fsutil::write_atomic(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if args.json {
        let mut doc: serde_json::Value = serde_json::from_str(&stats.json()).context("statistics JSON")?;
        doc["kernels"] = kernels_json(kernels);
        doc["memory"] = memory_json(memory);
        if args.time_passes {
            doc["passes"] = passes_json(run, fuse_ms, plan_ms);
        }
        if !args.dump_after.is_empty() {
            doc["dumps"] = run
                .dumps
                .iter()
                .map(|d| serde_json::json!({ "pass": d.pass, "index": d.index, "ir": d.ir }))
                .collect();
        }
        if let Some(p) = &args.dot {
            doc["dot"] = p.display().to_string().into();
        }
        println!("{doc}");
        return Ok(());
    }
    for d in &run.dumps {
        println!("; after pass `{}` (#{} of the `{target}` pipeline)", d.pass, d.index);
        print!("{}", d.ir);
        println!();
    }
    if args.time_passes {
        print!("{}", run.timing_report());
        println!("{:<4} {:<16} {:>12.3}", "", "fuse", fuse_ms);
        println!("{:<4} {:<16} {:>12.3}", "", "plan", plan_ms);
    }
    if args.stats {
        print!("{}", stats.text());
    }
    if let (Some(path), Some(text)) = (&args.dot, &dot) {
        if path == Path::new("-") {
            print!("{text}");
        } else {
            println!(
                "wrote {}: DOT of {} kernels over {} buffers",
                path.display(),
                kernels.kernels.len(),
                kernels.buffers.len()
            );
        }
    }
    if args.stats || args.time_passes || !args.dump_after.is_empty() || args.dot.is_some() {
        return Ok(());
    }
    if !args.summary_only {
        print!("{kernels}");
        println!();
    }
    let mut by_kind: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for k in &kernels.kernels {
        *by_kind.entry(k.kind.name()).or_insert(0) += 1;
    }
    println!(
        "`{}` for target `{target}`: {} nodes after the pipeline, {} kernels, {} buffers",
        g.name(),
        run.graph.nodes().len(),
        kernels.kernels.len(),
        kernels.buffers.len()
    );
    println!("kernels by kind:");
    for (kind, n) in by_kind {
        println!("  {kind:<18} {n}");
    }
    println!(
        "activation arena: {} ({} bytes, {} buffers, {} in place, {}-byte alignment); weights: {} ({} bytes)",
        human_bytes(memory.arena_bytes as usize),
        memory.arena_bytes,
        memory.buffers.len(),
        memory.in_place_count(),
        memory.alignment,
        human_bytes(memory.weights_bytes as usize),
        memory.weights_bytes
    );
    Ok(())
}

fn kernels_json(kg: &KernelGraph) -> serde_json::Value {
    let names =
        |ids: &[edgecc::passes::BufferId]| -> Vec<&str> { ids.iter().map(|&b| kg.buffer(b).name.as_str()).collect() };
    kg.kernels
        .iter()
        .map(|k| {
            let ops: Vec<&str> = k
                .body
                .nodes()
                .iter()
                .map(|n| n.op.name())
                .filter(|&o| o != "Constant")
                .collect();
            serde_json::json!({
                "name": k.name,
                "kind": k.kind.name(),
                "ops": ops,
                "inputs": names(&k.inputs),
                "outputs": names(&k.outputs),
            })
        })
        .collect()
}

fn memory_json(m: &MemoryPlan) -> serde_json::Value {
    serde_json::json!({
        "arena_bytes": m.arena_bytes,
        "alignment": m.alignment,
        "buffers": m.buffers.len(),
        "in_place": m.in_place_count(),
        "weights_bytes": m.weights_bytes,
    })
}

fn passes_json(run: &PipelineRun, fuse_ms: f64, plan_ms: f64) -> serde_json::Value {
    let mut v: Vec<serde_json::Value> = run
        .timings
        .iter()
        .map(|t| {
            serde_json::json!({
                "pass": t.pass,
                "ms": t.elapsed.as_secs_f64() * 1e3,
                "nodes_before": t.nodes_before,
                "nodes_after": t.nodes_after,
            })
        })
        .collect();
    v.push(serde_json::json!({ "pass": "fuse", "ms": fuse_ms }));
    v.push(serde_json::json!({ "pass": "plan", "ms": plan_ms }));
    v.into()
}
