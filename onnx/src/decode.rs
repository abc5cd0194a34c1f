//! Bytes → [`proto::ModelProto`], safely.
//!
//! Decoding runs in three steps:
//!
//! 1. A protobuf wire-format walker (written here, no allocation) checks the structure of the
//!    bytes against a table of the ONNX schema: varints, tags, wire types, lengths, UTF-8 of string
//!    fields, packed arrays, recursing into every sub-message. The first problem is reported as
//!    [`OnnxError::Malformed`] with its byte offset from the start of the file. The walker also
//!    enforces the count limits that do not need decoded values (nodes, initializers, rank of every
//!    declared shape, subgraph depth), so an oversized model is refused before prost allocates.
//! 2. prost decodes the (now known to be well-formed) bytes.
//! 3. The byte limits are checked from each tensor's dims and data type, without allocating.
//!
//! Every limit lives in [`Limits`] and is named in the error ([`OnnxError::Limit`]).

use std::io::Read;
use std::path::Path;

use prost::Message;

use crate::error::OnnxError;
use crate::proto;
use crate::tensor::declared_bytes;

/// Size and count limits applied to a model before and while it is decoded.
///
/// The defaults accept every model a 16 GiB device could plausibly run and refuse inputs that would
/// make the importer allocate without bound:
///
/// | limit | default | what it bounds |
/// |---|---|---|
/// | `max_file_bytes` | 2 GiB | the `.onnx` file (protobuf's own 2 GiB message limit) |
/// | `max_nodes` | 1,000,000 | nodes, counting subgraphs and functions |
/// | `max_initializers` | 100,000 | initializers and sparse initializers, counting subgraphs |
/// | `max_tensor_bytes` | 2 GiB | one tensor's data, from its dims and data type (external data included) |
/// | `max_total_weight_bytes` | 8 GiB | all tensors' data together (initializers and tensor attributes) |
/// | `max_rank` | 16 | dims of every tensor and every declared shape |
/// | `max_graph_depth` | 8 | nesting of subgraphs (`If`/`Loop`/`Scan` bodies); the main graph is depth 0 |
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_nodes: usize,
    pub max_initializers: usize,
    pub max_tensor_bytes: u64,
    pub max_total_weight_bytes: u64,
    pub max_rank: usize,
    pub max_graph_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        const GIB: u64 = 1 << 30;
        Limits {
            max_file_bytes: 2 * GIB,
            max_nodes: 1_000_000,
            max_initializers: 100_000,
            max_tensor_bytes: 2 * GIB,
            max_total_weight_bytes: 8 * GIB,
            max_rank: 16,
            max_graph_depth: 8,
        }
    }
}

/// Protobuf messages nested deeper than this are refused as malformed (prost itself stops at 100;
/// a real model nests fewer than 40 deep even with `max_graph_depth` subgraphs).
pub const MAX_MESSAGE_NESTING: usize = 64;

/// Prefix of the message of a [`OnnxError::Malformed`] that the wire-format walker did not catch
/// and prost reported instead.
pub const PROST_ERROR_PREFIX: &str = "protobuf decoding failed";

/// Decodes an ONNX model from its protobuf bytes, checking the structure first (errors carry the
/// byte offset of the first problem) and enforcing `limits`.
pub fn decode_model(bytes: &[u8], limits: &Limits) -> Result<proto::ModelProto, OnnxError> {
    let model: proto::ModelProto = walk_and_decode(bytes, limits, Msg::Model, "model")?;
    check_weight_bytes(&model, limits)?;
    Ok(model)
}

/// Decodes one serialized `TensorProto` (such as the `input_0.pb` files of the ONNX backend tests)
/// with the checks of [`decode_model`]: the wire-format walk (errors carry the byte offset from the
/// start of `bytes`), `max_file_bytes` on the input, and `max_rank`/`max_tensor_bytes` on the tensor.
pub fn decode_tensor_proto(bytes: &[u8], limits: &Limits) -> Result<proto::TensorProto, OnnxError> {
    let tensor: proto::TensorProto = walk_and_decode(bytes, limits, Msg::Tensor, "tensor")?;
    WeightBytes { limits, total: 0 }.tensor(&tensor)?;
    Ok(tensor)
}

/// The shared front of the decoders: the size limit, the wire-format walk from `root`, then prost.
fn walk_and_decode<M: Message + Default>(bytes: &[u8], limits: &Limits, root: Msg, what: &str) -> Result<M, OnnxError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(OnnxError::Limit {
            limit: "max_file_bytes",
            msg: format!(
                "the {what} is {} bytes, the limit is {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ),
        });
    }
    let mut walker = Walker {
        buf: bytes,
        limits,
        nodes: 0,
        initializers: 0,
    };
    walker.message(root, 0, bytes.len(), 0, 0)?;
    M::decode(bytes).map_err(|e| OnnxError::Malformed {
        offset: prost_error_offset::<M>(bytes),
        msg: format!("{PROST_ERROR_PREFIX}: {e}"),
    })
}

