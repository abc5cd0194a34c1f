//! Seeded random inputs shaped like what a model's users feed it (the CLI's `--random-inputs`).
//!
//! [`crate::models::random_inputs`] draws every input uniformly (floats in `[-1, 1)`, integers in
//! `[0, 10)`), which is what the test harnesses want. A real model reads some inputs as indices,
//! masks or positions, and uniform values there are out of range or meaningless. Here each input
//! is drawn by what the graph does with it and by its name:
//!
//! - **indices**: an integer input that reaches the indices of a `Gather` (directly or through
//!   `Cast`, `Reshape`, `Unsqueeze`, `Squeeze`, `Flatten`, `Identity`, `Expand`, `Transpose`) is
//!   uniform below that table's extent on the gathered axis (token ids stay below the vocabulary
//!   size of an embedding);
//! - **masks** (a name containing `mask`, any case): 0/1 in the input's dtype (bool, integer or
//!   float); the first row (over the last axis) is all ones, each other row is ones for a random
//!   prefix of at least one element, then zeros (right padding);
//! - **positions** (a name containing `position`): each row counts up `past, past+1, ...`, where
//!   `past` is the past length: the extent of a past-KV input (a name containing `past`, axis 2
//!   of a rank-4 or axis 3 of a rank-5 tensor), else the mask's length minus the row's, else 0;
//! - `seqlens_k` (onnxruntime's GroupQueryAttention) is `total - 1` in every element and
//!   `total_sequence_length` is `total`, the mask's length or past plus the sequence length;
//! - every other input is drawn as [`crate::models::random_inputs`] draws it, from the same
//!   stream: floats uniform in `[-1, 1)`, integers in `[0, 10)`, booleans 0 or 1.
//!
//! Input number `i` draws from its own stream, derived from the seed and `i`.

use crate::rng::Rng;
use edgecc_ir::{DType, Graph, IrError, Op, TensorData, ValueId};

/// One input to draw: its name, dtype, static shape and, for an index input, the extent it
/// indexes (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub index_bound: Option<u64>,
}

/// What an input is, for drawing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Uniform,
    Index(u64),
    Mask,
    Positions,
    SeqLensK,
    TotalSeqLen,
}

fn kind(spec: &InputSpec) -> Kind {
    let lower = spec.name.to_ascii_lowercase();
    let numeric = spec.dtype != DType::Bool;
    if lower.contains("mask") {
        Kind::Mask
    } else if lower.contains("seqlens_k") && numeric {
        Kind::SeqLensK
    } else if lower.contains("total_sequence_length") && numeric {
        Kind::TotalSeqLen
    } else if lower.contains("position") && numeric {
        Kind::Positions
    } else {
        match spec.index_bound {
            Some(b) if spec.dtype.is_int() => Kind::Index(b),
            _ => Kind::Uniform,
        }
    }
}

