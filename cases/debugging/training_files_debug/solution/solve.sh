#!/usr/bin/env bash
# Oracle for training_files_debug: fix the package with anchored edits, then run the 2-epoch training once.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" .
WANDB_MODE=offline python train.py
