//! Recording an anchor dispatch on WGSL: the caller functions ([`CallerSet`], kir from the
//! backend-neutral lowering) rendered by the kir WGSL renderer, then the template's main loop
//! (WGSL text that calls them by name), as one module with its bindings and launch.

use super::dispatch::{program_dims, record, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::program::{Binding, DynamicLaunch, LaunchRange};
use super::render::{names::name, render_callers};
use super::template::Emitted;
use super::types::{Elem, Precision};
use crate::kir::{Extent, Type};
use crate::lower::anchors::callers::PARAMS;
use crate::lower::anchors::CallerSet;
use crate::lower::pointwise::kir_dim_name;
use crate::lower::value::Source;
use crate::lower::Chosen;

/// The kir type of a device element.
pub(crate) fn elem_type(e: Elem) -> Type {
    match e {
        Elem::F32 => Type::F32,
        Elem::F16 => Type::F16,
        Elem::I32 => Type::I32,
        Elem::U32 => Type::U32,
    }
}

/// The walk's view of program buffer `b`.
pub(crate) fn source_of(cx: &Ctx, b: usize) -> Source {
    let buf = &cx.buffers[b];
    let mut dims: Vec<edgecc_ir::Dim> = buf.shape.iter().map(|&d| edgecc_ir::Dim::Static(d)).collect();
    for &(axis, d) in &buf.dynamic {
        if let (Some(x), Some(p)) = (dims.get_mut(axis), cx.dims.get(d)) {
            *x = edgecc_ir::Dim::sym(p.name.clone(), p.bound);
        }
    }
    Source {
        buffer: b,
        elem: elem_type(buf.elem),
        shape: edgecc_ir::Shape(dims),
    }
}

fn internal(kc: &KernelCx, msg: impl std::fmt::Display) -> WgslError {
    WgslError::Internal(format!("kernel `{}`: {msg}", kc.kernel.name))
}

/// `e` as a WGSL `u32` expression over the parameter buffer (kir dim `j`, called `dims[j]`, is
/// the field named by [`kir_dim_name`]), for a template's text.
pub(crate) fn extent_text(e: &Extent, dims: &[String]) -> String {
    match e {
        Extent::Const(n) => format!("{n}u"),
        Extent::Dim(h) => {
            let name = dims.get(h.index()).map_or("", |n| n.as_str());
            format!("{PARAMS}.{}", kir_dim_name(h.index(), name))
        }
        Extent::Add(a, b) => format!("({} + {})", extent_text(a, dims), extent_text(b, dims)),
        Extent::Mul(a, b) => format!("({} * {})", extent_text(a, dims), extent_text(b, dims)),
        Extent::FloorDiv(a, b) => format!("({} / {})", extent_text(a, dims), extent_text(b, dims)),
        Extent::Min(a, b) => format!("min({}, {})", extent_text(a, dims), extent_text(b, dims)),
    }
}

/// The module (bindings, helpers, the caller functions, then the template's `emitted` main
/// loop), recorded as one dispatch. Over dynamic dims, `launch` is its workgroup counts over
/// the kernel's dims (`emitted.workgroups` being the launch at the bounds), and the module
/// declares the dims and the parameter buffer. `launch` is `None` when the template's problem
/// is static: the caller functions may still read dynamic dims, as the strides of an operand
/// that is larger than what the problem reads of it (the first token of each sequence, say),
/// and the launch is the emitted one. `when` (kir dim, min, max) makes the dispatch one variant
/// of several: it runs only at sizes `min..=max` of the dim.
pub(crate) fn finish(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    callers: &CallerSet,
    emitted: &Emitted,
    chosen: Chosen,
    launch: Option<[Extent; 3]>,
    when: Option<(usize, u64, u64)>,
) -> Result<()> {
    let mut kb = callers.kernel.clone();
    kb.workgroup_size([emitted.threads, 1, 1]);
    let workgroups = launch.unwrap_or_else(|| emitted.workgroups.map(|g| u64::from(g).into()));
    kb.launch(workgroups.clone());
    let kernel = kb
        .finish()
        .map_err(|e| internal(kc, format_args!("the caller functions do not verify: {e}")))?;
    // The main loop calls the functions by their kir names.
    if let Some((_, f)) = kernel.functions.find(|f| name(&f.name) != f.name) {
        return Err(internal(
            kc,
            format_args!("caller function `{}` is renamed in WGSL", f.name),
        ));
    }
    let head = render_callers(&kernel, cx.prec == Precision::F16).map_err(|e| internal(kc, e))?;
    let text = format!("{head}\n{}", emitted.code);
    let bindings = callers
        .buffers
        .iter()
        .map(|&b| Binding {
            buffer: b,
            writes: callers.writes.contains(&b),
        })
        .collect();
    if let Some((dim, ..)) = when {
        if dim >= callers.dims.len() {
            return Err(internal(kc, format_args!("variant dim {dim} is not read")));
        }
    }
    let when = when.map(|(dim, min, max)| LaunchRange { dim, min, max });
    // Over dynamic dims the dispatch binds the parameter buffer, whether or not its workgroup
    // counts depend on them.
    let launch = match callers.dims.is_empty() {
        true => None,
        false => Some(DynamicLaunch {
            dims: kernel.dims.clone(),
            program_dims: program_dims(cx, kc, &callers.dims)?,
            workgroups,
            when,
        }),
    };
    record(
        cx,
        kc,
        &kernel,
        text,
        bindings,
        emitted.workgroups,
        launch,
        emitted.uses_subgroups,
        chosen,
    )
}
