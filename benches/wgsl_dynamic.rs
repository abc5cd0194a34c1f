//! A binary over a dynamic sequence against a static one at the same size, on the local WGSL
//! device: the 6-layer BERT-small encoder (`bert_encoder(TransformerConfig::bert_small(), 6)`)
//! compiled for sequence 16 (`run/static_seq16`), and with its sequence dynamic up to 16
//! (`run/dynamic_le16_at16`) and up to 128 (`run/dynamic_le128_at16`), each run at 16; and at
//! the bound, compiled for 128 (`run/static_seq128`) against dynamic up to 128
//! (`run/dynamic_le128_at128`). The dynamic ones read the sizes from a parameter buffer, size
//! their launches at run time and run the GEMM variant of the size's range; the target is at
//! most 10% slower than static. Also prints the GPU time of each (timestamp queries, median of
//! 10 runs) and its three slowest dispatches with their problems and schedules, and at the end
//! the wall times measured interleaved (every session once per round), each dynamic one against
//! the static one at its size: on a shared machine, that comparison is the one to read.
//!
//! `cargo bench --bench wgsl_dynamic` (lavapipe when there is no GPU).

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Dim, Graph, Shape, TensorData};
use edgecc::models::{bert_encoder, TransformerConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};

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
    let at16: Vec<TensorData> = edgecc::models::random_inputs(&g, 1, &edgecc::models::sym_at_max).expect("inputs");
    let g128 = edgecc::specialize(&over_seq(&g, 128), &[("seq".to_string(), 128)].into(), false)
        .expect("the encoder specializes to 128");
    let at128: Vec<TensorData> = edgecc::models::random_inputs(&g128, 1, &edgecc::models::sym_at_max).expect("inputs");
    let mut sessions = Vec::new();
    // Each with the static one at its size (an index into this list).
    for (name, graph, inputs, base) in [
        ("static_seq16", g.clone(), &at16, None),
        ("dynamic_le16_at16", over_seq(&g, 16), &at16, Some(0)),
        ("dynamic_le128_at16", over_seq(&g, 128), &at16, Some(0)),
        ("static_seq128", g128, &at128, None),
        ("dynamic_le128_at128", over_seq(&g, 128), &at128, Some(3)),
    ] {
        let (_, program) = edgecc::device::compile_wgsl(&graph, runner.caps(), Precision::F32).expect("compiles");
        if let Some(t) = common::gpu_time(&runner, &program, inputs, 10) {
            println!(
                "{name}: {} dispatches, GPU time {:.3} ms median ({:.3} ms min)",
                t.dispatches.len(),
                t.median_ns / 1e6,
                t.min_ns / 1e6
            );
            // The slowest dispatches, with the problem and schedule each was compiled with.
            let mut slow: Vec<(usize, f64)> = t.dispatches.iter().map(|d| d.1).enumerate().collect();
            slow.sort_by(|a, b| b.1.total_cmp(&a.1));
            for &(i, ns) in slow.iter().take(3) {
                let d = &program.dispatches[i];
                println!("  {:.3} ms  {}  {}  {:?}", ns / 1e6, d.label, d.problem, d.schedule);
            }
        }
        let mut session = runner.session(&program, SessionOptions::default()).expect("loads");
        session.run(inputs).expect("runs");
        group.bench_function(format!("run/{name}"), |b| {
            b.iter(|| session.run(black_box(inputs)).expect("runs"))
        });
        sessions.push((name, session, inputs, base));
    }
    group.finish();
    interleaved(&mut sessions);
}

/// Wall time per run of each session, measured in rounds that run every session once (so a
/// slow spell of a shared machine falls on all of them alike): the median over the rounds, and
/// each dynamic one against the static one at the same size.
fn interleaved(sessions: &mut [(&str, edgecc::backends::wgsl::Session, &Vec<TensorData>, Option<usize>)]) {
    const ROUNDS: usize = 15;
    let mut times = vec![Vec::with_capacity(ROUNDS); sessions.len()];
    for _ in 0..ROUNDS {
        for ((_, session, inputs, _), t) in sessions.iter_mut().zip(&mut times) {
            let start = Instant::now();
            session.run(inputs).expect("runs");
            t.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let medians: Vec<f64> = times
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    println!("interleaved, {ROUNDS} rounds, median wall time per run:");
    for (i, (name, _, _, base)) in sessions.iter().enumerate() {
        match base {
            Some(b) => println!(
                "  {name}: {:.2} ms ({:+.1}% against {})",
                medians[i],
                (medians[i] / medians[*b] - 1.0) * 100.0,
                sessions[*b].0
            ),
            None => println!("  {name}: {:.2} ms", medians[i]),
        }
    }
}

criterion_group!(benches, wgsl_dynamic);
criterion_main!(benches);
