//! The value walk: kir computing one element of a kernel-body value at a given multi-index
//! ("compute at", as in TVM's compute inlining), for every backend.
//!
//! [`Walk::value_at`] walks a value's definition backwards: pointwise ops become arithmetic on
//! their operands at the (broadcast) same index; view and movement ops (Reshape, Transpose,
//! Slice, Split, Concat, Pad, Gather, Tile, ...) become index arithmetic; small window ops
//! (pools, cumulative sums) become loops. The walk stops at *sources*, values stored in a
//! binding (kernel inputs, weights, values materialized by an earlier dispatch). Anything else
//! (a MatMul, a reduction) cannot be computed at one index and is an internal error: the stage
//! planner materializes it first.
//!
//! Indices are `i32` kir expressions. Each element is computed once per index: results are
//! `let`-bound and cached by (value, index), and expressions are interned, so equal index
//! expressions are one handle and a value used twice at the same index (GELU's `x`) costs one
//! computation. Branches and loops (Concat, Pad, pools) open a cache scope.
//!
//! - `index`: index arithmetic (flattening, broadcasting, tables) with constants folded.
//! - `ops`: unary and binary operations and casts, with the reference interpreter's rules.
//! - `movement`: Slice, Concat, Pad, Gather.
//! - `spatial`: pools, Resize, CumSum.

mod index;
mod movement;
mod ops;
pub(crate) mod spatial;

pub use spatial::ResizeModes;

use super::error::LowerError;
use crate::kir::{BinaryOp, Binding, BodyBuilder, Dim, Expr, Handle, Literal, Local, Scalar, Type, UnaryOp};
use crate::precision::{saturate_f16, Precision};
use edgecc_ir::{DType, Dim as IrDim, Graph, Op, Shape, ValueDef, ValueId};
use std::collections::{HashMap, HashSet};

/// A kir expression (a handle into the body being built).
pub type Ex = Handle<Expr>;

type Result<T> = std::result::Result<T, LowerError>;

/// A value stored in a buffer.
#[derive(Clone, Debug)]
pub struct Source {
    /// The caller's id of the buffer. The walk gives buffers storage bindings in first-use
    /// order: binding `j` (the handle of index `j`) is [`Walk::used_buffers`]`()[j]`, so the
    /// caller declares the bindings in that order once the walk is done.
    pub buffer: usize,
    /// Its element type (`u32` holds booleans as 0 or 1).
    pub elem: Type,
    /// The buffer's shape (row-major); a dynamic dim is read from the parameter buffer.
    pub shape: Shape,
}

type Cache = HashMap<(ValueId, Vec<Ex>), Ex>;

/// Builds kir for values of one kernel body, into one [`BodyBuilder`].
#[derive(Clone)]
pub struct Walk<'g> {
    /// The kernel body.
    pub g: &'g Graph,
    /// The float precision registers compute in.
    pub prec: Precision,
    /// The kernel's name, for errors.
    pub kernel: String,
    /// The body being built.
    pub b: BodyBuilder,
    sources: HashMap<ValueId, Source>,
    /// Values held in a register at one index (see [`Walk::preset`]).
    presets: HashMap<ValueId, (Vec<Ex>, Ex)>,
    cache: Cache,
    /// Interned expressions, by their `Debug` text (operands are handles, so it is structural).
    interned: HashMap<String, Ex>,
    /// The type of each interned expression.
    types: HashMap<Ex, Type>,
    /// The value of each `i32` literal.
    ints: HashMap<Ex, i64>,
    /// The expressions that are a local or a literal (need no `let` of their own).
    simple: HashSet<Ex>,
    /// The buffers loads and stores used, in first-use order (binding `j` is `used[j]`).
    used: Vec<usize>,
    /// The dynamic dims read, (name, bound), in first-use order (kir dim `j` is `dims[j]`).
    dims: Vec<(String, u64)>,
    next: usize,
}

