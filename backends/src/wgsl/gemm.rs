//! The tiled GEMM template: `C[b, m, n] = sum_k A[b, m, k] * B[b, k, n]` for MatMul, Gemm and
//! (through [`super::conv`]) convolution as implicit GEMM.
//!
//! Each workgroup computes one `tile_m x tile_n` output tile of one batch. K is stepped in
//! `tile_k` slices staged in `var<workgroup>` tiles (of the float type `FT`, stored k-major:
//! `t_as[k][m]`, `t_bs[k][n]`, as `vecW<FT>` runs along m / n when the register block allows);
//! each of the `(tile_m / reg_m) * (tile_n / reg_n)` invocations accumulates a `reg_m x reg_n`
//! block in f32 registers. All invocations load the tiles cooperatively, with bounds checks (zero
//! fill outside the problem), using `vec4` global loads where the spec allows it and the schedule's
//! `vector_width` is 4. With `stages == 2` the tiles are double-buffered (one barrier per K step
//! instead of two).
//!
//! The emitted code calls these caller-defined functions (`FT` is [`GemmSpec::ft`]):
//!
//! ```wgsl
//! fn load_a(b: i32, m: i32, k: i32) -> FT          // A[b, m, k]; only called in range
//! fn load_b(b: i32, k: i32, n: i32) -> FT          // B[b, k, n]; only called in range
//! fn load_a4(b: i32, m: i32, k: i32) -> vec4<FT>   // A[b, m, k..k+4]; only when spec.a_vec4
//! fn load_b4(b: i32, k: i32, n: i32) -> vec4<FT>   // B[b, k, n..n+4]; only when spec.b_vec4
//! fn store_c(b: i32, m: i32, n: i32, acc: f32)     // C[b, m, n] = epilogue(acc); only in range
//! ```
//!
//! `load_a4` is called with `k` a multiple of 4 (`k + 4 <= K`), `load_b4` with `n` a multiple of
//! 4 (`n + 4 <= N`). The vec4 loads are used when the spec flag is set, the schedule's
//! `vector_width` is 4 and `tile_k` (for A) / `tile_n` (for B) is a multiple of 4; otherwise the
//! scalar ones are. So with `a_vec4` set, define both `load_a` and `load_a4` (likewise for B);
//! naga rejects a module calling an undefined function, never one defining an unused one.
//! `store_c` is called exactly once per output element. `K == 0` stores zeros; an empty output
//! (`batch`, `m` or `n` 0) gives the empty dispatch `[0, 1, 1]`.
//!
//! The generated code is written for both GPUs and CPU-backed devices (lavapipe compiles WGSL to
//! LLVM SIMD across invocations): the inner loop over the staged slice only adds a constant to
//! two bases, the multiply-accumulate over the register block is unrolled in the text (named
//! accumulators, never a dynamically indexed array), and bounds checks that cannot fail (a
//! dimension that is a multiple of its tile) are left out. What is not hot stays a loop, because
//! every call of a caller function inlines its prologue or epilogue: tile loads of more than
//! [`UNROLL_SLOTS`] slots per invocation are a loop over the slots (up to that, unrolled with
//! their coordinates hoisted out of the K loop), and the stores of a register block of more than
//! [`UNROLL_STORES`] elements are a loop over an array copy of the accumulators. That keeps a
//! shader near 10 KB instead of 40 KB and more (SqueezeNet's convolutions), which is what the
//! driver's compile time, and so a model's first run, follows. On lavapipe (Mesa
//! 22.3) every non-uniform load or store is a scalar loop over the SIMD lanes, so large register
//! blocks (16x16) run fastest there; on GPUs 4x4 to 8x8.

use super::template::{grid, Emitted};
use edgecc_autotune::{DeviceCaps, GemmSchedule};
use std::fmt::Write;

/// One (batched) matrix multiply: `batch` independent `m x k` by `k x n` products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemmSpec<'a> {
    /// The flattened batch, at the bounds of its dynamic dims when it has some.
    pub batch: u64,
    /// Whether the batch has a run-time size: the dispatch is then direct (one batch entry per
    /// workgroup along z, launched at run time), so no workgroup needs a batch check.
    pub dynamic_batch: bool,
    /// M, at the bound of its dynamic dim when it has one.
    pub m: u64,
    /// The run-time M as a WGSL `i32` expression (over the parameter buffer) when it has a
    /// dynamic dim: rows are then always bounds-checked and the dispatch is direct (tiles of M
    /// along y, launched at run time).
    pub m_expr: Option<&'a str>,
    /// N, at the bound of its dynamic dim when it has one.
    pub n: u64,
    /// The run-time N when it has a dynamic dim (as `m_expr`: columns always bounds-checked,
    /// a direct dispatch with tiles of N along x launched at run time, no four-wide B loads).
    pub n_expr: Option<&'a str>,
    /// K, at the bound of its dynamic dim when it has one.
    pub k: u64,
    /// The run-time K when it has a dynamic dim: the slice count is computed at run time, every
    /// slice is bounds-checked along K, and A is loaded one element at a time.
    pub k_expr: Option<&'a str>,
    /// The float type of the operands and the shared tiles: `"f32"` or `"f16"`. Accumulation is
    /// always f32.
    pub ft: &'a str,
    /// The caller defines `load_a4` (four `load_a`s along K): set when K % 4 == 0, whatever A's
    /// layout, since the four are scalar loads (one bounds check per four elements).
    pub a_vec4: bool,
    /// The caller defines `load_b4` (four `load_b`s along N): set when N % 4 == 0.
    pub b_vec4: bool,
}

