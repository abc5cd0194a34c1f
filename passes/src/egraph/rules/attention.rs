//! Attention recognition: `MatMul(Softmax(Q·Kᵀ · scale + mask), V)` → `Attention(Q, K, V[, mask])`.
//!
//! Matched forms: the scores `MatMul(Q, Kᵀ)`, optionally scaled by `Mul` or `Div` with a
//! one-element constant (no scale is `scale = 1`), optionally masked by an additive `Add(s, M)`
//! or by `Where(keep, s, fill)` with a constant bool `keep` and a constant `fill <= -1e4`
//! (every row must keep at least one key, so that the fill's tiny softmax weight is the only
//! difference from excluding the key); then `Softmax` over the last axis and `MatMul` with `V`.
//!
//! `K` comes from `Kᵀ`: when `Kᵀ`'s e-class holds `Transpose(x, p)` (the head layout produces
//! `Transpose(Reshape(..), [0, 2, 3, 1])` or `Transpose(K, [0, 1, 3, 2])`), `K` is `x`
//! transposed by `p` with its last two entries swapped (just `x` when that is the identity);
//! otherwise `K` is `Kᵀ` transposed over its last two axes (`Kᵀ` was pre-transposed). A `keep`
//! constant that is exactly the causal pattern for the scores' `[Sq, Sk]` (broadcast over the
//! batch dims) becomes `causal: true` with no mask input. Batch dims (batch, heads) broadcast as
//! in `Attention`; the new op must infer to the matched `MatMul`'s type.

use super::{add_like, add_op, attr, rule, scalar, ty, vars, Rw, EG};
use crate::egraph::lang::ENode;
use edgecc_ir::{broadcast_shapes, normalize_axis, Op};
use egg::{Id, Subst, Var};

#[derive(Clone, Copy)]
enum Scale {
    None,
    Mul,
    Div,
}

#[derive(Clone, Copy)]
enum Mask {
    None,
    Add,
    Where,
}

#[derive(Clone, Copy)]
struct Vars {
    q: Var,
    kt: Var,
    v: Var,
    c: Var,
    m: Var,
    fill: Var,
    sa: Var,
}

pub fn rules() -> Result<Vec<Rw>, String> {
    let [q, kt, v, c, m, fill, sa] = vars(["?q", "?kt", "?v", "?c", "?m", "?fill", "?sa"])?;
    let vs = Vars {
        q,
        kt,
        v,
        c,
        m,
        fill,
        sa,
    };
    let scores = "(MatMul ?q ?kt)";
    let mut out = Vec::new();
    for (sn, scaled, scale) in [
        ("noscale", scores.to_string(), Scale::None),
        ("mul", format!("(Mul {scores} ?c)"), Scale::Mul),
        ("div", format!("(Div {scores} ?c)"), Scale::Div),
    ] {
        for (mn, masked, mask) in [
            ("nomask", scaled.clone(), Mask::None),
            ("add", format!("(Add {scaled} ?m)"), Mask::Add),
            ("where", format!("(Where ?m {scaled} ?fill)"), Mask::Where),
        ] {
            let pat = format!("(MatMul (Softmax ?sa {masked}) ?v)");
            out.push(rule(&format!("attention-{sn}-{mn}"), &pat, move |eg, root, s| {
                build(eg, root, s, &vs, scale, mask)
            })?);
        }
    }
    Ok(out)
}

