//! `edgecc inspect`: print the verified graph and a summary; with `--target`, optimize it (the
//! target's pass pipeline, fusion, memory planning) and print the kernels, statistics, the IR
//! after a pass or each pass's time.

use edgecc::passes::{fuse, pipeline_for, plan, RunOptions, Stats, StatsReport};
use edgecc::summary::{human_bytes, ops_histogram};
use edgecc_ir::Graph;
use std::path::PathBuf;
use std::time::Instant;

/// Print a model's verified graph and a summary (nodes by op, weights size); with --target,
/// optimize it for that target and print the fused kernels and the memory plan.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc inspect examples/mlp.eir
  edgecc inspect model.onnx --shape seq=16 --summary-only
  edgecc inspect examples/transformer_block.eir --target reference --stats
  edgecc inspect model.onnx --target wgsl --stats --json
  edgecc inspect examples/mlp.eir --target reference --dump-after const_fold --time-passes")]
pub struct Args {
    /// The model file (.onnx or .eir text graph).
    pub model: PathBuf,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable).
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Print only the summary, not the graph (or, with --target, not the kernels).
    #[arg(long)]
    pub summary_only: bool,
    /// Optimize for this target (reference | wgsl): its pass pipeline, fusion into kernels and
    /// memory planning; prints the kernels and the plan unless --stats, --dump-after or
    /// --time-passes say what to print.
    #[arg(long, value_name = "T")]
    pub target: Option<String>,
    /// Print statistics (nodes, kernels, launches, global-memory bytes, peak activation memory,
    /// weights) for the optimized pipeline against the unfused baseline, with percent changes.
    #[arg(long, requires = "target")]
    pub stats: bool,
    /// Print the statistics as JSON (implies --stats).
    #[arg(long, requires = "target", conflicts_with_all = ["dump_after", "time_passes"])]
    pub json: bool,
    /// Print the IR after every run of this pass (repeatable).
    #[arg(long, value_name = "PASS", requires = "target")]
    pub dump_after: Vec<String>,
    /// Print each pass's wall time (fusion and planning included).
    #[arg(long, requires = "target")]
    pub time_passes: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let shapes = edgecc::parse_shape_args(&args.shapes)?;
    let g = edgecc::load_model(&args.model, &shapes)?;
    match &args.target {
        None => {
            print_graph_summary(&g, args.summary_only);
            Ok(())
        }
        Some(t) => optimize(&g, t, &args),
    }
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
    let pipeline = pipeline_for(target)?;
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

    let stats = StatsReport {
        model: g.name().to_string(),
        target: target.to_string(),
        baseline: Stats::baseline(g),
        optimized: Stats::optimized(g, &run.graph, &kernels, &memory),
    };
    if args.json {
        println!("{}", stats.json());
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
    if args.stats || args.time_passes || !args.dump_after.is_empty() {
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
