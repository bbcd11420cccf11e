#!/usr/bin/env bash
# Oracle for small_dataset_overfit: write the training script and run it once.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/training_script_mnist.py" training_script_mnist.py
python training_script_mnist.py
