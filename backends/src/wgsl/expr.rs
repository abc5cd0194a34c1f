//! The expression emitter: WGSL statements computing one element of a kernel-body value at a
//! given multi-index ("compute at", as in TVM's compute inlining).
//!
//! [`Emitter::value_at`] walks a value's definition backwards: pointwise ops become arithmetic on
//! their operands at the (broadcast) same index; view and movement ops (Reshape, Transpose,
//! Slice, Split, Concat, Pad, Gather, Tile, ...) become index arithmetic; small window ops
//! (pools, cumulative sums) become loops. The walk stops at *sources* — buffers bound to the
//! shader (kernel inputs, weights, values materialized by an earlier dispatch) — and at *bound*
//! values, which a template holds in a register for the current index (the accumulator of a
//! GEMM, the normalized value of a row reduction). Anything else (a MatMul, a reduction) cannot
//! be computed at one index and is an internal error: the stage planner materializes it first.
//!
//! Each element is computed once per index: results are `let`-bound and cached by (value, index
//! text), so a value used twice at the same index (GELU's `x`) costs one computation. Branches
//! and loops (Concat, Pad, pools) open a cache scope.

use super::error::{Result, WgslError};
pub use super::helpers::{helper_text, HELPERS};
use super::index::{add, broadcast, delinearize, linearize, mul};
use super::types::{literal, Elem, Precision};
use crate::lower::value::spatial::{resize_coord, resize_round};
use edgecc_ir::{
    normalize_axis, BinaryOp, CoordMode, DType, Graph, NearestMode, Op, PadMode, ResizeMode, UnaryOp, ValueDef, ValueId,
};
use std::collections::{BTreeSet, HashMap};

/// A value stored in a bound buffer.
#[derive(Clone, Debug)]
pub struct Source {
    /// The WGSL name of the binding (`b3`).
    pub var: String,
    pub elem: Elem,
    pub shape: Vec<u64>,
}

/// Emits WGSL for values of one kernel body.
pub struct Emitter<'g> {
    pub g: &'g Graph,
    pub prec: Precision,
    /// The kernel's name, for errors.
    pub kernel: String,
    sources: HashMap<ValueId, Source>,
    bound: HashMap<ValueId, (Vec<String>, String)>,
    lines: Vec<String>,
    depth: usize,
    cache: HashMap<(ValueId, Vec<String>), String>,
    next: usize,
    /// Helper functions (from [`HELPERS`]) the emitted code calls.
    pub helpers: BTreeSet<&'static str>,
}

impl<'g> Emitter<'g> {
    pub fn new(g: &'g Graph, prec: Precision, kernel: &str) -> Self {
        Emitter {
            g,
            prec,
            kernel: kernel.to_string(),
            sources: HashMap::new(),
            bound: HashMap::new(),
            lines: Vec::new(),
            depth: 1,
            cache: HashMap::new(),
            next: 0,
            helpers: BTreeSet::new(),
        }
    }

    /// Declares that `v` is stored in binding `var`.
    pub fn add_source(&mut self, v: ValueId, src: Source) {
        self.sources.insert(v, src);
    }

    pub fn source(&self, v: ValueId) -> Option<&Source> {
        self.sources.get(&v)
    }

    /// Declares that, in the function being emitted, `v` at index `idx` is held in `var`.
    pub fn bind(&mut self, v: ValueId, idx: Vec<String>, var: &str) {
        self.bound.insert(v, (idx, var.to_string()));
    }

    pub fn unbind_all(&mut self) {
        self.bound.clear();
    }

    /// Starts a new function body (clears statements and the cache).
    pub fn begin(&mut self) {
        self.lines.clear();
        self.cache.clear();
        self.depth = 1;
    }

    /// The statements emitted since [`Emitter::begin`].
    pub fn take(&mut self) -> String {
        let s = self.lines.join("");
        self.lines.clear();
        self.cache.clear();
        s
    }

    /// Appends one statement at the current nesting depth.
    pub fn stmt(&mut self, s: &str) {
        let pad = "  ".repeat(self.depth);
        self.lines.push(format!("{pad}{s}\n"));
    }

    /// A fresh local name.
    pub fn fresh(&mut self) -> String {
        self.next += 1;
        format!("v{}", self.next)
    }

    fn let_(&mut self, ty: &str, expr: String) -> String {
        let n = self.fresh();
        self.stmt(&format!("let {n}: {ty} = {expr};"));
        n
    }

    /// Opens a block (`if (...) {`, `for (...) {`) with its own cache scope; returns the saved
    /// cache for [`Emitter::close`].
    pub fn open(&mut self, head: &str) -> HashMap<(ValueId, Vec<String>), String> {
        self.stmt(&format!("{head} {{"));
        self.depth += 1;
        self.cache.clone()
    }

    pub fn close(&mut self, saved: HashMap<(ValueId, Vec<String>), String>) {
        self.depth -= 1;
        self.stmt("}");
        self.cache = saved;
    }

    /// Continues an open `if` with an `} else {` (same cache rules).
    pub fn reopen(&mut self, head: &str, saved: &HashMap<(ValueId, Vec<String>), String>) {
        self.depth -= 1;
        self.stmt(&format!("}} {head} {{"));
        self.depth += 1;
        self.cache = saved.clone();
    }

    pub fn err(&self, msg: impl Into<String>) -> WgslError {
        WgslError::Unsupported {
            kernel: self.kernel.clone(),
            message: msg.into(),
        }
    }

