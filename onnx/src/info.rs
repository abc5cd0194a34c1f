//! What a model says about itself, read without importing it: its IR version, the opset of
//! every domain it imports, its producer, and the domains its nodes use.

use crate::decode::{decode_model, read_model_bytes, Limits};
use crate::error::OnnxError;
use crate::proto;
use std::collections::BTreeSet;
use std::path::Path;

/// A model's metadata (`edgecc inspect` prints it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelInfo {
    /// `ir_version` (0 when absent).
    pub ir_version: i64,
    /// `opset_import` in the model's order: (domain, version); the default domain is written
    /// `ai.onnx` (a model may spell it `` or `ai.onnx`).
    pub opsets: Vec<(String, i64)>,
    /// `producer_name` and `producer_version` (empty when absent).
    pub producer_name: String,
    pub producer_version: String,
    /// The domains of the nodes of the main graph, its subgraphs and the model-local functions,
    /// sorted (`ai.onnx` for the default domain).
    pub node_domains: Vec<String>,
    /// The model-local functions, as `domain::name`.
    pub functions: Vec<String>,
}

impl ModelInfo {
    /// The default-domain opset, if the model imports it.
    pub fn default_opset(&self) -> Option<i64> {
        self.opsets.iter().find(|(d, _)| d == "ai.onnx").map(|&(_, v)| v)
    }
}

fn domain_name(d: &str) -> String {
    if d.is_empty() {
        "ai.onnx".to_string()
    } else {
        d.to_string()
    }
}

fn graph_domains(g: &proto::GraphProto, out: &mut BTreeSet<String>) {
    for n in &g.node {
        nodes_domains(n, out);
    }
}

fn nodes_domains(n: &proto::NodeProto, out: &mut BTreeSet<String>) {
    out.insert(domain_name(n.domain()));
    for a in &n.attribute {
        if let Some(g) = &a.g {
            graph_domains(g, out);
        }
        for g in &a.graphs {
            graph_domains(g, out);
        }
    }
}

/// The metadata of a decoded model.
pub fn info_of(model: &proto::ModelProto) -> ModelInfo {
    let mut domains = BTreeSet::new();
    if let Some(g) = &model.graph {
        graph_domains(g, &mut domains);
    }
    for f in &model.functions {
        for n in &f.node {
            nodes_domains(n, &mut domains);
        }
    }
    ModelInfo {
        ir_version: model.ir_version(),
        opsets: model
            .opset_import
            .iter()
            .map(|o| {
                let d = if o.domain() == "ai.onnx" { "" } else { o.domain() };
                (domain_name(d), o.version())
            })
            .collect(),
        producer_name: model.producer_name().to_string(),
        producer_version: model.producer_version().to_string(),
        node_domains: domains.into_iter().collect(),
        functions: model
            .functions
            .iter()
            .map(|f| format!("{}::{}", domain_name(f.domain()), f.name()))
            .collect(),
    }
}

/// The metadata of a model given as protobuf bytes (decoded within `limits`, not imported).
pub fn model_info(bytes: &[u8], limits: &Limits) -> Result<ModelInfo, OnnxError> {
    Ok(info_of(&decode_model(bytes, limits)?))
}

/// The metadata of a model file.
pub fn model_info_file(path: &Path, limits: &Limits) -> Result<ModelInfo, OnnxError> {
    let bytes = read_model_bytes(path, limits)?;
    model_info(&bytes, limits)
}
