//! Programs over dynamic dims through the WGSL compile driver: a graph whose `seq` stays
//! symbolic compiles once (buffers and the memory plan at the bound, the dim in each dispatch's
//! parameter buffer) and one session runs it at seq 1, a middle value and the bound, against
//! the reference interpreter at each size. Of the dispatches, pointwise ones, the rows (and row
//! lengths) of row reductions, the rows of top-k, the M (one variant per range of M), N and K
//! of GEMMs, the batch of convolutions and the query rows and keys of attention take dynamic
//! dims so far; another anchor over one is an error naming it.

use edgecc::backends::wgsl::{Program, SessionOptions};
use edgecc::ir::{text, TensorData};

/// Pointwise ops, views, broadcasts and the run-time `Shape` of `x`, over `seq <= 32`.
const POINTWISE: &str = "graph dyn {
  input %x: f32[seq<=32, 8]
  input %b: f32[8]
  const @zero: i64[] = hex\"0000000000000000\"
  %t: f32[seq<=32, 2, 4] = Reshape<shape=[0, 2, 4], allowzero=false>(%x)
  %u: f32[2, seq<=32, 4] = Transpose<perm=[1, 0, 2]>(%t)
  %e: f32[2, seq<=32, 4] = Sigmoid(%u)
  %s: i64[2] = Shape<start=0>(%x)
  %zero: i64[] = Constant(@zero)
  %n: i64[] = Gather<axis=0>(%s, %zero)
  %nf: f32[] = Cast<to=f32>(%n)
  %r: f32[2, 1, 4] = Reshape<shape=[2, 1, 4], allowzero=false>(%b)
  %m: f32[2, seq<=32, 4] = Mul(%e, %nf)
  %y: f32[2, seq<=32, 4] = Add(%m, %r)
  %z: f32[seq<=32, 8] = Tanh(%x)
  output %y
  output %z
}";

/// Row reductions over rows of a dynamic dim: LayerNorm (with scale and bias), a softmax with
/// an epilogue, ReduceMean keeping dims, ArgMax and TopK, over `x: [2, seq, 16]`.
const ROWS: &str = "graph rows {
  input %x: f32[2, seq<=40, 16]
  input %g: f32[16]
  input %b: f32[16]
  %ln: f32[2, seq<=40, 16] = LayerNorm<axis=-1, epsilon=1e-5>(%x, %g, %b)
  %sm: f32[2, seq<=40, 16] = Softmax<axis=-1>(%ln)
  %e: f32[2, seq<=40, 16] = Exp(%sm)
  %mean: f32[2, seq<=40, 1] = ReduceMean<axes=[-1], keepdims=true>(%x)
  %am: i64[2, seq<=40] = ArgMax<axis=-1, keepdims=false, select_last_index=false>(%x)
  %tv: f32[2, seq<=40, 3], %ti: i64[2, seq<=40, 3] = TopK<k=3, axis=-1, largest=true>(%x)
  output %e
  output %mean
  output %am
  output %tv
  output %ti
}";

fn compile(src: &str) -> (edgecc::ir::Graph, edgecc::Result<Program>) {
    let g = text::parse(src).unwrap_or_else(|e| panic!("{e}"));
    let caps = edgecc_autotune::profile("lavapipe").unwrap();
    let p = edgecc::device::compile_wgsl(&g, &caps, edgecc::backends::Precision::F32).map(|(_, p)| p);
    (g, p)
}

/// The local lavapipe device.
fn lavapipe() -> edgecc::Device {
    edgecc::Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"))
}

/// A session of `program` on `device` that poisons its buffers before each run.
fn poisoned_session(device: &edgecc::Device, program: &Program) -> edgecc::backends::wgsl::Session {
    let options = SessionOptions {
        poison: true,
        profile: false,
    };
    device
        .session(program, options)
        .unwrap_or_else(|e| panic!("{}: {e}", program.name))
}

fn random(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
        })
        .collect()
}

/// A tensor of `shape` filled with [`random`] values of `seed`.
fn tensor(shape: Vec<usize>, seed: u64) -> TensorData {
    let n = shape.iter().product();
    TensorData::from_f32(edgecc::ir::DType::F32, shape, &random(seed, n)).unwrap()
}

