#!/usr/bin/env bash
# The project's whole test suite: the setup step (Python venv, ONNX test data), then every test of
# the workspace. Extra arguments go to `cargo test`, e.g. `bash scripts/test.sh -- --nocapture`.
# It ends with one summary line over all test binaries: `tests: N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/runtime_dir.sh
. scripts/runtime_dir.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ {
       for (i = 1; i <= NF; i++) {
         if ($(i) ~ /^passed;?$/) p += $(i - 1);
         if ($(i) ~ /^failed;?$/) f += $(i - 1);
         if ($(i) ~ /^ignored;?$/) s += $(i - 1);
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
