//! Attention anchors: a fused `Attention` (optional causal masking and an additive or boolean
//! mask) and a decomposed one (see [`crate::lower::stages::AttentionChain`]: q·kᵀ, a pointwise
//! chain, softmax, ·v). `load_q(b, i, c)`, `load_k(b, j, c)`, `load_v(b, j, c)`, `mask_s(b, i,
//! j)` or `score_s(b, i, j, s)` (the chain at one score), and `store_o(b, i, c, v)`.
//!
//! Dynamic dims may be the query rows (of q and the output), the keys (of k and v) and the
//! batch axes (before the last two).

use super::{
    batch_idx, batch_then, bound_product, dynamic_product, float_dtype, float_type, single, store_fn, AnchorCx,
    AnchorKernel, Callers, Result, Template,
};
use crate::kir::{Extent, Role, Type};
use crate::lower::stages::Stage;
use crate::lower::{AttentionProblem, Problem};
use edgecc_autotune::{DeviceCaps, Schedule};
use edgecc_ir::{DType, Dim as IrDim, Op, ValueId};

const I32: Type = Type::I32;
const F32: Type = Type::F32;

/// An attention template's sizes: the problem (at the bounds of dynamic dims), the run-time
/// flattened batch, query rows and keys where dynamic, and the scale of the scores.
#[derive(Clone, Debug)]
pub struct AttentionShape {
    pub problem: AttentionProblem,
    pub batch_ext: Option<Extent>,
    pub lq_ext: Option<Extent>,
    pub lk_ext: Option<Extent>,
    pub scale: f32,
    /// The float type the operands load as.
    pub elem: Type,
}

impl AttentionShape {
    /// Over dynamic dims: `batch x ceil(lq / block_q)` workgroups, folded into y past the
    /// device's limit.
    pub fn launch(&self, schedule: &Schedule, caps: &DeviceCaps) -> Option<[Extent; 3]> {
        let Schedule::Attention { block_q, .. } = schedule else {
            return None;
        };
        if self.lq_ext.is_none() && self.lk_ext.is_none() && self.batch_ext.is_none() {
            return None;
        }
        let p = &self.problem;
        let qblocks = match &self.lq_ext {
            Some(lq) => lq.clone().ceil_div(u64::from(*block_q)),
            None => Extent::from(p.lq.div_ceil(u64::from(*block_q))),
        };
        let groups = match &self.batch_ext {
            Some(b) => qblocks * b.clone(),
            None => qblocks * p.batch,
        }
        .simplify();
        let max = u64::from(caps.max_workgroups_per_dim);
        Some([groups.clone().min(max), groups.ceil_div(max), 1u64.into()])
    }
}

/// An attention's sizes at the bounds, its batch dims (the output's), and its query-row and key
/// dims.
struct Sizes {
    batch: Vec<IrDim>,
    lq: u64,
    lk: u64,
    d: u64,
    dv: u64,
    dims: [IrDim; 2],
}

