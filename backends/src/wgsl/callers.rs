//! The caller functions of an anchor template (`load_*`, `score_*`, `mask_*`, `store_*`; see
//! [`super::template`]) as kir, built by the value walk ([`crate::lower::value`]) and rendered by
//! the kir WGSL renderer; the template's main loop (WGSL text) follows them in the module.
//!
//! One [`Callers`] builds every function of one dispatch into one kir kernel with no entry
//! body. The walk numbers the storage bindings in first-use order over all the functions, so
//! identical layers render identical text and share one pipeline; every binding is
//! `read_write` (wgpu refuses read-only and writable ranges of the one arena buffer in a
//! dispatch).

use super::dispatch::{record, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::program::{Binding, DynamicLaunch, LaunchRange};
/// The name of the parameter buffer's binding in a template's module.
const PARAMS: &str = "params";
use super::render::{names::name, render_callers};
use super::template::Emitted;
use super::types::{Elem, Precision};
use crate::kir::{Access, BinaryOp, Extent, Function, Handle, KernelBuilder, Role, Type};
use crate::lower::pointwise::kir_dim_name;
use crate::lower::stages::Store;
use crate::lower::value::{Ex, Source, Walk};
use crate::lower::Chosen;
use edgecc_ir::{normalize_axis, Dim as IrDim, Op, ValueId};

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

/// A walk over `kc`'s body with every available value as a source.
pub(crate) fn walk<'k>(cx: &Ctx, kc: &KernelCx<'k>) -> Walk<'k> {
    let mut w = Walk::new(kc.g, cx.prec, &kc.kernel.name, crate::kir::BodyBuilder::new());
    for (&v, &b) in &kc.avail {
        w.add_source(v, source_of(cx, b));
    }
    w
}

/// Declares the storage bindings of the buffers a walk used (binding `j` is `used[j]`, named
/// `b{j}`), checking that the handles are the ones the walk gave out.
pub(crate) fn declare_bindings(cx: &Ctx, kc: &KernelCx, kb: &mut KernelBuilder, used: &[usize]) -> Result<()> {
    for (j, &b) in used.iter().enumerate() {
        let h = kb.storage(
            j as u32,
            format!("b{j}"),
            elem_type(cx.buffers[b].elem),
            Access::ReadWrite,
        );
        if h.index() != j {
            return Err(internal(kc, "a binding was declared out of the walk's order"));
        }
    }
    Ok(())
}

fn internal(kc: &KernelCx, msg: impl std::fmt::Display) -> WgslError {
    WgslError::Internal(format!("kernel `{}`: {msg}", kc.kernel.name))
}

/// The caller functions of one template dispatch, being built (a clone is the start of
/// another variant of the same dispatch).
#[derive(Clone)]
pub(crate) struct Callers<'k> {
    /// The walk (its body is the function being built).
    pub w: Walk<'k>,
    kb: KernelBuilder,
    /// The program buffers the store functions write.
    writes: Vec<usize>,
}

impl<'k> Callers<'k> {
    /// Functions over `kc`'s available values, in a kir kernel called `template` (the name is
    /// in the shader text, so it is the template's, not the graph kernel's).
    pub fn new(cx: &Ctx, kc: &KernelCx<'k>, template: &str) -> Self {
        Callers {
            w: walk(cx, kc),
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
    pub fn stores(
        &mut self,
        cx: &Ctx,
        kc: &KernelCx,
        stores: &[Store],
        values: Option<&[ValueId]>,
        idx: &[Ex],
    ) -> Result<()> {
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
                let node = kc.g.node(n);
                let out_shape = self.w.sizes(node.outputs[o])?;
                cur = match &node.op {
                    Op::Transpose { perm } => perm.iter().map(|&p| cur[p as usize]).collect(),
                    Op::Split { axis, sizes } => {
                        let a = normalize_axis(*axis, cur.len())
                            .ok_or_else(|| internal(kc, format_args!("split axis {axis} out of range")))?;
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
            let b = *kc.targets.get(&s.target).ok_or_else(|| {
                internal(
                    kc,
                    format_args!("no buffer for stored value `{}`", kc.g.value(s.target).name),
                )
            })?;
            let dst = source_of(cx, b);
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
            self.writes.push(b);
        }
        Ok(())
    }

    /// The product of `dims` as a kir extent over the walk's dims (a dynamic dim is read, so
    /// the kernel declares it).
    pub fn extent(&mut self, dims: &[IrDim]) -> Result<Extent> {
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
                        .ok_or_else(|| WgslError::Internal(format!("dim `{name}` was not registered")))?;
                    e * Handle::<crate::kir::Dim>::new(j as u32)
                }
            };
        }
        Ok(e.simplify())
    }

