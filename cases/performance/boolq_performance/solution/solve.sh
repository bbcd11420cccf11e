#!/usr/bin/env bash
# Oracle for boolq_performance: a proper fine-tuning recipe (train.py beside this script), then the local check.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train.py" oracle_train.py
python oracle_train.py
python evaluate.py
