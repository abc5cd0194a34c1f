//! [`Rebuilder`]: builds a pass's result graph from the old one, node by node.
//!
//! A pass walks the old graph's nodes in (topological) order and, for each, either copies it
//! ([`Rebuilder::copy_node`]), replaces it by another op keeping its names
//! ([`Rebuilder::replace_node`], [`Rebuilder::replace_with_const`]), maps its outputs onto values
//! that already exist ([`Rebuilder::alias`]), or drops it (does nothing). Every node added goes
//! through [`Graph::add_node_named`], so output types are re-inferred, and the result keeps the
//! old graph's name, its inputs (names, types, order) and its output names.
//!
//! Names: copied and replaced nodes and values keep their old names; new ones get names unused in
//! both graphs ([`Rebuilder::fresh_name`]). Constants are copied lazily, when a `Constant` node
//! that reads them is added, so constants nothing reads are dropped. `ConstId`s in ops handed to
//! the rebuilder refer to the old graph's constant table.
//!
//! Outputs ([`Rebuilder::finish`]): when an output value was aliased to a value with another name,
//! that value is renamed to the output's name if it is defined by a node and not an output under
//! its own name; otherwise (a graph input, or a value that is also another output) an `Identity`
//! node with the output's name is added — the only case where a pass leaves an `Identity`.

use crate::error::PassError;
use edgecc_ir::text::default_node_name;
use edgecc_ir::{ConstId, Graph, IrError, Node, NodeId, Op, TensorData, ValueDef, ValueId};
use std::collections::{HashMap, HashSet};

/// Result of the rebuilder's steps; errors are wrapped with the pass name by [`Rebuilder::finish`]
/// callers through [`PassError::ir`].
pub type Result<T> = std::result::Result<T, IrError>;

/// Builds a new graph from an old one; see the module docs.
#[derive(Debug)]
pub struct Rebuilder<'g> {
    old: &'g Graph,
    new: Graph,
    /// Old value → new value.
    map: Vec<Option<ValueId>>,
    /// Old constant → new constant (copied on first use).
    consts: HashMap<ConstId, ConstId>,
}

impl<'g> Rebuilder<'g> {
    /// Starts a new graph with `old`'s name and inputs.
    pub fn new(old: &'g Graph) -> Result<Self> {
        let mut new = Graph::new(old.name());
        let mut map = vec![None; old.values().len()];
        for &v in old.inputs() {
            let val = old.values().get(v.index()).ok_or_else(|| IrError::Graph {
                graph: old.name().to_string(),
                msg: format!("input value id {} does not exist", v.0),
            })?;
            let id = new.add_input(val.name.clone(), val.ty.dtype, val.ty.shape.clone())?;
            if let Some(slot) = map.get_mut(v.index()) {
                *slot = Some(id);
            }
        }
        Ok(Rebuilder {
            old,
            new,
            map,
            consts: HashMap::new(),
        })
    }

