//! The row-reduction template: `Reduce{Sum,Mean,Max,Min,Prod}`, `ArgMax`/`ArgMin`,
//! `Softmax`/`LogSoftmax` and the `LayerNorm`/`RMSNorm` statistics over the last (flattened) axis.
//!
//! One workgroup per row; its `threads` invocations stride over the row (invocation `t` takes
//! `j = t, t + threads, ...`), accumulate in f32 registers, and combine their partials through
//! subgroup operations (`subgroupAdd`/`Mul`/`Max`/`Min`/`Any`, then one partial per subgroup in
//! workgroup memory) when the schedule asks for subgroups, or through a workgroup-memory tree
//! otherwise. Multi-pass ops (softmax, norms) keep the row in registers when it is at most
//! [`CACHE_MAX`] elements per invocation, and otherwise call `load_x` again on each pass.
//!
//! Semantics follow the reference interpreter (`reference/reduce.rs`, `reference/norm.rs`):
//!
//! - empty rows: Sum 0, Prod 1, Max -inf, Min +inf, Mean 0 (as onnxruntime); ArgMax/ArgMin of an
//!   empty row is an error; Softmax/norms of an empty row store nothing (the dispatch is empty);
//! - Max/Min propagate NaN; ArgMax/ArgMin treat NaN as the extremum (numpy: the first NaN, or the
//!   last with `select_last`); ties take the first index (the last with `select_last`);
//! - Softmax subtracts the row maximum (NaN ignored for the maximum, so a NaN anywhere makes the
//!   row NaN, as in the reference); LogSoftmax is `x - max - log(sum)`;
//! - LayerNorm is a corrected two-pass (mean, then the deviations' sum and sum of squares:
//!   population variance), and
//!   stores `(x - mean) * rstd`; RMSNorm stores `x * rstd` with `rstd = 1 / sqrt(mean(x²) + eps)`.
//!   The caller applies scale and bias in `store_y` (GroupNorm/InstanceNorm are LayerNorm over a
//!   group row).
//!
//! Caller functions (`FT` is the spec's float type, `f32` or `f16`):
//!
//! ```wgsl
//! fn load_x(row: i32, j: i32) -> FT
//! fn store_r(row: i32, v: f32)     // Sum, Mean, Max, Min, Prod
//! fn store_r(row: i32, v: i32)     // ArgMax, ArgMin: the index within the row
//! fn store_y(row: i32, j: i32, v: f32) // Softmax, LogSoftmax, LayerNorm, RmsNorm: once per element
//! ```
//!
//! The workgroup-level reduction machinery ([`WgReduce`], [`PairOrder`]) is shared with the top-k
//! template.

use super::template::{grid, Emitted, FLAT_WID};
use super::types::literal;
pub use crate::lower::anchors::RowOp;
use edgecc_autotune::{DeviceCaps, ReduceSchedule};

/// The most elements per invocation a multi-pass template keeps in registers; longer rows are
/// re-read through `load_x` on every pass.
pub const CACHE_MAX: u64 = 16;

pub(crate) const NEG_INF: &str = "bitcast<f32>(0xff800000u)";
pub(crate) const POS_INF: &str = "bitcast<f32>(0x7f800000u)";
pub(crate) const NAN: &str = "bitcast<f32>(0x7fc00000u)";

/// One row-reduction kernel: `rows` independent rows of `len` elements of type `ft`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowSpec<'a> {
    /// The row count (at the bounds of its dynamic dims).
    pub rows: u64,
    /// The run-time row count as a WGSL `u32` expression (over the parameter buffer) when it
    /// has dynamic dims.
    pub rows_expr: Option<&'a str>,
    /// The row length, at the bounds of its dynamic dims.
    pub len: u64,
    /// The run-time row length as a WGSL `i32` expression when it has dynamic dims: the row
    /// walks, and the means and norms, use it.
    pub len_expr: Option<&'a str>,
    pub op: RowOp,
    /// `"f32"` or `"f16"`: what `load_x` returns.
    pub ft: &'a str,
}

