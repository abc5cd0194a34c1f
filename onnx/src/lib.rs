//! `edgecc-onnx`: ONNX import.
//!
//! Decodes ONNX protobuf (prost types generated from the vendored `proto/onnx.proto`), maps
//! opsets 7 through 24 of the ops the IR supports, folds the shape-computation subgraphs that
//! exporters emit, and builds a verified `edgecc_ir::Graph`.
//!
//! - [`decode`]: bytes → [`proto::ModelProto`], with malformed input reported at its byte offset
//!   and size/count limits enforced ([`Limits`]);
//! - [`tensor`]: ONNX tensors (raw data, typed fields, external data) → `TensorData`;
//! - [`import`]: the graph importer and the op mapping, one file per op family.
//!
//! Constant folding needs an evaluator of IR ops; this crate sits below the backends, so the
//! caller passes one in ([`Folder`]; the `edgecc` facade passes the reference interpreter).

#![forbid(unsafe_code)]

pub mod decode;
pub mod error;
pub mod import;
pub mod info;
pub mod inputs;
pub mod proto;
pub mod tensor;

pub use decode::{decode_model, decode_tensor_proto, Limits};
pub use error::{OnnxError, UnsupportedOp};
pub use import::{contrib_ops, domain_ops, import_bytes, import_file, supported_ops, Folder, ImportOptions};
pub use info::{model_info, model_info_file, ModelInfo};
pub use inputs::{graph_inputs, DimDecl, GraphInput};
pub use tensor::decode_tensor;