/// Tile-load slots per invocation up to which the loads are unrolled (coordinates hoisted out of
/// the K loop); more are a loop, which keeps the shader small (every slot inlines the caller's
/// load functions, with their prologue and index arithmetic).
const UNROLL_SLOTS: u32 = 2;

/// Register-block elements up to which the stores are unrolled; more are a loop over an array
/// copy of the accumulators (every store inlines the caller's epilogue).
const UNROLL_STORES: u32 = 16;

/// The largest of 4, 2, 1 dividing `x`.
fn vec_width(x: u32) -> u32 {
    if x.is_multiple_of(4) {
        4
    } else if x.is_multiple_of(2) {
        2
    } else {
        1
    }
}

/// `vecW<ty>` or `ty` for width 1.
fn vty(w: u32, ty: &str) -> String {
    if w == 1 {
        ty.to_string()
    } else {
        format!("vec{w}<{ty}>")
    }
}

/// Component `c` of a value of width `w`.
fn comp(v: &str, c: u32, w: u32) -> String {
    if w == 1 {
        v.to_string()
    } else {
        format!("{v}.{}", ["x", "y", "z", "w"][c as usize])
    }
}

/// `e + c`, or `e` when `c` is 0.
fn plus(e: &str, c: u32) -> String {
    if c == 0 {
        e.to_string()
    } else {
        format!("{e} + {c}")
    }
}

/// `if (conds) { body }`, or just `body` when there is no condition.
fn guarded(conds: &[String], body: &str) -> String {
    if conds.is_empty() {
        body.to_string()
    } else {
        format!("if ({}) {{ {body} }}", conds.join(" && "))
    }
}

/// Checks that a schedule can be emitted for a float type on a device: the float type, then the
/// one GEMM fit rule ([`GemmSchedule::check`]).
pub(crate) fn check_schedule(s: &GemmSchedule, ft: &str, caps: &DeviceCaps) -> Result<(), String> {
    let elem_bytes = match ft {
        "f32" => 4,
        "f16" if caps.shader_f16 => 2,
        "f16" => {
            return Err(format!(
                "the device `{}` has no f16 shader support (SHADER_F16)",
                caps.name
            ))
        }
        other => return Err(format!("GEMM float type must be f32 or f16, not `{other}`")),
    };
    s.check(caps, elem_bytes)
}

