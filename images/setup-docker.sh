#!/usr/bin/env bash
# Make the docker sandbox usable on this machine: the engine (docker.io), debootstrap, a running dockerd
# (no bridge, no iptables), and the sandbox image (built from the debootstrap base, reused by content).
# Prints the time of each step. Needs root and apt-get when something is missing; otherwise says why not.
#   images/setup-docker.sh PYTHON       (PYTHON: the harness interpreter, e.g. .venv/bin/python)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-python3}"
now() { date +%s%N; }
secs() { echo "$(( ($(now) - $1) / 1000000000 ))s"; }
if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup-docker: no Docker engine answers and this is not a root machine with apt-get; the docker tests skip" >&2
    exit 0
  fi
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    t=$(now)
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap) >/dev/null 2>&1 \
      || { echo "setup-docker: apt-get install docker.io debootstrap failed" >&2; exit 1; }
    echo "setup-docker: installed docker.io and debootstrap in $(secs "$t")" >&2
  fi
  t=$(now)
  "$here/start-dockerd.sh" "${TMPDIR:-/tmp}/mldevbench-dockerd.log" >/dev/null || exit 1
  echo "setup-docker: dockerd answers after $(secs "$t")" >&2
fi
if [ "$(id -u)" = 0 ] && ! command -v debootstrap >/dev/null && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap) >/dev/null 2>&1
fi
t=$(now)
"$python" -m pytest_mldevbench.sandbox.docker build >&2 || exit 1
echo "setup-docker: sandbox image ready after $(secs "$t")" >&2
