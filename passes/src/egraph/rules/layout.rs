//! Layout rules: transpose chains (`transpose∘transpose` composes; an identity permutation
//! disappears), reshape chains (`reshape∘reshape` → one reshape to the final static shape; a
//! reshape to the same type disappears), and a transposed 2-D `MatMul` operand folded into a
//! `Gemm` with `trans_a`/`trans_b` — the only form in which the IR expresses a transposed matmul
//! operand (batched `MatMul` has no transpose flags; attention recognition handles the `Kᵀ` of
//! the head layout itself).

use super::{add_like, attr, rule, same_ty, ty, vars, Rw};
use edgecc_ir::Op;

pub fn rules() -> Result<Vec<Rw>, String> {
    let [p, q, x] = vars(["?p", "?q", "?x"])?;
    let [a, b] = vars(["?a", "?b"])?;
    let perm = |eg: &super::EG, id| match attr(eg, id) {
        Some(Op::Transpose { perm }) => Some(perm.clone()),
        _ => None,
    };
    Ok(vec![
        rule("transpose-identity", "(Transpose ?p ?x)", move |eg, root, s| {
            let pm = perm(eg, s[p])?;
            let id = pm.iter().enumerate().all(|(i, &d)| d as usize == i);
            (id && same_ty(eg, root, s[x])).then_some(s[x])
        })?,
        rule(
            "transpose-transpose",
            "(Transpose ?p (Transpose ?q ?x))",
            move |eg, root, s| {
                let (outer, inner) = (perm(eg, s[p])?, perm(eg, s[q])?);
                // Output axis i is the inner output's axis outer[i], which is x's axis inner[outer[i]].
                let composed: Vec<u64> = outer
                    .iter()
                    .map(|&o| inner.get(o as usize).copied())
                    .collect::<Option<_>>()?;
                if composed.iter().enumerate().all(|(i, &d)| d as usize == i) {
                    return same_ty(eg, root, s[x]).then_some(s[x]);
                }
                add_like(eg, root, Op::Transpose { perm: composed }, &[s[x]])
            },
        )?,
        rule("reshape-same", "(Reshape ?p ?x)", move |eg, root, s| {
            same_ty(eg, root, s[x]).then_some(s[x])
        })?,
        rule("reshape-reshape", "(Reshape ?p (Reshape ?q ?x))", move |eg, root, s| {
            let dims = ty(eg, root)?.shape.as_static()?;
            let shape: Vec<i64> = dims.iter().map(|&d| i64::try_from(d).ok()).collect::<Option<_>>()?;
            let allowzero = dims.contains(&0);
            add_like(eg, root, Op::Reshape { shape, allowzero }, &[s[x]])
        })?,
        rule(
            "matmul-transposed-b",
            "(MatMul ?a (Transpose ?p ?b))",
            move |eg, root, s| {
                let two_d = |id| ty(eg, id).is_some_and(|t| t.shape.rank() == 2);
                if !(perm(eg, s[p])? == [1, 0] && two_d(s[a]) && two_d(s[b])) {
                    return None;
                }
                add_like(eg, root, gemm(false, true), &[s[a], s[b]])
            },
        )?,
        rule(
            "matmul-transposed-a",
            "(MatMul (Transpose ?p ?a) ?b)",
            move |eg, root, s| {
                let two_d = |id| ty(eg, id).is_some_and(|t| t.shape.rank() == 2);
                if !(perm(eg, s[p])? == [1, 0] && two_d(s[a]) && two_d(s[b])) {
                    return None;
                }
                add_like(eg, root, gemm(true, false), &[s[a], s[b]])
            },
        )?,
    ])
}

/// `Gemm` computing a plain (possibly transposed) product.
fn gemm(trans_a: bool, trans_b: bool) -> Op {
    Op::Gemm {
        alpha: 1.0,
        beta: 1.0,
        trans_a,
        trans_b,
    }
}
