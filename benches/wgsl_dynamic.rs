//! A binary over a dynamic sequence against a static one at the same size, on the local WGSL
//! device: the 6-layer BERT-small encoder (`bert_encoder(TransformerConfig::bert_small(), 6)`)
//! compiled for sequence 16 (`run/static_seq16`), and with its sequence dynamic up to 16
//! (`run/dynamic_le16_at16`) and up to 128 (`run/dynamic_le128_at16`), each run at 16. The
//! dynamic ones read the sizes from a parameter buffer and size their launches at run time;
//! the target is at most 10% slower than static. Also prints the GPU time of each (timestamp
//! queries, median of 10 runs).
//!
//! `cargo bench --bench wgsl_dynamic` (lavapipe when there is no GPU).

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Dim, Graph, Shape, TensorData};
use edgecc::models::{bert_encoder, TransformerConfig};
use std::hint::black_box;
use std::time::Duration;

/// `g` with the sequence axis of its inputs (axis 1 of `x`, the last of `mask`) the symbolic
/// `seq<=max`.
fn over_seq(g: &Graph, max: u64) -> Graph {
    let shapes: Vec<_> = g
        .inputs()
        .iter()
        .map(|&v| {
            let mut dims = g.ty(v).shape.dims().to_vec();
            let axis = if g.value(v).name == "mask" { dims.len() - 1 } else { 1 };
            dims[axis] = Dim::sym("seq", max);
            (v, Shape(dims))
        })
        .collect();
    g.with_input_shapes(&shapes)
        .expect("the encoder takes a symbolic sequence")
}

fn wgsl_dynamic(c: &mut Criterion) {
    let runner = common::open_device();
    let mut group = c.benchmark_group("wgsl_dynamic");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    let g = bert_encoder(&TransformerConfig::bert_small(), 6, 1).expect("the encoder builds");
    let inputs: Vec<TensorData> = edgecc::models::random_inputs(&g, 1, &edgecc::models::sym_at_max).expect("inputs");
    for (name, graph) in [
        ("static_seq16", g.clone()),
        ("dynamic_le16_at16", over_seq(&g, 16)),
        ("dynamic_le128_at16", over_seq(&g, 128)),
    ] {
        let (_, program) = edgecc::device::compile_wgsl(&graph, runner.caps(), Precision::F32).expect("compiles");
        if let Some(t) = common::gpu_time(&runner, &program, &inputs, 10) {
            println!(
                "{name}: {} dispatches, GPU time {:.3} ms median ({:.3} ms min)",
                t.dispatches.len(),
                t.median_ns / 1e6,
                t.min_ns / 1e6
            );
        }
        let mut session = runner.session(&program, SessionOptions::default()).expect("loads");
        session.run(&inputs).expect("runs");
        group.bench_function(format!("run/{name}"), |b| {
            b.iter(|| session.run(black_box(&inputs)).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, wgsl_dynamic);
criterion_main!(benches);
