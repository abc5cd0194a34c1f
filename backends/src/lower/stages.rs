//! The stage planner: how one fused kernel's body becomes dispatches.
//!
//! Ops that can be computed one element at a time (pointwise ops, views, movement, small
//! windows; see [`inlinable`]) are inlined by the value walk ([`crate::lower::value`]) wherever
//! they are read. Every other op is an *anchor* with a template of its own (GEMM, convolution, row reduction,
//! attention, top-k), and each anchor is one dispatch, in body order:
//!
//! - its **epilogue region** is the set of pointwise ops that read the anchor's result (or
//!   another region value) at the same index, with operands that do not depend on the region
//!   otherwise (bias, residual, activation, scale, cast): the template evaluates them in
//!   registers at each output element;
//! - a region value that is a kernel output is stored; one that reaches a kernel output through
//!   a chain of views (Reshape/Squeeze/Unsqueeze/Flatten/Identity, Transpose) used by nothing
//!   else is stored through that chain's index map (the store layout: heads split and
//!   transposed on the way out); a `Split` in the chain forks it, one chain per output, each
//!   storing only the elements of its part (a merged Q/K/V projection stores the three
//!   head-split operands of attention directly);
//! - a region value read by anything else later in the body is **materialized**: stored to a
//!   scratch buffer (or it already is, as a kernel output) and read back by later dispatches.
//!
//! Kernel outputs that no anchor stores are computed by final one-invocation-per-element
//! dispatches (one per output shape).
//!
//! A decomposed attention is one dispatch when fusion matched it (the kernel's
//! [`edgecc_passes::FusionRecord`]): the planner reads that decision and never looks for the
//! pattern itself.

use edgecc_ir::{Graph, NodeId, Op, Shape, ValueId};
use edgecc_passes::{AttentionMatch, KernelGraph};
use std::collections::{HashMap, HashSet};

/// Whether `op` can be computed one element at a time by the expression emitter.
pub fn inlinable(op: &Op) -> bool {
    matches!(
        op,
        Op::Constant(_)
            | Op::Identity
            | Op::Unary(_)
            | Op::Cast { .. }
            | Op::Binary(_)
            | Op::Where
            | Op::Clip { .. }
            | Op::BatchNorm { .. }
            | Op::Trilu { .. }
            | Op::Reshape { .. }
            | Op::Squeeze { .. }
            | Op::Unsqueeze { .. }
            | Op::Flatten { .. }
            | Op::Transpose { .. }
            | Op::Expand { .. }
            | Op::Tile { .. }
            | Op::Slice { .. }
            | Op::Crop { .. }
            | Op::Split { .. }
            | Op::Concat { .. }
            | Op::Pad { .. }
            | Op::Gather { .. }
            | Op::GatherElements { .. }
            | Op::Range { .. }
            | Op::ConstantOfShape { .. }
            | Op::Shape { .. }
            | Op::MaxPool { .. }
            | Op::AveragePool { .. }
            | Op::GlobalAveragePool
            | Op::CumSum { .. }
            | Op::Resize { .. }
    )
}

/// Pointwise ops that may join an epilogue region.
fn pointwise(op: &Op) -> bool {
    matches!(
        op,
        Op::Identity
            | Op::Unary(_)
            | Op::Cast { .. }
            | Op::Binary(_)
            | Op::Where
            | Op::Clip { .. }
            | Op::BatchNorm { .. }
            | Op::Trilu { .. }
    )
}

/// A view op a store can be mapped through.
fn store_view(op: &Op) -> bool {
    matches!(
        op,
        Op::Identity
            | Op::Reshape { .. }
            | Op::Squeeze { .. }
            | Op::Unsqueeze { .. }
            | Op::Flatten { .. }
            | Op::Transpose { .. }
    )
}

/// Where a region value goes when the anchor's template reaches an element.
#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    /// The region value stored.
    pub value: ValueId,
    /// The view nodes from `value` to `target`, in order, each with the output the chain
    /// follows (0 but for a `Split`); empty: `target == value`.
    pub chain: Vec<(NodeId, usize)>,
    /// The value whose buffer receives it: a kernel output, or `value` itself when it is
    /// materialized into scratch.
    pub target: ValueId,
}

