//! The verifier: checks a graph's structural and type invariants.
//!
//! Every value is defined exactly once (by a graph input or one node output) and its recorded
//! definition agrees; nodes are in topological order; names are unique; every node's recorded
//! output types equal what inference computes from its inputs (which also checks arity, dtypes
//! and attribute ranges); graph outputs exist. Errors name the node or value and say what is wrong.

use crate::error::{IrError, Result};
use crate::graph::{Graph, NodeId, ValueDef, ValueId};
use crate::infer::infer;
use std::collections::HashSet;

/// Checks `g`; returns the first problem found.
pub fn verify(g: &Graph) -> Result<()> {
    let graph_err = |msg: String| IrError::Graph {
        graph: g.name().to_string(),
        msg,
    };
    let nv = g.values().len();
    let value_name = |v: ValueId| value_name(g, v);
    // Where each value is defined: None = not yet seen.
    let mut defined: Vec<Option<ValueDef>> = vec![None; nv];
    for (i, &v) in g.inputs().iter().enumerate() {
        define(g, &mut defined, v, ValueDef::Input(i as u32))?;
    }
    let mut node_names = HashSet::new();
    for (ni, node) in g.nodes().iter().enumerate() {
        let node_err = |msg: String| IrError::Node {
            node: node.name.clone(),
            op: node.op.name(),
            msg,
        };
        if !node_names.insert(node.name.as_str()) {
            return Err(node_err("node name is used twice".into()));
        }
        let mut in_types = Vec::with_capacity(node.inputs.len());
        for (k, &v) in node.inputs.iter().enumerate() {
            if v.index() >= nv {
                return Err(node_err(format!(
                    "input {k} refers to value id {} which does not exist",
                    v.0
                )));
            }
            if defined[v.index()].is_none() {
                return Err(node_err(format!(
                    "input {k} `{}` is used before it is defined (nodes must be in topological order)",
                    value_name(v)
                )));
            }
            in_types.push(g.ty(v).clone());
        }
        let expected = infer(&node.op, &in_types, g.consts()).map_err(&node_err)?;
        if expected.len() != node.outputs.len() {
            return Err(node_err(format!(
                "has {} outputs but the op produces {}",
                node.outputs.len(),
                expected.len()
            )));
        }
        for (k, (&v, want)) in node.outputs.iter().zip(&expected).enumerate() {
            define(
                g,
                &mut defined,
                v,
                ValueDef::Node {
                    node: NodeId(ni as u32),
                    output: k as u32,
                },
            )?;
            if g.ty(v) != want {
                return Err(node_err(format!(
                    "output {k} `{}` is recorded as {} but its inputs give {want}",
                    value_name(v),
                    g.ty(v)
                )));
            }
        }
    }
    if let Some(v) = (0..nv).find(|&i| defined[i].is_none()) {
        return Err(IrError::Value {
            value: value_name(ValueId(v as u32)),
            msg: "is never defined".into(),
        });
    }
    let mut names = HashSet::new();
    for v in g.values() {
        if v.name.is_empty() {
            return Err(graph_err("a value has an empty name".into()));
        }
        if !names.insert(v.name.as_str()) {
            return Err(IrError::Value {
                value: v.name.clone(),
                msg: "name is used by two values".into(),
            });
        }
    }
    if g.outputs().is_empty() {
        return Err(graph_err("has no outputs".into()));
    }
    for &o in g.outputs() {
        if o.index() >= nv {
            return Err(graph_err(format!(
                "output refers to value id {} which does not exist",
                o.0
            )));
        }
    }
    Ok(())
}

fn value_name(g: &Graph, v: ValueId) -> String {
    g.values()
        .get(v.index())
        .map(|x| x.name.clone())
        .unwrap_or(format!("#{}", v.0))
}

/// Records the definition of `v`, checking it is the first and agrees with the value's record.
fn define(g: &Graph, defined: &mut [Option<ValueDef>], v: ValueId, def: ValueDef) -> Result<()> {
    let slot = defined.get_mut(v.index()).ok_or_else(|| IrError::Graph {
        graph: g.name().to_string(),
        msg: format!("value id {} does not exist", v.0),
    })?;
    if slot.is_some() {
        return Err(IrError::Value {
            value: value_name(g, v),
            msg: "defined more than once".into(),
        });
    }
    if g.value(v).def != def {
        return Err(IrError::Value {
            value: value_name(g, v),
            msg: format!("records definition {:?} but is defined by {:?}", g.value(v).def, def),
        });
    }
    *slot = Some(def);
    Ok(())
}
