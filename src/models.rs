//! Deterministic builders of the models people run, with seeded random weights.
//!
//! Every model is built through [`Builder`], so the graphs are verified and typed like any
//! imported model. Weights come from [`Rng`] seeded with the `seed` argument: the same seed gives
//! bit-identical weights on every machine. Each weight is a named constant, so tests and tools can
//! fetch it from [`Graph::consts`] by name:
//!
//! | model | constants (for layer `i`) |
//! |---|---|
//! | [`mlp`] | `fc1.w [in, hidden]`, `fc1.b [hidden]`, `fc2.w [hidden, out]`, `fc2.b [out]` |
//! | [`gpt2_block`] | `layer0.ln1.{scale,bias}`, `layer0.attn.{wq,bq,wk,bk,wv,bv,wo,bo}`, `layer0.ln2.{scale,bias}`, `layer0.mlp.{w1,b1,w2,b2}` |
//! | [`bert_encoder`] | `layer{i}.attn.{wq,bq,wk,bk,wv,bv,wo,bo}`, `layer{i}.attn_ln.{scale,bias}`, `layer{i}.ffn.{w1,b1,w2,b2}`, `layer{i}.ffn_ln.{scale,bias}` |
//!
//! Projection weights are `[in, out]` (applied as `x @ w + b`). Linear weights and biases are drawn
//! from `N(0, 0.02²)` (GPT-2's initialization), LayerNorm scales from `N(1, 0.1²)` and LayerNorm
//! biases from `N(0, 0.02²)`. Each constant has its own random stream derived from the seed and
//! its name, so adding a constant to a model never changes the others.
//!
//! [`random_inputs`] makes seeded inputs for any graph (the CLI's `--random-inputs --seed S`).

use crate::rng::Rng;
use edgecc_ir::{Builder, DType, Dim, Graph, IrError, Shape, TensorData, ValueId};

/// Standard deviation of linear weights and biases.
const WEIGHT_STD: f64 = 0.02;
/// Standard deviation of LayerNorm scales around 1.
const LN_SCALE_STD: f64 = 0.1;
/// LayerNorm epsilon of GPT-2.
const GPT2_LN_EPS: f32 = 1e-5;
/// LayerNorm epsilon of BERT.
const BERT_LN_EPS: f32 = 1e-12;

/// Shape of a [`mlp`]: `x: f32[batch<=max_batch, input]` → `[batch, output]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlpConfig {
    /// Upper bound of the symbolic batch dim `batch`.
    pub max_batch: u64,
    pub input: usize,
    pub hidden: usize,
    pub output: usize,
}

impl MlpConfig {
    /// A small classifier: 64 → 128 → 10, batch up to 32.
    pub fn small() -> Self {
        MlpConfig {
            max_batch: 32,
            input: 64,
            hidden: 128,
            output: 10,
        }
    }

    /// A tiny one for examples and quick tests: 8 → 16 → 4, batch up to 4.
    pub fn tiny() -> Self {
        MlpConfig {
            max_batch: 4,
            input: 8,
            hidden: 16,
            output: 4,
        }
    }
}

/// Shape of a transformer layer ([`gpt2_block`], [`bert_encoder`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransformerConfig {
    /// Model width `H`; must be a multiple of `heads`.
    pub hidden: usize,
    /// Number of attention heads; each has `hidden / heads` dims.
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub ffn: usize,
    /// Sequence length `S` (static).
    pub seq: usize,
}

impl TransformerConfig {
    /// BERT-small-sized: hidden 384, 12 heads, ffn 1536, seq 16.
    pub fn bert_small() -> Self {
        TransformerConfig {
            hidden: 384,
            heads: 12,
            ffn: 1536,
            seq: 16,
        }
    }

    /// A tiny one for examples and quick tests: hidden 32, 4 heads, ffn 64, seq 8.
    pub fn tiny() -> Self {
        TransformerConfig {
            hidden: 32,
            heads: 4,
            ffn: 64,
            seq: 8,
        }
    }

    /// Dims per head.
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }

    fn check(&self, graph: &str) -> Result<(), IrError> {
        let bad = |msg: String| {
            Err(IrError::Graph {
                graph: graph.to_string(),
                msg,
            })
        };
        if self.hidden == 0 || self.heads == 0 || self.ffn == 0 || self.seq == 0 {
            return bad(format!("every size of the config must be at least 1, got {self:?}"));
        }
        if !self.hidden.is_multiple_of(self.heads) {
            return bad(format!(
                "hidden size {} is not a multiple of the {} heads",
                self.hidden, self.heads
            ));
        }
        Ok(())
    }
}

