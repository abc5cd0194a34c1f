//! The WGSL runtime on hand-written programs: an activation in the arena feeding a second dispatch
//! with a weight, checked against the CPU with poison on and across runs; input checks (count,
//! shape, i64 range); device limits; outputs that are inputs or weights; profiling. An adapter
//! is required (lavapipe on machines without a GPU): no test passes without one.
#![cfg(feature = "wgsl")]

use edgecc_backends::wgsl::{
    Binding, DeviceBuffer, Dispatch, Elem, Gpu, Placement, Precision, Program, Role, Session, SessionOptions, WgslError,
};
use edgecc_ir::{DType, TensorData};
use std::sync::Arc;

fn gpu() -> Arc<Gpu> {
    Arc::new(Gpu::open(None).expect("no Vulkan adapter: install mesa-vulkan-drivers"))
}

/// Deterministic pseudo-random floats in [-2, 2), none of them zero.
fn random(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let v = ((s >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0;
            if v == 0.0 {
                0.125
            } else {
                v
            }
        })
        .collect()
}

fn buffer(name: &str, dtype: DType, elem: Elem, shape: Vec<u64>, role: Role, placement: Placement) -> DeviceBuffer {
    DeviceBuffer {
        name: name.into(),
        dtype,
        elem,
        shape,
        dynamic: Vec::new(),
        role,
        placement,
    }
}

fn dispatch(label: &str, wgsl: &str, bindings: &[(usize, bool)], workgroups: [u32; 3]) -> Dispatch {
    Dispatch {
        kernel: label.split('.').next().unwrap_or(label).to_string(),
        label: label.into(),
        wgsl: wgsl.into(),
        bindings: bindings
            .iter()
            .map(|&(buffer, writes)| Binding { buffer, writes })
            .collect(),
        workgroups,
        // Hand-written shaders: no lowered problem; the key says so.
        problem: edgecc_autotune::ProblemKey::parse("elementwise.handwritten").unwrap(),
        schedule: edgecc_autotune::Schedule::Elementwise { workgroup: 64 },
        kir: None,
        launch: None,
    }
}

fn round_up(n: u64, align: u64) -> u64 {
    n.div_ceil(align) * align
}

const N: usize = 1000;

/// x (input) -> k0: t = x * 2 + 1 (arena) -> k1: y = t * w + 0.5 (arena, after t).
fn two_step(gpu: &Gpu, w: &[f32]) -> Program {
    let bytes = (N * 4) as u64;
    let y_at = round_up(bytes, u64::from(gpu.caps.storage_offset_alignment));
    let k0 = "@group(0) @binding(0) var<storage, read_write> b0: array<f32>;\n\
              @group(0) @binding(1) var<storage, read_write> b1: array<f32>;\n\
              @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
                if (g.x < arrayLength(&b1)) { b1[g.x] = b0[g.x] * 2.0 + 1.0; }\n}\n";
    let k1 = "@group(0) @binding(0) var<storage, read_write> b0: array<f32>;\n\
              @group(0) @binding(1) var<storage, read_write> b1: array<f32>;\n\
              @group(0) @binding(2) var<storage, read_write> b2: array<f32>;\n\
              @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
                if (g.x < arrayLength(&b2)) { b2[g.x] = b0[g.x] * b1[g.x] + 0.5; }\n}\n";
    let groups = N.div_ceil(64) as u32;
    Program {
        name: "two_step".into(),
        precision: Precision::F32,
        buffers: vec![
            buffer("x", DType::F32, Elem::F32, vec![N as u64], Role::Input, Placement::Own),
            buffer("w", DType::F32, Elem::F32, vec![N as u64], Role::Weight, Placement::Own),
            buffer(
                "t",
                DType::F32,
                Elem::F32,
                vec![N as u64],
                Role::Activation,
                Placement::Arena { offset: 0 },
            ),
            buffer(
                "y",
                DType::F32,
                Elem::F32,
                vec![N as u64],
                Role::Output,
                Placement::Arena { offset: y_at },
            ),
        ],
        inputs: vec![0],
        outputs: vec![3],
        weights: vec![(1, w.iter().flat_map(|v| v.to_le_bytes()).collect())],
        arena_bytes: y_at + bytes,
        dispatches: vec![
            dispatch("k0_scale", k0, &[(0, false), (2, true)], [groups, 1, 1]),
            dispatch("k1_mul", k1, &[(2, false), (1, false), (3, true)], [groups, 1, 1]),
        ],
        dims: Vec::new(),
        uses_f16: false,
        uses_subgroups: false,
    }
}

