//! `edgecc verify`: run a model on a device target and on the reference interpreter with the same
//! inputs, and compare every output element by element within a tolerance.

use crate::executor::{check_target, Executor};
use crate::inputs;
use crate::timing::Timed;
use edgecc::backends::Precision;
use edgecc_ir::{DType, TensorData};
use std::path::PathBuf;

/// Check a device target against the reference interpreter.
///
/// Runs the model on `--target` and on the reference interpreter with the same inputs (from
/// `--input NAME=FILE.npy`; every input not given gets seeded random values, as with `run
/// --random-inputs`), then compares each output: an element passes when
/// |actual - expected| <= atol + rtol * |expected|. NaN against NaN at the same place passes; NaN
/// against a number, an infinity against anything else, and a shape or dtype mismatch fail.
/// Integer and boolean outputs must match exactly. Per output it prints the largest absolute and
/// relative errors (relative over the elements whose expected value is not 0), the tolerance, and
/// the worst element (the one furthest out of tolerance, else the largest error) by flat index and
/// multi-index with both values.
///
/// Exit status: 0 when every output is within tolerance, 1 when one is not (the error names the
/// output and its worst element), or on a user error.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc verify examples/transformer_block.eir --target lavapipe
  edgecc verify examples/mlp.eir --target lavapipe --precision f16 --seed 7 --json
  edgecc verify model.onnx --target auto --input input_ids=ids.npy --atol 1e-3")]
pub struct Args {
    /// The model file (.onnx or .eir text graph).
    pub model: PathBuf,
    /// The device target to check: a device profile such as `lavapipe` (Mesa's software Vulkan
    /// device; see `edgecc targets`), or `auto` or `wgsl` (the Vulkan adapter chosen by
    /// --adapter, EDGECC_ADAPTER, or the first GPU).
    #[arg(long)]
    pub target: String,
    /// The adapter, as a substring of its name or its index in `edgecc targets`.
    #[arg(long)]
    pub adapter: Option<String>,
    /// `f32`, or `f16` (f16 storage and arithmetic, f32 accumulation; needs SHADER_F16). Sets
    /// the default tolerance of float outputs: f32 atol 1e-4 rtol 1e-4, f16 atol 2e-2 rtol 2e-2
    /// (f16 and bf16 outputs take the f16 tolerance at either precision).
    #[arg(long, default_value = "f32")]
    pub precision: String,
    /// Absolute tolerance of float outputs (default: from --precision).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub atol: Option<f64>,
    /// Relative tolerance of float outputs (default: from --precision).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub rtol: Option<f64>,
    /// An input from a numpy file, as NAME=FILE.npy (repeatable).
    #[arg(long = "input", value_name = "NAME=FILE.npy")]
    pub inputs: Vec<String>,
    /// Fill every input not given with --input with seeded random values (the default for verify;
    /// accepted for symmetry with `run`).
    #[arg(long)]
    pub random_inputs: bool,
    /// Seed of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Give a symbolic dim (ONNX dim_param) a value, e.g. `--shape seq=16` (repeatable; 0
    /// allowed). Dims the --input files fix are bound from their shapes (expressions such as
    /// `past_seq_len + seq_len` included); the others take their bound.
    #[arg(long = "shape", value_name = "NAME=VALUE")]
    pub shapes: Vec<String>,
    /// Print the result as JSON: `ok`, and per output `ok`, `max_abs_err`, `max_rel_err`,
    /// `atol`, `rtol`, `mismatches`, `worst_index` (multi-index), `worst_flat_index`,
    /// `expected`, `actual` (non-finite numbers as strings).
    #[arg(long)]
    pub json: bool,
}

/// An element passes when |actual - expected| <= atol + rtol * |expected|.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

impl Tolerance {
    pub const EXACT: Tolerance = Tolerance { atol: 0.0, rtol: 0.0 };

    /// The default for an output of `dtype` computed at `precision`.
    pub fn default_for(dtype: DType, precision: Precision) -> Tolerance {
        if !dtype.is_float() {
            return Tolerance::EXACT;
        }
        match (precision, dtype) {
            (Precision::F32, DType::F32) => Tolerance { atol: 1e-4, rtol: 1e-4 },
            _ => Tolerance { atol: 2e-2, rtol: 2e-2 },
        }
    }
}

/// One output's comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub tol: Tolerance,
    /// A shape or dtype mismatch (no element comparison then).
    pub mismatch: Option<String>,
    pub max_abs_err: f64,
    pub max_rel_err: f64,
    /// Elements out of tolerance.
    pub failures: usize,
    /// The worst element's flat index and its (expected, actual) values; `None` for an empty
    /// tensor or a mismatch.
    pub worst: Option<(usize, f64, f64)>,
    /// Reference elements that are NaN or infinite (where they match, the comparison says
    /// little: the inputs may be outside the model's domain).
    pub nonfinite_expected: usize,
}

