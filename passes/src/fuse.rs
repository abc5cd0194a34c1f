//! Operator fusion: [`fuse`] groups the ops of a graph into kernels and returns the
//! [`KernelGraph`] that memory planning and code generation consume.
//!
//! Every live op (constants aside: they become weight buffers, or immediates when scalar) starts
//! as its own group; groups then merge in a fixed order of phases, each merge checked for
//! legality:
//!
//! 1. **Attention** — an `Attention` op is one group; so is a decomposed
//!    `MatMul → elementwise (scale, mask) → Softmax(last axis) → MatMul` chain whose intermediates
//!    nobody else reads (the score matrix is never materialized).
//! 2. **Horizontal MatMuls** — MatMul/Gemm nodes with the same left operand and constant right
//!    operands (the Q/K/V projections) share one kernel.
//! 3. **Epilogues and loops**, in node order: an elementwise op joins the group of a producer
//!    when it reads that producer's result at the same index (a MatMul/Conv/Attention/reduction
//!    epilogue: bias, activation, residual add, scale, cast, with small operands broadcast);
//!    views, transposes, splits, slices and concatenations of such results join as the group's
//!    store layout;
//!    injective ops (elementwise, broadcasts, gathers, concatenation, padding, views) form loop
//!    groups; a row reduction (Reduce, Softmax, LayerNorm, RMSNorm, ArgMax) joins a group over the
//!    same rows — so a decomposed LayerNorm or softmax is one kernel — and takes an elementwise
//!    group before it (the residual add before a LayerNorm) as its prologue.
//! 4. **Prologues** — a row-normalization group (LayerNorm, softmax) over the last axis whose
//!    results only a single MatMul group reads, as its left operand, becomes that kernel's
//!    prologue (pre-LayerNorm transformers: LayerNorm fused into the next projection).
//!    Likewise a loop group (elementwise or data movement) whose results only one anchor or row
//!    group reads is recomputed by that kernel as it loads its operands (an attention mask
//!    computed from an input, the gather of the first token before a pooler projection).
//! 5. **Free views** — a group made only of views, transposes, splits and slices (of inputs or
//!    weights) is not a kernel: each consumer absorbs the chain into its own indexing.
//!
//! Legality: a group never merges with another when a path between them leaves through a third
//! group (that would make kernels depend on each other in a cycle); values consumed outside their
//! group, and graph outputs, are materialized as kernel outputs; everything else stays inside the
//! kernel. The kernels are then ordered topologically (ties by source order, so the result is
//! deterministic). The pass never fails on a verified graph; an error means a bug here.

use crate::dce::live_nodes;
use crate::error::PassError;
use crate::kernel::{
    AttentionMatch, Buffer, BufferId, BufferKind, FusionRecord, Kernel, KernelGraph, KernelKind, WeightData,
};
use edgecc_ir::{normalize_axis, Dim, Graph, NodeId, Op, Shape, ValueId};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

/// Constants with at most this many elements are inlined into kernel bodies as immediates.
pub const INLINE_CONST_MAX_ELEMENTS: usize = 1;

/// How an op fuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpClass {
    /// A `Constant`: no kernel.
    Const,
    /// Pointwise: each output element from the same-index elements of its (broadcast) inputs.
    Elem,
    /// A pure remap of one input (views, transposes, splits, slices): free in a consumer's or a
    /// producer's indexing.
    Index,
    /// Other injective ops (each output element from a few input elements): loop fusion only.
    Loop,
    MatMul,
    Conv,
    /// A reduction over some axes of its first input (see [`RowDomain`]).
    Row,
    Attention,
    /// One op with a fixed schedule of its own (pools, group/instance norm, scans, top-k).
    Window,
}

fn class_of(op: &Op) -> OpClass {
    match op {
        Op::Constant(_) => OpClass::Const,
        Op::Unary(_)
        | Op::Cast { .. }
        | Op::Binary(_)
        | Op::Where
        | Op::Clip { .. }
        | Op::BatchNorm { .. }
        | Op::Trilu { .. } => OpClass::Elem,
        Op::Identity
        | Op::Reshape { .. }
        | Op::Squeeze { .. }
        | Op::Unsqueeze { .. }
        | Op::Flatten { .. }
        | Op::Transpose { .. }
        | Op::Split { .. }
        | Op::Slice { .. }
        | Op::Crop { .. } => OpClass::Index,
        Op::Expand { .. }
        | Op::Concat { .. }
        | Op::Pad { .. }
        | Op::Tile { .. }
        | Op::Gather { .. }
        | Op::GatherElements { .. }
        | Op::Range { .. }
        | Op::ConstantOfShape { .. }
        | Op::Shape { .. }
        | Op::Resize { .. } => OpClass::Loop,
        Op::MatMul | Op::Gemm { .. } => OpClass::MatMul,
        Op::Conv { .. } | Op::ConvTranspose { .. } => OpClass::Conv,
        Op::Reduce { .. }
        | Op::Softmax { .. }
        | Op::LogSoftmax { .. }
        | Op::LayerNorm { .. }
        | Op::RmsNorm { .. }
        | Op::ArgMax { .. }
        | Op::ArgMin { .. } => OpClass::Row,
        Op::Attention { .. } => OpClass::Attention,
        Op::GroupNorm { .. }
        | Op::InstanceNorm { .. }
        | Op::MaxPool { .. }
        | Op::AveragePool { .. }
        | Op::GlobalAveragePool
        | Op::CumSum { .. }
        | Op::TopK { .. } => OpClass::Window,
    }
}

