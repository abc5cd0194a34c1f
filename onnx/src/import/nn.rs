//! Normalizations, `MatMul`, `Gemm` and `Attention` (opset 23).

use super::ctx::{Cx, V};
use crate::error::OnnxError;
use edgecc_ir::{normalize_axis, BinaryOp, DType, Dim, Op, PadMode, ReduceOp, TensorData, UnaryOp};

type R = Result<(), OnnxError>;

pub(crate) fn layer_norm(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let scale = cx.x(1)?;
    let bias = cx.opt(2)?;
    let axis = cx.attr_i("axis", -1)?;
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    let mut ins = vec![x, scale];
    ins.extend(bias);
    cx.finish(Op::LayerNorm { axis, epsilon }, &ins)?;
    if cx.output_used(1) || cx.output_used(2) {
        layer_norm_stats(cx, x, axis, epsilon)?;
    }
    Ok(())
}

/// `LayerNormalization`'s optional outputs `Mean` (1) and `InvStdDev` (2), from IR ops as the
/// ONNX function body defines them: in the `stash_type` precision (default f32),
/// `Mean = ReduceMean(x)` and `InvStdDev = 1 / sqrt(ReduceMean((x - Mean)^2) + epsilon)` over the
/// axes `axis..rank`, with the reduced axes kept (extent 1).
fn layer_norm_stats(cx: &mut Cx, x: V, axis: i64, epsilon: f32) -> R {
    let stash = cx.attr_i("stash_type", 1)?;
    let stash = i32::try_from(stash)
        .ok()
        .and_then(|s| crate::tensor::onnx_dtype(s).ok())
        .filter(|d| d.is_float())
        .ok_or_else(|| cx.err(format!("stash_type {stash} is not a floating-point ONNX element type")))?;
    let r = cx.rank(x);
    let a = normalize_axis(axis, r).ok_or_else(|| cx.err(format!("axis {axis} is out of range for rank {r}")))?;
    let axes: Vec<i64> = (a as i64..r as i64).collect();
    let mean_op = || Op::Reduce {
        op: ReduceOp::Mean,
        axes: axes.clone(),
        keepdims: true,
    };
    let xs = if cx.dtype(x) == stash {
        x
    } else {
        cx.emit(Op::Cast { to: stash }, &[x])?
    };
    let mean = cx.emit(mean_op(), &[xs])?;
    let d = cx.emit(Op::Binary(BinaryOp::Sub), &[xs, mean])?;
    let d2 = cx.emit(Op::Binary(BinaryOp::Mul), &[d, d])?;
    let var = cx.emit(mean_op(), &[d2])?;
    let eps = cx.scalar(stash, f64::from(epsilon));
    let ve = cx.emit(Op::Binary(BinaryOp::Add), &[var, eps])?;
    let sd = cx.emit(Op::Unary(UnaryOp::Sqrt), &[ve])?;
    let inv = cx.emit(Op::Unary(UnaryOp::Reciprocal), &[sd])?;
    cx.bind(1, mean)?;
    cx.bind(2, inv)
}

pub(crate) fn rms_norm(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let scale = cx.x(1)?;
    let axis = cx.attr_i("axis", -1)?;
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    cx.finish(Op::RmsNorm { axis, epsilon }, &[x, scale])
}

/// Per-group `[G]` parameters (GroupNormalization before opset 21) repeated to per-channel `[C]`.
fn per_channel(cx: &mut Cx, p: V, groups: u64, channels: u64) -> Result<V, OnnxError> {
    if cx.dims(p) == [Dim::Static(channels)] || groups == channels {
        return Ok(p);
    }
    if cx.dims(p) != [Dim::Static(groups)] || groups == 0 || !channels.is_multiple_of(groups) {
        return Err(cx.err(format!(
            "scale and bias must be [num_groups] = [{groups}] or [C] = [{channels}], got {}",
            cx.ty(p).shape
        )));
    }
    let u = cx.emit(Op::Unsqueeze { axes: vec![1] }, &[p])?;
    let e = cx.emit(
        Op::Expand {
            shape: vec![groups as i64, (channels / groups) as i64],
        },
        &[u],
    )?;
    cx.emit(
        Op::Reshape {
            shape: vec![channels as i64],
            allowzero: false,
        },
        &[e],
    )
}