impl Comparison {
    pub fn ok(&self) -> bool {
        self.mismatch.is_none() && self.failures == 0
    }

    /// The worst element's multi-index (row-major).
    pub fn worst_index(&self) -> Option<Vec<usize>> {
        self.worst.map(|(flat, _, _)| unflatten(flat, &self.shape))
    }

    /// `[i, j] (flat k): expected E, actual A`.
    fn worst_text(&self) -> Option<String> {
        let (flat, e, a) = self.worst?;
        Some(format!(
            "[{}] (flat {flat}): expected {e}, actual {a}",
            join(&unflatten(flat, &self.shape))
        ))
    }

    fn tol_text(&self) -> String {
        if self.tol == Tolerance::EXACT && !self.dtype.is_float() {
            "exact".to_string()
        } else {
            format!("atol {}, rtol {}", self.tol.atol, self.tol.rtol)
        }
    }

    /// The message naming this output when it fails.
    fn failure(&self) -> String {
        if let Some(m) = &self.mismatch {
            return format!("output `{}`: {m}", self.name);
        }
        let n = self.shape.iter().product::<usize>();
        format!(
            "output `{}` is out of tolerance ({}): {} of {n} elements; worst element {}",
            self.name,
            self.tol_text(),
            self.failures,
            self.worst_text().unwrap_or_default()
        )
    }

    fn json(&self) -> serde_json::Value {
        let (flat, e, a) = match self.worst {
            Some((f, e, a)) => (Some(f), Some(num(e)), Some(num(a))),
            None => (None, None, None),
        };
        serde_json::json!({
            "ok": self.ok(),
            "shape": self.shape,
            "dtype": self.dtype.name(),
            "atol": self.tol.atol,
            "rtol": self.tol.rtol,
            "max_abs_err": self.mismatch.is_none().then(|| num(self.max_abs_err)),
            "max_rel_err": self.mismatch.is_none().then(|| num(self.max_rel_err)),
            "mismatches": self.failures,
            "nonfinite_expected": self.nonfinite_expected,
            "elements": self.shape.iter().product::<usize>(),
            "worst_index": self.worst_index(),
            "worst_flat_index": flat,
            "expected": e,
            "actual": a,
            "error": self.mismatch,
        })
    }
}

/// A JSON number, or a string for NaN and the infinities (which JSON cannot hold).
fn num(x: f64) -> serde_json::Value {
    if x.is_finite() {
        x.into()
    } else {
        x.to_string().into()
    }
}

fn join(v: &[usize]) -> String {
    v.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

/// The row-major multi-index of flat index `flat` in `shape`.
pub fn unflatten(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[i] = flat % d;
            flat /= d;
        }
    }
    idx
}

/// Compares `actual` with `expected` (the reference's output `name`).
pub fn compare(name: &str, expected: &TensorData, actual: &TensorData, tol: Tolerance) -> Comparison {
    let mut c = Comparison {
        name: name.to_string(),
        dtype: expected.dtype(),
        shape: expected.shape().to_vec(),
        tol,
        mismatch: None,
        max_abs_err: 0.0,
        max_rel_err: 0.0,
        failures: 0,
        worst: None,
        nonfinite_expected: 0,
    };
    if expected.dtype() != actual.dtype() || expected.shape() != actual.shape() {
        c.mismatch = Some(format!(
            "the reference gives {}{:?}, the target {}{:?}",
            expected.dtype(),
            expected.shape(),
            actual.dtype(),
            actual.shape()
        ));
        return c;
    }
    // (expected, actual, bit-exact equality): integers compare as integers, also beyond 2^53.
    let elems: Vec<(f64, f64, bool)> = if expected.dtype().is_float() {
        let av = actual.to_f64_vec();
        expected
            .to_f64_vec()
            .into_iter()
            .zip(av)
            .map(|(e, a)| (e, a, e == a || e.is_nan() && a.is_nan()))
            .collect()
    } else {
        let ai = actual.to_i64_vec();
        expected
            .to_i64_vec()
            .into_iter()
            .zip(ai)
            .map(|(e, a)| (e as f64, a as f64, e == a))
            .collect()
    };
    // (how far out of tolerance, absolute error) of the worst element so far.
    let mut worst_key = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (k, &(e, a, equal)) in elems.iter().enumerate() {
        let (diff, pass) = if equal {
            (0.0, true)
        } else if e.is_nan() || a.is_nan() || e.is_infinite() || a.is_infinite() {
            (f64::INFINITY, false)
        } else if !expected.dtype().is_float() {
            // Integers differ even where their f64 images coincide.
            ((a - e).abs().max(1.0), false)
        } else {
            let d = (a - e).abs();
            (d, d <= tol.atol + tol.rtol * e.abs())
        };
        let allowed = tol.atol + tol.rtol * e.abs();
        let over = if diff == 0.0 {
            0.0
        } else if allowed > 0.0 && allowed.is_finite() {
            diff / allowed
        } else {
            f64::INFINITY
        };
        if !pass {
            c.failures += 1;
        }
        if !e.is_finite() {
            c.nonfinite_expected += 1;
        }
        c.max_abs_err = c.max_abs_err.max(diff);
        if e != 0.0 && !e.is_nan() {
            c.max_rel_err = c.max_rel_err.max(diff / e.abs());
        }
        if over > worst_key.0 || (over == worst_key.0 && diff > worst_key.1) {
            worst_key = (over, diff);
            c.worst = Some((k, e, a));
        }
    }
    c
}

