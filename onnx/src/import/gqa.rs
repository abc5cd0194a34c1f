//! `com.microsoft::GroupQueryAttention`, as onnxruntime's CPU kernel computes it, from IR ops.
//!
//! Inputs: `query [B, S, Hq*D]` (or packed `[B, S, (Hq + 2 Hkv) * D]` without `key`/`value`),
//! `key`/`value [B, S, Hkv*D]`, `past_key`/`past_value [B, Hkv, P, D]`, `seqlens_k [B]` (or
//! `[B, 1]`; int32: each batch's total length - 1), `total_sequence_length` (int32 scalar),
//! `cos_cache`/`sin_cache [max_pos, rd/2]` (with `do_rotary`), `position_ids [B, S]`,
//! `attention_bias`. Outputs: `output [B, S, Hq*D]`, `present_key`/`present_value [B, Hkv, L, D]`.
//!
//! Per batch `b`, with `total_b = seqlens_k[b] + 1`: the call is the first prompt when `S ==
//! total_sequence_length` (then `past_b = 0`), else `past_b = total_b - S`. Query `i` sits at
//! position `past_b + i` (its rotary position too), and attends key `j` when `j <= past_b + i`,
//! `j < total_b` and, with `local_window_size = W > 0`, `j >= past_b + i - W`. The present cache
//! is the first `past_b` entries of the past, then the `S` new ones, then zeros: built by a
//! `GatherElements` of `Concat(past, new)`. `L = P + S` (or `max(total_sequence_length, P)` when
//! that is known at import). The keep-mask is built from `seqlens_k` with `Range`, `Less`,
//! `Where`, ... and the attention itself is the IR's `Attention` (grouped through a 5-D
//! broadcast) — one fused kernel; with `softcap`, `smooth_softmax` or `attention_bias` it is the
//! explicit `MatMul → scale/cap/bias → Softmax → MatMul` chain.

use super::ctx::{Cx, V};
use super::rotary;
use crate::error::OnnxError;
use edgecc_ir::{BinaryOp, DType, Dim, Op, ReduceOp, UnaryOp};

type R = Result<(), OnnxError>;

/// `[B, S, H*D]` → `[B, H, S, D]`.
fn to_bhsd(cx: &mut Cx, x: V, h: u64, d: u64) -> Result<V, OnnxError> {
    let r = cx.emit(
        Op::Reshape {
            shape: vec![0, 0, h as i64, d as i64],
            allowzero: false,
        },
        &[x],
    )?;
    cx.emit(Op::Transpose { perm: vec![0, 2, 1, 3] }, &[r])
}

/// `0, 1, .., n-1` (i64) along the last axis of a tensor of rank `rank` (other extents 1), where
/// `n` is extent `axis` of `like` (static: a `Range`; symbolic: counted from `like` at run time).
fn iota(cx: &mut Cx, like: V, axis: usize, rank: usize) -> Result<V, OnnxError> {
    let dims = cx.dims(like);
    let n = dims
        .get(axis)
        .cloned()
        .ok_or_else(|| cx.err(format!("expected a tensor of rank > {axis}, got {}", cx.ty(like).shape)))?;
    let line = match n.as_static() {
        Some(n) => cx.emit(
            Op::Range {
                start: 0.0,
                limit: n as f64,
                delta: 1.0,
                dtype: DType::I64,
            },
            &[],
        )?,
        None => {
            // A vector of `n` ones from `like` (always true: b or not b), summed exclusively.
            let lr = cx.rank(like);
            let others: Vec<i64> = (0..lr as i64).filter(|&i| i != axis as i64).collect();
            let flat = cx.emit(
                Op::Reduce {
                    op: ReduceOp::Max,
                    axes: others,
                    keepdims: false,
                },
                &[like],
            )?;
            let b = cx.emit(Op::Cast { to: DType::Bool }, &[flat])?;
            let nb = cx.emit(Op::Unary(UnaryOp::Not), &[b])?;
            let t = cx.emit(Op::Binary(BinaryOp::Or), &[b, nb])?;
            let ones = cx.emit(Op::Cast { to: DType::I64 }, &[t])?;
            cx.emit(
                Op::CumSum {
                    axis: 0,
                    exclusive: true,
                    reverse: false,
                },
                &[ones],
            )?
        }
    };
    let mut shape = vec![1i64; rank.max(1)];
    shape[rank.max(1) - 1] = -1;
    cx.emit(
        Op::Reshape {
            shape,
            allowzero: false,
        },
        &[line],
    )
}

