//! Loading models from files.

use crate::error::{Error, Result};
use edgecc_ir::{verify, Dim, Graph};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a model file: an ONNX model (`.onnx`) or a text graph (`.eir`). Symbolic dims named in
/// `shapes` (ONNX `dim_param`s, or `.eir` symbolic dims) take the given values; the others stay
/// symbolic. The graph is verified before it is returned.
pub fn load_model(path: &Path, shapes: &BTreeMap<String, u64>) -> Result<Graph> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "onnx" => {
            let opts = edgecc_onnx::ImportOptions {
                shapes: shapes.clone(),
                ..Default::default()
            };
            edgecc_onnx::import_file(path, &opts, &crate::ReferenceFolder).map_err(|source| Error::Onnx {
                path: path.to_path_buf(),
                source,
            })
        }
        "eir" => {
            let bytes = std::fs::read(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
                path: path.to_path_buf(),
                offset: e.utf8_error().valid_up_to(),
            })?;
            let g = edgecc_ir::parse(&text).map_err(|source| Error::Ir {
                path: path.to_path_buf(),
                source,
            })?;
            verify(&g).map_err(|source| Error::Ir {
                path: path.to_path_buf(),
                source,
            })?;
            specialize(&g, shapes, false)
        }
        _ => Err(Error::UnknownFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// Parses `NAME=VALUE` pairs given with `--shape`.
pub fn parse_shape_args(args: &[String]) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for a in args {
        let (name, value) = a.split_once('=').ok_or_else(|| Error::BadShapeArg(a.clone()))?;
        let value: u64 = value.trim().parse().map_err(|_| Error::BadShapeArg(a.clone()))?;
        if name.trim().is_empty() || value == 0 {
            return Err(Error::BadShapeArg(a.clone()));
        }
        if out.insert(name.trim().to_string(), value).is_some() {
            return Err(Error::Repeated {
                flag: "--shape",
                name: name.trim().to_string(),
            });
        }
    }
    Ok(out)
}

/// Specializes the graph's symbolic input dims: those named in `values` take that value, checked
/// against their bound; with `fill_bounds`, the others take their upper bound.
pub fn specialize(g: &Graph, values: &BTreeMap<String, u64>, fill_bounds: bool) -> Result<Graph> {
    let mut symbols: BTreeMap<String, u64> = BTreeMap::new();
    for &i in g.inputs() {
        for d in g.ty(i).shape.dims() {
            if let Dim::Sym { name, max } = d {
                symbols.insert(name.clone(), *max);
            }
        }
    }
    let mut chosen = BTreeMap::new();
    for (name, &value) in values {
        let max = *symbols.get(name).ok_or_else(|| Error::UnknownSymbol {
            name: name.clone(),
            known: if symbols.is_empty() {
                "none".into()
            } else {
                symbols.keys().cloned().collect::<Vec<_>>().join(", ")
            },
        })?;
        if value > max {
            return Err(Error::SymbolOutOfRange {
                name: name.clone(),
                value,
                max,
            });
        }
        chosen.insert(name.clone(), value);
    }
    if fill_bounds {
        for (name, max) in symbols {
            chosen.entry(name).or_insert(max);
        }
    }
    Ok(g.specialize(&chosen)?)
}

/// The extents that `inputs` (in graph-input order) give the symbolic dims of `g`'s inputs; an
/// input of another rank gives none (running reports the mismatch, naming the input), and the
/// first input to give a dim decides it.
pub fn symbol_values(g: &Graph, inputs: &[edgecc_ir::TensorData]) -> BTreeMap<String, u64> {
    let mut values = BTreeMap::new();
    for (&i, t) in g.inputs().iter().zip(inputs) {
        let dims = g.ty(i).shape.dims();
        if dims.len() == t.shape().len() {
            for (d, &n) in dims.iter().zip(t.shape()) {
                if let Dim::Sym { name, .. } = d {
                    values.entry(name.clone()).or_insert(n as u64);
                }
            }
        }
    }
    values
}
