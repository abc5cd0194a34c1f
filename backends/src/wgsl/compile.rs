//! The WGSL code generator's driver: [`compile`] turns a kernel graph into a [`Program`].
//!
//! 1. Device buffers: every kernel-graph buffer with its device element ([`Elem`]) and shape
//!    (a symbolic dim is a dynamic dim of the program, the buffer sized at its bound);
//!    activations and outputs placed in one arena by the memory plan (offsets aligned to the
//!    device's storage-offset alignment, sizes in device bytes at the bounds).
//! 2. Each kernel is planned into stages ([`crate::lower::stages`]); each anchor stage is lowered
//!    by the backend-neutral [`crate::lower::anchors`] and gets its template's main loop here
//!    (`anchors.rs`), the remaining outputs by one-invocation-per-element
//!    dispatches built as kir ([`super::pointwise`]) and rendered by the kir renderer.
//! 3. Every shader is assembled (bindings, helpers, caller functions, template) and validated
//!    by naga; an invalid shader is an internal error naming the kernel.

use super::anchors;
use super::dispatch::{Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::pointwise::pointwise;
use super::program::{to_device_bytes, DeviceBuffer, Placement, Program, ProgramDim, Role};
use super::types::{Elem, Precision};
use crate::lower::stages::plan_kernel;
use edgecc_autotune::{DeviceCaps, ScheduleSource};
use edgecc_ir::{Dim, Shape};
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

/// Compiles `kg` for a device with `caps`. Symbolic dims left in its shapes become the
/// program's dynamic dims (buffers sized at their bounds); of the dispatches, pointwise ones
/// take them so far, and an anchor over a dynamic shape is an error naming the value.
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
    let mut dims: Vec<ProgramDim> = Vec::new();
    let mut buffers = Vec::with_capacity(kg.buffers.len());
    for b in &kg.buffers {
        let (shape, dynamic) = device_shape(&b.shape, &mut dims).map_err(|m| WgslError::Unsupported {
            kernel: kg.name.clone(),
            message: format!("buffer `{}`: {m}", b.name),
        })?;
        let role = match b.kind {
            BufferKind::Input => Role::Input,
            BufferKind::Output => Role::Output,
            BufferKind::Weight => Role::Weight,
            BufferKind::Activation => Role::Activation,
        };
        if role == Role::Weight && !dynamic.is_empty() {
            return Err(WgslError::Unsupported {
                kernel: kg.name.clone(),
                message: format!("weight `{}` has a dynamic shape {}", b.name, b.shape),
            });
        }
        buffers.push(DeviceBuffer {
            name: b.name.clone(),
            dtype: b.dtype,
            elem: Elem::of(b.dtype, prec),
            shape,
            dynamic,
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
        dims,
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
        dims: cx.dims,
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
        let (shape, dynamic) = device_shape(&g.ty(v).shape, &mut cx.dims).map_err(|m| WgslError::Unsupported {
            kernel: k.name.clone(),
            message: format!("value `{}`: {m}", g.value(v).name),
        })?;
        let dtype = g.ty(v).dtype;
        cx.buffers.push(DeviceBuffer {
            name: format!("{}.{}", k.name, g.value(v).name),
            dtype,
            elem: Elem::of(dtype, cx.prec),
            shape,
            dynamic,
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
    for (shape, vs) in plan.pointwise_groups(g) {
        pointwise(cx, &mut kc, shape, &vs)?;
    }
    Ok(())
}

/// A buffer's dynamic axes: `(axis, program dim)`.
type DynamicAxes = Vec<(usize, usize)>;

/// A buffer's device shape (at the bounds of its dynamic dims) and its dynamic axes, each
/// naming its program dim (added to `dims` on first sight; one name, one bound).
fn device_shape(shape: &Shape, dims: &mut Vec<ProgramDim>) -> std::result::Result<(Vec<u64>, DynamicAxes), String> {
    let mut out = Vec::with_capacity(shape.rank());
    let mut dynamic = Vec::new();
    for (axis, d) in shape.dims().iter().enumerate() {
        match d {
            Dim::Static(n) => out.push(*n),
            Dim::Sym { name, max } => {
                let j = match dims.iter().position(|p| &p.name == name) {
                    Some(j) if dims[j].bound != *max => {
                        return Err(format!("dim `{name}` has two bounds ({} and {max})", dims[j].bound))
                    }
                    Some(j) => j,
                    None => {
                        dims.push(ProgramDim {
                            name: name.clone(),
                            bound: *max,
                        });
                        dims.len() - 1
                    }
                };
                out.push(*max);
                dynamic.push((axis, j));
            }
        }
    }
    Ok((out, dynamic))
}
