//! GEMM on the local WGSL device (`auto`: the first GPU, else Mesa's lavapipe; `EDGECC_ADAPTER`
//! picks another): `x @ w` with `x: f32[M, K]` an input and `w: f32[K, N]` a weight, named
//! `M x K x N`:
//!
//! - `matmul/64x2048x512` (a 64-token projection) and `matmul/512x512x512`;
//! - `matmul_bias_gelu/64x2048x512`: the same with a bias and an Erf GELU fused as the epilogue.
//!
//! Each graph is compiled once (`edgecc::device::compile_wgsl`) and loaded once in a session;
//! the bench times `Session::run`: the input upload, the dispatches and the output readback.
//! Criterion's throughput is set to the FLOP count (2·M·K·N), so its `elem/s` figure is FLOP/s
//! of the wall-clock time. Before each bench, a profiling session prints the GPU time of the
//! dispatches alone (timestamp queries, median of 20 runs) and the GFLOP/s it gives.
//!
//! `cargo bench --bench wgsl_gemm`

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use edgecc::backends::wgsl::{Precision, SessionOptions};
use edgecc::ir::{Builder, DType, Graph, Shape, TensorData};
use edgecc::rng::Rng;
use std::hint::black_box;
use std::time::Duration;

/// `(M, K, N, epilogue)` of each bench.
const CASES: [(usize, usize, usize, bool); 3] = [(64, 2048, 512, false), (512, 512, 512, false), (64, 2048, 512, true)];

/// `y = x @ w` (with `epilogue`: `y = gelu_erf(x @ w + b)`), with seeded weights.
fn gemm_graph(m: usize, k: usize, n: usize, epilogue: bool) -> Graph {
    let mut rng = Rng::new(7);
    let mut b = Builder::new(format!("gemm_{m}x{k}x{n}"));
    let x = b.input("x", DType::F32, Shape::of(&[m, k])).expect("input");
    let std = 1.0 / (k as f64).sqrt();
    let w = b
        .const_f32("w", &[k, n], &rng.normal_vec(k * n, 0.0, std))
        .expect("weight");
    let mut y = b.matmul(x, w).expect("matmul");
    if epilogue {
        let bias = b.const_f32("b", &[n], &rng.normal_vec(n, 0.0, 0.1)).expect("bias");
        y = b.add(y, bias).expect("add");
        y = b.gelu(y, false).expect("gelu");
    }
    b.output(y).expect("output");
    b.finish().expect("the graph verifies")
}

fn gemm(c: &mut Criterion) {
    let runner = common::open_device();
    let mut group = c.benchmark_group("wgsl_gemm");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    for (m, k, n, epilogue) in CASES {
        let g = gemm_graph(m, k, n, epilogue);
        let inputs: Vec<TensorData> =
            edgecc::models::random_inputs(&g, 1, &edgecc::models::sym_at_max).expect("random inputs");
        let (_, program) = edgecc::device::compile_wgsl(&g, runner.caps(), Precision::F32).expect("compiles");
        let name = format!("{}/{m}x{k}x{n}", if epilogue { "matmul_bias_gelu" } else { "matmul" });
        let flops = 2.0 * (m * k * n) as f64;
        println!("{name}: {} dispatch(es)", program.dispatches.len());
        if let Some(t) = common::gpu_time(&runner, &program, &inputs, 20) {
            println!(
                "{name}: GPU time {:.3} ms median, {:.3} ms min -> {:.2} GFLOP/s (median), {:.2} GFLOP/s (best)",
                t.median_ns / 1e6,
                t.min_ns / 1e6,
                flops / t.median_ns,
                flops / t.min_ns
            );
            for (label, ns) in &t.dispatches {
                println!("    {:>10.3} ms  {label}", ns / 1e6);
            }
        }
        let mut session = runner
            .session(&program, SessionOptions::default())
            .expect("the session loads");
        group.throughput(Throughput::Elements(flops as u64));
        group.bench_function(&name, |b| b.iter(|| session.run(black_box(&inputs)).expect("runs")));
    }
    group.finish();
}

criterion_group!(benches, gemm);
criterion_main!(benches);
