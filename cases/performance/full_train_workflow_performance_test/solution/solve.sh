#!/usr/bin/env bash
# Oracle for full_train_workflow_performance_test: data, a noise-robust training run, utils.py.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/prepare_data.py"
cp "$MLDB_SOLUTION_DIR/model.py" model.py
cp "$MLDB_SOLUTION_DIR/train.py" oracle_train.py
python oracle_train.py
cp "$MLDB_SOLUTION_DIR/utils_oracle.py" utils.py
