//! Wall-clock timing shared by `edgecc run --iterations` and `edgecc bench`: warm-up runs, then
//! timed runs of one compiled model, summarized as median and minimum per inference, with the
//! per-dispatch GPU times of a profiling session averaged over the timed runs.

use edgecc::backends::KernelTime;
use edgecc_ir::TensorData;
use std::time::Instant;

/// What [`measure`] times: something that runs a model on inputs, and may have per-dispatch GPU
/// times of its last run.
pub trait Timed {
    /// Runs once on `inputs` (in graph-input order).
    fn run(&mut self, inputs: &[TensorData]) -> edgecc::Result<Vec<TensorData>>;
    /// Each dispatch's GPU time in the last run, when profiling.
    fn profile(&self) -> Option<&[KernelTime]>;
}

/// Wall-clock times of the timed runs, in milliseconds per inference.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Timed runs (warm-up runs excluded).
    pub runs: u32,
    /// Untimed runs before them.
    pub warmup: u32,
    pub median_ms: f64,
    pub min_ms: f64,
    pub mean_ms: f64,
}

impl Timing {
    /// Summarizes per-run times (at least one).
    pub fn from_samples(samples: &[f64], warmup: u32) -> Timing {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median_ms = match n {
            0 => 0.0,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Timing {
            runs: n as u32,
            warmup,
            median_ms,
            min_ms: sorted.first().copied().unwrap_or(0.0),
            mean_ms: if n == 0 {
                0.0
            } else {
                sorted.iter().sum::<f64>() / n as f64
            },
        }
    }

    /// The JSON fields `iterations`, `warmup`, `median_ms`, `min_ms`, `mean_ms`.
    pub fn json_fields(&self, doc: &mut serde_json::Map<String, serde_json::Value>) {
        doc.insert("iterations".into(), self.runs.into());
        doc.insert("warmup".into(), self.warmup.into());
        doc.insert("median_ms".into(), self.median_ms.into());
        doc.insert("min_ms".into(), self.min_ms.into());
        doc.insert("mean_ms".into(), self.mean_ms.into());
    }
}

/// What [`measure`] returns.
pub struct Measured {
    pub timing: Timing,
    /// The outputs of the last run.
    pub outputs: Vec<TensorData>,
    /// With a profiling WGSL session: each dispatch's GPU time, averaged over the timed runs.
    pub profile: Vec<KernelTime>,
}

/// Runs `exec` on `inputs` `warmup` times untimed, then `runs` (at least 1) times timed.
pub fn measure(exec: &mut impl Timed, inputs: &[TensorData], warmup: u32, runs: u32) -> edgecc::Result<Measured> {
    let mut outputs = Vec::new();
    for _ in 0..warmup {
        outputs = exec.run(inputs)?;
    }
    let mut samples = Vec::with_capacity(runs.min(1 << 16) as usize);
    let mut profile: Vec<KernelTime> = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        outputs = exec.run(inputs)?;
        samples.push(ms_since(start));
        if let Some(times) = exec.profile() {
            if profile.is_empty() {
                profile = times.iter().map(|t| KernelTime { ns: 0.0, ..t.clone() }).collect();
            }
            for (sum, t) in profile.iter_mut().zip(times) {
                sum.ns += t.ns;
            }
        }
    }
    let timing = Timing::from_samples(&samples, warmup);
    for t in &mut profile {
        t.ns /= f64::from(timing.runs);
    }
    Ok(Measured {
        timing,
        outputs,
        profile,
    })
}

/// Milliseconds since `start`.
pub fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// Prints `profile (N dispatches, X ms GPU total<over>):` and one line per dispatch.
pub fn print_profile(times: &[KernelTime], over: &str) {
    let total: f64 = times.iter().map(|t| t.ns).sum();
    println!(
        "profile ({} dispatches, {:.3} ms GPU total{over}):",
        times.len(),
        total / 1e6
    );
    for t in times {
        println!("  {:>10.3} us  {}", t.ns / 1e3, t.label);
    }
}

/// The profile as JSON: `[{label, kernel, us}]`.
pub fn profile_json(times: &[KernelTime]) -> serde_json::Value {
    times
        .iter()
        .map(|t| serde_json::json!({ "label": t.label, "kernel": t.kernel, "us": t.ns / 1e3 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_min() {
        let t = Timing::from_samples(&[3.0, 1.0, 2.0], 1);
        assert_eq!((t.runs, t.median_ms, t.min_ms, t.mean_ms), (3, 2.0, 1.0, 2.0));
        let t = Timing::from_samples(&[4.0, 1.0, 2.0, 10.0], 0);
        assert_eq!((t.median_ms, t.min_ms), (3.0, 1.0));
        let t = Timing::from_samples(&[5.0], 3);
        assert_eq!((t.runs, t.warmup, t.median_ms, t.min_ms), (1, 3, 5.0, 5.0));
    }
}
