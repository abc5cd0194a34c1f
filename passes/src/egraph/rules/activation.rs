//! Activation recognition.
//!
//! - erf GELU `0.5 · x · (1 + erf(x · 0.70710678))`, also with `x / 1.41421356`, → `Gelu`;
//! - tanh GELU `0.5 · x · (1 + tanh(0.7978845608 · (x + 0.044715 · x³)))`, with `x³` as
//!   `Pow(x, 3)` or `x · x · x`, → `Gelu{tanh}` (`GeluTanh`);
//! - `x · sigmoid(x)` and `x / (1 + exp(-x))` → `Silu`.
//!
//! The product of `x`, `0.5` and `(1 + ..)` is matched in each of its association shapes (and
//! `(x · (1 + ..)) / 2`); operand order comes from the commutativity rules. Constants are
//! one-element constants within a relative 1e-6 of the exact value; the result keeps `x`'s type.

use super::{add_like, is_float, rule, same_ty, scalar, splat_is, ty, vars, Rw, EG};
use edgecc_ir::{Op, UnaryOp};
use egg::{Id, Subst, Var};

/// The products `0.5 · x · e` (with `?h` the 0.5, or `?h` a 2 to divide by for the last form).
fn products(e: &str) -> [(String, bool); 4] {
    [
        (format!("(Mul (Mul ?x {e}) ?h)"), false),
        (format!("(Mul (Mul ?x ?h) {e})"), false),
        (format!("(Mul ?x (Mul {e} ?h))"), false),
        (format!("(Div (Mul ?x {e}) ?h)"), true),
    ]
}

#[derive(Clone, Copy)]
struct Vars {
    x: Var,
    h: Var,
    one: Var,
    c: Var,
    a: Var,
    three: Var,
}

pub fn rules() -> Result<Vec<Rw>, String> {
    let [x, h, one, c, a, three] = vars(["?x", "?h", "?one", "?c", "?a", "?three"])?;
    let v = Vars { x, h, one, c, a, three };
    let mut out = Vec::new();
    for (arg_name, arg, div) in [("mul", "(Mul ?x ?c)", false), ("div", "(Div ?x ?c)", true)] {
        let e = format!("(Add (Erf {arg}) ?one)");
        for (i, (pat, halve)) in products(&e).into_iter().enumerate() {
            out.push(rule(&format!("gelu-erf-{arg_name}-{i}"), &pat, move |eg, root, s| {
                let rank = ty(eg, s[v.x])?.shape.rank();
                let c = scalar(eg, s[v.c], rank)?;
                let want = if div {
                    std::f64::consts::SQRT_2
                } else {
                    std::f64::consts::FRAC_1_SQRT_2
                };
                if !close(c, want) {
                    return None;
                }
                gelu(eg, root, s, &v, halve, false)
            })?);
        }
    }
    for (cube_name, cube) in [("pow", "(Pow ?x ?three)"), ("mul", "(Mul (Mul ?x ?x) ?x)")] {
        let e = format!("(Add (Tanh (Mul (Add ?x (Mul {cube} ?a)) ?c)) ?one)");
        for (i, (pat, halve)) in products(&e).into_iter().enumerate() {
            let uses_three = cube_name == "pow";
            out.push(rule(
                &format!("gelu-tanh-{cube_name}-{i}"),
                &pat,
                move |eg, root, s| {
                    let rank = ty(eg, s[v.x])?.shape.rank();
                    let (c, a) = (scalar(eg, s[v.c], rank)?, scalar(eg, s[v.a], rank)?);
                    let k = (2.0 / std::f64::consts::PI).sqrt();
                    if !(close(c, k) && close(a, 0.044715)) || (uses_three && !splat_is(eg, s[v.three], 3.0)) {
                        return None;
                    }
                    gelu(eg, root, s, &v, halve, true)
                },
            )?);
        }
    }
    out.push(rule("silu", "(Mul ?x (Sigmoid ?x))", move |eg, root, s| {
        add_like(eg, root, Op::Unary(UnaryOp::Silu), &[s[x]])
    })?);
    out.push(rule(
        "silu-exp",
        "(Div ?x (Add ?one (Exp (Neg ?x))))",
        move |eg, root, s| {
            let rank = ty(eg, s[x])?.shape.rank();
            if scalar(eg, s[one], rank)? != 1.0 {
                return None;
            }
            add_like(eg, root, Op::Unary(UnaryOp::Silu), &[s[x]])
        },
    )?);
    Ok(out)
}

fn close(x: f64, want: f64) -> bool {
    super::close(x, want)
}

/// `Gelu(x)` after checking the `1` and the `0.5` (or the `2` divided by).
fn gelu(eg: &mut EG, root: Id, s: &Subst, v: &Vars, halve: bool, tanh: bool) -> Option<Id> {
    let x = s[v.x];
    let rank = ty(eg, x)?.shape.rank();
    let h = scalar(eg, s[v.h], rank)?;
    let one = scalar(eg, s[v.one], rank)?;
    let h_ok = if halve { h == 2.0 } else { h == 0.5 };
    if !(h_ok && one == 1.0 && is_float(eg, x) && same_ty(eg, root, x)) {
        return None;
    }
    add_like(eg, root, Op::Unary(UnaryOp::Gelu { tanh }), &[x])
}
