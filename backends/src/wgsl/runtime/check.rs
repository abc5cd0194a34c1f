//! Whether a [`Program`] is well formed and fits the opened device, checked once when a session is
//! created so that nothing fails half-way through creating device objects.
//!
//! A program that breaks its own invariants (a binding naming no buffer, an arena buffer past the
//! end of the arena, a weight that is not in a buffer of its own) is [`WgslError::Internal`]: a
//! bug in the code generator. A program that is fine but asks more than the device has (bindings
//! per dispatch, binding size, workgroups per dimension, f16, subgroups, arena-offset alignment)
//! is [`WgslError::Unsupported`] naming the dispatch and the limit.

use super::super::device::Gpu;
use super::super::error::{Result, WgslError};
use super::super::program::{Placement, Program};

/// Checks the program against itself and against `gpu`.
pub(super) fn check_program(gpu: &Gpu, p: &Program) -> Result<()> {
    check_indices(p)?;
    check_device(gpu, p)
}

fn internal(p: &Program, message: String) -> WgslError {
    WgslError::Internal(format!("program `{}`: {message}", p.name))
}

/// Every index names a buffer; arena buffers lie inside the arena; weights have data of their
/// buffer's shape and live in buffers of their own.
fn check_indices(p: &Program) -> Result<()> {
    let n = p.buffers.len();
    let bad = |what: String, i: usize| internal(p, format!("{what} names buffer {i}, but there are only {n} buffers"));
    for (k, &i) in p.inputs.iter().enumerate() {
        if i >= n {
            return Err(bad(format!("input {k}"), i));
        }
    }
    for (k, &i) in p.outputs.iter().enumerate() {
        if i >= n {
            return Err(bad(format!("output {k}"), i));
        }
    }
    for d in &p.dispatches {
        for (k, b) in d.bindings.iter().enumerate() {
            if b.buffer >= n {
                return Err(bad(format!("dispatch `{}` binding {k}", d.label), b.buffer));
            }
        }
    }
    for (i, data) in &p.weights {
        let Some(buf) = p.buffers.get(*i) else {
            return Err(bad("a weight".into(), *i));
        };
        if buf.placement != Placement::Own {
            return Err(internal(
                p,
                format!(
                    "weight `{}` is placed in the activation arena; weights need buffers of their own",
                    buf.name
                ),
            ));
        }
        if data.len() as u64 != buf.device_bytes() {
            return Err(internal(
                p,
                format!(
                    "weight `{}` has {} bytes of device data, its buffer (shape {:?}, {:?}) needs {}",
                    buf.name,
                    data.len(),
                    buf.shape,
                    buf.elem,
                    buf.device_bytes()
                ),
            ));
        }
    }
    check_dims(p)?;
    for b in &p.buffers {
        if let Placement::Arena { offset } = b.placement {
            let end = offset.checked_add(b.device_bytes());
            if end.is_none_or(|e| e > p.arena_bytes) {
                return Err(internal(
                    p,
                    format!(
                        "buffer `{}` at arena offset {offset} ({} bytes) ends past the arena ({} bytes)",
                        b.name,
                        b.device_bytes(),
                        p.arena_bytes
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Dynamic axes and launches name program dims that exist; a dynamic axis is sized at its dim's
/// bound; a dispatch's launch has one program dim per kernel dim.
fn check_dims(p: &Program) -> Result<()> {
    for b in &p.buffers {
        for &(axis, d) in &b.dynamic {
            let Some(dim) = p.dims.get(d) else {
                return Err(internal(
                    p,
                    format!("buffer `{}`: program dim {d} does not exist", b.name),
                ));
            };
            if b.shape.get(axis) != Some(&dim.bound) {
                return Err(internal(
                    p,
                    format!(
                        "buffer `{}` (shape {:?}): axis {axis} is dim `{}`, which it must be sized at ({})",
                        b.name, b.shape, dim.name, dim.bound
                    ),
                ));
            }
        }
    }
    for d in &p.dispatches {
        if let Some(l) = &d.launch {
            if l.program_dims.len() != l.dims.len() || l.program_dims.iter().any(|&x| x >= p.dims.len()) {
                return Err(internal(
                    p,
                    format!("dispatch `{}`: its launch's dims do not name program dims", d.label),
                ));
            }
        }
    }
    Ok(())
}

fn unsupported(kernel: &str, message: String) -> WgslError {
    WgslError::Unsupported {
        kernel: kernel.to_string(),
        message,
    }
}

/// The device limits and features the program needs.
fn check_device(gpu: &Gpu, p: &Program) -> Result<()> {
    let caps = &gpu.caps;
    let adapter = &gpu.adapter.name;
    let uses = |needle: &str| {
        p.dispatches
            .iter()
            .find(|d| d.wgsl.contains(needle))
            .map(|d| d.label.as_str())
            .unwrap_or(p.name.as_str())
    };
    if p.uses_f16 && !gpu.features.contains(wgpu::Features::SHADER_F16) {
        return Err(unsupported(
            uses("enable f16"),
            format!(
                "needs f16 shaders (SHADER_F16), which adapter `{adapter}` does not have; compile with f32 precision"
            ),
        ));
    }
    if p.uses_subgroups && !gpu.features.contains(wgpu::Features::SUBGROUP) {
        return Err(unsupported(
            uses("subgroup"),
            format!(
                "needs subgroup operations (SUBGROUP), which adapter `{adapter}` does not have; compile for a \
                 target without subgroups"
            ),
        ));
    }
    let align = u64::from(caps.storage_offset_alignment.max(1));
    let mut bound = vec![false; p.buffers.len()];
    for d in &p.dispatches {
        if d.bindings.len() as u64 > u64::from(caps.max_storage_buffers_per_stage) {
            return Err(unsupported(
                &d.label,
                format!(
                    "needs {} storage buffer bindings, adapter `{adapter}` allows {} per shader stage \
                     (max_storage_buffers_per_shader_stage)",
                    d.bindings.len(),
                    caps.max_storage_buffers_per_stage
                ),
            ));
        }
        for (axis, &n) in ["x", "y", "z"].iter().zip(&d.workgroups) {
            if n > caps.max_workgroups_per_dim {
                return Err(unsupported(
                    &d.label,
                    format!(
                        "dispatches {n} workgroups along {axis}, adapter `{adapter}` allows {} per dimension \
                         (max_compute_workgroups_per_dimension)",
                        caps.max_workgroups_per_dim
                    ),
                ));
            }
        }
        for b in &d.bindings {
            bound[b.buffer] = true;
            check_buffer(gpu, p, b.buffer, &d.label, align)?;
        }
    }
    for (i, was_bound) in bound.iter().enumerate() {
        if !was_bound {
            check_buffer(gpu, p, i, &p.name, align)?;
        }
    }
    let max_buffer = gpu.device.limits().max_buffer_size;
    if p.arena_bytes > max_buffer {
        return Err(unsupported(
            &p.name,
            format!(
                "needs an activation arena of {} bytes, adapter `{adapter}` allows buffers of at most {max_buffer} \
                 bytes (max_buffer_size)",
                p.arena_bytes
            ),
        ));
    }
    Ok(())
}

/// One buffer's size and arena offset, blamed on `kernel`.
fn check_buffer(gpu: &Gpu, p: &Program, i: usize, kernel: &str, align: u64) -> Result<()> {
    let caps = &gpu.caps;
    let b = &p.buffers[i];
    let bytes = b.device_bytes();
    if bytes > caps.max_storage_binding_bytes {
        return Err(unsupported(
            kernel,
            format!(
                "buffer `{}` takes {bytes} bytes, adapter `{}` binds at most {} bytes per storage buffer \
                 (max_storage_buffer_binding_size)",
                b.name, gpu.adapter.name, caps.max_storage_binding_bytes
            ),
        ));
    }
    if let Placement::Arena { offset } = b.placement {
        if !offset.is_multiple_of(align) {
            return Err(unsupported(
                kernel,
                format!(
                    "buffer `{}` is at arena offset {offset}, adapter `{}` needs storage offsets that are multiples \
                     of {align} (min_storage_buffer_offset_alignment)",
                    b.name, gpu.adapter.name
                ),
            ));
        }
    }
    Ok(())
}
