//! Spatial ops of the reference interpreter: conv and conv-transpose against naive f64 loops on
//! seeded random data, pooling and resize against hand-computed and ONNX-spec examples.

use edgecc_backends::reference::spatial::eval;
use edgecc_backends::reference::Tensor;
use edgecc_ir::{CoordMode, DType, NearestMode, Op, ResizeMode};

fn f(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(DType::F32, shape.to_vec(), v.to_vec())
}

/// `1, 2, .., n` in `shape`.
fn count_from_1(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    f(shape, &(1..=n).map(|x| x as f32).collect::<Vec<_>>())
}

/// Seeded uniform values in `[-1, 1)`, never exactly zero.
fn random(shape: &[usize], seed: u64) -> Tensor {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let n: usize = shape.iter().product();
    let v = (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = ((s >> 40) as f32) / (1u64 << 24) as f32;
            if u == 0.5 {
                0.25
            } else {
                2.0 * u - 1.0
            }
        })
        .collect::<Vec<_>>();
    f(shape, &v)
}

fn run(op: &Op, inputs: &[&Tensor]) -> Tensor {
    let mut out = eval(op, inputs).unwrap_or_else(|e| panic!("{op:?} failed: {e}"));
    assert_eq!(out.len(), 1);
    out.remove(0)
}

fn err(op: &Op, inputs: &[&Tensor]) -> String {
    match eval(op, inputs) {
        Ok(t) => panic!("{op:?} should fail, got {t:?}"),
        Err(e) => e,
    }
}

fn assert_close(got: &Tensor, shape: &[usize], want: &[f64], tol: f64) {
    assert_eq!(got.shape, shape, "shape");
    let g = got.floats().expect("float output");
    assert_eq!(g.len(), want.len());
    for (k, (&a, &b)) in g.iter().zip(want).enumerate() {
        assert!(
            (a as f64 - b).abs() <= tol * (1.0 + b.abs()),
            "element {k}: got {a}, want {b}"
        );
    }
}

fn conv_op(strides: &[u64], pads: &[u64], dilations: &[u64], groups: u32) -> Op {
    Op::Conv {
        strides: strides.to_vec(),
        pads: pads.to_vec(),
        dilations: dilations.to_vec(),
        groups,
    }
}

/// 2-D geometry `[h, w]` of a conv-like op; a 1-D problem has a unit height.
#[derive(Clone, Copy)]
struct Geo {
    stride: [usize; 2],
    dil: [usize; 2],
    pad_begin: [usize; 2],
    pad_end: [usize; 2],
    /// Output padding (conv-transpose only).
    out_pad: [usize; 2],
}

/// Direct convolution in f64: `x [n, c, h, w]`, `w [m, c/g, kh, kw]`.
fn naive_conv(
    x: &Tensor,
    xs: [usize; 4],
    w: &Tensor,
    ws: [usize; 4],
    b: Option<&Tensor>,
    g: usize,
    geo: Geo,
) -> (Vec<f64>, [usize; 2]) {
    let (xd, wd) = (x.to_f64_vec(), w.to_f64_vec());
    let [n, c, h, wi] = xs;
    let [m, cg, kh, kw] = ws;
    let out = |a: usize, ext: usize, k: usize| {
        (ext + geo.pad_begin[a] + geo.pad_end[a] - geo.dil[a] * (k - 1) - 1) / geo.stride[a] + 1
    };
    let (oh, ow) = (out(0, h, kh), out(1, wi, kw));
    let mg = m / g;
    let mut y = vec![0f64; n * m * oh * ow];
    for bn in 0..n {
        for mo in 0..m {
            let gi = mo / mg;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut s = b.map_or(0.0, |b| b.to_f64_vec()[mo]);
                    for ci in 0..cg {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * geo.stride[0] + ky * geo.dil[0]) as isize - geo.pad_begin[0] as isize;
                                let ix = (ox * geo.stride[1] + kx * geo.dil[1]) as isize - geo.pad_begin[1] as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wi as isize {
                                    continue;
                                }
                                let xv = xd[((bn * c + gi * cg + ci) * h + iy as usize) * wi + ix as usize];
                                s += xv * wd[((mo * cg + ci) * kh + ky) * kw + kx];
                            }
                        }
                    }
                    y[((bn * m + mo) * oh + oy) * ow + ox] = s;
                }
            }
        }
    }
    (y, [oh, ow])
}

