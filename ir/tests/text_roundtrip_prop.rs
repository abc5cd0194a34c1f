//! Property tests of the text format and the verifier on random graphs
//! ([`edgecc_ir::random::random_graph`]):
//!
//! - print → parse → print is the identity, the parsed graph equals the original one and verifies;
//! - ill-typed edits of a valid graph are rejected by `verify` (never a panic);
//! - mutated or truncated text parses to `Ok` or `Err`, never a panic.

use edgecc_ir::random::{random_graph, RandomGraphOptions, Rng};
use edgecc_ir::{parse, verify, DType, Graph, NodeId, Op, Shape, TensorType, ValueDef, ValueId};
use proptest::prelude::*;

fn opts(seed: u64) -> RandomGraphOptions {
    RandomGraphOptions {
        max_nodes: 4 + (seed % 16) as usize,
        symbolic: !seed.is_multiple_of(5),
        ..RandomGraphOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn print_parse_print_is_identity(seed in any::<u64>()) {
        let g = random_graph(seed, &opts(seed));
        prop_assert!(verify(&g).is_ok(), "generated graph does not verify: {:?}\n{g}", verify(&g));
        let text = g.to_string();
        let parsed = match parse(&text) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
        };
        prop_assert_eq!(&parsed.to_string(), &text);
        prop_assert!(verify(&parsed).is_ok(), "parsed graph does not verify: {:?}", verify(&parsed));
        prop_assert!(same_graph(&parsed, &g), "parsed graph differs from the original:\n{text}");
    }

    #[test]
    fn ill_typed_edits_are_rejected(seed in any::<u64>(), edit_seed in any::<u64>()) {
        let mut g = random_graph(seed, &opts(seed));
        let mut rng = Rng::new(edit_seed);
        if let Some(what) = ill_typed_edit(&mut g, &mut rng) {
            prop_assert!(verify(&g).is_err(), "verify accepted an ill-typed edit ({what}):\n{g}");
        }
    }

    #[test]
    fn mutated_text_never_panics(seed in any::<u64>(), cut in any::<u64>(), junk in any::<u64>()) {
        let g = random_graph(seed, &opts(seed));
        let text = g.to_string();
        let chars: Vec<char> = text.chars().collect();
        let mut rng = Rng::new(junk);
        let at = (cut % (chars.len() as u64 + 1)) as usize;
        const JUNK: [&str; 16] =
            ["", "%", "@", "\"", "<", "<=", ">", "[", "]", "(", ")", ",", "-", "0x", "99999999999999999999999", "f33"];
        let variants: Vec<String> = vec![
            chars[..at].iter().collect(),
            chars.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, c)| *c).collect(),
            {
                let mut s: String = chars[..at].iter().collect();
                s.push_str(rng.pick(&JUNK).unwrap_or(""));
                s.extend(&chars[at..]);
                s
            },
            {
                let mut s: String = chars[..at].iter().collect();
                let skip = at + rng.below(8) as usize;
                s.extend(chars.iter().skip(skip));
                s
            },
        ];
        for v in &variants {
            // Either result is fine; a panic fails the test.
            if let Ok(p) = parse(v) {
                let _ = verify(&p);
                let _ = p.to_string();
            }
        }
    }
}

/// Structural equality with NaN attributes comparing equal (the printed text, compared above,
/// checks their bits).
fn same_graph(a: &Graph, b: &Graph) -> bool {
    let nodes_eq = a.nodes().len() == b.nodes().len()
        && a.nodes().iter().zip(b.nodes()).all(|(x, y)| {
            x.name == y.name
                && x.inputs == y.inputs
                && x.outputs == y.outputs
                && format!("{:?}", x.op) == format!("{:?}", y.op)
        });
    nodes_eq
        && a.name() == b.name()
        && a.values() == b.values()
        && a.consts() == b.consts()
        && a.inputs() == b.inputs()
        && a.outputs() == b.outputs()
}

