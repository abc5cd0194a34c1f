//! Lowering of one anchor stage (see [`crate::lower::stages`]) through its template: the caller
//! functions (`load_*`, `score_s`, `mask_s`, `store_*`) are kir built by the value walk
//! ([`super::callers`]), so prologues (views, broadcasts, recomputed elementwise ops) live in
//! the loads and the epilogue region and store layout live in the stores; the template's main
//! loop follows them.

use super::attention::{emit_attention, AttnSpec};
use super::callers::Callers;
use super::conv::{emit_conv_over, ConvSpec};
use super::dispatch::{Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::gemm::{emit_gemm, GemmSpec};
use super::rowreduce::{emit_row, RowOp, RowSpec};
use super::template::Emitted;
use super::topk::{emit_topk, TopKSpec};
use crate::kir::{BinaryOp, Expr, Extent, Role, Scalar, Type};
use crate::lower::stages::Stage;
use crate::lower::value::{Ex, Walk};
use crate::lower::{Chosen, ConvProblem, GemmProblem, Layout, Problem, RowProblem, TopKProblem};
use edgecc_autotune::{GemmSchedule, ReduceSchedule, Schedule};
use edgecc_ir::{normalize_axis, DType, Dim as IrDim, Op, ReduceOp, ValueId};

const I32: Type = Type::I32;
const F32: Type = Type::F32;

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

/// The kir type of a template's float type string.
fn float_type(ft: &str) -> Type {
    if ft == "f16" {
        Type::F16
    } else {
        Type::F32
    }
}

/// Batch index `b` delinearized over `batch`, then broadcast to an operand's batch dims.
fn batch_idx(w: &mut Walk, b: Ex, batch: &[u64], operand_batch: &[u64]) -> Result<Vec<Ex>> {
    if operand_batch.is_empty() {
        return Ok(vec![]);
    }
    let full = w.delinearize(b, batch)?;
    Ok(w.broadcast(&full, operand_batch))
}

/// `delinearize(b, batch)` followed by `rest`.
fn batch_then(w: &mut Walk, b: Ex, batch: &[u64], rest: &[Ex]) -> Result<Vec<Ex>> {
    let mut idx = w.delinearize(b, batch)?;
    idx.extend_from_slice(rest);
    Ok(idx)
}

/// Ends a store function: `held` (the anchor's value `out` at `idx`, a register converted to
/// `out`'s type) goes through the stage's stores of `values` (all when `None`).
fn store_fn(
    c: &mut Callers,
    cx: &Ctx,
    kc: &KernelCx,
    stage: &Stage,
    name: &str,
    out: ValueId,
    idx: &[Ex],
    held: Ex,
    values: Option<&[ValueId]>,
) -> Result<()> {
    let reg = c.w.reg(out);
    let x = c.w.convert(held, reg)?;
    let x = c.w.bind(x)?;
    c.w.preset(out, idx, x);
    c.stores(cx, kc, &stage.stores, values, idx)?;
    c.end(name, Role::Store, None)?;
    Ok(())
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

/// A GEMM index (`m`, `k` or `n`) an operand axis takes.
#[derive(Clone, Copy)]
enum G {
    M,
    K,
    N,
}

/// How one GEMM operand (or the result) is indexed: its batch dims (broadcast from the
/// flattened batch `b`), then its last axes.
struct GemmIndex {
    batch: Vec<u64>,
    axes: Vec<G>,
}

impl GemmIndex {
    /// The operand index for (b, m, k, n) over the GEMM's `batch`.
    fn at(&self, w: &mut Walk, batch: &[u64], [b, m, k, n]: [Ex; 4]) -> Result<Vec<Ex>> {
        let mut idx = batch_idx(w, b, batch, &self.batch)?;
        idx.extend(self.axes.iter().map(|g| match g {
            G::M => m,
            G::K => k,
            G::N => n,
        }));
        Ok(idx)
    }
}

fn gemm(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, kc, "gemm");
    let ft = cx.prec.float();
    let fty = float_type(ft);
    let (a, b) = (node.inputs[0], node.inputs[1]);
    if !c.w.dtype(a).is_float() {
        return Err(unsupported(
            kc,
            format!(
                "{} `{}` on {} (integer GEMM is not supported on WGSL yet)",
                node.op.name(),
                node.name,
                c.w.dtype(a)
            ),
        ));
    }
    // Extents at the bounds; a dynamic dim may only be A's M axis (and the output's).
    let (adims, bdims, odims) = (
        kc.g.ty(a).shape.clone(),
        kc.g.ty(b).shape.clone(),
        kc.g.ty(out).shape.clone(),
    );
    let bound = |s: &edgecc_ir::Shape| -> Vec<u64> { s.dims().iter().map(|d| d.upper_bound()).collect() };
    let (ash, bsh, osh) = (bound(&adims), bound(&bdims), bound(&odims));
    let (m, k, n): (u64, u64, u64);
    let batch: Vec<u64>;
    let (ai, bi, oi): (GemmIndex, GemmIndex, GemmIndex);
    let mut alpha = 1.0;
    let mut c_operand = None;
    let (mut layout_a, mut layout_b) = (Layout::RowMajor, Layout::RowMajor);
    if let Op::Gemm {
        alpha: al,
        beta,
        trans_a,
        trans_b,
    } = &node.op
    {
        m = if *trans_a { ash[1] } else { ash[0] };
        k = if *trans_a { ash[0] } else { ash[1] };
        n = if *trans_b { bsh[0] } else { bsh[1] };
        batch = vec![];
        let plain = |axes: Vec<G>| GemmIndex { batch: vec![], axes };
        ai = plain(if *trans_a { vec![G::K, G::M] } else { vec![G::M, G::K] });
        bi = plain(if *trans_b { vec![G::N, G::K] } else { vec![G::K, G::N] });
        oi = plain(vec![G::M, G::N]);
        alpha = *al;
        c_operand = node.inputs.get(2).map(|&cv| (cv, *beta));
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
        let of = |sh: &[u64], r: usize| if r > 2 { sh[..r - 2].to_vec() } else { vec![] };
        let mut x = vec![];
        if ra > 1 {
            x.push(G::M);
        }
        x.push(G::K);
        ai = GemmIndex {
            batch: of(&ash, ra),
            axes: x,
        };
        let mut y = vec![G::K];
        if rb > 1 {
            y.push(G::N);
        }
        bi = GemmIndex {
            batch: of(&bsh, rb),
            axes: y,
        };
        let mut o = vec![];
        if ra > 1 {
            o.push(G::M);
        }
        if rb > 1 {
            o.push(G::N);
        }
        oi = GemmIndex {
            batch: batch.clone(),
            axes: o,
        };
    }
    // Dynamic dims: on M, N or K (one dim wherever that axis appears), never on a batch axis.
    let mut gdims: [Option<IrDim>; 3] = [None, None, None];
    for (shape, gi) in [(&adims, &ai), (&bdims, &bi), (&odims, &oi)] {
        let dims = shape.dims();
        let lead = dims.len() - gi.axes.len();
        for (i, d) in dims.iter().enumerate().filter(|(_, d)| d.as_static().is_none()) {
            let refuse = |what: &str| {
                unsupported(
                    kc,
                    format!("{} `{}` on {} x {}: {what}", node.op.name(), node.name, adims, bdims),
                )
            };
            let Some(&g) = i.checked_sub(lead).and_then(|j| gi.axes.get(j)) else {
                return Err(refuse(
                    "of dynamic dims, a GEMM takes them on M, N and K, not on a batch axis, so far",
                ));
            };
            let slot = &mut gdims[g as usize];
            match slot {
                None => *slot = Some(d.clone()),
                Some(e) if e == d => {}
                Some(_) => return Err(refuse("one GEMM axis has two different dims")),
            }
        }
    }
    let [m_dim, k_dim, n_dim] = gdims;
    // load_a(b, m, k) and load_b(b, k, n); their parameters are (b, m, k) and (b, k, n).
    let zero = |c: &mut Callers| c.w.ci(0);
    let p = c.begin(&[("b", I32), ("m", I32), ("k", I32)]);
    let z = zero(&mut c);
    let idx = ai.at(&mut c.w, &batch, [p[0], p[1], p[2], z])?;
    let va = c.w.value_at(a, &idx)?;
    let load_a = c.end("load_a", Role::OperandLoad, Some((va, fty)))?;
    let p = c.begin(&[("b", I32), ("k", I32), ("n", I32)]);
    let z = zero(&mut c);
    let idx = bi.at(&mut c.w, &batch, [p[0], z, p[1], p[2]])?;
    let vb = c.w.value_at(b, &idx)?;
    let load_b = c.end("load_b", Role::OperandLoad, Some((vb, fty)))?;
    // store_c(b, m, n, acc): alpha * acc (+ beta * C), through the stores.
    let p = c.begin(&[("b", I32), ("m", I32), ("n", I32), ("acc", F32)]);
    let z = zero(&mut c);
    let idx = oi.at(&mut c.w, &batch, [p[0], p[1], z, p[2]])?;
    let mut e = p[3];
    if alpha != 1.0 {
        let al = c.w.lit(F32, f64::from(alpha));
        e = c.w.bin(BinaryOp::Mul, e, al)?;
    }
    if let Some((cv, beta)) = c_operand {
        let cs = c.w.sizes(cv)?;
        let ci = c.w.broadcast_ex(&idx, &cs);
        let vc = c.w.value_at(cv, &ci)?;
        let mut vc = c.w.convert(vc, F32)?;
        if beta != 1.0 {
            let be = c.w.lit(F32, f64::from(beta));
            vc = c.w.bin(BinaryOp::Mul, be, vc)?;
        }
        e = c.w.bin(BinaryOp::Add, e, vc)?;
    }
    store_fn(&mut c, cx, kc, stage, "store_c", out, &idx, e, None)?;
    // Four-wide loads along K of A and N of B where the extent is a multiple of 4 (the template
    // uses them when the schedule's vector width is 4): one bounds check per four elements.
    let (a_vec4, b_vec4) = (k % 4 == 0, n % 4 == 0);
    for (on, name, load, names) in [
        (a_vec4, "load_a4", load_a, ["b", "m", "k"]),
        (b_vec4, "load_b4", load_b, ["b", "k", "n"]),
    ] {
        if !on {
            continue;
        }
        let p = c.begin(&[(names[0], I32), (names[1], I32), (names[2], I32)]);
        let mut parts = [p[0]; 4];
        for (q, part) in parts.iter_mut().enumerate() {
            let off = c.w.ci(q as i64);
            let last = c.w.ix_add(p[2], off)?;
            *part = c.w.e(
                Expr::Call {
                    function: load,
                    args: vec![p[0], p[1], last],
                },
                fty,
            );
        }
        let v = c.w.e(
            Expr::Compose {
                scalar: fty.scalar(),
                components: parts,
            },
            Type::Vec4(fty.scalar()),
        );
        c.end(name, Role::OperandLoad, Some((v, Type::Vec4(fty.scalar()))))?;
    }
    let mut extent = |d: &Option<IrDim>| -> Result<Option<(Extent, String)>> {
        let Some(d) = d else { return Ok(None) };
        let e = c.extent(std::slice::from_ref(d))?;
        let text = format!("i32({})", c.extent_text(&e));
        Ok(Some((e, text)))
    };
    let (m_ext, n_ext, k_ext) = (extent(&m_dim)?, extent(&n_dim)?, extent(&k_dim)?);
    let spec = GemmSpec {
        batch: batch.iter().product(),
        m,
        m_expr: m_ext.as_ref().map(|e| e.1.as_str()),
        n,
        n_expr: n_ext.as_ref().map(|e| e.1.as_str()),
        k,
        k_expr: k_ext.as_ref().map(|e| e.1.as_str()),
        ft,
        a_vec4,
        b_vec4,
    };
    let problem = |m: u64| {
        Problem::Gemm(GemmProblem {
            batch: spec.batch,
            m,
            n,
            k,
            dtype: float_dtype(ft),
            a: layout_a,
            b: layout_b,
        })
    };
    // A dynamic M is one variant per range of M whose schedule differs (each chosen for its
    // range's largest M, and keyed by it): a tile chosen for the bound would waste most of its
    // rows at small sizes. A dynamic M or N is a direct dispatch (`emit_gemm` refuses
    // otherwise): tiles of N along x, of M along y (at run time), the batch along z. A dynamic
    // K alone changes no workgroup count.
    let ranges = match &m_dim {
        Some(_) => m_ranges(m),
        None => vec![(0, m)],
    };
    let mut variants: Vec<(u64, u64, Chosen)> = Vec::new();
    for (lo, hi) in ranges {
        let chosen = choose(cx, kc, problem(hi))?;
        match variants.last_mut() {
            Some(last) if last.2.schedule == chosen.schedule => {
                last.1 = hi;
                last.2 = chosen;
            }
            _ => variants.push((lo, hi, chosen)),
        }
    }
    let m_name = match &m_dim {
        Some(IrDim::Sym { name, .. }) => Some(name.clone()),
        _ => None,
    };
    let one = variants.len() == 1;
    for (lo, hi, chosen) in variants {
        let schedule = gemm_schedule(kc, &chosen)?.clone();
        let emitted = tmpl(kc, emit_gemm(&spec, &schedule, cx.caps))?;
        let fixed = |i: usize| -> Extent { u64::from(emitted.workgroups[i]).into() };
        let launch = (m_ext.is_some() || n_ext.is_some()).then(|| {
            [
                n_ext
                    .as_ref()
                    .map_or_else(|| fixed(0), |e| e.0.clone().ceil_div(u64::from(schedule.tile_n))),
                m_ext
                    .as_ref()
                    .map_or_else(|| fixed(1), |e| e.0.clone().ceil_div(u64::from(schedule.tile_m))),
                fixed(2),
            ]
        });
        let when = m_name.as_deref().filter(|_| !one).map(|n| (n, lo, hi));
        c.clone().finish(cx, kc, &emitted, chosen, launch, when)?;
    }
    Ok(())
}

/// The ranges of a dynamic M up to `bound` that the GEMM defaults give different tile rows
/// ([`GemmSchedule::TILE_STEPS`]): `0..=16`, `17..=32`, `33..=bound` (those below the bound).
fn m_ranges(bound: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut lo = 0;
    for hi in GemmSchedule::TILE_STEPS.map(u64::from) {
        if bound <= hi {
            break;
        }
        out.push((lo, hi));
        lo = hi + 1;
    }
    out.push((lo, bound));
    out
}

fn conv(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, kc, "conv");
    let ft = cx.prec.float();
    let fty = float_type(ft);
    let (x, w) = (node.inputs[0], node.inputs[1]);
    // Extents at the bounds; a dynamic dim may only be the batch (axis 0 of x and y).
    let (xsh, osh) = (bounds(kc, x), bounds(kc, out));
    let wsh = c.w.shape(w)?;
    let n_dim =
        kc.g.ty(x)
            .shape
            .dims()
            .first()
            .cloned()
            .filter(|d| d.as_static().is_none());
    for v in [x, out] {
        if kc.g.ty(v).shape.dims().iter().skip(1).any(|d| d.as_static().is_none()) {
            return Err(unsupported(
                kc,
                format!(
                    "{} `{}` over {}: of dynamic dims, a convolution takes the batch only so far",
                    node.op.name(),
                    node.name,
                    kc.g.ty(v).shape
                ),
            ));
        }
    }
    let sp = xsh.len().saturating_sub(2);
    if !(1..=3).contains(&sp) || !c.w.dtype(x).is_float() {
        return Err(unsupported(
            kc,
            format!(
                "{} `{}` with input {:?} {}",
                node.op.name(),
                node.name,
                xsh,
                c.w.dtype(x)
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
    // load_x(n, c, d0, d1, d2), load_w(o, c, k0, k1, k2): the template passes three spatial
    // indices whatever the rank; the first `sp` are the operand's.
    let p = c.begin(&[("n", I32), ("c", I32), ("d0", I32), ("d1", I32), ("d2", I32)]);
    let vx = c.w.value_at(x, &p[..2 + sp])?;
    c.end("load_x", Role::OperandLoad, Some((vx, fty)))?;
    let p = c.begin(&[("o", I32), ("c", I32), ("k0", I32), ("k1", I32), ("k2", I32)]);
    let vw = c.w.value_at(w, &p[..2 + sp])?;
    c.end("load_w", Role::OperandLoad, Some((vw, fty)))?;
    // store_y(n, o, d0, d1, d2, acc): acc (+ bias[o]), through the stores.
    let p = c.begin(&[
        ("n", I32),
        ("o", I32),
        ("d0", I32),
        ("d1", I32),
        ("d2", I32),
        ("acc", F32),
    ]);
    let mut e = p[5];
    if let Some(&bias) = node.inputs.get(2) {
        let vb = c.w.value_at(bias, &[p[1]])?;
        let vb = c.w.convert(vb, F32)?;
        e = c.w.bin(BinaryOp::Add, e, vb)?;
    }
    store_fn(&mut c, cx, kc, stage, "store_y", out, &p[..2 + sp], e, None)?;
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
    let n_extent = n_dim.map(|d| c.extent(&[d])).transpose()?;
    let n_text = n_extent.as_ref().map(|e| format!("i32({})", c.extent_text(e)));
    let schedule = gemm_schedule(kc, &chosen)?.clone();
    let emitted = tmpl(kc, emit_conv_over(&spec, n_text.as_deref(), &schedule, cx.caps))?;
    // A dynamic batch: the implicit GEMM's rows `N * prod(out)` in tiles of M along y.
    let launch = n_extent.map(|n| {
        let rows = n * spec.out_spatial.iter().product::<u64>();
        [
            u64::from(emitted.workgroups[0]).into(),
            rows.ceil_div(u64::from(schedule.tile_m)),
            u64::from(emitted.workgroups[2]).into(),
        ]
    });
    c.finish(cx, kc, &emitted, chosen, launch, None)
}

/// A norm's (scale, bias, per-channel) operands: applied by the store.
type NormParams = Option<(ValueId, Option<ValueId>, bool)>;

/// Where a row op's output element goes, relative to its input index.
#[derive(Clone, Copy, PartialEq)]
enum RowOut {
    /// One element per row, indexed by the kept axes (a reduction without keepdims).
    Kept,
    /// One element per row, the input index with the reduced axes at 0 (keepdims).
    KeepDims,
    /// One element per input element (norms, softmax).
    Full,
}

/// How a row op's rows and row elements map to its input axes.
enum RowIndex {
    /// Rows over the `kept` axes, elements over the `red` axes (both row-major).
    Axes {
        kept: Vec<usize>,
        red: Vec<usize>,
        out: RowOut,
    },
    /// GroupNorm / InstanceNorm of [N, C, spatial..]: row = n * groups + group, element =
    /// channel-in-group * spatial size + spatial offset.
    Groups {
        groups: u64,
        per_group: u64,
        spatial: Vec<u64>,
    },
}

impl RowIndex {
    /// (rows, elements per row) for input shape `xsh`.
    fn size(&self, xsh: &[u64]) -> (u64, u64) {
        match self {
            RowIndex::Axes { kept, red, .. } => (
                kept.iter().map(|&a| xsh[a]).product(),
                red.iter().map(|&a| xsh[a]).product(),
            ),
            RowIndex::Groups {
                groups,
                per_group,
                spatial,
            } => (xsh[0] * groups, per_group * spatial.iter().product::<u64>()),
        }
    }

    /// The input index of element `j` of row `row`, and the output index it goes to, for input
    /// extents `xs` (a dynamic dim only on kept axes).
    fn at(&self, w: &mut Walk, xs: &[Ex], row: Ex, j: Ex) -> Result<(Vec<Ex>, Vec<Ex>)> {
        match self {
            RowIndex::Axes { kept, red, out } => {
                let kd: Vec<Ex> = kept.iter().map(|&a| xs[a]).collect();
                let rd: Vec<Ex> = red.iter().map(|&a| xs[a]).collect();
                let ki = w.delinearize_ex(row, &kd)?;
                let ri = w.delinearize_ex(j, &rd)?;
                let zero = w.ci(0);
                let mut in_idx = vec![zero; xs.len()];
                for (p, &a) in kept.iter().enumerate() {
                    in_idx[a] = ki[p];
                }
                for (p, &a) in red.iter().enumerate() {
                    in_idx[a] = ri[p];
                }
                let out_idx = match out {
                    RowOut::Kept => ki,
                    RowOut::Full => in_idx.clone(),
                    RowOut::KeepDims => {
                        let mut o = in_idx.clone();
                        for &a in red {
                            o[a] = zero;
                        }
                        o
                    }
                };
                Ok((in_idx, out_idx))
            }
            RowIndex::Groups {
                groups,
                per_group,
                spatial,
            } => {
                let sn = spatial.iter().product::<u64>().max(1);
                let n = w.ix_div(row, *groups)?;
                let g = w.ix_rem(row, *groups)?;
                let cbase = w.ix_mul(g, *per_group as i64)?;
                let cj = w.ix_div(j, sn)?;
                let ch = w.ix_add(cbase, cj)?;
                let s = w.ix_rem(j, sn)?;
                let mut idx = vec![n, ch];
                idx.extend(w.delinearize(s, spatial)?);
                Ok((idx.clone(), idx))
            }
        }
    }
}

fn row(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, kc, "row");
    let x = node.inputs[0];
    // Integers are loaded as f32 (exact up to 2^24), not in the precision's float: f16 would
    // round them from 2048 on.
    let ft = if c.w.dtype(x).is_float() {
        cx.prec.float()
    } else {
        "f32"
    };
    let fty = float_type(ft);
    // The input's extents at the bounds of its dynamic dims (which only kept axes may have).
    let xdims = kc.g.ty(x).shape.clone();
    let xsh: Vec<u64> = xdims.dims().iter().map(|d| d.upper_bound()).collect();
    let r = xsh.len();
    let axis_of =
        |a: i64| normalize_axis(a, r).ok_or_else(|| unsupported(kc, format!("axis {a} out of range for rank {r}")));
    let all_but = |a: usize| -> Vec<usize> { (0..r).filter(|&i| i != a).collect() };
    let (op, map, extra): (RowOp, RowIndex, NormParams) = match &node.op {
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
            let out = if *keepdims { RowOut::KeepDims } else { RowOut::Kept };
            let op = match op {
                ReduceOp::Sum => RowOp::Sum,
                ReduceOp::Mean => RowOp::Mean,
                ReduceOp::Max => RowOp::Max,
                ReduceOp::Min => RowOp::Min,
                ReduceOp::Prod => RowOp::Prod,
            };
            (op, RowIndex::Axes { kept, red, out }, None)
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
            let out = if *keepdims { RowOut::KeepDims } else { RowOut::Kept };
            let op = if matches!(node.op, Op::ArgMax { .. }) {
                RowOp::ArgMax {
                    select_last: *select_last_index,
                }
            } else {
                RowOp::ArgMin {
                    select_last: *select_last_index,
                }
            };
            let map = RowIndex::Axes {
                kept: all_but(a),
                red: vec![a],
                out,
            };
            (op, map, None)
        }
        Op::Softmax { axis } | Op::LogSoftmax { axis } => {
            let a = axis_of(*axis)?;
            let op = if matches!(node.op, Op::Softmax { .. }) {
                RowOp::Softmax
            } else {
                RowOp::LogSoftmax
            };
            let map = RowIndex::Axes {
                kept: all_but(a),
                red: vec![a],
                out: RowOut::Full,
            };
            (op, map, None)
        }
        Op::LayerNorm { axis, epsilon } | Op::RmsNorm { axis, epsilon } => {
            let a = axis_of(*axis)?;
            let map = RowIndex::Axes {
                kept: (0..a).collect(),
                red: (a..r).collect(),
                out: RowOut::Full,
            };
            let op = if matches!(node.op, Op::LayerNorm { .. }) {
                RowOp::LayerNorm { eps: *epsilon }
            } else {
                RowOp::RmsNorm { eps: *epsilon }
            };
            (op, map, Some((node.inputs[1], node.inputs.get(2).copied(), false)))
        }
        Op::GroupNorm { epsilon, .. } | Op::InstanceNorm { epsilon } => {
            if r < 2 {
                return Err(unsupported(
                    kc,
                    format!("{} `{}` needs [N, C, ...]", node.op.name(), node.name),
                ));
            }
            let ch = xsh[1];
            let g = match &node.op {
                Op::GroupNorm { num_groups, .. } => (*num_groups as u64).max(1),
                _ => ch.max(1),
            };
            let map = RowIndex::Groups {
                groups: g,
                per_group: ch / g,
                spatial: xsh[2..].to_vec(),
            };
            (
                RowOp::LayerNorm { eps: *epsilon },
                map,
                Some((node.inputs[1], Some(node.inputs[2]), true)),
            )
        }
        _ => return Err(unsupported(kc, "not a row op")),
    };
    let (rows, len) = map.size(&xsh);
    // Dynamic dims: on kept axes (the row count is sized at run time), reduced axes (the row
    // length is read at run time), or the batch of a group norm.
    let dynamic: Vec<usize> = (0..r).filter(|&a| xdims.dims()[a].as_static().is_none()).collect();
    let over = |c: &mut Callers, axes: &[usize]| -> Result<Option<Extent>> {
        if axes.iter().all(|a| !dynamic.contains(a)) {
            return Ok(None);
        }
        let dims: Vec<IrDim> = axes.iter().map(|&a| xdims.dims()[a].clone()).collect();
        c.extent(&dims).map(Some)
    };
    let (rows_extent, len_extent) = match (&map, dynamic.is_empty()) {
        (_, true) => (None, None),
        // Rows over the kept axes, the row length over the reduced ones, either at run time.
        (RowIndex::Axes { kept, red, .. }, false) => (over(&mut c, kept)?, over(&mut c, red)?),
        // A group norm's rows are the batch's groups: the batch may be dynamic.
        (RowIndex::Groups { groups, .. }, false) if dynamic == [0] => {
            let batch = c.extent(&xdims.dims()[..1])?;
            (Some((batch * *groups).simplify()), None)
        }
        _ => {
            return Err(unsupported(
                kc,
                format!(
                    "{} `{}` over {}: a dynamic dim on a group norm's channels or spatial axes is not supported yet",
                    node.op.name(),
                    node.name,
                    xdims
                ),
            ))
        }
    };
    // load_x(row, j)
    let p = c.begin(&[("row", I32), ("j", I32)]);
    let xs = c.w.extents(&xdims)?;
    let (in_idx, _) = map.at(&mut c.w, &xs, p[0], p[1])?;
    let vx = c.w.value_at(x, &in_idx)?;
    c.end("load_x", Role::OperandLoad, Some((vx, fty)))?;
    let oreg = c.w.reg(out);
    match op {
        RowOp::Sum | RowOp::Mean | RowOp::Max | RowOp::Min | RowOp::Prod => {
            // store_r(row, v). An empty integer Max/Min row is the identity ±inf: clamped to
            // the dtype's range, as the reference (an empty ReduceMax of u8 is 0, which a bool
            // ReduceMax casts to false).
            let p = c.begin(&[("row", I32), ("v", F32)]);
            let zero = c.w.ci(0);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], zero)?;
            let mut v = p[1];
            if let (Some((lo, hi)), true) = (c.w.dtype(out).int_range(), oreg == I32) {
                let lo = lo.max(i32::MIN as i64) as f64;
                let hi = (hi.min(i32::MAX as i64) as f64).min(2147483520.0);
                let (lo, hi) = (c.w.lit(F32, lo), c.w.lit(F32, hi));
                v = c.w.bin(BinaryOp::Max, v, lo)?;
                v = c.w.bin(BinaryOp::Min, v, hi)?;
            }
            store_fn(&mut c, cx, kc, stage, "store_r", out, &out_idx, v, None)?;
        }
        RowOp::ArgMax { .. } | RowOp::ArgMin { .. } => {
            // store_r(row, v): the index found.
            let p = c.begin(&[("row", I32), ("v", I32)]);
            let zero = c.w.ci(0);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], zero)?;
            store_fn(&mut c, cx, kc, stage, "store_r", out, &out_idx, p[1], None)?;
        }
        _ => {
            // store_y(row, j, v): v (* scale + bias).
            let p = c.begin(&[("row", I32), ("j", I32), ("v", F32)]);
            let xs = c.w.extents(&xdims)?;
            let (_, out_idx) = map.at(&mut c.w, &xs, p[0], p[1])?;
            let mut e = p[2];
            if let Some((scale, bias, per_channel)) = extra {
                let param = |c: &mut Callers, pv: ValueId| -> Result<Ex> {
                    let idx = if per_channel {
                        vec![out_idx[1]]
                    } else {
                        let s = c.w.sizes(pv)?;
                        c.w.broadcast_ex(&out_idx, &s)
                    };
                    let val = c.w.value_at(pv, &idx)?;
                    Ok(c.w.convert(val, F32)?)
                };
                let sv = param(&mut c, scale)?;
                e = c.w.bin(BinaryOp::Mul, e, sv)?;
                if let Some(bias) = bias {
                    let bv = param(&mut c, bias)?;
                    e = c.w.bin(BinaryOp::Add, e, bv)?;
                }
            }
            store_fn(&mut c, cx, kc, stage, "store_y", out, &out_idx, e, None)?;
        }
    }
    let rows_text = rows_extent.as_ref().map(|e| c.extent_text(e));
    let len_text = len_extent.as_ref().map(|e| format!("i32({})", c.extent_text(e)));
    let spec = RowSpec {
        rows,
        rows_expr: rows_text.as_deref(),
        len,
        len_expr: len_text.as_deref(),
        op,
        ft,
    };
    let chosen = choose(
        cx,
        kc,
        Problem::Row(RowProblem {
            op: op.key_name().into(),
            rows,
            len,
            dtype: float_dtype(ft),
            slots: op.reduce_slots(),
        }),
    )?;
    let emitted = tmpl(kc, emit_row(&spec, reduce_schedule(kc, &chosen)?, cx.caps))?;
    // One workgroup per row, folded into y past the device's limit, as `emit_row` does.
    let launch = rows_extent.map(|rows| {
        let max = u64::from(cx.caps.max_workgroups_per_dim);
        if emitted.workgroups[0] == 0 {
            [0u64.into(), 1u64.into(), 1u64.into()]
        } else {
            [rows.clone().min(max), rows.ceil_div(max), 1u64.into()]
        }
    });
    c.finish(cx, kc, &emitted, chosen, launch, None)
}

