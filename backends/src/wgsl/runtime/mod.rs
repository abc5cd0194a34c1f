//! The wgpu runtime: a [`Session`] runs a compiled [`Program`] on a [`Gpu`] again and again.
//!
//! Everything that does not depend on the inputs is made once, in [`Session::new`]:
//!
//! - the program is checked against the device (bindings per dispatch, binding size, workgroups
//!   per dimension, f16, subgroups, arena-offset alignment); what does not fit is
//!   [`WgslError::Unsupported`] naming the dispatch and the limit;
//! - one **activation arena** buffer of [`Program::arena_bytes`] holds every buffer placed at
//!   [`Placement::Arena`] offsets by the memory plan (activations, outputs, scratch); every
//!   [`Placement::Own`] buffer (inputs, weights) gets a buffer of its own;
//! - **weights are uploaded once** (converted by [`to_device_bytes`]);
//! - one **pipeline and one bind group per dispatch** (dispatches with identical WGSL, such as
//!   the repeated blocks of a transformer, share one pipeline); arena bindings are ranges
//!   `offset..offset + device_bytes` of the arena, all read-write storage;
//! - one mappable staging buffer per output.
//!
//! [`Session::run`] checks the inputs (count, dtype, shape), uploads them, records **one command
//! buffer**: every dispatch in order, then copies of the outputs (from the arena or from their own
//! buffers, where an output is also an input or a weight) to the staging buffers; submits it once,
//! maps the staging buffers and converts them with [`from_device_bytes_as`].
//!
//! Options ([`SessionOptions`]):
//! - `poison`: before every run the whole arena and every output that is not an input or weight
//!   is filled with `0xFF` bytes (NaN for floats, -1 for integers), so tests catch elements a
//!   kernel forgets to write.
//! - `profile`: every dispatch runs in a compute pass of its own with timestamp writes at its
//!   beginning and end; [`Session::last_profile`] gives one [`KernelTime`] per dispatch after each
//!   run. An adapter without timestamp queries makes [`Session::new`] fail.
//!
//! Device errors (validation, out of memory, a failed map) are captured with error scopes and
//! come back as [`WgslError::Device`]; nothing here panics on a program or on inputs.

mod check;
mod profile;
mod readback;

pub use profile::KernelTime;

use super::device::Gpu;
use super::error::{Result, WgslError};
use super::program::{from_device_bytes_as, to_device_bytes, Placement, Program};
use edgecc_ir::TensorData;
use profile::Profiler;
use readback::{read_back, Scopes};
use std::collections::HashMap;
use std::num::NonZeroU64;
use std::sync::Arc;

/// How a [`Session`] runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Fill the arena and every output with `0xFF` bytes before every run.
    pub poison: bool,
    /// Time every dispatch with timestamp queries (see [`Session::last_profile`]).
    pub profile: bool,
}

/// A program loaded on a device, ready to run.
pub struct Session {
    gpu: Arc<Gpu>,
    program: Program,
    opts: SessionOptions,
    arena: wgpu::Buffer,
    /// `own[i]`: the buffer of program buffer `i` when it is [`Placement::Own`].
    own: Vec<Option<wgpu::Buffer>>,
    /// One per distinct shader: dispatches with the same WGSL share a pipeline.
    pipelines: Vec<wgpu::ComputePipeline>,
    /// `pipelines[pipeline_of[i]]` runs dispatch `i`.
    pipeline_of: Vec<usize>,
    bind_groups: Vec<wgpu::BindGroup>,
    /// The parameter buffer of each dispatch over dynamic dims.
    params: Vec<Option<wgpu::Buffer>>,
    /// What each parameter buffer last had written (a run at the sizes of the last one writes
    /// none).
    written: Vec<Option<Vec<u8>>>,
    /// One per program output.
    staging: Vec<wgpu::Buffer>,
    /// `(buffer index or None for the arena, bytes)` regions poisoned before every run.
    poison: Vec<(Option<usize>, u64)>,
    /// `0xFF` bytes, the largest chunk written at once when poisoning.
    fill: Vec<u8>,
    profiler: Option<Profiler>,
    last_profile: Option<Vec<KernelTime>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("program", &self.program.name)
            .field("adapter", &self.gpu.adapter.name)
            .field("opts", &self.opts)
            .finish()
    }
}

/// Largest single `write_buffer` when poisoning.
const FILL_CHUNK: u64 = 4 << 20;

impl Session {
    /// Loads `program` on `gpu`: checks it fits, creates the arena and own buffers, uploads the
    /// weights, creates every pipeline and bind group. Clones the program (weights included);
    /// [`Session::from_program`] takes it by value.
    pub fn new(gpu: Arc<Gpu>, program: &Program, opts: SessionOptions) -> Result<Session> {
        Session::from_program(gpu, program.clone(), opts)
    }

