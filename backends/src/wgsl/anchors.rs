//! Lowering of one anchor stage (see [`crate::lower::stages`]) through its template: the caller
//! functions (`load_*`, `store_*`, `mask_*`) are emitted here with the expression emitter, so
//! prologues (views, broadcasts, recomputed elementwise ops) live in the loads and the epilogue
//! region and store layout live in the stores.

use super::attention::{emit_attention, AttnSpec};
use super::conv::{emit_conv, ConvSpec};
use super::dispatch::{emit_stores, emitter, finish, Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::expr::Emitter;
use super::gemm::{emit_gemm, GemmSpec};
use super::index::{broadcast, delinearize};
use super::rowreduce::{emit_row, RowOp, RowSpec};
use super::template::Emitted;
use super::topk::{emit_topk, TopKSpec};
use super::types::literal;
use crate::lower::stages::Stage;
use crate::lower::{Chosen, ConvProblem, GemmProblem, Layout, Problem, RowProblem, TopKProblem};
use edgecc_autotune::{GemmSchedule, ReduceSchedule, Schedule};
use edgecc_ir::{normalize_axis, DType, Op, ReduceOp, ValueId};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn unsupported(kc: &KernelCx, msg: impl Into<String>) -> WgslError {
    WgslError::Unsupported {
        kernel: kc.kernel.name.clone(),
        message: msg.into(),
    }
}

fn tmpl(kc: &KernelCx, r: std::result::Result<Emitted, String>) -> Result<Emitted> {
    r.map_err(|m| unsupported(kc, m))
}

/// The schedule of `problem` from the compile options' schedule source (a fixed one that does
/// not fit the device is an error naming the kernel).
fn choose(cx: &Ctx, kc: &KernelCx, problem: Problem) -> Result<Chosen> {
    crate::lower::choose(cx.schedules, cx.caps, &problem).map_err(|m| unsupported(kc, m))
}

fn gemm_schedule<'c>(kc: &KernelCx, c: &'c Chosen) -> Result<&'c GemmSchedule> {
    match &c.schedule {
        Schedule::Gemm(g) => Ok(g),
        other => Err(unsupported(kc, format!("a GEMM dispatch got schedule `{other}`"))),
    }
}

fn reduce_schedule<'c>(kc: &KernelCx, c: &'c Chosen) -> Result<&'c ReduceSchedule> {
    match &c.schedule {
        Schedule::Reduce(r) => Ok(r),
        other => Err(unsupported(kc, format!("a row dispatch got schedule `{other}`"))),
    }
}

/// The problem dtype of a float type string (`"f16"` or else f32).
fn float_dtype(ft: &str) -> DType {
    if ft == "f16" {
        DType::F16
    } else {
        DType::F32
    }
}

/// One WGSL function: `fn name(params) -> ret { stmts; return expr; }` from the emitter's
/// current statements.
fn func(em: &mut Emitter, sig: &str, ret: Option<&str>) -> String {
    let stmts = em.take();
    match ret {
        Some(r) => format!("fn {sig} {{\n{stmts}  return {r};\n}}\n\n"),
        None => format!("fn {sig} {{\n{stmts}}}\n\n"),
    }
}

/// The `load_q(b, i, c)`, `load_k(b, j, c)` and `load_v(b, j, c)` functions of an attention
/// template, for operands (value, shape, transposed) whose last two axes are (row, channel), or
/// (channel, row) when transposed (the kᵀ operand of a decomposed attention).
fn attention_loads(
    em: &mut Emitter,
    batch: &[u64],
    ft: &str,
    operands: [(ValueId, &Vec<u64>, bool); 3],
) -> Result<String> {
    let mut funcs = String::new();
    for ((name, row), (val, shape, transposed)) in [("load_q", "i"), ("load_k", "j"), ("load_v", "j")]
        .into_iter()
        .zip(operands)
    {
        em.begin();
        let mut idx = batch_idx("b", batch, &shape[..shape.len() - 2]);
        if transposed {
            idx.extend(["c".to_string(), row.to_string()]);
        } else {
            idx.extend([row.to_string(), "c".to_string()]);
        }
        let x = em.value_at(val, &idx)?;
        let reg = em.reg(val);
        funcs += &func(
            em,
            &format!("{name}(b: i32, {row}: i32, c: i32) -> {ft}"),
            Some(&Emitter::convert(&x, reg, ft)),
        );
    }
    Ok(funcs)
}

