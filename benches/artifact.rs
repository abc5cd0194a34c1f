//! The device binary's costs, on the 6-layer BERT-small encoder (hidden 384, sequence 16) and the
//! GPT-2 block example:
//!
//! - `compile/<model>`: `edgecc::compile` for the `lavapipe` profile (pass pipeline, fusion,
//!   memory planning, code generation, naga validation): what `edgecc compile` spends before
//!   writing;
//! - `encode/<model>`: `Artifact::to_bytes` (JSON sections, SHA-256 of every section and of the
//!   whole);
//! - `decode/<model>`: `Artifact::from_bytes` (every check: hashes, offsets, manifest, naga
//!   validation of each distinct shader; shaders validated once per process are cached, so this
//!   is the warm figure after the first load);
//! - `load/<model>`: `Runtime::load` on the local device (buffers, weight upload, pipelines, bind
//!   groups): what `edgecc run FILE.edgebin` spends before its first inference.
//!
//! The binary's size is printed once per model. `cargo bench --bench artifact`.

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::ir::Graph;
use edgecc::models::{bert_encoder, gpt2_block, TransformerConfig};
use edgecc::{compile, Artifact, CompileOptions, Device, Runtime, Target};
use std::hint::black_box;
use std::time::Duration;

fn models() -> Vec<(&'static str, Graph)> {
    vec![
        (
            "gpt2_block",
            gpt2_block(&TransformerConfig::tiny(), 1).expect("the GPT-2 block builds"),
        ),
        (
            "bert_small_6_layers",
            bert_encoder(&TransformerConfig::bert_small(), 6, 1).expect("the encoder builds"),
        ),
    ]
}

fn artifact(c: &mut Criterion) {
    let target = Target::profile("lavapipe").expect("the lavapipe profile");
    let runtime = Runtime::new(Device::for_target("lavapipe", None).expect("a lavapipe device"));
    let opts = CompileOptions::default();
    let mut group = c.benchmark_group("artifact");
    group.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, graph) in models() {
        let a = compile(&graph, &target, &opts).expect("compiles");
        let bytes = a.to_bytes();
        let weights: usize = a.program.weights.iter().map(|(_, w)| w.len()).sum();
        println!(
            "{name}: binary {} bytes ({} weights), {} dispatches",
            bytes.len(),
            weights,
            a.program.dispatches.len()
        );
        group.bench_function(format!("compile/{name}"), |b| {
            b.iter(|| black_box(compile(&graph, &target, &opts).expect("compiles")))
        });
        group.bench_function(format!("encode/{name}"), |b| b.iter(|| black_box(a.to_bytes())));
        group.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| black_box(Artifact::from_bytes(&bytes).expect("loads")))
        });
        group.bench_function(format!("load/{name}"), |b| {
            b.iter(|| black_box(runtime.load(&a).expect("loads on the device")))
        });
    }
    group.finish();
}

criterion_group!(benches, artifact);
criterion_main!(benches);