#[test]
fn conv_2d_matches_direct_loop() {
    // (x shape, w shape, strides, pads, dilations, groups, bias)
    type Case = ([usize; 4], [usize; 4], [u64; 2], [u64; 4], [u64; 2], u32, bool);
    let cases: &[Case] = &[
        ([1, 3, 7, 6], [4, 3, 3, 3], [1, 1], [0, 0, 0, 0], [1, 1], 1, false),
        ([2, 4, 9, 8], [6, 2, 3, 2], [2, 1], [1, 0, 2, 1], [2, 1], 2, true),
        // Depthwise with channel multiplier 2.
        ([1, 4, 6, 6], [8, 1, 3, 3], [1, 2], [1, 1, 1, 1], [1, 1], 4, true),
        // 1×1 (the direct path) with bias, batch 2.
        ([2, 5, 3, 4], [7, 5, 1, 1], [1, 1], [0, 0, 0, 0], [1, 1], 1, true),
        // 1×1 with stride: not the direct path.
        ([1, 2, 5, 5], [3, 2, 1, 1], [2, 2], [0, 0, 0, 0], [1, 1], 1, false),
        // Dilation in both axes, asymmetric pads, odd stride, 5 output channels (a remainder row).
        ([1, 3, 10, 11], [5, 3, 3, 2], [3, 2], [2, 1, 0, 3], [2, 3], 1, true),
    ];
    for (seed, &(xs, ws, st, pads, dil, g, with_bias)) in cases.iter().enumerate() {
        let x = random(&xs, seed as u64 * 3 + 1);
        let w = random(&ws, seed as u64 * 3 + 2);
        let b = random(&[ws[0]], seed as u64 * 3 + 3);
        let op = conv_op(&st, &pads, &dil, g);
        let inputs: Vec<&Tensor> = if with_bias { vec![&x, &w, &b] } else { vec![&x, &w] };
        let got = run(&op, &inputs);
        let geo = Geo {
            stride: st.map(|v| v as usize),
            dil: dil.map(|v| v as usize),
            pad_begin: [pads[0] as usize, pads[1] as usize],
            pad_end: [pads[2] as usize, pads[3] as usize],
            out_pad: [0, 0],
        };
        let (want, [oh, ow]) = naive_conv(&x, xs, &w, ws, with_bias.then_some(&b), g as usize, geo);
        assert_close(&got, &[xs[0], ws[0], oh, ow], &want, 1e-5);
    }
}

#[test]
fn conv_1d_matches_direct_loop() {
    let x = random(&[2, 4, 13], 11);
    let w = random(&[6, 2, 3], 12);
    let b = random(&[6], 13);
    let got = run(&conv_op(&[2], &[2, 1], &[3], 2), &[&x, &w, &b]);
    let geo = Geo {
        stride: [1, 2],
        dil: [1, 3],
        pad_begin: [0, 2],
        pad_end: [0, 1],
        out_pad: [0, 0],
    };
    let (want, [oh, ow]) = naive_conv(&x, [2, 4, 1, 13], &w, [6, 2, 1, 3], Some(&b), 2, geo);
    assert_eq!(oh, 1);
    assert_close(&got, &[2, 6, ow], &want, 1e-5);
}

#[test]
fn conv_onnx_examples() {
    let x = f(&[1, 1, 5, 5], &(0..25).map(|v| v as f32).collect::<Vec<_>>());
    let w = f(&[1, 1, 3, 3], &[1.0; 9]);
    let padded: Vec<f64> = vec![
        12., 21., 27., 33., 24., 33., 54., 63., 72., 51., 63., 99., 108., 117., 81., 93., 144., 153., 162., 111., 72.,
        111., 117., 123., 84.,
    ];
    assert_close(
        &run(&conv_op(&[], &[1, 1, 1, 1], &[], 1), &[&x, &w]),
        &[1, 1, 5, 5],
        &padded,
        0.0,
    );
    let valid = [54., 63., 72., 99., 108., 117., 144., 153., 162.];
    assert_close(&run(&conv_op(&[], &[], &[], 1), &[&x, &w]), &[1, 1, 3, 3], &valid, 0.0);
    let strided = [12., 27., 24., 63., 108., 81., 72., 117., 84.];
    assert_close(
        &run(&conv_op(&[2, 2], &[1, 1, 1, 1], &[], 1), &[&x, &w]),
        &[1, 1, 3, 3],
        &strided,
        0.0,
    );
}

