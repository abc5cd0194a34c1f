//! Rotary position embeddings: the standard `RotaryEmbedding` (opset 23), onnxruntime's
//! `com.microsoft::RotaryEmbedding`, and the rotation `GroupQueryAttention` applies inside
//! ([`rotate`]), all from IR ops.
//!
//! The rotation of one head `x [.., D]` with `rd = rotary_embedding_dim` (`<= D`, even) and
//! `cos`, `sin` of `[.., rd/2]` at the token's position: the first `rd` channels split into
//! halves `x1, x2` (`x[..rd/2]`, `x[rd/2..rd]`; interleaved: the even and the odd channels), then
//! `x1 cos - x2 sin` and `x1 sin + x2 cos` take their places (interleaved: pairwise again), and
//! the channels from `rd` on pass through. The caches are gathered by the position ids
//! (`Gather` on axis 0) and broadcast over the heads.

use super::ctx::{Cx, V};
use crate::error::OnnxError;
use edgecc_ir::{BinaryOp, Dim, Op};

type R = Result<(), OnnxError>;

/// `x[.., start..end:step]` on the last axis.
fn last_slice(cx: &mut Cx, x: V, start: i64, end: i64, step: i64) -> Result<V, OnnxError> {
    let axis = cx.rank(x) as i64 - 1;
    cx.emit(
        Op::Slice {
            starts: vec![start],
            ends: vec![end],
            axes: vec![axis],
            steps: vec![step],
        },
        &[x],
    )
}

/// Rotates the first `rd` channels of the heads in `x [.., D]` (`d = D`, static) by `cos`, `sin`,
/// which broadcast against `x[.., ..rd/2]`.
pub(crate) fn rotate(cx: &mut Cx, x: V, cos: V, sin: V, rd: u64, d: u64, interleaved: bool) -> Result<V, OnnxError> {
    let rank = cx.rank(x);
    let (rdi, half) = (rd as i64, (rd / 2) as i64);
    let x_rot = if rd < d { last_slice(cx, x, 0, rdi, 1)? } else { x };
    let (x1, x2) = if interleaved {
        (last_slice(cx, x_rot, 0, rdi, 2)?, last_slice(cx, x_rot, 1, rdi, 2)?)
    } else {
        (last_slice(cx, x_rot, 0, half, 1)?, last_slice(cx, x_rot, half, rdi, 1)?)
    };
    let mul = |cx: &mut Cx, a: V, b: V| cx.emit(Op::Binary(BinaryOp::Mul), &[a, b]);
    let (c1, s2) = (mul(cx, x1, cos)?, mul(cx, x2, sin)?);
    let real = cx.emit(Op::Binary(BinaryOp::Sub), &[c1, s2])?;
    let (s1, c2) = (mul(cx, x1, sin)?, mul(cx, x2, cos)?);
    let imag = cx.emit(Op::Binary(BinaryOp::Add), &[s1, c2])?;
    let last = rank as i64 - 1;
    let rotated = if interleaved {
        let r = cx.emit(
            Op::Unsqueeze {
                axes: vec![rank as i64],
            },
            &[real],
        )?;
        let i = cx.emit(
            Op::Unsqueeze {
                axes: vec![rank as i64],
            },
            &[imag],
        )?;
        let pairs = cx.emit(Op::Concat { axis: rank as i64 }, &[r, i])?;
        let mut shape = vec![0i64; rank];
        shape[rank - 1] = rdi;
        cx.emit(
            Op::Reshape {
                shape,
                allowzero: false,
            },
            &[pairs],
        )?
    } else {
        cx.emit(Op::Concat { axis: last }, &[real, imag])?
    };
    if rd < d {
        let pass = last_slice(cx, x, rdi, d as i64, 1)?;
        cx.emit(Op::Concat { axis: last }, &[rotated, pass])
    } else {
        Ok(rotated)
    }
}

/// The rotary dim: `attr` (0: the head size), checked to be even and at most the head size.
pub(crate) fn rotary_dim(cx: &Cx, attr: i64, head: u64) -> Result<u64, OnnxError> {
    let rd = if attr == 0 { head as i64 } else { attr };
    if rd <= 0 || rd % 2 != 0 {
        return Err(cx.err(format!("rotary_embedding_dim must be a positive even number, got {rd}")));
    }
    if rd as u64 > head {
        return Err(cx.err(format!("rotary_embedding_dim {rd} is larger than the head size {head}")));
    }
    Ok(rd as u64)
}

/// Checks that a cache `[.., rd/2]` has the half rotary dim as its last extent.
fn check_cache_width(cx: &Cx, cache: V, what: &str, rd: u64) -> R {
    let d = cx.dims(cache);
    if d.last() != Some(&Dim::Static(rd / 2)) {
        return Err(cx.err(format!(
            "{what} must have rotary_embedding_dim/2 = {} as its last dim, got {}",
            rd / 2,
            cx.ty(cache).shape
        )));
    }
    Ok(())
}