/// The rows a reduction works on: its input shape and the (sorted) reduced axes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RowDomain {
    full: Shape,
    axes: Vec<usize>,
}

impl RowDomain {
    /// Whether a value of `shape` is indexed by row: the full shape, or one value per row (with
    /// or without the reduced axes kept as extent 1).
    fn fits(&self, shape: &Shape) -> bool {
        if *shape == self.full {
            return true;
        }
        let dims = self.full.dims();
        let kept = Shape(
            dims.iter()
                .enumerate()
                .map(|(i, d)| {
                    if self.axes.contains(&i) {
                        Dim::Static(1)
                    } else {
                        d.clone()
                    }
                })
                .collect(),
        );
        let squeezed = Shape(
            dims.iter()
                .enumerate()
                .filter(|(i, _)| !self.axes.contains(i))
                .map(|(_, d)| d.clone())
                .collect(),
        );
        *shape == kept || *shape == squeezed
    }

    /// Whether the rows are the trailing axis alone (what a MatMul prologue can normalize).
    fn is_last_axis(&self) -> bool {
        self.full.rank() > 0 && self.axes == [self.full.rank() - 1]
    }
}

/// The row domain of a `Row`-class op reading a first input of `shape`; `None` if its axes do
/// not normalize (then it is scheduled as a one-op window kernel).
fn row_domain(op: &Op, shape: &Shape) -> Option<RowDomain> {
    let rank = shape.rank();
    let norm = |a: i64| normalize_axis(a, rank);
    let axes: Vec<usize> = match op {
        Op::Reduce { axes, .. } if axes.is_empty() => (0..rank).collect(),
        Op::Reduce { axes, .. } => axes.iter().map(|&a| norm(a)).collect::<Option<Vec<_>>>()?,
        Op::Softmax { axis } | Op::LogSoftmax { axis } | Op::ArgMax { axis, .. } | Op::ArgMin { axis, .. } => {
            vec![norm(*axis)?]
        }
        Op::LayerNorm { axis, .. } | Op::RmsNorm { axis, .. } => (norm(*axis)?..rank).collect(),
        _ => return None,
    };
    let axes: Vec<usize> = axes.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    Some(RowDomain {
        full: shape.clone(),
        axes,
    })
}

/// What a group is, which decides what may join it.
#[derive(Clone, Debug, PartialEq)]
enum GroupKind {
    /// Loop fusion: any injective ops, recomputed at each output index.
    Loop,
    /// Anchored on MatMul/Gemm, Conv, Attention or a window op: epilogues at the anchor's index.
    Anchor(OpClass),
    /// Row reductions over one row domain, with their elementwise prologue and epilogue.
    Row(RowDomain),
}

#[derive(Clone, Debug)]
struct Group {
    alive: bool,
    kind: GroupKind,
    /// Members, in source order.
    nodes: Vec<NodeId>,
    /// Values later members may read at their own index (anchor results and their epilogue,
    /// row values, or everything in a loop group).
    domain: HashSet<ValueId>,
    /// Results of layout ops folded into the store: nothing else in the group may read them but
    /// further views.
    terminal: HashSet<ValueId>,
    /// The decomposed attention chains merged into this group: (scores MatMul, Softmax, output
    /// MatMul), source node ids.
    attention: Vec<[NodeId; 3]>,
}

struct Fuser<'g> {
    g: &'g Graph,
    class: Vec<OpClass>,
    live: Vec<bool>,
    /// Per value: the node defining it (`None` for graph inputs).
    producer: Vec<Option<NodeId>>,
    /// Per value: the live nodes reading it.
    consumers: Vec<Vec<NodeId>>,
    is_output: Vec<bool>,
    /// Per node: its group (`usize::MAX` for constants and dead nodes).
    gid: Vec<usize>,
    groups: Vec<Group>,
    /// Index nodes left to the consumers' indexing (phase 5).
    dissolved: Vec<bool>,
}

const NO_GROUP: usize = usize::MAX;

fn err(msg: String) -> PassError {
    PassError::Pass {
        pass: "fuse".into(),
        msg,
    }
}

/// Groups the ops of `g` into kernels; see the module docs. `g` should be verified (the pass
/// pipeline's result is).
pub fn fuse(g: &Graph) -> Result<KernelGraph, PassError> {
    let mut f = Fuser::new(g)?;
    f.attention_chains();
    f.horizontal_matmuls();
    f.epilogues();
    f.prologues();
    f.loop_prologues();
    f.free_views();
    f.build()
}