fn f32_input(v: &[f32]) -> TensorData {
    TensorData::from_f32(DType::F32, vec![v.len()], v).unwrap()
}

#[test]
fn activation_and_weight_match_the_cpu_across_runs() {
    let gpu = gpu();
    let w = random(1, N);
    let program = two_step(&gpu, &w);
    let mut s = Session::new(
        gpu,
        &program,
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap();
    for seed in [2, 3, 4] {
        let x = random(seed, N);
        let out = s.run(&[f32_input(&x)]).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].dtype(), DType::F32);
        assert_eq!(out[0].shape(), &[N]);
        let y = out[0].to_f32_vec();
        for i in 0..N {
            let want = (x[i] * 2.0 + 1.0) * w[i] + 0.5;
            assert!(
                (y[i] - want).abs() <= 1e-5 * want.abs().max(1.0),
                "seed {seed}, y[{i}] = {}, want {want}",
                y[i]
            );
        }
    }
    assert!(s.last_profile().is_none());
    assert_eq!(s.program().name, "two_step");
    assert!(!s.gpu().adapter.name.is_empty());
}

#[test]
fn poison_shows_elements_a_kernel_does_not_write() {
    let gpu = gpu();
    let mut p = two_step(&gpu, &random(5, N));
    // k1 writes only the even elements of y.
    p.dispatches[1].wgsl = p.dispatches[1]
        .wgsl
        .replace("g.x < arrayLength(&b2)", "g.x < arrayLength(&b2) && g.x % 2u == 0u")
        .into();
    let mut s = Session::new(
        gpu.clone(),
        &p,
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap();
    for seed in [6, 7] {
        let y = s.run(&[f32_input(&random(seed, N))]).unwrap()[0].to_f32_vec();
        for (i, v) in y.iter().enumerate() {
            assert_eq!(v.is_nan(), i % 2 == 1, "y[{i}] = {v}");
        }
    }
    // Without poison the unwritten elements hold whatever was there (zeros of a fresh buffer).
    let mut s = Session::new(gpu, &p, SessionOptions::default()).unwrap();
    let y = s.run(&[f32_input(&random(8, N))]).unwrap()[0].to_f32_vec();
    assert!(y.iter().all(|v| !v.is_nan()));
}

/// ids (i64 input, i32 on the device) -> out = ids + 1 (i64 output in the arena).
fn int_program() -> Program {
    let k = "@group(0) @binding(0) var<storage, read_write> b0: array<i32>;\n\
             @group(0) @binding(1) var<storage, read_write> b1: array<i32>;\n\
             @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
               if (g.x < arrayLength(&b1)) { b1[g.x] = b0[g.x] + 1; }\n}\n";
    Program {
        name: "ints".into(),
        precision: Precision::F32,
        buffers: vec![
            buffer("ids", DType::I64, Elem::I32, vec![2, 3], Role::Input, Placement::Own),
            buffer(
                "out",
                DType::I64,
                Elem::I32,
                vec![2, 3],
                Role::Output,
                Placement::Arena { offset: 0 },
            ),
        ],
        inputs: vec![0],
        outputs: vec![1],
        weights: vec![],
        arena_bytes: 24,
        dispatches: vec![dispatch("k0_add", k, &[(0, false), (1, true)], [1, 1, 1])],
        dims: Vec::new(),
        uses_f16: false,
        uses_subgroups: false,
    }
}

