#!/usr/bin/env bash
# Start a Docker engine for the docker sandbox when none answers: no bridge, no iptables, no NAT.
# Containers of the benchmark use network "none"; nothing here creates a network on a private range.
# Usage: images/start-dockerd.sh [LOGFILE]   (root only; exits 0 when an engine already answers)
set -euo pipefail
log="${1:-${TMPDIR:-/tmp}/mldevbench-dockerd.log}"
if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "images/start-dockerd.sh: no Docker engine answers and starting one needs root" >&2
  exit 1
fi
command -v dockerd >/dev/null || { echo "images/start-dockerd.sh: dockerd not installed (apt-get install docker.io)" >&2; exit 1; }
start=$(date +%s%N)
nohup dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
  >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "dockerd answers after $(( ($(date +%s%N) - start) / 1000000 )) ms (log: $log)"
    exit 0
  fi
  sleep 0.5
done
echo "images/start-dockerd.sh: dockerd did not answer within 60s; see $log" >&2
tail -5 "$log" >&2
exit 1
