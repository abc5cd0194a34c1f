//! Pointwise dispatches as kir: one invocation per element of a shape, computing every value
//! of a group at that element through the value walk ([`crate::lower::value`]) and storing it;
//! the kernel is rendered by the kir WGSL renderer.
//!
//! Every storage binding is `read_write` (wgpu refuses read-only and writable ranges of the one
//! arena buffer in a dispatch), numbered in first-use order, so identical layers render to
//! identical text and share one pipeline. The walk runs twice: once over every buffer the
//! kernel has, to find the ones it uses, then over those alone.

use super::dispatch::{record, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::program::Binding;
use super::render::render;
use super::template::grid;
use super::types::Elem;
use crate::kir::{Access, Axis, BinaryOp, Builtin, Expr, Kernel, KernelBuilder, Type};
use crate::lower::value::{Source, Walk};
use crate::lower::{ElementwiseProblem, Problem};
use edgecc_autotune::Schedule;
use edgecc_ir::ValueId;

/// The kir type of a device element.
fn elem_type(e: Elem) -> Type {
    match e {
        Elem::F32 => Type::F32,
        Elem::F16 => Type::F16,
        Elem::I32 => Type::I32,
        Elem::U32 => Type::U32,
    }
}

/// One dispatch computing and storing every value of `vs` at each element of `shape`.
pub(crate) fn pointwise(cx: &mut Ctx, kc: &mut KernelCx, shape: &[u64], vs: &[ValueId]) -> Result<()> {
    let n: u64 = shape.iter().product();
    if n == 0 {
        return Ok(());
    }
    let unsupported = |m: String| WgslError::Unsupported {
        kernel: kc.kernel.name.clone(),
        message: m,
    };
    if n > i32::MAX as u64 {
        return Err(unsupported(format!("{n} elements do not fit 32-bit indexing")));
    }
    let chosen = crate::lower::choose(
        cx.schedules,
        cx.caps,
        &Problem::Elementwise(ElementwiseProblem { numel: n }),
    )
    .map_err(unsupported)?;
    // `choose` checked the schedule against the problem: it is an elementwise one.
    let Schedule::Elementwise { workgroup: wg } = chosen.schedule else {
        return Err(WgslError::Internal(format!(
            "kernel `{}`: an elementwise dispatch got schedule `{}`",
            kc.kernel.name, chosen.schedule
        )));
    };
    let workgroups = grid(n.div_ceil(u64::from(wg)), cx.caps.max_workgroups_per_dim).map_err(unsupported)?;
    // Every buffer the kernel reads or writes, in a fixed order.
    let mut all: Vec<usize> = kc
        .avail
        .values()
        .chain(vs.iter().filter_map(|v| kc.targets.get(v)))
        .copied()
        .collect();
    all.sort_unstable();
    all.dedup();
    let (_, used) = build(cx, kc, shape, vs, &all, wg, workgroups)?;
    let (kernel, order) = build(cx, kc, shape, vs, &used, wg, workgroups)?;
    if order != used {
        return Err(WgslError::Internal(format!(
            "kernel `{}`: the pointwise walk used different buffers the second time",
            kc.kernel.name
        )));
    }
    let text = render(&kernel).map_err(|e| WgslError::Internal(format!("kernel `{}`: {e}", kc.kernel.name)))?;
    let targets: Vec<usize> = vs.iter().filter_map(|v| kc.targets.get(v)).copied().collect();
    let bindings = used
        .iter()
        .map(|&b| Binding {
            buffer: b,
            writes: targets.contains(&b),
        })
        .collect();
    record(cx, kc, text, bindings, workgroups, false, chosen)?;
    for &v in vs {
        if let Some(&b) = kc.targets.get(&v) {
            kc.avail.insert(v, b);
        }
    }
    Ok(())
}

/// The kir kernel over storage bindings for `buffers` (binding `j` is `buffers[j]`), and the
/// buffers its loads and stores used, in first-use order.
fn build(
    cx: &Ctx,
    kc: &KernelCx,
    shape: &[u64],
    vs: &[ValueId],
    buffers: &[usize],
    wg: u32,
    workgroups: [u32; 3],
) -> Result<(Kernel, Vec<usize>)> {
    let mut kb = KernelBuilder::new("pointwise");
    let handles: Vec<_> = buffers
        .iter()
        .enumerate()
        .map(|(j, &b)| {
            kb.storage(
                j as u32,
                format!("b{j}"),
                elem_type(cx.buffers[b].elem),
                Access::ReadWrite,
            )
        })
        .collect();
    let source = |b: usize| -> Option<Source> {
        let j = buffers.iter().position(|&x| x == b)?;
        Some(Source {
            binding: handles[j],
            elem: elem_type(cx.buffers[b].elem),
            shape: cx.buffers[b].shape.clone(),
        })
    };
    let mut w = Walk::new(kc.g, cx.prec, &kc.kernel.name, crate::kir::BodyBuilder::new());
    for (&v, &b) in &kc.avail {
        if let Some(src) = source(b) {
            w.add_source(v, src);
        }
    }
    // i = global_id.x + global_id.y * num_workgroups.x * wg, as i32; past the end: return.
    let gx = w.e(Expr::Builtin(Builtin::GlobalId(Axis::X)), Type::U32);
    let gy = w.e(Expr::Builtin(Builtin::GlobalId(Axis::Y)), Type::U32);
    let nx = w.e(Expr::Builtin(Builtin::NumWorkgroups(Axis::X)), Type::U32);
    let wgl = w.lit(Type::U32, f64::from(wg));
    let row = w.bin(BinaryOp::Mul, nx, wgl)?;
    let row = w.bin(BinaryOp::Mul, gy, row)?;
    let flat = w.bin(BinaryOp::Add, gx, row)?;
    let flat = w.cast_to(Type::I32, flat)?;
    let i = w.bind(flat)?;
    let total = w.ci(shape.iter().product::<u64>() as i64);
    let past = w.bin(BinaryOp::Ge, i, total)?;
    let saved = w.open();
    w.b.ret(None);
    let block = w.close(saved);
    w.b.push_if(past, block, Vec::new());
    let idx = w.delinearize(i, shape)?;
    let mut stores = Vec::new();
    for &v in vs {
        let b = *kc.targets.get(&v).ok_or_else(|| {
            WgslError::Internal(format!(
                "kernel `{}`: no buffer for stored value `{}`",
                kc.kernel.name,
                kc.g.value(v).name
            ))
        })?;
        let dst = source(b)
            .ok_or_else(|| WgslError::Internal(format!("kernel `{}`: no binding for a target", kc.kernel.name)))?;
        let x = w.value_at(v, &idx)?;
        stores.push((dst, x));
    }
    for (dst, x) in stores {
        w.store(&dst, &idx, x)?;
    }
    let used = w
        .used_bindings()
        .iter()
        .map(|h| {
            handles.iter().position(|x| x == h).map(|j| buffers[j]).ok_or_else(|| {
                WgslError::Internal(format!(
                    "kernel `{}`: the walk used a binding it was not given",
                    kc.kernel.name
                ))
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    kb.workgroup_size([wg, 1, 1]);
    kb.launch(workgroups.map(|g| u64::from(g).into()));
    kb.entry(w.b);
    let kernel = kb.finish().map_err(|e| {
        WgslError::Internal(format!(
            "kernel `{}`: the pointwise kir does not verify: {e}",
            kc.kernel.name
        ))
    })?;
    Ok((kernel, used))
}
