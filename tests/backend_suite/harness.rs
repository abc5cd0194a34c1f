//! The backend suite's machinery: [`Backend`] (one implementation per way of running a graph),
//! [`Case`] (a graph with its inputs), [`check`] (run a case on a backend and compare every
//! output with the reference interpreter on the unoptimized graph).
//!
//! Graphs are written in the text format with one extension: a line
//! `weight %w: f32[4, 8]` (optionally `= uniform(lo, hi)` or `= ints(lo, hi)`) becomes a constant
//! of random data, seeded by the case and the weight's name, so weights reach the backends as
//! constants (folded, stored as weight buffers) rather than as inputs.

use edgecc::rng::Rng;
use edgecc_backends::wgsl::compile::{compile, CompileOptions};
use edgecc_backends::wgsl::{Gpu, Precision, Session, SessionOptions, WgslError};
use edgecc_ir::{DType, Graph, TensorData};
use std::sync::{Arc, OnceLock};

/// Why a backend did not produce outputs.
#[derive(Debug)]
pub enum RunError {
    /// The backend says it cannot express something in the graph (a clear, expected error).
    Unsupported(String),
    /// Anything else: a failure of the backend.
    Failed(String),
}

/// How far a backend's float output may be from the reference: `|a - b| <= abs + rel * max(|b|,
/// scale * max|expected|)`. `scale` makes the error relative to the output's magnitude, which is
/// what bounds rounding in accumulations (a dot product that cancels to ~0 still carries the
/// rounding of its large terms).
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    pub rel: f64,
    pub abs: f64,
    pub scale: f64,
}

