#!/usr/bin/env bash
# Oracle for nan_loss_debug: standardise the input right after the targets are made, then check.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" train.py
python test_model.py
