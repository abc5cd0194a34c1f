//! The WGSL GEMM and implicit-GEMM convolution templates, run on the device (lavapipe in CI)
//! against naive f64 CPU references: ragged and size-1 shapes, several schedules (by hand and
//! `default_for`, single- and double-buffered, scalar and vec4 loads, odd register blocks),
//! batches, folded dispatches, f16; Conv and ConvTranspose in 1-D, 2-D and 3-D with groups,
//! depthwise, strides, dilations and padding.
#![cfg(feature = "wgsl")]

use edgecc_autotune::{DeviceCaps, GemmSchedule};
use edgecc_backends::wgsl::conv::{emit_conv, ConvSpec};
use edgecc_backends::wgsl::gemm::{emit_gemm, GemmSpec};
use edgecc_backends::wgsl::template::Emitted;
use edgecc_backends::wgsl::Gpu;
use half::f16;

/// xorshift64* values in [-1, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// `n` values, rounded to what the device stores for `ft`.
    fn vec(&mut self, n: usize, ft: &str) -> Vec<f64> {
        (0..n).map(|_| round(self.next(), ft)).collect()
    }
}

fn round(x: f64, ft: &str) -> f64 {
    if ft == "f16" {
        f16::from_f64(x).to_f64()
    } else {
        x as f32 as f64
    }
}

fn bytes(v: &[f64], ft: &str) -> Vec<u8> {
    if ft == "f16" {
        v.iter().flat_map(|&x| f16::from_f64(x).to_le_bytes()).collect()
    } else {
        v.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect()
    }
}

fn floats(b: &[u8], ft: &str, n: usize) -> Vec<f64> {
    if ft == "f16" {
        b.chunks_exact(2)
            .take(n)
            .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f64())
            .collect()
    } else {
        b.chunks_exact(4)
            .take(n)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect()
    }
}

/// A poisoned output buffer (0xFF bytes: NaN in f32 and f16).
fn poison(n: usize, ft: &str) -> Vec<u8> {
    vec![0xff; n * if ft == "f16" { 2 } else { 4 }]
}

fn header(ft: &str) -> String {
    if ft == "f16" {
        "enable f16;\n".to_string()
    } else {
        String::new()
    }
}

fn sched(tm: u32, tn: u32, tk: u32, rm: u32, rn: u32, vw: u32, stages: u32) -> GemmSchedule {
    GemmSchedule {
        tile_m: tm,
        tile_n: tn,
        tile_k: tk,
        reg_m: rm,
        reg_n: rn,
        vector_width: vw,
        stages,
        mma: None,
    }
}

/// The caller part of a GEMM shader: A [batch, M, K], B [batch, K, N], C [batch, M, N], all
/// row-major; A (B) bound as `array<vec4<FT>>` when it is read with vec4 loads.
fn gemm_caller(ft: &str, spec: &GemmSpec) -> String {
    let (m, n, k) = (spec.m, spec.n, spec.k);
    let mut s = header(ft);
    let ta = if spec.a_vec4 {
        format!("vec4<{ft}>")
    } else {
        ft.to_string()
    };
    let tb = if spec.b_vec4 {
        format!("vec4<{ft}>")
    } else {
        ft.to_string()
    };
    s += &format!("@group(0) @binding(0) var<storage, read_write> b0: array<{ta}>;\n");
    s += &format!("@group(0) @binding(1) var<storage, read_write> b1: array<{tb}>;\n");
    s += &format!("@group(0) @binding(2) var<storage, read_write> b2: array<{ft}>;\n");
    if spec.a_vec4 {
        s += &format!(
            "fn load_a(b: i32, m: i32, k: i32) -> {ft} {{ let i = (b * {m} + m) * {k} + k; return b0[i >> 2u][i & 3]; }}\n\
             fn load_a4(b: i32, m: i32, k: i32) -> vec4<{ft}> {{ return b0[((b * {m} + m) * {k} + k) >> 2u]; }}\n"
        );
    } else {
        s += &format!("fn load_a(b: i32, m: i32, k: i32) -> {ft} {{ return b0[(b * {m} + m) * {k} + k]; }}\n");
    }
    if spec.b_vec4 {
        s += &format!(
            "fn load_b(b: i32, k: i32, n: i32) -> {ft} {{ let i = (b * {k} + k) * {n} + n; return b1[i >> 2u][i & 3]; }}\n\
             fn load_b4(b: i32, k: i32, n: i32) -> vec4<{ft}> {{ return b1[((b * {k} + k) * {n} + n) >> 2u]; }}\n"
        );
    } else {
        s += &format!("fn load_b(b: i32, k: i32, n: i32) -> {ft} {{ return b1[(b * {k} + k) * {n} + n]; }}\n");
    }
    s += &format!("fn store_c(b: i32, m: i32, n: i32, acc: f32) {{ b2[(b * {m} + m) * {n} + n] = {ft}(acc); }}\n");
    s
}

