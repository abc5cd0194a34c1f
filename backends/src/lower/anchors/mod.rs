//! Anchor lowering, for every backend: one anchor stage (see [`super::stages`]) becomes the
//! caller functions of its template as kir ([`callers`]), the template's problem and shape
//! ([`Template`]), and the schedule of each dispatch variant from the schedule source.
//!
//! The caller functions (`load_*`, `score_s`, `mask_s`, `store_*`) are built by the value walk,
//! so prologues (views, broadcasts, recomputed elementwise ops) live in the loads and the
//! epilogue region and store layout live in the stores. What stays per backend is the
//! template's main loop (which calls the functions by name), its launch at the bounds, and
//! rendering.
//!
//! One file per anchor kind: [`gemm`] (MatMul, Gemm), [`conv`] (Conv, ConvTranspose), [`row`]
//! (reductions, arg ops, softmax, norms), [`attention`] (fused and decomposed attention),
//! [`topk`].

pub mod attention;
pub mod callers;
pub mod conv;
pub mod gemm;
pub mod row;
#[cfg(test)]
mod tests;
pub mod topk;

use super::error::LowerError;
use super::stages::Stage;
use super::value::{Ex, Source, Walk};
use super::{choose as choose_schedule, Chosen, Problem};
use crate::kir::{Extent, Role, Type};
use crate::precision::Precision;
pub use attention::AttentionShape;
pub use callers::{CallerSet, Callers};
pub use conv::ConvShape;
use edgecc_autotune::{DeviceCaps, GemmSchedule, ReduceSchedule, Schedule, ScheduleSource};
use edgecc_ir::{DType, Dim as IrDim, Graph, Op, Shape, ValueId};
pub use gemm::GemmShape;
pub use row::{RowOp, RowShape};
use std::collections::HashMap;
pub use topk::TopKShape;

type Result<T> = std::result::Result<T, LowerError>;

/// What one anchor stage is lowered over.
pub struct AnchorCx<'a> {
    /// The kernel body the stage belongs to.
    pub g: &'a Graph,
    /// The float precision registers compute in.
    pub prec: Precision,
    /// The graph kernel's name, for errors.
    pub kernel: &'a str,
    /// Where the values the walk may read are stored (body inputs, values stored earlier).
    pub sources: Vec<(ValueId, Source)>,
    /// Where each store target of the stage goes (kernel outputs and scratch).
    pub targets: HashMap<ValueId, Source>,
    /// The device the schedules must fit.
    pub caps: &'a DeviceCaps,
    /// Where schedules come from.
    pub schedules: &'a ScheduleSource,
}

impl AnchorCx<'_> {
    /// An error naming the kernel: something the lowering cannot express.
    pub fn unsupported(&self, message: impl Into<String>) -> LowerError {
        LowerError::Unsupported {
            kernel: self.kernel.to_string(),
            message: message.into(),
        }
    }

    /// An error naming the kernel: a broken invariant of the lowering.
    pub fn internal(&self, message: impl std::fmt::Display) -> LowerError {
        LowerError::Internal {
            kernel: self.kernel.to_string(),
            message: message.to_string(),
        }
    }

    /// The schedule of `problem` from the schedule source (a fixed one that does not fit the
    /// device is an error naming the kernel).
    fn choose(&self, problem: Problem) -> Result<Chosen> {
        choose_schedule(self.schedules, self.caps, &problem).map_err(|m| self.unsupported(m))
    }

    /// The extents of `v` at the bounds of its dynamic dims.
    fn bounds(&self, v: ValueId) -> Vec<u64> {
        self.g.ty(v).shape.dims().iter().map(|d| d.upper_bound()).collect()
    }
}

/// The template an anchor dispatch runs, with its sizes (at the bounds of dynamic dims, each
/// dynamic one also as an extent over the kernel's dims).
#[derive(Clone, Debug)]
pub enum Template {
    Gemm(GemmShape),
    Conv(ConvShape),
    Row(RowShape),
    Attention(AttentionShape),
    TopK(TopKShape),
}

impl Template {
    /// The dispatch's workgroup counts over the kernel's dims when its problem has dynamic
    /// dims (`None` when it is static: the launch is the template's at the bounds,
    /// `at_bounds`), for `schedule`. Every backend's main loop maps its workgroups this way.
    pub fn launch(&self, schedule: &Schedule, caps: &DeviceCaps, at_bounds: [u32; 3]) -> Option<[Extent; 3]> {
        match self {
            Template::Gemm(s) => s.launch(schedule, at_bounds),
            Template::Conv(s) => s.launch(schedule, at_bounds),
            Template::Row(s) => per_row_launch(s.rows_ext.as_ref(), caps, at_bounds),
            Template::Attention(s) => s.launch(schedule, caps),
            Template::TopK(s) => per_row_launch(s.rows_ext.as_ref(), caps, at_bounds),
        }
    }
}

/// One workgroup per row over a run-time row count, folded into y past the device's limit (as
/// the row and top-k templates fold); no workgroups when the template launches none.
fn per_row_launch(rows: Option<&Extent>, caps: &DeviceCaps, at_bounds: [u32; 3]) -> Option<[Extent; 3]> {
    let rows = rows?;
    let max = u64::from(caps.max_workgroups_per_dim);
    Some(if at_bounds[0] == 0 {
        [0u64.into(), 1u64.into(), 1u64.into()]
    } else {
        [rows.clone().min(max), rows.clone().ceil_div(max), 1u64.into()]
    })
}

/// One dispatch of an anchor: its schedule, and where it is one variant of several, the sizes
/// it runs at.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The problem key and schedule.
    pub chosen: Chosen,
    /// `(kir dim, min, max)`: the dispatch runs only at sizes `min..=max` of that dim.
    pub when: Option<(usize, u64, u64)>,
}

