#!/usr/bin/env bash
# Oracle for cifar100_performance: train (profile-dependent recipe), log to W&B offline, write utils.py.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train_oracle.py" ./oracle_train.py
cp "$MLDB_SOLUTION_DIR/train_baseline.py" ./train_baseline.py  # its loaders and fit loop (not given to agents)
python oracle_train.py
python evaluate.py