#[test]
fn conv_rejects_bad_shapes() {
    let x = random(&[1, 4, 5, 5], 1);
    let w = random(&[4, 3, 3, 3], 2);
    assert!(err(&conv_op(&[], &[], &[], 2), &[&x, &w]).contains("groups"));
    assert!(err(&conv_op(&[], &[], &[], 0), &[&x, &w]).contains("groups"));
    let w2 = random(&[4, 2, 3, 3], 3);
    assert!(err(&conv_op(&[1], &[], &[], 2), &[&x, &w2]).contains("strides"));
    assert!(err(&conv_op(&[], &[1, 1], &[], 2), &[&x, &w2]).contains("pads"));
    assert!(err(&conv_op(&[], &[], &[], 2), &[&x, &w2, &random(&[3], 4)]).contains("bias"));
    let big = random(&[4, 2, 7, 7], 5);
    assert!(err(&conv_op(&[], &[], &[], 2), &[&x, &big]).contains("larger than the padded input"));
    let xi = Tensor::from_i64(DType::I32, vec![1, 1, 2, 2], vec![1, 2, 3, 4]);
    assert!(err(&conv_op(&[], &[], &[], 1), &[&xi, &random(&[1, 1, 1, 1], 6)]).contains("float"));
    assert!(err(&conv_op(&[], &[], &[], 1), &[&random(&[4, 5], 7), &random(&[4, 5], 8)]).contains("spatial"));
}

/// UNet-sized conv (64→64 channels, 32×32, 3×3): checked against the direct loop at sampled
/// output positions. Timing is printed (release builds take a few milliseconds).
#[test]
fn conv_unet_block_is_correct_at_sampled_points() {
    let (c, m, h) = (64, 64, 32);
    let x = random(&[1, c, h, h], 21);
    let w = random(&[m, c, 3, 3], 22);
    let op = conv_op(&[], &[1, 1, 1, 1], &[], 1);
    let t0 = std::time::Instant::now();
    let got = run(&op, &[&x, &w]);
    eprintln!("conv 1x64x32x32 * 64x64x3x3: {:?}", t0.elapsed());
    assert_eq!(got.shape, [1, m, h, h]);
    let (xd, wd, gd) = (x.to_f64_vec(), w.to_f64_vec(), got.floats().unwrap());
    for k in 0..200usize {
        let (mo, oy, ox) = ((k * 37) % m, (k * 13) % h, (k * 29 + k / 7) % h);
        let mut s = 0f64;
        for ci in 0..c {
            for ky in 0..3 {
                for kx in 0..3 {
                    let (iy, ix) = (oy as isize + ky as isize - 1, ox as isize + kx as isize - 1);
                    if iy >= 0 && ix >= 0 && iy < h as isize && ix < h as isize {
                        s += xd[(ci * h + iy as usize) * h + ix as usize] * wd[((mo * c + ci) * 3 + ky) * 3 + kx];
                    }
                }
            }
        }
        let g = gd[(mo * h + oy) * h + ox] as f64;
        assert!(
            (g - s).abs() < 1e-4 * (1.0 + s.abs()),
            "({mo}, {oy}, {ox}): got {g}, want {s}"
        );
    }
}

fn conv_t_op(strides: &[u64], pads: &[u64], dilations: &[u64], output_padding: &[u64], groups: u32) -> Op {
    Op::ConvTranspose {
        strides: strides.to_vec(),
        pads: pads.to_vec(),
        dilations: dilations.to_vec(),
        output_padding: output_padding.to_vec(),
        groups,
    }
}

