//! The attention WGSL template on the device (lavapipe in CI) against a naive CPU f64 attention:
//! with and without an additive mask, causal with `lq < lk` and `lq > lk`, decoding (`lq = 1`),
//! ragged lengths, head sizes up to 256, f16, several schedules, fully masked rows, `lk = 0`,
//! folded dispatches, and the reference interpreter on masks with `-inf`.
#![cfg(feature = "wgsl")]
#![allow(clippy::too_many_arguments)]

use edgecc_autotune::{DeviceCaps, Schedule};
use edgecc_backends::reference::{attention, Tensor};
use edgecc_backends::wgsl::attention::{default_attention_schedule, emit_attention, AttnSpec};
use edgecc_ir::DType;
mod wgsl_common;

use wgsl_common::{gpu, Rng};

fn bytes_of(ft: &str, v: &[f32]) -> Vec<u8> {
    match ft {
        "f16" => v.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect(),
        _ => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// One problem: q [batch, lq, d], k [batch, lk, d], v [batch, lk, dv], mask [batch, lq, lk].
struct Problem {
    batch: usize,
    lq: usize,
    lk: usize,
    d: usize,
    dv: usize,
    scale: f32,
    causal: bool,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    mask: Option<Vec<f32>>,
}

impl Problem {
    fn random(seed: u64, batch: usize, lq: usize, lk: usize, d: usize, dv: usize, causal: bool, mask: bool) -> Problem {
        let mut rng = Rng(seed);
        let q = rng.vec(batch * lq * d);
        let k = rng.vec(batch * lk * d);
        let v = rng.vec(batch * lk * dv);
        let mask = mask.then(|| {
            (0..batch * lq * lk)
                .map(|_| {
                    let r = rng.next();
                    if r < -0.6 {
                        f32::NEG_INFINITY
                    } else {
                        r * 2.0
                    }
                })
                .collect()
        });
        Problem {
            batch,
            lq,
            lk,
            d,
            dv,
            scale: 1.0 / (d.max(1) as f32).sqrt(),
            causal,
            q,
            k,
            v,
            mask,
        }
    }

    fn into_f16(mut self) -> Problem {
        let r = |v: &mut Vec<f32>| v.iter_mut().for_each(|x| *x = half::f16::from_f32(*x).to_f32());
        r(&mut self.q);
        r(&mut self.k);
        r(&mut self.v);
        self
    }

    fn spec<'a>(&self, ft: &'a str) -> AttnSpec<'a> {
        AttnSpec {
            batch: self.batch as u64,
            batch_expr: None,
            lq: self.lq as u64,
            lk: self.lk as u64,
            lq_expr: None,
            lk_expr: None,
            d: self.d as u64,
            dv: self.dv as u64,
            scale: self.scale,
            causal: self.causal,
            has_mask: self.mask.is_some(),
            score_fn: false,
            ft,
        }
    }

    /// Naive f64 attention; fully masked rows give zeros.
    fn expect(&self) -> Vec<f64> {
        let (lq, lk, d, dv) = (self.lq, self.lk, self.d, self.dv);
        let mut out = vec![0f64; self.batch * lq * dv];
        for b in 0..self.batch {
            for i in 0..lq {
                let mut s = vec![f64::NEG_INFINITY; lk];
                for (j, sj) in s.iter_mut().enumerate() {
                    if self.causal && j as i64 > i as i64 + lk as i64 - lq as i64 {
                        continue;
                    }
                    let dot: f64 = (0..d)
                        .map(|c| self.q[(b * lq + i) * d + c] as f64 * self.k[(b * lk + j) * d + c] as f64)
                        .sum();
                    let m = self.mask.as_ref().map_or(0.0, |m| m[(b * lq + i) * lk + j] as f64);
                    *sj = dot * self.scale as f64 + m;
                }
                let mx = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                if mx == f64::NEG_INFINITY {
                    continue;
                }
                let p: Vec<f64> = s.iter().map(|&x| (x - mx).exp()).collect();
                let sum: f64 = p.iter().sum();
                for c in 0..dv {
                    out[(b * lq + i) * dv + c] = (0..lk)
                        .map(|j| p[j] * self.v[(b * lk + j) * dv + c] as f64)
                        .sum::<f64>()
                        / sum;
                }
            }
        }
        out
    }

    fn run(&self, ft: &str, sched: &Schedule, caps: &DeviceCaps) -> Vec<f32> {
        let spec = self.spec(ft);
        let em = emit_attention(&spec, sched, caps).unwrap_or_else(|e| panic!("{sched:?}: {e}"));
        let (lq, lk, d, dv) = (self.lq, self.lk, self.d, self.dv);
        let mask_fn = if self.mask.is_some() {
            format!("fn mask_s(b: i32, i: i32, j: i32) -> f32 {{ return b3[(b * {lq} + i) * {lk} + j]; }}\n")
        } else {
            String::new()
        };
        let src = format!(
            "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
             @group(0) @binding(1) var<storage, read_write> b1: array<{ft}>;\n\
             @group(0) @binding(2) var<storage, read_write> b2: array<{ft}>;\n\
             @group(0) @binding(3) var<storage, read_write> b3: array<f32>;\n\
             @group(0) @binding(4) var<storage, read_write> b4: array<f32>;\n\
             fn load_q(b: i32, i: i32, c: i32) -> {ft} {{ return b0[(b * {lq} + i) * {d} + c]; }}\n\
             fn load_k(b: i32, j: i32, c: i32) -> {ft} {{ return b1[(b * {lk} + j) * {d} + c]; }}\n\
             fn load_v(b: i32, j: i32, c: i32) -> {ft} {{ return b2[(b * {lk} + j) * {dv} + c]; }}\n\
             {mask_fn}fn store_o(b: i32, i: i32, c: i32, v: f32) {{ b4[(b * {lq} + i) * {dv} + c] = v; }}\n{}",
            if ft == "f16" { "enable f16;\n" } else { "" },
            em.code
        );
        let mut bufs = vec![
            bytes_of(ft, &self.q),
            bytes_of(ft, &self.k),
            bytes_of(ft, &self.v),
            bytes_of("f32", self.mask.as_deref().unwrap_or(&[])),
            vec![0xff; self.batch * lq * dv * 4],
        ];
        gpu()
            .run_shader("attention", &src, &mut bufs, em.workgroups)
            .unwrap_or_else(|e| panic!("{sched:?}: {e}\n{src}"));
        f32s(&bufs[4])
    }

    fn check(&self, ft: &str, sched: &Schedule) {
        self.check_caps(ft, sched, &gpu().caps)
    }

    fn check_caps(&self, ft: &str, sched: &Schedule, caps: &DeviceCaps) {
        let got = self.run(ft, sched, caps);
        let want = self.expect();
        let vmax = self.v.iter().fold(0f64, |m, &x| m.max(x.abs() as f64));
        let tol = if ft == "f16" { 1e-3 } else { 1e-4 } * vmax.max(1e-3);
        for (e, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g as f64 - w).abs() <= tol,
                "{ft} batch {} lq {} lk {} d {} dv {} causal {} mask {} {sched:?}: out[{e}] = {g}, want {w}",
                self.batch,
                self.lq,
                self.lk,
                self.d,
                self.dv,
                self.causal,
                self.mask.is_some()
            );
        }
    }
}

