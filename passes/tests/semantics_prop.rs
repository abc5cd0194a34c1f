//! The cleanup pipeline preserves semantics: over random graphs (from `edgecc_ir::random`, with
//! extra reshape/transpose/cast chains, duplicated nodes and constant subexpressions grafted on
//! so that every pass has work), the reference interpreter gives the same outputs before and
//! after, and the pipeline never errors on a valid graph.

mod common;

use common::{ctx, same_semantics, Outcome};
use edgecc_ir::random::{random_graph, RandomGraphOptions, Rng};
use edgecc_ir::{verify, BinaryOp, DType, Dim, Graph, Op, Shape, TensorData, UnaryOp, ValueId};
use edgecc_passes::{check_interface, pipeline_for, RunOptions};
use proptest::prelude::*;

/// Adds one pattern on `v`; returns the value to expose as an output, if any was added.
fn graft(g: &mut Graph, rng: &mut Rng, v: ValueId) -> Option<ValueId> {
    let ty = g.ty(v).clone();
    let rank = ty.shape.rank();
    let one = |g: &mut Graph, op: Op, ins: &[ValueId]| g.add_node(op, ins).ok().and_then(|o| o.first().copied());
    match rng.below(9) {
        // Reshape there and back, through a flattened view; symbolic dims copied with 0.
        0 | 1 if rank >= 2 => {
            let dims = ty.shape.dims();
            let (a, b) = (dims[rank - 2].as_static()?, dims[rank - 1].as_static()?);
            let keep = |d: &Dim| -> i64 { d.as_static().map_or(0, |n| n as i64) };
            let mut flat: Vec<i64> = dims[..rank - 2].iter().map(keep).collect();
            flat.push((a * b) as i64);
            let back: Vec<i64> = dims.iter().map(keep).collect();
            let r1 = one(
                g,
                Op::Reshape {
                    shape: flat,
                    allowzero: false,
                },
                &[v],
            )?;
            let back = if rng.pct(50) {
                back
            } else {
                let mut s: Vec<i64> = dims[..rank - 2].iter().map(keep).collect();
                s.extend([b as i64, a as i64]);
                s
            };
            let r2 = one(
                g,
                Op::Reshape {
                    shape: back,
                    allowzero: false,
                },
                &[r1],
            )?;
            one(g, Op::Unsqueeze { axes: vec![0] }, &[r2])
        }
        // A transpose pair (cancelling or composing).
        2 if rank >= 2 => {
            let mut p: Vec<u64> = (0..rank as u64).collect();
            for i in (1..rank).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                p.swap(i, j);
            }
            let mut inv = vec![0u64; rank];
            for (i, &a) in p.iter().enumerate() {
                inv[a as usize] = i as u64;
            }
            let second = if rng.pct(50) {
                inv
            } else {
                p.iter().rev().copied().collect()
            };
            let t1 = one(g, Op::Transpose { perm: p }, &[v])?;
            one(g, Op::Transpose { perm: second }, &[t1])
        }
        // Cast round trips: exact (f16/bf16 → f32 → back, int → i64 → back) and lossy.
        3 => {
            let (mid, back) = match ty.dtype {
                DType::F16 | DType::BF16 => (DType::F32, if rng.pct(50) { ty.dtype } else { DType::I32 }),
                DType::F32 => (DType::F16, DType::F32),
                DType::I32 | DType::I8 => (DType::I64, ty.dtype),
                DType::Bool => (DType::F32, DType::Bool),
                _ => (DType::F32, ty.dtype),
            };
            let c1 = one(g, Op::Cast { to: mid }, &[v])?;
            one(g, Op::Cast { to: back }, &[c1])
        }
        // Squeeze/unsqueeze pair and identities.
        4 => {
            let u = one(g, Op::Unsqueeze { axes: vec![0] }, &[v])?;
            let i = one(g, Op::Identity, &[u])?;
            one(g, Op::Squeeze { axes: vec![0] }, &[i])
        }
        // A duplicate of an existing non-constant node (for CSE).
        5 => {
            let cands: Vec<usize> = (0..g.nodes().len())
                .filter(|&i| !matches!(g.nodes()[i].op, Op::Constant(_)))
                .collect();
            let n = &g.nodes()[*cands.get(rng.below(cands.len() as u64) as usize)?];
            let (op, ins) = (n.op.clone(), n.inputs.clone());
            g.add_node(op, &ins).ok()?.last().copied()
        }
        // A constant subexpression folded into v.
        6 if ty.dtype == DType::F32 => {
            let c = g
                .add_const_value(
                    g.fresh_name("k"),
                    TensorData::from_f64(DType::F32, vec![2], &[0.5, -1.25]).ok()?,
                )
                .ok()?;
            let e = one(g, Op::Unary(UnaryOp::Exp), &[c])?;
            let s = one(
                g,
                Op::Reduce {
                    op: edgecc_ir::ReduceOp::Sum,
                    axes: vec![],
                    keepdims: false,
                },
                &[e],
            )?;
            one(g, Op::Binary(BinaryOp::Mul), &[v, s])
        }
        // Expand to the same shape; a shape computed from a static value.
        7 => {
            let shape: Vec<i64> = vec![1; rank];
            one(g, Op::Expand { shape }, &[v])
        }
        _ => {
            let s = one(g, Op::Shape { start: 0, end: None }, &[v])?;
            one(g, Op::Cast { to: DType::F32 }, &[s])
        }
    }
}

