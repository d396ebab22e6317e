#!/usr/bin/env bash
# `make standin-base`: a local image under the tag of Rapid7's base image, for tests only, on machines
# where the registries cannot be reached. It is Debian bookworm (minbase, from debootstrap) plus
# ca-certificates, with /python/src as WORKDIR as in Rapid7's slim base: what the plugin's static
# binary relies on. It has no Python and no runtime, so it must never be shipped: every image built on
# it carries the label standin-base, and `make export` refuses such an image.
# Usage: standin-base.sh TAG (CONTAINER_ENGINE picks docker or podman; podman by default)
set -euo pipefail
tag=$1
engine=${CONTAINER_ENGINE:-podman}
suite=bookworm

# The Debian mirror apt already uses here (the only one reachable), whatever its sources file says.
mirror=$(apt-get indextargets --format '$(ORIGIN) $(CODENAME) $(IDENTIFIER) $(REPO_URI)' |
  awk '$1 == "Debian" && $2 !~ /-/ && $3 == "Packages" { print $4; exit }')
[ -n "$mirror" ] || { echo "standin-base: apt uses no Debian mirror (see apt-get indextargets)" >&2; exit 1; }

root=$(mktemp -d /var/tmp/standin-base.XXXXXX)
cleanup() {
  # debootstrap mounts /proc and /sys inside the tree; a failed run can leave them mounted.
  for mount in proc sys; do umount "$root/$mount" 2>/dev/null || true; done
  rm -rf --one-file-system "$root" "$root.log"
}
trap cleanup EXIT

echo "standin-base: debootstrap $suite (minbase, ca-certificates) from $mirror" >&2
# ca-certificates comes in with the system, so the image needs no HTTPS, nor even a network, to build.
if ! debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
  tail -n 20 "$root.log" >&2
  echo "standin-base: debootstrap failed" >&2
  exit 1
fi
# What Debian's own container images leave out too: downloaded packages and package lists.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
mkdir -p "$root/python/src"

# docker.io/ because that is where a pulled base would be: `FROM rapid7/...` then finds this image
# (podman would otherwise file the short name under localhost/).
quiet=()
[ "$engine" = podman ] && quiet=(--quiet)
tar -C "$root" -c . | "$engine" import "${quiet[@]}" \
  --change 'WORKDIR /python/src' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL standin-base=\"debian-$suite-minbase, not Rapid7's image\"" \
  - "docker.io/$tag" >/dev/null
echo "standin-base: built docker.io/$tag, a stand-in for tests only" >&2
