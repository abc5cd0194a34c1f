//! The graph: an arena of nodes, values and constants addressed by typed ids.
//!
//! Values are produced either by a graph input or by exactly one node output. Nodes are kept in
//! topological order: [`Graph::add_node`] only accepts inputs that already exist, and the
//! verifier ([`crate::verify`]) checks the order for graphs edited through [`Graph::node_mut`].
//! Every node's output types are inferred when it is added ([`crate::infer`]).

use crate::error::{IrError, Result};
use crate::infer::infer;
use crate::op::Op;
use crate::shape::{Dim, Shape};
use crate::tensor::TensorData;
use crate::DType;
use std::collections::HashMap;
use std::fmt;

/// Index of a node in [`Graph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of a value in the graph's value table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub u32);

/// Index of a constant (weight) in the graph's constant table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl ValueId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl ConstId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The type of a value: element type and shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    pub dtype: DType,
    pub shape: Shape,
}

impl TensorType {
    pub fn new(dtype: DType, shape: Shape) -> Self {
        TensorType { dtype, shape }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dtype, self.shape)
    }
}

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    /// The `i`-th graph input.
    Input(u32),
    /// Output `output` of node `node`.
    Node { node: NodeId, output: u32 },
}

/// A value: its name, type and definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub name: String,
    pub ty: TensorType,
    pub def: ValueDef,
}

/// A node: an op applied to input values, defining output values.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Unique within the graph (ONNX node name, or generated).
    pub name: String,
    pub op: Op,
    pub inputs: Vec<ValueId>,
    pub outputs: Vec<ValueId>,
}

/// A named constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    pub name: String,
    pub data: TensorData,
}

/// A computation graph.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Graph {
    name: String,
    nodes: Vec<Node>,
    values: Vec<Value>,
    consts: Vec<Constant>,
    inputs: Vec<ValueId>,
    outputs: Vec<ValueId>,
    value_names: HashMap<String, ValueId>,
    node_names: HashMap<String, NodeId>,
}

