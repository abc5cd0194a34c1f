#!/usr/bin/env bash
# The main job on the bundled example model: compile the GPT-2-style decoder block
# (examples/transformer_block.eir) ahead of time into a device binary for the local Vulkan device,
# then load that binary and run it there on seeded random inputs.
#
#   bash scripts/example.sh            # extra arguments go to `edgecc run`, e.g. --iterations 20
#
# Installs a Vulkan driver first when none is present (scripts/vulkan.sh: Mesa's lavapipe).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/vulkan.sh
# shellcheck source=scripts/runtime_dir.sh
. scripts/runtime_dir.sh
edgecc() { cargo run --release --quiet -- "$@"; }
mkdir -p target
edgecc compile examples/transformer_block.eir --target auto -o target/transformer_block.edgebin
edgecc run target/transformer_block.edgebin --random-inputs --seed 1 "$@"
