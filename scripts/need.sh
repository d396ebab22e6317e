#!/usr/bin/env bash
# need.sh COMMAND:PACKAGE ...: installs, from Debian's packages, the package of each command that is
# missing, in one apt-get run whose output is shown only if it fails; does nothing when every command
# is there. Needs root (as CI is).
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "need.sh: could not install ${missing[*]}" >&2
  exit 1
fi