/// A scalar or one-element input as `[1]` i64.
fn one_i64(cx: &mut Cx, v: V) -> Result<V, OnnxError> {
    if cx.ty(v).shape.numel() != Some(1) {
        return Err(cx.err(format!(
            "total_sequence_length must hold one value, got {}",
            cx.ty(v).shape
        )));
    }
    let r = cx.emit(
        Op::Reshape {
            shape: vec![1],
            allowzero: false,
        },
        &[v],
    )?;
    cx.emit(Op::Cast { to: DType::I64 }, &[r])
}

/// Attention-24's `nonpad_kv_seqlen [B]`: keys `j >= nonpad[b]` of `k [B, H, L, D]` are masked.
/// With `causal_q = Some(q [B, H, Sq, D])` (`is_causal` on an external cache) the causal mask is
/// folded in too, bottom-right aligned per batch as the ONNX reference does: query `i` keeps key
/// `j` iff `j <= i + nonpad[b] - Sq` (a negative offset masks whole rows, which then output 0).
/// Returns the keep-mask (`[B, 1, 1, L]`, or `[B, 1, Sq, L]` when causal) merged into `mask`
/// (bool: `And`; additive: -inf where masked).
pub(crate) fn nonpad_mask(cx: &mut Cx, nonpad: V, k: V, mask: Option<V>, causal_q: Option<V>) -> Result<V, OnnxError> {
    if cx.rank(nonpad) != 1 {
        return Err(cx.err(format!("nonpad_kv_seqlen must be [batch], got {}", cx.ty(nonpad).shape)));
    }
    let n = cx.emit(Op::Cast { to: DType::I64 }, &[nonpad])?;
    let n = cx.emit(Op::Unsqueeze { axes: vec![1, 2, 3] }, &[n])?; // [B, 1, 1, 1]
    let j = iota(cx, k, 2, 4)?; // [1, 1, 1, L]
    let mut keep = cx.emit(Op::Binary(BinaryOp::Less), &[j, n])?;
    if let Some(q) = causal_q {
        let sq = cx.emit(Op::Shape { start: 2, end: Some(3) }, &[q])?; // [1]: Sq
        let offset = cx.emit(Op::Binary(BinaryOp::Sub), &[n, sq])?; // [B, 1, 1, 1]
        let i = iota(cx, q, 2, 3)?; // [1, 1, Sq]
        let i = cx.emit(Op::Unsqueeze { axes: vec![3] }, &[i])?; // [1, 1, Sq, 1]
        let last = cx.emit(Op::Binary(BinaryOp::Add), &[i, offset])?; // [B, 1, Sq, 1]
        let causal = cx.emit(Op::Binary(BinaryOp::LessOrEqual), &[j, last])?; // [B, 1, Sq, L]
        keep = cx.emit(Op::Binary(BinaryOp::And), &[keep, causal])?;
    }
    Ok(match mask {
        None => keep,
        Some(m) if cx.dtype(m) == DType::Bool => cx.emit(Op::Binary(BinaryOp::And), &[m, keep])?,
        Some(m) => {
            let ninf = cx.scalar(cx.dtype(m), f64::NEG_INFINITY);
            cx.emit(Op::Where, &[keep, m, ninf])?
        }
    })
}

/// `seqlens_k` as `[B]` i64. onnxruntime reads it as `B` values and only checks its first
/// extent, so exporters also write it as `[B, 1]` (mobius: a `ReduceSum` with `keepdims`); the
/// extents after the first must be 1, and the tensor is flattened. Left as `[B, 1]` it would
/// broadcast every position tensor built from it up a rank.
fn seqlens_1d(cx: &mut Cx, seqlens: V) -> Result<V, OnnxError> {
    let dims = cx.dims(seqlens);
    if dims.is_empty() || dims[1..].iter().any(|d| *d != Dim::Static(1)) {
        return Err(cx.err(format!(
            "seqlens_k must be [batch] (or [batch, 1]), got {}",
            cx.ty(seqlens).shape
        )));
    }
    let sk = if dims.len() == 1 {
        seqlens
    } else {
        cx.emit(
            Op::Reshape {
                shape: vec![-1],
                allowzero: false,
            },
            &[seqlens],
        )?
    };
    cx.emit(Op::Cast { to: DType::I64 }, &[sk])
}

