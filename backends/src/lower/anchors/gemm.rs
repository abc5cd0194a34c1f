//! GEMM anchors (MatMul with numpy broadcasting of batch dims, Gemm with transposes, alpha,
//! beta and C): `load_a(b, m, k)`, `load_b(b, k, n)`, the four-wide `load_a4`/`load_b4` where
//! the extent along K (of A) or N (of B) is a multiple of 4, and `store_c(b, m, n, acc)`.
//!
//! Dynamic dims may be on M, N or K (one dim wherever that axis appears) and on batch axes
//! (the batch index is delinearized over the run-time sizes, and the launch's z reads them).
//! A dynamic M is one dispatch variant per range of M whose default tiles differ
//! ([`GemmSchedule::TILE_STEPS`]), each chosen for and keyed by its range's largest M: a tile
//! chosen for the bound would waste most of its rows at small sizes.

use super::{batch_idx, bound_product, dynamic_product};
use super::{
    float_dtype, float_type, gemm_schedule, store_fn, AnchorCx, AnchorKernel, Callers, Result, Template, Variant,
};
use crate::kir::{BinaryOp, Expr, Extent, Role, Type};
use crate::lower::stages::Stage;
use crate::lower::value::{Ex, Walk};
use crate::lower::{GemmProblem, Layout, Problem};
use edgecc_autotune::{GemmSchedule, Schedule};
use edgecc_ir::{Dim as IrDim, Op};

const I32: Type = Type::I32;
const F32: Type = Type::F32;

/// A GEMM template's sizes: `batch` independent `[m, k] x [k, n]` products.
#[derive(Clone, Debug)]
pub struct GemmShape {
    /// The flattened batch, at the bounds of its dynamic dims.
    pub batch: u64,
    /// M, N and K at the bounds of their dynamic dims.
    pub m: u64,
    pub n: u64,
    pub k: u64,
    /// The run-time flattened batch where one of its dims is dynamic.
    pub batch_ext: Option<Extent>,
    /// The run-time M, N and K where dynamic.
    pub m_ext: Option<Extent>,
    pub n_ext: Option<Extent>,
    pub k_ext: Option<Extent>,
    /// The float type the operands load as.
    pub elem: Type,
    /// Whether `load_a4` (four along K) and `load_b4` (four along N) exist.
    pub a_vec4: bool,
    pub b_vec4: bool,
}

