#!/usr/bin/env bash
# Oracle for cifar100_performance: train (profile-dependent recipe), log to W&B offline, write utils.py.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train_oracle.py" ./oracle_train.py
python oracle_train.py
python evaluate.py
