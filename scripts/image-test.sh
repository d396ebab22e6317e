#!/usr/bin/env bash
# `make image-test`: the image built and run as InsightConnect's orchestrator runs it. This part gets
# what the run needs: podman (from apt, when no Docker daemon answers) and the base image (local,
# pulled, or else the stand-in of `make standin-base`; scripts/container-base.sh), then builds the
# image and its .plg. scripts/image_test.py runs every action inside the image against the simulator.
# Usage (from the Makefile): CONTAINER_ENGINE=... IMAGE=... BASE=... PLG=... image-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CONTAINER_ENGINE:?}" "${IMAGE:?}" "${BASE:?}" "${PLG:?}"
started=$SECONDS

step() { echo "image-test: $* ($((SECONDS - started)) s)" >&2; }

# image_test.py reads plugin.spec.yaml for the inputs' examples.
python3 -c 'import yaml' 2>/dev/null || bash scripts/need.sh no-such-command:python3-yaml
bash scripts/container-base.sh "$BASE"

# quietly COMMAND...: runs it with its output kept, and shown only when it fails.
quietly() {
  local log
  log=$(mktemp)
  "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; echo "image-test: failed: $*" >&2; exit 1; }
  rm -f "$log"
}

# PULL=--pull=false: the base is local now, whichever it is.
step "building the image"
quietly make --no-print-directory image PULL=--pull=false
# ALLOW_STANDIN: this .plg is loaded back and run, never shipped.
step "exporting $PLG"
quietly make --no-print-directory export PULL=--pull=false ALLOW_STANDIN=1

step "building the simulator"
cargo build --quiet -p threatstream-simulator
python3 scripts/image_test.py "$CONTAINER_ENGINE" "$IMAGE" "$BASE" "$PLG" target/debug/threatstream-simulator
step "passed"
