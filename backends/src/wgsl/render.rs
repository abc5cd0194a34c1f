//! The WGSL renderer for kir: a verified [`Kernel`] as one complete WGSL compute module.
//!
//! What the module holds, in order:
//!
//! - `enable f16;` when any type in the kernel is `f16` (or `vec4<f16>`).
//! - `struct Params { .. }`: one `u32` field per parameter slot, in slot order, named after the
//!   dim in that slot (a slot no dim uses is `k_slotN`), so [`Launch::params`](crate::kir::Launch)
//!   uploads as it is; with no dims, one `k_unused` field keeps the struct legal.
//! - the bindings, in binding order: `@group(0) @binding(i) var<storage, read> x: array<f32>;`
//!   (or `read_write`), and the `uniform` one as `var<uniform> params: Params;` under its kir
//!   name. A dim reads as `params.seq` (a `u32`).
//! - `var<workgroup> NAME: array<T, LEN>;` per shared array; a length over dims is sized at its
//!   [upper bound](crate::kir::Extent::upper_bound), with a comment saying so.
//! - the math-library helpers the bodies call ([`crate::wgsl::helpers`]: `tanh`, `log`, `erf`,
//!   `sigmoid`, float `min`/`max` (NaN-propagating), `pow`, float-to-integer casts (NaN gives 0)
//!   and the f16/bf16 roundings are written as calls of them),
//! - the caller functions, then `@compute @workgroup_size(x, y, z) fn main(..)`, declaring only
//!   the built-ins the entry reads: `@builtin(global_invocation_id) global_id: vec3<u32>`,
//!   `local_invocation_id` as `local_id`, `workgroup_id`, `num_workgroups` and
//!   `local_invocation_index` as `local_index` (kir's own names, which kir reserves).
//!
//! Names are kir's, except those WGSL takes, which get a `k_` prefix ([`names`]). Bodies are
//! written by the `body` submodule.

mod body;
pub mod names;

use crate::kir::{BindingKind, Builtin, Expr, Kernel, Scalar, Type};
use body::BodyWriter;
use names::name;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A kernel the renderer cannot write: it does not verify, or breaks a rule WGSL has.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("kir kernel `{kernel}`: {message}")]
pub struct RenderError {
    /// The kernel's name.
    pub kernel: String,
    /// What is wrong.
    pub message: String,
}

impl RenderError {
    fn new(kernel: &str, message: impl Into<String>) -> Self {
        RenderError {
            kernel: kernel.to_string(),
            message: message.into(),
        }
    }
}

/// The WGSL module of `kernel` (entry point `main`).
pub fn render(kernel: &Kernel) -> Result<String, RenderError> {
    module(kernel, true, false)
}

/// The module of `kernel` without an entry point: its declarations, helpers and caller
/// functions, for a template's main loop (WGSL text with its own `main`) to follow. `enable f16;`
/// is written when the kernel uses `f16` or `f16` is set (the main loop uses it).
pub fn render_callers(kernel: &Kernel, f16: bool) -> Result<String, RenderError> {
    module(kernel, false, f16)
}