    /// [`Session::new`] for a program given by value.
    pub fn from_program(gpu: Arc<Gpu>, program: Program, opts: SessionOptions) -> Result<Session> {
        check::check_program(&gpu, &program)?;
        let profiler = if opts.profile {
            Some(Profiler::new(&gpu, &program)?)
        } else {
            None
        };
        let device = &gpu.device;
        let scopes = Scopes::push(device);
        let storage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let arena_size = program.arena_bytes.div_ceil(4).max(1) * 4;
        let arena = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("edgecc arena"),
            size: arena_size,
            usage: storage,
            mapped_at_creation: false,
        });
        let own: Vec<Option<wgpu::Buffer>> = program
            .buffers
            .iter()
            .map(|b| {
                (b.placement == Placement::Own).then(|| {
                    device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some(&b.name),
                        size: b.device_bytes(),
                        usage: storage,
                        mapped_at_creation: false,
                    })
                })
            })
            .collect();
        for (i, bytes) in &program.weights {
            if let Some(buf) = &own[*i] {
                gpu.queue.write_buffer(buf, 0, bytes);
            }
        }
        scopes.pop(&format!("program `{}`: creating buffers", program.name))?;

        let mut pipelines: Vec<wgpu::ComputePipeline> = Vec::new();
        let mut pipeline_of = Vec::with_capacity(program.dispatches.len());
        let mut bind_groups = Vec::with_capacity(program.dispatches.len());
        let mut params = Vec::with_capacity(program.dispatches.len());
        let mut made: HashMap<(&str, usize), usize> = HashMap::new();
        // Dispatches usually share their text (`Arc`): by pointer first, so each distinct text
        // is hashed once.
        let mut by_ptr: HashMap<(*const u8, usize), usize> = HashMap::new();
        for d in &program.dispatches {
            // A dispatch with a parameter buffer has one binding more.
            let n = d.bindings.len() + usize::from(d.launch.is_some());
            let ptr = (Arc::as_ptr(&d.wgsl) as *const u8, n);
            let key = (&*d.wgsl, n);
            let p = match by_ptr.get(&ptr).or_else(|| made.get(&key)) {
                Some(&p) => p,
                None => {
                    pipelines.push(gpu.pipeline_with(&d.label, &d.wgsl, d.bindings.len(), d.launch.is_some())?);
                    made.insert(key, pipelines.len() - 1);
                    pipelines.len() - 1
                }
            };
            by_ptr.insert(ptr, p);
            let scopes = Scopes::push(device);
            let layout = pipelines[p].get_bind_group_layout(0);
            let param = d.launch.as_ref().map(|l| {
                let size = (l.dims.len().max(1).next_multiple_of(4) * 4) as u64;
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&d.label),
                    size,
                    usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            });
            let mut entries: Vec<wgpu::BindGroupEntry> = d
                .bindings
                .iter()
                .enumerate()
                .map(|(k, b)| {
                    let buf = &program.buffers[b.buffer];
                    let binding = match (&own[b.buffer], buf.placement) {
                        (Some(own), _) => own.as_entire_buffer_binding(),
                        (None, Placement::Arena { offset }) => wgpu::BufferBinding {
                            buffer: &arena,
                            offset,
                            size: NonZeroU64::new(buf.device_bytes()),
                        },
                        // Unreachable: `own` has a buffer for every `Own` placement.
                        (None, Placement::Own) => arena.as_entire_buffer_binding(),
                    };
                    wgpu::BindGroupEntry {
                        binding: k as u32,
                        resource: wgpu::BindingResource::Buffer(binding),
                    }
                })
                .collect();
            if let Some(buf) = &param {
                entries.push(wgpu::BindGroupEntry {
                    binding: d.bindings.len() as u32,
                    resource: buf.as_entire_binding(),
                });
            }
            let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&d.label),
                layout: &layout,
                entries: &entries,
            });
            scopes.pop(&format!("dispatch `{}`: creating its bind group", d.label))?;
            pipeline_of.push(p);
            bind_groups.push(bg);
            params.push(param);
        }

        let scopes = Scopes::push(device);
        let staging = program
            .outputs
            .iter()
            .map(|&i| {
                let b = &program.buffers[i];
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&b.name),
                    size: b.device_bytes(),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            })
            .collect();
        scopes.pop(&format!("program `{}`: creating staging buffers", program.name))?;

        let mut poison = Vec::new();
        let mut largest = 0;
        if opts.poison {
            poison.push((None, arena_size));
            largest = arena_size;
            let weights: Vec<usize> = program.weights.iter().map(|(i, _)| *i).collect();
            for &i in &program.outputs {
                let here = (Some(i), program.buffers[i].device_bytes());
                if own[i].is_some() && !program.inputs.contains(&i) && !weights.contains(&i) && !poison.contains(&here)
                {
                    largest = largest.max(here.1);
                    poison.push(here);
                }
            }
        }
        let fill = vec![0xFF; largest.min(FILL_CHUNK) as usize];

        Ok(Session {
            gpu,
            program,
            opts,
            arena,
            own,
            pipelines,
            pipeline_of,
            bind_groups,
            written: vec![None; params.len()],
            params,
            staging,
            poison,
            fill,
            profiler,
            last_profile: None,
        })
    }

    /// The program this session runs.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The device it runs on.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The options it was created with.
    pub fn options(&self) -> SessionOptions {
        self.opts
    }

    /// Per-dispatch GPU times of the last successful run, in dispatch order (profiling sessions
    /// only; `None` before the first run).
    pub fn last_profile(&self) -> Option<&[KernelTime]> {
        self.last_profile.as_deref()
    }

    /// The device buffer of program buffer `i` and the byte offset of its data in it.
    fn location(&self, i: usize) -> (&wgpu::Buffer, u64) {
        match (&self.own[i], self.program.buffers[i].placement) {
            (Some(b), _) => (b, 0),
            (None, Placement::Arena { offset }) => (&self.arena, offset),
            (None, Placement::Own) => (&self.arena, 0),
        }
    }

    /// Checks the inputs against the program's interface and converts them to device bytes;
    /// the values of the program's dynamic dims, read off the inputs' shapes.
    fn input_bytes(&self, inputs: &[TensorData]) -> Result<(Vec<Vec<u8>>, Vec<u64>)> {
        let p = &self.program;
        if inputs.len() != p.inputs.len() {
            let names: Vec<String> = p.inputs.iter().map(|&i| format!("`{}`", p.buffers[i].name)).collect();
            return Err(WgslError::Input(format!(
                "program `{}` takes {} input(s) ({}), got {}",
                p.name,
                p.inputs.len(),
                names.join(", "),
                inputs.len()
            )));
        }
        let dims = self.dims_of(inputs)?;
        let bytes = p
            .inputs
            .iter()
            .zip(inputs)
            .map(|(&i, t)| {
                let b = &p.buffers[i];
                let want: Vec<usize> = b.shape_at(&dims).iter().map(|&d| d as usize).collect();
                if t.dtype() != b.dtype || t.shape() != want.as_slice() {
                    return Err(WgslError::Input(format!(
                        "input `{}`: expected {}{:?}, got {}{:?}",
                        b.name,
                        b.dtype,
                        want,
                        t.dtype(),
                        t.shape()
                    )));
                }
                to_device_bytes(t, b.elem, &format!("input `{}`", b.name))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((bytes, dims))
    }

    /// The value of each program dim, from the extents of the inputs' dynamic axes: over its
    /// bound, or two inputs disagreeing, is an error naming the input and the dim.
    fn dims_of(&self, inputs: &[TensorData]) -> Result<Vec<u64>> {
        let p = &self.program;
        let mut values: Vec<Option<(u64, &str)>> = vec![None; p.dims.len()];
        for (&i, t) in p.inputs.iter().zip(inputs) {
            let b = &p.buffers[i];
            for &(axis, d) in &b.dynamic {
                let dim = p.dims.get(d).ok_or_else(|| {
                    WgslError::Internal(format!("buffer `{}`: program dim {d} does not exist", b.name))
                })?;
                let Some(&v) = t.shape().get(axis) else {
                    return Err(WgslError::Input(format!(
                        "input `{}`: rank {}, but dim `{}` is its axis {axis}",
                        b.name,
                        t.shape().len(),
                        dim.name
                    )));
                };
                let v = v as u64;
                if v > dim.bound {
                    return Err(WgslError::Input(format!(
                        "input `{}`: dim `{}` (axis {axis}) is {v}, over its bound {}; recompile with a larger bound",
                        b.name, dim.name, dim.bound
                    )));
                }
                match values[d] {
                    Some((w, other)) if w != v => {
                        return Err(WgslError::Input(format!(
                            "input `{}` has dim `{}` = {v}, but input `{other}` has it = {w}",
                            b.name, dim.name
                        )))
                    }
                    Some(_) => {}
                    None => values[d] = Some((v, b.name.as_str())),
                }
            }
        }
        values
            .iter()
            .zip(&p.dims)
            .map(|(v, d)| {
                v.map(|(v, _)| v)
                    .ok_or_else(|| WgslError::Input(format!("no input of program `{}` gives dim `{}`", p.name, d.name)))
            })
            .collect()
    }

    /// The workgroup counts of dispatch `i` for dim values `dims`, its parameter buffer
    /// written when it has one, the dispatch launches, and the sizes changed since the last
    /// write.
    fn launch_of(&mut self, i: usize, dims: &[u64]) -> Result<[u32; 3]> {
        let d = &self.program.dispatches[i];
        match (&d.launch, &self.params[i]) {
            (None, _) => Ok(d.workgroups),
            (Some(l), Some(buf)) => {
                let (wg, bytes) = l
                    .resolve(dims)
                    .map_err(|e| WgslError::Internal(format!("dispatch `{}`: {e}", d.label)))?;
                if wg.contains(&0) || self.written[i].as_ref() == Some(&bytes) {
                    return Ok(wg);
                }
                self.gpu.queue.write_buffer(buf, 0, &bytes);
                self.written[i] = Some(bytes);
                Ok(wg)
            }
            (Some(_), None) => Err(WgslError::Internal(format!(
                "dispatch `{}` has no parameter buffer",
                d.label
            ))),
        }
    }

    /// Runs the program once on `inputs` (in the order of [`Program::inputs`]) and returns the
    /// outputs (in the order of [`Program::outputs`]).
    pub fn run(&mut self, inputs: &[TensorData]) -> Result<Vec<TensorData>> {
        let (bytes, dims) = self.input_bytes(inputs)?;
        let launches: Vec<[u32; 3]> = (0..self.program.dispatches.len())
            .map(|i| self.launch_of(i, &dims))
            .collect::<Result<_>>()?;
        let gpu = &*self.gpu;
        let name = &self.program.name;
        let scopes = Scopes::push(&gpu.device);
        for &(region, size) in &self.poison {
            let buf = match region {
                Some(i) => self.location(i).0,
                None => &self.arena,
            };
            let mut at = 0;
            while at < size {
                let n = (size - at).min(self.fill.len() as u64);
                if n == 0 {
                    break;
                }
                gpu.queue.write_buffer(buf, at, &self.fill[..n as usize]);
                at += n;
            }
        }
        for (&i, data) in self.program.inputs.iter().zip(&bytes) {
            let (buf, offset) = self.location(i);
            gpu.queue.write_buffer(buf, offset, data);
        }
        let mut enc = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some(name.as_str()),
        });
        match &self.profiler {
            Some(prof) => {
                for (i, d) in self.program.dispatches.iter().enumerate() {
                    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some(&d.label),
                        timestamp_writes: prof.writes(i),
                    });
                    pass.set_pipeline(&self.pipelines[self.pipeline_of[i]]);
                    pass.set_bind_group(0, &self.bind_groups[i], &[]);
                    let [x, y, z] = launches[i];
                    pass.dispatch_workgroups(x, y, z);
                }
                prof.resolve(&mut enc);
            }
            None => {
                // One pass: WebGPU makes each dispatch's writes visible to the next dispatch.
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(name.as_str()),
                    timestamp_writes: None,
                });
                for (i, [x, y, z]) in launches.iter().copied().enumerate() {
                    // A variant outside its range (or an empty launch) encodes nothing.
                    if x == 0 || y == 0 || z == 0 {
                        continue;
                    }
                    pass.set_pipeline(&self.pipelines[self.pipeline_of[i]]);
                    pass.set_bind_group(0, &self.bind_groups[i], &[]);
                    pass.dispatch_workgroups(x, y, z);
                }
            }
        }
        for (&i, staging) in self.program.outputs.iter().zip(&self.staging) {
            let (buf, offset) = self.location(i);
            enc.copy_buffer_to_buffer(buf, offset, staging, 0, staging.size());
        }
        gpu.queue.submit([enc.finish()]);
        scopes.pop(&format!("program `{name}`"))?;

        let mut to_read: Vec<&wgpu::Buffer> = self.staging.iter().collect();
        if let Some(prof) = self.profiler.as_ref().filter(|p| p.has_queries()) {
            to_read.push(&prof.readback);
        }
        let mut read = read_back(gpu, &to_read, name)?;
        let profile = match &self.profiler {
            Some(prof) => {
                let ticks = if prof.has_queries() {
                    read.pop().unwrap_or_default()
                } else {
                    Vec::new()
                };
                Some(prof.times(&self.program, &ticks))
            }
            None => None,
        };
        let outputs = self
            .program
            .outputs
            .iter()
            .zip(&read)
            .map(|(&i, data)| {
                let b = &self.program.buffers[i];
                from_device_bytes_as(data, b, &b.shape_at(&dims))
            })
            .collect::<Result<Vec<_>>>()?;
        self.last_profile = profile;
        Ok(outputs)
    }
}