impl<'g> Fuser<'g> {
    fn new(g: &'g Graph) -> Result<Self, PassError> {
        let nv = g.values().len();
        let nn = g.nodes().len();
        let mut producer = vec![None; nv];
        for (i, n) in g.nodes().iter().enumerate() {
            for &o in &n.outputs {
                let slot = producer
                    .get_mut(o.index())
                    .ok_or_else(|| err(format!("node `{}` defines value id {}, out of range", n.name, o.0)))?;
                *slot = Some(NodeId(i as u32));
            }
        }
        let live = live_nodes(g);
        let mut consumers = vec![Vec::new(); nv];
        for (i, n) in g.nodes().iter().enumerate() {
            if !live[i] {
                continue;
            }
            for &v in &n.inputs {
                let slot = consumers
                    .get_mut(v.index())
                    .ok_or_else(|| err(format!("node `{}` reads value id {}, out of range", n.name, v.0)))?;
                if slot.last() != Some(&NodeId(i as u32)) {
                    slot.push(NodeId(i as u32));
                }
            }
        }
        let mut is_output = vec![false; nv];
        for &o in g.outputs() {
            *is_output
                .get_mut(o.index())
                .ok_or_else(|| err(format!("graph output value id {} is out of range", o.0)))? = true;
        }
        let class: Vec<OpClass> = g.nodes().iter().map(|n| class_of(&n.op)).collect();
        let mut f = Fuser {
            g,
            class,
            live,
            producer,
            consumers,
            is_output,
            gid: vec![NO_GROUP; nn],
            groups: Vec::new(),
            dissolved: vec![false; nn],
        };
        for i in 0..nn {
            if !f.live[i] || f.class[i] == OpClass::Const {
                continue;
            }
            let id = NodeId(i as u32);
            let node = g.node(id);
            let kind = match f.class[i] {
                OpClass::Elem | OpClass::Index | OpClass::Loop => GroupKind::Loop,
                OpClass::Row => match node.inputs.first().and_then(|&x| row_domain(&node.op, &g.ty(x).shape)) {
                    Some(d) => GroupKind::Row(d),
                    None => {
                        f.class[i] = OpClass::Window;
                        GroupKind::Anchor(OpClass::Window)
                    }
                },
                c => GroupKind::Anchor(c),
            };
            f.gid[i] = f.groups.len();
            f.groups.push(Group {
                alive: true,
                kind,
                nodes: vec![id],
                domain: node.outputs.iter().copied().collect(),
                terminal: HashSet::new(),
                attention: Vec::new(),
            });
        }
        Ok(f)
    }

    fn node_group(&self, n: NodeId) -> usize {
        self.gid.get(n.index()).copied().unwrap_or(NO_GROUP)
    }

    /// The group of the node defining `v` (`NO_GROUP` for inputs and constants).
    fn value_group(&self, v: ValueId) -> usize {
        match self.producer.get(v.index()).copied().flatten() {
            Some(n) => self.node_group(n),
            None => NO_GROUP,
        }
    }

    fn is_const(&self, v: ValueId) -> bool {
        matches!(self.producer.get(v.index()).copied().flatten(), Some(n) if self.class[n.index()] == OpClass::Const)
    }

    /// Groups reading a result of group `a` (other than `a`).
    fn successors(&self, a: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for &n in &self.groups[a].nodes {
            for &v in &self.g.node(n).outputs {
                for &c in &self.consumers[v.index()] {
                    let cg = self.node_group(c);
                    if cg != a && cg != NO_GROUP && !out.contains(&cg) {
                        out.push(cg);
                    }
                }
            }
        }
        out
    }

