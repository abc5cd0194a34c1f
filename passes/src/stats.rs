//! Compilation statistics: what fusion and memory planning save, against the unfused baseline.
//!
//! [`Stats`] describes one way of running a model: nodes before and after the pass pipeline,
//! kernels and kernel launches per inference, estimated global-memory traffic per inference (each
//! kernel reads each of its inputs once and writes each of its outputs once — weights included),
//! peak activation memory and weights. [`Stats::baseline`] is the unfused baseline: one kernel
//! per imported node (constants aside), no memory reuse (peak = the sum of all activations).
//! [`Stats::optimized`] is the pipeline's result: fused kernels over the planned arena.
//! [`StatsReport`] puts the two side by side, as a table ([`StatsReport::text`], what
//! `edgecc inspect --stats` prints) or as JSON ([`StatsReport::json`], `--json`). Symbolic dims
//! count at their upper bound.

use crate::kernel::KernelGraph;
use crate::plan::MemoryPlan;
use edgecc_ir::{Graph, Op, ValueId};

/// Figures of one way of running a model.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Stats {
    /// Nodes of the imported graph.
    pub nodes_before: u64,
    /// Nodes after the pass pipeline (the baseline runs no passes: equal to `nodes_before`).
    pub nodes_after: u64,
    pub kernels: u64,
    /// Kernel launches (dispatches) per inference.
    pub launches: u64,
    /// Estimated global-memory bytes moved per inference.
    pub global_bytes: u64,
    /// Peak activation memory (the arena, graph outputs included; inputs and weights excluded).
    pub peak_activation_bytes: u64,
    pub weights_bytes: u64,
}

fn value_bytes(g: &Graph, v: ValueId) -> u64 {
    let ty = g.ty(v);
    (ty.shape.max_numel().saturating_mul(ty.dtype.bits() as u64)).div_ceil(8)
}

impl Stats {
    /// The unfused baseline of `imported`: one kernel per node other than constants, each
    /// reading its (distinct) inputs and writing its outputs; every activation kept (no reuse).
    pub fn baseline(imported: &Graph) -> Stats {
        let mut s = Stats {
            nodes_before: imported.nodes().len() as u64,
            nodes_after: imported.nodes().len() as u64,
            weights_bytes: imported.weights_bytes() as u64,
            ..Default::default()
        };
        for n in imported.nodes() {
            if matches!(n.op, Op::Constant(_)) {
                continue;
            }
            s.kernels += 1;
            let mut ins: Vec<ValueId> = n.inputs.clone();
            ins.sort_unstable();
            ins.dedup();
            let read: u64 = ins.iter().map(|&v| value_bytes(imported, v)).sum();
            let written: u64 = n.outputs.iter().map(|&v| value_bytes(imported, v)).sum();
            s.global_bytes += read + written;
            s.peak_activation_bytes += written;
        }
        s.launches = s.kernels;
        s
    }

    /// The optimized pipeline: `optimized` is the pass pipeline's result for `imported`, `kg`
    /// its kernel graph, `plan` the memory plan of `kg`, and `launches` the dispatches `kg`
    /// lowers to (a kernel may take several; the backends' stage planner counts them).
    pub fn optimized(imported: &Graph, optimized: &Graph, kg: &KernelGraph, plan: &MemoryPlan, launches: u64) -> Stats {
        Stats {
            nodes_before: imported.nodes().len() as u64,
            nodes_after: optimized.nodes().len() as u64,
            kernels: kg.kernels.len() as u64,
            launches,
            global_bytes: kg.global_bytes(),
            peak_activation_bytes: plan.arena_bytes,
            weights_bytes: kg.weights_bytes(),
        }
    }

    /// The rows of the report: (key, label, value).
    fn rows(&self) -> [(&'static str, &'static str, u64); 7] {
        [
            ("nodes_before", "nodes before passes", self.nodes_before),
            ("nodes_after", "nodes after passes", self.nodes_after),
            ("kernels", "kernels", self.kernels),
            ("launches", "kernel launches / inference", self.launches),
            ("global_bytes", "global-memory bytes / inference", self.global_bytes),
            (
                "peak_activation_bytes",
                "peak activation bytes",
                self.peak_activation_bytes,
            ),
            ("weights_bytes", "weights bytes", self.weights_bytes),
        ]
    }

    fn json(&self) -> String {
        let fields: Vec<String> = self.rows().iter().map(|(k, _, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", fields.join(", "))
    }
}

/// Percentage change from `base` to `new` (`None` when `base` is 0).
pub fn percent_change(base: u64, new: u64) -> Option<f64> {
    (base != 0).then(|| (new as f64 - base as f64) / base as f64 * 100.0)
}

/// The optimized figures beside the unfused baseline's.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsReport {
    pub model: String,
    pub target: String,
    pub baseline: Stats,
    pub optimized: Stats,
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl StatsReport {
    /// A table: one row per figure, baseline, optimized and the change in percent.
    pub fn text(&self) -> String {
        let mut s = format!("statistics of `{}` for target `{}`\n", self.model, self.target);
        s.push_str(&format!(
            "{:<34} {:>16} {:>16} {:>9}\n",
            "", "unfused baseline", "optimized", "change"
        ));
        for ((_, label, b), (_, _, o)) in self.baseline.rows().iter().zip(self.optimized.rows()) {
            let change = percent_change(*b, o).map_or_else(|| "n/a".to_string(), |p| format!("{p:+.1}%"));
            s.push_str(&format!("{label:<34} {b:>16} {o:>16} {change:>9}\n"));
        }
        s
    }

    /// The same as JSON: `{"model", "target", "baseline": {..}, "optimized": {..},
    /// "change_percent": {..}}` (a change is `null` where the baseline is 0).
    pub fn json(&self) -> String {
        let changes: Vec<String> = self
            .baseline
            .rows()
            .iter()
            .zip(self.optimized.rows())
            .map(|((k, _, b), (_, _, o))| {
                let p = percent_change(*b, o).map_or_else(|| "null".to_string(), |p| format!("{p:.2}"));
                format!("\"{k}\": {p}")
            })
            .collect();
        format!(
            "{{\"model\": {}, \"target\": {}, \"baseline\": {}, \"optimized\": {}, \"change_percent\": {{{}}}}}",
            json_string(&self.model),
            json_string(&self.target),
            self.baseline.json(),
            self.optimized.json(),
            changes.join(", ")
        )
    }
}
