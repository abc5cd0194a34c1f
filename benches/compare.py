#!/usr/bin/env python3
"""Times the same ONNX models through edgecc (a WGSL device), onnxruntime (CPU) and wonnx.

How to run (from the repository root):

    bash scripts/setup.sh            # .venv (onnx, onnxruntime, numpy) and target/onnx-data/models
    cargo build --release            # target/release/edgecc ($CARGO_TARGET_DIR/release/edgecc if set)
    .venv/bin/python benches/compare.py [--runs 20] [--target lavapipe] [--json results.json]

wonnx (PyPI `wonnx`, an ONNX runtime on wgpu) is not in scripts/requirements.txt: when it cannot
be imported, this script installs it (`pip install wonnx==0.5.1`) into the interpreter's virtual
environment (the repository's .venv when run as above); `--no-install-wonnx` skips that, and the
wonnx column then says why it is empty. To install it by hand: `.venv/bin/pip install wonnx==0.5.1`.

The models: every folder of target/onnx-data/models (model.onnx, one <input>.npy per graph input,
meta.json; written by scripts/gen_models.py) and, unless --no-extra, a few static-shape models in
target/bench-models made by this script from the ops wonnx implements (an MLP, a 512x512x512
MatMul, a small CNN), so that there is something wonnx can run. Extra folders: --models DIR.

For each model:

- onnxruntime CPU: an InferenceSession (default options: all graph optimizations, one thread per
  core), `--warmup` runs, then `--runs` timed runs of `session.run` on the stored inputs.
- wonnx, in a child process (a wonnx panic or crash must not end the comparison): the model is
  first made static the way wonnx needs (its symbolic dims set from meta.json, constants folded
  by onnxruntime's basic graph optimizations - what onnx-simplifier does for wonnx users - and
  every intermediate shape inferred), then `Session.from_bytes`, warm-up, and timed `run` calls
  on the inputs as flat float32 arrays (the only input type wonnx's Python binding takes). Its
  outputs are checked against onnxruntime's; a model it cannot load or run, or computes wrongly,
  gets the reason instead of a time. wonnx picks its adapter with WGPU_ADAPTER_NAME and
  WGPU_BACKEND, which this script sets to the device edgecc uses (llvmpipe for `lavapipe`;
  `--adapter` otherwise).
- edgecc: `edgecc run model.onnx --target T --input NAME=FILE ... --iterations N --output-dir D`:
  one warm-up run, then N timed runs with one compiled program and session (upload, dispatches,
  readback), parsed from its `timing: N runs, median X ms, min Y ms, ...` line; its outputs are checked
  against onnxruntime's too.

Every figure is the median wall-clock time of one inference on the stored inputs; the table gives
the ratios edgecc/ORT and edgecc/wonnx (below 1: edgecc is faster). The 1-minute load average is
printed with the results: on a shared machine the figures are only as good as it is quiet.

Exit status: 0 when edgecc ran and matched onnxruntime on every model; 1 otherwise (the failing
model and edgecc's error are printed); 2 for a setup problem (no edgecc binary, no models).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WONNX_VERSION = "0.5.1"
# Ops wonnx runs by handing on their input buffer.
WONNX_FORWARDING_OPS = {"Reshape", "Identity", "Flatten", "Squeeze", "Unsqueeze", "Dropout"}
TIMING_RE = re.compile(r"^timing: (\d+) runs, median ([0-9.]+) ms, min ([0-9.]+) ms", re.M)
# Outputs within ATOL + RTOL * |reference| of onnxruntime's count as matching.
ATOL = 1e-3
RTOL = 1e-3


def die(msg: str, code: int = 2) -> None:
    print(f"compare.py: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # pragma: no cover - setup problem
    die(f"{e}: run `bash scripts/setup.sh` and use .venv/bin/python")


# --- models ---------------------------------------------------------------------------------------


def read_meta(model_dir: Path) -> dict:
    path = model_dir / "meta.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RuntimeError(f"{path}: {e}") from e
    for key in ("inputs", "outputs"):
        if not isinstance(meta.get(key), list) or not all(
            isinstance(x, dict) and "name" in x and "file" in x for x in meta[key]
        ):
            raise RuntimeError(f"{path}: `{key}` must be a list of {{name, file}}")
    meta.setdefault("shapes", {})
    return meta


def load_inputs(model_dir: Path, meta: dict) -> dict[str, np.ndarray]:
    return {e["name"]: np.load(model_dir / e["file"]) for e in meta["inputs"]}


def max_error(got: np.ndarray, want: np.ndarray) -> tuple[float, bool]:
    """Max abs error, and whether every element is within ATOL + RTOL * |want|."""
    got = np.asarray(got, dtype=np.float64).reshape(want.shape)
    want = want.astype(np.float64)
    if got.size == 0:
        return 0.0, True
    diff = np.abs(got - want)
    diff[np.isnan(got) != np.isnan(want)] = np.inf
    diff[np.isnan(got) & np.isnan(want)] = 0.0
    return float(np.max(diff)), bool(np.all(diff <= ATOL + RTOL * np.abs(np.nan_to_num(want))))


def write_model_dir(out: Path, name: str, model: onnx.ModelProto, inputs: dict[str, np.ndarray], description: str):
    """Writes a model folder in gen_models.py's layout, with onnxruntime's outputs."""
    onnx.checker.check_model(model, full_check=True)
    tmp = out.parent / f".{out.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    onnx.save(model, str(tmp / "model.onnx"))
    sess = ort.InferenceSession(str(tmp / "model.onnx"), providers=["CPUExecutionProvider"])
    outs = sess.run(None, inputs)
    meta = {"description": description, "opset": model.opset_import[0].version, "shapes": {}, "inputs": [], "outputs": []}
    for k, v in inputs.items():
        np.save(tmp / f"{k}.npy", v)
        meta["inputs"].append({"name": k, "file": f"{k}.npy"})
    for k, (o, v) in enumerate(zip(sess.get_outputs(), outs)):
        np.save(tmp / f"out_{k}.npy", v)
        meta["outputs"].append({"name": o.name, "file": f"out_{k}.npy"})
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"compare.py: wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({name})")


def extra_models(out_root: Path) -> list[Path]:
    """Static-shape f32 models built only from ops wonnx implements (regenerated when missing or
    when this generator changes: the folder records the version it was made by)."""
    version = "1"
    rng = np.random.default_rng(11)
    opset = [helper.make_opsetid("", 13)]

    def weight(name: str, shape: tuple[int, ...], scale: float) -> TensorProto:
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    def model(name, nodes, inits, x_shape, y_shape):
        g = helper.make_graph(
            nodes,
            name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape))],
            inits,
        )
        return helper.make_model(g, opset_imports=opset, ir_version=7, producer_name="edgecc compare.py")

    specs = {}
    # An MLP: 64 rows, 512 -> 2048 -> 512 (MatMul + Add + Relu, MatMul + Add).
    specs["extra_mlp_64x512x2048"] = (
        "MLP 64x512 -> 2048 (ReLU) -> 512",
        lambda: model(
            "mlp",
            [
                helper.make_node("MatMul", ["x", "w1"], ["h0"]),
                helper.make_node("Add", ["h0", "b1"], ["h1"]),
                helper.make_node("Relu", ["h1"], ["h2"]),
                helper.make_node("MatMul", ["h2", "w2"], ["h3"]),
                helper.make_node("Add", ["h3", "b2"], ["y"]),
            ],
            [
                weight("w1", (512, 2048), 512**-0.5),
                weight("b1", (2048,), 0.1),
                weight("w2", (2048, 512), 2048**-0.5),
                weight("b2", (512,), 0.1),
            ],
            (64, 512),
            (64, 512),
        ),
        (64, 512),
    )
    # One square MatMul (the criterion bench's 512x512x512).
    specs["extra_matmul_512x512x512"] = (
        "MatMul 512x512 @ 512x512",
        lambda: model(
            "matmul",
            [helper.make_node("MatMul", ["x", "w"], ["y"])],
            [weight("w", (512, 512), 512**-0.5)],
            (512, 512),
            (512, 512),
        ),
        (512, 512),
    )
    # A small CNN: 3x3 convs with ReLU, a max pool, global average pool, a linear head.
    specs["extra_cnn_1x16x64x64"] = (
        "CNN: Conv3x3(16->32)+ReLU, Conv3x3(32->32)+ReLU, MaxPool2, Conv3x3(32->64)+ReLU, GAP, 64->10",
        lambda: model(
            "cnn",
            [
                helper.make_node("Conv", ["x", "c1w", "c1b"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("Relu", ["c1"], ["r1"]),
                helper.make_node("Conv", ["r1", "c2w", "c2b"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("Relu", ["c2"], ["r2"]),
                helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
                helper.make_node("Conv", ["p2", "c3w", "c3b"], ["c3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("Relu", ["c3"], ["r3"]),
                helper.make_node("GlobalAveragePool", ["r3"], ["gap"]),
                helper.make_node("Flatten", ["gap"], ["flat"], axis=1),
                helper.make_node("MatMul", ["flat", "fcw"], ["fc"]),
                helper.make_node("Add", ["fc", "fcb"], ["y"]),
            ],
            [
                weight("c1w", (32, 16, 3, 3), (16 * 9) ** -0.5),
                weight("c1b", (32,), 0.1),
                weight("c2w", (32, 32, 3, 3), (32 * 9) ** -0.5),
                weight("c2b", (32,), 0.1),
                weight("c3w", (64, 32, 3, 3), (32 * 9) ** -0.5),
                weight("c3b", (64,), 0.1),
                weight("fcw", (64, 10), 64**-0.5),
                weight("fcb", (10,), 0.1),
            ],
            (1, 16, 64, 64),
            (1, 10),
        ),
        (1, 16, 64, 64),
    )
    dirs = []
    for name, (description, build, x_shape) in specs.items():
        out = out_root / name
        stamp = out / ".generator"
        if not (stamp.is_file() and stamp.read_text().strip() == version and (out / "model.onnx").is_file()):
            x = rng.standard_normal(x_shape).astype(np.float32)
            write_model_dir(out, name, build(), {"x": x}, description)
            stamp.write_text(version + "\n")
        dirs.append(out)
    return dirs


# --- onnxruntime ----------------------------------------------------------------------------------


def time_calls(fn, warmup: int, runs: int) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "runs": runs}


def run_ort(model_dir: Path, meta: dict, warmup: int, runs: int) -> dict:
    inputs = load_inputs(model_dir, meta)
    sess = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    return time_calls(lambda: sess.run(None, inputs), warmup, runs)


# --- wonnx ----------------------------------------------------------------------------------------


def ensure_wonnx(install: bool) -> str | None:
    """None when wonnx can be imported (installing it first if allowed); else why not."""
    probe = [sys.executable, "-c", "import wonnx"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    if not install:
        return f"wonnx is not installed (`{sys.executable} -m pip install wonnx=={WONNX_VERSION}`)"
    if sys.prefix == sys.base_prefix:
        return (
            f"wonnx is not installed and {sys.executable} is not a virtual environment's: run this script "
            f"with .venv/bin/python, or `pip install wonnx=={WONNX_VERSION}` yourself"
        )
    print(f"compare.py: installing wonnx=={WONNX_VERSION} into {sys.prefix}", flush=True)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", f"wonnx=={WONNX_VERSION}"],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        return f"`pip install wonnx=={WONNX_VERSION}` failed: {last_line(pip.stderr or pip.stdout)}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return "wonnx was installed but cannot be imported"
    return None


def static_model_for_wonnx(model_dir: Path, meta: dict, tmp: Path) -> onnx.ModelProto:
    """The model with its symbolic dims fixed, constants folded and every shape inferred."""
    m = onnx.load(str(model_dir / "model.onnx"))
    shapes = meta.get("shapes", {})
    for vi in list(m.graph.input) + list(m.graph.output):
        for dim in vi.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and dim.dim_param in shapes:
                value = int(shapes[dim.dim_param])
                dim.Clear()
                dim.dim_value = value
    del m.graph.value_info[:]
    static = tmp / "static.onnx"
    folded = tmp / "folded.onnx"
    onnx.save(m, str(static))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(static), so, providers=["CPUExecutionProvider"])
    m = onnx.load(str(folded))
    # onnxruntime declares domains it does not use (ai.onnx.ml, ...); wonnx rejects unknown ones.
    used = {n.domain for n in m.graph.node}
    keep = [o for o in m.opset_import if o.domain in ("", "ai.onnx") or o.domain in used]
    del m.opset_import[:]
    m.opset_import.extend(keep)
    del m.graph.value_info[:]
    return onnx.shape_inference.infer_shapes(m, strict_mode=True, data_prop=True)


def wonnx_unsupported_nodes(model: onnx.ModelProto, budget_s: float = 120) -> str:
    """Why wonnx cannot run `model`, node by node: each node alone (its non-constant inputs made
    graph inputs) is loaded and run in wonnx; the first failure of each op type is reported."""
    import wonnx

    types = {v.name: v for v in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output)}
    inits = {t.name: t for t in model.graph.initializer}
    failures: dict[str, str] = {}
    unknown = []
    deadline = time.monotonic() + budget_s
    for node in model.graph.node:
        if time.monotonic() > deadline:
            failures.setdefault("...", "(stopped: out of time)")
            break
        if node.op_type in failures:
            continue
        ins = [i for i in node.input if i and i not in inits]
        outs = [o for o in node.output if o]
        if any(n not in types for n in ins + outs):
            unknown.append(node.op_type)
            continue
        g = helper.make_graph(
            [node],
            "node",
            [types[i] for i in dict.fromkeys(ins)],
            [types[o] for o in outs],
            [inits[i] for i in dict.fromkeys(node.input) if i in inits],
        )
        single = helper.make_model(g, opset_imports=list(model.opset_import), ir_version=model.ir_version)
        feeds = {}
        for i in dict.fromkeys(ins):
            dims = [d.dim_value for d in types[i].type.tensor_type.shape.dim]
            feeds[i] = np.zeros(int(np.prod(dims, dtype=np.int64)), dtype=np.float32)
        try:
            wonnx.Session.from_bytes(single.SerializeToString()).run(feeds)
        except BaseException as e:  # noqa: BLE001 - wonnx panics on what it does not support
            why = one_line(str(e).replace("called `Result::unwrap()` on an `Err` value: ", ""))
            if node.op_type in WONNX_FORWARDING_OPS and "COPY_SRC" in why:
                continue  # a node that forwards its input buffer cannot be a model of its own in wonnx
            if "ParametrizedDimensionUnsupported" in why:
                unknown.append(node.op_type)
                continue
            failures[node.op_type] = f"{node.op_type} ({node.name}): {why}"
    if unknown:
        failures["?"] = f"intermediate shapes that shape inference leaves symbolic ({', '.join(sorted(set(unknown)))})"
    if not failures:
        return "every node runs alone in wonnx"
    return "nodes wonnx cannot run: " + "; ".join(failures.values())


def wonnx_worker(model_dir: Path, warmup: int, runs: int, out_json: Path) -> None:
    """The child process: loads and times one model in wonnx, writes the result as JSON."""
    result: dict = {}
    stage = "preparing a static model"

    def save():
        out_json.write_text(json.dumps(result))

    try:
        meta = read_meta(model_dir)
        with tempfile.TemporaryDirectory() as tmp:
            static = static_model_for_wonnx(model_dir, meta, Path(tmp))
        import wonnx

        inputs = {k: v.astype(np.float32).ravel() for k, v in load_inputs(model_dir, meta).items()}
        stage = "loading the model"
        try:
            sess = wonnx.Session.from_bytes(static.SerializeToString())
        except BaseException as e:  # noqa: BLE001
            result["error"] = f"{stage}: {one_line(str(e).replace('called `Result::unwrap()` on an `Err` value: ', ''))}"
            result["diagnosis"] = wonnx_unsupported_nodes(static)
            save()
            return
        stage = "running the model"
        result.update(time_calls(lambda: sess.run(inputs), warmup, runs))
        outs = sess.run(inputs)
        errs = []
        for e in meta["outputs"]:
            want = np.load(model_dir / e["file"])
            if e["name"] not in outs:
                raise RuntimeError(f"wonnx returned no output `{e['name']}`")
            errs.append(max_error(np.asarray(outs[e["name"]]), want))
        result["max_err"] = max(err for err, _ in errs)
        result["matches"] = all(ok for _, ok in errs)
    except BaseException as e:  # wonnx reports unsupported models by panicking (PanicException)
        result["error"] = f"{stage}: {type(e).__name__}: {one_line(str(e))}"
    save()


def run_wonnx(model_dir: Path, warmup: int, runs: int, env: dict, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--wonnx-worker", str(model_dir), "--warmup", str(warmup), "--runs", str(runs), "--json", str(out)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
        if out.is_file():
            result = json.loads(out.read_text())
            if "error" in result:
                # A panic's location says more than its message alone (e.g. an assertion).
                where = panic_location(p.stderr)
                if where:
                    result["error"] += f" (panic at {where})"
                if "diagnosis" in result:
                    result["error"] += f"; {result.pop('diagnosis')}"
            return result
        return {"error": f"wonnx crashed (exit {p.returncode}): {last_line(p.stderr)}"}


def panic_location(stderr: str) -> str:
    """The source location of the first Rust panic in a child's stderr, if any."""
    m = re.search(r"panicked at '.*?', (\S+?:\d+:\d+)", stderr, re.S) or re.search(r"panicked at (\S+?:\d+:\d+)", stderr)
    return m.group(1) if m else ""