#[test]
fn a_pointwise_graph_over_seq_compiles_once_and_runs_at_three_sizes() {
    let (g, program) = compile(POINTWISE);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    assert_eq!((program.dims[0].name.as_str(), program.dims[0].bound), ("seq", 32));
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let mut session = poisoned_session(&lavapipe(), &program);
    for (seq, seed) in [(1usize, 1u64), (13, 2), (32, 3), (13, 4)] {
        let inputs = vec![
            TensorData::from_f32(edgecc::ir::DType::F32, vec![seq, 8], &random(seed, seq * 8)).unwrap(),
            TensorData::from_f32(edgecc::ir::DType::F32, vec![8], &random(seed + 10, 8)).unwrap(),
        ];
        let want = edgecc::run_reference(&g, &inputs).unwrap();
        let got = session.run(&inputs).unwrap_or_else(|e| panic!("seq={seq}: {e}"));
        assert_eq!(got.len(), want.len());
        for (o, (a, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(a.shape(), w.shape(), "seq={seq}: output {o}'s shape");
            for (i, (x, y)) in a.to_f32_vec().iter().zip(w.to_f32_vec()).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                    "seq={seq}: output {o} element {i} is {x}, want {y}"
                );
            }
        }
    }
    let over = vec![
        TensorData::from_f32(edgecc::ir::DType::F32, vec![33, 8], &random(5, 33 * 8)).unwrap(),
        TensorData::from_f32(edgecc::ir::DType::F32, vec![8], &random(6, 8)).unwrap(),
    ];
    let e = session.run(&over).unwrap_err().to_string();
    assert!(e.contains("`x`") && e.contains("`seq`") && e.contains("33"), "{e}");
}

fn check_at(g: &edgecc::ir::Graph, session: &mut edgecc::backends::wgsl::Session, inputs: &[TensorData], what: &str) {
    let want = edgecc::run_reference(g, inputs).unwrap();
    let got = session.run(inputs).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got.len(), want.len());
    for (o, (a, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(a.shape(), w.shape(), "{what}: output {o}'s shape");
        for (i, (x, y)) in a.to_f64_vec().iter().zip(w.to_f64_vec()).enumerate() {
            assert!(
                (x - y).abs() <= 2e-5 * (1.0 + y.abs()),
                "{what}: output {o} element {i} is {x}, want {y}"
            );
        }
    }
}

#[test]
fn row_reductions_over_dynamic_rows_run_at_three_sizes() {
    let (g, program) = compile(ROWS);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let mut session = poisoned_session(&lavapipe(), &program);
    for (seq, seed) in [(1usize, 7u64), (17, 8), (40, 9)] {
        let inputs = vec![
            tensor(vec![2, seq, 16], seed),
            tensor(vec![16], seed + 1),
            tensor(vec![16], seed + 2),
        ];
        check_at(&g, &mut session, &inputs, &format!("seq={seq}"));
    }
}

/// Row reductions over a dynamic reduced axis: a softmax, a mean, a sum over the middle axis,
/// an ArgMax and a layer norm (its scale and bias over the sequence too), over `x: [2, 3, seq]`.
const REDUCED: &str = "graph reduced {
  input %x: f32[2, 3, seq<=40]
  input %y: f32[2, seq<=40, 5]
  input %g: f32[seq<=40]
  input %b: f32[seq<=40]
  %sm: f32[2, 3, seq<=40] = Softmax<axis=-1>(%x)
  %mean: f32[2, 3, 1] = ReduceMean<axes=[-1], keepdims=true>(%x)
  %sum: f32[2, 5] = ReduceSum<axes=[1], keepdims=false>(%y)
  %am: i64[2, 3] = ArgMax<axis=-1, keepdims=false, select_last_index=false>(%x)
  %ln: f32[2, 3, seq<=40] = LayerNorm<axis=-1, epsilon=1e-5>(%x, %g, %b)
  output %sm
  output %mean
  output %sum
  output %am
  output %ln
}";

#[test]
fn row_reductions_over_a_dynamic_reduced_axis_run_at_several_sizes() {
    let (g, program) = compile(REDUCED);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    let mut session = poisoned_session(&lavapipe(), &program);
    for (seq, seed) in [(1usize, 61u64), (7, 62), (40, 63)] {
        let inputs = vec![
            tensor(vec![2, 3, seq], seed),
            tensor(vec![2, seq, 5], seed + 1),
            tensor(vec![seq], seed + 2),
            tensor(vec![seq], seed + 3),
        ];
        check_at(&g, &mut session, &inputs, &format!("seq={seq}"));
    }
}

