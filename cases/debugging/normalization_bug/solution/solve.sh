#!/usr/bin/env bash
# Oracle for normalization_bug: normalise validation images like training images, then run the check.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" train.py
python run_training.py