/// A lowered anchor stage: the caller functions, the template, and one or more dispatches of
/// it (variants share the functions and differ in schedule).
#[derive(Clone)]
pub struct AnchorKernel {
    pub callers: CallerSet,
    pub template: Template,
    pub variants: Vec<Variant>,
}

/// The anchor kernel of `stage` (`None` when the stage computes nothing).
pub fn lower_anchor(cx: &AnchorCx, stage: &Stage) -> Result<Option<AnchorKernel>> {
    if stage.is_empty(cx.g) {
        return Ok(None);
    }
    if stage.attention.is_some() {
        return attention::attention_chain(cx, stage).map(Some);
    }
    let node = cx.g.node(stage.anchor);
    let k = match &node.op {
        Op::MatMul | Op::Gemm { .. } => gemm::gemm(cx, stage)?,
        Op::Conv { .. } | Op::ConvTranspose { .. } => conv::conv(cx, stage)?,
        Op::Reduce { .. }
        | Op::ArgMax { .. }
        | Op::ArgMin { .. }
        | Op::Softmax { .. }
        | Op::LogSoftmax { .. }
        | Op::LayerNorm { .. }
        | Op::RmsNorm { .. }
        | Op::GroupNorm { .. }
        | Op::InstanceNorm { .. } => row::row(cx, stage)?,
        Op::Attention { .. } => attention::attention(cx, stage)?,
        Op::TopK { .. } => topk::topk(cx, stage)?,
        other => {
            return Err(cx.unsupported(format!(
                "{} (node `{}`) has no anchor lowering yet",
                other.name(),
                node.name
            )))
        }
    };
    Ok(Some(k))
}

fn gemm_schedule<'c>(cx: &AnchorCx, c: &'c Chosen) -> Result<&'c GemmSchedule> {
    match &c.schedule {
        Schedule::Gemm(g) => Ok(g),
        other => Err(cx.unsupported(format!("a GEMM dispatch got schedule `{other}`"))),
    }
}

fn reduce_schedule<'c>(cx: &AnchorCx, c: &'c Chosen) -> Result<&'c ReduceSchedule> {
    match &c.schedule {
        Schedule::Reduce(r) => Ok(r),
        other => Err(cx.unsupported(format!("a row dispatch got schedule `{other}`"))),
    }
}

/// The float type registers of precision `prec` load as.
fn float_type(prec: Precision) -> Type {
    match prec {
        Precision::F16 => Type::F16,
        Precision::F32 => Type::F32,
    }
}

/// The problem dtype of the float type operands load as.
fn float_dtype(t: Type) -> DType {
    if t == Type::F16 {
        DType::F16
    } else {
        DType::F32
    }
}

/// Batch index `b` delinearized over `batch`, then broadcast to an operand's batch dims; a
/// dynamic dim is read at run time (all static, the index folds as over literals).
fn batch_idx(w: &mut Walk, b: Ex, batch: &[IrDim], operand_batch: &[IrDim]) -> Result<Vec<Ex>> {
    if operand_batch.is_empty() {
        return Ok(vec![]);
    }
    let full = delinearize_dims(w, b, batch)?;
    Ok(match static_dims(operand_batch) {
        Some(s) => w.broadcast(&full, &s),
        None => {
            let e = w.extents(&Shape(operand_batch.to_vec()))?;
            w.broadcast_ex(&full, &e)
        }
    })
}

/// `delinearize(b, batch)` followed by `rest`.
fn batch_then(w: &mut Walk, b: Ex, batch: &[IrDim], rest: &[Ex]) -> Result<Vec<Ex>> {
    let mut idx = delinearize_dims(w, b, batch)?;
    idx.extend_from_slice(rest);
    Ok(idx)
}

/// `lin` delinearized over `dims` (dynamic ones read at run time).
fn delinearize_dims(w: &mut Walk, lin: Ex, dims: &[IrDim]) -> Result<Vec<Ex>> {
    match static_dims(dims) {
        Some(s) => w.delinearize(lin, &s),
        None => {
            let e = w.extents(&Shape(dims.to_vec()))?;
            w.delinearize_ex(lin, &e)
        }
    }
}

/// The extents of `dims` when all are static.
fn static_dims(dims: &[IrDim]) -> Option<Vec<u64>> {
    dims.iter().map(IrDim::as_static).collect()
}

/// The product of `dims` at their bounds.
fn bound_product(dims: &[IrDim]) -> u64 {
    dims.iter().map(IrDim::upper_bound).product()
}

/// The product of `dims` as an extent over the kernel's dims when one of them is dynamic.
fn dynamic_product(c: &mut Callers, cx: &AnchorCx, dims: &[IrDim]) -> Result<Option<Extent>> {
    if static_dims(dims).is_some() {
        return Ok(None);
    }
    c.extent(cx, dims).map(Some)
}

/// Ends a store function: `held` (the anchor's value `out` at `idx`, a register converted to
/// `out`'s type) goes through the stage's stores of `values` (all when `None`).
#[allow(clippy::too_many_arguments)]
fn store_fn(
    c: &mut Callers,
    cx: &AnchorCx,
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
    c.stores(cx, &stage.stores, values, idx)?;
    c.end(name, Role::Store, None)?;
    Ok(())
}

/// One dispatch, not a variant, of the schedule chosen for `problem`.
fn single(cx: &AnchorCx, callers: Callers, template: Template, problem: Problem) -> Result<AnchorKernel> {
    let chosen = cx.choose(problem)?;
    Ok(AnchorKernel {
        callers: callers.finish(cx)?,
        template,
        variants: vec![Variant { chosen, when: None }],
    })
}
