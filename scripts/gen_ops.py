#!/usr/bin/env python3
"""Writes one-node (or small) ONNX models of the LLM-export ops, with onnxruntime's outputs.

Usage: gen_ops.py OUT_DIR

Covers the standard RotaryEmbedding (opset 23), Attention-24's nonpad_kv_seqlen, onnxruntime's
contrib ops (com.microsoft: GroupQueryAttention, RotaryEmbedding, SkipLayerNormalization,
SkipSimplifiedLayerNormalization, FastGelu, BiasGelu, QuickGelu; SimplifiedLayerNormalization in
the default domain) and model-local functions (custom domains, attribute references, nested
calls), on seeded random shapes. Each case is run with onnxruntime CPU (the opset-24
cases, which onnxruntime 1.23 does not load, with the ONNX reference implementation); the layout is that of
gen_models.py, one folder per case:

    OUT_DIR/<name>/model.onnx
    OUT_DIR/<name>/<input name>.npy   one per graph input
    OUT_DIR/<name>/out_<k>.npy        graph output k, from onnxruntime CPU
    OUT_DIR/<name>/meta.json          {"description", "shapes": {}, "inputs": [{"name", "file"}],
                                       "outputs": [{"name", "file"}]}

The folder is written into a temporary sibling and renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

F32 = TensorProto.FLOAT
MS = "com.microsoft"


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def np_elem(a: np.ndarray) -> int:
    return helper.np_dtype_to_tensor_dtype(a.dtype)


class Case:
    def __init__(self, name, desc, nodes, inputs: dict, outputs: list[str], opset=21, ms=False,
                 functions=(), extra_opsets=(), reference=False):
        self.name, self.desc = name, desc
        self.nodes, self.inputs, self.outputs = nodes, inputs, outputs
        self.reference = reference
        self.opset, self.ms, self.functions, self.extra_opsets = opset, ms, list(functions), list(extra_opsets)

    def model(self) -> onnx.ModelProto:
        g = helper.make_graph(
            self.nodes,
            self.name,
            [vi(n, np_elem(a), list(a.shape)) for n, a in self.inputs.items()],
            [helper.make_tensor_value_info(o, F32, None) for o in self.outputs],
        )
        opsets = [helper.make_opsetid("", self.opset)]
        if self.ms:
            opsets.append(helper.make_opsetid(MS, 1))
        opsets += [helper.make_opsetid(d, v) for d, v in self.extra_opsets]
        ir = 10 if self.opset >= 21 else 8
        return helper.make_model(g, opset_imports=opsets, functions=self.functions, ir_version=ir)


def caches(rng, n, half):
    pos = np.arange(n, dtype=np.float32)[:, None]
    inv = 1.0 / (10000 ** (np.arange(half, dtype=np.float32) / half))
    ang = pos * inv[None, :]
    return np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)


def rnd(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def rope_std_cases():
    out = []
    for interleaved in (0, 1):
        for partial in (False, True):
            for with_pos in (True, False):
                for rank in (3, 4):
                    rng = np.random.default_rng(100 + interleaved * 8 + partial * 4 + with_pos * 2 + rank)
                    b, s, h, d = 2, 5, 4, 16
                    rd = 8 if partial else d
                    name = f"rope_std_r{rank}_i{interleaved}_{'partial' if partial else 'full'}_{'pos' if with_pos else 'nopos'}"
                    x = rnd(rng, b, s, h * d) if rank == 3 else rnd(rng, b, h, s, d)
                    if with_pos:
                        cos, sin = caches(rng, 32, rd // 2)
                        pos = rng.integers(0, 32, size=(b, s)).astype(np.int64)
                        ins = {"X": x, "cos": cos, "sin": sin, "pos": pos}
                    else:
                        c, si = caches(rng, 32, rd // 2)
                        idx = rng.integers(0, 32, size=(b, s))
                        ins = {"X": x, "cos": c[idx], "sin": si[idx]}
                    attrs = {"interleaved": interleaved}
                    if rank == 3 or partial:
                        attrs["num_heads"] = h
                    if partial:
                        attrs["rotary_embedding_dim"] = rd
                    node = helper.make_node("RotaryEmbedding", list(ins), ["Y"], **attrs)
                    out.append(Case(name, "standard RotaryEmbedding", [node], ins, ["Y"], opset=23))
    return out


def rope_ms_cases():
    out = []
    b, s, h, d = 2, 5, 4, 16
    for interleaved in (0, 1):
        for kind in ("3d", "4d", "partial", "offset"):
            rng = np.random.default_rng(300 + interleaved * 10 + len(kind))
            rd = 8 if kind == "partial" else d
            cos, sin = caches(rng, 32, rd // 2)
            x = rnd(rng, b, h, s, d) if kind == "4d" else rnd(rng, b, s, h * d)
            pos = np.array([3], dtype=np.int64) if kind == "offset" else rng.integers(0, 32, size=(b, s)).astype(np.int64)
            attrs = {"interleaved": interleaved}
            if kind == "partial":
                attrs.update(num_heads=h, rotary_embedding_dim=rd)
            ins = {"input": x, "position_ids": pos, "cos": cos, "sin": sin}
            node = helper.make_node("RotaryEmbedding", list(ins), ["out"], domain=MS, **attrs)
            out.append(Case(f"rope_ms_{kind}_i{interleaved}", "com.microsoft RotaryEmbedding", [node], ins, ["out"], ms=True))
    return out


def gqa_case(name, hq, hkv, d=16, b=2, s=6, past=0, seqlens=None, packed=False, rotary=None,
             window=-1, softcap=0.0, smooth=0, with_past_input=True, seqlens_2d=False, seed=0):
    # seqlens_2d: seqlens_k as [B, 1] (what mobius writes: a ReduceSum with keepdims), which
    # onnxruntime reads as B values.
    rng = np.random.default_rng(500 + seed)
    ins = {}
    if packed:
        ins["query"] = rnd(rng, b, s, (hq + 2 * hkv) * d)
    else:
        ins["query"] = rnd(rng, b, s, hq * d)
        ins["key"] = rnd(rng, b, s, hkv * d)
        ins["value"] = rnd(rng, b, s, hkv * d)
    if with_past_input:
        ins["past_key"] = rnd(rng, b, hkv, past, d)
        ins["past_value"] = rnd(rng, b, hkv, past, d)
    if seqlens is None:
        seqlens = [past + s - 1] * b
    total = max(seqlens) + 1
    ins["seqlens_k"] = np.array(seqlens, dtype=np.int32)
    if seqlens_2d:
        ins["seqlens_k"] = ins["seqlens_k"].reshape(b, 1)
    ins["total_sequence_length"] = np.array(total, dtype=np.int32)
    attrs = {"num_heads": hq, "kv_num_heads": hkv}
    if rotary is not None:
        cos, sin = caches(rng, 64, rotary["width"])
        ins["cos_cache"], ins["sin_cache"] = cos, sin
        attrs.update(do_rotary=1, rotary_interleaved=rotary.get("interleaved", 0))
    if window > 0:
        attrs["local_window_size"] = window
    if softcap:
        attrs["softcap"] = softcap
    if smooth:
        attrs["smooth_softmax"] = 1
    names = ["query", "" if packed else "key", "" if packed else "value",
             "past_key" if with_past_input else "", "past_value" if with_past_input else "",
             "seqlens_k", "total_sequence_length"]
    if rotary is not None:
        names += ["cos_cache", "sin_cache"]
    node = helper.make_node("GroupQueryAttention", names, ["output", "present_key", "present_value"], domain=MS, **attrs)
    return Case(name, "com.microsoft GroupQueryAttention", [node], ins, ["output", "present_key", "present_value"], ms=True)


def gqa_cases():
    return [
        gqa_case("gqa_prefill_kv1", 4, 1, seed=1),
        gqa_case("gqa_prefill_kv2", 4, 2, seed=2),
        gqa_case("gqa_prefill_mha", 2, 2, seed=3),
        gqa_case("gqa_prefill_nopast", 4, 2, with_past_input=False, seed=4),
        gqa_case("gqa_decode_kv2", 4, 2, s=1, past=7, seed=5),
        gqa_case("gqa_decode_kv1_ragged", 4, 1, s=1, past=7, seqlens=[7, 4], seed=6),
        gqa_case("gqa_packed_prefill", 4, 2, packed=True, seed=7),
        gqa_case("gqa_packed_decode", 6, 3, packed=True, s=1, past=5, seed=8),
        gqa_case("gqa_rotary_prefill", 4, 2, rotary={"width": 8}, seed=9),
        gqa_case("gqa_rotary_interleaved_decode", 4, 2, s=1, past=7, rotary={"width": 8, "interleaved": 1}, seed=10),
        gqa_case("gqa_rotary_partial", 4, 1, d=32, rotary={"width": 8}, seed=11),
        gqa_case("gqa_window_prefill", 4, 2, s=7, window=2, seed=12),
        gqa_case("gqa_window_decode", 4, 2, s=1, past=9, window=3, seed=13),
        gqa_case("gqa_softcap", 4, 2, softcap=2.0, seed=14),
        gqa_case("gqa_softcap_decode", 4, 1, s=1, past=6, softcap=3.0, seed=15),
        gqa_case("gqa_smooth_softmax", 4, 2, smooth=1, seed=16),
        # seqlens_k [B, 1] (mobius' GQA models): without rotary, head size 16 != the mask width 8
        # (the positions must stay [B, S], not broadcast up a rank into the mask) ...
        gqa_case("gqa_seqlens_b1_nope_prefill", 4, 4, b=1, s=8, packed=True, seqlens_2d=True, seed=17),
        gqa_case("gqa_seqlens_b1_nope_decode", 4, 4, b=1, s=1, past=8, packed=True, seqlens_2d=True, seed=18),
        gqa_case("gqa_seqlens_b1_gqa_ragged", 4, 2, s=1, past=7, seqlens=[7, 4], seqlens_2d=True, seed=19),
        # ... and with partial rotary (cos [64, 8], head size 32: rd 16 of 32).
        gqa_case("gqa_seqlens_b1_rotary_partial_prefill", 2, 2, d=32, b=1, s=8, packed=True, rotary={"width": 8},
                 seqlens_2d=True, seed=20),
        gqa_case("gqa_seqlens_b1_rotary_partial_decode", 2, 2, d=32, b=1, s=1, past=8, packed=True,
                 rotary={"width": 8}, seqlens_2d=True, seed=21),
    ]


def norm_cases():
    out = []
    b, s, n = 2, 5, 32
    for bias in (False, True):
        for outs in ("one", "all"):
            rng = np.random.default_rng(700 + bias * 2 + (outs == "all"))
            ins = {"input": rnd(rng, b, s, n), "skip": rnd(rng, b, s, n), "gamma": rnd(rng, n), "beta": rnd(rng, n)}
            names = ["input", "skip", "gamma", "beta"]
            if bias:
                ins["bias"] = rnd(rng, n)
                names.append("bias")
            # onnxruntime's CPU kernel leaves mean and inv_std_var unset: only the sum is compared.
            o = ["output"] if outs == "one" else ["output", "", "", "sum"]
            node = helper.make_node("SkipLayerNormalization", names, o, domain=MS, epsilon=1e-5)
            out.append(Case(f"skip_ln_{'bias' if bias else 'nobias'}_{outs}", "SkipLayerNormalization", [node], ins,
                            [x for x in o if x], ms=True))
            # RMS flavour
            ins2 = {k: v for k, v in ins.items() if k != "beta"}
            names2 = [x for x in names if x != "beta"]
            o2 = ["output"] if outs == "one" else ["output", "", "", "sum"]
            node = helper.make_node("SkipSimplifiedLayerNormalization", names2, o2, domain=MS, epsilon=1e-6)
            out.append(Case(f"skip_sln_{'bias' if bias else 'nobias'}_{outs}", "SkipSimplifiedLayerNormalization",
                            [node], ins2, [x for x in o2 if x], ms=True))
    rng = np.random.default_rng(710)
    ins = {"input": rnd(rng, b, s, n), "skip": rnd(rng, 1, s, n), "gamma": rnd(rng, n)}
    node = helper.make_node("SkipLayerNormalization", list(ins), ["output"], domain=MS)
    out.append(Case("skip_ln_broadcast_skip", "SkipLayerNormalization, skip [1, S, N]", [node], ins, ["output"], ms=True))
    for with_inv in (False, True):
        rng = np.random.default_rng(720 + with_inv)
        ins = {"X": rnd(rng, b, s, n), "scale": rnd(rng, n)}
        o = ["Y", "inv_std_var"] if with_inv else ["Y"]
        node = helper.make_node("SimplifiedLayerNormalization", list(ins), o, axis=-1, epsilon=1e-6, stash_type=1)
        out.append(Case(f"simplified_ln{'_inv' if with_inv else ''}", "SimplifiedLayerNormalization (default domain)",
                        [node], ins, o, opset=17))
    return out


def gelu_cases():
    out = []
    rng = np.random.default_rng(800)
    x, bias = rnd(rng, 2, 5, 24, scale=2.0), rnd(rng, 24)
    out.append(Case("fast_gelu", "FastGelu", [helper.make_node("FastGelu", ["x"], ["y"], domain=MS)], {"x": x}, ["y"], ms=True))
    out.append(Case("fast_gelu_bias", "FastGelu with bias",
                    [helper.make_node("FastGelu", ["x", "b"], ["y"], domain=MS)], {"x": x, "b": bias}, ["y"], ms=True))
    out.append(Case("bias_gelu", "BiasGelu", [helper.make_node("BiasGelu", ["x", "b"], ["y"], domain=MS)],
                    {"x": x, "b": bias}, ["y"], ms=True))
    out.append(Case("quick_gelu", "QuickGelu", [helper.make_node("QuickGelu", ["x"], ["y"], domain=MS)], {"x": x}, ["y"], ms=True))
    out.append(Case("quick_gelu_alpha1", "QuickGelu alpha=1",
                    [helper.make_node("QuickGelu", ["x"], ["y"], domain=MS, alpha=1.0)], {"x": x}, ["y"], ms=True))
    return out


def attention24_cases():
    out = []
    rng = np.random.default_rng(900)
    b, h, sq, sk, d = 2, 4, 5, 7, 16
    ins = {"Q": rnd(rng, b, h, sq, d), "K": rnd(rng, b, h, sk, d), "V": rnd(rng, b, h, sk, d),
           "nonpad": np.array([7, 4], dtype=np.int64)}
    node = helper.make_node("Attention", ["Q", "K", "V", "", "", "", "nonpad"], ["Y"])
    out.append(Case("attention24_nonpad", "Attention-24 nonpad_kv_seqlen", [node], ins, ["Y"], opset=24, reference=True))
    rng = np.random.default_rng(901)
    ins = {"Q": rnd(rng, b, sq, h * d), "K": rnd(rng, b, sk, 2 * d), "V": rnd(rng, b, sk, 2 * d),
           "nonpad": np.array([3, 7], dtype=np.int64)}
    node = helper.make_node("Attention", ["Q", "K", "V", "", "", "", "nonpad"], ["Y"], q_num_heads=h, kv_num_heads=2)
    out.append(Case("attention24_nonpad_gqa_3d", "Attention-24 nonpad_kv_seqlen, 3-D, GQA", [node], ins, ["Y"], opset=24, reference=True))
    return out


def function_cases():
    out = []
    dom = "pkg.custom"
    # ScaledTanh(x; alpha=0.5) = tanh(x * alpha) + x, alpha a referenced attribute with a default.
    alpha_ref = helper.make_attribute_ref("value_float", onnx.AttributeProto.FLOAT)
    alpha_ref.ref_attr_name = "alpha"
    c = helper.make_node("Constant", [], ["a"])
    c.attribute.append(alpha_ref)
    body = [c, helper.make_node("Mul", ["x", "a"], ["xa"]), helper.make_node("Tanh", ["xa"], ["t"]),
            helper.make_node("Add", ["t", "x"], ["y"])]
    f = helper.make_function(dom, "ScaledTanh", ["x"], ["y"], body, [helper.make_opsetid("", 18)],
                             attributes=[])
    f.attribute_proto.append(helper.make_attribute("alpha", 0.5))
    rng = np.random.default_rng(1000)
    x = rnd(rng, 3, 8)
    nodes = [helper.make_node("ScaledTanh", ["x"], ["y1"], domain=dom, alpha=2.0),
             helper.make_node("ScaledTanh", ["y1"], ["y2"], domain=dom)]
    out.append(Case("function_attr_ref", "model function with an attribute reference and its default",
                    nodes, {"x": x}, ["y2"], opset=18, functions=[f], extra_opsets=[(dom, 1)]))
    # Nested: Outer(x; beta) = ScaledTanh(x; alpha=beta) * 2, in another domain.
    dom2 = "pkg.onnxscript.torch_lib"
    inner = helper.make_node("ScaledTanh", ["x"], ["s"], domain=dom)
    ref = helper.make_attribute_ref("alpha", onnx.AttributeProto.FLOAT)
    ref.ref_attr_name = "beta"
    inner.attribute.append(ref)
    two = helper.make_node("Constant", [], ["two"], value_float=2.0)
    outer = helper.make_function(dom2, "Outer", ["x"], ["y"], [inner, two, helper.make_node("Mul", ["s", "two"], ["y"])],
                                 [helper.make_opsetid("", 18), helper.make_opsetid(dom, 1)], attributes=["beta"])
    nodes = [helper.make_node("Outer", ["x"], ["y"], domain=dom2, beta=0.25)]
    out.append(Case("function_nested", "nested model functions across domains",
                    nodes, {"x": x}, ["y"], opset=18, functions=[f, outer], extra_opsets=[(dom, 1), (dom2, 1)]))
    # A com.microsoft function with an op the contrib table lacks.
    body = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])]
    fm = helper.make_function(MS, "MySwish", ["x"], ["y"], body, [helper.make_opsetid("", 18)])
    nodes = [helper.make_node("MySwish", ["x"], ["y"], domain=MS)]
    out.append(Case("function_ms_domain", "a com.microsoft model function", nodes, {"x": x}, ["y"], opset=18,
                    ms=True, functions=[fm]))
    return out


def write(out_dir: str, case: Case):
    d = os.path.join(out_dir, case.name)
    os.makedirs(d)
    m = case.model()
    path = os.path.join(d, "model.onnx")
    onnx.save(m, path)
    if case.reference:
        # onnxruntime 1.23 stops at opset 23: the ONNX reference implementation is the oracle.
        from onnx.reference import ReferenceEvaluator

        res = ReferenceEvaluator(m).run(None, case.inputs)
    else:
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        res = sess.run(None, case.inputs)
    inputs = []
    for n, a in case.inputs.items():
        np.save(os.path.join(d, f"{n}.npy"), a)
        inputs.append({"name": n, "file": f"{n}.npy"})
    outputs = []
    for k, (n, a) in enumerate(zip(case.outputs, res)):
        if a is None:
            raise ValueError(f"onnxruntime gave no value for output {n}")
        np.save(os.path.join(d, f"out_{k}.npy"), np.asarray(a))
        outputs.append({"name": n, "file": f"out_{k}.npy"})
    with open(os.path.join(d, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"description": case.desc, "shapes": {}, "inputs": inputs, "outputs": outputs}, f, indent=1)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_ops.py OUT_DIR")
    out_dir = sys.argv[1].rstrip("/")
    tmp = out_dir + ".tmp"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    cases = rope_std_cases() + rope_ms_cases() + gqa_cases() + norm_cases() + gelu_cases() + attention24_cases() + function_cases()
    failed = []
    for c in cases:
        try:
            write(tmp, c)
        except Exception as e:  # noqa: BLE001 - report every case that onnxruntime refuses
            failed.append(f"{c.name}: {e}")
    if failed:
        sys.exit("gen_ops.py: onnxruntime failed on:\n  " + "\n  ".join(failed))
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.rename(tmp, out_dir)
    print(f"gen_ops.py: wrote {len(cases)} cases to {out_dir}")


if __name__ == "__main__":
    main()
