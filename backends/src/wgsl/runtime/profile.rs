//! Per-dispatch GPU times from timestamp queries.
//!
//! Every dispatch runs in a compute pass of its own whose beginning and end write a timestamp
//! (queries `2i` and `2i + 1`). Query sets hold at most [`wgpu::QUERY_SET_MAX_QUERIES`] queries,
//! so a long program uses several; each is resolved into one resolve buffer (at offsets that are
//! multiples of [`wgpu::QUERY_RESOLVE_BUFFER_ALIGNMENT`]) that is copied into a mappable buffer
//! with the outputs, in the same command buffer. Ticks become nanoseconds through
//! [`wgpu::Queue::get_timestamp_period`].

use super::super::device::Gpu;
use super::super::error::{Result, WgslError};
use super::super::program::Program;

pub use crate::timing::KernelTime;

/// Query sets and buffers for timing every dispatch of a program.
pub(super) struct Profiler {
    sets: Vec<wgpu::QuerySet>,
    /// Queries in all.
    queries: u32,
    resolve: wgpu::Buffer,
    pub(super) readback: wgpu::Buffer,
    period_ns: f64,
}

const PER_SET: u32 = wgpu::QUERY_SET_MAX_QUERIES;

impl Profiler {
    /// Creates the query sets for `program`; an adapter without timestamp queries is an error.
    pub(super) fn new(gpu: &Gpu, program: &Program) -> Result<Profiler> {
        if !gpu.caps.timestamps || !gpu.features.contains(wgpu::Features::TIMESTAMP_QUERY) {
            return Err(WgslError::Unsupported {
                kernel: program.name.clone(),
                message: format!(
                    "profiling needs timestamp queries (TIMESTAMP_QUERY), which adapter `{}` does not have; run \
                     without profiling",
                    gpu.adapter.name
                ),
            });
        }
        let queries = u32::try_from(program.dispatches.len())
            .ok()
            .and_then(|n| n.checked_mul(2))
            .ok_or_else(|| WgslError::Unsupported {
                kernel: program.name.clone(),
                message: format!("{} dispatches are too many to profile", program.dispatches.len()),
            })?;
        let sets = (0..queries.div_ceil(PER_SET))
            .map(|k| {
                gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("edgecc timestamps"),
                    ty: wgpu::QueryType::Timestamp,
                    count: (queries - k * PER_SET).min(PER_SET),
                })
            })
            .collect();
        let bytes = u64::from(queries.max(1)) * u64::from(wgpu::QUERY_SIZE);
        let resolve = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("edgecc timestamps"),
            size: bytes,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("edgecc timestamps readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Profiler {
            sets,
            queries,
            resolve,
            readback,
            period_ns: f64::from(gpu.queue.get_timestamp_period()),
        })
    }

    /// The timestamp writes of dispatch `i`'s compute pass.
    pub(super) fn writes(&self, i: usize) -> Option<wgpu::ComputePassTimestampWrites<'_>> {
        let q = u32::try_from(i).ok()?.checked_mul(2)?;
        // PER_SET is even, so both queries of a dispatch are in one set.
        let set = self.sets.get((q / PER_SET) as usize)?;
        let idx = q % PER_SET;
        Some(wgpu::ComputePassTimestampWrites {
            query_set: set,
            beginning_of_pass_write_index: Some(idx),
            end_of_pass_write_index: Some(idx + 1),
        })
    }

    /// Resolves every query set and copies the ticks to the readback buffer.
    pub(super) fn resolve(&self, enc: &mut wgpu::CommandEncoder) {
        for (k, set) in self.sets.iter().enumerate() {
            let first = k as u32 * PER_SET;
            let count = (self.queries - first).min(PER_SET);
            enc.resolve_query_set(
                set,
                0..count,
                &self.resolve,
                u64::from(first) * u64::from(wgpu::QUERY_SIZE),
            );
        }
        if self.queries > 0 {
            enc.copy_buffer_to_buffer(&self.resolve, 0, &self.readback, 0, self.resolve.size());
        }
    }

    /// Per-dispatch times from the read-back ticks.
    pub(super) fn times(&self, program: &Program, ticks: &[u8]) -> Vec<KernelTime> {
        let tick = |q: usize| -> u64 {
            ticks
                .get(q * 8..q * 8 + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
                .unwrap_or(0)
        };
        program
            .dispatches
            .iter()
            .enumerate()
            .map(|(i, d)| KernelTime {
                label: d.label.clone(),
                kernel: d.kernel.clone(),
                ns: tick(2 * i + 1).saturating_sub(tick(2 * i)) as f64 * self.period_ns,
            })
            .collect()
    }

    /// Whether there is anything to read back.
    pub(super) fn has_queries(&self) -> bool {
        self.queries > 0
    }
}
