//! The kir WGSL renderer on the device: kernels rendered once and run at several sizes of their
//! dynamic dims through one pipeline (the parameter buffer and the launch from
//! `Kernel::launch`), with seeded nonzero inputs and outputs poisoned with NaN first, checked
//! against the CPU. An adapter is required (lavapipe on machines without a GPU): no test passes
//! without one.
#![cfg(feature = "wgsl")]

mod wgsl_common;

use edgecc_backends::kir::{parse, Access, BindingKind, Kernel};
use edgecc_backends::wgsl::render::render;
use wgpu::util::DeviceExt;
use wgsl_common::{gpu, Rng};

/// A NaN bit pattern no kernel writes: what outputs hold before a run.
const POISON: u32 = 0x7fc0_dead;

fn filetest(name: &str) -> Kernel {
    let path = format!("{}/../tests/filetests/kir/{name}.kir", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bytes(v: &[f32]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

fn poisoned(n: usize) -> Vec<u8> {
    bytemuck::cast_slice(&vec![POISON; n]).to_vec()
}

fn floats(b: &[u8]) -> Vec<f32> {
    bytemuck::pod_collect_to_vec(b)
}

/// A kernel rendered once, its pipeline and bind group layout built from its bindings.
struct Compiled {
    kernel: Kernel,
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

fn compile(kernel: Kernel) -> Compiled {
    let g = gpu();
    let wgsl = render(&kernel).unwrap_or_else(|e| panic!("{e}"));
    let mut caps = g.caps.clone();
    caps.shader_f16 = wgsl.contains("enable f16;");
    edgecc_backends::wgsl::validate::validate(&kernel.name, &wgsl, &caps).unwrap_or_else(|e| panic!("{e}\n{wgsl}"));
    let scope = g.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = g.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(&kernel.name),
        source: wgpu::ShaderSource::Wgsl(wgsl.as_str().into()),
    });
    let entries: Vec<wgpu::BindGroupLayoutEntry> = kernel
        .bindings
        .iter()
        .map(|(_, b)| wgpu::BindGroupLayoutEntry {
            binding: b.index,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: match b.kind {
                    BindingKind::Storage { access, .. } => wgpu::BufferBindingType::Storage {
                        read_only: access == Access::Read,
                    },
                    BindingKind::Uniform => wgpu::BufferBindingType::Uniform,
                },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        })
        .collect();
    let layout = g.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(&kernel.name),
        entries: &entries,
    });
    let pipeline_layout = g.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(&kernel.name),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = g.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(&kernel.name),
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    if let Some(e) = pollster::block_on(scope.pop()) {
        panic!("{}: {e}\n{wgsl}", kernel.name);
    }
    Compiled {
        kernel,
        pipeline,
        layout,
    }
}

impl Compiled {
    /// Runs once with dim values `dims` (in dim order): `data[i]` is uploaded to the kernel's
    /// `i`-th storage binding (in arena order; the uniform one gets the launch's params), and
    /// every `read_write` binding is read back into its entry.
    fn run(&self, dims: &[u64], data: &mut [Vec<u8>]) {
        let g = gpu();
        let k = &self.kernel;
        let launch = k.launch(dims).unwrap_or_else(|e| panic!("{e}"));
        let scope = g.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut params: Vec<u32> = launch.params.clone();
        params.resize(params.len().max(1).next_multiple_of(4), 0);
        let mut storage = data.iter();
        let mut buffers = Vec::new();
        for (_, b) in k.bindings.iter() {
            let (contents, usage) = match b.kind {
                BindingKind::Storage { .. } => {
                    let mut d = storage.next().expect("data for every storage binding").clone();
                    d.resize(d.len().max(4).next_multiple_of(4), 0);
                    (d, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC)
                }
                BindingKind::Uniform => (bytemuck::cast_slice(&params).to_vec(), wgpu::BufferUsages::UNIFORM),
            };
            let buf = g.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&b.name),
                contents: &contents,
                usage,
            });
            buffers.push((b, buf));
        }
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .map(|(b, buf)| wgpu::BindGroupEntry {
                binding: b.index,
                resource: buf.as_entire_binding(),
            })
            .collect();
        let bind_group = g.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&k.name),
            layout: &self.layout,
            entries: &entries,
        });
        let mut enc = g.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            let [x, y, z] = launch.workgroups;
            pass.dispatch_workgroups(x, y, z);
        }
        let mut readbacks = Vec::new();
        for (i, (b, buf)) in buffers
            .iter()
            .filter(|(b, _)| !matches!(b.kind, BindingKind::Uniform))
            .enumerate()
        {
            if matches!(
                b.kind,
                BindingKind::Storage {
                    access: Access::ReadWrite,
                    ..
                }
            ) {
                let r = g.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&b.name),
                    size: buf.size(),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                enc.copy_buffer_to_buffer(buf, 0, &r, 0, buf.size());
                readbacks.push((i, r));
            }
        }
        g.queue.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            panic!("{}: {e}", k.name);
        }
        for (i, r) in readbacks {
            let slice = r.slice(..);
            slice.map_async(wgpu::MapMode::Read, |res| res.expect("mapping a readback buffer"));
            g.device.poll(wgpu::PollType::wait_indefinitely()).expect("device poll");
            let view = slice.get_mapped_range().expect("a mapped readback");
            let n = data[i].len();
            data[i].copy_from_slice(&view[..n]);
            drop(view);
            r.unmap();
        }
    }
}

fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: element {i} is {g} (bits {:#x}), want {w}",
            g.to_bits()
        );
    }
}

/// `y[i] = x[i] * 2 + b[i % 8]` for `i < seq * 8`, rendered once, run at seq 1, 37 and 512;
/// `y` has 64 elements more than the kernel may write, which must keep their poison.
#[test]
fn elementwise_over_a_dynamic_dim_one_render_three_sizes() {
    let k = filetest("elementwise_dynamic");
    let c = compile(k);
    let mut rng = Rng(0x5eed_0001);
    for seq in [1usize, 37, 512] {
        let n = seq * 8;
        let (x, b) = (rng.vec(n), rng.vec(8));
        let mut data = vec![bytes(&x), bytes(&b), poisoned(n + 64)];
        c.run(&[seq as u64], &mut data);
        let y = floats(&data[2]);
        let want: Vec<f32> = (0..n).map(|i| x[i] * 2.0 + b[i % 8]).collect();
        assert_close(&format!("seq={seq}"), &y[..n], &want, 1e-6);
        assert!(
            y[n..].iter().all(|v| v.to_bits() == POISON),
            "seq={seq}: wrote past seq * 8"
        );
    }
}

/// A per-row sum: one workgroup per row of a dynamic row count, a static row length of 200 (not
/// a multiple of the 64 invocations), partial sums halved through a shared array between
/// barriers.
const ROW_SUM: &str = "kernel row_sum_static {
  dim rows <= 1024 @param 0
  binding 0 x: array<f32> read
  binding 1 y: array<f32> read_write
  binding 2 params: uniform
  shared partial: array<f32, 64>
  workgroup_size 64 1 1
  launch rows, 1, 1
  entry {
    let row: u32 = workgroup_id.x
    let lid: u32 = local_id.x
    var acc: f32 = 0.0
    for c: u32 in lid .. 200 step 64 {
      acc = acc + x[row * 200 + c]
    }
    store partial[lid] = acc
    barrier
    for k: u32 in 0 .. 6 step 1 {
      let s: u32 = 32 >> k
      if lid < s {
        store partial[lid] = partial[lid] + partial[lid + s]
      }
      barrier
    }
    if lid == 0 {
      store y[row] = partial[0]
    }
  }
}
";

#[test]
fn row_sum_with_shared_memory_and_barriers_two_sizes() {
    let k = parse(ROW_SUM).unwrap_or_else(|e| panic!("{e}"));
    let c = compile(k);
    let mut rng = Rng(0x5eed_0002);
    for rows in [3usize, 777] {
        let x = rng.vec(rows * 200);
        let mut data = vec![bytes(&x), poisoned(rows + 16)];
        c.run(&[rows as u64], &mut data);
        let y = floats(&data[1]);
        let want: Vec<f32> = (0..rows).map(|r| x[r * 200..(r + 1) * 200].iter().sum()).collect();
        assert_close(&format!("rows={rows}"), &y[..rows], &want, 1e-4);
        assert!(
            y[rows..].iter().all(|v| v.to_bits() == POISON),
            "rows={rows}: extra rows"
        );
    }
}

/// The row sum of the filetests, with a dynamic row length too, at two shapes.
#[test]
fn row_sum_filetest_with_dynamic_columns() {
    let c = compile(filetest("row_reduce_shared"));
    let mut rng = Rng(0x5eed_0003);
    for (rows, cols) in [(2usize, 5usize), (65, 1000)] {
        let x = rng.vec(rows * cols);
        let mut data = vec![bytes(&x), poisoned(rows)];
        c.run(&[rows as u64, cols as u64], &mut data);
        let want: Vec<f32> = (0..rows).map(|r| x[r * cols..(r + 1) * cols].iter().sum()).collect();
        assert_close(&format!("{rows}x{cols}"), &floats(&data[1]), &want, 1e-4);
    }
}