    /// Whether `to` is reachable from `from` through at least one other group.
    fn reaches_indirectly(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.groups.len()];
        let mut stack: Vec<usize> = self.successors(from).into_iter().filter(|&s| s != to).collect();
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if std::mem::replace(&mut seen[x], true) {
                continue;
            }
            stack.extend(self.successors(x));
        }
        false
    }

    /// Whether merging groups `a` and `b` would create a cycle between kernels.
    fn would_cycle(&self, a: usize, b: usize) -> bool {
        self.reaches_indirectly(a, b) || self.reaches_indirectly(b, a)
    }

    /// Moves every member of group `from` into group `into`.
    fn absorb(&mut self, into: usize, from: usize) {
        if into == from {
            return;
        }
        let moved = std::mem::take(&mut self.groups[from]);
        for &n in &moved.nodes {
            self.gid[n.index()] = into;
        }
        let g = &mut self.groups[into];
        g.nodes.extend(moved.nodes);
        g.nodes.sort();
        g.terminal.extend(moved.terminal);
        g.attention.extend(moved.attention);
    }

    /// Phase 1: `Attention` ops are anchors already; merge decomposed attention chains.
    fn attention_chains(&mut self) {
        let g = self.g;
        for (i, node) in g.nodes().iter().enumerate() {
            if !self.live[i] || !matches!(node.op, Op::Softmax { .. }) || self.gid[i] == NO_GROUP {
                continue;
            }
            let Some(members) = self.attention_chain(NodeId(i as u32)) else {
                continue;
            };
            let (Some(&first), Some(&last)) = (members.first(), members.last()) else {
                continue;
            };
            let target = self.gid[last.index()];
            for &m in &members {
                let mg = self.gid[m.index()];
                self.absorb(target, mg);
            }
            let grp = &mut self.groups[target];
            grp.kind = GroupKind::Anchor(OpClass::Attention);
            grp.domain = g.node(last).outputs.iter().copied().collect();
            grp.attention.push([first, NodeId(i as u32), last]);
        }
    }

    /// The nodes `[m1, elementwise.., softmax, m2]` of a decomposed attention around `softmax`.
    fn attention_chain(&self, softmax: NodeId) -> Option<Vec<NodeId>> {
        let g = self.g;
        let s = g.node(softmax);
        let x = *s.inputs.first()?;
        let rank = g.ty(x).shape.rank();
        let Op::Softmax { axis } = s.op else { return None };
        if rank < 2 || normalize_axis(axis, rank)? != rank - 1 {
            return None;
        }
        let private = |v: ValueId| self.consumers[v.index()].len() == 1 && !self.is_output[v.index()];
        // The consumer: a MatMul reading the probabilities as its left operand.
        let p = *s.outputs.first()?;
        if !private(p) {
            return None;
        }
        let m2 = self.consumers[p.index()][0];
        let m2n = g.node(m2);
        if m2n.op != Op::MatMul || m2n.inputs.first() != Some(&p) || m2n.inputs.get(1) == Some(&p) {
            return None;
        }
        // Attention reads activations: softmax(x W1) W2 with weights is an MLP, not attention.
        let is_weight = |v: ValueId| self.producer[v.index()].is_some_and(|n| matches!(g.node(n).op, Op::Constant(_)));
        if m2n.inputs.get(1).is_some_and(|&v| is_weight(v)) {
            return None;
        }
        // Back from the scores through elementwise ops of the scores' shape to the first MatMul.
        let shape = &g.ty(x).shape;
        let mut chain = Vec::new();
        let mut v = x;
        loop {
            if !private(v) {
                return None;
            }
            let n = self.producer[v.index()]?;
            let node = g.node(n);
            if self.gid[n.index()] == NO_GROUP || self.groups[self.gid[n.index()]].nodes.len() != 1 {
                return None;
            }
            match self.class[n.index()] {
                OpClass::MatMul if node.op == Op::MatMul => {
                    if node.inputs.iter().any(|&i| is_weight(i)) {
                        return None;
                    }
                    chain.push(n);
                    break;
                }
                OpClass::Elem => {
                    let mut main = node
                        .inputs
                        .iter()
                        .filter(|&&i| g.ty(i).shape == *shape && self.value_group(i) != NO_GROUP);
                    let next = *main.next()?;
                    if main.next().is_some() {
                        return None;
                    }
                    chain.push(n);
                    v = next;
                }
                _ => return None,
            }
        }
        chain.reverse();
        chain.push(softmax);
        chain.push(m2);
        Some(chain)
    }

    /// Phase 2: MatMuls with one left operand and constant right operands share a kernel.
    fn horizontal_matmuls(&mut self) {
        let g = self.g;
        let mut by_operand: Vec<(ValueId, usize)> = Vec::new();
        for (i, node) in g.nodes().iter().enumerate() {
            let gi = self.gid[i];
            if gi == NO_GROUP || self.class[i] != OpClass::MatMul || self.groups[gi].nodes.len() != 1 {
                continue;
            }
            let trans_a = matches!(node.op, Op::Gemm { trans_a: true, .. });
            if trans_a || node.inputs.len() < 2 || !node.inputs[1..].iter().all(|&v| self.is_const(v)) {
                continue;
            }
            let a = node.inputs[0];
            match by_operand.iter().find(|(v, _)| *v == a) {
                Some(&(_, target)) => {
                    if !self.would_cycle(target, gi) {
                        self.absorb(target, gi);
                        let outs = node.outputs.clone();
                        self.groups[target].domain.extend(outs);
                    }
                }
                None => by_operand.push((a, gi)),
            }
        }
    }

    /// Whether the singleton op `n` may join group `t` (see the module docs, phase 3); on
    /// success, how its outputs enter the group: `Some(true)` as domain values, `Some(false)` as
    /// terminal (store-layout) values.
    fn accepts(&self, t: usize, n: NodeId) -> Option<bool> {
        let g = self.g;
        let node = g.node(n);
        let grp = &self.groups[t];
        let member_inputs: Vec<ValueId> = node
            .inputs
            .iter()
            .copied()
            .filter(|&v| self.value_group(v) == t)
            .collect();
        if member_inputs.is_empty() {
            return None;
        }
        let all_domain = member_inputs.iter().all(|v| grp.domain.contains(v));
        let all_viewable = member_inputs
            .iter()
            .all(|v| grp.domain.contains(v) || grp.terminal.contains(v));
        // A concatenation of the group's own results is a store at shifted offsets.
        let concat_of_members =
            matches!(node.op, Op::Concat { .. }) && member_inputs.len() == node.inputs.len() && all_viewable;
        let out_shape = &g.ty(*node.outputs.first()?).shape;
        let class = self.class[n.index()];
        match &grp.kind {
            GroupKind::Loop => match class {
                OpClass::Elem | OpClass::Index | OpClass::Loop => Some(true),
                _ => None,
            },
            GroupKind::Anchor(_) => match class {
                OpClass::Elem if all_domain && member_inputs.iter().all(|&v| g.ty(v).shape == *out_shape) => Some(true),
                OpClass::Index if all_viewable => Some(false),
                _ if concat_of_members => Some(false),
                _ => None,
            },
            GroupKind::Row(d) => match class {
                OpClass::Elem if all_domain && d.fits(out_shape) => Some(true),
                OpClass::Row
                    if all_domain
                        && node.inputs.first().is_some_and(|v| member_inputs.contains(v))
                        && row_domain(&node.op, &g.ty(node.inputs[0]).shape).as_ref() == Some(d) =>
                {
                    Some(true)
                }
                OpClass::Index if all_viewable => Some(false),
                _ if concat_of_members => Some(false),
                _ => None,
            },
        }
    }

    /// Whether the loop group `t` can become the prologue of the row op `n` (every member's
    /// result indexed by `n`'s rows).
    fn loop_becomes_row(&self, t: usize, n: NodeId) -> Option<RowDomain> {
        let g = self.g;
        let node = g.node(n);
        let grp = &self.groups[t];
        if grp.kind != GroupKind::Loop || self.value_group(*node.inputs.first()?) != t {
            return None;
        }
        let d = row_domain(&node.op, &g.ty(node.inputs[0]).shape)?;
        let ok = grp.nodes.iter().all(|&m| {
            matches!(self.class[m.index()], OpClass::Elem | OpClass::Index | OpClass::Loop)
                && g.node(m).outputs.iter().all(|&o| d.fits(&g.ty(o).shape))
        });
        ok.then_some(d)
    }

    /// Phase 3: epilogues, loop fusion and row groups, in node order.
    fn epilogues(&mut self) {
        let g = self.g;
        for i in 0..g.nodes().len() {
            let own = self.gid[i];
            let class = self.class[i];
            if own == NO_GROUP
                || self.groups[own].nodes.len() != 1
                || !matches!(class, OpClass::Elem | OpClass::Index | OpClass::Loop | OpClass::Row)
            {
                continue;
            }
            let n = NodeId(i as u32);
            let node = g.node(n);
            // Candidate producer groups: anchors first, then rows, then loops.
            let mut cands: Vec<usize> = Vec::new();
            for &v in &node.inputs {
                let pg = self.value_group(v);
                if pg != NO_GROUP && pg != own && !cands.contains(&pg) {
                    cands.push(pg);
                }
            }
            cands.sort_by_key(|&c| match self.groups[c].kind {
                GroupKind::Anchor(_) => 0,
                GroupKind::Row(_) => 1,
                GroupKind::Loop => 2,
            });
            for c in cands {
                if let Some(domain) = self.accepts(c, n) {
                    if self.would_cycle(c, own) {
                        continue;
                    }
                    self.absorb(c, own);
                    let grp = &mut self.groups[c];
                    for &o in &node.outputs {
                        if domain {
                            grp.domain.insert(o);
                        } else {
                            grp.terminal.insert(o);
                        }
                    }
                    break;
                }
                if class == OpClass::Row {
                    if let Some(d) = self.loop_becomes_row(c, n) {
                        if self.would_cycle(c, own) {
                            continue;
                        }
                        self.absorb(c, own);
                        let outs: Vec<ValueId> = self.groups[c]
                            .nodes
                            .iter()
                            .flat_map(|&m| g.node(m).outputs.iter().copied())
                            .collect();
                        let grp = &mut self.groups[c];
                        grp.kind = GroupKind::Row(d);
                        grp.domain = outs.into_iter().collect();
                        break;
                    }
                }
            }
        }
    }

    /// Phase 4: last-axis row groups read only as the left operand of one MatMul group become
    /// its prologue.
    fn prologues(&mut self) {
        let g = self.g;
        for r in 0..self.groups.len() {
            let grp = &self.groups[r];
            let GroupKind::Row(d) = &grp.kind else { continue };
            if !grp.alive || !d.is_last_axis() {
                continue;
            }
            let mut target: Option<usize> = None;
            let mut ok = true;
            'members: for &m in &grp.nodes {
                for &v in &g.node(m).outputs {
                    if self.is_output[v.index()] {
                        ok = false;
                        break 'members;
                    }
                    for &c in &self.consumers[v.index()] {
                        let cg = self.node_group(c);
                        if cg == r {
                            continue;
                        }
                        let cn = g.node(c);
                        let left_only = cn.inputs.first() == Some(&v) && !cn.inputs[1..].contains(&v);
                        let matmul = matches!(cn.op, Op::MatMul | Op::Gemm { trans_a: false, .. });
                        let same = *target.get_or_insert(cg) == cg;
                        let anchor = matches!(self.groups[cg].kind, GroupKind::Anchor(OpClass::MatMul));
                        if !(left_only
                            && matmul
                            && same
                            && anchor
                            && grp.domain.contains(&v)
                            && g.ty(v).shape == d.full)
                        {
                            ok = false;
                            break 'members;
                        }
                    }
                }
            }
            if let (true, Some(t)) = (ok, target) {
                if !self.would_cycle(t, r) {
                    // The row values stay out of the MatMul's domain: its epilogue cannot read them.
                    self.absorb(t, r);
                }
            }
        }
    }

    /// Phase 4b: a loop group whose results only one anchor or row group reads (and no graph
    /// output) is recomputed in that kernel as it loads them: a mask computed from an input in
    /// front of attention, a gather of the first token in front of a projection.
    fn loop_prologues(&mut self) {
        let g = self.g;
        for l in 0..self.groups.len() {
            let grp = &self.groups[l];
            if !grp.alive || grp.kind != GroupKind::Loop {
                continue;
            }
            let mut target: Option<usize> = None;
            let mut ok = true;
            for &m in &grp.nodes {
                for &v in &g.node(m).outputs {
                    ok &= !self.is_output[v.index()];
                    for &c in &self.consumers[v.index()] {
                        let cg = self.node_group(c);
                        if cg != l && cg != NO_GROUP {
                            ok &= *target.get_or_insert(cg) == cg;
                        }
                    }
                }
            }
            let Some(t) = target else { continue };
            let fits = matches!(self.groups[t].kind, GroupKind::Anchor(_) | GroupKind::Row(_));
            if ok && fits && !self.would_cycle(t, l) {
                self.absorb(t, l);
            }
        }
    }

    /// Phase 5: groups of index ops only (none of them a graph output) dissolve into their
    /// consumers' indexing.
    fn free_views(&mut self) {
        for t in 0..self.groups.len() {
            let grp = &self.groups[t];
            if !grp.alive || grp.kind != GroupKind::Loop {
                continue;
            }
            let pure = grp.nodes.iter().all(|&m| {
                self.class[m.index()] == OpClass::Index
                    && self.g.node(m).outputs.iter().all(|o| !self.is_output[o.index()])
            });
            if !pure {
                continue;
            }
            let nodes = std::mem::take(&mut self.groups[t]).nodes;
            for m in nodes {
                self.dissolved[m.index()] = true;
                self.gid[m.index()] = NO_GROUP;
            }
        }
    }

    /// Builds the kernel graph from the groups.
    fn build(&self) -> Result<KernelGraph, PassError> {
        let g = self.g;
        // Bodies without outputs first: which values each group reads from outside.
        let mut drafts: Vec<Draft> = Vec::new();
        for (gi, grp) in self.groups.iter().enumerate() {
            if grp.alive && !grp.nodes.is_empty() {
                drafts.push(self.draft(gi)?);
            }
        }
        // Values that must reach global memory; groups nobody needs are dropped (to a fixpoint).
        let mut keep = vec![true; drafts.len()];
        let mut needed: HashSet<ValueId>;
        loop {
            needed = g.outputs().iter().copied().collect();
            for (d, _) in drafts.iter().zip(&keep).filter(|(_, &k)| k) {
                needed.extend(d.reads.iter().copied());
            }
            let mut changed = false;
            for (d, k) in drafts.iter().zip(keep.iter_mut()) {
                if *k && !d.produced.iter().any(|v| needed.contains(v)) {
                    *k = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let drafts: Vec<Draft> = drafts
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(d, _)| d)
            .collect();

        // Topological order of the kernels, ties by the first member's position.
        let mut writer: HashMap<ValueId, usize> = HashMap::new();
        for (di, d) in drafts.iter().enumerate() {
            for &v in &d.produced {
                writer.insert(v, di);
            }
        }
        let mut indeg = vec![0usize; drafts.len()];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); drafts.len()];
        for (di, d) in drafts.iter().enumerate() {
            let mut preds: Vec<usize> = d.reads.iter().filter_map(|v| writer.get(v).copied()).collect();
            preds.sort_unstable();
            preds.dedup();
            for p in preds {
                if p == di {
                    return Err(err(format!(
                        "kernel group at node `{}` reads its own result",
                        d.first_name
                    )));
                }
                succ[p].push(di);
                indeg[di] += 1;
            }
        }
        let mut ready: BinaryHeap<Reverse<(NodeId, usize)>> = drafts
            .iter()
            .enumerate()
            .filter(|(i, _)| indeg[*i] == 0)
            .map(|(i, d)| Reverse((d.first, i)))
            .collect();
        let mut order = Vec::with_capacity(drafts.len());
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(i);
            for &s in &succ[i] {
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    ready.push(Reverse((drafts[s].first, s)));
                }
            }
        }
        if order.len() != drafts.len() {
            return Err(err(
                "the kernel groups depend on each other in a cycle; this is a bug in fusion".into(),
            ));
        }

        // Buffers and kernels.
        let mut kb = KgBuilder {
            f: self,
            kg: KernelGraph {
                name: g.name().to_string(),
                ..Default::default()
            },
            buffer_of: HashMap::new(),
        };
        for &v in g.inputs() {
            let b = kb.buffer(v, BufferKind::Input);
            kb.kg.inputs.push(b);
        }
        for (ki, &di) in order.iter().enumerate() {
            let d = &drafts[di];
            let mut inputs = Vec::with_capacity(d.reads.len());
            for &v in &d.reads {
                let b = if self.is_const(v) {
                    kb.weight(v)?
                } else {
                    *kb.buffer_of.get(&v).ok_or_else(|| {
                        err(format!(
                            "kernel at node `{}` reads `{}` before it is written",
                            d.first_name,
                            g.value(v).name
                        ))
                    })?
                };
                inputs.push(b);
            }
            let mut body = d.body.clone();
            let mut outputs = Vec::new();
            for &v in &d.produced {
                if needed.contains(&v) {
                    let kind = if self.is_output[v.index()] {
                        BufferKind::Output
                    } else {
                        BufferKind::Activation
                    };
                    outputs.push(kb.buffer(v, kind));
                    let bv = d
                        .map
                        .get(&v)
                        .copied()
                        .ok_or_else(|| err(format!("value `{}` missing from its kernel body", g.value(v).name)))?;
                    body.add_output(bv).map_err(|e| PassError::ir("fuse", e))?;
                }
            }
            kb.kg.kernels.push(Kernel {
                name: format!("k{ki}_{}", d.anchor_name),
                kind: d.kind,
                fusion: d.fusion.clone(),
                body,
                inputs,
                outputs,
            });
        }
        for &o in g.outputs() {
            let b = match kb.buffer_of.get(&o) {
                Some(&b) => b,
                None if self.is_const(o) => kb.weight(o)?,
                None => return Err(err(format!("graph output `{}` is never computed", g.value(o).name))),
            };
            kb.kg.outputs.push(b);
        }
        let kg = kb.kg;
        kg.check()
            .map_err(|m| err(format!("built an inconsistent kernel graph: {m}")))?;
        Ok(kg)
    }

    fn const_data(&self, v: ValueId) -> Option<&edgecc_ir::TensorData> {
        let n = self.producer.get(v.index()).copied().flatten()?;
        match self.g.node(n).op {
            Op::Constant(c) => self.g.consts().get(c.index()).map(|c| &c.data),
            _ => None,
        }
    }

    /// The kernel body of group `gi`, without its outputs.
    fn draft(&self, gi: usize) -> Result<Draft, PassError> {
        let g = self.g;
        let grp = &self.groups[gi];
        let ir = |e| PassError::ir("fuse", e);
        let first = grp.nodes[0];
        let anchor = grp
            .nodes
            .iter()
            .copied()
            .find(|&m| !matches!(self.class[m.index()], OpClass::Elem | OpClass::Index | OpClass::Loop))
            .unwrap_or(first);
        let anchor_name = sanitize(&g.node(anchor).name);
        let mut body = Graph::new(anchor_name.clone());
        // Names the body will use, so that inlined constants' nodes avoid them.
        let mut reserved: HashSet<&str> = HashSet::new();
        for &m in &grp.nodes {
            let node = g.node(m);
            reserved.insert(&node.name);
            for &o in &node.outputs {
                reserved.insert(&g.value(o).name);
            }
        }
        let mut map: HashMap<ValueId, ValueId> = HashMap::new();
        let mut reads: Vec<ValueId> = Vec::new();
        let mut produced: Vec<ValueId> = Vec::new();
        let members: HashSet<NodeId> = grp.nodes.iter().copied().collect();
        // Source member → its copy in the body.
        let mut body_node: HashMap<NodeId, NodeId> = HashMap::new();

        // Maps an outside value into the body: an input, an inlined scalar, or a chain of
        // dissolved index ops recomputed here.
        let mut fetch =
            |body: &mut Graph, v: ValueId, map: &mut HashMap<ValueId, ValueId>| -> Result<ValueId, PassError> {
                if let Some(&b) = map.get(&v) {
                    return Ok(b);
                }
                // Walk back through dissolved index ops (each has one input).
                let mut chain: Vec<NodeId> = Vec::new();
                let mut root = v;
                while !map.contains_key(&root) {
                    match self.producer[root.index()] {
                        Some(p) if self.dissolved[p.index()] => {
                            chain.push(p);
                            root = *g
                                .node(p)
                                .inputs
                                .first()
                                .ok_or_else(|| err(format!("index op `{}` has no input", g.node(p).name)))?;
                        }
                        _ => break,
                    }
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = map.entry(root) {
                    let val = g.value(root);
                    let b = match self.const_data(root) {
                        Some(data) if data.numel() <= INLINE_CONST_MAX_ELEMENTS => {
                            let c = body.add_constant(val.name.clone(), data.clone());
                            let mut node_name = format!("{}_const", val.name);
                            while reserved.contains(node_name.as_str()) || body.find_node(&node_name).is_some() {
                                node_name.push('_');
                            }
                            body.add_node_named(&node_name, Op::Constant(c), &[], std::slice::from_ref(&val.name))
                                .map_err(ir)?[0]
                        }
                        _ => {
                            reads.push(root);
                            body.add_input(val.name.clone(), val.ty.dtype, val.ty.shape.clone())
                                .map_err(ir)?
                        }
                    };
                    slot.insert(b);
                }
                for &p in chain.iter().rev() {
                    if g.node(p).outputs.iter().all(|o| map.contains_key(o)) {
                        continue;
                    }
                    emit(body, g, p, map)?;
                }
                map.get(&v).copied().ok_or_else(|| {
                    err(format!(
                        "value `{}` could not be mapped into its kernel",
                        g.value(v).name
                    ))
                })
            };

        for &m in &grp.nodes {
            let node = g.node(m);
            for &v in &node.inputs {
                let inside = self.producer[v.index()].is_some_and(|p| members.contains(&p));
                if inside {
                    if !map.contains_key(&v) {
                        return Err(err(format!(
                            "node `{}` reads `{}` before its kernel computes it",
                            node.name,
                            g.value(v).name
                        )));
                    }
                } else {
                    fetch(&mut body, v, &mut map)?;
                }
            }
            body_node.insert(m, NodeId(body.nodes().len() as u32));
            emit(&mut body, g, m, &mut map)?;
            produced.extend(node.outputs.iter().copied());
        }
        let kind = self.kernel_kind(gi);
        // The attention chains matched, in body node ids.
        let mut attention = Vec::new();
        for chain in &grp.attention {
            let [scores, softmax, output] = chain.map(|n| body_node.get(&n).copied());
            match (scores, softmax, output) {
                (Some(scores), Some(softmax), Some(output)) => attention.push(AttentionMatch {
                    scores,
                    softmax,
                    output,
                }),
                _ => {
                    return Err(err(format!(
                        "the attention chain at `{}` is not in its kernel",
                        g.node(chain[1]).name
                    )))
                }
            }
        }
        Ok(Draft {
            body,
            reads,
            produced,
            map,
            kind,
            fusion: FusionRecord { attention },
            first,
            first_name: g.node(first).name.clone(),
            anchor_name,
        })
    }

    fn kernel_kind(&self, gi: usize) -> KernelKind {
        let grp = &self.groups[gi];
        match &grp.kind {
            GroupKind::Loop => {
                if grp.nodes.iter().any(|&m| self.class[m.index()] == OpClass::Elem) {
                    KernelKind::Elementwise
                } else {
                    KernelKind::Layout
                }
            }
            GroupKind::Row(_) => KernelKind::Reduction,
            GroupKind::Anchor(c) => match c {
                OpClass::Attention => KernelKind::Attention,
                OpClass::Conv => KernelKind::Conv,
                OpClass::MatMul => KernelKind::MatMulEpilogue,
                _ => KernelKind::Window,
            },
        }
    }
}