    /// The graph being rewritten.
    pub fn old(&self) -> &'g Graph {
        self.old
    }

    /// The new graph built so far (for type queries and for looking at producers).
    pub fn graph(&self) -> &Graph {
        &self.new
    }

    /// The new value standing for old value `v`; an error if `v` has not been defined yet (its
    /// node was dropped or comes later).
    pub fn get(&self, v: ValueId) -> Result<ValueId> {
        self.map
            .get(v.index())
            .copied()
            .flatten()
            .ok_or_else(|| IrError::Value {
                value: self
                    .old
                    .values()
                    .get(v.index())
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| format!("#{}", v.0)),
                msg: "is used but its definition was dropped by the pass".into(),
            })
    }

    /// True when old value `v` has a definition in the new graph.
    pub fn is_mapped(&self, v: ValueId) -> bool {
        self.map.get(v.index()).copied().flatten().is_some()
    }

    /// The new values standing for `node`'s inputs.
    pub fn inputs_of(&self, node: &Node) -> Result<Vec<ValueId>> {
        node.inputs.iter().map(|&v| self.get(v)).collect()
    }

    /// Makes old value `old` stand for new value `new` from now on.
    pub fn alias(&mut self, old: ValueId, new: ValueId) {
        if let Some(slot) = self.map.get_mut(old.index()) {
            *slot = Some(new);
        }
    }

    /// The node of the new graph that defines `v`, if a node does (not a graph input).
    pub fn producer(&self, v: ValueId) -> Option<&Node> {
        match self.new.values().get(v.index())?.def {
            ValueDef::Node { node, .. } => self.new.nodes().get(node.index()),
            ValueDef::Input(_) => None,
        }
    }

    /// A name used by no value or node of either graph, derived from `base`.
    pub fn fresh_name(&self, base: &str) -> String {
        let base = if base.is_empty() { "v" } else { base };
        let taken = |n: &str| {
            self.old.find_value(n).is_some()
                || self.old.find_node(n).is_some()
                || self.new.find_value(n).is_some()
                || self.new.find_node(n).is_some()
        };
        if !taken(base) {
            return base.to_string();
        }
        let mut i = 1usize;
        loop {
            let cand = format!("{base}_{i}");
            if !taken(&cand) {
                return cand;
            }
            i += 1;
        }
    }

    /// Maps a `Constant` op's id from the old constant table to the new one, copying the data on
    /// first use; other ops are returned unchanged.
    fn map_op(&mut self, op: Op) -> Result<Op> {
        let Op::Constant(c) = op else {
            return Ok(op);
        };
        if let Some(&n) = self.consts.get(&c) {
            return Ok(Op::Constant(n));
        }
        let constant = self.old.consts().get(c.index()).ok_or_else(|| IrError::Graph {
            graph: self.old.name().to_string(),
            msg: format!("constant #{} does not exist", c.0),
        })?;
        let n = self.new.add_constant(constant.name.clone(), constant.data.clone());
        self.consts.insert(c, n);
        Ok(Op::Constant(n))
    }

    /// Old node `id`, or an error if there is none.
    fn old_node(&self, id: NodeId) -> Result<&'g Node> {
        self.old.nodes().get(id.index()).ok_or_else(|| IrError::Graph {
            graph: self.old.name().to_string(),
            msg: format!("node id {} does not exist", id.0),
        })
    }

    /// The name of old value `v`, or an error if there is none.
    fn old_name(&self, v: ValueId) -> Result<&'g str> {
        let old = self.old;
        old.values()
            .get(v.index())
            .map(|x| x.name.as_str())
            .ok_or_else(|| IrError::Graph {
                graph: old.name().to_string(),
                msg: format!("value id {} does not exist", v.0),
            })
    }

    /// Copies old node `id` unchanged (same names, op, inputs mapped).
    pub fn copy_node(&mut self, id: NodeId) -> Result<()> {
        let node = self.old_node(id)?;
        let inputs = self.inputs_of(node)?;
        self.replace_node(id, node.op.clone(), &inputs)
    }

    /// Adds `op` on new values `inputs` in place of old node `id`, keeping the node's name and
    /// its output names; the old outputs map to the new ones. The op must produce as many outputs.
    pub fn replace_node(&mut self, id: NodeId, op: Op, inputs: &[ValueId]) -> Result<()> {
        let node = self.old_node(id)?;
        let names: Vec<String> = node
            .outputs
            .iter()
            .map(|&v| self.old_name(v).map(str::to_string))
            .collect::<Result<_>>()?;
        let op = self.map_op(op)?;
        let outs = self.new.add_node_named(&node.name, op, inputs, &names)?;
        for (&o, n) in node.outputs.iter().zip(outs) {
            self.alias(o, n);
        }
        Ok(())
    }

    /// Adds a new node with fresh names derived from `base`; returns its outputs (new ids).
    pub fn add_node(&mut self, base: &str, op: Op, inputs: &[ValueId]) -> Result<Vec<ValueId>> {
        let op = self.map_op(op)?;
        let node_name = self.fresh_name(base);
        let n = op.num_outputs();
        let mut names: Vec<String> = Vec::with_capacity(n);
        for i in 0..n {
            let mut cand = if n == 1 {
                node_name.clone()
            } else {
                self.fresh_name(&format!("{node_name}_out{i}"))
            };
            while names.contains(&cand) {
                cand.push('_');
            }
            names.push(cand);
        }
        self.new.add_node_named(&node_name, op, inputs, &names)
    }

    /// Adds a new constant holding `data` and a `Constant` node reading it, named fresh from
    /// `base`; returns its value.
    pub fn add_const(&mut self, base: &str, data: TensorData) -> Result<ValueId> {
        let name = self.fresh_name(base);
        let c = self.new.add_constant(name.clone(), data);
        let node_name = self.fresh_name(&format!("{name}_const"));
        let out = self
            .new
            .add_node_named(&node_name, Op::Constant(c), &[], std::slice::from_ref(&name))?;
        out.first().copied().ok_or_else(|| IrError::Value {
            value: name,
            msg: "the Constant node produced no output".into(),
        })
    }

    /// Defines old value `old` as a new constant holding `data`: a constant and a `Constant` node
    /// whose output keeps the old value's name. Returns the new value.
    pub fn replace_with_const(&mut self, old: ValueId, data: TensorData) -> Result<ValueId> {
        let name = self.old_name(old)?.to_string();
        let c = self.new.add_constant(name.clone(), data);
        let node_name = self.fresh_name(&format!("{name}_const"));
        let out = self
            .new
            .add_node_named(&node_name, Op::Constant(c), &[], std::slice::from_ref(&name))?;
        let v = out.first().copied().ok_or_else(|| IrError::Value {
            value: name,
            msg: "the Constant node produced no output".into(),
        })?;
        self.alias(old, v);
        Ok(v)
    }

    /// Finishes the graph: sets its outputs, keeping every output's name (see the module docs).
    pub fn finish(self) -> Result<Graph> {
        let old = self.old;
        let mut outs: Vec<(ValueId, &str)> = Vec::with_capacity(old.outputs().len());
        for &o in old.outputs() {
            let m = self.get(o)?;
            outs.push((m, old.value(o).name.as_str()));
        }
        let out_names: HashSet<&str> = outs.iter().map(|(_, n)| *n).collect();
        let mut renames: HashMap<ValueId, String> = HashMap::new();
        let mut identities: Vec<(ValueId, &str)> = Vec::new();
        for &(m, name) in &outs {
            let val = self.new.value(m);
            if val.name == name || renames.get(&m).is_some_and(|r| r == name) {
                continue;
            }
            let renamable = matches!(val.def, ValueDef::Node { .. })
                && !out_names.contains(val.name.as_str())
                && !renames.contains_key(&m);
            if renamable {
                renames.insert(m, name.to_string());
            } else {
                identities.push((m, name));
            }
        }
        let mut g = if renames.is_empty() {
            self.new
        } else {
            rename_values(&self.new, &renames)?
        };
        let mut id_of: HashMap<&str, ValueId> = HashMap::new();
        for (m, name) in identities {
            if id_of.contains_key(name) {
                continue;
            }
            let base = default_node_name(&Op::Identity, Some(name)).unwrap_or_else(|| name.to_string());
            let node_name = if g.find_node(&base).is_some() {
                g.fresh_name(&base)
            } else {
                base
            };
            let out = g.add_node_named(&node_name, Op::Identity, &[m], &[name.to_string()])?;
            if let Some(&v) = out.first() {
                id_of.insert(name, v);
            }
        }
        let final_outs: Vec<ValueId> = outs
            .iter()
            .map(|&(m, name)| id_of.get(name).copied().unwrap_or(m))
            .collect();
        for v in final_outs {
            g.add_output(v)?;
        }
        Ok(g)
    }
}

