//! Random well-typed graphs, for property tests of the text format, passes and backends.
//!
//! [`random_graph`] builds a graph through the public [`Graph`] API (`add_input`,
//! `add_const_value`, `add_node`, `add_output`), so every node has passed inference. It mixes most
//! op kinds (elementwise with broadcasting, casts, reductions, norms, matmuls, convolutions, pools,
//! layout ops, attention, top-k, ...), symbolic input dims, constants of several dtypes, and
//! ONNX-style names that the text format must quote. An attempt that inference rejects is skipped.
//! The same seed and options always give the same graph; nothing here panics.

use crate::dtype::DType;
use crate::graph::{Graph, ValueId};
use crate::op::Op;
use crate::shape::{Dim, Shape};

mod ops;
use crate::tensor::TensorData;

/// What [`random_graph`] may generate.
#[derive(Clone, Debug)]
pub struct RandomGraphOptions {
    /// Stop after this many successfully added op nodes (not counting `Constant` nodes).
    pub max_nodes: usize,
    /// Graph inputs created up front (more may be created as operands).
    pub max_inputs: usize,
    /// Largest rank of generated shapes.
    pub max_rank: usize,
    /// Largest static extent of generated shapes.
    pub max_dim: u64,
    /// Allow symbolic dims (`batch<=8`, `seq<=16`) in inputs.
    pub symbolic: bool,
    /// Use ONNX-style names (`/layer.0/Add_output_0`, `onnx::MatMul_3`, ...) some of the time.
    pub odd_names: bool,
}

impl Default for RandomGraphOptions {
    fn default() -> Self {
        RandomGraphOptions {
            max_nodes: 12,
            max_inputs: 3,
            max_rank: 4,
            max_dim: 5,
            symbolic: true,
            odd_names: true,
        }
    }
}

/// A small deterministic PRNG (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo.wrapping_add(self.below((hi - lo) as u64 + 1) as i64)
    }

    /// True with probability `p` percent.
    pub fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.below(items.len() as u64) as usize).cloned()
    }
}

/// A random graph for `seed`, well-typed by construction (see the module docs).
pub fn random_graph(seed: u64, opts: &RandomGraphOptions) -> Graph {
    let mut gen = Gen {
        g: Graph::new(""),
        rng: Rng::new(seed),
        opts: opts.clone(),
        ops: 0,
    };
    let name = if opts.odd_names && gen.rng.pct(20) {
        format!("model/v{seed} \"odd\"")
    } else {
        format!("random_{seed}")
    };
    gen.g = Graph::new(name);
    gen.build();
    gen.g
}

const SYMS: [(&str, u64); 3] = [("batch", 8), ("seq", 16), ("n", 4)];
const FLOATS: [DType; 3] = [DType::F32, DType::F16, DType::BF16];
const F32_ATTRS: [f32; 9] = [0.01, 1e-5, 1e-6, 0.1, 0.2, 1.0 / 3.0, 2.5, -0.0, 1e30];
const F64_ATTRS: [f64; 8] = [0.0, 1.0, -1.5, 1.0 / 3.0, 6.0, 1e-300, -0.0, 0.1];

struct Gen {
    g: Graph,
    rng: Rng,
    opts: RandomGraphOptions,
    ops: usize,
}

impl Gen {
    fn build(&mut self) {
        let n_inputs = 1 + self.rng.below(self.opts.max_inputs.max(1) as u64);
        for _ in 0..n_inputs {
            let dtype = self.input_dtype();
            let rank = self.rng.below(self.opts.max_rank as u64 + 1) as usize;
            let shape = self.rand_shape(rank, self.opts.symbolic);
            self.new_input(dtype, shape);
        }
        for _ in 0..self.rng.below(3) {
            let dtype = self.rng.pick(&DType::ALL).unwrap_or(DType::F32);
            let rank = self.rng.below(3) as usize;
            let shape = self.rand_shape(rank, false);
            self.new_const(dtype, &shape);
        }
        let mut attempts = 0;
        while self.ops < self.opts.max_nodes && attempts < 10 * self.opts.max_nodes + 10 {
            attempts += 1;
            self.step();
        }
        self.pick_outputs();
    }

    fn pick_outputs(&mut self) {
        let nv = self.g.values().len();
        if nv == 0 {
            // Only possible if even the first input failed; give the graph one scalar input.
            let _ = self.g.add_input("x", DType::F32, Shape::scalar());
        }
        let nv = self.g.values().len() as u32;
        if nv == 0 {
            return;
        }
        let last = ValueId(nv - 1);
        let _ = self.g.add_output(last);
        for _ in 0..self.rng.below(3) {
            let v = ValueId(self.rng.below(nv as u64) as u32);
            let _ = self.g.add_output(v);
        }
    }