impl<'g> Walk<'g> {
    /// A walk over `g` building into `b`.
    pub fn new(g: &'g Graph, prec: Precision, kernel: &str, b: BodyBuilder) -> Self {
        Walk {
            g,
            prec,
            kernel: kernel.to_string(),
            b,
            sources: HashMap::new(),
            presets: HashMap::new(),
            cache: HashMap::new(),
            interned: HashMap::new(),
            types: HashMap::new(),
            ints: HashMap::new(),
            simple: HashSet::new(),
            used: Vec::new(),
            dims: Vec::new(),
            next: 0,
        }
    }

    /// Declares that `v` is stored in `src`.
    pub fn add_source(&mut self, v: ValueId, src: Source) {
        self.sources.insert(v, src);
    }

    /// The buffers loads and stores have used so far, in first-use order: binding `j` is
    /// element `j`.
    pub fn used_buffers(&self) -> &[usize] {
        &self.used
    }

    /// The binding of `buffer`: the next one on its first use.
    fn binding(&mut self, buffer: usize) -> Handle<Binding> {
        let j = match self.used.iter().position(|&b| b == buffer) {
            Some(j) => j,
            None => {
                self.used.push(buffer);
                self.used.len() - 1
            }
        };
        Handle::new(j as u32)
    }

    /// The dynamic dims the walk has read, (name, bound), in first-use order: the caller
    /// declares kir dim `j` (and its parameter slot `j`) as element `j`.
    pub fn used_dims(&self) -> &[(String, u64)] {
        &self.dims
    }

    /// The run-time value of dynamic dim `name` (at most `bound`), as an `i32`.
    pub fn dim_value(&mut self, name: &str, bound: u64) -> Result<Ex> {
        let j = match self.dims.iter().position(|(n, _)| n == name) {
            Some(j) => {
                if self.dims[j].1 != bound {
                    return Err(self.err(format!("dim `{name}` has two bounds ({} and {bound})", self.dims[j].1)));
                }
                j
            }
            None => {
                if bound > i32::MAX as u64 {
                    return Err(self.err(format!("dim `{name}`'s bound {bound} does not fit 32-bit indexing")));
                }
                self.dims.push((name.to_string(), bound));
                self.dims.len() - 1
            }
        };
        let d = self.e(Expr::Dim(Handle::<Dim>::new(j as u32)), Type::U32);
        self.cast_to(Type::I32, d)
    }

    /// The extents of `shape` as `i32` expressions: literals for static dims, the run-time
    /// value for dynamic ones.
    pub fn extents(&mut self, shape: &Shape) -> Result<Vec<Ex>> {
        shape
            .dims()
            .iter()
            .map(|d| match d {
                IrDim::Static(n) => Ok(self.ci(*n as i64)),
                IrDim::Sym { name, max } => self.dim_value(name, *max),
            })
            .collect()
    }

    /// The extents of `v`'s shape (see [`Walk::extents`]).
    pub fn sizes(&mut self, v: ValueId) -> Result<Vec<Ex>> {
        let s = self.g.ty(v).shape.clone();
        self.extents(&s)
    }

    /// Starts building into `b` (a function's body): the expressions, cache and presets of the
    /// body built so far are dropped; the buffers used so far are kept. The body built so far.
    pub fn start_body(&mut self, b: BodyBuilder) -> BodyBuilder {
        self.cache.clear();
        self.presets.clear();
        self.interned.clear();
        self.types.clear();
        self.ints.clear();
        self.simple.clear();
        std::mem::replace(&mut self.b, b)
    }

    /// A parameter `name: ty` of the function being built; its value.
    pub fn arg(&mut self, name: &str, ty: Type) -> Ex {
        let l = self.b.arg(name, ty);
        self.local(l, ty)
    }

    /// Says that, in the body being built, element `idx` of `v` is held in `x` (an anchor's
    /// result handed to its store function): the walk reads `x` instead of computing `v`, and
    /// needing `v` at another index is an internal error (axes of extent 1 match at any index).
    pub fn preset(&mut self, v: ValueId, idx: &[Ex], x: Ex) {
        self.presets.insert(v, (idx.to_vec(), x));
    }

