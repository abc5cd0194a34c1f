//! A compiled WGSL program: what codegen produces and the runtime executes.
//!
//! The program owns a table of device buffers (the kernel graph's buffers, in the same order,
//! followed by the scratch buffers codegen added for values a kernel materializes between its
//! own dispatches) and a list of dispatches in execution order. Each dispatch is one validated
//! compute shader with entry point `main`, whose storage bindings are `@group(0) @binding(i)` for
//! `bindings[i]`, all declared `read_write` (an arena buffer is bound several times per
//! dispatch, and wgpu forbids mixing read-only and writable bindings of one buffer).
//!
//! Activations, outputs and scratch buffers live in one activation arena at the offsets of the
//! memory plan; inputs and weights each get a buffer of their own. Host data moves through
//! [`to_device_bytes`] and [`from_device_bytes`], which apply the element mapping of
//! [`crate::wgsl::types`] (i64 narrowed to i32 with a range check, booleans as u32, ...).

use super::error::{Result, WgslError};
use super::types::{Elem, Precision};
use edgecc_ir::{DType, TensorData};
use half::f16;

/// Where a device buffer lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// In the activation arena at this byte offset (a multiple of the storage-offset alignment).
    Arena { offset: u64 },
    /// A buffer of its own (inputs and weights).
    Own,
}

/// What a device buffer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Input,
    Output,
    Weight,
    Activation,
    /// A value a kernel materializes between its own dispatches.
    Scratch,
}

/// One buffer on the device.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceBuffer {
    pub name: String,
    /// The IR dtype (what the host sees).
    pub dtype: DType,
    /// The storage element on the device.
    pub elem: Elem,
    /// The shape at the bounds of its dynamic dims (what the buffer is sized for).
    pub shape: Vec<u64>,
    /// Its dynamic axes: `(axis, dim)` where the extent of `axis` is the value of program dim
    /// [`Program::dims`]`[dim]` at each run (empty for a static buffer).
    pub dynamic: Vec<(usize, usize)>,
    pub role: Role,
    pub placement: Placement,
}

impl DeviceBuffer {
    pub fn numel(&self) -> u64 {
        self.shape.iter().product()
    }

    /// The shape for the program dims' values `dims` (one per [`Program::dims`]).
    pub fn shape_at(&self, dims: &[u64]) -> Vec<u64> {
        let mut s = self.shape.clone();
        for &(axis, d) in &self.dynamic {
            if let (Some(x), Some(&v)) = (s.get_mut(axis), dims.get(d)) {
                *x = v;
            }
        }
        s
    }

    /// Bytes on the device, rounded up to 4 (a binding's size must be a multiple of 4) and at
    /// least 4 (an empty tensor still gets a binding).
    pub fn device_bytes(&self) -> u64 {
        (self.numel() * self.elem.bytes()).div_ceil(4).max(1) * 4
    }
}

/// One storage binding of a dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// Index into [`Program::buffers`].
    pub buffer: usize,
    /// Whether the shader writes it.
    pub writes: bool,
}

/// One compute-shader launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispatch {
    /// The kernel (of the kernel graph) this dispatch belongs to.
    pub kernel: String,
    /// Unique label: the kernel name, with `.N` for the second and later dispatches of a kernel.
    pub label: String,
    /// The shader (entry point `main`), validated by naga.
    pub wgsl: std::sync::Arc<str>,
    /// `bindings[i]` is `@group(0) @binding(i)`.
    pub bindings: Vec<Binding>,
    /// Workgroup counts (x, y, z), each within the device's per-dimension limit.
    pub workgroups: [u32; 3],
    /// The canonical key of the problem this dispatch computes.
    pub problem: edgecc_autotune::ProblemKey,
    /// The schedule it was compiled with.
    pub schedule: edgecc_autotune::Schedule,
    /// The kernel IR it was rendered from, as text ([`crate::kir::print`]): a pointwise kernel
    /// whole, or a template's caller functions (its main loop is the template's WGSL). `None`
    /// for a program read back from a device binary, which keeps only the shader.
    pub kir: Option<std::sync::Arc<str>>,
    /// For a dispatch over dynamic dims: how each run sizes it, and its parameter buffer (a
    /// `uniform` binding after the storage ones). `workgroups` is then the launch at the bounds.
    pub launch: Option<DynamicLaunch>,
}

/// A dynamic dim of a program: its value comes from the inputs' shapes at each run, at most
/// `bound` (the memory plan and every buffer are sized at the bound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramDim {
    pub name: String,
    pub bound: u64,
}