    fn input_dtype(&mut self) -> DType {
        match self.rng.below(10) {
            0..=4 => DType::F32,
            5 => DType::F16,
            6 => DType::I64,
            7 => DType::I32,
            8 => DType::Bool,
            _ => DType::BF16,
        }
    }

    fn rand_dim(&mut self, symbolic: bool) -> Dim {
        if symbolic && self.rng.pct(20) {
            let (name, max) = self.rng.pick(&SYMS).unwrap_or(("batch", 8));
            Dim::sym(name, max)
        } else {
            Dim::Static(1 + self.rng.below(self.opts.max_dim.max(1)))
        }
    }

    fn rand_shape(&mut self, rank: usize, symbolic: bool) -> Shape {
        Shape((0..rank).map(|_| self.rand_dim(symbolic)).collect())
    }

    /// A name for a new value or node: usually `base`, sometimes an ONNX-style name to quote.
    fn name(&mut self, base: &str) -> String {
        let k = self.g.values().len() + self.g.nodes().len();
        let cand = if self.opts.odd_names && self.rng.pct(25) {
            match self.rng.below(6) {
                0 => format!("/layer.{k}/attn/{base}_output_0"),
                1 => format!("onnx::{base}_{k}"),
                2 => format!("{k}"),
                3 => format!("q\"{base}\\{k}"),
                4 => format!("wärme {base}"),
                _ => format!("tab\t{base}\n{k}"),
            }
        } else {
            base.to_string()
        };
        self.g.fresh_name(&cand)
    }

    fn new_input(&mut self, dtype: DType, shape: Shape) -> Option<ValueId> {
        let name = self.name("x");
        self.g.add_input(name, dtype, shape).ok()
    }

    fn rand_data(&mut self, dtype: DType, dims: &[usize]) -> Option<TensorData> {
        let n: usize = dims.iter().product();
        let vals: Vec<f64> = (0..n)
            .map(|_| match dtype {
                DType::Bool => self.rng.below(2) as f64,
                DType::U8 | DType::U4 => self.rng.below(4) as f64,
                d if d.is_float() => self.rng.range(-8, 8) as f64 * 0.25,
                _ => self.rng.range(-3, 3) as f64,
            })
            .collect();
        TensorData::from_f64(dtype, dims.to_vec(), &vals).ok()
    }

    /// A constant value of a static shape with small random contents.
    fn new_const(&mut self, dtype: DType, shape: &Shape) -> Option<ValueId> {
        let dims = shape.as_static()?;
        if dims.iter().product::<usize>() > 256 {
            return None;
        }
        let data = self.rand_data(dtype, &dims)?;
        let name = self.name("c");
        if self.rng.pct(10) && !self.g.consts().is_empty() {
            // A constant sharing its name with another one (the text format refers to it by index).
            let other = self
                .rng
                .pick(self.g.consts())
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let c = self.g.add_constant(other, data);
            return self.add(Op::Constant(c), &[]).and_then(|o| o.first().copied());
        }
        let v = self.g.add_const_value(name, data).ok()?;
        if self.rng.pct(5) {
            // An unused constant.
            if let Some(d) = self.rand_data(DType::I8, &[2]) {
                self.g.add_constant("unused", d);
            }
        }
        Some(v)
    }

    /// A value of exactly this type: an existing one, a new constant (static shapes) or a new input.
    fn operand(&mut self, dtype: DType, shape: Shape) -> Option<ValueId> {
        let existing: Vec<ValueId> = (0..self.g.values().len() as u32)
            .map(ValueId)
            .filter(|&v| self.g.ty(v).dtype == dtype && self.g.ty(v).shape == shape)
            .collect();
        if !existing.is_empty() && self.rng.pct(50) {
            return self.rng.pick(&existing);
        }
        if shape.is_static() && self.rng.pct(60) {
            if let Some(v) = self.new_const(dtype, &shape) {
                return Some(v);
            }
        }
        self.new_input(dtype, shape)
    }

    /// An existing value whose type satisfies `pred`, or a new input of `dtype` with a random
    /// shape of rank at least `min_rank` (checked against `pred`).
    fn source(&mut self, pred: impl Fn(DType, &Shape) -> bool, dtype: DType, min_rank: usize) -> Option<ValueId> {
        let found: Vec<ValueId> = (0..self.g.values().len() as u32)
            .map(ValueId)
            .filter(|&v| pred(self.g.ty(v).dtype, &self.g.ty(v).shape))
            .collect();
        if !found.is_empty() && self.rng.pct(85) {
            return self.rng.pick(&found);
        }
        let hi = self.opts.max_rank.max(min_rank);
        let rank = self.rng.range(min_rank as i64, hi as i64) as usize;
        let shape = self.rand_shape(rank, self.opts.symbolic);
        if !pred(dtype, &shape) {
            return None;
        }
        self.new_input(dtype, shape)
    }

