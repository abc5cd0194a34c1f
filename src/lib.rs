//! edgecc: an ahead-of-time ML compiler backend for generative AI on edge GPUs.
//!
//! This crate is the library facade and the `edgecc` CLI. The pieces live in the workspace
//! crates: [`ir`] (the graph IR), [`onnx`] (ONNX import), [`backends`] (the reference
//! interpreter and, later, the GPU backends). [`load_model`] reads a model file (`.onnx` or
//! `.eir`); [`run_reference`] runs a graph on the CPU; [`npy`] reads and writes numpy files.
//! [`models`] builds seeded reference models (MLP, GPT-2 block, BERT encoder); [`rng`] is the
//! deterministic generator behind their weights and behind `--random-inputs`. [`optimize()`]
//! runs a target's pass pipeline ([`passes`]), fusion and memory planning; [`device`] compiles
//! the result to WGSL and runs it on a Vulkan device through wgpu.

#![forbid(unsafe_code)]

pub mod budget;
pub mod device;
pub mod error;
pub mod fold;
pub mod fsutil;
pub mod load;
pub mod models;
pub mod npy;
pub mod optimize;
pub mod rng;
pub mod summary;

pub use edgecc_backends as backends;
pub use edgecc_ir as ir;
pub use edgecc_onnx as onnx;
pub use edgecc_passes as passes;
pub use error::{Error, Result};
pub use fold::ReferenceFolder;
pub use load::{load_model, parse_shape_args, specialize};
pub use optimize::{optimize, Optimized};

use edgecc_ir::{Graph, TensorData};

/// Runs `graph` in the reference interpreter on `inputs` (in graph-input order). Symbolic dims
/// take their extents from the inputs; a graph with a tensor over [`budget::max_tensor_bytes`] is
/// refused before anything is allocated.
pub fn run_reference(graph: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>> {
    let mut values = std::collections::BTreeMap::new();
    for (&i, t) in graph.inputs().iter().zip(inputs) {
        let dims = graph.ty(i).shape.dims();
        if dims.len() == t.shape().len() {
            for (d, &n) in dims.iter().zip(t.shape()) {
                if let edgecc_ir::Dim::Sym { name, .. } = d {
                    values.entry(name.clone()).or_insert(n as u64);
                }
            }
        }
    }
    // Binding can fail (an extent above its bound, or inconsistent inputs): the interpreter then
    // reports it naming the input, so only the size check uses the specialized graph.
    let sized = specialize(graph, &values, false).unwrap_or_else(|_| graph.clone());
    budget::check_tensor_sizes(&sized, budget::max_tensor_bytes())?;
    Ok(edgecc_backends::reference::run(graph, inputs)?)
}
