//! Model-local functions (`ModelProto.functions`), inlined before import.
//!
//! A node whose `(domain, op_type, overload)` names a function of the model, and whose op no
//! built-in table maps, is replaced by the function's nodes: formal inputs and outputs become the
//! node's actual values (an absent optional input stays absent), every other value and node gets
//! a fresh name under the calling node's name, attribute references (`ref_attr_name`) take the
//! calling node's attribute of that name or the function's default (`attribute_proto`), and are
//! dropped when neither is given. Calls inside a body are inlined the same way, up to
//! [`MAX_DEPTH`] levels; a function that calls itself is an error. The default-domain nodes of a
//! body are imported at the function's own default-domain opset (`FunctionProto.opset_import`,
//! else the model's).

use super::OPSETS;
use crate::error::OnnxError;
use crate::proto::{self, AttributeProto, FunctionProto, GraphProto, NodeProto};
use std::collections::{HashMap, HashSet};

/// The deepest nesting of function calls that is inlined.
pub(crate) const MAX_DEPTH: usize = 32;

/// The model's nodes with every function call inlined, and each node's default-domain opset.
pub(crate) struct Expanded {
    /// The graph's inputs, outputs, value infos and the inlined nodes (no initializers: the
    /// importer reads those from the model's graph).
    pub graph: GraphProto,
    pub opsets: Vec<i64>,
}

fn is_default(d: &str) -> bool {
    d.is_empty() || d == "ai.onnx"
}

/// Checks the opset versions of the domains with op tables: `com.microsoft` is version 1.
pub(crate) fn check_domains(model: &proto::ModelProto) -> Result<(), OnnxError> {
    for o in &model.opset_import {
        if o.domain() == super::contrib::MS_DOMAIN && o.version() != 1 {
            return Err(OnnxError::Graph(format!(
                "the model imports domain com.microsoft at version {}; onnxruntime's contrib ops are version 1",
                o.version()
            )));
        }
    }
    Ok(())
}

type Key = (String, String, String);

struct Inliner<'m> {
    functions: HashMap<Key, &'m FunctionProto>,
    /// Every value and node name in use.
    taken: HashSet<String>,
    supported: &'m dyn Fn(&str, &str) -> bool,
    out: Vec<NodeProto>,
    opsets: Vec<i64>,
}

impl<'m> Inliner<'m> {
    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut i = 1;
        while self.taken.contains(&name) {
            name = format!("{base}_{i}");
            i += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn function(&self, n: &NodeProto) -> Option<&'m FunctionProto> {
        let dom = if is_default(n.domain()) { "" } else { n.domain() };
        let key = (dom.to_string(), n.op_type().to_string(), n.overload().to_string());
        self.functions.get(&key).copied()
    }