    /// The preset element of `v` at `idx`, if `v` is preset.
    fn preset_at(&self, v: ValueId, idx: &[Ex]) -> Option<Result<Ex>> {
        let (at, x) = self.presets.get(&v)?;
        let dims = self.g.ty(v).shape.dims();
        let same = at.len() == idx.len()
            && at
                .iter()
                .zip(idx)
                .enumerate()
                .all(|(p, (a, b))| a == b || dims.get(p).and_then(|d| d.as_static()) == Some(1));
        Some(if same {
            Ok(*x)
        } else {
            Err(self.internal(format!(
                "value `{}` is held in a register at one index but is needed at another",
                self.g.value(v).name
            )))
        })
    }

    /// The source of `v`, if it is stored.
    pub fn source(&self, v: ValueId) -> Option<&Source> {
        self.sources.get(&v)
    }

    pub(crate) fn err(&self, msg: impl Into<String>) -> LowerError {
        LowerError::Unsupported {
            kernel: self.kernel.clone(),
            message: msg.into(),
        }
    }

    pub(crate) fn internal(&self, msg: impl Into<String>) -> LowerError {
        LowerError::Internal {
            kernel: self.kernel.clone(),
            message: msg.into(),
        }
    }

    // ---- expressions ----------------------------------------------------------------------

    /// Expression `x` of type `ty`, interned.
    pub fn e(&mut self, x: Expr, ty: Type) -> Ex {
        let key = format!("{x:?}");
        if let Some(&h) = self.interned.get(&key) {
            return h;
        }
        let int = match x {
            Expr::Literal(Literal::I32(v)) => Some(i64::from(v)),
            _ => None,
        };
        let simple = matches!(x, Expr::Literal(_) | Expr::Local(_));
        let h = self.b.expr(x);
        if let Some(v) = int {
            self.ints.insert(h, v);
        }
        if simple {
            self.simple.insert(h);
        }
        self.interned.insert(key, h);
        self.types.insert(h, ty);
        h
    }

    /// The type of an expression the walk built.
    pub fn ty(&self, h: Ex) -> Result<Type> {
        self.types
            .get(&h)
            .copied()
            .ok_or_else(|| self.internal("an expression the walk did not build"))
    }

    /// The value of `l`.
    pub fn local(&mut self, l: Handle<Local>, ty: Type) -> Ex {
        self.e(Expr::Local(l), ty)
    }

    /// `op(a)`, of `a`'s type.
    pub fn un(&mut self, op: UnaryOp, a: Ex) -> Result<Ex> {
        let t = self.ty(a)?;
        Ok(self.e(Expr::Unary { op, arg: a }, t))
    }

    /// `a op b`: a comparison is `bool`, anything else of `a`'s type.
    pub fn bin(&mut self, op: BinaryOp, a: Ex, b: Ex) -> Result<Ex> {
        let t = self.ty(a)?;
        let t = if op.is_comparison() {
            t.with_scalar(Scalar::Bool)
        } else {
            t
        };
        Ok(self.e(Expr::Binary { op, left: a, right: b }, t))
    }

    /// `select(cond, accept, reject)`.
    pub fn select(&mut self, cond: Ex, accept: Ex, reject: Ex) -> Result<Ex> {
        let t = self.ty(accept)?;
        Ok(self.e(Expr::Select { cond, accept, reject }, t))
    }

    /// `cast<to>(x)` (`x` itself when it has that type).
    pub fn cast_to(&mut self, to: Type, x: Ex) -> Result<Ex> {
        if self.ty(x)? == to {
            return Ok(x);
        }
        Ok(self.e(Expr::Cast { to, value: x }, to))
    }

    /// A literal of register type `ty` for `x`: f16 saturates to ±65504 (as f16 weights do),
    /// an `i32` clamps to its range, a `bool` is `x != 0`.
    pub fn lit(&mut self, ty: Type, x: f64) -> Ex {
        let l = match ty.scalar() {
            Scalar::F32 => Literal::F32(x as f32),
            Scalar::F16 => Literal::F16(half::f16::from_f32(saturate_f16(x as f32))),
            Scalar::I32 => Literal::I32(x.clamp(i32::MIN as f64, i32::MAX as f64) as i32),
            Scalar::U32 => Literal::U32(x.clamp(0.0, u32::MAX as f64) as u32),
            Scalar::Bool => Literal::Bool(x != 0.0),
        };
        self.e(Expr::Literal(l), Type::Scalar(l.scalar()))
    }

