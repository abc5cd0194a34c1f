//! The caller functions of one anchor dispatch (`load_*`, `score_*`, `mask_*`, `store_*`), built
//! by the value walk ([`crate::lower::value`]) into one kir kernel with no entry body; a
//! backend adds the template's main loop, its workgroup size and launch, and renders.
//!
//! The walk numbers the storage bindings in first-use order over all the functions, so
//! identical layers give identical kernels (and share one pipeline); every binding is
//! `read_write` (wgpu refuses read-only and writable ranges of the one arena buffer in a
//! dispatch). Over dynamic dims the kernel declares them (kir dim `j` in parameter slot `j`, in
//! the order the walk first read them) and a `uniform` binding `params` after the storage ones.

use super::{AnchorCx, Result};
use crate::kir::{Access, BinaryOp, Extent, Function, Handle, KernelBuilder, Role, Type};
use crate::lower::pointwise::kir_dim_name;
use crate::lower::stages::Store;
use crate::lower::value::{Ex, Walk};
use edgecc_ir::{normalize_axis, Dim as IrDim, Op, ValueId};

/// The name of the parameter buffer's binding.
pub const PARAMS: &str = "params";

/// The caller functions of one anchor dispatch, being built.
#[derive(Clone)]
pub struct Callers<'k> {
    /// The walk (its body is the function being built).
    pub w: Walk<'k>,
    kb: KernelBuilder,
    /// The buffers the store functions write.
    writes: Vec<usize>,
}

/// The finished caller functions: a kir kernel builder with the functions, the dims, the
/// storage bindings and (over dynamic dims) the parameter buffer declared, but no workgroup
/// size or launch (those are the template's).
#[derive(Clone)]
pub struct CallerSet {
    pub kernel: KernelBuilder,
    /// The caller's buffer of each storage binding: binding `j` is `buffers[j]`.
    pub buffers: Vec<usize>,
    /// The buffers the store functions write.
    pub writes: Vec<usize>,
    /// The IR name of each kernel dim (kir dim `j` is `dims[j]`, named by [`kir_dim_name`]).
    pub dims: Vec<String>,
}

impl<'k> Callers<'k> {
    /// Functions over `cx`'s sources, in a kir kernel called `template` (the name is in the
    /// generated code, so it is the template's, not the graph kernel's).
    pub fn new(cx: &AnchorCx<'k>, template: &str) -> Self {
        let mut w = Walk::new(cx.g, cx.prec, cx.kernel, crate::kir::BodyBuilder::new());
        for (v, s) in &cx.sources {
            w.add_source(*v, s.clone());
        }
        Callers {
            w,
            kb: KernelBuilder::new(template),
            writes: Vec::new(),
        }
    }

    /// Starts a function with parameters `args` (name, type); their values.
    pub fn begin(&mut self, args: &[(&str, Type)]) -> Vec<Ex> {
        self.w.start_body(crate::kir::BodyBuilder::new());
        args.iter().map(|&(n, t)| self.w.arg(n, t)).collect()
    }

    /// Ends the function begun last: `name` with `role`, returning `ret` converted to its type
    /// (nothing when `None`).
    pub fn end(&mut self, name: &str, role: Role, ret: Option<(Ex, Type)>) -> Result<Handle<Function>> {
        let ty = match ret {
            Some((x, t)) => {
                let x = self.w.convert(x, t)?;
                self.w.b.ret(Some(x));
                Some(t)
            }
            None => None,
        };
        let body = self.w.start_body(crate::kir::BodyBuilder::new());
        Ok(self.kb.function(name, role, ty, body))
    }