struct GemmRun {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
}

fn run_gemm(gpu: &Gpu, caps: &DeviceCaps, spec: &GemmSpec, s: &GemmSchedule, seed: u64) -> (GemmRun, Emitted) {
    let ft = spec.ft;
    let (bt, m, n, k) = (spec.batch as usize, spec.m as usize, spec.n as usize, spec.k as usize);
    let mut rng = Rng(seed);
    let a = rng.vec(bt * m * k, ft);
    let b = rng.vec(bt * k * n, ft);
    let e = emit_gemm(spec, s, caps).unwrap_or_else(|e| panic!("{spec:?} {s:?}: {e}"));
    let wgsl = format!("{}\n{}", gemm_caller(ft, spec), e.code);
    let mut bufs = vec![bytes(&a, ft), bytes(&b, ft), poison(bt * m * n, ft)];
    gpu.run_shader("gemm_test", &wgsl, &mut bufs, e.workgroups)
        .unwrap_or_else(|err| panic!("{spec:?} {s:?}: {err}\n{wgsl}"));
    let c = floats(&bufs[2], ft, bt * m * n);
    (GemmRun { a, b, c }, e)
}

fn check_gemm(gpu: &Gpu, caps: &DeviceCaps, spec: &GemmSpec, s: &GemmSchedule, seed: u64) {
    let (r, _) = run_gemm(gpu, caps, spec, s, seed);
    let (bt, m, n, k) = (spec.batch as usize, spec.m as usize, spec.n as usize, spec.k as usize);
    let rel = if spec.ft == "f16" { 1e-2 } else { 1e-4 };
    let scale = (k as f64).sqrt().max(1.0);
    for bb in 0..bt {
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..k)
                    .map(|p| r.a[(bb * m + i) * k + p] * r.b[(bb * k + p) * n + j])
                    .sum();
                let got = r.c[(bb * m + i) * n + j];
                assert!(
                    (got - want).abs() <= rel * (scale + want.abs()),
                    "{spec:?} {s:?}: C[{bb},{i},{j}] = {got}, want {want}"
                );
            }
        }
    }
}

fn gemm(batch: u64, m: u64, n: u64, k: u64, ft: &str, vec4: bool) -> GemmSpec<'_> {
    GemmSpec {
        batch,
        dynamic_batch: false,
        m,
        m_expr: None,
        n_expr: None,
        k_expr: None,
        n,
        k,
        ft,
        a_vec4: vec4 && k.is_multiple_of(4),
        b_vec4: vec4 && n.is_multiple_of(4),
    }
}

fn hand_schedules() -> Vec<GemmSchedule> {
    vec![
        sched(16, 16, 8, 1, 1, 1, 1),
        sched(32, 32, 8, 2, 2, 4, 1),
        sched(64, 64, 16, 4, 4, 4, 1),
        sched(64, 64, 16, 4, 4, 4, 2),
        sched(32, 64, 16, 4, 8, 4, 2),
        sched(64, 32, 8, 8, 4, 1, 1),
        sched(24, 20, 6, 3, 5, 4, 1),
        sched(16, 32, 12, 2, 4, 4, 2),
        sched(8, 8, 4, 8, 8, 4, 1),
        sched(64, 64, 32, 16, 16, 4, 1),
        sched(32, 16, 16, 16, 2, 4, 2),
    ]
}

