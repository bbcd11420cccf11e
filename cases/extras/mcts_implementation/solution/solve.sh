#!/usr/bin/env bash
# Oracle: install the reference UCT search into the workspace.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/mcts.py" ./mcts.py