fn build(eg: &mut EG, root: Id, s: &Subst, v: &Vars, scale: Scale, mask: Mask) -> Option<Id> {
    let (q, kt) = (s[v.q], s[v.kt]);
    let scores = eg.lookup(ENode::Op("MatMul", vec![q, kt]))?;
    let st = ty(eg, scores)?.clone();
    let rank = st.shape.rank();
    if rank < 2 || !st.dtype.is_float() || ty(eg, q)?.shape.rank() < 2 || ty(eg, kt)?.shape.rank() < 2 {
        return None;
    }
    match attr(eg, s[v.sa])? {
        Op::Softmax { axis } if normalize_axis(*axis, rank) == Some(rank - 1) => {}
        _ => return None,
    }
    let factor = match scale {
        Scale::None => 1.0,
        Scale::Mul => scalar(eg, s[v.c], rank)?,
        Scale::Div => 1.0 / scalar(eg, s[v.c], rank)?,
    };
    let scale_f32 = factor as f32;
    if !scale_f32.is_finite() {
        return None;
    }
    let (mask_input, causal) = match mask {
        Mask::None => (None, false),
        Mask::Add => {
            let mt = ty(eg, s[v.m])?;
            if mt.dtype != st.dtype || broadcast_shapes(&[&st.shape, &mt.shape]).ok()? != st.shape {
                return None;
            }
            (Some(s[v.m]), false)
        }
        Mask::Where => {
            let fill = scalar(eg, s[v.fill], rank)?;
            let keep_ty = ty(eg, s[v.m])?.clone();
            if fill > -1e4 || broadcast_shapes(&[&st.shape, &keep_ty.shape]).ok()? != st.shape {
                return None;
            }
            let keep = eg[s[v.m]].data.bools.clone()?;
            let dims = keep_ty.shape.as_static()?;
            let last = *dims.last()?;
            if last == 0 || keep.chunks(last).any(|row| !row.contains(&true)) {
                return None;
            }
            if is_causal(&dims, &keep, &st) {
                (None, true)
            } else {
                (Some(s[v.m]), false)
            }
        }
    };
    let k = key(eg, kt)?;
    let mut inputs = vec![q, k, s[v.v]];
    inputs.extend(mask_input);
    let op = Op::Attention {
        scale: Some(scale_f32),
        causal,
    };
    add_like(eg, root, op, &inputs)
}

/// `K` for `Kᵀ` (see the module docs).
fn key(eg: &mut EG, kt: Id) -> Option<Id> {
    let rank = ty(eg, kt)?.shape.rank();
    let transposes: Vec<(Vec<u64>, Id)> = eg[kt]
        .iter()
        .filter_map(|n| match n {
            ENode::Op("Transpose", ch) if ch.len() == 2 => match attr(eg, ch[0]) {
                Some(Op::Transpose { perm }) => Some((perm.clone(), ch[1])),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if let Some((mut perm, x)) = transposes.into_iter().next() {
        let r = perm.len();
        if r >= 2 {
            perm.swap(r - 2, r - 1);
            if perm.iter().enumerate().all(|(i, &d)| d as usize == i) {
                return Some(x);
            }
            return add_op(eg, Op::Transpose { perm }, &[x], None);
        }
    }
    let mut perm: Vec<u64> = (0..rank as u64).collect();
    perm.swap(rank - 2, rank - 1);
    add_op(eg, Op::Transpose { perm }, &[kt], None)
}

/// True when `keep` (of static shape `dims`) is exactly the causal pattern of scores `st`: its
/// leading dims are 1 and its last two are the scores' `[Sq, Sk]`, keeping key `j <= i + Sk - Sq`.
fn is_causal(dims: &[usize], keep: &[bool], st: &edgecc_ir::TensorType) -> bool {
    let Some(sd) = st.shape.as_static() else {
        return false;
    };
    let (r, sr) = (dims.len(), sd.len());
    if r < 2 || sr < 2 || dims[..r - 2].iter().any(|&d| d != 1) {
        return false;
    }
    let (sq, sk) = (sd[sr - 2], sd[sr - 1]);
    if dims[r - 2] != sq || dims[r - 1] != sk || keep.len() != sq * sk {
        return false;
    }
    let shift = sk as i64 - sq as i64;
    (0..sq).all(|i| (0..sk).all(|j| keep[i * sk + j] == (j as i64 <= i as i64 + shift)))
}