/// The `load_q(b, i, c)`, `load_k(b, j, c)` and `load_v(b, j, c)` functions of an attention
/// template, for operands (value, shape, transposed) whose last two axes are (row, channel), or
/// (channel, row) when transposed (the kᵀ operand of a decomposed attention).
fn attention_loads(c: &mut Callers, batch: &[u64], fty: Type, operands: [(ValueId, &Vec<u64>, bool); 3]) -> Result<()> {
    for ((name, row), (val, shape, transposed)) in [("load_q", "i"), ("load_k", "j"), ("load_v", "j")]
        .into_iter()
        .zip(operands)
    {
        let p = c.begin(&[("b", I32), (row, I32), ("c", I32)]);
        let mut idx = batch_idx(&mut c.w, p[0], batch, &shape[..shape.len() - 2])?;
        if transposed {
            idx.extend([p[2], p[1]]);
        } else {
            idx.extend([p[1], p[2]]);
        }
        let x = c.w.value_at(val, &idx)?;
        c.end(name, Role::OperandLoad, Some((x, fty)))?;
    }
    Ok(())
}

fn attention(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let Op::Attention { scale, causal } = node.op else {
        return Err(unsupported(kc, "not attention"));
    };
    let out = node.outputs[0];
    let mut c = Callers::new(cx, kc, "attention");
    let ft = cx.prec.float();
    let (q, k, v) = (node.inputs[0], node.inputs[1], node.inputs[2]);
    let mask = node.inputs.get(3).copied();
    let (qs, ks, vs, os) = (bounds(kc, q), bounds(kc, k), bounds(kc, v), bounds(kc, out));
    let r = os.len();
    if r < 2 || qs.len() < 2 || ks.len() < 2 || vs.len() < 2 || !c.w.dtype(q).is_float() {
        return Err(unsupported(
            kc,
            format!("Attention `{}` with output {:?}", node.name, os),
        ));
    }
    let batch = os[..r - 2].to_vec();
    let (lq, d) = (qs[qs.len() - 2], qs[qs.len() - 1]);
    let (lk, dv) = (ks[ks.len() - 2], vs[vs.len() - 1]);
    let (lq_dim, lk_dim) = attention_dims(kc, &node.name, [(q, 2), (k, 2), (v, 2), (out, 2)])?;
    attention_loads(
        &mut c,
        &batch,
        float_type(ft),
        [(q, &qs, false), (k, &ks, false), (v, &vs, false)],
    )?;
    if let Some(mk) = mask {
        // mask_s(b, i, j): the additive mask (a boolean one is 0 where true, -inf where false).
        let p = c.begin(&[("b", I32), ("i", I32), ("j", I32)]);
        let full = batch_then(&mut c.w, p[0], &batch, &p[1..])?;
        let ms = c.w.sizes(mk)?;
        let idx = c.w.broadcast_ex(&full, &ms);
        let x = c.w.value_at(mk, &idx)?;
        let ret = if c.w.dtype(mk) == DType::Bool {
            let (zero, ninf) = (c.w.lit(F32, 0.0), c.w.lit(F32, f64::NEG_INFINITY));
            c.w.select(x, zero, ninf)?
        } else {
            x
        };
        c.end("mask_s", Role::OperandLoad, Some((ret, F32)))?;
    }
    let spec = AttnSpec {
        batch: batch.iter().product(),
        lq,
        lk,
        lq_expr: None,
        lk_expr: None,
        d,
        dv,
        scale: scale.unwrap_or(1.0 / (d.max(1) as f32).sqrt()),
        causal,
        has_mask: mask.is_some(),
        score_fn: false,
        ft,
    };
    finish_attention(cx, kc, c, stage, out, &batch, spec, [lq_dim, lk_dim])
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
    let mut c = Callers::new(cx, kc, "attention");
    let ft = cx.prec.float();
    let (q, kt, v) = (mm1.inputs[0], mm1.inputs[1], mm2.inputs[1]);
    if !c.w.dtype(q).is_float() {
        return Err(unsupported(kc, format!("attention `{}` on {}", mm1.name, c.w.dtype(q))));
    }
    let (qs, ks, vs, os) = (bounds(kc, q), bounds(kc, kt), bounds(kc, v), bounds(kc, out));
    let r = os.len();
    if r < 2 || qs.len() < 2 || ks.len() < 2 || vs.len() < 2 {
        return Err(unsupported(
            kc,
            format!("attention `{}` with output {:?}", mm1.name, os),
        ));
    }
    let batch = os[..r - 2].to_vec();
    let (lq, d) = (qs[qs.len() - 2], qs[qs.len() - 1]);
    let (lk, dv) = (ks[ks.len() - 1], vs[vs.len() - 1]);
    let (lq_dim, lk_dim) = attention_dims(kc, &mm1.name, [(q, 2), (kt, 1), (v, 2), (out, 2)])?;
    attention_loads(
        &mut c,
        &batch,
        float_type(ft),
        [(q, &qs, false), (kt, &ks, true), (v, &vs, false)],
    )?;
    // score_s(b, i, j, s): the chain from the scores to the softmax's input, at one score.
    let p = c.begin(&[("b", I32), ("i", I32), ("j", I32), ("s", F32)]);
    let si = batch_then(&mut c.w, p[0], &batch, &p[1..3])?;
    let sreg = c.w.reg(scores);
    let sv = c.w.convert(p[3], sreg)?;
    let sv = c.w.bind(sv)?;
    c.w.preset(scores, &si, sv);
    let logit = c.w.value_at(chain.logits, &si)?;
    c.end("score_s", Role::Prologue, Some((logit, F32)))?;
    let spec = AttnSpec {
        batch: batch.iter().product(),
        lq,
        lk,
        lq_expr: None,
        lk_expr: None,
        d,
        dv,
        scale: 1.0,
        causal: false,
        has_mask: false,
        score_fn: true,
        ft,
    };
    finish_attention(cx, kc, c, stage, out, &batch, spec, [lq_dim, lk_dim])
}

