#!/usr/bin/env python3
"""Writes whole models of the kinds people export, with onnxruntime's outputs, for edgecc's tests.

Usage: gen_models.py OUT_DIR

Every model is built with `onnx.helper` in the node patterns that the PyTorch exporter emits
(head reshapes through Shape -> Gather -> Unsqueeze -> Concat -> Reshape, Erf GELU, x*Sigmoid(x)
SiLU, ...), in two forms: a current one (opset 17 with LayerNormalization; opset 21 with
GroupNormalization for the conv block, since GroupNormalization with per-channel scale needs 21)
and the older decomposed one (opset 13: ReduceMean/Sub/Pow/Sqrt/Div layer norm, the
Reshape/InstanceNormalization group norm that older PyTorch exports use).

| name                               | what                                                          |
|------------------------------------|---------------------------------------------------------------|
| gpt2_block_opset17                 | GPT-2 decoder block; causal mask from ConstantOfShape/Trilu/Where |
| gpt2_block_opset13                 | same; causal mask an initializer buffer, sliced to the sequence   |
| bert_layer_opset17                 | BERT embeddings (Gather of int64 ids, Range positions) + encoder layer + pooler, attention mask input |
| bert_layer_opset13                 | same; position ids sliced from a buffer, decomposed layer norm  |
| unet_resblock_opset21_groupnorm    | diffusers-style ResnetBlock2D: GroupNormalization, SiLU, time embedding, 1x1 shortcut |
| unet_resblock_opset13_instancenorm | same; group norm as Reshape -> InstanceNormalization -> Reshape -> Mul/Add |

GPT-2 uses `gelu_new` (tanh approximation, Pow/Tanh), as its Hugging Face exports do; BERT uses the
exact Erf GELU. The GPT-2 and BERT models have symbolic `batch` and `sequence` dims (dynamic axes),
the UNet blocks a symbolic `batch`; `meta.json` gives the values the stored inputs use.

Output layout, one folder per model:

    OUT_DIR/<name>/model.onnx
    OUT_DIR/<name>/<input name>.npy     one per graph input (the names are chosen file-name safe)
    OUT_DIR/<name>/out_<k>.npy          graph output k (0-based, graph order), from onnxruntime CPU
    OUT_DIR/<name>/meta.json            {"description", "opset", "shapes": {dim_param: value},
                                         "inputs": [{"name", "file"}], "outputs": [{"name", "file"}]}

Weights and inputs are seeded (numpy default_rng) and non-zero; the two forms of a model share
their seed, and their onnxruntime outputs are checked to agree (max abs difference <= 1e-4). The folder is
written into a temporary sibling and renamed into place at the end.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 64
HEADS = 4
HEAD_DIM = HIDDEN // HEADS
FFN = 4 * HIDDEN
BATCH = 2
SEQ = 8
MAX_POS = 32
VOCAB = 100
LN_EPS = 1e-5
IR_VERSION = {13: 7, 17: 8, 21: 10}


class Builder:
    """A small graph builder: fresh value names, initializers, and the exporter's node patterns."""

    def __init__(self, rng: np.random.Generator, opset: int):
        self.rng = rng
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.counter = 0

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"/{hint}_{self.counter}"

    def op(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs) -> str | list[str]:
        outs = [self.fresh(op_type.lower()) for _ in range(n_out)]
        name = f"/{op_type}_{self.counter}"
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, value, dtype=np.float32, hint: str = "const") -> str:
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, shape, scale: float, hint: str) -> str:
        w = self.rng.standard_normal(shape).astype(np.float32) * np.float32(scale)
        # Non-zero everywhere: nudge exact zeros (vanishingly rare, but keep the promise).
        w[w == 0] = np.float32(1e-3)
        return self.const(w, hint=hint)

    def ln_params(self, n: int, hint: str) -> tuple[str, str]:
        gamma = 1.0 + 0.1 * self.rng.standard_normal(n)
        beta = 0.1 * self.rng.standard_normal(n)
        return self.const(gamma, hint=hint + ".weight"), self.const(beta, hint=hint + ".bias")

    # --- exporter patterns -------------------------------------------------------------------

    def unsqueeze(self, x: str, axes: list[int]) -> str:
        # Opset 13 and later take the axes as an input.
        return self.op("Unsqueeze", [x, self.const(axes, np.int64, "axes")])

    def dim(self, x: str, i: int) -> str:
        """A scalar int64 dim of `x`, as PyTorch exports `x.size(i)`."""
        shape = self.op("Shape", [x])
        return self.op("Gather", [shape, self.const(i, np.int64, "idx")], axis=0)

    def linear(self, x: str, fan_in: int, fan_out: int, hint: str) -> str:
        """nn.Linear on a rank-3 activation: MatMul with the transposed weight, then Add."""
        w = self.weight((fan_in, fan_out), 1.0 / math.sqrt(fan_in), hint + ".weight")
        b = self.weight((fan_out,), 0.1, hint + ".bias")
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def layer_norm(self, x: str, n: int, hint: str, decomposed: bool) -> str:
        gamma, beta = self.ln_params(n, hint)
        if not decomposed:
            return self.op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=LN_EPS)
        # torch.onnx at opset < 17: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add.
        mean = self.op("ReduceMean", [x], axes=[-1], keepdims=1)
        d = self.op("Sub", [x, mean])
        var = self.op("ReduceMean", [self.op("Pow", [d, self.const(2.0)])], axes=[-1], keepdims=1)
        std = self.op("Sqrt", [self.op("Add", [var, self.const(LN_EPS)])])
        return self.op("Add", [self.op("Mul", [self.op("Div", [d, std]), gamma]), beta])

    def gelu_erf(self, x: str) -> str:
        # x * 0.5 * (1 + erf(x / sqrt(2))), node for node as torch.onnx emits it.
        e = self.op("Erf", [self.op("Div", [x, self.const(1.4142135381698608)])])
        return self.op("Mul", [self.op("Mul", [x, self.op("Add", [e, self.const(1.0)])]), self.const(0.5)])

    def gelu_tanh(self, x: str) -> str:
        # GPT-2's gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
        cube = self.op("Pow", [x, self.const(3.0)])
        inner = self.op("Add", [x, self.op("Mul", [cube, self.const(0.044715)])])
        t = self.op("Tanh", [self.op("Mul", [inner, self.const(math.sqrt(2.0 / math.pi))])])
        return self.op("Mul", [self.op("Mul", [x, self.const(0.5)]), self.op("Add", [t, self.const(1.0)])])

    def silu(self, x: str) -> str:
        return self.op("Mul", [x, self.op("Sigmoid", [x])])

    def split_heads(self, x: str, b: str, s: str, k_transposed: bool) -> str:
        """[B, S, H*D] -> [B, H, S, D] (or [B, H, D, S] for GPT-2's key) through a dynamic shape."""
        shape = self.op(
            "Concat",
            [
                self.unsqueeze(b, [0]),
                self.unsqueeze(s, [0]),
                self.const([HEADS], np.int64, "heads"),
                self.const([HEAD_DIM], np.int64, "head_dim"),
            ],
            axis=0,
        )
        r = self.op("Reshape", [x, shape])
        return self.op("Transpose", [r], perm=[0, 2, 3, 1] if k_transposed else [0, 2, 1, 3])

    def merge_heads(self, x: str, b: str, s: str) -> str:
        t = self.op("Transpose", [x], perm=[0, 2, 1, 3])
        shape = self.op(
            "Concat",
            [self.unsqueeze(b, [0]), self.unsqueeze(s, [0]), self.const([HIDDEN], np.int64, "hidden")],
            axis=0,
        )
        return self.op("Reshape", [t, shape])

    def model(self, inputs, outputs, name: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            ir_version=IR_VERSION[self.opset],
            producer_name="edgecc-gen_models",
        )
        onnx.checker.check_model(m, full_check=True)
        return m


