#!/usr/bin/env bash
# need.sh COMMAND:PACKAGE ...: installs, from Debian's packages, the package of each command that is
# missing, in one quiet apt-get run; does nothing when every command is there. Needs root (as CI is).
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