pub fn main(args: Args) -> anyhow::Result<()> {
    if !check_target(&args.target)? {
        anyhow::bail!(
            "verify compares a device target against the reference interpreter: give --target lavapipe, auto or wgsl"
        );
    }
    let precision = edgecc::device::parse_precision(&args.precision)?;
    for (flag, v) in [("--atol", args.atol), ("--rtol", args.rtol)] {
        if let Some(x) = v {
            if !(x >= 0.0 && x.is_finite()) {
                anyhow::bail!("bad {flag} `{x}`: expected a finite number >= 0");
            }
        }
    }
    let (graph, inputs, _) = inputs::prepare_model(&args.model, &args.shapes, &args.inputs, true, args.seed)?;
    let expected = edgecc::run_reference(&graph, &inputs)?;
    let (mut exec, _) = Executor::open(&args.target, args.adapter.as_deref(), precision, false, &graph)?;
    let actual = exec.run(&inputs)?;
    if actual.len() != expected.len() {
        anyhow::bail!(
            "the target returned {} outputs, the reference {}",
            actual.len(),
            expected.len()
        );
    }
    let comparisons: Vec<Comparison> = graph
        .outputs()
        .iter()
        .zip(expected.iter().zip(&actual))
        .map(|(&o, (e, a))| {
            let mut tol = Tolerance::default_for(e.dtype(), precision);
            if e.dtype().is_float() {
                tol.atol = args.atol.unwrap_or(tol.atol);
                tol.rtol = args.rtol.unwrap_or(tol.rtol);
            }
            compare(&graph.value(o).name, e, a, tol)
        })
        .collect();
    let ok = comparisons.iter().all(Comparison::ok);
    let device = exec.device().unwrap_or_default().to_string();
    if args.json {
        let outputs: serde_json::Map<String, serde_json::Value> =
            comparisons.iter().map(|c| (c.name.clone(), c.json())).collect();
        println!(
            "{}",
            serde_json::json!({
                "model": args.model.display().to_string(),
                "graph": graph.name(),
                "target": args.target,
                "device": device,
                "precision": args.precision,
                "seed": args.seed,
                "ok": ok,
                "outputs": outputs,
            })
        );
    } else {
        for c in &comparisons {
            print_text(c);
        }
    }
    if !ok {
        let failures: Vec<String> = comparisons
            .iter()
            .filter(|c| !c.ok())
            .map(Comparison::failure)
            .collect();
        anyhow::bail!(
            "`{}` on {} ({device}, {}) differs from the reference:\n  {}",
            graph.name(),
            args.target,
            args.precision,
            failures.join("\n  ")
        );
    }
    if !args.json {
        println!(
            "ok: {} output(s) of `{}` on {} ({device}, {}) match the reference",
            comparisons.len(),
            graph.name(),
            args.target,
            args.precision
        );
    }
    Ok(())
}

