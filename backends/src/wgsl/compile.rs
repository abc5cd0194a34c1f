//! The WGSL code generator's driver: [`compile`] turns a kernel graph into a [`Program`].
//!
//! 1. Device buffers: every kernel-graph buffer with its device element ([`Elem`]) and static
//!    shape; activations and outputs placed in one arena by the memory plan (offsets aligned to
//!    the device's storage-offset alignment, sizes in device bytes).
//! 2. Each kernel is planned into stages ([`crate::lower::stages`]); each anchor stage is lowered
//!    by its template (`anchors.rs`), the remaining outputs by one-invocation-per-element
//!    dispatches built as kir ([`super::pointwise`]) and rendered by the kir renderer.
//! 3. Every shader is assembled (bindings, helpers, caller functions, template) and validated
//!    by naga; an invalid shader is an internal error naming the kernel.

use super::anchors;
use super::dispatch::{Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::pointwise::pointwise;
use super::program::{to_device_bytes, DeviceBuffer, Placement, Program, Role};
use super::types::{Elem, Precision};
use crate::lower::stages::plan_kernel;
use edgecc_autotune::{DeviceCaps, ScheduleSource};
use edgecc_ir::ValueId;
use edgecc_passes::{plan_with_sizes, BufferKind, Kernel, KernelGraph, PlanOptions};

/// Options of [`compile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub precision: Precision,
    /// Where each dispatch's schedule comes from: fixed per problem key, else the default the
    /// device capabilities give.
    pub schedules: ScheduleSource,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            precision: Precision::F32,
            schedules: ScheduleSource::defaults(),
        }
    }
}

/// Compiles `kg` (with static shapes) for a device with `caps`.
pub fn compile(kg: &KernelGraph, caps: &DeviceCaps, opts: &CompileOptions) -> Result<Program> {
    if opts.precision == Precision::F16 && !caps.shader_f16 {
        return Err(WgslError::Unsupported {
            kernel: kg.name.clone(),
            message: format!(
                "--precision f16 needs SHADER_F16, which device `{}` does not have",
                caps.name
            ),
        });
    }
    let prec = opts.precision;
    let mut buffers = Vec::with_capacity(kg.buffers.len());
    for b in &kg.buffers {
        let shape: Option<Vec<u64>> = b.shape.dims().iter().map(|d| d.as_static()).collect();
        let shape = shape.ok_or_else(|| WgslError::Unsupported {
            kernel: kg.name.clone(),
            message: format!(
                "buffer `{}` has symbolic shape {}; WGSL programs are compiled for concrete shapes",
                b.name, b.shape
            ),
        })?;
        let role = match b.kind {
            BufferKind::Input => Role::Input,
            BufferKind::Output => Role::Output,
            BufferKind::Weight => Role::Weight,
            BufferKind::Activation => Role::Activation,
        };
        buffers.push(DeviceBuffer {
            name: b.name.clone(),
            dtype: b.dtype,
            elem: Elem::of(b.dtype, prec),
            shape,
            dynamic: Vec::new(),
            role,
            placement: Placement::Own,
        });
    }
    // The arena.
    let align = (caps.storage_offset_alignment.max(4) as u64).next_power_of_two();
    let sizes: Vec<u64> = buffers.iter().map(|b| b.device_bytes()).collect();
    let plan = plan_with_sizes(
        kg,
        &PlanOptions {
            alignment: align,
            in_place: false,
        },
        &sizes,
    )
    .map_err(|e| WgslError::Internal(format!("memory plan: {e}")))?;
    for p in &plan.buffers {
        let b = &mut buffers[p.buffer.index()];
        if matches!(b.role, Role::Activation | Role::Output) {
            b.placement = Placement::Arena { offset: p.offset };
        }
    }
    // An output that is also an input or a weight keeps its own buffer.
    let mut cx = Ctx {
        caps,
        schedules: &opts.schedules,
        prec,
        buffers,
        dispatches: Vec::new(),
        shaders: Default::default(),
        kir_texts: Default::default(),
        uses_subgroups: false,
    };
    for k in &kg.kernels {
        lower_kernel(&mut cx, k)?;
    }
    // Weights in their device layout, converted once here (an i64 outside the i32 range is an
    // error naming the weight and the element).
    let weights = kg
        .weights
        .iter()
        .map(|w| {
            let i = w.buffer.index();
            let b = &cx.buffers[i];
            Ok((i, to_device_bytes(&w.data, b.elem, &format!("weight `{}`", b.name))?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Program {
        name: kg.name.clone(),
        precision: prec,
        inputs: kg.inputs.iter().map(|b| b.index()).collect(),
        outputs: kg.outputs.iter().map(|b| b.index()).collect(),
        weights,
        arena_bytes: plan.arena_bytes,
        // The WGSL compile driver binds every dim (programs over dynamic dims come with
        // `--dynamic`; the runtime already runs them).
        dims: Vec::new(),
        uses_f16: prec == Precision::F16,
        uses_subgroups: cx.uses_subgroups,
        buffers: cx.buffers,
        dispatches: cx.dispatches,
    })
}

fn lower_kernel(cx: &mut Ctx, k: &Kernel) -> Result<()> {
    let g = &k.body;
    let plan = plan_kernel(g, &k.fusion.attention);
    let mut kc = KernelCx {
        kernel: k,
        g,
        avail: g.inputs().iter().zip(&k.inputs).map(|(&v, b)| (v, b.index())).collect(),
        targets: g
            .outputs()
            .iter()
            .zip(&k.outputs)
            .map(|(&v, b)| (v, b.index()))
            .collect(),
        count: 0,
    };
    for &v in &plan.scratch {
        let shape = crate::lower::value::static_shape(g, v).ok_or_else(|| WgslError::Unsupported {
            kernel: k.name.clone(),
            message: format!("value `{}` has a symbolic shape", g.value(v).name),
        })?;
        let dtype = g.ty(v).dtype;
        cx.buffers.push(DeviceBuffer {
            name: format!("{}.{}", k.name, g.value(v).name),
            dtype,
            elem: Elem::of(dtype, cx.prec),
            shape,
            dynamic: Vec::new(),
            role: Role::Scratch,
            placement: Placement::Own,
        });
        kc.targets.insert(v, cx.buffers.len() - 1);
    }
    for stage in &plan.stages {
        anchors::lower_stage(cx, &mut kc, stage)?;
        for s in &stage.stores {
            if let Some(&b) = kc.targets.get(&s.target) {
                kc.avail.insert(s.target, b);
            }
        }
    }
    // Remaining outputs: one dispatch per distinct shape.
    let mut groups: Vec<(Vec<u64>, Vec<ValueId>)> = Vec::new();
    for (shape, vs) in plan.pointwise_groups(g) {
        let shape = shape.dims().iter().map(|d| d.as_static()).collect::<Option<Vec<u64>>>();
        let shape = shape.ok_or_else(|| WgslError::Unsupported {
            kernel: k.name.clone(),
            message: format!("value `{}` has a symbolic shape", g.value(vs[0]).name),
        })?;
        groups.push((shape, vs));
    }
    for (shape, vs) in groups {
        pointwise(cx, &mut kc, &shape, &vs)?;
    }
    Ok(())
}