/// Reads a model file, checking its size against `limits.max_file_bytes` before reading it (and
/// reading at most that many bytes, should the file grow meanwhile).
pub fn read_model_bytes(path: &Path, limits: &Limits) -> Result<Vec<u8>, OnnxError> {
    let io_err = |source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_big = |size: u64| OnnxError::Limit {
        limit: "max_file_bytes",
        msg: format!(
            "{} is {size} bytes, the limit is {} bytes",
            path.display(),
            limits.max_file_bytes
        ),
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads and decodes a model file ([`read_model_bytes`] then [`decode_model`]). External tensor data
/// is not read here: pass the file's directory to [`crate::tensor::tensor_to_data`].
pub fn read_model_file(path: &Path, limits: &Limits) -> Result<proto::ModelProto, OnnxError> {
    let bytes = read_model_bytes(path, limits)?;
    decode_model(&bytes, limits)
}

// ---------------------------------------------------------------------------------------------
// The schema table.
// ---------------------------------------------------------------------------------------------

/// The messages of `onnx.proto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Segment,
    SparseTensor,
    ValueInfo,
    Type,
    TypeTensor,
    TypeSequence,
    TypeMap,
    TypeOptional,
    TypeSparseTensor,
    TypeOpaque,
    Shape,
    Dim,
    StringString,
    OpsetId,
    TrainingInfo,
    Function,
    TensorAnnotation,
    DeviceConfiguration,
    NodeDeviceConfiguration,
    ShardingSpec,
    IntIntList,
    ShardedDim,
    SimpleShardedDim,
}

impl Msg {
    fn name(self) -> &'static str {
        match self {
            Msg::Model => "ModelProto",
            Msg::Graph => "GraphProto",
            Msg::Node => "NodeProto",
            Msg::Attribute => "AttributeProto",
            Msg::Tensor => "TensorProto",
            Msg::Segment => "TensorProto.Segment",
            Msg::SparseTensor => "SparseTensorProto",
            Msg::ValueInfo => "ValueInfoProto",
            Msg::Type => "TypeProto",
            Msg::TypeTensor => "TypeProto.Tensor",
            Msg::TypeSequence => "TypeProto.Sequence",
            Msg::TypeMap => "TypeProto.Map",
            Msg::TypeOptional => "TypeProto.Optional",
            Msg::TypeSparseTensor => "TypeProto.SparseTensor",
            Msg::TypeOpaque => "TypeProto.Opaque",
            Msg::Shape => "TensorShapeProto",
            Msg::Dim => "TensorShapeProto.Dimension",
            Msg::StringString => "StringStringEntryProto",
            Msg::OpsetId => "OperatorSetIdProto",
            Msg::TrainingInfo => "TrainingInfoProto",
            Msg::Function => "FunctionProto",
            Msg::TensorAnnotation => "TensorAnnotation",
            Msg::DeviceConfiguration => "DeviceConfigurationProto",
            Msg::NodeDeviceConfiguration => "NodeDeviceConfigurationProto",
            Msg::ShardingSpec => "ShardingSpecProto",
            Msg::IntIntList => "IntIntListEntryProto",
            Msg::ShardedDim => "ShardedDimProto",
            Msg::SimpleShardedDim => "SimpleShardedDimProto",
        }
    }
}

/// How a known field is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Message(Msg),
    /// `string`: length-delimited, UTF-8.
    Str,
    /// `bytes`: length-delimited, anything.
    Bytes,
    /// `int32`, `int64`, `uint64`, enums. Repeated ones may also be packed (wire type 2).
    Varint {
        repeated: bool,
    },
    /// `float`.
    Fixed32 {
        repeated: bool,
    },
    /// `double`.
    Fixed64 {
        repeated: bool,
    },
}

