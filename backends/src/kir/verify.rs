//! The verifier: what a kernel must satisfy before a backend renders it.
//!
//! Kernel level (here): names are identifiers, not reserved, and unique across dims, bindings,
//! shared arrays and functions; every dim used is declared, with a distinct parameter slot and a
//! `uniform` binding to hold it; binding numbers are distinct; storage elements are not `bool`;
//! shared-array lengths have an upper bound; the workgroup size is positive; a function's role
//! fits its signature (all but `store` return a value) and a value-returning function returns on
//! every path. Bodies (`verify_body`): scopes, types, calls, stores and
//! barriers. The first error found is returned.

use super::body::{Block, Body, Stmt};
use super::error::KirError;
use super::extent::Extent;
use super::kernel::Kernel;
use super::local::LocalKind;
use super::memory::BindingKind;
use super::names::check_name;
pub use super::names::{is_identifier, is_reserved};
use super::types::Scalar;
use super::verify_body::BodyCheck;
use std::collections::BTreeMap;

/// Checks `k`; the first error.
pub fn verify(k: &Kernel) -> Result<(), KirError> {
    let here = format!("kernel `{}`", k.name);
    check_name(&here, "the kernel's name", &k.name)?;
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let all = k.dims.iter().map(|(_, d)| ("dim", d.name.as_str()));
    let all = all.chain(k.bindings.iter().map(|(_, b)| ("binding", b.name.as_str())));
    let all = all.chain(k.shared.iter().map(|(_, s)| ("shared array", s.name.as_str())));
    let all = all.chain(k.functions.iter().map(|(_, f)| ("function", f.name.as_str())));
    for (what, name) in all {
        check_name(&here, what, name)?;
        if let Some(other) = names.insert(name, what) {
            return Err(KirError::invalid(
                &here,
                format!("`{name}` names both a {other} and a {what}; names are unique in a kernel"),
            ));
        }
    }
    check_bindings(k, &here)?;
    for (_, s) in k.shared.iter() {
        let at = format!("{here}, shared `{}`", s.name);
        check_extent(k, &at, &s.len)?;
        match s.len.upper_bound(&k.dims) {
            Some(n) if n > 0 => {}
            Some(_) => return Err(KirError::invalid(at, "the length is 0")),
            None => {
                return Err(KirError::invalid(
                    at,
                    "the length has no upper bound (it overflows u64)",
                ))
            }
        }
    }
    if k.workgroup_size.contains(&0) {
        return Err(KirError::invalid(&here, "the workgroup size is 0 in some axis"));
    }
    for (axis, e) in ["x", "y", "z"].iter().zip(&k.dispatch.workgroups) {
        check_extent(k, &format!("{here}, launch {axis}"), e)?;
    }
    for (h, f) in k.functions.iter() {
        let at = format!("{here}, fn `{}`", f.name);
        match (f.role.returns_value(), f.ret) {
            (true, None) => {
                return Err(KirError::invalid(
                    at,
                    format!("a {} function returns a value; give it `-> T`", f.role.name()),
                ))
            }
            (false, Some(_)) => return Err(KirError::invalid(at, "a store function returns nothing")),
            _ => {}
        }
        for (l, local) in f.body.locals.iter() {
            if (local.kind == LocalKind::Arg) != f.args.contains(&l) {
                return Err(KirError::invalid(
                    &at,
                    format!(
                        "local `{}` is a parameter in one place and not in the other",
                        local.name
                    ),
                ));
            }
        }
        BodyCheck::new(k, &f.body, at.clone(), f.ret, h.index(), false).run(&f.args)?;
        if f.ret.is_some() && !always_returns(&f.body.block) {
            return Err(KirError::invalid(at, "not every path ends in `return`"));
        }
    }
    check_entry(k, &k.entry, &here)?;
    check_dims(k, &here)
}