pub(crate) fn group_norm(cx: &mut Cx) -> R {
    let x = cx.x(0)?;
    let (mut scale, mut bias) = (cx.x(1)?, cx.x(2)?);
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    let g = cx.req_i("num_groups")?;
    let num_groups = u32::try_from(g)
        .ok()
        .filter(|&g| g > 0)
        .ok_or_else(|| cx.err(format!("num_groups must be >= 1, got {g}")))?;
    let c = cx
        .dims(x)
        .get(1)
        .and_then(Dim::as_static)
        .ok_or_else(|| cx.err("the channel dim of the input must be static"))?;
    scale = per_channel(cx, scale, num_groups as u64, c)?;
    bias = per_channel(cx, bias, num_groups as u64, c)?;
    cx.finish(Op::GroupNorm { num_groups, epsilon }, &[x, scale, bias])
}

pub(crate) fn instance_norm(cx: &mut Cx) -> R {
    let (x, s, b) = (cx.x(0)?, cx.x(1)?, cx.x(2)?);
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    cx.finish(Op::InstanceNorm { epsilon }, &[x, s, b])
}

/// `BatchNormalization` in inference mode; the training outputs (running or saved mean and
/// variance: 4 of them before opset 14, 2 from 14) are not supported, and a graph that reads one
/// is refused. At opsets 7 and 8 `spatial=0` means per-activation parameters of shape
/// `[C, D1, ..]`: `y = (x - mean) / sqrt(var + epsilon) * scale + B`, broadcast over the batch.
pub(crate) fn batch_norm(cx: &mut Cx) -> R {
    if cx.attr_i("training_mode", 0)? != 0 {
        return Err(cx.err("training_mode=1 is not supported; edgecc imports models for inference"));
    }
    let ins = [cx.x(0)?, cx.x(1)?, cx.x(2)?, cx.x(3)?, cx.x(4)?];
    let epsilon = cx.attr_f("epsilon", 1e-5)?;
    let training_outputs = if cx.opset() < 14 { 4 } else { 2 };
    for i in 1..=training_outputs {
        if cx.output_used(i) {
            return Err(cx.err(format!(
                "output {i} (a training statistic at opset {}) is used; edgecc computes only Y, for inference",
                cx.opset()
            )));
        }
    }
    if cx.opset() < 9 && cx.attr_i("spatial", 1)? == 0 {
        let [x, scale, b, mean, var] = ins;
        let dt = cx.dtype(x);
        let d = cx.emit(Op::Binary(BinaryOp::Sub), &[x, mean])?;
        let eps = cx.scalar(dt, f64::from(epsilon));
        let ve = cx.emit(Op::Binary(BinaryOp::Add), &[var, eps])?;
        let sd = cx.emit(Op::Unary(UnaryOp::Sqrt), &[ve])?;
        let n = cx.emit(Op::Binary(BinaryOp::Div), &[d, sd])?;
        let m = cx.emit(Op::Binary(BinaryOp::Mul), &[n, scale])?;
        return cx.finish(Op::Binary(BinaryOp::Add), &[m, b]);
    }
    cx.finish(Op::BatchNorm { epsilon }, &ins)
}

pub(crate) fn matmul(cx: &mut Cx) -> R {
    let (a, b) = (cx.x(0)?, cx.x(1)?);
    cx.finish(Op::MatMul, &[a, b])
}

pub(crate) fn gemm(cx: &mut Cx) -> R {
    let (a, b) = (cx.x(0)?, cx.x(1)?);
    let c = cx.opt(2)?;
    let op = Op::Gemm {
        alpha: cx.attr_f("alpha", 1.0)?,
        beta: cx.attr_f("beta", 1.0)?,
        trans_a: cx.attr_i("transA", 0)? != 0,
        trans_b: cx.attr_i("transB", 0)? != 0,
    };
    let mut ins = vec![a, b];
    ins.extend(c);
    cx.finish(op, &ins)
}

/// `[B, S, H*D]` → `[B, H, S, D]`.
fn split_heads(cx: &mut Cx, v: V, heads: i64) -> Result<V, OnnxError> {
    let r = cx.emit(
        Op::Reshape {
            shape: vec![0, 0, heads, -1],
            allowzero: false,
        },
        &[v],
    )?;
    cx.emit(Op::Transpose { perm: vec![0, 2, 1, 3] }, &[r])
}