#[test]
fn gemm_ragged_shapes_every_schedule() {
    let gpu = Gpu::open(None).unwrap();
    let caps = gpu.caps.clone();
    let shapes = [
        (1, 1, 1),
        (7, 13, 5),
        (65, 33, 129),
        (16, 16, 16),
        (3, 64, 8),
        (33, 1, 40),
    ];
    let mut seed = 1;
    for s in hand_schedules() {
        for &(m, n, k) in &shapes {
            for vec4 in [false, true] {
                let spec = gemm(1, m, n, k, "f32", vec4);
                if vec4 && !spec.a_vec4 && !spec.b_vec4 {
                    continue; // the same as the scalar run
                }
                seed += 1;
                check_gemm(&gpu, &caps, &spec, &s, seed);
            }
        }
    }
}

#[test]
fn gemm_default_schedules() {
    let gpu = Gpu::open(None).unwrap();
    let caps = gpu.caps.clone();
    for (i, &(m, n, k)) in [(1, 1, 1), (7, 13, 5), (65, 33, 129), (100, 20, 7), (1, 300, 64)]
        .iter()
        .enumerate()
    {
        let s = GemmSchedule::default_for(&caps, m, n, k, 4);
        check_gemm(&gpu, &caps, &gemm(1, m, n, k, "f32", true), &s, 100 + i as u64);
    }
}

#[test]
fn gemm_large_skinny() {
    let gpu = Gpu::open(None).unwrap();
    let caps = gpu.caps.clone();
    let s = GemmSchedule::default_for(&caps, 64, 2048, 512, 4);
    check_gemm(&gpu, &caps, &gemm(1, 64, 2048, 512, "f32", true), &s, 7);
}

#[test]
fn gemm_batched() {
    let gpu = Gpu::open(None).unwrap();
    let caps = gpu.caps.clone();
    for (i, s) in [sched(16, 16, 8, 2, 2, 4, 1), sched(32, 32, 16, 4, 4, 4, 2)]
        .iter()
        .enumerate()
    {
        check_gemm(&gpu, &caps, &gemm(3, 17, 19, 23, "f32", false), s, 200 + i as u64);
        check_gemm(&gpu, &caps, &gemm(4, 33, 20, 12, "f32", true), s, 300 + i as u64);
        check_gemm(&gpu, &caps, &gemm(5, 1, 1, 1, "f32", true), s, 400 + i as u64);
    }
}

#[test]
fn gemm_f16() {
    let gpu = Gpu::open(None).unwrap();
    assert!(gpu.caps.shader_f16, "the test device must have SHADER_F16");
    let caps = gpu.caps.clone();
    let shapes = [(1, 1, 1, 1), (1, 7, 13, 5), (2, 65, 36, 128), (1, 40, 64, 33)];
    for (i, s) in [
        sched(64, 64, 16, 4, 4, 4, 1),
        sched(32, 32, 8, 2, 2, 1, 2),
        sched(24, 20, 6, 3, 5, 4, 1),
    ]
    .iter()
    .enumerate()
    {
        for (j, &(b, m, n, k)) in shapes.iter().enumerate() {
            check_gemm(
                &gpu,
                &caps,
                &gemm(b, m, n, k, "f16", true),
                s,
                500 + (i * 10 + j) as u64,
            );
        }
    }
    let s = GemmSchedule::default_for(&caps, 65, 36, 128, 4);
    check_gemm(&gpu, &caps, &gemm(2, 65, 36, 128, "f16", true), &s, 600);
}

