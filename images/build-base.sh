#!/usr/bin/env bash
# Build the local base image of the docker sandbox without any image registry:
# debootstrap a minimal Debian into a folder, `docker import` it, done.
#   images/build-base.sh [TAG]      default tag: mldevbench/base:bookworm
# Environment: MLDB_DEBIAN_MIRROR (default: the first deb URI of this machine's apt sources, else
# http://deb.debian.org/debian), MLDB_DEBIAN_SUITE (default bookworm).
# Skips the work when the tag already exists (the script's own hash is a label: edit it and it rebuilds).
set -euo pipefail
tag="${1:-mldevbench/base:bookworm}"
here="$(cd "$(dirname "$0")" && pwd)"
suite="${MLDB_DEBIAN_SUITE:-bookworm}"
mirror="${MLDB_DEBIAN_MIRROR:-$(grep -rhoE '^(URIs: |deb )\s*http[^ ]+/debian\b' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null | head -1 | awk '{print $NF}' || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
key="$( (cat "$0"; echo "$suite") | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f '{{index .Config.Labels "mldevbench.base"}}' "$tag" 2>/dev/null || true)" = "$key" ]; then
  echo "base image $tag is current ($key)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "build-base.sh: debootstrap not installed (apt-get install debootstrap)" >&2; exit 1; }
root="$(mktemp -d "${TMPDIR:-/tmp}/mldb-rootfs.XXXXXX")"
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite from $mirror into $root ..."
t0=$(date +%s)
# python3 (the in-container side of the Unix-socket bridge falls back to it), bash, coreutils, procps,
# ca-certificates; compilers are not needed: the task environment is mounted or installed as wheels.
debootstrap --variant=minbase --include=python3,ca-certificates,procps,tini "$suite" "$root" "$mirror" \
  > "$root.log" 2>&1 || { echo "debootstrap failed; last lines of $root.log:" >&2; tail -20 "$root.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# /root traversable so that paths under it can be bind-mounted (the trial user comes with images/sandbox).
chmod 755 "$root/root"
t1=$(date +%s)
echo "importing as $tag ..."
tar -C "$root" -c . | docker import \
  -c "LABEL mldevbench.base=$key" -c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["/bin/bash"]' - "$tag" >/dev/null
rm -f "$root.log"
echo "base image $tag built (debootstrap $((t1 - t0))s, import $(( $(date +%s) - t1 ))s)"
