//! The whole optimizing pipeline on a 6-layer BERT-sized encoder
//! (`bert_encoder(&TransformerConfig::bert_small(), 6, seed)`: hidden 384, 12 heads, FFN 1536,
//! 16 tokens, 42 MB of weights): the `wgsl` target's pass pipeline with constant folding through
//! the reference interpreter, fusion into kernels and memory planning. Target: under 200 ms.
//!
//! Also timed apart: fusion alone and planning alone, on the pipeline's result.

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::models::{bert_encoder, TransformerConfig};
use edgecc::passes::{fuse, plan, RunOptions};
use std::hint::black_box;
use std::time::Duration;

fn pipeline(c: &mut Criterion) {
    let g = bert_encoder(&TransformerConfig::bert_small(), 6, 1).expect("the model builds");
    let opts = RunOptions::default();
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("bert_small_6_layers/passes+fuse+plan", |b| {
        b.iter(|| edgecc::optimize(black_box(&g), "wgsl", &opts).expect("optimizes"))
    });
    let o = edgecc::optimize(&g, "wgsl", &opts).expect("optimizes");
    group.bench_function("bert_small_6_layers/fuse", |b| {
        b.iter(|| fuse(black_box(&o.run.graph)).expect("fuses"))
    });
    group.bench_function("bert_small_6_layers/plan", |b| {
        b.iter(|| plan(black_box(&o.kernels)).expect("plans"))
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