/// A device limit of 8 workgroups per dimension forces the folded dispatch (and its guard).
#[test]
fn gemm_folded_dispatch() {
    let gpu = Gpu::open(None).unwrap();
    let mut caps = gpu.caps.clone();
    caps.max_workgroups_per_dim = 8;
    for (i, s) in [sched(16, 16, 8, 2, 2, 4, 1), sched(16, 16, 8, 2, 2, 4, 2)]
        .iter()
        .enumerate()
    {
        let spec = gemm(2, 20, 150, 9, "f32", false);
        let e = emit_gemm(&spec, s, &caps).unwrap();
        assert!(e.workgroups.iter().all(|&w| w <= 8), "{:?}", e.workgroups);
        assert_eq!(e.workgroups, [8, 5, 1]); // 10 x 2 x 2 = 40 tiles
        check_gemm(&gpu, &caps, &spec, s, 700 + i as u64);
        // Batch beyond the limit.
        check_gemm(&gpu, &caps, &gemm(11, 5, 6, 7, "f32", false), s, 710 + i as u64);
    }
    let big = GemmSpec {
        batch: 1000,
        ..gemm(1, 1000, 1000, 8, "f32", false)
    };
    let e = emit_gemm(&big, &sched(16, 16, 8, 2, 2, 4, 1), &caps).unwrap_err();
    assert!(e.contains("do not fit"), "{e}");
}

