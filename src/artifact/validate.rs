//! Semantic validation of an artifact: whatever a loaded binary says, a [`Artifact`] that passes
//! [`validate`] is a program the runtime can execute without an index out of range, an
//! arithmetic overflow, or an invalid shader.
//!
//! Checked: the backend; the precision (meta and program agree, every buffer's element is
//! [`Elem::of`] its dtype); buffer shapes (element and byte counts without overflow, at most
//! [`MAX_DEVICE_BYTES`]); the arena plan (offsets aligned to the requirements' storage-offset
//! alignment, every arena buffer inside `arena_bytes`, inputs and weights in buffers of their
//! own); every index (inputs, outputs, bindings, weights) in range; weights of exactly
//! [`DeviceBuffer::device_bytes`] each, one per weight buffer; the inputs and outputs against
//! the meta's specs (dtype and shape; a symbolic dim's value within its bound); the
//! requirements against those recomputed from the program ([`Requirements::of`]); and every
//! distinct shader through naga, with the features the requirements grant, an entry point
//! `main`, and storage bindings `@group(0) @binding(i)` within the dispatch's bindings.

use super::{Artifact, DimSpec, Meta, Requirements, TensorSpec};
use crate::error::{Error, Result};
use edgecc_backends::wgsl::{DeviceBuffer, Elem, Placement, Program, Role};
use std::collections::HashSet;
use std::sync::Mutex;

/// Largest buffer or arena a binary may ask for (256 TiB): far beyond any device, small enough
/// that sizes computed from it never overflow.
pub const MAX_DEVICE_BYTES: u64 = 1 << 48;

fn bad(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::BadManifest {
        field: field.into(),
        message: message.into(),
    }
}

/// [`DeviceBuffer::device_bytes`] with checked arithmetic: `None` when it overflows or is over
/// [`MAX_DEVICE_BYTES`].
pub fn checked_device_bytes(b: &DeviceBuffer) -> Option<u64> {
    let numel = b.shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
    let bytes = numel.checked_mul(b.elem.bytes())?;
    let dev = bytes.div_ceil(4).max(1).checked_mul(4)?;
    (dev <= MAX_DEVICE_BYTES).then_some(dev)
}

impl Requirements {
    /// What a device must have to run `program`: its features, its largest binding count,
    /// binding size and workgroup count, and the largest power of two (at most 256, the largest
    /// storage-offset alignment WebGPU allows) that divides every arena offset.
    pub fn of(program: &Program) -> Requirements {
        let mut align = 256u64;
        for b in &program.buffers {
            if let Placement::Arena { offset } = b.placement {
                while align > 1 && !offset.is_multiple_of(align) {
                    align /= 2;
                }
            }
        }
        Requirements {
            shader_f16: program.uses_f16,
            subgroups: program.uses_subgroups,
            max_bindings: program
                .dispatches
                .iter()
                .map(|d| u32::try_from(d.bindings.len()).unwrap_or(u32::MAX))
                .max()
                .unwrap_or(0),
            max_binding_bytes: program
                .buffers
                .iter()
                .map(|b| checked_device_bytes(b).unwrap_or(u64::MAX))
                .max()
                .unwrap_or(0),
            max_workgroups_per_dim: program.dispatches.iter().flat_map(|d| d.workgroups).max().unwrap_or(0),
            storage_offset_alignment: align as u32,
        }
    }
}

/// A shape for a message: `[2, 8]`, cut after 8 dims.
fn shape_str(shape: &[u64]) -> String {
    let dims: Vec<String> = shape.iter().take(8).map(u64::to_string).collect();
    let more = if shape.len() > 8 {
        format!(", ... ({} dims)", shape.len())
    } else {
        String::new()
    };
    format!("[{}{more}]", dims.join(", "))
}

fn buffer_field(p: &Program, i: usize) -> String {
    match p.buffers.get(i) {
        Some(b) => format!("program.buffers[{i}] `{}`", b.name),
        None => format!("program.buffers[{i}]"),
    }
}

/// Checks an artifact (see the module docs).
pub fn validate(a: &Artifact) -> Result<()> {
    let (meta, p) = (&a.meta, &a.program);
    check_names(meta, p)?;
    check_meta(meta, p)?;
    check_buffers(meta, p)?;
    check_dynamic(meta, p)?;
    check_interface(meta, p)?;
    check_weights(p)?;
    check_dispatches(p)?;
    check_requirements(meta, p)?;
    check_shaders(meta, p)
}

