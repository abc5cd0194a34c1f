//! The attention template: tiled scaled-dot-product attention with an online softmax
//! (flash-attention style), `out = softmax(q kᵀ * scale + mask) v`, where the score matrix never
//! reaches global memory.
//!
//! A workgroup takes `block_q` query rows of one (flattened batch x head) entry: it stages its Q
//! tile in workgroup memory once, then walks the keys in blocks of `block_k`. Per block it stages
//! the K block, computes the `block_q x block_k` scores into workgroup memory, updates the running
//! row maximum `m`, the running denominator `l` and a rescale factor per row (`threads / block_q`
//! invocations per row: partial maxima, then weights and partial sums), stages the V block in the
//! same buffer as K, and rescales and updates the f32 output accumulators, which live in registers
//! (each invocation owns `ceil(block_q * dv / threads)` outputs). Four barriers per key block.
//! With `causal` a workgroup stops at the last key block any of its rows can see.
//!
//! Semantics follow the reference interpreter (`reference/attention.rs`): key `j` is masked for
//! query `i` when `causal` and `j > i + (lk - lq)`; an additive mask of `-inf` masks a key; masked
//! keys get weight exactly 0; a query row whose every key is masked (or with `lk = 0`) outputs
//! zeros; a NaN score makes its row NaN.
//!
//! Caller functions (`FT` is the spec's float type; `b` is the flattened batch index):
//!
//! ```wgsl
//! fn load_q(b: i32, i: i32, c: i32) -> FT   // i < lq, c < d
//! fn load_k(b: i32, j: i32, c: i32) -> FT   // j < lk, c < d
//! fn load_v(b: i32, j: i32, c: i32) -> FT   // j < lk, c < dv
//! fn mask_s(b: i32, i: i32, j: i32) -> f32  // has_mask only; additive (0 / -inf for a bool mask);
//!                                           // called for i < lq, j < lk, keys causal keeps
//! fn store_o(b: i32, i: i32, c: i32, v: f32)
//! ```
//!
//! Workgroup memory: [`edgecc_autotune::attention_shared_bytes`] (Q tile, one K/V block with rows padded by one
//! element when even, the f32 weights and per-row statistics), checked against the device.

use super::rowreduce::{check_ft, check_i32, NAN, NEG_INF};
use super::template::{grid, Emitted, FLAT_WID};
use super::types::literal;
use crate::lower::AttentionProblem;
use edgecc_autotune::{
    attention_check, attention_default, attention_row_threads, AttentionExtents, DeviceCaps, Schedule,
};
use edgecc_ir::DType;

/// One attention kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttnSpec<'a> {
    /// Flattened batch x heads (at the bounds of their dynamic dims).
    pub batch: u64,
    /// The run-time flattened batch as a WGSL `i32` expression when it is dynamic: the live
    /// workgroups and the launch then read it.
    pub batch_expr: Option<&'a str>,
    /// Query rows (at the bound of their dynamic dim when they have one).
    pub lq: u64,
    /// Keys (and values), likewise.
    pub lk: u64,
    /// The run-time query rows and keys as WGSL `i32` expressions (over the parameter buffer)
    /// when they are dynamic: the bounds checks, the causal shift, the key blocks visited and
    /// the live workgroups then read them, and the launch is computed at run time (one
    /// workgroup per `block_q` rows of each batch entry, folded as [`grid`] folds).
    pub lq_expr: Option<&'a str>,
    pub lk_expr: Option<&'a str>,
    /// Head size of q and k.
    pub d: u64,
    /// Head size of v (and of the output).
    pub dv: u64,
    pub scale: f32,
    /// Mask key `j > i + (lk - lq)`.
    pub causal: bool,
    /// Whether the caller defines `mask_s`.
    pub has_mask: bool,
    /// Whether the caller defines `fn score_s(b: i32, i: i32, j: i32, s: f32) -> f32`, which
    /// turns the raw dot product `q·k` into the logit (scale, mask, any pointwise chain of a
    /// decomposed attention); `scale` and `mask_s` are then not used.
    pub score_fn: bool,
    /// `"f32"` or `"f16"`: what the loads return and the staged tiles hold.
    pub ft: &'a str,
}

