//! Memory planning: no two buffers live at the same time share a byte (all pairs checked),
//! offsets are aligned, in-place updates happen only where legal, symbolic dims are planned at
//! their bound — and running the kernels through the planned arena (`run_planned`) gives the
//! interpreter's results.

mod common;

use common::{compare, random_inputs};
use edgecc_backends::reference::{run, run_planned};
use edgecc_ir::random::{random_graph, RandomGraphOptions};
use edgecc_ir::{Builder, DType, Dim, Graph, Shape, UnaryOp};
use edgecc_passes::{fuse, plan, plan_with, BufferKind, KernelGraph, MemoryPlan, PlanOptions};

/// Checks every invariant of `p` for `kg`.
fn check_plan(kg: &KernelGraph, p: &MemoryPlan) {
    let arena: Vec<usize> = (0..kg.buffers.len())
        .filter(|&b| matches!(kg.buffers[b].kind, BufferKind::Activation | BufferKind::Output))
        .collect();
    assert_eq!(p.buffers.len(), arena.len(), "every activation and output is placed");
    for pl in &p.buffers {
        assert!(arena.contains(&pl.buffer.index()));
        assert_eq!(pl.offset % p.alignment, 0, "offset of `{}`", kg.buffer(pl.buffer).name);
        assert_eq!(pl.size, kg.buffer(pl.buffer).max_bytes());
        assert!(
            pl.offset + pl.reserved() <= p.arena_bytes,
            "`{}` ends past the arena",
            kg.buffer(pl.buffer).name
        );
        assert!(pl.first <= pl.last);
    }
    // Alias chains of in-place updates: `b` may share bytes with the input it overwrites.
    let aliases = |a: usize, b: usize| -> bool {
        let pa = &p.buffers[a];
        let pb = &p.buffers[b];
        pa.in_place_of == Some(pb.buffer) || pb.in_place_of == Some(pa.buffer)
    };
    for a in 0..p.buffers.len() {
        for b in a + 1..p.buffers.len() {
            let (pa, pb) = (&p.buffers[a], &p.buffers[b]);
            if !(pa.lifetimes_overlap(pb) && pa.bytes_overlap(pb)) {
                continue;
            }
            // Only a direct in-place pair may be live together over the same bytes, and only at
            // the kernel where the input dies and the output is born.
            assert!(
                aliases(a, b),
                "`{}` [{}, {}] @{}+{} and `{}` [{}, {}] @{}+{} overlap",
                kg.buffer(pa.buffer).name,
                pa.first,
                pa.last,
                pa.offset,
                pa.size,
                kg.buffer(pb.buffer).name,
                pb.first,
                pb.last,
                pb.offset,
                pb.size
            );
            let (input, output) = if pa.in_place_of == Some(pb.buffer) {
                (pb, pa)
            } else {
                (pa, pb)
            };
            assert_eq!(input.last, output.first);
            assert_eq!(input.offset, output.offset);
        }
    }
    for w in &p.weights {
        assert_eq!(kg.buffer(w.buffer).kind, BufferKind::Weight);
        assert_eq!(w.offset % p.alignment, 0);
    }
    for (i, a) in p.weights.iter().enumerate() {
        for b in &p.weights[i + 1..] {
            assert!(!a.bytes_overlap(b), "weights never share bytes");
        }
    }
}

/// Fuses and plans `g`, checks the plan, and runs the kernels through the arena.
fn planned(g: &Graph, opts: &PlanOptions) -> (KernelGraph, MemoryPlan) {
    let kg = fuse(g).unwrap_or_else(|e| panic!("{e}\n{g}"));
    let p = plan_with(&kg, opts).unwrap();
    check_plan(&kg, &p);
    let inputs = random_inputs(g, 11);
    if let Ok(want) = run(g, &inputs) {
        let got = run_planned(&kg, &p, &inputs).unwrap_or_else(|e| panic!("{e}\n{kg}"));
        compare(&want, &got).unwrap_or_else(|e| panic!("{e}\n{kg}\n{p:?}"));
    }
    (kg, p)
}

/// A chain of MatMuls with column softmaxes between them (neither an attention pattern nor a
/// MatMul prologue): every intermediate is materialized.
fn chain(len: usize) -> Graph {
    let mut b = Builder::new("chain");
    let mut x = b.input("x", DType::F32, Shape::of(&[16, 32])).unwrap();
    for i in 0..len {
        let w = b
            .const_f32(&format!("w{i}"), &[32, 32], &vec![0.01 * (i as f32 + 1.0); 32 * 32])
            .unwrap();
        let m = b.matmul(x, w).unwrap();
        x = b.softmax(m, 0).unwrap();
    }
    b.output(x).unwrap();
    b.finish().unwrap()
}

#[test]
fn buffers_live_together_never_share_bytes_and_memory_is_reused() {
    let (kg, p) = planned(&chain(8), &PlanOptions::default());
    assert_eq!(kg.kernels.len(), 16, "{kg}");
    // 15 activations and an output of 2 KiB each; two are live at once.
    let total: u64 = p.buffers.iter().map(|b| b.reserved()).sum();
    assert_eq!(total, 16 * 2048);
    assert_eq!(p.arena_bytes, 2 * 2048, "arena for {total} bytes");
}