# --- edgecc ---------------------------------------------------------------------------------------


def run_edgecc(edgecc: Path, model_dir: Path, meta: dict, args, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as out_dir:
        cmd = [str(edgecc), "run", str(model_dir / "model.onnx"), "--target", args.target, "--iterations", str(args.runs)]
        if args.adapter:
            cmd += ["--adapter", args.adapter]
        if args.precision != "f32":
            cmd += ["--precision", args.precision]
        for name, value in sorted(meta.get("shapes", {}).items()):
            cmd += ["--shape", f"{name}={value}"]
        for e in meta["inputs"]:
            cmd += ["--input", f"{e['name']}={model_dir / e['file']}"]
        cmd += ["--output-dir", out_dir]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s", "cmd": cmd}
        if p.returncode != 0:
            err = "\n".join(line for line in p.stderr.splitlines() if "XDG_RUNTIME_DIR" not in line)
            return {"error": f"exit {p.returncode}: {err.strip() or p.stdout.strip()}", "cmd": cmd}
        m = TIMING_RE.search(p.stdout)
        if not m:
            return {"error": f"no `timing:` line in edgecc's output:\n{p.stdout}", "cmd": cmd}
        result = {"runs": int(m.group(1)), "median_ms": float(m.group(2)), "min_ms": float(m.group(3))}
        # One line per output, in graph order, ending in ` -> FILE` (the --output-dir file).
        written = [line.rsplit(" -> ", 1)[1] for line in p.stdout.splitlines() if " -> " in line]
        if len(written) != len(meta["outputs"]):
            return {"error": f"edgecc wrote {len(written)} outputs, the model has {len(meta['outputs'])}", "cmd": cmd}
        errs = []
        for e, f in zip(meta["outputs"], written):
            errs.append(max_error(np.load(f), np.load(model_dir / e["file"])))
        result["max_err"] = max(err for err, _ in errs)
        result["matches"] = all(ok for _, ok in errs)
        return result


def find_edgecc(given: str | None) -> Path:
    if given:
        candidates = [Path(given)]
    else:
        target_dir = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        if not target_dir.is_absolute():
            target_dir = ROOT / target_dir
        candidates = [target_dir / "release" / "edgecc", ROOT / "target" / "release" / "edgecc"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    die(f"no edgecc binary at {' or '.join(map(str, candidates))}: run `cargo build --release` first (or pass --edgecc)")
    raise AssertionError


# --- the report -----------------------------------------------------------------------------------


def first_line(s: str) -> str:
    return next((line.strip() for line in s.splitlines() if line.strip()), "")


def one_line(s: str, limit: int = 200) -> str:
    """`s` with its whitespace runs (newlines included) collapsed, cut at `limit` characters."""
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def last_line(s: str) -> str:
    lines = [line.strip() for line in s.splitlines() if line.strip() and "XDG_RUNTIME_DIR" not in line]
    return lines[-1] if lines else ""


def fmt_ms(r: dict | None) -> str:
    return f"{r['median_ms']:.3f}" if r and "median_ms" in r else "-"


def ratio(a: dict | None, b: dict | None) -> str:
    if not (a and b and "median_ms" in a and "median_ms" in b) or b["median_ms"] <= 0:
        return "-"
    return f"{a['median_ms'] / b['median_ms']:.2f}"


def print_table(rows: list[dict]) -> None:
    header = ["model", "edgecc ms", "ORT CPU ms", "wonnx ms", "edgecc/ORT", "edgecc/wonnx"]
    table = [header]
    notes = []
    for r in rows:
        w = r.get("wonnx")
        wonnx_ok = w is not None and "median_ms" in w and w.get("matches", False)
        table.append(
            [
                r["model"],
                fmt_ms(r.get("edgecc")),
                fmt_ms(r.get("ort")),
                fmt_ms(w) if wonnx_ok else "n/a",
                ratio(r.get("edgecc"), r.get("ort")),
                ratio(r.get("edgecc"), w) if wonnx_ok else "-",
            ]
        )
        e = r.get("edgecc") or {}
        if "error" in e:
            notes.append(f"{r['model']}: edgecc FAILED: {e['error']}")
        elif not e.get("matches", True):
            notes.append(f"{r['model']}: edgecc's outputs differ from onnxruntime's (max abs err {e['max_err']:.3g})")
        if w is not None and not wonnx_ok:
            if "error" in w:
                notes.append(f"{r['model']}: wonnx cannot run it: {w['error']}")
            elif "median_ms" in w:
                notes.append(
                    f"{r['model']}: wonnx ran it in {w['median_ms']:.3f} ms but computed wrong outputs "
                    f"(max abs err {w['max_err']:.3g} against onnxruntime), so it is not compared"
                )
        if "error" in (r.get("ort") or {}):
            notes.append(f"{r['model']}: onnxruntime failed: {r['ort']['error']}")
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    if notes:
        print()
        for n in notes:
            print(f"note: {n}")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="How to run it and what it measures: the docstring at the top of benches/compare.py.",
    )
    ap.add_argument("--runs", type=int, default=20, help="timed runs per model and runtime (default 20)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs before them (default 2; edgecc: 1)")
    ap.add_argument("--target", default="lavapipe", help="edgecc's --target: lavapipe (default), auto or wgsl")
    ap.add_argument("--adapter", help="edgecc's --adapter, and wonnx's WGPU_ADAPTER_NAME")
    ap.add_argument("--precision", default="f32", help="edgecc's --precision (f32 or f16)")
    ap.add_argument("--edgecc", help="the edgecc binary (default: target/release/edgecc)")
    ap.add_argument("--models", action="append", default=[], type=Path, help="another folder of model folders")
    ap.add_argument("--only", help="only the models whose name contains this")
    ap.add_argument("--no-extra", action="store_true", help="leave out the static models made for wonnx")
    ap.add_argument("--no-wonnx", action="store_true", help="do not run wonnx")
    ap.add_argument("--no-install-wonnx", action="store_true", help="do not pip-install wonnx when it is missing")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per model and runtime (default 600)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--wonnx-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.runs < 1 or args.warmup < 0:
        die("--runs must be at least 1 and --warmup at least 0")

    if args.wonnx_worker:
        if not args.json:
            die("--wonnx-worker needs --json")
        wonnx_worker(args.wonnx_worker, args.warmup, args.runs, args.json)
        return 0

    edgecc = find_edgecc(args.edgecc)
    dirs: list[Path] = []
    data = ROOT / "target" / "onnx-data" / "models"
    for root in [data, *args.models]:
        if not root.is_dir():
            if root == data:
                print(f"compare.py: {root} is missing (run `bash scripts/setup.sh`); skipping it", file=sys.stderr)
                continue
            die(f"{root} is not a folder")
        dirs += sorted(p for p in root.iterdir() if (p / "model.onnx").is_file())
    if not args.no_extra:
        dirs += extra_models(ROOT / "target" / "bench-models")
    if args.only:
        dirs = [d for d in dirs if args.only in d.name]
    if not dirs:
        die("no models to compare")

    wonnx_skip = "not run (--no-wonnx)" if args.no_wonnx else ensure_wonnx(not args.no_install_wonnx)
    wonnx_env = dict(os.environ)
    if args.adapter:
        wonnx_env["WGPU_ADAPTER_NAME"] = args.adapter
    elif args.target == "lavapipe":
        wonnx_env["WGPU_ADAPTER_NAME"] = "llvmpipe"
    wonnx_env.setdefault("WGPU_BACKEND", "vulkan")

    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"edgecc: {edgecc} --target {args.target}{' --adapter ' + args.adapter if args.adapter else ''}")
    print(f"onnxruntime {ort.__version__} (CPU), wonnx: {wonnx_skip or WONNX_VERSION}; {args.runs} timed runs each")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    rows = []
    failed = []
    for d in dirs:
        name = d.name
        print(f"... {name}", file=sys.stderr, flush=True)
        row: dict = {"model": name, "dir": str(d)}
        try:
            meta = read_meta(d)
        except RuntimeError as e:
            row["edgecc"] = {"error": str(e)}
            failed.append(name)
            rows.append(row)
            continue
        try:
            # Every runtime's outputs are checked against the stored out_<k>.npy (onnxruntime's).
            row["ort"] = run_ort(d, meta, args.warmup, args.runs)
        except Exception as e:  # noqa: BLE001 - reported per model
            row["ort"] = {"error": f"{type(e).__name__}: {first_line(str(e))}"}
        row["edgecc"] = run_edgecc(edgecc, d, meta, args, args.timeout)
        if "error" in row["edgecc"] or not row["edgecc"].get("matches", False):
            failed.append(name)
        row["wonnx"] = {"error": wonnx_skip} if wonnx_skip else run_wonnx(d, args.warmup, args.runs, wonnx_env, args.timeout)
        rows.append(row)

    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"load_average": os.getloadavg(), "rows": rows}, indent=2) + "\n")
    if failed:
        print(f"\ncompare.py: edgecc failed or computed wrong outputs on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
