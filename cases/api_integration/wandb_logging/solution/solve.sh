#!/usr/bin/env bash
# Oracle for wandb_logging: one script, three stages (offline W&B).
set -euo pipefail
python "$MLDB_SOLUTION_DIR/wandb_workflow.py"
