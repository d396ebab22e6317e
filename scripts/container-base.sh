#!/usr/bin/env bash
# What building and running the image needs, got when missing: the container engine (podman from
# Debian's packages, when CONTAINER_ENGINE is podman) and the base image: the local one, else pulled,
# else the stand-in of `make standin-base` (for tests only). Used by `make image-test` and `make bench`.
# Usage: CONTAINER_ENGINE=... container-base.sh BASE
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1
engine=${CONTAINER_ENGINE:?}

[ "$engine" = podman ] && bash scripts/need.sh podman:podman runc:runc
if "$engine" image inspect "$base" >/dev/null 2>&1; then
  echo "container-base: $base is here" >&2
elif timeout 300 "$engine" pull -q "$base" >/dev/null 2>&1; then
  echo "container-base: pulled $base" >&2
else
  echo "container-base: $base cannot be pulled; building the stand-in (tests only)" >&2
  bash scripts/need.sh debootstrap:debootstrap
  make --no-print-directory standin-base
fi