/// FNV-1a of a name, to derive one random stream per constant.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Adds seeded constants to a [`Builder`].
struct Weights<'a> {
    b: &'a mut Builder,
    root: Rng,
}

impl Weights<'_> {
    /// A constant of `shape` with elements from `N(mean, std²)`, drawn from the stream of `name`.
    fn normal(&mut self, name: &str, shape: &[usize], mean: f64, std: f64) -> Result<ValueId, IrError> {
        let n = shape.iter().product();
        let values = self.root.fork(name_hash(name)).normal_vec(n, mean, std);
        let id = self.b.const_f32(name, shape, &values)?;
        // The name must be exactly the one asked for, so that it can be looked up.
        debug_assert_eq!(self.b.graph().value(id).name, name);
        Ok(id)
    }

    /// A linear weight `[rows, cols]`.
    fn weight(&mut self, name: &str, rows: usize, cols: usize) -> Result<ValueId, IrError> {
        self.normal(name, &[rows, cols], 0.0, WEIGHT_STD)
    }

    /// A bias `[n]`.
    fn bias(&mut self, name: &str, n: usize) -> Result<ValueId, IrError> {
        self.normal(name, &[n], 0.0, WEIGHT_STD)
    }

    /// `x @ {prefix}.w{suffix} + {prefix}.b{suffix}`.
    fn linear(&mut self, x: ValueId, w: &str, bias: &str, rows: usize, cols: usize) -> Result<ValueId, IrError> {
        let w = self.weight(w, rows, cols)?;
        let bias = self.bias(bias, cols)?;
        self.b.linear(x, w, Some(bias))
    }

    /// LayerNorm over the last axis with `{prefix}.scale` and `{prefix}.bias`.
    fn layer_norm(&mut self, x: ValueId, prefix: &str, n: usize, eps: f32) -> Result<ValueId, IrError> {
        let scale = self.normal(&format!("{prefix}.scale"), &[n], 1.0, LN_SCALE_STD)?;
        let bias = self.normal(&format!("{prefix}.bias"), &[n], 0.0, WEIGHT_STD)?;
        self.b.layer_norm(x, scale, Some(bias), -1, eps)
    }

    /// Multi-head self-attention of `x [1, S, H]` with the weights `{prefix}.{wq,bq,..,wo,bo}`:
    /// project, split heads `[1, S, H]` → `[1, nh, S, hd]`, attend, merge heads, project out.
    fn self_attention(
        &mut self,
        x: ValueId,
        prefix: &str,
        cfg: &TransformerConfig,
        mask: Option<ValueId>,
        causal: bool,
    ) -> Result<ValueId, IrError> {
        let (h, nh, hd) = (cfg.hidden, cfg.heads, cfg.head_dim());
        let heads = |this: &mut Self, w: &str, bias: &str| -> Result<ValueId, IrError> {
            let p = this.linear(x, &format!("{prefix}.{w}"), &format!("{prefix}.{bias}"), h, h)?;
            // 0 keeps the sequence extent, so that the block also builds over a symbolic one.
            let p = this.b.reshape(p, &[1, 0, nh as i64, hd as i64])?;
            this.b.transpose(p, &[0, 2, 1, 3])
        };
        let q = heads(self, "wq", "bq")?;
        let k = heads(self, "wk", "bk")?;
        let v = heads(self, "wv", "bv")?;
        let a = self.b.attention(q, k, v, mask, None, causal)?;
        let a = self.b.transpose(a, &[0, 2, 1, 3])?;
        let a = self.b.reshape(a, &[1, 0, h as i64])?;
        self.linear(a, &format!("{prefix}.wo"), &format!("{prefix}.bo"), h, h)
    }

    /// `act(x @ w1 + b1) @ w2 + b2` with the weights `{prefix}.{w1,b1,w2,b2}`.
    fn ffn(&mut self, x: ValueId, prefix: &str, cfg: &TransformerConfig, tanh_gelu: bool) -> Result<ValueId, IrError> {
        let u = self.linear(x, &format!("{prefix}.w1"), &format!("{prefix}.b1"), cfg.hidden, cfg.ffn)?;
        let u = self.b.gelu(u, tanh_gelu)?;
        self.linear(u, &format!("{prefix}.w2"), &format!("{prefix}.b2"), cfg.ffn, cfg.hidden)
    }
}