/// The sizes of the attention `name` (called `label` in errors) over `[q, k, v, out]`, k being
/// kᵀ when `kt`, and its `load_q`, `load_k` and `load_v` functions.
fn load_operands(
    cx: &AnchorCx,
    c: &mut Callers,
    label: &str,
    name: &str,
    [q, k, v, out]: [ValueId; 4],
    kt: bool,
) -> Result<Sizes> {
    let (qs, ks, vs, os) = (cx.bounds(q), cx.bounds(k), cx.bounds(v), cx.bounds(out));
    let r = os.len();
    if r < 2 || qs.len() < 2 || ks.len() < 2 || vs.len() < 2 {
        return Err(cx.unsupported(format!("{label} `{name}` with output {os:?}")));
    }
    let batch = cx.g.ty(out).shape.dims()[..r - 2].to_vec();
    // An operand's dynamic batch dim must be the output's (against a static one it could be 1
    // at run time and broadcast, which the index does not).
    for v in [q, k, v] {
        let dims = cx.g.ty(v).shape.dims();
        let lead = &dims[..dims.len() - 2];
        for (i, d) in lead.iter().enumerate().filter(|(_, d)| d.as_static().is_none()) {
            if batch.len() < lead.len() || batch[batch.len() - lead.len() + i] != *d {
                return Err(cx.unsupported(format!(
                    "{label} `{name}` over {}: a dynamic batch dim of an operand must be the output's",
                    cx.g.ty(v).shape
                )));
            }
        }
    }
    // The keys are k's rows: its axis 2 from the end, or 1 from the end of kᵀ.
    let k_rows = if kt { 1 } else { 2 };
    let dims = attention_dims(cx, name, [(q, 2), (k, k_rows), (v, 2), (out, 2)])?;
    attention_loads(c, &batch, float_type(cx.prec), [(q, false), (k, kt), (v, false)])?;
    Ok(Sizes {
        lq: qs[qs.len() - 2],
        d: qs[qs.len() - 1],
        lk: ks[ks.len() - k_rows],
        dv: vs[vs.len() - 1],
        batch,
        dims: [dims.0, dims.1],
    })
}