/// Checks a float type string against the device.
pub(crate) fn check_ft(ft: &str, caps: &DeviceCaps, what: &str) -> Result<(), String> {
    match ft {
        "f32" => Ok(()),
        "f16" if caps.shader_f16 => Ok(()),
        "f16" => Err(format!(
            "{what}: f16 needs a device with SHADER_F16 (`{}` has none)",
            caps.name
        )),
        other => Err(format!(
            "{what}: unsupported element type `{other}` (expected f32 or f16)"
        )),
    }
}

/// Checks that an extent fits the `i32` indices of the caller functions.
pub(crate) fn check_i32(v: u64, name: &str, what: &str) -> Result<(), String> {
    if v > i32::MAX as u64 {
        Err(format!(
            "{what}: {name} = {v} does not fit the i32 indices of the kernel; split it"
        ))
    } else {
        Ok(())
    }
}

/// A scalar combine of the workgroup reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    Add,
    Mul,
    /// Maximum, NaN wins.
    MaxNan,
    /// Minimum, NaN wins.
    MinNan,
    /// Maximum of the non-NaN values (-inf when there is none).
    MaxNum,
}

impl Scalar {
    fn tag(self) -> &'static str {
        match self {
            Scalar::Add => "add",
            Scalar::Mul => "mul",
            Scalar::MaxNan => "maxn",
            Scalar::MinNan => "minn",
            Scalar::MaxNum => "maxnum",
        }
    }

    /// The identity element (what an invocation without elements contributes).
    pub(crate) fn identity(self) -> &'static str {
        match self {
            Scalar::Add => "0.0",
            Scalar::Mul => "1.0",
            Scalar::MaxNan | Scalar::MaxNum => NEG_INF,
            Scalar::MinNan => POS_INF,
        }
    }

    /// WGSL combining `a` and `b` (f32 expressions; `t_isnan` must be declared).
    pub(crate) fn comb(self, a: &str, b: &str) -> String {
        match self {
            Scalar::Add => format!("{a} + {b}"),
            Scalar::Mul => format!("{a} * {b}"),
            Scalar::MaxNan => format!("t_maxn({a}, {b})"),
            Scalar::MinNan => format!("t_minn({a}, {b})"),
            Scalar::MaxNum => format!("select({a}, {b}, {b} > {a})"),
        }
    }
}

/// The strict total order in which an arg-reduction or top-k picks `(value, index)` pairs: the
/// pair that comes first wins. Index -1 marks "no element" and comes after everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PairOrder {
    /// Larger values first (else smaller first).
    pub larger: bool,
    /// NaN before every number (else after every number); floats only.
    pub nan_first: bool,
    /// Among equal values (or NaNs), the lower index first (else the higher).
    pub lower_index_first: bool,
    /// Register type of the values: `f32` or `i32`.
    pub rt: &'static str,
}

impl PairOrder {
    fn float(&self) -> bool {
        self.rt == "f32"
    }

