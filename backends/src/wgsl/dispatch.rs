//! What the lowering of one kernel shares between the pointwise path (`pointwise.rs`) and the
//! anchor templates (`anchors.rs`, `callers.rs`): the program-wide state ([`Ctx`]), the kernel
//! being lowered ([`KernelCx`]), and [`record`], which validates and records one dispatch.

use super::error::Result;
use super::program::{Binding, DeviceBuffer, Dispatch};
use super::types::Precision;
use super::validate::validate;
use crate::lower::Chosen;
use edgecc_autotune::{DeviceCaps, ScheduleSource};
use edgecc_ir::{Graph, ValueId};
use edgecc_passes::Kernel;
use std::collections::HashMap;

/// Compilation state shared by the kernels of one program.
pub(crate) struct Ctx<'a> {
    pub caps: &'a DeviceCaps,
    pub schedules: &'a ScheduleSource,
    pub prec: Precision,
    /// The program's dynamic dims.
    pub dims: Vec<super::program::ProgramDim>,
    pub buffers: Vec<DeviceBuffer>,
    pub dispatches: Vec<Dispatch>,
    /// The distinct shader texts so far (dispatches with the same text share it).
    pub shaders: std::collections::HashSet<std::sync::Arc<str>>,
    /// The distinct kir texts so far, shared the same way.
    pub kir_texts: std::collections::HashSet<std::sync::Arc<str>>,
    pub uses_subgroups: bool,
}

/// One kernel being lowered: its body and where each body value is stored.
pub(crate) struct KernelCx<'k> {
    pub kernel: &'k Kernel,
    pub g: &'k Graph,
    /// Values readable from a buffer: body inputs, and values stored by earlier dispatches.
    pub avail: HashMap<ValueId, usize>,
    /// The buffer each store target goes to (kernel outputs and scratch).
    pub targets: HashMap<ValueId, usize>,
    /// Dispatches emitted so far for this kernel.
    pub count: usize,
}

/// The program dim of each kernel dim, by name (`dims[j]` is kir dim `j`'s IR name).
pub(crate) fn program_dims(cx: &Ctx, kc: &KernelCx, dims: &[String]) -> Result<Vec<usize>> {
    dims.iter()
        .map(|n| {
            cx.dims.iter().position(|p| &p.name == n).ok_or_else(|| {
                super::error::WgslError::Internal(format!("kernel `{}`: dim `{n}` is no program dim", kc.kernel.name))
            })
        })
        .collect()
}

/// Records one dispatch of `kc` with shader `text` (validated once per distinct text; identical
/// shaders, the layers of a transformer, share it), rendered from `kir`, labelled by the kernel
/// and its count; `workgroups` is its launch, at the bounds when `launch` sizes it at run time.
pub(crate) fn record(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    kir: &crate::kir::Kernel,
    text: String,
    bindings: Vec<Binding>,
    workgroups: [u32; 3],
    launch: Option<super::program::DynamicLaunch>,
    uses_subgroups: bool,
    chosen: Chosen,
) -> Result<()> {
    let label = if kc.count == 0 {
        kc.kernel.name.clone()
    } else {
        format!("{}.{}", kc.kernel.name, kc.count)
    };
    kc.count += 1;
    let wgsl: std::sync::Arc<str> = match cx.shaders.get(text.as_str()) {
        Some(w) => w.clone(),
        None => {
            validate(&label, &text, cx.caps)?;
            let w: std::sync::Arc<str> = text.into();
            cx.shaders.insert(w.clone());
            w
        }
    };
    let kir = crate::kir::print(kir);
    let kir: std::sync::Arc<str> = match cx.kir_texts.get(kir.as_str()) {
        Some(k) => k.clone(),
        None => {
            let k: std::sync::Arc<str> = kir.into();
            cx.kir_texts.insert(k.clone());
            k
        }
    };
    cx.uses_subgroups |= uses_subgroups;
    cx.dispatches.push(Dispatch {
        kernel: kc.kernel.name.clone(),
        label,
        wgsl,
        bindings,
        workgroups,
        problem: chosen.key,
        schedule: chosen.schedule,
        kir: Some(kir),
        launch,
    });
    Ok(())
}