/// A copy of `g` (which has no outputs yet) with the values in `renames` renamed. A node whose
/// name was the default for its first output's old name takes the default for the new name, when
/// no other node has it.
fn rename_values(g: &Graph, renames: &HashMap<ValueId, String>) -> Result<Graph> {
    let mut out = Graph::new(g.name());
    let mut map: Vec<Option<ValueId>> = vec![None; g.values().len()];
    for &v in g.inputs() {
        let val = g.value(v);
        let id = out.add_input(val.name.clone(), val.ty.dtype, val.ty.shape.clone())?;
        map[v.index()] = Some(id);
    }
    for c in g.consts() {
        out.add_constant(c.name.clone(), c.data.clone());
    }
    let mut node_names: HashSet<String> = g.nodes().iter().map(|n| n.name.clone()).collect();
    for node in g.nodes() {
        let inputs: Vec<ValueId> = node
            .inputs
            .iter()
            .map(|&v| {
                map.get(v.index()).copied().flatten().ok_or_else(|| IrError::Value {
                    value: g.value(v).name.clone(),
                    msg: "used before its definition while renaming outputs".into(),
                })
            })
            .collect::<Result<_>>()?;
        let names: Vec<String> = node
            .outputs
            .iter()
            .map(|v| renames.get(v).cloned().unwrap_or_else(|| g.value(*v).name.clone()))
            .collect();
        let mut node_name = node.name.clone();
        if let (Some(&first), Some(new_first)) = (node.outputs.first(), names.first()) {
            let old_default = default_node_name(&node.op, Some(&g.value(first).name));
            let new_default = default_node_name(&node.op, Some(new_first));
            if renames.contains_key(&first) && old_default.as_deref() == Some(node.name.as_str()) {
                if let Some(d) = new_default.filter(|d| !node_names.contains(d)) {
                    node_names.insert(d.clone());
                    node_name = d;
                }
            }
        }
        // Constant ids are the same: the table was copied in order.
        let ids = out.add_node_named(&node_name, node.op.clone(), &inputs, &names)?;
        for (&o, n) in node.outputs.iter().zip(ids) {
            map[o.index()] = Some(n);
        }
    }
    Ok(out)
}

