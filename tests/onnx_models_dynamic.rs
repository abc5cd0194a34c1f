//! The whole-model ONNX tests' models (`scripts/gen_models.py`, in `target/onnx-data/models/`)
//! compiled once into a device binary with dims kept dynamic — the `sequence` of the
//! transformer blocks (batch 2, `sequence<=32`), their `batch` (`batch<=3`, sequence 16), both
//! at once, and the `batch` of the UNet blocks (`batch<=3`) — and run through the runtime at 1,
//! a middle size and the bound of each, against the reference interpreter on the same inputs
//! (random token ids, a padded attention mask, random floats), with the session poisoning its
//! buffers.

mod model_data;

use edgecc::ir::{DType, Graph, TensorData};
use edgecc::{CompileOptions, Device, Runtime, Target};
use model_data::{data_dir, report};
use std::collections::{BTreeMap, BTreeSet};

/// A dim kept dynamic: its name, its bound, and the three sizes run (the `k`-th run takes the
/// `k`-th size of every dynamic dim).
type Dynamic = (&'static str, u64, [usize; 3]);

/// A model, its dynamic dims, and the other dims' values.
type Case = (&'static str, &'static [Dynamic], &'static [(&'static str, u64)]);

const SEQUENCE: Dynamic = ("sequence", 32, [1, 13, 32]);
const BATCH: Dynamic = ("batch", 3, [1, 2, 3]);

const MODELS: [Case; 10] = [
    ("bert_layer_opset13", &[SEQUENCE], &[("batch", 2)]),
    ("bert_layer_opset17", &[SEQUENCE], &[("batch", 2)]),
    ("gpt2_block_opset13", &[("sequence", 32, [1, 17, 32])], &[("batch", 2)]),
    ("gpt2_block_opset17", &[("sequence", 32, [1, 17, 32])], &[("batch", 2)]),
    ("bert_layer_opset13", &[BATCH], &[("sequence", 16)]),
    ("gpt2_block_opset13", &[BATCH], &[("sequence", 16)]),
    ("bert_layer_opset17", &[BATCH, SEQUENCE], &[]),
    ("gpt2_block_opset17", &[BATCH, ("sequence", 32, [1, 17, 32])], &[]),
    ("unet_resblock_opset13_instancenorm", &[BATCH], &[]),
    ("unet_resblock_opset21_groupnorm", &[BATCH], &[]),
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

/// Random inputs of `g` with its symbolic dims at `sizes`: ids in the vocabulary, an attention
/// mask whose last row is padded after its first half, floats in `[-2, 2)`.
fn inputs(g: &Graph, sizes: &BTreeMap<&str, usize>, seed: u64) -> Vec<TensorData> {
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
                    None => match d {
                        edgecc::ir::Dim::Sym { name, .. } if sizes.contains_key(name.as_str()) => sizes[name.as_str()],
                        _ => panic!("input `{}` has a symbolic dim {d} not among {sizes:?}", g.value(v).name),
                    },
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
fn exported_models_compile_once_with_dynamic_dims_and_run_at_three_sizes() {
    let device = Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"));
    let target = Target::profile("lavapipe").unwrap();
    let runtime = Runtime::new(device).with_options(edgecc::backends::wgsl::SessionOptions {
        poison: true,
        profile: false,
    });
    let dir = data_dir("models");
    let mut failures = Vec::new();
    for (name, dynamic, fixed) in MODELS {
        let path = dir.join(name).join("model.onnx");
        let shapes: BTreeMap<String, u64> = fixed.iter().map(|&(n, v)| (n.to_string(), v)).collect();
        let bounds: BTreeMap<String, u64> = dynamic.iter().map(|&(d, b, _)| (d.to_string(), b)).collect();
        let label = dynamic
            .iter()
            .map(|(d, b, _)| format!("{d}<={b}"))
            .collect::<Vec<_>>()
            .join(", ");
        let g = edgecc::load_model_with_bounds(&path, &shapes, &bounds)
            .unwrap_or_else(|e| panic!("{name}: import ({}; run `bash scripts/setup.sh`): {e}", path.display()));
        let options = CompileOptions {
            dynamic: dynamic.iter().map(|(d, _, _)| d.to_string()).collect::<BTreeSet<_>>(),
            ..CompileOptions::default()
        };
        let artifact = match edgecc::compile(&g, &target, &options) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: compile with {label} dynamic: {e}"));
                continue;
            }
        };
        for &(dim, bound, _) in dynamic {
            assert!(
                artifact.program.dims.iter().any(|d| d.name == dim && d.bound == bound),
                "{name}: the binary's dynamic dims are {:?}",
                artifact.program.dims
            );
        }
        let mut session = runtime
            .load(&artifact)
            .unwrap_or_else(|e| panic!("{name}: load the binary: {e}"));
        for k in 0..3 {
            let sizes: BTreeMap<&str, usize> = dynamic.iter().map(|&(d, _, s)| (d, s[k])).collect();
            let at = sizes
                .iter()
                .map(|(d, s)| format!("{d}={s}"))
                .collect::<Vec<_>>()
                .join(", ");
            let feeds = inputs(&g, &sizes, 7 + k as u64);
            let want = edgecc::run_reference(&g, &feeds).unwrap_or_else(|e| panic!("{name} at {at}: reference: {e}"));
            let got = match session.run(&feeds) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{name} at {at}: {e}"));
                    continue;
                }
            };
            let mut worst = 0f64;
            for (o, (a, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(a.shape(), w.shape(), "{name} at {at}: output {o}'s shape");
                for (x, y) in a.to_f64_vec().iter().zip(w.to_f64_vec()) {
                    let e = (x - y).abs();
                    worst = if e.is_nan() { f64::INFINITY } else { worst.max(e) };
                }
            }
            report(&format!(
                "onnx model {name} (dynamic {label}) at {at}: max abs error {worst:.2e}"
            ));
            if worst > MAX_ABS_ERR {
                failures.push(format!(
                    "{name} at {at}: max abs error {worst:.3e} over {MAX_ABS_ERR:e}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