fn check_entry(k: &Kernel, entry: &Body, here: &str) -> Result<(), KirError> {
    let at = format!("{here}, entry");
    if let Some((_, l)) = entry.locals.find(|l| l.kind == LocalKind::Arg) {
        return Err(KirError::invalid(
            at,
            format!("`{}` is a parameter; entry has none", l.name),
        ));
    }
    BodyCheck::new(k, entry, at, None, k.functions.len(), true).run(&[])
}

fn check_bindings(k: &Kernel, here: &str) -> Result<(), KirError> {
    let mut numbers = BTreeMap::new();
    let mut uniform = None;
    for (_, b) in k.bindings.iter() {
        if let Some(other) = numbers.insert(b.index, &b.name) {
            return Err(KirError::invalid(
                here,
                format!("bindings `{other}` and `{}` are both number {}", b.name, b.index),
            ));
        }
        match b.kind {
            BindingKind::Storage { elem, .. } if elem.scalar() == Scalar::Bool => {
                return Err(KirError::invalid(
                    here,
                    format!("binding `{}` holds `{elem}`, which a buffer cannot (use u32)", b.name),
                ))
            }
            BindingKind::Uniform => {
                if let Some(other) = uniform.replace(&b.name) {
                    return Err(KirError::invalid(
                        here,
                        format!(
                            "bindings `{other}` and `{}` are both `uniform`; one holds every param",
                            b.name
                        ),
                    ));
                }
            }
            BindingKind::Storage { .. } => {}
        }
    }
    let reads_dims = k.dims.iter().any(|(_, d)| d.decl.is_some());
    if reads_dims && uniform.is_none() {
        return Err(KirError::invalid(
            here,
            "the kernel reads dims but has no `uniform` binding for their param slots",
        ));
    }
    Ok(())
}

/// Every dim is declared, within `u32`, in its own slot.
/// Param slots a kernel may use: a 64 KiB uniform buffer of u32s (the smallest maximum uniform
/// binding every device allows).
pub const MAX_PARAM_SLOTS: u32 = 16384;

fn check_dims(k: &Kernel, here: &str) -> Result<(), KirError> {
    let mut slots = BTreeMap::new();
    for (_, d) in k.dims.iter() {
        let Some(decl) = d.decl else {
            return Err(KirError::UnknownDim {
                at: format!("{here}, `dim {}`", d.name),
                dim: d.name.clone(),
            });
        };
        if decl.bound > u64::from(u32::MAX) {
            return Err(KirError::invalid(
                here,
                format!(
                    "dim `{}` has bound {}, over u32::MAX (params are u32)",
                    d.name, decl.bound
                ),
            ));
        }
        if decl.slot >= MAX_PARAM_SLOTS {
            return Err(KirError::invalid(
                here,
                format!(
                    "dim `{}` is in param slot {}; a parameter buffer has at most {MAX_PARAM_SLOTS} slots",
                    d.name, decl.slot
                ),
            ));
        }
        if let Some(other) = slots.insert(decl.slot, &d.name) {
            return Err(KirError::invalid(
                here,
                format!("dims `{other}` and `{}` are both in param slot {}", d.name, decl.slot),
            ));
        }
    }
    Ok(())
}

/// Every dim `e` uses is in the kernel and declared.
pub(crate) fn check_extent(k: &Kernel, at: &str, e: &Extent) -> Result<(), KirError> {
    for d in e.dims() {
        if k.dims.get(d).and_then(|d| d.decl).is_none() {
            return Err(KirError::UnknownDim {
                at: format!("{at}, `{}`", e.display(&k.dims)),
                dim: super::extent::dim_name(&k.dims, d),
            });
        }
    }
    Ok(())
}

/// Whether every path through `b` ends in a `return`.
fn always_returns(b: &Block) -> bool {
    b.iter().any(|s| match s {
        Stmt::Return(_) => true,
        Stmt::If { accept, reject, .. } => always_returns(accept) && always_returns(reject),
        _ => false,
    })
}

impl Kernel {
    /// Checks the kernel: see [`verify`].
    pub fn verify(&self) -> Result<(), KirError> {
        verify(self)
    }
}
