//! Pointwise dispatches as kir: one invocation per element of a shape, computing every value
//! of a group at that element through the value walk ([`crate::lower::value`]) and storing it;
//! the kernel is rendered by the kir WGSL renderer.
//!
//! Every storage binding is `read_write` (wgpu refuses read-only and writable ranges of the one
//! arena buffer in a dispatch), numbered by the walk in first-use order, so identical layers
//! render to identical text and share one pipeline.

use super::callers::{declare_bindings, source_of, walk};
use super::dispatch::{record, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::program::Binding;
use super::render::render;
use super::template::grid;
use crate::kir::{Axis, BinaryOp, Builtin, Expr, Kernel, KernelBuilder, Type};
use crate::lower::{ElementwiseProblem, Problem};
use edgecc_autotune::Schedule;
use edgecc_ir::ValueId;

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
    let (kernel, used) = build(cx, kc, shape, vs, wg, workgroups)?;
    let text = render(&kernel).map_err(|e| WgslError::Internal(format!("kernel `{}`: {e}", kc.kernel.name)))?;
    let targets: Vec<usize> = vs.iter().filter_map(|v| kc.targets.get(v)).copied().collect();
    let bindings = used
        .iter()
        .map(|&b| Binding {
            buffer: b,
            writes: targets.contains(&b),
        })
        .collect();
    record(cx, kc, &kernel, text, bindings, workgroups, false, chosen)?;
    for &v in vs {
        if let Some(&b) = kc.targets.get(&v) {
            kc.avail.insert(v, b);
        }
    }
    Ok(())
}

/// The kir kernel, and the buffers its bindings are (binding `j` is element `j`).
fn build(
    cx: &Ctx,
    kc: &KernelCx,
    shape: &[u64],
    vs: &[ValueId],
    wg: u32,
    workgroups: [u32; 3],
) -> Result<(Kernel, Vec<usize>)> {
    let mut kb = KernelBuilder::new("pointwise");
    let mut w = walk(cx, kc);
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
        let dst = source_of(cx, b);
        let x = w.value_at(v, &idx)?;
        stores.push((dst, x));
    }
    for (dst, x) in stores {
        w.store(&dst, &idx, x)?;
    }
    let used = w.used_buffers().to_vec();
    declare_bindings(cx, kc, &mut kb, &used)?;
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