/// The extents of `v` at the bounds of its dynamic dims.
fn bounds(kc: &KernelCx, v: ValueId) -> Vec<u64> {
    kc.g.ty(v).shape.dims().iter().map(|d| d.upper_bound()).collect()
}

/// The query-row and key dims of an attention over q, k (or kᵀ), v and the output, each given
/// with the axis from the end that holds its rows (q 2, k 2 or kᵀ 1, v 2, output 2): a dynamic
/// dim may be there (the query rows of q and the output, the keys of k and v) and nowhere else.
fn attention_dims(kc: &KernelCx, name: &str, operands: [(ValueId, usize); 4]) -> Result<(IrDim, IrDim)> {
    let mut rows = Vec::with_capacity(4);
    for (v, from_end) in operands {
        let dims = kc.g.ty(v).shape.dims().to_vec();
        let at = dims.len() - from_end;
        if let Some(d) = (0..dims.len()).find(|&i| i != at && dims[i].as_static().is_none()) {
            return Err(unsupported(
                kc,
                format!(
                    "attention `{name}` over {}: of dynamic dims, attention takes the query rows and the keys \
                     only (axis {d} is dynamic)",
                    kc.g.ty(v).shape
                ),
            ));
        }
        rows.push(dims[at].clone());
    }
    Ok((rows[0].clone(), rows[1].clone()))
}

