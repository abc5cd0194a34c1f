//! Zero-sized dims end to end, on the reference interpreter and on WGSL (lavapipe where there is
//! no GPU; no adapter is a failure): the first step of an LLM decoder (an empty past KV
//! concatenated with the new keys and values, causal attention over past + new, the `present`
//! outputs), and every op family with an extent of 0 (K = 0 matmuls give zeros, reductions over
//! an empty axis give their identity — the mean 0, as in onnxruntime —, empty graph inputs,
//! outputs and weights). WGSL outputs are poisoned before every run.
#![cfg(feature = "wgsl")]

use edgecc_backends::reference::{eval_op, Tensor};
use edgecc_backends::wgsl::{compile::compile, compile::CompileOptions, Gpu, Precision, Session, SessionOptions};
use edgecc_ir::{Builder, DType, Graph, Op, Shape, TensorData};
use edgecc_passes::{fuse, pipeline_for, Evaluator, PassContext};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Constant folding through the reference interpreter (what the `edgecc` library plugs in).
struct Folder;

impl Evaluator for Folder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        let t: Vec<Tensor> = inputs.iter().map(Tensor::from_data).collect();
        let r: Vec<&Tensor> = t.iter().collect();
        Ok(eval_op(op, &r, &[])?.iter().map(Tensor::to_data).collect())
    }
}

fn gpu() -> Arc<Gpu> {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| Arc::new(Gpu::open(None).expect("a Vulkan adapter (install mesa-vulkan-drivers)")))
        .clone()
}

/// Seeded inputs: floats in [-1, 1) and never 0, integers in [0, 3).
fn inputs(g: &Graph, seed: u64) -> Vec<TensorData> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let v = ((s >> 40) as f64 / (1u64 << 24) as f64) * 2.0 - 1.0;
        if v == 0.0 {
            0.375
        } else {
            v
        }
    };
    g.inputs()
        .iter()
        .map(|&v| {
            let ty = g.ty(v);
            let shape = ty.shape.as_static().expect("static input");
            let n: usize = shape.iter().product();
            let vals: Vec<f64> = (0..n).map(|_| next()).collect();
            if ty.dtype.is_float() {
                TensorData::from_f64(ty.dtype, shape, &vals).unwrap()
            } else {
                let ints: Vec<i64> = vals.iter().map(|x| (x.abs() * 3.0) as i64).collect();
                TensorData::from_i64(ty.dtype, shape, &ints).unwrap()
            }
        })
        .collect()
}

