#!/usr/bin/env bash
# Oracle for cifar_10_lt_performance: logit-adjusted CE, best epoch by balanced accuracy on val_balanced.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train_oracle.py" ./oracle_train.py
cp "$MLDB_SOLUTION_DIR/train_baseline.py" ./train_baseline.py  # its SmallCNN and data helpers (not given to agents)
python oracle_train.py
python evaluate.py
