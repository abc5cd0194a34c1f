//! The wgpu device: adapter listing and selection, device creation with the adapter's own
//! limits and the features a program needs, the [`DeviceCaps`] read off the adapter, and
//! [`Gpu::run_shader`], a one-shot launch of a single shader (used by template tests; whole
//! programs run through [`crate::wgsl::runtime`]).
//!
//! Adapter selection: `EDGECC_ADAPTER` (or the CLI's `--adapter`) names a substring of the
//! adapter name or its index in [`list_adapters`]; otherwise the first adapter that is not a CPU
//! device is preferred, then any (lavapipe is a CPU device).

use super::error::{Result, WgslError};
use edgecc_autotune::{Backend, DeviceCaps};

/// One adapter as listed by `edgecc targets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterInfo {
    pub index: usize,
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
}

fn instance() -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::VULKAN;
    wgpu::Instance::new(desc)
}

fn info_of(index: usize, a: &wgpu::Adapter) -> AdapterInfo {
    let i = a.get_info();
    AdapterInfo {
        index,
        name: i.name,
        backend: format!("{:?}", i.backend).to_lowercase(),
        device_type: format!("{:?}", i.device_type),
        driver: format!("{} {}", i.driver, i.driver_info).trim().to_string(),
    }
}

/// Every Vulkan adapter on this machine.
pub fn list_adapters() -> Vec<AdapterInfo> {
    let inst = instance();
    let adapters = pollster::block_on(inst.enumerate_adapters(wgpu::Backends::VULKAN));
    adapters.iter().enumerate().map(|(i, a)| info_of(i, a)).collect()
}

/// An opened device with its capabilities.
pub struct Gpu {
    pub adapter: AdapterInfo,
    pub caps: DeviceCaps,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub features: wgpu::Features,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu").field("adapter", &self.adapter).finish()
    }
}

/// Reads the capability struct off an adapter: its limits and features, with the published
/// figures of the matching profile (if any).
fn caps_of(info: &AdapterInfo, a: &wgpu::Adapter) -> DeviceCaps {
    let l = a.limits();
    let f = a.features();
    let profile = edgecc_autotune::match_adapter(&info.name).ok().flatten();
    let subgroup = if f.contains(wgpu::Features::SUBGROUP) {
        let min = a.get_info().subgroup_min_size;
        if min > 0 {
            min
        } else {
            profile.as_ref().map(|p| p.subgroup_size).unwrap_or(0)
        }
    } else {
        0
    };
    DeviceCaps {
        name: profile
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| info.name.clone()),
        backend: Backend::Wgsl,
        adapter_match: vec![],
        arch: String::new(),
        compute_units: profile.as_ref().map(|p| p.compute_units).unwrap_or(1),
        max_workgroup_invocations: l.max_compute_invocations_per_workgroup,
        max_workgroup_size_x: l.max_compute_workgroup_size_x,
        max_workgroups_per_dim: l.max_compute_workgroups_per_dimension,
        shared_memory_bytes: l.max_compute_workgroup_storage_size,
        subgroup_size: subgroup,
        shader_f16: f.contains(wgpu::Features::SHADER_F16),
        bf16: false,
        int8_dot: false,
        timestamps: f.contains(wgpu::Features::TIMESTAMP_QUERY),
        max_storage_binding_bytes: l.max_storage_buffer_binding_size,
        max_storage_buffers_per_stage: l.max_storage_buffers_per_shader_stage,
        storage_offset_alignment: l.min_storage_buffer_offset_alignment,
        gemm_register_block: profile.as_ref().map(|p| p.gemm_register_block).unwrap_or(4),
        mma: vec![],
        sparse_mma: false,
        peak_flops_f32: profile.as_ref().map(|p| p.peak_flops_f32).unwrap_or(0.0),
        peak_flops_f16: profile.as_ref().map(|p| p.peak_flops_f16).unwrap_or(0.0),
        memory_bandwidth: profile.as_ref().map(|p| p.memory_bandwidth).unwrap_or(0.0),
        l2_bytes: 0,
        source: format!("adapter `{}`", info.name),
    }
}