/// The name and encoding of field `number` of `msg`, `None` for a field the schema does not have
/// (skipped, like prost does).
fn field(msg: Msg, number: u32) -> Option<(&'static str, Kind)> {
    use Kind::{Bytes, Message as M, Str};
    const V: Kind = Kind::Varint { repeated: false };
    const RV: Kind = Kind::Varint { repeated: true };
    const F32: Kind = Kind::Fixed32 { repeated: false };
    const RF32: Kind = Kind::Fixed32 { repeated: true };
    const RF64: Kind = Kind::Fixed64 { repeated: true };
    let f = match (msg, number) {
        (Msg::Model, 1) => ("ir_version", V),
        (Msg::Model, 2) => ("producer_name", Str),
        (Msg::Model, 3) => ("producer_version", Str),
        (Msg::Model, 4) => ("domain", Str),
        (Msg::Model, 5) => ("model_version", V),
        (Msg::Model, 6) => ("doc_string", Str),
        (Msg::Model, 7) => ("graph", M(Msg::Graph)),
        (Msg::Model, 8) => ("opset_import", M(Msg::OpsetId)),
        (Msg::Model, 14) => ("metadata_props", M(Msg::StringString)),
        (Msg::Model, 20) => ("training_info", M(Msg::TrainingInfo)),
        (Msg::Model, 25) => ("functions", M(Msg::Function)),
        (Msg::Model, 26) => ("configuration", M(Msg::DeviceConfiguration)),

        (Msg::DeviceConfiguration, 1) => ("name", Str),
        (Msg::DeviceConfiguration, 2) => ("num_devices", V),
        (Msg::DeviceConfiguration, 3) => ("device", Str),

        (Msg::StringString, 1) => ("key", Str),
        (Msg::StringString, 2) => ("value", Str),

        (Msg::OpsetId, 1) => ("domain", Str),
        (Msg::OpsetId, 2) => ("version", V),

        (Msg::TrainingInfo, 1) => ("initialization", M(Msg::Graph)),
        (Msg::TrainingInfo, 2) => ("algorithm", M(Msg::Graph)),
        (Msg::TrainingInfo, 3) => ("initialization_binding", M(Msg::StringString)),
        (Msg::TrainingInfo, 4) => ("update_binding", M(Msg::StringString)),

        (Msg::Graph, 1) => ("node", M(Msg::Node)),
        (Msg::Graph, 2) => ("name", Str),
        (Msg::Graph, 5) => ("initializer", M(Msg::Tensor)),
        (Msg::Graph, 10) => ("doc_string", Str),
        (Msg::Graph, 11) => ("input", M(Msg::ValueInfo)),
        (Msg::Graph, 12) => ("output", M(Msg::ValueInfo)),
        (Msg::Graph, 13) => ("value_info", M(Msg::ValueInfo)),
        (Msg::Graph, 14) => ("quantization_annotation", M(Msg::TensorAnnotation)),
        (Msg::Graph, 15) => ("sparse_initializer", M(Msg::SparseTensor)),
        (Msg::Graph, 16) => ("metadata_props", M(Msg::StringString)),

        (Msg::TensorAnnotation, 1) => ("tensor_name", Str),
        (Msg::TensorAnnotation, 2) => ("quant_parameter_tensor_names", M(Msg::StringString)),

        (Msg::Node, 1) => ("input", Str),
        (Msg::Node, 2) => ("output", Str),
        (Msg::Node, 3) => ("name", Str),
        (Msg::Node, 4) => ("op_type", Str),
        (Msg::Node, 5) => ("attribute", M(Msg::Attribute)),
        (Msg::Node, 6) => ("doc_string", Str),
        (Msg::Node, 7) => ("domain", Str),
        (Msg::Node, 8) => ("overload", Str),
        (Msg::Node, 9) => ("metadata_props", M(Msg::StringString)),
        (Msg::Node, 10) => ("device_configurations", M(Msg::NodeDeviceConfiguration)),

        (Msg::NodeDeviceConfiguration, 1) => ("configuration_id", Str),
        (Msg::NodeDeviceConfiguration, 2) => ("sharding_spec", M(Msg::ShardingSpec)),
        (Msg::NodeDeviceConfiguration, 3) => ("pipeline_stage", V),

        (Msg::ShardingSpec, 1) => ("tensor_name", Str),
        (Msg::ShardingSpec, 2) => ("device", RV),
        (Msg::ShardingSpec, 3) => ("index_to_device_group_map", M(Msg::IntIntList)),
        (Msg::ShardingSpec, 4) => ("sharded_dim", M(Msg::ShardedDim)),

        (Msg::IntIntList, 1) => ("key", V),
        (Msg::IntIntList, 2) => ("value", RV),

        (Msg::ShardedDim, 1) => ("axis", V),
        (Msg::ShardedDim, 2) => ("simple_sharding", M(Msg::SimpleShardedDim)),

        (Msg::SimpleShardedDim, 1) => ("dim_value", V),
        (Msg::SimpleShardedDim, 2) => ("dim_param", Str),
        (Msg::SimpleShardedDim, 3) => ("num_shards", V),

        (Msg::Attribute, 1) => ("name", Str),
        (Msg::Attribute, 2) => ("f", F32),
        (Msg::Attribute, 3) => ("i", V),
        (Msg::Attribute, 4) => ("s", Bytes),
        (Msg::Attribute, 5) => ("t", M(Msg::Tensor)),
        (Msg::Attribute, 6) => ("g", M(Msg::Graph)),
        (Msg::Attribute, 7) => ("floats", RF32),
        (Msg::Attribute, 8) => ("ints", RV),
        (Msg::Attribute, 9) => ("strings", Bytes),
        (Msg::Attribute, 10) => ("tensors", M(Msg::Tensor)),
        (Msg::Attribute, 11) => ("graphs", M(Msg::Graph)),
        (Msg::Attribute, 13) => ("doc_string", Str),
        (Msg::Attribute, 14) => ("tp", M(Msg::Type)),
        (Msg::Attribute, 15) => ("type_protos", M(Msg::Type)),
        (Msg::Attribute, 20) => ("type", V),
        (Msg::Attribute, 21) => ("ref_attr_name", Str),
        (Msg::Attribute, 22) => ("sparse_tensor", M(Msg::SparseTensor)),
        (Msg::Attribute, 23) => ("sparse_tensors", M(Msg::SparseTensor)),

        (Msg::ValueInfo, 1) => ("name", Str),
        (Msg::ValueInfo, 2) => ("type", M(Msg::Type)),
        (Msg::ValueInfo, 3) => ("doc_string", Str),
        (Msg::ValueInfo, 4) => ("metadata_props", M(Msg::StringString)),

        (Msg::Tensor, 1) => ("dims", RV),
        (Msg::Tensor, 2) => ("data_type", V),
        (Msg::Tensor, 3) => ("segment", M(Msg::Segment)),
        (Msg::Tensor, 4) => ("float_data", RF32),
        (Msg::Tensor, 5) => ("int32_data", RV),
        (Msg::Tensor, 6) => ("string_data", Bytes),
        (Msg::Tensor, 7) => ("int64_data", RV),
        (Msg::Tensor, 8) => ("name", Str),
        (Msg::Tensor, 9) => ("raw_data", Bytes),
        (Msg::Tensor, 10) => ("double_data", RF64),
        (Msg::Tensor, 11) => ("uint64_data", RV),
        (Msg::Tensor, 12) => ("doc_string", Str),
        (Msg::Tensor, 13) => ("external_data", M(Msg::StringString)),
        (Msg::Tensor, 14) => ("data_location", V),
        (Msg::Tensor, 16) => ("metadata_props", M(Msg::StringString)),

        (Msg::Segment, 1) => ("begin", V),
        (Msg::Segment, 2) => ("end", V),

        (Msg::SparseTensor, 1) => ("values", M(Msg::Tensor)),
        (Msg::SparseTensor, 2) => ("indices", M(Msg::Tensor)),
        (Msg::SparseTensor, 3) => ("dims", RV),

        (Msg::Shape, 1) => ("dim", M(Msg::Dim)),

        (Msg::Dim, 1) => ("dim_value", V),
        (Msg::Dim, 2) => ("dim_param", Str),
        (Msg::Dim, 3) => ("denotation", Str),

        (Msg::Type, 1) => ("tensor_type", M(Msg::TypeTensor)),
        (Msg::Type, 4) => ("sequence_type", M(Msg::TypeSequence)),
        (Msg::Type, 5) => ("map_type", M(Msg::TypeMap)),
        (Msg::Type, 6) => ("denotation", Str),
        (Msg::Type, 7) => ("opaque_type", M(Msg::TypeOpaque)),
        (Msg::Type, 8) => ("sparse_tensor_type", M(Msg::TypeSparseTensor)),
        (Msg::Type, 9) => ("optional_type", M(Msg::TypeOptional)),

        (Msg::TypeTensor, 1) => ("elem_type", V),
        (Msg::TypeTensor, 2) => ("shape", M(Msg::Shape)),
        (Msg::TypeSequence, 1) => ("elem_type", M(Msg::Type)),
        (Msg::TypeMap, 1) => ("key_type", V),
        (Msg::TypeMap, 2) => ("value_type", M(Msg::Type)),
        (Msg::TypeOptional, 1) => ("elem_type", M(Msg::Type)),
        (Msg::TypeSparseTensor, 1) => ("elem_type", V),
        (Msg::TypeSparseTensor, 2) => ("shape", M(Msg::Shape)),
        (Msg::TypeOpaque, 1) => ("domain", Str),
        (Msg::TypeOpaque, 2) => ("name", Str),

        (Msg::Function, 1) => ("name", Str),
        (Msg::Function, 4) => ("input", Str),
        (Msg::Function, 5) => ("output", Str),
        (Msg::Function, 6) => ("attribute", Str),
        (Msg::Function, 7) => ("node", M(Msg::Node)),
        (Msg::Function, 8) => ("doc_string", Str),
        (Msg::Function, 9) => ("opset_import", M(Msg::OpsetId)),
        (Msg::Function, 10) => ("domain", Str),
        (Msg::Function, 11) => ("attribute_proto", M(Msg::Attribute)),
        (Msg::Function, 12) => ("value_info", M(Msg::ValueInfo)),
        (Msg::Function, 13) => ("overload", Str),
        (Msg::Function, 14) => ("metadata_props", M(Msg::StringString)),

        _ => return None,
    };
    Some(f)
}

