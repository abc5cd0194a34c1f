//! The JSON sections of a device binary (META and MANIFEST) and the payload sections they index
//! (SHADERS and WEIGHTS): an [`Artifact`](super::Artifact) to section bytes and back.
//!
//! META:
//! ```json
//! {"edgecc_version":"0.1.0","target":"lavapipe","backend":"wgsl","precision":"f32",
//!  "requirements":{"shader_f16":false,"subgroups":false,"max_bindings":4,"max_binding_bytes":1024,
//!                  "max_workgroups_per_dim":2,"storage_offset_alignment":256},
//!  "limits":{"max_workgroup_invocations":1024,"max_workgroup_size_x":1024,"max_workgroups_per_dim":65535,
//!            "shared_memory_bytes":32768,"max_storage_binding_bytes":134217728,
//!            "max_storage_buffers_per_stage":8,"storage_offset_alignment":256,"subgroup_size":8}}
//! ```
//! MANIFEST:
//! ```json
//! {"inputs":[{"name":"x","dtype":"f32","shape":[{"sym":{"name":"batch","value":2,"max":4}},{"static":8}]}],
//!  "outputs":[...],
//!  (a dynamic dim is `{"dynamic":{"name":"seq","max":512}}`)
//!  "program":{"name":"mlp","precision":"f32","arena_bytes":512,"uses_f16":false,"uses_subgroups":false,
//!    "buffers":[{"name":"x","dtype":"f32","elem":"f32","shape":[2,8],"role":"input","placement":"own"},
//!               {"name":"y","dtype":"f32","elem":"f32","shape":[2,4],"role":"output","placement":{"arena":256}}],
//!    "inputs":[0],"outputs":[1],
//!    "dispatches":[{"kernel":"k0","label":"k0","code":0,"problem":"elementwise.n16",
//!                   "schedule":"elementwise wg=64","bindings":[{"buffer":0,"writes":false}],"workgroups":[1,1,1]}],
//!    "code":[{"format":"wgsl","arch":"","entry":"main","offset":0,"len":1234}],
//!    "weights":[{"buffer":2,"offset":0,"len":512}]}}
//! ```
//! A program over dynamic dims also has `"dims":[{"name":"seq","bound":512}]` (after
//! `weights`), buffers sized at run time `"dynamic":[[axis, dim], ...]` (after `shape`), and
//! dispatches sized at run time a `"launch"` (after `workgroups`): the kernel's dims
//! (`{"name","bound","slot","program_dim"}`) and its workgroup counts as extent expressions over
//! them (`{"const":1}`, `{"dim":0}`, `{"add":[a,b]}`, `mul`, `floordiv`, `min`); a dispatch
//! that is one of several variants (a GEMM over a dynamic M, one per range of M with its own
//! schedule) has a `"when":{"dim":j,"min":a,"max":b}` in its launch: it runs while the launch's
//! dim `j` is in `a..=b`, and launches no workgroup otherwise. Static programs have none of
//! these fields.
//! Unknown fields are refused. `limits` are the device limits the code was generated for (the
//! runtime refuses a device with less). Every dispatch records the canonical key of the problem
//! it computes and the schedule it was compiled with (their text forms, parsed back on load).
//! Code entries (format `wgsl`, no arch, entry point `main` today; `ptx`/`cubin` with an arch
//! come with the CUDA backend) index the SHADERS section (the distinct texts, back to back, in
//! order of first use, each used by some dispatch); weight entries index the
//! WEIGHTS section (each weight at the first multiple of 256 after the previous one, zero
//! padding between). Both JSON sections are canonical: the loader re-encodes what it parsed and
//! refuses a section whose bytes differ, so that every accepted binary is exactly what
//! [`Artifact::to_bytes`](super::Artifact::to_bytes) writes.