impl Gpu {
    /// Opens the adapter chosen by `selector` (a substring of its name or its index), or by
    /// `EDGECC_ADAPTER`, or the default preference. No adapter is an error that says how to get
    /// one.
    pub fn open(selector: Option<&str>) -> Result<Gpu> {
        let inst = instance();
        let adapters = pollster::block_on(inst.enumerate_adapters(wgpu::Backends::VULKAN));
        if adapters.is_empty() {
            return Err(WgslError::Adapter(
                "no Vulkan adapter found; install a Vulkan driver (on Debian: `apt-get install \
                 mesa-vulkan-drivers` gives the lavapipe software device)"
                    .into(),
            ));
        }
        let infos: Vec<AdapterInfo> = adapters.iter().enumerate().map(|(i, a)| info_of(i, a)).collect();
        let env = std::env::var("EDGECC_ADAPTER").ok().filter(|s| !s.is_empty());
        let want = selector.map(str::to_string).or(env);
        let pick = match &want {
            Some(w) => {
                let lw = w.to_lowercase();
                let by_index = w.parse::<usize>().ok().filter(|&i| i < infos.len());
                by_index
                    .or_else(|| infos.iter().position(|i| i.name.to_lowercase().contains(&lw)))
                    .ok_or_else(|| {
                        WgslError::Adapter(format!(
                            "no adapter matches `{w}`; adapters: {}",
                            infos
                                .iter()
                                .map(|i| format!("{}: {}", i.index, i.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?
            }
            None => infos.iter().position(|i| i.device_type != "Cpu").unwrap_or(0),
        };
        let adapter = &adapters[pick];
        let info = infos[pick].clone();
        let caps = caps_of(&info, adapter);
        let wanted = wgpu::Features::SHADER_F16
            | wgpu::Features::SUBGROUP
            | wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
        let features = adapter.features() & wanted;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("edgecc"),
            required_features: features,
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .map_err(|e| WgslError::Adapter(format!("adapter `{}`: cannot open a device: {e}", info.name)))?;
        Ok(Gpu {
            adapter: info,
            caps,
            device,
            queue,
            features,
        })
    }

    /// Validates `wgsl` and creates a compute pipeline for it with an explicit layout of
    /// `bindings` read-write storage buffers (entry point `main`). Validation errors come back
    /// as [`WgslError::InvalidShader`] naming `label`, never as a panic.
    pub fn pipeline(&self, label: &str, wgsl: &str, bindings: usize) -> Result<wgpu::ComputePipeline> {
        self.pipeline_with(label, wgsl, bindings, false)
    }

    /// [`Gpu::pipeline`], with a `uniform` binding (the parameter buffer of a dispatch over
    /// dynamic dims) after the storage ones when `params` is set.
    pub fn pipeline_with(
        &self,
        label: &str,
        wgsl: &str,
        bindings: usize,
        params: bool,
    ) -> Result<wgpu::ComputePipeline> {
        super::validate::validate(label, wgsl, &self.caps)?;
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(wgsl.into()),
        });
        let mut entries: Vec<wgpu::BindGroupLayoutEntry> = (0..bindings as u32)
            .map(|i| wgpu::BindGroupLayoutEntry {
                binding: i,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: false },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        if params {
            entries.push(wgpu::BindGroupLayoutEntry {
                binding: bindings as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            });
        }
        let bgl = self.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(label),
            entries: &entries,
        });
        let layout = self.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(&bgl)],
            immediate_size: 0,
        });
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: Some(&layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(WgslError::InvalidShader {
                kernel: label.to_string(),
                message: e.to_string(),
            });
        }
        Ok(pipeline)
    }

    /// Runs one shader once: `buffers[i]` is uploaded to `@binding(i)`, the shader is dispatched
    /// with `workgroups`, and every buffer is read back into `buffers`.
    pub fn run_shader(&self, label: &str, wgsl: &str, buffers: &mut [Vec<u8>], workgroups: [u32; 3]) -> Result<()> {
        use wgpu::util::DeviceExt;
        let pipeline = self.pipeline(label, wgsl, buffers.len())?;
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let gpu_bufs: Vec<wgpu::Buffer> = buffers
            .iter()
            .map(|b| {
                let mut data = b.clone();
                while data.len() % 4 != 0 || data.is_empty() {
                    data.push(0);
                }
                self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: &data,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                })
            })
            .collect();
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry> = gpu_bufs
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &layout,
            entries: &entries,
        });
        let readbacks: Vec<wgpu::Buffer> = gpu_bufs
            .iter()
            .map(|b| {
                self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: b.size(),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            })
            .collect();
        let mut enc = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bg, &[]);
            pass.dispatch_workgroups(workgroups[0], workgroups[1], workgroups[2]);
        }
        for (b, r) in gpu_bufs.iter().zip(&readbacks) {
            enc.copy_buffer_to_buffer(b, 0, r, 0, b.size());
        }
        self.queue.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(WgslError::Device(format!("{label}: {e}")));
        }
        for (r, out) in readbacks.iter().zip(buffers.iter_mut()) {
            let slice = r.slice(..);
            slice.map_async(wgpu::MapMode::Read, |_| {});
            self.device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| WgslError::Device(format!("{label}: {e}")))?;
            let view = slice
                .get_mapped_range()
                .map_err(|e| WgslError::Device(format!("{label}: {e}")))?;
            let n = out.len();
            out.copy_from_slice(&view[..n]);
            drop(view);
            r.unmap();
        }
        Ok(())
    }
}