    /// `let vN: T = x` unless `x` is already a local or a literal; the value.
    pub fn bind(&mut self, x: Ex) -> Result<Ex> {
        if self.is_simple(x) {
            return Ok(x);
        }
        let t = self.ty(x)?;
        let n = self.fresh();
        let l = self.b.let_(n, t, x);
        Ok(self.local(l, t))
    }

    /// Whether `x` is a local or a literal (needs no `let` of its own).
    fn is_simple(&self, x: Ex) -> bool {
        self.simple.contains(&x)
    }

    /// A fresh local name.
    pub fn fresh(&mut self) -> String {
        self.next += 1;
        format!("v{}", self.next)
    }

    /// `var vN: T = init`; the local.
    pub fn var(&mut self, init: Ex) -> Result<Handle<Local>> {
        let t = self.ty(init)?;
        let n = self.fresh();
        Ok(self.b.var(n, t, init))
    }

    /// Starts a nested block with its own cache scope; the saved cache for [`Walk::close`].
    pub fn open(&mut self) -> Cache {
        self.b.begin_block();
        self.cache.clone()
    }

    /// Ends the block [`Walk::open`] started, restoring the cache.
    pub fn close(&mut self, saved: Cache) -> Vec<crate::kir::Stmt> {
        self.cache = saved;
        self.b.end_block()
    }

    /// `if cond { accept }` where `accept` builds the block.
    pub fn if_(&mut self, cond: Ex, accept: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let saved = self.open();
        let r = accept(self);
        let block = self.close(saved);
        r?;
        self.b.push_if(cond, block, Vec::new());
        Ok(())
    }

    // ---- values ---------------------------------------------------------------------------

    /// The static shape of `v`.
    pub fn shape(&self, v: ValueId) -> Result<Vec<u64>> {
        static_shape(self.g, v).ok_or_else(|| {
            self.err(format!(
                "value `{}` has symbolic shape {}; it needs static extents here (bind its dims with --shape; of \
                 dynamic dims, pointwise ops, Reshape, Transpose, Expand and broadcasts handle them so far)",
                self.g.value(v).name,
                self.g.ty(v).shape
            ))
        })
    }

    /// The extent of axis `axis` of `v`, which must be static: a dynamic one is an error
    /// naming the value and the dim.
    pub fn static_extent(&self, v: ValueId, axis: usize) -> Result<u64> {
        let d = &self.g.ty(v).shape.dims()[axis];
        d.as_static().ok_or_else(|| {
            self.err(format!(
                "value `{}` ({}) is sliced, padded or concatenated on axis {axis}, whose extent `{d}` is \
                 dynamic; that axis needs a static extent (bind it with --shape)",
                self.g.value(v).name,
                self.g.ty(v).shape
            ))
        })
    }

    /// The IR dtype of `v`.
    pub fn dtype(&self, v: ValueId) -> DType {
        self.g.ty(v).dtype
    }

    /// The register type of values of `dtype`: floats in the precision's float, booleans in
    /// `bool`, every integer in `i32`.
    pub fn reg_of(&self, dtype: DType) -> Type {
        if dtype.is_float() {
            match self.prec {
                Precision::F32 => Type::F32,
                Precision::F16 => Type::F16,
            }
        } else if dtype == DType::Bool {
            Type::BOOL
        } else {
            Type::I32
        }
    }

    /// The register type of `v`.
    pub fn reg(&self, v: ValueId) -> Type {
        self.reg_of(self.dtype(v))
    }