/// `random_graph(seed)` with a few grafted patterns, some of them exposed as outputs.
fn graph_for(seed: u64) -> Graph {
    let opts = RandomGraphOptions {
        max_nodes: 10 + (seed % 8) as usize,
        ..Default::default()
    };
    let mut g = random_graph(seed, &opts);
    let mut rng = Rng::new(seed.rotate_left(17));
    for _ in 0..1 + rng.below(5) {
        let nv = g.values().len() as u64;
        if nv == 0 {
            break;
        }
        let v = ValueId(rng.below(nv) as u32);
        if let Some(o) = graft(&mut g, &mut rng, v) {
            if rng.pct(70) {
                let _ = g.add_output(o);
            }
        }
    }
    if rng.pct(60) {
        // Expose every unused value too, so that most of the graph is live and compared.
        let mut used = vec![false; g.values().len()];
        for v in g.nodes().iter().flat_map(|n| &n.inputs).chain(g.outputs()) {
            used[v.index()] = true;
        }
        for (i, u) in used.into_iter().enumerate() {
            if !u && rng.pct(80) {
                let _ = g.add_output(ValueId(i as u32));
            }
        }
    }
    g
}

/// Runs the `reference` pipeline on `graph_for(seed)` and compares semantics.
/// Returns the outcome and the node count before and after each pass.
fn check(seed: u64) -> Result<(Outcome, Vec<(usize, usize)>), String> {
    let g = graph_for(seed);
    verify(&g).map_err(|e| format!("seed {seed}: the random graph does not verify: {e}"))?;
    let opts = RunOptions {
        verify: true,
        time_passes: true,
        ..Default::default()
    };
    let pipeline = pipeline_for("reference").map_err(|e| e.to_string())?;
    let run = pipeline
        .run_with(&g, &ctx(), &opts)
        .map_err(|e| format!("seed {seed}: the pipeline failed: {e}\n{g}"))?;
    let counts = run.timings.iter().map(|t| (t.nodes_before, t.nodes_after)).collect();
    let h = run.graph;
    check_interface(&g, &h).map_err(|e| format!("seed {seed}: {e}"))?;
    let outcome = same_semantics(&g, &h, seed).map_err(|e| format!("seed {seed}: {e}\nbefore:\n{g}\nafter:\n{h}"))?;
    Ok((outcome, counts))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn cleanup_pipeline_preserves_semantics(seed in any::<u64>()) {
        if let Err(e) = check(seed) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// A fixed sweep, so that the property above is known to compare real outputs and the passes
/// are known to do work: most graphs run, and every node-removing pass of the pipeline
/// (dce, cse, chain_fold, cse, dce) removes nodes somewhere.
#[test]
fn sweep_compares_outputs_and_every_pass_works() {
    let n = 300u64;
    let mut compared = 0usize;
    let mut removed = vec![0usize; 6];
    for seed in 0..n {
        let (outcome, counts) = check(seed).unwrap_or_else(|e| panic!("{e}"));
        if matches!(outcome, Outcome::Same) {
            compared += 1;
        }
        for (r, (b, a)) in removed.iter_mut().zip(counts) {
            *r += b.saturating_sub(a);
        }
    }
    eprintln!("compared {compared}/{n}; nodes removed per pass (dce cse const_fold chain_fold cse dce): {removed:?}");
    assert!(
        compared * 10 >= n as usize * 6,
        "only {compared} of {n} graphs ran on the reference interpreter"
    );
    for i in [0, 1, 3, 4] {
        assert!(
            removed[i] > 0,
            "pass {i} of the pipeline removed nothing over {n} graphs: {removed:?}"
        );
    }
}

#[test]
fn symbolic_shapes_graft_and_run() {
    // A hand-made graph with symbolic dims through every grafted pattern kind.
    let mut g = Graph::new("sym");
    let x = g
        .add_input(
            "x",
            DType::F32,
            Shape(vec![Dim::sym("b", 4), Dim::Static(2), Dim::Static(3)]),
        )
        .unwrap();
    let mut rng = Rng::new(7);
    let mut outs = 0;
    for _ in 0..40 {
        if let Some(o) = graft(&mut g, &mut rng, x) {
            g.add_output(o).unwrap();
            outs += 1;
        }
    }
    assert!(outs > 10);
    let h = pipeline_for("wgsl").unwrap().run(&g, &ctx()).unwrap();
    assert!(h.nodes().len() < g.nodes().len());
    for seed in 0..4 {
        assert!(matches!(same_semantics(&g, &h, seed), Ok(Outcome::Same)));
    }
}