fn module(kernel: &Kernel, with_entry: bool, f16: bool) -> Result<String, RenderError> {
    let k = kernel;
    let uniform = k.bindings.find(|b| b.kind == BindingKind::Uniform).map(|(_, b)| b);
    let dims: Vec<&str> = k.dims.iter().map(|(_, d)| d.name.as_str()).collect();
    if uniform.is_none() && !dims.is_empty() {
        return Err(RenderError::new(
            &k.name,
            format!(
                "reads dims ({}) but has no `uniform` binding for the parameter buffer; add \
                 `binding N params: uniform`",
                dims.join(", ")
            ),
        ));
    }
    k.verify()
        .map_err(|e| RenderError::new(&k.name, format!("does not verify: {e}")))?;
    let params = uniform.map(|u| name(&u.name)).unwrap_or_default();

    // Bodies first: their types say whether f16 is used.
    let mut functions = Vec::new();
    let mut helpers = std::collections::BTreeSet::new();
    let mut f16 = f16;
    for (_, f) in k.functions.iter() {
        let mut w = BodyWriter::new(k, &f.body, &params)?;
        f16 |= w.types().any(is_f16) || f.ret.is_some_and(is_f16);
        let args: Vec<String> = f
            .args
            .iter()
            .map(|a| Ok(format!("{}: {}", w.local(*a)?, arg_ty(k, &f.body, *a)?)))
            .collect::<Result<_, RenderError>>()?;
        let ret = f.ret.map(|t| format!(" -> {t}")).unwrap_or_default();
        w.out = format!("fn {}({}){ret} {{\n", name(&f.name), args.join(", "));
        w.block(&f.body.block, 1)?;
        w.out.push_str("}\n");
        helpers.extend(w.helpers());
        functions.push(w.out);
    }
    let mut entry = BodyWriter::new(k, &k.entry, &params)?;
    f16 |= entry.types().any(is_f16);
    entry.block(&k.entry.block, 1)?;
    helpers.extend(entry.helpers());
    f16 |= k.bindings.iter().any(|(_, b)| match b.kind {
        BindingKind::Storage { elem, .. } => is_f16(elem),
        BindingKind::Uniform => false,
    });
    f16 |= k.shared.iter().any(|(_, s)| is_f16(s.elem));

    let mut out = String::new();
    let _ = writeln!(out, "// kir kernel `{}`, rendered to WGSL by edgecc.", k.name);
    if f16 {
        out.push_str("enable f16;\n");
    }
    out.push('\n');
    if uniform.is_some() {
        out.push_str(&params_struct(k));
        out.push('\n');
    }
    let mut bindings: Vec<_> = k.bindings.iter().map(|(_, b)| b).collect();
    bindings.sort_by_key(|b| b.index);
    for b in &bindings {
        let decl = match b.kind {
            BindingKind::Storage { elem, access } => {
                format!("var<storage, {}> {}: array<{elem}>", access.name(), name(&b.name))
            }
            BindingKind::Uniform => format!("var<uniform> {}: Params", name(&b.name)),
        };
        let _ = writeln!(out, "@group(0) @binding({}) {decl};", b.index);
    }
    if !k.shared.is_empty() {
        out.push('\n');
    }
    for (_, s) in k.shared.iter() {
        let len = s
            .len
            .upper_bound(&k.dims)
            .filter(|&n| n > 0 && n <= u64::from(u32::MAX))
            .ok_or_else(|| RenderError::new(&k.name, format!("shared `{}` has no length that fits u32", s.name)))?;
        if s.len.as_const().is_none() {
            let _ = writeln!(
                out,
                "// `{}` is `{}` long at run time: sized at its bound.",
                s.name,
                s.len.display(&k.dims)
            );
        }
        let _ = writeln!(out, "var<workgroup> {}: array<{}, {len}>;", name(&s.name), s.elem);
    }
    if !helpers.is_empty() {
        out.push('\n');
        out.push_str(&crate::wgsl::helpers::helper_text(&helpers));
    }
    for f in &functions {
        out.push('\n');
        out.push_str(f);
    }
    let [x, y, z] = k.workgroup_size;
    if with_entry {
        let _ = writeln!(out, "\n@compute @workgroup_size({x}, {y}, {z})");
        let _ = writeln!(out, "fn main({}) {{", entry_params(k).join(", "));
        out.push_str(&entry.out);
        out.push_str("}\n");
    }
    Ok(out)
}

fn is_f16(t: Type) -> bool {
    t.scalar() == Scalar::F16
}

fn arg_ty(k: &Kernel, body: &crate::kir::Body, a: crate::kir::Handle<crate::kir::Local>) -> Result<Type, RenderError> {
    body.locals
        .get(a)
        .map(|l| l.ty)
        .ok_or_else(|| RenderError::new(&k.name, "a parameter is out of range"))
}

/// `struct Params { .. }`: a `u32` per slot up to the highest one used.
fn params_struct(k: &Kernel) -> String {
    let slots: BTreeMap<u32, &str> = k
        .dims
        .iter()
        .filter_map(|(_, d)| d.decl.map(|decl| (decl.slot, d.name.as_str())))
        .collect();
    let mut out = String::from("struct Params {\n");
    match slots.keys().next_back() {
        None => out.push_str("  k_unused: u32,\n"),
        Some(&last) => {
            for s in 0..=last {
                let field = slots.get(&s).map_or_else(|| format!("k_slot{s}"), |d| name(d));
                let _ = writeln!(out, "  {field}: u32,");
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The entry point's parameters: the built-ins its body reads, in a fixed order.
fn entry_params(k: &Kernel) -> Vec<String> {
    let used = |base: &str| {
        k.entry
            .exprs
            .iter()
            .any(|(_, e)| matches!(e, Expr::Builtin(b) if b.base_name() == base))
    };
    let all = [
        (
            Builtin::GlobalId(crate::kir::Axis::X),
            "global_invocation_id",
            "vec3<u32>",
        ),
        (
            Builtin::LocalId(crate::kir::Axis::X),
            "local_invocation_id",
            "vec3<u32>",
        ),
        (Builtin::WorkgroupId(crate::kir::Axis::X), "workgroup_id", "vec3<u32>"),
        (
            Builtin::NumWorkgroups(crate::kir::Axis::X),
            "num_workgroups",
            "vec3<u32>",
        ),
        (Builtin::LocalIndex, "local_invocation_index", "u32"),
    ];
    all.iter()
        .filter(|(b, _, _)| used(b.base_name()))
        .map(|(b, wgsl, ty)| format!("@builtin({wgsl}) {}: {ty}", b.base_name()))
        .collect()
}

#[cfg(test)]
mod tests;
