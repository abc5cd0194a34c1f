//! Shape operands over symbolic dims: how `Reshape`, `Expand` and `Slice` read a shape value
//! ([`super::shape_values`]) whose elements include dims kept symbolic, as the IR's static
//! attributes (`0` copies a dim, `-1` infers one, `1` keeps one in a broadcast) and `Crop`s to a
//! symbolic extent. Anything else needs the dim's value, and the error says to give it.

use super::ctx::{Cx, V};
use super::shape_values::SymInt;
pub(crate) use super::shape_values::{as_dims, describe};
use crate::error::OnnxError;
use edgecc_ir::{normalize_axis, Dim, Op, Shape};

/// Advice for shapes that need a symbolic dim's value.
const SPECIALIZE: &str = "specialize it with `--shape NAME=VALUE`";

/// A reshape target over symbolic dims as the IR's: a dim at the same position of the input
/// copies it (`0`), one other dim is inferred (`-1`, when the target has none).
pub(crate) fn reshape_target(cx: &Cx, x: V, target: &[SymInt], allowzero: bool) -> Result<Vec<i64>, OnnxError> {
    let src = cx.dims(x);
    let mut inferred = target.contains(&SymInt::Int(-1));
    let mut shape = Vec::with_capacity(target.len());
    for (i, t) in target.iter().enumerate() {
        match t {
            SymInt::Int(v) => shape.push(*v),
            SymInt::Sym(d) if !allowzero && src.get(i) == Some(d) => shape.push(0),
            SymInt::Sym(_) if !inferred => {
                inferred = true;
                shape.push(-1);
            }
            SymInt::Sym(d) => {
                return Err(cx.err(format!(
                    "cannot reshape {} into {}: the symbolic dim {d} is not at its position in the \
                     input and another extent is inferred; {SPECIALIZE}",
                    Shape(src.clone()),
                    describe(target)
                )))
            }
        }
    }
    Ok(shape)
}

/// After a reshape to `target`: each symbolic dim of the target is the output's at its
/// position (an inferred `-1` might have come out as another dim).
pub(crate) fn check_dims(cx: &Cx, target: &[SymInt]) -> Result<(), OnnxError> {
    let Some(v) = cx.node.output.first().and_then(|o| cx.imp.lookup(o)) else {
        return Ok(());
    };
    let out = cx.dims(v);
    for (i, t) in target.iter().enumerate() {
        if let SymInt::Sym(d) = t {
            if out.get(i) != Some(d) {
                return Err(cx.err(format!(
                    "reshaping {} to {} gives {}: the symbolic dim {d} does not come out at \
                     position {i}; {SPECIALIZE}",
                    Shape(cx.dims(cx.x(0)?)),
                    describe(target),
                    Shape(out)
                )));
            }
        }
    }
    Ok(())
}

/// An expand target over symbolic dims: a dim the input has at the aligned position (from the
/// right) is kept (`1`).
pub(crate) fn expand_target(cx: &Cx, x: V, target: &[SymInt]) -> Result<Vec<i64>, OnnxError> {
    let src = cx.dims(x);
    let off = target.len() as i64 - src.len() as i64;
    let mut shape = Vec::with_capacity(target.len());
    for (j, t) in target.iter().enumerate() {
        match t {
            SymInt::Int(v) => shape.push(*v),
            SymInt::Sym(d) => {
                let i = j as i64 - off;
                if i < 0 || src.get(i as usize) != Some(d) {
                    return Err(cx.err(format!(
                        "cannot expand {} to {}: the symbolic dim {d} is not the input's at its \
                         position; {SPECIALIZE}",
                        Shape(src.clone()),
                        describe(target)
                    )));
                }
                shape.push(1);
            }
        }
    }
    Ok(shape)
}

/// `Slice` with symbolic ends: the axes that end at a symbolic dim start at 0 with step 1 and are
/// cut to it (`Crop`, the dim at most the axis's extent); the others slice as usual first.
pub(crate) fn slice_to_dims(
    cx: &mut Cx,
    x: V,
    starts: &[SymInt],
    ends: &[SymInt],
    axes: &[i64],
    steps: &[i64],
) -> Result<(), OnnxError> {
    let n = starts.len();
    if ends.len() != n || (!axes.is_empty() && axes.len() != n) || (!steps.is_empty() && steps.len() != n) {
        return Err(cx.err(format!(
            "starts {}, ends {}, axes {axes:?} and steps {steps:?} must have the same length",
            describe(starts),
            describe(ends)
        )));
    }
    let rank = cx.rank(x);
    let mut plain = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut cut: Vec<(usize, Dim)> = Vec::new();
    for k in 0..n {
        let a = match axes.get(k) {
            Some(&a) => normalize_axis(a, rank).ok_or_else(|| cx.err(format!("axis {a} is out of range")))?,
            None => k,
        };
        let step = steps.get(k).copied().unwrap_or(1);
        match (&starts[k], &ends[k]) {
            (SymInt::Int(s), SymInt::Int(e)) => {
                plain.0.push(*s);
                plain.1.push(*e);
                plain.2.push(a as i64);
                plain.3.push(step);
            }
            (SymInt::Int(0), SymInt::Sym(d)) if step == 1 => cut.push((a, d.clone())),
            _ => {
                return Err(cx.err(format!(
                    "slicing axis {a} from {} to {} (step {step}): a symbolic bound is supported only as \
                     the end of a slice from 0 with step 1; {SPECIALIZE}",
                    describe(&starts[k..=k]),
                    describe(&ends[k..=k])
                )))
            }
        }
    }
    let y = if plain.0.is_empty() {
        x
    } else {
        cx.emit(
            Op::Slice {
                starts: plain.0,
                ends: plain.1,
                axes: plain.2,
                steps: plain.3,
            },
            &[x],
        )?
    };
    let mut shape = cx.dims(y);
    for (a, d) in cut {
        let have = &shape[a];
        match have {
            Dim::Static(e) if d.upper_bound() <= *e => shape[a] = d,
            h if *h == d => {}
            h => {
                return Err(cx.err(format!(
                    "slicing axis {a} (extent {h}) to the symbolic dim {d}: its bound is over the \
                     extent; compile with a smaller bound (`--shape NAME<=N`) or {SPECIALIZE}"
                )))
            }
        }
    }
    cx.finish(Op::Crop { shape }, &[y])
}
