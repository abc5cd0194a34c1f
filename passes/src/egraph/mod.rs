//! `simplify`: e-graph simplification with egg.
//!
//! The graph becomes an e-graph ([`lang`]: one e-node per IR node, leaves for graph inputs and
//! constants, attributes in their own leaves; identical nodes merge on the way in). The rules of
//! [`rules`] (one file per topic: arithmetic identities, layout chains, normalization, activation
//! and attention recognition) run under an egg `Runner` with explicit limits ([`Limits`]: an
//! iteration limit, a node limit that grows with the graph, and a time limit as a last resort), a
//! fixed rule order and egg's `deterministic` maps, so the result depends only on the input graph
//! and the limits — not on hash order, and not on timing unless the time limit is hit (it is far
//! above what the node limit allows). Extraction picks one e-node per e-class by the cost of
//! [`cost`] (kernel launches and bytes moved) and the result is built back with the
//! [`Rebuilder`], so nodes and values that survive keep their names and the inputs and outputs
//! keep theirs; a recognized op takes the name of the node it replaces.
//!
//! A rule must never make the graph worse: the extracted graph's [`cost::graph_cost`] is compared
//! with the input's, and the input is kept when it is not cheaper (also when the e-graph merged
//! classes of different types, which would be a rule bug). [`simplify`] returns a
//! [`SimplifyReport`] with the runner's stop reason, sizes, the rules that fired and the costs;
//! the [`Simplify`] pass prints it to stderr when the environment variable `EDGECC_LOG_EGRAPH` is
//! set (to anything but `0`).

pub mod cost;
pub mod lang;
pub mod rules;

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::Rebuilder;
use edgecc_ir::{ConstId, Graph, NodeId, Op, ValueId};
use egg::{EGraph, Id, Language, Runner, SimpleScheduler, StopReason};
use lang::{kind, needs_attr, op_of, AttrKey, ENode, IrAnalysis};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

/// The e-graph of the pass.
pub type IrEGraph = EGraph<ENode, IrAnalysis>;

/// The pass name.
pub const NAME: &str = "simplify";

/// Runner limits of [`simplify`].
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Rule iterations at most.
    pub iterations: usize,
    /// E-nodes at most: `node_base + node_per_graph_node * (nodes of the input graph)`. The runner
    /// checks it between iterations, so one iteration may overshoot it.
    pub node_base: usize,
    pub node_per_graph_node: usize,
    /// Wall time at most (a safety net; hitting it makes the result timing-dependent).
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            iterations: 12,
            node_base: 10_000,
            node_per_graph_node: 16,
            time: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// The node limit for a graph of `nodes` nodes.
    pub fn node_limit(&self, nodes: usize) -> usize {
        self.node_base
            .saturating_add(self.node_per_graph_node.saturating_mul(nodes))
    }
}

/// What one [`simplify`] run did.
#[derive(Clone, Debug, PartialEq)]
pub struct SimplifyReport {
    /// Why the runner stopped: `saturated`, `iteration limit N`, `node limit N`, `time limit Ns`.
    pub stop_reason: String,
    /// True when the runner stopped at its node limit.
    pub hit_node_limit: bool,
    pub iterations: usize,
    pub node_limit: usize,
    pub egraph_nodes: usize,
    pub egraph_classes: usize,
    /// How often each rule fired over the run (rule name, count), by name.
    pub applied: Vec<(String, usize)>,
    /// Graph cost (see [`cost`]) of the input and of the result.
    pub cost_before: f64,
    pub cost_after: f64,
    pub nodes_before: usize,
    pub nodes_after: usize,
    /// Why the input was kept unchanged, if it was.
    pub kept_input: Option<String>,
}

impl fmt::Display for SimplifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "simplify: stopped: {} after {} iterations ({} e-nodes, {} e-classes, node limit {}); \
             nodes {} -> {}; cost {:.0} -> {:.0}",
            self.stop_reason,
            self.iterations,
            self.egraph_nodes,
            self.egraph_classes,
            self.node_limit,
            self.nodes_before,
            self.nodes_after,
            self.cost_before,
            self.cost_after
        )?;
        if let Some(k) = &self.kept_input {
            write!(f, "; kept the input: {k}")?;
        }
        if !self.applied.is_empty() {
            let a: Vec<String> = self.applied.iter().map(|(n, c)| format!("{n}×{c}")).collect();
            write!(f, "; rules: {}", a.join(", "))?;
        }
        Ok(())
    }
}

