//! Model inputs for `run`, `verify` and `bench`: `--input NAME=FILE.npy` files, seeded random
//! values for the others, and the symbolic dims they bind.

use edgecc::Error;
use edgecc_ir::{Dim, Graph, TensorData};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the model file and the `--input` files, binds the model's symbolic input dims from the
/// files' shapes and the `--shape` values (expressions such as `past_seq_len + seq_len`
/// included, checked for consistency; with `random`, the remaining ones take their bound), checks
/// the tensor-size budget, and returns the specialized graph with one input per graph input:
/// given ones from their files, the others seeded random values (with `random`) or a
/// [`Error::MissingInput`]; and the time reading and importing the model took, in ms.
pub fn prepare_model(
    model: &Path,
    shape_args: &[String],
    input_args: &[String],
    random: bool,
    seed: u64,
) -> edgecc::Result<(Graph, Vec<TensorData>, f64)> {
    let shapes = edgecc::parse_shape_args(shape_args)?;
    let start = std::time::Instant::now();
    let file = edgecc::ModelFile::read(model)?;
    let mut load_ms = crate::timing::ms_since(start);
    let names: Vec<String> = file.inputs()?.into_iter().map(|d| d.name).collect();
    let given = read_named(&names, input_args)?;
    let given_shapes = given.iter().map(|(k, t)| (k.clone(), t.shape().to_vec())).collect();
    let start = std::time::Instant::now();
    let g = file.load(&shapes, &given_shapes, random)?;
    load_ms += crate::timing::ms_since(start);
    let (graph, inputs) = prepare(&g, given, random, seed)?;
    Ok((graph, inputs, load_ms))
}

/// Binds the graph's remaining symbolic input dims from the `given` inputs' shapes (with
/// `random`, the others take their bound), checks the tensor-size budget, and returns the
/// specialized graph with one input per graph input.
fn prepare(
    g: &Graph,
    given: BTreeMap<String, TensorData>,
    random: bool,
    seed: u64,
) -> edgecc::Result<(Graph, Vec<TensorData>)> {
    let graph = bind_symbols(g, &given, random)?;
    edgecc::budget::check_tensor_sizes(&graph, edgecc::budget::max_tensor_bytes())?;
    let inputs = gather_inputs(&graph, given, random, seed)?;
    Ok((graph, inputs))
}

/// The inputs of a device binary: the `--input` files, checked by name (the session checks their
/// dtypes and shapes), and seeded random values of the compiled shapes for the others (with
/// `random`; the values `prepare_model` gives the model for the same shapes, names and seed,
/// except that indices are not bounded by an embedding) or a
/// [`Error::MissingInput`].
pub fn prepare_binary(
    specs: &[edgecc::artifact::TensorSpec],
    sizes: &BTreeMap<String, usize>,
    input_args: &[String],
    random: bool,
    seed: u64,
) -> edgecc::Result<Vec<TensorData>> {
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let mut given = read_named(&names, input_args)?;
    // A dynamic dim takes its size from `--shape` (`sizes`), else from the given inputs that
    // have it (the first one decides; the session reports inputs that disagree), else its bound.
    let mut dynamic: BTreeMap<&str, usize> = sizes.iter().map(|(n, &v)| (n.as_str(), v)).collect();
    for spec in specs {
        if let Some(t) = given.get(&spec.name) {
            for (d, &n) in spec.shape.iter().zip(t.shape()) {
                if let edgecc::artifact::DimSpec::Dynamic { name, .. } = d {
                    dynamic.entry(name.as_str()).or_insert(n);
                }
            }
        }
    }
    // A binary keeps no graph: indices are drawn by name only (masks, positions), not bounded
    // by an embedding.
    let mut random_values: Vec<Option<TensorData>> = if random {
        let specs: Vec<edgecc::realistic::InputSpec> = specs
            .iter()
            .map(|s| edgecc::realistic::InputSpec {
                name: s.name.clone(),
                dtype: s.dtype,
                shape: s
                    .shape
                    .iter()
                    .map(|d| match d {
                        edgecc::artifact::DimSpec::Dynamic { name, max } => {
                            dynamic.get(name.as_str()).copied().unwrap_or(*max as usize)
                        }
                        d => d.value() as usize,
                    })
                    .collect(),
                index_bound: None,
            })
            .collect();
        edgecc::realistic::realistic_values(&specs, seed)?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; specs.len()]
    };
    specs
        .iter()
        .enumerate()
        .map(|(k, spec)| {
            given
                .remove(&spec.name)
                .or_else(|| random_values[k].take())
                .ok_or_else(|| Error::MissingInput {
                    name: spec.name.clone(),
                })
        })
        .collect()
}

/// Reads the `--input NAME=FILE.npy` files for inputs called `names`, keyed by input name.
fn read_named(names: &[String], args: &[String]) -> edgecc::Result<BTreeMap<String, TensorData>> {
    let mut out = BTreeMap::new();
    for a in args {
        let (name, file) = a.split_once('=').ok_or_else(|| Error::BadInputArg(a.clone()))?;
        if !names.iter().any(|n| n == name) {
            let known = names.join(", ");
            return Err(Error::UnknownInput {
                name: name.to_string(),
                known,
            });
        }
        let path = Path::new(file);
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let t = edgecc::npy::decode_npy(&bytes).map_err(|e| Error::Npy {
            path: path.to_path_buf(),
            msg: e.0,
        })?;
        if out.insert(name.to_string(), t).is_some() {
            return Err(Error::Repeated {
                flag: "--input",
                name: name.to_string(),
            });
        }
    }
    Ok(out)
}

/// Specializes symbolic input dims from the given inputs' shapes; with `fill`, the remaining
/// symbolic dims take their upper bound (for random inputs).
fn bind_symbols(g: &Graph, given: &BTreeMap<String, TensorData>, fill: bool) -> edgecc::Result<Graph> {
    let mut values = BTreeMap::new();
    for &i in g.inputs() {
        let v = g.value(i);
        let Some(t) = given.get(&v.name) else { continue };
        if t.shape().len() != v.ty.shape.rank() {
            continue; // the interpreter reports the rank mismatch, naming the input
        }
        for (d, &n) in v.ty.shape.dims().iter().zip(t.shape()) {
            if let Dim::Sym { name, .. } = d {
                values.entry(name.clone()).or_insert(n as u64);
            }
        }
    }
    edgecc::specialize(g, &values, fill)
}

fn gather_inputs(
    g: &Graph,
    mut given: BTreeMap<String, TensorData>,
    random: bool,
    seed: u64,
) -> edgecc::Result<Vec<TensorData>> {
    let mut random_values = if random {
        edgecc::realistic::realistic_inputs(g, seed, &edgecc::models::sym_at_max)?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; g.inputs().len()]
    };
    g.inputs()
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let name = &g.value(i).name;
            given
                .remove(name)
                .or_else(|| random_values[k].take())
                .ok_or_else(|| Error::MissingInput { name: name.clone() })
        })
        .collect()
}