/// What both attention lowerings end with: `store_o` (the output `out`, at batch index `b`, row
/// `i`, column `c`, through the stage's stores and epilogue), the attention template for `spec`
/// (with the query rows and keys `[lq, lk]` read at run time where they are dynamic), and the
/// dispatch.
#[allow(clippy::too_many_arguments)]
fn finish_attention(
    cx: &mut Ctx,
    kc: &mut KernelCx,
    mut c: Callers,
    stage: &Stage,
    out: ValueId,
    batch: &[u64],
    spec: AttnSpec,
    [lq_dim, lk_dim]: [IrDim; 2],
) -> Result<()> {
    let p = c.begin(&[("b", I32), ("i", I32), ("c", I32), ("v", F32)]);
    let oi = batch_then(&mut c.w, p[0], batch, &p[1..3])?;
    store_fn(&mut c, cx, kc, stage, "store_o", out, &oi, p[3], None)?;
    let dynamic = |c: &mut Callers, d: &IrDim| -> Result<Option<Extent>> {
        match d {
            IrDim::Static(_) => Ok(None),
            d => c.extent(std::slice::from_ref(d)).map(Some),
        }
    };
    let lq_extent = dynamic(&mut c, &lq_dim)?;
    let lk_extent = dynamic(&mut c, &lk_dim)?;
    let text = |c: &Callers, e: &Option<Extent>| e.as_ref().map(|e| format!("i32({})", c.extent_text(e)));
    let (lq_text, lk_text) = (text(&c, &lq_extent), text(&c, &lk_extent));
    let spec = AttnSpec {
        lq_expr: lq_text.as_deref(),
        lk_expr: lk_text.as_deref(),
        ..spec
    };
    let chosen = choose(cx, kc, Problem::Attention(spec.problem()))?;
    let emitted = tmpl(kc, emit_attention(&spec, &chosen.schedule, cx.caps))?;
    // Over dynamic dims: `batch x ceil(lq / block_q)` workgroups, folded as `grid` folds.
    let launch = match (&chosen.schedule, lq_extent.is_some() || lk_extent.is_some()) {
        (_, false) => None,
        (Schedule::Attention { block_q, .. }, true) => {
            let groups = match &lq_extent {
                Some(lq) => lq.clone().ceil_div(u64::from(*block_q)) * spec.batch,
                None => Extent::from(spec.lq.div_ceil(u64::from(*block_q)) * spec.batch),
            }
            .simplify();
            let max = u64::from(cx.caps.max_workgroups_per_dim);
            Some([groups.clone().min(max), groups.ceil_div(max), 1u64.into()])
        }
        (other, true) => return Err(unsupported(kc, format!("attention with schedule {other}"))),
    };
    c.finish(cx, kc, &emitted, chosen, launch, None)
}