impl Graph {
    /// An empty graph.
    pub fn new(name: impl Into<String>) -> Self {
        Graph {
            name: name.into(),
            ..Default::default()
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Mutable access for passes and tests; run [`crate::verify`] afterwards.
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn value(&self, id: ValueId) -> &Value {
        &self.values[id.index()]
    }

    /// Mutable access for passes and tests; run [`crate::verify`] afterwards.
    pub fn value_mut(&mut self, id: ValueId) -> &mut Value {
        &mut self.values[id.index()]
    }

    /// The type of a value.
    pub fn ty(&self, id: ValueId) -> &TensorType {
        &self.values[id.index()].ty
    }

    pub fn consts(&self) -> &[Constant] {
        &self.consts
    }

    pub fn constant(&self, id: ConstId) -> &Constant {
        &self.consts[id.index()]
    }

    pub fn inputs(&self) -> &[ValueId] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[ValueId] {
        &self.outputs
    }

    /// Looks a value up by name.
    pub fn find_value(&self, name: &str) -> Option<ValueId> {
        self.value_names.get(name).copied()
    }

    /// Looks a node up by name.
    pub fn find_node(&self, name: &str) -> Option<NodeId> {
        self.node_names.get(name).copied()
    }

    /// Total bytes of all constants.
    pub fn weights_bytes(&self) -> usize {
        self.consts.iter().map(|c| c.data.bytes().len()).sum()
    }

    fn check_new_value_name(&self, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(IrError::Graph {
                graph: self.name.clone(),
                msg: "value names must not be empty".into(),
            });
        }
        if self.value_names.contains_key(name) {
            return Err(IrError::Value {
                value: name.into(),
                msg: "defined twice; every value is defined exactly once".into(),
            });
        }
        Ok(())
    }

    /// A name not used by any value or node yet, derived from `base`.
    pub fn fresh_name(&self, base: &str) -> String {
        let base = if base.is_empty() { "v" } else { base };
        if !self.value_names.contains_key(base) && !self.node_names.contains_key(base) {
            return base.to_string();
        }
        (self.values.len() + self.nodes.len()..)
            .map(|i| format!("{base}_{i}"))
            .find(|n| !self.value_names.contains_key(n) && !self.node_names.contains_key(n))
            .unwrap_or_else(|| base.to_string())
    }

    /// Adds a graph input.
    pub fn add_input(&mut self, name: impl Into<String>, dtype: DType, shape: Shape) -> Result<ValueId> {
        let name = name.into();
        self.check_new_value_name(&name)?;
        let id = ValueId(self.values.len() as u32);
        self.values.push(Value {
            name: name.clone(),
            ty: TensorType::new(dtype, shape),
            def: ValueDef::Input(self.inputs.len() as u32),
        });
        self.value_names.insert(name, id);
        self.inputs.push(id);
        Ok(id)
    }

    /// Stores a constant tensor (once) and returns its id. Use [`Graph::add_const_value`] to also
    /// get a value that reads it.
    pub fn add_constant(&mut self, name: impl Into<String>, data: TensorData) -> ConstId {
        let id = ConstId(self.consts.len() as u32);
        self.consts.push(Constant {
            name: name.into(),
            data,
        });
        id
    }

    /// Stores a constant and adds a `Constant` node whose output (named `name`) reads it.
    pub fn add_const_value(&mut self, name: impl Into<String>, data: TensorData) -> Result<ValueId> {
        let name = name.into();
        self.check_new_value_name(&name)?;
        let c = self.add_constant(name.clone(), data);
        let node_name = self.fresh_name(&format!("{name}_const"));
        let outs = self.add_node_named(&node_name, Op::Constant(c), &[], &[name])?;
        Ok(outs[0])
    }

    /// Adds a node with generated names; returns its output values. A single output takes the
    /// node's name (`matmul_12`); several take `<node>_out<i>`.
    pub fn add_node(&mut self, op: Op, inputs: &[ValueId]) -> Result<Vec<ValueId>> {
        let base = op.name().to_ascii_lowercase();
        let node_name = self.fresh_name(&base);
        let n = op.num_outputs();
        let mut out_names: Vec<String> = Vec::with_capacity(n);
        for i in 0..n {
            // `node_name` is fresh among values and nodes, so a single output can share it.
            let mut candidate = if n == 1 {
                node_name.clone()
            } else {
                self.fresh_name(&format!("{node_name}_out{i}"))
            };
            while out_names.contains(&candidate) {
                candidate = format!("{candidate}_");
            }
            out_names.push(candidate);
        }
        self.add_node_named(&node_name, op, inputs, &out_names)
    }

    /// Adds a node with the given node and output names; infers the output types.
    /// Errors name the node and say what is wrong; the graph is unchanged on error.
    pub fn add_node_named(
        &mut self,
        node_name: &str,
        op: Op,
        inputs: &[ValueId],
        output_names: &[String],
    ) -> Result<Vec<ValueId>> {
        let node_err = |msg: String| IrError::Node {
            node: node_name.to_string(),
            op: op.name(),
            msg,
        };
        if self.node_names.contains_key(node_name) {
            return Err(node_err("a node with this name already exists".into()));
        }
        if output_names.len() != op.num_outputs() {
            return Err(node_err(format!(
                "has {} output names but the op produces {} outputs",
                output_names.len(),
                op.num_outputs()
            )));
        }
        for (i, n) in output_names.iter().enumerate() {
            self.check_new_value_name(n)?;
            if output_names[..i].contains(n) {
                return Err(node_err(format!("output name `{n}` given twice")));
            }
        }
        let mut in_types = Vec::with_capacity(inputs.len());
        for &v in inputs {
            match self.values.get(v.index()) {
                Some(val) => in_types.push(val.ty.clone()),
                None => return Err(node_err(format!("input value id {} does not exist", v.0))),
            }
        }
        let out_types = infer(&op, &in_types, &self.consts).map_err(node_err)?;
        let node_id = NodeId(self.nodes.len() as u32);
        let mut outs = Vec::with_capacity(out_types.len());
        for (i, (ty, name)) in out_types.into_iter().zip(output_names).enumerate() {
            let id = ValueId(self.values.len() as u32);
            self.values.push(Value {
                name: name.clone(),
                ty,
                def: ValueDef::Node {
                    node: node_id,
                    output: i as u32,
                },
            });
            self.value_names.insert(name.clone(), id);
            outs.push(id);
        }
        self.nodes.push(Node {
            name: node_name.to_string(),
            op,
            inputs: inputs.to_vec(),
            outputs: outs.clone(),
        });
        self.node_names.insert(node_name.to_string(), node_id);
        Ok(outs)
    }

    /// Marks a value as a graph output (in order).
    pub fn add_output(&mut self, v: ValueId) -> Result<()> {
        if v.index() >= self.values.len() {
            return Err(IrError::Graph {
                graph: self.name.clone(),
                msg: format!("output value id {} does not exist", v.0),
            });
        }
        self.outputs.push(v);
        Ok(())
    }

    /// Replaces the output list (for passes).
    pub fn set_outputs(&mut self, outputs: Vec<ValueId>) {
        self.outputs = outputs;
    }

    /// Changes the shape of a graph input (e.g. to specialize a symbolic dim) and re-infers every
    /// node's output types. On error the graph is left unchanged.
    /// A symbolic dim that changes (specialized to a value, or given another bound) changes in
    /// the ops' attributes too (`Crop`'s shape), matched by name.
    pub fn with_input_shapes(&self, shapes: &[(ValueId, Shape)]) -> Result<Graph> {
        let mut g = self.clone();
        let mut renamed: std::collections::BTreeMap<String, Dim> = std::collections::BTreeMap::new();
        for (v, s) in shapes {
            for (old, new) in g.values[v.index()].ty.shape.dims().iter().zip(s.dims()) {
                if let Dim::Sym { name, .. } = old {
                    if old != new {
                        renamed.insert(name.clone(), new.clone());
                    }
                }
            }
            g.values[v.index()].ty.shape = s.clone();
        }
        if !renamed.is_empty() {
            for node in &mut g.nodes {
                for d in node.op.attr_dims_mut() {
                    if let Dim::Sym { name, .. } = d {
                        if let Some(new) = renamed.get(name) {
                            *d = new.clone();
                        }
                    }
                }
            }
        }
        g.reinfer()?;
        Ok(g)
    }

    /// Re-runs type inference on every node in order, updating output types.
    pub fn reinfer(&mut self) -> Result<()> {
        for ni in 0..self.nodes.len() {
            let node = &self.nodes[ni];
            let in_types: Vec<TensorType> = node.inputs.iter().map(|v| self.values[v.index()].ty.clone()).collect();
            let out = infer(&node.op, &in_types, &self.consts).map_err(|msg| IrError::Node {
                node: node.name.clone(),
                op: node.op.name(),
                msg,
            })?;
            let outs = node.outputs.clone();
            for (v, t) in outs.into_iter().zip(out) {
                self.values[v.index()].ty = t;
            }
        }
        Ok(())
    }

    /// Specializes symbolic dims by name everywhere (inputs and inferred values).
    pub fn specialize(&self, values: &std::collections::BTreeMap<String, u64>) -> Result<Graph> {
        let shapes: Vec<(ValueId, Shape)> = self
            .inputs
            .iter()
            .map(|&v| (v, self.values[v.index()].ty.shape.specialize(values)))
            .collect();
        self.with_input_shapes(&shapes)
    }
}