/// GEMMs with a dynamic M: LayerNorm into a MatMul with bias and Gelu over `x: [2, seq, 16]`
/// (M = seq, batch 2), and a Gemm reading A transposed (`xt: [16, seq]`) with alpha, beta and a
/// broadcast C.
const GEMMS: &str = "graph gemms {
  input %x: f32[2, seq<=48, 16]
  input %g: f32[16]
  input %b: f32[16]
  input %w: f32[16, 24]
  input %bias: f32[24]
  input %xt: f32[16, seq<=48]
  input %w2: f32[16, 20]
  input %c: f32[20]
  %ln: f32[2, seq<=48, 16] = LayerNorm<axis=-1, epsilon=1e-5>(%x, %g, %b)
  %mm: f32[2, seq<=48, 24] = MatMul(%ln, %w)
  %add: f32[2, seq<=48, 24] = Add(%mm, %bias)
  %y: f32[2, seq<=48, 24] = Gelu<tanh=false>(%add)
  %z: f32[seq<=48, 20] = Gemm<alpha=0.5, beta=2, trans_a=true, trans_b=false>(%xt, %w2, %c)
  output %y
  output %z
}";

/// Each GEMM over a dynamic M is compiled once per range of M its default schedules tell apart
/// (`0..=16`, `17..=32`, `33..=48`), keyed by the range's largest M, with tiles of as many rows;
/// one session runs them at sizes in and at the edges of every range.
#[test]
fn gemms_over_a_dynamic_m_run_in_each_of_their_variants() {
    let (g, program) = compile(GEMMS);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let gemms: Vec<_> = program
        .dispatches
        .iter()
        .filter(|d| d.problem.to_string().starts_with("gemm."))
        .collect();
    assert_eq!(gemms.len(), 6, "two GEMMs, three variants each");
    for variants in gemms.chunks(3) {
        let mut next = 0;
        for (d, (top, rows)) in variants.iter().zip([(16, 16), (32, 32), (48, 64)]) {
            let when = d.launch.as_ref().and_then(|l| l.when).expect("a variant has a range");
            assert_eq!((when.min, when.max), (next, top), "{}", d.label);
            next = top + 1;
            assert!(
                d.problem.to_string().contains(&format!(".m{top}.")),
                "{}: {}",
                d.label,
                d.problem
            );
            let edgecc_autotune::Schedule::Gemm(s) = &d.schedule else {
                panic!("{}: {:?}", d.label, d.schedule)
            };
            assert!(s.tile_m <= rows && s.tile_m >= rows / 2, "{}: {s:?}", d.label);
        }
    }
    let mut session = poisoned_session(&lavapipe(), &program);
    for (seq, seed) in [(1usize, 11u64), (16, 14), (17, 15), (29, 12), (33, 16), (48, 13)] {
        let inputs = vec![
            tensor(vec![2, seq, 16], seed),
            tensor(vec![16], seed + 1),
            tensor(vec![16], seed + 2),
            tensor(vec![16, 24], seed + 3),
            tensor(vec![24], seed + 4),
            tensor(vec![16, seq], seed + 5),
            tensor(vec![16, 20], seed + 6),
            tensor(vec![20], seed + 7),
        ];
        check_at(&g, &mut session, &inputs, &format!("seq={seq}"));
    }
}

/// Attention over a dynamic sequence: causal, with an additive padding mask, and decomposed
/// (`softmax(q kᵀ * c + mask) v`, which fusion turns into one attention dispatch).
const ATTENTION: &str = "graph attn {
  input %q: f32[2, 3, seq<=40, 8]
  input %k: f32[2, 3, seq<=40, 8]
  input %v: f32[2, 3, seq<=40, 8]
  input %m: f32[2, 1, 1, seq<=40]
  const @c: f32[] = hex\"0000803e\"
  %a: f32[2, 3, seq<=40, 8] = Attention<causal=true>(%q, %k, %v)
  %b: f32[2, 3, seq<=40, 8] = Attention<causal=false>(%q, %k, %v, %m)
  %kt: f32[2, 3, 8, seq<=40] = Transpose<perm=[0, 1, 3, 2]>(%k)
  %s: f32[2, 3, seq<=40, seq<=40] = MatMul(%q, %kt)
  %c: f32[] = Constant(@c)
  %sc: f32[2, 3, seq<=40, seq<=40] = Mul(%s, %c)
  %sm: f32[2, 3, seq<=40, seq<=40] = Add(%sc, %m)
  %p: f32[2, 3, seq<=40, seq<=40] = Softmax<axis=-1>(%sm)
  %o: f32[2, 3, seq<=40, 8] = MatMul(%p, %v)
  output %a
  output %b
  output %o
}";