/// The `simplify` pass; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Simplify {
    pub limits: Limits,
}

impl Pass for Simplify {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, g: &Graph, _ctx: &PassContext) -> Result<Graph, PassError> {
        let (h, report) = simplify(g, &self.limits)?;
        if std::env::var("EDGECC_LOG_EGRAPH").is_ok_and(|v| v != "0") {
            eprintln!("{report}");
        }
        Ok(h)
    }
}

fn err(msg: impl Into<String>) -> PassError {
    PassError::Pass {
        pass: NAME.into(),
        msg: msg.into(),
    }
}

fn stop_text(r: &Option<StopReason>) -> String {
    match r {
        None => "not run".into(),
        Some(StopReason::Saturated) => "saturated".into(),
        Some(StopReason::IterationLimit(n)) => format!("iteration limit {n}"),
        Some(StopReason::NodeLimit(n)) => format!("node limit ({n} e-nodes)"),
        Some(StopReason::TimeLimit(s)) => format!("time limit ({s:.3} s)"),
        Some(StopReason::Other(s)) => s.clone(),
    }
}

/// Simplifies `g` under `limits`; the result (or `g` itself, see the module docs) and a report.
pub fn simplify(g: &Graph, limits: &Limits) -> Result<(Graph, SimplifyReport), PassError> {
    let rules = rules::all().map_err(err)?;
    let (eg, class_of) = to_egraph(g)?;
    let added: Vec<ENode> = eg.classes().flat_map(|c| c.iter().cloned()).collect();
    let node_limit = limits.node_limit(g.nodes().len());
    let runner = Runner::<ENode, IrAnalysis, ()>::new(IrAnalysis::default())
        .with_egraph(eg)
        .with_iter_limit(limits.iterations)
        .with_node_limit(node_limit)
        .with_time_limit(limits.time)
        .with_scheduler(SimpleScheduler)
        .run(&rules);
    let mut applied: HashMap<String, usize> = HashMap::new();
    for it in &runner.iterations {
        for (name, n) in &it.applied {
            *applied.entry(name.to_string()).or_default() += n;
        }
    }
    let mut applied: Vec<(String, usize)> = applied.into_iter().collect();
    applied.sort();
    let eg = &runner.egraph;
    let cost_before = cost::graph_cost(g);
    let mut report = SimplifyReport {
        stop_reason: stop_text(&runner.stop_reason),
        hit_node_limit: matches!(runner.stop_reason, Some(StopReason::NodeLimit(_))),
        iterations: runner.iterations.len(),
        node_limit,
        egraph_nodes: eg.total_size(),
        egraph_classes: eg.number_of_classes(),
        applied,
        cost_before,
        cost_after: cost_before,
        nodes_before: g.nodes().len(),
        nodes_after: g.nodes().len(),
        kept_input: None,
    };
    if eg.analysis.conflicts > 0 {
        report.kept_input = Some(format!(
            "{} e-class merges of different types (a rule bug)",
            eg.analysis.conflicts
        ));
        return Ok((g.clone(), report));
    }
    let original: HashSet<ENode> = added.into_iter().map(|n| n.map_children(|c| eg.find(c))).collect();
    let choice = cost::extract(eg, &original);
    let h = match emit(g, eg, &class_of, &choice) {
        Ok(h) => h,
        Err(e) => {
            report.kept_input = Some(format!("the extracted graph could not be built: {e}"));
            return Ok((g.clone(), report));
        }
    };
    let cost_after = cost::graph_cost(&h);
    if cost_after > cost_before {
        report.kept_input = Some(format!(
            "the extracted graph costs more ({cost_after:.0} > {cost_before:.0})"
        ));
        return Ok((g.clone(), report));
    }
    report.cost_after = cost_after;
    report.nodes_after = h.nodes().len();
    Ok((h, report))
}

