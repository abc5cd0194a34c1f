//! The row-reduction and top-k WGSL templates on the device (lavapipe in CI): every op against a
//! naive CPU f64 computation on random rows, edge semantics (NaN, ties, empty rows, -inf) against
//! the reference interpreter, through the subgroup and the workgroup-memory paths, with row
//! caching on and off, ragged sizes, f16 inputs and folded dispatches.
#![cfg(feature = "wgsl")]

use edgecc_autotune::{DeviceCaps, ReduceSchedule};
use edgecc_backends::reference::{misc, norm, reduce, Tensor};
use edgecc_backends::wgsl::rowreduce::{emit_row, RowOp, RowSpec};
use edgecc_backends::wgsl::topk::{emit_topk, TopKSpec};
use edgecc_ir::{DType, ReduceOp};
mod wgsl_common;

use wgsl_common::{gpu, Rng};

fn f16_round(v: &[f32]) -> Vec<f32> {
    v.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect()
}

fn bytes_of(ft: &str, v: &[f32]) -> Vec<u8> {
    match ft {
        "f16" => v.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect(),
        "i32" => v.iter().flat_map(|&x| (x as i32).to_le_bytes()).collect(),
        _ => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn i32s(b: &[u8]) -> Vec<i32> {
    b.chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn sched(threads: u32, subgroups: bool) -> ReduceSchedule {
    let caps = &gpu().caps;
    let subgroups = subgroups && caps.has_subgroups();
    ReduceSchedule {
        threads,
        subgroups,
        subgroup_size: if subgroups { caps.subgroup_size } else { 0 },
    }
}

/// The schedules every op runs under: the default, both combine paths at 32 invocations, a
/// non-power-of-two count on both paths, one invocation, and 256.
fn schedules(len: u64) -> Vec<ReduceSchedule> {
    vec![
        ReduceSchedule::default_for(&gpu().caps, len),
        sched(32, true),
        sched(32, false),
        sched(48, true),
        sched(48, false),
        sched(1, false),
        sched(256, true),
        sched(256, false),
    ]
}

/// What a row kernel wrote: per-row f32 results (`store_r` / `store_y`) and per-row indices.
struct RowOut {
    f: Vec<f32>,
    i: Vec<i32>,
}

fn run_row_caps(
    caps: &DeviceCaps,
    op: RowOp,
    rows: usize,
    len: usize,
    ft: &str,
    s: &ReduceSchedule,
    x: &[f32],
) -> RowOut {
    let spec = RowSpec {
        rows: rows as u64,
        rows_expr: None,
        len_expr: None,
        len: len as u64,
        op,
        ft,
    };
    let em = emit_row(&spec, s, caps).unwrap_or_else(|e| panic!("{op:?} {s:?}: {e}"));
    let store = if op.per_element() {
        format!("fn store_y(row: i32, j: i32, v: f32) {{ b1[row * {len} + j] = v; }}\n")
    } else if matches!(op, RowOp::ArgMax { .. } | RowOp::ArgMin { .. }) {
        "fn store_r(row: i32, v: i32) { b2[row] = v; }\n".to_string()
    } else {
        "fn store_r(row: i32, v: f32) { b1[row] = v; }\n".to_string()
    };
    let src = format!(
        "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
         @group(0) @binding(1) var<storage, read_write> b1: array<f32>;\n\
         @group(0) @binding(2) var<storage, read_write> b2: array<i32>;\n\
         fn load_x(row: i32, j: i32) -> {ft} {{ return b0[row * {len} + j]; }}\n{store}{}",
        if ft == "f16" { "enable f16;\n" } else { "" },
        em.code
    );
    let nf = if op.per_element() { rows * len } else { rows };
    let mut bufs = vec![bytes_of(ft, x), vec![0xff; nf * 4], vec![0xff; rows * 4]];
    gpu()
        .run_shader("rowreduce", &src, &mut bufs, em.workgroups)
        .unwrap_or_else(|e| panic!("{op:?} {s:?}: {e}\n{src}"));
    RowOut {
        f: f32s(&bufs[1]),
        i: i32s(&bufs[2]),
    }
}

fn run_row(op: RowOp, rows: usize, len: usize, ft: &str, s: &ReduceSchedule, x: &[f32]) -> RowOut {
    run_row_caps(&gpu().caps, op, rows, len, ft, s, x)
}

/// Naive f64 expectation of a per-row op; the tolerance scale is returned with it.
fn expect_row(op: RowOp, row: &[f32]) -> (f64, f64) {
    let v: Vec<f64> = row.iter().map(|&x| x as f64).collect();
    let n = v.len() as f64;
    let abs: f64 = v.iter().map(|x| x.abs()).sum();
    match op {
        RowOp::Sum => (v.iter().sum(), 1e-5 * abs + 1e-6),
        RowOp::Mean => (v.iter().sum::<f64>() / n, (1e-5 * abs + 1e-6) / n),
        RowOp::Prod => {
            let p: f64 = v.iter().product();
            (p, p.abs() * (2e-7 * n + 1e-6))
        }
        RowOp::Max => (v.iter().cloned().fold(f64::NEG_INFINITY, f64::max), 0.0),
        RowOp::Min => (v.iter().cloned().fold(f64::INFINITY, f64::min), 0.0),
        _ => unreachable!(),
    }
}

/// Naive f64 per-element ops: softmax, log-softmax, the normalized LayerNorm / RMSNorm value.
fn expect_elems(op: RowOp, row: &[f32]) -> Vec<f64> {
    let v: Vec<f64> = row.iter().map(|&x| x as f64).collect();
    let n = v.len() as f64;
    match op {
        RowOp::Softmax | RowOp::LogSoftmax => {
            let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = v.iter().map(|x| (x - m).exp()).sum();
            v.iter()
                .map(|x| {
                    if op == RowOp::Softmax {
                        (x - m).exp() / s
                    } else {
                        x - m - s.ln()
                    }
                })
                .collect()
        }
        RowOp::LayerNorm { eps } => {
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            let r = 1.0 / (var + eps as f64).sqrt();
            v.iter().map(|x| (x - mean) * r).collect()
        }
        RowOp::RmsNorm { eps } => {
            let r = 1.0 / (v.iter().map(|x| x * x).sum::<f64>() / n + eps as f64).sqrt();
            v.iter().map(|x| x * r).collect()
        }
        _ => unreachable!(),
    }
}

fn close(got: f32, want: f64, tol: f64) -> bool {
    (got as f64 - want).abs() <= tol || (got.is_nan() && want.is_nan()) || got as f64 == want
}

/// Random rows through every schedule, checked against the naive CPU computation.
fn check_op(op: RowOp, rows: usize, len: usize, ft: &str, gen: impl Fn(&mut Rng) -> f32) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (rows * 1000 + len) as u64);
    let mut x: Vec<f32> = (0..rows * len).map(|_| gen(&mut rng)).collect();
    if ft == "f16" {
        x = f16_round(&x);
    }
    for s in schedules(len as u64) {
        let out = run_row(op, rows, len, ft, &s, &x);
        for r in 0..rows {
            let row = &x[r * len..(r + 1) * len];
            let ctx = || format!("{op:?} {ft} rows {rows} len {len} {s:?} row {r}");
            match op {
                RowOp::ArgMax { select_last } | RowOp::ArgMin { select_last } => {
                    let max = matches!(op, RowOp::ArgMax { .. });
                    let t = Tensor::from_f32(DType::F32, vec![len], row.to_vec());
                    let want = reduce::arg_extremum(&t, 0, false, select_last, max).unwrap();
                    assert_eq!(out.i[r] as i64, want.ints().unwrap()[0], "{}", ctx());
                }
                RowOp::Softmax | RowOp::LogSoftmax | RowOp::LayerNorm { .. } | RowOp::RmsNorm { .. } => {
                    let want = expect_elems(op, row);
                    for (j, &w) in want.iter().enumerate() {
                        let got = out.f[r * len + j];
                        let tol = match op {
                            RowOp::Softmax => 1e-4 * w.abs() + 1e-7,
                            _ => 1e-4 * w.abs().max(1.0),
                        };
                        assert!(close(got, w, tol), "{} elem {j}: got {got}, want {w}", ctx());
                    }
                }
                _ => {
                    let (w, tol) = expect_row(op, row);
                    let got = out.f[r];
                    assert!(close(got, w, tol), "{}: got {got}, want {w}", ctx());
                }
            }
        }
    }
}

const SIZES: [(usize, usize); 6] = [(1, 1), (3, 5), (2, 31), (4, 256), (3, 1000), (2, 768)];

#[test]
fn sum_mean_prod_max_min() {
    for (rows, len) in SIZES {
        check_op(RowOp::Sum, rows, len, "f32", |r| r.next());
        check_op(RowOp::Mean, rows, len, "f32", |r| r.next() * 3.0 + 0.5);
        check_op(RowOp::Prod, rows, len, "f32", |r| 1.0 + r.next() * 0.01);
        check_op(RowOp::Max, rows, len, "f32", |r| r.next());
        check_op(RowOp::Min, rows, len, "f32", |r| r.next());
    }
}

#[test]
fn argmax_argmin_with_ties() {
    for (rows, len) in SIZES {
        for select_last in [false, true] {
            // Few distinct values: many ties.
            check_op(RowOp::ArgMax { select_last }, rows, len, "f32", |r| {
                (r.next() * 3.0).round()
            });
            check_op(RowOp::ArgMin { select_last }, rows, len, "f32", |r| {
                (r.next() * 3.0).round()
            });
            check_op(RowOp::ArgMax { select_last }, rows, len, "f32", |r| r.next());
        }
    }
}

#[test]
fn softmax_and_log_softmax() {
    for (rows, len) in SIZES {
        check_op(RowOp::Softmax, rows, len, "f32", |r| r.next() * 4.0);
        check_op(RowOp::LogSoftmax, rows, len, "f32", |r| r.next() * 4.0);
    }
    // Large logits: the maximum is subtracted.
    check_op(RowOp::Softmax, 2, 300, "f32", |r| 500.0 + r.next() * 10.0);
}

#[test]
fn layer_norm_and_rms_norm() {
    for (rows, len) in SIZES {
        check_op(RowOp::LayerNorm { eps: 1e-5 }, rows, len, "f32", |r| {
            r.next() * 2.0 + 0.3
        });
        check_op(RowOp::RmsNorm { eps: 1e-6 }, rows, len, "f32", |r| r.next() * 2.0 + 0.3);
    }
}

#[test]
fn layer_norm_with_a_large_mean_is_accurate() {
    // 768 elements with mean 100 and unit-scale deviations: 1e-4 relative.
    check_op(RowOp::LayerNorm { eps: 1e-5 }, 3, 768, "f32", |r| 100.0 + r.next());
    check_op(RowOp::LayerNorm { eps: 1e-5 }, 2, 4096, "f32", |r| 1000.0 + r.next());
}

#[test]
fn f16_inputs() {
    assert!(gpu().caps.shader_f16, "the test device must have SHADER_F16");
    for (rows, len) in [(3, 5), (4, 256), (2, 1000)] {
        check_op(RowOp::Sum, rows, len, "f16", |r| r.next());
        check_op(RowOp::Max, rows, len, "f16", |r| r.next());
        check_op(RowOp::ArgMin { select_last: false }, rows, len, "f16", |r| {
            (r.next() * 8.0).round()
        });
        check_op(RowOp::Softmax, rows, len, "f16", |r| r.next() * 4.0);
        check_op(RowOp::LayerNorm { eps: 1e-5 }, rows, len, "f16", |r| {
            r.next() * 2.0 + 10.0
        });
        check_op(RowOp::RmsNorm { eps: 1e-5 }, rows, len, "f16", |r| r.next());
    }
}

fn bits_eq(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Rows with NaN, ±inf and signed zeros, against the reference interpreter.
#[test]
fn special_values_match_the_reference() {
    let (nan, inf) = (f32::NAN, f32::INFINITY);
    let rows: Vec<Vec<f32>> = vec![
        vec![1.0, nan, 3.0, nan, -2.0],
        vec![nan, 1.0, 2.0, 5.0, 5.0],
        vec![-inf, -inf, -inf, -inf, -inf],
        vec![1.0, 2.0, inf, -inf, 0.5],
        vec![-inf, 1.0, -inf, 2.0, 2.0],
        vec![0.0, -0.0, 0.0, -1.0, 1.0],
        vec![3.0, 3.0, 3.0, 3.0, nan],
    ];
    let (n, len) = (rows.len(), 5);
    let x: Vec<f32> = rows.concat();
    let t = Tensor::from_f32(DType::F32, vec![n, len], x.clone());
    for s in [sched(32, true), sched(32, false), sched(2, true), sched(3, false)] {
        for (op, rop) in [
            (RowOp::Max, ReduceOp::Max),
            (RowOp::Min, ReduceOp::Min),
            (RowOp::Sum, ReduceOp::Sum),
        ] {
            let want = reduce::reduce(rop, &t, &[1], false).unwrap();
            let got = run_row(op, n, len, "f32", &s, &x);
            for (r, &w) in want.floats().unwrap().iter().enumerate() {
                assert!(
                    bits_eq(got.f[r], w) || got.f[r] == w,
                    "{op:?} {s:?} row {r}: {} vs {w}",
                    got.f[r]
                );
            }
        }
        for max in [true, false] {
            for last in [false, true] {
                let op = if max {
                    RowOp::ArgMax { select_last: last }
                } else {
                    RowOp::ArgMin { select_last: last }
                };
                let want = reduce::arg_extremum(&t, 1, false, last, max).unwrap();
                let got = run_row(op, n, len, "f32", &s, &x);
                let want: Vec<i32> = want.ints().unwrap().iter().map(|&i| i as i32).collect();
                assert_eq!(got.i, want, "{op:?} {s:?}");
            }
        }
        for (op, log) in [(RowOp::Softmax, false), (RowOp::LogSoftmax, true)] {
            let want = reduce::softmax(&t, 1, log).unwrap();
            let got = run_row(op, n, len, "f32", &s, &x);
            for (e, &w) in want.floats().unwrap().iter().enumerate() {
                assert!(
                    close(got.f[e], w as f64, 1e-6),
                    "{op:?} {s:?} elem {e}: {} vs {w}",
                    got.f[e]
                );
            }
        }
    }
}

#[test]
fn empty_rows_give_the_identities() {
    for s in [sched(32, true), sched(32, false)] {
        for (op, want) in [
            (RowOp::Sum, 0.0),
            (RowOp::Prod, 1.0),
            (RowOp::Max, f32::NEG_INFINITY),
            (RowOp::Min, f32::INFINITY),
            // The empty mean is 0, as in onnxruntime and the reference.
            (RowOp::Mean, 0.0),
        ] {
            let got = run_row(op, 3, 0, "f32", &s, &[]);
            for r in 0..3 {
                assert!(bits_eq(got.f[r], want) || got.f[r] == want, "{op:?}: {}", got.f[r]);
            }
        }
        // Nothing to store, and an empty dispatch.
        let em = emit_row(
            &RowSpec {
                rows: 3,
                rows_expr: None,
                len_expr: None,
                len: 0,
                op: RowOp::Softmax,
                ft: "f32",
            },
            &s,
            &gpu().caps,
        )
        .unwrap();
        assert_eq!(em.workgroups, [0, 1, 1]);
        let spec = RowSpec {
            rows: 3,
            rows_expr: None,
            len_expr: None,
            len: 0,
            op: RowOp::ArgMax { select_last: false },
            ft: "f32",
        };
        assert!(emit_row(&spec, &s, &gpu().caps).unwrap_err().contains("empty row"));
    }
}

#[test]
fn many_rows_fold_the_dispatch() {
    // A device that allows only 100 workgroups per dimension: 250 rows fold into 100 x 3, with
    // 50 guard workgroups.
    let mut caps = gpu().caps.clone();
    caps.max_workgroups_per_dim = 100;
    let (rows, len) = (250, 37);
    let mut rng = Rng(7);
    let x = rng.vec(rows * len);
    for s in [sched(32, true), sched(16, false)] {
        let out = run_row_caps(&caps, RowOp::Sum, rows, len, "f32", &s, &x);
        let y = run_row_caps(&caps, RowOp::Softmax, rows, len, "f32", &s, &x);
        for r in 0..rows {
            let row = &x[r * len..(r + 1) * len];
            let (w, tol) = expect_row(RowOp::Sum, row);
            assert!(close(out.f[r], w, tol), "row {r}");
            for (j, w) in expect_elems(RowOp::Softmax, row).into_iter().enumerate() {
                assert!(close(y.f[r * len + j], w, 1e-4 * w + 1e-7), "row {r} elem {j}");
            }
        }
    }
    // The real limit: 70000 rows.
    let rows = 70_000;
    let x = rng.vec(rows * 3);
    let out = run_row(RowOp::Max, rows, 3, "f32", &sched(32, true), &x);
    for r in 0..rows {
        assert_eq!(
            out.f[r],
            x[r * 3..r * 3 + 3].iter().cloned().fold(f32::NEG_INFINITY, f32::max)
        );
    }
}

#[test]
fn schedules_that_do_not_fit_are_errors() {
    let caps = &gpu().caps;
    let spec = RowSpec {
        rows: 4,
        rows_expr: None,
        len_expr: None,
        len: 10,
        op: RowOp::Sum,
        ft: "f32",
    };
    let too_many = ReduceSchedule {
        threads: caps.max_workgroup_invocations + 1,
        subgroups: false,
        subgroup_size: 0,
    };
    assert!(emit_row(&spec, &too_many, caps).is_err());
    let mut no_sg = caps.clone();
    no_sg.subgroup_size = 0;
    assert!(emit_row(&spec, &sched(32, true), &no_sg)
        .unwrap_err()
        .contains("subgroup"));
    let mut tiny = caps.clone();
    tiny.shared_memory_bytes = 64;
    assert!(emit_row(&spec, &sched(32, false), &tiny)
        .unwrap_err()
        .contains("workgroup memory"));
    let mut no_f16 = caps.clone();
    no_f16.shader_f16 = false;
    assert!(emit_row(&RowSpec { ft: "f16", ..spec }, &sched(32, false), &no_f16).is_err());
    assert!(emit_row(&RowSpec { ft: "f64", ..spec }, &sched(32, false), caps).is_err());
}

// ---- top-k ----

struct TopOut {
    v: Vec<f32>,
    i: Vec<i32>,
}

fn run_topk(rows: usize, len: usize, k: usize, largest: bool, ft: &str, s: &ReduceSchedule, x: &[f32]) -> TopOut {
    let spec = TopKSpec {
        rows_expr: None,
        rows: rows as u64,
        len: len as u64,
        k: k as u64,
        largest,
        ft,
    };
    let em = emit_topk(&spec, s, &gpu().caps).unwrap_or_else(|e| panic!("topk {s:?}: {e}"));
    let src = format!(
        "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
         @group(0) @binding(1) var<storage, read_write> b1: array<{ft}>;\n\
         @group(0) @binding(2) var<storage, read_write> b2: array<i32>;\n\
         fn load_x(row: i32, j: i32) -> {ft} {{ return b0[row * {len} + j]; }}\n\
         fn store_v(row: i32, r: i32, v: {ft}) {{ b1[row * {k} + r] = v; }}\n\
         fn store_i(row: i32, r: i32, idx: i32) {{ b2[row * {k} + r] = idx; }}\n{}",
        if ft == "f16" { "enable f16;\n" } else { "" },
        em.code
    );
    let esize = if ft == "f16" { 2 } else { 4 };
    let mut bufs = vec![bytes_of(ft, x), vec![0xff; rows * k * esize], vec![0xff; rows * k * 4]];
    gpu()
        .run_shader("topk", &src, &mut bufs, em.workgroups)
        .unwrap_or_else(|e| panic!("topk {s:?}: {e}\n{src}"));
    let v = match ft {
        "f16" => bufs[1]
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        "i32" => i32s(&bufs[1]).into_iter().map(|e| e as f32).collect(),
        _ => f32s(&bufs[1]),
    };
    TopOut { v, i: i32s(&bufs[2]) }
}

fn check_topk(rows: usize, len: usize, k: usize, ft: &str, x: &[f32]) {
    let dtype = if ft == "i32" { DType::I32 } else { DType::F32 };
    let t = if ft == "i32" {
        Tensor::from_i64(dtype, vec![rows, len], x.iter().map(|&e| e as i64).collect())
    } else {
        Tensor::from_f32(dtype, vec![rows, len], x.to_vec())
    };
    for largest in [true, false] {
        let want = misc::topk(&t, k as u64, 1, largest).unwrap();
        let wv: Vec<f32> = match ft {
            "i32" => want[0].ints().unwrap().iter().map(|&e| e as f32).collect(),
            _ => want[0].floats().unwrap().to_vec(),
        };
        let wi: Vec<i32> = want[1].ints().unwrap().iter().map(|&e| e as i32).collect();
        for s in schedules(len as u64) {
            let got = run_topk(rows, len, k, largest, ft, &s, x);
            assert_eq!(
                got.i, wi,
                "topk {ft} rows {rows} len {len} k {k} largest {largest} {s:?}"
            );
            for (g, w) in got.v.iter().zip(&wv) {
                assert!(bits_eq(*g, *w), "topk values {ft} len {len} k {k} {s:?}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn topk_random_rows() {
    let mut rng = Rng(99);
    for (rows, len, k) in [(1, 1, 1), (3, 7, 3), (2, 50, 50), (4, 300, 5), (2, 1000, 17), (3, 9, 0)] {
        let x = rng.vec(rows * len);
        check_topk(rows, len, k, "f32", &x);
    }
}

#[test]
fn topk_ties_nans_and_signed_zeros() {
    let mut rng = Rng(5);
    let (rows, len) = (3, 40);
    let mut x: Vec<f32> = (0..rows * len).map(|_| (rng.next() * 2.0).round()).collect();
    for p in [3, 17, 18, 41, 90, 119] {
        x[p] = f32::NAN;
    }
    x[5] = -0.0;
    x[60] = f32::INFINITY;
    x[61] = f32::NEG_INFINITY;
    for k in [1, 6, 40] {
        check_topk(rows, len, k, "f32", &x);
    }
}

#[test]
fn topk_f16_and_i32() {
    assert!(gpu().caps.shader_f16, "the test device must have SHADER_F16");
    let mut rng = Rng(11);
    let x = f16_round(&rng.vec(2 * 200));
    check_topk(2, 200, 9, "f16", &x);
    let xi: Vec<f32> = (0..3 * 77).map(|_| (rng.next() * 20.0).round()).collect();
    check_topk(3, 77, 12, "i32", &xi);
}

#[test]
fn topk_errors() {
    let caps = &gpu().caps;
    let spec = TopKSpec {
        rows_expr: None,
        rows: 2,
        len: 4,
        k: 5,
        largest: true,
        ft: "f32",
    };
    assert!(emit_topk(&spec, &sched(32, false), caps)
        .unwrap_err()
        .contains("larger than"));
    assert!(emit_topk(&TopKSpec { k: 2, ft: "u8", ..spec }, &sched(32, false), caps).is_err());
}

#[test]
fn layer_norm_matches_the_reference_interpreter() {
    // The caller applies scale and bias to what the template stores: check the composition.
    let (rows, len) = (3, 96);
    let mut rng = Rng(21);
    let x: Vec<f32> = (0..rows * len).map(|_| rng.next() * 5.0 + 50.0).collect();
    let scale: Vec<f32> = rng.vec(len);
    let bias: Vec<f32> = rng.vec(len);
    let t = Tensor::from_f32(DType::F32, vec![rows, len], x.clone());
    let st = Tensor::from_f32(DType::F32, vec![len], scale.clone());
    let bt = Tensor::from_f32(DType::F32, vec![len], bias.clone());
    let want = norm::layer_norm(&t, &st, Some(&bt), -1, 1e-5).unwrap();
    let got = run_row(RowOp::LayerNorm { eps: 1e-5 }, rows, len, "f32", &sched(32, true), &x);
    for (e, w) in want.floats().unwrap().iter().enumerate() {
        let y = got.f[e] * scale[e % len] + bias[e % len];
        assert!((y - w).abs() <= 1e-4 * w.abs().max(1.0), "elem {e}: {y} vs {w}");
    }
}