#[test]
fn i64_inputs_are_narrowed_and_out_of_range_is_an_error() {
    let mut s = Session::new(
        gpu(),
        &int_program(),
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap();
    let ids = TensorData::from_i64(DType::I64, vec![2, 3], &[-7, 0, 5, 2147483646, -2147483648, 9]).unwrap();
    let out = s.run(&[ids]).unwrap();
    assert_eq!(
        out[0],
        TensorData::from_i64(DType::I64, vec![2, 3], &[-6, 1, 6, 2147483647, -2147483647, 10]).unwrap()
    );

    let big = TensorData::from_i64(DType::I64, vec![2, 3], &[1, 2, 3, 1 << 40, 5, 6]).unwrap();
    let e = s.run(&[big]).unwrap_err();
    assert!(matches!(e, WgslError::Range(_)), "{e}");
    assert!(e.to_string().contains("input `ids`: element 3 is 1099511627776"), "{e}");

    // The session still works after the error.
    let ids = TensorData::from_i64(DType::I64, vec![2, 3], &[1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(s.run(&[ids]).unwrap()[0].to_i64_vec(), vec![2, 3, 4, 5, 6, 7]);
}

#[test]
fn wrong_inputs_are_errors_naming_the_input() {
    let mut s = Session::new(gpu(), &int_program(), SessionOptions::default()).unwrap();
    let wrong_shape = TensorData::from_i64(DType::I64, vec![3, 2], &[1, 2, 3, 4, 5, 6]).unwrap();
    let e = s.run(&[wrong_shape]).unwrap_err();
    assert!(matches!(e, WgslError::Input(_)), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("input `ids`") && msg.contains("[2, 3]") && msg.contains("[3, 2]"),
        "{msg}"
    );

    let wrong_dtype = TensorData::from_i64(DType::I32, vec![2, 3], &[1, 2, 3, 4, 5, 6]).unwrap();
    let msg = s.run(&[wrong_dtype]).unwrap_err().to_string();
    assert!(
        msg.contains("input `ids`") && msg.contains("i64") && msg.contains("i32"),
        "{msg}"
    );

    let msg = s.run(&[]).unwrap_err().to_string();
    assert!(msg.contains("takes 1 input(s) (`ids`), got 0"), "{msg}");
}

#[test]
fn programs_beyond_the_device_limits_are_unsupported() {
    let gpu = gpu();
    let max = gpu.caps.max_storage_buffers_per_stage;
    assert!(max < 1 << 20, "unexpected binding limit {max}");
    let mut p = int_program();
    p.dispatches[0].bindings = (0..=max)
        .map(|k| Binding {
            buffer: (k % 2) as usize,
            writes: k % 2 == 1,
        })
        .collect();
    let e = Session::new(gpu.clone(), &p, SessionOptions::default()).unwrap_err();
    assert!(
        matches!(&e, WgslError::Unsupported { kernel, .. } if kernel == "k0_add"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains(&format!("needs {} storage buffer bindings", max + 1)),
        "{e}"
    );
    assert!(e.to_string().contains("max_storage_buffers_per_shader_stage"), "{e}");

    if gpu.caps.max_workgroups_per_dim < u32::MAX {
        let mut p = int_program();
        p.dispatches[0].workgroups = [1, gpu.caps.max_workgroups_per_dim + 1, 1];
        let e = Session::new(gpu.clone(), &p, SessionOptions::default()).unwrap_err();
        assert!(matches!(e, WgslError::Unsupported { .. }), "{e}");
        assert!(e.to_string().contains("workgroups along y"), "{e}");
    }

    if gpu.caps.storage_offset_alignment > 4 {
        let mut p = two_step(&gpu, &random(9, N));
        p.buffers[3].placement = Placement::Arena {
            offset: 4 * N as u64 + 4,
        };
        p.arena_bytes = 8 * N as u64 + 4;
        let e = Session::new(gpu.clone(), &p, SessionOptions::default()).unwrap_err();
        assert!(e.to_string().contains("min_storage_buffer_offset_alignment"), "{e}");
    }

    if !gpu.features.contains(wgpu::Features::SHADER_F16) {
        let mut p = int_program();
        p.uses_f16 = true;
        let e = Session::new(gpu.clone(), &p, SessionOptions::default()).unwrap_err();
        assert!(e.to_string().contains("SHADER_F16"), "{e}");
    }
}

#[test]
fn malformed_programs_are_internal_errors() {
    let gpu = gpu();
    let mut p = int_program();
    p.dispatches[0].bindings[1].buffer = 9;
    let e = Session::new(gpu.clone(), &p, SessionOptions::default()).unwrap_err();
    assert!(e.is_internal() && e.to_string().contains("names buffer 9"), "{e}");

    let mut p = int_program();
    p.arena_bytes = 8;
    let e = Session::new(gpu, &p, SessionOptions::default()).unwrap_err();
    assert!(e.is_internal() && e.to_string().contains("ends past the arena"), "{e}");
}

#[test]
fn outputs_may_be_inputs_or_weights() {
    let gpu = gpu();
    let w = random(10, N);
    let mut p = two_step(&gpu, &w);
    p.outputs = vec![3, 0, 1, 3];
    let mut s = Session::new(
        gpu,
        &p,
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap();
    let x = random(11, N);
    let out = s.run(&[f32_input(&x)]).unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(out[1].to_f32_vec(), x);
    assert_eq!(out[2].to_f32_vec(), w);
    assert_eq!(out[0], out[3]);
}

#[test]
fn profiling_times_every_dispatch() {
    let gpu = gpu();
    let p = two_step(&gpu, &random(12, N));
    let opts = SessionOptions {
        poison: true,
        profile: true,
    };
    if !gpu.caps.timestamps {
        let e = Session::new(gpu, &p, opts).unwrap_err();
        assert!(e.to_string().contains("timestamp"), "{e}");
        return;
    }
    let mut s = Session::new(gpu, &p, opts).unwrap();
    assert!(s.last_profile().is_none());
    let x = random(13, N);
    let y = s.run(&[f32_input(&x)]).unwrap()[0].to_f32_vec();
    let w = random(12, N);
    assert!((y[17] - ((x[17] * 2.0 + 1.0) * w[17] + 0.5)).abs() < 1e-4);
    for _ in 0..2 {
        let prof = s.last_profile().expect("a profile after a run");
        assert_eq!(prof.len(), 2);
        assert_eq!(prof[0].label, "k0_scale");
        assert_eq!(prof[1].label, "k1_mul");
        assert_eq!(prof[1].kernel, "k1_mul");
        assert!(prof.iter().all(|k| k.ns >= 0.0 && k.ns.is_finite()), "{prof:?}");
        s.run(&[f32_input(&x)]).unwrap();
    }
}

#[test]
fn a_program_without_dispatches_copies_inputs_through() {
    let p = Program {
        name: "identity".into(),
        precision: Precision::F32,
        buffers: vec![buffer("x", DType::F32, Elem::F32, vec![3], Role::Input, Placement::Own)],
        inputs: vec![0],
        outputs: vec![0],
        weights: vec![],
        arena_bytes: 0,
        dispatches: vec![],
        dims: Vec::new(),
        uses_f16: false,
        uses_subgroups: false,
    };
    let gpu = gpu();
    let profile = gpu.caps.timestamps;
    let mut s = Session::new(gpu, &p, SessionOptions { poison: true, profile }).unwrap();
    let x = [1.5f32, -2.0, 3.25];
    assert_eq!(s.run(&[f32_input(&x)]).unwrap()[0].to_f32_vec(), x);
    if profile {
        assert_eq!(s.last_profile().map(<[_]>::len), Some(0));
    }
}

/// 2100 dispatches in order (more than one query set of timestamps when profiling): the first
/// copies x into the arena, each later one adds 1 there in place.
#[test]
fn a_long_chain_of_dispatches_runs_in_order() {
    let copy = "@group(0) @binding(0) var<storage, read_write> b0: array<f32>;\n\
                @group(0) @binding(1) var<storage, read_write> b1: array<f32>;\n\
                @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
                  if (g.x < arrayLength(&b1)) { b1[g.x] = b0[g.x]; }\n}\n";
    let inc = "@group(0) @binding(0) var<storage, read_write> b0: array<f32>;\n\
               @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {\n\
                 if (g.x < arrayLength(&b0)) { b0[g.x] = b0[g.x] + 1.0; }\n}\n";
    const STEPS: usize = 2100;
    let mut dispatches = vec![dispatch("k0_copy", copy, &[(0, false), (1, true)], [2, 1, 1])];
    for i in 1..STEPS {
        dispatches.push(dispatch(&format!("k1_inc.{i}"), inc, &[(1, true)], [2, 1, 1]));
    }
    let p = Program {
        name: "chain".into(),
        precision: Precision::F32,
        buffers: vec![
            buffer("x", DType::F32, Elem::F32, vec![100], Role::Input, Placement::Own),
            buffer(
                "acc",
                DType::F32,
                Elem::F32,
                vec![100],
                Role::Output,
                Placement::Arena { offset: 0 },
            ),
        ],
        inputs: vec![0],
        outputs: vec![1],
        weights: vec![],
        arena_bytes: 400,
        dispatches,
        dims: Vec::new(),
        uses_f16: false,
        uses_subgroups: false,
    };
    let gpu = gpu();
    // One compute pass for all dispatches, and (profiling) one pass per dispatch.
    for profile in [false, gpu.caps.timestamps] {
        let mut s = Session::new(gpu.clone(), &p, SessionOptions { poison: true, profile }).unwrap();
        let x = random(14, 100);
        let y = s.run(&[f32_input(&x)]).unwrap()[0].to_f32_vec();
        for (a, b) in x.iter().zip(&y) {
            // The same f32 additions, in the same order, as on the device.
            let want = (1..STEPS).fold(*a, |acc, _| acc + 1.0);
            assert_eq!(*b, want);
        }
        if profile {
            let prof = s.last_profile().unwrap();
            assert_eq!(prof.len(), STEPS);
            assert_eq!(prof[STEPS - 1].label, format!("k1_inc.{}", STEPS - 1));
            assert_eq!(prof[STEPS - 1].kernel, "k1_inc");
            assert!(prof.iter().all(|k| k.ns >= 0.0 && k.ns.is_finite()));
            assert!(prof.iter().any(|k| k.ns > 0.0));
        }
    }
}

#[test]
fn sessions_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Session>();
}

#[test]
fn a_buffer_may_be_bound_twice_in_one_dispatch() {
    // In-place update: binding 0 and binding 1 are the same arena range.
    let mut p = int_program();
    p.dispatches.push(dispatch(
        "k1_inplace",
        &p.dispatches[0].wgsl.clone(),
        &[(1, false), (1, true)],
        [1, 1, 1],
    ));
    let mut s = Session::new(
        gpu(),
        &p,
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap();
    let ids = TensorData::from_i64(DType::I64, vec![2, 3], &[1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(s.run(&[ids]).unwrap()[0].to_i64_vec(), vec![3, 4, 5, 6, 7, 8]);
}

#[test]
fn device_validation_errors_are_errors_not_panics() {
    // The shader needs 64 bytes at binding 1; the buffer has 24.
    let mut p = int_program();
    p.dispatches[0].wgsl = "@group(0) @binding(0) var<storage, read_write> b0: array<i32>;\n\
                            @group(0) @binding(1) var<storage, read_write> b1: array<i32, 16>;\n\
                            @compute @workgroup_size(1) fn main() { b1[0] = b0[0]; }\n"
        .into();
    let result = Session::new(gpu(), &p, SessionOptions::default()).and_then(|mut s| {
        let ids = TensorData::from_i64(DType::I64, vec![2, 3], &[1, 2, 3, 4, 5, 6]).unwrap();
        s.run(&[ids])
    });
    let e = result.unwrap_err();
    assert!(matches!(e, WgslError::Device(_)), "{e}");
    assert!(e.to_string().contains("program `ints`"), "{e}");
}

/// A program over a dynamic dim `seq <= 64`: one pointwise kernel lowered by the value walk,
/// `y = sigmoid(transpose(reshape(x))) * 2 + reshape(b) + unsqueeze(m)` for `x: [seq, 6]`,
/// `m: [seq]`, buffers sized at the bound, the launch and the parameter buffer computed from
/// the inputs' shapes at each run. One session runs seq 1, 23 and 64 (and 23 again) against the
/// reference interpreter, with poison on; a size over the bound, two inputs disagreeing on seq
/// and a wrong static extent are errors naming the input and the dim.
#[test]
fn a_program_over_a_dynamic_dim_runs_at_every_size_up_to_its_bound() {
    use edgecc_backends::lower::pointwise::{pointwise_kernel, Pointwise};
    use edgecc_backends::lower::value::Source;
    use edgecc_backends::wgsl::{DynamicLaunch, ProgramDim};
    use edgecc_ir::{BinaryOp, Dim, Graph, Op, Shape, UnaryOp};

    let mut g = Graph::new("dyn");
    let seq = Dim::sym("seq", 64);
    let x = g
        .add_input("x", DType::F32, Shape(vec![seq.clone(), Dim::Static(6)]))
        .unwrap();
    let b = g.add_input("b", DType::F32, Shape::of(&[6])).unwrap();
    let m = g.add_input("m", DType::F32, Shape(vec![seq.clone()])).unwrap();
    let reshape = |shape: Vec<i64>| Op::Reshape {
        shape,
        allowzero: false,
    };
    let t = g.add_node(reshape(vec![0, 2, 3]), &[x]).unwrap()[0];
    let u = g.add_node(Op::Transpose { perm: vec![1, 0, 2] }, &[t]).unwrap()[0];
    let s = g.add_node(Op::Unary(UnaryOp::Sigmoid), &[u]).unwrap()[0];
    let two = g.add_const_value("two", TensorData::scalar(DType::F32, 2.0)).unwrap();
    let s2 = g.add_node(Op::Binary(BinaryOp::Mul), &[s, two]).unwrap()[0];
    let bb = g.add_node(reshape(vec![2, 1, 3]), &[b]).unwrap()[0];
    let mm = g.add_node(Op::Unsqueeze { axes: vec![0, 2] }, &[m]).unwrap()[0];
    let y0 = g.add_node(Op::Binary(BinaryOp::Add), &[s2, bb]).unwrap()[0];
    let y = g.add_node(Op::Binary(BinaryOp::Add), &[y0, mm]).unwrap()[0];
    g.add_output(y).unwrap();
    let yshape = g.ty(y).shape.clone();

    let src = |buffer: usize, shape: Shape| Source {
        buffer,
        elem: edgecc_backends::kir::Type::F32,
        shape,
    };
    let lowered = pointwise_kernel(&Pointwise {
        g: &g,
        prec: Precision::F32,
        kernel: "dyn",
        sources: vec![
            (x, src(0, g.ty(x).shape.clone())),
            (b, src(1, Shape::of(&[6]))),
            (m, src(2, g.ty(m).shape.clone())),
        ],
        stores: vec![(y, src(3, yshape.clone()))],
        shape: &yshape,
        workgroup: 64,
        max_workgroups_per_dim: 65535,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let k = &lowered.kernel;
    let wgsl = edgecc_backends::wgsl::render::render(k).unwrap();
    let at_bound = k.launch(&[64]).unwrap().workgroups;
    let writes = |buf: usize| buf == 3;
    let dyn_buffer = |name: &str, shape: Vec<u64>, role: Role, axis: usize| DeviceBuffer {
        dynamic: vec![(axis, 0)],
        ..buffer(name, DType::F32, Elem::F32, shape, role, Placement::Own)
    };
    let program = Program {
        name: "dyn".into(),
        precision: Precision::F32,
        buffers: vec![
            dyn_buffer("x", vec![64, 6], Role::Input, 0),
            buffer("b", DType::F32, Elem::F32, vec![6], Role::Input, Placement::Own),
            dyn_buffer("m", vec![64], Role::Input, 0),
            dyn_buffer("y", vec![2, 64, 3], Role::Output, 1),
        ],
        inputs: vec![0, 1, 2],
        outputs: vec![3],
        weights: vec![],
        arena_bytes: 0,
        dispatches: vec![Dispatch {
            launch: Some(DynamicLaunch {
                dims: k.dims.clone(),
                program_dims: vec![0],
                workgroups: k.dispatch.workgroups.clone(),
                when: None,
            }),
            ..dispatch(
                "k0_dyn",
                &wgsl,
                &lowered.buffers.iter().map(|&i| (i, writes(i))).collect::<Vec<_>>(),
                at_bound,
            )
        }],
        dims: vec![ProgramDim {
            name: "seq".into(),
            bound: 64,
        }],
        uses_f16: false,
        uses_subgroups: false,
    };
    let mut session = Session::new(
        gpu(),
        &program,
        SessionOptions {
            poison: true,
            profile: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let inputs = |n: usize, seed: u64| {
        vec![
            TensorData::from_f32(DType::F32, vec![n, 6], &random(seed, n * 6)).unwrap(),
            TensorData::from_f32(DType::F32, vec![6], &random(seed + 1, 6)).unwrap(),
            TensorData::from_f32(DType::F32, vec![n], &random(seed + 2, n)).unwrap(),
        ]
    };
    for (n, seed) in [(1usize, 20u64), (23, 21), (64, 22), (23, 23)] {
        let ins = inputs(n, seed);
        let want = edgecc_backends::reference::run::run(&g, &ins).unwrap();
        let got = session.run(&ins).unwrap_or_else(|e| panic!("seq={n}: {e}"));
        assert_eq!(got[0].shape(), &[2, n, 3], "seq={n}: the output has the run's shape");
        for (i, (a, w)) in got[0].to_f32_vec().iter().zip(want[0].to_f32_vec()).enumerate() {
            assert!(
                (a - w).abs() <= 1e-6 * (1.0 + w.abs()),
                "seq={n}: element {i} is {a}, want {w}"
            );
        }
    }
    let mut err = |ins: &[TensorData]| match session.run(ins) {
        Err(WgslError::Input(m)) => m,
        other => panic!("an input error, got {other:?}"),
    };
    let m = err(&inputs(65, 1));
    assert!(
        m.contains("`x`") && m.contains("`seq`") && m.contains("65") && m.contains("64"),
        "{m}"
    );
    let mut ins = inputs(5, 1);
    ins[2] = TensorData::from_f32(DType::F32, vec![7], &random(3, 7)).unwrap();
    let m = err(&ins);
    assert!(m.contains("`m`") && m.contains("`x`") && m.contains("`seq`"), "{m}");
    let mut ins = inputs(5, 1);
    ins[0] = TensorData::from_f32(DType::F32, vec![5, 4], &random(3, 20)).unwrap();
    let m = err(&ins);
    assert!(m.contains("`x`") && m.contains("[5, 6]"), "{m}");
    // Malformed: a dynamic axis naming no dim, or not sized at its bound; a launch over a dim
    // the program does not have.
    let mut bad = program.clone();
    bad.buffers[0].dynamic = vec![(0, 3)];
    let mut small = program.clone();
    small.buffers[3].shape = vec![2, 32, 3];
    let mut launch = program.clone();
    if let Some(l) = launch.dispatches[0].launch.as_mut() {
        l.program_dims = vec![1];
    }
    for p in [bad, small, launch] {
        match Session::new(gpu(), &p, SessionOptions::default()) {
            Err(WgslError::Internal(m)) => assert!(m.contains("dim"), "{m}"),
            other => panic!("an internal error, got {other:?}"),
        }
    }
}