    fn float_src(&mut self, min_rank: usize) -> Option<ValueId> {
        let d = self.pick_float();
        self.source(|t, s| t.is_float() && s.rank() >= min_rank, d, min_rank)
    }

    fn numeric_src(&mut self, min_rank: usize) -> Option<ValueId> {
        let d = if self.rng.pct(70) { DType::F32 } else { DType::I64 };
        self.source(|t, s| t.is_numeric() && s.rank() >= min_rank, d, min_rank)
    }

    fn pick_float(&mut self) -> DType {
        if self.rng.pct(70) {
            DType::F32
        } else {
            self.rng.pick(&FLOATS).unwrap_or(DType::F32)
        }
    }

    /// A new `[N, C, *spatial]` float input (or an existing value of that form) with static C and
    /// spatial extents; `spatial` is 1 or 2.
    fn image(&mut self, min_c: u64) -> Option<ValueId> {
        let existing: Vec<ValueId> = (0..self.g.values().len() as u32)
            .map(ValueId)
            .filter(|&v| {
                let t = self.g.ty(v);
                let r = t.shape.rank();
                t.dtype.is_float() && (r == 3 || r == 4) && t.shape.dims()[1..].iter().all(|d| d.as_static().is_some())
            })
            .collect();
        if !existing.is_empty() && self.rng.pct(60) {
            return self.rng.pick(&existing);
        }
        let n = if self.opts.symbolic && self.rng.pct(30) {
            Dim::sym("batch", 8)
        } else {
            Dim::Static(1 + self.rng.below(2))
        };
        let c = min_c.max(1) * (1 + self.rng.below(3));
        let mut dims = vec![n, Dim::Static(c)];
        for _ in 0..1 + self.rng.below(2) {
            dims.push(Dim::Static(3 + self.rng.below(4)));
        }
        let d = self.pick_float();
        self.new_input(d, Shape(dims))
    }

    fn add(&mut self, op: Op, inputs: &[ValueId]) -> Option<Vec<ValueId>> {
        let is_const = matches!(op, Op::Constant(_));
        let outs = if self.opts.odd_names && self.rng.pct(25) {
            let base = op.name().to_string();
            let node = self.name(&base);
            let mut names: Vec<String> = Vec::new();
            for i in 0..op.num_outputs() {
                let mut n = self.name(&format!("{base}_{i}"));
                while names.contains(&n) || n == node {
                    n.push('_');
                }
                names.push(n);
            }
            self.g.add_node_named(&node, op, inputs, &names).ok()?
        } else {
            self.g.add_node(op, inputs).ok()?
        };
        if !is_const {
            self.ops += 1;
        }
        Some(outs)
    }

    fn ty(&self, v: ValueId) -> (DType, Shape) {
        let t = self.g.ty(v);
        (t.dtype, t.shape.clone())
    }

    /// A shape that broadcasts with `s` (same, a suffix, some dims set to 1, or a scalar).
    fn partner(&mut self, s: &Shape) -> Shape {
        match self.rng.below(4) {
            0 => s.clone(),
            1 => {
                let k = self.rng.below(s.rank() as u64 + 1) as usize;
                Shape(s.dims()[k..].to_vec())
            }
            2 => Shape(
                s.dims()
                    .iter()
                    .map(|d| if self.rng.pct(50) { Dim::Static(1) } else { d.clone() })
                    .collect(),
            ),
            _ => Shape::scalar(),
        }
    }

    fn axis(&mut self, rank: usize) -> i64 {
        let a = self.rng.below(rank.max(1) as u64) as i64;
        if self.rng.pct(30) {
            a - rank as i64
        } else {
            a
        }
    }

    fn f32_attr(&mut self) -> f32 {
        if self.rng.pct(15) {
            // Any finite bit pattern: the printer must write it so that it parses back exactly.
            let f = f32::from_bits(self.rng.next_u64() as u32);
            if f.is_finite() {
                return f;
            }
        }
        self.rng.pick(&F32_ATTRS).unwrap_or(0.5)
    }

    fn f64_attr(&mut self) -> f64 {
        if self.rng.pct(15) {
            let f = f64::from_bits(self.rng.next_u64());
            if f.is_finite() {
                return f;
            }
        }
        self.rng.pick(&F64_ATTRS).unwrap_or(0.5)
    }

    fn static_extent(s: &Shape, a: usize) -> Option<u64> {
        s.dims().get(a).and_then(|d| d.as_static())
    }
}