/// Seeded values for the inputs `specs` (input number `i` from stream `i`).
pub fn realistic_values(specs: &[InputSpec], seed: u64) -> Result<Vec<TensorData>, IrError> {
    let root = Rng::new(seed);
    let kinds: Vec<Kind> = specs.iter().map(kind).collect();
    // The past length and the total length, from the past-KV, mask and index inputs.
    let past = specs.iter().find_map(|s| {
        if !s.name.to_ascii_lowercase().contains("past") {
            return None;
        }
        match s.shape.len() {
            4 => Some(s.shape[2]),
            5 => Some(s.shape[3]),
            _ => None,
        }
    });
    let mask_len = specs
        .iter()
        .zip(&kinds)
        .find(|(s, k)| **k == Kind::Mask && s.shape.len() == 2)
        .map(|(s, _)| s.shape[1]);
    let seq_len = specs
        .iter()
        .zip(&kinds)
        .find(|(s, k)| matches!(k, Kind::Index(_) | Kind::Positions) && s.shape.len() >= 2)
        .map(|(s, _)| s.shape[s.shape.len() - 1]);
    let total = mask_len.or_else(|| seq_len.map(|s| s + past.unwrap_or(0)));
    specs
        .iter()
        .zip(&kinds)
        .enumerate()
        .map(|(i, (spec, &k))| {
            let mut rng = root.fork(i as u64);
            let numel = spec.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let numel = numel.ok_or_else(|| IrError::Value {
                value: spec.name.clone(),
                msg: format!("shape {:?} has too many elements", spec.shape),
            })?;
            let row = spec.shape.last().copied().unwrap_or(1);
            let values: Vec<i64> = match k {
                Kind::Uniform => return crate::models::random_tensor(spec.dtype, spec.shape.clone(), numel, &mut rng),
                Kind::Index(bound) => {
                    let hi = match spec.dtype.int_range() {
                        Some((_, max)) => (bound as i64).min(max.saturating_add(1)),
                        None => bound as i64,
                    };
                    (0..numel).map(|_| rng.below(0, hi.max(1))).collect()
                }
                Kind::Mask => {
                    let mut v = Vec::with_capacity(numel);
                    for r in 0..numel.checked_div(row).unwrap_or(0) {
                        let ones = if r == 0 {
                            row
                        } else {
                            rng.below(1, row as i64 + 1) as usize
                        };
                        v.extend((0..row).map(|j| (j < ones) as i64));
                    }
                    v
                }
                Kind::Positions => {
                    let offset = past.unwrap_or_else(|| mask_len.map_or(0, |m| m.saturating_sub(row)));
                    (0..numel).map(|j| (offset + j % row.max(1)) as i64).collect()
                }
                Kind::SeqLensK => vec![total.unwrap_or(1).saturating_sub(1) as i64; numel],
                Kind::TotalSeqLen => vec![total.unwrap_or(1) as i64; numel],
            };
            Ok(TensorData::from_i64(spec.dtype, spec.shape.clone(), &values)?)
        })
        .collect()
}

/// Seeded values for every input of `graph` (in [`Graph::inputs`] order), with symbolic dims
/// taking `sym_value(name, max)` as in [`crate::models::random_inputs`], drawn as the
/// [module docs](self) say.
pub fn realistic_inputs(
    graph: &Graph,
    seed: u64,
    sym_value: &dyn Fn(&str, u64) -> u64,
) -> Result<Vec<TensorData>, IrError> {
    let shapes = crate::models::input_shapes(graph, sym_value)?;
    let specs: Vec<InputSpec> = graph
        .inputs()
        .iter()
        .zip(shapes)
        .map(|(&v, shape)| InputSpec {
            name: graph.value(v).name.clone(),
            dtype: graph.ty(v).dtype,
            shape,
            index_bound: index_bound(graph, v),
        })
        .collect();
    realistic_values(&specs, seed)
}

