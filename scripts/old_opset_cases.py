"""Conformance cases for the ops whose older versions (default-domain opsets 7 to 12) differ from
the current ones, and for LRN: one-node models built with onnx.helper at the older opset, with
random inputs and onnxruntime CPU's outputs as the expected ones. The onnx package's own node
tests are written at the newest opset of each op, so they do not cover these versions.

Used by gen_conformance.py, which writes them next to the onnx package's cases (same layout; the
case names start with `edgecc_`).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def _model(op, opset, inputs, outputs, attrs=None, inits=(), name="n"):
    """A one-node model: `inputs` are (name, np.ndarray) graph inputs, `inits` (name, array)
    initializers fed to the node after them, `outputs` (name, elem_type or None)."""
    node = helper.make_node(
        op,
        [n for n, _ in inputs] + [n for n, _ in inits],
        [n for n, _ in outputs],
        name=name,
        **(attrs or {}),
    )
    graph = helper.make_graph(
        [node],
        f"{op}_{opset}",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs],
        [numpy_helper.from_array(v, n) for n, v in inits],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="edgecc gen_conformance",
    )
    # onnxruntime 1.23 reads IR versions up to 11 (opset 24 asks for 12).
    model.ir_version = min(helper.find_min_ir_version_for([helper.make_opsetid("", opset)]), 11)
    return model


def _spec(rng):
    """(case name, op, opset, inputs, outputs, attrs, inits) for every case."""
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    pos = lambda *s: (rng.random(s) + 0.5).astype(np.float32)  # noqa: E731
    y = [("y", F)]
    x3 = [("x", r(2, 3, 4))]
    x4 = [("x", r(2, 3, 4, 5))]
    img = [("x", r(1, 2, 3, 4))]
    s = []
    # Softmax / LogSoftmax before 13: 2-D coercion at `axis` (default 1).
    s += [
        ("softmax_opset7_default_axis", "Softmax", 7, x3, y, {}, []),
        ("softmax_opset7_axis0", "Softmax", 7, x3, y, {"axis": 0}, []),
        ("softmax_opset11_axis2", "Softmax", 11, x4, y, {"axis": 2}, []),
        ("logsoftmax_opset7_default_axis", "LogSoftmax", 7, x4, y, {}, []),
        ("logsoftmax_opset11_axis_neg1", "LogSoftmax", 11, x3, y, {"axis": -1}, []),
    ]
    # Slice before 10: attributes, no steps.
    s += [
        ("slice_opset7_axes", "Slice", 7, x3, y, {"starts": [1, 0], "ends": [3, 3], "axes": [2, 1]}, []),
        ("slice_opset9_no_axes", "Slice", 9, x3, y, {"starts": [0, 1], "ends": [1, 1000]}, []),
        ("slice_opset9_negative", "Slice", 9, x3, y, {"starts": [-3], "ends": [-1], "axes": [-1]}, []),
    ]
    # Pad before 11: pads and value attributes.
    s += [
        ("pad_opset7_constant", "Pad", 7, img, y, {"pads": [0, 0, 1, 2, 0, 1, 0, 1], "value": 1.5}, []),
        ("pad_opset7_reflect", "Pad", 7, img, y, {"pads": [0, 0, 2, 1, 0, 0, 1, 2], "mode": "reflect"}, []),
        ("pad_opset10_edge", "Pad", 10, img, y, {"pads": [0, 0, 1, 1, 0, 0, 2, 1], "mode": "edge"}, []),
    ]
    # Split before 13 (attribute), before 18 (no num_outputs).
    s += [
        ("split_opset7_sizes", "Split", 7, [("x", r(6, 4))], [("a", F), ("b", F)], {"axis": 0, "split": [2, 4]}, []),
        ("split_opset7_equal", "Split", 7, [("x", r(2, 6))], [("a", F), ("b", F), ("c", F)], {"axis": 1}, []),
        ("split_opset11_negative_axis", "Split", 11, x3, [("a", F), ("b", F)], {"axis": -1, "split": [3, 1]}, []),
    ]
    # Squeeze / Unsqueeze before 13: axes attribute.
    s += [
        ("squeeze_opset7_axes", "Squeeze", 7, [("x", r(1, 3, 1, 2))], y, {"axes": [2]}, []),
        ("squeeze_opset7_all", "Squeeze", 7, [("x", r(1, 3, 1, 2))], y, {}, []),
        ("unsqueeze_opset7", "Unsqueeze", 7, x3, y, {"axes": [0, 4]}, []),
        ("unsqueeze_opset11_negative", "Unsqueeze", 11, x3, y, {"axes": [-1]}, []),
    ]
    # Upsample (7: attribute, 9: input) and Resize-10.
    sc = lambda *v: [("scales", np.array(v, np.float32))]  # noqa: E731
    s += [
        ("upsample_opset7_nearest", "Upsample", 7, img, y, {"mode": "nearest", "scales": [1.0, 1.0, 2.0, 3.0]}, []),
        ("upsample_opset7_linear", "Upsample", 7, img, y, {"mode": "linear", "scales": [1.0, 1.0, 2.0, 2.5]}, []),
        ("upsample_opset9_nearest", "Upsample", 9, img, y, {"mode": "nearest"}, sc(1, 1, 2.5, 2)),
        ("upsample_opset9_linear", "Upsample", 9, img, y, {"mode": "linear"}, sc(1, 1, 2, 2)),
        ("resize_opset10_nearest_up", "Resize", 10, img, y, {"mode": "nearest"}, sc(1, 1, 1.5, 2)),
        ("resize_opset10_nearest_down", "Resize", 10, [("x", r(1, 2, 5, 7))], y, {"mode": "nearest"}, sc(1, 1, 0.6, 0.5)),
        ("resize_opset10_linear_up", "Resize", 10, img, y, {"mode": "linear"}, sc(1, 1, 2, 1.5)),
        ("resize_opset10_linear_down", "Resize", 10, [("x", r(1, 2, 5, 7))], y, {"mode": "linear"}, sc(1, 1, 0.6, 0.5)),
    ]
    # BatchNormalization: opset 7 `spatial`, opset 9.
    bn = lambda *sh: [("scale", r(*sh)), ("b", r(*sh)), ("mean", r(*sh)), ("var", pos(*sh))]  # noqa: E731
    s += [
        ("batchnorm_opset7_spatial", "BatchNormalization", 7, img, y, {"epsilon": 1e-3}, bn(2)),
        ("batchnorm_opset7_per_activation", "BatchNormalization", 7, img, y, {"spatial": 0}, bn(2, 3, 4)),
        ("batchnorm_opset9", "BatchNormalization", 9, img, y, {}, bn(2)),
    ]
    # Dropout before 12: ratio attribute; mask of the data type before 10, bool from 10.
    s += [
        ("dropout_opset7_mask", "Dropout", 7, x3, [("y", F), ("mask", F)], {"ratio": 0.2}, []),
        ("dropout_opset10_mask", "Dropout", 10, x3, [("y", F), ("mask", TensorProto.BOOL)], {"ratio": 0.7}, []),
    ]
    # Clip before 11: min/max attributes.
    s += [
        ("clip_opset7_min_max", "Clip", 7, x3, y, {"min": -0.5, "max": 0.25}, []),
        ("clip_opset7_min_only", "Clip", 7, x3, y, {"min": 0.1}, []),
    ]
    # TopK: k attribute before 10; input without largest/sorted at 10.
    s += [
        ("topk_opset7", "TopK", 7, x3, [("v", F), ("i", TensorProto.INT64)], {"k": 2}, []),
        ("topk_opset10_axis1", "TopK", 10, x3, [("v", F), ("i", TensorProto.INT64)], {"axis": 1}, [("k", np.array([2], np.int64))]),
    ]
    # Reduce* with the axes attribute.
    s += [
        ("reducesum_opset11_keepdims0", "ReduceSum", 11, x3, y, {"axes": [1], "keepdims": 0}, []),
        ("reducemean_opset7", "ReduceMean", 7, x3, y, {"axes": [0, 2]}, []),
        ("reducemax_opset12_all", "ReduceMax", 12, x3, y, {"keepdims": 0}, []),
        ("reducelogsumexp_opset11", "ReduceLogSumExp", 11, x3, y, {"axes": [-1]}, []),
        ("reducesumsquare_opset13", "ReduceSumSquare", 13, x3, y, {"axes": [2]}, []),
    ]
    # LRN (1, 13).
    s += [
        ("lrn_opset7_size3", "LRN", 7, x4, y, {"size": 3, "alpha": 0.01, "beta": 0.6, "bias": 1.5}, []),
        ("lrn_opset13_size3_defaults", "LRN", 13, x4, y, {"size": 3}, []),
        ("lrn_opset24_size5", "LRN", 24, [("x", r(1, 7, 3, 3))], y, {"size": 5, "alpha": 0.1, "beta": 0.75, "bias": 2.0}, []),
    ]
    # Others with an opset-7 form that exporters of the zoo models wrote.
    s += [
        ("maxpool_opset8_storage_order", "MaxPool", 8, img, y, {"kernel_shape": [2, 2], "storage_order": 1}, []),
        ("averagepool_opset7_count_include_pad", "AveragePool", 7, img, y, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}, []),
        ("gemm_opset7", "Gemm", 7, [("a", r(3, 4))], y, {"transB": 1, "alpha": 0.5, "beta": 2.0}, [("w", r(5, 4)), ("c", r(5))]),
        ("argmax_opset7", "ArgMax", 7, x3, [("y", TensorProto.INT64)], {"axis": 1, "keepdims": 0}, []),
        ("concat_opset7", "Concat", 7, [("a", r(2, 3)), ("b", r(2, 2))], y, {"axis": 1}, []),
        ("flatten_opset7_axis2", "Flatten", 7, x4, y, {"axis": 2}, []),
    ]
    return s


def cases(seed: int = 20240607):
    """The cases, as objects with `name`, `op`, `opset`, `model` and `data_sets` (one data set:
    (inputs, outputs) lists of arrays), in the shape gen_conformance.write_case takes."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    out = []
    for name, op, opset, inputs, outputs, attrs, inits in _spec(rng):
        model = _model(op, opset, inputs, outputs, attrs, inits)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        run_model = model
        if opset > 23:
            # onnxruntime 1.23 runs opsets up to 23: run the same op version stamped 23.
            same = onnx.defs.get_schema(op, opset).since_version == onnx.defs.get_schema(op, 23).since_version
            if not same:
                raise SystemExit(f"{name}: {op} changed at opset {opset}; onnxruntime cannot run it")
            run_model = onnx.ModelProto()
            run_model.CopyFrom(model)
            run_model.opset_import[0].version = 23
        sess = ort.InferenceSession(run_model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        feeds = {n: v for n, v in inputs}
        got = sess.run(None, feeds)
        out.append(
            SimpleNamespace(
                name="edgecc_" + name,
                op=op,
                opset=opset,
                model=model,
                data_sets=[([v for _, v in inputs], got)],
            )
        )
    return out