/// One way of running a graph. Implementations are instantiated with every case by `cases!`.
pub trait Backend {
    fn name(&self) -> &str;
    /// The backend family a case's expected-unsupported list names (`reference`, `wgsl`).
    fn family(&self) -> &str;
    /// The inputs as the device will see them (e.g. floats rounded to f16), so that the oracle
    /// runs on exactly the values the backend runs on.
    fn prepare(&self, inputs: Vec<TensorData>) -> Vec<TensorData> {
        inputs
    }
    fn run(&self, g: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>, RunError>;
    /// Tolerance for float outputs of `dtype` (integers and booleans compare exactly).
    fn tolerance(&self, dtype: DType) -> Tol;
}

/// The fused-kernel path on the CPU: the `wgsl` pipeline's kernel graph run by the reference
/// interpreter, kernel by kernel.
pub struct ReferenceKernels;

impl Backend for ReferenceKernels {
    fn name(&self) -> &str {
        "reference-kernels"
    }
    fn family(&self) -> &str {
        "reference"
    }
    fn run(&self, g: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>, RunError> {
        let opt = edgecc::optimize(g, "wgsl", &Default::default()).map_err(|e| RunError::Failed(e.to_string()))?;
        edgecc_backends::reference::run_kernels(&opt.kernels, inputs).map_err(|e| RunError::Failed(e.to_string()))
    }
    fn tolerance(&self, dtype: DType) -> Tol {
        f32_tolerance(dtype)
    }
}

/// f32 ~1e-4 relative; f16 and bf16 tensors ~1e-2 (a device may keep them in f32 between ops,
/// where the reference rounds every op's result to the dtype).
fn f32_tolerance(dtype: DType) -> Tol {
    match dtype {
        DType::F16 => Tol {
            rel: 1e-2,
            abs: 1e-3,
            scale: 0.1,
        },
        DType::BF16 => Tol {
            rel: 1.6e-2,
            abs: 1e-3,
            scale: 1.0,
        },
        _ => Tol {
            rel: 1e-4,
            abs: 1e-5,
            scale: 0.01,
        },
    }
}

/// The device every WGSL test runs on, opened once per test process. No adapter is a failure.
pub fn gpu() -> Arc<Gpu> {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| {
        Arc::new(Gpu::open(None).unwrap_or_else(|e| {
            panic!("the WGSL backend suite needs a Vulkan adapter (lavapipe: apt-get install mesa-vulkan-drivers): {e}")
        }))
    })
    .clone()
}

/// The WGSL backend: compile for the device, run with poisoned buffers.
pub struct Wgsl {
    pub precision: Precision,
    /// Run the `wgsl` pass pipeline before fusing (what `compile_wgsl` does). Without it the
    /// graph is fused as written: decomposed patterns the pipeline would rewrite (and ops it would
    /// fold) reach the code generator as they are.
    pub passes: bool,
}

impl Wgsl {
    pub fn f32() -> Wgsl {
        Wgsl {
            precision: Precision::F32,
            passes: true,
        }
    }
    pub fn f16() -> Wgsl {
        Wgsl {
            precision: Precision::F16,
            passes: true,
        }
    }
    /// f32, fused without the pass pipeline.
    pub fn f32_unoptimized() -> Wgsl {
        Wgsl {
            precision: Precision::F32,
            passes: false,
        }
    }
}

impl Backend for Wgsl {
    fn name(&self) -> &str {
        match (self.precision, self.passes) {
            (Precision::F32, true) => "wgsl-f32",
            (Precision::F16, true) => "wgsl-f16",
            (Precision::F32, false) => "wgsl-f32-unoptimized",
            (Precision::F16, false) => "wgsl-f16-unoptimized",
        }
    }
    fn family(&self) -> &str {
        "wgsl"
    }
    fn prepare(&self, inputs: Vec<TensorData>) -> Vec<TensorData> {
        if self.precision == Precision::F32 {
            return inputs;
        }
        inputs
            .into_iter()
            .map(|t| {
                if t.dtype().is_float() {
                    let shape = t.shape().to_vec();
                    let h = TensorData::from_f64(DType::F16, shape.clone(), &t.to_f64_vec()).expect("same shape");
                    TensorData::from_f64(t.dtype(), shape, &h.to_f64_vec()).expect("same shape")
                } else {
                    t
                }
            })
            .collect()
    }
    fn run(&self, g: &Graph, inputs: &[TensorData]) -> Result<Vec<TensorData>, RunError> {
        let gpu = gpu();
        let classify = |e: edgecc::Error| match e {
            edgecc::Error::Wgsl(WgslError::Unsupported { .. }) => RunError::Unsupported(e.to_string()),
            other => RunError::Failed(other.to_string()),
        };
        let program = if self.passes {
            edgecc::device::compile_wgsl(g, &gpu.caps, self.precision)
                .map_err(classify)?
                .1
        } else {
            let kg = edgecc_passes::fuse(g).map_err(|e| RunError::Failed(e.to_string()))?;
            let opts = CompileOptions {
                precision: self.precision,
                ..CompileOptions::default()
            };
            compile(&kg, &gpu.caps, &opts).map_err(|e| classify(e.into()))?
        };
        let mut session = Session::new(
            gpu.clone(),
            &program,
            SessionOptions {
                poison: true,
                profile: false,
            },
        )
        .map_err(|e| classify(e.into()))?;
        // Twice: the second run sees the first run's leftovers overwritten by poison again.
        let first = session.run(inputs).map_err(|e| classify(e.into()))?;
        let second = session.run(inputs).map_err(|e| classify(e.into()))?;
        if first != second {
            return Err(RunError::Failed(
                "two runs on the same inputs gave different outputs".into(),
            ));
        }
        Ok(first)
    }
    fn tolerance(&self, dtype: DType) -> Tol {
        match self.precision {
            Precision::F32 => f32_tolerance(dtype),
            Precision::F16 => Tol {
                rel: if dtype == DType::BF16 { 2e-2 } else { 1e-2 },
                abs: 1e-3,
                scale: 1.0,
            },
        }
    }
}

/// How a case's input (or weight) is drawn.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Uniform floats in `[lo, hi)` (integers: truncated).
    Uniform(f64, f64),
    /// Uniform floats in `[lo, hi)` with magnitude at least `min_abs` (divisors, reciprocals).
    AwayFromZero(f64, f64, f64),
    /// Uniform integers in `[lo, hi)`.
    Ints(i64, i64),
    /// Uniform integers in `[lo, hi)` other than 0.
    NonZeroInts(i64, i64),
    /// Random booleans.
    Bools,
    /// Exactly these values (repeated cyclically).
    Values(Vec<f64>),
}

impl Dist {
    fn sample(&self, rng: &mut Rng, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| match self {
                Dist::Uniform(lo, hi) => rng.uniform(*lo, *hi),
                Dist::AwayFromZero(lo, hi, min) => loop {
                    let v = rng.uniform(*lo, *hi);
                    if v.abs() >= *min {
                        break v;
                    }
                },
                Dist::Ints(lo, hi) => rng.below(*lo, *hi) as f64,
                Dist::NonZeroInts(lo, hi) => loop {
                    let v = rng.below(*lo, *hi);
                    if v != 0 {
                        break v as f64;
                    }
                },
                Dist::Bools => rng.below(0, 2) as f64,
                Dist::Values(v) => v[i % v.len()],
            })
            .collect()
    }

    fn tensor(&self, rng: &mut Rng, dtype: DType, shape: Vec<usize>) -> TensorData {
        let n = shape.iter().product();
        let v = self.sample(rng, n);
        if dtype.is_float() {
            TensorData::from_f64(dtype, shape, &v).expect("valid tensor")
        } else {
            let ints: Vec<i64> = v.iter().map(|&x| x as i64).collect();
            TensorData::from_i64(dtype, shape, &ints).expect("valid tensor")
        }
    }
}