/// One anchor's dispatch.
#[derive(Clone, Debug)]
pub struct Stage {
    pub anchor: NodeId,
    /// The region's nodes in body order (not the anchor).
    pub region: Vec<NodeId>,
    pub stores: Vec<Store>,
    /// Set when this stage is a whole decomposed attention (`anchor` is its second MatMul).
    pub attention: Option<AttentionChain>,
}

/// A decomposed attention `MatMul(q, kᵀ) → pointwise (scale, mask) → Softmax(last axis) →
/// MatMul(·, v)` lowered as one flash-attention dispatch: neither the scores nor the
/// probabilities are stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttentionChain {
    /// The first MatMul (scores).
    pub scores: NodeId,
    /// The region value the softmax reads (the scores after scale and mask).
    pub logits: ValueId,
    pub softmax: NodeId,
}

/// The plan of one kernel.
#[derive(Clone, Debug)]
pub struct KernelPlan {
    pub stages: Vec<Stage>,
    /// Kernel outputs left to the final pointwise dispatches.
    pub rest: Vec<ValueId>,
    /// Values stored to scratch (not kernel outputs).
    pub scratch: Vec<ValueId>,
}

impl Stage {
    /// Whether the anchor's results are empty (an extent 0 that is not reduced): its region
    /// values and stores have the anchor's shape, so there is nothing to compute or store, and
    /// the stage takes no dispatch.
    pub fn is_empty(&self, body: &Graph) -> bool {
        body.node(self.anchor)
            .outputs
            .iter()
            .all(|&o| body.ty(o).shape.numel() == Some(0))
    }
}

impl KernelPlan {
    /// The outputs left to the final pointwise dispatches, grouped by shape (one dispatch per
    /// group), in order of first appearance.
    pub fn pointwise_groups<'g>(&self, body: &'g Graph) -> Vec<(&'g Shape, Vec<ValueId>)> {
        let mut groups: Vec<(&Shape, Vec<ValueId>)> = Vec::new();
        for &v in &self.rest {
            let shape = &body.ty(v).shape;
            match groups.iter_mut().find(|(s, _)| *s == shape) {
                Some((_, vs)) => vs.push(v),
                None => groups.push((shape, vec![v])),
            }
        }
        groups
    }

    /// The dispatches this plan lowers to on every backend: one per stage and one per group of
    /// pointwise outputs, except those with nothing to compute (an empty result).
    pub fn dispatches(&self, body: &Graph) -> usize {
        let stages = self.stages.iter().filter(|s| !s.is_empty(body)).count();
        let pointwise = self
            .pointwise_groups(body)
            .iter()
            .filter(|(shape, _)| shape.numel() != Some(0))
            .count();
        stages + pointwise
    }
}

/// Dispatches per inference of `kg`: what its kernels' plans lower to (a kernel takes one per
/// anchor and one per output shape left to pointwise dispatches).
pub fn dispatches(kg: &KernelGraph) -> usize {
    kg.kernels
        .iter()
        .map(|k| plan_kernel(&k.body, &k.fusion.attention).dispatches(&k.body))
        .sum()
}