    /// The value an empty slot holds.
    pub(crate) fn sentinel(&self) -> &'static str {
        match (self.float(), self.larger) {
            (true, true) => NEG_INF,
            (true, false) => POS_INF,
            (false, true) => "i32(-2147483648)",
            (false, false) => "2147483647",
        }
    }

    /// `fn t_before(av, ai, bv, bi) -> bool`: whether `(av, ai)` comes strictly before `(bv, bi)`.
    fn before_fn(&self) -> String {
        let rt = self.rt;
        let idx = if self.lower_index_first { "ai < bi" } else { "ai > bi" };
        let cmp = if self.larger { "av > bv" } else { "av < bv" };
        let mut s = format!(
            "fn t_before(av: {rt}, ai: i32, bv: {rt}, bi: i32) -> bool {{\n    \
             if (ai < 0) {{ return false; }}\n    if (bi < 0) {{ return true; }}\n"
        );
        if self.float() {
            s += &format!(
                "    let an = t_isnan(av);\n    let bn = t_isnan(bv);\n    \
                 if (an != bn) {{ return an == {}; }}\n    if (an || av == bv) {{ return {idx}; }}\n",
                self.nan_first
            );
        } else {
            s += &format!("    if (av == bv) {{ return {idx}; }}\n");
        }
        s += &format!("    return {cmp};\n}}\n");
        s
    }

    /// `fn t_sg_pair(p) -> t_Pair`: the first pair of the subgroup, on every invocation.
    fn subgroup_fn(&self) -> String {
        let rt = self.rt;
        let ext = if self.larger { "subgroupMax" } else { "subgroupMin" };
        let sent = self.sentinel();
        let mut s = String::from("fn t_sg_pair(p: t_Pair) -> t_Pair {\n    let valid = p.i >= 0;\n");
        if self.float() {
            s += "    let n = valid && t_isnan(p.v);\n    let nn = valid && !n;\n";
            s += if self.nan_first {
                "    let use_nan = subgroupAny(n);\n"
            } else {
                "    let use_nan = !subgroupAny(nn);\n"
            };
        } else {
            s += "    let nn = valid;\n    let use_nan = false;\n    let n = false;\n";
        }
        s += &format!(
            "    let m = {ext}(select({sent}, p.v, nn));\n    \
             let cand = select(nn && p.v == m, n, use_nan);\n"
        );
        if self.lower_index_first {
            s += "    let k = subgroupMin(select(2147483647, p.i, cand));\n    \
                  let idx = select(k, -1, k == 2147483647);\n";
        } else {
            s += "    let idx = subgroupMax(select(-1, p.i, cand));\n";
        }
        // The exact value of the winner (bits, so NaN payloads and signed zeros survive).
        s += &format!(
            "    let bits = subgroupMax(select(0u, bitcast<u32>(p.v), p.i == idx && valid));\n    \
             return t_Pair(select({sent}, bitcast<{rt}>(bits), idx >= 0), idx);\n}}\n"
        );
        s
    }
}

/// Emits workgroup-wide reductions for one schedule: declarations, helpers, and calls.
pub(crate) struct WgReduce {
    pub threads: u32,
    pub subgroups: bool,
}

impl WgReduce {
    /// Checks the schedule against the device with the reduce fit rule
    /// ([`ReduceSchedule::check`], `slots` 4-byte workgroup values per invocation).
    pub(crate) fn new(s: &ReduceSchedule, caps: &DeviceCaps, slots: u32, what: &str) -> Result<WgReduce, String> {
        s.check(caps, slots).map_err(|e| format!("{what}: {e}"))?;
        Ok(WgReduce {
            threads: s.threads,
            subgroups: s.subgroups,
        })
    }

    /// The parameters of `main`: the folded workgroup id, `t_lid`, and the subgroup builtins.
    pub(crate) fn main_params(&self) -> String {
        let mut p = String::from(
            "@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, \
             @builtin(local_invocation_index) t_lid: u32",
        );
        if self.subgroups {
            p += ", @builtin(subgroup_invocation_id) t_sgl: u32, @builtin(subgroup_id) t_sgi: u32, \
                  @builtin(num_subgroups) t_nsg: u32";
        }
        p
    }