/// `(b)` delinearized over `batch`, then broadcast to an operand's batch dims.
fn batch_idx(b: &str, batch: &[u64], operand_batch: &[u64]) -> Vec<String> {
    let full = delinearize(b, batch);
    if operand_batch.is_empty() {
        return vec![];
    }
    broadcast(&full, operand_batch)
}

pub(crate) fn lower_stage(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    if stage.is_empty(kc.g) {
        return Ok(());
    }
    if stage.attention.is_some() {
        return attention_chain(cx, kc, stage);
    }
    match &node.op {
        Op::MatMul | Op::Gemm { .. } => gemm(cx, kc, stage),
        Op::Conv { .. } | Op::ConvTranspose { .. } => conv(cx, kc, stage),
        Op::Reduce { .. }
        | Op::ArgMax { .. }
        | Op::ArgMin { .. }
        | Op::Softmax { .. }
        | Op::LogSoftmax { .. }
        | Op::LayerNorm { .. }
        | Op::RmsNorm { .. }
        | Op::GroupNorm { .. }
        | Op::InstanceNorm { .. } => row(cx, kc, stage),
        Op::Attention { .. } => attention(cx, kc, stage),
        Op::TopK { .. } => topk(cx, kc, stage),
        other => Err(unsupported(
            kc,
            format!("{} (node `{}`) has no WGSL lowering yet", other.name(), node.name),
        )),
    }
}

