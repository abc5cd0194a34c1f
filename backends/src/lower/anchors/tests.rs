//! Anchor lowering without a backend: the caller functions, variants and launches of a GEMM,
//! and the dims attention refuses.

use super::*;
use crate::lower::stages::plan_kernel;
use crate::lower::value::Source;
use edgecc_ir::{DType, Dim, Shape};

fn caps() -> DeviceCaps {
    edgecc_autotune::profile("lavapipe").unwrap()
}

/// `a [rows, 32] x b [32, 16]` as one kernel body, and the anchor of its MatMul.
fn matmul(rows: Dim) -> (Graph, Stage) {
    let mut g = Graph::new("mm");
    let a = g
        .add_input("a", DType::F32, Shape(vec![rows, Dim::Static(32)]))
        .unwrap();
    let b = g
        .add_input("b", DType::F32, Shape(vec![Dim::Static(32), Dim::Static(16)]))
        .unwrap();
    let c = g.add_node(Op::MatMul, &[a, b]).unwrap()[0];
    g.add_output(c).unwrap();
    let mut plan = plan_kernel(&g, &[]);
    assert_eq!(plan.stages.len(), 1);
    let stage = plan.stages.remove(0);
    (g, stage)
}

fn lower(g: &Graph, stage: &Stage, schedules: &ScheduleSource) -> std::result::Result<AnchorKernel, LowerError> {
    let caps = caps();
    let source = |v: ValueId, buffer: usize| Source {
        buffer,
        elem: Type::F32,
        shape: g.ty(v).shape.clone(),
    };
    let (a, b, c) = (g.inputs()[0], g.inputs()[1], g.outputs()[0]);
    let cx = AnchorCx {
        g,
        prec: Precision::F32,
        kernel: "k0",
        sources: vec![(a, source(a, 0)), (b, source(b, 1))],
        targets: [(c, source(c, 2))].into_iter().collect(),
        caps: &caps,
        schedules,
    };
    lower_anchor(&cx, stage).map(|k| k.expect("the stage computes something"))
}

#[test]
fn a_dynamic_m_is_three_variants_over_one_set_of_functions() {
    let (g, stage) = matmul(Dim::sym("seq", 64));
    let k = lower(&g, &stage, &ScheduleSource::defaults()).unwrap();
    assert_eq!(k.callers.dims, ["seq"]);
    assert_eq!(k.callers.buffers, [0, 1, 2]);
    assert_eq!(k.callers.writes, [2]);
    let names: Vec<String> = k
        .callers
        .kernel
        .clone()
        .build()
        .functions
        .iter()
        .map(|(_, f)| f.name.clone())
        .collect();
    assert_eq!(names, ["load_a", "load_b", "store_c", "load_a4", "load_b4"]);
    let ranges: Vec<_> = k.variants.iter().map(|v| v.when).collect();
    assert_eq!(ranges, [Some((0, 0, 16)), Some((0, 17, 32)), Some((0, 33, 64))]);
    for (v, m) in k.variants.iter().zip(["m16.", "m32.", "m64."]) {
        assert!(v.chosen.key.as_str().contains(m), "{}", v.chosen.key.as_str());
        let Schedule::Gemm(s) = &v.chosen.schedule else {
            panic!("{}", v.chosen.schedule)
        };
        // Tiles of M along y at run time; N is static, so x is the template's count.
        let launch = k.template.launch(&v.chosen.schedule, &caps(), [1, 4, 1]).unwrap();
        assert_eq!(launch[0], Extent::from(1u64));
        let dims = k.callers.kernel.clone().build().dims;
        let at = |seq: u64| launch[1].eval(&dims, &[seq]).unwrap();
        assert_eq!(at(64), 64u64.div_ceil(u64::from(s.tile_m)));
        assert_eq!(at(1), 1);
        // The functions with a launch make a kernel that verifies.
        let mut kb = k.callers.kernel.clone();
        kb.workgroup_size([64, 1, 1]);
        kb.launch(launch);
        kb.finish().unwrap();
    }
}

#[test]
fn a_static_gemm_is_one_dispatch_with_the_templates_launch() {
    let (g, stage) = matmul(Dim::Static(20));
    let k = lower(&g, &stage, &ScheduleSource::defaults()).unwrap();
    assert!(k.callers.dims.is_empty());
    assert_eq!(k.variants.len(), 1);
    assert_eq!(k.variants[0].when, None);
    assert_eq!(k.variants[0].chosen.key.as_str(), "gemm.f32.b1.m20.n16.k32.a=mk.b=kn");
    assert!(k
        .template
        .launch(&k.variants[0].chosen.schedule, &caps(), [1, 2, 1])
        .is_none());
}

