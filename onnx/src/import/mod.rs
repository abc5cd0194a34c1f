//! The ONNX graph importer: a decoded [`proto::ModelProto`] → a verified [`Graph`].
//!
//! Steps: check the default-domain opset (7 through 24; ops whose signature or semantics changed
//! across that range are mapped per version, see [`versions`]);
//! inline model-local functions ([`functions`]); map each node through the op table of its domain
//! (the default domain: [`ops`]; `com.microsoft`, version 1: [`contrib`]); list every unsupported
//! op type at once;
//! add graph inputs (initializers that are also inputs are constants; `dim_param` dims become
//! symbolic unless [`ImportOptions::shapes`] gives them a value); then map each node in order
//! through the table in [`ops`], one file per op family ([`elementwise`], [`reduce`], [`nn`],
//! [`conv`], [`shape_ops`]). Known values (initializers, `Constant`s, and the results of ops whose
//! inputs are all known) stay out of the graph until an IR node reads them; ops on known values are
//! evaluated with the caller's [`Folder`], which folds the `Shape → Gather → Unsqueeze → Concat →
//! Reshape` subgraphs exporters emit into the static attributes the IR needs.

mod attr;
mod contrib;
mod conv;
mod ctx;
mod elementwise;
mod functions;
mod gqa;
mod nn;
mod ops;
mod reduce;
mod rotary;
mod shape_ops;
mod shape_values;
mod sym_shapes;
pub mod versions;

use crate::decode::{decode_model, read_model_bytes, Limits};
use crate::error::{OnnxError, UnsupportedOp};
use crate::proto;
use crate::tensor::{onnx_dtype, tensor_to_data};
use ctx::{Cx, Importer};
use edgecc_ir::{verify, Dim, Graph, Op, Shape, TensorData};
use std::collections::BTreeMap;
use std::path::Path;

/// Evaluates one IR op on known tensors, for constant folding (the `edgecc` facade passes the
/// reference interpreter). Outputs must have the dtypes and shapes the IR infers.
pub trait Folder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String>;
}

/// How to import a model.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Values for symbolic dims by name (`--shape NAME=VALUE`); the named dims become static.
    pub shapes: BTreeMap<String, u64>,
    /// Upper bounds for named symbolic dims that stay symbolic (`--shape NAME<=N` of a dynamic
    /// dim); the others get `default_sym_max`.
    pub sym_max: BTreeMap<String, u64>,
    /// Upper bound given to the other symbolic dims.
    pub default_sym_max: u64,
    /// Size and count limits of the protobuf decoder and tensor reader.
    pub limits: Limits,
    /// Ops on known inputs are folded when their outputs have at most this many elements.
    pub fold_max_elements: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            shapes: BTreeMap::new(),
            sym_max: BTreeMap::new(),
            default_sym_max: 4096,
            limits: Limits::default(),
            fold_max_elements: 1 << 16,
        }
    }
}

/// The default-domain opsets the importer maps. Each op is imported as its version at the
/// model's opset defines it (the version history is in [`versions`]).
pub const OPSETS: std::ops::RangeInclusive<i64> = 7..=24;

/// ONNX op types (default domain) the importer maps, sorted.
pub fn supported_ops() -> &'static [&'static str] {
    ops::SUPPORTED
}

/// onnxruntime contrib op types (domain `com.microsoft`, version 1) the importer maps, sorted.
pub fn contrib_ops() -> &'static [&'static str] {
    contrib::SUPPORTED
}

/// The op types the importer maps in `domain` (`""` or `ai.onnx`: the default domain;
/// `com.microsoft`: onnxruntime's contrib ops), or `None` for a domain it has no table for.
pub fn domain_ops(domain: &str) -> Option<&'static [&'static str]> {
    if is_default_domain(domain) {
        Some(ops::SUPPORTED)
    } else if domain == contrib::MS_DOMAIN {
        Some(contrib::SUPPORTED)
    } else {
        None
    }
}

/// The function that maps `op_type` of `domain`: the per-domain op tables.
fn handler_for(domain: &str, op_type: &str) -> Option<ops::Handler> {
    if is_default_domain(domain) {
        ops::handler(op_type)
    } else if domain == contrib::MS_DOMAIN {
        contrib::handler(op_type)
    } else {
        None
    }
}