impl GemmShape {
    /// Over a dynamic M, N or batch: tiles of N along x, of M along y, the batch along z (at
    /// run time; the template's launch at the bounds for a static axis). A dynamic K alone
    /// changes no workgroup count.
    pub fn launch(&self, schedule: &Schedule, at_bounds: [u32; 3]) -> Option<[Extent; 3]> {
        let Schedule::Gemm(s) = schedule else { return None };
        if self.m_ext.is_none() && self.n_ext.is_none() && self.batch_ext.is_none() {
            return None;
        }
        let fixed = |i: usize| -> Extent { u64::from(at_bounds[i]).into() };
        Some([
            self.n_ext
                .as_ref()
                .map_or_else(|| fixed(0), |e| e.clone().ceil_div(u64::from(s.tile_n))),
            self.m_ext
                .as_ref()
                .map_or_else(|| fixed(1), |e| e.clone().ceil_div(u64::from(s.tile_m))),
            self.batch_ext.clone().unwrap_or_else(|| fixed(2)),
        ])
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
    batch: Vec<IrDim>,
    axes: Vec<G>,
}

impl GemmIndex {
    /// The operand index for (b, m, k, n) over the GEMM's `batch`.
    fn at(&self, w: &mut Walk, batch: &[IrDim], [b, m, k, n]: [Ex; 4]) -> Result<Vec<Ex>> {
        let mut idx = batch_idx(w, b, batch, &self.batch)?;
        idx.extend(self.axes.iter().map(|g| match g {
            G::M => m,
            G::K => k,
            G::N => n,
        }));
        Ok(idx)
    }
}

pub(super) fn gemm(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let node = cx.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, "gemm");
    let fty = float_type(cx.prec);
    let (a, b) = (node.inputs[0], node.inputs[1]);
    if !c.w.dtype(a).is_float() {
        return Err(cx.unsupported(format!(
            "{} `{}` on {} (integer GEMM is not supported yet)",
            node.op.name(),
            node.name,
            c.w.dtype(a)
        )));
    }
    // Extents at the bounds.
    let (adims, bdims, odims) = (
        cx.g.ty(a).shape.clone(),
        cx.g.ty(b).shape.clone(),
        cx.g.ty(out).shape.clone(),
    );
    let (ash, bsh, osh) = (cx.bounds(a), cx.bounds(b), cx.bounds(out));
    let (m, k, n): (u64, u64, u64);
    let batch: Vec<IrDim>;
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
        batch = odims.dims()[..osh.len() - kept].to_vec();
        let of = |sh: &edgecc_ir::Shape, r: usize| {
            if r > 2 {
                sh.dims()[..r - 2].to_vec()
            } else {
                vec![]
            }
        };
        let mut x = vec![];
        if ra > 1 {
            x.push(G::M);
        }
        x.push(G::K);
        ai = GemmIndex {
            batch: of(&adims, ra),
            axes: x,
        };
        let mut y = vec![G::K];
        if rb > 1 {
            y.push(G::N);
        }
        bi = GemmIndex {
            batch: of(&bdims, rb),
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
    // Dynamic dims: on M, N or K (one dim wherever that axis appears), or on a batch axis.
    let mut gdims: [Option<IrDim>; 3] = [None, None, None];
    for (shape, gi) in [(&adims, &ai), (&bdims, &bi), (&odims, &oi)] {
        let dims = shape.dims();
        let lead = dims.len() - gi.axes.len();
        for (i, d) in dims.iter().enumerate().filter(|(_, d)| d.as_static().is_none()) {
            let refuse = |what: &str| {
                cx.unsupported(format!(
                    "{} `{}` on {} x {}: {what}",
                    node.op.name(),
                    node.name,
                    adims,
                    bdims
                ))
            };
            let Some(&g) = i.checked_sub(lead).and_then(|j| gi.axes.get(j)) else {
                // A batch axis: the output's must be the same dim (a dynamic dim against a
                // static one could be 1 at run time and broadcast, which the index does not).
                if (batch.len() + i).checked_sub(lead).and_then(|p| batch.get(p)) != Some(d) {
                    return Err(refuse("a dynamic batch dim of an operand must be the output's"));
                }
                continue;
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
    store_fn(&mut c, cx, stage, "store_c", out, &idx, e, None)?;
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
    let mut extent = |d: &Option<IrDim>| d.as_ref().map(|d| c.extent(cx, std::slice::from_ref(d))).transpose();
    let (m_ext, n_ext, k_ext) = (extent(&m_dim)?, extent(&n_dim)?, extent(&k_dim)?);
    let batch_ext = dynamic_product(&mut c, cx, &batch)?;
    let shape = GemmShape {
        batch: bound_product(&batch),
        batch_ext,
        m,
        n,
        k,
        m_ext,
        n_ext,
        k_ext,
        elem: fty,
        a_vec4,
        b_vec4,
    };
    let dtype = float_dtype(fty);
    let problem = |m: u64| {
        Problem::Gemm(GemmProblem {
            batch: shape.batch,
            m,
            n,
            k,
            dtype,
            a: layout_a,
            b: layout_b,
        })
    };
    let ranges = match &m_dim {
        Some(_) => m_ranges(m),
        None => vec![(0, m)],
    };
    let mut variants: Vec<(u64, u64, crate::lower::Chosen)> = Vec::new();
    for (lo, hi) in ranges {
        let chosen = cx.choose(problem(hi))?;
        gemm_schedule(cx, &chosen)?;
        match variants.last_mut() {
            Some(last) if last.2.schedule == chosen.schedule => {
                last.1 = hi;
                last.2 = chosen;
            }
            _ => variants.push((lo, hi, chosen)),
        }
    }
    let m_index = match &m_dim {
        Some(IrDim::Sym { name, .. }) => c.dim_index(name),
        _ => None,
    };
    // Variants run at the ranges of M's kernel dim (read by `m_ext`, so declared).
    let when_dim = match (variants.len(), m_index) {
        (1, _) => None,
        (_, Some(j)) => Some(j),
        (_, None) => return Err(cx.internal("a GEMM's variants over M, but M reads no kernel dim")),
    };
    let variants = variants
        .into_iter()
        .map(|(lo, hi, chosen)| Variant {
            chosen,
            when: when_dim.map(|j| (j, lo, hi)),
        })
        .collect();
    Ok(AnchorKernel {
        callers: c.finish(cx)?,
        template: Template::Gemm(shape),
        variants,
    })
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
