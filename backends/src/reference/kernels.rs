//! Running a fused [`KernelGraph`] (from `edgecc_passes::fuse`): each kernel's body graph, in
//! kernel order, over the kernel graph's buffers.
//!
//! This is how fusion and memory planning are tested against the interpreter:
//!
//! - [`run_kernels`] keeps each buffer as its own tensor, dropped after its last reader;
//! - [`run_planned`] stores every activation and output buffer in one byte arena at the offsets
//!   of a [`MemoryPlan`], so a plan that lets two live buffers share bytes (or writes a buffer
//!   over an input that is still needed) corrupts a value and shows up as a wrong result.

use super::error::RefError;
use super::run::run_tensors;
use super::tensor::Tensor;
use edgecc_ir::{Dim, TensorData};
use edgecc_passes::{BufferId, BufferKind, KernelGraph, MemoryPlan};

fn graph_err(kg: &KernelGraph, msg: String) -> RefError {
    RefError::Graph {
        graph: kg.name.clone(),
        msg,
    }
}

/// Checks the caller's inputs against the input buffers (dtype, rank, static extents, symbolic
/// bounds); per-kernel runs check the rest.
fn check_inputs(kg: &KernelGraph, inputs: &[TensorData]) -> Result<(), RefError> {
    if inputs.len() != kg.inputs.len() {
        return Err(RefError::InputCount {
            graph: kg.name.clone(),
            expected: kg.inputs.len(),
            got: inputs.len(),
        });
    }
    for (&b, t) in kg.inputs.iter().zip(inputs) {
        let buf = kg
            .buffers
            .get(b.index())
            .ok_or_else(|| graph_err(kg, format!("input buffer #{} does not exist", b.0)))?;
        if t.dtype() != buf.dtype {
            return Err(RefError::InputDType {
                input: buf.name.clone(),
                expected: buf.dtype,
                got: t.dtype(),
            });
        }
        let fits = buf.shape.rank() == t.shape().len()
            && buf.shape.dims().iter().zip(t.shape()).all(|(d, &n)| match d {
                Dim::Static(s) => *s == n as u64,
                Dim::Sym { max, .. } => n as u64 <= *max,
            });
        if !fits {
            return Err(RefError::InputShape {
                input: buf.name.clone(),
                expected: buf.shape.to_string(),
                got: t.shape().to_vec(),
                msg: "rank, a static extent or a symbolic bound differs".into(),
            });
        }
    }
    Ok(())
}

/// Index of the last kernel reading each buffer (`usize::MAX` for graph outputs: kept).
fn last_uses(kg: &KernelGraph) -> Vec<usize> {
    let mut last = vec![0usize; kg.buffers.len()];
    for (ki, k) in kg.kernels.iter().enumerate() {
        for &b in &k.inputs {
            if let Some(l) = last.get_mut(b.index()) {
                *l = ki;
            }
        }
    }
    for &o in &kg.outputs {
        if let Some(l) = last.get_mut(o.index()) {
            *l = usize::MAX;
        }
    }
    last
}

/// Where buffer contents live while a kernel graph runs.
trait Store {
    fn read(&self, kg: &KernelGraph, b: BufferId) -> Result<Tensor, RefError>;
    fn write(&mut self, kg: &KernelGraph, b: BufferId, t: Tensor) -> Result<(), RefError>;
    fn release(&mut self, b: BufferId);
}

/// Runs every kernel in order over `store`, which already holds the inputs and weights.
fn execute(kg: &KernelGraph, store: &mut dyn Store) -> Result<Vec<TensorData>, RefError> {
    let last = last_uses(kg);
    for (ki, k) in kg.kernels.iter().enumerate() {
        let args = k
            .inputs
            .iter()
            .map(|&b| store.read(kg, b))
            .collect::<Result<Vec<_>, _>>()?;
        let outs = run_tensors(&k.body, args).map_err(|e| graph_err(kg, format!("kernel `{}`: {e}", k.name)))?;
        if outs.len() != k.outputs.len() {
            return Err(graph_err(
                kg,
                format!(
                    "kernel `{}` produced {} outputs for {} buffers",
                    k.name,
                    outs.len(),
                    k.outputs.len()
                ),
            ));
        }
        for &b in &k.inputs {
            let kind = kg.buffers.get(b.index()).map(|x| x.kind);
            if last.get(b.index()) == Some(&ki) && kind == Some(BufferKind::Activation) {
                store.release(b);
            }
        }
        for (&b, t) in k.outputs.iter().zip(outs) {
            store.write(kg, b, t)?;
        }
    }
    kg.outputs
        .iter()
        .map(|&b| store.read(kg, b).map(|t| t.to_data()))
        .collect()
}

/// Every buffer as its own tensor.
struct Slots<'a> {
    slots: Vec<Option<std::borrow::Cow<'a, TensorData>>>,
}

impl Store for Slots<'_> {
    fn read(&self, kg: &KernelGraph, b: BufferId) -> Result<Tensor, RefError> {
        match self.slots.get(b.index()).and_then(Option::as_ref) {
            Some(t) => Ok(Tensor::from_data(t)),
            None => Err(graph_err(kg, format!("buffer #{} is read before it is written", b.0))),
        }
    }

    fn write(&mut self, kg: &KernelGraph, b: BufferId, t: Tensor) -> Result<(), RefError> {
        let slot = self
            .slots
            .get_mut(b.index())
            .ok_or_else(|| graph_err(kg, format!("buffer #{} does not exist", b.0)))?;
        *slot = Some(std::borrow::Cow::Owned(t.to_data()));
        Ok(())
    }

    fn release(&mut self, b: BufferId) {
        if let Some(s) = self.slots.get_mut(b.index()) {
            *s = None;
        }
    }
}