    fn args(&self) -> &'static str {
        if self.subgroups {
            "t_lid, t_sgl, t_sgi, t_nsg"
        } else {
            "t_lid"
        }
    }

    fn params(&self) -> &'static str {
        if self.subgroups {
            "lid: u32, sgl: u32, sgi: u32, nsg: u32"
        } else {
            "lid: u32"
        }
    }

    /// `var<workgroup>` for scalar reductions (`t_rv`).
    pub(crate) fn scalar_decls(&self) -> String {
        format!("var<workgroup> t_rv: array<f32, {}>;\n", self.threads)
    }

    /// `t_isnan`, `t_maxn`, `t_minn`.
    pub(crate) fn float_helpers() -> String {
        "fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }\n\
         fn t_maxn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b > a); }\n\
         fn t_minn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b < a); }\n"
            .to_string()
    }

    /// `fn t_red_<tag>(v: f32, ...) -> f32`: the combine of `v` over the workgroup, returned to
    /// every invocation. Must be called in uniform control flow (it has barriers).
    pub(crate) fn scalar_fn(&self, op: Scalar) -> String {
        let tag = op.tag();
        let params = self.params();
        let t = self.threads;
        if self.subgroups {
            let sg = match op {
                Scalar::Add => "    let s = subgroupAdd(v);\n".to_string(),
                Scalar::Mul => "    let s = subgroupMul(v);\n".to_string(),
                Scalar::MaxNum => format!("    let s = subgroupMax(select(v, {NEG_INF}, t_isnan(v)));\n"),
                Scalar::MaxNan => format!(
                    "    let m = subgroupMax(select(v, {NEG_INF}, t_isnan(v)));\n    \
                     let any_nan = subgroupAny(t_isnan(v));\n    let s = select(m, {NAN}, any_nan);\n"
                ),
                Scalar::MinNan => format!(
                    "    let m = subgroupMin(select(v, {POS_INF}, t_isnan(v)));\n    \
                     let any_nan = subgroupAny(t_isnan(v));\n    let s = select(m, {NAN}, any_nan);\n"
                ),
            };
            format!(
                "fn t_red_{tag}(v: f32, {params}) -> f32 {{\n{sg}    \
                 if (sgl == 0u) {{ t_rv[sgi] = s; }}\n    workgroupBarrier();\n    \
                 var r = t_rv[0];\n    for (var q = 1u; q < nsg; q++) {{ r = {}; }}\n    \
                 workgroupBarrier();\n    return r;\n}}\n",
                op.comb("r", "t_rv[q]")
            )
        } else {
            let p2 = t.next_power_of_two();
            format!(
                "fn t_red_{tag}(v: f32, {params}) -> f32 {{\n    t_rv[lid] = v;\n    workgroupBarrier();\n    \
                 for (var s = {}u; s > 0u; s = s >> 1u) {{\n        \
                 if (lid < s && lid + s < {t}u) {{ t_rv[lid] = {}; }}\n        workgroupBarrier();\n    }}\n    \
                 let r = t_rv[0];\n    workgroupBarrier();\n    return r;\n}}\n",
                p2 / 2,
                op.comb("t_rv[lid]", "t_rv[lid + s]")
            )
        }
    }

    /// A call of [`Self::scalar_fn`] on `v`.
    pub(crate) fn scalar_call(&self, op: Scalar, v: &str) -> String {
        format!("t_red_{}({v}, {})", op.tag(), self.args())
    }

    /// Declarations and helpers for pair reductions: `struct t_Pair`, `t_pv`/`t_pi`, `t_before`,
    /// the subgroup helper, and `fn t_red_pair(p: t_Pair, ...) -> t_Pair`. Needs `t_isnan` for
    /// float values.
    pub(crate) fn pair_fns(&self, order: &PairOrder) -> String {
        let rt = order.rt;
        let t = self.threads;
        let params = self.params();
        let mut s = format!(
            "struct t_Pair {{ v: {rt}, i: i32 }}\nvar<workgroup> t_pv: array<{rt}, {t}>;\n\
             var<workgroup> t_pi: array<i32, {t}>;\n"
        );
        s += &order.before_fn();
        if self.subgroups {
            s += &order.subgroup_fn();
            s += &format!(
                "fn t_red_pair(p: t_Pair, {params}) -> t_Pair {{\n    let r = t_sg_pair(p);\n    \
                 if (sgl == 0u) {{ t_pv[sgi] = r.v; t_pi[sgi] = r.i; }}\n    workgroupBarrier();\n    \
                 var b = t_Pair(t_pv[0], t_pi[0]);\n    for (var q = 1u; q < nsg; q++) {{\n        \
                 if (t_before(t_pv[q], t_pi[q], b.v, b.i)) {{ b = t_Pair(t_pv[q], t_pi[q]); }}\n    }}\n    \
                 workgroupBarrier();\n    return b;\n}}\n"
            );
        } else {
            s += &format!(
                "fn t_red_pair(p: t_Pair, {params}) -> t_Pair {{\n    t_pv[lid] = p.v;\n    t_pi[lid] = p.i;\n    \
                 workgroupBarrier();\n    for (var s = {}u; s > 0u; s = s >> 1u) {{\n        \
                 if (lid < s && lid + s < {t}u) {{\n            \
                 if (t_before(t_pv[lid + s], t_pi[lid + s], t_pv[lid], t_pi[lid])) {{\n                \
                 t_pv[lid] = t_pv[lid + s];\n                t_pi[lid] = t_pi[lid + s];\n            }}\n        }}\n        \
                 workgroupBarrier();\n    }}\n    let r = t_Pair(t_pv[0], t_pi[0]);\n    workgroupBarrier();\n    return r;\n}}\n",
                t.next_power_of_two() / 2
            );
        }
        s
    }

    /// A call of the pair reduction on `p`.
    pub(crate) fn pair_call(&self, p: &str) -> String {
        format!("t_red_pair({p}, {})", self.args())
    }

    /// The prologue of `main`: the row of this workgroup (`t_row`, live when `t_live`), the
    /// row's extent for this workgroup (`t_n`, 0 for the guard workgroups) and `t_j0`.
    pub(crate) fn row_prologue(&self, rows: &str, len: &str) -> String {
        format!(
            "    let t_flat = {FLAT_WID};\n    let t_live = t_flat < {rows};\n    \
             let t_row = i32(t_flat);\n    let t_n = select(0, {len}, t_live);\n    let t_j0 = i32(t_lid);\n"
        )
    }
}

