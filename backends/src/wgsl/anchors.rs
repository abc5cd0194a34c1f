//! Anchor stages on WGSL: the backend-neutral lowering ([`crate::lower::anchors`]) gives the
//! caller functions as kir, the template's sizes and each dispatch's schedule; here each
//! dispatch gets its template's main loop (WGSL text over the rendered functions, with dynamic
//! sizes read from the parameter buffer) and is recorded.

use super::attention::{emit_attention, AttnSpec};
use super::callers::{extent_text, finish};
use super::conv::{emit_conv_over, ConvSpec};
use super::dispatch::{Ctx, KernelCx};
use super::error::{Result, WgslError};
use super::gemm::{emit_gemm, GemmSpec};
use super::rowreduce::{emit_row, RowSpec};
use super::template::Emitted;
use super::topk::{emit_topk, TopKSpec};
use crate::lower::anchors::{lower_anchor, AnchorCx, Template};
use crate::lower::stages::Stage;
use edgecc_autotune::{GemmSchedule, ReduceSchedule, Schedule};

/// Lowers `stage` and records its dispatches.
pub(crate) fn lower_stage(cx: &mut Ctx, kc: &mut KernelCx, stage: &Stage) -> Result<()> {
    let acx = AnchorCx {
        g: kc.g,
        prec: cx.prec,
        kernel: &kc.kernel.name,
        sources: kc
            .avail
            .iter()
            .map(|(&v, &b)| (v, super::callers::source_of(cx, b)))
            .collect(),
        targets: kc
            .targets
            .iter()
            .map(|(&v, &b)| (v, super::callers::source_of(cx, b)))
            .collect(),
        caps: cx.caps,
        schedules: cx.schedules,
    };
    let Some(anchor) = lower_anchor(&acx, stage)? else {
        return Ok(());
    };
    for variant in anchor.variants {
        let emitted = emit(cx, kc, &anchor.template, &anchor.callers.dims, &variant.chosen.schedule)?;
        let launch = anchor
            .template
            .launch(&variant.chosen.schedule, cx.caps, emitted.workgroups);
        finish(cx, kc, &anchor.callers, &emitted, variant.chosen, launch, variant.when)?;
    }
    Ok(())
}

/// The main loop of `template` for `schedule`, reading dynamic sizes over kernel dims `dims`.
fn emit(cx: &Ctx, kc: &KernelCx, template: &Template, dims: &[String], schedule: &Schedule) -> Result<Emitted> {
    let unsupported = |message: String| WgslError::Unsupported {
        kernel: kc.kernel.name.clone(),
        message,
    };
    let gemm = |s: &Schedule| -> Result<GemmSchedule> {
        match s {
            Schedule::Gemm(g) => Ok(g.clone()),
            other => Err(unsupported(format!("a GEMM dispatch got schedule `{other}`"))),
        }
    };
    let reduce = |s: &Schedule| -> Result<ReduceSchedule> {
        match s {
            Schedule::Reduce(r) => Ok(r.clone()),
            other => Err(unsupported(format!("a row dispatch got schedule `{other}`"))),
        }
    };
    // A run-time size as WGSL: `u32` for counts of rows, `i32` for sizes the loops index by.
    let u32_text = |e: &Option<crate::kir::Extent>| e.as_ref().map(|e| extent_text(e, dims));
    let i32_text = |e: &Option<crate::kir::Extent>| e.as_ref().map(|e| format!("i32({})", extent_text(e, dims)));
    let r = match template {
        Template::Gemm(s) => {
            let (m, n, k) = (i32_text(&s.m_ext), i32_text(&s.n_ext), i32_text(&s.k_ext));
            let spec = GemmSpec {
                batch: s.batch,
                dynamic_batch: s.batch_ext.is_some(),
                m: s.m,
                m_expr: m.as_deref(),
                n: s.n,
                n_expr: n.as_deref(),
                k: s.k,
                k_expr: k.as_deref(),
                ft: s.elem.scalar().name(),
                a_vec4: s.a_vec4,
                b_vec4: s.b_vec4,
            };
            emit_gemm(&spec, &gemm(schedule)?, cx.caps)
        }
        Template::Conv(s) => {
            let p = &s.problem;
            let spec = ConvSpec {
                n: p.n,
                c: p.c,
                m: p.m,
                groups: p.groups,
                in_spatial: p.in_spatial.clone(),
                kernel: p.kernel.clone(),
                out_spatial: p.out_spatial.clone(),
                strides: p.strides.clone(),
                pads_begin: p.pads_begin.clone(),
                dilations: p.dilations.clone(),
                transposed: p.transposed,
                ft: s.elem.scalar().name(),
            };
            let n = i32_text(&s.n_ext);
            emit_conv_over(&spec, n.as_deref(), &gemm(schedule)?, cx.caps)
        }
        Template::Row(s) => {
            let (rows, len) = (u32_text(&s.rows_ext), i32_text(&s.len_ext));
            let spec = RowSpec {
                rows: s.rows,
                rows_expr: rows.as_deref(),
                len: s.len,
                len_expr: len.as_deref(),
                op: s.op,
                ft: s.elem.scalar().name(),
            };
            emit_row(&spec, &reduce(schedule)?, cx.caps)
        }
        Template::Attention(s) => {
            let p = &s.problem;
            let (lq, lk, batch) = (i32_text(&s.lq_ext), i32_text(&s.lk_ext), i32_text(&s.batch_ext));
            let spec = AttnSpec {
                batch: p.batch,
                batch_expr: batch.as_deref(),
                lq: p.lq,
                lk: p.lk,
                lq_expr: lq.as_deref(),
                lk_expr: lk.as_deref(),
                d: p.d,
                dv: p.dv,
                scale: s.scale,
                causal: p.causal,
                has_mask: p.mask,
                score_fn: p.score_fn,
                ft: s.elem.scalar().name(),
            };
            emit_attention(&spec, schedule, cx.caps)
        }
        Template::TopK(s) => {
            let rows = u32_text(&s.rows_ext);
            let spec = TopKSpec {
                rows: s.rows,
                rows_expr: rows.as_deref(),
                len: s.len,
                k: s.k,
                largest: s.largest,
                ft: s.elem.scalar().name(),
            };
            emit_topk(&spec, &reduce(schedule)?, cx.caps)
        }
    };
    r.map_err(unsupported)
}