/// A two-layer perceptron classifier: `softmax(relu(x @ fc1.w + fc1.b) @ fc2.w + fc2.b)`.
///
/// Input `x: f32[batch<=max_batch, input]` (the batch dim is symbolic, named `batch`); one output
/// `[batch, output]` whose rows sum to 1.
pub fn mlp(cfg: &MlpConfig, seed: u64) -> Result<Graph, IrError> {
    if cfg.max_batch == 0 || cfg.input == 0 || cfg.hidden == 0 || cfg.output == 0 {
        return Err(IrError::Graph {
            graph: "mlp".into(),
            msg: format!("every size of the config must be at least 1, got {cfg:?}"),
        });
    }
    let mut b = Builder::new("mlp");
    let x = b.input(
        "x",
        DType::F32,
        Shape(vec![Dim::sym("batch", cfg.max_batch), Dim::Static(cfg.input as u64)]),
    )?;
    let mut w = Weights {
        b: &mut b,
        root: Rng::new(seed),
    };
    let h = w.linear(x, "fc1.w", "fc1.b", cfg.input, cfg.hidden)?;
    let h = w.b.relu(h)?;
    let logits = w.linear(h, "fc2.w", "fc2.b", cfg.hidden, cfg.output)?;
    let y = b.softmax(logits, -1)?;
    b.output(y)?;
    b.finish()
}

/// One GPT-2 decoder block (pre-LayerNorm, causal self-attention, tanh-GELU MLP).
///
/// Input `x: f32[1, seq, hidden]`; output `[1, seq, hidden]`:
///
/// ```text
/// a = x + attn(ln1(x))            causal, heads split by Reshape + Transpose
/// y = a + mlp(ln2(a))             mlp(u) = gelu_tanh(u @ w1 + b1) @ w2 + b2
/// ```
///
/// Constants are named `layer0.*` (see the [module docs](self)); LayerNorm epsilon is `1e-5`.
pub fn gpt2_block(cfg: &TransformerConfig, seed: u64) -> Result<Graph, IrError> {
    cfg.check("gpt2_block")?;
    let mut b = Builder::new("gpt2_block");
    let x = b.input("x", DType::F32, Shape::of(&[1, cfg.seq, cfg.hidden]))?;
    let mut w = Weights {
        b: &mut b,
        root: Rng::new(seed),
    };
    let n = w.layer_norm(x, "layer0.ln1", cfg.hidden, GPT2_LN_EPS)?;
    let a = w.self_attention(n, "layer0.attn", cfg, None, true)?;
    let a = w.b.add(x, a)?;
    let n = w.layer_norm(a, "layer0.ln2", cfg.hidden, GPT2_LN_EPS)?;
    let m = w.ffn(n, "layer0.mlp", cfg, true)?;
    let y = w.b.add(a, m)?;
    b.output(y)?;
    b.finish()
}

/// A stack of `layers` BERT encoder layers (post-LayerNorm, masked self-attention, exact GELU).
///
/// Inputs `x: f32[1, seq, hidden]` (hidden states, e.g. after the embeddings) and
/// `mask: f32[1, 1, 1, seq]`, an additive attention mask (0 to attend, -10000 to ignore a key);
/// output `[1, seq, hidden]`. Each layer `i`:
///
/// ```text
/// a = attn_ln(x + attn(x, mask))   non-causal
/// x = ffn_ln(a + ffn(a))           ffn(u) = gelu_erf(u @ w1 + b1) @ w2 + b2
/// ```
///
/// Constants are named `layer{i}.*` (see the [module docs](self)); LayerNorm epsilon is `1e-12`.
pub fn bert_encoder(cfg: &TransformerConfig, layers: usize, seed: u64) -> Result<Graph, IrError> {
    cfg.check("bert_encoder")?;
    let mut b = Builder::new("bert_encoder");
    let mut x = b.input("x", DType::F32, Shape::of(&[1, cfg.seq, cfg.hidden]))?;
    let mask = b.input("mask", DType::F32, Shape::of(&[1, 1, 1, cfg.seq]))?;
    let mut w = Weights {
        b: &mut b,
        root: Rng::new(seed),
    };
    for i in 0..layers {
        let p = format!("layer{i}");
        let a = w.self_attention(x, &format!("{p}.attn"), cfg, Some(mask), false)?;
        let a = w.b.add(x, a)?;
        let a = w.layer_norm(a, &format!("{p}.attn_ln"), cfg.hidden, BERT_LN_EPS)?;
        let f = w.ffn(a, &format!("{p}.ffn"), cfg, false)?;
        let f = w.b.add(a, f)?;
        x = w.layer_norm(f, &format!("{p}.ffn_ln"), cfg.hidden, BERT_LN_EPS)?;
    }
    b.output(x)?;
    b.finish()
}

