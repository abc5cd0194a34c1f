//! The `simplify` pass (e-graph simplification) on the imported ONNX models and on graphs made to
//! stress its limits.
//!
//! The models come from `bash scripts/setup.sh` (`target/onnx-data/models/<name>/model.onnx`);
//! the model tests fail, saying so, when they are missing.

mod common;

use common::{ctx, random_inputs};
use edgecc_backends::reference::run;
use edgecc_ir::{BinaryOp, DType, Graph, Op, Shape, TensorData, UnaryOp};
use edgecc_passes::egraph::{simplify, Limits};
use edgecc_passes::{pipeline_for, RunOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/onnx-data/models")
}

/// Imports model `name` with batch 2 and sequence 8 (the shapes its meta.json gives).
fn load(name: &str) -> Graph {
    let path = models_dir().join(name).join("model.onnx");
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/setup.sh` to generate the ONNX test models",
        path.display()
    );
    let shapes: BTreeMap<String, u64> = [("batch".to_string(), 2), ("sequence".to_string(), 8)].into();
    let opts = edgecc_onnx::ImportOptions {
        shapes,
        ..Default::default()
    };
    edgecc_onnx::import_file(&path, &opts, &Folder).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Folder;
impl edgecc_onnx::Folder for Folder {
    fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        use edgecc_passes::Evaluator;
        common::RefEvaluator.eval(op, inputs)
    }
}

/// Node count per op name.
fn census(g: &Graph) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for n in g.nodes() {
        *m.entry(n.op.name()).or_insert(0) += 1;
    }
    m
}

/// Runs both graphs on the same inputs and compares every float output within 1e-4.
fn assert_same_outputs(before: &Graph, after: &Graph, seed: u64) {
    let mut inputs = random_inputs(before, seed);
    // Token ids must index the vocabulary; masks are 0/1.
    for (k, &v) in before.inputs().iter().enumerate() {
        let name = &before.value(v).name;
        let t = &inputs[k];
        if t.dtype() == DType::I64 {
            let vals: Vec<i64> = t
                .to_i64_vec()
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    if name.contains("mask") {
                        (i % 7 != 6) as i64
                    } else {
                        x.abs() * 7
                    }
                })
                .collect();
            inputs[k] = TensorData::from_i64(DType::I64, t.shape().to_vec(), &vals).unwrap();
        }
    }
    let want = run(before, &inputs).expect("the original graph runs");
    let got = run(after, &inputs).expect("the simplified graph runs");
    assert_eq!(want.len(), got.len());
    for (k, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!((w.dtype(), w.shape()), (g.dtype(), g.shape()), "output {k}");
        for (i, (a, b)) in w.to_f64_vec().iter().zip(g.to_f64_vec()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + a.abs()),
                "output {k} element {i}: {b} instead of {a}"
            );
        }
    }
}

fn optimized(g: &Graph) -> Graph {
    let opts = RunOptions {
        verify: true,
        ..Default::default()
    };
    pipeline_for("reference")
        .unwrap()
        .run_with(g, &ctx(), &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .graph
}

#[test]
fn decomposed_models_become_fused_ops() {
    // (model, LayerNorms, Gelus of each kind, Attentions)
    for (name, layer_norms, gelu_tanh) in [("bert_layer_opset13", 3, false), ("gpt2_block_opset13", 2, true)] {
        let g = load(name);
        let h = optimized(&g);
        let (b, a) = (census(&g), census(&h));
        eprintln!(
            "{name}: {} nodes -> {} nodes\n  before {b:?}\n  after  {a:?}",
            g.nodes().len(),
            h.nodes().len()
        );
        assert_eq!(a.get("LayerNorm"), Some(&layer_norms), "{name}: {a:?}\n{h}");
        assert_eq!(a.get("Gelu"), Some(&1), "{name}: {a:?}\n{h}");
        assert_eq!(a.get("Attention"), Some(&1), "{name}: {a:?}\n{h}");
        for gone in ["Erf", "Pow", "Softmax", "ReduceMean", "Sqrt"] {
            assert_eq!(a.get(gone), None, "{name} still has {gone}: {a:?}\n{h}");
        }
        let tanh = h
            .nodes()
            .iter()
            .any(|n| n.op == Op::Unary(UnaryOp::Gelu { tanh: true }));
        assert_eq!(tanh, gelu_tanh, "{name}: the GELU flavour");
        if name.starts_with("gpt2") {
            let causal = h
                .nodes()
                .iter()
                .any(|n| matches!(n.op, Op::Attention { causal: true, .. }));
            assert!(causal, "the GPT-2 mask is the causal pattern:\n{h}");
        }
        for seed in 1..=3 {
            assert_same_outputs(&g, &h, seed);
        }
        let (_, report) = simplify(&optimized_cleanup(&g), &Limits::default()).unwrap();
        assert!(report.kept_input.is_none(), "{report}");
        assert!(report.cost_after < report.cost_before, "{report}");
        assert!(!report.hit_node_limit, "{report}");
    }
}

#[test]
fn native_layernorm_models_still_get_gelu_and_attention() {
    for name in ["bert_layer_opset17", "gpt2_block_opset17"] {
        let g = load(name);
        let h = optimized(&g);
        let a = census(&h);
        eprintln!(
            "{name}: {} nodes -> {} nodes; after {a:?}",
            g.nodes().len(),
            h.nodes().len()
        );
        assert_eq!(a.get("Attention"), Some(&1), "{name}: {a:?}");
        assert_eq!(a.get("Softmax"), None, "{name}: {a:?}");
        assert_eq!(a.get("Erf"), None, "{name}: {a:?}");
        assert_same_outputs(&g, &h, 4);
    }
}

/// The first cleanup round only (what `simplify` sees in the pipeline).
fn optimized_cleanup(g: &Graph) -> Graph {
    let names = ["dce", "cse", "const_fold", "chain_fold", "cse", "dce"];
    let passes = names.iter().map(|n| edgecc_passes::pass_by_name(n).unwrap()).collect();
    edgecc_passes::Pipeline::new(passes).run(g, &ctx()).unwrap()
}

#[test]
fn results_are_deterministic() {
    let g = optimized_cleanup(&load("bert_layer_opset13"));
    let (a, ra) = simplify(&g, &Limits::default()).unwrap();
    for _ in 0..2 {
        let (b, rb) = simplify(&g, &Limits::default()).unwrap();
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(
            (&ra.stop_reason, &ra.applied, ra.egraph_nodes),
            (&rb.stop_reason, &rb.applied, rb.egraph_nodes)
        );
    }
}

/// A long chain `x * 1 + 0 * ...` where commutativity and the identities keep growing the
/// e-graph: a small node limit stops the runner, and the result is still right.
fn pathological(n: usize) -> Graph {
    let mut g = Graph::new("chain");
    let x = g.add_input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let one = g.add_const_value("one", TensorData::scalar(DType::F32, 1.0)).unwrap();
    let half = g.add_const_value("half", TensorData::scalar(DType::F32, 0.5)).unwrap();
    let mut v = x;
    for i in 0..n {
        let op = [BinaryOp::Mul, BinaryOp::Add, BinaryOp::Sub][i % 3];
        let c = if i % 2 == 0 { one } else { half };
        v = g.add_node(Op::Binary(op), &[v, c]).unwrap()[0];
        v = g.add_node(Op::Binary(BinaryOp::Mul), &[v, x]).unwrap()[0];
    }
    g.add_output(v).unwrap();
    g
}

#[test]
fn node_limit_stops_the_runner_and_the_result_is_right() {
    let g = pathological(60);
    let limits = Limits {
        node_base: 100,
        node_per_graph_node: 0,
        ..Limits::default()
    };
    let (h, report) = simplify(&g, &limits).unwrap();
    assert!(report.hit_node_limit, "{report}");
    assert!(report.stop_reason.starts_with("node limit"), "{report}");
    assert!(report.to_string().contains("node limit"), "{report}");
    assert!(report.cost_after <= report.cost_before, "{report}");
    edgecc_ir::verify(&h).unwrap();
    assert_same_outputs(&g, &h, 7);

    let limits = Limits {
        iterations: 1,
        ..Limits::default()
    };
    let (h, report) = simplify(&g, &limits).unwrap();
    assert_eq!(report.stop_reason, "iteration limit 1", "{report}");
    assert_same_outputs(&g, &h, 8);

    let (h, report) = simplify(&g, &Limits::default()).unwrap();
    assert_eq!(report.stop_reason, "saturated", "{report}");
    let muls = census(&h).get("Mul").copied().unwrap_or(0);
    assert!(muls < census(&g)["Mul"], "x*1 is gone: {report}\n{h}");
    assert_same_outputs(&g, &h, 9);
}

#[test]
fn interface_and_names_are_kept() {
    let g = optimized_cleanup(&load("gpt2_block_opset13"));
    let (h, _) = simplify(&g, &Limits::default()).unwrap();
    edgecc_passes::check_interface(&g, &h).unwrap();
    // Surviving nodes keep their names; recognized ops take the name of the node they replace.
    let old: HashMap<&str, &Op> = g.nodes().iter().map(|n| (n.name.as_str(), &n.op)).collect();
    let kept = h.nodes().iter().filter(|n| old.contains_key(n.name.as_str())).count();
    assert!(
        kept * 10 >= h.nodes().len() * 9,
        "{kept} of {} names kept\n{h}",
        h.nodes().len()
    );
}