    fn internal(&self, msg: impl Into<String>) -> WgslError {
        WgslError::Internal(format!("kernel `{}`: {}", self.kernel, msg.into()))
    }

    /// The static shape of `v`.
    pub fn shape(&self, v: ValueId) -> Result<Vec<u64>> {
        static_shape(self.g, v).ok_or_else(|| {
            self.err(format!(
                "value `{}` has symbolic shape {}; WGSL programs are compiled for concrete shapes (bind them with --shape)",
                self.g.value(v).name,
                self.g.ty(v).shape
            ))
        })
    }

    pub fn dtype(&self, v: ValueId) -> DType {
        self.g.ty(v).dtype
    }

    /// The register type of a value of `dtype`.
    pub fn reg_of(&self, dtype: DType) -> &'static str {
        Elem::of(dtype, self.prec).reg()
    }

    /// The register type of `v`.
    pub fn reg(&self, v: ValueId) -> &'static str {
        self.reg_of(self.dtype(v))
    }

    /// The float register type of the precision.
    pub fn ft(&self) -> &'static str {
        self.prec.float()
    }

    /// A literal of `v`'s register type.
    pub fn lit(&self, v: ValueId, x: f64) -> String {
        literal(self.reg(v), x)
    }

    /// Converts `expr` of register type `from` to register type `to`.
    pub fn convert(expr: &str, from: &str, to: &str) -> String {
        if from == to {
            return expr.to_string();
        }
        match (from, to) {
            ("bool", "f32" | "f16" | "i32" | "u32") => format!("select({to}(0), {to}(1), {expr})"),
            // `!(x == 0)`, not `x != 0`: naga's `!=` on floats is ordered (false for NaN), and
            // NaN converts to true.
            (_, "bool") => format!("(!({expr} == {from}(0)))"),
            _ => format!("{to}({expr})"),
        }
    }

    /// Calls a float helper on `x` of float register type `ft`.
    fn fcall(&mut self, name: &'static str, args: &[&str], ft: &str) -> String {
        self.helpers.insert(name);
        let a: Vec<String> = args.iter().map(|a| Self::convert(a, ft, "f32")).collect();
        Self::convert(&format!("{name}({})", a.join(", ")), "f32", ft)
    }

    /// A WGSL expression (usually a local name) for element `idx` of `v`.
    pub fn value_at(&mut self, v: ValueId, idx: &[String]) -> Result<String> {
        if let Some((bidx, var)) = self.bound.get(&v) {
            // Positions of extent 1 are index 0 however they are written (`n` of a batch of one,
            // and the `0` a broadcast makes of it).
            let unit = static_shape(self.g, v).unwrap_or_default();
            let same = bidx.len() == idx.len()
                && bidx
                    .iter()
                    .zip(idx)
                    .enumerate()
                    .all(|(p, (a, b))| a == b || unit.get(p) == Some(&1));
            if same {
                return Ok(var.clone());
            }
            return Err(self.internal(format!(
                "value `{}` is held in a register at index ({}) but is needed at ({})",
                self.g.value(v).name,
                bidx.join(", "),
                idx.join(", ")
            )));
        }
        let key = (v, idx.to_vec());
        if let Some(n) = self.cache.get(&key) {
            return Ok(n.clone());
        }
        let r = self.compute(v, idx)?;
        // Literals and plain names need no binding of their own.
        let r = if r.chars().all(|c| c.is_alphanumeric() || c == '_') {
            r
        } else {
            let ty = self.reg(v);
            self.let_(ty, r)
        };
        self.cache.insert(key, r.clone());
        Ok(r)
    }

    /// A load of element `idx` of a source, converted to `v`'s register type.
    pub fn load(&mut self, src: &Source, idx: &[String], reg: &str) -> String {
        let off = linearize(idx, &src.shape);
        let raw = format!("{}[{off}]", src.var);
        match src.elem {
            Elem::U32 => Self::convert(&format!("({raw} != 0u)"), "bool", reg),
            e => Self::convert(&raw, e.wgsl(), reg),
        }
    }

    fn compute(&mut self, v: ValueId, idx: &[String]) -> Result<String> {
        if let Some(src) = self.sources.get(&v).cloned() {
            let reg = self.reg(v);
            return Ok(self.load(&src, idx, reg));
        }
        let ValueDef::Node { node, output } = self.g.value(v).def else {
            return Err(self.internal(format!("input `{}` is not bound to a buffer", self.g.value(v).name)));
        };
        let n = self.g.node(node).clone();
        let ins = n.inputs.clone();
        let out_shape = self.shape(v)?;
        let reg = self.reg(v);
        match &n.op {
            Op::Constant(c) => {
                let data = &self.g.constant(*c).data;
                if data.numel() == 1 {
                    let x = data.to_f64_vec()[0];
                    Ok(literal(reg, x))
                } else if data.numel() == 0 {
                    // An empty constant (inlined by fusion, like a scalar) has no element to
                    // read: whatever reads it covers no element of it at run time.
                    Ok(literal(reg, 0.0))
                } else {
                    Err(self.internal(format!("constant `{}` is not a buffer", self.g.value(v).name)))
                }
            }
            Op::Identity => self.value_at(ins[0], idx),
            Op::Unary(u) => self.unary(*u, ins[0], idx, reg),
            Op::Cast { to } => {
                let x = self.value_at(ins[0], idx)?;
                Ok(self.cast(&x, self.dtype(ins[0]), *to))
            }
            Op::Binary(b) => {
                let ia = broadcast(idx, &self.shape(ins[0])?);
                let ib = broadcast(idx, &self.shape(ins[1])?);
                let a = self.value_at(ins[0], &ia)?;
                let bb = self.value_at(ins[1], &ib)?;
                self.binary(*b, &a, &bb, ins[0], ins[1])
            }
            Op::Where => {
                let ic = broadcast(idx, &self.shape(ins[0])?);
                let ix = broadcast(idx, &self.shape(ins[1])?);
                let iy = broadcast(idx, &self.shape(ins[2])?);
                let c = self.value_at(ins[0], &ic)?;
                let x = self.value_at(ins[1], &ix)?;
                let y = self.value_at(ins[2], &iy)?;
                Ok(format!("select({y}, {x}, {c})"))
            }
            Op::Clip { min, max } => {
                let x = self.value_at(ins[0], idx)?;
                let mut e = x;
                let float = self.dtype(v).is_float();
                if let Some(lo) = min {
                    e = if float {
                        self.fcall("e_fmax", &[&e, &literal(reg, *lo)], reg)
                    } else {
                        format!("max({e}, {})", literal(reg, *lo))
                    };
                }
                if let Some(hi) = max {
                    e = if float {
                        self.fcall("e_fmin", &[&e, &literal(reg, *hi)], reg)
                    } else {
                        format!("min({e}, {})", literal(reg, *hi))
                    };
                }
                Ok(e)
            }
            Op::BatchNorm { epsilon } => {
                let c = if out_shape.len() >= 2 {
                    idx[1].clone()
                } else {
                    "0".into()
                };
                let x = self.value_at(ins[0], idx)?;
                let mut p = Vec::new();
                for &pv in &ins[1..5] {
                    let i = if self.shape(pv)?.iter().product::<u64>() == 1 {
                        vec!["0".to_string(); self.shape(pv)?.len()]
                    } else {
                        vec![c.clone()]
                    };
                    p.push(self.value_at(pv, &i)?);
                }
                let f = |e: &str| Self::convert(e, reg, "f32");
                Ok(Self::convert(
                    &format!(
                        "(({} - {}) * inverseSqrt({} + {}) * {} + {})",
                        f(&x),
                        f(&p[2]),
                        f(&p[3]),
                        literal("f32", *epsilon as f64),
                        f(&p[0]),
                        f(&p[1])
                    ),
                    "f32",
                    reg,
                ))
            }
            Op::Trilu { upper, k } => {
                let r = idx.len();
                let x = self.value_at(ins[0], idx)?;
                let (i, j) = (&idx[r - 2], &idx[r - 1]);
                let keep = if *upper {
                    format!("({j} - {i} >= {k})")
                } else {
                    format!("({j} - {i} <= {k})")
                };
                Ok(format!("select({}, {x}, {keep})", literal(reg, 0.0)))
            }
            Op::Reshape { .. } | Op::Squeeze { .. } | Op::Unsqueeze { .. } | Op::Flatten { .. } => {
                let in_shape = self.shape(ins[0])?;
                let lin = linearize(idx, &out_shape);
                let lin = self.index_var(&lin);
                let iidx = delinearize(&lin, &in_shape);
                self.value_at(ins[0], &iidx)
            }
            Op::Transpose { perm } => {
                let mut iidx = vec!["0".to_string(); idx.len()];
                for (o, &p) in perm.iter().enumerate() {
                    iidx[p as usize] = idx[o].clone();
                }
                self.value_at(ins[0], &iidx)
            }
            Op::Expand { .. } => {
                let iidx = broadcast(idx, &self.shape(ins[0])?);
                self.value_at(ins[0], &iidx)
            }
            Op::Tile { .. } => {
                let in_shape = self.shape(ins[0])?;
                let iidx: Vec<String> = idx
                    .iter()
                    .zip(&in_shape)
                    // An empty input (extent 0) gives an empty output, never indexed.
                    .map(|(e, &d)| if d <= 1 { "0".into() } else { format!("({e} % {d})") })
                    .collect();
                self.value_at(ins[0], &iidx)
            }
            Op::Slice {
                starts,
                ends: _,
                axes,
                steps,
            } => {
                let in_shape = self.shape(ins[0])?;
                let r = in_shape.len();
                let mut iidx = idx.to_vec();
                for (i, &st) in starts.iter().enumerate() {
                    let a = axes.get(i).copied().unwrap_or(i as i64);
                    let a = normalize_axis(a, r).ok_or_else(|| self.internal("slice axis out of range"))?;
                    let step = steps.get(i).copied().unwrap_or(1);
                    let dim = in_shape[a] as i64;
                    let s = if st < 0 { st.saturating_add(dim) } else { st };
                    let s = if step > 0 {
                        s.clamp(0, dim)
                    } else {
                        s.clamp(0, (dim - 1).max(0))
                    };
                    iidx[a] = if step == 1 {
                        add(&s.to_string(), &idx[a])
                    } else {
                        format!("({s} + {} * {step})", idx[a])
                    };
                }
                self.value_at(ins[0], &iidx)
            }
            Op::Split { axis, sizes } => {
                let r = out_shape.len();
                let a = normalize_axis(*axis, r).ok_or_else(|| self.internal("split axis out of range"))?;
                let off: u64 = sizes[..output as usize].iter().sum();
                let mut iidx = idx.to_vec();
                iidx[a] = add(&idx[a], &off.to_string());
                self.value_at(ins[0], &iidx)
            }
            Op::Concat { axis } => {
                let r = out_shape.len();
                let a = normalize_axis(*axis, r).ok_or_else(|| self.internal("concat axis out of range"))?;
                let res = self.fresh();
                self.stmt(&format!("var {res}: {reg};"));
                let mut off = 0u64;
                let mut saved = None;
                let live: Vec<ValueId> = ins.clone();
                for (i, &inp) in live.iter().enumerate() {
                    let ext = self.shape(inp)?[a];
                    if ext == 0 {
                        continue;
                    }
                    let last = i + 1 == live.len();
                    let cond = format!("{} < {}", idx[a], off + ext);
                    match &saved {
                        None => saved = Some(self.open(&format!("if ({cond})"))),
                        Some(s) => {
                            let s = s.clone();
                            if last {
                                self.reopen("else", &s);
                            } else {
                                self.reopen(&format!("else if ({cond})"), &s);
                            }
                        }
                    }
                    let mut iidx = idx.to_vec();
                    iidx[a] = format!("({} - {off})", idx[a]);
                    let x = self.value_at(inp, &iidx)?;
                    self.stmt(&format!("{res} = {x};"));
                    off += ext;
                }
                if let Some(s) = saved {
                    self.close(s);
                }
                Ok(res)
            }
            Op::Pad { pads, mode, value } => {
                let in_shape = self.shape(ins[0])?;
                let r = in_shape.len();
                let mut iidx = Vec::with_capacity(r);
                let mut inside = Vec::new();
                for a in 0..r {
                    let pb = pads.get(a).copied().unwrap_or(0);
                    let d = in_shape[a] as i64;
                    let i = if pb == 0 {
                        idx[a].clone()
                    } else {
                        format!("({} - {pb})", idx[a])
                    };
                    let i = self.index_var(&i);
                    match mode {
                        PadMode::Constant => {
                            if pads[a] != 0 || pads.get(a + r).copied().unwrap_or(0) != 0 {
                                inside.push(format!("({i} >= 0 && {i} < {d})"));
                            }
                            iidx.push(i);
                        }
                        PadMode::Edge => iidx.push(format!("clamp({i}, 0, {})", (d - 1).max(0))),
                        PadMode::Reflect => {
                            let m = self.fresh();
                            self.stmt(&format!("var {m}: i32 = {i};"));
                            if d > 1 {
                                self.stmt(&format!("if ({m} < 0) {{ {m} = -{m}; }}"));
                                self.stmt(&format!("if ({m} >= {d}) {{ {m} = {} - {m}; }}", 2 * (d - 1)));
                            } else {
                                self.stmt(&format!("{m} = 0;"));
                            }
                            iidx.push(m);
                        }
                    }
                }
                if inside.is_empty() {
                    return self.value_at(ins[0], &iidx);
                }
                let res = self.fresh();
                self.stmt(&format!("var {res}: {reg} = {};", literal(reg, *value)));
                let saved = self.open(&format!("if ({})", inside.join(" && ")));
                let x = self.value_at(ins[0], &iidx)?;
                self.stmt(&format!("{res} = {x};"));
                self.close(saved);
                Ok(res)
            }
            Op::Gather { axis } => {
                let dshape = self.shape(ins[0])?;
                let ishape = self.shape(ins[1])?;
                let a = normalize_axis(*axis, dshape.len()).ok_or_else(|| self.internal("gather axis"))?;
                let q = ishape.len();
                let iidx: Vec<String> = idx[a..a + q].to_vec();
                let raw = self.value_at(ins[1], &iidx)?;
                let raw = Self::convert(&raw, self.reg(ins[1]), "i32");
                let d = dshape[a] as i64;
                let j = self.let_(
                    "i32",
                    format!("clamp(select({raw}, {raw} + {d}, {raw} < 0), 0, {})", (d - 1).max(0)),
                );
                let mut didx: Vec<String> = idx[..a].to_vec();
                didx.push(j);
                didx.extend_from_slice(&idx[a + q..]);
                self.value_at(ins[0], &didx)
            }
            Op::GatherElements { axis } => {
                let dshape = self.shape(ins[0])?;
                let a = normalize_axis(*axis, dshape.len()).ok_or_else(|| self.internal("gather axis"))?;
                let raw = self.value_at(ins[1], idx)?;
                let raw = Self::convert(&raw, self.reg(ins[1]), "i32");
                let d = dshape[a] as i64;
                let j = self.let_(
                    "i32",
                    format!("clamp(select({raw}, {raw} + {d}, {raw} < 0), 0, {})", (d - 1).max(0)),
                );
                let mut didx = idx.to_vec();
                didx[a] = j;
                self.value_at(ins[0], &didx)
            }
            Op::Range { start, delta, .. } => {
                if reg == "i32" {
                    Ok(format!("({} + {} * {})", *start as i64, idx[0], *delta as i64))
                } else {
                    let e = format!(
                        "({} + f32({}) * {})",
                        literal("f32", *start),
                        idx[0],
                        literal("f32", *delta)
                    );
                    Ok(Self::convert(&e, "f32", reg))
                }
            }
            Op::ConstantOfShape { value, .. } => Ok(literal(reg, *value)),
            Op::Shape { start, end } => {
                let s = self.g.ty(ins[0]).shape.clone();
                let dims: Vec<u64> = s.dims().iter().map(|d| d.upper_bound()).collect();
                let r = dims.len() as i64;
                let norm = |x: i64| if x < 0 { (x + r).clamp(0, r) } else { x.clamp(0, r) };
                let (s0, e0) = (norm(*start), norm(end.unwrap_or(r)));
                let vals: Vec<String> = dims[s0 as usize..e0.max(s0) as usize]
                    .iter()
                    .map(|d| d.to_string())
                    .collect();
                if vals.len() == 1 {
                    return Ok(format!("i32({})", vals[0]));
                }
                let arr = self.fresh();
                self.stmt(&format!("var {arr} = array<i32, {}>({});", vals.len(), vals.join(", ")));
                Ok(format!("{arr}[{}]", idx[0]))
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
                &out_shape,
                reg,
                (*mode, *coord, *nearest),
                scales,
                sizes.as_deref(),
            ),
            Op::CumSum {
                axis,
                exclusive,
                reverse,
            } => {
                let in_shape = self.shape(ins[0])?;
                let a = normalize_axis(*axis, in_shape.len()).ok_or_else(|| self.internal("cumsum axis"))?;
                let d = in_shape[a];
                let acc = self.fresh();
                let acc_ty = if reg == "i32" { "i32" } else { "f32" };
                self.stmt(&format!("var {acc}: {acc_ty} = {};", literal(acc_ty, 0.0)));
                let j = self.fresh();
                let i = &idx[a];
                let (lo, hi) = match (*reverse, *exclusive) {
                    (false, false) => ("0".to_string(), format!("{i} + 1")),
                    (false, true) => ("0".to_string(), i.clone()),
                    (true, false) => (i.clone(), d.to_string()),
                    (true, true) => (format!("{i} + 1"), d.to_string()),
                };
                let saved = self.open(&format!("for (var {j}: i32 = {lo}; {j} < {hi}; {j}++)"));
                let mut iidx = idx.to_vec();
                iidx[a] = j.clone();
                let x = self.value_at(ins[0], &iidx)?;
                self.stmt(&format!("{acc} = {acc} + {};", Self::convert(&x, reg, acc_ty)));
                self.close(saved);
                Ok(Self::convert(&acc, acc_ty, reg))
            }
            other => Err(self.internal(format!(
                "{} `{}` cannot be computed one element at a time; it should have been materialized",
                other.name(),
                n.name
            ))),
        }
    }

    /// Binds an index expression to a local when it is not already a name or literal.
    fn index_var(&mut self, e: &str) -> String {
        if e.chars().all(|c| c.is_alphanumeric() || c == '_') {
            e.to_string()
        } else {
            self.let_("i32", e.to_string())
        }
    }

    fn unary(&mut self, u: UnaryOp, x: ValueId, idx: &[String], reg: &str) -> Result<String> {
        let a = self.value_at(x, idx)?;
        if reg == "i32" {
            return match u {
                UnaryOp::Neg => Ok(format!("(-{a})")),
                UnaryOp::Abs => Ok(format!("abs({a})")),
                UnaryOp::Relu => Ok(format!("max({a}, 0)")),
                _ => Err(self.err(format!("{} on integers", u.name()))),
            };
        }
        if reg == "bool" {
            return match u {
                UnaryOp::Not => Ok(format!("(!{a})")),
                _ => Err(self.err(format!("{} on booleans", u.name()))),
            };
        }
        let one = literal(reg, 1.0);
        let zero = literal(reg, 0.0);
        Ok(match u {
            UnaryOp::Neg => format!("(-{a})"),
            UnaryOp::Abs => format!("abs({a})"),
            UnaryOp::Exp => format!("exp({a})"),
            UnaryOp::Log => self.fcall("e_log", &[&a], reg),
            UnaryOp::Sqrt => format!("sqrt({a})"),
            UnaryOp::Rsqrt => format!("inverseSqrt({a})"),
            UnaryOp::Reciprocal => format!("({one} / {a})"),
            UnaryOp::Tanh => self.fcall("e_tanh", &[&a], reg),
            UnaryOp::Sigmoid => self.fcall("e_sigmoid", &[&a], reg),
            UnaryOp::Erf => self.fcall("e_erf", &[&a], reg),
            UnaryOp::Relu => format!("select({a}, {zero}, {a} < {zero})"),
            UnaryOp::LeakyRelu { alpha } => format!("select({} * {a}, {a}, {a} >= {zero})", literal(reg, alpha as f64)),
            UnaryOp::Gelu { tanh: false } => {
                let e = self.fcall(
                    "e_erf",
                    &[&format!("{a} * {}", literal(reg, std::f64::consts::FRAC_1_SQRT_2))],
                    reg,
                );
                format!("({} * {a} * ({one} + {e}))", literal(reg, 0.5))
            }
            UnaryOp::Gelu { tanh: true } => {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                let inner = format!(
                    "{} * ({a} + {} * {a} * {a} * {a})",
                    literal(reg, c),
                    literal(reg, 0.044715)
                );
                let t = self.fcall("e_tanh", &[&inner], reg);
                format!("({} * {a} * ({one} + {t}))", literal(reg, 0.5))
            }
            UnaryOp::Silu => {
                let s = self.fcall("e_sigmoid", &[&a], reg);
                format!("({a} * {s})")
            }
            UnaryOp::Sin => format!("sin({a})"),
            UnaryOp::Cos => format!("cos({a})"),
            UnaryOp::Floor => format!("floor({a})"),
            UnaryOp::Ceil => format!("ceil({a})"),
            UnaryOp::Round => format!("round({a})"),
            UnaryOp::Not => return Err(self.err("Not on floats")),
        })
    }

    /// Converts `x` (a value of IR dtype `from`) to IR dtype `to`, with the reference
    /// interpreter's rules: floats round to the target dtype, float → int truncates and
    /// saturates (NaN → 0), int → int wraps, anything → bool is `!= 0`.
    pub fn cast(&mut self, x: &str, from: DType, to: DType) -> String {
        let fr = self.reg_of(from);
        let tr = self.reg_of(to);
        if from == to {
            return x.to_string();
        }
        if to.is_float() {
            let f = Self::convert(x, fr, "f32");
            let rounded = match (to, self.prec) {
                (DType::F16, Precision::F32) => {
                    self.helpers.insert("e_round_f16");
                    format!("e_round_f16({f})")
                }
                (DType::BF16, _) => {
                    self.helpers.insert("e_round_bf16");
                    format!("e_round_bf16({f})")
                }
                _ => f,
            };
            return Self::convert(&rounded, "f32", tr);
        }
        if to == DType::Bool {
            return Self::convert(x, fr, "bool");
        }
        // To an integer dtype.
        let (lo, hi) = to.int_range().unwrap_or((i32::MIN as i64, i32::MAX as i64));
        let i = if from.is_float() {
            self.helpers.insert("e_f2i");
            let lo = lo.max(i32::MIN as i64) as f64;
            let hi = (hi.min(i32::MAX as i64) as f64).min(2147483520.0);
            format!(
                "e_f2i({}, {}, {})",
                Self::convert(x, fr, "f32"),
                literal("f32", lo),
                literal("f32", hi)
            )
        } else {
            let i = Self::convert(x, fr, "i32");
            if from.is_int() && !wraps_into(to) {
                i
            } else {
                wrap_int(&i, to)
            }
        };
        i
    }

    fn binary(&mut self, op: BinaryOp, a: &str, b: &str, va: ValueId, vb: ValueId) -> Result<String> {
        let (ra, rb) = (self.reg(va), self.reg(vb));
        if op == BinaryOp::Pow {
            return Ok(match (ra, rb) {
                ("i32", "i32") => {
                    self.helpers.insert("e_ipow");
                    format!("e_ipow({a}, {b})")
                }
                ("i32", _) => {
                    self.helpers.insert("e_f2i");
                    self.helpers.insert("e_pow");
                    format!("e_f2i(e_pow(f32({a}), f32({b})), -2147483648.0, 2147483520.0)")
                }
                (_, _) => {
                    let bb = Self::convert(b, rb, ra);
                    self.fcall("e_pow", &[a, &bb], ra)
                }
            });
        }
        let float = ra == "f32" || ra == "f16";
        Ok(match op {
            BinaryOp::Add => format!("({a} + {b})"),
            BinaryOp::Sub => format!("({a} - {b})"),
            BinaryOp::Mul => format!("({a} * {b})"),
            BinaryOp::Div => {
                if float {
                    format!("({a} / {b})")
                } else {
                    format!("select({a} / {b}, 0, {b} == 0)")
                }
            }
            BinaryOp::Max => {
                if float {
                    self.fcall("e_fmax", &[a, b], ra)
                } else {
                    format!("max({a}, {b})")
                }
            }
            BinaryOp::Min => {
                if float {
                    self.fcall("e_fmin", &[a, b], ra)
                } else {
                    format!("min({a}, {b})")
                }
            }
            BinaryOp::Fmod => {
                if float {
                    format!("({a} % {b})")
                } else {
                    format!("select({a} % {b}, 0, {b} == 0)")
                }
            }
            BinaryOp::Mod => {
                let r = self.let_(ra, format!("{a} % {b}"));
                let z = literal(ra, 0.0);
                let fixed = format!("select({r}, {r} + {b}, {r} != {z} && (({r} < {z}) != ({b} < {z})))");
                if float {
                    fixed
                } else {
                    format!("select({fixed}, 0, {b} == 0)")
                }
            }
            BinaryOp::Equal => format!("({a} == {b})"),
            BinaryOp::Less => format!("({a} < {b})"),
            BinaryOp::LessOrEqual => format!("({a} <= {b})"),
            BinaryOp::Greater => format!("({a} > {b})"),
            BinaryOp::GreaterOrEqual => format!("({a} >= {b})"),
            BinaryOp::And => format!("({a} && {b})"),
            BinaryOp::Or => format!("({a} || {b})"),
            BinaryOp::Pow => unreachable_pow(),
        })
    }

    fn pool(&mut self, op: &Op, x: ValueId, idx: &[String], reg: &str) -> Result<String> {
        let in_shape = self.shape(x)?;
        let r = in_shape.len();
        let sp = r.saturating_sub(2);
        let (kernel, strides, pads, dil): (Vec<u64>, Vec<u64>, Vec<u64>, Vec<u64>) = match op {
            Op::MaxPool {
                kernel,
                strides,
                pads,
                dilations,
                ..
            } => (kernel.clone(), strides.clone(), pads.clone(), dilations.clone()),
            Op::AveragePool {
                kernel, strides, pads, ..
            } => (kernel.clone(), strides.clone(), pads.clone(), vec![]),
            _ => (in_shape[2..].to_vec(), vec![], vec![], vec![]),
        };
        let get = |v: &Vec<u64>, i: usize, d: u64| v.get(i).copied().unwrap_or(d);
        let is_max = matches!(op, Op::MaxPool { .. });
        let acc_ty = if reg == "i32" { "i32" } else { "f32" };
        let acc = self.fresh();
        let init = if is_max {
            if acc_ty == "i32" {
                "i32(-2147483648)".to_string()
            } else {
                literal("f32", f64::NEG_INFINITY)
            }
        } else {
            literal("f32", 0.0)
        };
        self.stmt(&format!("var {acc}: {acc_ty} = {init};"));
        let cnt = self.fresh();
        self.stmt(&format!("var {cnt}: i32 = 0;"));
        let pad_cnt = self.fresh();
        self.stmt(&format!("var {pad_cnt}: i32 = 0;"));
        let mut saved = Vec::new();
        let mut iidx: Vec<String> = idx[..2.min(r)].to_vec();
        let mut conds = Vec::new();
        let mut pconds = Vec::new();
        for s in 0..sp {
            let kv = self.fresh();
            saved.push(self.open(&format!(
                "for (var {kv}: i32 = 0; {kv} < {}; {kv}++)",
                get(&kernel, s, 1)
            )));
            let pos = format!(
                "({} * {} - {} + {kv} * {})",
                idx[2 + s],
                get(&strides, s, 1),
                get(&pads, s, 0),
                get(&dil, s, 1)
            );
            let pv = self.let_("i32", pos);
            conds.push(format!("{pv} >= 0 && {pv} < {}", in_shape[2 + s]));
            pconds.push(format!("{pv} < {}", in_shape[2 + s] + get(&pads, sp + s, 0)));
            iidx.push(pv);
        }
        self.stmt(&format!(
            "if ({}) {{ {pad_cnt} = {pad_cnt} + 1; }}",
            if pconds.is_empty() {
                "true".into()
            } else {
                pconds.join(" && ")
            }
        ));
        let inner = self.open(&format!(
            "if ({})",
            if conds.is_empty() {
                "true".into()
            } else {
                conds.join(" && ")
            }
        ));
        let v = self.value_at(x, &iidx)?;
        let vf = Self::convert(&v, reg, acc_ty);
        if is_max {
            if acc_ty == "f32" {
                self.helpers.insert("e_fmax");
                self.stmt(&format!("{acc} = e_fmax({acc}, {vf});"));
            } else {
                self.stmt(&format!("{acc} = max({acc}, {vf});"));
            }
        } else {
            self.stmt(&format!("{acc} = {acc} + {vf};"));
        }
        self.stmt(&format!("{cnt} = {cnt} + 1;"));
        self.close(inner);
        while let Some(s) = saved.pop() {
            self.close(s);
        }
        let result = match op {
            Op::MaxPool { .. } => acc,
            Op::AveragePool { count_include_pad, .. } => {
                let div = if *count_include_pad { &pad_cnt } else { &cnt };
                format!("({acc} / f32({div}))")
            }
            _ => format!("({acc} / f32({cnt}))"),
        };
        Ok(Self::convert(&result, acc_ty, reg))
    }

    /// Emits the code storing `expr` (of `v`'s register type) at `idx` of a destination buffer.
    pub fn store(&mut self, dst: &Source, idx: &[String], expr: &str, reg: &str) {
        let off = linearize(idx, &dst.shape);
        let val = match dst.elem {
            Elem::U32 => format!("select(0u, 1u, {})", Self::convert(expr, reg, "bool")),
            e => Self::convert(expr, reg, e.wgsl()),
        };
        self.stmt(&format!("{}[{off}] = {val};", dst.var));
    }

    /// `mul` re-exported for templates' callers.
    pub fn index_mul(a: &str, b: u64) -> String {
        mul(a, b)
    }

    /// `Resize`, as the reference interpreter (`reference/spatial/resize.rs`): nearest mode reads
    /// the input at per-axis indices computed on the host (in f64, exactly as the reference)
    /// and emitted as index arithmetic when a formula reproduces them, as a table otherwise;
    /// linear mode interpolates between the two neighbours on every resized axis (the
    /// interpolation is continuous in the coordinate, so computing it in f32 is exact enough).
    fn resize(
        &mut self,
        x: ValueId,
        idx: &[String],
        out_shape: &[u64],
        reg: &str,
        (mode, coord, nearest): (ResizeMode, CoordMode, NearestMode),
        scales: &[f32],
        sizes: Option<&[u64]>,
    ) -> Result<String> {
        let in_shape = self.shape(x)?;
        let r = in_shape.len();
        if out_shape.len() != r || (sizes.is_none() && scales.len() != r) {
            return Err(self.internal("Resize: scales or sizes do not match the rank"));
        }
        // Per axis: the scale and the unrounded output length (as the reference's `plan`).
        let (sc, len): (Vec<f64>, Vec<f64>) = match sizes {
            Some(_) => (0..r)
                .map(|a| {
                    let (i, o) = (in_shape[a], out_shape[a]);
                    (if i == 0 { 1.0 } else { o as f64 / i as f64 }, o as f64)
                })
                .unzip(),
            None => (0..r)
                .map(|a| (scales[a] as f64, in_shape[a] as f64 * scales[a] as f64))
                .unzip(),
        };
        match mode {
            ResizeMode::Nearest => {
                let mut iidx = Vec::with_capacity(r);
                for a in 0..r {
                    let (i, o) = (in_shape[a], out_shape[a]);
                    let table: Vec<i64> = (0..o)
                        .map(|k| resize_round(resize_coord(coord, k, sc[a], i, len[a]), nearest, i))
                        .collect();
                    iidx.push(self.index_table(&idx[a], &table, i));
                }
                self.value_at(x, &iidx)
            }
            ResizeMode::Linear => {
                if !self.dtype(x).is_float() {
                    return Err(self.err(format!("Resize (linear) on {}", self.dtype(x))));
                }
                let mut base = idx.to_vec();
                let mut axes: Vec<(usize, String, String, String)> = Vec::new();
                for a in 0..r {
                    let (i, o) = (in_shape[a], out_shape[a]);
                    let identity = o == i
                        && (0..o).all(|k| {
                            let c = resize_coord(coord, k, sc[a], i, len[a]).clamp(0.0, i as f64 - 1.0);
                            c == k as f64
                        });
                    if identity || i == 1 {
                        base[a] = if i == 1 { "0".into() } else { idx[a].clone() };
                        continue;
                    }
                    let kf = format!("f32({})", idx[a]);
                    let c = match coord {
                        CoordMode::HalfPixel => format!("({kf} + 0.5) / {} - 0.5", literal("f32", sc[a])),
                        CoordMode::PytorchHalfPixel if len[a] != 1.0 => {
                            format!("({kf} + 0.5) / {} - 0.5", literal("f32", sc[a]))
                        }
                        CoordMode::PytorchHalfPixel => "-0.5".to_string(),
                        CoordMode::AlignCorners if len[a] == 1.0 => "0.0".to_string(),
                        CoordMode::AlignCorners => {
                            format!("{kf} * {}", literal("f32", (i as f64 - 1.0) / (len[a] - 1.0)))
                        }
                        CoordMode::Asymmetric => format!("{kf} / {}", literal("f32", sc[a])),
                    };
                    let c = self.let_("f32", format!("clamp({c}, 0.0, {})", literal("f32", i as f64 - 1.0)));
                    let lo = self.let_("i32", format!("i32(floor({c}))"));
                    let hi = self.let_("i32", format!("min({lo} + 1, {})", i - 1));
                    let w = self.let_("f32", format!("{c} - f32({lo})"));
                    axes.push((a, lo, hi, w));
                }
                if axes.is_empty() {
                    return self.value_at(x, &base);
                }
                let acc = self.fresh();
                self.stmt(&format!("var {acc}: f32 = 0.0;"));
                let xreg = self.reg(x);
                for corner in 0..(1usize << axes.len()) {
                    let mut cidx = base.clone();
                    let mut weights = Vec::with_capacity(axes.len());
                    for (bit, (a, lo, hi, w)) in axes.iter().enumerate() {
                        if (corner >> bit) & 1 == 1 {
                            cidx[*a] = hi.clone();
                            weights.push(w.clone());
                        } else {
                            cidx[*a] = lo.clone();
                            weights.push(format!("(1.0 - {w})"));
                        }
                    }
                    let v = self.value_at(x, &cidx)?;
                    let v = Self::convert(&v, xreg, "f32");
                    self.stmt(&format!("{acc} = {acc} + {} * {v};", weights.join(" * ")));
                }
                Ok(Self::convert(&acc, "f32", reg))
            }
        }
    }

    /// The index expression `table[e]` for an index `e` of the output: `e` itself, a constant, a
    /// formula `clamp((e * num + off) / den, 0, extent - 1)` that reproduces the table, or a
    /// lookup in a function-scope array.
    fn index_table(&mut self, e: &str, table: &[i64], extent: u64) -> String {
        if table.iter().enumerate().all(|(k, &t)| t == k as i64) {
            return e.to_string();
        }
        if table.iter().all(|&t| t == table[0]) {
            return table[0].to_string();
        }
        let o = table.len() as i64;
        let i = extent as i64;
        let hi = i - 1;
        if o <= 4096 {
            for (num, den) in [(i, o), (2 * i, 2 * o)] {
                for off in -2 * den..=2 * den {
                    let fits = table.iter().enumerate().all(|(k, &t)| {
                        let v = (k as i64 * num + off) / den;
                        v.clamp(0, hi) == t
                    });
                    if fits {
                        let body = add(&mul(e, num as u64), &off.to_string());
                        return format!("clamp(({body}) / {den}, 0, {hi})");
                    }
                }
            }
        }
        let arr = self.fresh();
        let vals: Vec<String> = table.iter().map(|t| t.to_string()).collect();
        self.stmt(&format!("var {arr} = array<i32, {}>({});", vals.len(), vals.join(", ")));
        format!("{arr}[{e}]")
    }
}

fn unreachable_pow() -> String {
    // Pow is handled before the match; keep the match exhaustive without a panic.
    "0".to_string()
}

/// Whether an int → int cast to `to` must wrap (the target is narrower than i32).
fn wraps_into(to: DType) -> bool {
    matches!(to, DType::I8 | DType::U8 | DType::I4 | DType::U4)
}

/// Wraps an i32 expression into a narrow integer dtype like a C cast.
fn wrap_int(e: &str, to: DType) -> String {
    match to {
        DType::U8 => format!("({e} & 255)"),
        DType::I8 => format!("(({e} << 24u) >> 24u)"),
        DType::U4 => format!("({e} & 15)"),
        DType::I4 => format!("(({e} << 28u) >> 28u)"),
        _ => e.to_string(),
    }
}

pub use crate::lower::value::static_shape;