/// What an occurrence of a field counts toward.
enum Counted {
    Node,
    Initializer,
    Dim,
    Nothing,
}

fn counted(msg: Msg, number: u32) -> Counted {
    match (msg, number) {
        (Msg::Graph, 1) | (Msg::Function, 7) => Counted::Node,
        (Msg::Graph, 5) | (Msg::Graph, 15) => Counted::Initializer,
        (Msg::Tensor, 1) | (Msg::SparseTensor, 3) | (Msg::Shape, 1) => Counted::Dim,
        _ => Counted::Nothing,
    }
}

// ---------------------------------------------------------------------------------------------
// The wire-format walker.
// ---------------------------------------------------------------------------------------------

fn malformed(offset: usize, msg: String) -> OnnxError {
    OnnxError::Malformed { offset, msg }
}

/// Reads a varint starting at `pos`, not reading at or past `end`. Returns the value and the
/// position after it. Follows prost: at most 10 bytes, the 10th at most 1.
fn varint(buf: &[u8], pos: usize, end: usize, what: &dyn Fn() -> String) -> Result<(u64, usize), OnnxError> {
    let mut value = 0u64;
    for i in 0..10 {
        let at = pos + i;
        if at >= end {
            return Err(malformed(
                pos,
                format!("{}: truncated varint ({} bytes left)", what(), end.saturating_sub(pos)),
            ));
        }
        let b = buf.get(at).copied().unwrap_or(0);
        if i == 9 && b > 1 {
            return Err(malformed(
                pos,
                format!("{}: invalid varint (its 10th byte overflows 64 bits)", what()),
            ));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok((value, at + 1));
        }
    }
    Err(malformed(
        pos,
        format!("{}: invalid varint (longer than 10 bytes)", what()),
    ))
}

