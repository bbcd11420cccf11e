#!/usr/bin/env bash
# Oracle for improve_segmentation_baseline (recipe per profile in train_oracle.py).
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train_oracle.py" oracle_train.py
python oracle_train.py