fn gemm(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut em = emitter(cx, kc);
    let ft = cx.prec.float();
    let (a, b) = (node.inputs[0], node.inputs[1]);
    if !em.dtype(a).is_float() {
        return Err(unsupported(
            kc,
            format!(
                "{} `{}` on {} (integer GEMM is not supported on WGSL yet)",
                node.op.name(),
                node.name,
                em.dtype(a)
            ),
        ));
    }
    let (ash, bsh, osh) = (em.shape(a)?, em.shape(b)?, em.shape(out)?);
    let (areg, breg, oreg) = (em.reg(a), em.reg(b), em.reg(out));
    // Per-case: problem size, flattened batch, operand and output indices of (b, m, k / k, n / m, n).
    let (m, k, n): (u64, u64, u64);
    let (batch, ai, bi, oi): (Vec<u64>, Vec<String>, Vec<String>, Vec<String>);
    let acc_expr: String;
    let mut c_operand = None;
    let (mut layout_a, mut layout_b) = (Layout::RowMajor, Layout::RowMajor);
    if let Op::Gemm {
        alpha,
        beta,
        trans_a,
        trans_b,
    } = &node.op
    {
        m = if *trans_a { ash[1] } else { ash[0] };
        k = if *trans_a { ash[0] } else { ash[1] };
        n = if *trans_b { bsh[0] } else { bsh[1] };
        batch = vec![];
        ai = if *trans_a { s(&["k", "m"]) } else { s(&["m", "k"]) };
        bi = if *trans_b { s(&["n", "k"]) } else { s(&["k", "n"]) };
        oi = s(&["m", "n"]);
        acc_expr = format!("acc * {}", literal("f32", *alpha as f64));
        c_operand = node.inputs.get(2).map(|&c| (c, *beta));
        if *trans_a {
            layout_a = Layout::Transposed;
        }
        if *trans_b {
            layout_b = Layout::Transposed;
        }
    } else {
        let (ra, rb) = (ash.len(), bsh.len());
        m = if ra == 1 { 1 } else { ash[ra - 2] };
        k = ash[ra - 1];
        n = if rb == 1 { 1 } else { bsh[rb - 1] };
        let kept = (ra > 1) as usize + (rb > 1) as usize;
        batch = osh[..osh.len() - kept].to_vec();
        let a_of = if ra > 2 { ash[..ra - 2].to_vec() } else { vec![] };
        let b_of = if rb > 2 { bsh[..rb - 2].to_vec() } else { vec![] };
        let mut x = batch_idx("b", &batch, &a_of);
        if ra > 1 {
            x.push("m".into());
        }
        x.push("k".into());
        ai = x;
        let mut y = batch_idx("b", &batch, &b_of);
        y.push("k".into());
        if rb > 1 {
            y.push("n".into());
        }
        bi = y;
        let mut o = delinearize("b", &batch);
        if ra > 1 {
            o.push("m".into());
        }
        if rb > 1 {
            o.push("n".into());
        }
        oi = o;
        acc_expr = "acc".into();
    }
    let mut funcs = String::new();
    em.begin();
    let va = em.value_at(a, &ai)?;
    funcs += &func(
        &mut em,
        &format!("load_a(b: i32, m: i32, k: i32) -> {ft}"),
        Some(&Emitter::convert(&va, areg, ft)),
    );
    em.begin();
    let vb = em.value_at(b, &bi)?;
    funcs += &func(
        &mut em,
        &format!("load_b(b: i32, k: i32, n: i32) -> {ft}"),
        Some(&Emitter::convert(&vb, breg, ft)),
    );
    em.begin();
    let mut e = acc_expr;
    if let Some((c, beta)) = c_operand {
        let ci = broadcast(&oi, &em.shape(c)?);
        let vc = em.value_at(c, &ci)?;
        let creg = em.reg(c);
        e = format!(
            "{e} + {} * {}",
            literal("f32", beta as f64),
            Emitter::convert(&vc, creg, "f32")
        );
    }
    em.stmt(&format!(
        "let accv: {oreg} = {};",
        Emitter::convert(&format!("({e})"), "f32", oreg)
    ));
    em.bind(out, oi.clone(), "accv");
    let writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &oi)?;
    em.unbind_all();
    funcs += &func(&mut em, "store_c(b: i32, m: i32, n: i32, acc: f32)", None);
    // Four-wide loads along K of A and N of B where the extent is a multiple of 4 (the template
    // uses them when the schedule's vector width is 4): one bounds check per four elements.
    let (a_vec4, b_vec4) = (k % 4 == 0, n % 4 == 0);
    if a_vec4 {
        funcs += &format!(
            "fn load_a4(b: i32, m: i32, k: i32) -> vec4<{ft}> {{\n  return vec4<{ft}>(load_a(b, m, k), \
             load_a(b, m, k + 1), load_a(b, m, k + 2), load_a(b, m, k + 3));\n}}\n\n"
        );
    }
    if b_vec4 {
        funcs += &format!(
            "fn load_b4(b: i32, k: i32, n: i32) -> vec4<{ft}> {{\n  return vec4<{ft}>(load_b(b, k, n), \
             load_b(b, k, n + 1), load_b(b, k, n + 2), load_b(b, k, n + 3));\n}}\n\n"
        );
    }
    let spec = GemmSpec {
        batch: batch.iter().product(),
        m,
        n,
        k,
        ft,
        a_vec4,
        b_vec4,
    };
    let chosen = choose(
        cx,
        kc,
        Problem::Gemm(GemmProblem {
            batch: spec.batch,
            m,
            n,
            k,
            dtype: float_dtype(ft),
            a: layout_a,
            b: layout_b,
        }),
    )?;
    let emitted = tmpl(kc, emit_gemm(&spec, gemm_schedule(kc, &chosen)?, cx.caps))?;
    finish(cx, kc, &em, &funcs, &emitted, &writes, chosen)
}