/// How a dispatch over dynamic dims is launched: its kernel's dims (kir dim `j` is program dim
/// `program_dims[j]` and fills the parameter slot its declaration names) and workgroup counts
/// over them.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicLaunch {
    /// The kernel's dims, with their bounds and parameter slots.
    pub dims: crate::kir::Arena<crate::kir::Dim>,
    /// The program dim each kernel dim is.
    pub program_dims: Vec<usize>,
    /// Workgroup counts in x, y, z over the kernel's dims.
    pub workgroups: [crate::kir::Extent; 3],
    /// For one of several variants of a dispatch (each compiled with the schedule for its
    /// range of a dim): the sizes it runs at. At other sizes it launches no workgroup.
    pub when: Option<LaunchRange>,
}

/// The sizes of kernel dim `dim` (an index into [`DynamicLaunch::dims`]) a dispatch variant
/// runs at: `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaunchRange {
    pub dim: usize,
    pub min: u64,
    pub max: u64,
}

impl DynamicLaunch {
    /// The launch for the program dims' values `dims`: the workgroup counts (none outside the
    /// variant's range), and the parameter buffer's bytes (one `u32` per slot, padded to a
    /// multiple of 16 bytes, at least 16, as a uniform binding needs).
    pub fn resolve(&self, dims: &[u64]) -> std::result::Result<([u32; 3], Vec<u8>), String> {
        let values: Vec<u64> = self
            .program_dims
            .iter()
            .map(|&d| {
                dims.get(d)
                    .copied()
                    .ok_or_else(|| format!("program dim {d} has no value"))
            })
            .collect::<std::result::Result<_, _>>()?;
        let mut workgroups = [0u32; 3];
        let runs = match self.when {
            None => true,
            Some(r) => {
                let v = values
                    .get(r.dim)
                    .ok_or_else(|| format!("its variant range names kernel dim {}, which it lacks", r.dim))?;
                (r.min..=r.max).contains(v)
            }
        };
        if runs {
            for (w, e) in workgroups.iter_mut().zip(&self.workgroups) {
                let n = e.eval(&self.dims, &values).map_err(|e| e.to_string())?;
                *w = u32::try_from(n).map_err(|_| format!("{n} workgroups do not fit u32"))?;
            }
        }
        let mut slots: Vec<u32> = Vec::new();
        for (h, d) in self.dims.iter() {
            let decl = d.decl.ok_or_else(|| format!("dim `{}` is not declared", d.name))?;
            let v = values[h.index()];
            if v > decl.bound {
                return Err(format!("dim `{}` is {v}, over its bound {}", d.name, decl.bound));
            }
            let slot = decl.slot as usize;
            if slots.len() <= slot {
                slots.resize(slot + 1, 0);
            }
            slots[slot] = u32::try_from(v).map_err(|_| format!("dim `{}` = {v} does not fit u32", d.name))?;
        }
        slots.resize(slots.len().max(1).next_multiple_of(4), 0);
        Ok((workgroups, bytemuck::cast_slice(&slots).to_vec()))
    }
}

/// A whole compiled model.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub name: String,
    pub precision: Precision,
    /// The kernel graph's buffers in order, then scratch buffers.
    pub buffers: Vec<DeviceBuffer>,
    /// Buffers of the graph inputs and outputs, in order.
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Weight data in its device layout ([`to_device_bytes`] of the weight for its buffer's
    /// element): exactly [`DeviceBuffer::device_bytes`] bytes each, uploaded as they are.
    pub weights: Vec<(usize, Vec<u8>)>,
    /// Bytes of the activation arena.
    pub arena_bytes: u64,
    pub dispatches: Vec<Dispatch>,
    /// Its dynamic dims (empty for a static program).
    pub dims: Vec<ProgramDim>,
    /// Whether shaders use `enable f16;` (the device must have `SHADER_F16`).
    pub uses_f16: bool,
    /// Whether shaders use subgroup builtins (the device must have `SUBGROUP`).
    pub uses_subgroups: bool,
}

