//! The whole-model ONNX tests' models (`scripts/gen_models.py`, in `target/onnx-data/models/`)
//! compiled once into a device binary with a dim kept dynamic — the `sequence` of the
//! transformer blocks (batch 2, `sequence<=32`), the `batch` of the UNet blocks (`batch<=3`) —
//! and run through the runtime at 1, a middle size and the bound, each against the reference
//! interpreter on the same inputs (random token ids, a padded attention mask, random floats),
//! with the session poisoning its buffers.

mod model_data;

use edgecc::ir::{DType, Graph, TensorData};
use edgecc::{CompileOptions, Device, Runtime, Target};
use model_data::{data_dir, report};
use std::collections::{BTreeMap, BTreeSet};

/// A model, the dim kept dynamic, its bound, the sizes run, and the other dims' values.
type Case = (
    &'static str,
    &'static str,
    u64,
    [usize; 3],
    &'static [(&'static str, u64)],
);

const MODELS: [Case; 6] = [
    ("bert_layer_opset13", "sequence", 32, [1, 13, 32], &[("batch", 2)]),
    ("bert_layer_opset17", "sequence", 32, [1, 13, 32], &[("batch", 2)]),
    ("gpt2_block_opset13", "sequence", 32, [1, 17, 32], &[("batch", 2)]),
    ("gpt2_block_opset17", "sequence", 32, [1, 17, 32], &[("batch", 2)]),
    ("unet_resblock_opset13_instancenorm", "batch", 3, [1, 2, 3], &[]),
    ("unet_resblock_opset21_groupnorm", "batch", 3, [1, 2, 3], &[]),
];

/// The token vocabulary of the generated BERT (`VOCAB` of `gen_models.py`).
const VOCAB: u64 = 100;

/// Max abs error of the binary against the reference interpreter.
const MAX_ABS_ERR: f64 = 1e-4;

/// A deterministic stream of numbers in `[0, 1)`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Random inputs of `g` with dim `dim` at `size`: ids in the vocabulary, an attention mask whose
/// last row is padded after its first half, floats in `[-2, 2)`.
fn inputs(g: &Graph, dim: &str, size: usize, seed: u64) -> Vec<TensorData> {
    let mut rng = Rng(seed);
    g.inputs()
        .iter()
        .map(|&v| {
            let ty = g.ty(v);
            let shape: Vec<usize> = ty
                .shape
                .dims()
                .iter()
                .map(|d| match d.as_static() {
                    Some(n) => n as usize,
                    None => {
                        assert!(
                            matches!(d, edgecc::ir::Dim::Sym { name, .. } if name == dim),
                            "input `{}` has a symbolic dim {d} besides `{dim}`",
                            g.value(v).name
                        );
                        size
                    }
                })
                .collect();
            let n: usize = shape.iter().product();
            let name = g.value(v).name.as_str();
            match ty.dtype {
                DType::I64 if name == "attention_mask" => {
                    let (rows, cols) = (shape[0], shape[1]);
                    let vals: Vec<i64> = (0..n)
                        .map(|i| i64::from(!(i / cols == rows - 1 && i % cols > cols / 2)))
                        .collect();
                    TensorData::from_i64(DType::I64, shape, &vals).unwrap()
                }
                DType::I64 => {
                    let vals: Vec<i64> = (0..n).map(|_| (rng.next() * VOCAB as f64) as i64).collect();
                    TensorData::from_i64(DType::I64, shape, &vals).unwrap()
                }
                DType::F32 => {
                    let vals: Vec<f32> = (0..n).map(|_| (rng.next() * 4.0 - 2.0) as f32).collect();
                    TensorData::from_f32(DType::F32, shape, &vals).unwrap()
                }
                other => panic!("input `{name}` of dtype {other} has no generator here"),
            }
        })
        .collect()
}

#[test]
fn exported_models_compile_once_with_a_dynamic_dim_and_run_at_three_sizes() {
    let device = Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"));
    let target = Target::profile("lavapipe").unwrap();
    let runtime = Runtime::new(device).with_options(edgecc::backends::wgsl::SessionOptions {
        poison: true,
        profile: false,
    });
    let dir = data_dir("models");
    let mut failures = Vec::new();
    for (name, dim, bound, sizes, fixed) in MODELS {
        let path = dir.join(name).join("model.onnx");
        let shapes: BTreeMap<String, u64> = fixed.iter().map(|&(n, v)| (n.to_string(), v)).collect();
        let bounds = BTreeMap::from([(dim.to_string(), bound)]);
        let g = edgecc::load_model_with_bounds(&path, &shapes, &bounds)
            .unwrap_or_else(|e| panic!("{name}: import ({}; run `bash scripts/setup.sh`): {e}", path.display()));
        let options = CompileOptions {
            dynamic: BTreeSet::from([dim.to_string()]),
            ..CompileOptions::default()
        };
        let artifact = match edgecc::compile(&g, &target, &options) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: compile with `{dim}` dynamic: {e}"));
                continue;
            }
        };
        assert!(
            artifact.program.dims.iter().any(|d| d.name == dim && d.bound == bound),
            "{name}: the binary's dynamic dims are {:?}",
            artifact.program.dims
        );
        let mut session = runtime
            .load(&artifact)
            .unwrap_or_else(|e| panic!("{name}: load the binary: {e}"));
        for (k, size) in sizes.into_iter().enumerate() {
            let feeds = inputs(&g, dim, size, 7 + k as u64);
            let want = edgecc::run_reference(&g, &feeds).unwrap_or_else(|e| panic!("{name} at {size}: reference: {e}"));
            let got = match session.run(&feeds) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{name} at {dim}={size}: {e}"));
                    continue;
                }
            };
            let mut worst = 0f64;
            for (o, (a, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(a.shape(), w.shape(), "{name} at {dim}={size}: output {o}'s shape");
                for (x, y) in a.to_f64_vec().iter().zip(w.to_f64_vec()) {
                    let e = (x - y).abs();
                    worst = if e.is_nan() { f64::INFINITY } else { worst.max(e) };
                }
            }
            report(&format!(
                "onnx model {name} (dynamic {dim}<={bound}) at {size}: max abs error {worst:.2e}"
            ));
            if worst > MAX_ABS_ERR {
                failures.push(format!(
                    "{name} at {dim}={size}: max abs error {worst:.3e} over {MAX_ABS_ERR:e}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