def f32_info(name: str, dims) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


# --- GPT-2 ---------------------------------------------------------------------------------------


def gpt2_block(opset: int, seed: int):
    old = opset < 17
    rng = np.random.default_rng(seed)
    bld = Builder(rng, opset)
    x = "hidden_states"
    b, s = bld.dim(x, 0), bld.dim(x, 1)

    h = bld.layer_norm(x, HIDDEN, "ln_1", decomposed=old)
    qkv = bld.linear(h, HIDDEN, 3 * HIDDEN, "attn.c_attn")
    q, k, v = bld.op("Split", [qkv, bld.const([HIDDEN] * 3, np.int64, "split")], n_out=3, axis=2)
    q = bld.split_heads(q, b, s, k_transposed=False)
    kt = bld.split_heads(k, b, s, k_transposed=True)
    v = bld.split_heads(v, b, s, k_transposed=False)
    scores = bld.op("Div", [bld.op("MatMul", [q, kt]), bld.const(math.sqrt(HEAD_DIM))])

    if old:
        # The registered `bias` buffer (a [1, 1, max_pos, max_pos] lower triangle), sliced to the
        # sequence: bias[:, :, 0:s, 0:s].
        tri = np.tril(np.ones((MAX_POS, MAX_POS), dtype=bool))[None, None]
        s1 = bld.unsqueeze(s, [0])
        mask = bld.op(
            "Slice",
            [
                bld.const(tri, bool, "attn.bias"),
                bld.const([0, 0], np.int64, "starts"),
                bld.op("Concat", [s1, s1], axis=0),
                bld.const([2, 3], np.int64, "axes"),
            ],
        )
        fill = bld.const(-10000.0, hint="attn.masked_bias")
    else:
        # torch.ones(s, s).tril().bool(), traced with a dynamic s.
        s1 = bld.unsqueeze(s, [0])
        ones = bld.op(
            "ConstantOfShape",
            [bld.op("Concat", [s1, s1], axis=0)],
            value=numpy_helper.from_array(np.array([1.0], dtype=np.float32)),
        )
        mask = bld.op("Cast", [bld.op("Trilu", [ones], upper=0)], to=TensorProto.BOOL)
        fill = bld.const(np.finfo(np.float32).min, hint="mask_value")
    scores = bld.op("Where", [mask, scores, fill])
    probs = bld.op("Softmax", [scores], axis=-1)
    ctx = bld.merge_heads(bld.op("MatMul", [probs, v]), b, s)
    attn = bld.linear(ctx, HIDDEN, HIDDEN, "attn.c_proj")
    x1 = bld.op("Add", [attn, x])

    h2 = bld.layer_norm(x1, HIDDEN, "ln_2", decomposed=old)
    m = bld.gelu_tanh(bld.linear(h2, HIDDEN, FFN, "mlp.c_fc"))
    m = bld.linear(m, FFN, HIDDEN, "mlp.c_proj")
    bld.nodes.append(helper.make_node("Add", [x1, m], ["output"], name="/residual_out"))

    dims = ["batch", "sequence", HIDDEN]
    model = bld.model([f32_info(x, dims)], [f32_info("output", dims)], f"gpt2_block_opset{opset}")
    inputs = {x: rng.standard_normal((BATCH, SEQ, HIDDEN)).astype(np.float32)}
    kind = "initializer causal-mask buffer, decomposed layer norm" if old else "Trilu causal mask, LayerNormalization"
    return model, inputs, {"batch": BATCH, "sequence": SEQ}, f"GPT-2 decoder block ({kind}, gelu_new)"