fn attn(block_q: u32, block_k: u32, threads: u32) -> Schedule {
    Schedule::Attention {
        block_q,
        block_k,
        threads,
    }
}

fn schedules(p: &Problem, ft: &str) -> Vec<Schedule> {
    vec![
        default_attention_schedule(&gpu().caps, &p.spec(ft)),
        attn(4, 8, 32),
        attn(16, 16, 64),
        attn(3, 5, 7),
        attn(1, 32, 64),
    ]
}

#[test]
fn no_mask_ragged_lengths() {
    for (i, (batch, lq, lk, d, dv)) in [
        (2, 7, 13, 16, 8),
        (1, 33, 70, 64, 64),
        (3, 1, 1, 4, 4),
        (1, 5, 3, 8, 12),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Problem::random(i as u64 + 1, batch, lq, lk, d, dv, false, false);
        for s in schedules(&p, "f32") {
            p.check("f32", &s);
        }
    }
}

#[test]
fn additive_mask_with_masked_keys() {
    for (i, (batch, lq, lk, d, dv)) in [(2, 9, 21, 16, 16), (1, 17, 40, 32, 24)].into_iter().enumerate() {
        let p = Problem::random(i as u64 + 10, batch, lq, lk, d, dv, false, true);
        for s in schedules(&p, "f32") {
            p.check("f32", &s);
        }
    }
}

#[test]
fn causal_with_fewer_and_more_queries_than_keys() {
    for (i, (lq, lk, mask)) in [(5, 19, false), (19, 19, false), (12, 5, false), (7, 30, true)]
        .into_iter()
        .enumerate()
    {
        let p = Problem::random(i as u64 + 20, 2, lq, lk, 16, 16, true, mask);
        for s in schedules(&p, "f32") {
            p.check("f32", &s);
        }
    }
}

#[test]
fn decoding_one_query() {
    for (i, (lk, d, causal)) in [(100, 64, false), (257, 128, true), (1, 64, false)]
        .into_iter()
        .enumerate()
    {
        let p = Problem::random(i as u64 + 30, 4, 1, lk, d, d, causal, false);
        for s in schedules(&p, "f32") {
            p.check("f32", &s);
        }
    }
}

