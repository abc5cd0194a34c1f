//! Pointwise kernels, for every backend: one invocation per element of a shape, computing each
//! value of a group at that element through the value walk ([`super::value`]) and storing it.
//!
//! The shape may have dynamic dims (`seq<=512`): the kernel then declares them (kir dim `j` in
//! parameter slot `j`, in the order the walk first read them), reads their values from a
//! `uniform` binding `params` after the storage bindings, bounds its flat index by the run-time
//! element count, and sizes its launch by extent expressions, so one kernel runs at every size up
//! to the bounds. A static shape gives literal extents and a constant launch.
//!
//! Storage bindings are `b0`, `b1`, ... in first-use order (binding `j` is
//! [`Lowered::buffers`]`[j]`), all `read_write`; the launch is at most `max_workgroups_per_dim`
//! along x, the rest folded into y (the flat index is `global_id.x + global_id.y *
//! num_workgroups.x * workgroup`).

use super::error::LowerError;
use super::value::{Source, Walk};
use crate::kir::{Access, Axis, BinaryOp, Builtin, Expr, Extent, Handle, Kernel, KernelBuilder, Type};
use crate::precision::Precision;
use edgecc_ir::{Dim as IrDim, Graph, Shape, ValueId};

/// What one pointwise kernel computes.
pub struct Pointwise<'a> {
    /// The kernel body the values belong to.
    pub g: &'a Graph,
    /// The float precision registers compute in.
    pub prec: Precision,
    /// The graph kernel's name, for errors.
    pub kernel: &'a str,
    /// Where the values the walk may read are stored.
    pub sources: Vec<(ValueId, Source)>,
    /// The values computed, in order, each with where it is stored.
    pub stores: Vec<(ValueId, Source)>,
    /// Their shape: one invocation per element.
    pub shape: &'a Shape,
    /// Invocations per workgroup.
    pub workgroup: u32,
    /// The device's workgroups per launch dimension.
    pub max_workgroups_per_dim: u32,
}

/// A lowered pointwise kernel.
#[derive(Debug)]
pub struct Lowered {
    /// The kernel (entry point only), verified.
    pub kernel: Kernel,
    /// The caller's buffers its storage bindings are: binding `j` is `buffers[j]`.
    pub buffers: Vec<usize>,
    /// The IR name of each kernel dim (kir dim `j` is `dims[j]`, named `d{j}_NAME` in kir with
    /// the name's other characters as `_`, so that any dim name makes a kir name).
    pub dims: Vec<String>,
}

/// The kir name of dim `j` called `name` (`d{j}_NAME`, other characters of the name as `_`).
pub fn kir_dim_name(j: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    format!("d{j}_{clean}")
}