/// The e-graph of `g` and the e-class of every value of `g`.
fn to_egraph(g: &Graph) -> Result<(IrEGraph, Vec<Option<Id>>), PassError> {
    let mut eg = EGraph::new(IrAnalysis::for_graph(g));
    let mut class_of: Vec<Option<Id>> = vec![None; g.values().len()];
    for (i, &v) in g.inputs().iter().enumerate() {
        let id = eg.add(ENode::Input(i as u32));
        if let Some(slot) = class_of.get_mut(v.index()) {
            *slot = Some(id);
        }
    }
    for node in g.nodes() {
        let set = |class_of: &mut Vec<Option<Id>>, v: ValueId, id: Id| {
            if let Some(slot) = class_of.get_mut(v.index()) {
                *slot = Some(id);
            }
        };
        if let Op::Constant(c) = node.op {
            let id = eg.add(ENode::Const(c.0));
            if let Some(&o) = node.outputs.first() {
                set(&mut class_of, o, id);
            }
            continue;
        }
        let mut children = Vec::with_capacity(node.inputs.len() + 1);
        if needs_attr(&node.op) {
            children.push(eg.add(ENode::Attr(AttrKey::new(node.op.clone()))));
        }
        for &v in &node.inputs {
            let id = class_of
                .get(v.index())
                .copied()
                .flatten()
                .ok_or_else(|| err(format!("node `{}` reads a value defined after it", node.name)))?;
            children.push(id);
        }
        let id = eg.add(ENode::Op(kind(&node.op), children));
        if node.op.num_outputs() == 1 {
            if let Some(&o) = node.outputs.first() {
                set(&mut class_of, o, id);
            }
        } else {
            for (k, &o) in node.outputs.iter().enumerate() {
                let out = eg.add(ENode::Out(k as u32, id));
                set(&mut class_of, o, out);
            }
        }
    }
    eg.rebuild();
    Ok((eg, class_of))
}

/// Builds the extracted graph (see the module docs for names).
fn emit(
    g: &Graph,
    eg: &EGraph<ENode, IrAnalysis>,
    class_of: &[Option<Id>],
    choice: &HashMap<Id, ENode>,
) -> Result<Graph, String> {
    let canon = |v: ValueId| class_of.get(v.index()).copied().flatten().map(|c| eg.find(c));
    // Old values per class, and the old node whose names a class's new node reuses.
    let mut olds: HashMap<Id, Vec<ValueId>> = HashMap::new();
    let mut rep: HashMap<Id, NodeId> = HashMap::new();
    let mut const_node: HashMap<ConstId, NodeId> = HashMap::new();
    for (i, node) in g.nodes().iter().enumerate() {
        let nid = NodeId(i as u32);
        if let Op::Constant(c) = node.op {
            const_node.entry(c).or_insert(nid);
        }
        if node.op.num_outputs() == 1 {
            if let Some(c) = node.outputs.first().and_then(|&o| canon(o)) {
                rep.entry(c).or_insert(nid);
            }
        } else if let Some(c) = node.outputs.first().and_then(|&o| canon(o)) {
            // The tuple class: the class of the Out(0) node's child.
            if let Some(ENode::Out(_, t)) = eg[c].iter().find(|n| matches!(n, ENode::Out(..))) {
                rep.entry(eg.find(*t)).or_insert(nid);
            }
        }
        for &o in &node.outputs {
            if let Some(c) = canon(o) {
                olds.entry(c).or_default().push(o);
            }
        }
    }
    let mut e = Emitter {
        g,
        eg,
        choice,
        rb: Rebuilder::new(g).map_err(|e| e.to_string())?,
        done: HashMap::new(),
        rep,
        used: HashSet::new(),
        const_node,
        olds,
    };
    // Emit in the old graph's order what the outputs need.
    let needed = e.needed(g.outputs().iter().filter_map(|&o| canon(o)).collect())?;
    for node in g.nodes() {
        for &o in &node.outputs {
            if let Some(c) = canon(o) {
                if needed.contains(&c) {
                    e.emit(c)?;
                }
            }
        }
    }
    for &o in g.outputs() {
        let c = canon(o).ok_or("an output has no e-class")?;
        e.emit(c)?;
    }
    e.rb.finish().map_err(|e| e.to_string())
}

struct Emitter<'a, 'g> {
    g: &'g Graph,
    eg: &'a EGraph<ENode, IrAnalysis>,
    choice: &'a HashMap<Id, ENode>,
    rb: Rebuilder<'g>,
    /// New values of emitted classes (several for a multi-output op's class).
    done: HashMap<Id, Vec<ValueId>>,
    rep: HashMap<Id, NodeId>,
    used: HashSet<NodeId>,
    const_node: HashMap<ConstId, NodeId>,
    olds: HashMap<Id, Vec<ValueId>>,
}

impl Emitter<'_, '_> {
    fn chosen(&self, c: Id) -> Result<&ENode, String> {
        self.choice
            .get(&c)
            .ok_or_else(|| format!("e-class {c} has no finite-cost e-node"))
    }