/// Plans `body` (a kernel body: its inputs are buffers, its outputs the kernel's outputs);
/// `matched` are the attention chains fusion matched in it.
pub fn plan_kernel(body: &Graph, matched: &[AttentionMatch]) -> KernelPlan {
    let outputs: HashSet<ValueId> = body.outputs().iter().copied().collect();
    let mut consumers: HashMap<ValueId, Vec<NodeId>> = HashMap::new();
    for (i, n) in body.nodes().iter().enumerate() {
        for &v in &n.inputs {
            consumers.entry(v).or_default().push(NodeId(i as u32));
        }
    }
    let mut stages = Vec::new();
    let mut stored: HashSet<ValueId> = HashSet::new();
    let mut scratch = Vec::new();
    for (ai, an) in body.nodes().iter().enumerate() {
        if inlinable(&an.op) {
            continue;
        }
        let anchor = NodeId(ai as u32);
        // Grow the region (single-output anchors only).
        let mut rvals: HashSet<ValueId> = HashSet::new();
        let mut region = Vec::new();
        let mut taint: HashSet<ValueId> = HashSet::new();
        let mut order_vals: Vec<ValueId> = an.outputs.clone();
        for &o in &an.outputs {
            taint.insert(o);
            if an.outputs.len() == 1 {
                rvals.insert(o);
            }
        }
        if an.outputs.len() == 1 {
            let shape = &body.ty(an.outputs[0]).shape;
            // Values that depend on a later anchor: not computed yet when this stage runs, so an
            // epilogue cannot read them (the mean of squares in `E[x²] - E[x]²`).
            let mut later: HashSet<ValueId> = HashSet::new();
            for n in body.nodes().iter().skip(ai + 1) {
                if !inlinable(&n.op) || n.inputs.iter().any(|v| later.contains(v)) {
                    later.extend(n.outputs.iter().copied());
                }
            }
            for (ni, n) in body.nodes().iter().enumerate().skip(ai + 1) {
                let touches = n.inputs.iter().any(|v| taint.contains(v));
                if !touches {
                    continue;
                }
                let joins = pointwise(&n.op)
                    && n.outputs.len() == 1
                    && &body.ty(n.outputs[0]).shape == shape
                    && n.inputs.iter().any(|v| rvals.contains(v))
                    && n.inputs
                        .iter()
                        .all(|v| rvals.contains(v) || !(taint.contains(v) || later.contains(v)));
                for &o in &n.outputs {
                    taint.insert(o);
                }
                if joins {
                    region.push(NodeId(ni as u32));
                    rvals.insert(n.outputs[0]);
                    order_vals.push(n.outputs[0]);
                }
            }
        }
        let in_region: HashSet<NodeId> = region.iter().copied().collect();
        let mut stores = Vec::new();
        for &r in &order_vals {
            let mut needs_storage = outputs.contains(&r);
            for &c in consumers.get(&r).map(|v| v.as_slice()).unwrap_or(&[]) {
                if in_region.contains(&c) {
                    continue;
                }
                let mut chains = Vec::new();
                let found = view_chains(body, c, Vec::new(), &consumers, &outputs, &mut chains);
                let mut targets = HashSet::new();
                if found && chains.iter().all(|(_, t)| !stored.contains(t) && targets.insert(*t)) {
                    for (chain, target) in chains {
                        stored.insert(target);
                        stores.push(Store {
                            value: r,
                            chain,
                            target,
                        });
                    }
                } else {
                    needs_storage = true;
                }
            }
            if needs_storage && !stored.contains(&r) {
                stored.insert(r);
                if !outputs.contains(&r) {
                    scratch.push(r);
                }
                stores.push(Store {
                    value: r,
                    chain: vec![],
                    target: r,
                });
            }
        }
        stages.push(Stage {
            anchor,
            region,
            stores,
            attention: None,
        });
    }
    merge_attention(body, matched, &mut stages, &mut scratch, &consumers);
    let rest = body
        .outputs()
        .iter()
        .copied()
        .filter(|v| !stored.contains(v))
        .collect::<Vec<_>>();
    let mut seen = HashSet::new();
    let rest = rest.into_iter().filter(|v| seen.insert(*v)).collect();
    KernelPlan { stages, rest, scratch }
}

