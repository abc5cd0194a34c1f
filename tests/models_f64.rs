//! The model builders, run in the reference interpreter, against an independent float64
//! implementation written here with plain loops (weights read from the graph's constants by name).
//!
//! Every comparison also checks that the test can tell a wrong model from the right one: the f64
//! model with a deliberate mistake (no causal mask, no attention mask, the other GELU) must differ
//! from the interpreter by far more than the tolerance.

use edgecc::models::{bert_encoder, gpt2_block, mlp, random_inputs, MlpConfig, TransformerConfig};
use edgecc::rng::Rng;
use edgecc_backends::reference;
use edgecc_ir::{Graph, TensorData};

/// Largest accepted |interpreter - f64| on any output element.
const TOL: f64 = 1e-4;

// ---------------------------------------------------------------------------------------------
// float64 building blocks

/// `erf` to ~1e-15: the series `2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3···(2n+1))` (all terms positive,
/// so no cancellation) below 3, the continued fraction of `erfc` above.
fn erf(x: f64) -> f64 {
    if x < 0.0 {
        return -erf(-x);
    }
    let x2 = x * x;
    if x < 3.0 {
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > 1e-17 * sum {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        2.0 / std::f64::consts::PI.sqrt() * (-x2).exp() * sum
    } else {
        // erfc(x) = e^{-x²}/√π · 1 / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...))))
        let mut t = x;
        for k in (1..=80).rev() {
            t = x + (k as f64 / 2.0) / t;
        }
        1.0 - (-x2).exp() / std::f64::consts::PI.sqrt() / t
    }
}

fn gelu_erf(x: f64) -> f64 {
    0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

fn gelu_tanh(x: f64) -> f64 {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
}

/// A constant of `g` by name, as f64.
fn weight(g: &Graph, name: &str) -> Vec<f64> {
    g.consts()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("graph `{}` has no constant `{name}`", g.name()))
        .data
        .to_f64_vec()
}

/// `x [rows, k] @ w [k, n] + b [n]`.
fn linear(x: &[f64], rows: usize, k: usize, w: &[f64], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    assert_eq!(x.len(), rows * k);
    assert_eq!(w.len(), k * n);
    let mut y = vec![0.0; rows * n];
    for r in 0..rows {
        for j in 0..n {
            let mut acc = b[j];
            for i in 0..k {
                acc += x[r * k + i] * w[i * n + j];
            }
            y[r * n + j] = acc;
        }
    }
    y
}

/// LayerNorm of each row of `x [rows, n]`.
fn layer_norm(x: &[f64], n: usize, scale: &[f64], bias: &[f64], eps: f64) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for (row, out) in x.chunks(n).zip(y.chunks_mut(n)) {
        let mean = row.iter().sum::<f64>() / n as f64;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let inv = 1.0 / (var + eps).sqrt();
        for j in 0..n {
            out[j] = (row[j] - mean) * inv * scale[j] + bias[j];
        }
    }
    y
}