/// `Attention` (opset 23): 4-D `[B, H, S, D]` inputs, or 3-D `[B, S, H*D]` with `q_num_heads` and
/// `kv_num_heads`; grouped-query attention (fewer kv heads) through a 5-D broadcast; optional
/// `past_key`/`past_value` concatenated along the sequence (outputs 1 and 2 are the results).
/// With `softcap` or a used output 3 (`qk_matmul_output`) the node is built from IR ops
/// ([`attention_explicit`]) instead of the IR's fused `Attention`.
pub(crate) fn attention(cx: &mut Cx) -> R {
    let (mut q, mut k, mut v) = (cx.x(0)?, cx.x(1)?, cx.x(2)?);
    let mask = cx.opt(3)?;
    let (past_k, past_v) = (cx.opt(4)?, cx.opt(5)?);
    let nonpad = cx.opt(6)?;
    let softcap = cx.attr_f("softcap", 0.0)?;
    let causal = cx.attr_i("is_causal", 0)? != 0;
    let scale = cx.at(cx.attrs.float("scale"))?;
    let rank3 = cx.rank(q) == 3;
    if rank3 {
        let hq = cx.req_i("q_num_heads")?;
        let hkv = cx.req_i("kv_num_heads")?;
        if hq <= 0 || hkv <= 0 {
            return Err(cx.err("q_num_heads and kv_num_heads must be >= 1"));
        }
        q = split_heads(cx, q, hq)?;
        k = split_heads(cx, k, hkv)?;
        v = split_heads(cx, v, hkv)?;
    } else if cx.rank(q) != 4 {
        return Err(cx.err(format!("Q must be 3-D or 4-D, got {}", cx.ty(q).shape)));
    }
    if cx.rank(k) != 4 || cx.rank(v) != 4 {
        return Err(cx.err(format!(
            "K and V must have Q's rank, got {} and {}",
            cx.ty(k).shape,
            cx.ty(v).shape
        )));
    }
    let past_len = match past_k {
        Some(p) => cx.dims(p).get(2).cloned(),
        None => Some(Dim::Static(0)),
    };
    if let Some(p) = past_k {
        k = cx.emit(Op::Concat { axis: 2 }, &[p, k])?;
    }
    if let Some(p) = past_v {
        v = cx.emit(Op::Concat { axis: 2 }, &[p, v])?;
    }
    let (present_k, present_v) = (k, v);
    let qd = cx.dims(q);
    let kd = cx.dims(k);
    let (sq, sk) = (qd[2].clone(), kd[2].clone());
    let dt = cx.dtype(q);

    // The mask: pad to the key length, and build the causal mask explicitly when its offset
    // (the past length) differs from the IR's bottom-right alignment `Sk - Sq`.
    let mut mask = mask;
    if let Some(m) = mask {
        let md = cx.dims(m);
        if let (Some(ml), Some(kl)) = (md.last().and_then(Dim::as_static), sk.as_static()) {
            if ml < kl {
                let r = md.len();
                let mut pads = vec![0i64; 2 * r];
                pads[2 * r - 1] = (kl - ml) as i64;
                let value = if cx.dtype(m) == DType::Bool {
                    0.0
                } else {
                    f64::NEG_INFINITY
                };
                let p = cx.emit(
                    Op::Pad {
                        pads,
                        mode: PadMode::Constant,
                        value,
                    },
                    &[m],
                )?;
                mask = Some(p);
            }
        }
    }
    // With `nonpad_kv_seqlen` (an external cache) the causal frontier is per batch,
    // `nonpad[b] - Sq`, so the causal mask is built into the keep-mask rather than left to the
    // IR's `Sk - Sq` alignment or the past length.
    let mut causal = causal;
    if let Some(n) = nonpad {
        if past_k.is_some() {
            return Err(cx.err("nonpad_kv_seqlen cannot be combined with past_key/past_value"));
        }
        mask = Some(super::gqa::nonpad_mask(cx, n, k, mask, causal.then_some(q))?);
        causal = false;
    }
    if softcap > 0.0 || cx.output_used(3) {
        let e = Explicit {
            q,
            k,
            v,
            mask,
            causal,
            past_len,
            scale,
            softcap,
            rank3,
        };
        attention_explicit(cx, e)?;
        return bind_present(cx, present_k, present_v);
    }
    let mut ir_causal = causal;
    if causal {
        let aligned = match (&sq, &sk, &past_len) {
            (Dim::Static(a), Dim::Static(b), Some(Dim::Static(p))) => b.checked_sub(*a) == Some(*p),
            _ => sq == sk || past_k.is_some(),
        };
        if !aligned {
            let (Some(s), Some(l), Some(p)) = (
                sq.as_static(),
                sk.as_static(),
                past_len.as_ref().and_then(Dim::as_static),
            ) else {
                return Err(cx.err(
                    "is_causal with query and key lengths that differ needs static sequence lengths; \
                     specialize symbolic dims with `--shape NAME=VALUE`",
                ));
            };
            let n = (s as usize).checked_mul(l as usize).filter(|&n| n <= 1 << 26);
            let n = n.ok_or_else(|| cx.err("the causal mask is too large"))?;
            let mut vals = vec![0f64; n];
            for i in 0..s as usize {
                for j in 0..l as usize {
                    if j as u64 > i as u64 + p {
                        vals[i * l as usize + j] = f64::NEG_INFINITY;
                    }
                }
            }
            let d = TensorData::from_f64(dt, vec![s as usize, l as usize], &vals).map_err(|e| cx.err(e.to_string()))?;
            let mut bias = cx.data("causal_mask", d);
            if let Some(m) = mask {
                let m = if cx.dtype(m) == DType::Bool {
                    let z = cx.scalar(dt, 0.0);
                    let ninf = cx.scalar(dt, f64::NEG_INFINITY);
                    cx.emit(Op::Where, &[m, z, ninf])?
                } else {
                    m
                };
                bias = cx.emit(Op::Binary(BinaryOp::Add), &[m, bias])?;
            }
            mask = Some(bias);
            ir_causal = false;
        }
    }

    // Grouped-query attention: [B, Hq, S, D] → [B, Hkv, G, S, D] against k, v [B, Hkv, 1, L, D].
    let (hq, hkv) = (qd[1].clone(), kd[1].clone());
    let op = Op::Attention {
        scale,
        causal: ir_causal,
    };
    let y = if hq != hkv && hkv != Dim::Static(1) {
        let (Some(nq), Some(nkv)) = (hq.as_static(), hkv.as_static()) else {
            return Err(cx.err("grouped-query attention needs static head counts"));
        };
        if nkv == 0 || !nq.is_multiple_of(nkv) {
            return Err(cx.err(format!(
                "{nq} query heads do not split into {nkv} key/value head groups"
            )));
        }
        let g = nq / nkv;
        let mut q5 = qd.clone();
        q5.splice(1..2, [Dim::Static(nkv), Dim::Static(g)]);
        let q = cx.reshape_to(q, &q5)?;
        let k = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[k])?;
        let v = cx.emit(Op::Unsqueeze { axes: vec![2] }, &[v])?;
        let mut ins = vec![q, k, v];
        if let Some(m) = mask {
            let mut m = m;
            while cx.rank(m) < 4 {
                m = cx.emit(Op::Unsqueeze { axes: vec![0] }, &[m])?;
            }
            let md = cx.dims(m);
            let m = if cx.rank(m) == 4 && md[1] == Dim::Static(1) {
                cx.emit(Op::Unsqueeze { axes: vec![2] }, &[m])?
            } else if cx.rank(m) == 4 {
                let mut m5 = md.clone();
                m5.splice(1..2, [Dim::Static(nkv), Dim::Static(g)]);
                cx.reshape_to(m, &m5)?
            } else {
                return Err(cx.err(format!("attn_mask must have rank <= 4, got {}", cx.ty(m).shape)));
            };
            ins.push(m);
        }
        let y5 = cx.emit(op, &ins)?;
        let mut yd = cx.dims(y5);
        yd.splice(1..3, [Dim::Static(nq)]);
        if rank3 {
            cx.reshape_to(y5, &yd)?
        } else {
            let yd = yd.clone();
            return finish_reshape(cx, y5, &yd, present_k, present_v);
        }
    } else {
        let mut ins = vec![q, k, v];
        ins.extend(mask);
        if rank3 {
            cx.emit(op, &ins)?
        } else {
            cx.finish(op, &ins)?;
            return bind_present(cx, present_k, present_v);
        }
    };
    // 3-D: [B, H, S, Dv] → [B, S, H*Dv].
    let t = cx.emit(Op::Transpose { perm: vec![0, 2, 1, 3] }, &[y])?;
    cx.finish(
        Op::Reshape {
            shape: vec![0, 0, -1],
            allowzero: false,
        },
        &[t],
    )?;
    bind_present(cx, present_k, present_v)
}