# --- BERT ----------------------------------------------------------------------------------------


def bert_layer(opset: int, seed: int):
    old = opset < 17
    rng = np.random.default_rng(seed)
    bld = Builder(rng, opset)
    ids, am = "input_ids", "attention_mask"
    b, s = bld.dim(ids, 0), bld.dim(ids, 1)

    word = bld.op("Gather", [bld.weight((VOCAB, HIDDEN), 0.5, "embeddings.word_embeddings.weight"), ids], axis=0)
    pos_table = bld.weight((MAX_POS, HIDDEN), 0.5, "embeddings.position_embeddings.weight")
    if old:
        # position_ids buffer [1, max_pos], sliced: position_ids[:, 0:s].
        pos_ids = bld.op(
            "Slice",
            [
                bld.const(np.arange(MAX_POS)[None], np.int64, "embeddings.position_ids"),
                bld.const([0], np.int64, "starts"),
                bld.unsqueeze(s, [0]),
                bld.const([1], np.int64, "axes"),
            ],
        )
    else:
        pos_ids = bld.unsqueeze(
            bld.op("Range", [bld.const(0, np.int64, "start"), s, bld.const(1, np.int64, "delta")]), [0]
        )
    pos = bld.op("Gather", [pos_table, pos_ids], axis=0)
    type_ids = bld.op(
        "ConstantOfShape", [bld.op("Shape", [ids])], value=numpy_helper.from_array(np.array([0], dtype=np.int64))
    )
    typ = bld.op("Gather", [bld.weight((2, HIDDEN), 0.5, "embeddings.token_type_embeddings.weight"), type_ids], axis=0)
    emb = bld.op("Add", [bld.op("Add", [word, typ]), pos])
    x = bld.layer_norm(emb, HIDDEN, "embeddings.LayerNorm", decomposed=old)

    # Extended attention mask: (1 - mask[:, None, None, :]) * large_negative.
    m = bld.op("Cast", [bld.unsqueeze(am, [1, 2])], to=TensorProto.FLOAT)
    neg = -10000.0 if old else float(np.finfo(np.float32).min)
    ext = bld.op("Mul", [bld.op("Sub", [bld.const(1.0), m]), bld.const(neg)])

    q = bld.split_heads(bld.linear(x, HIDDEN, HIDDEN, "attention.self.query"), b, s, False)
    k = bld.split_heads(bld.linear(x, HIDDEN, HIDDEN, "attention.self.key"), b, s, False)
    v = bld.split_heads(bld.linear(x, HIDDEN, HIDDEN, "attention.self.value"), b, s, False)
    kt = bld.op("Transpose", [k], perm=[0, 1, 3, 2])
    scores = bld.op("Div", [bld.op("MatMul", [q, kt]), bld.const(math.sqrt(HEAD_DIM))])
    probs = bld.op("Softmax", [bld.op("Add", [scores, ext])], axis=-1)
    ctx = bld.merge_heads(bld.op("MatMul", [probs, v]), b, s)
    attn = bld.linear(ctx, HIDDEN, HIDDEN, "attention.output.dense")
    x1 = bld.layer_norm(bld.op("Add", [attn, x]), HIDDEN, "attention.output.LayerNorm", decomposed=old)

    inter = bld.gelu_erf(bld.linear(x1, HIDDEN, FFN, "intermediate.dense"))
    out = bld.linear(inter, FFN, HIDDEN, "output.dense")
    hidden = bld.layer_norm(bld.op("Add", [out, x1]), HIDDEN, "output.LayerNorm", decomposed=old)
    bld.nodes.append(helper.make_node("Identity", [hidden], ["last_hidden_state"], name="/hidden_out"))

    # Pooler: tanh(Linear(hidden[:, 0])), nn.Linear on a matrix exports as Gemm with transB.
    first = bld.op("Gather", [hidden, bld.const(0, np.int64, "idx")], axis=1)
    w = bld.weight((HIDDEN, HIDDEN), 1.0 / math.sqrt(HIDDEN), "pooler.dense.weight")
    bias = bld.weight((HIDDEN,), 0.1, "pooler.dense.bias")
    pooled = bld.op("Gemm", [first, w, bias], alpha=1.0, beta=1.0, transB=1)
    bld.nodes.append(helper.make_node("Tanh", [pooled], ["pooler_output"], name="/pooler_tanh"))

    int_dims = ["batch", "sequence"]
    model = bld.model(
        [
            helper.make_tensor_value_info(ids, TensorProto.INT64, int_dims),
            helper.make_tensor_value_info(am, TensorProto.INT64, int_dims),
        ],
        [f32_info("last_hidden_state", ["batch", "sequence", HIDDEN]), f32_info("pooler_output", ["batch", HIDDEN])],
        f"bert_layer_opset{opset}",
    )
    mask = np.ones((BATCH, SEQ), dtype=np.int64)
    mask[1, SEQ - 3 :] = 0  # the second sequence is padded
    inputs = {ids: rng.integers(1, VOCAB, size=(BATCH, SEQ), dtype=np.int64), am: mask}
    kind = "decomposed layer norm, sliced position ids" if old else "LayerNormalization, Range position ids"
    return model, inputs, {"batch": BATCH, "sequence": SEQ}, f"BERT embeddings + encoder layer + pooler ({kind}, Erf GELU)"


