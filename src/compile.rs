//! Ahead-of-time compilation: a graph and a [`Target`] in, a device binary ([`Artifact`]) out.
//!
//! [`compile`] binds the graph's symbolic dims (from [`CompileOptions::shapes`], the others at
//! their upper bound: programs are compiled for concrete shapes), runs the target's pass pipeline,
//! fusion and memory planning ([`crate::optimize()`]), generates and validates one WGSL shader per
//! dispatch for the target's capabilities, and records what a runtime needs to check before it
//! runs anything: the target profile, the device requirements and the inputs' and outputs' specs.
//! No device is needed: a binary for `adreno-740` compiles on any machine.

use crate::artifact::{Artifact, DimSpec, Limits, Meta, Requirements, TensorSpec};
use crate::error::{Error, Result};
use crate::target::Target;
use edgecc_autotune::ScheduleSource;
use edgecc_backends::wgsl::WgslError;
use edgecc_backends::Precision;
use edgecc_ir::{Dim, Graph, ValueId};
use std::collections::{BTreeMap, BTreeSet};

/// How [`compile`] compiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// `F32`, or `F16` (f16 storage and arithmetic, f32 accumulation; the target needs f16).
    pub precision: Precision,
    /// Values for symbolic dims (ONNX `dim_param`s); the others take their upper bound. For a
    /// dim in `dynamic`, its bound.
    pub shapes: BTreeMap<String, u64>,
    /// Symbolic dims that stay dynamic: the binary runs at any size of each up to its bound
    /// (its value in `shapes`, else its bound in the model), reading the sizes off the inputs
    /// at each run; buffers and the memory plan are sized at the bound.
    pub dynamic: BTreeSet<String>,
    /// Where each dispatch's schedule comes from: fixed per problem key (tests, the tuner),
    /// else the default the target's capabilities give. Every dispatch of the binary records
    /// its problem key and schedule.
    pub schedules: ScheduleSource,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            precision: Precision::F32,
            shapes: BTreeMap::new(),
            dynamic: BTreeSet::new(),
            schedules: ScheduleSource::defaults(),
        }
    }
}

/// Compiles `model` for `target`.
pub fn compile(model: &Graph, target: &Target, options: &CompileOptions) -> Result<Artifact> {
    // A binary names its inputs and outputs: each name once.
    for (what, ids) in [("input", model.inputs()), ("output", model.outputs())] {
        let mut seen = std::collections::HashSet::new();
        for &v in ids {
            let name = &model.value(v).name;
            if !seen.insert(name) {
                return Err(Error::BadInputs(format!(
                    "graph `{}` has two {what}s named `{name}`; a device binary names each {what} once",
                    model.name()
                )));
            }
        }
    }
    let graph = crate::load::specialize_dynamic(model, &options.shapes, &options.dynamic)?;
    crate::budget::check_tensor_sizes(&graph, crate::budget::max_tensor_bytes())?;
    let (_, mut program) = crate::device::compile_wgsl_with(
        &graph,
        target.caps(),
        &edgecc_backends::wgsl::compile::CompileOptions {
            precision: options.precision,
            schedules: options.schedules.clone(),
        },
    )?;
    // A binary holds the shaders, not the kernel IR they were rendered from (`edgecc inspect
    // --dump kir` compiles again to show it): the artifact is what its bytes decode to.
    for d in &mut program.dispatches {
        d.kir = None;
    }
    // Specialization keeps the graph's values and ids; only their shapes become concrete.
    let specs = |ids: &[ValueId]| -> Vec<TensorSpec> { ids.iter().map(|&v| spec(model, v, &graph)).collect() };
    let meta = Meta {
        edgecc_version: env!("CARGO_PKG_VERSION").to_string(),
        target: target.name().to_string(),
        backend: "wgsl".into(),
        precision: options.precision,
        requirements: Requirements::of(&program),
        limits: Limits::of(target.caps()),
        inputs: specs(model.inputs()),
        outputs: specs(model.outputs()),
    };
    let artifact = Artifact {
        meta,
        program,
        signature: None,
    };
    // Debug and test builds check that what was compiled is what a loader accepts.
    if cfg!(debug_assertions) {
        artifact.validate().map_err(|e| {
            Error::Wgsl(WgslError::Internal(format!(
                "the compiled binary does not validate: {e}"
            )))
        })?;
    }
    Ok(artifact)
}

/// The spec of value `id` of `model`, with its extents in the specialized `graph`: a symbolic
/// dim keeps its name and bound beside the value it was compiled for.
fn spec(model: &Graph, id: ValueId, graph: &Graph) -> TensorSpec {
    let v = model.value(id);
    let dims = graph.ty(id).shape.dims();
    let shape =
        v.ty.shape
            .dims()
            .iter()
            .zip(dims)
            .map(|(d, b)| match (d, b) {
                // Still symbolic when compiled: dynamic, up to the bound it was compiled for.
                (Dim::Sym { name, .. }, Dim::Sym { max, .. }) => DimSpec::Dynamic {
                    name: name.clone(),
                    max: *max,
                },
                (Dim::Sym { name, max }, b) => DimSpec::Sym {
                    name: name.clone(),
                    value: b.as_static().unwrap_or(0),
                    max: *max,
                },
                (Dim::Static(n), _) => DimSpec::Static(*n),
            })
            .collect();
    TensorSpec {
        name: v.name.clone(),
        dtype: v.ty.dtype,
        shape,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{Builder, DType, Shape};

    #[test]
    fn a_graph_listing_one_value_as_two_outputs_is_refused_naming_it() {
        let mut b = Builder::new("twice");
        let x = b.input("x", DType::F32, Shape::of(&[4])).unwrap();
        let y = b.relu(x).unwrap();
        b.output(y).unwrap();
        b.output(y).unwrap();
        let g = b.finish().unwrap();
        let target = Target::profile("lavapipe").unwrap();
        let e = compile(&g, &target, &CompileOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("two outputs named") && e.contains(&g.value(y).name), "{e}");
    }

    #[test]
    fn symbolic_dims_are_recorded_with_the_value_compiled_for() {
        let mut b = Builder::new("sym");
        let x = b
            .input("x", DType::F32, Shape(vec![Dim::sym("n", 8), Dim::Static(4)]))
            .unwrap();
        let y = b.relu(x).unwrap();
        b.output(y).unwrap();
        let g = b.finish().unwrap();
        let target = Target::profile("lavapipe").unwrap();
        let opts = CompileOptions {
            shapes: [("n".to_string(), 3)].into(),
            ..CompileOptions::default()
        };
        let a = compile(&g, &target, &opts).unwrap();
        let want = vec![
            crate::artifact::DimSpec::Sym {
                name: "n".into(),
                value: 3,
                max: 8,
            },
            crate::artifact::DimSpec::Static(4),
        ];
        assert_eq!(a.meta.inputs[0].shape, want);
        assert_eq!(a.meta.inputs[0].static_shape(), vec![3, 4]);
        assert_eq!(a.meta.target, "lavapipe");
    }
}
