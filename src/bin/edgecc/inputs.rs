//! Model inputs for `run`, `verify` and `bench`: `--input NAME=FILE.npy` files, seeded random
//! values for the others, and the symbolic dims they bind.

use edgecc::Error;
use edgecc_ir::{Dim, Graph, TensorData};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the `--input` files, binds the graph's symbolic input dims from their shapes (with
/// `random`, the remaining ones take their bound), checks the tensor-size budget, and returns the
/// specialized graph with one input per graph input: given ones from their files, the others
/// seeded random values (with `random`) or a [`Error::MissingInput`].
pub fn prepare(g: &Graph, input_args: &[String], random: bool, seed: u64) -> edgecc::Result<(Graph, Vec<TensorData>)> {
    let given = read_inputs(g, input_args)?;
    let graph = bind_symbols(g, &given, random)?;
    edgecc::budget::check_tensor_sizes(&graph, edgecc::budget::max_tensor_bytes())?;
    let inputs = gather_inputs(&graph, given, random, seed)?;
    Ok((graph, inputs))
}

/// The inputs of a device binary: the `--input` files, checked by name (the session checks their
/// dtypes and shapes), and seeded random values of the compiled shapes for the others (with
/// `random`; the values `prepare` gives the model for the same shapes and seed) or a
/// [`Error::MissingInput`].
pub fn prepare_binary(
    specs: &[edgecc::artifact::TensorSpec],
    input_args: &[String],
    random: bool,
    seed: u64,
) -> edgecc::Result<Vec<TensorData>> {
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let mut given = read_named(&names, input_args)?;
    specs
        .iter()
        .enumerate()
        .map(|(k, spec)| match given.remove(&spec.name) {
            Some(t) => Ok(t),
            None if random => Ok(edgecc::models::random_tensor_at(
                seed,
                k,
                spec.dtype,
                spec.static_shape(),
            )?),
            None => Err(Error::MissingInput {
                name: spec.name.clone(),
            }),
        })
        .collect()
}

/// Reads the `--input NAME=FILE.npy` files, keyed by input name.
fn read_inputs(g: &Graph, args: &[String]) -> edgecc::Result<BTreeMap<String, TensorData>> {
    let names: Vec<String> = g.inputs().iter().map(|&i| g.value(i).name.clone()).collect();
    read_named(&names, args)
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
        edgecc::models::random_inputs(g, seed, &edgecc::models::sym_at_max)?
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