/// Checks known position ids against the cache length.
fn check_positions(cx: &Cx, pos_input: usize, cache: V, what: &str) -> R {
    let Some(len) = cx.dims(cache).first().and_then(Dim::as_static) else {
        return Ok(());
    };
    let Some(p) = cx.opt(pos_input)? else { return Ok(()) };
    if let Some(d) = cx.imp.data(p) {
        if let Some(&m) = d.to_i64_vec().iter().max() {
            if m < 0 || m as u64 >= len {
                return Err(cx.err(format!(
                    "position id {m} is outside the {len} positions of {what}: the cos/sin cache is too short"
                )));
            }
        }
    }
    Ok(())
}

/// `cache[pos]`: `[P, rd/2]` gathered by `pos [..]` → `[.., rd/2]`.
pub(crate) fn gather_cache(cx: &mut Cx, cache: V, pos: V) -> Result<V, OnnxError> {
    cx.emit(Op::Gather { axis: 0 }, &[cache, pos])
}

/// The static head layout of an input: `(x as [B, S, H, D] or [B, H, S, D], D, seq axis)`, with
/// 3-D inputs split into `num_heads` heads.
fn heads(cx: &mut Cx, x: V, num_heads: i64, head_from_cache: Option<u64>) -> Result<(V, u64, bool), OnnxError> {
    match cx.rank(x) {
        3 => {
            let hidden = cx
                .dims(x)
                .get(2)
                .and_then(Dim::as_static)
                .ok_or_else(|| cx.err("the hidden size (dim 2) of the input must be static"))?;
            let nh = if num_heads > 0 {
                num_heads as u64
            } else {
                match head_from_cache {
                    Some(h) if h > 0 && hidden.is_multiple_of(h) => hidden / h,
                    _ => return Err(cx.err("a 3-D input needs the num_heads attribute")),
                }
            };
            if nh == 0 || !hidden.is_multiple_of(nh) {
                return Err(cx.err(format!("the hidden size {hidden} does not split into {nh} heads")));
            }
            let d = hidden / nh;
            let r = cx.emit(
                Op::Reshape {
                    shape: vec![0, 0, nh as i64, d as i64],
                    allowzero: false,
                },
                &[x],
            )?;
            Ok((r, d, true))
        }
        4 => {
            let d = cx
                .dims(x)
                .get(3)
                .and_then(Dim::as_static)
                .ok_or_else(|| cx.err("the head size (dim 3) of the input must be static"))?;
            Ok((x, d, false))
        }
        _ => Err(cx.err(format!("the input must be 3-D or 4-D, got {}", cx.ty(x).shape))),
    }
}

/// Output from the rotated heads: 3-D inputs are merged back to `[B, S, H*D]`.
fn finish_heads(cx: &mut Cx, y: V, merged: bool) -> R {
    if merged {
        cx.finish(
            Op::Reshape {
                shape: vec![0, 0, -1],
                allowzero: false,
            },
            &[y],
        )
    } else {
        cx.finish(Op::Identity, &[y])
    }
}

/// `[B, S, h]` caches → broadcastable against `[B, S, H, h]` (axis 2) or `[B, H, S, h]` (axis 1).
fn spread(cx: &mut Cx, c: V, bshd: bool) -> Result<V, OnnxError> {
    let axis = if bshd { 2 } else { 1 };
    cx.emit(Op::Unsqueeze { axes: vec![axis] }, &[c])
}

/// `RotaryEmbedding` (opset 23): `X` `[B, S, H*D]` (with `num_heads`) or `[B, H, S, D]`,
/// `cos_cache`/`sin_cache` `[B, S, rd/2]`, or `[max_pos, rd/2]` with `position_ids [B, S]`.
pub(crate) fn standard(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let (cos, sin) = (cx.x(1)?, cx.x(2)?);
    let pos = cx.opt(3)?;
    let interleaved = cx.attr_i("interleaved", 0)? != 0;
    let num_heads = cx.attr_i("num_heads", 0)?;
    let rd_attr = cx.attr_i("rotary_embedding_dim", 0)?;
    if cx.rank(x) == 3 && num_heads <= 0 {
        return Err(cx.err("a 3-D input needs the num_heads attribute (the required attribute `num_heads` is missing)"));
    }
    let (xh, d, bshd) = heads(cx, x, num_heads, None)?;
    let rd = rotary_dim(cx, rd_attr, d)?;
    check_cache_width(cx, cos, "cos_cache", rd)?;
    check_cache_width(cx, sin, "sin_cache", rd)?;
    let (cos, sin) = match pos {
        Some(p) => {
            if cx.rank(cos) != 2 || cx.rank(sin) != 2 {
                return Err(cx.err("with position_ids, cos_cache and sin_cache must be 2-D [max_position, rd/2]"));
            }
            check_positions(cx, 3, cos, "cos_cache")?;
            (gather_cache(cx, cos, p)?, gather_cache(cx, sin, p)?)
        }
        None => {
            let xd = cx.dims(x);
            let s = if cx.rank(x) == 3 { xd[1].clone() } else { xd[2].clone() };
            for (c, what) in [(cos, "cos_cache"), (sin, "sin_cache")] {
                let cd = cx.dims(c);
                if cd.len() != 3 || cd[1] != s || cd[0] != xd[0] {
                    return Err(cx.err(format!(
                        "without position_ids, {what} must be [batch, sequence, rd/2] = [{}, {s}, {}], got {}: \
                         the cos/sin cache does not cover the positions",
                        xd[0],
                        rd / 2,
                        cx.ty(c).shape
                    )));
                }
            }
            (cos, sin)
        }
    };
    let cos = spread(cx, cos, bshd)?;
    let sin = spread(cx, sin, bshd)?;
    let y = rotate(cx, xh, cos, sin, rd, d, interleaved)?;
    finish_heads(cx, y, bshd)
}