#[test]
fn attention_over_a_dynamic_sequence_runs_at_three_sizes() {
    let (g, program) = compile(ATTENTION);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    let keys: Vec<String> = program.dispatches.iter().map(|d| d.problem.to_string()).collect();
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("attention")).count(),
        3,
        "the decomposed attention is one attention dispatch too: {keys:?}"
    );
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let mut session = poisoned_session(&lavapipe(), &program);
    for (seq, seed) in [(1usize, 21u64), (19, 22), (40, 23)] {
        let inputs = vec![
            tensor(vec![2, 3, seq, 8], seed),
            tensor(vec![2, 3, seq, 8], seed + 1),
            tensor(vec![2, 3, seq, 8], seed + 2),
            tensor(vec![2, 1, 1, seq], seed + 3),
        ];
        check_at(&g, &mut session, &inputs, &format!("seq={seq}"));
    }
}

/// Convolutions over a dynamic batch: strided with bias and a fused Relu, depthwise, and a
/// transposed one.
const CONVS: &str = "graph convs {
  input %x: f32[n<=3, 4, 9, 9]
  input %w: f32[6, 4, 3, 3]
  input %b: f32[6]
  input %wd: f32[6, 1, 3, 3]
  input %wt: f32[6, 2, 2, 2]
  %c: f32[n<=3, 6, 5, 5] = Conv<strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%x, %w, %b)
  %r: f32[n<=3, 6, 5, 5] = Relu(%c)
  %d: f32[n<=3, 6, 5, 5] = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=6>(%r, %wd)
  %t: f32[n<=3, 2, 10, 10] = ConvTranspose<strides=[2, 2], pads=[0, 0, 0, 0], dilations=[1, 1], output_padding=[0, 0], groups=1>(%d, %wt)
  output %r
  output %t
}";

#[test]
fn convolutions_over_a_dynamic_batch_run_at_three_sizes() {
    let (g, program) = compile(CONVS);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let mut session = poisoned_session(&lavapipe(), &program);
    for (n, seed) in [(1usize, 41u64), (2, 42), (3, 43)] {
        let inputs = vec![
            tensor(vec![n, 4, 9, 9], seed),
            tensor(vec![6, 4, 3, 3], seed + 1),
            tensor(vec![6], seed + 2),
            tensor(vec![6, 1, 3, 3], seed + 3),
            tensor(vec![6, 2, 2, 2], seed + 4),
        ];
        check_at(&g, &mut session, &inputs, &format!("n={n}"));
    }
}

/// Batched GEMMs and attention over a dynamic batch: a weight broadcast over it (also through
/// a static 1), both operands over it (`x xᵀ`), the dynamic dim as an inner batch axis, fused
/// attention with a padding mask broadcast over the heads, and a decomposed one.
const BATCHED: &str = "graph batched {
  input %x: f32[n<=3, 2, 5, 8]
  input %w: f32[2, 8, 6]
  input %q: f32[n<=3, 2, 7, 8]
  input %k: f32[n<=3, 2, 7, 8]
  input %v: f32[n<=3, 2, 7, 8]
  input %m: f32[n<=3, 1, 1, 7]
  input %u: f32[2, n<=3, 5, 8]
  input %w1: f32[8, 6]
  input %w4: f32[1, 2, 8, 6]
  const @c: f32[] = hex\"0000803e\"
  %y: f32[n<=3, 2, 5, 6] = MatMul(%x, %w)
  %xt: f32[n<=3, 2, 8, 5] = Transpose<perm=[0, 1, 3, 2]>(%x)
  %g: f32[n<=3, 2, 5, 5] = MatMul(%x, %xt)
  %a: f32[n<=3, 2, 7, 8] = Attention<causal=false>(%q, %k, %v, %m)
  %kt: f32[n<=3, 2, 8, 7] = Transpose<perm=[0, 1, 3, 2]>(%k)
  %s: f32[n<=3, 2, 7, 7] = MatMul(%q, %kt)
  %c: f32[] = Constant(@c)
  %sc: f32[n<=3, 2, 7, 7] = Mul(%s, %c)
  %p: f32[n<=3, 2, 7, 7] = Softmax<axis=-1>(%sc)
  %o: f32[n<=3, 2, 7, 8] = MatMul(%p, %v)
  %yu: f32[2, n<=3, 5, 6] = MatMul(%u, %w1)
  %y4: f32[n<=3, 2, 5, 6] = MatMul(%x, %w4)
  output %yu
  output %y4
  output %y
  output %g
  output %a
  output %o
}";

