#!/usr/bin/env bash
# `make image-check`: the part of `make image` that can run without a Docker engine. It lays out, in a
# temporary directory, exactly what the Dockerfile's builder stage copies (its COPY lines, read from the
# Dockerfile, into its WORKDIR) and runs the builder's own `cargo build` line there. That proves the
# copied files are enough to build the binary the image's ENTRYPOINT runs. Not proven here: the base
# image, apt, rustup, and the image itself. Usage: image-check.sh (from the repository root)
set -euo pipefail

root=$(pwd)
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT

# The builder stage: from the first FROM up to the next one.
builder=$(awk '/^FROM /{n++} n==1' Dockerfile)
workdir=$(sed -n 's/^WORKDIR //p' <<<"$builder" | tail -n 1)
build=$(sed -n 's/^RUN \(cargo build .*\)$/\1/p' <<<"$builder")
[ -n "$workdir" ] && [ -n "$build" ] || { echo "no WORKDIR or cargo build in the builder stage" >&2; exit 1; }

while read -r -a words; do
  paths=()
  for word in "${words[@]:1}"; do
    case $word in --*) ;; *) paths+=("$word") ;; esac
  done
  destination=${paths[-1]}
  unset 'paths[-1]'
  case $destination in /*) target=$context$destination ;; *) target=$context$workdir/$destination ;; esac
  for source in "${paths[@]}"; do
    if [[ $destination == */ ]]; then
      mkdir -p "$target"
      cp -R "$source" "$target"
    else
      mkdir -p "$(dirname "$target")"
      cp -R "$source" "$target"
    fi
  done
done < <(grep '^COPY ' <<<"$builder")

echo "builder context in $context$workdir:"
(cd "$context$workdir" && find . -maxdepth 2 | sort | sed 's/^/  /')
echo "running: $build"
# The repository's target directory keeps the compiled dependencies between runs; the crate itself is
# rebuilt from the copied sources, which live at another path.
(cd "$context$workdir" && CARGO_TARGET_DIR="$root/target" $build)
echo "image-check: the builder stage's build succeeds on the files it copies"