/// How a template walks its row: in registers (`t_xs`) or through `load_x`.
pub(crate) struct RowWalk {
    pub threads: u32,
    /// Elements per invocation when cached, `None` when the row is re-read.
    pub cached: Option<u64>,
    /// Register type the values are converted to (`f32` or `i32`).
    pub rt: &'static str,
}

impl RowWalk {
    pub(crate) fn new(threads: u32, len: u64, multi_pass: bool, rt: &'static str) -> RowWalk {
        let per = len.div_ceil(threads as u64);
        RowWalk {
            threads,
            cached: (multi_pass && (1..=CACHE_MAX).contains(&per)).then_some(per),
            rt,
        }
    }

    /// Fills the register cache (nothing when not cached).
    pub(crate) fn load(&self) -> String {
        match self.cached {
            Some(e) => format!(
                "    var t_xs: array<{rt}, {e}>;\n    for (var t_e = 0; t_e < {e}; t_e++) {{\n        \
                 let t_j = t_j0 + t_e * {t};\n        if (t_j < t_n) {{ t_xs[t_e] = {rt}(load_x(t_row, t_j)); }}\n    }}\n",
                rt = self.rt,
                t = self.threads
            ),
            None => String::new(),
        }
    }

    /// A loop over this invocation's elements running `body` with `t_j` (index) and `t_x`
    /// (value, of the register type) in scope.
    pub(crate) fn each(&self, body: &str) -> String {
        let t = self.threads;
        match self.cached {
            Some(e) => format!(
                "    for (var t_e = 0; t_e < {e}; t_e++) {{\n        let t_j = t_j0 + t_e * {t};\n        \
                 if (t_j < t_n) {{\n            let t_x = t_xs[t_e];\n{body}        }}\n    }}\n"
            ),
            None => format!(
                "    for (var t_j = t_j0; t_j < t_n; t_j += {t}) {{\n        let t_x = {}(load_x(t_row, t_j));\n{body}    }}\n",
                self.rt
            ),
        }
    }
}