fn wire_type_name(wire: u64) -> &'static str {
    match wire {
        0 => "varint",
        1 => "64-bit",
        2 => "length-delimited",
        3 => "start-group",
        4 => "end-group",
        5 => "32-bit",
        _ => "invalid",
    }
}

struct Walker<'a> {
    buf: &'a [u8],
    limits: &'a Limits,
    nodes: usize,
    initializers: usize,
}

impl Walker<'_> {
    /// Walks the message `msg` occupying `buf[start..end]`. `nesting` counts the messages enclosing
    /// it; `graphs` counts the graphs enclosing it or equal to it.
    fn message(&mut self, msg: Msg, start: usize, end: usize, nesting: usize, graphs: usize) -> Result<(), OnnxError> {
        let mut pos = start;
        let mut dims = 0usize;
        while pos < end {
            let tag_at = pos;
            let (key, after_key) = varint(self.buf, pos, end, &|| format!("{}: field key", msg.name()))?;
            if key > u64::from(u32::MAX) {
                return Err(malformed(
                    tag_at,
                    format!("{}: field key {key} does not fit in 32 bits", msg.name()),
                ));
            }
            let wire = key & 7;
            let number = (key >> 3) as u32;
            if number == 0 {
                return Err(malformed(tag_at, format!("{}: field number 0 is invalid", msg.name())));
            }
            let known = field(msg, number);
            let what = || match known {
                Some((name, _)) => format!("{}.{name} (field {number})", msg.name()),
                None => format!("{} unknown field {number}", msg.name()),
            };
            let kind = known.map(|(_, k)| k);
            let wire_ok = match (kind, wire) {
                (None, 0 | 1 | 2 | 5) => true,
                (Some(Kind::Varint { .. }), 0) | (Some(Kind::Fixed32 { .. }), 5) | (Some(Kind::Fixed64 { .. }), 1) => {
                    true
                }
                (Some(Kind::Varint { repeated }), 2)
                | (Some(Kind::Fixed32 { repeated }), 2)
                | (Some(Kind::Fixed64 { repeated }), 2) => repeated,
                (Some(Kind::Message(_) | Kind::Str | Kind::Bytes), 2) => true,
                _ => false,
            };
            if !wire_ok {
                let msg = match wire {
                    3 | 4 => format!(
                        "{}: group wire type {wire} is not supported (ONNX has no groups)",
                        what()
                    ),
                    6 | 7 => format!("{}: invalid wire type {wire}", what()),
                    _ => format!("{}: unexpected wire type {wire} ({})", what(), wire_type_name(wire)),
                };
                return Err(malformed(tag_at, msg));
            }
            let mut occurrences = 1usize;
            pos = match wire {
                0 => varint(self.buf, after_key, end, &what)?.1,
                1 | 5 => {
                    let size = if wire == 1 { 8 } else { 4 };
                    if end - after_key < size {
                        return Err(malformed(
                            after_key,
                            format!(
                                "{}: truncated {}-byte value ({} bytes left)",
                                what(),
                                size,
                                end - after_key
                            ),
                        ));
                    }
                    after_key + size
                }
                _ => {
                    let (len, data_at) = varint(self.buf, after_key, end, &|| format!("{} length", what()))?;
                    let left = end - data_at;
                    let len = match usize::try_from(len) {
                        Ok(len) if len <= left => len,
                        _ => {
                            return Err(malformed(
                                after_key,
                                format!(
                                    "{}: length {len} runs past the end of the enclosing message ({left} bytes left)",
                                    what()
                                ),
                            ))
                        }
                    };
                    let data_end = data_at + len;
                    match kind {
                        Some(Kind::Message(sub)) => {
                            if nesting + 1 >= MAX_MESSAGE_NESTING {
                                return Err(malformed(
                                    tag_at,
                                    format!("{}: messages nested more than {MAX_MESSAGE_NESTING} deep", what()),
                                ));
                            }
                            let sub_graphs = graphs + usize::from(sub == Msg::Graph);
                            if sub == Msg::Graph && sub_graphs - 1 > self.limits.max_graph_depth {
                                return Err(OnnxError::Limit {
                                    limit: "max_graph_depth",
                                    msg: format!(
                                        "the subgraph at byte offset {tag_at} is nested {} deep, the limit is {}",
                                        sub_graphs - 1,
                                        self.limits.max_graph_depth
                                    ),
                                });
                            }
                            self.message(sub, data_at, data_end, nesting + 1, sub_graphs)?;
                        }
                        Some(Kind::Str) => {
                            let bytes = self.buf.get(data_at..data_end).unwrap_or(&[]);
                            if let Err(e) = std::str::from_utf8(bytes) {
                                return Err(malformed(
                                    data_at + e.valid_up_to(),
                                    format!("{}: string is not valid UTF-8", what()),
                                ));
                            }
                        }
                        Some(Kind::Varint { .. }) => {
                            occurrences = 0;
                            let mut p = data_at;
                            while p < data_end {
                                p = varint(self.buf, p, data_end, &|| format!("{} packed element", what()))?.1;
                                occurrences += 1;
                            }
                        }
                        Some(Kind::Fixed32 { .. }) | Some(Kind::Fixed64 { .. }) => {
                            let size = if matches!(kind, Some(Kind::Fixed32 { .. })) {
                                4
                            } else {
                                8
                            };
                            if len % size != 0 {
                                return Err(malformed(
                                    after_key,
                                    format!(
                                        "{}: packed length {len} is not a multiple of the {size}-byte element size",
                                        what()
                                    ),
                                ));
                            }
                        }
                        Some(Kind::Bytes) | None => {}
                    }
                    data_end
                }
            };
            match counted(msg, number) {
                Counted::Node => {
                    self.nodes += 1;
                    if self.nodes > self.limits.max_nodes {
                        return Err(OnnxError::Limit {
                            limit: "max_nodes",
                            msg: format!(
                                "more than {} nodes (counting subgraphs and functions)",
                                self.limits.max_nodes
                            ),
                        });
                    }
                }
                Counted::Initializer => {
                    self.initializers += 1;
                    if self.initializers > self.limits.max_initializers {
                        return Err(OnnxError::Limit {
                            limit: "max_initializers",
                            msg: format!(
                                "more than {} initializers (counting subgraphs)",
                                self.limits.max_initializers
                            ),
                        });
                    }
                }
                Counted::Dim => {
                    dims = dims.saturating_add(occurrences);
                    if dims > self.limits.max_rank {
                        return Err(OnnxError::Limit {
                            limit: "max_rank",
                            msg: format!(
                                "the {} at byte offset {start} has more than {} dims",
                                msg.name(),
                                self.limits.max_rank
                            ),
                        });
                    }
                }
                Counted::Nothing => {}
            }
        }
        Ok(())
    }
}

