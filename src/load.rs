//! Loading models from files.

use crate::dims::{DimDecl, InputDecl};
use crate::error::{Error, Result};
use edgecc_ir::{verify, Dim, Graph};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads a model file: an ONNX model (`.onnx`) or a text graph (`.eir`). Symbolic dims named in
/// `shapes` (ONNX `dim_param`s, or `.eir` symbolic dims) take the given values, and ONNX dims
/// written as expressions of them (`past_seq_len + seq_len`) take the expression's value; the
/// others stay symbolic. The graph is verified before it is returned.
pub fn load_model(path: &Path, shapes: &BTreeMap<String, u64>) -> Result<Graph> {
    ModelFile::read(path)?.load(shapes, &BTreeMap::new(), false)
}

/// [`load_model`] where the ONNX `dim_param`s named in `bounds` stay symbolic with those upper
/// bounds (the others that stay symbolic get the importer's default); a `.eir` graph keeps the
/// bounds it declares.
pub fn load_model_with_bounds(
    path: &Path,
    shapes: &BTreeMap<String, u64>,
    bounds: &BTreeMap<String, u64>,
) -> Result<Graph> {
    ModelFile::read(path)?.load_bounded(shapes, &BTreeMap::new(), false, bounds)
}

/// Reads a model file for the given inputs: like [`load_model`], with the symbolic dims also
/// bound from the shapes of `given` (input name → shape), checked for consistency
/// ([`crate::dims::bind_dims`]); with `fill_bounds`, the dims still unknown take their bound.
pub fn load_model_for_inputs(
    path: &Path,
    shapes: &BTreeMap<String, u64>,
    given: &BTreeMap<String, Vec<usize>>,
    fill_bounds: bool,
) -> Result<Graph> {
    ModelFile::read(path)?.load(shapes, given, fill_bounds)
}

/// A model file read and decoded, not yet imported: its declared inputs are known before the
/// symbolic dims are bound (ONNX shape subgraphs fold only with every dim known).
pub struct ModelFile {
    path: PathBuf,
    model: Model,
    /// The text of a `.eir` graph whose shapes infer only once its symbolic dims are given
    /// (a `Concat` of `past<=N` and a static extent): `model` then holds its inputs only, and
    /// [`ModelFile::load`] parses the text again with the dims bound.
    eir_text: Option<String>,
}

enum Model {
    Onnx(Box<edgecc_onnx::proto::ModelProto>),
    Eir(Box<Graph>),
}

impl ModelFile {
    /// Reads and decodes `path` (`.onnx` or `.eir`; a `.eir` graph is verified).
    pub fn read(path: &Path) -> Result<ModelFile> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let mut eir_text = None;
        let model = match ext {
            "onnx" => {
                let onnx_err = |source| Error::Onnx {
                    path: path.to_path_buf(),
                    source,
                };
                let limits = edgecc_onnx::Limits::default();
                let bytes = edgecc_onnx::decode::read_model_bytes(path, &limits).map_err(onnx_err)?;
                Model::Onnx(Box::new(edgecc_onnx::decode_model(&bytes, &limits).map_err(onnx_err)?))
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
                let g = match edgecc_ir::parse(&text) {
                    Ok(g) => g,
                    Err(source) => match edgecc_ir::parse_inputs(&text) {
                        Ok(inputs) if inputs.inputs().iter().any(|&i| !inputs.ty(i).shape.is_static()) => {
                            eir_text = Some(text);
                            inputs
                        }
                        _ => {
                            return Err(Error::Ir {
                                path: path.to_path_buf(),
                                source,
                            })
                        }
                    },
                };
                if eir_text.is_none() {
                    verify(&g).map_err(|source| Error::Ir {
                        path: path.to_path_buf(),
                        source,
                    })?;
                }
                Model::Eir(Box::new(g))
            }
            _ => {
                return Err(Error::UnknownFormat {
                    path: path.to_path_buf(),
                })
            }
        };
        Ok(ModelFile {
            path: path.to_path_buf(),
            model,
            eir_text,
        })
    }

    /// The model's inputs as declared (for ONNX, the graph inputs that are not initializers).
    pub fn inputs(&self) -> Result<Vec<InputDecl>> {
        match &self.model {
            Model::Onnx(m) => Ok(edgecc_onnx::graph_inputs(m)
                .map_err(|source| Error::Onnx {
                    path: self.path.clone(),
                    source,
                })?
                .into_iter()
                .map(|i| InputDecl {
                    name: i.name,
                    // An input without a shape: the importer reports it.
                    dims: i.dims.unwrap_or_default(),
                })
                .collect()),
            Model::Eir(g) => Ok(g
                .inputs()
                .iter()
                .map(|&i| InputDecl {
                    name: g.value(i).name.clone(),
                    dims: g
                        .ty(i)
                        .shape
                        .dims()
                        .iter()
                        .map(|d| match d {
                            Dim::Static(n) => DimDecl::Value(*n),
                            Dim::Sym { name, .. } => DimDecl::Param(name.clone()),
                        })
                        .collect(),
                })
                .collect()),
        }
    }

    /// The graph with its symbolic dims bound from `shapes` and the shapes of the `given` inputs
    /// (see [`load_model_for_inputs`]).
    pub fn load(
        &self,
        shapes: &BTreeMap<String, u64>,
        given: &BTreeMap<String, Vec<usize>>,
        fill_bounds: bool,
    ) -> Result<Graph> {
        self.load_bounded(shapes, given, fill_bounds, &BTreeMap::new())
    }

    /// [`ModelFile::load`] with upper bounds for ONNX `dim_param`s that stay symbolic.
    fn load_bounded(
        &self,
        shapes: &BTreeMap<String, u64>,
        given: &BTreeMap<String, Vec<usize>>,
        fill_bounds: bool,
        sym_max: &BTreeMap<String, u64>,
    ) -> Result<Graph> {
        let decls = self.inputs()?;
        let opts = edgecc_onnx::ImportOptions {
            sym_max: sym_max.clone(),
            ..Default::default()
        };
        let bounds = self.bounds();
        let fill = |name: &str| match &self.model {
            Model::Onnx(_) => Some(sym_max.get(name).copied().unwrap_or(opts.default_sym_max)),
            Model::Eir(_) => bounds.get(name).copied(),
        };
        let bound = crate::dims::bind_dims(&decls, given, shapes, if fill_bounds { Some(&fill) } else { None })?;
        match &self.model {
            Model::Onnx(m) => {
                let opts = edgecc_onnx::ImportOptions { shapes: bound, ..opts };
                let dir = self
                    .path
                    .parent()
                    .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
                edgecc_onnx::import::import_model(m, dir, &opts, &crate::ReferenceFolder).map_err(|source| {
                    Error::Onnx {
                        path: self.path.clone(),
                        source,
                    }
                })
            }
            Model::Eir(g) => match &self.eir_text {
                None => specialize(g, &bound, false),
                Some(text) => {
                    // The names and bounds checked on the inputs, then the whole graph parsed
                    // with the dims bound (an unbound one that inference needs is an error
                    // naming the node).
                    specialize(g, &bound, false)?;
                    let ir_err = |source| Error::Ir {
                        path: self.path.clone(),
                        source,
                    };
                    let g = edgecc_ir::parse_specialized(text, &bound).map_err(ir_err)?;
                    verify(&g).map_err(ir_err)?;
                    Ok(g)
                }
            },
        }
    }

    /// The bounds of a `.eir` graph's symbolic input dims.
    fn bounds(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        if let Model::Eir(g) = &self.model {
            for &i in g.inputs() {
                for d in g.ty(i).shape.dims() {
                    if let Dim::Sym { name, max } = d {
                        out.insert(name.clone(), *max);
                    }
                }
            }
        }
        out
    }
}