/// `[B, Hkv, L, D]` → `[B, Hkv * g, L, D]`, each head repeated `g` times in place.
fn repeat_heads(cx: &mut Cx, x: V, nkv: u64, g: u64) -> Result<V, OnnxError> {
    if g == 1 {
        return Ok(x);
    }
    let u = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[x])?;
    let e = cx.emit(
        Op::Expand {
            shape: vec![1, 1, g as i64, 1, 1],
        },
        &[u],
    )?;
    let mut target = cx.dims(x);
    target[1] = Dim::Static(nkv * g);
    cx.reshape_to(e, &target)
}

pub(crate) fn gqa(cx: &mut Cx) -> R {
    let hq = cx.req_i("num_heads")?;
    let hkv = cx.req_i("kv_num_heads")?;
    if hq <= 0 || hkv <= 0 {
        return Err(cx.err(format!("num_heads ({hq}) and kv_num_heads ({hkv}) must be >= 1")));
    }
    let (hq, hkv) = (hq as u64, hkv as u64);
    if !hq.is_multiple_of(hkv) {
        return Err(cx.err(format!(
            "kv_num_heads {hkv} does not divide num_heads {hq}: the query heads do not split into key/value head groups"
        )));
    }
    let g = hq / hkv;
    let scale = cx.attr_f("scale", 0.0)?;
    let softcap = cx.attr_f("softcap", 0.0)?;
    let window = cx.attr_i("local_window_size", -1)?;
    let do_rotary = cx.attr_i("do_rotary", 0)? != 0;
    let interleaved = cx.attr_i("rotary_interleaved", 0)? != 0;
    let smooth = cx.attr_i("smooth_softmax", 0)? == 1;
    if cx.attr_i("qk_output", 0)? != 0 || cx.output_used(3) {
        return Err(cx.err("the output_qk output (qk_output != 0) is not supported"));
    }
    if cx.opt(11)?.is_some() {
        return Err(cx.err("the head_sink input is not supported"));
    }

    let query = cx.x(0)?;
    let (key, value) = (cx.opt(1)?, cx.opt(2)?);
    let (past_k, past_v) = (cx.opt(3)?, cx.opt(4)?);
    let seqlens = cx.x(5)?;
    let total = cx.x(6)?;
    let (cos, sin) = (cx.opt(7)?, cx.opt(8)?);
    let pos_ids = cx.opt(9)?;
    let attn_bias = cx.opt(10)?;
    if cx.rank(query) != 3 {
        return Err(cx.err(format!("query must be 3-D [B, S, hidden], got {}", cx.ty(query).shape)));
    }
    if past_k.is_some() != past_v.is_some() {
        return Err(cx.err("past_key and past_value must be both present or both absent"));
    }
    let hidden = cx
        .dims(query)
        .get(2)
        .and_then(Dim::as_static)
        .ok_or_else(|| cx.err("the hidden size (dim 2) of query must be static"))?;
    let dt = cx.dtype(query);

    // Q, K, V as [B, H, S, D].
    let (q, k, v, d) = match (key, value) {
        (None, None) => {
            let n = hq + 2 * hkv;
            if !hidden.is_multiple_of(n) {
                return Err(cx.err(format!(
                    "packed QKV hidden size {hidden} does not split into {n} heads (num_heads + 2 kv_num_heads)"
                )));
            }
            let d = hidden / n;
            let parts = cx.emit_n(
                Op::Split {
                    axis: 2,
                    sizes: vec![hq * d, hkv * d, hkv * d],
                },
                &[query],
            )?;
            let q = to_bhsd(cx, parts[0], hq, d)?;
            let k = to_bhsd(cx, parts[1], hkv, d)?;
            let v = to_bhsd(cx, parts[2], hkv, d)?;
            (q, k, v, d)
        }
        (Some(k), Some(v)) => {
            if !hidden.is_multiple_of(hq) {
                return Err(cx.err(format!("query hidden size {hidden} does not split into {hq} heads")));
            }
            let d = hidden / hq;
            let kh = cx.dims(k).get(2).and_then(Dim::as_static);
            if cx.rank(k) != 3 || kh != Some(hkv * d) || cx.dims(v).get(2).and_then(Dim::as_static) != Some(hkv * d) {
                return Err(cx.err(format!(
                    "key and value must be [B, S, kv_num_heads * head_size] = [B, S, {}], got {} and {}",
                    hkv * d,
                    cx.ty(k).shape,
                    cx.ty(v).shape
                )));
            }
            let q = to_bhsd(cx, query, hq, d)?;
            let k = to_bhsd(cx, k, hkv, d)?;
            let v = to_bhsd(cx, v, hkv, d)?;
            (q, k, v, d)
        }
        _ => return Err(cx.err("key and value must be both present or both absent (packed QKV)")),
    };
    if let Some(p) = past_k {
        let pd = cx.dims(p);
        if pd.len() != 4 || pd[1] != Dim::Static(hkv) || pd[3] != Dim::Static(d) {
            return Err(cx.err(format!(
                "past_key must be [B, kv_num_heads, P, head_size] = [B, {hkv}, P, {d}], got {}",
                cx.ty(p).shape
            )));
        }
    }

    // Positions: past_b, the query positions [B, 1, S, 1], the totals [B, 1, 1, 1].
    let sk = seqlens_1d(cx, seqlens)?;
    let one = cx.data("one", edgecc_ir::TensorData::scalar(DType::I64, 1.0));
    let tot_b = cx.emit(Op::Binary(BinaryOp::Add), &[sk, one])?;
    let s_len = cx.emit(Op::Shape { start: 1, end: Some(2) }, &[query])?;
    let past_b = if past_k.is_some() {
        let t = one_i64(cx, total)?;
        let first = cx.emit(Op::Binary(BinaryOp::Equal), &[t, s_len])?;
        let zero = cx.data("zero", edgecc_ir::TensorData::scalar(DType::I64, 0.0));
        let rest = cx.emit(Op::Binary(BinaryOp::Sub), &[tot_b, s_len])?;
        cx.emit(Op::Where, &[first, zero, rest])?
    } else {
        let z = cx.data("zero", edgecc_ir::TensorData::scalar(DType::I64, 0.0));
        cx.emit(Op::Binary(BinaryOp::Mul), &[sk, z])?
    };
    let i_s = iota(cx, q, 2, 2)?; // [1, S]
    let pb2 = cx.emit(Op::Unsqueeze { axes: vec![1] }, &[past_b])?; // [B, 1]
    let qpos = cx.emit(Op::Binary(BinaryOp::Add), &[pb2, i_s])?; // [B, S]

    // Rotary on q and k.
    let (mut q, mut k) = (q, k);
    if do_rotary {
        let (Some(cos), Some(sin)) = (cos, sin) else {
            return Err(cx.err("do_rotary=1 needs cos_cache and sin_cache"));
        };
        if cx.rank(cos) != 2 || cx.rank(sin) != 2 {
            return Err(cx.err("cos_cache and sin_cache must be 2-D [max_position, rd/2]"));
        }
        let width = cx
            .dims(cos)
            .get(1)
            .and_then(Dim::as_static)
            .ok_or_else(|| cx.err("the width of cos_cache must be static"))?;
        let rd = rotary::rotary_dim(cx, (width * 2) as i64, d)?;
        if cx.dims(sin).get(1) != Some(&Dim::Static(width)) {
            return Err(cx.err("cos_cache and sin_cache must have the same width"));
        }
        // The cache must cover the last position P + S - 1 (known when the lengths are static).
        let kv_len = {
            let s = cx.dims(query)[1].as_static();
            let p = match past_k {
                Some(pk) => cx.dims(pk)[2].as_static(),
                None => Some(0),
            };
            s.zip(p).map(|(s, p)| s + p)
        };
        let max_pos = cx.dims(cos)[0].as_static();
        let known_total = cx.const_ints(6, "total_sequence_length").ok().flatten();
        let need = known_total
            .and_then(|t| t.first().copied())
            .map(|t| t.max(0) as u64)
            .or(kv_len);
        if let (Some(need), Some(m)) = (need, max_pos) {
            if m < need {
                return Err(cx.err(format!(
                    "cos_cache has {m} positions, fewer than the total sequence length {need}: the cos/sin cache is too short"
                )));
            }
        }
        let pos = match pos_ids {
            Some(p) => p,
            None => qpos,
        };
        let c = rotary::gather_cache(cx, cos, pos)?; // [B, S, rd/2]
        let s = rotary::gather_cache(cx, sin, pos)?;
        let c = cx.emit(Op::Unsqueeze { axes: vec![1] }, &[c])?; // [B, 1, S, rd/2]
        let s = cx.emit(Op::Unsqueeze { axes: vec![1] }, &[s])?;
        q = rotary::rotate(cx, q, c, s, rd, d, interleaved)?;
        k = rotary::rotate(cx, k, c, s, rd, d, interleaved)?;
    }

    // The present caches.
    let (present_k, present_v) = match (past_k, past_v) {
        (Some(pk), Some(pv)) => {
            let ck = cx.emit(Op::Concat { axis: 2 }, &[pk, k])?;
            let cv = cx.emit(Op::Concat { axis: 2 }, &[pv, v])?;
            // L: max(total, P) when total and P are known, else P + S.
            let known_total = cx.const_ints(6, "total_sequence_length").ok().flatten();
            let p_static = cx.dims(pk)[2].as_static();
            let l_len = match (known_total.and_then(|t| t.first().copied()), p_static) {
                (Some(t), Some(p)) => Some((t.max(0) as u64).max(p)),
                _ => None,
            };
            let j = match l_len {
                Some(l) => {
                    let r = cx.emit(
                        Op::Range {
                            start: 0.0,
                            limit: l as f64,
                            delta: 1.0,
                            dtype: DType::I64,
                        },
                        &[],
                    )?;
                    cx.emit(
                        Op::Reshape {
                            shape: vec![1, -1],
                            allowzero: false,
                        },
                        &[r],
                    )?
                }
                None => iota(cx, ck, 2, 2)?,
            }; // [1, L]
            let p_len = cx.emit(Op::Shape { start: 2, end: Some(3) }, &[pk])?; // [1]
            let pb = pb2; // [B, 1]
            let in_past = cx.emit(Op::Binary(BinaryOp::Less), &[j, pb])?; // [B, L]
            let jp = cx.emit(Op::Binary(BinaryOp::Sub), &[j, pb])?;
            let jn = cx.emit(Op::Binary(BinaryOp::Add), &[jp, p_len])?;
            let idx = cx.emit(Op::Where, &[in_past, j, jn])?;
            let end = cx.emit(Op::Binary(BinaryOp::Add), &[pb, s_len])?;
            let valid = cx.emit(Op::Binary(BinaryOp::Less), &[j, end])?; // [B, L]
            let zero = cx.data("zero_idx", edgecc_ir::TensorData::scalar(DType::I64, 0.0));
            let idx = cx.emit(Op::Where, &[valid, idx, zero])?;
            let idx = cx.emit(Op::Unsqueeze { axes: vec![1, 3] }, &[idx])?; // [B, 1, L, 1]
            let idx = cx.emit(
                Op::Expand {
                    shape: vec![1, hkv as i64, 1, d as i64],
                },
                &[idx],
            )?;
            let valid = cx.emit(Op::Unsqueeze { axes: vec![1, 3] }, &[valid])?;
            let zf = cx.scalar(dt, 0.0);
            let gk = cx.emit(Op::GatherElements { axis: 2 }, &[ck, idx])?;
            let gv = cx.emit(Op::GatherElements { axis: 2 }, &[cv, idx])?;
            let pk = cx.emit(Op::Where, &[valid, gk, zf])?;
            let pv = cx.emit(Op::Where, &[valid, gv, zf])?;
            (pk, pv)
        }
        _ => (k, v),
    };

    // The keep-mask [B, 1, S, L]: j <= pos, j < total_b, and the local window.
    let j = iota(cx, present_k, 2, 4)?; // [1, 1, 1, L]
    let pos4 = cx.emit(Op::Unsqueeze { axes: vec![1, 3] }, &[qpos])?; // [B, 1, S, 1]
    let tot4 = cx.emit(Op::Unsqueeze { axes: vec![1, 2, 3] }, &[tot_b])?; // [B, 1, 1, 1]
    let causal = cx.emit(Op::Binary(BinaryOp::LessOrEqual), &[j, pos4])?;
    let in_total = cx.emit(Op::Binary(BinaryOp::Less), &[j, tot4])?;
    let mut keep = cx.emit(Op::Binary(BinaryOp::And), &[causal, in_total])?;
    if window > 0 {
        let w = cx.data("window", edgecc_ir::TensorData::scalar(DType::I64, window as f64));
        let lo = cx.emit(Op::Binary(BinaryOp::Sub), &[pos4, w])?;
        let inw = cx.emit(Op::Binary(BinaryOp::GreaterOrEqual), &[j, lo])?;
        keep = cx.emit(Op::Binary(BinaryOp::And), &[keep, inw])?;
    }
    let scale = if scale == 0.0 { None } else { Some(scale) };

    let y = if softcap > 0.0 || smooth || attn_bias.is_some() {
        explicit(
            cx,
            q,
            present_k,
            present_v,
            keep,
            attn_bias,
            scale,
            softcap,
            smooth,
            (hq, hkv, d),
        )?
    } else if g == 1 {
        cx.emit(Op::Attention { scale, causal: false }, &[q, present_k, present_v, keep])?
    } else {
        // [B, Hq, S, D] → [B, Hkv, G, S, D] against k, v [B, Hkv, 1, L, D], mask [B, 1, 1, S, L].
        let mut q5 = cx.dims(q);
        q5.splice(1..2, [Dim::Static(hkv), Dim::Static(g)]);
        let q5 = cx.reshape_to(q, &q5)?;
        let k5 = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[present_k])?;
        let v5 = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[present_v])?;
        let m5 = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[keep])?;
        let y5 = cx.emit(Op::Attention { scale, causal: false }, &[q5, k5, v5, m5])?;
        let mut yd = cx.dims(y5);
        yd.splice(1..3, [Dim::Static(hq)]);
        cx.reshape_to(y5, &yd)?
    };
    // [B, Hq, S, D] → [B, S, Hq*D].
    let t = cx.emit(Op::Transpose { perm: vec![0, 2, 1, 3] }, &[y])?;
    cx.finish(
        Op::Reshape {
            shape: vec![0, 0, (hq * d) as i64],
            allowzero: false,
        },
        &[t],
    )?;
    cx.bind(1, present_k)?;
    cx.bind(2, present_v)
}