/// Converts host data to device bytes for a buffer of element `elem`. i64 values outside the i32
/// range are an error naming `what` and the first offending element; finite floats beyond f16's
/// range saturate to ±65504 in `f16` elements ([`super::types::saturate_f16`]).
pub fn to_device_bytes(t: &TensorData, elem: Elem, what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(t.numel() * elem.bytes() as usize + 4);
    match elem {
        Elem::F32 => {
            for v in t.to_f32_vec() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        Elem::F16 => {
            for v in t.to_f32_vec() {
                out.extend_from_slice(&f16::from_f32(super::types::saturate_f16(v)).to_le_bytes());
            }
        }
        Elem::I32 => {
            for (i, v) in t.to_i64_vec().into_iter().enumerate() {
                let Ok(n) = i32::try_from(v) else {
                    return Err(WgslError::Range(format!(
                        "{what}: element {i} is {v}, outside the i32 range WGSL devices compute {} in \
                         (WGSL has no 64-bit integers)",
                        t.dtype()
                    )));
                };
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        Elem::U32 => {
            for v in t.to_i64_vec() {
                out.extend_from_slice(&u32::from(v != 0).to_le_bytes());
            }
        }
    }
    while out.len() % 4 != 0 || out.is_empty() {
        out.push(0);
    }
    Ok(out)
}

/// Converts device bytes of a buffer back to host data of its IR dtype and shape.
pub fn from_device_bytes(bytes: &[u8], buf: &DeviceBuffer) -> Result<TensorData> {
    from_device_bytes_as(bytes, buf, &buf.shape)
}

/// [`from_device_bytes`] for the buffer's run-time `shape` (its dynamic dims' values).
pub fn from_device_bytes_as(bytes: &[u8], buf: &DeviceBuffer, shape: &[u64]) -> Result<TensorData> {
    let n = shape.iter().product::<u64>() as usize;
    let need = n * buf.elem.bytes() as usize;
    if bytes.len() < need {
        return Err(WgslError::Internal(format!(
            "buffer `{}`: read back {} bytes, need {need}",
            buf.name,
            bytes.len()
        )));
    }
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let bad = |e: edgecc_ir::TensorError| WgslError::Internal(format!("buffer `{}`: {e}", buf.name));
    match buf.elem {
        Elem::F32 | Elem::F16 => {
            let vals: Vec<f64> = if buf.elem == Elem::F32 {
                bytes[..need]
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
                    .collect()
            } else {
                bytes[..need]
                    .chunks_exact(2)
                    .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f64())
                    .collect()
            };
            TensorData::from_f64(buf.dtype, shape, &vals).map_err(bad)
        }
        Elem::I32 | Elem::U32 => {
            let vals: Vec<i64> = bytes[..need]
                .chunks_exact(4)
                .map(|c| {
                    let w = [c[0], c[1], c[2], c[3]];
                    if buf.elem == Elem::I32 {
                        i32::from_le_bytes(w) as i64
                    } else {
                        (u32::from_le_bytes(w) != 0) as i64
                    }
                })
                .collect();
            TensorData::from_i64(buf.dtype, shape, &vals).map_err(bad)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(dtype: DType, elem: Elem, shape: Vec<u64>) -> DeviceBuffer {
        DeviceBuffer {
            name: "b".into(),
            dtype,
            elem,
            shape,
            dynamic: Vec::new(),
            role: Role::Output,
            placement: Placement::Own,
        }
    }

    #[test]
    fn round_trips() {
        let t = TensorData::from_i64(DType::I64, vec![3], &[-5, 0, 7]).unwrap();
        let b = to_device_bytes(&t, Elem::I32, "x").unwrap();
        assert_eq!(from_device_bytes(&b, &buf(DType::I64, Elem::I32, vec![3])).unwrap(), t);
        let t = TensorData::from_f32(DType::F16, vec![2], &[1.5, -0.25]).unwrap();
        let b = to_device_bytes(&t, Elem::F16, "x").unwrap();
        assert_eq!(b.len(), 4);
        assert_eq!(from_device_bytes(&b, &buf(DType::F16, Elem::F16, vec![2])).unwrap(), t);
        let t = TensorData::from_i64(DType::Bool, vec![3], &[1, 0, 1]).unwrap();
        let b = to_device_bytes(&t, Elem::U32, "x").unwrap();
        assert_eq!(from_device_bytes(&b, &buf(DType::Bool, Elem::U32, vec![3])).unwrap(), t);
    }

    #[test]
    fn i64_out_of_range_is_an_error_naming_the_element() {
        let t = TensorData::from_i64(DType::I64, vec![2], &[1, 1 << 40]).unwrap();
        let e = to_device_bytes(&t, Elem::I32, "input `ids`").unwrap_err().to_string();
        assert!(e.contains("input `ids`: element 1 is 1099511627776"), "{e}");
    }
}
