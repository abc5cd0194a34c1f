//! The pass manager: the [`Pass`] trait, the [`PassContext`] passes read, and [`Pipeline`], a
//! plain list of passes run in order.
//!
//! [`Pipeline::run_with`] verifies the input once and the graph after every pass — always in debug
//! and test builds, in release builds when [`RunOptions::verify`] is set — and also checks that
//! the pass kept the graph's interface (input and output names, order and types). A failure names
//! the pass. It can record each pass's wall time ([`RunOptions::time_passes`], the CLI's
//! `--time-passes`) and capture the printed IR after named passes ([`RunOptions::dump_after`],
//! `--dump-after PASS`).
//!
//! [`pipeline_for`] returns the explicit pass list of a target; [`pass_by_name`] builds one pass
//! by name (the filetests' `; pass:` header).

use crate::error::PassError;
use crate::{ChainFold, ConstFold, Cse, Dce, MergeMatMul, Simplify};
use edgecc_ir::{verify, Graph, Op, TensorData};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Evaluates one op on constant inputs, for constant folding. The passes crate cannot depend on
/// the backends; the `edgecc` library implements this with the reference interpreter.
pub trait Evaluator {
    /// `op` applied to `inputs` (one per op input, in order); one tensor per op output. An error
    /// (e.g. an index out of range) makes the folder leave the node alone.
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String>;
}

/// Default for [`PassContext::const_fold_max_elements`].
pub const DEFAULT_CONST_FOLD_MAX_ELEMENTS: usize = 1 << 16;

/// What passes may read besides the graph.
#[derive(Clone)]
pub struct PassContext {
    /// Evaluates ops for constant folding (required by `const_fold`).
    pub evaluator: Option<Arc<dyn Evaluator>>,
    /// Constant folding skips a node whose inputs or outputs together hold more elements than
    /// this, so that big tensors are not materialized a second time.
    pub const_fold_max_elements: usize,
}

impl Default for PassContext {
    fn default() -> Self {
        PassContext {
            evaluator: None,
            const_fold_max_elements: DEFAULT_CONST_FOLD_MAX_ELEMENTS,
        }
    }
}

impl PassContext {
    /// A context with `evaluator` and default limits.
    pub fn with_evaluator(evaluator: Arc<dyn Evaluator>) -> Self {
        PassContext {
            evaluator: Some(evaluator),
            ..Default::default()
        }
    }
}

impl fmt::Debug for PassContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassContext")
            .field("evaluator", &self.evaluator.as_ref().map(|_| "<dyn Evaluator>"))
            .field("const_fold_max_elements", &self.const_fold_max_elements)
            .finish()
    }
}

/// A transformation of a graph into a new graph with the same inputs and outputs (names and
/// types) and the same semantics.
pub trait Pass: Send + Sync {
    /// The pass's name, as written in pipelines, `--dump-after` and filetest headers.
    fn name(&self) -> &str;
    /// Returns the transformed graph; `g` is left as it is.
    fn run(&self, g: &Graph, ctx: &PassContext) -> Result<Graph, PassError>;
}

/// Options of [`Pipeline::run_with`].
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Verify after every pass even in release builds (debug and test builds always do).
    pub verify: bool,
    /// Record each pass's wall time in [`PipelineRun::timings`].
    pub time_passes: bool,
    /// Capture the printed graph after every run of each named pass in [`PipelineRun::dumps`].
    /// A name that is not in the pipeline is an error.
    pub dump_after: Vec<String>,
}

/// One pass's measurements.
#[derive(Clone, Debug, PartialEq)]
pub struct PassTiming {
    pub pass: String,
    pub elapsed: Duration,
    pub nodes_before: usize,
    pub nodes_after: usize,
}

/// The graph printed after a pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Dump {
    pub pass: String,
    /// Position of the pass in the pipeline (a pass may appear more than once).
    pub index: usize,
    pub ir: String,
}

/// What [`Pipeline::run_with`] returns.
#[derive(Clone, Debug)]
pub struct PipelineRun {
    pub graph: Graph,
    /// One entry per pass, in order, when [`RunOptions::time_passes`] was set.
    pub timings: Vec<PassTiming>,
    pub dumps: Vec<Dump>,
}