impl Default for Group {
    fn default() -> Self {
        Group {
            alive: false,
            kind: GroupKind::Loop,
            nodes: Vec::new(),
            domain: HashSet::new(),
            terminal: HashSet::new(),
            attention: Vec::new(),
        }
    }
}

/// A kernel body before its outputs are known.
struct Draft {
    body: Graph,
    /// Outside values read, in the order of the body's inputs.
    reads: Vec<ValueId>,
    /// Values the members compute, in order.
    produced: Vec<ValueId>,
    /// Source value → body value.
    map: HashMap<ValueId, ValueId>,
    kind: KernelKind,
    fusion: FusionRecord,
    first: NodeId,
    first_name: String,
    anchor_name: String,
}

/// Adds a copy of node `n` of `g` to `body`, its inputs mapped through `map`.
fn emit(body: &mut Graph, g: &Graph, n: NodeId, map: &mut HashMap<ValueId, ValueId>) -> Result<(), PassError> {
    let node = g.node(n);
    let ins: Vec<ValueId> = node
        .inputs
        .iter()
        .map(|v| {
            map.get(v).copied().ok_or_else(|| {
                err(format!(
                    "node `{}`: input `{}` is not in its kernel",
                    node.name,
                    g.value(*v).name
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let names: Vec<String> = node.outputs.iter().map(|&o| g.value(o).name.clone()).collect();
    let node_name = if body.find_node(&node.name).is_some() {
        body.fresh_name(&node.name)
    } else {
        node.name.clone()
    };
    let outs = body
        .add_node_named(&node_name, node.op.clone(), &ins, &names)
        .map_err(|e| PassError::ir("fuse", e))?;
    for (&o, b) in node.outputs.iter().zip(outs) {
        map.insert(o, b);
    }
    Ok(())
}

/// A kernel-name-friendly form of a node name: `[A-Za-z0-9_]`, others as `_`.
fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    s.trim_matches('_').to_string()
}

/// Assigns buffers while kernels are laid out.
struct KgBuilder<'a, 'g> {
    f: &'a Fuser<'g>,
    kg: KernelGraph,
    buffer_of: HashMap<ValueId, BufferId>,
}

impl KgBuilder<'_, '_> {
    /// The buffer of `v`, created with `kind` on first use.
    fn buffer(&mut self, v: ValueId, kind: BufferKind) -> BufferId {
        if let Some(&b) = self.buffer_of.get(&v) {
            return b;
        }
        let val = self.f.g.value(v);
        self.kg.buffers.push(Buffer {
            name: val.name.clone(),
            dtype: val.ty.dtype,
            shape: val.ty.shape.clone(),
            kind,
        });
        let b = BufferId(self.kg.buffers.len() as u32 - 1);
        self.buffer_of.insert(v, b);
        b
    }

    /// The weight buffer of constant `v`, with its data.
    fn weight(&mut self, v: ValueId) -> Result<BufferId, PassError> {
        if let Some(&b) = self.buffer_of.get(&v) {
            return Ok(b);
        }
        let data = self
            .f
            .const_data(v)
            .ok_or_else(|| err(format!("value `{}` is not a constant", self.f.g.value(v).name)))?
            .clone();
        let b = self.buffer(v, BufferKind::Weight);
        self.kg.weights.push(WeightData { buffer: b, data });
        Ok(b)
    }
}