#[test]
fn gemms_and_attention_over_a_dynamic_batch_run_at_three_sizes() {
    let (g, program) = compile(BATCHED);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    let keys: Vec<String> = program.dispatches.iter().map(|d| d.problem.to_string()).collect();
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("attention")).count(),
        2,
        "both attentions are attention dispatches: {keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.starts_with("gemm.f32.b6.m5.n6.k8")),
        "the batch is keyed at its bound: {keys:?}"
    );
    assert!(
        program.dispatches.iter().all(|d| d.launch.is_some()),
        "every dispatch is sized at run time"
    );
    let mut session = poisoned_session(&lavapipe(), &program);
    // Back to a smaller size, and one size twice (the second run writes no parameters).
    for (n, seed) in [(1usize, 51u64), (2, 52), (3, 53), (3, 54), (1, 55)] {
        let inputs = vec![
            tensor(vec![n, 2, 5, 8], seed),
            tensor(vec![2, 8, 6], seed + 1),
            tensor(vec![n, 2, 7, 8], seed + 2),
            tensor(vec![n, 2, 7, 8], seed + 3),
            tensor(vec![n, 2, 7, 8], seed + 4),
            tensor(vec![n, 1, 1, 7], seed + 5),
            tensor(vec![2, n, 5, 8], seed + 6),
            tensor(vec![8, 6], seed + 7),
            tensor(vec![1, 2, 8, 6], seed + 8),
        ];
        check_at(&g, &mut session, &inputs, &format!("n={n}"));
    }
}

#[test]
fn an_anchor_over_a_dynamic_dim_it_does_not_take_is_an_error_naming_it() {
    // A dynamic top-k axis: the template's row length is a literal.
    let (_, program) = compile(
        "graph tk {
  input %x: f32[2, seq<=40]
  %v: f32[2, 3], %i: i64[2, 3] = TopK<k=3, axis=-1, largest=true>(%x)
  output %v
  output %i
}",
    );
    let e = program
        .expect_err("a top-k over a dynamic axis does not compile")
        .to_string();
    assert!(
        e.contains("TopK") && e.contains("seq<=40") && e.contains("top-k axis"),
        "{e}"
    );
    // A GEMM operand's dynamic batch dim against the output's static one: it could be 1 at run
    // time and broadcast.
    let (_, program) = compile(
        "graph mm {
  input %x: f32[n<=3, 5, 8]
  input %w: f32[3, 8, 6]
  %y: f32[3, 5, 6] = MatMul(%x, %w)
  output %y
}",
    );
    let e = program
        .expect_err("a broadcast dynamic batch does not compile")
        .to_string();
    assert!(e.contains("MatMul") && e.contains("must be the output's"), "{e}");
}

/// GEMMs over a dynamic N and K, as attention that fusion did not match computes them:
/// `s = q kᵀ` (M and N the sequence), then `tanh(s) v` (M and K the sequence).
const GEMMS_NK: &str = "graph qk {
  input %q: f32[2, seq<=40, 8]
  input %k: f32[2, seq<=40, 8]
  input %v: f32[2, seq<=40, 8]
  %kt: f32[2, 8, seq<=40] = Transpose<perm=[0, 2, 1]>(%k)
  %s: f32[2, seq<=40, seq<=40] = MatMul(%q, %kt)
  %t: f32[2, seq<=40, seq<=40] = Tanh(%s)
  %o: f32[2, seq<=40, 8] = MatMul(%t, %v)
  output %s
  output %o
}";

