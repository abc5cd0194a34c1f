//! edgecc: an ahead-of-time ML compiler backend for generative AI on edge GPUs.
//!
//! This crate is the library facade and the `edgecc` CLI. The pieces live in the workspace
//! crates: [`ir`] (the graph IR), [`onnx`] (ONNX import), [`backends`] (the reference
//! interpreter and, later, the GPU backends). [`load_model`] reads a model file (`.onnx` or
//! `.eir`); [`run_reference`] runs a graph on the CPU; [`npy`] reads and writes numpy files.
//! [`models`] builds seeded reference models (MLP, GPT-2 block, BERT encoder); [`rng`] is the
//! deterministic generator behind their weights and behind `--random-inputs`.

#![forbid(unsafe_code)]

pub mod error;
pub mod fold;
pub mod fsutil;
pub mod load;
pub mod models;
pub mod npy;
pub mod rng;
pub mod summary;

pub use edgecc_backends as backends;
pub use edgecc_ir as ir;
pub use edgecc_onnx as onnx;
pub use error::{Error, Result};
pub use fold::ReferenceFolder;
pub use load::{load_model, parse_shape_args, specialize};

use edgecc_ir::{Graph, TensorData};

/// Runs `graph` in the reference interpreter on `inputs` (in graph-input order).
pub fn run_reference(graph: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>> {
    Ok(edgecc_backends::reference::run(graph, inputs)?)
}