/// All inputs and outputs together may take this many times the per-tensor budget.
const TOTAL_IO_TENSORS: u64 = 4;

/// Longest name (target, buffer, kernel, label, input or output) a binary may carry.
const MAX_NAME_BYTES: usize = 1024;

/// Every name a binary carries is printed to terminals and used in file names: printable text of
/// bounded length; input names, and output names, are distinct and not empty.
fn check_names(meta: &Meta, p: &Program) -> Result<()> {
    let check = |field: String, name: &str| -> Result<()> {
        if name.len() > MAX_NAME_BYTES {
            return Err(bad(
                field,
                format!("is {} bytes long, over {MAX_NAME_BYTES}", name.len()),
            ));
        }
        // Control characters, and the invisible ones that reorder or hide text (bidi
        // overrides and isolates, zero-width characters).
        let hidden = |c: char| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}');
        if let Some(c) = name.chars().find(|&c| c.is_control() || hidden(c)) {
            return Err(bad(field, format!("contains the control character {c:?}")));
        }
        Ok(())
    };
    check("meta.target".into(), &meta.target)?;
    check("meta.edgecc_version".into(), &meta.edgecc_version)?;
    check("program.name".into(), &p.name)?;
    for (i, b) in p.buffers.iter().enumerate() {
        check(format!("program.buffers[{i}].name"), &b.name)?;
    }
    for (j, d) in p.dims.iter().enumerate() {
        check(format!("program.dims[{j}].name"), &d.name)?;
    }
    for (i, d) in p.dispatches.iter().enumerate() {
        check(format!("program.dispatches[{i}].kernel"), &d.kernel)?;
        check(format!("program.dispatches[{i}].label"), &d.label)?;
    }
    for (what, specs) in [("inputs", &meta.inputs), ("outputs", &meta.outputs)] {
        let mut seen = HashSet::new();
        for (k, spec) in specs.iter().enumerate() {
            let field = || format!("{what}[{k}].name");
            check(field(), &spec.name)?;
            if spec.name.is_empty() {
                return Err(bad(field(), "is empty"));
            }
            if !seen.insert(spec.name.as_str()) {
                return Err(bad(field(), format!("`{}` names two {what}", spec.name)));
            }
            for (d, dim) in spec.shape.iter().enumerate() {
                if let DimSpec::Sym { name, .. } | DimSpec::Dynamic { name, .. } = dim {
                    check(format!("{what}[{k}].shape[{d}]"), name)?;
                }
            }
        }
    }
    Ok(())
}

fn check_meta(meta: &Meta, p: &Program) -> Result<()> {
    if meta.backend != "wgsl" {
        return Err(bad(
            "meta.backend",
            format!(
                "is `{}`; this edgecc runs binaries of the `wgsl` backend only",
                meta.backend
            ),
        ));
    }
    if meta.target.is_empty() {
        return Err(bad(
            "meta.target",
            "is empty; a binary names the device profile it was compiled for",
        ));
    }
    if meta.precision != p.precision {
        return Err(bad(
            "program.precision",
            format!(
                "is {}, but meta.precision is {}",
                p.precision.name(),
                meta.precision.name()
            ),
        ));
    }
    if p.arena_bytes > MAX_DEVICE_BYTES {
        return Err(bad(
            "program.arena_bytes",
            format!("is {}, over the limit of {MAX_DEVICE_BYTES}", p.arena_bytes),
        ));
    }
    Ok(())
}

