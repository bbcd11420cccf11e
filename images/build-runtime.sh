#!/usr/bin/env bash
# Build the task-environment image from images/runtime/requirements.txt (the same file as the local venv),
# tagged by the hash of the Dockerfile, the requirements and the base: built once, reused.
#   images/build-runtime.sh [BASE_IMAGE]      default: mldevbench/base:bookworm (images/build-base.sh)
# The build uses the host network only to reach the package index (pip); the host's CA bundle
# (PIP_CERT or /etc/ssl/certs/ca-certificates.crt) is passed in for mirrors with their own CA.
# Extra pip options: MLDB_RUNTIME_PIP_ARGS, e.g. "--index-url http://mirror/simple".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${1:-mldevbench/base:bookworm}"
docker image inspect "$base" >/dev/null 2>&1 || "$here/build-base.sh" "$base"
base_id="$(docker image inspect -f '{{.Id}}' "$base")"
key="$( (cat "$here/runtime/Dockerfile" "$here/runtime/requirements.txt"; echo "$base_id ${MLDB_RUNTIME_PIP_ARGS:-}") | sha256sum | cut -c1-16)"
tag="mldevbench/runtime:$key"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "runtime image $tag is current"; exit 0; fi
ctx="$(mktemp -d "${TMPDIR:-/tmp}/mldb-runtime-ctx.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
cp "$here/runtime/Dockerfile" "$here/runtime/requirements.txt" "$ctx/"
cert="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
[ -f "$cert" ] && cp "$cert" "$ctx/extra-ca.crt"
start=$(date +%s)
docker build --network host --build-arg "BASE_IMAGE=$base" --build-arg "PIP_ARGS=${MLDB_RUNTIME_PIP_ARGS:-}" \
  -t "$tag" "$ctx"
echo "runtime image $tag built in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f GB", $1/1e9}'))"
