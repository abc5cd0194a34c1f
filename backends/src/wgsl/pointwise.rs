//! Pointwise dispatches as kir: one invocation per element of a shape, computing every value
//! of a group at that element through the value walk ([`crate::lower::value`]) and storing it;
//! the kernel is rendered by the kir WGSL renderer.
//!
//! Every storage binding is `read_write` (wgpu refuses read-only and writable ranges of the one
//! arena buffer in a dispatch), numbered by the walk in first-use order, so identical layers
//! render to identical text and share one pipeline.

use super::callers::source_of;
use super::dispatch::{program_dims, record, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::program::{Binding, DynamicLaunch};
use super::render::render;
use crate::lower::pointwise::{pointwise_kernel, Lowered, Pointwise};
use crate::lower::{ElementwiseProblem, Problem};
use edgecc_autotune::Schedule;
use edgecc_ir::{Shape, ValueId};

/// One dispatch computing and storing every value of `vs` at each element of `shape`.
pub(crate) fn pointwise(cx: &mut Ctx, kc: &mut KernelCx, shape: &Shape, vs: &[ValueId]) -> Result<()> {
    // Sized at the bounds of its dynamic dims.
    let n: u64 = shape.dims().iter().map(|d| d.upper_bound()).product();
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
    let sources = kc.avail.iter().map(|(&v, &b)| (v, source_of(cx, b))).collect();
    let mut stores = Vec::with_capacity(vs.len());
    for &v in vs {
        let b = *kc.targets.get(&v).ok_or_else(|| {
            WgslError::Internal(format!(
                "kernel `{}`: no buffer for stored value `{}`",
                kc.kernel.name,
                kc.g.value(v).name
            ))
        })?;
        stores.push((v, source_of(cx, b)));
    }
    let Lowered {
        kernel,
        buffers: used,
        dims,
    } = pointwise_kernel(&Pointwise {
        g: kc.g,
        prec: cx.prec,
        kernel: &kc.kernel.name,
        sources,
        stores,
        shape,
        workgroup: wg,
        max_workgroups_per_dim: cx.caps.max_workgroups_per_dim,
    })?;
    let internal = |e: String| WgslError::Internal(format!("kernel `{}`: {e}", kc.kernel.name));
    // Over dynamic dims, the launch is sized at each run (`workgroups` holds it at the bounds),
    // each kernel dim being the program dim of its name.
    let bounds: Vec<u64> = kernel.dims.iter().map(|(_, d)| d.decl.map_or(0, |x| x.bound)).collect();
    let workgroups = kernel.launch(&bounds).map_err(|e| internal(e.to_string()))?.workgroups;
    let launch = if kernel.dims.is_empty() {
        None
    } else {
        Some(DynamicLaunch {
            dims: kernel.dims.clone(),
            program_dims: program_dims(cx, kc, &dims)?,
            workgroups: kernel.dispatch.workgroups.clone(),
            when: None,
        })
    };
    let text = render(&kernel).map_err(|e| WgslError::Internal(format!("kernel `{}`: {e}", kc.kernel.name)))?;
    let targets: Vec<usize> = vs.iter().filter_map(|v| kc.targets.get(v)).copied().collect();
    let bindings = used
        .iter()
        .map(|&b| Binding {
            buffer: b,
            writes: targets.contains(&b),
        })
        .collect();
    record(cx, kc, &kernel, text, bindings, workgroups, launch, false, chosen)?;
    for &v in vs {
        if let Some(&b) = kc.targets.get(&v) {
            kc.avail.insert(v, b);
        }
    }
    Ok(())
}