/// The offset of the first top-level field of an `M` that prost cannot decode on its own (0 if
/// none). Only called on the error path, after the walker has accepted the structure.
fn prost_error_offset<M: Message + Default>(bytes: &[u8]) -> usize {
    let noop = || String::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Ok((key, p)) = varint(bytes, pos, bytes.len(), &noop) else {
            return pos;
        };
        let next = match key & 7 {
            0 => varint(bytes, p, bytes.len(), &noop).map(|(_, n)| n).ok(),
            1 => p.checked_add(8),
            5 => p.checked_add(4),
            2 => varint(bytes, p, bytes.len(), &noop)
                .ok()
                .and_then(|(len, n)| usize::try_from(len).ok().and_then(|l| n.checked_add(l))),
            _ => None,
        };
        let Some(next) = next.filter(|&n| n <= bytes.len()) else {
            return pos;
        };
        if M::decode(bytes.get(pos..next).unwrap_or(&[])).is_err() {
            return pos;
        }
        pos = next;
    }
    0
}

// ---------------------------------------------------------------------------------------------
// Byte limits, after decoding.
// ---------------------------------------------------------------------------------------------

struct WeightBytes<'a> {
    limits: &'a Limits,
    total: u64,
}

fn check_weight_bytes(model: &proto::ModelProto, limits: &Limits) -> Result<(), OnnxError> {
    let mut w = WeightBytes { limits, total: 0 };
    if let Some(g) = &model.graph {
        w.graph(g)?;
    }
    for t in &model.training_info {
        for g in t.initialization.iter().chain(t.algorithm.iter()) {
            w.graph(g)?;
        }
    }
    for f in &model.functions {
        for a in &f.attribute_proto {
            w.attribute(a)?;
        }
        for n in &f.node {
            w.node(n)?;
        }
    }
    Ok(())
}