#[test]
fn random_graphs_plan_without_overlap() {
    let opts = RandomGraphOptions {
        max_nodes: 24,
        ..Default::default()
    };
    for seed in 0..120 {
        let g = random_graph(seed, &opts);
        let o = if seed % 2 == 0 {
            PlanOptions::default()
        } else {
            PlanOptions {
                alignment: 64,
                in_place: seed % 4 == 1,
            }
        };
        planned(&g, &o);
    }
}

#[test]
fn alignment_is_respected_and_must_be_a_power_of_two() {
    for alignment in [1, 16, 256, 4096] {
        let (_, p) = planned(
            &chain(3),
            &PlanOptions {
                alignment,
                in_place: true,
            },
        );
        assert_eq!(p.alignment, alignment);
        assert!(p.buffers.iter().all(|b| b.offset % alignment == 0));
        assert_eq!(p.arena_bytes % alignment, 0);
    }
    let kg = fuse(&chain(1)).unwrap();
    for bad in [0, 3, 100] {
        let err = plan_with(
            &kg,
            &PlanOptions {
                alignment: bad,
                in_place: true,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("power of two"), "{err}");
    }
}

/// `softmax(x)ᵀ` then an elementwise kernel over it: the transposed buffer dies at the
/// elementwise kernel, same dtype and shape, so the result may overwrite it.
fn in_place_graph(keep_alive: bool) -> Graph {
    let mut b = Builder::new("inplace");
    let x = b.input("x", DType::F32, Shape::of(&[8, 8])).unwrap();
    let s = b.softmax(x, -1).unwrap();
    let t = b.transpose(s, &[1, 0]).unwrap();
    let e = b.exp(t).unwrap();
    let y = b.unary(UnaryOp::Neg, e).unwrap();
    b.output(y).unwrap();
    if keep_alive {
        let r = b.softmax(t, 0).unwrap();
        b.output(r).unwrap();
    }
    b.finish().unwrap()
}

#[test]
fn elementwise_kernels_update_in_place_only_where_legal() {
    let (kg, p) = planned(&in_place_graph(false), &PlanOptions::default());
    assert_eq!(kg.kernels.len(), 2, "{kg}");
    let out = p
        .buffers
        .iter()
        .find(|b| b.in_place_of.is_some())
        .expect("one in-place update");
    let input = p.placement(out.in_place_of.unwrap()).unwrap();
    assert_eq!(out.offset, input.offset);
    assert_eq!(kg.buffer(input.buffer).name, "transpose");
    assert_eq!(p.arena_bytes, 256, "the output reuses the transposed buffer");

    // Without in-place updates the two need separate bytes.
    let (_, p) = planned(
        &in_place_graph(false),
        &PlanOptions {
            in_place: false,
            ..Default::default()
        },
    );
    assert_eq!(p.in_place_count(), 0);
    assert_eq!(p.arena_bytes, 512);

    // The transposed buffer is still read after the elementwise kernel: no update in place.
    let (kg, p) = planned(&in_place_graph(true), &PlanOptions::default());
    assert_eq!(p.in_place_count(), 0, "{kg}");
}

#[test]
fn symbolic_dims_are_planned_at_their_bound() {
    let mut b = Builder::new("sym");
    let x = b
        .input("x", DType::F32, Shape(vec![Dim::sym("batch", 8), Dim::Static(16)]))
        .unwrap();
    let s = b.softmax(x, -1).unwrap();
    let t = b.transpose(s, &[1, 0]).unwrap();
    let y = b.exp(t).unwrap();
    b.output(y).unwrap();
    let (kg, p) = planned(&b.finish().unwrap(), &PlanOptions::default());
    let out = p.placement(kg.outputs[0]).unwrap();
    assert_eq!(out.size, 8 * 16 * 4);
    assert_eq!(p.placement(kg.inputs[0]), None, "inputs belong to the caller");
    // Planned once at the bound, the arena serves every smaller batch.
    let g = b_graph_with_batch(3);
    let inputs = random_inputs(&g, 1);
    let want = run(&g, &inputs).unwrap();
    compare(&want, &run_planned(&kg, &p, &inputs).unwrap()).unwrap();
}

fn b_graph_with_batch(n: usize) -> Graph {
    let mut b = Builder::new("sym_static");
    let x = b.input("x", DType::F32, Shape::of(&[n, 16])).unwrap();
    let s = b.softmax(x, -1).unwrap();
    let t = b.transpose(s, &[1, 0]).unwrap();
    let y = b.exp(t).unwrap();
    b.output(y).unwrap();
    b.finish().unwrap()
}

#[test]
fn weights_are_kept_apart() {
    let kg = fuse(&chain(2)).unwrap();
    let p = plan(&kg).unwrap();
    assert_eq!(p.weights.len(), 2);
    assert_eq!(p.weights_bytes, 2 * 32 * 32 * 4);
    assert!(p.buffers.iter().all(|b| kg.buffer(b.buffer).kind != BufferKind::Weight));
}