fn conv(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut em = emitter(cx, kc);
    let ft = cx.prec.float();
    let (x, w) = (node.inputs[0], node.inputs[1]);
    let xsh = em.shape(x)?;
    let wsh = em.shape(w)?;
    let osh = em.shape(out)?;
    let sp = xsh.len().saturating_sub(2);
    if !(1..=3).contains(&sp) || !em.dtype(x).is_float() {
        return Err(unsupported(
            kc,
            format!(
                "{} `{}` with input {:?} {}",
                node.op.name(),
                node.name,
                xsh,
                em.dtype(x)
            ),
        ));
    }
    let (strides, pads, dilations, groups, transposed) = match &node.op {
        Op::Conv {
            strides,
            pads,
            dilations,
            groups,
        } => (strides.clone(), pads.clone(), dilations.clone(), *groups as u64, false),
        Op::ConvTranspose {
            strides,
            pads,
            dilations,
            groups,
            ..
        } => (strides.clone(), pads.clone(), dilations.clone(), *groups as u64, true),
        _ => return Err(unsupported(kc, "not a convolution")),
    };
    let get = |v: &Vec<u64>, i: usize, d: u64| v.get(i).copied().unwrap_or(d);
    let spec = ConvSpec {
        n: xsh[0],
        c: xsh[1],
        m: osh[1],
        groups,
        in_spatial: xsh[2..].to_vec(),
        kernel: wsh[2..].to_vec(),
        out_spatial: osh[2..].to_vec(),
        strides: (0..sp).map(|i| get(&strides, i, 1)).collect(),
        pads_begin: (0..sp).map(|i| get(&pads, i, 0)).collect(),
        dilations: (0..sp).map(|i| get(&dilations, i, 1)).collect(),
        transposed,
        ft,
    };
    let dn = ["d0", "d1", "d2"];
    let kn = ["k0", "k1", "k2"];
    let mut funcs = String::new();
    em.begin();
    let mut xi = s(&["n", "c"]);
    xi.extend(dn[..sp].iter().map(|d| d.to_string()));
    let vx = em.value_at(x, &xi)?;
    let xreg = em.reg(x);
    funcs += &func(
        &mut em,
        &format!("load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> {ft}"),
        Some(&Emitter::convert(&vx, xreg, ft)),
    );
    em.begin();
    let mut wi = s(&["o", "c"]);
    wi.extend(kn[..sp].iter().map(|d| d.to_string()));
    let vw = em.value_at(w, &wi)?;
    let wreg = em.reg(w);
    funcs += &func(
        &mut em,
        &format!("load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> {ft}"),
        Some(&Emitter::convert(&vw, wreg, ft)),
    );
    em.begin();
    let mut oi = s(&["n", "o"]);
    oi.extend(dn[..sp].iter().map(|d| d.to_string()));
    let oreg = em.reg(out);
    let mut e = "acc".to_string();
    if let Some(&bias) = node.inputs.get(2) {
        let vb = em.value_at(bias, &s(&["o"]))?;
        let breg = em.reg(bias);
        e = format!("(acc + {})", Emitter::convert(&vb, breg, "f32"));
    }
    em.stmt(&format!("let accv: {oreg} = {};", Emitter::convert(&e, "f32", oreg)));
    em.bind(out, oi.clone(), "accv");
    let writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &oi)?;
    em.unbind_all();
    funcs += &func(
        &mut em,
        "store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32)",
        None,
    );
    let chosen = choose(
        cx,
        kc,
        Problem::Conv(ConvProblem {
            n: spec.n,
            c: spec.c,
            m: spec.m,
            groups: spec.groups,
            in_spatial: spec.in_spatial.clone(),
            kernel: spec.kernel.clone(),
            out_spatial: spec.out_spatial.clone(),
            strides: spec.strides.clone(),
            pads_begin: spec.pads_begin.clone(),
            dilations: spec.dilations.clone(),
            transposed: spec.transposed,
            dtype: float_dtype(ft),
        }),
    )?;
    let emitted = tmpl(kc, emit_conv(&spec, gemm_schedule(kc, &chosen)?, cx.caps))?;
    finish(cx, kc, &em, &funcs, &emitted, &writes, chosen)
}

/// A norm's (scale, bias, per-channel) operands: applied by the store.
type NormParams = Option<(ValueId, Option<ValueId>, bool)>;

/// The row mapping of a row op: (rows, len, full input index of (row, j)).
struct RowMap {
    rows: u64,
    len: u64,
    /// The input index of element j of row `row`, in terms of WGSL names `row` and `j`.
    in_idx: Vec<String>,
    /// The output index of element (row, j) (norms, softmax) or of row `row` (reductions).
    out_idx: Vec<String>,
}