/// Softmax of each row of `x`, in place.
fn softmax_rows(x: &mut [f64], n: usize) {
    for row in x.chunks_mut(n) {
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut s = 0.0;
        for v in row.iter_mut() {
            *v = (*v - m).exp();
            s += *v;
        }
        for v in row.iter_mut() {
            *v /= s;
        }
    }
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// What the f64 model does; `Variant::default()` is the model as specified.
#[derive(Clone, Copy, Default)]
struct Variant {
    /// Ignore the causal mask / the additive mask.
    drop_mask: bool,
    /// Use the other GELU formula.
    swap_gelu: bool,
}

/// Multi-head self-attention of `x [seq, hidden]` with weights `{p}.{wq,bq,...}`; `mask [seq]` is
/// added to every score row; `causal` hides key `j > i`.
fn attention(g: &Graph, p: &str, x: &[f64], cfg: &TransformerConfig, mask: Option<&[f64]>, causal: bool) -> Vec<f64> {
    let (s, h, nh) = (cfg.seq, cfg.hidden, cfg.heads);
    let proj = |w: &str, b: &str| {
        linear(
            x,
            s,
            h,
            &weight(g, &format!("{p}.{w}")),
            &weight(g, &format!("{p}.{b}")),
        )
    };
    let (q, k, v) = (proj("wq", "bq"), proj("wk", "bk"), proj("wv", "bv"));
    let hd = h / nh;
    let scale = 1.0 / (hd as f64).sqrt();
    let mut merged = vec![0.0; s * h];
    for head in 0..nh {
        let off = head * hd;
        let mut scores = vec![0.0; s * s];
        for i in 0..s {
            for j in 0..s {
                let mut dot = 0.0;
                for d in 0..hd {
                    dot += q[i * h + off + d] * k[j * h + off + d];
                }
                let mut sc = dot * scale;
                if let Some(m) = mask {
                    sc += m[j];
                }
                if causal && j > i {
                    sc = f64::NEG_INFINITY;
                }
                scores[i * s + j] = sc;
            }
        }
        softmax_rows(&mut scores, s);
        for i in 0..s {
            for d in 0..hd {
                merged[i * h + off + d] = (0..s).map(|j| scores[i * s + j] * v[j * h + off + d]).sum();
            }
        }
    }
    linear(
        &merged,
        s,
        h,
        &weight(g, &format!("{p}.wo")),
        &weight(g, &format!("{p}.bo")),
    )
}

/// `act(x @ w1 + b1) @ w2 + b2`.
fn ffn(g: &Graph, p: &str, x: &[f64], s: usize, cfg: &TransformerConfig, act: fn(f64) -> f64) -> Vec<f64> {
    let w = |n: &str| weight(g, &format!("{p}.{n}"));
    let u: Vec<f64> = linear(x, s, cfg.hidden, &w("w1"), &w("b1"))
        .into_iter()
        .map(act)
        .collect();
    linear(&u, s, cfg.ffn, &w("w2"), &w("b2"))
}

fn gpt2_f64(g: &Graph, cfg: &TransformerConfig, x: &[f64], var: Variant) -> Vec<f64> {
    let (s, h) = (cfg.seq, cfg.hidden);
    let w = |n: &str| weight(g, n);
    let n = layer_norm(x, h, &w("layer0.ln1.scale"), &w("layer0.ln1.bias"), 1e-5);
    let a = add(x, &attention(g, "layer0.attn", &n, cfg, None, !var.drop_mask));
    let n = layer_norm(&a, h, &w("layer0.ln2.scale"), &w("layer0.ln2.bias"), 1e-5);
    let act = if var.swap_gelu { gelu_erf } else { gelu_tanh };
    add(&a, &ffn(g, "layer0.mlp", &n, s, cfg, act))
}

fn bert_f64(g: &Graph, cfg: &TransformerConfig, layers: usize, x: &[f64], mask: &[f64], var: Variant) -> Vec<f64> {
    let (s, h) = (cfg.seq, cfg.hidden);
    let act = if var.swap_gelu { gelu_tanh } else { gelu_erf };
    let mask = (!var.drop_mask).then_some(mask);
    let mut x = x.to_vec();
    for i in 0..layers {
        let p = format!("layer{i}");
        let w = |n: &str| weight(g, &format!("{p}.{n}"));
        let a = add(&x, &attention(g, &format!("{p}.attn"), &x, cfg, mask, false));
        let a = layer_norm(&a, h, &w("attn_ln.scale"), &w("attn_ln.bias"), 1e-12);
        let f = add(&a, &ffn(g, &format!("{p}.ffn"), &a, s, cfg, act));
        x = layer_norm(&f, h, &w("ffn_ln.scale"), &w("ffn_ln.bias"), 1e-12);
    }
    x
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// Runs `g` in the reference interpreter and returns its only output as f64.
fn run_ref(g: &Graph, inputs: &[TensorData]) -> Vec<f64> {
    let outs = reference::run(g, inputs).unwrap_or_else(|e| panic!("reference::run on `{}`: {e}", g.name()));
    assert_eq!(outs.len(), 1);
    outs[0].to_f64_vec()
}

/// Uniform in [-1, 1), none of them zero.
fn nonzero_uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng::new(seed);
    let v: Vec<f64> = (0..n)
        .map(|_| (r.uniform(-1.0, 1.0) as f32) as f64) // exactly representable in f32
        .collect();
    assert!(v.iter().all(|&x| x != 0.0));
    v
}

/// Asserts the interpreter's output matches the model, and does not match the wrong variants.
fn check(name: &str, got: &[f64], want: &[f64], wrong: &[(&str, Vec<f64>)]) {
    check_tol(name, got, want, wrong, TOL)
}

/// [`check`] with tolerance `tol`.
fn check_tol(name: &str, got: &[f64], want: &[f64], wrong: &[(&str, Vec<f64>)], tol: f64) {
    let err = max_abs_diff(got, want);
    eprintln!("{name}: max |reference - f64| = {err:.3e} over {} elements", got.len());
    assert!(got.iter().all(|v| v.is_finite()));
    assert!(err <= tol, "{name}: max abs error {err:e} above {tol:e}");
    for (what, w) in wrong {
        let d = max_abs_diff(got, w);
        eprintln!("{name}: f64 model {what} differs by {d:.3e}");
        assert!(
            d > 10.0 * tol,
            "{name}: the test cannot tell the model from one {what} ({d:e})"
        );
    }
}

fn check_gpt2(label: &str, cfg: &TransformerConfig, seed: u64) {
    let g = gpt2_block(cfg, seed).unwrap();
    let x = nonzero_uniform(cfg.seq * cfg.hidden, seed ^ 0xABCD);
    let xt = TensorData::from_f64(edgecc_ir::DType::F32, vec![1, cfg.seq, cfg.hidden], &x).unwrap();
    let got = run_ref(&g, &[xt]);
    let want = gpt2_f64(&g, cfg, &x, Variant::default());
    // The block's own contribution (output minus residual input) must match too, relative to its size.
    let delta_got: Vec<f64> = got.iter().zip(&x).map(|(a, b)| a - b).collect();
    let delta_want: Vec<f64> = want.iter().zip(&x).map(|(a, b)| a - b).collect();
    let scale = delta_want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let rel = max_abs_diff(&delta_got, &delta_want) / scale;
    eprintln!("{label}: block delta max {scale:.3e}, relative error {rel:.3e}");
    assert!(rel < 1e-3, "{label}: relative error of the block's delta {rel:e}");
    let wrong = [
        (
            "without the causal mask",
            gpt2_f64(
                &g,
                cfg,
                &x,
                Variant {
                    drop_mask: true,
                    ..Variant::default()
                },
            ),
        ),
        (
            "with erf GELU",
            gpt2_f64(
                &g,
                cfg,
                &x,
                Variant {
                    swap_gelu: true,
                    ..Variant::default()
                },
            ),
        ),
    ];
    // The two GELUs differ by < 1e-3 on these small pre-activations; only assert what the test
    // can resolve: the causal mask.
    check(label, &got, &want, &wrong[..1]);
    let gelu_gap = max_abs_diff(&got, &wrong[1].1);
    eprintln!("{label}: f64 model with erf GELU differs by {gelu_gap:.3e}");
}

#[test]
fn erf_matches_known_values() {
    // Values of libm erf (CPython math.erf), correct to the last digit.
    let cases = [
        (0.0, 0.0),
        (1e-3, 0.0011283787909692365),
        (0.5, 0.5204998778130465),
        (1.0, 0.8427007929497149),
        (-1.5, -0.9661051464753108),
        (2.0, 0.9953222650189527),
        (2.9, 0.9999589021219005),
        (3.0, 0.9999779095030014),
        (3.5, 0.9999992569016276),
        (5.0, 0.9999999999984626),
    ];
    for (x, want) in cases {
        let got = erf(x);
        assert!((got - want).abs() < 1e-14, "erf({x}) = {got}, want {want}");
    }
    assert!((gelu_erf(1.0) - 0.8413447460685429).abs() < 1e-14);
    assert!((gelu_tanh(1.0) - 0.8411919906082768).abs() < 1e-14);
}

#[test]
fn gpt2_block_tiny_matches_f64() {
    check_gpt2("gpt2_block tiny", &TransformerConfig::tiny(), 11);
}

#[test]
fn gpt2_block_mid_matches_f64() {
    let cfg = TransformerConfig {
        hidden: 64,
        heads: 4,
        ffn: 256,
        seq: 8,
    };
    check_gpt2("gpt2_block mid", &cfg, 12);
}

fn check_bert(label: &str, cfg: &TransformerConfig, layers: usize, seed: u64) {
    let g = bert_encoder(cfg, layers, seed).unwrap();
    let x = nonzero_uniform(cfg.seq * cfg.hidden, seed ^ 0x1234);
    // The last two tokens are padding.
    let mask: Vec<f64> = (0..cfg.seq)
        .map(|j| if j + 2 >= cfg.seq { -10000.0 } else { 0.0 })
        .collect();
    let inputs = [
        TensorData::from_f64(edgecc_ir::DType::F32, vec![1, cfg.seq, cfg.hidden], &x).unwrap(),
        TensorData::from_f64(edgecc_ir::DType::F32, vec![1, 1, 1, cfg.seq], &mask).unwrap(),
    ];
    let got = run_ref(&g, &inputs);
    let want = bert_f64(&g, cfg, layers, &x, &mask, Variant::default());
    let wrong = [(
        "without the attention mask",
        bert_f64(
            &g,
            cfg,
            layers,
            &x,
            &mask,
            Variant {
                drop_mask: true,
                ..Variant::default()
            },
        ),
    )];
    check(label, &got, &want, &wrong);
    let tanh_gap = max_abs_diff(
        &got,
        &bert_f64(
            &g,
            cfg,
            layers,
            &x,
            &mask,
            Variant {
                swap_gelu: true,
                ..Variant::default()
            },
        ),
    );
    eprintln!("{label}: f64 model with tanh GELU differs by {tanh_gap:.3e}");
}

#[test]
fn bert_encoder_tiny_two_layers_matches_f64() {
    check_bert("bert_encoder tiny x2", &TransformerConfig::tiny(), 2, 21);
}

#[test]
fn bert_encoder_mid_two_layers_matches_f64() {
    let cfg = TransformerConfig {
        hidden: 64,
        heads: 4,
        ffn: 128,
        seq: 8,
    };
    check_bert("bert_encoder mid x2", &cfg, 2, 22);
}

#[test]
fn mlp_rows_are_distributions_and_match_f64() {
    let cfg = MlpConfig::tiny();
    let g = mlp(&cfg, 31).unwrap();
    for batch in [1u64, 3] {
        let inputs = random_inputs(&g, 32, &|name, max| {
            assert_eq!((name, max), ("batch", cfg.max_batch));
            batch
        })
        .unwrap();
        assert_eq!(inputs[0].shape(), &[batch as usize, cfg.input]);
        let got = run_ref(&g, &inputs);
        assert_eq!(got.len(), batch as usize * cfg.output);
        for row in got.chunks(cfg.output) {
            let s: f64 = row.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "row sums to {s}");
            assert!(row.iter().all(|&p| p > 0.0 && p < 1.0));
        }
        let x = inputs[0].to_f64_vec();
        let rows = batch as usize;
        let h: Vec<f64> = linear(&x, rows, cfg.input, &weight(&g, "fc1.w"), &weight(&g, "fc1.b"))
            .into_iter()
            .map(|v| v.max(0.0))
            .collect();
        let mut want = linear(&h, rows, cfg.hidden, &weight(&g, "fc2.w"), &weight(&g, "fc2.b"));
        softmax_rows(&mut want, cfg.output);
        check(&format!("mlp batch {batch}"), &got, &want, &[]);
    }
}