impl AttnSpec<'_> {
    /// The problem this kernel computes (its key, default schedule and fit rule).
    pub fn problem(&self) -> AttentionProblem {
        AttentionProblem {
            batch: self.batch,
            lq: self.lq,
            lk: self.lk,
            d: self.d,
            dv: self.dv,
            causal: self.causal,
            mask: self.has_mask,
            score_fn: self.score_fn,
            dtype: if self.ft == "f16" { DType::F16 } else { DType::F32 },
        }
    }

    /// The extents the attention schedule's default and fit rule read
    /// ([`edgecc_autotune::attention_check`]).
    pub fn extents(&self) -> AttentionExtents {
        self.problem().extents()
    }
}

/// The default schedule of `spec` ([`edgecc_autotune::attention_default`]).
pub fn default_attention_schedule(caps: &DeviceCaps, spec: &AttnSpec) -> Schedule {
    attention_default(caps, &spec.extents())
}

/// `i + k` as WGSL for an i32 expression `i` and a constant `k` of either sign.
fn plus(i: &str, k: i64) -> String {
    match k.cmp(&0) {
        std::cmp::Ordering::Equal => i.to_string(),
        std::cmp::Ordering::Greater => format!("({i} + {k})"),
        std::cmp::Ordering::Less => format!("({i} - {})", -k),
    }
}