/// The tiled GEMM of the filetests (operand-load, epilogue and store functions, two shared
/// tiles), `relu(A B + bias)` at two shapes that are not multiples of the tile.
#[test]
fn gemm_filetest_with_caller_functions() {
    let c = compile(filetest("gemm_tiled"));
    let mut rng = Rng(0x5eed_0004);
    for (m, n, k) in [(5usize, 37usize, 19usize), (33, 16, 40)] {
        let (a, b, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(n));
        let mut data = vec![bytes(&a), bytes(&b), bytes(&bias), poisoned(m * n)];
        c.run(&[m as u64, n as u64, k as u64], &mut data);
        let want: Vec<f32> = (0..m * n)
            .map(|i| {
                let (r, col) = (i / n, i % n);
                let dot: f32 = (0..k).map(|t| a[r * k + t] * b[t * n + col]).sum();
                (dot + bias[col]).max(0.0)
            })
            .collect();
        assert_close(&format!("{m}x{n}x{k}"), &floats(&data[3]), &want, 1e-4);
    }
}

/// Every kir name that renders to a WGSL helper, on random inputs with NaN, tiny, overflowing
/// and saturating values among them, against the host: erf and sigmoid to 1e-6, f16 and bf16
/// rounding and NaN-propagating min/max bit for bit, float pow to 1e-4 (Vulkan's pow), integer
/// pow exactly, float-to-integer casts saturating with NaN to 0.
#[test]
fn math_helpers_filetest_against_the_host() {
    let c = compile(filetest("math_helpers"));
    let mut rng = Rng(0x5eed_0005);
    let n = 300;
    let mut x: Vec<f32> = rng.vec(n).iter().map(|v| v * 3.0).collect();
    let mut z: Vec<f32> = rng.vec(n).iter().map(|v| v * 2.0).collect();
    // NaN, a subnormal-f16 product, an f16 overflow, a bf16 tie, tiny saturation inputs.
    x[0] = f32::NAN;
    x[1] = 1.7e-8;
    x[2] = 70.0;
    x[3] = f32::from_bits(0x3f80_8000);
    x[4] = -1e-12;
    z[4] = 1e-12;
    z[5] = f32::NAN;
    let mut data = vec![bytes(&x), bytes(&z), poisoned(n * 9)];
    c.run(&[n as u64], &mut data);
    let y = floats(&data[2]);
    let nan_max = |a: f32, b: f32, f: fn(f32, f32) -> f32| if a.is_nan() || b.is_nan() { f32::NAN } else { f(a, b) };
    let same = |what: &str, i: usize, g: f32, w: f32| {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{what} of element {i} (x {}, z {}): got {g} (bits {:#x}), want {w}",
            x[i],
            z[i],
            g.to_bits()
        );
    };
    let near = |what: &str, i: usize, g: f32, w: f64, tol: f64| {
        let ok = if w.is_nan() {
            g.is_nan()
        } else {
            (f64::from(g) - w).abs() <= tol * (1.0 + w.abs())
        };
        assert!(ok, "{what} of element {i} (x {}, z {}): got {g}, want {w}", x[i], z[i]);
    };
    for i in 0..n {
        let (a, b) = (x[i], z[i]);
        let o = &y[i * 9..i * 9 + 9];
        near(
            "erf",
            i,
            o[0],
            edgecc_backends::reference::elementwise::erf(f64::from(a)),
            1e-6,
        );
        near("sigmoid", i, o[1], 1.0 / (1.0 + (-f64::from(a)).exp()), 1e-6);
        same("round_f16", i, o[2], half::f16::from_f32(a * 1000.0).to_f32());
        same("round_bf16", i, o[3], half::bf16::from_f32(a).to_f32());
        same("max", i, o[4], nan_max(a, b, f32::max));
        same("min", i, o[5], nan_max(a, b, f32::min));
        if !a.is_nan() && !b.is_nan() {
            near("pow", i, o[6], f64::from(a.abs()).powf(f64::from(b)), 1e-4);
        }
        let k = if a.is_nan() { 0 } else { (a * 4.0) as i32 };
        same("integer pow", i, o[7], k.pow(3) as f32);
        // Rust's `as` saturates and takes NaN to 0, as kir's casts do (u32's top is the largest
        // f32 below 2^32).
        let u = ((a * 1e10) as u32).min(4_294_967_040) as f32;
        let s = ((b * 1e10) as i32).min(2_147_483_520) as f32;
        same("saturating casts", i, o[8], u + s);
    }
}

/// A pointwise group over a dynamic dim, lowered by the value walk (`lower::pointwise`), not
/// written by hand: `y = sigmoid(transpose(reshape(x))) * 2 + reshape(b)` for `x: [seq, 6]`,
/// `seq <= 64`, rendered once and run at seq 1, 23 and 64 against the reference interpreter. `y`
/// is poisoned past the end, which must stay untouched.
#[test]
fn walked_pointwise_kernel_over_a_dynamic_dim_three_sizes() {
    use edgecc_backends::lower::pointwise::{pointwise_kernel, Pointwise};
    use edgecc_backends::lower::value::Source;
    use edgecc_ir::{BinaryOp, DType, Dim, Graph, Op, Shape, TensorData, UnaryOp};

    let mut g = Graph::new("dyn");
    let seq = Dim::sym("seq", 64);
    let x = g
        .add_input("x", DType::F32, Shape(vec![seq.clone(), Dim::Static(6)]))
        .unwrap();
    let b = g.add_input("b", DType::F32, Shape::of(&[6])).unwrap();
    let t = g
        .add_node(
            Op::Reshape {
                shape: vec![0, 2, 3],
                allowzero: false,
            },
            &[x],
        )
        .unwrap()[0];
    let u = g.add_node(Op::Transpose { perm: vec![1, 0, 2] }, &[t]).unwrap()[0];
    let s = g.add_node(Op::Unary(UnaryOp::Sigmoid), &[u]).unwrap()[0];
    let two = g.add_const_value("two", TensorData::scalar(DType::F32, 2.0)).unwrap();
    let m = g.add_node(Op::Binary(BinaryOp::Mul), &[s, two]).unwrap()[0];
    let bb = g
        .add_node(
            Op::Reshape {
                shape: vec![2, 1, 3],
                allowzero: false,
            },
            &[b],
        )
        .unwrap()[0];
    let y = g.add_node(Op::Binary(BinaryOp::Add), &[m, bb]).unwrap()[0];
    g.add_output(y).unwrap();
    let yshape = g.ty(y).shape.clone();
    assert_eq!(yshape, Shape(vec![Dim::Static(2), seq, Dim::Static(3)]));

    let src = |buffer: usize, shape: Shape| Source {
        buffer,
        elem: edgecc_backends::kir::Type::F32,
        shape,
    };
    let lowered = pointwise_kernel(&Pointwise {
        g: &g,
        prec: edgecc_backends::Precision::F32,
        kernel: "dyn",
        sources: vec![(x, src(0, g.ty(x).shape.clone())), (b, src(1, Shape::of(&[6])))],
        stores: vec![(y, src(2, yshape.clone()))],
        shape: &yshape,
        workgroup: 64,
        max_workgroups_per_dim: 65535,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let k = &lowered.kernel;
    assert_eq!(k.dims.len(), 1, "one dim, seq");
    assert!(
        k.dispatch.workgroups[0].as_const().is_none(),
        "the launch is sized at run time"
    );
    // Binding j is buffer buffers[j]: put each buffer's data at its binding.
    let order = lowered.buffers.clone();
    let c = compile(lowered.kernel);
    let mut rng = Rng(0x5eed_0003);
    for n in [1usize, 23, 64] {
        let xs = rng.vec(n * 6);
        let bs = rng.vec(6);
        let want = edgecc_backends::reference::run::run(
            &g,
            &[
                TensorData::from_f32(DType::F32, vec![n, 6], &xs).unwrap(),
                TensorData::from_f32(DType::F32, vec![6], &bs).unwrap(),
            ],
        )
        .unwrap()[0]
            .to_f32_vec();
        let by_buffer = [bytes(&xs), bytes(&bs), poisoned(2 * 64 * 3)];
        let mut data: Vec<Vec<u8>> = order.iter().map(|&i| by_buffer[i].clone()).collect();
        c.run(&[n as u64], &mut data);
        let out = order.iter().position(|&i| i == 2).expect("y is bound");
        let got = floats(&data[out]);
        assert_close(&format!("seq={n}"), &got[..n * 6], &want, 1e-6);
        assert!(
            got[n * 6..].iter().all(|v| v.to_bits() == POISON),
            "seq={n}: wrote past 2 * seq * 3"
        );
    }
}