    /// Adds `n` (at `opset`), inlining it when it calls a function the tables do not map.
    fn node(&mut self, n: NodeProto, opset: i64, stack: &mut Vec<Key>) -> Result<(), OnnxError> {
        if (self.supported)(n.domain(), n.op_type()) {
            self.out.push(n);
            self.opsets.push(opset);
            return Ok(());
        }
        let Some(f) = self.function(&n) else {
            self.out.push(n);
            self.opsets.push(opset);
            return Ok(());
        };
        let key = (f.domain().to_string(), f.name().to_string(), f.overload().to_string());
        let caller = if n.name().is_empty() {
            format!("{}_call", n.op_type())
        } else {
            n.name().to_string()
        };
        if stack.contains(&key) {
            let chain: Vec<String> = stack.iter().map(|k| format!("{}::{}", k.0, k.1)).collect();
            return Err(OnnxError::Node {
                node: caller,
                op_type: n.op_type().to_string(),
                msg: format!(
                    "model function {}::{} calls itself ({} → {}::{}); recursive functions cannot be inlined",
                    key.0,
                    key.1,
                    chain.join(" → "),
                    key.0,
                    key.1
                ),
            });
        }
        if stack.len() >= MAX_DEPTH {
            return Err(OnnxError::Node {
                node: caller,
                op_type: n.op_type().to_string(),
                msg: format!("model functions nest more than {MAX_DEPTH} levels deep"),
            });
        }
        let f_opset = match f.opset_import.iter().find(|o| is_default(o.domain())) {
            Some(o) => o.version(),
            None => opset,
        };
        if !OPSETS.contains(&f_opset) {
            return Err(OnnxError::Node {
                node: caller,
                op_type: n.op_type().to_string(),
                msg: format!(
                    "model function {}::{} uses default-domain opset {f_opset}; edgecc supports opsets {} through {}",
                    key.0,
                    key.1,
                    OPSETS.start(),
                    OPSETS.end()
                ),
            });
        }
        // Formal → actual names.
        let mut names: HashMap<String, String> = HashMap::new();
        for (i, formal) in f.input.iter().enumerate() {
            names.insert(formal.clone(), n.input.get(i).cloned().unwrap_or_default());
        }
        for (i, formal) in f.output.iter().enumerate() {
            let actual = match n.output.get(i) {
                Some(o) if !o.is_empty() => o.clone(),
                _ => self.fresh(&format!("{caller}/{formal}")),
            };
            names.insert(formal.clone(), actual);
        }
        // Attribute values: the caller's, then the function's defaults.
        let mut attrs: HashMap<&str, &AttributeProto> = HashMap::new();
        for a in &f.attribute_proto {
            attrs.insert(a.name(), a);
        }
        for a in &n.attribute {
            attrs.insert(a.name(), a);
        }
        stack.push(key);
        for (k, body) in f.node.iter().enumerate() {
            let mut m = body.clone();
            for v in m.input.iter_mut() {
                if v.is_empty() {
                    continue;
                }
                let actual = match names.get(v.as_str()) {
                    Some(a) => a.clone(),
                    None => {
                        let a = self.fresh(&format!("{caller}/{v}"));
                        names.insert(v.clone(), a.clone());
                        a
                    }
                };
                *v = actual;
            }
            for v in m.output.iter_mut() {
                if v.is_empty() {
                    continue;
                }
                let actual = match names.get(v.as_str()) {
                    Some(a) => a.clone(),
                    None => {
                        let a = self.fresh(&format!("{caller}/{v}"));
                        names.insert(v.clone(), a.clone());
                        a
                    }
                };
                *v = actual;
            }
            let base = if body.name().is_empty() {
                format!("{caller}/{}_{k}", body.op_type())
            } else {
                format!("{caller}/{}", body.name())
            };
            m.name = Some(self.fresh(&base));
            let mut resolved = Vec::with_capacity(m.attribute.len());
            for a in m.attribute.drain(..) {
                let r = a.ref_attr_name().to_string();
                if r.is_empty() {
                    resolved.push(a);
                    continue;
                }
                if let Some(v) = attrs.get(r.as_str()) {
                    let mut v = (*v).clone();
                    v.name = a.name.clone();
                    v.ref_attr_name = None;
                    resolved.push(v);
                }
            }
            m.attribute = resolved;
            self.node(m, f_opset, stack)?;
        }
        stack.pop();
        Ok(())
    }
}

/// Inlines the model's function calls; `None` when the model has no functions.
pub(crate) fn expand(
    model: &proto::ModelProto,
    graph: &GraphProto,
    opset: i64,
    supported: &dyn Fn(&str, &str) -> bool,
) -> Result<Option<Expanded>, OnnxError> {
    if model.functions.is_empty() {
        return Ok(None);
    }
    let mut functions = HashMap::new();
    for f in &model.functions {
        let dom = if is_default(f.domain()) { "" } else { f.domain() };
        let key = (dom.to_string(), f.name().to_string(), f.overload().to_string());
        if functions.insert(key, f).is_some() {
            return Err(OnnxError::Graph(format!(
                "the model defines function {}::{} twice",
                f.domain(),
                f.name()
            )));
        }
    }
    let mut taken = HashSet::new();
    for vi in graph.input.iter().chain(&graph.output).chain(&graph.value_info) {
        taken.insert(vi.name().to_string());
    }
    for t in &graph.initializer {
        taken.insert(t.name().to_string());
    }
    for n in &graph.node {
        taken.insert(n.name().to_string());
        taken.extend(n.input.iter().cloned());
        taken.extend(n.output.iter().cloned());
    }
    let mut inl = Inliner {
        functions,
        taken,
        supported,
        out: Vec::with_capacity(graph.node.len()),
        opsets: Vec::with_capacity(graph.node.len()),
    };
    let mut stack = Vec::new();
    for n in &graph.node {
        inl.node(n.clone(), opset, &mut stack)?;
    }
    let out = GraphProto {
        name: graph.name.clone(),
        input: graph.input.clone(),
        output: graph.output.clone(),
        value_info: graph.value_info.clone(),
        node: inl.out,
        ..Default::default()
    };
    Ok(Some(Expanded {
        graph: out,
        opsets: inl.opsets,
    }))
}
