//! Schedules are an input to compilation: a schedule fixed for one problem key through
//! `CompileOptions::schedules` is the one that kernel is compiled with, it is recorded in the
//! binary (and survives a trip through the file format), the binary still computes what the
//! reference interpreter does, and a fixed schedule the device cannot run is refused naming the
//! kernel instead of being replaced by a default.

mod common;
mod model_data;

use common::{edgecc, ok, s, stderr, TempDir};
use edgecc::artifact::Artifact;
use edgecc_autotune::{ProblemKey, Schedule, ScheduleSource};

fn gpt2() -> edgecc::ir::Graph {
    edgecc::models::gpt2_block(&edgecc::models::TransformerConfig::tiny(), 3).unwrap()
}

fn compile(graph: &edgecc::ir::Graph, schedules: ScheduleSource) -> edgecc::Result<Artifact> {
    let target = edgecc::Target::profile("lavapipe").expect("target");
    let options = edgecc::CompileOptions {
        schedules,
        ..Default::default()
    };
    edgecc::compile(graph, &target, &options)
}

/// The GPT-2 block, its binary with the default schedules, and the first GEMM dispatch of that
/// binary (its problem key and default schedule).
fn gpt2_first_gemm() -> (edgecc::ir::Graph, Artifact, ProblemKey, Schedule) {
    let graph = gpt2();
    let default = compile(&graph, ScheduleSource::defaults()).unwrap();
    let d = default
        .program
        .dispatches
        .iter()
        .find(|d| d.problem.kind() == "gemm")
        .expect("the GPT-2 block has a GEMM dispatch");
    let (key, schedule) = (d.problem.clone(), d.schedule.clone());
    (graph, default, key, schedule)
}

/// A GEMM schedule that fits lavapipe and differs from `default`.
fn another_gemm_schedule(default: &Schedule) -> Schedule {
    let text = if default.to_string().starts_with("gemm tile=16x16x8 reg=2x2") {
        "gemm tile=32x32x8 reg=4x4 vec=1 stages=1"
    } else {
        "gemm tile=16x16x8 reg=2x2 vec=1 stages=1"
    };
    text.parse().unwrap()
}

#[test]
fn a_fixed_schedule_is_used_recorded_and_correct() {
    let (graph, default, key, default_schedule) = gpt2_first_gemm();
    let fixed = another_gemm_schedule(&default_schedule);
    assert_ne!(fixed, default_schedule);

    let mut source = ScheduleSource::defaults();
    source.fix(key.clone(), fixed.clone()).unwrap();
    let tuned = compile(&graph, source).unwrap();
    // Every dispatch of that problem has the fixed schedule; every other one its default.
    assert_eq!(tuned.program.dispatches.len(), default.program.dispatches.len());
    let mut seen = 0;
    for (t, d) in tuned.program.dispatches.iter().zip(&default.program.dispatches) {
        assert_eq!(t.problem, d.problem, "{}", t.label);
        if t.problem == key {
            assert_eq!(t.schedule, fixed, "{}", t.label);
            assert_ne!(t.wgsl, d.wgsl, "{}: the fixed schedule changed nothing", t.label);
            seen += 1;
        } else {
            assert_eq!(t.schedule, d.schedule, "{}", t.label);
        }
    }
    assert!(seen >= 1);

    // The binary records it, and reads it back.
    let back = Artifact::from_bytes(&tuned.to_bytes()).unwrap();
    let d = back.program.dispatches.iter().find(|d| d.problem == key).unwrap();
    assert_eq!(d.schedule, fixed);

    // It computes what the reference interpreter does, on random inputs, outputs poisoned.
    let device = edgecc::Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"));
    let runtime = edgecc::Runtime::new(device).with_options(edgecc::backends::wgsl::SessionOptions {
        poison: true,
        profile: false,
    });
    let inputs = edgecc::models::random_inputs(&graph, 5, &edgecc::models::sym_at_max).unwrap();
    let want = edgecc::run_reference(&graph, &inputs).unwrap();
    let got = runtime.load(&back).unwrap().run(&inputs).unwrap();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let err = model_data::max_abs_err(&format!("output {i}"), g, w).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            err < 1e-4,
            "output {i}: max abs error {err} with the fixed schedule {fixed}"
        );
    }
}

#[test]
fn a_fixed_schedule_that_does_not_fit_is_refused_naming_the_kernel() {
    let (graph, default, key, _) = gpt2_first_gemm();
    let label = &default
        .program
        .dispatches
        .iter()
        .find(|d| d.problem == key)
        .unwrap()
        .kernel;
    // 64x64 outputs, one per invocation: 4,096 invocations, over lavapipe's 1,024.
    let mut source = ScheduleSource::defaults();
    source
        .fix(key.clone(), "gemm tile=64x64x8 reg=1x1 vec=1 stages=1".parse().unwrap())
        .unwrap();
    let e = compile(&graph, source).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains(label.as_str()) && e.contains("4096"), "{e}");

    // A schedule of the wrong kind is refused by the source itself.
    let mut source = ScheduleSource::defaults();
    let e = source.fix(key, Schedule::Elementwise { workgroup: 64 }).unwrap_err();
    assert!(e.contains("takes a gemm schedule"), "{e}");
}

#[test]
fn the_cli_takes_schedules_and_inspect_lists_them() {
    let (graph, _, key, default_schedule) = gpt2_first_gemm();
    let fixed = another_gemm_schedule(&default_schedule);
    let dir = TempDir::new("cli");
    let model = dir.write("gpt2.eir", graph.to_string());
    let out = dir.join("gpt2.edgebin");
    let fix = format!("{key}={fixed}");
    let o = edgecc(&[
        "compile",
        s(&model),
        "--target",
        "lavapipe",
        "--schedule",
        &fix,
        "-o",
        s(&out),
    ]);
    ok(&o, "compile with --schedule");
    let text = ok(&edgecc(&["inspect", s(&out)]), "inspect the binary");
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("problem {key}, schedule {fixed}"))),
        "{text}"
    );
    // A key no kernel has, and a key given twice, exit 1 naming --schedule.
    let other = "gemm.f32.b1.m3.n5.k7.a=mk.b=kn=gemm tile=16x16x8 reg=2x2 vec=1 stages=1";
    for args in [vec![other], vec![fix.as_str(), fix.as_str()]] {
        let mut cmd = vec!["compile", s(&model), "--target", "lavapipe", "-o", s(&out)];
        for a in &args {
            cmd.extend(["--schedule", a]);
        }
        let o = edgecc(&cmd);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--schedule"), "{}", stderr(&o));
    }
    // A malformed --schedule exits 1 naming it.
    let o = edgecc(&[
        "compile",
        s(&model),
        "--target",
        "lavapipe",
        "--schedule",
        "gemm.f32.m1",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--schedule"), "{}", stderr(&o));
}