#[test]
fn head_sizes_up_to_256() {
    for (i, (d, dv)) in [(128, 128), (256, 256), (256, 64), (80, 256)].into_iter().enumerate() {
        let p = Problem::random(i as u64 + 40, 2, 19, 37, d, dv, i % 2 == 1, false);
        let s = default_attention_schedule(&gpu().caps, &p.spec("f32"));
        p.check("f32", &s);
        p.check("f32", &attn(2, 8, 64));
    }
}

#[test]
fn f16_inputs() {
    assert!(gpu().caps.shader_f16, "the test device must have SHADER_F16");
    for (i, (lq, lk, d, causal, mask)) in [
        (9, 23, 64, false, false),
        (16, 40, 128, true, false),
        (1, 50, 64, false, true),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Problem::random(i as u64 + 50, 2, lq, lk, d, d, causal, mask).into_f16();
        for s in schedules(&p, "f16") {
            p.check("f16", &s);
        }
    }
}

#[test]
fn fully_masked_rows_and_no_keys_give_zeros() {
    // Causal with more queries than keys: the first rows see no key.
    let p = Problem::random(60, 1, 6, 2, 8, 8, true, false);
    let got = p.run("f32", &attn(4, 8, 32), &gpu().caps);
    assert!(got[..4 * 8].iter().all(|&x| x == 0.0), "{got:?}");
    p.check("f32", &attn(4, 8, 32));
    // A mask row of all -inf.
    let mut p = Problem::random(61, 1, 3, 5, 8, 8, false, true);
    if let Some(m) = p.mask.as_mut() {
        m[5..10].iter_mut().for_each(|x| *x = f32::NEG_INFINITY);
    }
    let got = p.run("f32", &attn(2, 4, 16), &gpu().caps);
    assert!(got[8..16].iter().all(|&x| x == 0.0), "{got:?}");
    p.check("f32", &attn(2, 4, 16));
    // No keys at all.
    let p = Problem::random(62, 2, 3, 0, 8, 8, false, false);
    for s in schedules(&p, "f32") {
        let got = p.run("f32", &s, &gpu().caps);
        assert!(got.iter().all(|&x| x == 0.0), "{s:?}: {got:?}");
    }
}

#[test]
fn matches_the_reference_interpreter() {
    let p = Problem::random(70, 3, 6, 11, 16, 8, true, true);
    let t = |shape: Vec<usize>, v: &[f32]| Tensor::from_f32(DType::F32, shape, v.to_vec());
    let want = attention::attention(
        &t(vec![3, 6, 16], &p.q),
        &t(vec![3, 11, 16], &p.k),
        &t(vec![3, 11, 8], &p.v),
        p.mask.as_ref().map(|m| t(vec![3, 6, 11], m)).as_ref(),
        Some(p.scale),
        true,
    )
    .unwrap();
    let got = p.run("f32", &attn(4, 4, 32), &gpu().caps);
    for (e, (g, w)) in got.iter().zip(want.floats().unwrap()).enumerate() {
        assert!((g - w).abs() <= 1e-5, "out[{e}]: {g} vs {w}");
    }
}

#[test]
fn many_workgroups_fold_the_dispatch() {
    let mut caps = gpu().caps.clone();
    caps.max_workgroups_per_dim = 10;
    // 37 batch entries x 2 query blocks = 74 workgroups: 10 x 8 with 6 guards.
    let p = Problem::random(80, 37, 7, 9, 8, 8, true, false);
    p.check_caps("f32", &attn(4, 4, 32), &caps);
}

#[test]
fn schedules_that_do_not_fit_are_errors() {
    let caps = &gpu().caps;
    let p = Problem::random(90, 1, 4, 4, 256, 256, false, false);
    let spec = p.spec("f32");
    let e = emit_attention(&spec, &attn(64, 64, 128), caps).unwrap_err();
    assert!(e.contains("workgroup memory"), "{e}");
    let e = emit_attention(&spec, &attn(1, 1, caps.max_workgroup_invocations + 1), caps).unwrap_err();
    assert!(e.contains("invocations"), "{e}");
    let e = emit_attention(&spec, &attn(16, 4, 16), caps).unwrap_err();
    assert!(e.contains("accumulators"), "{e}");
    let e = emit_attention(&spec, &Schedule::Elementwise { workgroup: 64 }, caps).unwrap_err();
    assert!(e.contains("attention schedule"), "{e}");
    // The default always fits these head sizes, on every device profile.
    for name in edgecc_autotune::profile_names() {
        let c = edgecc_autotune::profile(&name).unwrap();
        for d in [64, 128, 256] {
            let p = Problem::random(1, 1, 64, 64, d, d, false, false);
            let s = default_attention_schedule(&c, &p.spec("f32"));
            emit_attention(&p.spec("f32"), &s, &c).unwrap_or_else(|e| panic!("{name} d {d}: {e}"));
        }
    }
}