#[test]
fn gemm_schedules_that_do_not_fit_are_errors() {
    let gpu = Gpu::open(None).unwrap();
    let caps = gpu.caps.clone();
    let spec = gemm(1, 64, 64, 64, "f32", true);
    let too_many_threads = sched(128, 128, 8, 1, 1, 4, 1);
    assert!(emit_gemm(&spec, &too_many_threads, &caps)
        .unwrap_err()
        .contains("invocations"));
    let too_much_shared = sched(256, 256, 64, 16, 16, 4, 1);
    assert!(emit_gemm(&spec, &too_much_shared, &caps)
        .unwrap_err()
        .contains("workgroup memory"));
    let ragged_reg = sched(30, 32, 8, 4, 4, 4, 1);
    assert!(emit_gemm(&spec, &ragged_reg, &caps).unwrap_err().contains("multiples"));
    let stages = sched(32, 32, 8, 4, 4, 4, 3);
    assert!(emit_gemm(&spec, &stages, &caps).unwrap_err().contains("stages"));
    let mut no_f16 = caps.clone();
    no_f16.shader_f16 = false;
    let e = emit_gemm(&gemm(1, 8, 8, 8, "f16", false), &sched(16, 16, 8, 2, 2, 4, 1), &no_f16).unwrap_err();
    assert!(e.contains("f16"), "{e}");
    let e = emit_gemm(&gemm(1, 8, 8, 8, "i32", false), &sched(16, 16, 8, 2, 2, 4, 1), &caps).unwrap_err();
    assert!(e.contains("f32 or f16"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Convolution.

struct Conv {
    n: usize,
    c: usize,
    m: usize,
    groups: usize,
    input: Vec<usize>,
    kernel: Vec<usize>,
    strides: Vec<usize>,
    pads: Vec<usize>,
    dil: Vec<usize>,
    transposed: bool,
    /// ConvTranspose output padding (the output is this much longer at the end).
    out_pad: Vec<usize>,
}

impl Conv {
    fn out(&self) -> Vec<usize> {
        (0..self.input.len())
            .map(|d| {
                let span = self.dil[d] * (self.kernel[d] - 1) + 1;
                if self.transposed {
                    (self.input[d] - 1) * self.strides[d] + span + self.out_pad[d] - 2 * self.pads[d]
                } else {
                    (self.input[d] + 2 * self.pads[d] - span) / self.strides[d] + 1
                }
            })
            .collect()
    }

    fn spec<'a>(&self, ft: &'a str) -> ConvSpec<'a> {
        let u = |v: &[usize]| v.iter().map(|&x| x as u64).collect::<Vec<u64>>();
        ConvSpec {
            n: self.n as u64,
            c: self.c as u64,
            m: self.m as u64,
            groups: self.groups as u64,
            in_spatial: u(&self.input),
            kernel: u(&self.kernel),
            out_spatial: u(&self.out()),
            strides: u(&self.strides),
            pads_begin: u(&self.pads),
            dilations: u(&self.dil),
            transposed: self.transposed,
            ft,
        }
    }

    fn w_shape(&self) -> (usize, usize) {
        if self.transposed {
            (self.c, self.m / self.groups)
        } else {
            (self.m, self.c / self.groups)
        }
    }

    /// Naive f64 reference: Conv by direct summation, ConvTranspose by scattering (so the
    /// device's gather form is checked against an independent formulation).
    fn reference(&self, x: &[f64], w: &[f64]) -> Vec<f64> {
        let out = self.out();
        let pad3 = |v: &[usize]| -> [usize; 3] {
            let mut r = [1; 3];
            r[..v.len()].copy_from_slice(v);
            r
        };
        let (i3, k3, o3) = (pad3(&self.input), pad3(&self.kernel), pad3(&out));
        let rank = self.input.len();
        let (cg, mg) = (self.c / self.groups, self.m / self.groups);
        let (w0, w1) = self.w_shape();
        let _ = w0;
        let isz: usize = i3.iter().product();
        let ksz: usize = k3.iter().product();
        let osz: usize = o3.iter().product();
        let mut y = vec![0.0; self.n * self.m * osz];
        let coords =
            |flat: usize, dims: [usize; 3]| [flat / (dims[1] * dims[2]), flat / dims[2] % dims[1], flat % dims[2]];
        for n in 0..self.n {
            for g in 0..self.groups {
                for ci in 0..cg {
                    let c = g * cg + ci;
                    for oc in 0..mg {
                        let o = g * mg + oc;
                        let wbase = if self.transposed {
                            (c * w1 + oc) * ksz
                        } else {
                            (o * w1 + ci) * ksz
                        };
                        for kf in 0..ksz {
                            let kk = coords(kf, k3);
                            let wv = w[wbase + kf];
                            if self.transposed {
                                'inp: for inf in 0..isz {
                                    let ii = coords(inf, i3);
                                    let mut oo = [0usize; 3];
                                    for d in 0..rank {
                                        let v = (ii[d] * self.strides[d] + kk[d] * self.dil[d]) as i64
                                            - self.pads[d] as i64;
                                        if v < 0 || v >= out[d] as i64 {
                                            continue 'inp;
                                        }
                                        oo[d] = v as usize;
                                    }
                                    let of = (oo[0] * o3[1] + oo[1]) * o3[2] + oo[2];
                                    y[(n * self.m + o) * osz + of] += x[(n * self.c + c) * isz + inf] * wv;
                                }
                            } else {
                                'outp: for of in 0..osz {
                                    let oo = coords(of, o3);
                                    let mut ii = [0usize; 3];
                                    for d in 0..rank {
                                        let v = (oo[d] * self.strides[d] + kk[d] * self.dil[d]) as i64
                                            - self.pads[d] as i64;
                                        if v < 0 || v >= self.input[d] as i64 {
                                            continue 'outp;
                                        }
                                        ii[d] = v as usize;
                                    }
                                    let inf = (ii[0] * i3[1] + ii[1]) * i3[2] + ii[2];
                                    y[(n * self.m + o) * osz + of] += x[(n * self.c + c) * isz + inf] * wv;
                                }
                            }
                        }
                    }
                }
            }
        }
        y
    }

    fn caller(&self, ft: &str) -> String {
        let pad3 = |v: &[usize]| -> [usize; 3] {
            let mut r = [1; 3];
            r[..v.len()].copy_from_slice(v);
            r
        };
        let (i, k, o) = (pad3(&self.input), pad3(&self.kernel), pad3(&self.out()));
        let (_, w1) = self.w_shape();
        let (c, m) = (self.c, self.m);
        let mut s = header(ft);
        for b in 0..3 {
            s += &format!("@group(0) @binding({b}) var<storage, read_write> b{b}: array<{ft}>;\n");
        }
        s += &format!(
            "fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> {ft} {{ return b0[(((n * {c} + c) * {} + d0) * {} + d1) * {} + d2]; }}\n",
            i[0], i[1], i[2]
        );
        s += &format!(
            "fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> {ft} {{ return b1[(((o * {w1} + c) * {} + k0) * {} + k1) * {} + k2]; }}\n",
            k[0], k[1], k[2]
        );
        s += &format!(
            "fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32) {{ b2[(((n * {m} + o) * {} + d0) * {} + d1) * {} + d2] = {ft}(acc); }}\n",
            o[0], o[1], o[2]
        );
        s
    }
}

