//! `edgecc-ir`: the graph IR that every pass rewrites and every backend lowers.
//!
//! - [`DType`], [`Shape`]/[`Dim`] (static and symbolic dims), [`TensorData`] (raw constant bytes);
//! - [`Graph`]: an arena of [`Node`]s and [`Value`]s with typed ids, constants stored once;
//! - [`Op`]: the closed op set, with documented semantics;
//! - [`infer`]: shape and dtype inference for every op; [`verify`]: the verifier;
//! - [`Builder`]: a `Result`-returning API to build graphs without ONNX;
//! - [`text`]: the text format (`Display` prints what [`parse`] reads).

#![forbid(unsafe_code)]

pub mod builder;
pub mod dtype;
pub mod error;
pub mod graph;
pub mod infer;
pub mod op;
pub mod random;
pub mod shape;
pub mod tensor;
pub mod text;
pub mod verify;

pub use builder::Builder;
pub use dtype::DType;
pub use error::{IrError, Result};
pub use graph::{ConstId, Constant, Graph, Node, NodeId, TensorType, Value, ValueDef, ValueId};
pub use infer::{broadcast_shapes, infer, slice_len};
pub use op::{BinaryOp, CoordMode, NearestMode, Op, PadMode, ReduceOp, ResizeMode, UnaryOp};
pub use shape::{normalize_axis, Dim, Shape};
pub use tensor::{TensorData, TensorError};
pub use text::{parse, parse_inputs, parse_specialized};
pub use verify::verify;