fn row(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut em = emitter(cx, kc);
    let x = node.inputs[0];
    // Integers are loaded as f32 (exact up to 2^24), not in the precision's float: f16 would
    // round them from 2048 on.
    let ft = if em.dtype(x).is_float() { cx.prec.float() } else { "f32" };
    let xsh = em.shape(x)?;
    let r = xsh.len();
    let oreg = em.reg(out);
    let axis_of =
        |a: i64| normalize_axis(a, r).ok_or_else(|| unsupported(kc, format!("axis {a} out of range for rank {r}")));
    // Split the input axes into kept (rows) and reduced (j) axes.
    let mapping = |kept: &[usize], red: &[usize], keep_in_out: bool| -> RowMap {
        let kd: Vec<u64> = kept.iter().map(|&a| xsh[a]).collect();
        let rd: Vec<u64> = red.iter().map(|&a| xsh[a]).collect();
        let ki = delinearize("row", &kd);
        let ri = delinearize("j", &rd);
        let mut in_idx = vec!["0".to_string(); r];
        for (p, &a) in kept.iter().enumerate() {
            in_idx[a] = ki[p].clone();
        }
        for (p, &a) in red.iter().enumerate() {
            in_idx[a] = ri[p].clone();
        }
        let out_idx = if keep_in_out { in_idx.clone() } else { ki.clone() };
        RowMap {
            rows: kd.iter().product(),
            len: rd.iter().product(),
            in_idx,
            out_idx,
        }
    };
    let (op, map, extra): (RowOp, RowMap, NormParams) = match &node.op {
        Op::Reduce { op, axes, keepdims } => {
            let mut red: Vec<usize> = Vec::new();
            for &a in axes {
                red.push(axis_of(a)?);
            }
            if axes.is_empty() {
                red = (0..r).collect();
            }
            red.sort_unstable();
            red.dedup();
            let kept: Vec<usize> = (0..r).filter(|a| !red.contains(a)).collect();
            let mut m = mapping(&kept, &red, false);
            if *keepdims {
                let mut oi = m.in_idx.clone();
                for &a in &red {
                    oi[a] = "0".into();
                }
                m.out_idx = oi;
            }
            let op = match op {
                ReduceOp::Sum => RowOp::Sum,
                ReduceOp::Mean => RowOp::Mean,
                ReduceOp::Max => RowOp::Max,
                ReduceOp::Min => RowOp::Min,
                ReduceOp::Prod => RowOp::Prod,
            };
            (op, m, None)
        }
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index,
        }
        | Op::ArgMin {
            axis,
            keepdims,
            select_last_index,
        } => {
            let a = axis_of(*axis)?;
            let kept: Vec<usize> = (0..r).filter(|&i| i != a).collect();
            let mut m = mapping(&kept, &[a], false);
            if *keepdims {
                let mut oi = m.in_idx.clone();
                oi[a] = "0".into();
                m.out_idx = oi;
            }
            let op = if matches!(node.op, Op::ArgMax { .. }) {
                RowOp::ArgMax {
                    select_last: *select_last_index,
                }
            } else {
                RowOp::ArgMin {
                    select_last: *select_last_index,
                }
            };
            (op, m, None)
        }
        Op::Softmax { axis } | Op::LogSoftmax { axis } => {
            let a = axis_of(*axis)?;
            let kept: Vec<usize> = (0..r).filter(|&i| i != a).collect();
            let m = mapping(&kept, &[a], true);
            let op = if matches!(node.op, Op::Softmax { .. }) {
                RowOp::Softmax
            } else {
                RowOp::LogSoftmax
            };
            (op, m, None)
        }
        Op::LayerNorm { axis, epsilon } | Op::RmsNorm { axis, epsilon } => {
            let a = axis_of(*axis)?;
            let kept: Vec<usize> = (0..a).collect();
            let red: Vec<usize> = (a..r).collect();
            let m = mapping(&kept, &red, true);
            let ln = matches!(node.op, Op::LayerNorm { .. });
            let op = if ln {
                RowOp::LayerNorm { eps: *epsilon }
            } else {
                RowOp::RmsNorm { eps: *epsilon }
            };
            (op, m, Some((node.inputs[1], node.inputs.get(2).copied(), false)))
        }
        Op::GroupNorm { epsilon, .. } | Op::InstanceNorm { epsilon } => {
            if r < 2 {
                return Err(unsupported(
                    kc,
                    format!("{} `{}` needs [N, C, ...]", node.op.name(), node.name),
                ));
            }
            let c = xsh[1];
            let g = match &node.op {
                Op::GroupNorm { num_groups, .. } => (*num_groups as u64).max(1),
                _ => c.max(1),
            };
            let spatial: Vec<u64> = xsh[2..].to_vec();
            let sn: u64 = spatial.iter().product();
            let cg = c / g;
            let mut in_idx = vec![format!("(row / {g})")];
            in_idx.push(format!("((row % {g}) * {cg} + j / {})", sn.max(1)));
            let sp = delinearize(&format!("(j % {})", sn.max(1)), &spatial);
            in_idx.extend(sp);
            let m = RowMap {
                rows: xsh[0] * g,
                len: cg * sn,
                in_idx: in_idx.clone(),
                out_idx: in_idx,
            };
            (
                RowOp::LayerNorm { eps: *epsilon },
                m,
                Some((node.inputs[1], Some(node.inputs[2]), true)),
            )
        }
        _ => return Err(unsupported(kc, "not a row op")),
    };
    let mut funcs = String::new();
    em.begin();
    let vx = em.value_at(x, &map.in_idx)?;
    let xreg = em.reg(x);
    funcs += &func(
        &mut em,
        &format!("load_x(row: i32, j: i32) -> {ft}"),
        Some(&Emitter::convert(&vx, xreg, ft)),
    );
    em.begin();
    let writes;
    match op {
        RowOp::Sum | RowOp::Mean | RowOp::Max | RowOp::Min | RowOp::Prod => {
            // An empty integer Max/Min row is the identity ±inf: clamped to the dtype's range, as
            // the reference (an empty ReduceMax of u8 is 0, which a bool ReduceMax casts to false).
            let rv = match em.dtype(out).int_range() {
                Some((lo, hi)) if oreg == "i32" => {
                    let lo = lo.max(i32::MIN as i64) as f64;
                    let hi = (hi.min(i32::MAX as i64) as f64).min(2147483520.0);
                    format!("i32(clamp(v, {}, {}))", literal("f32", lo), literal("f32", hi))
                }
                _ => Emitter::convert("v", "f32", oreg),
            };
            em.stmt(&format!("let rv: {oreg} = {rv};"));
            em.bind(out, map.out_idx.clone(), "rv");
            writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &map.out_idx)?;
            em.unbind_all();
            funcs += &func(&mut em, "store_r(row: i32, v: f32)", None);
        }
        RowOp::ArgMax { .. } | RowOp::ArgMin { .. } => {
            em.stmt(&format!("let rv: {oreg} = {};", Emitter::convert("v", "i32", oreg)));
            em.bind(out, map.out_idx.clone(), "rv");
            writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &map.out_idx)?;
            em.unbind_all();
            funcs += &func(&mut em, "store_r(row: i32, v: i32)", None);
        }
        _ => {
            let mut e = "v".to_string();
            if let Some((scale, bias, per_channel)) = extra {
                let pidx = |em: &mut Emitter, p: ValueId| -> Result<Vec<String>> {
                    if per_channel {
                        Ok(vec![map.out_idx[1].clone()])
                    } else {
                        Ok(broadcast(&map.out_idx, &em.shape(p)?))
                    }
                };
                let si = pidx(&mut em, scale)?;
                let sv = em.value_at(scale, &si)?;
                let sreg = em.reg(scale);
                e = format!("({e} * {})", Emitter::convert(&sv, sreg, "f32"));
                if let Some(bias) = bias {
                    let bi = pidx(&mut em, bias)?;
                    let bv = em.value_at(bias, &bi)?;
                    let breg = em.reg(bias);
                    e = format!("({e} + {})", Emitter::convert(&bv, breg, "f32"));
                }
            }
            em.stmt(&format!("let rv: {oreg} = {};", Emitter::convert(&e, "f32", oreg)));
            em.bind(out, map.out_idx.clone(), "rv");
            writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &map.out_idx)?;
            em.unbind_all();
            funcs += &func(&mut em, "store_y(row: i32, j: i32, v: f32)", None);
        }
    }
    let spec = RowSpec {
        rows: map.rows,
        len: map.len,
        op,
        ft,
    };
    let chosen = choose(
        cx,
        kc,
        Problem::Row(RowProblem {
            op: op.key_name().into(),
            rows: map.rows,
            len: map.len,
            dtype: float_dtype(ft),
            slots: op.reduce_slots(),
        }),
    )?;
    let emitted = tmpl(kc, emit_row(&spec, reduce_schedule(kc, &chosen)?, cx.caps))?;
    finish(cx, kc, &em, &funcs, &emitted, &writes, chosen)
}