fn check_conv(gpu: &Gpu, conv: &Conv, ft: &str, s: Option<GemmSchedule>, seed: u64) {
    let caps = &gpu.caps;
    let spec = conv.spec(ft);
    let (b, gm, gn, gk) = spec.gemm_dims();
    let s = s.unwrap_or_else(|| GemmSchedule::default_for(caps, gm, gn, gk, 4));
    let _ = b;
    let mut rng = Rng(seed);
    let isz: usize = conv.input.iter().product();
    let ksz: usize = conv.kernel.iter().product();
    let osz: usize = conv.out().iter().product();
    let (w0, w1) = conv.w_shape();
    let x = rng.vec(conv.n * conv.c * isz, ft);
    let w = rng.vec(w0 * w1 * ksz, ft);
    let want = conv.reference(&x, &w);
    let e = emit_conv(&spec, &s, caps).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
    let wgsl = format!("{}\n{}", conv.caller(ft), e.code);
    let mut bufs = vec![bytes(&x, ft), bytes(&w, ft), poison(conv.n * conv.m * osz, ft)];
    gpu.run_shader("conv_test", &wgsl, &mut bufs, e.workgroups)
        .unwrap_or_else(|err| panic!("{spec:?}: {err}\n{wgsl}"));
    let got = floats(&bufs[2], ft, want.len());
    let rel = if ft == "f16" { 1e-2 } else { 1e-4 };
    let scale = (gk as f64).sqrt().max(1.0);
    for (idx, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= rel * (scale + w.abs()),
            "{spec:?} {s:?}: y[{idx}] = {g}, want {w}"
        );
    }
}

fn conv(n: usize, c: usize, m: usize, groups: usize, input: &[usize], kernel: &[usize]) -> Conv {
    let r = input.len();
    Conv {
        n,
        c,
        m,
        groups,
        input: input.to_vec(),
        kernel: kernel.to_vec(),
        strides: vec![1; r],
        pads: vec![0; r],
        dil: vec![1; r],
        transposed: false,
        out_pad: vec![0; r],
    }
}

fn conv_cases() -> Vec<Conv> {
    vec![
        // 1-D, padding.
        Conv {
            pads: vec![1],
            ..conv(2, 3, 5, 1, &[17], &[3])
        },
        // 1-D stride 2, dilation 2, groups 2.
        Conv {
            strides: vec![2],
            dil: vec![2],
            pads: vec![2],
            ..conv(1, 4, 6, 2, &[19], &[3])
        },
        // 2-D stride 2, padding, ragged.
        Conv {
            strides: vec![2, 2],
            pads: vec![1, 1],
            ..conv(1, 4, 6, 1, &[9, 11], &[3, 3])
        },
        // 2-D groups 2, dilation 2, non-square kernel, mixed padding.
        Conv {
            dil: vec![2, 2],
            pads: vec![2, 1],
            ..conv(2, 4, 6, 2, &[10, 9], &[3, 2])
        },
        // Depthwise 3x3 stride 2.
        Conv {
            strides: vec![2, 2],
            pads: vec![1, 1],
            ..conv(1, 8, 8, 8, &[13, 7], &[3, 3])
        },
        // Depthwise with channel multiplier 2.
        Conv {
            pads: vec![1, 1],
            ..conv(1, 3, 6, 3, &[5, 6], &[3, 3])
        },
        // Pointwise 1x1, size-1 spatial axis.
        conv(2, 5, 7, 1, &[1, 9], &[1, 1]),
        // 3-D.
        Conv {
            strides: vec![1, 2, 1],
            pads: vec![1, 1, 0],
            ..conv(1, 2, 3, 1, &[5, 6, 4], &[2, 3, 2])
        },
    ]
}