/// Emits the GEMM template for `spec` with schedule `s`. See the module docs for the caller
/// functions the code calls. Errors when the schedule does not fit the device, the float type is
/// unsupported, or the problem is too large for i32 indexing or the dispatch limits.
pub fn emit_gemm(spec: &GemmSpec, s: &GemmSchedule, caps: &DeviceCaps) -> Result<Emitted, String> {
    check_schedule(s, spec.ft, caps)?;
    let lim = i32::MAX as u64 - 2 * 4096;
    if spec.m > lim || spec.n > lim || spec.k > lim || spec.batch > lim {
        return Err(format!(
            "GEMM {}x{}x{}x{} is too large for 32-bit indexing",
            spec.batch, spec.m, spec.n, spec.k
        ));
    }
    let ft = spec.ft;
    let (tm, tn, tk, rm, rn) = (s.tile_m, s.tile_n, s.tile_k, s.reg_m, s.reg_n);
    let threads = s.threads();
    let tx_n = tn / rn; // invocations along n
    let ty_n = tm / rm; // invocations along m
                        // Vector widths of the shared tiles (runs along m for A, along n for B).
    let wa = vec_width(rm);
    let wb = vec_width(rn);
    // Vector widths of the global loads.
    let ga = if spec.a_vec4
        && spec.k_expr.is_none()
        && s.vector_width == 4
        && tk.is_multiple_of(4)
        && spec.k.is_multiple_of(4)
    {
        4
    } else {
        1
    };
    let gb = if spec.b_vec4
        && spec.n_expr.is_none()
        && s.vector_width == 4
        && tn.is_multiple_of(4)
        && spec.n.is_multiple_of(4)
    {
        4
    } else {
        1
    };

    let (m, n, k) = (spec.m, spec.n, spec.k);
    let nx = n.div_ceil(tn as u64).max(1);
    let ny = m.div_ceil(tm as u64).max(1);
    let batch = spec.batch.max(1);
    let kt = k.div_ceil(tk as u64);
    let total = nx * ny * batch;
    let empty = m == 0 || n == 0 || spec.batch == 0;
    let max = caps.max_workgroups_per_dim as u64;
    let direct = nx <= max && ny <= max && batch <= max && total <= i32::MAX as u64;
    let workgroups = if empty {
        [0, 1, 1]
    } else if direct {
        [nx as u32, ny as u32, batch as u32]
    } else {
        grid(total, caps.max_workgroups_per_dim)?
    };

    // Bounds checks that can fail: K when the last slice is partial, M and N when the last tile
    // is (or when folded workgroups beyond the end set every row out of range).
    let check_k = spec.k_expr.is_some() || !k.is_multiple_of(tk as u64);
    if (spec.m_expr.is_some() || spec.n_expr.is_some() || spec.dynamic_batch) && (!direct || empty) {
        return Err(format!(
            "GEMM {}x{m}x{n}x{k}: a dynamic batch, M or N needs a direct dispatch ({nx} x {ny} x {batch} workgroups at the bound)",
            spec.batch
        ));
    }
    // K and the slice count in the bounds checks and the K loop: run-time values when dynamic.
    let k_s: String = spec.k_expr.map_or_else(|| k.to_string(), str::to_string);
    let kt_s: String = spec
        .k_expr
        .map_or_else(|| kt.to_string(), |e| format!("(({e} + {}) / {tk})", tk - 1));
    let check_m = spec.m_expr.is_some() || !m.is_multiple_of(tm as u64) || !direct;
    // M in the bounds checks: the run-time value when it is dynamic.
    let m_s: String = spec.m_expr.map_or_else(|| m.to_string(), str::to_string);
    let check_n = spec.n_expr.is_some() || !n.is_multiple_of(tn as u64);
    let n_s: String = spec.n_expr.map_or_else(|| n.to_string(), str::to_string);
    let sa = tm / wa; // vectors per k row of the A tile
    let sb = tn / wb; // vectors per k row of the B tile
    let a_len = tk * sa;
    let b_len = tk * sb;
    let cvt = |e: &str, w: u32| -> String {
        if ft == "f32" {
            e.to_string()
        } else {
            format!("{}({e})", vty(w, "f32"))
        }
    };

    let mut o = String::new();
    let w = &mut o;
    let _ = writeln!(
        w,
        "// GEMM {batch}x{m}x{n}x{k} ({ft}), tiles {tm}x{tn}x{tk}, register block {rm}x{rn}, \
         {threads} invocations, stages {}, global vec A {ga} B {gb}",
        s.stages
    );
    let _ = writeln!(w, "var<workgroup> t_as: array<{}, {}>;", vty(wa, ft), a_len * s.stages);
    let _ = writeln!(w, "var<workgroup> t_bs: array<{}, {}>;", vty(wb, ft), b_len * s.stages);
    let _ = writeln!(w);

    // The cooperative tile loads, as a function of the K offset and buffer offsets, emitted inline.
    // A: blocks of `wa` rows x `ga` k's: `wa` global loads of width `ga`, `ga` shared stores of
    // width `wa` (a register transpose).
    let a_blocks = sa * (tk / ga);
    let a_slots = a_blocks.div_ceil(threads);
    // B: blocks of one k row x `bw` n's.
    let bw = gb.max(wb);
    let b_blocks = tk * (tn / bw);
    let b_slots = b_blocks.div_ceil(threads);

    let _ = writeln!(w, "@compute @workgroup_size({threads})");
    let _ = writeln!(
        w,
        "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, \
         @builtin(local_invocation_index) lidx: u32) {{"
    );
    if direct {
        let _ = writeln!(w, "  let t_tn = i32(wid.x);");
        let _ = writeln!(w, "  let t_tm = i32(wid.y);");
        let _ = writeln!(w, "  let t_b = i32(wid.z);");
        let _ = writeln!(w, "  let t_m0 = t_tm * {tm};");
    } else {
        // Folded dispatch: the flat workgroup id; the extra workgroups of the last row run the
        // loop (barriers stay uniform) with every row out of range, so they load and store nothing
        // of A or C (B is read at batch 0, in range).
        let _ = writeln!(w, "  let t_flat = wid.x + wid.y * nwg.x;");
        let _ = writeln!(w, "  let t_live = t_flat < {total}u;");
        let _ = writeln!(w, "  let t_tn = i32(t_flat % {nx}u);");
        let _ = writeln!(w, "  let t_tm = i32((t_flat / {nx}u) % {ny}u);");
        let _ = writeln!(w, "  let t_b = select(0, i32(t_flat / {}u), t_live);", nx * ny);
        let _ = writeln!(w, "  let t_m0 = select({m}, t_tm * {tm}, t_live);");
    }
    let _ = writeln!(w, "  let t_n0 = t_tn * {tn};");
    let _ = writeln!(w, "  let t_lid = i32(lidx);");
    let _ = writeln!(w, "  let t_tx = t_lid % {tx_n};");
    let _ = writeln!(w, "  let t_ty = t_lid / {tx_n};");
    // Per-slot load coordinates, hoisted out of the K loop when the slots are unrolled (a few);
    // with more, the slots are a loop that computes them (see `emit_loads`).
    let a_loop = a_slots > UNROLL_SLOTS;
    let b_loop = b_slots > UNROLL_SLOTS;
    // The coordinates of tile-load slot `sl` (a name suffix: the slot number, or empty in the
    // loop) whose element index is `e`, as `let`s at indentation `ind`.
    let a_coords = |w: &mut String, ind: &str, sl: &str, e: &str| {
        let kq = tk / ga;
        let _ = writeln!(w, "{ind}let t_ae{sl} = {e};");
        let _ = writeln!(w, "{ind}let t_am{sl} = t_m0 + (t_ae{sl} / {kq}) * {wa};");
        if ga == 1 {
            let _ = writeln!(w, "{ind}let t_ak{sl} = t_ae{sl} % {kq};");
        } else {
            let _ = writeln!(w, "{ind}let t_ak{sl} = (t_ae{sl} % {kq}) * {ga};");
        }
        let _ = writeln!(w, "{ind}let t_ai{sl} = t_ak{sl} * {sa} + t_ae{sl} / {kq};");
    };
    let b_coords = |w: &mut String, ind: &str, sl: &str, e: &str| {
        let nq = tn / bw;
        let _ = writeln!(w, "{ind}let t_be{sl} = {e};");
        let _ = writeln!(w, "{ind}let t_bk{sl} = t_be{sl} / {nq};");
        let _ = writeln!(w, "{ind}let t_bn{sl} = t_n0 + (t_be{sl} % {nq}) * {bw};");
        if bw == wb {
            let _ = writeln!(w, "{ind}let t_bi{sl} = t_bk{sl} * {sb} + t_be{sl} % {nq};");
        } else {
            let _ = writeln!(
                w,
                "{ind}let t_bi{sl} = t_bk{sl} * {sb} + (t_be{sl} % {nq}) * {};",
                bw / wb
            );
        }
    };
    for sl in (0..a_slots).filter(|_| !a_loop) {
        a_coords(w, "  ", &sl.to_string(), &plus("t_lid", sl * threads));
    }
    for sl in (0..b_slots).filter(|_| !b_loop) {
        b_coords(w, "  ", &sl.to_string(), &plus("t_lid", sl * threads));
    }
    // Accumulators: row r (0..rm) x vector j (0..rn/wb).
    let accs_per_row = rn / wb;
    for r in 0..rm {
        for j in 0..accs_per_row {
            let _ = writeln!(w, "  var t_c{r}_{j} = {}(0.0);", vty(wb, "f32"));
        }
    }

    // Emits the loads of the K slice starting at `k0` (a WGSL i32 expression) into the buffer
    // at offsets `abuf` / `bbuf` (WGSL expressions appended to the indices, or empty).
    let emit_loads = |w: &mut String, k0: &str, abuf: &str, bbuf: &str, ind: &str| {
        // Unrolled: one block per slot with its hoisted coordinates (`t_am0`, ...). As a loop:
        // one body, the coordinates (`t_am`, ...) computed from the slot index.
        let a_iters: Vec<Option<u32>> = if a_loop {
            vec![None]
        } else {
            (0..a_slots).map(Some).collect()
        };
        for slot in a_iters {
            // The coordinates' name suffix: the slot number, or none in the loop.
            let sl = slot.map(|n| n.to_string()).unwrap_or_default();
            let mut ind = ind.to_string();
            if a_loop {
                let _ = writeln!(w, "{ind}for (var t_sl = 0; t_sl < {a_slots}; t_sl++) {{");
                ind.push_str("  ");
                a_coords(w, &ind, "", &format!("t_lid + t_sl * {threads}"));
            }
            let ind = ind.as_str();
            let partial = slot.map_or(a_slots, |n| n + 1) * threads > a_blocks;
            // Each slot in its own block (its `let`s are reused names).
            if partial {
                let _ = writeln!(w, "{ind}if (t_ae{sl} < {a_blocks}) {{");
            } else {
                let _ = writeln!(w, "{ind}{{");
            }
            let ind2 = format!("{ind}  ");
            if k0 == "0" {
                let _ = writeln!(w, "{ind2}let t_k = t_ak{sl};");
            } else {
                let _ = writeln!(w, "{ind2}let t_k = {k0} + t_ak{sl};");
            }
            for r in 0..wa {
                let zero = format!("{}(0.0)", vty(ga, ft));
                let _ = writeln!(w, "{ind2}var t_v{r} = {zero};");
                let call = if ga == 4 { "load_a4" } else { "load_a" };
                let row = plus(&format!("t_am{sl}"), r);
                let mut conds = Vec::new();
                if check_k {
                    conds.push(format!("t_k < {k_s}"));
                }
                if check_m {
                    conds.push(format!("{row} < {m_s}"));
                }
                let body = format!("t_v{r} = {call}(t_b, {row}, t_k);");
                let _ = writeln!(w, "{ind2}{}", guarded(&conds, &body));
            }
            for c in 0..ga {
                let parts: Vec<String> = (0..wa).map(|r| comp(&format!("t_v{r}"), c, ga)).collect();
                let val = if wa == 1 {
                    parts[0].clone()
                } else {
                    format!("{}({})", vty(wa, ft), parts.join(", "))
                };
                let _ = writeln!(w, "{ind2}t_as[{}{abuf}] = {val};", plus(&format!("t_ai{sl}"), c * sa));
            }
            let _ = writeln!(w, "{ind}}}");
            if a_loop {
                let _ = writeln!(w, "{}}}", &ind[2..]);
            }
        }
        let b_iters: Vec<Option<u32>> = if b_loop {
            vec![None]
        } else {
            (0..b_slots).map(Some).collect()
        };
        for slot in b_iters {
            // The coordinates' name suffix: the slot number, or none in the loop.
            let sl = slot.map(|n| n.to_string()).unwrap_or_default();
            let mut ind = ind.to_string();
            if b_loop {
                let _ = writeln!(w, "{ind}for (var t_sl = 0; t_sl < {b_slots}; t_sl++) {{");
                ind.push_str("  ");
                b_coords(w, &ind, "", &format!("t_lid + t_sl * {threads}"));
            }
            let ind = ind.as_str();
            let partial = slot.map_or(b_slots, |n| n + 1) * threads > b_blocks;
            // Each slot in its own block (its `let`s are reused names).
            if partial {
                let _ = writeln!(w, "{ind}if (t_be{sl} < {b_blocks}) {{");
            } else {
                let _ = writeln!(w, "{ind}{{");
            }
            let ind2 = format!("{ind}  ");
            if k0 == "0" {
                let _ = writeln!(w, "{ind2}let t_k = t_bk{sl};");
            } else {
                let _ = writeln!(w, "{ind2}let t_k = {k0} + t_bk{sl};");
            }
            // bw / gb global loads of width gb.
            let mut scalars: Vec<String> = Vec::new();
            for q in 0..bw / gb {
                let zero = format!("{}(0.0)", vty(gb, ft));
                let _ = writeln!(w, "{ind2}var t_v{q} = {zero};");
                let call = if gb == 4 { "load_b4" } else { "load_b" };
                let nn = plus(&format!("t_bn{sl}"), q * gb);
                let mut conds = Vec::new();
                if check_k {
                    conds.push(format!("t_k < {k_s}"));
                }
                if check_n {
                    conds.push(format!("{nn} < {n_s}"));
                }
                let body = format!("t_v{q} = {call}(t_b, t_k, {nn});");
                let _ = writeln!(w, "{ind2}{}", guarded(&conds, &body));
                for c in 0..gb {
                    scalars.push(comp(&format!("t_v{q}"), c, gb));
                }
            }
            if gb == wb {
                for q in 0..bw / gb {
                    let _ = writeln!(w, "{ind2}t_bs[{}{bbuf}] = t_v{q};", plus(&format!("t_bi{sl}"), q));
                }
            } else {
                for (q, chunk) in scalars.chunks(wb as usize).enumerate() {
                    let val = if wb == 1 {
                        chunk[0].clone()
                    } else {
                        format!("{}({})", vty(wb, ft), chunk.join(", "))
                    };
                    let _ = writeln!(w, "{ind2}t_bs[{}{bbuf}] = {val};", plus(&format!("t_bi{sl}"), q as u32));
                }
            }
            let _ = writeln!(w, "{ind}}}");
            if b_loop {
                let _ = writeln!(w, "{}}}", &ind[2..]);
            }
        }
    };

    // Emits the multiply-accumulate over one staged slice in buffer `buf` (runtime offsets).
    let emit_compute = |w: &mut String, abuf: &str, bbuf: &str, ind: &str| {
        let _ = writeln!(w, "{ind}for (var t_kk = 0; t_kk < {tk}; t_kk++) {{");
        let _ = writeln!(w, "{ind}  let t_ka = t_kk * {sa} + t_ty{abuf};");
        let _ = writeln!(w, "{ind}  let t_kb = t_kk * {sb} + t_tx{bbuf};");
        for i in 0..rm / wa {
            let e = format!("t_as[{}]", plus("t_ka", i * ty_n));
            let _ = writeln!(w, "{ind}  let t_a{i} = {};", cvt(&e, wa));
        }
        for j in 0..accs_per_row {
            let e = format!("t_bs[{}]", plus("t_kb", j * tx_n));
            let _ = writeln!(w, "{ind}  let t_b{j} = {};", cvt(&e, wb));
        }
        for i in 0..rm / wa {
            for ca in 0..wa {
                let r = i * wa + ca;
                let a = comp(&format!("t_a{i}"), ca, wa);
                for j in 0..accs_per_row {
                    let _ = writeln!(
                        w,
                        "{ind}  t_c{r}_{j} = fma({}({a}), t_b{j}, t_c{r}_{j});",
                        vty(wb, "f32")
                    );
                }
            }
        }
        let _ = writeln!(w, "{ind}}}");
    };

    if s.stages == 1 {
        let _ = writeln!(w, "  for (var t_kt = 0; t_kt < {kt_s}; t_kt++) {{");
        let _ = writeln!(w, "    let t_k0 = t_kt * {tk};");
        emit_loads(w, "t_k0", "", "", "    ");
        let _ = writeln!(w, "    workgroupBarrier();");
        emit_compute(w, "", "", "    ");
        let _ = writeln!(w, "    workgroupBarrier();");
        let _ = writeln!(w, "  }}");
    } else if kt > 0 || spec.k_expr.is_some() {
        // Double buffering: slice kt + 1 loads into one buffer while slice kt is read from the
        // other; one barrier per step.
        emit_loads(w, "0", "", "", "  ");
        let _ = writeln!(w, "  workgroupBarrier();");
        let _ = writeln!(w, "  for (var t_kt = 0; t_kt < {kt_s}; t_kt++) {{");
        let _ = writeln!(w, "    let t_cur = t_kt & 1;");
        let _ = writeln!(w, "    if (t_kt + 1 < {kt_s}) {{");
        let _ = writeln!(w, "      let t_k0 = (t_kt + 1) * {tk};");
        let _ = writeln!(w, "      let t_nabuf = (1 - t_cur) * {a_len};");
        let _ = writeln!(w, "      let t_nbbuf = (1 - t_cur) * {b_len};");
        emit_loads(w, "t_k0", " + t_nabuf", " + t_nbbuf", "      ");
        let _ = writeln!(w, "    }}");
        let _ = writeln!(w, "    let t_abuf = t_cur * {a_len};");
        let _ = writeln!(w, "    let t_bbuf = t_cur * {b_len};");
        emit_compute(w, " + t_abuf", " + t_bbuf", "    ");
        let _ = writeln!(w, "    workgroupBarrier();");
        let _ = writeln!(w, "  }}");
    }

    // Stores: row r = i * wa + ca at m0 + wa * (i * ty_n + ty) + ca; vector j of the row at
    // n0 + wb * (j * tx_n + tx) + cb.
    let _ = writeln!(w, "  let t_r = t_m0 + {wa} * t_ty;");
    let _ = writeln!(w, "  let t_c = t_n0 + {wb} * t_tx;");
    if rm * rn > UNROLL_STORES {
        emit_store_loop(
            w,
            rm,
            accs_per_row,
            wa,
            wb,
            ty_n,
            tx_n,
            check_m.then_some(m_s.as_str()),
            check_n.then_some(n_s.as_str()),
        );
        let _ = writeln!(w, "}}");
        return Ok(Emitted {
            code: o,
            workgroups,
            threads,
            uses_subgroups: false,
        });
    }
    for i in 0..rm / wa {
        for ca in 0..wa {
            let r = i * wa + ca;
            let roff = wa * i * ty_n + ca;
            let row = plus("t_r", roff);
            let ind = if check_m { "    " } else { "  " };
            if check_m {
                let _ = writeln!(w, "  if ({row} < {m_s}) {{");
            }
            for j in 0..accs_per_row {
                for cb in 0..wb {
                    let col = plus("t_c", wb * j * tx_n + cb);
                    let conds = if check_n {
                        vec![format!("{col} < {n_s}")]
                    } else {
                        vec![]
                    };
                    let body = format!("store_c(t_b, {row}, {col}, {});", comp(&format!("t_c{r}_{j}"), cb, wb));
                    let _ = writeln!(w, "{ind}{}", guarded(&conds, &body));
                }
            }
            if check_m {
                let _ = writeln!(w, "  }}");
            }
        }
    }
    let _ = writeln!(w, "}}");
    Ok(Emitted {
        code: o,
        workgroups,
        threads,
        uses_subgroups: false,
    })
}