fn attention(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let Op::Attention { scale, causal } = node.op else {
        return Err(unsupported(kc, "not attention"));
    };
    let out = node.outputs[0];
    let mut em = emitter(cx, kc);
    let ft = cx.prec.float();
    let (q, k, v) = (node.inputs[0], node.inputs[1], node.inputs[2]);
    let mask = node.inputs.get(3).copied();
    let (qs, ks, vs, os) = (em.shape(q)?, em.shape(k)?, em.shape(v)?, em.shape(out)?);
    let r = os.len();
    if r < 2 || !em.dtype(q).is_float() {
        return Err(unsupported(
            kc,
            format!("Attention `{}` with output {:?}", node.name, os),
        ));
    }
    let batch = os[..r - 2].to_vec();
    let (lq, d) = (qs[qs.len() - 2], qs[qs.len() - 1]);
    let (lk, dv) = (ks[ks.len() - 2], vs[vs.len() - 1]);
    let mut funcs = String::new();
    funcs += &attention_loads(&mut em, &batch, ft, [(q, &qs, false), (k, &ks, false), (v, &vs, false)])?;
    if let Some(mk) = mask {
        em.begin();
        let mut full = delinearize("b", &batch);
        full.push("i".into());
        full.push("j".into());
        let idx = broadcast(&full, &em.shape(mk)?);
        let x = em.value_at(mk, &idx)?;
        let ret = if em.dtype(mk) == DType::Bool {
            format!("select({}, 0.0, {x})", literal("f32", f64::NEG_INFINITY))
        } else {
            let reg = em.reg(mk);
            Emitter::convert(&x, reg, "f32")
        };
        funcs += &func(&mut em, "mask_s(b: i32, i: i32, j: i32) -> f32", Some(&ret));
    }
    let spec = AttnSpec {
        batch: batch.iter().product(),
        lq,
        lk,
        d,
        dv,
        scale: scale.unwrap_or(1.0 / (d.max(1) as f32).sqrt()),
        causal,
        has_mask: mask.is_some(),
        score_fn: false,
        ft,
    };
    finish_attention(cx, kc, em, funcs, stage, out, &batch, &spec)
}