impl PipelineRun {
    /// The timings as a table (what `--time-passes` prints).
    pub fn timing_report(&self) -> String {
        let mut s = format!(
            "{:<4} {:<16} {:>12} {:>8} {:>8}\n",
            "#", "pass", "time (ms)", "nodes", "after"
        );
        let mut total = Duration::ZERO;
        for (i, t) in self.timings.iter().enumerate() {
            total += t.elapsed;
            s.push_str(&format!(
                "{:<4} {:<16} {:>12.3} {:>8} {:>8}\n",
                i,
                t.pass,
                t.elapsed.as_secs_f64() * 1e3,
                t.nodes_before,
                t.nodes_after
            ));
        }
        s.push_str(&format!(
            "{:<4} {:<16} {:>12.3}\n",
            "",
            "total",
            total.as_secs_f64() * 1e3
        ));
        s
    }
}

/// A pass pipeline: a plain list, run in order.
#[derive(Default)]
pub struct Pipeline {
    pub passes: Vec<Box<dyn Pass>>,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.passes.iter().map(|p| p.name())).finish()
    }
}

impl Pipeline {
    /// A pipeline running `passes` in order.
    pub fn new(passes: Vec<Box<dyn Pass>>) -> Self {
        Pipeline { passes }
    }

    /// The pass names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.passes.iter().map(|p| p.name()).collect()
    }

    /// Runs every pass in order (verifying in debug and test builds); returns the final graph.
    pub fn run(&self, g: &Graph, ctx: &PassContext) -> Result<Graph, PassError> {
        Ok(self.run_with(g, ctx, &RunOptions::default())?.graph)
    }

    /// Runs every pass in order with `opts`; see the module docs.
    pub fn run_with(&self, g: &Graph, ctx: &PassContext, opts: &RunOptions) -> Result<PipelineRun, PassError> {
        let names = self.names();
        for d in &opts.dump_after {
            if !names.contains(&d.as_str()) {
                return Err(PassError::DumpAfterUnknown {
                    name: d.clone(),
                    known: names.join(", "),
                });
            }
        }
        let check = opts.verify || cfg!(debug_assertions);
        if check {
            verify(g).map_err(PassError::InvalidInput)?;
        }
        let mut timings = Vec::new();
        let mut dumps = Vec::new();
        // The latest pass's result; the input is only borrowed (weights are not copied up front).
        let mut current: Option<Graph> = None;
        for (index, pass) in self.passes.iter().enumerate() {
            let before = current.as_ref().unwrap_or(g);
            let start = Instant::now();
            let next = pass.run(before, ctx)?;
            let elapsed = start.elapsed();
            if check {
                verify(&next).map_err(|source| PassError::Verify {
                    pass: pass.name().to_string(),
                    source,
                })?;
                check_interface(before, &next).map_err(|msg| PassError::Interface {
                    pass: pass.name().to_string(),
                    msg,
                })?;
            }
            if opts.time_passes {
                timings.push(PassTiming {
                    pass: pass.name().to_string(),
                    elapsed,
                    nodes_before: before.nodes().len(),
                    nodes_after: next.nodes().len(),
                });
            }
            if opts.dump_after.iter().any(|d| d == pass.name()) {
                dumps.push(Dump {
                    pass: pass.name().to_string(),
                    index,
                    ir: next.to_string(),
                });
            }
            current = Some(next);
        }
        Ok(PipelineRun {
            graph: current.unwrap_or_else(|| g.clone()),
            timings,
            dumps,
        })
    }
}