# --- UNet residual block ---------------------------------------------------------------------------

UNET_N, UNET_CIN, UNET_COUT, UNET_HW, UNET_TEMB, UNET_GROUPS = 1, 32, 48, 16, 64, 8


def group_norm(bld: Builder, x: str, c: int, hint: str, decomposed: bool) -> str:
    gamma, beta = bld.ln_params(c, hint)
    if not decomposed:
        return bld.op("GroupNormalization", [x, gamma, beta], num_groups=UNET_GROUPS, epsilon=LN_EPS)
    # Older torch.onnx: reshape to [N, G, -1], InstanceNormalization with unit scale, reshape back
    # to x's shape, then the per-channel affine.
    r = bld.op("Reshape", [x, bld.const([0, UNET_GROUPS, -1], np.int64, "shape")])
    ones = bld.const(np.ones(UNET_GROUPS), hint="in_scale")
    zeros = bld.const(np.zeros(UNET_GROUPS), hint="in_bias")
    n = bld.op("InstanceNormalization", [r, ones, zeros], epsilon=LN_EPS)
    back = bld.op("Reshape", [n, bld.op("Shape", [x])])
    g3 = bld.unsqueeze(gamma, [1, 2])
    b3 = bld.unsqueeze(beta, [1, 2])
    return bld.op("Add", [bld.op("Mul", [back, g3]), b3])