/// Applies one random ill-typed edit; returns what it did, or `None` if the graph offered no
/// place for the chosen edit.
fn ill_typed_edit(g: &mut Graph, rng: &mut Rng) -> Option<String> {
    let nodes: Vec<NodeId> = (0..g.nodes().len() as u32).map(NodeId).collect();
    let n = rng.pick(&nodes)?;
    let node = g.node(n).clone();
    match rng.below(7) {
        // Swap an input for a value of another dtype or shape (defined earlier).
        0 | 5 => {
            let k = rng.below(node.inputs.len() as u64) as usize;
            let old = *node.inputs.get(k)?;
            let first_out = node.outputs.iter().map(|v| v.0).min()?;
            let cands: Vec<ValueId> = (0..first_out)
                .map(ValueId)
                .filter(|&v| g.ty(v) != g.ty(old))
                .filter(|&v| defined_before(g, v, n))
                .collect();
            let new = rng.pick(&cands)?;
            // Some ops accept any dtype at this position (e.g. Cast, Shape); only then is the
            // edit not ill-typed. Skip those.
            if matches!(node.op, Op::Cast { .. } | Op::Shape { .. } | Op::Identity) {
                return None;
            }
            if edgecc_ir::infer(&node.op, &retyped(g, &node.inputs, k, new), g.consts())
                .as_ref()
                .ok()
                == Some(&node.outputs.iter().map(|&v| g.ty(v).clone()).collect())
            {
                return None;
            }
            g.node_mut(n).inputs[k] = new;
            Some(format!(
                "input {k} of `{}` swapped for `{}`",
                node.name,
                g.value(new).name
            ))
        }
        // Change a recorded output type.
        1 => {
            let v = *node.outputs.first()?;
            let ty = g.ty(v).clone();
            let new = if rng.pct(50) {
                let d = if ty.dtype == DType::F32 { DType::I8 } else { DType::F32 };
                TensorType::new(d, ty.shape)
            } else {
                let mut dims = ty.shape.0.clone();
                dims.push(3u64.into());
                TensorType::new(ty.dtype, Shape(dims))
            };
            g.value_mut(v).ty = new;
            Some(format!("output type of `{}` changed", node.name))
        }
        // Wrong arity: one input too many, or one too few.
        2 => {
            let (lo, hi) = node.op.arity();
            let extra = *g.inputs().first()?;
            let len = node.inputs.len();
            let can_push = hi.is_some_and(|h| len >= h);
            if lo > 0 && (!can_push || rng.pct(50)) {
                g.node_mut(n).inputs.truncate(lo - 1);
            } else if can_push {
                g.node_mut(n).inputs.push(extra);
            } else {
                return None;
            }
            Some(format!("arity of `{}` changed", node.name))
        }
        // Reference a value defined later.
        3 => {
            let k = rng.below(node.inputs.len() as u64) as usize;
            node.inputs.get(k)?;
            let later: Vec<ValueId> = (0..g.values().len() as u32)
                .map(ValueId)
                .filter(|&v| !defined_before(g, v, n))
                .filter(|v| matches!(g.value(*v).def, ValueDef::Node { node, .. } if node >= n))
                .collect();
            let new = rng.pick(&later)?;
            g.node_mut(n).inputs[k] = new;
            Some(format!("input {k} of `{}` refers to a later value", node.name))
        }
        // Out-of-range axis.
        _ => {
            let rank = node.inputs.first().map(|&v| g.ty(v).shape.rank() as i64)?;
            let bad = rank + 3 + rng.below(5) as i64;
            let op = match node.op.clone() {
                Op::Softmax { .. } => Op::Softmax { axis: bad },
                Op::LogSoftmax { .. } => Op::LogSoftmax { axis: bad },
                Op::Concat { .. } => Op::Concat { axis: -bad },
                Op::Gather { axis: _ } => Op::Gather { axis: bad },
                Op::GatherElements { .. } => Op::GatherElements { axis: bad },
                Op::CumSum { exclusive, reverse, .. } => Op::CumSum {
                    axis: bad,
                    exclusive,
                    reverse,
                },
                Op::ArgMax {
                    keepdims,
                    select_last_index,
                    ..
                } => Op::ArgMax {
                    axis: bad,
                    keepdims,
                    select_last_index,
                },
                Op::ArgMin {
                    keepdims,
                    select_last_index,
                    ..
                } => Op::ArgMin {
                    axis: -bad,
                    keepdims,
                    select_last_index,
                },
                Op::Reduce { op, keepdims, .. } => Op::Reduce {
                    op,
                    axes: vec![bad],
                    keepdims,
                },
                Op::Split { sizes, .. } => Op::Split { axis: bad, sizes },
                Op::TopK { k, largest, .. } => Op::TopK { k, axis: bad, largest },
                Op::Flatten { .. } => Op::Flatten { axis: bad },
                Op::LayerNorm { epsilon, .. } => Op::LayerNorm { axis: bad, epsilon },
                Op::RmsNorm { epsilon, .. } => Op::RmsNorm { axis: -bad, epsilon },
                Op::Squeeze { .. } => Op::Squeeze { axes: vec![bad] },
                Op::Unsqueeze { .. } => Op::Unsqueeze { axes: vec![bad + 2] },
                Op::Transpose { mut perm } => {
                    perm.push(bad as u64);
                    Op::Transpose { perm }
                }
                _ => return None,
            };
            g.node_mut(n).op = op;
            Some(format!("axis of `{}` out of range", node.name))
        }
    }
}

fn retyped(g: &Graph, inputs: &[ValueId], k: usize, new: ValueId) -> Vec<TensorType> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, &v)| g.ty(if i == k { new } else { v }).clone())
        .collect()
}

/// True when `v` is a graph input or an output of a node before `n`.
fn defined_before(g: &Graph, v: ValueId, n: NodeId) -> bool {
    match g.value(v).def {
        ValueDef::Input(_) => true,
        ValueDef::Node { node, .. } => node < n,
    }
}

/// Text that reaches inference with extreme extents or attribute values must give an error, not
/// a panic.
/// extent sum, Slice of an extent >= 2^63; `infer/nn.rs`: Conv's `w1 * groups`, MaxPool's window).
#[test]
fn extreme_values_reaching_inference_do_not_panic() {
    let cases = [
        ("f32[2]", "%a, %b = Split<axis=0, sizes=[18446744073709551615, 3]>(%x)"),
        (
            "f32[9223372036854775808]",
            "%a = Slice<starts=[0], ends=[1], axes=[0], steps=[1]>(%x)",
        ),
        ("f32[18446744073709551615]", "%a = Concat<axis=0>(%x, %x)"),
        (
            "f32[1, 2, 3]",
            "%a = Conv<strides=[1], pads=[0, 0], dilations=[1], groups=2>(%x, %w)",
        ),
        (
            "f32[1, 1, 2]",
            "%a = MaxPool<kernel=[18446744073709551615], strides=[1], pads=[18446744073709551615, 18446744073709551615], \
             dilations=[18446744073709551615], ceil_mode=true>(%x)",
        ),
    ];
    let mut panicked = Vec::new();
    for (ty, node) in cases {
        let src = format!("graph g {{ input %x: {ty} input %w: f32[2, 9223372036854775808, 1] {node} output %a }}");
        if std::panic::catch_unwind(|| parse(&src).is_err()).is_err() {
            panicked.push(format!("{node} on {ty}"));
        }
    }
    assert!(panicked.is_empty(), "parsing panicked on:\n{}", panicked.join("\n"));
}
