//! The top-k template: the `k` largest (or smallest) elements of each row, sorted, with their
//! indices.
//!
//! One workgroup per row, `threads` invocations striding over the row (the same layout and the
//! same subgroup / workgroup-memory combine as the row reductions). The output is built by
//! repeated selection: round `r` finds the first element, in the output order, among those that
//! come strictly after the element picked in round `r - 1`, with one workgroup-wide
//! arg-reduction. The order is strict and total (value, then index), so no element is picked
//! twice and no bookkeeping memory is needed. Cost: `k` passes over the row, `O(k * len /
//! threads)` per invocation (fine for the usual small `k` over a long row, e.g. sampling over a
//! vocabulary; a full sort with `k = len` is quadratic). Rows of at most
//! [`super::rowreduce::CACHE_MAX`] elements per invocation stay in registers; longer ones are
//! re-read through `load_x` every round.
//!
//! The order matches the reference interpreter (`reference/misc.rs`): NaN counts as larger than
//! every number (first with `largest`, last otherwise), equal values (and NaNs) keep the lower
//! index first; `-0.0` and `0.0` are equal.
//!
//! Caller functions (`FT` is the spec's element type, `f32`, `f16` or `i32`):
//!
//! ```wgsl
//! fn load_x(row: i32, j: i32) -> FT
//! fn store_v(row: i32, r: i32, v: FT)    // r = 0..k in sorted order: the value itself
//! fn store_i(row: i32, r: i32, idx: i32) // its index within the row
//! ```

use super::rowreduce::{check_i32, PairOrder, RowWalk, WgReduce};
use super::template::{grid, Emitted};
use edgecc_autotune::{DeviceCaps, ReduceSchedule};

/// One top-k kernel over `rows` rows of `len` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopKSpec<'a> {
    /// Rows, at the bound of their dynamic dims when they have some.
    pub rows: u64,
    /// The run-time row count as a WGSL `u32` expression (over the parameter buffer) when it
    /// has dynamic dims (the launch is then one workgroup per run-time row, folded as [`grid`]
    /// folds).
    pub rows_expr: Option<&'a str>,
    pub len: u64,
    /// At most `len`.
    pub k: u64,
    /// The largest first (else the smallest first).
    pub largest: bool,
    /// `"f32"`, `"f16"` or `"i32"`: what `load_x` returns and `store_v` takes.
    pub ft: &'a str,
}

/// Emits a top-k kernel (see the module docs for the algorithm and the caller functions).
pub fn emit_topk(spec: &TopKSpec, s: &ReduceSchedule, caps: &DeviceCaps) -> Result<Emitted, String> {
    let what = "TopK";
    let rt = match spec.ft {
        "f32" => "f32",
        "i32" => "i32",
        "f16" if caps.shader_f16 => "f32",
        "f16" => {
            return Err(format!(
                "{what}: f16 needs a device with SHADER_F16 (`{}` has none)",
                caps.name
            ))
        }
        other => {
            return Err(format!(
                "{what}: unsupported element type `{other}` (expected f32, f16 or i32)"
            ))
        }
    };
    check_i32(spec.rows, "rows", what)?;
    check_i32(spec.len, "the row length", what)?;
    if spec.k > spec.len {
        return Err(format!(
            "{what}: k = {} is larger than the row length {}",
            spec.k, spec.len
        ));
    }
    let red = WgReduce::new(s, caps, crate::lower::problem::TOPK_REDUCE_SLOTS, what)?;
    let workgroups = if spec.k == 0 {
        [0, 1, 1]
    } else {
        grid(spec.rows, caps.max_workgroups_per_dim).map_err(|e| format!("{what}: {e}"))?
    };
    // NaN is the largest value: first when taking the largest, last when taking the smallest.
    let order = PairOrder {
        larger: spec.largest,
        nan_first: spec.largest,
        lower_index_first: true,
        rt,
    };
    let walk = RowWalk::new(red.threads, spec.len, spec.k > 1, rt);
    let mut code = String::new();
    if rt == "f32" {
        code += &WgReduce::float_helpers();
    }
    code += &red.pair_fns(&order);
    let sent = order.sentinel();
    let rows = spec.rows_expr.map_or_else(|| format!("{}u", spec.rows), str::to_string);
    let mut body = red.row_prologue(&rows, &spec.len.to_string());
    body += &walk.load();
    body += &format!("    var t_lv = {sent};\n    var t_li = -1;\n");
    body += &format!("    for (var t_r = 0; t_r < {}; t_r++) {{\n", spec.k);
    body += &format!("    var t_b = t_Pair({sent}, -1);\n");
    body += &walk.each(
        "            if ((t_li < 0 || t_before(t_lv, t_li, t_x, t_j)) && t_before(t_x, t_j, t_b.v, t_b.i)) { t_b = t_Pair(t_x, t_j); }\n",
    );
    body += &format!("    let t_w = {};\n", red.pair_call("t_b"));
    body += &format!(
        "    if (t_live && t_lid == 0u) {{ store_v(t_row, t_r, {}(t_w.v)); store_i(t_row, t_r, t_w.i); }}\n",
        spec.ft
    );
    body += "    t_lv = t_w.v;\n    t_li = t_w.i;\n    }\n";
    code += &format!(
        "@compute @workgroup_size({})\nfn main({}) {{\n{body}}}\n",
        red.threads,
        red.main_params()
    );
    Ok(Emitted {
        code,
        workgroups,
        threads: red.threads,
        uses_subgroups: red.subgroups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wgsl::rowreduce::tests::{schedules, test_caps};
    use crate::wgsl::validate::validate;

    #[test]
    fn validates_on_every_path() {
        for caps in test_caps() {
            for (len, k) in [(1, 1), (100, 7), (5000, 50), (3, 0)] {
                for s in schedules(&caps, len) {
                    for ft in ["f32", "f16", "i32"] {
                        for largest in [true, false] {
                            let spec = TopKSpec {
                                rows_expr: None,
                                rows: 70_000,
                                len,
                                k,
                                largest,
                                ft,
                            };
                            let em = emit_topk(&spec, &s, &caps).unwrap_or_else(|e| panic!("{s:?}: {e}"));
                            let src = format!(
                                "{}@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
                                 @group(0) @binding(1) var<storage, read_write> b1: array<{ft}>;\n\
                                 @group(0) @binding(2) var<storage, read_write> b2: array<i32>;\n\
                                 fn load_x(row: i32, j: i32) -> {ft} {{ return b0[row * {len} + j]; }}\n\
                                 fn store_v(row: i32, r: i32, v: {ft}) {{ b1[row * {k} + r] = v; }}\n\
                                 fn store_i(row: i32, r: i32, idx: i32) {{ b2[row * {k} + r] = idx; }}\n{}",
                                if ft == "f16" { "enable f16;\n" } else { "" },
                                em.code
                            );
                            validate("topk", &src, &caps)
                                .unwrap_or_else(|e| panic!("{} {ft} len {len} k {k} {s:?}: {e}\n{src}", caps.name));
                        }
                    }
                }
            }
        }
    }
}
