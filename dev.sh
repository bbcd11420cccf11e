#!/usr/bin/env bash
# Bootstrap this checkout and run the benchmark or the project's tests.
#   ./dev.sh suite [pytest args]   the task suite with the oracle agent on the local asset mirror (no API key)
#   ./dev.sh test  [pytest args]   the project's own tests
set -euo pipefail
cd "$(dirname "$0")"

python=${MLDB_PYTHON:-$(command -v python3.11 || command -v python3)}
if ! command -v bwrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dev.sh: installing bubblewrap (the local sandbox)" >&2
    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null
  else
    echo "dev.sh: the local sandbox needs bubblewrap: install it (e.g. sudo apt-get install bubblewrap)" >&2
    exit 1
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.mldb-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "dev.sh: installing the harness into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[ray]' 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -c "import pytest_mldevbench.plugin" && touch "$stamp"
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
