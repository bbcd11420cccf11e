#!/usr/bin/env bash
# Oracle for shape_mismatch_train: 3-channel MNIST in both pipelines, then run.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" train.py
python run_training.py