/// Compiled with the default schedules and again with every GEMM double-buffered (two stages,
/// whose slice count is then a run-time value too).
#[test]
fn gemms_over_a_dynamic_n_and_k_run_at_several_sizes() {
    let (g, program) = compile(GEMMS_NK);
    let program = program.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.dims.len(), 1);
    let mut staged = edgecc_autotune::ScheduleSource::defaults();
    for d in &program.dispatches {
        if let edgecc_autotune::Schedule::Gemm(s) = &d.schedule {
            let s = edgecc_autotune::GemmSchedule { stages: 2, ..s.clone() };
            staged
                .fix(d.problem.clone(), edgecc_autotune::Schedule::Gemm(s))
                .unwrap();
        }
    }
    let caps = edgecc_autotune::profile("lavapipe").unwrap();
    let options = edgecc::backends::wgsl::compile::CompileOptions {
        precision: edgecc::backends::Precision::F32,
        schedules: staged,
    };
    let (_, two_stage) = edgecc::device::compile_wgsl_with(&g, &caps, &options).unwrap_or_else(|e| panic!("{e}"));
    let device = lavapipe();
    for (what, program) in [("default", program), ("two stages", two_stage)] {
        let mut session = poisoned_session(&device, &program);
        for (seq, seed) in [(1usize, 51u64), (5, 52), (17, 53), (33, 54), (40, 55)] {
            let inputs: Vec<TensorData> = (0..3)
                .map(|i| {
                    TensorData::from_f32(
                        edgecc::ir::DType::F32,
                        vec![2, seq, 8],
                        &random(seed * 3 + i, 2 * seq * 8),
                    )
                    .unwrap()
                })
                .collect();
            check_at(&g, &mut session, &inputs, &format!("{what}, seq={seq}"));
        }
    }
}

/// `g` with the sequence axis (axis 1 of `x`, and the last axis of a `mask`) of its inputs
/// made the symbolic `seq<=max`.
fn over_seq(g: &edgecc::ir::Graph, max: u64) -> edgecc::ir::Graph {
    use edgecc::ir::{Dim, Shape};
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
    g.with_input_shapes(&shapes).unwrap_or_else(|e| panic!("{e}"))
}

/// The builder-made transformer blocks (two causal GPT-2 layers, and a two-layer BERT encoder
/// with its additive mask) and the example model `examples/transformer_block.eir` (seq 8 as
/// written) over a dynamic sequence: one program each, run at 1, a middle value and the bound
/// against the reference.
#[test]
fn transformer_blocks_over_a_dynamic_sequence_run_at_three_sizes() {
    let cfg = edgecc::models::TransformerConfig {
        seq: 24,
        ..edgecc::models::TransformerConfig::tiny()
    };
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/transformer_block.eir");
    let example = std::fs::read_to_string(example).unwrap_or_else(|e| panic!("{example}: {e}"));
    let blocks = [
        ("gpt2_block", edgecc::models::gpt2_block(&cfg, 2).unwrap()),
        ("bert_encoder", edgecc::models::bert_encoder(&cfg, 2, 3).unwrap()),
        (
            "examples/transformer_block.eir",
            text::parse(&example).unwrap_or_else(|e| panic!("{e}")),
        ),
    ];
    let caps = edgecc_autotune::profile("lavapipe").unwrap();
    let device = lavapipe();
    for (name, g) in blocks {
        let g = over_seq(&g, 24);
        let (_, program) = edgecc::device::compile_wgsl(&g, &caps, edgecc::backends::Precision::F32)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(program.dims.len(), 1, "{name}");
        assert!(program.dispatches.iter().all(|d| d.launch.is_some()), "{name}");
        let mut session = poisoned_session(&device, &program);
        for (seq, seed) in [(1usize, 31u64), (11, 32), (24, 33)] {
            let inputs: Vec<TensorData> = g
                .inputs()
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let shape: Vec<usize> = g
                        .ty(v)
                        .shape
                        .dims()
                        .iter()
                        .map(|d| d.as_static().map_or(seq, |n| n as usize))
                        .collect();
                    let n = shape.iter().product();
                    TensorData::from_f32(edgecc::ir::DType::F32, shape, &random(seed + i as u64, n)).unwrap()
                })
                .collect();
            check_at(&g, &mut session, &inputs, &format!("{name} seq={seq}"));
        }
    }
}