/// FNV-1a, for per-case and per-weight seeds.
pub fn hash(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The seed of a case: its name's hash, mixed with `EDGECC_SUITE_SEED` when set (to explore other
/// inputs; a failure prints the seed that produced it).
pub fn case_seed(name: &str) -> u64 {
    let extra = std::env::var("EDGECC_SUITE_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    hash(name) ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn parse_type(t: &str) -> (DType, Vec<usize>) {
    let t = t.trim();
    let open = t.find('[').unwrap_or_else(|| panic!("bad weight type `{t}`"));
    let dtype: DType = t[..open].trim().parse().unwrap_or_else(|e| panic!("{e}"));
    let dims = t[open + 1..].trim_end_matches(']');
    let shape = dims
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<usize>().unwrap_or_else(|_| panic!("bad dim `{d}` in `{t}`")))
        .collect();
    (dtype, shape)
}

fn parse_dist(s: &str) -> Dist {
    let s = s.trim();
    let args = |p: &str| -> Vec<f64> {
        s[p.len()..]
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(|a| {
                a.trim()
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("bad number in `{s}`"))
            })
            .collect()
    };
    if s.starts_with("uniform") {
        let a = args("uniform");
        Dist::Uniform(a[0], a[1])
    } else if s.starts_with("ints") {
        let a = args("ints");
        Dist::Ints(a[0] as i64, a[1] as i64)
    } else {
        panic!("unknown weight distribution `{s}`")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a graph in the text format, with `weight` lines turned into random constants.
pub fn graph(text: &str, seed: u64) -> Graph {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix("weight ") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let (name, rest) = rest.split_once(':').unwrap_or_else(|| panic!("bad weight line `{t}`"));
        let name = name.trim().trim_start_matches('%');
        let (ty, dist) = match rest.split_once('=') {
            Some((ty, d)) => (ty, parse_dist(d)),
            None => (rest, Dist::Uniform(-1.0, 1.0)),
        };
        let (dtype, shape) = parse_type(ty);
        let mut rng = Rng::new(seed ^ hash(name));
        let data = dist.tensor(&mut rng, dtype, shape);
        let ty = ty.trim();
        out.push_str(&format!("  const @{name}: {ty} = hex\"{}\"\n", hex(data.bytes())));
        out.push_str(&format!("  %{name}: {ty} = Constant(@{name})\n"));
    }
    edgecc_ir::parse(&out).unwrap_or_else(|e| panic!("case graph does not parse: {e}\n{out}"))
}

/// A graph, its inputs, and what is expected of each backend family.
pub struct Case {
    pub name: &'static str,
    pub graph: Graph,
    pub inputs: Vec<TensorData>,
    /// Backend families (and a substring of the error) that must refuse the graph as unsupported.
    pub unsupported: Vec<(&'static str, &'static str)>,
    seed: u64,
}

impl Case {
    /// A case from text: every input drawn by `edgecc::models::random_inputs` (floats in
    /// [-1, 1), integers in [0, 10), booleans) with the case's seed.
    pub fn text(name: &'static str, text: &str) -> Case {
        let seed = case_seed(name);
        let g = graph(text, seed);
        Case::of(name, g, seed)
    }

    /// A case from a built graph.
    pub fn of(name: &'static str, graph: Graph, seed: u64) -> Case {
        let inputs = edgecc::models::random_inputs(&graph, seed, &edgecc::models::sym_at_max)
            .unwrap_or_else(|e| panic!("case `{name}`: random inputs: {e}"));
        Case {
            name,
            graph,
            inputs,
            unsupported: vec![],
            seed,
        }
    }

    /// Redraws input `input` from `dist`.
    pub fn with(mut self, input: &str, dist: Dist) -> Case {
        let pos = self
            .graph
            .inputs()
            .iter()
            .position(|&v| self.graph.value(v).name == input)
            .unwrap_or_else(|| panic!("case `{}` has no input `{input}`", self.name));
        let t = &self.inputs[pos];
        let mut rng = Rng::new(self.seed ^ hash(input) ^ 0x5EED);
        self.inputs[pos] = dist.tensor(&mut rng, t.dtype(), t.shape().to_vec());
        self
    }

    /// Backend family `family` must refuse this graph with an `Unsupported` error containing `msg`.
    pub fn unsupported_on(mut self, family: &'static str, msg: &'static str) -> Case {
        self.unsupported.push((family, msg));
        self
    }
}

/// Runs `case` on `backend` and compares with the reference interpreter on the unoptimized graph.
pub fn check(backend: &dyn Backend, case: Case) {
    let who = format!(
        "case `{}` on {} (seed {}, EDGECC_SUITE_SEED={})",
        case.name,
        backend.name(),
        case.seed,
        std::env::var("EDGECC_SUITE_SEED").unwrap_or_default()
    );
    let inputs = backend.prepare(case.inputs.clone());
    let expected =
        edgecc::run_reference(&case.graph, &inputs).unwrap_or_else(|e| panic!("{who}: the oracle fails: {e}"));
    let got = backend.run(&case.graph, &inputs);
    if let Some((_, msg)) = case.unsupported.iter().find(|(f, _)| *f == backend.family()) {
        match got {
            Err(RunError::Unsupported(e)) if e.contains(msg) => return,
            Err(RunError::Unsupported(e)) => {
                panic!("{who}: expected an Unsupported error mentioning `{msg}`, got `{e}`")
            }
            Err(RunError::Failed(e)) => panic!("{who}: expected an Unsupported error, got a failure: {e}"),
            Ok(_) => panic!("{who}: expected an Unsupported error, but it ran; update the case"),
        }
    }
    let got = match got {
        Ok(g) => g,
        Err(RunError::Unsupported(e)) => panic!("{who}: unsupported: {e}"),
        Err(RunError::Failed(e)) => panic!("{who}: failed: {e}"),
    };
    assert_eq!(got.len(), expected.len(), "{who}: number of outputs");
    let mut failures = Vec::new();
    for (i, (a, b)) in got.iter().zip(&expected).enumerate() {
        let out = case.graph.value(case.graph.outputs()[i]).name.clone();
        if let Err(e) = compare(a, b, backend.tolerance(b.dtype())) {
            failures.push(format!("output #{i} `{out}`: {e}"));
        }
    }
    assert!(failures.is_empty(), "{who}:\n  {}", failures.join("\n  "));
}

/// Compares one output with its expected value; the message shows the worst elements.
pub fn compare(a: &TensorData, b: &TensorData, tol: Tol) -> Result<(), String> {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return Err(format!(
            "got {}{:?}, expected {}{:?}",
            a.dtype(),
            a.shape(),
            b.dtype(),
            b.shape()
        ));
    }
    let shape = b.shape().to_vec();
    let at = |i: usize| {
        let mut idx = vec![0; shape.len()];
        let mut r = i;
        for (d, &n) in shape.iter().enumerate().rev() {
            idx[d] = r % n.max(1);
            r /= n.max(1);
        }
        idx
    };
    let mut bad: Vec<String> = Vec::new();
    let mut count = 0usize;
    if !b.dtype().is_float() {
        let (x, y) = (a.to_i64_vec(), b.to_i64_vec());
        for (i, (p, q)) in x.iter().zip(&y).enumerate() {
            if p != q {
                count += 1;
                if bad.len() < 8 {
                    bad.push(format!("at {:?}: got {p}, expected {q}", at(i)));
                }
            }
        }
    } else {
        let (x, y) = (a.to_f64_vec(), b.to_f64_vec());
        let max = y.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        let floor = tol.scale * max;
        for (i, (&p, &q)) in x.iter().zip(&y).enumerate() {
            let ok = if q.is_nan() {
                p.is_nan()
            } else if q.is_infinite() {
                p == q
            } else {
                (p - q).abs() <= tol.abs + tol.rel * q.abs().max(floor)
            };
            if !ok {
                count += 1;
                if bad.len() < 8 {
                    bad.push(format!(
                        "at {:?}: got {p}, expected {q} (diff {:.3e})",
                        at(i),
                        (p - q).abs()
                    ));
                }
            }
        }
    }
    if count == 0 {
        Ok(())
    } else {
        Err(format!(
            "{count} of {} elements differ ({tol:?}):\n    {}",
            b.numel(),
            bad.join("\n    ")
        ))
    }
}
