//! The declared graph inputs of a model, read without importing it: names, dtypes and dims as
//! the exporter wrote them (`dim_value`, `dim_param`, or neither).
//!
//! A caller that has input tensors in hand (`edgecc run --input NAME=FILE.npy`) matches their
//! shapes against these declarations, and imports the model with every `dim_param` bound
//! ([`crate::ImportOptions::shapes`]), so that the shape subgraphs fold.

use crate::error::OnnxError;
use crate::proto;
use crate::tensor::onnx_dtype;
use edgecc_ir::DType;

/// One declared dim of a graph input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimDecl {
    /// A `dim_value`.
    Value(u64),
    /// A `dim_param`: a name (`batch_size`) or an expression an exporter wrote
    /// (`past_seq_len + seq_len`), kept verbatim. A dim with neither a value nor a param gets the
    /// name the importer gives it, `{input}_dim{index}` ([`unnamed_dim`]).
    Param(String),
}

/// A graph input that is not an initializer, as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphInput {
    pub name: String,
    /// The element type, or why it is not one the IR has.
    pub dtype: Result<DType, String>,
    /// The declared dims; `None` when the input has no shape (the importer refuses it).
    pub dims: Option<Vec<DimDecl>>,
}

/// The symbol name the importer gives dim `index` of input `input` when it has neither a
/// `dim_value` nor a `dim_param`.
pub fn unnamed_dim(input: &str, index: usize) -> String {
    format!("{input}_dim{index}")
}

/// The graph inputs of a decoded model that are not initializers, in declaration order.
pub fn graph_inputs(model: &proto::ModelProto) -> Result<Vec<GraphInput>, OnnxError> {
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Graph("the model has no graph".into()))?;
    let inits: std::collections::HashSet<&str> = graph.initializer.iter().map(|t| t.name()).collect();
    let mut out = Vec::with_capacity(graph.input.len());
    for vi in &graph.input {
        let name = vi.name();
        if inits.contains(name) {
            continue;
        }
        let tensor = match vi.r#type.as_ref().and_then(|t| t.value.as_ref()) {
            Some(proto::type_proto::Value::TensorType(t)) => Some(t),
            _ => None,
        };
        let dtype = match tensor {
            Some(t) => onnx_dtype(t.elem_type()),
            None => Err("not a tensor".to_string()),
        };
        let dims = tensor.and_then(|t| t.shape.as_ref()).map(|s| {
            s.dim
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    use proto::tensor_shape_proto::dimension::Value;
                    match &d.value {
                        Some(Value::DimValue(v)) if *v >= 0 => DimDecl::Value(*v as u64),
                        Some(Value::DimParam(p)) if !p.is_empty() => DimDecl::Param(p.clone()),
                        _ => DimDecl::Param(unnamed_dim(name, i)),
                    }
                })
                .collect()
        });
        out.push(GraphInput {
            name: name.to_string(),
            dtype,
            dims,
        });
    }
    Ok(out)
}