    /// `x` converted from its register type to `to`: to `bool` is `!(x == 0)` (NaN is true),
    /// from `bool` 0 or 1, otherwise a value cast.
    pub fn convert(&mut self, x: Ex, to: Type) -> Result<Ex> {
        let from = self.ty(x)?;
        if from == to {
            return Ok(x);
        }
        if from == Type::BOOL {
            let (one, zero) = (self.lit(to, 1.0), self.lit(to, 0.0));
            return self.select(x, one, zero);
        }
        if to == Type::BOOL {
            let zero = self.lit(from, 0.0);
            let eq = self.bin(BinaryOp::Eq, x, zero)?;
            return self.un(UnaryOp::Not, eq);
        }
        self.cast_to(to, x)
    }

    /// A kir expression (a local or a literal) for element `idx` of `v`.
    pub fn value_at(&mut self, v: ValueId, idx: &[Ex]) -> Result<Ex> {
        if let Some(r) = self.preset_at(v, idx) {
            return r;
        }
        let key = (v, idx.to_vec());
        if let Some(&x) = self.cache.get(&key) {
            return Ok(x);
        }
        let r = self.compute(v, idx)?;
        let r = self.bind(r)?;
        self.cache.insert(key, r);
        Ok(r)
    }

    /// A load of element `idx` of a source, converted to register type `reg`.
    pub fn load(&mut self, src: &Source, idx: &[Ex], reg: Type) -> Result<Ex> {
        let binding = self.binding(src.buffer);
        let shape = self.extents(&src.shape)?;
        let off = self.linearize_ex(idx, &shape)?;
        let off = self.cast_to(Type::U32, off)?;
        let raw = self.e(
            Expr::Load {
                source: binding.into(),
                index: off,
            },
            src.elem,
        );
        if src.elem == Type::U32 {
            let zero = self.lit(Type::U32, 0.0);
            let b = self.bin(BinaryOp::Ne, raw, zero)?;
            return self.convert(b, reg);
        }
        self.convert(raw, reg)
    }

    /// Stores `x` (a register value) at `idx` of a destination.
    pub fn store(&mut self, dst: &Source, idx: &[Ex], x: Ex) -> Result<()> {
        let binding = self.binding(dst.buffer);
        let shape = self.extents(&dst.shape)?;
        let off = self.linearize_ex(idx, &shape)?;
        let off = self.cast_to(Type::U32, off)?;
        let val = if dst.elem == Type::U32 {
            let b = self.convert(x, Type::BOOL)?;
            let (one, zero) = (self.lit(Type::U32, 1.0), self.lit(Type::U32, 0.0));
            self.select(b, one, zero)?
        } else {
            self.convert(x, dst.elem)?
        };
        self.b.store(binding, off, val);
        Ok(())
    }