fn convt_cases() -> Vec<Conv> {
    let t = |c: Conv| Conv { transposed: true, ..c };
    vec![
        // 1-D stride 2, padding, output padding.
        t(Conv {
            strides: vec![2],
            pads: vec![1],
            out_pad: vec![1],
            ..conv(2, 3, 4, 1, &[7], &[3])
        }),
        // 1-D stride 1 (no divisibility test).
        t(Conv {
            pads: vec![2],
            ..conv(1, 2, 3, 1, &[6], &[5])
        }),
        // 2-D groups 2, stride 2, dilation 2, asymmetric padding.
        t(Conv {
            strides: vec![2, 2],
            dil: vec![2, 2],
            pads: vec![1, 0],
            ..conv(1, 4, 6, 2, &[5, 4], &[3, 2])
        }),
        // Depthwise 2-D stride 2, kernel 4.
        t(Conv {
            strides: vec![2, 2],
            pads: vec![1, 1],
            ..conv(2, 4, 4, 4, &[4, 5], &[4, 4])
        }),
        // 2-D stride 3 (kernel smaller than stride: gaps), output padding.
        t(Conv {
            strides: vec![3, 2],
            out_pad: vec![2, 1],
            ..conv(1, 3, 2, 1, &[3, 4], &[2, 1])
        }),
        // 3-D.
        t(Conv {
            strides: vec![2, 1, 2],
            pads: vec![0, 1, 1],
            ..conv(1, 2, 4, 2, &[3, 4, 3], &[2, 3, 3])
        }),
    ]
}

#[test]
fn conv_matches_naive_reference() {
    let gpu = Gpu::open(None).unwrap();
    for (i, c) in conv_cases().iter().enumerate() {
        check_conv(&gpu, c, "f32", None, 1000 + i as u64);
        check_conv(&gpu, c, "f32", Some(sched(16, 16, 8, 2, 2, 4, 1)), 1100 + i as u64);
        check_conv(&gpu, c, "f32", Some(sched(32, 8, 12, 4, 1, 1, 2)), 1200 + i as u64);
    }
}

#[test]
fn conv_transpose_matches_naive_reference() {
    let gpu = Gpu::open(None).unwrap();
    for (i, c) in convt_cases().iter().enumerate() {
        check_conv(&gpu, c, "f32", None, 2000 + i as u64);
        check_conv(&gpu, c, "f32", Some(sched(16, 16, 8, 2, 2, 4, 2)), 2100 + i as u64);
        check_conv(&gpu, c, "f32", Some(sched(8, 32, 4, 1, 4, 4, 1)), 2200 + i as u64);
    }
}

#[test]
fn conv_f16() {
    let gpu = Gpu::open(None).unwrap();
    assert!(gpu.caps.shader_f16, "the test device must have SHADER_F16");
    let c = Conv {
        strides: vec![2, 2],
        pads: vec![1, 1],
        ..conv(2, 6, 8, 2, &[11, 9], &[3, 3])
    };
    check_conv(&gpu, &c, "f16", None, 3000);
    let t = Conv {
        transposed: true,
        strides: vec![2, 2],
        pads: vec![1, 1],
        out_pad: vec![1, 0],
        ..conv(1, 4, 6, 2, &[5, 6], &[3, 3])
    };
    check_conv(&gpu, &t, "f16", Some(sched(16, 16, 8, 2, 2, 4, 2)), 3001);
}

#[test]
fn bad_conv_specs_are_errors() {
    let gpu = Gpu::open(None).unwrap();
    let s = sched(16, 16, 8, 2, 2, 4, 1);
    let base = conv(1, 4, 6, 2, &[5, 5], &[3, 3]);
    let e = emit_conv(
        &ConvSpec {
            groups: 3,
            ..base.spec("f32")
        },
        &s,
        &gpu.caps,
    )
    .unwrap_err();
    assert!(e.contains("groups"), "{e}");
    let e = emit_conv(
        &ConvSpec {
            strides: vec![1],
            ..base.spec("f32")
        },
        &s,
        &gpu.caps,
    )
    .unwrap_err();
    assert!(e.contains("strides"), "{e}");
    let e = emit_conv(
        &ConvSpec {
            dilations: vec![0, 1],
            ..base.spec("f32")
        },
        &s,
        &gpu.caps,
    )
    .unwrap_err();
    assert!(e.contains("positive"), "{e}");
    let four = conv(1, 1, 1, 1, &[2, 2, 2, 2], &[1, 1, 1, 1]);
    let e = emit_conv(&four.spec("f32"), &s, &gpu.caps).unwrap_err();
    assert!(e.contains("rank 4"), "{e}");
}