fn finish_reshape(cx: &mut Cx, y5: V, target: &[Dim], pk: V, pv: V) -> R {
    let r = cx.reshape_to(y5, target)?;
    cx.bind(0, r)?;
    bind_present(cx, pk, pv)
}

fn bind_present(cx: &mut Cx, pk: V, pv: V) -> R {
    if cx.node.output.len() > 1 {
        cx.bind(1, pk)?;
    }
    if cx.node.output.len() > 2 {
        cx.bind(2, pv)?;
    }
    Ok(())
}

/// The operands of an [`attention_explicit`] node, after head splitting and the past concatenation.
struct Explicit {
    /// `[B, Hq, S, D]`.
    q: V,
    /// `[B, Hkv, L, D]`.
    k: V,
    /// `[B, Hkv, L, Dv]`.
    v: V,
    /// The mask, padded to the key length.
    mask: Option<V>,
    causal: bool,
    /// The length of `past_key` (0 without one).
    past_len: Option<Dim>,
    scale: Option<f32>,
    softcap: f32,
    rank3: bool,
}

/// `[B, Hkv, L, D]` → `[B, Hkv * g, L, D]`, each head repeated `g` times in place (`h0, h0, h1, ..`).
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

/// `Attention` from IR ops, as the ONNX reference computes it: `qk = (q * sqrt(scale)) @ (k *
/// sqrt(scale))ᵀ`, soft-capped (`tanh(qk / softcap) * softcap`, when `softcap > 0`), plus the
/// mask/causal bias, softmax (in `softmax_precision` when given; rows whose bias is all `-inf` are
/// zero), `@ v`. Output 3 (`qk_matmul_output`) is, by `qk_matmul_output_mode`: 0 the scaled
/// `q kᵀ`, 1 after the softcap, 2 after adding the bias, 3 the softmax probabilities.
fn attention_explicit(cx: &mut Cx, e: Explicit) -> R {
    let mode = cx.attr_i("qk_matmul_output_mode", 0)?;
    if !(0..=3).contains(&mode) {
        return Err(cx.err(format!(
            "qk_matmul_output_mode {mode} is not supported (ONNX defines 0 through 3)"
        )));
    }
    let dt = cx.dtype(e.q);
    let qd = cx.dims(e.q);
    let kd = cx.dims(e.k);
    let scale = match e.scale {
        Some(s) => f64::from(s),
        None => {
            let d = qd
                .get(3)
                .and_then(Dim::as_static)
                .filter(|&d| d > 0)
                .ok_or_else(|| cx.err("the default scale 1/sqrt(head_size) needs a static head size of Q"))?;
            1.0 / (d as f64).sqrt()
        }
    };
    // Grouped-query attention: repeat each key/value head for its group of query heads.
    let (hq, hkv) = (qd[1].clone(), kd[1].clone());
    let (mut k, mut v) = (e.k, e.v);
    if hq != hkv {
        let (Some(nq), Some(nkv)) = (hq.as_static(), hkv.as_static()) else {
            return Err(cx.err("grouped-query attention needs static head counts"));
        };
        if nkv == 0 || !nq.is_multiple_of(nkv) {
            return Err(cx.err(format!(
                "{nq} query heads do not split into {nkv} key/value head groups"
            )));
        }
        k = repeat_heads(cx, k, nkv, nq / nkv)?;
        v = repeat_heads(cx, v, nkv, nq / nkv)?;
    }
    let ss = cx.scalar(dt, scale.sqrt());
    let qs = cx.emit(Op::Binary(BinaryOp::Mul), &[e.q, ss])?;
    let ks = cx.emit(Op::Binary(BinaryOp::Mul), &[k, ss])?;
    let kt = cx.emit(Op::Transpose { perm: vec![0, 1, 3, 2] }, &[ks])?;
    let qk = cx.emit(Op::MatMul, &[qs, kt])?;
    let capped = if e.softcap > 0.0 {
        let c = cx.scalar(dt, f64::from(e.softcap));
        let d = cx.emit(Op::Binary(BinaryOp::Div), &[qk, c])?;
        let t = cx.emit(Op::Unary(UnaryOp::Tanh), &[d])?;
        cx.emit(Op::Binary(BinaryOp::Mul), &[t, c])?
    } else {
        qk
    };

    // The additive bias: the mask (a bool keep-mask as 0 / -inf) plus the causal mask.
    let mut bias = match e.mask {
        Some(m) if cx.dtype(m) == DType::Bool => {
            let z = cx.scalar(dt, 0.0);
            let ninf = cx.scalar(dt, f64::NEG_INFINITY);
            Some(cx.emit(Op::Where, &[m, z, ninf])?)
        }
        other => other,
    };
    if e.causal {
        let (Some(s), Some(l), Some(p)) = (
            qd[2].as_static(),
            kd[2].as_static(),
            e.past_len.as_ref().and_then(Dim::as_static),
        ) else {
            return Err(cx.err(
                "is_causal with qk_matmul_output or softcap needs static sequence lengths; specialize \
                 symbolic dims with `--shape NAME=VALUE`",
            ));
        };
        let n = (s as usize).checked_mul(l as usize).filter(|&n| n <= 1 << 26);
        let n = n.ok_or_else(|| cx.err("the causal mask is too large"))?;
        let mut vals = vec![0f64; n];
        for i in 0..s as usize {
            for j in 0..l as usize {
                if j as u64 > i as u64 + p {
                    vals[i * l as usize + j] = f64::NEG_INFINITY;
                }
            }
        }
        let d = TensorData::from_f64(dt, vec![s as usize, l as usize], &vals).map_err(|e| cx.err(e.to_string()))?;
        let c = cx.data("causal_mask", d);
        bias = Some(match bias {
            Some(b) => cx.emit(Op::Binary(BinaryOp::Add), &[b, c])?,
            None => c,
        });
    }
    let with_bias = match bias {
        Some(b) => cx.emit(Op::Binary(BinaryOp::Add), &[capped, b])?,
        None => capped,
    };

    // Softmax, in softmax_precision when it differs from the inputs' type.
    let sm_dt = match cx.at(cx.attrs.int("softmax_precision"))? {
        None => dt,
        Some(p) => i32::try_from(p)
            .ok()
            .and_then(|p| crate::tensor::onnx_dtype(p).ok())
            .filter(|d| d.is_float())
            .ok_or_else(|| {
                cx.err(format!(
                    "softmax_precision {p} is not a floating-point ONNX element type"
                ))
            })?,
    };
    let logits = if sm_dt == dt {
        with_bias
    } else {
        cx.emit(Op::Cast { to: sm_dt }, &[with_bias])?
    };
    let mut probs = cx.emit(Op::Softmax { axis: -1 }, &[logits])?;
    if let Some(b) = bias {
        // A row whose bias is all -inf attends no key: its probabilities are 0.
        let m = cx.emit(
            Op::Reduce {
                op: ReduceOp::Max,
                axes: vec![-1],
                keepdims: true,
            },
            &[b],
        )?;
        let ninf = cx.scalar(dt, f64::NEG_INFINITY);
        let masked = cx.emit(Op::Binary(BinaryOp::Equal), &[m, ninf])?;
        let z = cx.scalar(sm_dt, 0.0);
        probs = cx.emit(Op::Where, &[masked, z, probs])?;
    }
    if sm_dt != dt {
        probs = cx.emit(Op::Cast { to: dt }, &[probs])?;
    }
    let y = cx.emit(Op::MatMul, &[probs, v])?;
    let y = if e.rank3 {
        // [B, H, S, Dv] → [B, S, H*Dv].
        let t = cx.emit(Op::Transpose { perm: vec![0, 2, 1, 3] }, &[y])?;
        cx.emit(
            Op::Reshape {
                shape: vec![0, 0, -1],
                allowzero: false,
            },
            &[t],
        )?
    } else {
        y
    };
    cx.bind(0, y)?;
    let qk_out = match mode {
        0 => qk,
        1 => capped,
        2 => with_bias,
        _ => probs,
    };
    cx.bind(3, qk_out)
}