/// Imports a model file. External tensor data is read from the model's directory.
pub fn import_file(path: &Path, opts: &ImportOptions, folder: &dyn Folder) -> Result<Graph, OnnxError> {
    let bytes = read_model_bytes(path, &opts.limits)?;
    let dir = path
        .parent()
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    import_bytes(&bytes, dir, opts, folder)
}

/// Imports a model from its protobuf bytes. External tensor data is read relative to `base_dir`
/// (and refused without one).
pub fn import_bytes(
    bytes: &[u8],
    base_dir: Option<&Path>,
    opts: &ImportOptions,
    folder: &dyn Folder,
) -> Result<Graph, OnnxError> {
    let model = decode_model(bytes, &opts.limits)?;
    import_model(&model, base_dir, opts, folder)
}

fn is_default_domain(d: &str) -> bool {
    d.is_empty() || d == "ai.onnx"
}

/// The model's default-domain opset, checked against [`OPSETS`].
fn default_opset(model: &proto::ModelProto) -> Result<i64, OnnxError> {
    let v = model
        .opset_import
        .iter()
        .find(|o| is_default_domain(o.domain()))
        .map(|o| o.version())
        .ok_or_else(|| {
            OnnxError::Graph(format!(
                "the model has no opset_import for the default ONNX domain; edgecc needs opset {} through {}",
                OPSETS.start(),
                OPSETS.end()
            ))
        })?;
    if !OPSETS.contains(&v) {
        return Err(OnnxError::Graph(format!(
            "the model uses default-domain opset {v}; edgecc supports opsets {} through {} (convert the model \
             with onnx.version_converter)",
            OPSETS.start(),
            OPSETS.end()
        )));
    }
    Ok(v)
}

/// Every op type the importer cannot map, with counts and the first node names.
fn unsupported(graph: &proto::GraphProto) -> Vec<UnsupportedOp> {
    let mut out: Vec<UnsupportedOp> = Vec::new();
    for (i, n) in graph.node.iter().enumerate() {
        let (dom, op) = (n.domain(), n.op_type());
        if handler_for(dom, op).is_some() {
            continue;
        }
        let node_name = if n.name().is_empty() {
            format!("#{i}")
        } else {
            n.name().to_string()
        };
        let dom = if is_default_domain(dom) { "" } else { dom };
        match out.iter_mut().find(|u| u.op_type == op && u.domain == dom) {
            Some(u) => {
                u.count += 1;
                if u.first_nodes.len() < 3 {
                    u.first_nodes.push(node_name);
                }
            }
            None => out.push(UnsupportedOp {
                op_type: op.to_string(),
                domain: dom.to_string(),
                count: 1,
                first_nodes: vec![node_name],
            }),
        }
    }
    out
}

/// The IR shape of a graph input's declared type.
fn input_shape(vi: &proto::ValueInfoProto, opts: &ImportOptions) -> Result<(edgecc_ir::DType, Shape), OnnxError> {
    let name = vi.name();
    let bad = |msg: String| OnnxError::Graph(format!("graph input `{name}`: {msg}"));
    let Some(proto::type_proto::Value::TensorType(t)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(bad(
            "is not a tensor (sequences, maps and optionals are not supported)".into()
        ));
    };
    let dtype = onnx_dtype(t.elem_type()).map_err(bad)?;
    let shape = t
        .shape
        .as_ref()
        .ok_or_else(|| bad("has no shape; edgecc needs at least the rank of every graph input".into()))?;
    let mut dims = Vec::with_capacity(shape.dim.len());
    for (i, d) in shape.dim.iter().enumerate() {
        use proto::tensor_shape_proto::dimension::Value;
        let sym = |n: String| match opts.shapes.get(&n) {
            Some(&v) => Dim::Static(v),
            None => Dim::Sym {
                max: opts.sym_max.get(&n).copied().unwrap_or(opts.default_sym_max),
                name: n,
            },
        };
        dims.push(match &d.value {
            Some(Value::DimValue(v)) => {
                Dim::Static(u64::try_from(*v).map_err(|_| bad(format!("dim {i} is negative ({v})")))?)
            }
            Some(Value::DimParam(p)) if !p.is_empty() => sym(p.clone()),
            _ => sym(format!("{name}_dim{i}")),
        });
    }
    Ok((dtype, Shape(dims)))
}

