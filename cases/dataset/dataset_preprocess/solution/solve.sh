#!/usr/bin/env bash
# Oracle for dataset_preprocess.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/preprocess.py"