/// The stores of a large register block as loops: the accumulators (`t_c{r}_{j}`, rows `r` of
/// `accs` vectors of width `wb`) copied into an array, then one `store_c` per vector component
/// in a loop over rows and vectors, bounds-checked against `m` / `n` when given.
fn emit_store_loop(
    w: &mut String,
    rm: u32,
    accs: u32,
    wa: u32,
    wb: u32,
    ty_n: u32,
    tx_n: u32,
    m: Option<&str>,
    n: Option<&str>,
) {
    let _ = writeln!(w, "  var t_acc: array<{}, {}>;", vty(wb, "f32"), rm * accs);
    for r in 0..rm {
        for j in 0..accs {
            let _ = writeln!(w, "  t_acc[{}] = t_c{r}_{j};", r * accs + j);
        }
    }
    let _ = writeln!(w, "  for (var t_i = 0; t_i < {rm}; t_i++) {{");
    let _ = writeln!(w, "    let t_row = t_r + (t_i / {wa}) * {} + t_i % {wa};", wa * ty_n);
    let mut ind = "    ".to_string();
    if let Some(m) = m {
        let _ = writeln!(w, "    if (t_row < {m}) {{");
        ind.push_str("  ");
    }
    // One vector per row: no loop over the row's vectors.
    if accs == 1 {
        let _ = writeln!(w, "{ind}{{");
        let _ = writeln!(w, "{ind}  let t_v = t_acc[t_i];");
        let _ = writeln!(w, "{ind}  let t_col = t_c;");
    } else {
        let _ = writeln!(w, "{ind}for (var t_j = 0; t_j < {accs}; t_j++) {{");
        let _ = writeln!(w, "{ind}  let t_v = t_acc[t_i * {accs} + t_j];");
        let _ = writeln!(w, "{ind}  let t_col = t_c + t_j * {};", wb * tx_n);
    }
    for cb in 0..wb {
        let col = plus("t_col", cb);
        let conds = n.map(|n| vec![format!("{col} < {n}")]).unwrap_or_default();
        let body = format!("store_c(t_b, t_row, {col}, {});", comp("t_v", cb, wb));
        let _ = writeln!(w, "{ind}  {}", guarded(&conds, &body));
    }
    let _ = writeln!(w, "{ind}}}");
    if m.is_some() {
        let _ = writeln!(w, "    }}");
    }
    let _ = writeln!(w, "  }}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wgsl::validate::validate;
    use edgecc_autotune::{profile, Backend};

    /// A minimal caller part: bindings and the load/store functions over flat arrays.
    pub(crate) fn caller(spec: &GemmSpec) -> String {
        let (ft, m, n, k) = (spec.ft, spec.m, spec.n, spec.k);
        let mut s = String::new();
        if ft == "f16" {
            s += "enable f16;\n";
        }
        s += &format!(
            "@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
             @group(0) @binding(1) var<storage, read_write> b1: array<{ft}>;\n\
             @group(0) @binding(2) var<storage, read_write> b2: array<f32>;\n\
             fn load_a(b: i32, m: i32, k: i32) -> {ft} {{ return b0[(b * {m} + m) * {k} + k]; }}\n\
             fn load_b(b: i32, k: i32, n: i32) -> {ft} {{ return b1[(b * {k} + k) * {n} + n]; }}\n\
             fn load_a4(b: i32, m: i32, k: i32) -> vec4<{ft}> {{ let i = (b * {m} + m) * {k} + k; \
             return vec4<{ft}>(b0[i], b0[i + 1], b0[i + 2], b0[i + 3]); }}\n\
             fn load_b4(b: i32, k: i32, n: i32) -> vec4<{ft}> {{ let i = (b * {k} + k) * {n} + n; \
             return vec4<{ft}>(b1[i], b1[i + 1], b1[i + 2], b1[i + 3]); }}\n\
             fn store_c(b: i32, m: i32, n: i32, acc: f32) {{ b2[(b * {m} + m) * {n} + n] = acc; }}\n"
        );
        s
    }

    fn sched(tm: u32, tn: u32, tk: u32, rm: u32, rn: u32, vw: u32, stages: u32) -> GemmSchedule {
        GemmSchedule {
            tile_m: tm,
            tile_n: tn,
            tile_k: tk,
            reg_m: rm,
            reg_n: rn,
            vector_width: vw,
            stages,
            mma: None,
        }
    }

    #[test]
    fn validates_on_every_wgsl_profile() {
        let shapes = [
            (1, 1, 1, 1),
            (1, 7, 13, 5),
            (3, 65, 33, 128),
            (1, 64, 2048, 512),
            (2, 0, 5, 5),
            (1, 4, 4, 0),
        ];
        for name in edgecc_autotune::profile_names() {
            let caps = profile(&name).unwrap();
            if caps.backend != Backend::Wgsl {
                continue;
            }
            for ft in ["f32", "f16"] {
                if ft == "f16" && !caps.shader_f16 {
                    continue;
                }
                for &(batch, m, n, k) in &shapes {
                    for vec4 in [false, true] {
                        let spec = GemmSpec {
                            batch,
                            dynamic_batch: false,
                            m,
                            m_expr: None,
                            n_expr: None,
                            k_expr: None,
                            n,
                            k,
                            ft,
                            a_vec4: vec4 && k % 4 == 0,
                            b_vec4: vec4 && n % 4 == 0,
                        };
                        let mut scheds = vec![GemmSchedule::default_for(&caps, m, n, k, 4)];
                        scheds.push(sched(16, 16, 8, 2, 2, 4, 2));
                        scheds.push(sched(24, 20, 6, 3, 5, 4, 1));
                        for s in scheds {
                            let e = emit_gemm(&spec, &s, &caps).unwrap_or_else(|e| panic!("{name} {spec:?}: {e}"));
                            assert!(!e.uses_subgroups);
                            let wgsl = format!("{}{}", caller(&spec), e.code);
                            validate("gemm", &wgsl, &caps)
                                .unwrap_or_else(|err| panic!("{name} {spec:?} {s:?}: {err}\n{wgsl}"));
                        }
                    }
                }
            }
        }
    }

    /// Loads and stores that are not hot are loops: a 16x16 register block with many tile-load
    /// slots emits a loop over the slots and one over the stores (4 `store_c` calls in the text,
    /// not 256), and the template stays a few KB; a small block stays unrolled.
    #[test]
    fn large_blocks_load_and_store_in_loops() {
        let caps = profile("lavapipe").unwrap();
        let spec = GemmSpec {
            batch: 1,
            dynamic_batch: false,
            m: 200,
            m_expr: None,
            n_expr: None,
            k_expr: None,
            n: 200,
            k: 96,
            ft: "f32",
            a_vec4: false,
            b_vec4: false,
        };
        let big = emit_gemm(&spec, &sched(64, 64, 32, 16, 16, 1, 1), &caps).unwrap();
        assert_eq!(big.code.matches("store_c(").count(), 4, "{}", big.code);
        assert_eq!(big.code.matches("for (var t_sl").count(), 2, "{}", big.code);
        assert!(big.code.len() < 12_000, "{} bytes", big.code.len());
        let small = emit_gemm(&spec, &sched(16, 16, 8, 2, 2, 1, 1), &caps).unwrap();
        assert_eq!(small.code.matches("store_c(").count(), 4, "{}", small.code);
        assert!(
            !small.code.contains("t_sl") && !small.code.contains("t_acc"),
            "{}",
            small.code
        );
    }

    #[test]
    fn dispatch_sizes() {
        let caps = profile("lavapipe").unwrap();
        let spec = GemmSpec {
            batch: 3,
            dynamic_batch: false,
            m: 65,
            m_expr: None,
            n_expr: None,
            k_expr: None,
            n: 33,
            k: 7,
            ft: "f32",
            a_vec4: false,
            b_vec4: false,
        };
        let e = emit_gemm(&spec, &sched(32, 16, 8, 2, 2, 1, 1), &caps).unwrap();
        assert_eq!(e.workgroups, [3, 3, 3]);
        assert!(e.code.contains("@workgroup_size(128)"), "{}", e.code);
        let empty = GemmSpec { m: 0, ..spec };
        assert_eq!(
            emit_gemm(&empty, &sched(32, 16, 8, 2, 2, 1, 1), &caps)
                .unwrap()
                .workgroups,
            [0, 1, 1]
        );
    }

    /// The template declares nothing the caller owns: no bindings, no `enable`, no caller
    /// functions, and every module-scope name it adds starts with `t_` (or is `main`).
    #[test]
    fn emits_only_template_names() {
        let caps = profile("lavapipe").unwrap();
        let spec = GemmSpec {
            batch: 1,
            dynamic_batch: false,
            m: 40,
            m_expr: None,
            n_expr: None,
            k_expr: None,
            n: 40,
            k: 40,
            ft: "f16",
            a_vec4: true,
            b_vec4: true,
        };
        let e = emit_gemm(&spec, &sched(32, 32, 8, 4, 4, 4, 2), &caps).unwrap();
        assert!(!e.code.contains("@binding") && !e.code.contains("enable "));
        for line in e.code.lines().filter(|l| !l.starts_with(' ') && !l.starts_with('}')) {
            if let Some(rest) = line.strip_prefix("var<workgroup> ") {
                assert!(rest.starts_with("t_"), "{line}");
            } else if let Some(rest) = line.strip_prefix("fn ") {
                assert!(rest.starts_with("main(") || rest.starts_with("t_"), "{line}");
            }
        }
        assert!(e.code.contains("load_a4(") && e.code.contains("load_b4(") && !e.code.contains("load_a("));
    }
}