/// The `load_q(b, i, c)`, `load_k(b, j, c)` and `load_v(b, j, c)` functions of an attention
/// template, for operands (value, transposed) whose last two axes are (row, channel), or
/// (channel, row) when transposed (the kᵀ operand of a decomposed attention).
fn attention_loads(c: &mut Callers, batch: &[IrDim], fty: Type, operands: [(ValueId, bool); 3]) -> Result<()> {
    for ((name, row), (val, transposed)) in [("load_q", "i"), ("load_k", "j"), ("load_v", "j")]
        .into_iter()
        .zip(operands)
    {
        let p = c.begin(&[("b", I32), (row, I32), ("c", I32)]);
        let dims = c.w.g.ty(val).shape.dims().to_vec();
        let mut idx = batch_idx(&mut c.w, p[0], batch, &dims[..dims.len() - 2])?;
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

pub(super) fn attention(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let node = cx.g.node(stage.anchor).clone();
    let Op::Attention { scale, causal } = node.op else {
        return Err(cx.unsupported("not attention"));
    };
    let out = node.outputs[0];
    let mut c = Callers::new(cx, "attention");
    let (q, k, v) = (node.inputs[0], node.inputs[1], node.inputs[2]);
    let mask = node.inputs.get(3).copied();
    if !c.w.dtype(q).is_float() {
        let os = cx.bounds(out);
        return Err(cx.unsupported(format!("Attention `{}` with output {:?}", node.name, os)));
    }
    let sizes = load_operands(cx, &mut c, "Attention", &node.name, [q, k, v, out], false)?;
    let batch = sizes.batch.clone();
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
    let scale = scale.unwrap_or(1.0 / (sizes.d.max(1) as f32).sqrt());
    finish_attention(cx, c, stage, out, sizes, [causal, mask.is_some(), false], scale)
}

/// A decomposed attention (see [`crate::lower::stages::AttentionChain`]) as one attention
/// dispatch: q and kᵀ are the first MatMul's operands, the pointwise chain between it and the
/// softmax becomes `score_s`, v is the second MatMul's right operand.
pub(super) fn attention_chain(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let Some(chain) = stage.attention else {
        return Err(cx.unsupported("not an attention chain"));
    };
    let mm1 = cx.g.node(chain.scores).clone();
    let mm2 = cx.g.node(stage.anchor).clone();
    let out = mm2.outputs[0];
    let scores = mm1.outputs[0];
    let mut c = Callers::new(cx, "attention");
    let (q, kt, v) = (mm1.inputs[0], mm1.inputs[1], mm2.inputs[1]);
    if !c.w.dtype(q).is_float() {
        return Err(cx.unsupported(format!("attention `{}` on {}", mm1.name, c.w.dtype(q))));
    }
    let sizes = load_operands(cx, &mut c, "attention", &mm1.name, [q, kt, v, out], true)?;
    let batch = sizes.batch.clone();
    // score_s(b, i, j, s): the chain from the scores to the softmax's input, at one score.
    let p = c.begin(&[("b", I32), ("i", I32), ("j", I32), ("s", F32)]);
    let si = batch_then(&mut c.w, p[0], &batch, &p[1..3])?;
    let sreg = c.w.reg(scores);
    let sv = c.w.convert(p[3], sreg)?;
    let sv = c.w.bind(sv)?;
    c.w.preset(scores, &si, sv);
    let logit = c.w.value_at(chain.logits, &si)?;
    c.end("score_s", Role::Prologue, Some((logit, F32)))?;
    finish_attention(cx, c, stage, out, sizes, [false, false, true], 1.0)
}

/// The query-row and key dims of an attention over q, k (or kᵀ), v and the output, each given
/// with the axis from the end that holds its rows (q 2, k 2 or kᵀ 1, v 2, output 2): a dynamic
/// dim may be there (the query rows of q and the output, the keys of k and v) or on a batch
/// axis, not on the channels.
fn attention_dims(cx: &AnchorCx, name: &str, operands: [(ValueId, usize); 4]) -> Result<(IrDim, IrDim)> {
    let mut rows = Vec::with_capacity(4);
    for (v, from_end) in operands {
        let dims = cx.g.ty(v).shape.dims().to_vec();
        let at = dims.len() - from_end;
        // The other of the last two axes (ranks are at least 2, checked by the caller).
        let channels = (dims.len() + from_end).saturating_sub(3);
        if dims[channels].as_static().is_none() {
            return Err(cx.unsupported(format!(
                "attention `{name}` over {}: of dynamic dims, attention takes the batch, the query rows and \
                     the keys, not the channels (axis {channels} is dynamic)",
                cx.g.ty(v).shape
            )));
        }
        rows.push(dims[at].clone());
    }
    Ok((rows[0].clone(), rows[1].clone()))
}

/// What both attention lowerings end with: `store_o` (the output `out`, at batch index `b`, row
/// `i`, column `c`, through the stage's stores and epilogue), the problem (`[causal, mask,
/// score_fn]` its flags), and the batch, query rows and keys read at run time where they are
/// dynamic.
fn finish_attention(
    cx: &AnchorCx,
    mut c: Callers,
    stage: &Stage,
    out: ValueId,
    sizes: Sizes,
    [causal, mask, score_fn]: [bool; 3],
    scale: f32,
) -> Result<AnchorKernel> {
    let Sizes {
        batch,
        lq,
        lk,
        d,
        dv,
        dims: [lq_dim, lk_dim],
    } = sizes;
    let problem = AttentionProblem {
        batch: bound_product(&batch),
        lq,
        lk,
        d,
        dv,
        causal,
        mask,
        score_fn,
        dtype: float_dtype(float_type(cx.prec)),
    };
    let batch = &batch[..];
    let p = c.begin(&[("b", I32), ("i", I32), ("c", I32), ("v", F32)]);
    let oi = batch_then(&mut c.w, p[0], batch, &p[1..3])?;
    store_fn(&mut c, cx, stage, "store_o", out, &oi, p[3], None)?;
    let mut dynamic = |d: &IrDim| -> Result<Option<Extent>> {
        match d {
            IrDim::Static(_) => Ok(None),
            d => c.extent(cx, std::slice::from_ref(d)).map(Some),
        }
    };
    let (lq_ext, lk_ext) = (dynamic(&lq_dim)?, dynamic(&lk_dim)?);
    let batch_ext = dynamic_product(&mut c, cx, batch)?;
    let shape = AttentionShape {
        problem: problem.clone(),
        batch_ext,
        lq_ext,
        lk_ext,
        scale,
        elem: float_type(cx.prec),
    };
    let k = single(cx, c, Template::Attention(shape), Problem::Attention(problem))?;
    match &k.variants[0].chosen.schedule {
        Schedule::Attention { .. } => Ok(k),
        other => Err(cx.unsupported(format!("an attention dispatch got schedule `{other}`"))),
    }
}