/// Runs `kg` on `inputs` (one per graph input, in order); returns the graph outputs in order.
pub fn run_kernels(kg: &KernelGraph, inputs: &[TensorData]) -> Result<Vec<TensorData>, RefError> {
    check_inputs(kg, inputs)?;
    let mut store = Slots {
        slots: vec![None; kg.buffers.len()],
    };
    for (&b, t) in kg.inputs.iter().zip(inputs) {
        store.slots[b.index()] = Some(std::borrow::Cow::Borrowed(t));
    }
    for w in &kg.weights {
        let slot = store
            .slots
            .get_mut(w.buffer.index())
            .ok_or_else(|| graph_err(kg, format!("weight buffer #{} does not exist", w.buffer.0)))?;
        *slot = Some(std::borrow::Cow::Borrowed(&w.data));
    }
    execute(kg, &mut store)
}

/// Inputs and weights as tensors; activations and outputs in one arena.
struct Arena<'a> {
    slots: Slots<'a>,
    bytes: Vec<u8>,
    /// Per buffer: its (offset, reserved size) in the arena, when it is placed there.
    place: Vec<Option<(usize, usize)>>,
    /// Per buffer: the shape last written (symbolic dims take their run-time extent).
    shapes: Vec<Option<Vec<usize>>>,
}

impl Store for Arena<'_> {
    fn read(&self, kg: &KernelGraph, b: BufferId) -> Result<Tensor, RefError> {
        let Some((off, _)) = self.place.get(b.index()).copied().flatten() else {
            return self.slots.read(kg, b);
        };
        let shape = self
            .shapes
            .get(b.index())
            .cloned()
            .flatten()
            .ok_or_else(|| graph_err(kg, format!("buffer #{} is read before it is written", b.0)))?;
        let buf = &kg.buffers[b.index()];
        let n: usize = shape.iter().product();
        let len = buf.dtype.storage_bytes(n);
        let bytes = self
            .bytes
            .get(off..off.saturating_add(len))
            .ok_or_else(|| graph_err(kg, format!("buffer `{}` lies outside the arena", buf.name)))?;
        let data = TensorData::from_bytes(buf.dtype, shape, bytes.to_vec())
            .map_err(|e| graph_err(kg, format!("buffer `{}`: {e}", buf.name)))?;
        Ok(Tensor::from_data(&data))
    }

    fn write(&mut self, kg: &KernelGraph, b: BufferId, t: Tensor) -> Result<(), RefError> {
        let Some((off, size)) = self.place.get(b.index()).copied().flatten() else {
            return self.slots.write(kg, b, t);
        };
        let buf = &kg.buffers[b.index()];
        let data = t.to_data();
        let src = data.bytes();
        if src.len() > size {
            return Err(graph_err(
                kg,
                format!(
                    "buffer `{}` holds {} bytes but the plan reserves {size}",
                    buf.name,
                    src.len()
                ),
            ));
        }
        let dst = self
            .bytes
            .get_mut(off..off.saturating_add(src.len()))
            .ok_or_else(|| graph_err(kg, format!("buffer `{}` lies outside the arena", buf.name)))?;
        dst.copy_from_slice(src);
        self.shapes[b.index()] = Some(data.shape().to_vec());
        Ok(())
    }

    fn release(&mut self, _b: BufferId) {}
}

/// Runs `kg` like [`run_kernels`], but with every activation and output buffer stored in one
/// arena of `plan.arena_bytes` bytes at its planned offset.
pub fn run_planned(kg: &KernelGraph, plan: &MemoryPlan, inputs: &[TensorData]) -> Result<Vec<TensorData>, RefError> {
    check_inputs(kg, inputs)?;
    let arena_len = usize::try_from(plan.arena_bytes).map_err(|_| {
        graph_err(
            kg,
            format!("arena of {} bytes does not fit in memory", plan.arena_bytes),
        )
    })?;
    let mut place = vec![None; kg.buffers.len()];
    for p in &plan.buffers {
        let (Ok(off), Ok(size)) = (usize::try_from(p.offset), usize::try_from(p.size)) else {
            return Err(graph_err(kg, format!("placement of buffer #{} overflows", p.buffer.0)));
        };
        let slot = place.get_mut(p.buffer.index()).ok_or_else(|| {
            graph_err(
                kg,
                format!("the plan places buffer #{}, which does not exist", p.buffer.0),
            )
        })?;
        *slot = Some((off, size));
    }
    for (i, b) in kg.buffers.iter().enumerate() {
        if matches!(b.kind, BufferKind::Activation | BufferKind::Output) && place[i].is_none() {
            return Err(graph_err(kg, format!("the plan does not place buffer `{}`", b.name)));
        }
    }
    let mut store = Arena {
        slots: Slots {
            slots: vec![None; kg.buffers.len()],
        },
        // A recognizable pattern, so that reading unwritten bytes does not look like zeros.
        bytes: vec![0xA5; arena_len],
        place,
        shapes: vec![None; kg.buffers.len()],
    };
    for (&b, t) in kg.inputs.iter().zip(inputs) {
        store.slots.slots[b.index()] = Some(std::borrow::Cow::Borrowed(t));
    }
    for w in &kg.weights {
        let slot = store
            .slots
            .slots
            .get_mut(w.buffer.index())
            .ok_or_else(|| graph_err(kg, format!("weight buffer #{} does not exist", w.buffer.0)))?;
        *slot = Some(std::borrow::Cow::Borrowed(&w.data));
    }
    execute(kg, &mut store)
}