/// Transposed convolution as a scatter in f64: `x [n, c, h, w]`, `w [c, m/g, kh, kw]`.
fn naive_conv_t(
    x: &Tensor,
    xs: [usize; 4],
    w: &Tensor,
    ws: [usize; 4],
    b: Option<&Tensor>,
    g: usize,
    geo: Geo,
) -> (Vec<f64>, [usize; 2]) {
    let (xd, wd) = (x.to_f64_vec(), w.to_f64_vec());
    let [n, c, h, wi] = xs;
    let [_, mg, kh, kw] = ws;
    let (m, cg) = (mg * g, c / g);
    let ext = |a: usize, i: usize, k: usize| {
        geo.stride[a] * (i - 1) + geo.out_pad[a] + (k - 1) * geo.dil[a] + 1 - geo.pad_begin[a] - geo.pad_end[a]
    };
    let (oh, ow) = (ext(0, h, kh), ext(1, wi, kw));
    let mut y = vec![0f64; n * m * oh * ow];
    for bn in 0..n {
        for ci in 0..c {
            let gi = ci / cg;
            for iy in 0..h {
                for ix in 0..wi {
                    let xv = xd[((bn * c + ci) * h + iy) * wi + ix];
                    for mi in 0..mg {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let oy = (iy * geo.stride[0] + ky * geo.dil[0]) as isize - geo.pad_begin[0] as isize;
                                let ox = (ix * geo.stride[1] + kx * geo.dil[1]) as isize - geo.pad_begin[1] as isize;
                                if oy < 0 || ox < 0 || oy >= oh as isize || ox >= ow as isize {
                                    continue;
                                }
                                let mo = gi * mg + mi;
                                y[((bn * m + mo) * oh + oy as usize) * ow + ox as usize] +=
                                    xv * wd[((ci * mg + mi) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(b) = b {
        let bd = b.to_f64_vec();
        for (k, v) in y.iter_mut().enumerate() {
            *v += bd[(k / (oh * ow)) % m];
        }
    }
    (y, [oh, ow])
}

#[test]
fn conv_transpose_matches_scatter_loop() {
    // (x shape, w shape, strides, pads, dilations, output_padding, groups, bias)
    type Case = (
        [usize; 4],
        [usize; 4],
        [u64; 2],
        [u64; 4],
        [u64; 2],
        [u64; 2],
        u32,
        bool,
    );
    let cases: &[Case] = &[
        (
            [1, 2, 3, 3],
            [2, 3, 3, 3],
            [1, 1],
            [0, 0, 0, 0],
            [1, 1],
            [0, 0],
            1,
            false,
        ),
        (
            [2, 4, 4, 3],
            [4, 3, 3, 2],
            [2, 3],
            [1, 0, 0, 2],
            [1, 2],
            [1, 0],
            2,
            true,
        ),
        // UNet-style 2× upsampling: kernel 2, stride 2.
        (
            [1, 6, 5, 5],
            [6, 5, 2, 2],
            [2, 2],
            [0, 0, 0, 0],
            [1, 1],
            [0, 0],
            1,
            true,
        ),
        // Depthwise-style: one input channel per group.
        (
            [1, 3, 4, 5],
            [3, 2, 3, 3],
            [2, 2],
            [1, 1, 1, 1],
            [1, 1],
            [1, 1],
            3,
            false,
        ),
    ];
    for (seed, &(xs, ws, st, pads, dil, opad, g, with_bias)) in cases.iter().enumerate() {
        let x = random(&xs, 100 + seed as u64);
        let w = random(&ws, 200 + seed as u64);
        let m = ws[1] * g as usize;
        let b = random(&[m], 300 + seed as u64);
        let op = conv_t_op(&st, &pads, &dil, &opad, g);
        let inputs: Vec<&Tensor> = if with_bias { vec![&x, &w, &b] } else { vec![&x, &w] };
        let got = run(&op, &inputs);
        let geo = Geo {
            stride: st.map(|v| v as usize),
            dil: dil.map(|v| v as usize),
            pad_begin: [pads[0] as usize, pads[1] as usize],
            pad_end: [pads[2] as usize, pads[3] as usize],
            out_pad: opad.map(|v| v as usize),
        };
        let (want, [oh, ow]) = naive_conv_t(&x, xs, &w, ws, with_bias.then_some(&b), g as usize, geo);
        assert_close(&got, &[xs[0], m, oh, ow], &want, 1e-5);
    }
}

#[test]
fn conv_transpose_onnx_example_and_1d() {
    let x = f(&[1, 1, 3, 3], &(0..9).map(|v| v as f32).collect::<Vec<_>>());
    let w = f(&[1, 2, 3, 3], &[1.0; 18]);
    let plane = [
        0., 1., 3., 3., 2., 3., 8., 15., 12., 7., 9., 21., 36., 27., 15., 9., 20., 33., 24., 13., 6., 13., 21., 15., 8.,
    ];
    let want: Vec<f64> = plane.iter().chain(&plane).copied().collect();
    assert_close(
        &run(&conv_t_op(&[], &[], &[], &[], 1), &[&x, &w]),
        &[1, 2, 5, 5],
        &want,
        0.0,
    );
    // 1-D: [1, 2, 3] with kernel [1, 1], stride 2 → each input lands twice, no overlap.
    let x1 = f(&[1, 1, 3], &[1., 2., 3.]);
    let w1 = f(&[1, 1, 2], &[1., 10.]);
    assert_close(
        &run(&conv_t_op(&[2], &[], &[], &[1], 1), &[&x1, &w1]),
        &[1, 1, 7],
        &[1., 10., 2., 20., 3., 30., 0.],
        0.0,
    );
    assert!(err(&conv_t_op(&[], &[3, 3, 3, 3], &[], &[], 1), &[&x, &w]).contains("exceed"));
    assert!(err(&conv_t_op(&[], &[], &[], &[], 2), &[&x, &w]).contains("groups"));
}

fn max_pool(kernel: &[u64], strides: &[u64], pads: &[u64], dilations: &[u64], ceil_mode: bool) -> Op {
    Op::MaxPool {
        kernel: kernel.to_vec(),
        strides: strides.to_vec(),
        pads: pads.to_vec(),
        dilations: dilations.to_vec(),
        ceil_mode,
    }
}

fn avg_pool(kernel: &[u64], strides: &[u64], pads: &[u64], ceil_mode: bool, count_include_pad: bool) -> Op {
    Op::AveragePool {
        kernel: kernel.to_vec(),
        strides: strides.to_vec(),
        pads: pads.to_vec(),
        ceil_mode,
        count_include_pad,
    }
}

/// MaxPool on integers (ONNX `test_maxpool_2d_uint8`): exact, in the input's dtype.
#[test]
fn max_pool_integer_inputs() {
    for dt in [DType::U8, DType::I8, DType::I32, DType::I64] {
        let v: Vec<i64> = (0..16)
            .map(|i| if dt.is_signed() { 7 - i } else { i * 13 % 16 })
            .collect();
        let x = Tensor::from_i64(dt, vec![1, 1, 4, 4], v.clone());
        let y = run(&max_pool(&[2, 2], &[2, 2], &[], &[], false), &[&x]);
        assert_eq!(y.dtype, dt);
        assert_eq!(y.shape, [1, 1, 2, 2]);
        let want: Vec<i64> = [(0, 0), (0, 2), (2, 0), (2, 2)]
            .iter()
            .map(|&(r, c)| {
                [(r, c), (r, c + 1), (r + 1, c), (r + 1, c + 1)]
                    .iter()
                    .map(|&(a, b)| v[a * 4 + b])
                    .max()
                    .unwrap()
            })
            .collect();
        assert_eq!(y.ints().unwrap(), want.as_slice(), "{dt}");
    }
    // Padding never wins: all-negative windows keep their own maximum.
    let x = Tensor::from_i64(DType::I8, vec![1, 1, 2, 2], vec![-5, -6, -7, -8]);
    let y = run(&max_pool(&[3, 3], &[1, 1], &[1, 1, 1, 1], &[], false), &[&x]);
    assert_eq!(y.ints().unwrap(), [-5, -5, -5, -5]);
    let b = Tensor::from_bool(vec![1, 1, 2], vec![true, false]);
    assert!(err(&max_pool(&[1], &[], &[], &[], false), &[&b]).contains("float or integer"));
    // AveragePool stays float-only.
    let xi = Tensor::from_i64(DType::U8, vec![1, 1, 2], vec![1, 2]);
    assert!(err(&avg_pool(&[1], &[], &[], false, false), &[&xi]).contains("float"));
}

#[test]
fn max_pool_onnx_examples() {
    let x = count_from_1(&[1, 1, 4, 4]);
    let ceil = run(&max_pool(&[3, 3], &[2, 2], &[], &[], true), &[&x]);
    assert_close(&ceil, &[1, 1, 2, 2], &[11., 12., 15., 16.], 0.0);
    let floor = run(&max_pool(&[3, 3], &[2, 2], &[], &[], false), &[&x]);
    assert_close(&floor, &[1, 1, 1, 1], &[11.], 0.0);
    let dil = run(&max_pool(&[2, 2], &[1, 1], &[], &[2, 2], false), &[&x]);
    assert_close(&dil, &[1, 1, 2, 2], &[11., 12., 15., 16.], 0.0);

    let x5 = count_from_1(&[1, 1, 5, 5]);
    let pads = run(&max_pool(&[5, 5], &[], &[2, 2, 2, 2], &[], false), &[&x5]);
    let want = [
        13., 14., 15., 15., 15., 18., 19., 20., 20., 20., 23., 24., 25., 25., 25., 23., 24., 25., 25., 25., 23., 24.,
        25., 25., 25.,
    ];
    assert_close(&pads, &[1, 1, 5, 5], &want, 0.0);

    // Padding never wins, even over negative values.
    let neg = f(&[1, 1, 3], &[-3., -1., -2.]);
    assert_close(
        &run(&max_pool(&[2], &[2], &[1, 1], &[], false), &[&neg]),
        &[1, 1, 2],
        &[-3., -1.],
        0.0,
    );
    // 1-D ceil mode: the last window starts inside the input and is cut short.
    let x1 = f(&[1, 1, 5], &[1., 3., 2., 5., 4.]);
    assert_close(
        &run(&max_pool(&[2], &[2], &[], &[], false), &[&x1]),
        &[1, 1, 2],
        &[3., 5.],
        0.0,
    );
    assert_close(
        &run(&max_pool(&[2], &[2], &[], &[], true), &[&x1]),
        &[1, 1, 3],
        &[3., 5., 4.],
        0.0,
    );
    // ceil_mode never adds a window that starts in the end padding: in 4, k 2, s 2, pads 0/1.
    let x4 = f(&[1, 1, 4], &[1., 2., 3., 4.]);
    assert_close(
        &run(&max_pool(&[2], &[2], &[0, 1], &[], true), &[&x4]),
        &[1, 1, 2],
        &[2., 4.],
        0.0,
    );
    assert!(err(&max_pool(&[], &[], &[], &[], false), &[&x]).contains("kernel"));
    assert!(err(&max_pool(&[5, 5], &[], &[], &[], false), &[&x]).contains("larger"));
}

#[test]
fn average_pool_pads_ceil_and_count_include_pad() {
    let x5 = count_from_1(&[1, 1, 5, 5]);
    let exclude = [
        7., 7.5, 8., 8.5, 9., 9.5, 10., 10.5, 11., 11.5, 12., 12.5, 13., 13.5, 14., 14.5, 15., 15.5, 16., 16.5, 17.,
        17.5, 18., 18.5, 19.,
    ];
    let p = [2, 2, 2, 2];
    assert_close(
        &run(&avg_pool(&[5, 5], &[], &p, false, false), &[&x5]),
        &[1, 1, 5, 5],
        &exclude,
        1e-6,
    );
    let include = [
        2.52, 3.6, 4.8, 4.08, 3.24, 4.56, 6.4, 8.4, 7.04, 5.52, 7.2, 10., 13., 10.8, 8.4, 6.96, 9.6, 12.4, 10.24, 7.92,
        6.12, 8.4, 10.8, 8.88, 6.84,
    ];
    assert_close(
        &run(&avg_pool(&[5, 5], &[], &p, false, true), &[&x5]),
        &[1, 1, 5, 5],
        &include,
        1e-6,
    );

    let x4 = count_from_1(&[1, 1, 4, 4]);
    let ceil = [6., 7.5, 12., 13.5];
    assert_close(
        &run(&avg_pool(&[3, 3], &[2, 2], &[], true, false), &[&x4]),
        &[1, 1, 2, 2],
        &ceil,
        1e-6,
    );
    // Positions past the end padding (ceil-mode overhang) never count, even with count_include_pad.
    assert_close(
        &run(&avg_pool(&[3, 3], &[2, 2], &[], true, true), &[&x4]),
        &[1, 1, 2, 2],
        &ceil,
        1e-6,
    );

    // 1-D, in 5, k 3, s 2, pads [1, 0], ceil: windows start at -1, 1, 3.
    let x1 = f(&[1, 1, 5], &[1., 2., 3., 4., 5.]);
    let inc = run(&avg_pool(&[3], &[2], &[1, 0], true, true), &[&x1]);
    assert_close(&inc, &[1, 1, 3], &[1.0, 3.0, 4.5], 1e-6);
    let exc = run(&avg_pool(&[3], &[2], &[1, 0], true, false), &[&x1]);
    assert_close(&exc, &[1, 1, 3], &[1.5, 3.0, 4.5], 1e-6);
    let floor = run(&avg_pool(&[3], &[2], &[1, 0], false, true), &[&x1]);
    assert_close(&floor, &[1, 1, 2], &[1.0, 3.0], 1e-6);

    // Batch and channels are independent planes.
    let x = count_from_1(&[2, 3, 2, 2]);
    let want: Vec<f64> = (0..6).map(|p| (4 * p) as f64 + 2.5).collect();
    assert_close(
        &run(&avg_pool(&[2, 2], &[], &[], false, false), &[&x]),
        &[2, 3, 1, 1],
        &want,
        1e-6,
    );
}

#[test]
fn global_average_pool_any_rank() {
    let x = count_from_1(&[2, 2, 2, 2]);
    assert_close(
        &run(&Op::GlobalAveragePool, &[&x]),
        &[2, 2, 1, 1],
        &[2.5, 6.5, 10.5, 14.5],
        1e-6,
    );
    let x1 = f(&[1, 2, 3], &[1., 2., 3., -1., -2., 0.]);
    assert_close(&run(&Op::GlobalAveragePool, &[&x1]), &[1, 2, 1], &[2., -1.], 1e-6);
    let x3 = count_from_1(&[1, 1, 2, 2, 2]);
    assert_close(&run(&Op::GlobalAveragePool, &[&x3]), &[1, 1, 1, 1, 1], &[4.5], 1e-6);
    let e = count_from_1(&[0, 3, 4, 4]);
    assert_close(&run(&Op::GlobalAveragePool, &[&e]), &[0, 3, 1, 1], &[], 0.0);
    assert!(err(&Op::GlobalAveragePool, &[&f(&[3], &[1., 2., 3.])]).contains("[N, C"));
}

fn resize(mode: ResizeMode, coord: CoordMode, nearest: NearestMode, scales: &[f32], sizes: Option<&[u64]>) -> Op {
    Op::Resize {
        mode,
        coord,
        nearest,
        scales: scales.to_vec(),
        sizes: sizes.map(<[u64]>::to_vec),
    }
}

fn nearest(coord: CoordMode, mode: NearestMode, scales: &[f32], sizes: Option<&[u64]>) -> Op {
    resize(ResizeMode::Nearest, coord, mode, scales, sizes)
}

fn linear(coord: CoordMode, scales: &[f32], sizes: Option<&[u64]>) -> Op {
    resize(ResizeMode::Linear, coord, NearestMode::RoundPreferFloor, scales, sizes)
}

#[test]
fn resize_nearest_onnx_examples() {
    use CoordMode::*;
    use NearestMode::*;
    let x = f(&[1, 1, 2, 2], &[1., 2., 3., 4.]);
    let up = run(&nearest(HalfPixel, RoundPreferFloor, &[1., 1., 2., 3.], None), &[&x]);
    let row = |a: f64, b: f64| [a, a, a, b, b, b];
    let want: Vec<f64> = [row(1., 2.), row(1., 2.), row(3., 4.), row(3., 4.)].concat();
    assert_close(&up, &[1, 1, 4, 6], &want, 0.0);

    let x = f(&[1, 1, 2, 4], &[1., 2., 3., 4., 5., 6., 7., 8.]);
    let down = run(&nearest(HalfPixel, RoundPreferFloor, &[1., 1., 0.6, 0.6], None), &[&x]);
    assert_close(&down, &[1, 1, 1, 2], &[1., 3.], 0.0);

    // sizes: the scale is out / in (3.5 and 4 here).
    let x = f(&[1, 1, 2, 2], &[1., 2., 3., 4.]);
    let sized = run(&nearest(HalfPixel, RoundPreferFloor, &[], Some(&[1, 1, 7, 8])), &[&x]);
    let r = |a: f64, b: f64| [a, a, a, a, b, b, b, b];
    let want: Vec<f64> = [
        r(1., 2.),
        r(1., 2.),
        r(1., 2.),
        r(1., 2.),
        r(3., 4.),
        r(3., 4.),
        r(3., 4.),
    ]
    .concat();
    assert_close(&sized, &[1, 1, 7, 8], &want, 0.0);

    // 4×4 → 8×8 in three (coord, rounding) combinations; the row pattern equals the column pattern.
    let x = count_from_1(&[1, 1, 4, 4]);
    for (coord, mode, pattern) in [
        (HalfPixel, Ceil, [0, 1, 1, 2, 2, 3, 3, 3]),
        (AlignCorners, Floor, [0, 0, 0, 1, 1, 2, 2, 3]),
        (Asymmetric, RoundPreferCeil, [0, 1, 1, 2, 2, 3, 3, 3]),
        (Asymmetric, RoundPreferFloor, [0, 0, 1, 1, 2, 2, 3, 3]),
        (Asymmetric, Floor, [0, 0, 1, 1, 2, 2, 3, 3]),
        (PytorchHalfPixel, RoundPreferFloor, [0, 0, 1, 1, 2, 2, 3, 3]),
    ] {
        let got = run(&nearest(coord, mode, &[], Some(&[1, 1, 8, 8])), &[&x]);
        let want: Vec<f64> = pattern
            .iter()
            .flat_map(|&r| pattern.iter().map(move |&c| (r * 4 + c + 1) as f64))
            .collect();
        assert_close(&got, &[1, 1, 8, 8], &want, 0.0);
    }

    // Nearest works on integers, and on any axis.
    let xi = Tensor::from_i64(DType::I64, vec![3], vec![7, 8, 9]);
    let got = run(&nearest(Asymmetric, Floor, &[2.0], None), &[&xi]);
    assert_eq!(got.ints().unwrap(), [7, 7, 8, 8, 9, 9]);
}

#[test]
fn resize_linear_onnx_examples() {
    use CoordMode::*;
    let x = f(&[1, 1, 2, 2], &[1., 2., 3., 4.]);
    let half = [
        1., 1.25, 1.75, 2., 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3., 3.25, 3.75, 4.,
    ];
    assert_close(
        &run(&linear(HalfPixel, &[1., 1., 2., 2.], None), &[&x]),
        &[1, 1, 4, 4],
        &half,
        1e-6,
    );
    let t = 1.0 / 3.0;
    let ac: Vec<f64> = (0..4)
        .flat_map(|r| (0..4).map(move |c| 1.0 + 2.0 * r as f64 * t + c as f64 * t))
        .collect();
    assert_close(
        &run(&linear(AlignCorners, &[1., 1., 2., 2.], None), &[&x]),
        &[1, 1, 4, 4],
        &ac,
        1e-6,
    );

    let x = f(&[1, 1, 2, 4], &[1., 2., 3., 4., 5., 6., 7., 8.]);
    let down = run(&linear(HalfPixel, &[1., 1., 0.6, 0.6], None), &[&x]);
    assert_close(&down, &[1, 1, 1, 2], &[2.6666665, 4.3333331], 1e-6);
    // align_corners downsampling with scales (ONNX `test_resize_downsample_scales_linear_align_corners`):
    // the coordinate divides by the unrounded output length 4 * 0.6 = 2.4, so output column 1
    // samples 1 * 3 / 1.4 = 2.142857 (not column 3, which the rounded length 2 would give).
    let down = run(&linear(AlignCorners, &[1., 1., 0.6, 0.6], None), &[&x]);
    assert_close(&down, &[1, 1, 1, 2], &[1., 3.142857], 1e-6);
    // With sizes the output length is the size itself: [1, 1, 1, 2] samples columns 0 and 3.
    let down = run(&linear(AlignCorners, &[], Some(&[1, 1, 1, 2])), &[&x]);
    assert_close(&down, &[1, 1, 1, 2], &[1., 4.], 1e-6);
    // Nearest rounds the same coordinates: 2.142857 → column 2.
    let near = run(
        &nearest(AlignCorners, NearestMode::RoundPreferFloor, &[1., 1., 0.6, 0.6], None),
        &[&x],
    );
    assert_close(&near, &[1, 1, 1, 2], &[1., 3.], 0.0);

    // 1-D asymmetric: coordinates 0, 0.5, 1, 1.5 (clamped to 1).
    let x1 = f(&[2], &[0., 10.]);
    assert_close(
        &run(&linear(Asymmetric, &[2.], None), &[&x1]),
        &[4],
        &[0., 5., 10., 10.],
        1e-6,
    );
    // pytorch_half_pixel with an output extent of 1 samples coordinate 0.
    let x3 = f(&[3], &[2., 4., 8.]);
    assert_close(
        &run(&linear(PytorchHalfPixel, &[], Some(&[1])), &[&x3]),
        &[1],
        &[2.],
        0.0,
    );
    assert_close(&run(&linear(HalfPixel, &[], Some(&[1])), &[&x3]), &[1], &[4.], 1e-6);

    assert!(err(&linear(HalfPixel, &[2.], None), &[&x]).contains("scales"));
    assert!(err(&linear(HalfPixel, &[1., 1., 0., 1.], None), &[&x]).contains("positive"));
    assert!(err(&linear(HalfPixel, &[], Some(&[1, 1, 2])), &[&x]).contains("sizes"));
    let xi = Tensor::from_i64(DType::I64, vec![2], vec![1, 2]);
    assert!(err(&linear(HalfPixel, &[2.], None), &[&xi]).contains("float"));
}
