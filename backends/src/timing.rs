//! Kernel timings: what a profiling session of any backend reports per dispatch.

/// The GPU time of one dispatch of the last run.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelTime {
    /// The dispatch's unique label.
    pub label: String,
    /// The kernel the dispatch belongs to.
    pub kernel: String,
    /// Nanoseconds between the start and the end of the dispatch's compute pass (or kernel).
    pub ns: f64,
}
