//! Sibling MatMul merging (`merge_matmul`): MatMuls that read one input with constant 2-D
//! weights of the same K and dtype (the Q, K and V projections of attention) become one MatMul
//! with the weights concatenated along N, then a `Split` along the last axis, so a device runs
//! one GEMM that reads the input once instead of one per projection.
//!
//! When every MatMul of a group has exactly one consumer, an `Add` of a constant bias of shape
//! `[N_i]` (a linear layer), the biases are concatenated too and the one `Add` comes before the
//! `Split`, where fusion takes it into the GEMM's epilogue. Each element of the merged result is
//! the same dot product over K as before, so the numbers do not change.
//!
//! Not merged: weights that are not constants (a MatMul of two activations), a group of one,
//! integer or sub-byte weights, inputs of rank 1 (the result has no N axis to split).

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::rebuild;
use edgecc_ir::{BinaryOp, DType, Graph, NodeId, Op, TensorData, ValueDef, ValueId};
use std::collections::{HashMap, HashSet};

/// The sibling-MatMul merging pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct MergeMatMul;

const NAME: &str = "merge_matmul";

/// One MatMul of a group.
struct Member {
    node: NodeId,
    /// Its weight `[K, N]`.
    weight: TensorData,
    /// The bias `Add` that is its only consumer, and the bias `[N]`.
    bias: Option<(NodeId, TensorData)>,
}

/// The constant data `v` holds, when a `Constant` node defines it.
fn constant_of(g: &Graph, v: ValueId) -> Option<&TensorData> {
    match g.value(v).def {
        ValueDef::Node { node, .. } => match g.node(node).op {
            Op::Constant(c) => Some(&g.constant(c).data),
            _ => None,
        },
        _ => None,
    }
}

fn float(d: DType) -> bool {
    matches!(d, DType::F32 | DType::F16 | DType::BF16)
}

/// The groups of mergeable MatMuls, in the order of their first member.
fn groups(g: &Graph) -> Vec<Vec<Member>> {
    let mut readers: HashMap<ValueId, Vec<NodeId>> = HashMap::new();
    for (i, n) in g.nodes().iter().enumerate() {
        for &v in &n.inputs {
            readers.entry(v).or_default().push(NodeId(i as u32));
        }
    }
    let outputs: Vec<ValueId> = g.outputs().to_vec();
    // Members by (input, K, dtype), in first-member order.
    let mut groups: Vec<Vec<Member>> = Vec::new();
    let mut index: HashMap<(ValueId, u64, DType), usize> = HashMap::new();
    for (i, n) in g.nodes().iter().enumerate() {
        if n.op != Op::MatMul || n.inputs.len() != 2 {
            continue;
        }
        let (x, w) = (n.inputs[0], n.inputs[1]);
        let Some(wd) = constant_of(g, w) else { continue };
        let xt = g.ty(x);
        let (Some(k), 2, true) = (
            xt.shape.dims().last().and_then(|d| d.as_static()),
            wd.shape().len(),
            xt.shape.rank() >= 2,
        ) else {
            continue;
        };
        if wd.dtype() != xt.dtype || !float(wd.dtype()) || wd.shape()[0] as u64 != k || wd.shape()[1] == 0 {
            continue;
        }
        let out = n.outputs[0];
        let bias = match readers.get(&out).map(Vec::as_slice) {
            Some(&[a]) if !outputs.contains(&out) => {
                let add = g.node(a);
                let other = add.inputs.iter().copied().find(|&v| v != out);
                match (&add.op, other, add.inputs.len()) {
                    (Op::Binary(BinaryOp::Add), Some(b), 2) => constant_of(g, b)
                        .filter(|bd| bd.dtype() == wd.dtype() && bd.shape() == [wd.shape()[1]])
                        .map(|bd| (a, bd.clone())),
                    _ => None,
                }
            }
            _ => None,
        };
        let gi = *index.entry((x, k, wd.dtype())).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[gi].push(Member {
            node: NodeId(i as u32),
            weight: wd.clone(),
            bias,
        });
    }
    groups.retain(|m| m.len() >= 2);
    groups
}

