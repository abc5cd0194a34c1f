//! `edgecc inspect`: print the verified graph and a summary.

use edgecc::summary::{human_bytes, ops_histogram};
use std::path::PathBuf;

/// Print a model's verified graph and a summary (nodes by op, weights size).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc inspect examples/mlp.eir
  edgecc inspect model.onnx --shape seq=16 --summary-only")]
pub struct Args {
    /// The model file (.onnx or .eir text graph).
    pub model: PathBuf,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable).
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Print only the summary, not the graph.
    #[arg(long)]
    pub summary_only: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let shapes = edgecc::parse_shape_args(&args.shapes)?;
    let g = edgecc::load_model(&args.model, &shapes)?;
    if !args.summary_only {
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
    for (op, n) in ops_histogram(&g) {
        println!("  {op:<18} {n}");
    }
    let wb = g.weights_bytes();
    println!(
        "weights: {} constants, {} ({wb} bytes)",
        g.consts().len(),
        human_bytes(wb)
    );
    Ok(())
}
