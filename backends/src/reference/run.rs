//! Running a whole graph: [`run`] on raw [`TensorData`], [`run_tensors`] on decoded tensors.
//!
//! Inputs are checked against the graph's input types (dtype, rank, static extents; every
//! symbolic dim bound to one extent no larger than its maximum). Nodes run in their (topological)
//! order; a value is dropped right after its last use. Each node's outputs are checked against the
//! types the graph recorded for them, so a wrong shape inference shows up at the node that caused
//! it.

use super::error::RefError;
use super::eval::eval_op;
use super::tensor::Tensor;
use edgecc_ir::{Dim, Graph, Node, Shape, TensorData};
use std::collections::HashMap;

/// Runs `graph` on `inputs` (one per graph input, in order); returns the graph's outputs in order.
pub fn run(graph: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>, RefError> {
    let ts = inputs.iter().map(Tensor::from_data).collect();
    Ok(run_tensors(graph, ts)?.iter().map(Tensor::to_data).collect())
}

/// Binds symbolic dims of `shape` to the extents in `got`, checking static extents.
fn bind_shape(input: &str, shape: &Shape, got: &[usize], syms: &mut HashMap<String, usize>) -> Result<(), RefError> {
    let shape_err = |msg: String| RefError::InputShape {
        input: input.to_string(),
        expected: shape.to_string(),
        got: got.to_vec(),
        msg,
    };
    if shape.rank() != got.len() {
        return Err(shape_err(format!("rank {} instead of {}", got.len(), shape.rank())));
    }
    for (i, (d, &g)) in shape.dims().iter().zip(got).enumerate() {
        match d {
            Dim::Static(n) => {
                if *n != g as u64 {
                    return Err(shape_err(format!("axis {i} has extent {g} instead of {n}")));
                }
            }
            Dim::Sym { name, max } => {
                let sym_err = |msg: String| RefError::SymbolicDim {
                    input: input.to_string(),
                    name: name.clone(),
                    msg,
                };
                if g as u64 > *max {
                    return Err(sym_err(format!("axis {i} has extent {g}, above the maximum {max}")));
                }
                match syms.get(name) {
                    Some(&b) if b != g => {
                        return Err(sym_err(format!(
                            "axis {i} has extent {g}, but `{name}` is already bound to {b} by an earlier axis or input"
                        )))
                    }
                    _ => {
                        syms.insert(name.clone(), g);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks a node's actual output against the type the graph recorded for it.
fn check_output(graph: &Graph, node: &Node, k: usize, t: &Tensor, syms: &HashMap<String, usize>) -> Result<(), String> {
    let v = graph.value(node.outputs[k]);
    if t.dtype != v.ty.dtype {
        return Err(format!(
            "output {k} (`{}`) is {} but the graph records {}",
            v.name, t.dtype, v.ty.dtype
        ));
    }
    let mismatch = || {
        format!(
            "output {k} (`{}`) has shape {:?} but the graph records {}",
            v.name, t.shape, v.ty.shape
        )
    };
    if v.ty.shape.rank() != t.shape.len() {
        return Err(mismatch());
    }
    for (d, &g) in v.ty.shape.dims().iter().zip(&t.shape) {
        let ok = match d {
            Dim::Static(n) => *n == g as u64,
            Dim::Sym { name, max } => g as u64 <= *max && syms.get(name).is_none_or(|&b| b == g),
        };
        if !ok {
            return Err(mismatch());
        }
    }
    Ok(())
}

/// Runs `graph` on decoded tensors; see [`run`].
pub fn run_tensors(graph: &Graph, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, RefError> {
    if inputs.len() != graph.inputs().len() {
        return Err(RefError::InputCount {
            graph: graph.name().to_string(),
            expected: graph.inputs().len(),
            got: inputs.len(),
        });
    }
    let graph_err = |msg: String| RefError::Graph {
        graph: graph.name().to_string(),
        msg,
    };
    let nvals = graph.values().len();
    let mut vals: Vec<Option<Tensor>> = vec![None; nvals];
    let mut syms: HashMap<String, usize> = HashMap::new();
    for (&id, t) in graph.inputs().iter().zip(inputs) {
        let v = graph
            .values()
            .get(id.index())
            .ok_or_else(|| graph_err(format!("input value id {} does not exist", id.0)))?;
        if t.dtype != v.ty.dtype {
            return Err(RefError::InputDType {
                input: v.name.clone(),
                expected: v.ty.dtype,
                got: t.dtype,
            });
        }
        bind_shape(&v.name, &v.ty.shape, &t.shape, &mut syms)?;
        vals[id.index()] = Some(t);
    }
    // Index of the last node reading each value; graph outputs are never dropped.
    const KEEP: usize = usize::MAX;
    let mut last_use: Vec<Option<usize>> = vec![None; nvals];
    for (ni, node) in graph.nodes().iter().enumerate() {
        for v in &node.inputs {
            if let Some(slot) = last_use.get_mut(v.index()) {
                *slot = Some(ni);
            }
        }
    }
    for v in graph.outputs() {
        let slot = last_use
            .get_mut(v.index())
            .ok_or_else(|| graph_err(format!("output value id {} does not exist", v.0)))?;
        *slot = Some(KEEP);
    }
    for (ni, node) in graph.nodes().iter().enumerate() {
        let node_err = |msg: String| RefError::Node {
            node: node.name.clone(),
            op: node.op.name(),
            msg,
        };
        let outs = {
            let mut args: Vec<&Tensor> = Vec::with_capacity(node.inputs.len());
            for v in &node.inputs {
                let t = vals.get(v.index()).and_then(Option::as_ref).ok_or_else(|| {
                    node_err(format!(
                        "input value id {} is not defined before this node; run the verifier",
                        v.0
                    ))
                })?;
                args.push(t);
            }
            eval_op(&node.op, &args, graph.consts()).map_err(node_err)?
        };
        if outs.len() != node.outputs.len() {
            return Err(RefError::Internal {
                node: node.name.clone(),
                op: node.op.name(),
                msg: format!(
                    "produced {} outputs but the node has {}",
                    outs.len(),
                    node.outputs.len()
                ),
            });
        }
        for v in &node.inputs {
            if last_use[v.index()] == Some(ni) {
                vals[v.index()] = None;
            }
        }
        for (k, t) in outs.into_iter().enumerate() {
            let id = node.outputs[k];
            if id.index() >= nvals {
                return Err(node_err(format!("output value id {} does not exist", id.0)));
            }
            check_output(graph, node, k, &t, &syms).map_err(|msg| RefError::Internal {
                node: node.name.clone(),
                op: node.op.name(),
                msg,
            })?;
            if last_use[id.index()].is_some() {
                vals[id.index()] = Some(t);
            }
        }
    }
    graph
        .outputs()
        .iter()
        .map(|v| {
            vals[v.index()]
                .clone()
                .ok_or_else(|| graph_err(format!("output value id {} is never computed", v.0)))
        })
        .collect()
}