/// The models' GELU pre-activations are too small (|x| ≲ 0.5) to tell erf from tanh GELU apart at
/// the tolerance, so check both formulas on their own over [-5, 5], at a tolerance (1e-6, f32
/// rounding) that resolves their largest gap (~5e-4).
#[test]
fn gelu_variants_match_f64() {
    let n = 201;
    let mut b = edgecc_ir::Builder::new("gelu");
    let x = b.input("x", edgecc_ir::DType::F32, edgecc_ir::Shape::of(&[n])).unwrap();
    let exact = b.gelu(x, false).unwrap();
    let approx = b.gelu(x, true).unwrap();
    b.output(exact).unwrap();
    b.output(approx).unwrap();
    let g = b.finish().unwrap();
    let xs: Vec<f64> = (0..n).map(|i| -5.0 + 10.0 * i as f64 / (n - 1) as f64).collect();
    let input = TensorData::from_f64(edgecc_ir::DType::F32, vec![n], &xs).unwrap();
    let xs: Vec<f64> = input.to_f64_vec(); // as rounded to f32
    let outs = reference::run(&g, &[input]).unwrap();
    let want_exact: Vec<f64> = xs.iter().map(|&v| gelu_erf(v)).collect();
    let want_approx: Vec<f64> = xs.iter().map(|&v| gelu_tanh(v)).collect();
    let tol = 1e-6;
    let (got_exact, got_approx) = (outs[0].to_f64_vec(), outs[1].to_f64_vec());
    check_tol(
        "gelu erf",
        &got_exact,
        &want_exact,
        &[("with tanh", want_approx.clone())],
        tol,
    );
    check_tol("gelu tanh", &got_approx, &want_approx, &[("with erf", want_exact)], tol);
}