fn check_buffers(meta: &Meta, p: &Program) -> Result<()> {
    let align = u64::from(meta.requirements.storage_offset_alignment);
    if !(4..=65536).contains(&align) || !align.is_power_of_two() {
        return Err(bad(
            "meta.requirements.storage_offset_alignment",
            format!("is {align}; it must be a power of two from 4 to 65536"),
        ));
    }
    for (i, b) in p.buffers.iter().enumerate() {
        let field = || buffer_field(p, i);
        let want = Elem::of(b.dtype, p.precision);
        if b.elem != want {
            return Err(bad(
                format!("{}.elem", field()),
                format!(
                    "is {}, but a {} buffer in {} precision is stored as {}",
                    b.elem.wgsl(),
                    b.dtype,
                    p.precision.name(),
                    want.wgsl()
                ),
            ));
        }
        let Some(bytes) = checked_device_bytes(b) else {
            return Err(bad(
                format!("{}.shape", field()),
                format!(
                    "{} of {} elements needs more than {MAX_DEVICE_BYTES} bytes",
                    shape_str(&b.shape),
                    b.elem.wgsl()
                ),
            ));
        };
        match b.placement {
            Placement::Arena { offset } => {
                if matches!(b.role, Role::Input | Role::Weight) {
                    return Err(bad(
                        format!("{}.placement", field()),
                        "is in the activation arena; inputs and weights need buffers of their own",
                    ));
                }
                if !offset.is_multiple_of(align) {
                    return Err(bad(
                        format!("{}.placement", field()),
                        format!("arena offset {offset} is not a multiple of the storage-offset alignment {align}"),
                    ));
                }
                if offset.checked_add(bytes).is_none_or(|end| end > p.arena_bytes) {
                    return Err(bad(
                        format!("{}.placement", field()),
                        format!(
                            "{bytes} bytes at arena offset {offset} end past the arena ({} bytes)",
                            p.arena_bytes
                        ),
                    ));
                }
            }
            Placement::Own => {}
        }
    }
    Ok(())
}