/// A decomposed attention (see [`crate::lower::stages::AttentionChain`]) as one attention
/// dispatch: q and kᵀ are the first MatMul's operands, the pointwise chain between it and the
/// softmax becomes `score_s`, v is the second MatMul's right operand.
fn attention_chain(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let Some(chain) = stage.attention else {
        return Err(unsupported(kc, "not an attention chain"));
    };
    let mm1 = kc.g.node(chain.scores).clone();
    let mm2 = kc.g.node(stage.anchor).clone();
    let out = mm2.outputs[0];
    let scores = mm1.outputs[0];
    let mut em = emitter(cx, kc);
    let ft = cx.prec.float();
    let (q, kt, v) = (mm1.inputs[0], mm1.inputs[1], mm2.inputs[1]);
    if !em.dtype(q).is_float() {
        return Err(unsupported(kc, format!("attention `{}` on {}", mm1.name, em.dtype(q))));
    }
    let (qs, ks, vs, os) = (em.shape(q)?, em.shape(kt)?, em.shape(v)?, em.shape(out)?);
    let r = os.len();
    let batch = os[..r - 2].to_vec();
    let (lq, d) = (qs[qs.len() - 2], qs[qs.len() - 1]);
    let (lk, dv) = (ks[ks.len() - 1], vs[vs.len() - 1]);
    let mut funcs = String::new();
    // (name, value, operand shape, index of (row, c) in the operand's last two axes)
    funcs += &attention_loads(&mut em, &batch, ft, [(q, &qs, false), (kt, &ks, true), (v, &vs, false)])?;
    em.begin();
    let mut si = delinearize("b", &batch);
    si.push("i".into());
    si.push("j".into());
    let sreg = em.reg(scores);
    em.stmt(&format!("let sv: {sreg} = {};", Emitter::convert("s", "f32", sreg)));
    em.bind(scores, si.clone(), "sv");
    let logit = em.value_at(chain.logits, &si)?;
    let lreg = em.reg(chain.logits);
    em.unbind_all();
    funcs += &func(
        &mut em,
        "score_s(b: i32, i: i32, j: i32, s: f32) -> f32",
        Some(&Emitter::convert(&logit, lreg, "f32")),
    );
    let spec = AttnSpec {
        batch: batch.iter().product(),
        lq,
        lk,
        d,
        dv,
        scale: 1.0,
        causal: false,
        has_mask: false,
        score_fn: true,
        ft,
    };
    finish_attention(cx, kc, em, funcs, stage, out, &batch, &spec)
}

