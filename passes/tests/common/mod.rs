//! Helpers shared by the passes' integration tests: an [`Evaluator`] backed by the reference
//! interpreter, deterministic random inputs for a graph, and output comparison per dtype.

#![allow(dead_code)]

use edgecc_backends::reference::{eval_op, run, Tensor};
use edgecc_ir::random::Rng;
use edgecc_ir::{DType, Dim, Graph, TensorData};
use edgecc_passes::{Evaluator, PassContext};
use std::collections::HashMap;
use std::sync::Arc;

/// Constant folding through the reference interpreter (what the `edgecc` library does).
pub struct RefEvaluator;

impl Evaluator for RefEvaluator {
    fn eval(&self, op: &edgecc_ir::Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
        let ts: Vec<Tensor> = inputs.iter().map(Tensor::from_data).collect();
        let refs: Vec<&Tensor> = ts.iter().collect();
        Ok(eval_op(op, &refs, &[])?.iter().map(Tensor::to_data).collect())
    }
}

/// A context whose constant folding uses the reference interpreter.
pub fn ctx() -> PassContext {
    PassContext::with_evaluator(Arc::new(RefEvaluator))
}

/// Random non-zero inputs for `g`: every symbolic dim bound (consistently) to 1..=min(max, 4);
/// floats in ±[0.5, 2], integers in ±[1, 3] (1..=3 for unsigned), bools random.
pub fn random_inputs(g: &Graph, seed: u64) -> Vec<TensorData> {
    let mut rng = Rng::new(seed);
    let mut syms: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(g.inputs().len());
    for &v in g.inputs() {
        let ty = &g.value(v).ty;
        let dims: Vec<usize> = ty
            .shape
            .dims()
            .iter()
            .map(|d| match d {
                Dim::Static(n) => *n as usize,
                Dim::Sym { name, max } => *syms
                    .entry(name.clone())
                    .or_insert_with(|| 1 + rng.below((*max).clamp(1, 4)) as usize),
            })
            .collect();
        let n: usize = dims.iter().product();
        let vals: Vec<f64> = (0..n)
            .map(|_| {
                let sign = if rng.pct(50) { -1.0 } else { 1.0 };
                match ty.dtype {
                    DType::Bool => rng.below(2) as f64,
                    DType::U8 | DType::U4 => (1 + rng.below(3)) as f64,
                    d if d.is_float() => sign * (0.5 + rng.below(1000) as f64 * 0.0015),
                    _ => sign * (1 + rng.below(3)) as f64,
                }
            })
            .collect();
        let data =
            TensorData::from_f64(ty.dtype, dims.clone(), &vals).unwrap_or_else(|_| TensorData::scalar(ty.dtype, 1.0));
        out.push(data);
    }
    out
}

/// Relative and absolute tolerance of a float dtype.
fn tolerance(d: DType) -> (f64, f64) {
    match d {
        DType::F16 => (1e-2, 1e-3),
        DType::BF16 => (2e-2, 1e-2),
        _ => (1e-5, 1e-6),
    }
}

/// Compares two output lists: same dtypes and shapes; floats within the dtype's tolerance (NaN
/// matches NaN, infinities match by sign); integers and bools identical.
pub fn compare(want: &[TensorData], got: &[TensorData]) -> Result<(), String> {
    if want.len() != got.len() {
        return Err(format!("{} outputs instead of {}", got.len(), want.len()));
    }
    for (k, (w, g)) in want.iter().zip(got).enumerate() {
        if w.dtype() != g.dtype() || w.shape() != g.shape() {
            return Err(format!(
                "output {k}: {}{:?} instead of {}{:?}",
                g.dtype(),
                g.shape(),
                w.dtype(),
                w.shape()
            ));
        }
        if w.dtype().is_float() {
            let (rtol, atol) = tolerance(w.dtype());
            for (i, (a, b)) in w.to_f64_vec().iter().zip(g.to_f64_vec()).enumerate() {
                let ok = (a.is_nan() && b.is_nan()) || *a == b || (a - b).abs() <= atol + rtol * a.abs();
                if !ok {
                    return Err(format!("output {k}, element {i}: {b} instead of {a}"));
                }
            }
        } else if w.bytes() != g.bytes() {
            return Err(format!(
                "output {k}: {:?} instead of {:?}",
                g.to_i64_vec(),
                w.to_i64_vec()
            ));
        }
    }
    Ok(())
}

/// What running the same inputs through `before` and `after` showed.
pub enum Outcome {
    /// Both ran and agree.
    Same,
    /// The original graph fails on these inputs (e.g. an index out of range): nothing to compare.
    OriginalFails,
}

/// Runs `before` and `after` on the same random inputs and compares their outputs.
pub fn same_semantics(before: &Graph, after: &Graph, seed: u64) -> Result<Outcome, String> {
    let inputs = random_inputs(before, seed);
    let Ok(want) = run(before, &inputs) else {
        return Ok(Outcome::OriginalFails);
    };
    let got = run(after, &inputs).map_err(|e| format!("the optimized graph fails where the original runs: {e}"))?;
    compare(&want, &got)?;
    Ok(Outcome::Same)
}