/// `g` through the `wgsl` pipeline, fusion, planning and code generation, run twice on the
/// device with poisoned buffers (both runs must agree).
fn run_wgsl(g: &Graph, inputs: &[TensorData]) -> Vec<TensorData> {
    let name = g.name().to_string();
    let ctx = PassContext::with_evaluator(Arc::new(Folder));
    let opt = pipeline_for("wgsl")
        .unwrap()
        .run(g, &ctx)
        .unwrap_or_else(|e| panic!("{name}: passes: {e}"));
    let kg = fuse(&opt).unwrap_or_else(|e| panic!("{name}: fuse: {e}"));
    edgecc_passes::plan(&kg).unwrap_or_else(|e| panic!("{name}: plan: {e}"));
    let kernels =
        edgecc_backends::reference::run_kernels(&kg, inputs).unwrap_or_else(|e| panic!("{name}: kernels: {e}"));
    let gpu = gpu();
    let program = compile(
        &kg,
        &gpu.caps,
        &CompileOptions {
            precision: Precision::F32,
            ..CompileOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{name}: compile: {e}"));
    let opts = SessionOptions {
        poison: true,
        profile: false,
    };
    let mut session = Session::new(gpu, &program, opts).unwrap_or_else(|e| panic!("{name}: session: {e}"));
    let first = session.run(inputs).unwrap_or_else(|e| panic!("{name}: run: {e}"));
    let second = session
        .run(inputs)
        .unwrap_or_else(|e| panic!("{name}: second run: {e}"));
    assert_eq!(first, second, "{name}: two runs differ");
    for (k, w) in kernels.iter().zip(&first) {
        close(&name, "kernels", k, w);
    }
    first
}

/// Same shape and dtype, values within 1e-4 relative (1e-5 absolute); equal infinities and NaNs.
fn close(case: &str, what: &str, got: &TensorData, want: &TensorData) {
    assert_eq!(got.dtype(), want.dtype(), "{case}: {what}: dtype");
    assert_eq!(got.shape(), want.shape(), "{case}: {what}: shape");
    for (i, (a, b)) in got.to_f64_vec().iter().zip(want.to_f64_vec()).enumerate() {
        let ok = a == &b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-5 + 1e-4 * b.abs();
        assert!(ok, "{case}: {what}: element {i}: {a} vs {b}");
    }
}

/// One decoder step's attention: `present_key = Concat(past_key, k)` (and values) along the
/// sequence axis, causal attention of the new queries over past + new keys.
fn decoder_step(past: usize) -> Graph {
    let (b, h, s, d) = (1usize, 2usize, 4usize, 8usize);
    let mut g = Builder::new("decoder_step");
    let q = g.input("q", DType::F32, Shape::of(&[b, h, s, d])).unwrap();
    let k = g.input("k", DType::F32, Shape::of(&[b, h, s, d])).unwrap();
    let v = g.input("v", DType::F32, Shape::of(&[b, h, s, d])).unwrap();
    let pk = g.input("past_key", DType::F32, Shape::of(&[b, h, past, d])).unwrap();
    let pv = g.input("past_value", DType::F32, Shape::of(&[b, h, past, d])).unwrap();
    let present_k = g.concat(&[pk, k], 2).unwrap();
    let present_v = g.concat(&[pv, v], 2).unwrap();
    let a = g.attention(q, present_k, present_v, None, None, true).unwrap();
    g.output(a).unwrap();
    g.output(present_k).unwrap();
    g.output(present_v).unwrap();
    g.finish().unwrap()
}

/// The same computed directly: softmax over keys `j <= i + past` of `q·k / sqrt(d)`, times v.
fn decoder_expected(x: &[TensorData], past: usize) -> Vec<TensorData> {
    let (h, s, d) = (2usize, 4usize, 8usize);
    let f = |t: &TensorData| t.to_f64_vec();
    let (q, k, v, pk, pv) = (f(&x[0]), f(&x[1]), f(&x[2]), f(&x[3]), f(&x[4]));
    let sk = past + s;
    let cat = |p: &[f64], n: &[f64]| -> Vec<f64> {
        (0..h)
            .flat_map(|hh| {
                p[hh * past * d..(hh + 1) * past * d]
                    .iter()
                    .chain(&n[hh * s * d..(hh + 1) * s * d])
                    .copied()
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (kk, vv) = (cat(&pk, &k), cat(&pv, &v));
    let mut out = vec![0.0; h * s * d];
    for hh in 0..h {
        for i in 0..s {
            let qi = &q[(hh * s + i) * d..][..d];
            let keys = i + past + 1;
            let scores: Vec<f64> = (0..keys)
                .map(|j| {
                    qi.iter()
                        .zip(&kk[(hh * sk + j) * d..][..d])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
                        / (d as f64).sqrt()
                })
                .collect();
            let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = scores.iter().map(|x| (x - m).exp()).collect();
            let z: f64 = e.iter().sum();
            for c in 0..d {
                out[(hh * s + i) * d + c] = (0..keys).map(|j| e[j] / z * vv[(hh * sk + j) * d + c]).sum();
            }
        }
    }
    let t = |shape: Vec<usize>, v: &[f64]| TensorData::from_f64(DType::F32, shape, v).unwrap();
    vec![
        t(vec![1, h, s, d], &out),
        t(vec![1, h, sk, d], &kk),
        t(vec![1, h, sk, d], &vv),
    ]
}

#[test]
fn decoder_step_with_empty_and_nonempty_past() {
    for past in [0usize, 3] {
        let g = decoder_step(past);
        let x = inputs(&g, 11 + past as u64);
        let want = decoder_expected(&x, past);
        let reference = edgecc_backends::reference::run(&g, &x).unwrap();
        let wgsl = run_wgsl(&g, &x);
        for (i, w) in want.iter().enumerate() {
            let what = format!("past {past}, output {i}");
            close("decoder_step", &format!("reference, {what}"), &reference[i], w);
            close("decoder_step", &format!("wgsl, {what}"), &wgsl[i], w);
        }
    }
}

/// Graphs with an extent of 0 somewhere, per op family.
const CASES: &[(&str, &str)] = &[
    (
        "mm_k0",
        r#"graph mm_k0 {
  input %a: f32[3, 0]
  input %b: f32[0, 4]
  %y = MatMul(%a, %b)
  output %y
}"#,
    ),
    (
        "mm_k0_relu_bias",
        r#"graph mm_k0_relu_bias {
  input %a: f32[2, 3, 0]
  input %b: f32[0, 4]
  input %c: f32[4]
  %m = MatMul(%a, %b)
  %s = Add(%m, %c)
  %y = Relu(%s)
  output %y
}"#,
    ),
    (
        "mm_m0",
        r#"graph mm_m0 {
  input %a: f32[0, 5]
  input %b: f32[5, 4]
  %y = MatMul(%a, %b)
  output %y
}"#,
    ),
    (
        "mm_n0",
        r#"graph mm_n0 {
  input %a: f32[3, 5]
  input %b: f32[5, 0]
  %y = MatMul(%a, %b)
  output %y
}"#,
    ),
    (
        "reduce_sum_empty",
        r#"graph reduce_sum_empty {
  input %x: f32[3, 0]
  %y = ReduceSum<axes=[1], keepdims=false>(%x)
  %z = ReduceMean<axes=[1], keepdims=true>(%x)
  %w = ReduceMax<axes=[-1], keepdims=false>(%x)
  output %y
  output %z
  output %w
}"#,
    ),
    (
        "reduce_of_empty_rows",
        r#"graph reduce_of_empty_rows {
  input %x: f32[0, 5]
  %y = ReduceSum<axes=[1], keepdims=false>(%x)
  %z = ReduceSum<axes=[0], keepdims=false>(%x)
  output %y
  output %z
}"#,
    ),
    (
        "expand0",
        r#"graph expand0 {
  input %x: f32[1, 4]
  %y = Expand<shape=[0, 4]>(%x)
  output %y
}"#,
    ),
    (
        "reshape0",
        r#"graph reshape0 {
  input %x: f32[2, 0, 4]
  %y = Reshape<shape=[0, 8], allowzero=true>(%x)
  %z = Reshape<shape=[2, 0, 2, 2], allowzero=true>(%x)
  output %y
  output %z
}"#,
    ),
    (
        "slice_empty",
        r#"graph slice_empty {
  input %x: f32[3, 4]
  %y = Slice<starts=[2], ends=[2], axes=[0], steps=[1]>(%x)
  output %y
}"#,
    ),
    (
        "slice_of_empty",
        r#"graph slice_of_empty {
  input %x: f32[0, 4]
  %y = Slice<starts=[1], ends=[3], axes=[1], steps=[1]>(%x)
  output %y
}"#,
    ),
    (
        "concat_first_empty",
        r#"graph concat_first_empty {
  input %a: f32[2, 0, 3]
  input %b: f32[2, 4, 3]
  %y = Concat<axis=1>(%a, %b)
  %z = Mul(%y, %y)
  output %z
}"#,
    ),
    (
        "concat_mid_empty",
        r#"graph concat_mid_empty {
  input %a: f32[2, 1, 3]
  input %e: f32[2, 0, 3]
  input %b: f32[2, 4, 3]
  %y = Concat<axis=1>(%a, %e, %b)
  output %y
}"#,
    ),
    (
        "concat_all_empty",
        r#"graph concat_all_empty {
  input %a: f32[2, 0, 3]
  input %b: f32[2, 0, 3]
  %y = Concat<axis=1>(%a, %b)
  output %y
}"#,
    ),
    (
        "concat_axis0_empty",
        r#"graph concat_axis0_empty {
  input %a: f32[0, 3]
  input %b: f32[5, 3]
  %y = Concat<axis=0>(%b, %a)
  output %y
}"#,
    ),
    (
        "elementwise_empty",
        r#"graph elementwise_empty {
  input %a: f32[0, 4]
  input %b: f32[4]
  %s = Add(%a, %b)
  %y = Relu(%s)
  %c = Cast<to=f16>(%y)
  output %y
  output %c
}"#,
    ),
    (
        "softmax_empty_rows",
        r#"graph softmax_empty_rows {
  input %a: f32[0, 4]
  %y = Softmax<axis=-1>(%a)
  output %y
}"#,
    ),
    (
        "layernorm_empty_rows",
        r#"graph layernorm_empty_rows {
  input %a: f32[0, 8]
  input %s: f32[8]
  input %b: f32[8]
  %y = LayerNorm<axis=-1, epsilon=1e-5>(%a, %s, %b)
  output %y
}"#,
    ),
    (
        "transpose_empty",
        r#"graph transpose_empty {
  input %a: f32[2, 0, 3]
  %y = Transpose<perm=[2, 0, 1]>(%a)
  output %y
}"#,
    ),
    (
        "gather_empty_idx",
        r#"graph gather_empty_idx {
  input %t: f32[10, 4]
  input %i: i64[0]
  %y = Gather<axis=0>(%t, %i)
  output %y
}"#,
    ),
    (
        "gather_from_empty_batch",
        r#"graph gather_from_empty_batch {
  input %t: f32[10, 4]
  input %i: i64[0, 3]
  %y = Gather<axis=0>(%t, %i)
  output %y
}"#,
    ),
    (
        "pad_empty",
        r#"graph pad_empty {
  input %a: f32[0, 4]
  %y = Pad<pads=[1, 0, 1, 0], mode=constant, value=1.5>(%a)
  output %y
}"#,
    ),
    (
        "tile_empty",
        r#"graph tile_empty {
  input %a: f32[0, 4]
  %y = Tile<repeats=[3, 2]>(%a)
  output %y
}"#,
    ),
    (
        "split_zero_piece",
        r#"graph split_zero_piece {
  input %a: f32[4, 3]
  %p, %q = Split<axis=0, sizes=[0, 4]>(%a)
  output %p
  output %q
}"#,
    ),
    (
        "identity_empty_output",
        r#"graph identity_empty_output {
  input %a: f32[2, 0]
  output %a
}"#,
    ),
    (
        "const_of_shape0",
        r#"graph const_of_shape0 {
  input %a: f32[2]
  %c = ConstantOfShape<shape=[0], value=2.0, dtype=f32>()
  %r = Range<start=3, limit=3, delta=1, dtype=i64>()
  %y = Relu(%a)
  output %y
  output %c
  output %r
}"#,
    ),
    (
        "where_empty",
        r#"graph where_empty {
  input %c: bool[0, 3]
  input %a: f32[0, 3]
  input %b: f32[3]
  %y = Where(%c, %a, %b)
  output %y
}"#,
    ),
    (
        "attention_q0",
        r#"graph attention_q0 {
  input %q: f32[1, 2, 0, 8]
  input %k: f32[1, 2, 5, 8]
  input %v: f32[1, 2, 5, 8]
  %y = Attention<causal=true>(%q, %k, %v)
  output %y
}"#,
    ),
    (
        "cumsum_empty",
        r#"graph cumsum_empty {
  input %a: f32[0, 4]
  %y = CumSum<axis=1, exclusive=false, reverse=false>(%a)
  output %y
}"#,
    ),
    (
        "decoder_decomposed",
        r#"graph decoder_decomposed {
  input %q: f32[1, 2, 4, 8]
  input %k: f32[1, 2, 4, 8]
  input %v: f32[1, 2, 4, 8]
  input %pk: f32[1, 2, 0, 8]
  input %pv: f32[1, 2, 0, 8]
  %kk = Concat<axis=2>(%pk, %k)
  %vv = Concat<axis=2>(%pv, %v)
  %kt = Transpose<perm=[0, 1, 3, 2]>(%kk)
  %s = MatMul(%q, %kt)
  %p = Softmax<axis=-1>(%s)
  %o = MatMul(%p, %vv)
  output %o
  output %kk
  output %vv
}"#,
    ),
    (
        "shape_gather",
        r#"graph shape_gather {
  input %x: f32[1, 2, 0, 8]
  input %y: i64[1]
  %s = Shape<start=0>(%x)
  const @i: i64[] = hex"0200000000000000"
  %i = Constant(@i)
  %g = Gather<axis=0>(%s, %i)
  %a = Add(%g, %y)
  output %a
}"#,
    ),
    (
        "reduce_int",
        r#"graph reduce_int {
  input %x: i32[3, 0]
  %a = ReduceSum<axes=[1], keepdims=false>(%x)
  %b = ReduceMean<axes=[1], keepdims=false>(%x)
  %c = ReduceMax<axes=[1], keepdims=false>(%x)
  output %a
  output %b
  output %c
}"#,
    ),
    (
        "attention_sk0",
        r#"graph attention_sk0 {
  input %q: f32[1, 2, 3, 8]
  input %k: f32[1, 2, 0, 8]
  input %v: f32[1, 2, 0, 8]
  %y = Attention<causal=false>(%q, %k, %v)
  output %y
}"#,
    ),
    (
        "layernorm_empty_axis",
        r#"graph layernorm_empty_axis {
  input %a: f32[3, 0]
  input %s: f32[0]
  input %b: f32[0]
  %y = LayerNorm<axis=-1, epsilon=1e-5>(%a, %s, %b)
  output %y
}"#,
    ),
    (
        "weight_empty",
        r#"graph weight_empty {
  input %a: f32[3, 0]
  const @w: f32[0, 4] = hex""
  %w = Constant(@w)
  %y = MatMul(%a, %w)
  output %y
}"#,
    ),
    (
        "weight_empty_past",
        r#"graph weight_empty_past {
  input %k: f32[1, 2, 4, 8]
  const @pk: f32[1, 2, 0, 8] = hex""
  %pk = Constant(@pk)
  %y = Concat<axis=2>(%pk, %k)
  %z = Relu(%y)
  output %z
}"#,
    ),
    (
        "conv_batch0",
        r#"graph conv_batch0 {
  input %x: f32[0, 3, 5, 5]
  input %w: f32[4, 3, 3, 3]
  %y = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%x, %w)
  output %y
}"#,
    ),
    (
        "conv_cin0",
        r#"graph conv_cin0 {
  input %x: f32[1, 0, 5, 5]
  input %w: f32[4, 0, 3, 3]
  input %b: f32[4]
  %y = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%x, %w, %b)
  output %y
}"#,
    ),
    (
        "topk_k0",
        r#"graph topk_k0 {
  input %x: f32[3, 5]
  %v, %i = TopK<k=0, axis=-1, largest=true>(%x)
  output %v
  output %i
}"#,
    ),
    (
        "gemm_k0",
        r#"graph gemm_k0 {
  input %a: f32[3, 0]
  input %b: f32[0, 4]
  input %c: f32[4]
  %y = Gemm<alpha=1.0, beta=1.0, trans_a=false, trans_b=false>(%a, %b, %c)
  output %y
}"#,
    ),
    (
        "mm_k0_batched_broadcast",
        r#"graph mm_k0_batched_broadcast {
  input %a: f32[2, 1, 3, 0]
  input %b: f32[4, 0, 5]
  %y = MatMul(%a, %b)
  output %y
}"#,
    ),
    (
        "decoder_gqa_like",
        r#"graph decoder_gqa_like {
  input %q: f32[1, 4, 1, 8]
  input %k: f32[1, 2, 1, 8]
  input %v: f32[1, 2, 1, 8]
  input %pk: f32[1, 2, 0, 8]
  input %pv: f32[1, 2, 0, 8]
  %kk = Concat<axis=2>(%pk, %k)
  %vv = Concat<axis=2>(%pv, %v)
  %ke = Unsqueeze<axes=[2]>(%kk)
  %kx = Expand<shape=[1, 2, 2, 1, 8]>(%ke)
  %kr = Reshape<shape=[1, 4, 1, 8], allowzero=false>(%kx)
  %ve = Unsqueeze<axes=[2]>(%vv)
  %vx = Expand<shape=[1, 2, 2, 1, 8]>(%ve)
  %vr = Reshape<shape=[1, 4, 1, 8], allowzero=false>(%vx)
  %o = Attention<causal=true>(%q, %kr, %vr)
  output %o
  output %kk
  output %vv
}"#,
    ),
    (
        "maxpool_batch0",
        r#"graph maxpool_batch0 {
  input %x: f32[0, 2, 4, 4]
  %y = MaxPool<kernel=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0], dilations=[1, 1], ceil_mode=false>(%x)
  output %y
}"#,
    ),
    (
        "resize_empty",
        r#"graph resize_empty {
  input %x: f32[0, 4]
  %y = Relu(%x)
  %s = ReduceSum<axes=[0], keepdims=true>(%y)
  output %s
}"#,
    ),
    (
        "reduce_all_axes",
        r#"graph r {
  input %x: f32[3, 0]
  %f = ReduceMean<axes=[], keepdims=false>(%x)
  output %f
}"#,
    ),
    (
        "reduce_first_axis",
        r#"graph r {
  input %x: f32[0, 3]
  %f = ReduceSum<axes=[0], keepdims=false>(%x)
  output %f
}"#,
    ),
];