fn print_text(c: &Comparison) {
    let status = if c.ok() {
        "ok".to_string()
    } else if c.mismatch.is_some() {
        "FAIL".to_string()
    } else {
        format!(
            "FAIL ({} of {} elements)",
            c.failures,
            c.shape.iter().product::<usize>()
        )
    };
    println!("{}: {}{:?}  {status}", c.name, c.dtype, c.shape);
    if let Some(m) = &c.mismatch {
        println!("  {m}");
        return;
    }
    println!(
        "  max_abs_err {:.3e}  max_rel_err {:.3e}  tolerance {}",
        c.max_abs_err,
        c.max_rel_err,
        c.tol_text()
    );
    if let Some(w) = c.worst_text() {
        println!("  worst element {w}");
    }
    if c.nonfinite_expected > 0 {
        println!(
            "  note: {} of {} reference elements are NaN or infinite; the inputs may be outside the model's \
             domain (give masks, token ids and positions that matter with --input)",
            c.nonfinite_expected,
            c.shape.iter().product::<usize>()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[f64], shape: &[usize]) -> TensorData {
        TensorData::from_f64(DType::F32, shape.to_vec(), v).unwrap()
    }

    const TOL: Tolerance = Tolerance { atol: 1e-4, rtol: 1e-4 };

    #[test]
    fn within_and_out_of_tolerance() {
        let e = f(&[1.0, -2.0, 3.0, 4.0], &[2, 2]);
        let c = compare("y", &e, &f(&[1.0, -2.0, 3.0001, 4.0], &[2, 2]), TOL);
        assert!(c.ok(), "{c:?}");
        assert_eq!(c.worst, Some((2, 3.0, 3.0001f32 as f64)));
        assert_eq!(c.worst_index(), Some(vec![1, 0]));
        assert!(c.max_abs_err > 9e-5 && c.max_abs_err < 1.1e-4, "{c:?}");
        let c = compare("y", &e, &f(&[1.0, -2.01, 3.0, 4.0], &[2, 2]), TOL);
        assert!(!c.ok());
        assert_eq!((c.failures, c.worst_index()), (1, Some(vec![0, 1])));
        assert!(
            c.failure().contains("worst element [0, 1] (flat 1): expected -2"),
            "{}",
            c.failure()
        );
        let exact = compare("y", &e, &f(&[1.0, -2.0, 3.0, 4.0], &[2, 2]), Tolerance::EXACT);
        assert!(exact.ok() && exact.max_abs_err == 0.0);
    }

    #[test]
    fn nan_and_infinity() {
        let nan = f64::NAN;
        let c = compare("y", &f(&[nan, 1.0], &[2]), &f(&[nan, 1.0], &[2]), TOL);
        assert!(c.ok(), "{c:?}");
        let c = compare("y", &f(&[nan, 1.0], &[2]), &f(&[0.0, 1.0], &[2]), TOL);
        assert!(!c.ok() && c.worst.map(|w| w.0) == Some(0), "{c:?}");
        let c = compare("y", &f(&[1.0, 1.0], &[2]), &f(&[1.0, nan], &[2]), TOL);
        assert!(!c.ok() && c.worst.map(|w| w.0) == Some(1), "{c:?}");
        let inf = f64::INFINITY;
        assert!(compare("y", &f(&[inf], &[1]), &f(&[inf], &[1]), TOL).ok());
        assert!(!compare("y", &f(&[inf], &[1]), &f(&[1e30], &[1]), TOL).ok());
        assert!(!compare("y", &f(&[inf], &[1]), &f(&[-inf], &[1]), TOL).ok());
        assert!(num(inf).is_string() && num(1.5).is_number());
    }

    #[test]
    fn shape_and_dtype_mismatches_fail() {
        let c = compare("y", &f(&[1.0, 2.0], &[2]), &f(&[1.0, 2.0], &[1, 2]), TOL);
        assert!(!c.ok() && c.failure().contains("output `y`"), "{c:?}");
        let i = TensorData::from_i64(DType::I32, vec![2], &[1, 2]).unwrap();
        assert!(!compare("y", &f(&[1.0, 2.0], &[2]), &i, TOL).ok());
    }

    #[test]
    fn integers_compare_exactly() {
        let a = TensorData::from_i64(DType::I64, vec![2], &[i64::MAX, 3]).unwrap();
        let b = TensorData::from_i64(DType::I64, vec![2], &[i64::MAX - 1, 3]).unwrap();
        assert!(compare("i", &a, &a, Tolerance::EXACT).ok());
        assert!(!compare("i", &a, &b, Tolerance::EXACT).ok());
        assert_eq!(Tolerance::default_for(DType::I32, Precision::F16), Tolerance::EXACT);
        assert_eq!(Tolerance::default_for(DType::F32, Precision::F16).atol, 2e-2);
        assert_eq!(Tolerance::default_for(DType::F16, Precision::F32).rtol, 2e-2);
    }

    #[test]
    fn multi_index() {
        assert_eq!(unflatten(7, &[2, 2, 3]), vec![1, 0, 1]);
        assert_eq!(unflatten(0, &[]), Vec::<usize>::new());
    }
}