/// Checks that `after` has the same inputs and outputs (names, order, types) as `before`.
pub fn check_interface(before: &Graph, after: &Graph) -> Result<(), String> {
    let sig = |g: &Graph, ids: &[edgecc_ir::ValueId]| -> Vec<(String, String)> {
        ids.iter()
            .map(|&v| match g.values().get(v.index()) {
                Some(val) => (val.name.clone(), val.ty.to_string()),
                None => (format!("#{} (no such value)", v.0), String::new()),
            })
            .collect()
    };
    for (what, b, a) in [
        ("inputs", sig(before, before.inputs()), sig(after, after.inputs())),
        ("outputs", sig(before, before.outputs()), sig(after, after.outputs())),
    ] {
        if b != a {
            let show = |l: &[(String, String)]| {
                l.iter()
                    .map(|(n, t)| format!("%{n}: {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(format!("{what} were [{}], now [{}]", show(&b), show(&a)));
        }
    }
    Ok(())
}

/// Every pass [`pass_by_name`] knows, in a stable order.
pub const KNOWN_PASSES: [&str; 6] = ["dce", "cse", "const_fold", "chain_fold", "simplify", "merge_matmul"];

/// Builds the pass called `name`.
pub fn pass_by_name(name: &str) -> Result<Box<dyn Pass>, PassError> {
    Ok(match name {
        "dce" => Box::new(Dce),
        "cse" => Box::new(Cse),
        "const_fold" => Box::new(ConstFold),
        "chain_fold" => Box::new(ChainFold),
        "simplify" => Box::new(Simplify::default()),
        "merge_matmul" => Box::new(MergeMatMul),
        _ => {
            return Err(PassError::UnknownPass {
                name: name.to_string(),
                known: KNOWN_PASSES.join(", "),
            })
        }
    })
}

/// Every target [`pipeline_for`] knows.
pub const KNOWN_TARGETS: [&str; 2] = ["reference", "wgsl"];

/// The cleanup list shared by every target for now: dead code first (nothing is folded or
/// compared in vain), identical subexpressions and constants merged before folding, folded
/// constants and composed chains merged again, and what they left dead removed.
fn cleanup() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(Dce),
        Box::new(Cse),
        Box::new(ConstFold),
        Box::new(ChainFold),
        Box::new(Cse),
        Box::new(Dce),
    ]
}

/// The cleanup round, then e-graph simplification, then folding the constants it made (e.g. the
/// ones scale of an affine-free LayerNorm) and removing what it left dead.
fn optimize() -> Vec<Box<dyn Pass>> {
    let mut p = cleanup();
    p.push(Box::new(Simplify::default()));
    p.push(Box::new(ConstFold));
    p.push(Box::new(Dce));
    p
}

/// What a device target adds to [`optimize`]: sibling MatMuls on one input merged into one GEMM
/// (one dispatch instead of one per projection), and what that leaves dead removed.
fn device() -> Vec<Box<dyn Pass>> {
    let mut p = optimize();
    p.push(Box::new(MergeMatMul));
    p.push(Box::new(Dce));
    p
}

/// The explicit pass pipeline of `target`.
pub fn pipeline_for(target: &str) -> Result<Pipeline, PassError> {
    match target {
        "reference" => Ok(Pipeline::new(optimize())),
        "wgsl" => Ok(Pipeline::new(device())),
        _ => Err(PassError::UnknownTarget {
            target: target.to_string(),
            known: KNOWN_TARGETS.join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{DType, Shape, UnaryOp};

    fn small() -> Graph {
        let mut g = Graph::new("t");
        let x = g.add_input("x", DType::F32, Shape::of(&[3])).unwrap();
        let i = g.add_node(Op::Identity, &[x]).unwrap()[0];
        let dead = g.add_node(Op::Unary(UnaryOp::Exp), &[x]).unwrap()[0];
        let _ = dead;
        let n = g.add_node(Op::Unary(UnaryOp::Neg), &[i]).unwrap()[0];
        g.add_output(n).unwrap();
        g
    }

    /// A pass that breaks the graph: it drops every node but keeps the outputs' ids.
    struct Breaker;
    impl Pass for Breaker {
        fn name(&self) -> &str {
            "breaker"
        }
        fn run(&self, g: &Graph, _: &PassContext) -> Result<Graph, PassError> {
            let mut h = g.clone();
            let neg = h.find_node("neg").ok_or_else(|| PassError::Pass {
                pass: "breaker".into(),
                msg: "no neg".into(),
            })?;
            let x = h.inputs()[0];
            h.node_mut(neg).op = Op::Cast { to: DType::F16 };
            h.node_mut(neg).inputs = vec![x];
            Ok(h)
        }
    }

    /// A pass that renames the output.
    struct Renamer;
    impl Pass for Renamer {
        fn name(&self) -> &str {
            "renamer"
        }
        fn run(&self, g: &Graph, _: &PassContext) -> Result<Graph, PassError> {
            let mut h = g.clone();
            let o = h.outputs()[0];
            h.value_mut(o).name = "renamed".into();
            Ok(h)
        }
    }

    fn verified(p: &Pipeline, g: &Graph) -> Result<Graph, PassError> {
        let opts = RunOptions {
            verify: true,
            ..Default::default()
        };
        Ok(p.run_with(g, &PassContext::default(), &opts)?.graph)
    }

    #[test]
    fn failing_verification_names_the_pass() {
        let p = Pipeline::new(vec![Box::new(Dce), Box::new(Breaker)]);
        let err = verified(&p, &small()).unwrap_err();
        assert!(
            matches!(&err, PassError::Verify { pass, .. } if pass == "breaker"),
            "{err}"
        );
        assert!(
            err.to_string().contains("breaker") && err.to_string().contains("neg"),
            "{err}"
        );
        let p = Pipeline::new(vec![Box::new(Renamer)]);
        let err = verified(&p, &small()).unwrap_err();
        assert!(
            matches!(&err, PassError::Interface { pass, .. } if pass == "renamer"),
            "{err}"
        );
        assert!(err.to_string().contains("%neg: f32[3]"), "{err}");
    }

    #[test]
    fn invalid_input_is_reported_before_any_pass() {
        let mut g = small();
        let x = g.inputs()[0];
        let neg = g.find_node("neg").unwrap();
        g.node_mut(neg).inputs = vec![x, x];
        let err = verified(&pipeline_for("reference").unwrap(), &g).unwrap_err();
        assert!(matches!(err, PassError::InvalidInput(_)), "{err}");
        if cfg!(debug_assertions) {
            let err = Pipeline::new(vec![Box::new(Dce)])
                .run(&g, &PassContext::default())
                .unwrap_err();
            assert!(
                matches!(err, PassError::InvalidInput(_)),
                "debug builds always verify: {err}"
            );
        }
    }

    #[test]
    fn timings_and_dumps() {
        let p = Pipeline::new(vec![Box::new(ChainFold), Box::new(Dce), Box::new(Dce)]);
        let opts = RunOptions {
            verify: true,
            time_passes: true,
            dump_after: vec!["dce".into()],
        };
        let run = p.run_with(&small(), &PassContext::default(), &opts).unwrap();
        let names: Vec<&str> = run.timings.iter().map(|t| t.pass.as_str()).collect();
        assert_eq!(names, ["chain_fold", "dce", "dce"]);
        assert_eq!(run.timings[0].nodes_before, 3);
        assert_eq!(run.timings[1].nodes_after, 1);
        assert_eq!(run.dumps.len(), 2);
        assert_eq!(run.dumps[0].index, 1);
        assert!(run.dumps[0].ir.contains("Neg(%x)") && !run.dumps[0].ir.contains("Exp"));
        let report = run.timing_report();
        assert!(report.contains("chain_fold") && report.contains("total"), "{report}");

        let opts = RunOptions {
            dump_after: vec!["fusion".into()],
            ..Default::default()
        };
        let err = p.run_with(&small(), &PassContext::default(), &opts).unwrap_err();
        assert!(err.to_string().contains("fusion") && err.to_string().contains("chain_fold, dce, dce"));
    }

    #[test]
    fn targets_and_pass_names() {
        let common = [
            "dce",
            "cse",
            "const_fold",
            "chain_fold",
            "cse",
            "dce",
            "simplify",
            "const_fold",
            "dce",
        ];
        assert_eq!(pipeline_for("reference").unwrap().names(), common);
        let mut device = common.to_vec();
        device.extend(["merge_matmul", "dce"]);
        assert_eq!(pipeline_for("wgsl").unwrap().names(), device);
        let err = pipeline_for("metal").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown target `metal`; known targets: reference, wgsl"
        );
        for n in KNOWN_PASSES {
            assert_eq!(pass_by_name(n).unwrap().name(), n);
        }
        let Err(err) = pass_by_name("fuse") else {
            panic!("`fuse` is not a pass yet")
        };
        assert!(
            err.to_string().contains("dce, cse, const_fold, chain_fold, simplify"),
            "{err}"
        );
    }

    #[test]
    fn const_fold_without_evaluator_is_an_error() {
        let err = pipeline_for("reference")
            .unwrap()
            .run(&small(), &PassContext::default())
            .unwrap_err();
        assert_eq!(
            err,
            PassError::MissingEvaluator {
                pass: "const_fold".into()
            }
        );
    }
}