/// Symbolic-dim policy for [`random_inputs`] that takes every symbolic dim at its upper bound.
pub fn sym_at_max(_name: &str, max: u64) -> u64 {
    max
}

/// Seeded random values for every input of `graph`, in [`Graph::inputs`] order.
///
/// - float inputs (f32, f16, bf16): uniform in `[-1, 1)` (rounded to the dtype); inputs named
///   like masks get no special treatment, so an additive mask is random too;
/// - integer inputs: uniform in `[0, 10)`, narrowed to the dtype's range (`i4`: `[0, 8)`);
/// - bool inputs: `true` or `false` with equal odds.
///
/// (The CLI's `--random-inputs` draws indices, masks and positions as a model's users feed them:
/// [`crate::realistic`].)
///
/// A symbolic dim `name<=max` takes the extent `sym_value(name, max)` ([`sym_at_max`] takes the
/// bound); the same name gets the same extent in every input. An extent above the bound is an
/// error naming the input; 0 is an extent like any other (an empty tensor). Each input draws from
/// its own stream (derived from `seed` and its position), so the values of one input do not
/// depend on the shapes of the others.
pub fn random_inputs(
    graph: &Graph,
    seed: u64,
    sym_value: &dyn Fn(&str, u64) -> u64,
) -> Result<Vec<TensorData>, IrError> {
    let root = Rng::new(seed);
    let shapes = input_shapes(graph, sym_value)?;
    let mut out = Vec::with_capacity(graph.inputs().len());
    for (i, (&v, shape)) in graph.inputs().iter().zip(shapes).enumerate() {
        let value = graph.value(v);
        let numel = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| IrError::Value {
                value: value.name.clone(),
                msg: format!("shape {shape:?} has too many elements"),
            })?;
        let data = random_tensor(value.ty.dtype, shape, numel, &mut root.fork(i as u64))?;
        out.push(data);
    }
    Ok(out)
}

/// The static shape of every input of `graph`, with each symbolic dim `name<=max` taking
/// `sym_value(name, max)` (the same for every use of the name; above the bound is an error).
pub fn input_shapes(graph: &Graph, sym_value: &dyn Fn(&str, u64) -> u64) -> Result<Vec<Vec<usize>>, IrError> {
    let mut chosen: Vec<(String, u64)> = Vec::new();
    let mut out = Vec::with_capacity(graph.inputs().len());
    for &v in graph.inputs() {
        let value = graph.value(v);
        let mut shape = Vec::with_capacity(value.ty.shape.rank());
        for d in value.ty.shape.dims() {
            let n = match d {
                Dim::Static(n) => *n,
                Dim::Sym { name, max } => match chosen.iter().find(|(c, _)| c == name) {
                    Some((_, n)) => *n,
                    None => {
                        let n = sym_value(name, *max);
                        if n > *max {
                            return Err(IrError::Value {
                                value: value.name.clone(),
                                msg: format!("symbolic dim `{name}<={max}` cannot take the extent {n}"),
                            });
                        }
                        chosen.push((name.clone(), n));
                        n
                    }
                },
            };
            let n = usize::try_from(n).map_err(|_| IrError::Value {
                value: value.name.clone(),
                msg: format!("extent {n} does not fit in memory"),
            })?;
            shape.push(n);
        }
        out.push(shape);
    }
    Ok(out)
}

/// The seeded random value [`random_inputs`] gives input number `index` of a graph, for an
/// input of `dtype` and the static `shape`.
pub fn random_tensor_at(seed: u64, index: usize, dtype: DType, shape: Vec<usize>) -> Result<TensorData, IrError> {
    let numel = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| IrError::Value {
            value: format!("input {index}"),
            msg: format!("shape {shape:?} has too many elements"),
        })?;
    random_tensor(dtype, shape, numel, &mut Rng::new(seed).fork(index as u64))
}