/// The program's inputs and outputs against the meta's specs.
fn check_interface(meta: &Meta, p: &Program) -> Result<()> {
    let n = p.buffers.len();
    let mut seen = HashSet::new();
    for (k, &i) in p.inputs.iter().enumerate() {
        let Some(b) = p.buffers.get(i) else {
            return Err(bad(
                format!("program.inputs[{k}]"),
                format!("names buffer {i}, but there are {n} buffers"),
            ));
        };
        if b.role != Role::Input {
            return Err(bad(
                format!("program.inputs[{k}]"),
                format!("names buffer {i} `{}`, whose role is {:?}, not Input", b.name, b.role),
            ));
        }
        if !seen.insert(i) {
            return Err(bad(
                format!("program.inputs[{k}]"),
                format!("names buffer {i} `{}` twice", b.name),
            ));
        }
    }
    let mut seen = HashSet::new();
    for (k, &i) in p.outputs.iter().enumerate() {
        if i >= n {
            return Err(bad(
                format!("program.outputs[{k}]"),
                format!("names buffer {i}, but there are {n} buffers"),
            ));
        }
        if !seen.insert(i) {
            return Err(bad(format!("program.outputs[{k}]"), format!("names buffer {i} twice")));
        }
    }
    let mut total = 0u64;
    for (what, specs, ids) in [
        ("inputs", &meta.inputs, &p.inputs),
        ("outputs", &meta.outputs, &p.outputs),
    ] {
        if specs.len() != ids.len() {
            return Err(bad(
                what,
                format!(
                    "the binary describes {} {what}, its program has {}",
                    specs.len(),
                    ids.len()
                ),
            ));
        }
        for (k, (spec, &i)) in specs.iter().zip(ids.iter()).enumerate() {
            // In range: checked above.
            let Some(b) = p.buffers.get(i) else { continue };
            check_spec(&format!("{what}[{k}] `{}`", spec.name), spec, b, p)?;
            // The host holds inputs and outputs in memory, in its layout and in the device's:
            // the per-tensor budget of every tensor edgecc makes on the host, and a total.
            let host = b.numel().saturating_mul(spec.dtype.bits() as u64).div_ceil(8);
            let bytes = host.max(checked_device_bytes(b).unwrap_or(u64::MAX));
            let max = crate::budget::max_tensor_bytes();
            if bytes > max {
                return Err(Error::TooLarge {
                    value: spec.name.clone(),
                    ty: format!("{} {}", spec.dtype, shape_str(&b.shape)),
                    bytes,
                    max,
                });
            }
            total = total.saturating_add(bytes);
            let max_total = max.saturating_mul(TOTAL_IO_TENSORS);
            if total > max_total {
                return Err(bad(
                    what,
                    format!(
                        "take {total} bytes or more on the host, over the limit of {max_total} for all inputs and \
                         outputs ({TOTAL_IO_TENSORS} times EDGECC_MAX_TENSOR_BYTES)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_spec(field: &str, spec: &TensorSpec, b: &DeviceBuffer, p: &Program) -> Result<()> {
    if spec.dtype != b.dtype {
        return Err(bad(
            format!("{field}.dtype"),
            format!("is {}, but its buffer `{}` holds {}", spec.dtype, b.name, b.dtype),
        ));
    }
    let shape: Vec<u64> = spec.shape.iter().map(DimSpec::value).collect();
    if shape != b.shape {
        return Err(bad(
            format!("{field}.shape"),
            format!(
                "is {}, but its buffer `{}` has shape {}",
                shape_str(&shape),
                b.name,
                shape_str(&b.shape)
            ),
        ));
    }
    for (d, dim) in spec.shape.iter().enumerate() {
        if let DimSpec::Sym { name, value, max } = dim {
            if name.is_empty() {
                return Err(bad(format!("{field}.shape[{d}]"), "is a symbolic dim without a name"));
            }
            if value > max {
                return Err(bad(
                    format!("{field}.shape[{d}]"),
                    format!("symbolic dim `{name}` = {value} exceeds its bound {max}"),
                ));
            }
        }
        // A dynamic dim is one of the program's, at its bound, on an axis the buffer sizes at
        // run time; every axis the buffer sizes at run time is a dynamic dim of the spec.
        let dynamic_axis = b.dynamic.iter().find(|&&(axis, _)| axis == d).map(|&(_, j)| j);
        match (dim, dynamic_axis) {
            (DimSpec::Dynamic { name, max }, Some(j)) => {
                let pd = p.dims.get(j);
                if pd.is_none_or(|pd| pd.name != *name || pd.bound != *max) {
                    return Err(bad(
                        format!("{field}.shape[{d}]"),
                        format!(
                            "dynamic dim `{name}` (<= {max}) is not the program's dim {j} ({})",
                            pd.map_or("none".to_string(), |pd| format!("`{}` <= {}", pd.name, pd.bound))
                        ),
                    ));
                }
            }
            (DimSpec::Dynamic { name, .. }, None) => {
                return Err(bad(
                    format!("{field}.shape[{d}]"),
                    format!(
                        "is dynamic dim `{name}`, but buffer `{}` has a fixed extent there",
                        b.name
                    ),
                ))
            }
            (_, Some(j)) => {
                return Err(bad(
                    format!("{field}.shape[{d}]"),
                    format!(
                        "is fixed, but buffer `{}` is sized at run time there (program dim {j})",
                        b.name
                    ),
                ))
            }
            (_, None) => {}
        }
    }
    Ok(())
}

/// The program's dynamic dims (named, distinct, bounds of at least 1 that fit 32-bit
/// indexing), the buffers sized at run time (axes in range, of a known dim, at its bound), and
/// the launches over them (each kernel dim a program dim at its bound, in its parameter slot,
/// the workgroup counts evaluating at the bounds).
fn check_dynamic(meta: &Meta, p: &Program) -> Result<()> {
    let mut seen = HashSet::new();
    // Every program dim is given by some input's dynamic axis (a run reads it off the inputs).
    let given: HashSet<usize> = p
        .inputs
        .iter()
        .filter_map(|&b| p.buffers.get(b))
        .flat_map(|b| b.dynamic.iter().map(|&(_, j)| j))
        .collect();
    for (j, d) in p.dims.iter().enumerate() {
        if !given.contains(&j) {
            return Err(bad(
                format!("program.dims[{j}]"),
                format!("`{}` is the extent of no input's axis, so no run could give it", d.name),
            ));
        }
        let field = || format!("program.dims[{j}]");
        if d.name.is_empty() || !seen.insert(d.name.as_str()) {
            return Err(bad(field(), format!("`{}` is empty or names two dims", d.name)));
        }
        if d.bound == 0 || d.bound > i32::MAX as u64 {
            return Err(bad(
                field(),
                format!("`{}` has bound {}; it must be 1 to {}", d.name, d.bound, i32::MAX),
            ));
        }
    }
    for (i, b) in p.buffers.iter().enumerate() {
        if b.dynamic.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(bad(
                format!("{}.dynamic", buffer_field(p, i)),
                "lists its axes out of order or twice; each axis sized at run time is listed once, in order",
            ));
        }
        for &(axis, j) in &b.dynamic {
            let field = || format!("{}.dynamic", buffer_field(p, i));
            let Some(pd) = p.dims.get(j) else {
                return Err(bad(
                    field(),
                    format!("names dim {j}, but the program has {}", p.dims.len()),
                ));
            };
            if b.shape.get(axis) != Some(&pd.bound) {
                return Err(bad(
                    field(),
                    format!(
                        "axis {axis} of {} is sized by `{}`, but is not at its bound {}",
                        shape_str(&b.shape),
                        pd.name,
                        pd.bound
                    ),
                ));
            }
        }
    }
    for (k, d) in p.dispatches.iter().enumerate() {
        let Some(l) = &d.launch else { continue };
        let field = || format!("program.dispatches[{k}] `{}`.launch", d.label);
        if l.program_dims.len() != l.dims.len() {
            return Err(bad(field(), "has a program dim for some kernel dims only"));
        }
        let mut bounds = Vec::with_capacity(l.dims.len());
        let (mut slots, mut dims) = (HashSet::new(), HashSet::new());
        for ((_, kd), &j) in l.dims.iter().zip(&l.program_dims) {
            // Each kernel dim fills a slot of its own with a program dim of its own: two in one
            // slot would leave the other slot 0.
            if !dims.insert(j) || kd.decl.is_some_and(|x| !slots.insert(x.slot)) {
                return Err(bad(
                    field(),
                    format!("kernel dim `{}` repeats a program dim or a parameter slot", kd.name),
                ));
            }
            let Some(pd) = p.dims.get(j) else {
                return Err(bad(
                    field(),
                    format!(
                        "kernel dim `{}` is program dim {j}, but the program has {}",
                        kd.name,
                        p.dims.len()
                    ),
                ));
            };
            if kd
                .decl
                .is_none_or(|x| x.bound != pd.bound || x.slot as usize >= l.dims.len())
            {
                return Err(bad(
                    field(),
                    format!(
                        "kernel dim `{}` is not at program dim `{}`'s bound {} in a slot of its own",
                        kd.name, pd.name, pd.bound
                    ),
                ));
            }
            bounds.push(pd.bound);
        }
        // A variant runs on a range of one of its dims within the dim's bound.
        if let Some(r) = l.when {
            if bounds.get(r.dim).is_none_or(|&b| r.min > r.max || r.max > b) {
                return Err(bad(
                    format!("{}.when", field()),
                    format!(
                        "runs at dim {} in {}..={}, which is no range of a launch dim within its bound",
                        r.dim, r.min, r.max
                    ),
                ));
            }
        }
        // The workgroup counts evaluate at every size from 0 to the bounds (checked at both
        // ends; every count edgecc writes is monotone) within the device's limit per dimension.
        let zeros = vec![0u64; bounds.len()];
        let max = u64::from(meta.limits.max_workgroups_per_dim);
        for (x, e) in l.workgroups.iter().enumerate() {
            let field = || format!("{}.workgroups[{x}]", field());
            for at in [&bounds, &zeros] {
                if let Err(err) = e.eval(&l.dims, at) {
                    return Err(bad(field(), err.to_string()));
                }
            }
            match e.upper_bound(&l.dims) {
                Some(n) if n <= max => {}
                n => {
                    return Err(bad(
                        field(),
                        format!(
                            "may be {} workgroups, over the {max} per dimension it was generated for",
                            n.map_or("unbounded".to_string(), |n| n.to_string())
                        ),
                    ))
                }
            }
        }
        let at_bounds: Vec<u64> = p.dims.iter().map(|d| d.bound).collect();
        if let Err(err) = l.resolve(&at_bounds) {
            return Err(bad(field(), err));
        }
    }
    Ok(())
}

fn check_weights(p: &Program) -> Result<()> {
    let n = p.buffers.len();
    let mut seen = HashSet::new();
    let filled: HashSet<usize> = p.weights.iter().map(|(w, _)| *w).collect();
    for (i, b) in p.buffers.iter().enumerate() {
        if b.role == Role::Weight && !filled.contains(&i) {
            return Err(bad(
                format!("program.buffers[{i}]"),
                format!("is weight `{}`, but the binary has no data for it", b.name),
            ));
        }
    }
    for (k, (i, data)) in p.weights.iter().enumerate() {
        let field = format!("program.weights[{k}]");
        let Some(b) = p.buffers.get(*i) else {
            return Err(bad(field, format!("names buffer {i}, but there are {n} buffers")));
        };
        if b.role != Role::Weight || b.placement != Placement::Own {
            return Err(bad(
                field,
                format!(
                    "names buffer {i} `{}` ({:?}, {:?}); weights fill weight buffers of their own",
                    b.name, b.role, b.placement
                ),
            ));
        }
        if !seen.insert(*i) {
            return Err(bad(field, format!("fills buffer {i} `{}` a second time", b.name)));
        }
        // Shapes were checked: the size is known.
        let want = checked_device_bytes(b).unwrap_or(u64::MAX);
        if data.len() as u64 != want {
            return Err(bad(
                field,
                format!(
                    "has {} bytes for buffer `{}`, whose device layout ({} of {}) takes {want}",
                    data.len(),
                    b.name,
                    shape_str(&b.shape),
                    b.elem.wgsl()
                ),
            ));
        }
    }
    Ok(())
}

fn check_dispatches(p: &Program) -> Result<()> {
    let n = p.buffers.len();
    for (k, d) in p.dispatches.iter().enumerate() {
        for (j, b) in d.bindings.iter().enumerate() {
            if b.buffer >= n {
                return Err(bad(
                    format!("program.dispatches[{k}] `{}`.bindings[{j}]", d.label),
                    format!("names buffer {}, but there are {n} buffers", b.buffer),
                ));
            }
        }
    }
    Ok(())
}

fn check_requirements(meta: &Meta, p: &Program) -> Result<()> {
    let r = &meta.requirements;
    let want = Requirements::of(p);
    let differ = |name: &str, got: String, want: String| {
        bad(
            format!("meta.requirements.{name}"),
            format!("is {got}, but the program needs {want}"),
        )
    };
    if r.shader_f16 != want.shader_f16 {
        return Err(differ(
            "shader_f16",
            r.shader_f16.to_string(),
            want.shader_f16.to_string(),
        ));
    }
    if r.subgroups != want.subgroups {
        return Err(differ("subgroups", r.subgroups.to_string(), want.subgroups.to_string()));
    }
    if r.max_bindings != want.max_bindings {
        return Err(differ(
            "max_bindings",
            r.max_bindings.to_string(),
            want.max_bindings.to_string(),
        ));
    }
    if r.max_binding_bytes != want.max_binding_bytes {
        return Err(differ(
            "max_binding_bytes",
            r.max_binding_bytes.to_string(),
            want.max_binding_bytes.to_string(),
        ));
    }
    if r.max_workgroups_per_dim != want.max_workgroups_per_dim {
        return Err(differ(
            "max_workgroups_per_dim",
            r.max_workgroups_per_dim.to_string(),
            want.max_workgroups_per_dim.to_string(),
        ));
    }
    // The alignment the plan was made with may be smaller than what the offsets happen to
    // satisfy; `check_buffers` checked every offset against it.
    Ok(())
}

/// What validation needs to know about a shader that naga accepted.
#[derive(Clone)]
struct ShaderInfo {
    /// The workgroup size of its compute entry point `main` (`None`: there is none).
    compute_main: Option<[u32; 3]>,
    /// Its resource bindings.
    resources: Vec<Resource>,
    /// Bytes of workgroup (shared) memory it declares.
    workgroup_bytes: u64,
}

/// One resource binding of a shader.
#[derive(Clone)]
struct Resource {
    name: String,
    group: u32,
    binding: u32,
    /// A `var<storage, read_write>`: what the runtime's layout binds (anything else is refused).
    storage_read_write: bool,
    /// A `var<uniform>`: the parameter buffer of a dispatch over dynamic dims.
    uniform: bool,
    /// The smallest buffer its type fits in (one element of a runtime-sized array).
    min_bytes: u64,
}

type Cache = std::collections::HashMap<[u8; 32], ShaderInfo>;

/// Shaders that passed naga validation in this process, by SHA-256 of (features, text): loading
/// the same binary twice validates each shader once.
static VALIDATED: Mutex<Option<Cache>> = Mutex::new(None);
const VALIDATED_MAX: usize = 4096;

fn shader_key(f16: bool, subgroups: bool, wgsl: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update([u8::from(f16), u8::from(subgroups)]);
    h.update(wgsl.as_bytes());
    h.finalize().into()
}

/// Validates `wgsl` with naga (or finds it validated before) and reads off its interface.
fn shader_info(label: &str, wgsl: &str, caps: &edgecc_autotune::DeviceCaps) -> Result<ShaderInfo, String> {
    let key = shader_key(caps.shader_f16, caps.has_subgroups(), wgsl);
    if let Some(info) = VALIDATED
        .lock()
        .ok()
        .and_then(|g| g.as_ref().and_then(|c| c.get(&key).cloned()))
    {
        return Ok(info);
    }
    // naga reports errors as values; a panic inside it on hostile input is still caught, so
    // that loading never panics.
    let validated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        edgecc_backends::wgsl::validate::validate(label, wgsl, caps)
    }));
    let module = match validated {
        Ok(Ok(module)) => module,
        // A shader of a binary that does not validate is a bad binary, not a code-generator bug.
        Ok(Err(edgecc_backends::wgsl::WgslError::InvalidShader { message, .. })) => {
            return Err(format!("is not valid WGSL: {}", clip(&message)));
        }
        Ok(Err(other)) => return Err(clip(&other.to_string())),
        Err(_) => return Err("is not valid WGSL: the WGSL validator (naga) failed on it".into()),
    };
    use edgecc_backends::wgsl::naga::{AddressSpace, ShaderStage, StorageAccess};
    let ctx = module.to_ctx();
    let size = |ty| {
        module
            .types
            .get_handle(ty)
            .map(|t| u64::from(t.inner.size(ctx)))
            .unwrap_or(0)
    };
    let info = ShaderInfo {
        compute_main: module
            .entry_points
            .iter()
            .find(|e| e.name == "main" && e.stage == ShaderStage::Compute)
            .map(|e| e.workgroup_size),
        resources: module
            .global_variables
            .iter()
            .filter_map(|(_, g)| {
                let rb = g.binding.as_ref()?;
                Some(Resource {
                    name: g.name.clone().unwrap_or_else(|| "a resource".into()),
                    group: rb.group,
                    binding: rb.binding,
                    storage_read_write: matches!(
                        g.space,
                        AddressSpace::Storage { access } if access == StorageAccess::LOAD | StorageAccess::STORE
                    ),
                    uniform: matches!(g.space, AddressSpace::Uniform),
                    min_bytes: size(g.ty),
                })
            })
            .collect(),
        workgroup_bytes: module
            .global_variables
            .iter()
            .filter(|(_, g)| g.space == AddressSpace::WorkGroup)
            .map(|(_, g)| size(g.ty).div_ceil(16) * 16) // WebGPU rounds each variable up to 16
            .sum(),
    };
    if let Ok(mut g) = VALIDATED.lock() {
        let cache = g.get_or_insert_with(Cache::new);
        if cache.len() >= VALIDATED_MAX {
            cache.clear();
        }
        cache.insert(key, info.clone());
    }
    Ok(info)
}

/// `message` cut to a readable length (naga quotes the offending source line, which in a hostile
/// binary may be megabytes long).
fn clip(message: &str) -> String {
    const MAX: usize = 2000;
    if message.len() <= MAX {
        return message.to_string();
    }
    let mut end = MAX;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} [... {} more bytes]", &message[..end], message.len() - end)
}

fn check_shaders(meta: &Meta, p: &Program) -> Result<()> {
    let r = &meta.requirements;
    // Validation reads only the features; any profile gives the rest of the struct.
    let base = edgecc_autotune::profile(&meta.target)
        .or_else(|_| edgecc_autotune::profile("lavapipe"))
        .map_err(|e| {
            bad(
                "meta.target",
                format!("no device profile to validate shaders with: {e}"),
            )
        })?;
    // Workgroup limits are the ones the binary records it was generated for (the profile's, or
    // the local adapter's for `--target auto`); the runtime checks the device has them.
    let l = &meta.limits;
    let caps = edgecc_autotune::DeviceCaps {
        shader_f16: r.shader_f16,
        subgroup_size: if r.subgroups { base.subgroup_size.max(1) } else { 0 },
        max_workgroup_invocations: l.max_workgroup_invocations,
        max_workgroup_size_x: l.max_workgroup_size_x,
        shared_memory_bytes: l.shared_memory_bytes,
        ..base
    };
    // Dispatches of one distinct shader share its text (`Arc`): each is validated (or found in
    // the process-wide cache, which hashes the text) once per call, not once per dispatch.
    let mut infos: std::collections::HashMap<*const u8, ShaderInfo> = std::collections::HashMap::new();
    for (k, d) in p.dispatches.iter().enumerate() {
        let field = || format!("program.dispatches[{k}] `{}`.code", d.label);
        let key = std::sync::Arc::as_ptr(&d.wgsl) as *const u8;
        let info = match infos.get(&key) {
            Some(i) => i.clone(),
            None => {
                let i = shader_info(&d.label, &d.wgsl, &caps).map_err(|e| bad(field(), e))?;
                infos.insert(key, i.clone());
                i
            }
        };
        let Some(size) = info.compute_main else {
            return Err(bad(field(), "has no compute entry point `main`"));
        };
        if size.contains(&0) {
            return Err(bad(
                field(),
                format!("has workgroup size {size:?}: a size set by an override is not supported"),
            ));
        }
        let invocations = size.iter().map(|&n| u64::from(n)).product::<u64>();
        // WebGPU guarantees 256 along y and 64 along z on every device; x and the total are the
        // profile's.
        if size[1] > 256 || size[2] > 64 {
            return Err(bad(
                field(),
                format!("has workgroup size {size:?}, over the 256 along y and 64 along z every device allows"),
            ));
        }
        if size[0] > caps.max_workgroup_size_x
            || size[1] > caps.max_workgroup_size_x
            || invocations > u64::from(caps.max_workgroup_invocations)
        {
            return Err(bad(
                field(),
                format!(
                    "has workgroup size {size:?}, over the limits it was generated for ({} per dimension, {} invocations)",
                    caps.max_workgroup_size_x, caps.max_workgroup_invocations
                ),
            ));
        }
        if info.workgroup_bytes > u64::from(caps.shared_memory_bytes) {
            return Err(bad(
                field(),
                format!(
                    "declares {} bytes of workgroup memory, over the {} it was generated for",
                    info.workgroup_bytes, caps.shared_memory_bytes
                ),
            ));
        }
        let n = d.bindings.len();
        // A dispatch over dynamic dims also binds its parameter buffer, a uniform right after
        // the storage buffers, of the bytes its launch writes.
        let params_bytes = d.launch.as_ref().map(|l| {
            let at_bounds: Vec<u64> = p.dims.iter().map(|d| d.bound).collect();
            l.resolve(&at_bounds).map_or(0, |(_, bytes)| bytes.len() as u64)
        });
        for r in &info.resources {
            if let (Some(bytes), true) = (params_bytes, r.group == 0 && r.binding as usize == n) {
                if !r.uniform || r.min_bytes > bytes {
                    return Err(bad(
                        field(),
                        format!(
                            "declares `{}` at @binding({n}), where the runtime binds the {bytes}-byte parameter buffer; it must be a `var<uniform>` that fits it",
                            r.name
                        ),
                    ));
                }
                continue;
            }
            let Some(bound) = (r.group == 0).then(|| d.bindings.get(r.binding as usize)).flatten() else {
                return Err(bad(
                    field(),
                    format!(
                        "declares `{}` at @group({}) @binding({}); the dispatch binds {n} storage buffers, at \
                         @group(0) @binding(0) to @binding({})",
                        r.name,
                        r.group,
                        r.binding,
                        n.saturating_sub(1)
                    ),
                ));
            };
            if !r.storage_read_write {
                return Err(bad(
                    field(),
                    format!(
                        "declares `{}` as other than `var<storage, read_write>`, the only binding type the runtime makes",
                        r.name
                    ),
                ));
            }
            // In range: the bindings were checked against the buffers.
            let bytes = p.buffers.get(bound.buffer).and_then(checked_device_bytes).unwrap_or(0);
            if r.min_bytes > bytes {
                return Err(bad(
                    field(),
                    format!(
                        "needs at least {} bytes for `{}`, but binding {} is a buffer of {bytes}",
                        r.min_bytes, r.name, r.binding
                    ),
                ));
            }
        }
    }
    Ok(())
}