#[test]
fn a_fixed_schedule_that_does_not_fit_names_the_kernel() {
    let (g, stage) = matmul(Dim::Static(20));
    let mut schedules = ScheduleSource::defaults();
    schedules
        .fix_text("gemm.f32.b1.m20.n16.k32.a=mk.b=kn=gemm tile=256x256x64 reg=4x4 vec=4 stages=2")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = lower(&g, &stage, &schedules).err().expect("refused").to_string();
    assert!(
        err.starts_with("kernel `k0`:") && err.contains("gemm.f32.b1.m20.n16.k32") && err.contains("does not fit"),
        "{err}"
    );
}

#[test]
fn a_dynamic_batch_axis_is_launched_along_z_at_run_time() {
    // `a [batch, 3, 8, 8] x b [3, 8, 8]`: b broadcasts over the dynamic leading batch axis.
    let mut g = Graph::new("bmm");
    let a = g
        .add_input(
            "a",
            DType::F32,
            Shape(vec![
                Dim::sym("batch", 4),
                Dim::Static(3),
                Dim::Static(8),
                Dim::Static(8),
            ]),
        )
        .unwrap();
    let b = g
        .add_input(
            "b",
            DType::F32,
            Shape(vec![Dim::Static(3), Dim::Static(8), Dim::Static(8)]),
        )
        .unwrap();
    let c = g.add_node(Op::MatMul, &[a, b]).unwrap()[0];
    g.add_output(c).unwrap();
    let mut plan = plan_kernel(&g, &[]);
    let stage = plan.stages.remove(0);
    let k = lower(&g, &stage, &ScheduleSource::defaults()).unwrap();
    assert_eq!(k.callers.dims, ["batch"]);
    // One dispatch, keyed at the bound (4 x 3 products); no variants over the batch.
    assert_eq!(k.variants.len(), 1);
    assert_eq!(k.variants[0].when, None);
    assert_eq!(k.variants[0].chosen.key.as_str(), "gemm.f32.b12.m8.n8.k8.a=mk.b=kn");
    let launch = k
        .template
        .launch(&k.variants[0].chosen.schedule, &caps(), [1, 1, 12])
        .expect("a launch over the batch");
    let dims = k.callers.kernel.clone().build().dims;
    let at = |i: usize, batch: u64| launch[i].eval(&dims, &[batch]).unwrap();
    assert_eq!((at(0, 2), at(1, 2), at(2, 2)), (1, 1, 6));
    assert_eq!(at(2, 1), 3);
    let mut kb = k.callers.kernel.clone();
    kb.workgroup_size([64, 1, 1]);
    kb.launch(launch);
    kb.finish().unwrap();
}

#[test]
fn a_dynamic_channel_axis_of_attention_is_refused_naming_the_kernel() {
    let mut g = Graph::new("attn");
    let shape = || Shape(vec![Dim::Static(2), Dim::Static(5), Dim::sym("d", 16)]);
    let q = g.add_input("q", DType::F32, shape()).unwrap();
    let k = g.add_input("k", DType::F32, shape()).unwrap();
    let v = g.add_input("v", DType::F32, shape()).unwrap();
    let o = g
        .add_node(
            Op::Attention {
                scale: None,
                causal: false,
            },
            &[q, k, v],
        )
        .unwrap()[0];
    g.add_output(o).unwrap();
    let mut plan = plan_kernel(&g, &[]);
    let stage = plan.stages.remove(0);
    let caps = caps();
    let source = |v: ValueId, buffer: usize| Source {
        buffer,
        elem: Type::F32,
        shape: g.ty(v).shape.clone(),
    };
    let schedules = ScheduleSource::defaults();
    let cx = AnchorCx {
        g: &g,
        prec: Precision::F32,
        kernel: "k0",
        sources: vec![(q, source(q, 0)), (k, source(k, 1)), (v, source(v, 2))],
        targets: [(o, source(o, 3))].into_iter().collect(),
        caps: &caps,
        schedules: &schedules,
    };
    let err = lower_anchor(&cx, &stage).err().expect("refused").to_string();
    assert!(err.contains("kernel `k0`") && err.contains("not the channels"), "{err}");
}
