//! The optimizing half of compilation: a target's pass pipeline (constant folding through the
//! reference interpreter), then fusion into kernels and memory planning.
//!
//! [`optimize`] returns all three results ([`Optimized`]); [`Optimized::stats`] compares them
//! with the unfused baseline of the imported graph (what `edgecc inspect --stats` prints).

use crate::ReferenceFolder;
use edgecc_ir::Graph;
use edgecc_passes::{
    fuse, pipeline_for, plan, KernelGraph, MemoryPlan, PassContext, PassError, PipelineRun, RunOptions, Stats,
    StatsReport,
};
use std::sync::Arc;

/// What [`optimize`] produces.
#[derive(Clone, Debug)]
pub struct Optimized {
    pub target: String,
    /// The pipeline's result: the optimized graph, and the timings and dumps `opts` asked for.
    pub run: PipelineRun,
    /// The fused kernels of `run.graph`.
    pub kernels: KernelGraph,
    /// The memory plan of `kernels`.
    pub plan: MemoryPlan,
}

impl Optimized {
    /// The optimized figures beside the unfused baseline of `imported` (the graph that was
    /// optimized).
    pub fn stats(&self, imported: &Graph) -> StatsReport {
        StatsReport {
            model: imported.name().to_string(),
            target: self.target.clone(),
            baseline: Stats::baseline(imported),
            optimized: Stats::optimized(
                imported,
                &self.run.graph,
                &self.kernels,
                &self.plan,
                edgecc_backends::lower::stages::dispatches(&self.kernels) as u64,
            ),
        }
    }
}

/// A pass context whose constant folding runs on the reference interpreter.
pub fn pass_context() -> PassContext {
    PassContext::with_evaluator(Arc::new(ReferenceFolder))
}

/// Runs `target`'s pipeline on `g` with `opts`, then fuses and plans the result.
pub fn optimize(g: &Graph, target: &str, opts: &RunOptions) -> Result<Optimized, PassError> {
    let pipeline = pipeline_for(target)?;
    let run = pipeline.run_with(g, &pass_context(), opts)?;
    let kernels = fuse(&run.graph)?;
    let plan = plan(&kernels)?;
    Ok(Optimized {
        target: target.to_string(),
        run,
        kernels,
        plan,
    })
}