use super::container::{Section, WEIGHT_ALIGN};
use super::{DimSpec, Limits, Meta, Requirements, TensorSpec};
use crate::error::{Error, Result};
use edgecc_backends::kir::{Arena, Dim as KirDim, DimDecl, Extent, Handle};
use edgecc_backends::wgsl::{
    Binding, DeviceBuffer, Dispatch, DynamicLaunch, Elem, LaunchRange, Placement, Program, ProgramDim, Role,
};
use edgecc_backends::Precision;
use edgecc_ir::DType;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MetaJson {
    edgecc_version: String,
    target: String,
    backend: String,
    precision: PrecisionJson,
    requirements: RequirementsJson,
    /// The device limits the code was generated for ([`Limits`], written as it is).
    limits: Limits,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum PrecisionJson {
    F32,
    F16,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsJson {
    shader_f16: bool,
    subgroups: bool,
    max_bindings: u32,
    max_binding_bytes: u64,
    max_workgroups_per_dim: u32,
    storage_offset_alignment: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ManifestJson {
    inputs: Vec<TensorJson>,
    outputs: Vec<TensorJson>,
    program: ProgramJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TensorJson {
    name: String,
    dtype: String,
    shape: Vec<DimJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum DimJson {
    Static(u64),
    Sym { name: String, value: u64, max: u64 },
    Dynamic { name: String, max: u64 },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramJson {
    name: String,
    precision: PrecisionJson,
    arena_bytes: u64,
    uses_f16: bool,
    uses_subgroups: bool,
    buffers: Vec<BufferJson>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    dispatches: Vec<DispatchJson>,
    code: Vec<CodeJson>,
    weights: Vec<WeightJson>,
    /// The dynamic dims (absent in a static program).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dims: Vec<ProgramDimJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramDimJson {
    name: String,
    bound: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BufferJson {
    name: String,
    dtype: String,
    elem: ElemJson,
    shape: Vec<u64>,
    /// `[axis, program dim]` for each axis sized at run time (absent when none is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dynamic: Vec<[usize; 2]>,
    role: RoleJson,
    placement: PlacementJson,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ElemJson {
    F32,
    F16,
    I32,
    U32,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RoleJson {
    Input,
    Output,
    Weight,
    Activation,
    Scratch,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum PlacementJson {
    Own,
    Arena(u64),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DispatchJson {
    kernel: String,
    label: String,
    code: usize,
    problem: String,
    schedule: String,
    bindings: Vec<BindingJson>,
    workgroups: [u32; 3],
    /// The launch over dynamic dims (absent for a dispatch of fixed size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    launch: Option<LaunchJson>,
}

/// A dispatch's launch over dynamic dims: the kernel's dims (each a program dim, with the
/// bound and parameter slot the kernel declares) and its workgroup counts over them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaunchJson {
    dims: Vec<LaunchDimJson>,
    workgroups: [ExtentJson; 3],
    /// For a variant of a dispatch: the sizes of one of its dims it runs at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    when: Option<WhenJson>,
}

/// `{"dim": j, "min": a, "max": b}`: the variant runs while the launch's dim `j` is in `a..=b`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenJson {
    dim: usize,
    min: u64,
    max: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaunchDimJson {
    name: String,
    bound: u64,
    slot: u32,
    program_dim: usize,
}

/// An extent expression: `{"const":4}`, `{"dim":0}` (the launch's dim 0),
/// `{"add":[a,b]}`, `{"mul":[a,b]}`, `{"floordiv":[a,b]}`, `{"min":[a,b]}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum ExtentJson {
    Const(u64),
    Dim(usize),
    Add(Box<ExtentJson>, Box<ExtentJson>),
    Mul(Box<ExtentJson>, Box<ExtentJson>),
    FloorDiv(Box<ExtentJson>, Box<ExtentJson>),
    Min(Box<ExtentJson>, Box<ExtentJson>),
}

fn extent_json(e: &Extent) -> ExtentJson {
    let two = |a: &Extent, b: &Extent| (Box::new(extent_json(a)), Box::new(extent_json(b)));
    match e {
        Extent::Const(n) => ExtentJson::Const(*n),
        Extent::Dim(h) => ExtentJson::Dim(h.index()),
        Extent::Add(a, b) => {
            let (a, b) = two(a, b);
            ExtentJson::Add(a, b)
        }
        Extent::Mul(a, b) => {
            let (a, b) = two(a, b);
            ExtentJson::Mul(a, b)
        }
        Extent::FloorDiv(a, b) => {
            let (a, b) = two(a, b);
            ExtentJson::FloorDiv(a, b)
        }
        Extent::Min(a, b) => {
            let (a, b) = two(a, b);
            ExtentJson::Min(a, b)
        }
    }
}

/// The extent `e` over a launch of `dims` dims; a dim out of range is refused.
fn extent_of(e: &ExtentJson, dims: usize, field: &dyn Fn() -> String) -> Result<Extent> {
    let two = |a: &ExtentJson, b: &ExtentJson| -> Result<(Box<Extent>, Box<Extent>)> {
        Ok((
            Box::new(extent_of(a, dims, field)?),
            Box::new(extent_of(b, dims, field)?),
        ))
    };
    Ok(match e {
        ExtentJson::Const(n) => Extent::Const(*n),
        ExtentJson::Dim(j) if *j < dims => Extent::Dim(Handle::new(*j as u32)),
        ExtentJson::Dim(j) => return Err(bad(field(), format!("uses dim {j}, but the launch has {dims} dims"))),
        ExtentJson::Add(a, b) => {
            let (a, b) = two(a, b)?;
            Extent::Add(a, b)
        }
        ExtentJson::Mul(a, b) => {
            let (a, b) = two(a, b)?;
            Extent::Mul(a, b)
        }
        ExtentJson::FloorDiv(a, b) => {
            let (a, b) = two(a, b)?;
            Extent::FloorDiv(a, b)
        }
        ExtentJson::Min(a, b) => {
            let (a, b) = two(a, b)?;
            Extent::Min(a, b)
        }
    })
}

fn launch_json(l: &DynamicLaunch) -> LaunchJson {
    LaunchJson {
        dims: l
            .dims
            .iter()
            .map(|(h, d)| LaunchDimJson {
                name: d.name.clone(),
                bound: d.decl.map_or(0, |x| x.bound),
                slot: d.decl.map_or(0, |x| x.slot),
                program_dim: l.program_dims.get(h.index()).copied().unwrap_or(usize::MAX),
            })
            .collect(),
        workgroups: [
            extent_json(&l.workgroups[0]),
            extent_json(&l.workgroups[1]),
            extent_json(&l.workgroups[2]),
        ],
        when: l.when.map(|r| WhenJson {
            dim: r.dim,
            min: r.min,
            max: r.max,
        }),
    }
}

fn launch_of(l: &LaunchJson, field: &str) -> Result<DynamicLaunch> {
    let mut dims = Arena::new();
    for d in &l.dims {
        dims.append(KirDim {
            name: d.name.clone(),
            decl: Some(DimDecl {
                bound: d.bound,
                slot: d.slot,
            }),
        });
    }
    let n = l.dims.len();
    let mut workgroups = [Extent::Const(0), Extent::Const(0), Extent::Const(0)];
    for (i, (w, e)) in workgroups.iter_mut().zip(&l.workgroups).enumerate() {
        *w = extent_of(e, n, &|| format!("{field}.launch.workgroups[{i}]"))?;
    }
    let when = match &l.when {
        None => None,
        Some(w) if w.dim < n && w.min <= w.max => Some(LaunchRange {
            dim: w.dim,
            min: w.min,
            max: w.max,
        }),
        Some(w) => {
            return Err(bad(
                format!("{field}.launch.when"),
                format!(
                    "is dim {} in {}..={}; it must name one of the launch's {n} dims, with min <= max",
                    w.dim, w.min, w.max
                ),
            ))
        }
    };
    Ok(DynamicLaunch {
        dims,
        program_dims: l.dims.iter().map(|d| d.program_dim).collect(),
        workgroups,
        when,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingJson {
    buffer: usize,
    writes: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeJson {
    format: String,
    arch: String,
    entry: String,
    offset: u64,
    len: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightJson {
    buffer: usize,
    offset: u64,
    len: u64,
}

/// The code format and entry point of every code entry this edgecc writes.
const CODE_FORMAT: &str = "wgsl";
const CODE_ENTRY: &str = "main";

fn precision_json(p: Precision) -> PrecisionJson {
    match p {
        Precision::F32 => PrecisionJson::F32,
        Precision::F16 => PrecisionJson::F16,
    }
}

fn precision_of(p: PrecisionJson) -> Precision {
    match p {
        PrecisionJson::F32 => Precision::F32,
        PrecisionJson::F16 => Precision::F16,
    }
}

fn elem_json(e: Elem) -> ElemJson {
    match e {
        Elem::F32 => ElemJson::F32,
        Elem::F16 => ElemJson::F16,
        Elem::I32 => ElemJson::I32,
        Elem::U32 => ElemJson::U32,
    }
}

fn elem_of(e: ElemJson) -> Elem {
    match e {
        ElemJson::F32 => Elem::F32,
        ElemJson::F16 => Elem::F16,
        ElemJson::I32 => Elem::I32,
        ElemJson::U32 => Elem::U32,
    }
}

fn role_json(r: Role) -> RoleJson {
    match r {
        Role::Input => RoleJson::Input,
        Role::Output => RoleJson::Output,
        Role::Weight => RoleJson::Weight,
        Role::Activation => RoleJson::Activation,
        Role::Scratch => RoleJson::Scratch,
    }
}

fn role_of(r: RoleJson) -> Role {
    match r {
        RoleJson::Input => Role::Input,
        RoleJson::Output => Role::Output,
        RoleJson::Weight => Role::Weight,
        RoleJson::Activation => Role::Activation,
        RoleJson::Scratch => Role::Scratch,
    }
}

fn tensor_json(t: &TensorSpec) -> TensorJson {
    TensorJson {
        name: t.name.clone(),
        dtype: t.dtype.name().to_string(),
        shape: t
            .shape
            .iter()
            .map(|d| match d {
                DimSpec::Static(n) => DimJson::Static(*n),
                DimSpec::Sym { name, value, max } => DimJson::Sym {
                    name: name.clone(),
                    value: *value,
                    max: *max,
                },
                DimSpec::Dynamic { name, max } => DimJson::Dynamic {
                    name: name.clone(),
                    max: *max,
                },
            })
            .collect(),
    }
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::BadManifest {
        field: field.into(),
        message: message.into(),
    }
}

fn dtype_of(s: &str, field: impl FnOnce() -> String) -> Result<DType> {
    s.parse::<DType>().map_err(|e| bad(field(), e))
}

fn tensor_of(t: TensorJson, field: &str) -> Result<TensorSpec> {
    Ok(TensorSpec {
        dtype: dtype_of(&t.dtype, || format!("{field} `{}`.dtype", t.name))?,
        shape: t
            .shape
            .into_iter()
            .map(|d| match d {
                DimJson::Static(n) => DimSpec::Static(n),
                DimJson::Sym { name, value, max } => DimSpec::Sym { name, value, max },
                DimJson::Dynamic { name, max } => DimSpec::Dynamic { name, max },
            })
            .collect(),
        name: t.name,
    })
}

/// The encoded sections of an artifact (everything but the signature).
pub(super) struct Encoded {
    pub meta: Vec<u8>,
    pub manifest: Vec<u8>,
    pub shaders: Vec<u8>,
    pub weights: Vec<u8>,
}

/// Encodes `meta` and `program` as the META, MANIFEST, SHADERS and WEIGHTS sections.
pub(super) fn encode(meta: &Meta, program: &Program) -> Encoded {
    let r = &meta.requirements;
    let meta_json = MetaJson {
        edgecc_version: meta.edgecc_version.clone(),
        target: meta.target.clone(),
        backend: meta.backend.clone(),
        precision: precision_json(meta.precision),
        requirements: RequirementsJson {
            shader_f16: r.shader_f16,
            subgroups: r.subgroups,
            max_bindings: r.max_bindings,
            max_binding_bytes: r.max_binding_bytes,
            max_workgroups_per_dim: r.max_workgroups_per_dim,
            storage_offset_alignment: r.storage_offset_alignment,
        },
        limits: meta.limits.clone(),
    };
    // Distinct shader texts, in order of first use.
    let mut shaders = Vec::new();
    let mut shader_table: Vec<CodeJson> = Vec::new();
    let mut texts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // Dispatches usually share their text (`Arc`): looking it up by pointer first hashes each
    // distinct text once, not once per dispatch.
    let mut by_ptr: std::collections::HashMap<*const u8, usize> = std::collections::HashMap::new();
    let mut dispatches = Vec::with_capacity(program.dispatches.len());
    for d in &program.dispatches {
        let ptr = std::sync::Arc::as_ptr(&d.wgsl) as *const u8;
        let index = match by_ptr.get(&ptr) {
            Some(&i) => i,
            None => {
                let i = *texts.entry(&*d.wgsl).or_insert_with(|| {
                    shader_table.push(CodeJson {
                        format: CODE_FORMAT.into(),
                        arch: String::new(),
                        entry: CODE_ENTRY.into(),
                        offset: shaders.len() as u64,
                        len: d.wgsl.len() as u64,
                    });
                    shaders.extend_from_slice(d.wgsl.as_bytes());
                    shader_table.len() - 1
                });
                by_ptr.insert(ptr, i);
                i
            }
        };
        dispatches.push(DispatchJson {
            kernel: d.kernel.clone(),
            label: d.label.clone(),
            code: index,
            problem: d.problem.to_string(),
            schedule: d.schedule.to_string(),
            bindings: d
                .bindings
                .iter()
                .map(|b| BindingJson {
                    buffer: b.buffer,
                    writes: b.writes,
                })
                .collect(),
            workgroups: d.workgroups,
            launch: d.launch.as_ref().map(launch_json),
        });
    }
    let mut weights = Vec::new();
    let mut weight_table = Vec::with_capacity(program.weights.len());
    for (buffer, data) in &program.weights {
        let at = (weights.len() as u64).div_ceil(WEIGHT_ALIGN) * WEIGHT_ALIGN;
        weights.resize(at as usize, 0);
        weight_table.push(WeightJson {
            buffer: *buffer,
            offset: at,
            len: data.len() as u64,
        });
        weights.extend_from_slice(data);
    }
    let manifest = ManifestJson {
        inputs: meta.inputs.iter().map(tensor_json).collect(),
        outputs: meta.outputs.iter().map(tensor_json).collect(),
        program: ProgramJson {
            name: program.name.clone(),
            precision: precision_json(program.precision),
            arena_bytes: program.arena_bytes,
            uses_f16: program.uses_f16,
            uses_subgroups: program.uses_subgroups,
            buffers: program
                .buffers
                .iter()
                .map(|b| BufferJson {
                    name: b.name.clone(),
                    dtype: b.dtype.name().to_string(),
                    elem: elem_json(b.elem),
                    shape: b.shape.clone(),
                    dynamic: b.dynamic.iter().map(|&(axis, dim)| [axis, dim]).collect(),
                    role: role_json(b.role),
                    placement: match b.placement {
                        Placement::Own => PlacementJson::Own,
                        Placement::Arena { offset } => PlacementJson::Arena(offset),
                    },
                })
                .collect(),
            inputs: program.inputs.clone(),
            outputs: program.outputs.clone(),
            dispatches,
            code: shader_table,
            weights: weight_table,
            dims: program
                .dims
                .iter()
                .map(|d| ProgramDimJson {
                    name: d.name.clone(),
                    bound: d.bound,
                })
                .collect(),
        },
    };
    Encoded {
        // Plain structs with string keys: serialization cannot fail.
        meta: serde_json::to_vec(&meta_json).unwrap_or_default(),
        manifest: serde_json::to_vec(&manifest).unwrap_or_default(),
        shaders,
        weights,
    }
}

/// The byte offset in the file of a serde_json error in `section`.
fn json_error(section: &Section<'_>, e: &serde_json::Error) -> Error {
    let (line, column) = (e.line(), e.column());
    let mut at = 0usize;
    if line > 0 {
        let mut l = 1;
        for (i, &b) in section.bytes.iter().enumerate() {
            if l == line {
                at = i + column.saturating_sub(1);
                break;
            }
            if b == b'\n' {
                l += 1;
            }
        }
    }
    Error::CorruptBinary {
        offset: section.offset.saturating_add(at as u64),
        message: format!("section {}: {e}", section.kind.name()),
    }
}

/// Offset in the file of the first byte where `got` and `want` differ.
fn first_difference(got: &[u8], want: &[u8]) -> usize {
    got.iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()))
}

/// Decodes the four content sections. Checks what the sections themselves can tell: JSON
/// syntax and schema, dtypes, the shader and weight tables against their sections (in range,
/// canonical, used), UTF-8 shader text, and that the JSON is canonical. Indices into the
/// program's own tables and everything semantic are [`super::validate`]'s business.
pub(super) fn decode(
    meta_s: &Section<'_>,
    manifest_s: &Section<'_>,
    shaders_s: &Section<'_>,
    weights_s: &Section<'_>,
) -> Result<(Meta, Program)> {
    let mj: MetaJson = serde_json::from_slice(meta_s.bytes).map_err(|e| json_error(meta_s, &e))?;
    let pj: ManifestJson = serde_json::from_slice(manifest_s.bytes).map_err(|e| json_error(manifest_s, &e))?;
    // Canonical form: the bytes must be what encoding the parsed values gives. Checked on the
    // JSON values alone first (cheap), so that a later error is about meaning, not form.
    for (section, got, want) in [
        (meta_s, meta_s.bytes, serde_json::to_vec(&mj).unwrap_or_default()),
        (
            manifest_s,
            manifest_s.bytes,
            serde_json::to_vec(&pj).unwrap_or_default(),
        ),
    ] {
        if got != want.as_slice() {
            let at = first_difference(got, &want);
            return Err(Error::CorruptBinary {
                offset: section.offset.saturating_add(at as u64),
                message: format!(
                    "section {} is not in canonical form (compact JSON, fields in order, as edgecc writes it)",
                    section.kind.name()
                ),
            });
        }
    }
    let r = mj.requirements;
    let meta_inputs = pj
        .inputs
        .into_iter()
        .map(|t| tensor_of(t, "inputs"))
        .collect::<Result<Vec<_>>>()?;
    let meta_outputs = pj
        .outputs
        .into_iter()
        .map(|t| tensor_of(t, "outputs"))
        .collect::<Result<Vec<_>>>()?;
    let meta = Meta {
        edgecc_version: mj.edgecc_version,
        target: mj.target,
        backend: mj.backend,
        precision: precision_of(mj.precision),
        requirements: Requirements {
            shader_f16: r.shader_f16,
            subgroups: r.subgroups,
            max_bindings: r.max_bindings,
            max_binding_bytes: r.max_binding_bytes,
            max_workgroups_per_dim: r.max_workgroups_per_dim,
            storage_offset_alignment: r.storage_offset_alignment,
        },
        limits: mj.limits,
        inputs: meta_inputs,
        outputs: meta_outputs,
    };
    let p = pj.program;

    // The shader table: back to back from 0, covering SHADERS exactly, UTF-8, distinct, used.
    let mut texts: Vec<std::sync::Arc<str>> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut next = 0u64;
    for (i, s) in p.code.iter().enumerate() {
        let field = || format!("program.code[{i}]");
        if s.format != CODE_FORMAT || !s.arch.is_empty() || s.entry != CODE_ENTRY {
            return Err(bad(
                field(),
                format!(
                    "is {} code (arch `{}`, entry `{}`); this edgecc runs {CODE_FORMAT} code with entry point \
                     `{CODE_ENTRY}`: recompile the model for a WGSL target",
                    s.format, s.arch, s.entry
                ),
            ));
        }
        if s.offset != next {
            return Err(bad(
                field(),
                format!(
                    "starts at offset {}; it must start at {next}, where the previous shader ends",
                    s.offset
                ),
            ));
        }
        let end = s
            .offset
            .checked_add(s.len)
            .filter(|&e| e <= shaders_s.bytes.len() as u64);
        let Some(end) = end else {
            return Err(bad(
                field(),
                format!(
                    "{} bytes at offset {} run past the end of section SHADERS ({} bytes)",
                    s.len,
                    s.offset,
                    shaders_s.bytes.len()
                ),
            ));
        };
        let raw = shaders_s.bytes.get(s.offset as usize..end as usize).unwrap_or(&[]);
        let text = std::str::from_utf8(raw).map_err(|e| Error::CorruptBinary {
            offset: shaders_s
                .offset
                .saturating_add(s.offset)
                .saturating_add(e.valid_up_to() as u64),
            message: format!("shader {i} is not UTF-8 text"),
        })?;
        if !seen.insert(text) {
            return Err(bad(
                field(),
                "repeats an earlier shader; each distinct shader is stored once",
            ));
        }
        texts.push(text.into());
        next = end;
    }
    if next != shaders_s.bytes.len() as u64 {
        return Err(bad(
            "program.code",
            format!(
                "the code entries cover {next} bytes of section SHADERS, which has {}",
                shaders_s.bytes.len()
            ),
        ));
    }
    let mut used = vec![false; texts.len()];
    let mut first_unused = 0;
    let mut dispatches = Vec::with_capacity(p.dispatches.len());
    for (i, d) in p.dispatches.into_iter().enumerate() {
        let Some(text) = texts.get(d.code) else {
            return Err(bad(
                format!("program.dispatches[{i}] `{}`.code", d.label),
                format!("is {}, but there are {} code entries", d.code, texts.len()),
            ));
        };
        // Canonical: shaders are stored in order of first use.
        if d.code > first_unused {
            return Err(bad(
                format!("program.dispatches[{i}] `{}`.code", d.label),
                format!(
                    "is {}, but code entry {first_unused} is not used yet; code is stored in order of first use",
                    d.code
                ),
            ));
        }
        if d.code == first_unused {
            first_unused += 1;
        }
        // In range: `texts` and `used` have the same length.
        if let Some(u) = used.get_mut(d.code) {
            *u = true;
        }
        let problem = edgecc_autotune::ProblemKey::parse(&d.problem)
            .map_err(|e| bad(format!("program.dispatches[{i}] `{}`.problem", d.label), e))?;
        let schedule: edgecc_autotune::Schedule = d
            .schedule
            .parse()
            .map_err(|e: String| bad(format!("program.dispatches[{i}] `{}`.schedule", d.label), e))?;
        if let Err(e) = edgecc_autotune::check_kind(&problem, &schedule) {
            let field = match e {
                edgecc_autotune::KindError::UnknownProblemKind(_) => "problem",
                edgecc_autotune::KindError::WrongScheduleKind { .. } => "schedule",
            };
            return Err(bad(
                format!("program.dispatches[{i}] `{}`.{field}", d.label),
                e.to_string(),
            ));
        }
        let launch = d
            .launch
            .as_ref()
            .map(|l| launch_of(l, &format!("program.dispatches[{i}] `{}`", d.label)))
            .transpose()?;
        dispatches.push(Dispatch {
            problem,
            schedule,
            kernel: d.kernel,
            label: d.label,
            wgsl: text.clone(),
            bindings: d
                .bindings
                .iter()
                .map(|b| Binding {
                    buffer: b.buffer,
                    writes: b.writes,
                })
                .collect(),
            workgroups: d.workgroups,
            // A binary keeps the shaders, not the kernel IR they were rendered from.
            kir: None,
            launch,
        });
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(bad(format!("program.code[{unused}]"), "is used by no dispatch"));
    }

    // The weight table: canonical offsets, in range, zero padding.
    let mut weights = Vec::with_capacity(p.weights.len());
    let mut next = 0u64;
    let section_len = weights_s.bytes.len() as u64;
    for (i, w) in p.weights.iter().enumerate() {
        let field = || format!("program.weights[{i}]");
        // `next` <= section_len, so this cannot overflow.
        let want = next.div_ceil(WEIGHT_ALIGN) * WEIGHT_ALIGN;
        if w.offset != want {
            return Err(bad(
                field(),
                format!(
                    "starts at offset {}; it must start at {want} (the first multiple of {WEIGHT_ALIGN} after the \
                     previous weight)",
                    w.offset
                ),
            ));
        }
        let end = w.offset.checked_add(w.len).filter(|&e| e <= section_len);
        let Some(end) = end else {
            return Err(bad(
                field(),
                format!(
                    "{} bytes at offset {} run past the end of section WEIGHTS ({section_len} bytes)",
                    w.len, w.offset
                ),
            ));
        };
        let padding = weights_s.bytes.get(next as usize..w.offset as usize).unwrap_or(&[]);
        if let Some(at) = padding.iter().position(|&b| b != 0) {
            return Err(Error::CorruptBinary {
                offset: weights_s.offset.saturating_add(next).saturating_add(at as u64),
                message: format!("the padding before weight {i} is not zero"),
            });
        }
        let data = weights_s.bytes.get(w.offset as usize..end as usize).unwrap_or(&[]);
        weights.push((w.buffer, data.to_vec()));
        next = end;
    }
    if next != section_len {
        return Err(bad(
            "program.weights",
            format!("the weights cover {next} bytes of section WEIGHTS, which has {section_len}"),
        ));
    }

    let mut buffers = Vec::with_capacity(p.buffers.len());
    for (i, b) in p.buffers.into_iter().enumerate() {
        buffers.push(DeviceBuffer {
            dtype: dtype_of(&b.dtype, || format!("program.buffers[{i}] `{}`.dtype", b.name))?,
            elem: elem_of(b.elem),
            shape: b.shape,
            dynamic: b.dynamic.iter().map(|&[axis, dim]| (axis, dim)).collect(),
            role: role_of(b.role),
            placement: match b.placement {
                PlacementJson::Own => Placement::Own,
                PlacementJson::Arena(offset) => Placement::Arena { offset },
            },
            name: b.name,
        });
    }
    let program = Program {
        name: p.name,
        precision: precision_of(p.precision),
        buffers,
        inputs: p.inputs,
        outputs: p.outputs,
        weights,
        arena_bytes: p.arena_bytes,
        dispatches,
        dims: p
            .dims
            .into_iter()
            .map(|d| ProgramDim {
                name: d.name,
                bound: d.bound,
            })
            .collect(),
        uses_f16: p.uses_f16,
        uses_subgroups: p.uses_subgroups,
    };
    Ok((meta, program))
}
