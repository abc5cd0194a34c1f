//! The cost model of extraction: bytes moved and kernel launches.
//!
//! An op that runs as a kernel costs [`LAUNCH_COST`] (a launch, in byte equivalents: about 1 µs of
//! launch overhead at 64 GB/s) plus the bytes of its distinct inputs (each read once) plus the
//! bytes of its outputs (each written once), with static shapes (a symbolic dim counts at its
//! upper bound). Fused ops (`LayerNorm`, `RMSNorm`, `Gelu`, `Silu`, `Attention`, ...) are one
//! kernel like any other op, so they cost one launch; `Attention` never writes its score matrix.
//! Views cost nothing (`Identity`, `Reshape`, `Squeeze`, `Unsqueeze`, `Flatten`), nor do constants
//! and `ConstantOfShape` (folded at compile time).
//!
//! [`extract`] picks one e-node per e-class. A node's cost is its own cost plus the larger of the
//! sum of its children's costs, each divided by the number of e-classes that use the child (a
//! shared value is paid once, not once per user), and its most expensive child's cost. The
//! second term keeps a node strictly more expensive than each child it reads, so the choice never
//! forms a cycle; the division keeps costs from growing exponentially along residual streams.
//! Exactness is checked afterwards on the result: [`graph_cost`] of the extracted graph must not
//! exceed the input's, or the pass keeps its input.

use super::lang::{op_of, Class, ENode, IrAnalysis};
use edgecc_ir::{Graph, Op, TensorType};
use egg::{EGraph, Id, Language};
use std::collections::{HashMap, HashSet};

/// The cost of one kernel launch, in bytes.
pub const LAUNCH_COST: f64 = 65536.0;

/// Bytes of a value of type `t` (symbolic dims at their upper bound).
pub fn bytes(t: &TensorType) -> f64 {
    let n = t.shape.max_numel();
    t.dtype.storage_bytes(usize::try_from(n).unwrap_or(usize::MAX)) as f64
}

/// True for ops that cost nothing: views and compile-time constants.
pub fn is_free(op: &Op) -> bool {
    matches!(
        op,
        Op::Constant(_)
            | Op::ConstantOfShape { .. }
            | Op::Identity
            | Op::Reshape { .. }
            | Op::Squeeze { .. }
            | Op::Unsqueeze { .. }
            | Op::Flatten { .. }
    )
}

/// The cost of `op` reading `inputs` (distinct values) and writing `outputs`.
pub fn op_cost(op: &Op, inputs: &[&TensorType], outputs: &[&TensorType]) -> f64 {
    if is_free(op) {
        return 0.0;
    }
    LAUNCH_COST + inputs.iter().map(|t| bytes(t)).sum::<f64>() + outputs.iter().map(|t| bytes(t)).sum::<f64>()
}

/// The total cost of a graph: the sum of its nodes' costs.
pub fn graph_cost(g: &Graph) -> f64 {
    g.nodes()
        .iter()
        .map(|n| {
            let mut ins = n.inputs.clone();
            ins.sort();
            ins.dedup();
            let ins: Vec<&TensorType> = ins.iter().map(|&v| g.ty(v)).collect();
            let outs: Vec<&TensorType> = n.outputs.iter().map(|&v| g.ty(v)).collect();
            op_cost(&n.op, &ins, &outs)
        })
        .sum()
}

/// The number of kernel launches of a graph (nodes that are not free).
pub fn launches(g: &Graph) -> usize {
    g.nodes().iter().filter(|n| !is_free(&n.op)).count()
}

/// The own cost of e-node `n` (without its children), or `None` if it is invalid.
fn own_cost(eg: &EGraph<ENode, IrAnalysis>, n: &ENode, class: Id) -> Option<f64> {
    match n {
        ENode::Input(_) | ENode::Const(_) | ENode::Attr(_) | ENode::Out(..) => Some(0.0),
        ENode::Op(..) => {
            let (op, mut inputs) = op_of(eg, n)?;
            inputs.sort();
            inputs.dedup();
            let ins: Vec<&TensorType> = inputs.iter().map(|&i| eg[i].data.ty()).collect::<Option<_>>()?;
            let outs: Vec<&TensorType> = match &eg[class].data.class {
                Class::Value(t) => vec![t],
                Class::Tuple(ts) => ts.iter().collect(),
                _ => return None,
            };
            Some(op_cost(&op, &ins, &outs))
        }
    }
}

/// The chosen e-node of every e-class that has a finite cost (keyed by canonical id). Among
/// equally good e-nodes, one of `original` (the input graph's, canonicalized) wins, so operand
/// orders and forms the rules did not improve stay as they were.
pub fn extract(eg: &EGraph<ENode, IrAnalysis>, original: &HashSet<ENode>) -> HashMap<Id, ENode> {
    // Distinct user classes of each class.
    let mut users: HashMap<Id, Vec<Id>> = HashMap::new();
    for class in eg.classes() {
        for n in class.iter() {
            for &c in n.children() {
                let c = eg.find(c);
                if c != class.id {
                    users.entry(c).or_default().push(class.id);
                }
            }
        }
    }
    let uses: HashMap<Id, f64> = users
        .into_iter()
        .map(|(c, mut u)| {
            u.sort();
            u.dedup();
            (c, u.len().max(1) as f64)
        })
        .collect();
    // Own costs, once.
    let own: Vec<(Id, Vec<(ENode, f64)>)> = eg
        .classes()
        .map(|class| {
            let nodes = class
                .iter()
                .filter_map(|n| {
                    // Each node costs at least a little (so a chosen node is dearer than its
                    // children), a node the rules added a little more.
                    let tie = if original.contains(n) { 1.0 } else { 2.0 };
                    own_cost(eg, n, class.id).map(|c| (n.clone(), c + tie))
                })
                .collect();
            (class.id, nodes)
        })
        .collect();
    let mut best: HashMap<Id, (f64, ENode)> = HashMap::new();
    let max_rounds = own.len() + 2;
    for _ in 0..max_rounds {
        let mut changed = false;
        for (id, nodes) in &own {
            for (n, c) in nodes {
                let mut sum = 0.0;
                let mut max = 0.0f64;
                let mut ok = true;
                for &ch in n.children() {
                    let ch = eg.find(ch);
                    match best.get(&ch) {
                        Some((cc, _)) => {
                            sum += cc / uses.get(&ch).copied().unwrap_or(1.0);
                            max = max.max(*cc);
                        }
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                let total = c + sum.max(max);
                let better = best.get(id).is_none_or(|(old, _)| total < *old);
                if better {
                    best.insert(*id, (total, n.clone()));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    best.into_iter().map(|(id, (_, n))| (id, n)).collect()
}
