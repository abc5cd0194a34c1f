//! What the lowering of one kernel shares between the pointwise path (`pointwise.rs`) and the
//! anchor templates (`anchors.rs`): the program-wide state ([`Ctx`]), the kernel being lowered
//! ([`KernelCx`]), an emitter over the kernel's available values, the stores of an anchor's
//! results, [`finish`], which assembles a template's shader, and [`record`], which validates and
//! records one dispatch.

use super::error::{Result, WgslError};
use super::expr::{helper_text, Emitter, Source};
use super::index::delinearize;
use super::program::{Binding, DeviceBuffer, Dispatch};
use super::template::Emitted;
use super::types::Precision;
use super::validate::validate;
use crate::lower::stages::Store;
use crate::lower::Chosen;
use edgecc_autotune::{DeviceCaps, ScheduleSource};
use edgecc_ir::{Graph, ValueId};
use edgecc_passes::Kernel;
use std::collections::{BTreeSet, HashMap};

/// Compilation state shared by the kernels of one program.
pub(crate) struct Ctx<'a> {
    pub caps: &'a DeviceCaps,
    pub schedules: &'a ScheduleSource,
    pub prec: Precision,
    pub buffers: Vec<DeviceBuffer>,
    pub dispatches: Vec<Dispatch>,
    /// The distinct shader texts so far (dispatches with the same text share it).
    pub shaders: std::collections::HashSet<std::sync::Arc<str>>,
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

/// A fresh emitter for one dispatch of `kc`, with every available value as a source.
pub(crate) fn emitter<'k>(cx: &Ctx, kc: &KernelCx<'k>) -> Emitter<'k> {
    let mut em = Emitter::new(kc.g, cx.prec, &kc.kernel.name);
    for (&v, &b) in &kc.avail {
        em.add_source(v, source_of(cx, b));
    }
    em
}

/// The emitter's view of program buffer `b`.
pub(crate) fn source_of(cx: &Ctx, b: usize) -> Source {
    let buf = &cx.buffers[b];
    Source {
        var: format!("buf{b}"),
        elem: buf.elem,
        shape: buf.shape.clone(),
    }
}

/// Emits the stores of `stores` whose value is in `values` (all when `None`), for the element at
/// `idx` of the anchor's result.
pub(crate) fn emit_stores(
    cx: &Ctx,
    kc: &KernelCx,
    em: &mut Emitter,
    stores: &[Store],
    values: Option<&[ValueId]>,
    idx: &[String],
) -> Result<Vec<usize>> {
    let mut written = Vec::new();
    for s in stores {
        if values.is_some_and(|vs| !vs.contains(&s.value)) {
            continue;
        }
        let val = em.value_at(s.value, idx)?;
        let reg = em.reg(s.value);
        let mut cur = idx.to_vec();
        let mut cur_shape = em.shape(s.value)?;
        for &n in &s.chain {
            let node = kc.g.node(n);
            let out_shape = em.shape(node.outputs[0])?;
            cur = match &node.op {
                edgecc_ir::Op::Transpose { perm } => perm.iter().map(|&p| cur[p as usize].clone()).collect(),
                _ => {
                    let lin = super::index::linearize(&cur, &cur_shape);
                    let lv = em.fresh();
                    em.stmt(&format!("let {lv}: i32 = {lin};"));
                    delinearize(&lv, &out_shape)
                }
            };
            cur_shape = out_shape;
        }
        let b = *kc.targets.get(&s.target).ok_or_else(|| {
            WgslError::Internal(format!(
                "kernel `{}`: no buffer for stored value `{}`",
                kc.kernel.name,
                kc.g.value(s.target).name
            ))
        })?;
        let dst = source_of(cx, b);
        em.store(&dst, &cur, &val, reg);
        written.push(b);
    }
    Ok(written)
}

/// Assembles, validates and records one dispatch: `funcs` are the caller functions (and for
/// pointwise dispatches the whole entry point), `em` the emitter whose helpers they use.
pub(crate) fn finish(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    em: &Emitter,
    funcs: &str,
    emitted: &Emitted,
    writes: &[usize],
    chosen: Chosen,
) -> Result<()> {
    let body = format!("{}{funcs}{}", helper_text(&em.helpers), emitted.code);
    let mut head = String::new();
    if cx.prec == Precision::F16 {
        head.push_str("enable f16;\n\n");
    }
    let mut bindings = Vec::new();
    let used: BTreeSet<usize> = (0..cx.buffers.len())
        .filter(|b| body.contains(&format!("buf{b}[")) || body.contains(&format!("buf{b})")))
        .collect();
    // Bindings are named by slot (`b0`, `b1`, ...), not by program buffer, so identical kernels
    // (the layers of a transformer) produce identical shaders and share one pipeline.
    let mut body = body;
    for (j, &b) in used.iter().enumerate() {
        body = body
            .replace(&format!("buf{b}["), &format!("b{j}["))
            .replace(&format!("buf{b})"), &format!("b{j})"));
        head.push_str(&format!(
            "@group(0) @binding({j}) var<storage, read_write> b{j}: array<{}>;\n",
            cx.buffers[b].elem.wgsl()
        ));
        bindings.push(Binding {
            buffer: b,
            writes: writes.contains(&b),
        });
    }
    let text = format!("{head}\n{body}");
    record(
        cx,
        kc,
        text,
        bindings,
        emitted.workgroups,
        emitted.uses_subgroups,
        chosen,
    )
}

/// Records one dispatch of `kc` with shader `text` (validated once per distinct text; identical
/// shaders, the layers of a transformer, share it), labelled by the kernel and its count.
pub(crate) fn record(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    text: String,
    bindings: Vec<Binding>,
    workgroups: [u32; 3],
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
    cx.uses_subgroups |= uses_subgroups;
    cx.dispatches.push(Dispatch {
        kernel: kc.kernel.name.clone(),
        label,
        wgsl,
        bindings,
        workgroups,
        problem: chosen.key,
        schedule: chosen.schedule,
    });
    Ok(())
}
