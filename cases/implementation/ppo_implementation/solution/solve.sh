#!/usr/bin/env bash
# Oracle: install the reference PPO implementation into the workspace.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/ppo.py" ./ppo.py
