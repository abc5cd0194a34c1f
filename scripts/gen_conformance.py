#!/usr/bin/env python3
"""Writes the ONNX backend *node* test cases for the op types edgecc supports.

Usage: gen_conformance.py OUT_DIR [--supported tests/onnx/supported_ops.txt]

The cases come from the pinned `onnx` package (`onnx.backend.test.case.node.collect_testcases()`)
and are written in the layout of `backend-test-tools generate-data`:

    OUT_DIR/<case>/model.onnx
    OUT_DIR/<case>/test_data_set_<N>/input_<K>.pb    (TensorProto, graph input K)
    OUT_DIR/<case>/test_data_set_<N>/output_<K>.pb   (TensorProto, graph output K)

A case is written when the op type it tests (the single node of `test_x`; the node of `test_x` for
its function expansions `test_x_expanded[_verN]`) is in the supported list AND every node of its
graph is a supported op type of the default domain. Cases of supported op types that are left out
(an expansion that uses an op edgecc lacks, a sequence/optional input) are listed, with the reason,
in OUT_DIR/EXCLUDED.tsv, so nothing disappears silently.

Cases of the older opset versions of ops whose semantics changed inside the opsets edgecc maps
(7 to 24), and of LRN, come from scripts/old_opset_cases.py: one-node models at that opset with
onnxruntime CPU's outputs, named `edgecc_<op>_opset<N>_<variant>`, in the same layout.

OUT_DIR/MANIFEST.tsv lists the written cases: `case<TAB>op_type<TAB>opset<TAB>data_sets`. The Rust
test (tests/onnx_conformance.rs) checks that the case folders and the manifest agree.

The whole tree is written into a temporary sibling folder and renamed into place at the end, so an
interrupted run never leaves a half-written suite behind.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper
from onnx.backend.test.case import node as node_cases

DEFAULT_DOMAINS = ("", "ai.onnx")
EXPANDED = re.compile(r"_expanded(_ver\d+)?$")


def read_supported(path: str) -> list[str]:
    ops = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                ops.append(line)
    if ops != sorted(ops) or len(set(ops)) != len(ops):
        raise SystemExit(f"{path}: must be sorted, one op per line, without duplicates")
    return ops


def all_nodes(graph: onnx.GraphProto):
    """Every node of `graph`, including nodes of subgraph attributes."""
    for n in graph.node:
        yield n
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_nodes(a.g)
            for g in a.graphs:
                yield from all_nodes(g)


def to_tensor_proto(value, name: str) -> TensorProto:
    if isinstance(value, TensorProto):
        return value
    return numpy_helper.from_array(np.asarray(value), name)


def write_case(case, case_dir: str) -> None:
    os.makedirs(case_dir)
    with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    graph = case.model.graph
    for i, (inputs, outputs) in enumerate(case.data_sets):
        ds = os.path.join(case_dir, f"test_data_set_{i}")
        os.makedirs(ds)
        if len(inputs) != len(graph.input) or len(outputs) != len(graph.output):
            raise SystemExit(
                f"{case.name}: data set {i} has {len(inputs)} inputs/{len(outputs)} outputs, "
                f"the graph {len(graph.input)}/{len(graph.output)}"
            )
        for j, value in enumerate(inputs):
            with open(os.path.join(ds, f"input_{j}.pb"), "wb") as f:
                f.write(to_tensor_proto(value, graph.input[j].name).SerializeToString())
        for j, value in enumerate(outputs):
            with open(os.path.join(ds, f"output_{j}.pb"), "wb") as f:
                f.write(to_tensor_proto(value, graph.output[j].name).SerializeToString())


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument(
        "--supported",
        default=os.path.join(here, "..", "tests", "onnx", "supported_ops.txt"),
    )
    args = ap.parse_args()
    supported = set(read_supported(args.supported))

    # The onnx test case modules compute their expected outputs with numpy at import time, and
    # some cases overflow or divide by zero on purpose; those warnings are noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cases = node_cases.collect_testcases()

    # The tested op type of every case: its own single node, or the base case's for expansions.
    base_op = {}
    for c in cases:
        if not EXPANDED.search(c.name):
            if len(c.model.graph.node) != 1:
                raise SystemExit(f"{c.name}: expected one node, found {len(c.model.graph.node)}")
            base_op[c.name] = c.model.graph.node[0].op_type

    out_dir = os.path.abspath(args.out_dir)
    tmp_dir = out_dir + ".tmp"
    if os.path.exists(tmp_dir):
        shutil.rmtree(tmp_dir)
    os.makedirs(tmp_dir)

    manifest, excluded = [], []
    for c in sorted(cases, key=lambda c: c.name):
        op = base_op.get(EXPANDED.sub("", c.name))
        if op is None:
            raise SystemExit(f"{c.name}: no base case to take the op type from")
        if op not in supported:
            continue
        nodes = list(all_nodes(c.model.graph))
        foreign = sorted(
            {
                (n.domain + "::" if n.domain not in DEFAULT_DOMAINS else "") + n.op_type
                for n in nodes
                if n.op_type not in supported or n.domain not in DEFAULT_DOMAINS
            }
        )
        if foreign:
            excluded.append((c.name, op, "uses ops edgecc does not support: " + " ".join(foreign)))
            continue
        non_tensor = [
            vi.name
            for vi in list(c.model.graph.input) + list(c.model.graph.output)
            if vi.type.WhichOneof("value") != "tensor_type"
        ]
        if non_tensor:
            excluded.append((c.name, op, "non-tensor graph inputs/outputs: " + " ".join(non_tensor)))
            continue
        opset = next(
            (o.version for o in c.model.opset_import if o.domain in DEFAULT_DOMAINS), 0
        )
        write_case(c, os.path.join(tmp_dir, c.name))
        manifest.append((c.name, op, str(opset), str(len(c.data_sets))))

    # Older-opset versions of the ops whose semantics changed, and LRN (scripts/old_opset_cases.py;
    # onnxruntime's outputs), for the ops in the supported list.
    sys.path.insert(0, here)
    import old_opset_cases

    for c in old_opset_cases.cases():
        if c.op not in supported:
            continue
        write_case(c, os.path.join(tmp_dir, c.name))
        manifest.append((c.name, c.op, str(c.opset), str(len(c.data_sets))))

    with open(os.path.join(tmp_dir, "MANIFEST.tsv"), "w", encoding="utf-8") as f:
        f.write("# case\top_type\topset\tdata_sets\n")
        f.writelines("\t".join(row) + "\n" for row in manifest)
    with open(os.path.join(tmp_dir, "EXCLUDED.tsv"), "w", encoding="utf-8") as f:
        f.write("# case\top_type\treason\n")
        f.writelines("\t".join(row) + "\n" for row in excluded)

    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.rename(tmp_dir, out_dir)
    print(
        f"gen_conformance: onnx {onnx.__version__}: wrote {len(manifest)} node cases of "
        f"{len(supported)} supported op types to {out_dir} ({len(excluded)} excluded, see EXCLUDED.tsv)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
