//! Arithmetic identities: commutativity of `Add`/`Mul` (so that the other topics' patterns match
//! either operand order), neutral elements (`x*1`, `x+0`, `x-0`, `x/1`, `x^1`), `neg(neg x)`,
//! `x*(-1)` → `Neg`, reciprocal square roots (`1/sqrt x`, `Reciprocal(Sqrt x)`, `Sqrt(x)^-1`,
//! `x^-0.5` → `Rsqrt`), `x^2` → `x*x`, `x^0.5` → `Sqrt`, and division by a power of two → a
//! multiplication by its (exact) reciprocal.
//!
//! Every identity that drops an operand requires the result to keep the other operand's type (a
//! constant that broadcasts a value to a larger shape is not neutral).

use super::{add_like, fill, is_float, rule, same_ty, splat_is, ty, vars, Rw};
use edgecc_ir::{BinaryOp, Op, UnaryOp};

pub fn rules() -> Result<Vec<Rw>, String> {
    let [x, c] = vars(["?x", "?c"])?;
    let [a, b] = vars(["?a", "?b"])?;
    // `root` equals `x` when constant `c` is `want` and does not broadcast `x`.
    let neutral = move |want: f64| {
        move |eg: &mut super::EG, root: egg::Id, s: &egg::Subst| {
            (splat_is(eg, s[c], want) && same_ty(eg, root, s[x])).then_some(s[x])
        }
    };
    let unary = |u: UnaryOp| Op::Unary(u);
    Ok(vec![
        rule("add-commute", "(Add ?a ?b)", move |eg, root, s| {
            add_like(eg, root, Op::Binary(BinaryOp::Add), &[s[b], s[a]])
        })?,
        rule("mul-commute", "(Mul ?a ?b)", move |eg, root, s| {
            add_like(eg, root, Op::Binary(BinaryOp::Mul), &[s[b], s[a]])
        })?,
        rule("mul-one", "(Mul ?x ?c)", neutral(1.0))?,
        rule("add-zero", "(Add ?x ?c)", neutral(0.0))?,
        rule("sub-zero", "(Sub ?x ?c)", neutral(0.0))?,
        rule("div-one", "(Div ?x ?c)", neutral(1.0))?,
        rule("pow-one", "(Pow ?x ?c)", neutral(1.0))?,
        rule("neg-neg", "(Neg (Neg ?x))", move |eg, root, s| {
            same_ty(eg, root, s[x]).then_some(s[x])
        })?,
        rule("mul-minus-one", "(Mul ?x ?c)", move |eg, root, s| {
            if !(splat_is(eg, s[c], -1.0) && same_ty(eg, root, s[x])) {
                return None;
            }
            add_like(eg, root, unary(UnaryOp::Neg), &[s[x]])
        })?,
        rule("reciprocal-sqrt", "(Reciprocal (Sqrt ?x))", move |eg, root, s| {
            add_like(eg, root, unary(UnaryOp::Rsqrt), &[s[x]])
        })?,
        rule("one-div-sqrt", "(Div ?c (Sqrt ?x))", move |eg, root, s| {
            if !(splat_is(eg, s[c], 1.0) && is_float(eg, s[x])) {
                return None;
            }
            add_like(eg, root, unary(UnaryOp::Rsqrt), &[s[x]])
        })?,
        rule("sqrt-pow-minus-one", "(Pow (Sqrt ?x) ?c)", move |eg, root, s| {
            if !splat_is(eg, s[c], -1.0) {
                return None;
            }
            add_like(eg, root, unary(UnaryOp::Rsqrt), &[s[x]])
        })?,
        rule("pow-minus-half", "(Pow ?x ?c)", move |eg, root, s| {
            if !(splat_is(eg, s[c], -0.5) && is_float(eg, s[x])) {
                return None;
            }
            add_like(eg, root, unary(UnaryOp::Rsqrt), &[s[x]])
        })?,
        rule("pow-two", "(Pow ?x ?c)", move |eg, root, s| {
            if !(splat_is(eg, s[c], 2.0) && is_float(eg, s[x])) {
                return None;
            }
            add_like(eg, root, Op::Binary(BinaryOp::Mul), &[s[x], s[x]])
        })?,
        rule("pow-half", "(Pow ?x ?c)", move |eg, root, s| {
            if !(splat_is(eg, s[c], 0.5) && is_float(eg, s[x])) {
                return None;
            }
            add_like(eg, root, unary(UnaryOp::Sqrt), &[s[x]])
        })?,
        rule("div-pow2", "(Div ?x ?c)", move |eg, root, s| {
            let v = super::splat(eg, s[c])?;
            let ct = ty(eg, s[c])?.clone();
            if !(is_float(eg, s[x]) && exact_reciprocal(v)) {
                return None;
            }
            let shape = ct.shape.as_static()?.iter().map(|&d| d as u64).collect();
            let r = fill(eg, &ct, shape, 1.0 / v)?;
            add_like(eg, root, Op::Binary(BinaryOp::Mul), &[s[x], r])
        })?,
    ])
}

/// True when `1/v` is exact in every float dtype: `v` is a power of two within ±2^14.
fn exact_reciprocal(v: f64) -> bool {
    if !v.is_finite() || v == 0.0 {
        return false;
    }
    let a = v.abs();
    let e = a.log2();
    e == e.round() && e.abs() <= 14.0
}