/// From consumer node `c` (a view of a region value), the chains of single-use views ending at
/// kernel outputs, appended to `out` after `prefix`: one chain, or one per used output of a
/// `Split`. False when a view does not end at a kernel output (or is no view).
fn view_chains(
    body: &Graph,
    c: NodeId,
    prefix: Vec<(NodeId, usize)>,
    consumers: &HashMap<ValueId, Vec<NodeId>>,
    outputs: &HashSet<ValueId>,
    out: &mut Vec<(Vec<(NodeId, usize)>, ValueId)>,
) -> bool {
    let n = body.node(c);
    let split = matches!(n.op, Op::Split { .. });
    if !(split || store_view(&n.op) && n.outputs.len() == 1) {
        return false;
    }
    for (o, &v) in n.outputs.iter().enumerate() {
        let mut chain = prefix.clone();
        chain.push((c, o));
        if outputs.contains(&v) {
            out.push((chain, v));
            continue;
        }
        let ok = match consumers.get(&v).map(|x| x.as_slice()) {
            Some([next]) => view_chains(body, *next, chain, consumers, outputs, out),
            // An unused part of a Split is not stored.
            None | Some([]) => split,
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Replaces the three stages `MatMul → Softmax → MatMul` of each attention chain fusion matched
/// by one attention stage. The checks here are of the plan, not a search for the pattern: the
/// scores' region feeds only the softmax, whose result feeds only the second MatMul, nothing of
/// either stored. (Fusion matches only chains whose intermediate values are private, so they
/// hold; were one not to, its three stages stay three dispatches, which compute the same.)
fn merge_attention(
    body: &Graph,
    matched: &[AttentionMatch],
    stages: &mut Vec<Stage>,
    scratch: &mut Vec<ValueId>,
    consumers: &HashMap<ValueId, Vec<NodeId>>,
) {
    for m in matched {
        let Some(i) = stages.iter().position(|s| s.anchor == m.scores) else {
            continue;
        };
        let lined_up = stages.get(i + 1).is_some_and(|s| s.anchor == m.softmax)
            && stages.get(i + 2).is_some_and(|s| s.anchor == m.output);
        if !lined_up {
            continue;
        }
        if let Some(chain) = attention_at(body, &stages[i..i + 3], consumers) {
            let dropped: Vec<ValueId> = stages[i..i + 2]
                .iter()
                .flat_map(|s| s.stores.iter().map(|st| st.target))
                .collect();
            scratch.retain(|v| !dropped.contains(v));
            let mut merged = stages[i + 2].clone();
            merged.attention = Some(chain);
            stages.splice(i..i + 3, [merged]);
        }
    }
}

fn attention_at(body: &Graph, st: &[Stage], consumers: &HashMap<ValueId, Vec<NodeId>>) -> Option<AttentionChain> {
    let (mm1, sm, mm2) = (
        body.node(st[0].anchor),
        body.node(st[1].anchor),
        body.node(st[2].anchor),
    );
    if !matches!(mm1.op, Op::MatMul) || !matches!(mm2.op, Op::MatMul) {
        return None;
    }
    let Op::Softmax { axis } = sm.op else { return None };
    let ranks_ok = [mm1.inputs[0], mm1.inputs[1], mm2.inputs[0], mm2.inputs[1]]
        .iter()
        .all(|&v| body.ty(v).shape.rank() >= 2);
    let r = body.ty(sm.outputs[0]).shape.rank();
    if !ranks_ok || (axis != -1 && axis != r as i64 - 1) {
        return None;
    }
    // The scores stage stores exactly the softmax's input, read by nothing but the softmax.
    let [store1] = st[0].stores.as_slice() else { return None };
    let logits = store1.value;
    if !store1.chain.is_empty() || store1.target != logits || sm.inputs[0] != logits {
        return None;
    }
    if body.outputs().contains(&logits) || consumers.get(&logits).map(|c| c.len()) != Some(1) {
        return None;
    }
    let [store2] = st[1].stores.as_slice() else { return None };
    let p = sm.outputs[0];
    if !st[1].region.is_empty() || store2.value != p || store2.target != p || body.outputs().contains(&p) {
        return None;
    }
    if consumers.get(&p).map(|c| c.as_slice()) != Some(&[st[2].anchor]) || mm2.inputs[0] != p || mm2.inputs[1] == p {
        return None;
    }
    // Same batch dims for the scores and the output.
    let s_shape = &body.ty(mm1.outputs[0]).shape;
    let o_shape = &body.ty(mm2.outputs[0]).shape;
    if s_shape.rank() != o_shape.rank() || s_shape.dims()[..r - 1] != o_shape.dims()[..r - 1] {
        return None;
    }
    Some(AttentionChain {
        scores: st[0].anchor,
        logits,
        softmax: st[1].anchor,
    })
}
