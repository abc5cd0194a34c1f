//! Whole models on the local WGSL device (`auto`: the first GPU, else Mesa's lavapipe;
//! `EDGECC_ADAPTER` picks another), end to end:
//!
//! - `run/<model>`: one `Session::run` (input upload, every dispatch, output readback) of each
//!   ONNX model in `target/onnx-data/models/` (written by `bash scripts/setup.sh`; loaded and
//!   specialized like `tests/onnx_models.rs`, on the inputs saved beside it), and of
//!   `bert_encoder(TransformerConfig::bert_small(), 6 layers)` at sequence 16;
//! - `compile/<model>`: compiling it for the device: the `wgsl` pass pipeline, fusion and memory
//!   planning (`optimize`), code generation with naga validation, and loading it in a session
//!   (buffers, weight upload, pipeline and bind-group creation).
//!
//! A model the WGSL backend cannot compile is reported (with the error) and skipped. Before each
//! model's benches, the time to create each distinct shader's pipeline is printed, and the time
//! of the first run; then a profiling session prints the GPU time of the dispatches (timestamp
//! queries, median of 10 runs) and the five slowest dispatches.
//!
//! Cold starts: lavapipe turns a pipeline into machine code (LLVM) at its first dispatch, not when
//! it is created, and Mesa caches the result on disk (`~/.cache/mesa_shader_cache`). So
//! `compile/` never includes the driver's code generation on lavapipe, and the first run includes
//! it only when the cache does not have it: run with `MESA_SHADER_CACHE_DISABLE=true` to see cold
//! first runs.
//!
//! `cargo bench --bench wgsl_models` (after `bash scripts/setup.sh`); `cargo bench --bench
//! wgsl_models -- run/` times the runs only.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Graph, TensorData};
use edgecc::models::{bert_encoder, TransformerConfig};
use edgecc::Device;
use std::hint::black_box;
use std::time::Duration;

/// The models to bench: the ONNX models, then the 6-layer BERT-small encoder.
fn models() -> Vec<(String, Graph, Vec<TensorData>)> {
    let mut out = Vec::new();
    for dir in common::onnx_model_dirs() {
        match common::load_onnx_model(&dir) {
            Ok(m) => out.push((m.name, m.graph, m.inputs)),
            Err(e) => println!("{}: skipped: {e}", dir.display()),
        }
    }
    let g = bert_encoder(&TransformerConfig::bert_small(), 6, 1).expect("the encoder builds");
    let inputs = edgecc::models::random_inputs(&g, 1, &edgecc::models::sym_at_max).expect("random inputs");
    out.push(("bert_small_6_layers_seq16".to_string(), g, inputs));
    out
}

fn report_gpu_time(runner: &Device, name: &str, program: &edgecc::backends::wgsl::Program, inputs: &[TensorData]) {
    let Some(t) = common::gpu_time(runner, program, inputs, 10) else {
        return;
    };
    println!(
        "{name}: {} dispatches, GPU time {:.3} ms median ({:.3} ms min); slowest:",
        t.dispatches.len(),
        t.median_ns / 1e6,
        t.min_ns / 1e6
    );
    let mut slowest = t.dispatches.clone();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (label, ns) in slowest.iter().take(5) {
        println!(
            "    {:>9.3} ms {:>5.1}%  {label}",
            ns / 1e6,
            100.0 * ns / t.median_ns.max(1.0)
        );
    }
}

fn wgsl_models(c: &mut Criterion) {
    let runner = common::open_device();
    let mut group = c.benchmark_group("wgsl_models");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    let session_opts = SessionOptions::default();
    for (name, graph, inputs) in models() {
        let program = match edgecc::device::compile_wgsl(&graph, runner.caps(), Precision::F32) {
            Ok((_, p)) => p,
            Err(e) => {
                println!("{name}: skipped: the WGSL backend cannot compile it: {e}");
                continue;
            }
        };
        let pipelines = common::pipeline_times(&runner, &program);
        let total: f64 = pipelines.iter().map(|p| p.1).sum();
        println!(
            "{name}: {} dispatches, {} distinct shaders, pipeline creation {total:.1} ms; slowest: {}",
            program.dispatches.len(),
            pipelines.len(),
            pipelines
                .iter()
                .take(3)
                .map(|(label, ms)| format!("{label} {ms:.1} ms"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut session = match runner.session(&program, session_opts) {
            Ok(s) => s,
            Err(e) => {
                println!("{name}: skipped: the device cannot load it: {e}");
                continue;
            }
        };
        let start = std::time::Instant::now();
        if let Err(e) = session.run(&inputs) {
            println!("{name}: skipped: the first run failed: {e}");
            continue;
        }
        // lavapipe compiles each pipeline's machine code at its first dispatch (from Mesa's
        // shader cache when it has it), so the first run is where a cold start shows.
        println!("{name}: first run {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
        report_gpu_time(&runner, &name, &program, &inputs);
        group.bench_function(format!("run/{name}"), |b| {
            b.iter(|| session.run(black_box(&inputs)).expect("runs"))
        });
        drop(session);
        group.bench_function(format!("compile/{name}"), |b| {
            // The session is dropped after the timing: freeing device objects is not compiling.
            b.iter_with_large_drop(|| {
                let (_, p) =
                    edgecc::device::compile_wgsl(black_box(&graph), runner.caps(), Precision::F32).expect("compiles");
                runner.session(&p, session_opts).expect("loads")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, wgsl_models);
criterion_main!(benches);