/// Parses `NAME=VALUE` pairs given with `--shape`.
pub fn parse_shape_args(args: &[String]) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for a in args {
        let (name, value) = a.split_once('=').ok_or_else(|| Error::BadShapeArg(a.clone()))?;
        let value: u64 = value.trim().parse().map_err(|_| Error::BadShapeArg(a.clone()))?;
        if name.trim().is_empty() {
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

/// Specializes the graph's symbolic input dims but those in `dynamic`: a dynamic dim stays
/// symbolic, bounded by its value in `values` when it has one (at most its bound in the model),
/// else by its bound in the model; every other symbolic dim takes its value in `values`, else
/// its bound. A dynamic name that no input has is an error listing those it has.
pub fn specialize_dynamic(
    g: &Graph,
    values: &BTreeMap<String, u64>,
    dynamic: &std::collections::BTreeSet<String>,
) -> Result<Graph> {
    if dynamic.is_empty() {
        return specialize(g, values, true);
    }
    // A dim on several inputs is bounded by the smallest of their bounds.
    let mut symbols: BTreeMap<String, u64> = BTreeMap::new();
    for &i in g.inputs() {
        for d in g.ty(i).shape.dims() {
            if let Dim::Sym { name, max } = d {
                let m = symbols.entry(name.clone()).or_insert(*max);
                *m = (*m).min(*max);
            }
        }
    }
    let unknown = |name: &str| Error::UnknownDynamic {
        name: name.to_string(),
        known: if symbols.is_empty() {
            "none".into()
        } else {
            symbols.keys().cloned().collect::<Vec<_>>().join(", ")
        },
    };
    let mut bounds = BTreeMap::new();
    for name in dynamic {
        let max = *symbols.get(name).ok_or_else(|| unknown(name))?;
        let bound = values.get(name).copied().unwrap_or(max);
        if bound > max {
            return Err(Error::SymbolOutOfRange {
                name: name.clone(),
                value: bound,
                max,
            });
        }
        if bound == 0 {
            return Err(Error::ZeroBound { name: name.clone() });
        }
        bounds.insert(name.clone(), bound);
    }
    let rest: BTreeMap<String, u64> = values
        .iter()
        .filter(|(n, _)| !dynamic.contains(*n))
        .map(|(n, v)| (n.clone(), *v))
        .collect();
    // The static dims first (checked against their bounds), then the dynamic ones rebounded.
    let fixed = specialize(g, &rest, false)?;
    let mut chosen: BTreeMap<String, u64> = BTreeMap::new();
    for (name, max) in &symbols {
        if !dynamic.contains(name) && !rest.contains_key(name) {
            chosen.insert(name.clone(), *max);
        }
    }
    let shapes: Vec<(edgecc_ir::ValueId, edgecc_ir::Shape)> = fixed
        .inputs()
        .iter()
        .map(|&v| {
            let shape = fixed.ty(v).shape.specialize(&chosen);
            let dims = shape.dims().iter().map(|d| match d {
                Dim::Sym { name, .. } => match bounds.get(name) {
                    Some(&b) => Dim::Sym {
                        name: name.clone(),
                        max: b,
                    },
                    None => d.clone(),
                },
                _ => d.clone(),
            });
            (v, edgecc_ir::Shape(dims.collect()))
        })
        .collect();
    Ok(fixed.with_input_shapes(&shapes)?)
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
