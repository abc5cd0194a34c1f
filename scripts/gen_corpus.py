#!/usr/bin/env python3
"""Writes a corpus of models as real exporters and builders from PyPI write them, with onnxruntime
CPU's outputs, for edgecc's tests (tests/onnx_corpus.rs).

Usage: gen_corpus.py OUT_DIR [NAME ...]      (NAMEs: build only these; for trying one model)

Runs in the corpus environment (.venv-corpus, scripts/requirements-corpus.txt: torch, torchvision,
transformers, onnxruntime-genai, mobius-onnx, onnxruntime). Nothing is downloaded at run time:
every model has random weights, drawn from fixed seeds.

Where the models come from (nothing here is written with onnx.helper):

| prefix      | writer                                                                              |
|-------------|-------------------------------------------------------------------------------------|
| zoo_*       | the ONNX model zoo's classic CNNs as the `onnx` package ships them                  |
|             | (onnx/backend/test/data/light: graphs written by onnx-caffe2, opset 9, IR 3, weights |
|             | as graph inputs with initializers). The package replaced each weight with a         |
|             | ConstantOfShape node; here each becomes a seeded random initializer again, so the   |
|             | graph is the zoo's own, only the weights are random.                                |
| tv_*        | torchvision models exported by torch.onnx's TorchScript exporter (dynamo=False) at  |
|             | opsets 7, 8 and 9, the way the zoo's PyTorch models were exported; 64x64 inputs.    |
| <arch>_std  | decoder LLMs by mobius (onnxruntime's onnxscript-based GenAI builder), EP `default`: |
|             | opset 24 RotaryEmbedding and Attention with past/present KV, a model-local          |
|             | function for com.microsoft SkipSimplifiedLayerNormalization.                        |
| <arch>_gqa  | the same builder, EP `cpu`: com.microsoft GroupQueryAttention (rotary inside).      |
| <arch>_ortgenai | onnxruntime-genai's model builder (-e cpu -p fp32): GroupQueryAttention,        |
|             | SkipSimplifiedLayerNormalization / SkipLayerNormalization, contrib RotaryEmbedding.  |

The decoders (llama, qwen2, qwen3, phi3, phi (Phi-2), gpt2) come from a tiny Hugging Face config
(`AutoModelForCausalLM.from_config`, saved with a tiny word-level tokenizer), 2 layers, hidden 64.
Each runs two steps: `prefill` (8 tokens, an empty past: past length 0) and `decode` (1 token, the
prefill's `present.*` outputs as the past, past length 8).

Output layout, one folder per model:

    OUT_DIR/<name>/model.onnx (+ model.onnx.data where the builder writes external data)
    OUT_DIR/<name>/<step>/in.<safe input name>.npy      (safe: [A-Za-z0-9._-], others -> '_')
    OUT_DIR/<name>/<step>/out.<safe output name>.npy    onnxruntime CPU's outputs
    OUT_DIR/<name>/meta.json  {"name", "family" (cnn|decoder), "writer", "opsets", "nodes",
                               "op_types", "functions", "large" (a big CNN: minutes through WGSL on a software device),
                               "steps": [{"step", "dims": {dim_param: value},
                                          "inputs": [{"name", "file"}],
                                          "outputs": [{"name", "file"}]}]}

The folder is written into a temporary sibling and renamed into place at the end.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

SEED = 20261202
PREFILL = 8
HIDDEN = 64

# Zoo CNNs whose WGSL run takes minutes on the software Vulkan device: only in the ignored test.
ZOO = [
    "squeezenet",
    "resnet50",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "shufflenet",
    "bvlc_alexnet",
    "zfnet512",
    "vgg19",
]

# (name, torchvision constructor, kwargs, opset, large)
TORCHVISION = [
    ("tv_squeezenet1_0_opset7", "squeezenet1_0", {"num_classes": 10}, 7, False),
    ("tv_squeezenet1_1_opset9", "squeezenet1_1", {"num_classes": 10}, 9, False),
    ("tv_resnet18_opset8", "resnet18", {"num_classes": 10}, 8, False),
    ("tv_resnet50_opset9", "resnet50", {"num_classes": 10}, 9, True),
    ("tv_mobilenet_v2_opset9", "mobilenet_v2", {"num_classes": 10}, 9, False),
    ("tv_shufflenet_v2_x0_5_opset9", "shufflenet_v2_x0_5", {"num_classes": 10}, 9, False),
    ("tv_densenet121_opset9", "densenet121", {"num_classes": 10}, 9, True),
    ("tv_googlenet_opset9", "googlenet", {"num_classes": 10, "aux_logits": False, "init_weights": True}, 9, True),
]

DECODERS = ["llama", "qwen2", "qwen3", "phi3", "phi", "gpt2"]
# onnxruntime-genai's builder has no GPT-2 (its GPT-2 style models come from mobius only).
ORTGENAI_ARCHS = ["llama", "qwen2", "qwen3", "phi3", "phi"]


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def summarize(model: onnx.ModelProto) -> dict:
    ops = collections.Counter(f"{n.domain or 'ai.onnx'}::{n.op_type}" for n in model.graph.node)
    return {
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "ir_version": model.ir_version,
        "opsets": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "nodes": len(model.graph.node),
        "op_types": dict(sorted(ops.items())),
        "functions": [f"{f.domain}::{f.name}" for f in model.functions],
    }


def session(path: str) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def run_step(d: str, sess: ort.InferenceSession, step: str, feeds: dict, dims: dict) -> dict:
    sd = os.path.join(d, step)
    os.makedirs(sd)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    entry = {"step": step, "dims": dims, "inputs": [], "outputs": []}
    for i in sess.get_inputs():
        if i.name not in feeds:  # an input with an initializer (IR < 4): a weight, left to it
            continue
        f = f"{step}/in.{safe(i.name)}.npy"
        np.save(os.path.join(d, f), feeds[i.name])
        entry["inputs"].append({"name": i.name, "file": f})
    result = {}
    for n, a in zip(names, outs, strict=True):
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise SystemExit(f"{d}: onnxruntime output `{n}` of step {step} is not finite")
        f = f"{step}/out.{safe(n)}.npy"
        np.save(os.path.join(d, f), a)
        entry["outputs"].append({"name": n, "file": f})
        result[n] = a
    entry["_result"] = result
    return entry


def write_meta(d: str, meta: dict) -> None:
    for s in meta["steps"]:
        s.pop("_result", None)
    with open(os.path.join(d, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    ops = ", ".join(meta["op_types"])
    print(f"  {meta['name']}: {meta['opsets']}, {meta['nodes']} nodes: {ops}", flush=True)


# --- zoo CNNs (the onnx package's light models, weights made random again) ------------------------


def is_scale(name: str) -> bool:
    lname = name.lower()
    return "scale" in lname or "_s_0" in lname or "bn_s" in lname or "gamma" in lname


def random_weight(rng: np.random.Generator, name: str, shape: list[int]) -> np.ndarray:
    lname = name.lower()
    if len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / max(fan_in, 1))).astype(np.float32)
    if "var" in lname or "_riv" in lname:
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if is_scale(name):
        return rng.uniform(0.8, 1.2, shape).astype(np.float32)
    return (rng.standard_normal(shape) * 0.05).astype(np.float32)


def zoo_model(out_dir: str, name: str, rng: np.random.Generator) -> None:
    src = os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/light", f"light_{name}.onnx")
    m = onnx.load(src)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    keep, drop_inits = [], set()
    new_inits = []
    for n in g.node:
        if n.op_type == "ConstantOfShape" and n.input and n.input[0] in inits:
            shape = [int(v) for v in onnx.numpy_helper.to_array(inits[n.input[0]])]
            w = random_weight(rng, n.output[0], shape)
            new_inits.append(onnx.numpy_helper.from_array(w, n.output[0]))
            drop_inits.add(n.input[0])
        else:
            keep.append(n)
    still_used = {i for n in keep for i in n.input}
    drop_inits -= still_used
    del g.node[:]
    g.node.extend(keep)
    rest = [t for t in g.initializer if t.name not in drop_inits]
    del g.initializer[:]
    g.initializer.extend(rest + new_inits)
    have = {i.name for i in g.input}
    inputs = [i for i in g.input if i.name not in drop_inits]
    del g.input[:]
    g.input.extend(inputs)
    for t in new_inits:  # IR 3: every initializer is also a graph input
        if t.name not in have:
            g.input.append(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    d = os.path.join(out_dir, f"zoo_{name}")
    os.makedirs(d)
    path = os.path.join(d, "model.onnx")
    init_names = {t.name for t in g.initializer}
    feeds = {}
    for i in g.input:
        if i.name in init_names:
            continue
        dims = [x.dim_value for x in i.type.tensor_type.shape.dim]
        feeds[i.name] = rng.standard_normal(dims).astype(np.float32)
    # Random batch-norm statistics do not normalize: through the residual sums of ResNet-50 and
    # ShuffleNet the logits grow until the softmax is one-hot, which any wrong value matches. Damp
    # every batch-norm scale by the first gain that leaves the output informative.
    made = {t.name for t in new_inits}
    scales = [t for t in g.initializer if t.name in made and is_scale(t.name) and len(t.dims) == 1]
    base = {t.name: onnx.numpy_helper.to_array(t).copy() for t in scales}
    for gain in (1.0, 0.7, 0.5, 0.35, 0.25):
        for t in scales:
            t.CopyFrom(onnx.numpy_helper.from_array((base[t.name] * gain).astype(np.float32), t.name))
        onnx.save(m, path)
        sess = session(path)
        out = sess.run(None, feeds)[0]
        if not scales or float(np.max(out)) < 0.9:
            break
    # Inputs with initializers are weights: left to their defaults, as a user runs the model.
    entry = run_step(d, sess, "run", feeds, {})
    meta = {
        "name": f"zoo_{name}",
        "family": "cnn",
        "writer": f"onnx-caffe2 (the ONNX model zoo; shipped by onnx {onnx.__version__}), random weights",
        "large": True,
        "steps": [entry],
        **summarize(m),
    }
    write_meta(d, meta)


# --- torchvision CNNs through the TorchScript exporter ------------------------------------------------


def torchvision_model(out_dir: str, name: str, ctor: str, kwargs: dict, opset: int, large: bool) -> None:
    import warnings

    import torch
    import torchvision

    torch.manual_seed(SEED)
    model = getattr(torchvision.models, ctor)(weights=None, **kwargs).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.8, 1.2)
                mod.bias.uniform_(-0.1, 0.1)
    x = torch.randn(1, 3, 64, 64)
    d = os.path.join(out_dir, name)
    os.makedirs(d)
    path = os.path.join(d, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (x,),
            path,
            opset_version=opset,
            dynamo=False,
            input_names=["input"],
            output_names=["logits"],
        )
    m = onnx.load(path)
    sess = session(path)
    entry = run_step(d, sess, "run", {"input": x.numpy()}, {})
    meta = {
        "name": name,
        "family": "cnn",
        "writer": f"torch {torch.__version__} torch.onnx.export (TorchScript, dynamo=False), "
        f"torchvision {torchvision.__version__} {ctor}, random weights",
        "large": large,
        "steps": [entry],
        **summarize(m),
    }
    write_meta(d, meta)


# --- decoder LLMs ---------------------------------------------------------------------------------------


def hf_config(arch: str):
    import transformers as tf

    common = dict(vocab_size=256, max_position_embeddings=128, tie_word_embeddings=False)
    if arch == "gpt2":
        return tf.GPT2Config(n_embd=HIDDEN, n_head=4, n_layer=2, n_positions=128, vocab_size=256,
                             initializer_range=0.1, bos_token_id=1, eos_token_id=2)
    dims = dict(hidden_size=HIDDEN, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                initializer_range=0.1, bos_token_id=1, eos_token_id=2, **common)
    if arch == "llama":
        return tf.LlamaConfig(num_key_value_heads=2, rms_norm_eps=1e-5, **dims)
    if arch == "qwen2":
        return tf.Qwen2Config(num_key_value_heads=2, rms_norm_eps=1e-6, **dims)
    if arch == "qwen3":
        return tf.Qwen3Config(num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6, **dims)
    if arch == "phi3":
        return tf.Phi3Config(num_key_value_heads=2, rms_norm_eps=1e-5, pad_token_id=0,
                             original_max_position_embeddings=128, **dims)
    if arch == "phi":
        # Phi-2's partial rotary; 2 heads of 32 so that the rotary half (cos/sin cache dim 8) is
        # what GroupQueryAttention's kernel takes (a multiple of 8).
        dims["num_attention_heads"] = 2
        return tf.PhiConfig(num_key_value_heads=2, partial_rotary_factor=0.5, **dims)
    raise ValueError(arch)


def hf_folder(arch: str, root: str) -> str:
    """A Hugging Face model folder: random weights from a tiny config, and a tiny tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    path = os.path.join(root, f"hf_{arch}")
    if os.path.isdir(path):
        return path
    torch.manual_seed(SEED)
    model = AutoModelForCausalLM.from_config(hf_config(arch))
    model.save_pretrained(path)
    tok = Tokenizer(models.WordLevel(vocab={f"t{i}": i for i in range(256)}, unk_token="t0"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="t1", eos_token="t2", unk_token="t0", pad_token="t0"
    ).save_pretrained(path)
    return path


def builder_run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{what} failed ({' '.join(cmd)}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")


def decoder_feeds(sess: ort.InferenceSession, rng, seq: int, past: int, presents: dict | None, head_size: int):
    """Inputs for one step: token ids, an all-ones mask, counting positions, the past KV."""
    feeds, dims = {}, {}
    for i in sess.get_inputs():
        shape = i.shape
        n = i.name
        if n == "input_ids":
            feeds[n] = rng.integers(3, 256, size=(1, seq), dtype=np.int64)
        elif n == "attention_mask":
            feeds[n] = np.ones((1, past + seq), dtype=np.int64)
        elif n == "position_ids":
            feeds[n] = np.arange(past, past + seq, dtype=np.int64).reshape(1, seq)
        elif n.startswith("past_key_values.") or n.startswith("past_"):
            if presents is not None:
                key = n.replace("past_key_values", "present")
                if key not in presents:
                    raise SystemExit(f"no present output for past input `{n}` among {sorted(presents)}")
                feeds[n] = presents[key]
            else:
                # [batch, kv_heads, past, head_size]: dims the graph fixes, or from the config.
                kv, hd = shape[1], shape[3]
                if not isinstance(kv, int):
                    raise SystemExit(f"past input `{n}` has a symbolic KV head count {kv}")
                if not isinstance(hd, int):  # onnxruntime-genai's `kv_cache_dim`: the head size
                    hd = head_size
                feeds[n] = np.zeros((1, kv, 0, hd), dtype=np.float32)
        else:
            raise SystemExit(f"unknown decoder input `{n}` {shape}")
        for k, dim in enumerate(shape):
            if isinstance(dim, str):
                dims[dim] = int(feeds[n].shape[k])
    return feeds, dims


def decoder_model(out_dir: str, name: str, arch: str, builder: str, hf: str, rng, work: str) -> None:
    d = os.path.join(out_dir, name)
    build_dir = os.path.join(work, name)
    if builder == "ortgenai":
        import onnxruntime_genai

        builder_run(
            [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", hf, "-o", build_dir,
             "-p", "fp32", "-e", "cpu", "-c", os.path.join(work, "cache")],
            f"onnxruntime-genai builder for {name}",
        )
        writer = f"onnxruntime-genai {onnxruntime_genai.__version__} model builder (-e cpu -p fp32)"
    else:
        import importlib.metadata

        ep = "default" if builder == "std" else "cpu"
        builder_run(
            [sys.executable, "-m", "mobius", "build", "--config", hf, build_dir, "--ep", ep, "--dtype", "f32"],
            f"mobius for {name}",
        )
        writer = f"mobius-onnx {importlib.metadata.version('mobius-onnx')} (mobius build --ep {ep} --dtype f32)"
    os.makedirs(d)
    for f in os.listdir(build_dir):
        if f.endswith(".onnx") or f.endswith(".data"):
            shutil.copy(os.path.join(build_dir, f), os.path.join(d, f))
    path = os.path.join(d, "model.onnx")
    m = onnx.load(path, load_external_data=False)
    sess = session(path)
    cfg = hf_config(arch)
    head_size = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    feeds, dims = decoder_feeds(sess, rng, PREFILL, 0, None, head_size)
    prefill = run_step(d, sess, "prefill", feeds, dims)
    feeds, dims = decoder_feeds(sess, rng, 1, PREFILL, prefill["_result"], head_size)
    decode = run_step(d, sess, "decode", feeds, dims)
    meta = {
        "name": name,
        "family": "decoder",
        "writer": f"{writer}, from a transformers {arch} config with random weights",
        "large": False,
        "steps": [prefill, decode],
        **summarize(m),
    }
    write_meta(d, meta)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out_dir = os.path.abspath(sys.argv[1])
    only = set(sys.argv[2:])
    tmp_dir = out_dir + ".tmp"
    if os.path.exists(tmp_dir):
        shutil.rmtree(tmp_dir)
    os.makedirs(tmp_dir)
    print(f"gen_corpus: onnx {onnx.__version__}, onnxruntime {ort.__version__} -> {out_dir}", flush=True)
    want = lambda n: not only or n in only  # noqa: E731
    rng = np.random.default_rng(SEED)
    for z in ZOO:
        if want(f"zoo_{z}"):
            zoo_model(tmp_dir, z, np.random.default_rng([SEED, len(z)]))
    for name, ctor, kwargs, opset, large in TORCHVISION:
        if want(name):
            torchvision_model(tmp_dir, name, ctor, kwargs, opset, large)
    with tempfile.TemporaryDirectory(prefix="edgecc-corpus-") as work:
        for k, arch in enumerate(DECODERS):
            builders = ["std", "gqa"] + (["ortgenai"] if arch in ORTGENAI_ARCHS else [])
            for b in builders:
                name = f"{arch}_{b}"
                if want(name):
                    hf = hf_folder(arch, work)
                    decoder_model(tmp_dir, name, arch, b, hf, np.random.default_rng([SEED, k]), work)
    if only:
        # A partial run adds (or replaces) only the named models.
        os.makedirs(out_dir, exist_ok=True)
        for n in os.listdir(tmp_dir):
            if os.path.exists(os.path.join(out_dir, n)):
                shutil.rmtree(os.path.join(out_dir, n))
            os.rename(os.path.join(tmp_dir, n), os.path.join(out_dir, n))
        shutil.rmtree(tmp_dir)
        return 0
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.rename(tmp_dir, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
