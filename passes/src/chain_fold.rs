//! Chain folding (`chain_fold`): composes chains of layout ops and casts, and removes no-ops.
//!
//! Looking at each node's (already rewritten) producer, so a chain of any length folds in one
//! sweep:
//! - **Views** — `Reshape`, `Flatten`, `Squeeze`, `Unsqueeze` — on a view become one `Reshape` of
//!   the first view's input (reshape∘reshape, unsqueeze∘squeeze, ...), or nothing when the result
//!   has the input's type (a squeeze/unsqueeze pair that cancels). The new `Reshape` keeps the
//!   outer node's attribute when that alone gives the same type, else one derived from the output
//!   type (`0` copies a symbolic dim, `-1` infers one); if neither does, the chain is kept.
//! - **Transposes**: transpose∘transpose becomes one transpose by the composed permutation, or
//!   nothing when that is the identity.
//! - **Casts**: `Cast<to=C>(Cast<to=B>(x: A))` becomes `Cast<to=C>(x)` (nothing when `C == A`)
//!   when that is exact for every value ([`cast_chain_is_exact`]): f16→f32→f16 is the identity,
//!   f32→f16→f32 is not and is kept.
//! - **No-ops** are removed: `Identity`, a view or `Expand` whose output has its input's type,
//!   `Transpose` by the identity permutation, `Cast` to the input's dtype, `Tile` by all ones,
//!   `Pad` by all zeros, `Concat` of one input.
//!
//! Every rewrite is checked to give the node's old output type, or not done. The nodes a chain
//! leaves unused stay for `dce`. Not done here: moving transposes through elementwise ops,
//! folding transposes into MatMul, slice-of-slice (the e-graph layout rules do those).

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::{rebuild, Rebuilder};
use edgecc_ir::{infer, DType, Dim, Graph, Node, NodeId, Op, Shape, TensorType, ValueId};

/// The chain-folding pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChainFold;

const NAME: &str = "chain_fold";

/// What to do with one node.
enum Action {
    Keep,
    /// The node's output is this existing (new) value.
    Alias(ValueId),
    /// The node becomes this op on these (new) inputs.
    Replace(Op, ValueId),
}

/// True when `Cast<to=c>(Cast<to=b>(x: a))` equals `Cast<to=c>(x)` for every `x`: every `a`
/// value is exactly representable in `b` ([`cast_is_exact`]), and `b → c` treats those values
/// as `a → c` does. The exception: float → int saturates while int → int wraps, so an int going
/// through a float to an int narrower than itself differs (`i8 -1 → f32 → u8` is 0, `i8 → u8` 255).
pub fn cast_chain_is_exact(a: DType, b: DType, c: DType) -> bool {
    if !cast_is_exact(a, b) {
        return false;
    }
    if a.is_int() && b.is_float() && c.is_int() {
        let fits = match (a.int_range(), c.int_range()) {
            (Some((alo, ahi)), Some((clo, chi))) => clo <= alo && ahi <= chi,
            _ => false,
        };
        return fits;
    }
    true
}

/// True when every value of dtype `from` is exactly representable in `to` (a cast there and back
/// is the identity).
pub fn cast_is_exact(from: DType, to: DType) -> bool {
    use DType::*;
    if from == to {
        return true;
    }
    match from {
        Bool => true,
        I4 => matches!(to, I8 | I32 | I64 | F16 | BF16 | F32),
        U4 => matches!(to, U8 | I8 | I32 | I64 | F16 | BF16 | F32),
        I8 => matches!(to, I32 | I64 | F16 | BF16 | F32),
        U8 => matches!(to, I32 | I64 | F16 | BF16 | F32),
        I32 => matches!(to, I64),
        F16 | BF16 => matches!(to, F32),
        I64 | F32 => false,
    }
}

fn is_view(op: &Op) -> bool {
    matches!(
        op,
        Op::Reshape { .. } | Op::Flatten { .. } | Op::Squeeze { .. } | Op::Unsqueeze { .. }
    )
}