impl WeightBytes<'_> {
    fn tensor(&mut self, t: &proto::TensorProto) -> Result<(), OnnxError> {
        let name = t.name.as_deref().unwrap_or("");
        let bytes = declared_bytes(t).map_err(|msg| OnnxError::Tensor {
            name: name.to_string(),
            msg,
        })?;
        if bytes > self.limits.max_tensor_bytes {
            return Err(OnnxError::Limit {
                limit: "max_tensor_bytes",
                msg: format!(
                    "tensor `{name}` has {bytes} bytes of data, the limit is {} bytes",
                    self.limits.max_tensor_bytes
                ),
            });
        }
        self.total = self.total.saturating_add(bytes);
        if self.total > self.limits.max_total_weight_bytes {
            return Err(OnnxError::Limit {
                limit: "max_total_weight_bytes",
                msg: format!(
                    "the tensors reach {} bytes of data at tensor `{name}`, the limit is {} bytes",
                    self.total, self.limits.max_total_weight_bytes
                ),
            });
        }
        Ok(())
    }

    fn sparse(&mut self, s: &proto::SparseTensorProto) -> Result<(), OnnxError> {
        for t in s.values.iter().chain(s.indices.iter()) {
            self.tensor(t)?;
        }
        Ok(())
    }

    fn graph(&mut self, g: &proto::GraphProto) -> Result<(), OnnxError> {
        for t in &g.initializer {
            self.tensor(t)?;
        }
        for s in &g.sparse_initializer {
            self.sparse(s)?;
        }
        for n in &g.node {
            self.node(n)?;
        }
        Ok(())
    }

    fn node(&mut self, n: &proto::NodeProto) -> Result<(), OnnxError> {
        for a in &n.attribute {
            self.attribute(a)?;
        }
        Ok(())
    }

    fn attribute(&mut self, a: &proto::AttributeProto) -> Result<(), OnnxError> {
        for t in a.t.iter().chain(a.tensors.iter()) {
            self.tensor(t)?;
        }
        for s in a.sparse_tensor.iter().chain(a.sparse_tensors.iter()) {
            self.sparse(s)?;
        }
        for g in a.g.iter().chain(a.graphs.iter()) {
            self.graph(g)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Checks the schema table against the Rust types prost generated from `onnx.proto`, so that a
    //! field the table misses or misdescribes cannot slip through.

    use super::*;
    use std::collections::BTreeMap;

    const ALL: [Msg; 28] = [
        Msg::Model,
        Msg::Graph,
        Msg::Node,
        Msg::Attribute,
        Msg::Tensor,
        Msg::Segment,
        Msg::SparseTensor,
        Msg::ValueInfo,
        Msg::Type,
        Msg::TypeTensor,
        Msg::TypeSequence,
        Msg::TypeMap,
        Msg::TypeOptional,
        Msg::TypeSparseTensor,
        Msg::TypeOpaque,
        Msg::Shape,
        Msg::Dim,
        Msg::StringString,
        Msg::OpsetId,
        Msg::TrainingInfo,
        Msg::Function,
        Msg::TensorAnnotation,
        Msg::DeviceConfiguration,
        Msg::NodeDeviceConfiguration,
        Msg::ShardingSpec,
        Msg::IntIntList,
        Msg::ShardedDim,
        Msg::SimpleShardedDim,
    ];

    /// The name of the struct prost generates for `m` (the last path segment).
    fn rust_name(m: Msg) -> &'static str {
        match m {
            Msg::Segment => "Segment",
            Msg::TypeTensor => "Tensor",
            Msg::TypeSequence => "Sequence",
            Msg::TypeMap => "Map",
            Msg::TypeOptional => "Optional",
            Msg::TypeSparseTensor => "SparseTensor",
            Msg::TypeOpaque => "Opaque",
            Msg::Dim => "Dimension",
            other => other.name(),
        }
    }

    /// A field as the generated code describes it: its kind with message types by Rust name.
    #[derive(Debug, PartialEq, Eq, Clone)]
    enum Gen {
        Message(String),
        Str,
        Bytes,
        Varint { repeated: bool },
        Fixed32 { repeated: bool },
        Fixed64 { repeated: bool },
    }

    fn gen_of(kind: Kind) -> Gen {
        match kind {
            Kind::Message(m) => Gen::Message(rust_name(m).to_string()),
            Kind::Str => Gen::Str,
            Kind::Bytes => Gen::Bytes,
            Kind::Varint { repeated } => Gen::Varint { repeated },
            Kind::Fixed32 { repeated } => Gen::Fixed32 { repeated },
            Kind::Fixed64 { repeated } => Gen::Fixed64 { repeated },
        }
    }

    fn attr_value<'a>(attr: &'a str, key: &str) -> Option<&'a str> {
        let i = attr.find(&format!("{key} = \""))? + key.len() + 4;
        let rest = attr.get(i..)?;
        rest.get(..rest.find('"')?)
    }

    /// Parses the generated file: struct path → tag → field kind, with oneof variants folded into
    /// the struct that owns the oneof.
    fn generated() -> BTreeMap<String, BTreeMap<u32, Gen>> {
        let src = include_str!(concat!(env!("OUT_DIR"), "/onnx.rs"));
        let lines: Vec<&str> = src.lines().collect();
        let mut modules: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut out: BTreeMap<String, BTreeMap<u32, Gen>> = BTreeMap::new();
        // oneof enum full path → owning struct
        let mut oneof_owner: BTreeMap<String, String> = BTreeMap::new();
        for (i, line) in lines.iter().enumerate() {
            let indent = (line.len() - line.trim_start().len()) / 4;
            let t = line.trim();
            let scope = |name: &str, modules: &Vec<String>| {
                let mut p = modules[..indent.min(modules.len())].to_vec();
                p.push(name.to_string());
                p.join("::")
            };
            if let Some(rest) = t.strip_prefix("pub mod ") {
                modules.truncate(indent);
                modules.push(rest.trim_end_matches(" {").to_string());
            } else if let Some(rest) = t.strip_prefix("pub struct ") {
                current = scope(rest.trim_end_matches(" {"), &modules);
                out.entry(current.clone()).or_default();
            } else if let Some(rest) = t.strip_prefix("pub enum ") {
                current = scope(rest.trim_end_matches(" {"), &modules);
            } else if t.starts_with("#[prost(") {
                if let Some(path) = attr_value(t, "oneof") {
                    let owner_mods = current.rsplit_once("::").map(|(m, _)| m.to_string());
                    let full = match owner_mods {
                        Some(m) => format!("{m}::{path}"),
                        None => path.to_string(),
                    };
                    oneof_owner.insert(full, current.clone());
                    continue;
                }
                let Some(tag) = attr_value(t, "tag").and_then(|s| s.parse::<u32>().ok()) else {
                    continue;
                };
                let repeated = t.contains("repeated");
                let ty = t
                    .trim_start_matches("#[prost(")
                    .split([',', ' ', '='])
                    .next()
                    .unwrap_or("");
                let gen = match ty {
                    "string" => Gen::Str,
                    "bytes" => Gen::Bytes,
                    "int32" | "int64" | "uint64" | "enumeration" => Gen::Varint { repeated },
                    "float" => Gen::Fixed32 { repeated },
                    "double" => Gen::Fixed64 { repeated },
                    "message" => {
                        // The field's type: the last identifier before the field or variant ends.
                        let mut text = String::new();
                        for l in &lines[i + 1..] {
                            text.push_str(l.trim());
                            if l.trim_end().ends_with(',') {
                                break;
                            }
                        }
                        let ident = text
                            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .rfind(|s| !s.is_empty())
                            .unwrap_or("")
                            .to_string();
                        Gen::Message(ident)
                    }
                    other => panic!("unexpected prost field type `{other}` in: {t}"),
                };
                out.entry(current.clone()).or_default().insert(tag, gen);
            }
        }
        // Fold oneof enums into their owners.
        for (enum_path, owner) in oneof_owner {
            let fields = out.remove(&enum_path).unwrap_or_default();
            assert!(!fields.is_empty(), "oneof enum {enum_path} not found");
            out.entry(owner).or_default().extend(fields);
        }
        out
    }

    #[test]
    fn schema_table_matches_generated_types() {
        let gen = generated();
        assert!(gen.len() >= ALL.len(), "parsed only {} structs", gen.len());
        for (path, fields) in &gen {
            let short = path.rsplit("::").next().unwrap_or(path);
            let Some(&msg) = ALL.iter().find(|m| rust_name(**m) == short) else {
                // Oneof enums have been folded; every remaining struct must be in the table.
                panic!("message {path} is missing from the schema table");
            };
            let mut table: BTreeMap<u32, Gen> = BTreeMap::new();
            for n in 1..=64 {
                if let Some((_, k)) = field(msg, n) {
                    table.insert(n, gen_of(k));
                }
            }
            assert_eq!(&table, fields, "schema table differs from the generated {path}");
        }
    }
}