    fn compute(&mut self, v: ValueId, idx: &[Ex]) -> Result<Ex> {
        if let Some(src) = self.sources.get(&v).cloned() {
            let reg = self.reg(v);
            return self.load(&src, idx, reg);
        }
        let ValueDef::Node { node, output } = self.g.value(v).def else {
            return Err(self.internal(format!("input `{}` is not bound to a buffer", self.g.value(v).name)));
        };
        let n = self.g.node(node).clone();
        let ins = n.inputs.clone();
        let rank = self.g.ty(v).shape.rank();
        let reg = self.reg(v);
        match &n.op {
            Op::Constant(c) => {
                let data = &self.g.constant(*c).data;
                if data.numel() == 1 {
                    let x = data.to_f64_vec()[0];
                    Ok(self.lit(reg, x))
                } else if data.numel() == 0 {
                    // An empty constant (inlined by fusion, like a scalar) has no element to
                    // read: whatever reads it covers no element of it at run time.
                    Ok(self.lit(reg, 0.0))
                } else {
                    Err(self.internal(format!("constant `{}` is not a buffer", self.g.value(v).name)))
                }
            }
            Op::Identity => self.value_at(ins[0], idx),
            Op::Unary(u) => {
                let a = self.value_at(ins[0], idx)?;
                self.unary(*u, a, reg)
            }
            Op::Cast { to } => {
                let x = self.value_at(ins[0], idx)?;
                self.cast(x, self.dtype(ins[0]), *to)
            }
            Op::Binary(op) => {
                let sa = self.sizes(ins[0])?;
                let sb = self.sizes(ins[1])?;
                let ia = self.broadcast_ex(idx, &sa);
                let ib = self.broadcast_ex(idx, &sb);
                let a = self.value_at(ins[0], &ia)?;
                let b = self.value_at(ins[1], &ib)?;
                self.binary(*op, a, b)
            }
            Op::Where => {
                let mut vals = Vec::with_capacity(3);
                for &x in &ins[..3] {
                    let sx = self.sizes(x)?;
                    let i = self.broadcast_ex(idx, &sx);
                    vals.push(self.value_at(x, &i)?);
                }
                self.select(vals[0], vals[1], vals[2])
            }
            Op::Clip { min, max } => {
                let mut e = self.value_at(ins[0], idx)?;
                // Float max/min propagate NaN (kir's rule), as the reference.
                if let Some(lo) = min {
                    let l = self.lit(reg, *lo);
                    e = self.bin(BinaryOp::Max, e, l)?;
                }
                if let Some(hi) = max {
                    let h = self.lit(reg, *hi);
                    e = self.bin(BinaryOp::Min, e, h)?;
                }
                Ok(e)
            }
            Op::BatchNorm { epsilon } => {
                let c = if rank >= 2 { idx[1] } else { self.ci(0) };
                let x = self.value_at(ins[0], idx)?;
                let mut p = Vec::new();
                for &pv in &ins[1..5] {
                    let s = self.shape(pv)?;
                    let i = if s.iter().product::<u64>() == 1 {
                        vec![self.ci(0); s.len()]
                    } else {
                        vec![c]
                    };
                    let val = self.value_at(pv, &i)?;
                    p.push(self.convert(val, Type::F32)?);
                }
                let x = self.convert(x, Type::F32)?;
                let eps = self.lit(Type::F32, *epsilon as f64);
                let centered = self.bin(BinaryOp::Sub, x, p[2])?;
                let var = self.bin(BinaryOp::Add, p[3], eps)?;
                let inv = self.un(UnaryOp::Rsqrt, var)?;
                let scaled = self.bin(BinaryOp::Mul, centered, inv)?;
                let scaled = self.bin(BinaryOp::Mul, scaled, p[0])?;
                let y = self.bin(BinaryOp::Add, scaled, p[1])?;
                self.convert(y, reg)
            }
            Op::Trilu { upper, k } => {
                let r = idx.len();
                let x = self.value_at(ins[0], idx)?;
                let d = self.bin(BinaryOp::Sub, idx[r - 1], idx[r - 2])?;
                let k = self.ci(*k);
                let keep = self.bin(if *upper { BinaryOp::Ge } else { BinaryOp::Le }, d, k)?;
                let zero = self.lit(reg, 0.0);
                self.select(keep, x, zero)
            }
            Op::Reshape { .. } | Op::Squeeze { .. } | Op::Unsqueeze { .. } | Op::Flatten { .. } => {
                let in_shape = self.sizes(ins[0])?;
                let out_shape = self.sizes(v)?;
                let lin = self.linearize_ex(idx, &out_shape)?;
                let lin = self.bind(lin)?;
                let iidx = self.delinearize_ex(lin, &in_shape)?;
                self.value_at(ins[0], &iidx)
            }
            Op::Transpose { perm } => {
                let zero = self.ci(0);
                let mut iidx = vec![zero; idx.len()];
                for (o, &p) in perm.iter().enumerate() {
                    iidx[p as usize] = idx[o];
                }
                self.value_at(ins[0], &iidx)
            }
            Op::Expand { .. } => {
                let si = self.sizes(ins[0])?;
                let iidx = self.broadcast_ex(idx, &si);
                self.value_at(ins[0], &iidx)
            }
            Op::Tile { .. } => {
                let in_shape = self.shape(ins[0])?;
                let mut iidx = Vec::with_capacity(idx.len());
                for (&e, &d) in idx.iter().zip(&in_shape) {
                    // An empty input (extent 0) gives an empty output, never indexed.
                    iidx.push(if d <= 1 { self.ci(0) } else { self.ix_rem(e, d)? });
                }
                self.value_at(ins[0], &iidx)
            }
            Op::Slice {
                starts, axes, steps, ..
            } => self.slice(ins[0], idx, starts, axes, steps),
            // The leading elements: the same coordinates in the (larger) input.
            Op::Crop { .. } => self.value_at(ins[0], idx),
            Op::Split { axis, sizes } => {
                let a =
                    edgecc_ir::normalize_axis(*axis, rank).ok_or_else(|| self.internal("split axis out of range"))?;
                let off: u64 = sizes[..output as usize].iter().sum();
                let mut iidx = idx.to_vec();
                let off = self.ci(off as i64);
                iidx[a] = self.ix_add(idx[a], off)?;
                self.value_at(ins[0], &iidx)
            }
            Op::Concat { axis } => self.concat(&ins, *axis, idx, reg),
            Op::Pad { pads, mode, value } => self.pad(ins[0], idx, pads, *mode, *value, reg),
            Op::Gather { axis } => self.gather(ins[0], ins[1], *axis, idx),
            Op::GatherElements { axis } => self.gather_elements(ins[0], ins[1], *axis, idx),
            Op::Range { start, delta, .. } => {
                if reg == Type::I32 {
                    let s = self.ci(*start as i64);
                    let d = self.ci(*delta as i64);
                    let step = self.bin(BinaryOp::Mul, idx[0], d)?;
                    self.bin(BinaryOp::Add, s, step)
                } else {
                    let s = self.lit(Type::F32, *start);
                    let d = self.lit(Type::F32, *delta);
                    let k = self.cast_to(Type::F32, idx[0])?;
                    let step = self.bin(BinaryOp::Mul, k, d)?;
                    let x = self.bin(BinaryOp::Add, s, step)?;
                    self.convert(x, reg)
                }
            }
            Op::ConstantOfShape { value, .. } => Ok(self.lit(reg, *value)),
            Op::Shape { start, end } => {
                // A dynamic dim's extent is its run-time value, not its bound.
                let s = self.g.ty(ins[0]).shape.clone();
                let dims = self.extents(&s)?;
                let r = dims.len() as i64;
                let norm = |x: i64| if x < 0 { (x + r).clamp(0, r) } else { x.clamp(0, r) };
                let (s0, e0) = (norm(*start), norm(end.unwrap_or(r)));
                let vals = &dims[s0 as usize..e0.max(s0) as usize];
                if vals.len() == 1 {
                    return Ok(vals[0]);
                }
                let ints: Option<Vec<i64>> = vals.iter().map(|&v| self.int_value(v)).collect();
                if let Some(ints) = ints {
                    return self.table_lookup(idx[0], &ints);
                }
                let Some((&last, rest)) = vals.split_last() else {
                    return Ok(self.ci(0));
                };
                let mut acc = last;
                for (k, &v) in rest.iter().enumerate().rev() {
                    let kk = self.ci(k as i64);
                    let here = self.bin(BinaryOp::Eq, idx[0], kk)?;
                    acc = self.select(here, v, acc)?;
                }
                Ok(acc)
            }
            Op::MaxPool { .. } | Op::AveragePool { .. } | Op::GlobalAveragePool => self.pool(&n.op, ins[0], idx, reg),
            Op::Resize {
                mode,
                coord,
                nearest,
                scales,
                sizes,
            } => self.resize(
                ins[0],
                idx,
                &self.shape(v)?,
                reg,
                (*mode, *coord, *nearest),
                scales,
                sizes.as_deref(),
            ),
            Op::CumSum {
                axis,
                exclusive,
                reverse,
            } => self.cumsum(ins[0], idx, *axis, (*exclusive, *reverse), reg),
            other => Err(self.internal(format!(
                "{} `{}` cannot be computed one element at a time; it should have been materialized",
                other.name(),
                n.name
            ))),
        }
    }
}

/// The static shape of `v` in `g`, as u64 extents.
pub fn static_shape(g: &Graph, v: ValueId) -> Option<Vec<u64>> {
    g.ty(v).shape.dims().iter().map(|d| d.as_static()).collect()
}
