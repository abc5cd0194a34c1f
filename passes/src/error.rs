//! The passes crate's error type: one enum, every message naming the pass (and, through the
//! wrapped [`IrError`], the node or value) and saying what to do.

use edgecc_ir::IrError;

/// Everything that can go wrong building or running a pass pipeline.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PassError {
    /// The graph handed to the pipeline does not verify; no pass has run yet.
    #[error("the input graph is invalid (checked before any pass ran): {0}")]
    InvalidInput(IrError),
    /// A pass returned a graph that the verifier rejects: a bug in that pass.
    #[error("pass `{pass}` produced a graph that does not verify: {source}; this is a bug in the pass (rerun with --dump-after {pass} to see its output)")]
    Verify { pass: String, source: IrError },
    /// A pass changed the graph's inputs or outputs (names, order or types).
    #[error("pass `{pass}` changed the graph's interface: {msg}; passes must keep input and output names and types")]
    Interface { pass: String, msg: String },
    /// A pass failed while building its result graph.
    #[error("pass `{pass}`: {source}")]
    Ir { pass: String, source: IrError },
    /// A pass failed for a reason of its own.
    #[error("pass `{pass}`: {msg}")]
    Pass { pass: String, msg: String },
    /// A pass needs an [`crate::Evaluator`] in the [`crate::PassContext`] and none was given.
    #[error("pass `{pass}` evaluates constant subgraphs and needs an evaluator; set `PassContext::evaluator` (the edgecc library passes the reference interpreter)")]
    MissingEvaluator { pass: String },
    /// [`crate::pipeline_for`] was asked for a target it has no pipeline for.
    #[error("unknown target `{target}`; known targets: {known}")]
    UnknownTarget { target: String, known: String },
    /// [`crate::pass_by_name`] was asked for a pass that does not exist.
    #[error("unknown pass `{name}`; known passes: {known}")]
    UnknownPass { name: String, known: String },
    /// `--dump-after` named a pass that is not in the pipeline being run.
    #[error("cannot dump after pass `{name}`: the pipeline has no such pass (it runs: {known})")]
    DumpAfterUnknown { name: String, known: String },
}

impl PassError {
    /// Wraps an IR error raised while `pass` built its result.
    pub fn ir(pass: &str, source: IrError) -> PassError {
        PassError::Ir {
            pass: pass.to_string(),
            source,
        }
    }
}