    /// Stores, in the function being built, the `stores` whose value is in `values` (all when
    /// `None`) for element `idx` of the anchor's result: each through its chain of views
    /// (Transpose permutes the index, a Split keeps the elements of its part, any other view
    /// goes through the flat offset).
    pub fn stores(&mut self, cx: &AnchorCx, stores: &[Store], values: Option<&[ValueId]>, idx: &[Ex]) -> Result<()> {
        for s in stores {
            if values.is_some_and(|vs| !vs.contains(&s.value)) {
                continue;
            }
            let val = self.w.value_at(s.value, idx)?;
            let mut cur = idx.to_vec();
            let mut cur_shape = self.w.sizes(s.value)?;
            // Conditions on the index that a Split's part holds the element.
            let mut inside = Vec::new();
            for &(n, o) in &s.chain {
                let node = cx.g.node(n);
                let out_shape = self.w.sizes(node.outputs[o])?;
                cur = match &node.op {
                    Op::Transpose { perm } => perm.iter().map(|&p| cur[p as usize]).collect(),
                    Op::Split { axis, sizes } => {
                        let a = normalize_axis(*axis, cur.len())
                            .ok_or_else(|| cx.internal(format_args!("split axis {axis} out of range")))?;
                        let off: u64 = sizes[..o].iter().sum();
                        let end = off + sizes[o];
                        if off > 0 {
                            let lo = self.w.ci(off as i64);
                            inside.push(self.w.bin(BinaryOp::Ge, cur[a], lo)?);
                        }
                        // The split axis is static (its parts have static sizes).
                        let extent = self.w.int_value(cur_shape[a]).map_or(u64::MAX, |v| v.max(0) as u64);
                        if end < extent {
                            let hi = self.w.ci(end as i64);
                            inside.push(self.w.bin(BinaryOp::Lt, cur[a], hi)?);
                        }
                        let neg = self.w.ci(-(off as i64));
                        let mut next = cur.clone();
                        next[a] = self.w.ix_add(cur[a], neg)?;
                        next
                    }
                    _ => {
                        let lin = self.w.linearize_ex(&cur, &cur_shape)?;
                        let lin = self.w.bind(lin)?;
                        self.w.delinearize_ex(lin, &out_shape)?
                    }
                };
                cur_shape = out_shape;
            }
            let dst = cx.targets.get(&s.target).cloned().ok_or_else(|| {
                cx.internal(format_args!(
                    "no buffer for stored value `{}`",
                    cx.g.value(s.target).name
                ))
            })?;
            match inside.split_first() {
                None => self.w.store(&dst, &cur, val)?,
                Some((&first, rest)) => {
                    let mut cond = first;
                    for &c in rest {
                        cond = self.w.bin(BinaryOp::And, cond, c)?;
                    }
                    self.w.if_(cond, |w| w.store(&dst, &cur, val))?;
                }
            }
            self.writes.push(dst.buffer);
        }
        Ok(())
    }

    /// The product of `dims` as a kir extent over the walk's dims (a dynamic dim is read, so
    /// the kernel declares it).
    pub fn extent(&mut self, cx: &AnchorCx, dims: &[IrDim]) -> Result<Extent> {
        let mut e = Extent::from(1u64);
        for d in dims {
            e = match d {
                IrDim::Static(n) => e * *n,
                IrDim::Sym { name, max } => {
                    self.w.dim_value(name, *max)?;
                    let j = self
                        .w
                        .used_dims()
                        .iter()
                        .position(|(n, _)| n == name)
                        .ok_or_else(|| cx.internal(format_args!("dim `{name}` was not registered")))?;
                    e * Handle::<crate::kir::Dim>::new(j as u32)
                }
            };
        }
        Ok(e.simplify())
    }

    /// The index of the kernel dim called `name` (one the walk read).
    pub fn dim_index(&self, name: &str) -> Option<usize> {
        self.w.used_dims().iter().position(|(n, _)| n == name)
    }

    /// The finished functions, with the dims, storage bindings and parameter buffer declared.
    pub fn finish(self, cx: &AnchorCx) -> Result<CallerSet> {
        let Callers { w, mut kb, writes } = self;
        let dims: Vec<String> = w.used_dims().iter().map(|(n, _)| n.clone()).collect();
        for (j, (name, bound)) in w.used_dims().iter().enumerate() {
            kb.dim(kir_dim_name(j, name), *bound, j as u32);
        }
        let buffers = w.used_buffers().to_vec();
        for (j, &b) in buffers.iter().enumerate() {
            let elem = cx
                .sources
                .iter()
                .map(|(_, s)| s)
                .chain(cx.targets.values())
                .find(|s| s.buffer == b)
                .map(|s| s.elem)
                .ok_or_else(|| cx.internal(format_args!("buffer {b} is neither a source nor a target")))?;
            let h = kb.storage(j as u32, format!("b{j}"), elem, Access::ReadWrite);
            if h.index() != j {
                return Err(cx.internal("a binding was declared out of the walk's order"));
            }
        }
        if !dims.is_empty() {
            kb.uniform(buffers.len() as u32, PARAMS);
        }
        Ok(CallerSet {
            kernel: kb,
            buffers,
            writes,
            dims,
        })
    }
}
