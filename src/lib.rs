//! edgecc: an ahead-of-time ML compiler backend for generative AI on edge GPUs.
//!
//! This crate is the library facade and the `edgecc` CLI. The pieces live in the workspace
//! crates: [`ir`] (the graph IR and its builder), [`onnx`] (ONNX import), [`passes`] (the
//! optimization pipeline), [`backends`] (the reference interpreter and the WGSL backend).
//!
//! The embedding API, in the order a runtime uses it:
//! - a graph: [`load_model`] reads a model file (`.onnx` or `.eir`), or the runtime builds one
//!   with [`ir::Builder`];
//! - [`compile()`] compiles it for a [`Target`] (a device profile such as `lavapipe` or
//!   `adreno-740`, or the local device) into an [`Artifact`], the device binary; no device is
//!   needed to compile;
//! - [`Artifact::write`] and [`Artifact::read`] store it as a `.edgebin` file (see [`artifact`]:
//!   hashes of every section, optional ed25519 signature);
//! - [`Runtime::new`] on a local [`Device`] loads an artifact into a [`Session`], whose
//!   [`Session::run`] runs it.
//!
//! ```
//! use edgecc::ir::{Builder, DType, Shape, TensorData};
//! use edgecc::{compile, Artifact, CompileOptions, Device, Runtime, Target};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut b = Builder::new("tiny");
//! let x = b.input("x", DType::F32, Shape::of(&[2, 4]))?;
//! let w = b.constant("w", TensorData::from_f32(DType::F32, vec![4, 3], &[0.25; 12])?)?;
//! let h = b.matmul(x, w)?;
//! let y = b.relu(h)?;
//! b.output(y)?;
//! let graph = b.finish()?;
//!
//! // Ahead of time: compile for a device profile and write the binary.
//! let artifact = compile(&graph, &Target::profile("lavapipe")?, &CompileOptions::default())?;
//! let path = std::env::temp_dir().join(format!("tiny-{}.edgebin", std::process::id()));
//! artifact.write(&path)?;
//!
//! // On the device: read it back (every hash and offset checked), load it, run it.
//! let runtime = Runtime::new(Device::for_target("lavapipe", None)?);
//! let mut session = runtime.load(&Artifact::read(&path)?)?;
//! std::fs::remove_file(&path)?;
//! let x = TensorData::from_f32(DType::F32, vec![2, 4], &[1.0, -2.0, 3.0, 0.5, 0.0, 1.0, 2.0, 3.0])?;
//! let out = session.run(&[x.clone()])?;
//! let reference = edgecc::run_reference(&graph, &[x])?;
//! for (a, b) in out[0].to_f32_vec().iter().zip(reference[0].to_f32_vec()) {
//!     assert!((a - b).abs() <= 1e-5, "{a} vs {b}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Also here: [`run_reference`] runs a graph on the CPU interpreter (the oracle); [`optimize()`]
//! runs a target's pass pipeline, fusion and memory planning; [`device`] holds the lower-level
//! WGSL helpers (shader emission as WGSL, SPIR-V or MSL); [`npy`] reads and writes numpy
//! files; [`models`] builds seeded reference models (MLP, GPT-2 block, BERT encoder) and [`rng`]
//! is the deterministic generator behind them and behind `--random-inputs`; [`realistic`] draws
//! those inputs the way a model reads them (token ids, masks, positions); [`dims`] binds a model's
//! symbolic dims from the shapes of its inputs ([`load_model_for_inputs`], [`ModelFile`]);
//! [`runtime_dir`] keeps Mesa's Vulkan loader quiet.

#![forbid(unsafe_code)]

pub mod artifact;
pub mod budget;
pub mod compile;
pub mod device;
pub mod dims;
pub mod dot;
pub mod error;
pub mod fold;
pub mod fsutil;
pub mod load;
pub mod models;
pub mod npy;
pub mod optimize;
pub mod realistic;
pub mod rng;
pub mod runtime;
pub mod runtime_dir;
pub mod summary;
pub mod target;

pub use artifact::Artifact;
pub use compile::{compile, CompileOptions};
pub use edgecc_backends as backends;
pub use edgecc_ir as ir;
pub use edgecc_onnx as onnx;
pub use edgecc_passes as passes;
pub use error::{Error, Result};
pub use fold::ReferenceFolder;
pub use load::{
    load_model, load_model_for_inputs, load_model_with_bounds, parse_shape_args, specialize, symbol_values, ModelFile,
};
pub use optimize::{optimize, Optimized};
pub use runtime::{Runtime, Session};
pub use target::{Device, Target};

use edgecc_ir::{Graph, TensorData};

/// Runs `graph` in the reference interpreter on `inputs` (in graph-input order). Symbolic dims
/// take their extents from the inputs; a graph with a tensor over [`budget::max_tensor_bytes`] is
/// refused before anything is allocated.
pub fn run_reference(graph: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>> {
    let values = symbol_values(graph, inputs);
    // Binding can fail (an extent above its bound, or inconsistent inputs): the interpreter then
    // reports it naming the input, on the graph as given. Bound, the specialized graph runs (its
    // `Crop`s to a symbolic dim have their extents).
    match specialize(graph, &values, false) {
        Ok(sized) => {
            budget::check_tensor_sizes(&sized, budget::max_tensor_bytes())?;
            Ok(edgecc_backends::reference::run(&sized, inputs)?)
        }
        Err(_) => {
            budget::check_tensor_sizes(graph, budget::max_tensor_bytes())?;
            Ok(edgecc_backends::reference::run(graph, inputs)?)
        }
    }
}