    /// `e` as a WGSL `u32` expression over the parameter buffer the module declares (kir dim `j`
    /// is the field named by [`kir_dim_name`]), for a template's text.
    pub fn extent_text(&self, e: &Extent) -> String {
        match e {
            Extent::Const(n) => format!("{n}u"),
            Extent::Dim(h) => {
                let name = self.w.used_dims().get(h.index()).map_or("", |(n, _)| n.as_str());
                format!("{PARAMS}.{}", kir_dim_name(h.index(), name))
            }
            Extent::Add(a, b) => format!("({} + {})", self.extent_text(a), self.extent_text(b)),
            Extent::Mul(a, b) => format!("({} * {})", self.extent_text(a), self.extent_text(b)),
            Extent::FloorDiv(a, b) => format!("({} / {})", self.extent_text(a), self.extent_text(b)),
            Extent::Min(a, b) => format!("min({}, {})", self.extent_text(a), self.extent_text(b)),
        }
    }

    /// The module (bindings, helpers, the caller functions, then the template's `emitted`
    /// main loop), recorded as one dispatch. Over dynamic dims, `launch` is its workgroup counts
    /// over the walk's dims (`emitted.workgroups` being the launch at the bounds), and the
    /// module declares the dims and the parameter buffer (`uniform`, after the storage
    /// bindings). `launch` is `None` when the template's problem is static (each anchor refuses
    /// a dynamic dim on an axis it does not take): the caller functions may still read dynamic
    /// dims, as the strides of an operand that is larger than what the problem reads of it
    /// (the first token of each sequence, say), and the launch is the emitted one. `when` makes
    /// the dispatch one variant of several: it runs only at sizes `min..=max` of the dim.
    pub fn finish(
        self,
        cx: &mut Ctx,
        kc: &mut KernelCx,
        emitted: &Emitted,
        chosen: Chosen,
        launch: Option<[Extent; 3]>,
        when: Option<(&str, u64, u64)>,
    ) -> Result<()> {
        let Callers { w, mut kb, writes } = self;
        let dims: Vec<String> = w.used_dims().iter().map(|(n, _)| n.clone()).collect();
        for (j, (name, bound)) in w.used_dims().iter().enumerate() {
            kb.dim(kir_dim_name(j, name), *bound, j as u32);
        }
        let used = w.used_buffers().to_vec();
        declare_bindings(cx, kc, &mut kb, &used)?;
        if !dims.is_empty() {
            kb.uniform(used.len() as u32, PARAMS);
        }
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
        let bindings = used
            .iter()
            .map(|&b| Binding {
                buffer: b,
                writes: writes.contains(&b),
            })
            .collect();
        let when = match when {
            None => None,
            Some((dim, min, max)) => Some(LaunchRange {
                dim: dims
                    .iter()
                    .position(|n| n == dim)
                    .ok_or_else(|| internal(kc, format_args!("variant dim `{dim}` is not read")))?,
                min,
                max,
            }),
        };
        // Over dynamic dims the dispatch binds the parameter buffer, whether or not its
        // workgroup counts depend on them.
        let launch = match dims.is_empty() {
            true => None,
            false => Some(DynamicLaunch {
                dims: kernel.dims.clone(),
                program_dims: dims
                    .iter()
                    .map(|n| {
                        cx.dims
                            .iter()
                            .position(|p| &p.name == n)
                            .ok_or_else(|| internal(kc, format_args!("dim `{n}` is no program dim")))
                    })
                    .collect::<Result<Vec<_>>>()?,
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
}
