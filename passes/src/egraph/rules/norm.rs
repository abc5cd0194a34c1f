//! Normalization recognition.
//!
//! LayerNorm, decomposed as ONNX opset < 17 exporters write it:
//! `d = x - mean(x)`, `n = d / sqrt(mean(d²) + eps)` (or `d * rsqrt(..)`), with `d²` as
//! `Pow(d, 2)` or `d * d`, then optionally `* g` and `+ b` → `LayerNorm(x, g[, b])`; without the
//! affine part the scale is a ones constant. RMSNorm: `x / sqrt(mean(x²) + eps)` (or
//! `x * rsqrt(..)`), optionally `* g` → `RMSNorm(x, g)`.
//!
//! Conditions: both means are `ReduceMean` with `keepdims` over the same trailing axes `a..rank`
//! (which become the op's `axis`); `eps` is a one-element constant (not a computed value) that is
//! finite, `>= 0` and exact in f32; `g` and `b` broadcast to the normalized shape only; the
//! result has `x`'s type (checked through type inference of the new op).

use super::{add_like, fill, is_float, rule, scalar, splat_is, trailing_mean_axis, ty, vars, Rw, EG};
use edgecc_ir::Op;
use egg::{Id, Subst, Var};

/// Which fused op a pattern builds.
#[derive(Clone, Copy)]
enum Kind {
    Layer,
    Rms,
}

pub fn rules() -> Result<Vec<Rw>, String> {
    let [x, ra, rb, eps, two, g, b] = vars(["?x", "?ra", "?rb", "?eps", "?two", "?g", "?b"])?;
    let v = Vars {
        x,
        ra,
        rb,
        eps,
        two,
        g,
        b,
    };
    let mut out = Vec::new();
    // LayerNorm: d = x - mean(x).
    let d = "(Sub ?x (ReduceMean ?ra ?x))";
    for (sq_name, sq) in [("pow", format!("(Pow {d} ?two)")), ("mul", format!("(Mul {d} {d})"))] {
        let var = format!("(Add (ReduceMean ?rb {sq}) ?eps)");
        for (inv_name, n) in [
            ("div", format!("(Div {d} (Sqrt {var}))")),
            ("rsqrt", format!("(Mul {d} (Rsqrt {var}))")),
        ] {
            for (aff, pat, g_, b_) in [
                ("", n.clone(), false, false),
                ("-scale", format!("(Mul {n} ?g)"), true, false),
                ("-affine", format!("(Add (Mul {n} ?g) ?b)"), true, true),
            ] {
                let name = format!("layernorm-{sq_name}-{inv_name}{aff}");
                let uses_two = sq_name == "pow";
                out.push(rule(&name, &pat, move |eg, root, s| {
                    build(eg, root, s, &v, Kind::Layer, uses_two, true, g_, b_)
                })?);
            }
        }
    }
    // RMSNorm.
    for (sq_name, sq) in [("pow", "(Pow ?x ?two)"), ("mul", "(Mul ?x ?x)")] {
        let ms = format!("(Add (ReduceMean ?ra {sq}) ?eps)");
        for (inv_name, n) in [
            ("div", format!("(Div ?x (Sqrt {ms}))")),
            ("rsqrt", format!("(Mul ?x (Rsqrt {ms}))")),
        ] {
            for (aff, pat, g_) in [("", n.clone(), false), ("-scale", format!("(Mul {n} ?g)"), true)] {
                let name = format!("rmsnorm-{sq_name}-{inv_name}{aff}");
                let uses_two = sq_name == "pow";
                out.push(rule(&name, &pat, move |eg, root, s| {
                    build(eg, root, s, &v, Kind::Rms, uses_two, false, g_, false)
                })?);
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
struct Vars {
    x: Var,
    ra: Var,
    rb: Var,
    eps: Var,
    two: Var,
    g: Var,
    b: Var,
}

#[allow(clippy::too_many_arguments)]
fn build(
    eg: &mut EG,
    root: Id,
    s: &Subst,
    v: &Vars,
    kind: Kind,
    uses_two: bool,
    two_means: bool,
    has_g: bool,
    has_b: bool,
) -> Option<Id> {
    let x = s[v.x];
    let xt = ty(eg, x)?.clone();
    let rank = xt.shape.rank();
    if !is_float(eg, x) || rank == 0 {
        return None;
    }
    let axis = trailing_mean_axis(eg, s[v.ra], rank)?;
    if two_means && trailing_mean_axis(eg, s[v.rb], rank)? != axis {
        return None;
    }
    if uses_two && !splat_is(eg, s[v.two], 2.0) {
        return None;
    }
    let e = scalar(eg, s[v.eps], rank)?;
    let epsilon = e as f32;
    if !(e.is_finite() && e >= 0.0 && f64::from(epsilon) == e) {
        return None;
    }
    let scale = if has_g {
        s[v.g]
    } else {
        let normalized: Vec<u64> = xt.shape.dims()[axis..]
            .iter()
            .map(|d| d.as_static())
            .collect::<Option<_>>()?;
        fill(eg, &xt, normalized, 1.0)?
    };
    let axis = i64::try_from(axis).ok()?;
    match kind {
        Kind::Layer => {
            let op = Op::LayerNorm { axis, epsilon };
            let inputs: Vec<Id> = if has_b { vec![x, scale, s[v.b]] } else { vec![x, scale] };
            add_like(eg, root, op, &inputs)
        }
        Kind::Rms => add_like(eg, root, Op::RmsNorm { axis, epsilon }, &[x, scale]),
    }
}