/// `com.microsoft::RotaryEmbedding`: `input` `[B, S, hidden]` or `[B, H, S, D]`, `position_ids`
/// `[B, S]` (or one start offset: positions `offset + s`), `cos_cache`/`sin_cache`
/// `[max_pos, rd/2]`. The head size is the cache width times 2 unless `num_heads` says
/// otherwise (partial rotary).
pub(crate) fn contrib(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let pos = cx.x(1)?;
    let (cos, sin) = (cx.x(2)?, cx.x(3)?);
    if cx.attr_i("is_packed_batching", 0)? != 0 {
        return Err(cx.err("is_packed_batching=1 is not supported"));
    }
    let scale = cx.attr_f("scale", 1.0)?;
    if scale != 1.0 {
        return Err(cx.err(format!(
            "scale {scale} is not supported (onnxruntime's kernels use 1.0)"
        )));
    }
    let interleaved = cx.attr_i("interleaved", 0)? != 0;
    let num_heads = cx.attr_i("num_heads", 0)?;
    let rd_attr = cx.attr_i("rotary_embedding_dim", 0)?;
    if cx.rank(cos) != 2 || cx.rank(sin) != 2 {
        return Err(cx.err("cos_cache and sin_cache must be 2-D [max_position, rd/2]"));
    }
    let width = cx
        .dims(cos)
        .get(1)
        .and_then(Dim::as_static)
        .ok_or_else(|| cx.err("the width of cos_cache must be static"))?;
    if rd_attr > 0 && num_heads <= 0 && cx.rank(x) == 3 {
        return Err(cx.err("rotary_embedding_dim needs the num_heads attribute with a 3-D input"));
    }
    let (xh, d, bshd) = heads(cx, x, num_heads, Some(width * 2))?;
    let rd = if rd_attr > 0 {
        rotary_dim(cx, rd_attr, d)?
    } else {
        rotary_dim(cx, (width * 2) as i64, d)?
    };
    check_cache_width(cx, cos, "cos_cache", rd)?;
    check_cache_width(cx, sin, "sin_cache", rd)?;
    check_positions(cx, 1, cos, "cos_cache")?;
    let xd = cx.dims(x);
    let s = if cx.rank(x) == 3 { xd[1].clone() } else { xd[2].clone() };
    let pd = cx.dims(pos);
    let pos = if pd.len() == 2 {
        pos
    } else if cx.ty(pos).shape.numel() == Some(1) {
        // One start offset: positions offset + 0..S, shared by the batch.
        let s = s
            .as_static()
            .ok_or_else(|| cx.err("a position offset needs a static sequence length"))?;
        let dt = cx.dtype(pos);
        let range = cx.emit(
            Op::Range {
                start: 0.0,
                limit: s as f64,
                delta: 1.0,
                dtype: dt,
            },
            &[],
        )?;
        let off = cx.emit(
            Op::Reshape {
                shape: vec![1],
                allowzero: false,
            },
            &[pos],
        )?;
        let p = cx.emit(Op::Binary(BinaryOp::Add), &[range, off])?;
        if let Some(len) = cx.dims(cos).first().and_then(Dim::as_static) {
            if let Some(dd) = cx.imp.data(p) {
                if dd.to_i64_vec().iter().any(|&v| v < 0 || v as u64 >= len) {
                    return Err(cx.err(format!(
                        "the positions reach past the {len} positions of cos_cache: the cos/sin cache is too short"
                    )));
                }
            }
        }
        cx.emit(Op::Unsqueeze { axes: vec![0] }, &[p])?
    } else {
        return Err(cx.err(format!(
            "position_ids must be [batch, sequence] or hold one offset, got {}",
            cx.ty(pos).shape
        )));
    };
    let cos = gather_cache(cx, cos, pos)?;
    let sin = gather_cache(cx, sin, pos)?;
    let cos = spread(cx, cos, bshd)?;
    let sin = spread(cx, sin, bshd)?;
    let y = rotate(cx, xh, cos, sin, rd, d, interleaved)?;
    finish_heads(cx, y, bshd)
}