/// Runs `f` on a fresh [`Rebuilder`] for `g` and finishes it, wrapping IR errors with `pass`.
pub fn rebuild(
    pass: &str,
    g: &Graph,
    f: impl FnOnce(&mut Rebuilder<'_>) -> std::result::Result<(), PassError>,
) -> std::result::Result<Graph, PassError> {
    let mut rb = Rebuilder::new(g).map_err(|e| PassError::ir(pass, e))?;
    f(&mut rb)?;
    rb.finish().map_err(|e| PassError::ir(pass, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{verify, BinaryOp, DType, Shape, UnaryOp};

    fn sample() -> Graph {
        let mut g = Graph::new("s");
        let x = g.add_input("x", DType::F32, Shape::of(&[2, 3])).unwrap();
        let w = g
            .add_const_value("w", TensorData::from_f32(DType::F32, vec![2, 3], &[1.0; 6]).unwrap())
            .unwrap();
        g.add_constant("unused", TensorData::scalar(DType::I8, 1.0));
        let a = g.add_node(Op::Binary(BinaryOp::Add), &[x, w]).unwrap()[0];
        let r = g.add_node(Op::Unary(UnaryOp::Relu), &[a]).unwrap()[0];
        g.add_output(r).unwrap();
        g.add_output(a).unwrap();
        verify(&g).unwrap();
        g
    }

    #[test]
    fn copy_all_is_identity_except_unused_constants() {
        let g = sample();
        let mut rb = Rebuilder::new(&g).unwrap();
        for i in 0..g.nodes().len() {
            rb.copy_node(NodeId(i as u32)).unwrap();
        }
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        assert_eq!(h.nodes(), g.nodes());
        assert_eq!(h.consts().len(), 1, "the unused constant is dropped");
        assert_eq!(h.consts()[0].name, "w");
        assert_eq!(h.values(), g.values());
        assert_eq!(h.outputs(), g.outputs());
    }

    #[test]
    fn aliased_output_renames_the_replacement() {
        // relu's output is an output; alias it to `add` would clash with output `add`, so an
        // Identity is needed; aliasing to an intermediate renames that value instead.
        let mut g = Graph::new("s");
        let x = g.add_input("x", DType::F32, Shape::of(&[4])).unwrap();
        let n = g.add_node(Op::Unary(UnaryOp::Neg), &[x]).unwrap()[0];
        let i = g.add_node(Op::Identity, &[n]).unwrap()[0];
        g.add_output(i).unwrap();
        let mut rb = Rebuilder::new(&g).unwrap();
        rb.copy_node(NodeId(0)).unwrap();
        let nn = rb.get(n).unwrap();
        rb.alias(i, nn);
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        assert_eq!(h.nodes().len(), 1);
        assert_eq!(h.value(h.outputs()[0]).name, "identity");
        assert_eq!(
            h.nodes()[0].name,
            "identity",
            "the node takes the default name of its new output"
        );
        assert!(matches!(h.nodes()[0].op, Op::Unary(UnaryOp::Neg)));
    }

    #[test]
    fn output_aliased_to_input_or_other_output_keeps_an_identity() {
        let g = sample();
        let x = g.inputs()[0];
        let (r, a) = (g.outputs()[0], g.outputs()[1]);
        // Both outputs stand for values that cannot be renamed: the input, and `add` (an output).
        let mut rb = Rebuilder::new(&g).unwrap();
        for i in 0..2 {
            rb.copy_node(NodeId(i)).unwrap();
        }
        let xn = rb.get(x).unwrap();
        rb.alias(r, xn);
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        let names: Vec<&str> = h.outputs().iter().map(|&o| h.value(o).name.as_str()).collect();
        assert_eq!(names, ["relu", "add"]);
        assert!(matches!(h.node(h.find_node("relu").unwrap()).op, Op::Identity));
        assert_eq!(h.node(h.find_node("relu").unwrap()).inputs, vec![h.inputs()[0]]);

        let mut rb = Rebuilder::new(&g).unwrap();
        for i in 0..2 {
            rb.copy_node(NodeId(i)).unwrap();
        }
        let an = rb.get(a).unwrap();
        rb.alias(r, an);
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        let names: Vec<&str> = h.outputs().iter().map(|&o| h.value(o).name.as_str()).collect();
        assert_eq!(names, ["relu", "add"]);
    }

    #[test]
    fn two_outputs_on_one_value() {
        let mut g = Graph::new("s");
        let x = g.add_input("x", DType::F32, Shape::of(&[4])).unwrap();
        let n = g.add_node(Op::Unary(UnaryOp::Neg), &[x]).unwrap()[0];
        let p = g.add_node(Op::Unary(UnaryOp::Exp), &[n]).unwrap()[0];
        let q = g.add_node(Op::Unary(UnaryOp::Exp), &[n]).unwrap()[0];
        g.add_output(p).unwrap();
        g.add_output(q).unwrap();
        g.add_output(p).unwrap();
        let mut rb = Rebuilder::new(&g).unwrap();
        rb.copy_node(NodeId(0)).unwrap();
        let nn = rb.get(n).unwrap();
        // Both exps become `n` (as if CSE'd into it).
        rb.alias(p, nn);
        rb.alias(q, nn);
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        let names: Vec<&str> = h.outputs().iter().map(|&o| h.value(o).name.as_str()).collect();
        assert_eq!(names, ["exp", g.value(q).name.as_str(), "exp"]);
        assert_eq!(h.outputs()[0], h.outputs()[2]);
        assert_eq!(h.nodes().len(), 2, "one rename, one Identity");
    }

    #[test]
    fn dropped_definition_is_an_error_naming_the_value() {
        let g = sample();
        let mut rb = Rebuilder::new(&g).unwrap();
        rb.copy_node(NodeId(0)).unwrap();
        let err = rb.copy_node(NodeId(2)).unwrap_err();
        assert!(err.to_string().contains("add"), "{err}");
        let err = rb.finish().unwrap_err();
        assert!(err.to_string().contains("relu"), "{err}");
    }

    #[test]
    fn fresh_names_avoid_both_graphs_and_constants_replace_in_place() {
        let g = sample();
        let mut rb = Rebuilder::new(&g).unwrap();
        assert_eq!(rb.fresh_name("relu"), "relu_1");
        assert_eq!(rb.fresh_name("new"), "new");
        rb.copy_node(NodeId(0)).unwrap();
        let a = g.outputs()[1];
        let data = TensorData::from_f32(DType::F32, vec![2, 3], &[0.5; 6]).unwrap();
        let c = rb.replace_with_const(a, data.clone()).unwrap();
        assert_eq!(rb.graph().value(c).name, "add");
        rb.copy_node(NodeId(2)).unwrap();
        let h = rb.finish().unwrap();
        verify(&h).unwrap();
        assert_eq!(h.consts().last().map(|c| &c.data), Some(&data));
        assert_eq!(h.value(h.outputs()[1]).name, "add");
    }
}