/// The producer of new value `v` and its first input, when the producer has exactly one input.
fn unary_producer<'a>(rb: &'a Rebuilder<'_>, v: ValueId) -> Option<(&'a Node, ValueId)> {
    let p = rb.producer(v)?;
    match p.inputs.as_slice() {
        [y] => Some((p, *y)),
        _ => None,
    }
}

/// Candidate `Reshape` attributes turning a value of shape `from` into shape `to`.
fn reshape_candidates(outer: &Op, from: &Shape, to: &Shape) -> Vec<Op> {
    let mut out = Vec::new();
    if let Op::Reshape { .. } = outer {
        out.push(outer.clone());
    }
    if let Some(dims) = to.as_static() {
        let shape: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        let allowzero = dims.contains(&0);
        out.push(Op::Reshape { shape, allowzero });
        return out;
    }
    let mut shape = Vec::with_capacity(to.rank());
    let mut inferred = false;
    for (i, d) in to.dims().iter().enumerate() {
        match d {
            Dim::Static(0) => return out,
            Dim::Static(n) => match i64::try_from(*n) {
                Ok(n) => shape.push(n),
                Err(_) => return out,
            },
            Dim::Sym { .. } if from.dims().get(i) == Some(d) => shape.push(0),
            Dim::Sym { .. } if !inferred => {
                inferred = true;
                shape.push(-1);
            }
            Dim::Sym { .. } => return out,
        }
    }
    out.push(Op::Reshape {
        shape,
        allowzero: false,
    });
    out
}

/// True when `op` applied to a value of type `x` gives exactly `want`.
fn gives(rb: &Rebuilder<'_>, op: &Op, x: &TensorType, want: &TensorType) -> bool {
    infer(op, std::slice::from_ref(x), rb.graph().consts()).is_ok_and(|t| t.len() == 1 && &t[0] == want)
}

fn is_identity_perm(p: &[u64]) -> bool {
    p.iter().enumerate().all(|(i, &a)| a == i as u64)
}

/// Decides what to do with `node` (whose inputs map to the new values `ins`).
fn simplify(node: &Node, ins: &[ValueId], rb: &Rebuilder<'_>, out_ty: &TensorType) -> Action {
    let Some(&x) = ins.first() else {
        return Action::Keep;
    };
    let ty = |v: ValueId| rb.graph().ty(v).clone();
    let x_ty = ty(x);
    let same_as_input = x_ty == *out_ty;
    match &node.op {
        Op::Identity => Action::Alias(x),
        Op::Concat { .. } if ins.len() == 1 && same_as_input => Action::Alias(x),
        Op::Expand { .. } if same_as_input => Action::Alias(x),
        Op::Tile { repeats } if same_as_input && repeats.iter().all(|&r| r == 1) => Action::Alias(x),
        Op::Pad { pads, .. } if same_as_input && pads.iter().all(|&p| p == 0) => Action::Alias(x),
        op if is_view(op) => {
            if same_as_input {
                return Action::Alias(x);
            }
            let Some(y) = unary_producer(rb, x).filter(|(p, _)| is_view(&p.op)).map(|(_, y)| y) else {
                return Action::Keep;
            };
            let y_ty = ty(y);
            if y_ty == *out_ty {
                return Action::Alias(y);
            }
            reshape_candidates(op, &y_ty.shape, &out_ty.shape)
                .into_iter()
                .find(|c| gives(rb, c, &y_ty, out_ty))
                .map_or(Action::Keep, |c| Action::Replace(c, y))
        }
        Op::Transpose { perm } => {
            if is_identity_perm(perm) && same_as_input {
                return Action::Alias(x);
            }
            let Some((p, y)) = unary_producer(rb, x) else {
                return Action::Keep;
            };
            let Op::Transpose { perm: inner } = &p.op else {
                return Action::Keep;
            };
            // Output axis i is x's axis perm[i], which is y's axis inner[perm[i]].
            let composed: Option<Vec<u64>> = perm
                .iter()
                .map(|&a| usize::try_from(a).ok().and_then(|a| inner.get(a)).copied())
                .collect();
            let Some(composed) = composed else {
                return Action::Keep;
            };
            let y_ty = ty(y);
            if is_identity_perm(&composed) && y_ty == *out_ty {
                return Action::Alias(y);
            }
            let op = Op::Transpose { perm: composed };
            if gives(rb, &op, &y_ty, out_ty) {
                Action::Replace(op, y)
            } else {
                Action::Keep
            }
        }
        Op::Cast { to } => {
            if x_ty.dtype == *to && same_as_input {
                return Action::Alias(x);
            }
            let Some((p, y)) = unary_producer(rb, x) else {
                return Action::Keep;
            };
            let Op::Cast { to: mid } = p.op else {
                return Action::Keep;
            };
            let y_ty = ty(y);
            if !cast_chain_is_exact(y_ty.dtype, mid, *to) {
                return Action::Keep;
            }
            if y_ty == *out_ty {
                return Action::Alias(y);
            }
            let op = Op::Cast { to: *to };
            if gives(rb, &op, &y_ty, out_ty) {
                Action::Replace(op, y)
            } else {
                Action::Keep
            }
        }
        _ => Action::Keep,
    }
}

