#!/usr/bin/env bash
# Oracle for boolq_performance: a proper fine-tuning recipe (train.py beside this script). It scores the local
# validation split itself while training, so the locked evaluate.py (the same split, a second process that
# re-imports torch and pads every pair to 256 tokens: ~15 s on 2 CPU cores) is not run in the oracle.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/train.py" oracle_train.py
python oracle_train.py
