#!/usr/bin/env bash
# Oracle for shape_mismatch_output: resize the linear head to the real flattened size, then check.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" classifier_model.py
python run_model.py