def conv(bld: Builder, x: str, cin: int, cout: int, k: int, hint: str) -> str:
    w = bld.weight((cout, cin, k, k), 1.0 / math.sqrt(cin * k * k), hint + ".weight")
    b = bld.weight((cout,), 0.1, hint + ".bias")
    p = k // 2
    return bld.op("Conv", [x, w, b], kernel_shape=[k, k], pads=[p, p, p, p], strides=[1, 1], dilations=[1, 1], group=1)


def unet_resblock(opset: int, seed: int):
    old = opset < 18
    rng = np.random.default_rng(seed)
    bld = Builder(rng, opset)
    x, temb = "sample", "temb"

    h = bld.silu(group_norm(bld, x, UNET_CIN, "norm1", decomposed=old))
    h = conv(bld, h, UNET_CIN, UNET_COUT, 3, "conv1")
    # time_emb_proj(silu(temb))[:, :, None, None]; nn.Linear on a matrix is Gemm(transB=1).
    tw = bld.weight((UNET_COUT, UNET_TEMB), 1.0 / math.sqrt(UNET_TEMB), "time_emb_proj.weight")
    tb = bld.weight((UNET_COUT,), 0.1, "time_emb_proj.bias")
    t = bld.op("Gemm", [bld.silu(temb), tw, tb], transB=1)
    h = bld.op("Add", [h, bld.unsqueeze(t, [2, 3])])
    h = bld.silu(group_norm(bld, h, UNET_COUT, "norm2", decomposed=old))
    h = conv(bld, h, UNET_COUT, UNET_COUT, 3, "conv2")
    shortcut = conv(bld, x, UNET_CIN, UNET_COUT, 1, "conv_shortcut")
    bld.nodes.append(helper.make_node("Add", [shortcut, h], ["output"], name="/residual_out"))

    model = bld.model(
        [f32_info(x, ["batch", UNET_CIN, UNET_HW, UNET_HW]), f32_info(temb, ["batch", UNET_TEMB])],
        [f32_info("output", ["batch", UNET_COUT, UNET_HW, UNET_HW])],
        f"unet_resblock_opset{opset}",
    )
    inputs = {
        x: rng.standard_normal((UNET_N, UNET_CIN, UNET_HW, UNET_HW)).astype(np.float32),
        temb: rng.standard_normal((UNET_N, UNET_TEMB)).astype(np.float32),
    }
    kind = "InstanceNormalization-based group norm" if old else "GroupNormalization"
    # The batch is a dim_param, as diffusers' UNet exports write it.
    return model, inputs, {"batch": UNET_N}, f"UNet residual conv block ({kind}, SiLU, time embedding, 1x1 shortcut)"


