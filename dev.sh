#!/usr/bin/env bash
# Bootstrap this checkout and run the benchmark or the project's tests.
#   ./dev.sh suite [pytest args]   the task suite with the oracle agent on the local asset mirror (no API key)
#   ./dev.sh test  [pytest args]   the project's own tests
set -euo pipefail
cd "$(dirname "$0")"

# Every failure is one line naming what was missing.
die() { echo "dev.sh: $*" >&2; exit 1; }
# What pip could not find, from its log: the requirement no index or wheelhouse offered, else its last line.
pip_missing() {
  local req
  req=$(grep -oE "(No matching distribution found for|Could not find a version that satisfies the requirement) [^ ]+" "$1" \
        | tail -n 1 | awk '{print $NF}')
  if [ -n "$req" ]; then
    echo "no installable distribution of '$req' (offline? point PIP_INDEX_URL or PIP_FIND_LINKS at a mirror or wheelhouse that has it)"
  else
    grep -v '^\s*$' "$1" | tail -n 1
  fi
}

python=${MLDB_PYTHON:-$(command -v python3.11 || command -v python3 || true)}
[ -n "$python" ] || die "needs Python 3.11 or newer and found none on PATH (install python3.11 or set MLDB_PYTHON=/path/to/python)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || die "needs Python 3.11 or newer: '$python' is not (install python3.11 or set MLDB_PYTHON=/path/to/python)"
if ! command -v bwrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dev.sh: installing bubblewrap (the local sandbox)" >&2
    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
      || die "the local sandbox needs bubblewrap (command bwrap) and apt-get could not install it (offline?): install the bubblewrap package"
  else
    die "the local sandbox needs bubblewrap (command bwrap): install it (e.g. sudo apt-get install bubblewrap)"
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv >/dev/null 2>&1 \
    || { rm -rf .venv; die "'$python' cannot create .venv: its venv module or ensurepip is missing (Debian/Ubuntu: apt-get install python3-venv)"; }
fi
stamp=.venv/.mldb-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "dev.sh: installing the harness into .venv" >&2
  log=.venv/pip-install.log
  .venv/bin/python -m pip install --disable-pip-version-check -e '.[ray]' >"$log" 2>&1 \
    || die "could not install the harness into .venv: $(pip_missing "$log"); log: $log"
  .venv/bin/python -c "import pytest_mldevbench.plugin" >>"$log" 2>&1 \
    || die "the harness does not import after installing it into .venv; log: $log"
  touch "$stamp"
fi
command=${1:-}
shift || true
# The tests also drive the heavy agents (OpenHands, AIDE, mini-swe-agent): build their environments
# alongside the task environment, once (each is cached, keyed by its requirements).
case "$command" in
  test) .venv/bin/mldevbench env build --agents openhands,aide,mini-swe-agent >/dev/null ;;
  *) .venv/bin/mldevbench env build >/dev/null ;;
esac
case "$command" in
  suite) exec .venv/bin/pytest cases --agent=oracle "$@" ;;
  test)  # the docker sandbox's tests need an engine and the sandbox image (tests/docker skip where neither can be had)
         images/setup-docker.sh .venv/bin/python || echo "dev.sh: docker setup failed; tests/docker will say why" >&2
         exec .venv/bin/pytest tests -n 2 --dist worksteal --durations=40 "$@" ;;
  *) echo "usage: ./dev.sh suite|test [pytest args]" >&2; exit 2 ;;
esac