/// The pointwise kernel for `p`.
pub fn pointwise_kernel(p: &Pointwise) -> Result<Lowered, LowerError> {
    let unsupported = |message: String| LowerError::Unsupported {
        kernel: p.kernel.to_string(),
        message,
    };
    let internal = |message: String| LowerError::Internal {
        kernel: p.kernel.to_string(),
        message,
    };
    let bound: u64 = p.shape.dims().iter().map(|d| d.upper_bound()).product();
    let (wg, max) = (u64::from(p.workgroup.max(1)), u64::from(p.max_workgroups_per_dim));
    // The flat index is an i32: the invocations past the end of the last row of the launch
    // (fewer than `max * wg`) must not wrap it.
    if bound.saturating_add(max.saturating_mul(wg)) > i32::MAX as u64 {
        return Err(unsupported(format!("{bound} elements do not fit 32-bit indexing")));
    }
    if max == 0 {
        return Err(unsupported("the device allows no workgroups per dimension".into()));
    }
    let mut w = Walk::new(p.g, p.prec, p.kernel, crate::kir::BodyBuilder::new());
    for (v, src) in &p.sources {
        w.add_source(*v, src.clone());
    }
    // i = global_id.x + global_id.y * num_workgroups.x * wg, as i32; past the end: return.
    let gx = w.e(Expr::Builtin(Builtin::GlobalId(Axis::X)), Type::U32);
    let gy = w.e(Expr::Builtin(Builtin::GlobalId(Axis::Y)), Type::U32);
    let nx = w.e(Expr::Builtin(Builtin::NumWorkgroups(Axis::X)), Type::U32);
    let wgl = w.lit(Type::U32, wg as f64);
    let row = w.bin(BinaryOp::Mul, nx, wgl)?;
    let row = w.bin(BinaryOp::Mul, gy, row)?;
    let flat = w.bin(BinaryOp::Add, gx, row)?;
    let flat = w.cast_to(Type::I32, flat)?;
    let i = w.bind(flat)?;
    let sizes = w.extents(p.shape)?;
    let mut total = w.ci(1);
    for &d in &sizes {
        total = w.ix_mul_ex(total, d)?;
    }
    let past = w.bin(BinaryOp::Ge, i, total)?;
    let saved = w.open();
    w.b.ret(None);
    let block = w.close(saved);
    w.b.push_if(past, block, Vec::new());
    let idx = w.delinearize_ex(i, &sizes)?;
    let mut values = Vec::with_capacity(p.stores.len());
    for (v, _) in &p.stores {
        values.push(w.value_at(*v, &idx)?);
    }
    for ((_, dst), x) in p.stores.iter().zip(values) {
        w.store(dst, &idx, x)?;
    }

    let mut kb = KernelBuilder::new("pointwise");
    let dims: Vec<_> = w
        .used_dims()
        .iter()
        .enumerate()
        .map(|(j, (name, bound))| kb.dim(kir_dim_name(j, name), *bound, j as u32))
        .collect();
    if dims.iter().enumerate().any(|(j, h)| h.index() != j) {
        return Err(internal("a dim was declared out of the walk's order".into()));
    }
    let buffers = w.used_buffers().to_vec();
    for (j, &b) in buffers.iter().enumerate() {
        let elem = p
            .sources
            .iter()
            .chain(&p.stores)
            .find(|(_, s)| s.buffer == b)
            .map(|(_, s)| s.elem)
            .ok_or_else(|| internal(format!("buffer {b} has no source")))?;
        let h = kb.storage(j as u32, format!("b{j}"), elem, Access::ReadWrite);
        if h.index() != j {
            return Err(internal("a binding was declared out of the walk's order".into()));
        }
    }
    if !dims.is_empty() {
        kb.uniform(buffers.len() as u32, "params");
    }
    kb.workgroup_size([wg as u32, 1, 1]);
    kb.launch(launch(p.shape, w.used_dims(), &dims, wg, max).map_err(unsupported)?);
    let dims = w.used_dims().iter().map(|(n, _)| n.clone()).collect();
    kb.entry(w.b);
    let kernel = kb
        .finish()
        .map_err(|e| internal(format!("the pointwise kir does not verify: {e}")))?;
    Ok(Lowered { kernel, buffers, dims })
}

/// The workgroup counts for `shape` (its dynamic dims are kir dims `dims`, named as `names`):
/// `ceil(n / wg)` groups, at most `max` along x and the rest in y. A static count folds to
/// constants (`[0, 1, 1]` when empty); a count over `max * max` (at the dims' bounds) is an
/// error.
fn launch(
    shape: &Shape,
    names: &[(String, u64)],
    dims: &[Handle<crate::kir::Dim>],
    wg: u64,
    max: u64,
) -> Result<[Extent; 3], String> {
    let mut n = Extent::from(1u64);
    let mut bound = 1u64;
    for d in shape.dims() {
        bound = bound.saturating_mul(d.upper_bound());
        n = match d {
            IrDim::Static(k) => n * *k,
            IrDim::Sym { name, .. } => {
                let j = names
                    .iter()
                    .position(|(x, _)| x == name)
                    .ok_or_else(|| format!("dim `{name}` was not read by the walk"))?;
                n * dims[j]
            }
        };
    }
    let groups_bound = bound.div_ceil(wg);
    if groups_bound.div_ceil(max) > max {
        return Err(format!(
            "{groups_bound} workgroups do not fit a {max} x {max} dispatch; split the kernel"
        ));
    }
    let n = n.simplify();
    if let Some(n) = n.as_const() {
        let groups = n.div_ceil(wg);
        if groups == 0 {
            return Ok([0u64.into(), 1u64.into(), 1u64.into()]);
        }
        let x = groups.min(max);
        return Ok([x.into(), groups.div_ceil(x).into(), 1u64.into()]);
    }
    let groups = n.ceil_div(wg);
    Ok([groups.clone().min(max), groups.ceil_div(max), 1u64.into()])
}