# The two forms of a model share their seed, hence their weights and inputs: their onnxruntime
# outputs must agree, which checks the decomposed forms against the fused ops.
MODELS = [
    ("gpt2_block_opset17", gpt2_block, 17, 1001),
    ("gpt2_block_opset13", gpt2_block, 13, 1001),
    ("bert_layer_opset17", bert_layer, 17, 1002),
    ("bert_layer_opset13", bert_layer, 13, 1002),
    ("unet_resblock_opset21_groupnorm", unet_resblock, 21, 1003),
    ("unet_resblock_opset13_instancenorm", unet_resblock, 13, 1003),
]
FORMS_AGREE_ATOL = 1e-4


def write_model(out_dir: str, name: str, build, opset: int, seed: int) -> list[np.ndarray]:
    model, inputs, shapes, description = build(opset, seed)
    d = os.path.join(out_dir, name)
    os.makedirs(d)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    outputs = sess.run(None, inputs)

    meta = {"description": description, "opset": opset, "shapes": shapes, "inputs": [], "outputs": []}
    for vi in model.graph.input:
        arr = inputs[vi.name]
        np.save(os.path.join(d, vi.name + ".npy"), arr)
        meta["inputs"].append({"name": vi.name, "file": vi.name + ".npy"})
    for k, (vi, arr) in enumerate(zip(model.graph.output, outputs, strict=True)):
        if not np.all(np.isfinite(arr)):
            raise SystemExit(f"{name}: onnxruntime output `{vi.name}` is not finite")
        np.save(os.path.join(d, f"out_{k}.npy"), arr)
        meta["outputs"].append({"name": vi.name, "file": f"out_{k}.npy"})
    with open(os.path.join(d, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"  {name}: {len(model.graph.node)} nodes, outputs {[o.shape for o in outputs]}")
    return outputs


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out_dir = os.path.abspath(sys.argv[1])
    tmp_dir = out_dir + ".tmp"
    if os.path.exists(tmp_dir):
        shutil.rmtree(tmp_dir)
    os.makedirs(tmp_dir)
    print(f"gen_models: onnx {onnx.__version__}, onnxruntime {ort.__version__} -> {out_dir}")
    by_seed: dict[int, tuple[str, list[np.ndarray]]] = {}
    for name, build, opset, seed in MODELS:
        outputs = write_model(tmp_dir, name, build, opset, seed)
        if seed in by_seed:
            other, expected = by_seed[seed]
            err = max(float(np.max(np.abs(a - b))) for a, b in zip(outputs, expected, strict=True))
            if err > FORMS_AGREE_ATOL:
                raise SystemExit(f"{name} and {other} disagree: max abs difference {err:.3g}")
            print(f"  {name} agrees with {other}: max abs difference {err:.3g}")
        else:
            by_seed[seed] = (name, outputs)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.rename(tmp_dir, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