fn topk(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let node = kc.g.node(stage.anchor).clone();
    let Op::TopK { k, axis, largest } = node.op else {
        return Err(unsupported(kc, "not top-k"));
    };
    let mut c = Callers::new(cx, kc, "topk");
    let x = node.inputs[0];
    let xty = c.w.reg(x);
    if xty.scalar() == Scalar::Bool {
        return Err(unsupported(kc, format!("TopK `{}` on booleans", node.name)));
    }
    let ft = xty.scalar().name();
    // Extents at the bounds; dynamic dims only on kept axes (the row length is the template's).
    let xdims = kc.g.ty(x).shape.clone();
    let xsh = bounds(kc, x);
    let r = xsh.len();
    let a = normalize_axis(axis, r).ok_or_else(|| unsupported(kc, "top-k axis out of range"))?;
    let kept: Vec<usize> = (0..r).filter(|&i| i != a).collect();
    if xdims.dims()[a].as_static().is_none() {
        return Err(unsupported(
            kc,
            format!(
                "TopK `{}` over {}: a dynamic dim on the top-k axis is not supported yet",
                node.name, xdims
            ),
        ));
    }
    let kept_dims: Vec<IrDim> = kept.iter().map(|&i| xdims.dims()[i].clone()).collect();
    let rows_extent = if kept_dims.iter().all(|d| d.as_static().is_some()) {
        None
    } else {
        Some(c.extent(&kept_dims)?)
    };
    // The index of element `j` along the axis in row `row`.
    let idx_with = |w: &mut Walk, row: Ex, j: Ex| -> Result<Vec<Ex>> {
        let kd = w.extents(&edgecc_ir::Shape(kept_dims.clone()))?;
        let ki = w.delinearize_ex(row, &kd)?;
        let mut v = vec![j; r];
        for (p, &ax) in kept.iter().enumerate() {
            v[ax] = ki[p];
        }
        Ok(v)
    };
    let p = c.begin(&[("row", I32), ("j", I32)]);
    let idx = idx_with(&mut c.w, p[0], p[1])?;
    let vx = c.w.value_at(x, &idx)?;
    c.end("load_x", Role::OperandLoad, Some((vx, xty)))?;
    let (vals, inds) = (node.outputs[0], node.outputs[1]);
    for (name, value, held) in [("store_v", vals, ("v", xty)), ("store_i", inds, ("idx", I32))] {
        let p = c.begin(&[("row", I32), ("r", I32), held]);
        let oi = idx_with(&mut c.w, p[0], p[1])?;
        store_fn(&mut c, cx, kc, stage, name, value, &oi, p[2], Some(&[value]))?;
    }
    let rows_text = rows_extent.as_ref().map(|e| c.extent_text(e));
    let spec = TopKSpec {
        rows: kept.iter().map(|&i| xsh[i]).product(),
        rows_expr: rows_text.as_deref(),
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
            dtype: c.w.dtype(x),
        }),
    )?;
    let emitted = tmpl(kc, emit_topk(&spec, reduce_schedule(kc, &chosen)?, cx.caps))?;
    // One workgroup per row (none when k is 0), folded as `emit_topk` folds.
    let launch = rows_extent.map(|rows| {
        let max = u64::from(cx.caps.max_workgroups_per_dim);
        if emitted.workgroups[0] == 0 {
            [0u64.into(), 1u64.into(), 1u64.into()]
        } else {
            [rows.clone().min(max), rows.ceil_div(max), 1u64.into()]
        }
    });
    c.finish(cx, kc, &emitted, chosen, launch, None)
}