/// The attention as explicit IR ops: `(q kᵀ) * scale`, soft-capped (`softcap * tanh(x /
/// softcap)`), plus `attention_bias`, masked to -inf where `keep` is false, softmax (smooth: with
/// an extra zero logit), `@ v`.
#[allow(clippy::too_many_arguments)]
fn explicit(
    cx: &mut Cx,
    q: V,
    k: V,
    v: V,
    keep: V,
    bias: Option<V>,
    scale: Option<f32>,
    softcap: f32,
    smooth: bool,
    (hq, hkv, d): (u64, u64, u64),
) -> Result<V, OnnxError> {
    let dt = cx.dtype(q);
    let k = repeat_heads(cx, k, hkv, hq / hkv)?;
    let v = repeat_heads(cx, v, hkv, hq / hkv)?;
    let scale = scale.map(f64::from).unwrap_or(1.0 / (d as f64).sqrt());
    let kt = cx.emit(Op::Transpose { perm: vec![0, 1, 3, 2] }, &[k])?;
    let qk = cx.emit(Op::MatMul, &[q, kt])?;
    let sc = cx.scalar(dt, scale);
    let mut x = cx.emit(Op::Binary(BinaryOp::Mul), &[qk, sc])?;
    if softcap > 0.0 {
        let c = cx.scalar(dt, f64::from(softcap));
        let dv = cx.emit(Op::Binary(BinaryOp::Div), &[x, c])?;
        let t = cx.emit(Op::Unary(UnaryOp::Tanh), &[dv])?;
        x = cx.emit(Op::Binary(BinaryOp::Mul), &[t, c])?;
    }
    if let Some(b) = bias {
        x = cx.emit(Op::Binary(BinaryOp::Add), &[x, b])?;
    }
    let ninf = cx.scalar(dt, f64::NEG_INFINITY);
    let x = cx.emit(Op::Where, &[keep, x, ninf])?;
    let probs = if smooth {
        // exp(x - m) / (sum exp(x - m) + exp(-m)), m = max(max x, 0).
        let mx = cx.emit(
            Op::Reduce {
                op: ReduceOp::Max,
                axes: vec![-1],
                keepdims: true,
            },
            &[x],
        )?;
        let z = cx.scalar(dt, 0.0);
        let m = cx.emit(Op::Binary(BinaryOp::Max), &[mx, z])?;
        let xm = cx.emit(Op::Binary(BinaryOp::Sub), &[x, m])?;
        let e = cx.emit(Op::Unary(UnaryOp::Exp), &[xm])?;
        let s = cx.emit(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes: vec![-1],
                keepdims: true,
            },
            &[e],
        )?;
        let nm = cx.emit(Op::Unary(UnaryOp::Neg), &[m])?;
        let em = cx.emit(Op::Unary(UnaryOp::Exp), &[nm])?;
        let den = cx.emit(Op::Binary(BinaryOp::Add), &[s, em])?;
        cx.emit(Op::Binary(BinaryOp::Div), &[e, den])?
    } else {
        cx.emit(Op::Softmax { axis: -1 }, &[x])?
    };
    cx.emit(Op::MatMul, &[probs, v])
}