/// Emits an attention kernel (see the module docs for the design and the caller functions).
pub fn emit_attention(spec: &AttnSpec, sched: &Schedule, caps: &DeviceCaps) -> Result<Emitted, String> {
    let what = "attention";
    let (bq, bk, t) = match sched {
        Schedule::Attention {
            block_q,
            block_k,
            threads,
        } => (*block_q as u64, *block_k as u64, *threads as u64),
        other => return Err(format!("{what}: needs an attention schedule, got {other:?}")),
    };
    check_ft(spec.ft, caps, what)?;
    for (v, name) in [
        (spec.batch, "batch"),
        (spec.lq, "lq"),
        (spec.lk, "lk"),
        (spec.d, "d"),
        (spec.dv, "dv"),
    ] {
        check_i32(v, name, what)?;
    }
    attention_check(caps, &spec.extents(), bq, bk, t).map_err(|e| format!("{what}: {e}"))?;
    let nacc = (bq * spec.dv).div_ceil(t).max(1);
    let qblocks = spec.lq.div_ceil(bq).max(1);
    let groups = spec
        .batch
        .checked_mul(spec.lq.div_ceil(bq))
        .ok_or_else(|| format!("{what}: too many workgroups"))?;
    let workgroups = grid(groups, caps.max_workgroups_per_dim).map_err(|e| format!("{what}: {e}"))?;

    let ft = spec.ft;
    let (d, dv) = (spec.d, spec.dv);
    // Query rows and keys in the text: literals, or the run-time values when dynamic.
    let dynamic = spec.lq_expr.is_some() || spec.lk_expr.is_some() || spec.batch_expr.is_some();
    let lq = spec.lq_expr.map_or_else(|| spec.lq.to_string(), str::to_string);
    let lk = spec.lk_expr.map_or_else(|| spec.lk.to_string(), str::to_string);
    let ks = spec.extents().kv_stride();
    let tpr = attention_row_threads(bq, bk, t);
    let nkb = match spec.lk_expr {
        None => spec.lk.div_ceil(bk).to_string(),
        Some(e) => format!("(({e} + {}) / {bk})", bk - 1),
    };
    // `i + (lk - lq)`: the last key query row `i` sees when causal.
    let shifted = |i: &str| -> String {
        if dynamic {
            format!("({i} + ({lk} - {lq}))")
        } else {
            plus(i, spec.lk as i64 - spec.lq as i64)
        }
    };
    // Workgroups: `batch x qblocks`, live when the flat id is below.
    let (qblocks_s, groups_s) = if dynamic {
        let qb = match spec.lq_expr {
            Some(e) => format!("u32(max(({e} + {}) / {bq}, 1))", bq - 1),
            None => format!("{qblocks}u"),
        };
        let batch = spec
            .batch_expr
            .map_or_else(|| format!("{}u", spec.batch), |e| format!("u32({e})"));
        let groups = match (spec.lq_expr, spec.batch_expr) {
            (Some(e), _) => format!("(u32(({e} + {}) / {bq}) * {batch})", bq - 1),
            (None, Some(_)) => format!("({}u * {batch})", spec.lq.div_ceil(bq)),
            (None, None) => format!("{groups}u"),
        };
        (qb, groups)
    } else {
        (format!("{qblocks}u"), format!("{groups}u"))
    };
    let scale = literal("f32", spec.scale as f64);
    let zero = format!("{ft}(0.0)");

    let mut c = String::new();
    c += &format!(
        "var<workgroup> t_q: array<{ft}, {}>;\nvar<workgroup> t_kv: array<{ft}, {}>;\n\
         var<workgroup> t_p: array<f32, {}>;\nvar<workgroup> t_m: array<f32, {bq}>;\n\
         var<workgroup> t_l: array<f32, {bq}>;\nvar<workgroup> t_a: array<f32, {bq}>;\n\
         var<workgroup> t_pm: array<f32, {}>;\nvar<workgroup> t_ps: array<f32, {}>;\n",
        (bq * d).max(1),
        bk * ks,
        bq * bk,
        bq * tpr,
        bq * tpr
    );
    c += "fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }\n";
    c += &format!(
        "@compute @workgroup_size({t})\nfn main(@builtin(workgroup_id) wid: vec3<u32>, \
         @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t_lidu: u32) {{\n"
    );
    c += &format!(
        "    let t_flat = {FLAT_WID};\n    let t_live = t_flat < {groups_s};\n    \
         let t_b = i32(t_flat / {qblocks_s});\n    let t_i0 = i32(t_flat % {qblocks_s}) * {bq};\n    \
         let t_lid = i32(t_lidu);\n"
    );
    // The key blocks this workgroup visits (uniform over the workgroup).
    c += &format!("    var t_nkb = {nkb};\n");
    if spec.causal {
        c += &format!(
            "    let t_last = {};\n    t_nkb = select(0, min({nkb}, t_last / {bk} + 1), t_last >= 0);\n",
            shifted(&format!("(min(t_i0 + {bq}, {lq}) - 1)"))
        );
    }
    c += "    if (!t_live) { t_nkb = 0; }\n";
    // Q tile, running statistics, accumulators.
    if d > 0 {
        c += &format!(
            "    for (var t_e = t_lid; t_e < {n}; t_e += {t}) {{\n        let t_i = t_i0 + t_e / {d};\n        \
             var t_v = {zero};\n        if (t_live && t_i < {lq}) {{ t_v = load_q(t_b, t_i, t_e % {d}); }}\n        \
             t_q[t_e] = t_v;\n    }}\n",
            n = bq * d
        );
    }
    c += &format!("    if (t_lid < {bq}) {{ t_m[t_lid] = {NEG_INF}; t_l[t_lid] = 0.0; }}\n");
    c += &format!("    var t_o: array<f32, {nacc}>;\n");
    // Publishes the Q tile and the statistics (also for workgroups that visit no key block).
    c += "    workgroupBarrier();\n";
    c += "    for (var t_kb = 0; t_kb < t_nkb; t_kb++) {\n";
    c += &format!("        let t_j0 = t_kb * {bk};\n");
    // K block.
    if d > 0 {
        c += &format!(
            "        for (var t_e = t_lid; t_e < {n}; t_e += {t}) {{\n            let t_jj = t_e / {d};\n            \
             let t_c = t_e % {d};\n            var t_v = {zero};\n            \
             if (t_j0 + t_jj < {lk}) {{ t_v = load_k(t_b, t_j0 + t_jj, t_c); }}\n            \
             t_kv[t_jj * {ks} + t_c] = t_v;\n        }}\n",
            n = bk * d
        );
    }
    c += "        workgroupBarrier();\n";
    // Scores.
    let mut keep = format!("t_i < {lq} && t_j < {lk}");
    if spec.causal {
        keep += &format!(" && t_j <= {}", shifted("t_i"));
    }
    let mask = if spec.has_mask { " + mask_s(t_b, t_i, t_j)" } else { "" };
    let score = if spec.score_fn {
        "score_s(t_b, t_i, t_j, t_acc)".to_string()
    } else {
        format!("t_acc * {scale}{mask}")
    };
    c += &format!(
        "        for (var t_e = t_lid; t_e < {n}; t_e += {t}) {{\n            let t_ii = t_e / {bk};\n            \
         let t_jj = t_e % {bk};\n            let t_i = t_i0 + t_ii;\n            let t_j = t_j0 + t_jj;\n            \
         var t_s = {NEG_INF};\n            if ({keep}) {{\n                var t_acc = 0.0;\n                \
         for (var t_c = 0; t_c < {d}; t_c++) {{ t_acc += f32(t_q[t_ii * {d} + t_c]) * f32(t_kv[t_jj * {ks} + t_c]); }}\n                \
         t_s = {score};\n            }}\n            t_p[t_e] = t_s;\n        }}\n        workgroupBarrier();\n",
        n = bq * bk
    );
    // Online softmax update, `tpr` invocations per row. Phase 1: partial maxima of the block's
    // scores (and the old maximum, read into a register before anyone rewrites it).
    let rows_t = bq * tpr;
    c += &format!(
        "        var t_mo = {NEG_INF};\n        if (t_lid < {rows_t}) {{\n            let t_ii = t_lid / {tpr};\n            \
         t_mo = t_m[t_ii];\n            var t_mx = t_mo;\n            \
         for (var t_jj = t_lid % {tpr}; t_jj < {bk}; t_jj += {tpr}) {{ let t_s = t_p[t_ii * {bk} + t_jj]; if (t_s > t_mx) {{ t_mx = t_s; }} }}\n            \
         t_pm[t_lid] = t_mx;\n        }}\n        workgroupBarrier();\n"
    );
    // Phase 2: the new maximum, the weights of the block, their partial sums, the rescale factor.
    c += &format!(
        "        if (t_lid < {rows_t}) {{\n            let t_ii = t_lid / {tpr};\n            let t_pt = t_lid % {tpr};\n            \
         var t_mx = t_mo;\n            for (var t_q = 0; t_q < {tpr}; t_q++) {{ let t_s = t_pm[t_ii * {tpr} + t_q]; if (t_s > t_mx) {{ t_mx = t_s; }} }}\n            \
         var t_alpha = 1.0;\n            var t_sum = 0.0;\n            let t_seen = t_mx > {NEG_INF};\n            \
         if (t_seen) {{ t_alpha = select(exp(t_mo - t_mx), 0.0, t_mo == {NEG_INF}); }}\n            \
         for (var t_jj = t_pt; t_jj < {bk}; t_jj += {tpr}) {{\n                let t_s = t_p[t_ii * {bk} + t_jj];\n                \
         var t_pp = select(exp(t_s - t_mx), 0.0, t_s == {NEG_INF});\n                \
         if (!t_seen) {{ t_pp = select(0.0, {NAN}, t_isnan(t_s)); }}\n                \
         t_p[t_ii * {bk} + t_jj] = t_pp;\n                t_sum += t_pp;\n            }}\n            \
         t_ps[t_lid] = t_sum;\n            if (t_pt == 0) {{ t_m[t_ii] = t_mx; t_a[t_ii] = t_alpha; }}\n        }}\n"
    );
    // V block (the K block is no longer read).
    if dv > 0 {
        c += &format!(
            "        for (var t_e = t_lid; t_e < {n}; t_e += {t}) {{\n            let t_jj = t_e / {dv};\n            \
             let t_c = t_e % {dv};\n            var t_v = {zero};\n            \
             if (t_j0 + t_jj < {lk}) {{ t_v = load_v(t_b, t_j0 + t_jj, t_c); }}\n            \
             t_kv[t_jj * {ks} + t_c] = t_v;\n        }}\n",
            n = bk * dv
        );
    }
    c += "        workgroupBarrier();\n";
    // The running denominators (phase 3, with the accumulators).
    c += &format!(
        "        if (t_lid < {rows_t} && t_lid % {tpr} == 0) {{\n            let t_ii = t_lid / {tpr};\n            \
         var t_sum = 0.0;\n            for (var t_q = 0; t_q < {tpr}; t_q++) {{ t_sum += t_ps[t_lid + t_q]; }}\n            \
         t_l[t_ii] = t_l[t_ii] * t_a[t_ii] + t_sum;\n        }}\n"
    );
    // Accumulators.
    c += &format!(
        "        for (var t_r = 0; t_r < {nacc}; t_r++) {{\n            let t_e = t_lid + t_r * {t};\n            \
         if (t_e < {n}) {{\n                let t_ii = t_e / {dvs};\n                let t_c = t_e % {dvs};\n                \
         var t_acc = t_o[t_r] * t_a[t_ii];\n                \
         for (var t_jj = 0; t_jj < {bk}; t_jj++) {{ t_acc += t_p[t_ii * {bk} + t_jj] * f32(t_kv[t_jj * {ks} + t_c]); }}\n                \
         t_o[t_r] = t_acc;\n            }}\n        }}\n        workgroupBarrier();\n    }}\n",
        n = bq * dv,
        dvs = dv.max(1)
    );
    // Output.
    c += &format!(
        "    for (var t_r = 0; t_r < {nacc}; t_r++) {{\n        let t_e = t_lid + t_r * {t};\n        \
         if (t_e < {n}) {{\n            let t_ii = t_e / {dvs};\n            let t_i = t_i0 + t_ii;\n            \
         if (t_live && t_i < {lq}) {{\n                let t_den = t_l[t_ii];\n                \
         store_o(t_b, t_i, t_e % {dvs}, select(t_o[t_r] / t_den, 0.0, t_den == 0.0));\n            }}\n        }}\n    }}\n}}\n",
        n = bq * dv,
        dvs = dv.max(1)
    );
    Ok(Emitted {
        code: c,
        workgroups,
        threads: u32::try_from(t).map_err(|_| format!("{t} invocations per workgroup do not fit u32"))?,
        uses_subgroups: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wgsl::rowreduce::tests::test_caps;
    use crate::wgsl::validate::validate;

    fn caller(spec: &AttnSpec) -> String {
        let ft = spec.ft;
        let mask = if spec.has_mask {
            "fn mask_s(b: i32, i: i32, j: i32) -> f32 { return b3[b + i + j]; }\n"
        } else {
            ""
        };
        format!(
            "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
             @group(0) @binding(1) var<storage, read_write> b3: array<f32>;\n\
             fn load_q(b: i32, i: i32, c: i32) -> {ft} {{ return b0[b + i + c]; }}\n\
             fn load_k(b: i32, j: i32, c: i32) -> {ft} {{ return b0[b + j + c]; }}\n\
             fn load_v(b: i32, j: i32, c: i32) -> {ft} {{ return b0[b + j + c]; }}\n{mask}\
             fn store_o(b: i32, i: i32, c: i32, v: f32) {{ b3[b + i + c] = v; }}\n",
            if ft == "f16" { "enable f16;\n" } else { "" }
        )
    }

    #[test]
    fn default_schedules_validate() {
        for caps in test_caps() {
            for (lq, lk, d, dv) in [
                (1, 100, 64, 64),
                (77, 77, 128, 128),
                (5, 9, 256, 256),
                (3, 0, 16, 8),
                (0, 4, 8, 8),
            ] {
                for (causal, has_mask) in [(false, false), (true, false), (false, true), (true, true)] {
                    for ft in ["f32", "f16"] {
                        let spec = AttnSpec {
                            batch: 12,
                            batch_expr: None,
                            lq,
                            lk,
                            lq_expr: None,
                            lk_expr: None,
                            d,
                            dv,
                            scale: 0.125,
                            causal,
                            has_mask,
                            score_fn: false,
                            ft,
                        };
                        let s = default_attention_schedule(&caps, &spec);
                        let em = emit_attention(&spec, &s, &caps)
                            .unwrap_or_else(|e| panic!("{} {spec:?} {s:?}: {e}", caps.name));
                        assert!(!em.uses_subgroups);
                        let src = caller(&spec) + &em.code;
                        validate("attention", &src, &caps)
                            .unwrap_or_else(|e| panic!("{} {spec:?} {s:?}: {e}\n{src}", caps.name));
                    }
                }
            }
        }
    }

    #[test]
    fn default_schedule_fits_and_shrinks() {
        let mali = edgecc_autotune::profile("mali-g715").unwrap();
        let spec = AttnSpec {
            batch: 1,
            batch_expr: None,
            lq: 512,
            lk: 512,
            lq_expr: None,
            lk_expr: None,
            d: 256,
            dv: 256,
            scale: 1.0,
            causal: false,
            has_mask: false,
            score_fn: false,
            ft: "f32",
        };
        let Schedule::Attention {
            block_q,
            block_k,
            threads,
        } = default_attention_schedule(&mali, &spec)
        else {
            panic!("not an attention schedule")
        };
        assert!(
            edgecc_autotune::attention_shared_bytes(&spec.extents(), block_q as u64, block_k as u64, threads as u64)
                <= mali.shared_memory_bytes as u64
        );
        assert!(block_q >= 1 && block_k >= 1 && threads >= block_q);
        let decode = AttnSpec {
            lq: 1,
            d: 64,
            dv: 64,
            ..spec
        };
        assert!(matches!(
            default_attention_schedule(&mali, &decode),
            Schedule::Attention { block_q: 1, .. }
        ));
    }
}