/// `[K, N_0 + N_1 + ..]` from weights `[K, N_i]` (row-major), element by element.
fn concat_columns(ws: &[&TensorData]) -> Result<TensorData, String> {
    let dtype = ws[0].dtype();
    let k = ws[0].shape()[0];
    let esize = ws[0].bytes().len() / ws[0].numel().max(1);
    let n: usize = ws.iter().map(|w| w.shape()[1]).sum();
    let mut bytes = Vec::with_capacity(k * n * esize);
    for r in 0..k {
        for w in ws {
            let row = w.shape()[1] * esize;
            bytes.extend_from_slice(&w.bytes()[r * row..(r + 1) * row]);
        }
    }
    TensorData::from_bytes(dtype, vec![k, n], bytes).map_err(|e| e.to_string())
}

/// `[N_0 + N_1 + ..]` from biases `[N_i]`.
fn concat_biases(bs: &[&TensorData]) -> Result<TensorData, String> {
    let bytes: Vec<u8> = bs.iter().flat_map(|b| b.bytes().iter().copied()).collect();
    let n = bs.iter().map(|b| b.numel()).sum();
    TensorData::from_bytes(bs[0].dtype(), vec![n], bytes).map_err(|e| e.to_string())
}

impl Pass for MergeMatMul {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, g: &Graph, _ctx: &PassContext) -> Result<Graph, PassError> {
        let groups = groups(g);
        if groups.is_empty() {
            return Ok(g.clone());
        }
        let fail = |msg: String| PassError::Pass { pass: NAME.into(), msg };
        // The node each group is built at (its first member), and the nodes it replaces.
        let mut at: HashMap<NodeId, usize> = HashMap::new();
        let mut replaced: HashSet<NodeId> = HashSet::new();
        for (gi, m) in groups.iter().enumerate() {
            at.insert(m[0].node, gi);
            let with_bias = m.iter().all(|x| x.bias.is_some());
            for x in m {
                replaced.insert(x.node);
                if let (true, Some((a, _))) = (with_bias, &x.bias) {
                    replaced.insert(*a);
                }
            }
        }
        rebuild(NAME, g, |rb| {
            for i in 0..g.nodes().len() {
                let id = NodeId(i as u32);
                if let Some(&gi) = at.get(&id) {
                    let m = &groups[gi];
                    let first = g.node(m[0].node);
                    let x = rb.get(first.inputs[0]).map_err(|e| PassError::ir(NAME, e))?;
                    let ws: Vec<&TensorData> = m.iter().map(|x| &x.weight).collect();
                    let wcat = concat_columns(&ws).map_err(fail)?;
                    let sizes: Vec<u64> = ws.iter().map(|w| w.shape()[1] as u64).collect();
                    let base = format!("{}_merged", first.name);
                    let w = rb
                        .add_const(&format!("{base}_w"), wcat)
                        .map_err(|e| PassError::ir(NAME, e))?;
                    let mut y = rb
                        .add_node(&base, Op::MatMul, &[x, w])
                        .map_err(|e| PassError::ir(NAME, e))?[0];
                    let with_bias = m.iter().all(|x| x.bias.is_some());
                    if with_bias {
                        let bs: Vec<&TensorData> = m.iter().filter_map(|x| x.bias.as_ref().map(|(_, b)| b)).collect();
                        let b = rb
                            .add_const(&format!("{base}_b"), concat_biases(&bs).map_err(fail)?)
                            .map_err(|e| PassError::ir(NAME, e))?;
                        y = rb
                            .add_node(&format!("{base}_bias"), Op::Binary(BinaryOp::Add), &[y, b])
                            .map_err(|e| PassError::ir(NAME, e))?[0];
                    }
                    let parts = rb
                        .add_node(&format!("{base}_split"), Op::Split { axis: -1, sizes }, &[y])
                        .map_err(|e| PassError::ir(NAME, e))?;
                    for (x, &part) in m.iter().zip(&parts) {
                        let old = match (&x.bias, with_bias) {
                            (Some((a, _)), true) => g.node(*a).outputs[0],
                            _ => g.node(x.node).outputs[0],
                        };
                        rb.alias(old, part);
                    }
                }
                if !replaced.contains(&id) {
                    rb.copy_node(id).map_err(|e| PassError::ir(NAME, e))?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests;