    /// Children classes to emit before `n` (attribute leaves are not emitted).
    fn deps(&self, n: &ENode) -> Vec<Id> {
        n.children()
            .iter()
            .map(|&c| self.eg.find(c))
            .filter(|&c| !matches!(self.eg[c].data.class, lang::Class::Attr(_)))
            .collect()
    }

    /// The classes reachable from `roots` through the chosen nodes.
    fn needed(&self, roots: Vec<Id>) -> Result<HashSet<Id>, String> {
        let mut seen: HashSet<Id> = HashSet::new();
        let mut stack = roots;
        while let Some(c) = stack.pop() {
            if seen.insert(c) {
                stack.extend(self.deps(self.chosen(c)?));
            }
        }
        Ok(seen)
    }

    /// Emits class `root` and everything it needs (iteratively, children first).
    fn emit(&mut self, root: Id) -> Result<(), String> {
        let mut stack: Vec<(Id, bool)> = vec![(root, false)];
        let mut open: HashSet<Id> = HashSet::new();
        while let Some((c, expanded)) = stack.pop() {
            if self.done.contains_key(&c) {
                continue;
            }
            if expanded {
                self.build(c)?;
                open.remove(&c);
                continue;
            }
            if !open.insert(c) {
                return Err(format!("the extraction has a cycle through e-class {c}"));
            }
            stack.push((c, true));
            for d in self.deps(self.chosen(c)?).into_iter().rev() {
                if !self.done.contains_key(&d) {
                    if open.contains(&d) {
                        return Err(format!("the extraction has a cycle through e-class {d}"));
                    }
                    stack.push((d, false));
                }
            }
        }
        Ok(())
    }

    fn value(&self, c: Id) -> Result<ValueId, String> {
        match self.done.get(&c).map(Vec::as_slice) {
            Some([v]) => Ok(*v),
            _ => Err(format!("e-class {c} is not a single emitted value")),
        }
    }

    /// Emits the chosen node of class `c` (its children are emitted).
    fn build(&mut self, c: Id) -> Result<(), String> {
        let n = self.chosen(c)?.clone();
        let ie = |e: edgecc_ir::IrError| e.to_string();
        let vals: Vec<ValueId> = match &n {
            ENode::Input(i) => {
                let &v = self.g.inputs().get(*i as usize).ok_or("no such input")?;
                vec![self.rb.get(v).map_err(ie)?]
            }
            ENode::Const(k) => {
                let &nid = self
                    .const_node
                    .get(&ConstId(*k))
                    .ok_or("no Constant node for a constant")?;
                let old = self
                    .g
                    .node(nid)
                    .outputs
                    .first()
                    .copied()
                    .ok_or("Constant without output")?;
                if self.used.insert(nid) {
                    self.rb.copy_node(nid).map_err(ie)?;
                }
                vec![self.rb.get(old).map_err(ie)?]
            }
            ENode::Attr(_) => return Err(format!("e-class {c} is an attribute")),
            ENode::Out(k, t) => {
                let t = self.eg.find(*t);
                let v = self
                    .done
                    .get(&t)
                    .and_then(|vs| vs.get(*k as usize))
                    .copied()
                    .ok_or("an output of a multi-output op that was not emitted")?;
                vec![v]
            }
            ENode::Op(..) => {
                let (op, ins) = op_of(self.eg, &n).ok_or("an op without its attributes")?;
                let inputs: Vec<ValueId> = ins
                    .iter()
                    .map(|&i| self.value(self.eg.find(i)))
                    .collect::<Result<_, _>>()?;
                match self.rep.get(&c).copied().filter(|r| !self.used.contains(r)) {
                    Some(r) if self.g.node(r).outputs.len() == op.num_outputs() => {
                        self.used.insert(r);
                        self.rb.replace_node(r, op, &inputs).map_err(ie)?;
                        self.g
                            .node(r)
                            .outputs
                            .iter()
                            .map(|&o| self.rb.get(o))
                            .collect::<Result<_, _>>()
                            .map_err(ie)?
                    }
                    _ => {
                        let base = kind(&op).to_ascii_lowercase();
                        self.rb.add_node(&base, op, &inputs).map_err(ie)?
                    }
                }
            }
        };
        if let [v] = vals.as_slice() {
            for &o in self.olds.get(&c).map(Vec::as_slice).unwrap_or(&[]) {
                self.rb.alias(o, *v);
            }
        }
        self.done.insert(c, vals);
        Ok(())
    }
}