/// What both attention lowerings end with: `store_o` (the output `out`, at batch index `b`, row
/// `i`, column `c`, through the stage's stores and epilogue), the attention template for `spec`,
/// and the dispatch.
#[allow(clippy::too_many_arguments)]
fn finish_attention(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    mut em: Emitter,
    mut funcs: String,
    stage: &Stage,
    out: ValueId,
    batch: &[u64],
    spec: &AttnSpec,
) -> Result<()> {
    em.begin();
    let mut oi = delinearize("b", batch);
    oi.push("i".into());
    oi.push("c".into());
    let oreg = em.reg(out);
    em.stmt(&format!("let ov: {oreg} = {};", Emitter::convert("v", "f32", oreg)));
    em.bind(out, oi.clone(), "ov");
    let writes = emit_stores(cx, kc, &mut em, &stage.stores, None, &oi)?;
    em.unbind_all();
    funcs += &func(&mut em, "store_o(b: i32, i: i32, c: i32, v: f32)", None);
    let chosen = choose(cx, kc, Problem::Attention(spec.problem()))?;
    let emitted = tmpl(kc, emit_attention(spec, &chosen.schedule, cx.caps))?;
    finish(cx, kc, &em, &funcs, &emitted, &writes, chosen)
}

fn topk(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let Op::TopK { k, axis, largest } = node.op else {
        return Err(unsupported(kc, "not top-k"));
    };
    let mut em = emitter(cx, kc);
    let x = node.inputs[0];
    let ft = em.reg(x);
    if ft == "bool" {
        return Err(unsupported(kc, format!("TopK `{}` on booleans", node.name)));
    }
    let xsh = em.shape(x)?;
    let r = xsh.len();
    let a = normalize_axis(axis, r).ok_or_else(|| unsupported(kc, "top-k axis out of range"))?;
    let kept: Vec<usize> = (0..r).filter(|&i| i != a).collect();
    let kd: Vec<u64> = kept.iter().map(|&i| xsh[i]).collect();
    let ki = delinearize("row", &kd);
    let idx_with = |j: &str| {
        let mut v = vec!["0".to_string(); r];
        for (p, &ax) in kept.iter().enumerate() {
            v[ax] = ki[p].clone();
        }
        v[a] = j.to_string();
        v
    };
    let mut funcs = String::new();
    em.begin();
    let vx = em.value_at(x, &idx_with("j"))?;
    let xreg = em.reg(x);
    funcs += &func(
        &mut em,
        &format!("load_x(row: i32, j: i32) -> {ft}"),
        Some(&Emitter::convert(&vx, xreg, ft)),
    );
    let (vals, inds) = (node.outputs[0], node.outputs[1]);
    let oi = idx_with("r");
    em.begin();
    let vreg = em.reg(vals);
    em.stmt(&format!("let tv: {vreg} = {};", Emitter::convert("v", ft, vreg)));
    em.bind(vals, oi.clone(), "tv");
    let mut writes = emit_stores(cx, kc, &mut em, &stage.stores, Some(&[vals]), &oi)?;
    em.unbind_all();
    funcs += &func(&mut em, &format!("store_v(row: i32, r: i32, v: {ft})"), None);
    em.begin();
    let ireg = em.reg(inds);
    em.stmt(&format!("let tv: {ireg} = {};", Emitter::convert("idx", "i32", ireg)));
    em.bind(inds, oi.clone(), "tv");
    writes.extend(emit_stores(cx, kc, &mut em, &stage.stores, Some(&[inds]), &oi)?);
    em.unbind_all();
    funcs += &func(&mut em, "store_i(row: i32, r: i32, idx: i32)", None);
    let spec = TopKSpec {
        rows: kd.iter().product(),
        len: xsh[a],
        k,
        largest,
        ft,
    };
    let chosen = choose(
        cx,
        kc,
        Problem::TopK(TopKProblem {
            rows: spec.rows,
            len: spec.len,
            k: spec.k,
            largest,
            dtype: em.dtype(x),
        }),
    )?;
    let emitted = tmpl(kc, emit_topk(&spec, reduce_schedule(kc, &chosen)?, cx.caps))?;
    finish(cx, kc, &em, &funcs, &emitted, &writes, chosen)
}