#[test]
fn op_families_with_a_zero_extent_match_on_reference_and_wgsl() {
    for (name, text) in CASES {
        let g = edgecc_ir::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let x = inputs(&g, 5);
        let reference = edgecc_backends::reference::run(&g, &x).unwrap_or_else(|e| panic!("{name}: reference: {e}"));
        let wgsl = run_wgsl(&g, &x);
        assert_eq!(reference.len(), wgsl.len());
        for (i, (w, r)) in wgsl.iter().zip(&reference).enumerate() {
            close(name, &format!("output {i}"), w, r);
        }
    }
}

fn one_output(text: &str) -> Vec<f64> {
    let g = edgecc_ir::parse(text).unwrap();
    let x = inputs(&g, 3);
    edgecc_backends::reference::run(&g, &x).unwrap()[0].to_f64_vec()
}

#[test]
fn reference_values_of_empty_reductions_and_matmuls() {
    let red = |op: &str| {
        one_output(&format!(
            "graph r {{\n  input %x: f32[3, 0]\n  %y = {op}<axes=[1], keepdims=false>(%x)\n  output %y\n}}"
        ))
    };
    // As onnxruntime: the identities of the reductions; the mean of nothing is 0.
    assert_eq!(red("ReduceSum"), vec![0.0; 3]);
    assert_eq!(red("ReduceMean"), vec![0.0; 3]);
    assert_eq!(red("ReduceProd"), vec![1.0; 3]);
    assert_eq!(red("ReduceMax"), vec![f64::NEG_INFINITY; 3]);
    assert_eq!(red("ReduceMin"), vec![f64::INFINITY; 3]);
    // K = 0: zeros (plus the bias).
    let mm =
        one_output("graph m {\n  input %a: f32[3, 0]\n  input %b: f32[0, 4]\n  %y = MatMul(%a, %b)\n  output %y\n}");
    assert_eq!(mm, vec![0.0; 12]);
    // Shape and Gather of an empty dim.
    let g = edgecc_ir::parse(
        "graph s {\n  input %x: f32[1, 2, 0, 8]\n  const @i: i64[] = hex\"0200000000000000\"\n  %s = Shape<start=0>(%x)\n  %i = Constant(@i)\n  %g = Gather<axis=0>(%s, %i)\n  output %s\n  output %g\n}",
    )
    .unwrap();
    let out = edgecc_backends::reference::run(&g, &inputs(&g, 1)).unwrap();
    assert_eq!(out[0].to_f64_vec(), vec![1.0, 2.0, 0.0, 8.0]);
    assert_eq!(out[1].to_f64_vec(), vec![0.0]);
    // ArgMax over an empty axis has no answer (onnxruntime refuses it too).
    let g = edgecc_ir::parse(
        "graph a {\n  input %x: f32[3, 0]\n  %y = ArgMax<axis=-1, keepdims=false, select_last_index=false>(%x)\n  output %y\n}",
    )
    .unwrap();
    let err = edgecc_backends::reference::run(&g, &inputs(&g, 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("extent 0"), "{err}");
}

/// A text graph whose shapes infer only once its symbolic `past` is given: the inputs parse on
/// their own, the whole graph with `past` bound (0 included), and a value above the bound is an
/// error.
#[test]
fn text_graph_with_a_symbolic_past_parses_once_specialized() {
    let text = "graph d {
  input %k: f32[1, 2, 4, 8]
  input %past_key: f32[1, 2, past<=16, 8]
  %present = Concat<axis=2>(%past_key, %k)
  output %present
}";
    let err = edgecc_ir::parse(text).unwrap_err().to_string();
    assert!(err.contains("specialize"), "{err}");
    let only = edgecc_ir::parse_inputs(text).unwrap();
    assert_eq!(only.inputs().len(), 2);
    assert_eq!(only.ty(only.inputs()[1]).shape.symbols(), vec!["past"]);
    for past in [0u64, 3] {
        let g = edgecc_ir::parse_specialized(text, &BTreeMap::from([("past".to_string(), past)])).unwrap();
        edgecc_ir::verify(&g).unwrap();
        let out = g.outputs()[0];
        assert_eq!(g.ty(out).shape, Shape::of(&[1, 2, 4 + past as usize, 8]));
        let x = inputs(&g, 2);
        let r = edgecc_backends::reference::run(&g, &x).unwrap();
        close("specialized", "present", &run_wgsl(&g, &x)[0], &r[0]);
    }
    let err = edgecc_ir::parse_specialized(text, &BTreeMap::from([("past".to_string(), 17)]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("above its bound"), "{err}");
}
