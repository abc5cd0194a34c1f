#!/usr/bin/env bash
# Installs what the test suite needs beyond a Rust toolchain, and writes the ONNX test data.
#
#   bash scripts/setup.sh
#
# 0. Makes sure a Vulkan driver is installed for the WGSL backend's tests: when no Vulkan ICD is
#    registered, installs Debian's `mesa-vulkan-drivers` (lavapipe, the CPU as a Vulkan device)
#    with apt-get (as root, or through sudo).
# 1. Creates the Python virtual environment `.venv` (python3 -m venv; set PYTHON to use another
#    interpreter) if it is missing or broken, and installs the pinned packages of
#    scripts/requirements.txt (onnx, onnxruntime, numpy and their dependencies) into it.
# 2. Writes into the git-ignored folder target/onnx-data/:
#      node/    the ONNX backend node test cases of the op types edgecc supports (gen_conformance.py)
#      models/  whole models with onnxruntime's outputs (gen_models.py)
#      ops/     one-node models of the LLM-export and contrib ops, model-local functions (gen_ops.py)
#      corpus/  models written by real exporters and builders (zoo CNNs, decoder LLMs), with
#               onnxruntime's outputs (gen_corpus.py, run in a second environment .venv-corpus
#               from scripts/requirements-corpus.txt)
#
# Idempotent: each step records the hash of what it was made from (.venv/.edgecc-requirements,
# target/onnx-data/.stamp) and is skipped when nothing changed. Any failure stops the script with
# a non-zero status; the data stamp is written only after both generators succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
DATA=target/onnx-data

die() {
  echo "setup.sh: $*" >&2
  exit 1
}

hash_files() {
  cat "$@" | sha256sum | cut -d' ' -f1
}

# --- 0. a Vulkan driver ----------------------------------------------------------------------------
bash scripts/vulkan.sh

# --- 1. the virtual environment -------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.11 or newer (with venv)"
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "setup.sh: $VENV is broken; recreating it"
  rm -rf "$VENV"
fi
if [ ! -d "$VENV" ]; then
  echo "setup.sh: creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV" ||
    die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi
req_hash="$( (cat scripts/requirements.txt; "$VENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$VENV/.edgecc-requirements" 2>/dev/null || true)" != "$req_hash" ]; then
  echo "setup.sh: installing scripts/requirements.txt into $VENV"
  rm -f "$VENV/.edgecc-requirements"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    -r scripts/requirements.txt || die "pip install -r scripts/requirements.txt failed"
  echo "$req_hash" >"$VENV/.edgecc-requirements"
else
  echo "setup.sh: $VENV is up to date"
fi

# --- 1b. the corpus environment and the corpus of real-exporter models -----------------------------
# A second environment, .venv-corpus (scripts/requirements-corpus.txt: torch, torchvision,
# transformers, onnxruntime-genai, mobius-onnx and a newer onnxruntime), builds
# target/onnx-data/corpus/ with scripts/gen_corpus.py: zoo CNNs at opsets 7-9 and decoder LLMs in
# their standard-op and onnxruntime-contrib forms, with onnxruntime's outputs (tests/onnx_corpus.rs).
# Stamped apart from the other data (target/onnx-data/corpus/.stamp).
CVENV=.venv-corpus
CORPUS="$DATA/corpus"
if [ -d "$CVENV" ] && ! "$CVENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "setup.sh: $CVENV is broken; recreating it"
  rm -rf "$CVENV"
fi
if [ ! -d "$CVENV" ]; then
  echo "setup.sh: creating $CVENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$CVENV" ||
    die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi
creq_hash="$( (cat scripts/requirements-corpus.txt; "$CVENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$CVENV/.edgecc-requirements" 2>/dev/null || true)" != "$creq_hash" ]; then
  echo "setup.sh: installing scripts/requirements-corpus.txt into $CVENV (torch and its CUDA wheels: a few minutes)"
  rm -f "$CVENV/.edgecc-requirements"
  "$CVENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    -r scripts/requirements-corpus.txt || die "pip install -r scripts/requirements-corpus.txt failed"
  echo "$creq_hash" >"$CVENV/.edgecc-requirements"
else
  echo "setup.sh: $CVENV is up to date"
fi
corpus_hash="$(hash_files scripts/setup.sh scripts/requirements-corpus.txt scripts/gen_corpus.py)"
if [ "$(cat "$CORPUS/.stamp" 2>/dev/null || true)" = "$corpus_hash" ]; then
  echo "setup.sh: $CORPUS is up to date"
else
  mkdir -p "$DATA"
  "$CVENV/bin/python" scripts/gen_corpus.py "$CORPUS" || die "scripts/gen_corpus.py failed"
  echo "$corpus_hash" >"$CORPUS/.stamp"
  echo "setup.sh: wrote $CORPUS"
fi

# --- 2. the ONNX test data --------------------------------------------------------------------------
data_hash="$(hash_files scripts/setup.sh scripts/requirements.txt scripts/gen_conformance.py \
  scripts/old_opset_cases.py \
  scripts/gen_models.py scripts/gen_ops.py tests/onnx/supported_ops.txt)"
if [ "$(cat "$DATA/.stamp" 2>/dev/null || true)" = "$data_hash" ] && [ -d "$DATA/node" ] && [ -d "$DATA/models" ] && [ -d "$DATA/ops" ]; then
  echo "setup.sh: $DATA is up to date"
  exit 0
fi
mkdir -p "$DATA"
rm -f "$DATA/.stamp"
"$VENV/bin/python" scripts/gen_conformance.py "$DATA/node" --supported tests/onnx/supported_ops.txt ||
  die "scripts/gen_conformance.py failed"
"$VENV/bin/python" scripts/gen_models.py "$DATA/models" || die "scripts/gen_models.py failed"
"$VENV/bin/python" scripts/gen_ops.py "$DATA/ops" || die "scripts/gen_ops.py failed"
echo "$data_hash" >"$DATA/.stamp"
echo "setup.sh: wrote $DATA"