/// Emits a row-reduction kernel (see the module docs for the semantics and caller functions).
pub fn emit_row(spec: &RowSpec, s: &ReduceSchedule, caps: &DeviceCaps) -> Result<Emitted, String> {
    let what = format!("row {}", spec.op.name());
    check_ft(spec.ft, caps, &what)?;
    check_i32(spec.rows, "rows", &what)?;
    check_i32(spec.len, "the row length", &what)?;
    let arg = matches!(spec.op, RowOp::ArgMax { .. } | RowOp::ArgMin { .. });
    if arg && spec.len == 0 && spec.rows > 0 {
        return Err(format!("{what}: cannot take an arg-extremum of an empty row"));
    }
    let red = WgReduce::new(s, caps, spec.op.reduce_slots(), &what)?;
    let t = red.threads;
    let mut workgroups = grid(spec.rows, caps.max_workgroups_per_dim).map_err(|e| format!("{what}: {e}"))?;
    if spec.op.per_element() && spec.len == 0 {
        // Nothing to store: an empty dispatch of a kernel that does nothing.
        workgroups = [0, 1, 1];
    }
    let walk = RowWalk::new(t, spec.len, spec.op.per_element(), "f32");
    let len = spec.len;
    let mut code = WgReduce::float_helpers();
    let rows = spec.rows_expr.map_or_else(|| format!("{}u", spec.rows), str::to_string);
    let len_s = spec.len_expr.map_or_else(|| len.to_string(), str::to_string);
    let mut body = red.row_prologue(&rows, &len_s);
    let scalar = |op: Scalar, code: &mut String| {
        if !code.contains(&format!("fn t_red_{}(", op.tag())) {
            *code += &red.scalar_fn(op);
        }
    };
    let lenf = spec
        .len_expr
        .map_or_else(|| literal("f32", len as f64), |e| format!("f32({e})"));
    match spec.op {
        RowOp::Sum | RowOp::Mean | RowOp::Max | RowOp::Min | RowOp::Prod => {
            let op = match spec.op {
                RowOp::Sum | RowOp::Mean => Scalar::Add,
                RowOp::Prod => Scalar::Mul,
                RowOp::Max => Scalar::MaxNan,
                _ => Scalar::MinNan,
            };
            code += &red.scalar_decls();
            scalar(op, &mut code);
            body += &format!("    var t_acc = {};\n", op.identity());
            body += &walk.each(&format!("            t_acc = {};\n", op.comb("t_acc", "t_x")));
            body += &format!("    let t_r = {};\n", red.scalar_call(op, "t_acc"));
            let fin = match spec.op {
                // The empty mean is 0, as in onnxruntime and the reference.
                RowOp::Mean if len == 0 => "0.0".to_string(),
                // A dynamic row may be empty at run time.
                RowOp::Mean if spec.len_expr.is_some() => format!("select(0.0, t_r / {lenf}, {lenf} > 0.0)"),
                RowOp::Mean => format!("t_r / {lenf}"),
                _ => "t_r".to_string(),
            };
            body += &format!("    if (t_live && t_lid == 0u) {{ store_r(t_row, {fin}); }}\n");
        }
        RowOp::ArgMax { select_last } | RowOp::ArgMin { select_last } => {
            let order = PairOrder {
                larger: matches!(spec.op, RowOp::ArgMax { .. }),
                nan_first: true,
                lower_index_first: !select_last,
                rt: "f32",
            };
            code += &red.pair_fns(&order);
            body += &format!("    var t_b = t_Pair({}, -1);\n", order.sentinel());
            body += &walk.each("            if (t_before(t_x, t_j, t_b.v, t_b.i)) { t_b = t_Pair(t_x, t_j); }\n");
            body += &format!("    let t_r = {};\n", red.pair_call("t_b"));
            body += "    if (t_live && t_lid == 0u) { store_r(t_row, t_r.i); }\n";
        }
        RowOp::Softmax | RowOp::LogSoftmax => {
            code += &red.scalar_decls();
            scalar(Scalar::MaxNum, &mut code);
            scalar(Scalar::Add, &mut code);
            body += &walk.load();
            body += &format!("    var t_m = {NEG_INF};\n");
            body += &walk.each("            if (t_x > t_m) { t_m = t_x; }\n");
            body += &format!("    let t_mx = {};\n", red.scalar_call(Scalar::MaxNum, "t_m"));
            body += "    var t_s = 0.0;\n";
            body += &walk.each("            t_s += exp(t_x - t_mx);\n");
            body += &format!("    let t_sum = {};\n", red.scalar_call(Scalar::Add, "t_s"));
            if spec.op == RowOp::Softmax {
                body += &walk.each("            if (t_live) { store_y(t_row, t_j, exp(t_x - t_mx) / t_sum); }\n");
            } else {
                body += "    let t_lse = log(t_sum);\n";
                body += &walk.each("            if (t_live) { store_y(t_row, t_j, t_x - t_mx - t_lse); }\n");
            }
        }
        RowOp::LayerNorm { eps } => {
            code += &red.scalar_decls();
            scalar(Scalar::Add, &mut code);
            body += &walk.load();
            body += "    var t_s = 0.0;\n";
            body += &walk.each("            t_s += t_x;\n");
            body += &format!("    let t_mean0 = {} / {lenf};\n", red.scalar_call(Scalar::Add, "t_s"));
            // Corrected two-pass: the deviations' own sum removes the first pass's rounding
            // error from the mean (Chan, Golub & LeVeque), so large means stay accurate.
            body += "    var t_q = 0.0;\n    var t_c = 0.0;\n";
            body += &walk
                .each("            let t_d = t_x - t_mean0;\n            t_c += t_d;\n            t_q += t_d * t_d;\n");
            body += &format!("    let t_dm = {} / {lenf};\n", red.scalar_call(Scalar::Add, "t_c"));
            body += "    let t_mean = t_mean0 + t_dm;\n";
            body += &format!(
                "    let t_var = max({} / {lenf} - t_dm * t_dm, 0.0);\n    let t_rstd = inverseSqrt(t_var + {});\n",
                red.scalar_call(Scalar::Add, "t_q"),
                literal("f32", eps as f64)
            );
            body += &walk.each("            if (t_live) { store_y(t_row, t_j, (t_x - t_mean) * t_rstd); }\n");
        }
        RowOp::RmsNorm { eps } => {
            code += &red.scalar_decls();
            scalar(Scalar::Add, &mut code);
            body += &walk.load();
            body += "    var t_q = 0.0;\n";
            body += &walk.each("            t_q += t_x * t_x;\n");
            body += &format!(
                "    let t_rstd = inverseSqrt({} / {lenf} + {});\n",
                red.scalar_call(Scalar::Add, "t_q"),
                literal("f32", eps as f64)
            );
            body += &walk.each("            if (t_live) { store_y(t_row, t_j, t_x * t_rstd); }\n");
        }
    }
    if spec.op.per_element() && len == 0 {
        body = String::new();
    }
    code += &format!(
        "@compute @workgroup_size({t})\nfn main({}) {{\n{body}}}\n",
        red.main_params()
    );
    Ok(Emitted {
        code,
        workgroups,
        threads: t,
        uses_subgroups: red.subgroups,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wgsl::validate::validate;

    /// Device profiles covering subgroup sizes 8/16/64 and a device without subgroups.
    pub(crate) fn test_caps() -> Vec<DeviceCaps> {
        let mut v: Vec<DeviceCaps> = ["lavapipe", "mali-g715", "adreno-740"]
            .iter()
            .map(|n| edgecc_autotune::profile(n).unwrap())
            .collect();
        let mut none = v[0].clone();
        none.subgroup_size = 0;
        none.name = "no-subgroups".into();
        v.push(none);
        v
    }

    pub(crate) fn schedules(caps: &DeviceCaps, len: u64) -> Vec<ReduceSchedule> {
        let mut v = vec![ReduceSchedule::default_for(caps, len)];
        for threads in [1, 48, 256] {
            v.push(ReduceSchedule {
                threads,
                subgroups: false,
                subgroup_size: 0,
            });
            if caps.has_subgroups() {
                v.push(ReduceSchedule {
                    threads,
                    subgroups: true,
                    subgroup_size: caps.subgroup_size,
                });
            }
        }
        v
    }

    const OPS: [RowOp; 13] = [
        RowOp::Sum,
        RowOp::Mean,
        RowOp::Max,
        RowOp::Min,
        RowOp::Prod,
        RowOp::ArgMax { select_last: false },
        RowOp::ArgMax { select_last: true },
        RowOp::ArgMin { select_last: false },
        RowOp::ArgMin { select_last: true },
        RowOp::Softmax,
        RowOp::LogSoftmax,
        RowOp::LayerNorm { eps: 1e-5 },
        RowOp::RmsNorm { eps: 1e-6 },
    ];

    fn caller(op: RowOp, ft: &str, len: u64) -> String {
        let store = if op.per_element() {
            format!("fn store_y(row: i32, j: i32, v: f32) {{ b1[row * {len} + j] = v; }}\n")
        } else if matches!(op, RowOp::ArgMax { .. } | RowOp::ArgMin { .. }) {
            "fn store_r(row: i32, v: i32) { b2[row] = v; }\n".into()
        } else {
            "fn store_r(row: i32, v: f32) { b1[row] = v; }\n".into()
        };
        format!(
            "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
             @group(0) @binding(1) var<storage, read_write> b1: array<f32>;\n\
             @group(0) @binding(2) var<storage, read_write> b2: array<i32>;\n\
             fn load_x(row: i32, j: i32) -> {ft} {{ return b0[row * {len} + j]; }}\n{store}",
            if ft == "f16" { "enable f16;\n" } else { "" }
        )
    }

    #[test]
    fn every_op_validates_on_every_path() {
        for caps in test_caps() {
            for len in [0, 1, 100, 5000] {
                for s in schedules(&caps, len) {
                    for op in OPS {
                        for ft in ["f32", "f16"] {
                            let spec = RowSpec {
                                rows: 70_000,
                                rows_expr: None,
                                len_expr: None,
                                len,
                                op,
                                ft,
                            };
                            let em = match emit_row(&spec, &s, &caps) {
                                Ok(em) => em,
                                Err(e) => {
                                    assert!(len == 0 && e.contains("empty row"), "{op:?} {s:?}: {e}");
                                    continue;
                                }
                            };
                            assert_eq!(em.uses_subgroups, s.subgroups);
                            if len > 0 {
                                assert_eq!(em.workgroups, [65535, 2, 1]);
                            }
                            let src = caller(op, ft, len) + &em.code;
                            validate("row", &src, &caps)
                                .unwrap_or_else(|e| panic!("{} {op:?} {ft} len {len} {s:?}: {e}\n{src}", caps.name));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn long_rows_are_reread_short_rows_cached() {
        let caps = &test_caps()[0];
        let s = ReduceSchedule {
            threads: 32,
            subgroups: false,
            subgroup_size: 0,
        };
        let short = emit_row(
            &RowSpec {
                rows: 1,
                rows_expr: None,
                len_expr: None,
                len: 32 * CACHE_MAX,
                op: RowOp::Softmax,
                ft: "f32",
            },
            &s,
            caps,
        )
        .unwrap();
        assert!(short.code.contains("var t_xs: array<f32, 16>"), "{}", short.code);
        let long = emit_row(
            &RowSpec {
                rows: 1,
                rows_expr: None,
                len_expr: None,
                len: 32 * CACHE_MAX + 1,
                op: RowOp::Softmax,
                ft: "f32",
            },
            &s,
            caps,
        )
        .unwrap();
        assert!(!long.code.contains("t_xs"), "{}", long.code);
        // Single-pass ops never cache.
        let sum = emit_row(
            &RowSpec {
                rows: 1,
                rows_expr: None,
                len_expr: None,
                len: 64,
                op: RowOp::Sum,
                ft: "f32",
            },
            &s,
            caps,
        )
        .unwrap();
        assert!(!sum.code.contains("t_xs"));
    }

    #[test]
    fn bad_specs_are_errors() {
        let caps = &test_caps()[3];
        let s = ReduceSchedule {
            threads: 64,
            subgroups: true,
            subgroup_size: 8,
        };
        let spec = RowSpec {
            rows: 1,
            rows_expr: None,
            len_expr: None,
            len: 8,
            op: RowOp::Sum,
            ft: "f32",
        };
        assert!(emit_row(&spec, &s, caps).unwrap_err().contains("subgroup"));
        let s = ReduceSchedule { subgroups: false, ..s };
        assert!(emit_row(&RowSpec { len: 1 << 31, ..spec }, &s, caps)
            .unwrap_err()
            .contains("i32"));
        assert!(emit_row(&RowSpec { ft: "bf16", ..spec }, &s, caps).is_err());
        let s0 = ReduceSchedule { threads: 0, ..s };
        assert!(emit_row(&spec, &s0, caps).is_err());
    }
}
