#!/usr/bin/env bash
# `make image`'s build: on the newest base when the registry answers, and on the base already in
# local storage, saying so in one line, when it does not (an air-gapped build host, a registry down).
# PULL says which:
#   --pull         (the default) pull the base first; if that fails and the base is local, build on it
#   --pull=always  pull the base, and fail when that fails
#   --pull=false   build on the local base without asking the registry
# A base that is neither pullable nor local fails with the engine's own error. An image built on the
# stand-in base (`make standin-base`) still carries its label, and `make export` still refuses it.
# Usage: CONTAINER_ENGINE=... IMAGE=... BASE=... [PULL=...] [PULL_TIMEOUT=seconds] image-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CONTAINER_ENGINE:?}" "${IMAGE:?}" "${BASE:?}"
engine=$CONTAINER_ENGINE
pull=${PULL:---pull}

if [ "$pull" = --pull ]; then
  # A registry behind a black-holed route would hang the pull; an unreachable one fails at once.
  if answer=$(timeout "${PULL_TIMEOUT:-120}" "$engine" pull "$BASE" 2>&1); then
    pull=--pull=false # just pulled: the build need not ask again
  elif "$engine" image inspect "$BASE" >/dev/null 2>&1; then
    # The engine's last line, its end kept: "... lookup registry-1.docker.io: no such host".
    why=$(printf '%s\n' "$answer" | awk 'NF {last = $0} END {n = length(last); print (n > 120 ? "..." substr(last, n - 119) : last)}')
    created=$("$engine" image inspect --format '{{.Created}}' "$BASE" 2>/dev/null | cut -c1-10)
    standin=$("$engine" image inspect --format '{{index .Config.Labels "standin-base"}}' "$BASE" 2>/dev/null || true)
    note=${standin:+; it is the stand-in base, for tests only: make export refuses the image}
    echo "image: the registry cannot be reached (${why:-no answer}); building on the local $BASE, created ${created:-at an unknown date}$note" >&2
    pull=--pull=false
  else
    printf '%s\n' "$answer" >&2
    echo "image: $BASE can neither be pulled nor found in local storage" >&2
    exit 1
  fi
fi
exec "$engine" build "$pull" -t "$IMAGE" .