/// The smallest static extent that `v` indexes: the gathered axis of every `Gather` whose indices
/// `v` reaches through shape-only ops.
pub fn index_bound(graph: &Graph, v: ValueId) -> Option<u64> {
    let mut bound: Option<u64> = None;
    let mut frontier = vec![v];
    let mut seen = vec![v];
    while let Some(x) = frontier.pop() {
        for n in graph.nodes() {
            let Some(pos) = n.inputs.iter().position(|&i| i == x) else {
                continue;
            };
            match &n.op {
                Op::Gather { axis } if pos == 1 => {
                    let data = &graph.ty(n.inputs[0]).shape;
                    let rank = data.rank() as i64;
                    let a = if *axis < 0 { axis + rank } else { *axis };
                    if let Some(edgecc_ir::Dim::Static(d)) = usize::try_from(a).ok().and_then(|a| data.dims().get(a)) {
                        bound = Some(bound.map_or(*d, |b| b.min(*d)));
                    }
                }
                op if pos == 0
                    && matches!(
                        op.name(),
                        "Cast" | "Reshape" | "Unsqueeze" | "Squeeze" | "Flatten" | "Identity" | "Expand" | "Transpose"
                    ) =>
                {
                    for &o in &n.outputs {
                        if !seen.contains(&o) {
                            seen.push(o);
                            frontier.push(o);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    bound
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{Builder, Dim, Shape};

    fn spec(name: &str, dtype: DType, shape: &[usize], index_bound: Option<u64>) -> InputSpec {
        InputSpec {
            name: name.into(),
            dtype,
            shape: shape.to_vec(),
            index_bound,
        }
    }

    #[test]
    fn decoder_inputs_look_like_a_decoding_step() {
        let specs = [
            spec("input_ids", DType::I64, &[2, 3], Some(50)),
            spec("attention_mask", DType::I64, &[2, 11], None),
            spec("position_ids", DType::I64, &[2, 3], None),
            spec("past_key_values.0.key", DType::F32, &[2, 4, 8, 16], None),
            spec("seqlens_k", DType::I32, &[2], None),
            spec("total_sequence_length", DType::I32, &[], None),
            spec("count", DType::I32, &[64], None),
        ];
        let xs = realistic_values(&specs, 3).unwrap();
        let ids = xs[0].to_i64_vec();
        assert!(
            ids.iter().all(|v| (0..50).contains(v)) && ids.iter().any(|&v| v >= 10),
            "{ids:?}"
        );
        let mask = xs[1].to_i64_vec();
        assert!(
            mask[..11].iter().all(|&v| v == 1),
            "the first row is all ones: {mask:?}"
        );
        assert!(mask.iter().all(|&v| v == 0 || v == 1) && mask[11] == 1, "{mask:?}");
        assert_eq!(xs[2].to_i64_vec(), vec![8, 9, 10, 8, 9, 10]);
        assert_eq!(xs[4].to_i64_vec(), vec![10, 10]);
        assert_eq!(xs[5].to_i64_vec(), vec![11]);
        assert!(xs[6].to_i64_vec().iter().all(|v| (0..10).contains(v)));
        // Without a past: positions from 0; a bool mask; a float mask.
        let specs = [
            spec("position_ids", DType::I64, &[1, 4], None),
            spec("mask", DType::Bool, &[1, 4], None),
            spec("attn_mask", DType::F32, &[3, 2], None),
            spec("x", DType::F32, &[0, 4], None),
        ];
        let xs = realistic_values(&specs, 1).unwrap();
        assert_eq!(xs[0].to_i64_vec(), vec![0, 1, 2, 3]);
        assert_eq!(xs[1].to_i64_vec(), vec![1, 1, 1, 1]);
        let f = xs[2].to_f64_vec();
        assert!(
            f.iter().all(|&v| v == 0.0 || v == 1.0) && f[2] == 1.0 && f[4] == 1.0,
            "{f:?}"
        );
        assert_eq!(xs[3].shape(), &[0, 4]);
        // Other inputs draw what random_inputs draws.
        assert_eq!(
            realistic_values(&[spec("x", DType::F32, &[5], None)], 4).unwrap()[0],
            crate::models::random_tensor_at(4, 0, DType::F32, vec![5]).unwrap()
        );
    }

    #[test]
    fn token_ids_stay_below_the_embedding() {
        let mut b = Builder::new("embed");
        let ids = b
            .input("ids", DType::I64, Shape(vec![Dim::Static(1), Dim::sym("seq", 64)]))
            .unwrap();
        let table = b
            .constant("wte", TensorData::from_f32(DType::F32, vec![7, 3], &[0.5; 21]).unwrap())
            .unwrap();
        let e = b.gather(table, ids, 0).unwrap();
        b.output(e).unwrap();
        let g = b.finish().unwrap();
        assert_eq!(index_bound(&g, g.inputs()[0]), Some(7));
        let xs = realistic_inputs(&g, 2, &|_, _| 64).unwrap();
        let v = xs[0].to_i64_vec();
        assert_eq!(v.len(), 64);
        assert!(v.iter().all(|x| (0..7).contains(x)) && v.contains(&6), "{v:?}");
    }
}