/// `numel` seeded values of `dtype`: floats uniform in [-1, 1), integers in [0, 10) (within the
/// dtype's range), booleans 0 or 1.
pub(crate) fn random_tensor(
    dtype: DType,
    shape: Vec<usize>,
    numel: usize,
    rng: &mut Rng,
) -> Result<TensorData, IrError> {
    if dtype.is_float() {
        return Ok(TensorData::from_f64(dtype, shape, &rng.uniform_vec(numel, -1.0, 1.0))?);
    }
    let (lo, hi) = match dtype.int_range() {
        Some((lo, hi)) => (lo.max(0), hi.min(9).saturating_add(1)),
        None => (0, 2), // bool
    };
    let vals: Vec<i64> = (0..numel).map(|_| rng.below(lo, hi)).collect();
    Ok(TensorData::from_i64(dtype, shape, &vals)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consts_named<'g>(g: &'g Graph, name: &str) -> &'g TensorData {
        &g.consts()
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no constant {name}"))
            .data
    }

    #[test]
    fn builders_are_deterministic_in_the_seed() {
        let cfg = TransformerConfig::tiny();
        let a = gpt2_block(&cfg, 1).unwrap();
        let b = gpt2_block(&cfg, 1).unwrap();
        let c = gpt2_block(&cfg, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.consts(), c.consts());
        assert_eq!(a.nodes(), c.nodes());
    }

    #[test]
    fn weights_are_named_and_shaped() {
        let cfg = TransformerConfig::tiny();
        let g = bert_encoder(&cfg, 2, 5).unwrap();
        // 16 constants per layer, no others.
        assert_eq!(g.consts().len(), 32);
        assert_eq!(consts_named(&g, "layer1.attn.wq").shape(), &[32, 32]);
        assert_eq!(consts_named(&g, "layer0.ffn.w1").shape(), &[32, 64]);
        assert_eq!(consts_named(&g, "layer0.ffn.b2").shape(), &[32]);
        let scale = consts_named(&g, "layer1.ffn_ln.scale").to_f64_vec();
        let mean = scale.iter().sum::<f64>() / scale.len() as f64;
        assert!((mean - 1.0).abs() < 0.1, "LayerNorm scales near 1, mean {mean}");
        let w = consts_named(&g, "layer0.attn.wo").to_f64_vec();
        let std = (w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64).sqrt();
        assert!((0.015..0.025).contains(&std), "weights ~ N(0, 0.02²), std {std}");
        // Every layer has its own weights.
        assert_ne!(consts_named(&g, "layer0.attn.wq"), consts_named(&g, "layer1.attn.wq"));

        let g = gpt2_block(&cfg, 5).unwrap();
        assert_eq!(g.consts().len(), 16);
        assert_eq!(consts_named(&g, "layer0.mlp.w2").shape(), &[64, 32]);
        let out = g.outputs()[0];
        assert_eq!(g.ty(out).shape, Shape::of(&[1, 8, 32]));
    }

    #[test]
    fn bad_configs_are_errors() {
        let cfg = TransformerConfig {
            hidden: 30,
            heads: 4,
            ffn: 8,
            seq: 2,
        };
        assert!(gpt2_block(&cfg, 0).is_err());
        let cfg = MlpConfig {
            max_batch: 0,
            ..MlpConfig::tiny()
        };
        assert!(mlp(&cfg, 0).is_err());
    }

    #[test]
    fn random_inputs_follow_the_graph() {
        let g = mlp(&MlpConfig::tiny(), 3).unwrap();
        let xs = random_inputs(&g, 9, &|name, max| {
            assert_eq!((name, max), ("batch", 4));
            3
        })
        .unwrap();
        assert_eq!(xs.len(), 1);
        assert_eq!(xs[0].shape(), &[3, 8]);
        assert!(xs[0].to_f64_vec().iter().all(|v| (-1.0..1.0).contains(v)));
        assert_eq!(xs, random_inputs(&g, 9, &|_, _| 3).unwrap());
        assert_ne!(xs, random_inputs(&g, 10, &|_, _| 3).unwrap());
        assert_eq!(random_inputs(&g, 9, &sym_at_max).unwrap()[0].shape(), &[4, 8]);
        assert!(random_inputs(&g, 9, &|_, _| 5).is_err());
        assert_eq!(
            random_inputs(&g, 9, &|_, _| 0).unwrap()[0].shape(),
            &[0, 8],
            "an empty batch"
        );

        let mut b = Builder::new("ints");
        let n = Dim::sym("n", 6);
        b.input("i", DType::I64, Shape(vec![n.clone(), Dim::Static(50)]))
            .unwrap();
        b.input("j", DType::I4, Shape(vec![n])).unwrap();
        let f = b.input("f", DType::F16, Shape::of(&[4])).unwrap();
        b.output(f).unwrap();
        let g = b.finish().unwrap();
        let xs = random_inputs(&g, 1, &|_, _| 5).unwrap();
        assert_eq!(xs[0].shape(), &[5, 50]);
        assert_eq!(xs[1].shape(), &[5], "one extent per symbol name");
        let ints = xs[0].to_i64_vec();
        assert!(ints.iter().all(|v| (0..10).contains(v)));
        assert!(ints.contains(&9) && ints.contains(&0));
        assert!(xs[1].to_i64_vec().iter().all(|v| (0..8).contains(v)));
        assert_eq!(xs[2].dtype(), DType::F16);
    }
}