/// Imports a decoded model.
pub fn import_model(
    model: &proto::ModelProto,
    base_dir: Option<&Path>,
    opts: &ImportOptions,
    folder: &dyn Folder,
) -> Result<Graph, OnnxError> {
    let opset = default_opset(model)?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Graph("the model has no graph".into()))?;
    functions::check_domains(model)?;
    // Model-local functions are inlined (nodes whose op no table maps run through their body).
    let expanded = functions::expand(model, graph, opset, &|d, o| handler_for(d, o).is_some())?;
    let nodes = expanded.as_ref().map_or(graph, |e| &e.graph);
    let unsup = unsupported(nodes);
    if !unsup.is_empty() {
        return Err(OnnxError::Unsupported(unsup));
    }
    let name = if graph.name().is_empty() { "onnx" } else { graph.name() };
    let mut imp = Importer::new(Graph::new(name), nodes, opts, folder, base_dir, opset);

    // Initializers (known data; they enter the graph when an IR node reads them).
    for t in &graph.initializer {
        let n = t.name();
        if n.is_empty() {
            return Err(OnnxError::Graph("an initializer has no name".into()));
        }
        let data = tensor_to_data(t, base_dir, &opts.limits)?;
        let v = imp.new_data(n.to_string(), data);
        imp.bind(n, v)?;
    }
    if !graph.sparse_initializer.is_empty() {
        return Err(OnnxError::Graph(
            "sparse initializers are not supported; densify them (onnx.numpy_helper) before import".into(),
        ));
    }
    // Graph inputs that are not initializers.
    for vi in &graph.input {
        let n = vi.name();
        if imp.lookup(n).is_some() {
            continue;
        }
        if n.is_empty() {
            return Err(OnnxError::Graph("a graph input has no name".into()));
        }
        let (dtype, shape) = input_shape(vi, opts)?;
        let id = imp.g.add_input(n, dtype, shape)?;
        let v = imp.new_ir(id);
        imp.bind(n, v)?;
    }
    // Nodes, in order.
    for (i, node) in nodes.node.iter().enumerate() {
        let Some(handler) = handler_for(node.domain(), node.op_type()) else {
            continue; // unreachable: unsupported ops were reported above
        };
        // Nodes inlined from a function use the function's default-domain opset.
        imp.opset = expanded
            .as_ref()
            .and_then(|e| e.opsets.get(i).copied())
            .unwrap_or(opset);
        let mut cx = Cx::new(&mut imp, node, i);
        if is_default_domain(node.domain()) {
            let r = versions::check(node.op_type(), cx.opset());
            cx.at(r)?;
        }
        handler(&mut cx)?;
        cx.check_outputs()?;
    }
    // Outputs, by name and in order.
    if graph.output.is_empty() {
        return Err(OnnxError::Graph("the graph has no outputs".into()));
    }
    let mut outputs = Vec::with_capacity(graph.output.len());
    for vi in &graph.output {
        let n = vi.name();
        let v = imp
            .lookup(n)
            .ok_or_else(|| OnnxError::Graph(format!("graph output `{n}` is not computed by any node")))?;
        let mut id = imp.materialize(v)?;
        if imp.g.value(id).name != n {
            id = match imp.g.find_value(n) {
                Some(existing) => existing,
                None => {
                    let node = imp.fresh(&format!("{n}_identity"));
                    let outs = imp.g.add_node_named(&node, Op::Identity, &[id], &[n.to_string()])?;
                    *outs
                        .first()
                        .ok_or_else(|| OnnxError::Graph(format!("no value for graph output `{n}`")))?
                }
            };
        }
        outputs.push(id);
    }
    for id in outputs {
        imp.g.add_output(id)?;
    }
    let g = imp.g;
    verify(&g)?;
    Ok(g)
}
