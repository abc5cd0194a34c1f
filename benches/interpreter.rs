//! Reference-interpreter speed on the models people run.
//!
//! `cargo bench --bench interpreter`. Target: the 6-layer BERT-small-sized encoder (hidden 384,
//! 12 heads, ffn 1536, seq 16) runs in well under a second.

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::models::{bert_encoder, gpt2_block, random_inputs, sym_at_max, TransformerConfig};
use edgecc_backends::reference;
use std::hint::black_box;

fn bench_models(c: &mut Criterion) {
    let mut group = c.benchmark_group("reference");
    group.sample_size(10);

    let bert = bert_encoder(&TransformerConfig::bert_small(), 6, 1).expect("bert_encoder builds");
    let bert_in = random_inputs(&bert, 2, &sym_at_max).expect("bert inputs");
    group.bench_function("bert_small_6_layers", |b| {
        b.iter(|| reference::run(black_box(&bert), black_box(&bert_in)).expect("bert runs"))
    });

    let gpt2_cfg = TransformerConfig {
        hidden: 768,
        heads: 12,
        ffn: 3072,
        seq: 16,
    };
    let gpt2 = gpt2_block(&gpt2_cfg, 3).expect("gpt2_block builds");
    let gpt2_in = random_inputs(&gpt2, 4, &sym_at_max).expect("gpt2 inputs");
    group.bench_function("gpt2_block_768_seq16", |b| {
        b.iter(|| reference::run(black_box(&gpt2), black_box(&gpt2_in)).expect("gpt2 runs"))
    });

    let tiny = gpt2_block(&TransformerConfig::tiny(), 5).expect("gpt2_block builds");
    let tiny_in = random_inputs(&tiny, 6, &sym_at_max).expect("tiny inputs");
    group.bench_function("gpt2_block_tiny", |b| {
        b.iter(|| reference::run(black_box(&tiny), black_box(&tiny_in)).expect("tiny runs"))
    });

    group.finish();
}

criterion_group!(benches, bench_models);
criterion_main!(benches);