impl Pass for ChainFold {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, g: &Graph, _ctx: &PassContext) -> Result<Graph, PassError> {
        let err = |e| PassError::ir(NAME, e);
        rebuild(NAME, g, |rb| {
            for (i, node) in g.nodes().iter().enumerate() {
                let id = NodeId(i as u32);
                let out_ty = match node.outputs.as_slice() {
                    [o] => g.values().get(o.index()).map(|v| &v.ty),
                    _ => None,
                };
                let action = match out_ty {
                    Some(t) => simplify(node, &rb.inputs_of(node).map_err(err)?, rb, t),
                    None => Action::Keep,
                };
                match action {
                    Action::Keep => rb.copy_node(id).map_err(err)?,
                    Action::Alias(v) => {
                        // Never change a value's type; `simplify` only aliases equal types.
                        if out_ty == Some(rb.graph().ty(v)) {
                            rb.alias(node.outputs[0], v);
                        } else {
                            rb.copy_node(id).map_err(err)?;
                        }
                    }
                    Action::Replace(op, y) => rb.replace_node(id, op, &[y]).map_err(err)?,
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_backends::reference::{eval_op, Tensor};
    use edgecc_ir::{parse, verify, TensorData};

    fn run(src: &str) -> Graph {
        let g = parse(src).unwrap();
        let h = ChainFold.run(&g, &PassContext::default()).unwrap();
        verify(&h).unwrap();
        crate::check_interface(&g, &h).unwrap();
        let h = crate::Dce.run(&h, &PassContext::default()).unwrap();
        verify(&h).unwrap();
        h
    }

    fn ops(g: &Graph) -> Vec<String> {
        g.nodes().iter().map(|n| format!("{:?}", n.op)).collect()
    }

    #[test]
    fn reshape_chain_of_three_becomes_one() {
        let h = run(r#"graph g {
              input %x: f32[2, 3, 4]
              %a: f32[6, 4] = Reshape<shape=[6, 4], allowzero=false>(%x)
              %b: f32[6, 2, 2] = Reshape<shape=[0, 2, 2], allowzero=false>(%a)
              %c: f32[4, 2, 3] = Reshape<shape=[4, 0, 3], allowzero=false>(%b)
              output %c
            }"#);
        // The `0`s copy dims of the intermediate shapes, so the attribute is re-derived.
        assert_eq!(ops(&h), ["Reshape { shape: [4, 2, 3], allowzero: false }"]);
        assert_eq!(h.nodes()[0].inputs, vec![h.inputs()[0]]);
        assert_eq!(h.value(h.outputs()[0]).name, "c");
    }

    #[test]
    fn symbolic_reshape_chain_uses_copy_and_infer() {
        let h = run(r#"graph g {
              input %x: f32[b<=8, s<=16, 4]
              %a: f32[b<=8, s<=16, 2, 2] = Reshape<shape=[0, 0, 2, 2], allowzero=false>(%x)
              %c: f32[b<=8, s<=16, 4, 1] = Reshape<shape=[0, 0, 4, 1], allowzero=false>(%a)
              output %c
            }"#);
        assert_eq!(ops(&h), ["Reshape { shape: [0, 0, 4, 1], allowzero: false }"]);
        assert_eq!(h.node(NodeId(0)).inputs, vec![h.inputs()[0]]);
    }

    #[test]
    fn squeeze_unsqueeze_cancel_and_views_compose() {
        let h = run(r#"graph g {
              input %x: f32[2, 1, 3]
              %a: f32[2, 3] = Squeeze<axes=[1]>(%x)
              %b: f32[2, 1, 3] = Unsqueeze<axes=[1]>(%a)
              %c: f32[1, 6] = Flatten<axis=0>(%x)
              %d: f32[6] = Squeeze<axes=[0]>(%c)
              %e: f32[2, 1, 3] = Reshape<shape=[2, 1, 3], allowzero=false>(%x)
              %s: f32[2, 1, 3] = Add(%b, %e)
              output %s
              output %d
            }"#);
        // b and e are x; d = Reshape(x) to [6].
        let s = h.node(h.find_node("s").unwrap());
        assert_eq!(s.inputs, vec![h.inputs()[0], h.inputs()[0]]);
        assert_eq!(h.nodes().len(), 2);
    }

    #[test]
    fn transpose_pairs() {
        let h = run(r#"graph g {
              input %x: f32[2, 3, 4]
              %a: f32[3, 4, 2] = Transpose<perm=[1, 2, 0]>(%x)
              %b: f32[2, 3, 4] = Transpose<perm=[2, 0, 1]>(%a)
              %c: f32[4, 3, 2] = Transpose<perm=[1, 0, 2]>(%a)
              %i: f32[2, 3, 4] = Transpose<perm=[0, 1, 2]>(%x)
              %y: f32[2, 3, 4] = Mul(%b, %i)
              output %y
              output %c
            }"#);
        assert_eq!(
            ops(&h),
            ["Transpose { perm: [2, 1, 0] }", "Binary(Mul)"],
            "b and i are x; c is x transposed by [2, 1, 0]"
        );
    }

    #[test]
    fn cast_chains() {
        let h = run(r#"graph g {
              input %h: f16[4]
              input %f: f32[4]
              %a: f32[4] = Cast<to=f32>(%h)
              %b: f16[4] = Cast<to=f16>(%a)
              %c: f16[4] = Cast<to=f16>(%f)
              %d: f32[4] = Cast<to=f32>(%c)
              %e: i32[4] = Cast<to=i32>(%a)
              %k: f16[4] = Cast<to=f16>(%b)
              output %b
              output %d
              output %e
              output %k
            }"#);
        // b is h (an input: kept as an Identity); d is a real round trip; e = Cast<i32>(h); k = b.
        let names: Vec<&str> = h.outputs().iter().map(|&o| h.value(o).name.as_str()).collect();
        assert_eq!(names, ["b", "d", "e", "k"]);
        assert_eq!(
            ops(&h),
            [
                "Cast { to: F16 }",
                "Cast { to: F32 }",
                "Cast { to: I32 }",
                "Identity",
                "Identity"
            ]
        );
        let e = h.node(h.find_node("e").unwrap());
        assert_eq!(e.inputs, vec![h.inputs()[0]]);
    }

    #[test]
    fn other_no_ops() {
        let h = run(r#"graph g {
              input %x: f32[2, 3]
              %a: f32[2, 3] = Expand<shape=[1, 3]>(%x)
              %b: f32[2, 3] = Tile<repeats=[1, 1]>(%a)
              %c: f32[2, 3] = Pad<pads=[0, 0, 0, 0], mode=constant, value=0.0>(%b)
              %d: f32[2, 3] = Concat<axis=0>(%c)
              %e: f32[2, 3] = Identity(%d)
              %f: f32[2, 3] = Neg(%e)
              %g: f32[4, 2, 3] = Expand<shape=[4, 1, 1]>(%x)
              output %f
            }"#);
        assert_eq!(ops(&h), ["Unary(Neg)"]);
        assert_eq!(h.nodes()[0].inputs, vec![h.inputs()[0]]);
    }

    #[test]
    fn keeps_what_is_not_a_chain() {
        let src = r#"graph g {
              input %x: f32[2, 3]
              %a: f32[3, 2] = Transpose<perm=[1, 0]>(%x)
              %b: f32[6] = Reshape<shape=[6], allowzero=false>(%a)
              %c: f16[2, 3] = Cast<to=f16>(%x)
              %d: i32[2, 3] = Cast<to=i32>(%c)
              %e: f32[3, 2, 3] = Expand<shape=[3, 2, 3]>(%x)
              output %b
              output %d
            }"#;
        let g = parse(src).unwrap();
        let h = ChainFold.run(&g, &PassContext::default()).unwrap();
        assert_eq!(h, g, "nothing to fold: the graph is unchanged");
    }

    /// Values of `dtype` that probe a cast's exactness: extremes, signed zeros, NaN, infinities,
    /// subnormals, and the whole range of the small integer types.
    fn probe_values(dtype: DType) -> Vec<f64> {
        match dtype {
            DType::Bool => vec![0.0, 1.0],
            d if d.is_float() => vec![
                0.0,
                -0.0,
                1.0,
                -1.5,
                0.1,
                1.0 / 3.0,
                65504.0,
                -65504.0,
                3.0e38,
                6.0e-8,
                1.0e-40,
                2049.0,
                16777217.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ],
            d => {
                let (lo, hi) = d.int_range().unwrap_or((0, 0));
                if hi.checked_sub(lo).is_some_and(|w| w <= 255) {
                    (lo..=hi).map(|v| v as f64).collect()
                } else {
                    let mut v: Vec<f64> = (-300..300).map(|v| v as f64).collect();
                    v.extend([lo as f64, hi as f64, 16_777_217.0, -16_777_217.0, 2_147_483_647.0]);
                    v.retain(|&x| x >= lo as f64 && x <= hi as f64);
                    v
                }
            }
        }
    }

    fn cast(t: &Tensor, to: DType) -> Tensor {
        eval_op(&Op::Cast { to }, &[t], &[]).unwrap().remove(0)
    }

    fn same(a: &Tensor, b: &Tensor) -> bool {
        let (x, y) = (a.to_data(), b.to_data());
        x.dtype() == y.dtype()
            && x.to_f64_vec()
                .iter()
                .zip(y.to_f64_vec())
                .all(|(p, q)| (p.is_nan() && q.is_nan()) || (*p == q && p.is_sign_negative() == q.is_sign_negative()))
    }

    #[test]
    fn cast_is_exact_agrees_with_the_reference_interpreter() {
        for a in DType::ALL {
            let vals = probe_values(a);
            let t = Tensor::from_data(&TensorData::from_f64(a, vec![vals.len()], &vals).unwrap());
            for b in DType::ALL {
                let through = cast(&t, b);
                if cast_is_exact(a, b) {
                    assert!(same(&cast(&through, a), &t), "{a}→{b}→{a} should be the identity");
                    for c in DType::ALL {
                        let equal = same(&cast(&through, c), &cast(&t, c));
                        if cast_chain_is_exact(a, b, c) {
                            assert!(equal, "{a}→{b}→{c} should equal {a}→{c}");
                        } else {
                            assert!(!equal, "{a}→{b}→{c} equals {a}→{c} on every probe; allow it");
                        }
                    }
                } else {
                    // Claimed inexact: going through `b` changes some probe value for some target.
                    assert!(
                        DType::ALL.iter().any(|&c| !same(&cast(&through, c), &cast(&t, c))),
                        "{a}→{b} is exact on every probe and every target; add it to cast_is_exact"
                    );
                }
            }
        }
    }
}
